"""City access rules: the hours a truck type may deliver into a demand node, and whether it may at all.

A region's ``access_rules.csv`` gives, per truck-restriction zone and truck type, a daily window
(``HH:MM-HH:MM``, past midnight when the end is before the start, or ``closed``) and the oldest
emission standard admitted (FACTS §4.3). A node is bound by the rules of its own zone and of every
zone it is nested in: the windows intersect, and the truck must meet every rule's standard. A node
with no rule for a truck type is open at all hours. This module imports no GIS library.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from aggregates.data.region import Region
from aggregates.vocab import ANY_STANDARD, EMISSION_STANDARDS

DAY_MINUTES = 24 * 60
CLOSED = "closed"
ANY_TIME = "00:00-24:00"
_PATTERN = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


def parse_window(text: str) -> np.ndarray | None:
    """The minutes of a day a window covers, as a boolean mask of 1,440; None when ``text`` is not a window.

    Parameters
    ----------
    text
        ``HH:MM-HH:MM`` (``23:00-06:00`` runs past midnight; ``00:00-24:00`` is the whole day) or ``closed``.
    """
    if text == CLOSED:
        return np.zeros(DAY_MINUTES, dtype=bool)
    match = _PATTERN.fullmatch(text)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if max(m1, m2) > 59 or start > DAY_MINUTES or end > DAY_MINUTES or start == end:
        return None
    minute = np.arange(DAY_MINUTES)
    if start < end:
        return (minute >= start) & (minute < end)
    return (minute >= start) | (minute < end)


def window_text(mask: np.ndarray) -> str:
    """A mask of minutes written back as windows (``;`` between separate runs), ``closed`` or ``00:00-24:00``."""
    if not mask.any():
        return CLOSED
    if mask.all():
        return ANY_TIME
    first_closed = int(np.argmin(mask))  # read from a closed minute so that no run wraps
    edges = np.diff(np.concatenate([[0], np.roll(mask, -first_closed).astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs = sorted(
        ((s + first_closed) % DAY_MINUTES, (e + first_closed - 1) % DAY_MINUTES + 1)
        for s, e in zip(starts, ends, strict=True)
    )
    return ";".join(f"{_clock(s)}-{_clock(e)}" for s, e in runs)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def admits(rule_standard: str, standard: str) -> bool:
    """Whether a truck of emission ``standard`` (``any`` for a battery-electric truck) meets a rule's least one."""
    if rule_standard == ANY_STANDARD or standard == ANY_STANDARD:
        return True
    return EMISSION_STANDARDS.index(standard) >= EMISSION_STANDARDS.index(rule_standard)


def delivery_windows(region: Region, truck: str, standard: str, nodes: list[str]) -> pd.DataFrame:
    """Per demand node: the window a truck type may deliver in, under every rule that binds the node.

    Parameters
    ----------
    region
        The region, with its ``access_rules`` and zone nesting.
    truck
        ``diesel`` or ``bet``.
    standard
        The fleet's emission standard (``any`` for battery-electric trucks).
    nodes
        Demand node ids, in the order wanted.

    Returns
    -------
    pandas.DataFrame
        Indexed by node: ``zone`` (the node's own zone), ``window`` (text, as :func:`window_text`)
        and ``window_hours`` (hours a day; 24 unrestricted, 0 when the truck may not deliver at all).
    """
    demand = region.demand.set_index("id").loc[nodes]
    rules = region.access_rules
    rules = rules[rules["truck"] == truck] if len(rules) else rules
    by_zone: dict[str, np.ndarray] = {}
    for zone in demand["zone"].unique():
        mask = np.ones(DAY_MINUTES, dtype=bool)
        for rule in rules.itertuples():
            if zone in region.meta.zone_members(rule.zone):
                allowed = admits(rule.min_standard, standard)
                mask &= parse_window(rule.window) if allowed else False
        by_zone[zone] = mask
    masks = [by_zone[zone] for zone in demand["zone"]]
    return pd.DataFrame(
        {
            "zone": demand["zone"].to_numpy(object),
            "window": [window_text(m) for m in masks],
            "window_hours": [float(m.sum()) / 60.0 for m in masks],
        },
        index=pd.Index(nodes, name="id"),
    )
