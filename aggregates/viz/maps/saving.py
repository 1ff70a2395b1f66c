"""Saving a map page: folium's random element ids made stable, written through a temporary file."""

from __future__ import annotations

import re
from pathlib import Path

from branca.element import Figure

from aggregates.files import write_text

_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def stable_ids(page: str) -> str:
    """Replace folium's random element ids by sequence numbers, so the same plan gives the same bytes."""
    seen: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"{len(seen) + 1:06d}")

    return _RANDOM_ID.sub(number, page)


def save_html(page, path: str | Path) -> Path:
    """Write a map or figure to ``path`` through a temporary file, so a failure leaves no partial page."""
    root = page.get_root() if not isinstance(page, Figure) else page
    return write_text(path, stable_ids(root.render()))
