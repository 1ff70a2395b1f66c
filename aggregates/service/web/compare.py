"""Compare 2 to 6 done plans: their KPIs with differences (units included) and the maps part's "what changed" map.

Planners compare their own and published plans, officials published ones (what each may see is
:func:`aggregates.service.jobs.find`'s rule).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from aggregates.service import jobs
from aggregates.service.auth import Db
from aggregates.service.db import User
from aggregates.service.web.common import lang, page, page_user, plan_name, run_of, visible_job
from aggregates.viz.maps import MAX_COMPARED, MapOptions, comparison_map, kpi_table, render_page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_user("planner", "official"))]
Ids = Annotated[list[str], Query(max_length=MAX_COMPARED)]


def _runs(request: Request, db, user: User, ids: list[str]) -> list:
    if not 2 <= len(ids) <= MAX_COMPARED:
        raise HTTPException(422, f"compare 2 to {MAX_COMPARED} done plans; got {len(ids)}")
    return [run_of(request, visible_job(db, user, i)) for i in ids]


@router.get("/compare")
def compare_page(request: Request, user: Viewer, db: Db, ids: Ids = ()) -> Response:
    """Pick plans to compare; with 2 to 6 ``ids``, their KPI differences and the "what changed" map."""
    plans = [j for j in jobs.listing(db, user) if j.kind == "optimize" and j.status == "done"]
    choices = [(j, plan_name(j)) for j in plans]
    if len(ids) < 2:
        return page(request, "compare.html", user, choices=choices, chosen=list(ids), rows=None)
    runs = _runs(request, db, user, list(ids))
    year = runs[0].plan.headline_year(None)
    if any(year not in r.plan.years for r in runs[1:]):
        raise HTTPException(422, f"every plan compared needs the year {year}; pick plans with the same years")
    rows = [(label, values, deltas, _unit(deltas)) for label, values, deltas in kpi_table(runs, year, lang(request))]
    names = [f"{r.plan.name} · {i[:8]}" for r, i in zip(runs, ids, strict=True)]
    query = "&".join(f"ids={i}" for i in ids)
    return page(
        request,
        "compare.html",
        user,
        choices=choices,
        chosen=list(ids),
        rows=rows,
        names=names,
        year=year,
        map_url=f"/compare/map?{query}&lang={lang(request)}",
    )


def _unit(deltas: list[str]) -> str:
    """The unit a row's differences are written in (``+1.2 万吨`` -> ``万吨``), shown beside its values."""
    parts = deltas[0].split(" ", 1) if deltas else []
    return parts[1] if len(parts) == 2 and parts[1] not in ("个百分点", "pp") else ""


@router.get("/compare/map")
def compare_map(request: Request, user: Viewer, db: Db, ids: Ids = ()) -> HTMLResponse:
    """The plans on synchronised maps, each after the first with the layer of what changed from it."""
    runs = _runs(request, db, user, list(ids))
    figure = comparison_map(runs, MapOptions(lang=lang(request), basemap="none", offline=True))
    return HTMLResponse(render_page(figure))
