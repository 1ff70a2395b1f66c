"""The plan pages in process, over one tiny plan solved once and stored as a done job: a planner's result,
an official's plan, matrix and report, a comparison, and a project team's coverage question."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pages import log_in

from aggregates.config import load_scenario
from aggregates.pipeline import solve
from aggregates.service import jobs, runner
from aggregates.service.app import create_app
from aggregates.service.db import Job, User
from aggregates.viz.labels import text

pytestmark = pytest.mark.slow  # a tiny plan solved and drawn into pages: the browser tests' neighbours


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    """The pages run on the embedded database here; the API tests cover PostgreSQL."""
    return ""


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, scenarios_dir):
    """The tiny scenario solved and written once (maps, no charts or report: the pages draw those)."""
    scenario = load_scenario(scenarios_dir / "tiny.yaml", ["outputs.charts=false", "outputs.report=false"])
    folder = tmp_path_factory.mktemp("tiny-run") / "run"
    solve(scenario).write(folder)
    return folder


def _stored(app, tiny_run, owner: str = "planner", published: bool = True) -> str:
    """A done optimize job of ``owner`` whose folder is a copy of ``tiny_run``."""
    with app.state.sessions() as db:
        user = db.query(User).filter_by(name=owner).one()
        text_ = (tiny_run / "scenario.yaml").read_text()
        job = jobs.submit(db, user, "optimize", {"scenarios": [{"name": "tiny", "text": text_}], "overrides": []})
        assert jobs.claim(db, "test:1").id == job.id
        folder = app.state.settings.jobs_dir / job.id
        shutil.copytree(tiny_run, folder)
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        result = json.loads((folder / "kpis.json").read_text())
        assert jobs.finish(db, job.id, "test:1", files, result)
        if published:
            jobs.publish(db, db.get(Job, job.id))
        return job.id


@pytest.fixture
def client(settings, tokens):
    app = create_app(replace(settings, coverage_processes=0))  # questions answered in a thread of this process
    with TestClient(app) as made:
        yield made
    app.state.engine.dispose()


def test_a_result_shows_cards_map_charts_and_files(client, tiny_run):
    job_id = _stored(client.app, tiny_run, published=False)
    log_in(client, "planner")
    page = client.get(f"/planner/jobs/{job_id}").text
    assert f'src="/api/jobs/{job_id}/files/map.html"' in page and 'class="card"' in page
    assert 'id="chart-substitution"' in page and "/static/pages/vega.js" in page
    assert f"/api/jobs/{job_id}/files/flows.csv" in page
    english = client.get(f"/planner/jobs/{job_id}?lang=en").text
    assert f"/api/jobs/{job_id}/files/map.en.html" in english and text("supply_matrix", "en") in english


def test_officials_see_only_published_plans_with_matrix_and_report(client, tiny_run):
    shown, hidden = _stored(client.app, tiny_run), _stored(client.app, tiny_run, published=False)
    log_in(client, "official")
    listing = client.get("/official/plans").text
    assert shown in listing and hidden not in listing
    assert client.get(f"/official/plans/{hidden}").status_code == 404
    plan = client.get(f"/official/plans/{shown}").text
    assert 'id="matrix"' in plan and "唐山" in plan and 'id="conclusion"' in plan


@pytest.mark.slow  # the report inlines the Vega bundle, built once per process in about 2 s
def test_the_report_is_drawn_in_the_language_asked_for(client, tiny_run):
    shown = _stored(client.app, tiny_run)
    log_in(client, "official")
    report = client.get(f"/official/plans/{shown}/report").text
    assert '<html lang="zh-CN">' in report and text("supply_matrix", "zh") in report
    english = client.get(f"/official/plans/{shown}/report?lang=en").text
    assert '<html lang="en">' in english and text("supply_matrix", "en") in english


def test_two_plans_compare_with_units_and_what_changed(client, tiny_run):
    a, b = _stored(client.app, tiny_run), _stored(client.app, tiny_run)
    log_in(client, "official")
    page = client.get(f"/compare?ids={a}&ids={b}").text
    assert 'id="deltas"' in page and "(万吨)" in page and "+0 万吨" in page
    drawn = client.get(f"/compare/map?ids={a}&ids={b}").text
    assert drawn.count("L.map(") == 2 and not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', drawn)
    assert client.get(f"/compare?ids={a}&ids={a}&ids={a}&ids={a}&ids={a}&ids={a}&ids={a}").status_code == 422


def test_a_project_team_asks_by_place_name(client, tiny_run):
    plan = _stored(client.app, tiny_run)
    token = log_in(client, "project")
    assert client.get(f"/project/places?plan={plan}&q=dcity").json()[0]["name"] == "测试d-city"
    asked = {"csrf": token, "plan": plan, "place": "测试d-city", "tonnes": "200000", "product": "sand", "year": "2021"}
    page = client.post("/project/coverage", data=asked)
    assert page.status_code == 200, page.text
    assert "测试b-one" in page.text and "200,000吨" in page.text and 'id="coverage-map"' in page.text
    nowhere = client.post("/project/coverage", data=asked | {"place": "nowhere-at-all"})
    assert nowhere.status_code == 422 and "no place of the region has that name" in nowhere.text
    assert client.post("/project/coverage/reoptimise", data=asked).status_code == 403  # a planner's job


def test_a_planner_queues_the_re_optimisation_as_a_coverage_job(client, tiny_run, tmp_path):
    plan = _stored(client.app, tiny_run)
    token = log_in(client, "planner")
    asked = {"csrf": token, "plan": plan, "place": "测试d-city", "tonnes": "200000", "product": "sand", "year": "2021"}
    queued = client.post("/project/coverage/reoptimise", data=asked, follow_redirects=False)
    assert queued.status_code == 303, queued.text
    with client.app.state.sessions() as db:
        job = db.query(Job).filter_by(kind="coverage").one()
    request = json.loads(job.request)
    assert request["plan_dir"] is None and request["sites"][0]["name"] == "测试d-city"
    assert request["sites"][0]["years"] == [2021] and request["scenarios"][0]["name"] == "tiny"
    assert Path(request["compare_dir"]).name == plan  # the published plan the answer is compared with
    # The job re-optimises with the site and explains, in both languages, how that differs from the plan.
    result = runner.run("coverage", request, tmp_path / "out", lambda progress: None)
    assert len(result["sites"]) == len(result["against_plan"]) == len(result["differences"]) == 1
    assert set(result["differences"][0]) == {"zh", "en"} and all(result["differences"][0].values())
