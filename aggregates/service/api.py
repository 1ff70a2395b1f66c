"""The HTTP API under ``/api`` (JSON; documented at ``/docs``)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from aggregates.errors import InputError
from aggregates.service import jobs, scenarios
from aggregates.service.answers import Busy
from aggregates.service.auth import CurrentUser, Db, role
from aggregates.service.db import Job, User
from aggregates.service.models import CoverageIn, DispatchIn, JobIn, ScenarioRef, SiteIn
from aggregates.viz.gcj02 import gcj02_to_wgs84

router = APIRouter(prefix="/api")
Planner = Annotated[User, Depends(role("planner"))]
AsksCoverage = Annotated[User, Depends(role("project", "planner"))]


@router.get("/health", tags=["service"])
def health(db: Db) -> dict:
    """Whether the database answers, and how many jobs wait and run."""
    db.execute(text("SELECT 1"))
    counts = dict(db.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    return {"status": "ok", "queued": counts.get("queued", 0), "running": counts.get("running", 0)}


@router.get("/scenarios", tags=["jobs"])
def stored_scenarios(request: Request, user: Planner) -> list[str]:
    """Names of the stored scenarios a job may name."""
    return scenarios.stored_names(request.app.state.settings.scenarios_dir)


def _resolved(ref: ScenarioRef, request: Request, where: str, overrides: list[str]) -> dict:
    folder = request.app.state.settings.scenarios_dir
    text_ = scenarios.stored_text(folder, ref.name) if ref.name is not None else ref.yaml
    name, resolved = scenarios.resolve(text_, folder, where)
    scenarios.check(name, resolved, overrides, where, folder)
    return {"name": name, "text": resolved}


@router.post("/jobs", status_code=202, tags=["jobs"])
def submit(body: JobIn, request: Request, user: Planner, db: Db) -> dict:
    """Queue a job; the scenario is validated now, so a bad key is a 422 with the CLI's message.

    A dispatch job names a published optimize job (``plan``) and the day (``dispatch``); it runs on that plan.
    """
    if body.kind == "dispatch":
        job = queue_dispatch(db, user, body.plan, body.dispatch, request)
        return {"id": job.id, "status": job.status, "url": f"/api/jobs/{job.id}"}
    refs = body.scenarios if body.kind == "compare" else [body.scenario]
    resolved = [
        _resolved(r, request, f"scenario {i + 1}" if len(refs) > 1 else "scenario", body.overrides)
        for i, r in enumerate(refs)
    ]
    stored = {"scenarios": resolved, "overrides": body.overrides, "params": body.params}
    if body.kind == "coverage":
        stored["sites"] = [_site(s, years_needed=True) for s in body.sites]
        stored["plan_dir"] = str(_published_plan(db, user, body.plan, request)) if body.plan else None
    job = jobs.submit(db, user, body.kind, stored)
    return {"id": job.id, "status": job.status, "url": f"/api/jobs/{job.id}"}


def queue_dispatch(db: Session, user: User, plan: str, day: DispatchIn, request: Request) -> Job:
    """Queue a dispatch of ``day`` of the published plan ``plan`` for ``user``.

    Raises
    ------
    InputError
        When ``plan`` is not a published, done optimize job ``user`` may see.
    """
    folder = _published_plan(db, user, plan, request)
    stored = {"plan": plan, "plan_dir": str(folder), "dispatch": day.model_dump()}
    return jobs.submit(db, user, "dispatch", stored)


def _site(site: SiteIn, years_needed: bool = False) -> dict:
    """The site as plain data: a place name, or lat/lon in WGS-84 (its years may be left to the plan's first
    year, except in a job). A place is looked up in the plan's region where the question is answered."""
    years = site.years or []
    what = site.name or site.place or "site"
    if years_needed and not years:
        raise InputError(f"site '{what}': years: give the years the site needs {site.product}, e.g. [2024]")
    common = {"name": site.name, "tonnes": site.tonnes, "product": site.product, "years": years}
    if site.place is not None:
        return {**common, "place": site.place}
    if site.lat is None or site.lon is None:
        raise InputError(f"site '{what}': give a place name (place: 雄安) or both lat and lon")
    lat, lon = site.lat, site.lon
    if site.crs == "GCJ-02":
        lon_, lat_ = gcj02_to_wgs84(lon, lat)
        lon, lat = float(lon_), float(lat_)
    return {**common, "lat": lat, "lon": lon}


