"""What the page tests share: logging in through the login form, as a browser would."""

from __future__ import annotations

import re

from svc import PASSWORD

_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page carries (its meta tag)."""
    return _CSRF.search(html).group(1)


def log_in(client, name: str) -> str:
    """Log ``client`` (a TestClient or httpx client keeping cookies) in as ``name``; return its CSRF token."""
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return token
