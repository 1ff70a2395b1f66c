"""Who is asking: a Bearer token or a session cookie; roles checked per endpoint; CSRF for cookie requests."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from aggregates.service import users
from aggregates.service.db import User

SESSION_COOKIE = "aggregates_session"
CSRF_COOKIE = "aggregates_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request."""
    with request.app.state.sessions() as db:
        yield db


Db = Annotated[Session, Depends(get_db)]


def optional_user(request: Request, db: Db) -> User | None:
    """The user of a Bearer token, else of a session cookie (checking CSRF on changes), else None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    sid = request.cookies.get(SESSION_COOKIE)
    if scheme.lower() == "bearer" and token:
        user = users.user_by_token(db, token.strip())
    elif sid:
        user = users.session_user(db, sid)
        if user is not None and request.method not in SAFE_METHODS:
            check_csrf(request, request.headers.get(CSRF_HEADER))
    else:
        return None
    return _released(db, user)


def _released(db: Session, user: User | None) -> User | None:
    """Keep ``user`` readable and give the connection back to the pool (a slow request must not hold one)."""
    if user is not None:
        db.expunge(user)
    db.close()
    return user


MaybeUser = Annotated[User | None, Depends(optional_user)]


def current_user(user: MaybeUser) -> User:
    """The user asking; 401 when there is none."""
    if user is None:
        raise HTTPException(
            401,
            "log in: send 'Authorization: Bearer TOKEN' (from 'aggregates users add') or log in at /login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def role(*allowed: str) -> Callable[..., User]:
    """A dependency that lets through only users with one of the ``allowed`` roles (else 403)."""

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(403, f"role '{user.role}' may not do this; it needs: {', '.join(allowed)}")
        return user

    check.__name__ = f"role_{'_'.join(allowed)}"
    return check


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (from its cookie), or a new one for :func:`set_csrf_cookie` to set."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def check_csrf(request: Request, sent: str | None) -> None:
    """403 unless ``sent`` (form field or header) equals the CSRF cookie (double submit)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
