"""What the role pages share: who may see a page, the job a page shows, its run read back once, and rendering.

A page asks for a role with :func:`page_user`: no session sends the browser to the login page, a
user of another role gets 403. A job's run folder is read back with :func:`aggregates.read_run` once
per process (the service's ``app.state.runs``, shared with the API) and drawn from memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from aggregates.errors import AggregatesError
from aggregates.pipeline import Result
from aggregates.service import jobs, users
from aggregates.service.answers import published
from aggregates.service.auth import SESSION_COOKIE, MaybeUser, check_csrf
from aggregates.service.db import Job, User
from aggregates.service.i18n import lang_of
from aggregates.service.pages import render

DONE_PLAN = "optimize"


def page_user(*allowed: str) -> Callable[..., User]:
    """A dependency for a page: the user when their role is one of ``allowed``; else to the login page or 403."""

    def check(request: Request, user: MaybeUser) -> User:
        if user is None:
            lang = lang_of(request.query_params.get("lang"))
            raise HTTPException(303, "log in first", headers={"Location": f"/login?lang={lang}"})
        if user.role not in allowed:
            raise HTTPException(403, f"role '{user.role}' may not open this page; it needs: {', '.join(allowed)}")
        return user

    check.__name__ = f"page_{'_'.join(allowed)}"
    return check


def lang(request: Request) -> str:
    """The page's language: ``?lang=en``, else Chinese."""
    return lang_of(request.query_params.get("lang"))


def page(request: Request, name: str, user: User, status: int = 200, **context) -> HTMLResponse:
    """A role page (``templates/<name>``) in the page's language."""
    return render(request, name, user, status, lang=lang(request), **context)


def visible_job(db: Session, user: User, job_id: str, kind: str | None = DONE_PLAN) -> Job:
    """The job when ``user`` may see it (and, with ``kind``, a done job of that kind); else 404."""
    job = jobs.find(db, user, job_id)
    if job is None:
        raise HTTPException(404, f"job '{job_id}' not found")
    if kind is not None and (job.kind != kind or job.status != "done"):
        raise HTTPException(404, f"job '{job_id}' is not a done {kind} job (it is a {job.status} {job.kind} job)")
    return job


def job_folder(request: Request, job: Job) -> Path:
    """Where the job's files are stored."""
    return request.app.state.settings.jobs_dir / job.id


def run_of(request: Request, job: Job) -> Result:
    """The job's run folder read back (once per process for the last 16 plans shown)."""
    return published(str(job_folder(request, job)))


def files_of(job: Job) -> list[str]:
    """The job's stored files (its manifest), empty until it is done."""
    return json.loads(job.files) if job.status == "done" else []


def published_plans(db: Session, user: User) -> list[Job]:
    """Published, done optimize jobs ``user`` may see, newest first."""
    return [j for j in jobs.listing(db, user) if j.published and j.kind == DONE_PLAN and j.status == "done"]


def plan_name(job: Job) -> str:
    """The scenario name of a done job's plan (its kpis.json), else its kind."""
    result = json.loads(job.result) if job.status == "done" and job.result else {}
    return str(result.get("scenario") or job.kind) if isinstance(result, dict) else job.kind


def problems(exc: AggregatesError) -> list[str]:
    """The CLI's message of ``exc`` as lines, one problem each (as the API's 422 lists them)."""
    lines = [line.strip(" -") for line in exc.message.splitlines() if line.strip()]
    return lines


async def form_user(request: Request, db: Session, *allowed: str) -> tuple[User, dict[str, list[str]]]:
    """The user of a form post (session cookie) and the form's fields; CSRF checked against the form's token.

    Raises
    ------
    HTTPException
        303 to the login page without a session, 403 for a wrong CSRF token or another role.
    """
    form = await request.form()
    fields = {k: [str(v) for v in form.getlist(k)] for k in form}
    check_csrf(request, (fields.get("csrf") or [""])[-1])
    sid = request.cookies.get(SESSION_COOKIE)
    user = users.session_user(db, sid) if sid else None
    if user is None:
        raise HTTPException(303, "log in first", headers={"Location": f"/login?lang={lang(request)}"})
    if user.role not in allowed:
        raise HTTPException(403, f"role '{user.role}' may not do this; it needs: {', '.join(allowed)}")
    return user, fields


def field(fields: dict[str, list[str]], name: str, default: str = "") -> str:
    """One form field's (last) value."""
    return (fields.get(name) or [default])[-1]
