"""The job queue in the database: submit, claim atomically, report progress, finish, cancel, recover.

A job is claimed by one statement (``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)
RETURNING``; SQLite runs it under its write lock, PostgreSQL skips rows another worker holds), so
two workers never run one job. Every later change by a worker names the worker and expects the
job still ``running``: a job cancelled, or re-queued after the worker was presumed dead, is not
overwritten by a late answer.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from aggregates.service.db import Job, User
from aggregates.service.settings import Settings

ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Progress:
    """What a worker reports about its running job."""

    stage: str
    fraction: float
    gap: float | None = None


def submit(db: Session, owner: User, kind: str, request: dict) -> Job:
    """Queue a job for ``owner``; ``request`` holds everything its run needs (JSON)."""
    job = Job(id=uuid.uuid4().hex, kind=kind, owner_id=owner.id, request=json.dumps(request), stage="queued")
    db.add(job)
    db.commit()
    return job


def claim(db: Session, worker_id: str) -> Job | None:
    """Take the oldest queued job for ``worker_id``, or None; no two workers get the same job."""
    oldest = (
        select(Job.id)
        .where(Job.status == "queued")
        .order_by(Job.created_at, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    now = time.time()
    claimed = db.execute(
        update(Job)
        .where(Job.id == oldest, Job.status == "queued")
        .values(
            status="running",
            worker_id=worker_id,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            stage="starting",
            fraction=0.0,
            gap=None,
        )
        .returning(Job.id)
    ).scalar()
    db.commit()
    return db.get(Job, claimed, populate_existing=True) if claimed else None


def _mine(job_id: str, worker_id: str):
    return (Job.id == job_id, Job.worker_id == worker_id, Job.status == "running")


def beat(db: Session, job_id: str, worker_id: str, progress: Progress | None = None) -> bool:
    """Write the heartbeat (and progress); False when the job is no longer this worker's to run."""
    values = {"heartbeat_at": time.time()}
    if progress is not None:
        values |= {"stage": progress.stage[:200], "fraction": progress.fraction, "gap": progress.gap}
    changed = db.execute(update(Job).where(*_mine(job_id, worker_id)).values(**values)).rowcount
    db.commit()
    return changed == 1


def finish(db: Session, job_id: str, worker_id: str, files: list[str], result: dict) -> bool:
    """Record a job done with its file manifest and figures; False when it was cancelled meanwhile."""
    values = {"status": "done", "stage": "done", "fraction": 1.0, "finished_at": time.time()}
    values |= {"files": json.dumps(files), "result": json.dumps(result, default=str)}
    changed = db.execute(update(Job).where(*_mine(job_id, worker_id)).values(**values)).rowcount
    db.commit()
    return changed == 1


def fail(db: Session, job_id: str, worker_id: str, message: str) -> None:
    """Record a job failed with the reason."""
    values = {"status": "failed", "error": message, "finished_at": time.time()}
    db.execute(update(Job).where(*_mine(job_id, worker_id)).values(**values))
    db.commit()


def cancel(db: Session, job: Job) -> bool:
    """Cancel a queued or running job (its worker stops the run); False when it had ended already."""
    changed = db.execute(
        update(Job)
        .where(Job.id == job.id, Job.status.in_(ACTIVE))
        .values(status="cancelled", stage="cancelled", finished_at=time.time())
    ).rowcount
    db.commit()
    return changed == 1


def recover(db: Session, settings: Settings) -> list[str]:
    """Re-queue (or, past ``max_attempts``, fail) running jobs whose worker stopped beating.

    Returns
    -------
    list of str
        One line per job recovered, e.g. ``3f2a...: re-queued (worker host:123 silent for 16 s)``.
    """
    now = time.time()
    stale = db.scalars(
        select(Job).where(Job.status == "running", Job.heartbeat_at < now - settings.stale_s).with_for_update()
    ).all()
    lines = []
    for job in stale:
        why = f"worker {job.worker_id} stopped (no heartbeat for {now - job.heartbeat_at:.0f} s) during '{job.stage}'"
        if job.attempts < settings.max_attempts:
            job.status, job.worker_id, job.stage, job.fraction, job.error = "queued", None, "queued", 0.0, why
            lines.append(f"{job.id}: re-queued ({why})")
        else:
            job.status, job.finished_at = "failed", now
            job.error = f"{why}; failed after {job.attempts} attempts"
            lines.append(f"{job.id}: failed ({why})")
    db.commit()
    return lines


def publish(db: Session, job: Job) -> None:
    """Make a done job visible to officials and project teams."""
    job.published = True
    db.commit()


def visible_jobs(db: Session, user: User):
    """The jobs ``user`` may see: a planner's own and every published one; others only published ones."""
    if user.role == "planner":
        return select(Job).where(or_(Job.owner_id == user.id, Job.published.is_(True)))
    return select(Job).where(Job.published.is_(True))


def find(db: Session, user: User, job_id: str) -> Job | None:
    """The job when ``user`` may see it, else None (so another's job is simply not found)."""
    return db.scalar(visible_jobs(db, user).where(Job.id == job_id))


def listing(db: Session, user: User, limit: int = 200) -> list[Job]:
    """The jobs ``user`` may see, newest first."""
    return list(db.scalars(visible_jobs(db, user).order_by(Job.created_at.desc()).limit(limit)))


def view(job: Job, owner_name: str = "") -> dict:
    """A job as the API shows it: status, progress with elapsed time and an estimate, files, figures."""
    now = time.time()
    end = job.finished_at or now
    elapsed = end - job.started_at if job.started_at else 0.0
    left = None
    if job.status == "running" and 0.0 < job.fraction < 1.0:
        left = elapsed * (1.0 - job.fraction) / job.fraction
    return {
        "id": job.id,
        "kind": job.kind,
        "owner": owner_name,
        "status": job.status,
        "published": job.published,
        "progress": {
            "stage": job.stage,
            "fraction": job.fraction,
            "gap": job.gap,
            "elapsed_s": round(elapsed, 1),
            "estimate_left_s": None if left is None else round(left, 1),
        },
        "error": job.error,
        "attempts": job.attempts,
        "worker": job.worker_id,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "files": json.loads(job.files),
        "result": json.loads(job.result) if job.status == "done" else None,
    }
