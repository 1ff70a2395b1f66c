"""The project teams' page: where (a place name, or a click on the plan's map), how much, which product,
which year, against which published plan; the answer in plain words, the ranked options with room
left (full ones apart), the reason when not covered, and the coverage map.

The answer holds against the published plan: the site is checked alone against the room the plan
leaves, every other flow kept. A re-optimisation (the whole region solved again with the site added)
may answer otherwise; a planner can queue one as a coverage job from this page.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aggregates.data.gazetteer import region_gazetteer, search_places
from aggregates.errors import AggregatesError
from aggregates.service import jobs
from aggregates.service.answers import Busy, published
from aggregates.service.auth import Db
from aggregates.service.db import User
from aggregates.service.i18n import translator
from aggregates.service.web.answering import ask, region_of, site_from
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
from aggregates.vocab import CHAIN_LABELS, PRODUCT_LABELS

router = APIRouter(prefix="/project", include_in_schema=False)
Asker = Annotated[User, Depends(page_user("project", "planner"))]
_MAP_VAR = re.compile(r"var (map_[0-9a-z]+) = L\.map\(")
PICK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var map = %s, mark = null;
  map.on('click', function (e) {
    if (mark) { mark.setLatLng(e.latlng); } else { mark = L.circleMarker(e.latlng, {radius: 9, color: '#c62828', weight: 3}).addTo(map); }
    parent.postMessage({pick: [e.latlng.lat, e.latlng.lng]}, location.origin);
  });
});
</script>"""


def _plan(request: Request, db, user: User, job_id: str):
    job = visible_job(db, user, job_id)
    if not job.published:
        raise HTTPException(404, f"plan '{job_id}' is not published; ask a planner to publish it")
    return job, run_of(request, job)


@functools.lru_cache(maxsize=8)
def _gazetteer(folder: str):
    """The places of a plan's region (its cities, demand nodes, towns, stations, bases, quarries)."""
    return region_gazetteer(region_of(published(folder)))


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
    job = _plan(request, db, user, plan)[0]
    found = search_places(_gazetteer(str(job_folder(request, job))), q, limit=10)
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


def _rows(options: list[dict], here: str) -> list[dict]:
    """The answer's options as the page's table shows them, names and modes in ``here``."""
    i = 0 if here == "zh" else 1
    return [
        {
            "name": o["name_zh"] if i == 0 else o["name_en"],
            "chain": CHAIN_LABELS.get(o["chain"], (o["chain"],) * 2)[i],
            "cost": o["cost_yuan_per_t"],
            "km": o["km"],
            "hours": o["hours"],
            "co2e": o["co2e_kg_per_t"],
            "room": o["residual_capacity_t"],
            "near": o["within_rule"],
            "tonnes": o.get("tonnes", 0.0),
            "chosen": o.get("chosen", False),
        }
        for o in options
    ]


def t_busy(lang: str) -> str:
    return translator(lang)("busy")


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
    folder = str(job_folder(request, _plan(request, db, user, context["plan_id"])[0]))
    db.close()  # the answer may take a while: hold no database connection meanwhile
    try:
        result = await ask(request.app.state.desk, folder, asked, here)
    except AggregatesError as exc:
        return page(request, "project_coverage.html", user, 422, asked=asked, messages=problems(exc), **context)
    except Busy:
        return page(request, "project_coverage.html", user, 503, asked=asked, messages=[t_busy(here)], **context)
    answer = {
        "answer": result,
        "sentence": result["answer"]["sentence"][here],
        "options": _rows(result["options"], here),
        "full": _rows(result["full_options"], here),
        "map_html": result["map_html"],
    }
    return page(request, "project_coverage.html", user, asked=asked, plan_label=run.plan.name, **context, **answer)


@router.post("/coverage/reoptimise")
async def reoptimise(request: Request, db: Db) -> Response:
    """Queue the same question as a coverage job that re-optimises the region with the site (planners)."""
    user, fields = await form_user(request, db, "planner")
    asked = {k: field(fields, k).strip() for k in ASKED}
    job, run = _plan(request, db, user, asked["plan"])
    try:
        site = await run_in_threadpool(_site_only, run, asked)
    except AggregatesError as exc:
        raise HTTPException(422, exc.message) from None
    asked_before = json.loads(job.request)
    stored = {"scenarios": asked_before["scenarios"], "overrides": asked_before.get("overrides", []), "params": {}}
    stored |= {"sites": [site], "plan_dir": None, "compare_dir": str(job_folder(request, job))}
    made = jobs.submit(db, user, "coverage", stored)
    return RedirectResponse(f"/planner/jobs?lang={lang(request)}&new={made.id}", status_code=303)


def _site_only(run, asked: dict) -> dict:
    s = site_from(region_of(run), asked)
    return {
        "name": s.name,
        "lat": s.lat,
        "lon": s.lon,
        "tonnes": s.tonnes,
        "product": s.product,
        "years": list(s.years),
    }