def _published_plan(db: Session, user: User, job_id: str, request: Request):
    job = jobs.find(db, user, job_id)
    if job is None or not job.published or job.kind != "optimize" or job.status != "done":
        raise InputError(f"plan '{job_id}': not a published optimize job; ask a planner to publish one")
    return request.app.state.settings.jobs_dir / job.id


def _owner_names(db: Session, rows: list[Job]) -> dict[int, str]:
    ids = {j.owner_id for j in rows}
    return dict(db.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


@router.get("/jobs", tags=["jobs"])
def list_jobs(user: CurrentUser, db: Db) -> list[dict]:
    """The jobs you may see, newest first: your own, and every published one."""
    rows = jobs.listing(db, user)
    names = _owner_names(db, rows)
    return [jobs.view(j, names.get(j.owner_id, "")) for j in rows]


def _visible(db: Session, user: User, job_id: str) -> Job:
    job = jobs.find(db, user, job_id)
    if job is None:
        raise HTTPException(404, f"job '{job_id}' not found")
    return job


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: str, user: CurrentUser, db: Db) -> dict:
    """A job: status, progress (stage, fraction, gap, elapsed, estimate left), files, and figures when done."""
    job = _visible(db, user, job_id)
    return jobs.view(job, _owner_names(db, [job]).get(job.owner_id, ""))


def _own(db: Session, user: User, job_id: str) -> Job:
    job = _visible(db, user, job_id)
    if job.owner_id != user.id:
        raise HTTPException(403, f"job '{job_id}' belongs to another planner")
    return job


@router.delete("/jobs/{job_id}", status_code=202, tags=["jobs"])
def cancel_job(job_id: str, user: Planner, db: Db) -> dict:
    """Cancel a queued or running job of yours; a running one stops within about a second."""
    job = _own(db, user, job_id)
    if not jobs.cancel(db, job):
        raise HTTPException(409, f"job '{job_id}' has ended already ({job.status}); nothing to cancel")
    return {"id": job.id, "status": "cancelled"}


@router.post("/jobs/{job_id}/publish", tags=["jobs"])
def publish_job(job_id: str, user: Planner, db: Db) -> dict:
    """Publish a done job of yours to officials and project teams."""
    job = _own(db, user, job_id)
    if job.status != "done":
        raise HTTPException(409, f"job '{job_id}' is {job.status}; only a done job can be published")
    jobs.publish(db, job)
    return {"id": job.id, "published": True}


@router.get("/jobs/{job_id}/files/{name:path}", tags=["jobs"])
def job_file(job_id: str, name: str, request: Request, user: CurrentUser, db: Db):
    """One file of a done job; only names in the job's manifest are served (no path reaches outside it)."""
    job = _visible(db, user, job_id)
    manifest = json.loads(job.files) if job.status == "done" else []
    if name not in manifest:
        raise HTTPException(404, f"job '{job_id}' has no file '{name}'; its files: {', '.join(manifest) or 'none yet'}")
    path = request.app.state.settings.jobs_dir / job.id / manifest[manifest.index(name)]
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=kind, filename=path.name if not kind.startswith("text/html") else None)


def _question(body: CoverageIn, request: Request, user: AsksCoverage, db: Db) -> tuple[Path, dict]:
    """The published plan's folder and the site in WGS-84 with its years (checked in a request thread)."""
    folder = _published_plan(db, user, body.plan, request)
    db.close()  # the answer may wait a while: hold no database connection meanwhile
    return folder, _site(body.site)


@router.post("/coverage", tags=["coverage"])
async def coverage(question: Annotated[tuple[Path, dict], Depends(_question)], request: Request) -> JSONResponse:
    """Can a site be supplied from near solid-waste bases, against a published plan's room left? Answered at once.

    A busy server answers 503 with ``Retry-After: 1`` instead of keeping the question waiting.
    """
    folder, site = question
    try:
        answer = await request.app.state.desk.ask(folder, site)
    except Busy:
        return JSONResponse({"detail": "busy answering other coverage questions; ask again"}, 503, {"Retry-After": "1"})
    plan = folder.name
    against = f"the published plan {plan} (the site checked alone against the room it leaves)"
    return JSONResponse({**answer, "plan": plan, "against": against})
