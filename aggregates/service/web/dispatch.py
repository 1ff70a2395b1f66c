"""Day dispatch in the pages: a planner queues a typical or peak day of a published plan; everyone who may see
the job reads the day's headline figures, its Gantt chart and map, and downloads its files.

The day runs as a ``dispatch`` job in the worker machinery (:mod:`aggregates.service.runner`), queued as the
API queues it (:func:`aggregates.service.api.queue_dispatch`), with the figures its ``day.json`` holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from aggregates.errors import AggregatesError
from aggregates.pipeline.day import drawing_name
from aggregates.service import jobs
from aggregates.service.api import queue_dispatch
from aggregates.service.auth import Db
from aggregates.service.db import Job, User
from aggregates.service.i18n import translator
from aggregates.service.models import DispatchIn
from aggregates.service.web import views
from aggregates.service.web.common import (
    DONE_PLAN,
    field,
    files_of,
    form_user,
    lang,
    page,
    page_user,
    plan_name,
    problems,
    run_of,
    visible_job,
)

router = APIRouter(include_in_schema=False)
Planner = Annotated[User, Depends(page_user("planner"))]
Viewer = Annotated[User, Depends(page_user("planner", "official", "project"))]
KIND = "dispatch"
_CAP = re.compile(r"^\s*([^=\s]+:[^=\s]+)\s*=\s*(\d+)\s*$")


@dataclass(frozen=True)
class Card:
    """One headline figure of a day: its label, value, and what it is compared with."""

    key: str
    label: str
    value: str
    sub: str = ""


@dataclass(frozen=True)
class DayRow:
    """A dispatch job as the lists show it: the job, its plan's id, and the day asked for (or dispatched)."""

    job: Job
    name: str
    plan: str
    day: str
    year: int | None
    bases: tuple[str, ...]

    @classmethod
    def of(cls, job: Job) -> DayRow:
        """The row of ``job``: the year dispatched when done, else the year asked for (if any)."""
        asked = json.loads(job.request)
        day = asked.get("dispatch", {})
        done = json.loads(job.result) if job.status == "done" else {}
        year = done.get("year", day.get("year"))
        return cls(
            job, plan_name(job), asked.get("plan", ""), day.get("day", "typical"), year, tuple(day.get("bases") or ())
        )


def _plan(db: Session, user: User, plan_id: str) -> Job:
    job = visible_job(db, user, plan_id)
    if not job.published:
        raise HTTPException(404, f"plan '{plan_id}' is not published; publish it from the jobs page to dispatch it")
    return job


def days_of(db: Session, user: User, plan_id: str | None = None) -> list[DayRow]:
    """The dispatch jobs ``user`` may see (of the plan ``plan_id`` when given), newest first."""
    rows = [DayRow.of(j) for j in jobs.listing(db, user) if j.kind == KIND]
    return [r for r in rows if plan_id is None or r.plan == plan_id]


def _form(request: Request, user: User, db: Session, plan: Job, status: int = 200, **context) -> Response:
    run = run_of(request, plan)
    years = list(run.plan.years)
    bases = sorted(set(run.plan.flows["base"])) if len(run.plan.flows) else []
    asked = context.pop("asked", {})
    context = {"plan": plan, "heading": plan_name(plan), "years": years, "bases": bases, "asked": asked, **context}
    context.setdefault("headline", run.plan.headline_year(None))
    context["days"] = days_of(db, user, plan.id)
    return page(request, "dispatch_form.html", user, status, **context)


@router.get("/planner/plans/{plan_id}/dispatch")
def dispatch_form(plan_id: str, request: Request, user: Planner, db: Db) -> Response:
    """The form to dispatch a day of a published plan, and the days dispatched from it so far."""
    return _form(request, user, db, _plan(db, user, plan_id))


