"""Worker processes: claim a queued job, run it in a child process, report progress, obey a cancel.

The child runs in its own process group, so a cancel kills it and everything it started in one
step (within ``poll_s`` of the cancel). A worker writes a heartbeat while its job runs; if the
worker is killed, the job's heartbeat goes stale and the next worker to look re-queues it once
(or marks it failed with the reason), while the orphaned child notices its parent is gone and
ends itself. Files are written by the child all at once; the job is recorded done only after.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from aggregates.errors import AggregatesError
from aggregates.files import clean_stale
from aggregates.service import jobs, runner
from aggregates.service.db import Job, make_engine, sessions
from aggregates.service.settings import Settings

log = logging.getLogger(__name__)
_FORK = multiprocessing.get_context("fork")  # the child starts at once with the libraries loaded


def worker_id() -> str:
    """This process's name in the jobs table: host and PID."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Worker:
    """One worker process's loop."""

    settings: Settings
    factory: sessionmaker[Session]
    name: str = field(default_factory=worker_id)
    stopping: threading.Event = field(default_factory=threading.Event)

    def loop(self) -> None:
        """Recover dead workers' jobs, claim the next job, run it; until :attr:`stopping` is set."""
        while not self.stopping.is_set():
            with self.factory() as db:
                for line in jobs.recover(db, self.settings):
                    log.warning("recovered job %s", line)
                job = jobs.claim(db, self.name)
            if job is None:
                self.stopping.wait(self.settings.poll_s)
                continue
            log.info("worker %s runs job %s (%s, attempt %d)", self.name, job.id, job.kind, job.attempts)
            self.supervise(job)

    def supervise(self, job: Job) -> None:
        """Run ``job`` in a child process until it ends, is cancelled, or this worker stops."""
        out_dir = self.settings.jobs_dir / job.id
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        queue = _FORK.Queue()
        request = json.loads(job.request)
        child = _FORK.Process(target=_child, args=(job.kind, request, out_dir, queue, self.settings.cluster))
        child.start()
        watch = _Watch(self, job.id, child, queue)
        outcome = watch.run()
        self.record(job.id, outcome, out_dir)

    def record(self, job_id: str, outcome: tuple, out_dir: Path) -> None:
        """Write the job's end to the database; drop files of a job that is no longer ours."""
        with self.factory() as db:
            if outcome[0] == "done":
                files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
                if jobs.finish(db, job_id, self.name, files, outcome[1]):
                    return
            elif outcome[0] == "failed":
                jobs.fail(db, job_id, self.name, outcome[1])
                return
            elif outcome[0] == "stopping":
                _requeue(db, job_id, self.name)
        clean_stale(out_dir)
        shutil.rmtree(out_dir, ignore_errors=True)


@dataclass
class _Watch:
    worker: Worker
    job_id: str
    child: multiprocessing.Process
    queue: multiprocessing.Queue
    latest: jobs.Progress | None = None
    outcome: tuple | None = None

    def run(self) -> tuple:
        settings, last_beat = self.worker.settings, 0.0
        while self.outcome is None:
            self.drain()
            if self.outcome is not None:
                break
            if not self.child.is_alive():
                self.drain()
                self.outcome = self.outcome or (
                    "failed",
                    f"the job's process ended unexpectedly (exit code {self.child.exitcode})",
                )
                break
            if self.worker.stopping.is_set():
                self.outcome = ("stopping",)
            elif time.monotonic() - last_beat >= settings.heartbeat_s:
                last_beat = time.monotonic()
                with self.worker.factory() as db:
                    if not jobs.beat(db, self.job_id, self.worker.name, self.latest):
                        self.outcome = ("cancelled",)
            elif not self.still_running():
                self.outcome = ("cancelled",)
            time.sleep(settings.poll_s if self.outcome is None else 0)
        if self.outcome[0] in ("cancelled", "stopping"):
            _kill(self.child)
        self.child.join(5)
        return self.outcome

    def still_running(self) -> bool:
        with self.worker.factory() as db:
            status = db.scalar(select(Job.status).where(Job.id == self.job_id, Job.worker_id == self.worker.name))
        return status == "running"

    def drain(self) -> None:
        while True:
            try:
                message = self.queue.get_nowait()
            except Exception:  # queue.Empty, or a queue broken by a dead child
                return
            if message[0] == "progress":
                self.latest = jobs.Progress(*message[1:])
            else:
                self.outcome = message


def _kill(child: multiprocessing.Process) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()


def _requeue(db: Session, job_id: str, name: str) -> None:
    """Put back a job this worker was stopped in the middle of, without counting the attempt."""
    db.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker_id == name, Job.status == "running")
        .values(status="queued", worker_id=None, stage="queued", fraction=0.0, attempts=Job.attempts - 1)
    )
    db.commit()


def _child(kind: str, request: dict, out_dir: Path, queue: multiprocessing.Queue, cluster: str | None) -> None:
    """The job's process: its own process group; ends itself if the worker dies."""
    os.setsid()
    _end_with_parent(os.getppid())

    def on_progress(p) -> None:
        queue.put(("progress", p.stage, p.fraction, p.gap))

    try:
        queue.put(("done", runner.run(kind, request, out_dir, on_progress, cluster=cluster)))
    except AggregatesError as exc:
        queue.put(("failed", exc.message))
    except Exception as exc:
        logging.getLogger(__name__).exception("job failed")
        queue.put(("failed", f"internal error: {type(exc).__name__}: {exc}"))
    queue.close()
    queue.join_thread()


def _end_with_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


def _stop_with_parent(worker: Worker) -> None:
    """Stop (putting the running job back in the queue) when ``aggregates serve`` is gone, even by kill -9:
    the next start's workers take the job up, and no orphaned worker keeps claiming jobs."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and not worker.stopping.is_set():
            time.sleep(0.5)
        worker.stopping.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_worker(settings: Settings) -> None:
    """A worker process's main: loop until SIGTERM or SIGINT, then put its running job back in the queue."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = make_engine(settings)
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    worker = Worker(settings, sessions(engine))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stopping.set())
    _stop_with_parent(worker)
    log.info("worker %s started", worker.name)
    worker.loop()
