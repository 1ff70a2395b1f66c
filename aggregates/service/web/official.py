"""The officials' pages: published plans, a plan with its labelled map, supply matrix, flow chart and
one-sentence conclusion, and its printable report (stored, or drawn in the language asked for)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from aggregates.service.auth import Db
from aggregates.service.db import User
from aggregates.service.web import views
from aggregates.service.web.common import (
    files_of,
    job_folder,
    lang,
    page,
    page_user,
    plan_name,
    published_plans,
    run_of,
    visible_job,
)
from aggregates.service.web.dispatch import plan_days
from aggregates.viz.report import report_html

router = APIRouter(prefix="/official", include_in_schema=False)
Official = Annotated[User, Depends(page_user("official", "planner"))]


@router.get("/plans")
def plan_list(request: Request, user: Official, db: Db) -> Response:
    """The published plans, newest first."""
    plans = [(j, plan_name(j), _when(j.finished_at)) for j in published_plans(db, user)]
    return page(request, "official_plans.html", user, plans=plans)


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else ""


def _published(db, user: User, job_id: str):
    job = visible_job(db, user, job_id)
    if not job.published:
        raise HTTPException(404, f"plan '{job_id}' is not published; publish it from the jobs page")
    return job


@router.get("/plans/{job_id}")
def plan_page(job_id: str, request: Request, user: Official, db: Db, year: int | None = None) -> Response:
    """A published plan: conclusion, KPI cards, labelled map, supply matrix and its flow chart, report link."""
    job = _published(db, user, job_id)
    run, here = run_of(request, job), lang(request)
    view = views.plan_view(run, here, year)
    context = view | views.matrix_view(run, here, view["year"])
    context["map_url"] = f"/api/jobs/{job.id}/files/{views.map_name(run, here)}"
    context["script"] = views.chart_script({"chart-supply": context["matrix_chart"]})
    files = views.downloads(job, files_of(job))
    context["days"] = [d for d in plan_days(db, user, job) if d.job.published and d.job.status == "done"]
    return page(request, "official_plan.html", user, job=job, heading=plan_name(job), files=files, **context)


@router.get("/plans/{job_id}/report")
def plan_report(job_id: str, request: Request, user: Official, db: Db) -> HTMLResponse:
    """The printable report in the page's language: the stored ``report.html`` when it is in it, else drawn."""
    job = _published(db, user, job_id)
    run, here = run_of(request, job), lang(request)
    folder = job_folder(request, job)
    stored = views.report_name(run, here)
    if stored and stored in files_of(job):
        return HTMLResponse((folder / stored).read_text(encoding="utf-8"))
    map_name = views.map_name(run, here)
    map_html = (folder / map_name).read_text(encoding="utf-8") if map_name in files_of(job) else None
    return HTMLResponse(report_html(run.plan, lang=here, map_html=map_html, layers=run.layers))
