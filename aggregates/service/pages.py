"""The pages: login (rate-limited, CSRF-protected), logout, and each role's start page.

Every page extends ``templates/base.html`` and takes its words from :mod:`aggregates.service.i18n`
(Chinese unless ``?lang=en``); pages load nothing from outside the server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from aggregates.service import users
from aggregates.service.auth import CSRF_COOKIE, SESSION_COOKIE, Db, MaybeUser, check_csrf, csrf_token
from aggregates.service.db import User
from aggregates.service.i18n import lang_of, translator

router = APIRouter(include_in_schema=False)
START = {"planner": "/planner/jobs", "official": "/official/plans", "project": "/project/coverage"}
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def render(request: Request, name: str, user: User | None, status: int = 200, **context) -> HTMLResponse:
    """A page in the language asked for, with a CSRF token for its forms (and its cookie set)."""
    lang = lang_of(context.pop("lang", None) or request.query_params.get("lang"))
    other = request.url.include_query_params(lang="en" if lang == "zh" else "zh")
    context.setdefault("switch", f"{other.path}?{other.query}")  # the other language, the page's other keys kept
    csrf = csrf_token(request)
    page = templates.TemplateResponse(
        request, name, {"t": translator(lang), "lang": lang, "csrf": csrf, "user": user, **context}, status_code=status
    )
    secure = request.app.state.settings.secure_cookies
    page.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=secure)
    return page


def _to_login(lang: str) -> RedirectResponse:
    return RedirectResponse(f"/login?lang={lang}", status_code=303)


@router.get("/login")
def login_page(request: Request, user: MaybeUser) -> Response:
    """The login form."""
    return render(request, "login.html", None)


@router.post("/login")
def login(
    request: Request,
    db: Db,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1000)],
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "zh",
) -> Response:
    """Check the password (at most 5 failures a minute per name and address), then start a session."""
    check_csrf(request, csrf)
    lang = lang_of(lang)
    address = request.client.host if request.client else "unknown"
    t = translator(lang)
    if users.login_blocked(db, name, address):
        return render(request, "login.html", None, 429, lang=lang, message=t("too_many"))
    user = users.check_password(db, name, password)
    if user is None:
        users.record_failure(db, name, address)
        return render(request, "login.html", None, 401, lang=lang, message=t("bad_login"))
    page = RedirectResponse(f"{START[user.role]}?lang={lang}", status_code=303)
    secure = request.app.state.settings.secure_cookies
    sid = users.open_session(db, user)
    page.set_cookie(SESSION_COOKIE, sid, max_age=users.SESSION_S, httponly=True, samesite="lax", secure=secure)
    return page


@router.post("/logout")
def logout(
    request: Request, db: Db, csrf: Annotated[str, Form()] = "", lang: Annotated[str, Form()] = "zh"
) -> Response:
    """End the session."""
    check_csrf(request, csrf)
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        users.close_session(db, sid)
    page = _to_login(lang_of(lang))
    page.delete_cookie(SESSION_COOKIE)
    return page


@router.get("/")
@router.get("/jobs")
def start(request: Request, user: MaybeUser) -> Response:
    """A logged-in user's start page: the planner's jobs, the official's published plans, the project's coverage."""
    lang = lang_of(request.query_params.get("lang"))
    if user is None:
        return _to_login(lang)
    return RedirectResponse(f"{START[user.role]}?lang={lang}", status_code=303)
