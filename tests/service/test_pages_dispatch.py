"""Day dispatch as a service job, in process: queued from the form or the API on a published tiny plan, run by
the runner as a worker's child runs it, and read on the day's page by planners, officials and project teams."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import test_pages_plans
from fastapi.testclient import TestClient
from pages import log_in

from aggregates.errors import InfeasibleError
from aggregates.service import jobs, runner
from aggregates.service.app import create_app
from aggregates.service.db import Job
from aggregates.service.i18n import translator
from aggregates.service.web.dispatch import figure_words, parse_caps, parse_day

tiny_run = test_pages_plans.tiny_run  # the tiny plan, solved once per module
_stored = test_pages_plans._stored

# The tiny plan of 2021 sends 3 Mt by diesel truck from b-one and b-two: 322.6 loads a typical day, rounded to
# 323, routed in about 2 s at 0.3 s a part.
QUICK_DAY = {"time_limit_s": "0.3"}


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    """The pages run on the embedded database here; the API tests cover PostgreSQL."""
    return ""


@pytest.fixture
def client(settings, tokens):
    app = create_app(replace(settings, coverage_processes=0))
    with TestClient(app) as made:
        yield made
    app.state.engine.dispose()


def _run(client, job_id: str) -> dict:
    """Run the queued job ``job_id`` as a worker would (claim, runner, finish or fail); return its API view."""
    app = client.app
    with app.state.sessions() as db:
        job = jobs.claim(db, "test:2")
        assert job.id == job_id
        folder = app.state.settings.jobs_dir / job.id
        try:
            result = runner.run(job.kind, json.loads(job.request), folder, lambda progress: None)
        except InfeasibleError as exc:
            jobs.fail(db, job.id, "test:2", exc.message)
        else:
            files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
            assert jobs.finish(db, job.id, "test:2", files, result)
        return jobs.view(db.get(Job, job.id, populate_existing=True))


def _queue_from_form(client, plan: str, **fields) -> str:
    token = log_in(client, "planner")
    form = {"csrf": token, "day": "typical", "year": "2021", **QUICK_DAY, **fields}
    queued = client.post(f"/planner/plans/{plan}/dispatch", data=form, follow_redirects=False)
    assert queued.status_code == 303, queued.text
    with client.app.state.sessions() as db:
        return db.query(Job).filter_by(kind="dispatch").order_by(Job.created_at.desc()).first().id


@pytest.mark.slow  # a tiny plan solved (module fixture) and a day routed and drawn in both languages: ~4 s
def test_a_planner_dispatches_a_day_and_officials_and_project_teams_read_it(client, tiny_run):
    plan = _stored(client.app, tiny_run)
    log_in(client, "planner")
    form = client.get(f"/planner/plans/{plan}/dispatch?lang=en")
    assert form.status_code == 200 and 'value="b-one"' in form.text and "No days dispatched yet" in form.text
    day = _queue_from_form(client, plan)
    request = json.loads(client.app.state.sessions().get(Job, day).request)
    assert request["plan"] == plan and request["dispatch"]["time_limit_s"] == 0.3
    view = _run(client, day)
    assert view["status"] == "done", view["error"]
    result = view["result"]
    assert result["loads"] == 323 and result["trucks_by_type"].keys() == {"diesel"} and result["trains"] == 0
    diesel = next(r for r in result["comparison"] if r["figure"] == "diesel trucks working")
    assert diesel["day"] == result["trucks_by_type"]["diesel"] and diesel["plan_on_day"] > 0
    assert next(r for r in result["comparison"] if r["figure"] == "trains a day")["ratio"] is None  # JSON null
    for name in ("routes.csv", "trucks.csv", "trains.csv", "comparison.csv", "day.json", "gantt.html"):
        assert name in view["files"]
    assert {"day_map.html", "day_map.en.html", "gantt.en.html"} <= set(view["files"])  # zh as the scenario says

    page = client.get(f"/planner/jobs/{day}?lang=en").text  # the jobs page's result link
    assert "Loads" in page and "323" in page and "Against the plan&#39;s fleet sizing" in page
    assert f'src="/api/jobs/{day}/files/day_map.en.html"' in page and f"/api/jobs/{day}/files/gantt.en.html" in page
    assert f'src="/api/jobs/{day}/files/day_map.html"' in client.get(f"/days/{day}").text  # Chinese page, Chinese map
    assert "典型日" in client.get(f"/planner/jobs/{plan}").text  # the plan's page lists its days

    client.cookies.clear()
    log_in(client, "official")
    assert client.get(f"/days/{day}").status_code == 404  # not published yet
    assert day[:8] not in client.get("/days").text
    with client.app.state.sessions() as db:
        jobs.publish(db, db.get(Job, day))
    for role in ("official", "project"):
        client.cookies.clear()
        log_in(client, role)
        assert client.get(f"/days/{day}?lang=en").status_code == 200
        assert day[:8] in client.get("/days").text
        assert client.get(f"/api/jobs/{day}/files/day.json").json()["loads"] == 323
        assert client.get(f"/planner/plans/{plan}/dispatch").status_code == 403  # read-only
    client.cookies.clear()
    log_in(client, "official")
    assert day[:8] in client.get(f"/official/plans/{plan}").text  # the published plan lists its published days


@pytest.mark.slow  # the tiny plan (module fixture) and a day that fails its fleet cap at once: ~2 s
def test_an_infeasible_day_shows_its_reason(client, tiny_run):
    plan = _stored(client.app, tiny_run)
    # b-one's 2021 loads need more than one truck in a day: a cap of 1 cannot serve them.
    day = _queue_from_form(client, plan, truck_cap="b-one:diesel=1")
    view = _run(client, day)
    assert view["status"] == "failed" and view["files"] == []
    assert "b-one needs at least" in view["error"] and "the fleet cap is 1" in view["error"]
    page = client.get(f"/days/{day}?lang=en").text
    assert "day typical of 2021 cannot be dispatched:" in page and "the fleet cap is 1" in page


@pytest.mark.slow  # the tiny plan (module fixture)
def test_the_api_queues_a_day_of_a_published_plan_only(client, tokens, tiny_run):
    hidden, shown = _stored(client.app, tiny_run, published=False), _stored(client.app, tiny_run)
    planner = {"Authorization": f"Bearer {tokens['planner']}"}
    answer = client.post("/api/jobs", json={"kind": "dispatch", "plan": hidden}, headers=planner)
    assert answer.status_code == 422 and "not a published optimize job" in answer.json()["detail"]
    bad = {"kind": "dispatch", "plan": shown, "dispatch": {"day": "busy"}}
    assert client.post("/api/jobs", json=bad, headers=planner).status_code == 422
    bad = {"kind": "dispatch", "plan": shown, "dispatch": {"truck_cap": {"b-one": 3}}}
    assert "'<depot>:<truck>'" in client.post("/api/jobs", json=bad, headers=planner).text
    bad = {"kind": "dispatch", "plan": shown, "scenario": {"name": "tiny"}}
    assert "takes its scenario from its plan" in client.post("/api/jobs", json=bad, headers=planner).text
    good = {"kind": "dispatch", "plan": shown, "dispatch": {"day": "peak", "bases": ["b-one"]}}
    queued = client.post("/api/jobs", json=good, headers=planner)
    assert queued.status_code == 202
    official = {"Authorization": f"Bearer {tokens['official']}"}
    assert client.post("/api/jobs", json=good, headers=official).status_code == 403
    view = client.get(queued.json()["url"], headers=planner).json()
    assert view["kind"] == "dispatch" and view["status"] == "queued"


def test_the_forms_fleet_caps_and_fields_are_read_or_named():
    t = translator("en")
    assert parse_caps("b-one:diesel=3, b-two:bet = 2\nt-u:diesel=0", t) == {
        "b-one:diesel": 3,
        "b-two:bet": 2,
        "t-u:diesel": 0,
    }
    with pytest.raises(ValueError, match=r"Fleet caps: 'b-one=3': write <depot>:<truck>=<trucks>"):
        parse_caps("b-one=3", t)
    day = parse_day({"day": ["peak"], "year": ["2022"], "bases": ["b-one", ""], "time_limit_s": [" "]}, t)
    assert (day.day, day.year, day.bases, day.time_limit_s, day.truck_cap) == ("peak", 2022, ["b-one"], None, {})
    with pytest.raises(ValueError, match="Routing seconds per part"):
        parse_day({"time_limit_s": ["-1"]}, t)
    assert figure_words("diesel trucks in fleet (/0.85 availability)", translator("zh")) == "柴油重卡车队(出勤率 0.85)"
    assert figure_words("trains a day", t) == "trains a day"
