"""The planner's pages: stored scenarios with a form beside their YAML, live jobs, and a job's result.

Scenarios are checked exactly as ``aggregates validate`` checks them (:mod:`aggregates.service.scenarios`),
so the form shows the CLI's messages; a run is queued as the API queues it.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from aggregates.errors import AggregatesError, ConfigError
from aggregates.files import write_text
from aggregates.service import jobs, scenarios
from aggregates.service.auth import Db
from aggregates.service.db import User
from aggregates.service.i18n import stage_words
from aggregates.service.web import dispatch, views
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
    run_of,
    visible_job,
)
from aggregates.service.web.scenario_form import FormValues, merged, shown
from aggregates.vocab import CHAIN_LABELS, CHAINS

router = APIRouter(prefix="/planner", include_in_schema=False)
Planner = Annotated[User, Depends(page_user("planner"))]
NEW = "default"  # the stored scenario a new one starts from


@router.get("/scenarios")
def scenario_list(request: Request, user: Planner) -> Response:
    """The stored scenarios."""
    names = scenarios.stored_names(request.app.state.settings.scenarios_dir)
    return page(request, "planner_scenarios.html", user, names=names)


def _checked(text: str, folder) -> tuple[str, str, FormValues]:
    """(name, resolved text, form values) of valid scenario text; raises the CLI's :class:`ConfigError`."""
    name, resolved = scenarios.resolve(text, folder, "scenario")
    scenario = scenarios.check(name, resolved, [], "scenario", folder)
    return name, resolved, shown(scenario)


def _form(request: Request, user: User, text: str, status: int = 200, **context) -> Response:
    folder = request.app.state.settings.scenarios_dir
    values, messages = context.pop("values", None), context.pop("messages", [])
    if values is None:
        try:
            values = _checked(text, folder)[2]
        except AggregatesError as exc:
            values, messages = FormValues(), messages or problems(exc)
    words = {c: CHAIN_LABELS[c][0 if lang(request) == "zh" else 1] for c in CHAINS}
    context = {"values": values, "text": text, "messages": messages, "chains": CHAINS, "chain_words": words, **context}
    return page(request, "planner_scenario.html", user, status, **context)


@router.get("/scenarios/edit")
def scenario_form(request: Request, user: Planner, name: str = NEW) -> Response:
    """A stored scenario (or a new one from ``default``) as a form beside its YAML."""
    folder = request.app.state.settings.scenarios_dir
    try:
        text = scenarios.stored_text(folder, name)
    except ConfigError as exc:
        return _form(request, user, "", 404, messages=problems(exc))
    return _form(request, user, text)


@router.post("/scenarios")
async def scenario_post(request: Request, db: Db) -> Response:
    """Check, save or run the scenario of the form (``action``); a bad one comes back with the CLI's messages."""
    user, fields = await form_user(request, db, "planner")
    folder = request.app.state.settings.scenarios_dir
    action = field(fields, "action", "check")
    text = field(fields, "yaml")
    try:
        text = merged(text, fields, folder)
        name, resolved, values = await run_in_threadpool(_checked, text, folder)
    except AggregatesError as exc:
        return _form(request, user, text, 422, messages=problems(exc), error=True)
    if action == "save":
        await run_in_threadpool(write_text, folder / f"{name}.yaml", text)
        return _form(request, user, text, values=values, messages=[f"saved: {name}.yaml"], saved=name)
    if action == "run":
        stored = {"scenarios": [{"name": name, "text": resolved}], "overrides": [], "params": {}}
        job = jobs.submit(db, user, "optimize", stored)
        return RedirectResponse(f"/planner/jobs?lang={lang(request)}&new={job.id}", status_code=303)
    return _form(request, user, text, values=values, valid=True)


@router.get("/jobs")
def job_list(request: Request, user: Planner) -> Response:
    """Jobs with live progress (stage, fraction, gap, elapsed, estimate), cancel, publish and result links."""
    return page(request, "planner_jobs.html", user, stages=stage_words(lang(request)))


@router.get("/jobs/{job_id}")
def result_page(job_id: str, request: Request, user: Planner, db: Db, year: int | None = None) -> Response:
    """A job's result: KPI cards, map, charts and tables of an optimize job (and the days dispatched from it);
    a dispatch job's day (:func:`aggregates.service.web.dispatch.render_day`); every job's files to download."""
    job = visible_job(db, user, job_id, kind=None)
    if job.kind == dispatch.KIND:
        return dispatch.render_day(request, user, job)
    here, files = lang(request), files_of(job)
    context = {
        "job": job,
        "heading": plan_name(job),
        "files": views.downloads(job, files),
        "mine": job.owner_id == user.id,
    }
    if job.kind == "optimize" and job.status == "done":
        run = run_of(request, job)
        view = views.plan_view(run, here, year)
        context |= view | views.charts_view(run, here, view["year"]) | views.matrix_view(run, here, view["year"])
        context["map_url"] = f"/api/jobs/{job.id}/files/{views.map_name(run, here)}"
        context["script"] = views.chart_script({**context["charts"], "chart-supply": context["matrix_chart"]})
        context["days"] = dispatch.plan_days(db, user, job)
    elif job.kind == "coverage" and job.status == "done":
        result = json.loads(job.result)
        context["sentences"] = [s["answer"]["sentence"][here] for s in result.get("sites", []) if "answer" in s]
        context["differences"] = [d[here] for d in result.get("differences", [])]
    context["stored_in"] = job_folder(request, job).name
    return page(request, "planner_result.html", user, **context)
