"""Each role's path through the pages in headless Chromium, against a real ``aggregates serve`` with 2 workers.

Every request a page makes to anything but the server is blocked and recorded; each test ends by
asserting there was none. Screenshots of every page go to the test's folder.
"""

from __future__ import annotations

import re

import pytest
from browser import renderer_or_skip
from svc import PASSWORD, wait_for

from aggregates.viz.labels import text

pytestmark = pytest.mark.slow
QUICK = ["outputs.charts=false"]  # no PNG charts: the pages draw their charts from the plan


@pytest.fixture(scope="module", params=["sqlite"])
def module_backend(request) -> str:
    """The pages' paths run on the embedded database (the API's live tests cover PostgreSQL)."""
    return ""


@pytest.fixture(scope="module")
def chromium():
    browser = renderer_or_skip()
    yield browser
    browser.close()


class Session:
    """A browser context logged in as one user; requests off the server are blocked and recorded."""

    def __init__(self, chromium, url: str, name: str, shots, lang: str = "zh"):
        url = url.replace("127.0.0.1", "localhost")  # the harness's browser resolves no other host, nor bare IPs
        self.url, self.shots, self.outside, self.errors = url, shots, [], []
        self.context = chromium._browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
        off = lambda u: not u.startswith((url, "data:", "blob:", "about:"))  # noqa: E731
        self.context.route(off, lambda route: (self.outside.append(route.request.url), route.abort()))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(f"{url}/login?lang={lang}")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def open(self, path: str):
        return self.page.goto(self.url + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{name}.png", full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], f"requests off the server: {self.outside}"
        assert self.errors == [], self.errors


def _done(client, job_id: str) -> dict | None:
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] not in ("failed", "cancelled"), job["error"]
    return job if job["status"] == "done" else None


@pytest.fixture(scope="module")
def published(live):
    """A published plan of the tiny scenario (made through the API), for the official and project paths."""
    server, _, tokens = live
    planner = server.client(tokens["planner"])
    job_id = planner.post("/api/jobs", json={"kind": "optimize", "scenario": {"name": "tiny"}, "overrides": QUICK})
    job_id = job_id.json()["id"]
    wait_for(lambda: _done(planner, job_id))
    assert planner.post(f"/api/jobs/{job_id}/publish").status_code == 200
    return job_id


def _leaflet(frame) -> int:
    frame.locator(".leaflet-container").first.wait_for()
    return frame.locator(".leaflet-container").count()


def test_planner_runs_a_scenario_watches_it_and_compares_two_results(live, chromium, tmp_path):
    server, _, tokens = live
    other = server.client(tokens["planner"]).post(
        "/api/jobs",
        json={"kind": "optimize", "scenario": {"name": "tiny"}, "overrides": [*QUICK, "target.mt_per_yr=2"]},
    )
    me = Session(chromium, server.url, "planner", tmp_path)
    page = me.page
    me.open("/planner/scenarios/edit?name=tiny")
    me.shot("planner-scenario")
    page.fill("#f-target", "-1")
    page.click("button[value=check]")
    assert "target.mt_per_yr" in page.inner_text("#messages")  # the CLI's message, inline
    page.fill("#f-target", "3")
    page.fill("#f-yaml", page.input_value("#f-yaml").replace("outputs:\n", "outputs:\n  charts: false\n"))
    page.click("button[value=run]")
    page.wait_for_url(re.compile(r"/planner/jobs"))
    page.wait_for_selector("#live-jobs tr[data-status=running] [role=progressbar], #live-jobs tr[data-status=done]")
    me.shot("planner-jobs-running")
    page.wait_for_function("document.querySelectorAll('#live-jobs tr[data-status=done]').length >= 2", timeout=120_000)
    me.shot("planner-jobs")
    page.locator("#live-jobs tr[data-status=done] a.result").first.click()
    page.wait_for_selector("#cards .card")
    assert _leaflet(page.frame_locator("#plan-map")) == 1
    page.wait_for_selector("#chart-substitution svg")
    me.shot("planner-result")
    me.open("/compare")
    page.locator("input[name=ids]").nth(0).check()
    page.locator("input[name=ids]").nth(1).check()
    page.click("#pick button")
    assert "(" in page.inner_text("#deltas tbody")  # a difference with its unit beside each value
    assert _leaflet(page.frame_locator("#compare-map")) == 2
    me.shot("planner-compare")
    assert other.status_code == 202
    me.close()


