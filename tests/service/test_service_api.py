"""The HTTP API in process (FastAPI's TestClient): roles, ownership, downloads, bad input, login, CSRF."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from svc import PASSWORD

from aggregates.service import jobs
from aggregates.service.app import create_app
from aggregates.service.db import User
from aggregates.service.settings import SCENARIO_TEXT_LIMIT

TINY = {"kind": "optimize", "scenario": {"name": "tiny"}}


@pytest.fixture
def client(settings):
    app = create_app(replace(settings, coverage_processes=0))
    with TestClient(app) as made:
        yield made
    app.state.engine.dispose()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _done_job(client, owner: str, files: dict[str, str]) -> str:
    """A job of ``owner`` recorded done with ``files`` written to storage (no solve)."""
    app = client.app
    with app.state.sessions() as db:
        user = db.query(User).filter_by(name=owner).one()
        job = jobs.submit(db, user, "optimize", {"scenarios": []})
        assert jobs.claim(db, "test:1").id == job.id
        folder = app.state.settings.jobs_dir / job.id
        for name, content in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(content)
        assert jobs.finish(db, job.id, "test:1", sorted(files), {"status": "optimal"})
    return job.id


def test_every_endpoint_needs_a_user(client):
    for method, path in [
        ("get", "/api/jobs"),
        ("post", "/api/jobs"),
        ("get", "/api/jobs/x"),
        ("delete", "/api/jobs/x"),
        ("post", "/api/jobs/x/publish"),
        ("get", "/api/jobs/x/files/kpis.json"),
        ("post", "/api/coverage"),
        ("get", "/api/scenarios"),
    ]:
        answer = getattr(client, method)(path)
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/jobs", headers=auth("not-a-token")).status_code == 401
    assert client.get("/api/health").json()["status"] == "ok"


def test_the_api_docs_load_nothing_from_outside(client):
    page = client.get("/docs").text
    scripts = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert scripts and all(s.startswith("/") for s in scripts), scripts
    assert client.get(next(s for s in scripts if s.endswith(".js"))).status_code == 200


def test_roles_are_enforced(client, tokens):
    official, project = auth(tokens["official"]), auth(tokens["project"])
    assert client.post("/api/jobs", json=TINY, headers=official).status_code == 403
    assert client.post("/api/jobs", json=TINY, headers=project).status_code == 403
    assert client.get("/api/scenarios", headers=project).status_code == 403
    assert client.post("/api/coverage", json={}, headers=official).status_code == 403
    job = client.post("/api/jobs", json=TINY, headers=auth(tokens["planner"]))
    assert job.status_code == 202
    assert client.delete(f"/api/jobs/{job.json()['id']}", headers=official).status_code == 403
    assert client.post(f"/api/jobs/{job.json()['id']}/publish", headers=project).status_code == 403


def test_another_planners_job_is_not_found(client, tokens):
    mine = client.post("/api/jobs", json=TINY, headers=auth(tokens["planner"])).json()["id"]
    other = auth(tokens["planner2"])
    assert client.get(f"/api/jobs/{mine}", headers=other).status_code == 404
    assert client.delete(f"/api/jobs/{mine}", headers=other).status_code == 404
    assert client.post(f"/api/jobs/{mine}/publish", headers=other).status_code == 404
    assert [j["id"] for j in client.get("/api/jobs", headers=other).json()] == []
    assert [j["id"] for j in client.get("/api/jobs", headers=auth(tokens["planner"])).json()] == [mine]


def test_publish_shows_a_done_job_to_officials(client, tokens):
    job = _done_job(client, "planner", {"kpis.json": "{}"})
    official = auth(tokens["official"])
    assert client.get(f"/api/jobs/{job}", headers=official).status_code == 404
    assert client.get(f"/api/jobs/{job}/files/kpis.json", headers=official).status_code == 404
    assert client.post(f"/api/jobs/{job}/publish", headers=auth(tokens["planner"])).json()["published"] is True
    seen = client.get(f"/api/jobs/{job}", headers=official).json()
    assert (seen["status"], seen["published"], seen["result"]) == ("done", True, {"status": "optimal"})
    assert client.get(f"/api/jobs/{job}/files/kpis.json", headers=official).json() == {}
    assert client.delete(f"/api/jobs/{job}", headers=auth(tokens["planner"])).status_code == 409


def test_downloads_serve_only_the_manifest(client, tokens, settings):
    (settings.data_dir / "secret.txt").write_text("TOP-SECRET-CONTENT")
    job = _done_job(client, "planner", {"kpis.json": '{"a": 1}', "charts/cost.html": "<p>chart</p>"})
    planner = auth(tokens["planner"])
    assert client.get(f"/api/jobs/{job}/files/kpis.json", headers=planner).json() == {"a": 1}
    assert client.get(f"/api/jobs/{job}/files/charts/cost.html", headers=planner).text == "<p>chart</p>"
    for name in (
        "..%2f..%2fsecret.txt",
        "../../secret.txt",
        "%2fetc%2fpasswd",
        "/etc/passwd",
        "charts%2f..%2f..%2fsecret.txt",
    ):
        answer = client.get(f"/api/jobs/{job}/files/{name}", headers=planner)
        assert answer.status_code == 404, name
        assert "TOP-SECRET" not in answer.text


def test_bad_scenarios_get_the_clis_message(client, tokens):
    planner = auth(tokens["planner"])
    evil = "!!python/object/apply:os.system ['touch /tmp/pwned']\n"
    answer = client.post("/api/jobs", json={"kind": "optimize", "scenario": {"yaml": evil}}, headers=planner)
    assert answer.status_code == 422
    assert "tag !!python/object/apply:os.system is not allowed" in answer.json()["detail"]
    bad_key = {**TINY, "overrides": ["trucks.bet.range_kmh=150"]}
    answer = client.post("/api/jobs", json=bad_key, headers=planner)
    assert answer.status_code == 422 and "range_kmh" in answer.json()["detail"]
    assert "aggregates-scenario-" not in answer.json()["detail"]  # names the scenario, not a scratch file
    unknown = client.post("/api/jobs", json={"kind": "optimize", "scenario": {"name": "../tiny"}}, headers=planner)
    assert unknown.status_code == 422 and "stored ones: tiny" in unknown.json()["detail"]
    both = client.post(
        "/api/jobs", json={"kind": "optimize", "scenario": {"name": "tiny", "yaml": "a: 1"}}, headers=planner
    )
    assert both.status_code == 422
    # A region outside the deployment's files, in the text or by an override, is refused with the reason.
    outside = client.post(
        "/api/jobs", json={"kind": "optimize", "scenario": {"yaml": "region: /etc\n"}}, headers=planner
    )
    assert outside.status_code == 422 and "region '/etc' is outside the files this service reads" in outside.text
    override = client.post("/api/jobs", json={**TINY, "overrides": ["region=/usr/share"]}, headers=planner)
    assert override.status_code == 422 and "outside the files this service reads" in override.text


def test_oversized_bodies_are_refused(client, tokens):
    planner = auth(tokens["planner"])
    long_text = "# " + "x" * SCENARIO_TEXT_LIMIT + "\n"
    answer = client.post("/api/jobs", json={"kind": "optimize", "scenario": {"yaml": long_text}}, headers=planner)
    assert answer.status_code == 422  # under the body cap, over the scenario cap
    huge = json.dumps({"kind": "optimize", "scenario": {"yaml": long_text * 3}})
    answer = client.post("/api/jobs", content=huge, headers={**planner, "content-type": "application/json"})
    assert answer.status_code == 413


def _login(client, name: str, password: str, csrf: bool = True):
    token = client.get("/login").cookies.get("aggregates_csrf") or client.cookies.get("aggregates_csrf")
    form = {"name": name, "password": password, **({"csrf": token} if csrf else {})}
    return client.post("/login", data=form, follow_redirects=False)


def test_login_sets_a_safe_session_cookie_and_pages_speak_both_languages(client, tokens):
    assert "登录" in client.get("/login").text and "Log in" in client.get("/login?lang=en").text
    answer = _login(client, "planner", PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/planner/jobs")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("aggregates_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "计算任务" in client.get("/planner/jobs").text
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/planner/jobs")
    assert client.get("/api/jobs").status_code == 200  # the cookie works for the API too


def test_csrf_is_required_on_forms_and_cookie_changes(client, tokens):
    assert _login(client, "planner", PASSWORD, csrf=False).status_code == 403
    assert _login(client, "planner", PASSWORD).status_code == 303
    job = client.post("/api/jobs", json=TINY, headers=auth(tokens["planner"])).json()["id"]
    assert client.delete(f"/api/jobs/{job}").status_code == 403  # the session cookie alone is not enough
    csrf = client.cookies.get("aggregates_csrf")
    assert client.delete(f"/api/jobs/{job}", headers={"X-CSRF-Token": csrf}).status_code == 202
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403


def test_login_is_rate_limited(client, tokens):
    for _ in range(5):
        assert _login(client, "planner", "wrong password").status_code == 401
    assert _login(client, "planner", PASSWORD).status_code == 429
    assert _login(client, "official", PASSWORD).status_code == 303  # another name is not blocked
