"""kill -9 of ``aggregates serve`` itself mid-job (a module of its own: it starts and kills its own server)."""

from __future__ import annotations

import os
import signal

import pytest
from conftest import add_users, fresh_settings
from svc import alive, children, live_server, wait_for
from test_service_live import LONG, _ended, _running

pytestmark = pytest.mark.slow


def test_kill_9_of_the_server_puts_its_job_back_and_the_next_start_finishes_it(tmp_path, backend, scenarios_dir):
    # A fresh service of its own (this test kills it): the server dies by SIGKILL mid-job; its workers notice
    # they lost their parent, put the job back in the queue and end; the next start runs the job to the end.
    settings = fresh_settings(tmp_path / "data", backend, scenarios_dir)
    token = add_users(settings)["planner"]
    with live_server(settings) as first:
        planner = first.client(token)
        job_id = planner.post("/api/jobs", json=LONG).json()["id"]
        job = wait_for(lambda: _running(planner, job_id))
        worker = int(job["worker"].rsplit(":", 1)[1])
        workers = children(first.process.pid)
        assert worker in workers
        os.kill(first.process.pid, signal.SIGKILL)
        wait_for(lambda: not any(alive(w) for w in workers), timeout=10.0, step=0.1)  # no orphan keeps working
    with live_server(settings) as second:
        planner = second.client(token)
        done = wait_for(lambda: _ended(planner, job_id), 120)
    assert (done["status"], done["attempts"]) == ("done", 1) and "sensitivity.csv" in done["files"]