@router.post("/planner/plans/{plan_id}/dispatch")
async def dispatch_post(plan_id: str, request: Request, db: Db) -> Response:
    """Queue the day of the form as a dispatch job; a bad field comes back with its message (422)."""
    user, fields = await form_user(request, db, "planner")
    plan = _plan(db, user, plan_id)
    asked = {k: field(fields, k) for k in ("day", "year", "time_limit_s", "truck_cap")} | {
        "bases": fields.get("bases", [])
    }
    try:
        day = parse_day(fields, translator(lang(request)))
        job = queue_dispatch(db, user, plan.id, day, request)
    except AggregatesError as exc:
        return _form(request, user, db, plan, 422, messages=problems(exc), asked=asked)
    except ValueError as exc:
        return _form(request, user, db, plan, 422, messages=str(exc).splitlines(), asked=asked)
    return RedirectResponse(f"/planner/jobs?lang={lang(request)}&new={job.id}", status_code=303)


def parse_day(fields: dict[str, list[str]], t) -> DispatchIn:
    """The form's day as the API's :class:`DispatchIn`.

    Raises
    ------
    ValueError
        One line per bad field, naming it and how to fix it.
    """
    values: dict = {"day": field(fields, "day", "typical"), "bases": [b for b in fields.get("bases", []) if b]}
    if field(fields, "year"):
        values["year"] = field(fields, "year")
    if field(fields, "time_limit_s").strip():
        values["time_limit_s"] = field(fields, "time_limit_s").strip()
    values["truck_cap"] = parse_caps(field(fields, "truck_cap"), t)
    try:
        return DispatchIn.model_validate(values)
    except ValidationError as exc:
        lines = [f"{t('d_' + str(e['loc'][0]))}: {e['msg']}" if e["loc"] else e["msg"] for e in exc.errors()]
        raise ValueError("\n".join(lines)) from None


def parse_caps(text: str, t) -> dict[str, int]:
    """Fleet caps written ``b-one:diesel=3, b-two:bet=2`` (commas or new lines) as a mapping.

    Raises
    ------
    ValueError
        Naming the part that is not ``<depot>:<truck>=<trucks>``.
    """
    caps = {}
    for part in filter(str.strip, re.split(r"[,\n;，]", text or "")):
        match = _CAP.match(part)
        if match is None:
            raise ValueError(f"{t('d_truck_cap')}: '{part.strip()}': {t('cap_hint')}")
        caps[match.group(1)] = int(match.group(2))
    return caps


@router.get("/days")
def day_list(request: Request, user: Viewer, db: Db) -> Response:
    """The dispatched days the user may see: a planner's own and every published one."""
    return page(request, "dispatch_days.html", user, days=days_of(db, user))


@router.get("/days/{job_id}")
def day_page(job_id: str, request: Request, user: Viewer, db: Db) -> Response:
    """A dispatched day: headline figures against the fleet sizing, the map of the day, the Gantt chart, files."""
    job = visible_job(db, user, job_id, kind=None)
    if job.kind != KIND:
        raise HTTPException(404, f"job '{job_id}' is not a dispatch job (it is a {job.kind} job)")
    return render_day(request, user, job)


def render_day(request: Request, user: User, job: Job) -> Response:
    """The page of the dispatch job ``job`` (also the planner's result page of such a job)."""
    here, files = lang(request), files_of(job)
    t = translator(here)
    asked = json.loads(job.request)
    result = json.loads(job.result) if job.status == "done" else {}
    intro, reasons = _reasons(job.error, t)
    context = {
        "job": job,
        "heading": plan_name(job) if result else f"{t('dispatch_of')} {asked.get('plan', '')[:8]}",
        "asked": asked.get("dispatch", {}),
        "plan_id": asked.get("plan", ""),
        "plan_url": _plan_url(user, asked.get("plan", ""), here),
        "files": views.downloads(job, files),
        "mine": job.owner_id == user.id,
        "error_intro": intro,
        "error_lines": reasons,
        "active": job.status in jobs.ACTIVE,
    }
    if result:
        drawn_in = result.get("drawn_in", "zh")
        context |= {
            "result": result,
            "cards": day_cards(result, t),
            "comparison": [(figure_words(r["figure"], t), r) for r in result.get("comparison", [])],
            "map_url": f"/api/jobs/{job.id}/files/{_drawing(files, 'day_map', drawn_in, here)}",
            "gantt_url": f"/api/jobs/{job.id}/files/{_drawing(files, 'gantt', drawn_in, here)}",
        }
    return page(request, "dispatch_day.html", user, **context)


