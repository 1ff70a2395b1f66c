"""The project teams' page: where (a place name, or a click on the plan's map), how much, which product,
which year, against which published plan; the answer in plain words, the ranked options with room
left (full ones apart), the reason when not covered, and the coverage map.

The answer holds against the published plan: the site is checked alone against the room the plan
leaves, every other flow kept. A re-optimisation (the whole region solved again with the site added)
may answer otherwise; a planner can queue one as a coverage job from this page.
"""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aggregates.analysis.coverage import answer_of, ranked_options
from aggregates.data.boundaries import read_boundaries
from aggregates.data.gazetteer import region_gazetteer, search_places
from aggregates.errors import AggregatesError, InputError
from aggregates.pipeline.coverage import coverage, site_of
from aggregates.service import jobs
from aggregates.service.auth import Db
from aggregates.service.db import User
from aggregates.service.web.common import (
    field,
    files_of,
    form_user,
    job_folder,
    lang,
    page,
    page_user,
    plan_name,
    problems,
    published_plans,
    run_of,
    visible_job,
)
from aggregates.service.web.views import map_name
from aggregates.viz.maps import MapOptions, coverage_map, stable_ids
from aggregates.vocab import CHAIN_LABELS, PRODUCT_LABELS

router = APIRouter(prefix="/project", include_in_schema=False)
Asker = Annotated[User, Depends(page_user("project", "planner"))]
_MAP_VAR = re.compile(r"var (map_[0-9a-z]+) = L\.map\(")
PICK_SCRIPT = """<script>
window.addEventListener('load', function () {
  %s.on('click', function (e) { parent.postMessage({pick: [e.latlng.lat, e.latlng.lng]}, location.origin); });
});
</script>"""


def _plan(request: Request, db, user: User, job_id: str):
    job = visible_job(db, user, job_id)
    if not job.published:
        raise HTTPException(404, f"plan '{job_id}' is not published; ask a planner to publish it")
    return job, run_of(request, job)


def _region(request: Request, run):
    with request.app.state.lock:
        return request.app.state.cache.region(run.scenario.region)


def _places(request: Request, region):
    key = str(region.path)
    with request.app.state.lock:
        store = getattr(request.app.state, "gazetteers", None) or {}
        request.app.state.gazetteers = store
        if key not in store:
            store[key] = region_gazetteer(region)
        return store[key]


def _form_context(request: Request, db, user: User, plan_id: str | None) -> dict:
    plans = [(j, plan_name(j)) for j in published_plans(db, user)]
    chosen = plan_id or (plans[0][0].id if plans else None)
    context = {"plans": plans, "plan_id": chosen, "products": [], "years": []}
    if chosen:
        run = _plan(request, db, user, chosen)[1]
        products = sorted(set(run.plan.demand["product"]))
        here = 0 if lang(request) == "zh" else 1
        context["products"] = [(p, PRODUCT_LABELS.get(p, (p, p))[here]) for p in products]
        context["years"] = list(run.plan.years)
        context["headline"] = run.plan.headline_year(None)
        context["default_product"] = "sand" if "sand" in products else products[0]
    return context


@router.get("/coverage")
def coverage_form(request: Request, user: Asker, db: Db, plan: str | None = None) -> Response:
    """The coverage question's form."""
    context = _form_context(request, db, user, plan)
    return page(request, "project_coverage.html", user, asked={}, **context)


@router.get("/places")
def places(request: Request, user: Asker, db: Db, plan: str, q: Annotated[str, Query(max_length=60)] = "") -> list:
    """Places of the plan's region matching ``q`` (Chinese or pinyin), best first: for the form's autocomplete."""
    run = _plan(request, db, user, plan)[1]
    found = search_places(_places(request, _region(request, run)), q, limit=10)
    here = lang(request)
    return [{"label": m.label(here), "name": m.name_zh, "lat": round(m.lat, 5), "lon": round(m.lon, 5)} for m in found]


@router.get("/pick-map")
def pick_map(request: Request, user: Asker, db: Db, plan: str) -> HTMLResponse:
    """The plan's stored map in the page's language; a click on it fills the form's lat/lon."""
    job, run = _plan(request, db, user, plan)
    name = map_name(run, lang(request))
    if name not in files_of(job):
        raise HTTPException(404, f"plan '{plan}' has no stored map {name}")
    html = (job_folder(request, job) / name).read_text(encoding="utf-8")
    found = _MAP_VAR.search(html)
    script = PICK_SCRIPT % found.group(1) if found else ""
    return HTMLResponse(html.replace("</body>", script + "</body>", 1))


