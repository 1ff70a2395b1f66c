"""``aggregates serve --cluster tcp://HOST:PORT``: sweep jobs solve on the workers of a Dask scheduler
started by hand, and give the rows the command gives in its own process."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import add_users, fresh_settings
from dask_by_hand import scheduler_and_worker
from distributed import Client
from svc import live_server, wait_for
from typer.testing import CliRunner

from aggregates.cli import app

pytestmark = pytest.mark.slow


def _ended(client, job_id: str):
    job = client.get(f"/api/jobs/{job_id}").json()
    return job if job["status"] in ("done", "failed", "cancelled") else None


def test_a_sweep_job_solves_on_the_services_cluster_with_the_rows_of_the_command(tmp_path, scenarios_dir):
    values = [6.5, 8.0, 9.5]
    (tmp_path / "worker").mkdir()
    with scheduler_and_worker(tmp_path / "worker") as address:
        settings = replace(fresh_settings(tmp_path / "data", "", scenarios_dir), cluster=address)
        tokens = add_users(settings)
        with live_server(settings, workers=1) as live:
            planner = live.client(tokens["planner"])
            params = {"param": "diesel_price", "values": values, "charts": False}
            job_id = planner.post(
                "/api/jobs", json={"kind": "sensitivity", "scenario": {"name": "tiny"}, "params": params}
            )
            job = wait_for(lambda: _ended(planner, job_id.json()["id"]), 180)
            assert job["status"] == "done", job["error"]
            there = planner.get(f"/api/jobs/{job['id']}/files/sensitivity.csv").content
        with Client(address, timeout=10, set_as_default=False) as client:
            # The job's solves ran there (a lambda travels by value; this module is not on the scheduler's path).
            prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "aggregates" in prefixes
    sweep = ["sensitivity", str(scenarios_dir / "tiny.yaml"), "--param", "diesel_price", "--values", "6.5,8,9.5"]
    here = CliRunner().invoke(app, [*sweep, "--workers", "1", "--out", str(tmp_path / "here")])
    assert here.exit_code == 0, here.output
    assert (tmp_path / "here" / "sensitivity.csv").read_bytes() == there


def test_serve_takes_only_a_schedulers_address(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), "--cluster", "local:2"])
    assert result.exit_code == 2
    assert "--cluster 'local:2': expected a running Dask scheduler's address, tcp://HOST:PORT" in result.output