def _reasons(error: str, t) -> tuple[str, list[str]]:
    """(the sentence before the reasons, the reasons) of a failed day: the command's message, a line a reason."""
    lines = [line.strip(" -") for line in error.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        return lines[0], lines[1:]
    return t("day_failed"), lines


def _drawing(files: list[str], stem: str, drawn_in: str, here: str) -> str:
    name = drawing_name(stem, drawn_in, here)
    return name if name in files else f"{stem}.html"


def _plan_url(user: User, plan_id: str, here: str) -> str:
    if not plan_id:
        return ""
    if user.role == "planner":
        return f"/planner/jobs/{plan_id}?lang={here}"
    return f"/official/plans/{plan_id}?lang={here}" if user.role == "official" else ""


def _row(result: dict, figure: str) -> dict:
    return next((r for r in result.get("comparison", []) if r["figure"] == figure), {})


def _against(row: dict, t) -> str:
    if not row or row.get("plan_on_day") in (None, 0):
        return t("no_sizing")
    ratio = f" (×{row['ratio']:.2f})" if row.get("ratio") is not None else ""
    return f"{t('vs_sizing')} {row['plan_on_day']:,.1f}{ratio}"


def day_cards(result: dict, t) -> list[Card]:
    """The day's headline figures: loads, trucks by type and trains against the plan's fleet sizing, empty km,
    CO2e, battery swaps."""
    by_type = result.get("trucks_by_type", {})
    electric, diesel = _row(result, "electric trucks working"), _row(result, "diesel trucks working")
    trains = _row(result, "trains a day")
    swaps = f"{result.get('depot_swaps', 0):,} / {result.get('swaps_en_route', 0):,}"
    return [
        Card("loads", t("c_loads"), f"{result['loads']:,}", result.get("rounding", "")),
        Card("bet", t("c_bet"), f"{by_type.get('bet', 0):,}", _against(electric, t)),
        Card("diesel", t("c_diesel"), f"{by_type.get('diesel', 0):,}", _against(diesel, t)),
        Card("trains", t("c_trains"), f"{result['trains']:,}", _against(trains, t)),
        Card(
            "km_empty", t("c_km_empty"), f"{result['km_empty']:,.0f}", f"{t('c_km_loaded')} {result['km_loaded']:,.0f}"
        ),
        Card(
            "co2e",
            t("c_co2e"),
            f"{result['co2e_kg'] / 1000:,.1f}",
            f"{result['litres']:,.0f} L · {result['kwh']:,.0f} kWh",
        ),
        Card("swaps", t("c_swaps"), swaps, t("c_swaps_sub")),
    ]


_FLEET = re.compile(r"^(electric|diesel) trucks in fleet \(/(.+) availability\)$")


def figure_words(figure: str, t) -> str:
    """A comparison row's figure (``comparison.csv``) in the page's language."""
    fleet = _FLEET.match(figure)
    if fleet:
        return t(f"f_{fleet.group(1)}_fleet").format(a=fleet.group(2))
    return t("f_" + figure.replace(" ", "_"))


def plan_days(db: Session, user: User, plan: Job) -> list[DayRow]:
    """The dispatched days of ``plan`` ``user`` may see (for the plan's pages)."""
    return days_of(db, user, plan.id) if plan.kind == DONE_PLAN else []