def _answer(request: Request, run, asked: dict, here: str) -> dict:
    """The coverage answer of the form's site against the plan's room left (all in memory)."""
    region = _region(request, run)
    site = _site(region, asked)
    with request.app.state.lock:
        report = coverage(run.scenario, [(f"site '{site.name}'", site)], plan=run.plan, cache=request.app.state.cache)
    result = report.results[0]
    with_room, full = ranked_options(result)
    page_map = coverage_map(report, region, read_boundaries(region.path), MapOptions(lang=here))
    return {
        "answer": answer_of(result, report.basis),
        "sentence": answer_of(result, report.basis).sentence(here),
        "options": _rows(with_room, here),
        "full": _rows(full, here),
        "map_html": stable_ids(page_map.get_root().render()),
        "site": site,
    }


def _float(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{name}: '{text}' is not a number; write it in digits, e.g. 300000") from None


def _rows(options, here: str) -> list[dict]:
    i = 0 if here == "zh" else 1
    return [
        {
            "name": r["name_zh"] if i == 0 else r["name_en"],
            "chain": CHAIN_LABELS.get(r["chain"], (r["chain"],) * 2)[i],
            "cost": r["delivered_cost_yuan_per_t"],
            "km": r["km"],
            "hours": r["hours"],
            "co2e": r["co2e_kg_per_t"],
            "room": r["residual_capacity_t"],
            "near": bool(r["within_rule"]),
            "tonnes": r["tonnes"],
            "chosen": bool(r["chosen"]),
        }
        for _, r in options.iterrows()
    ]


ASKED = ("plan", "place", "lat", "lon", "crs", "tonnes", "product", "year", "name")


@router.post("/coverage")
async def coverage_post(request: Request, db: Db) -> Response:
    """Answer the form's question against the chosen published plan."""
    user, fields = await form_user(request, db, "project", "planner")
    asked = {k: field(fields, k).strip() for k in ASKED}
    asked["crs"] = asked["crs"] or "wgs84"
    context = _form_context(request, db, user, asked["plan"] or None)
    here = lang(request)
    run = _plan(request, db, user, context["plan_id"])[1] if context["plan_id"] else None
    if run is None:
        return page(request, "project_coverage.html", user, 422, asked=asked, messages=["no published plan"], **context)
    try:
        answer = await run_in_threadpool(_answer, request, run, asked, here)
    except AggregatesError as exc:
        return page(request, "project_coverage.html", user, 422, asked=asked, messages=problems(exc), **context)
    return page(request, "project_coverage.html", user, asked=asked, plan_label=run.plan.name, **context, **answer)


@router.post("/coverage/reoptimise")
async def reoptimise(request: Request, db: Db) -> Response:
    """Queue the same question as a coverage job that re-optimises the region with the site (planners)."""
    user, fields = await form_user(request, db, "planner")
    asked = {k: field(fields, k).strip() for k in ASKED}
    job, run = _plan(request, db, user, asked["plan"])
    try:
        site = await run_in_threadpool(_site_only, request, run, asked)
    except AggregatesError as exc:
        raise HTTPException(422, exc.message) from None
    asked_before = json.loads(job.request)
    stored = {"scenarios": asked_before["scenarios"], "overrides": asked_before.get("overrides", []), "params": {}}
    stored |= {"sites": [site], "plan_dir": None}
    made = jobs.submit(db, user, "coverage", stored)
    return RedirectResponse(f"/planner/jobs?lang={lang(request)}&new={made.id}", status_code=303)


def _site_only(request: Request, run, asked: dict) -> dict:
    s = _site(_region(request, run), asked)
    return {
        "name": s.name,
        "lat": s.lat,
        "lon": s.lon,
        "tonnes": s.tonnes,
        "product": s.product,
        "years": list(s.years),
    }


def _site(region, asked: dict):
    """The form's site: a place name, else lat/lon in the form's coordinate system."""
    where = {"place": asked["place"] or None, "crs": asked["crs"] or "wgs84", "name": asked["name"] or None}
    if not asked["place"]:
        where |= {"lat": _float(asked["lat"], "lat"), "lon": _float(asked["lon"], "lon")}
    year = int(_float(asked["year"], "year"))
    return site_of(region, _float(asked["tonnes"], "tonnes"), asked["product"], (year,), **where)
