"""The job queue in the database: atomic claims, stale workers' jobs re-queued once then failed, late answers ignored."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from aggregates.service import jobs
from aggregates.service.db import Job, User, make_engine, sessions


@pytest.fixture
def factory(settings, tokens):
    engine = make_engine(settings)
    yield sessions(engine)
    engine.dispose()


def _queue(factory, count: int) -> list[str]:
    with factory() as db:
        owner = db.query(User).filter_by(name="planner").one()
        return [jobs.submit(db, owner, "optimize", {"n": i}).id for i in range(count)]


def test_each_job_is_claimed_once_oldest_first(factory):
    queued = _queue(factory, 2)
    with factory() as a, factory() as b, factory() as c:
        first, second, third = jobs.claim(a, "w:1"), jobs.claim(b, "w:2"), jobs.claim(c, "w:3")
    assert [first.id, second.id, third] == [*queued, None]
    assert (first.status, first.worker_id, first.attempts) == ("running", "w:1", 1)


def test_a_silent_workers_job_is_requeued_once_then_failed(factory, settings):
    (job_id,) = _queue(factory, 1)
    for attempt in (1, 2):
        with factory() as db:
            assert jobs.claim(db, f"w:{attempt}").id == job_id
            db.execute(update(Job).values(heartbeat_at=Job.heartbeat_at - settings.stale_s - 1))
            db.commit()
            (line,) = jobs.recover(db, settings)
            job = db.get(Job, job_id, populate_existing=True)
        assert f"worker w:{attempt} stopped" in job.error
        assert job.status == ("queued" if attempt == 1 else "failed"), line
    assert "failed after 2 attempts" in job.error


def test_a_fresh_heartbeat_is_left_alone_and_late_answers_are_ignored(factory, settings):
    (job_id,) = _queue(factory, 1)
    with factory() as db:
        jobs.claim(db, "w:1")
        assert jobs.recover(db, settings) == []
        assert jobs.beat(db, job_id, "w:1", jobs.Progress("solving", 0.5, 0.01))
        assert jobs.cancel(db, db.get(Job, job_id))
        assert not jobs.beat(db, job_id, "w:1")  # the worker learns to stop
        assert not jobs.finish(db, job_id, "w:1", ["kpis.json"], {})
        job = db.get(Job, job_id, populate_existing=True)
    assert (job.status, job.files, job.fraction) == ("cancelled", "[]", 0.5)
