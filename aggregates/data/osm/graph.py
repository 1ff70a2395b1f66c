"""Road classes, names and tolls of OSM ways: the tag rules the road layer's columns follow."""

from __future__ import annotations

from typing import Any

import numpy as np

from aggregates.data.osm.simplify import Dropped

_KIND_OF_CLASS = {
    "motorway": "expressway",
    "trunk": "expressway",
    "primary": "national",
}

_CLASS_RANK = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "tertiary": 4}

_TOLLED_CLASSES = frozenset({"motorway"})

_TOLL_YES = frozenset({"yes", "true", "1"})


def tag_values(value: Any) -> list[str]:
    """Tag value(s) as a sorted list of distinct non-empty strings."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple | set) else [value]
    return sorted({str(v).strip() for v in items if str(v).strip()})


def highway_of(data: dict[str, Any]) -> str:
    """The most important highway value of a (merged) link."""
    values = tag_values(data.get("highway")) or ["unclassified"]
    return min(values, key=lambda h: (_CLASS_RANK.get(h.removesuffix("_link"), 9), h))


def road_kind(highway: str) -> str:
    """Road layer kind of an OSM highway value.

    Parameters
    ----------
    highway
        OSM ``highway`` value, e.g. ``motorway_link``.

    Returns
    -------
    str
        ``expressway`` (motorway, trunk), ``national`` (primary) or
        ``provincial`` (anything else), ramps like their road.
    """
    return _KIND_OF_CLASS.get(highway.removesuffix("_link"), "provincial")


def road_name(data: dict[str, Any]) -> str:
    """Route number (``ref``), else name, else ``unnamed``."""
    for tag in ("ref", "name"):
        values = tag_values(data.get(tag))
        if values:
            return ";".join(values)
    return "unnamed"


def is_tolled(data: dict[str, Any], highway: str) -> bool:
    """Toll tag if present (any ``yes`` wins), else tolled for motorways."""
    values = tag_values(data.get("toll"))
    if values:
        return any(v.lower() in _TOLL_YES for v in values)
    return highway.removesuffix("_link") in _TOLLED_CLASSES


__all__ = ["Dropped", "highway_of", "is_tolled", "road_kind", "road_name", "tag_values"]
