"""Saving a map page: folium's random element ids made stable, written through a temporary file.

Rendering is sped up where branca spends most of it: ``MacroElement.render`` wraps every piece it
has rendered (each marker's, tooltip's and line's HTML and script) in ``Element(piece)``, which
compiles the finished text as a Jinja template, some 1,100 compilations (0.7 s) for the default
plan's map. :func:`render_page` lets branca keep such a piece as plain text instead, when the text
has no Jinja syntax, so that rendering it gives back the very same characters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import branca.element
import jinja2
from branca.element import Figure

from aggregates.files import write_text

_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def stable_ids(page: str) -> str:
    """Replace folium's random element ids by sequence numbers, so the same plan gives the same bytes."""
    seen: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"{len(seen) + 1:06d}")

    return _RANDOM_ID.sub(number, page)


_JINJA_SYNTAX = ("{{", "{%", "{#", "\r")  # and a carriage return, which Jinja would normalise
_PATCH_LOCK = threading.Lock()


def save_html(page, path: str | Path) -> Path:
    """Write a map or figure to ``path`` through a temporary file, so a failure leaves no partial page."""
    return write_text(path, render_page(page))


def render_page(page) -> str:
    """A folium map's or branca figure's whole page, with stable ids (the bytes branca would give, faster)."""
    root = page.get_root() if not isinstance(page, Figure) else page
    with _plain_pieces():
        return stable_ids(root.render())


class _Text:
    """A rendered piece of a page kept as text: renders as Jinja renders text without syntax."""

    def __init__(self, text: str):
        self.text = text.removesuffix("\n")  # Jinja drops one trailing newline (keep_trailing_newline=False)

    def render(self, *args, **kwargs) -> str:
        return self.text


def _template(source: str) -> jinja2.Template | _Text:
    if any(mark in source for mark in _JINJA_SYNTAX):
        return jinja2.Template(source)
    return _Text(source)


@contextmanager
def _plain_pieces() -> Iterator[None]:
    """While rendering, ``branca.element.Element(text)`` keeps text without Jinja syntax as it is."""
    with _PATCH_LOCK:  # one render at a time patches and restores the module's name
        branca.element.Template = _template
        try:
            yield
        finally:
            branca.element.Template = jinja2.Template
