"""The OSM road graph cleaned for trucks: two-way, largest component, simplified; road classes and tolls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox

from aggregates.data.osm.reading import DEFAULT
from aggregates.errors import RegionError


@dataclass(frozen=True)
class Dropped:
    """What was dropped when keeping the largest connected component."""

    components: int
    nodes: int
    km: float


_KIND_OF_CLASS = {
    "motorway": "expressway",
    "trunk": "expressway",
    "primary": "national",
}

_CLASS_RANK = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "tertiary": 4}

_TOLLED_CLASSES = frozenset({"motorway"})

_TOLL_YES = frozenset({"yes", "true", "1"})

_SPLIT_ON = ("highway", "ref", "toll")


def road_graph(raw: nx.MultiDiGraph, highway_filter: Iterable[str] = DEFAULT) -> tuple[nx.MultiDiGraph, Dropped]:
    """Filter, make two-way, keep the largest component and simplify.

    Parameters
    ----------
    raw
        Unsimplified osmnx graph (from :func:`load_osm_graph`).
    highway_filter
        Highway values to keep.

    Returns
    -------
    graph, dropped
        The simplified graph (every link present in both directions) and what
        the largest-component cut removed.
    """
    highways = frozenset(highway_filter)
    two_way = _two_way_roads(raw, highways)
    if two_way.number_of_edges() == 0:
        raise RegionError(
            f"the OSM data holds no road of the classes {sorted(highways)}; "
            "check the extract covers the region and the highway filter"
        )
    kept, dropped = _largest_component(two_way)
    simple = ox.simplify_graph(kept, edge_attrs_differ=_SPLIT_ON)
    return simple, dropped


def _two_way_roads(raw: nx.MultiDiGraph, highways: frozenset[str]) -> nx.MultiDiGraph:
    """Keep the selected highway edges, each present in both directions once."""
    graph = nx.MultiDiGraph(**raw.graph)
    seen: set[tuple[int, int, Any]] = set()
    for u, v, data in raw.edges(data=True):
        if data.get("highway") not in highways:
            continue
        for a, b in ((u, v), (v, u)):
            if (a, b, data.get("osmid")) in seen:
                continue
            seen.add((a, b, data.get("osmid")))
            graph.add_node(a, **raw.nodes[a])
            graph.add_edge(a, b, **data)
    return graph


def _largest_component(graph: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, Dropped]:
    """Keep the largest weakly connected component; report the rest."""
    components = sorted(nx.weakly_connected_components(graph), key=lambda c: (-len(c), min(c)))
    rest = set().union(*components[1:]) if len(components) > 1 else set()
    dropped = Dropped(len(components) - 1, len(rest), _km(graph.subgraph(rest)))
    return graph.subgraph(components[0]).copy(), dropped


def _km(graph: nx.MultiDiGraph) -> float:
    """Road km of a two-way graph (each way counted once)."""
    seen: dict[tuple[int, int, Any], float] = {}
    for u, v, data in graph.edges(data=True):
        seen[(min(u, v), max(u, v), data.get("osmid"))] = float(data.get("length", 0.0))
    return sum(seen.values()) / 1000.0


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
