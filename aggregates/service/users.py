"""Users: adding and listing them, checking passwords and tokens, web sessions and the login rate limit."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aggregates.errors import InputError
from aggregates.service.db import LoginFailure, User, WebSession
from aggregates.service.settings import ROLES

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8
SESSION_S = 12 * 3600
LOGIN_FAILURES = 5  # failed logins a name may have from one address ...
LOGIN_WINDOW_S = 60.0  # ... within this many seconds before the next try is refused (429)


@dataclass(frozen=True)
class NewUser:
    """A user just added, with the API token shown this once."""

    name: str
    role: str
    token: str


def digest(secret: str) -> str:
    """SHA-256 of a random secret (a token or session id: high entropy, so a fast hash suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name_and_role(name: str, role: str) -> None:
    """Raise :class:`InputError` for a bad user name or an unknown role (before a password is asked for)."""
    if not _NAME.match(name):
        raise InputError(f"user name '{name}': use 1 to 64 letters, digits or _ . @ -")
    if role not in ROLES:
        raise InputError(f"--role {role}: not a role; use one of {', '.join(ROLES)}")


def add_user(db: Session, name: str, role: str, password: str) -> NewUser:
    """Add a user; return the API token, which is stored only as a hash.

    Raises
    ------
    InputError
        For a bad name, an unknown role, a short password or a name already taken.
    """
    check_name_and_role(name, role)
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password: at least {MIN_PASSWORD} characters, got {len(password)}")
    token = secrets.token_urlsafe(32)
    db.add(User(name=name, role=role, password_hash=_hasher.hash(password), token_hash=digest(token)))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise InputError(f"user '{name}' exists already; pick another name") from None
    return NewUser(name, role, token)


def list_users(db: Session) -> list[User]:
    """All users by name."""
    return list(db.scalars(select(User).order_by(User.name)))


def user_by_token(db: Session, token: str) -> User | None:
    """The user whose API token this is, or None."""
    return db.scalar(select(User).where(User.token_hash == digest(token)))


def check_password(db: Session, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (the same work is done for an unknown name)."""
    user = db.scalar(select(User).where(User.name == name))
    stored = user.password_hash if user is not None else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def login_blocked(db: Session, name: str, address: str) -> bool:
    """Whether ``name`` from ``address`` failed :data:`LOGIN_FAILURES` times in the last minute."""
    since = time.time() - LOGIN_WINDOW_S
    db.execute(delete(LoginFailure).where(LoginFailure.at < since))
    db.commit()
    count = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.name == name, LoginFailure.address == address, LoginFailure.at >= since)
    )
    return count >= LOGIN_FAILURES


def record_failure(db: Session, name: str, address: str) -> None:
    """Count one failed login."""
    db.add(LoginFailure(name=name[:64], address=address[:64]))
    db.commit()


def open_session(db: Session, user: User) -> str:
    """Start a web session; return the cookie value (the table keeps only its hash)."""
    sid = secrets.token_urlsafe(32)
    db.add(WebSession(id_hash=digest(sid), user_id=user.id, expires_at=time.time() + SESSION_S))
    db.commit()
    return sid


def session_user(db: Session, sid: str) -> User | None:
    """The user of a live session cookie, or None."""
    row = db.get(WebSession, digest(sid))
    if row is None or row.expires_at < time.time():
        return None
    return db.get(User, row.user_id)


def close_session(db: Session, sid: str) -> None:
    """End a web session (logout)."""
    db.execute(delete(WebSession).where(WebSession.id_hash == digest(sid)))
    db.commit()
