"""Finding a place of a region by what a person types: an id, an English or a Chinese name."""

from __future__ import annotations

import difflib

import pandas as pd

from aggregates.errors import NetworkError


def _matches(table: pd.DataFrame, needle: str, exact: bool) -> pd.DataFrame:
    keys = [table[c].str.casefold() for c in ("id", "name_en", "name_zh")]
    hit = [(k == needle) if exact else k.str.contains(needle, regex=False) for k in keys]
    return table[hit[0] | hit[1] | hit[2]]


def find_place(table: pd.DataFrame, text: str, what: str) -> str:
    """Id of the row matching ``text`` by id, English or Chinese name, case-insensitive.

    An exact match wins; otherwise a single row whose id or name contains
    ``text`` (e.g. ``Shougang`` or ``首矿``).

    Raises
    ------
    NetworkError
        When nothing or more than one row matches, listing the candidates.
    """
    needle = text.strip().casefold()
    for exact in (True, False):
        hits = _matches(table, needle, exact)
        if len(hits) == 1:
            return str(hits["id"].iloc[0])
        if len(hits) > 1:
            listed = ", ".join(f"{i} ({n})" for i, n in zip(hits["id"], hits["name_en"], strict=True))
            raise NetworkError(f"'{text}' matches several {what}: {listed}; use the id")
    names = [*table["id"], *table["name_en"], *table["name_zh"]]
    close = difflib.get_close_matches(text, names, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise NetworkError(f"no {what} is called '{text}' (match by id, English or Chinese name){hint}")
