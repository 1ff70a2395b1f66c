"""A real ``aggregates serve`` with two worker processes: a job's life, publish and coverage, cancel, kill -9."""

from __future__ import annotations

import os
import signal
import time

import pytest
from svc import alive, children, wait_for

pytestmark = pytest.mark.slow

# A job that runs for several seconds on the tiny region: one solve per value, then tables and charts.
# A job long enough to be seen running, cancelled or killed: a tiny-region solve takes about 0.1 s once the
# sweep's first plan warm-starts the others, so many values.
LONG = {
    "kind": "sensitivity",
    "scenario": {"name": "tiny"},
    "params": {"param": "diesel_price", "values": [6 + v / 4 for v in range(60)], "charts": False},
}


def _job(client, job_id: str) -> dict:
    return client.get(f"/api/jobs/{job_id}").json()


def _ended(client, job_id: str):
    job = _job(client, job_id)
    return job if job["status"] in ("done", "failed", "cancelled") else None


def _running(client, job_id: str):
    job = _job(client, job_id)
    return job if job["status"] == "running" and job["progress"]["fraction"] > 0 else None


def test_a_job_runs_publishes_and_answers_coverage(live):
    live, _, tokens = live
    planner, official, project = (live.client(tokens[n]) for n in ("planner", "official", "project"))
    job_id = planner.post(
        "/api/jobs",
        json={
            "kind": "optimize",
            "scenario": {"name": "tiny"},
            "overrides": ["outputs.charts=false", "outputs.report=false"],
        },
    ).json()["id"]
    job = wait_for(lambda: _ended(planner, job_id))
    assert job["status"] == "done", job["error"]
    assert job["result"]["all_targets_met"] is True
    assert job["result"]["years"]["2021"]["substitution_mt"] == pytest.approx(3.0)
    assert {"kpis.json", "flows.csv", "plan.xlsx", "plan.gpkg", "map.html"} <= set(job["files"])
    assert planner.get(f"/api/jobs/{job_id}/files/kpis.json").json()["scenario"] == "tiny"
    page = planner.get(f"/api/jobs/{job_id}/files/map.html")
    assert page.headers["content-type"].startswith("text/html") and "<html" in page.text
    site = {"name": "工地", "lat": 40.0, "lon": 116.41, "tonnes": 100000, "product": "sand", "years": [2021]}
    assert project.post("/api/coverage", json={"site": site, "plan": job_id}).status_code == 422  # not published yet
    assert planner.post(f"/api/jobs/{job_id}/publish").status_code == 200
    assert [j["id"] for j in official.get("/api/jobs").json()] == [job_id]
    answer = project.post("/api/coverage", json={"site": site, "plan": job_id})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] in ("covered", "partly", "not") and answer.json()["name"] == "工地"
    assert answer.json()["options"], "a site beside d-city has supply options"
    shifted = project.post("/api/coverage", json={"site": {**site, "crs": "GCJ-02"}, "plan": job_id}).json()
    assert shifted["lon"] < site["lon"]  # GCJ-02 input is shifted back to WGS-84
    # By place name (the tiny region's demand node d-city, 测试d-city), and a name no place has.
    named = {k: v for k, v in site.items() if k not in ("lat", "lon", "name")} | {"place": "测试d-city"}
    placed = project.post("/api/coverage", json={"site": named, "plan": job_id})
    assert placed.status_code == 200, placed.text
    assert (placed.json()["lat"], placed.json()["lon"]) == (40.0, 116.4) and placed.json()["name"] == "测试d-city"
    nowhere = project.post("/api/coverage", json={"site": {**named, "place": "火星"}, "plan": job_id})
    assert nowhere.status_code == 422 and "火星" in nowhere.text


def test_cancel_stops_the_run_within_two_seconds(live):
    live, _, tokens = live
    planner = live.client(tokens["planner"])
    job_id = planner.post("/api/jobs", json=LONG).json()["id"]
    job = wait_for(lambda: _running(planner, job_id))
    worker = int(job["worker"].rsplit(":", 1)[1])
    (child,) = children(worker)
    started = time.monotonic()
    assert planner.delete(f"/api/jobs/{job_id}").status_code == 202
    wait_for(lambda: not alive(child), timeout=2.0, step=0.05)
    stopped = time.monotonic() - started
    assert stopped < 2.0
    job = _job(planner, job_id)
    assert (job["status"], job["files"]) == ("cancelled", [])
    assert planner.delete(f"/api/jobs/{job_id}").status_code == 409


def test_kill_9_of_a_worker_requeues_its_job_and_spares_the_other(live):
    live, settings, tokens = live
    planner = live.client(tokens["planner"])
    first, second = (planner.post("/api/jobs", json=LONG).json()["id"] for _ in range(2))
    a, b = wait_for(lambda: _running(planner, first)), wait_for(lambda: _running(planner, second))
    assert a["worker"] != b["worker"]  # two jobs at once, one per worker
    worker = int(a["worker"].rsplit(":", 1)[1])
    (child,) = children(worker)
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: not alive(child), timeout=3.0, step=0.05)  # the orphaned run ends itself
    done_a, done_b = wait_for(lambda: _ended(planner, first), 120), wait_for(lambda: _ended(planner, second), 120)
    assert (done_b["status"], done_b["attempts"]) == ("done", 1)
    assert (done_a["status"], done_a["attempts"]) == ("done", 2)
    assert f"worker {a['worker']} stopped (no heartbeat" in done_a["error"]
    assert done_a["files"] == done_b["files"] and "sensitivity.csv" in done_a["files"]
    leftovers = [p.name for p in settings.jobs_dir.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]
    assert leftovers == []  # the killed run's half-written folder is gone
