"""The role pages in process: who may open which page, CSRF on forms, the scenario form and its YAML."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from pages import csrf_of, log_in

from aggregates.errors import ConfigError
from aggregates.service.app import create_app
from aggregates.service.db import Job
from aggregates.service.web.scenario_form import merged

PAGES = {  # a page of each role, and the roles that may open it
    "/planner/scenarios": {"planner"},
    "/planner/jobs": {"planner"},
    "/planner/scenarios/edit?name=tiny": {"planner"},
    "/compare": {"planner", "official"},
    "/official/plans": {"planner", "official"},
    "/project/coverage": {"planner", "project"},
}


@pytest.fixture
def client(settings, tokens):
    app = create_app(replace(settings, coverage_processes=0))  # no pages here ask the desk: start no processes
    with TestClient(app) as made:
        yield made
    app.state.engine.dispose()


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    """The pages run on the embedded database here; the API tests cover PostgreSQL."""
    return ""


def test_a_visitor_is_sent_to_the_login_page(client):
    for path in PAGES:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", ["planner", "official", "project"])
def test_each_role_opens_only_its_pages(client, role):
    log_in(client, role)
    for path, allowed in PAGES.items():
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == (200 if role in allowed else 403), (role, path, answer.text[:200])
        if role in allowed:
            assert 'lang="zh-CN"' in answer.text
    english = client.get(next(p for p, a in PAGES.items() if role in a and "?" not in p) + "?lang=en")
    assert 'lang="en"' in english.text


def _form(client, token: str, **fields) -> dict:
    text = (client.app.state.settings.scenarios_dir / "tiny.yaml").read_text()
    shown = {"name": "tiny", "years": "2021, 2022", "target_mt": "3", "target_from": "2021", "demand_path": "central"}
    form = {"csrf": token, "yaml": text, **{f"was_{k}": v for k, v in shown.items()}, **shown}
    return form | fields


def test_a_form_without_the_right_csrf_token_or_role_is_refused(client):
    token = log_in(client, "planner")
    assert client.post("/planner/scenarios", data=_form(client, token, csrf="")).status_code == 403
    assert client.post("/planner/scenarios", data=_form(client, token, csrf="x" * 43)).status_code == 403
    assert client.post("/planner/scenarios", data=_form(client, token)).status_code == 200
    client.cookies.clear()
    token = log_in(client, "project")
    assert client.post("/planner/scenarios", data=_form(client, token)).status_code == 403
    assert client.post("/project/coverage", data={"csrf": "wrong"}).status_code == 403


def test_the_form_shows_the_clis_message_and_runs_what_it_checked(client):
    token = log_in(client, "planner")
    bad = client.post("/planner/scenarios", data=_form(client, token, target_mt="-3"))
    assert bad.status_code == 422
    assert "target.mt_per_yr" in bad.text and "greater than or equal to 0" in bad.text
    assert "mt_per_yr: -3" in bad.text  # the YAML beside shows the field written in
    text = _form(client, token)["yaml"] + "polices: {}\n"
    typo = client.post("/planner/scenarios", data=_form(client, token, yaml=text))
    assert typo.status_code == 422 and "polices: unknown key" in typo.text
    run = client.post(
        "/planner/scenarios", data=_form(client, token, target_mt="2.5", action="run"), follow_redirects=False
    )
    assert run.status_code == 303 and run.headers["location"].startswith("/planner/jobs")
    with client.app.state.sessions() as db:
        (job,) = db.query(Job).all()
    stored = yaml.safe_load(json.loads(job.request)["scenarios"][0]["text"])
    assert (job.kind, job.status, stored["target"]["mt_per_yr"]) == ("optimize", "queued", 2.5)


def test_save_writes_the_scenario_beside_the_others(client):
    token = log_in(client, "planner")
    page = client.post("/planner/scenarios", data=_form(client, token, name="tiny-low", target_mt="1", action="save"))
    assert page.status_code == 200, page.text
    saved = yaml.safe_load((client.app.state.settings.scenarios_dir / "tiny-low.yaml").read_text())
    assert (saved["name"], saved["target"]["mt_per_yr"]) == ("tiny-low", 1)
    assert "tiny-low" in client.get("/planner/scenarios").text
    (client.app.state.settings.scenarios_dir / "tiny-low.yaml").unlink()


def test_fields_left_alone_keep_the_yaml_as_typed(tmp_path: Path):
    text = "# my notes\nname: a\nyears: [2021]\n"
    same = {"years": ["2021"], "was_years": ["2021"], "name": ["a"], "was_name": ["a"]}
    assert merged(text, same, tmp_path) == text
    changed = yaml.safe_load(merged(text, same | {"years": ["2021, 2023"], "access_rules": ["on"]}, tmp_path))
    assert changed["years"] == [2021, 2023] and changed["policies"]["access_rules"] is True
    with pytest.raises(ConfigError, match="seasons.yaml"):
        merged(text, {"seasons": ["on"]}, tmp_path)
    (tmp_path / "seasons.yaml").write_text("seasons:\n  periods: [{name: w, share_of_year: 1.0}]\n")
    assert yaml.safe_load(merged(text, {"seasons": ["on"]}, tmp_path))["seasons"]["periods"][0]["name"] == "w"
    with pytest.raises(ConfigError, match="years: '20x1'"):
        merged(text, {"years": ["20x1"]}, tmp_path)


def test_pages_serve_their_own_assets_and_name_nothing_outside(client):
    assert client.get("/static/pages/pages.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/pages/..%2Fapp.py").status_code == 404
    root = Path(__file__).resolve().parents[2] / "aggregates" / "service"
    for path in [*root.glob("static/*"), *root.glob("templates/*.html"), *root.glob("web/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path
    token = log_in(client, "planner")
    assert csrf_of(client.get("/planner/jobs").text) == token