def test_official_sees_a_published_plan_with_labels_matrix_and_a_chinese_report(live, chromium, published, tmp_path):
    server, *_ = live
    me = Session(chromium, server.url, "official", tmp_path)
    me.open("/official/plans")
    me.page.click(f"a[href^='/official/plans/{published}?']")
    frame = me.page.frame_locator("#plan-map")
    frame.locator(".agg-lbl").first.wait_for()
    assert "测试b-one" in frame.locator(".agg-lbl").all_inner_texts()
    assert "测试b-one" not in me.page.inner_text("#matrix")  # the matrix is by city: 唐山 -> 北京
    assert "唐山" in me.page.inner_text("#matrix") and "柴油货车" in me.page.inner_text("#matrix")
    assert "年：固废砂石供应" in me.page.inner_text("#conclusion")
    me.page.wait_for_selector("#chart-supply svg")
    me.shot("official-plan")
    me.open(f"/official/plans/{published}/report")
    assert me.page.locator("html").get_attribute("lang") == "zh-CN"
    body = me.page.inner_text("body")
    assert text("supply_matrix", "zh") in body and text("supply_matrix", "en") not in body
    me.shot("official-report")
    me.open(f"/official/plans/{published}?lang=en")
    assert text("supply_matrix", "en") in me.page.inner_text("main")
    me.shot("official-plan-en")
    assert me.open("/planner/jobs").status == 403  # no planner pages for an official
    me.close()


def test_project_team_asks_by_place_name_and_gets_the_sentence(live, chromium, published, tmp_path):
    server, *_ = live
    me = Session(chromium, server.url, "project", tmp_path)
    page = me.page
    me.open(f"/project/coverage?plan={published}")
    page.locator("#c-place").press_sequentially("d-ci")
    page.wait_for_function("document.querySelectorAll('#c-places option').length > 0")
    assert page.eval_on_selector("#c-places option", "o => o.value") == "测试d-city"
    page.fill("#c-place", "测试d-city")
    page.select_option("#c-product", "sand")
    page.fill("#c-tonnes", "200000")
    page.click("#ask")
    sentence = page.inner_text("#sentence")
    assert "测试b-one" in sentence and "200,000吨" in sentence, sentence
    assert "已发布方案" in page.inner_text("#basis")
    assert page.locator("#options tbody tr.chosen").count() >= 1
    assert _leaflet(page.frame_locator("#coverage-map")) == 1
    me.shot("project-coverage")
    me.open(f"/project/coverage?plan={published}")
    page.frame_locator("#pick-map").locator(".leaflet-container").click(position={"x": 200, "y": 450})
    page.wait_for_function("document.querySelector('#c-lat').value !== ''")
    assert 39 < float(page.input_value("#c-lat")) < 41
    assert me.open("/official/plans").status == 403 and me.open("/compare").status == 403
    me.open(f"/project/coverage?plan={published}")
    page.evaluate("document.querySelector('#coverage-form input[name=csrf]').value = 'forged'")
    page.fill("#c-place", "测试d-city")
    with page.expect_response(lambda r: r.url.endswith("/project/coverage?lang=zh")) as answer:
        page.click("#ask")
    assert answer.value.status == 403
    me.close()


def test_planner_dispatches_a_day_of_a_published_plan_and_an_infeasible_one_says_why(
    live, chromium, published, tmp_path
):
    server, *_ = live
    me = Session(chromium, server.url, "planner", tmp_path, lang="en")
    page = me.page
    me.open(f"/planner/jobs/{published}?lang=en")
    page.click("#dispatch-link")
    page.select_option("#d-day", "peak")
    page.fill("#d-limit", "0.3")
    me.shot("dispatch-form")
    page.click("#queue-day")
    page.wait_for_url(re.compile(r"/planner/jobs"))
    day = page.locator("#live-jobs tr[data-status=done]", has_text="dispatch").first
    day.wait_for(timeout=120_000)
    day.locator("a.result").click()
    page.wait_for_selector("#cards .card[data-key=loads]")
    assert "peak day" in page.inner_text("#day-asked")
    assert int(page.inner_text("#cards .card[data-key=loads] .value").replace(",", "")) > 0
    assert "fleet sizing" in page.inner_text("#cards .card[data-key=diesel] .sub")
    assert _leaflet(page.frame_locator("#day-map")) == 1
    assert page.get_attribute("#gantt-link", "href").endswith("/gantt.en.html")
    me.shot("dispatch-day")
    # A cap of one diesel truck at b-one cannot carry its day's loads: the job fails with the reason in numbers.
    me.open(f"/planner/plans/{published}/dispatch?lang=en")
    page.fill("#d-caps", "b-one:diesel=1")
    page.fill("#d-limit", "0.3")
    page.click("#queue-day")
    page.wait_for_selector("#live-jobs tr[data-status=failed]", timeout=120_000)
    assert "the fleet cap is 1" in page.inner_text("#live-jobs tr[data-status=failed]")
    page.locator("#live-jobs tr[data-status=failed] a.result").first.click()
    assert "b-one needs at least" in page.inner_text("#day-error")
    me.shot("dispatch-infeasible")
    me.close()
