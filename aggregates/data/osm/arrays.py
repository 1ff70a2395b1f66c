"""OSM highway ways as flat numpy arrays, streamed from a file with pyosmium (or taken from an osmnx graph).

One row per way segment (two consecutive nodes of a kept way), plus one row per
way for its tags and one row per node for its coordinates. Nothing here builds a
graph object: a 1M-node extract stays a few arrays of a few MB each.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd

from aggregates.errors import RegionError

PLACE_COLUMNS = ["lon", "lat", "name_en", "name_zh"]

PLACE_TYPES = frozenset({"city", "town", "suburb", "village", "hamlet"})

FIX_FILE = "check that it is a complete OpenStreetMap .osm (XML) or .osm.pbf extract"

_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_ONEWAY_NO = frozenset({"no", "false", "0"})
_ROUNDABOUTS = frozenset({"roundabout", "circular"})
_IMPLIED_ONEWAY = frozenset({"motorway"})

_UNDEFINED = 2**31 - 1  # libosmium's coordinate of a node it has no location for
_PRECISION = 10_000_000  # libosmium stores degrees x 1e7 as integers

BOTH, FORWARD, BACKWARD = 0, 1, -1


@dataclass(frozen=True)
class OsmWays:
    """The kept highway ways of an OSM extract, as arrays.

    Attributes
    ----------
    node_id
        int64 [N]: OSM ids of the nodes the segments use, ascending.
    lon, lat
        float64 [N]: their coordinates, degrees.
    seg_u, seg_v
        int64 [S]: the segments' end nodes (indexes into ``node_id``), in way order.
    seg_way
        int64 [S]: the segment's way (index into the ``way_*`` arrays).
    seg_dir
        int8 [S]: allowed direction, ``0`` both, ``1`` only u to v, ``-1`` only v to u.
    way_id
        int64 [W]: OSM way ids.
    highway, ref, name, toll
        object [W]: the way's tag values (``None`` when absent).
    places
        Named settlements (columns lon, lat, name_en, name_zh), by node id.
    """

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_way: np.ndarray
    seg_dir: np.ndarray
    way_id: np.ndarray
    highway: np.ndarray
    ref: np.ndarray
    name: np.ndarray
    toll: np.ndarray
    places: pd.DataFrame


def way_direction(tags: Any) -> int:
    """Allowed direction of travel along a way from its OSM tags.

    ``oneway=yes/true/1`` is forward, ``-1``/``reverse`` backward, ``no/false/0``
    two-way; without one of these, roundabouts and motorways are one-way forward
    (implied, as the OSM wiki says) and anything else is two-way.

    Parameters
    ----------
    tags
        Mapping-like with ``get`` (a pyosmium TagList or a dict).

    Returns
    -------
    int
        ``0`` both ways, ``1`` forward only, ``-1`` backward only.
    """
    oneway = str(tags.get("oneway") or "").strip().lower()
    if oneway in _ONEWAY_FORWARD:
        return FORWARD
    if oneway in _ONEWAY_BACKWARD:
        return BACKWARD
    if oneway in _ONEWAY_NO:
        return BOTH
    if tags.get("junction") in _ROUNDABOUTS or tags.get("highway") in _IMPLIED_ONEWAY:
        return FORWARD
    return BOTH


def is_named_place(tags: Any) -> bool:
    """Whether OSM tags describe a named settlement."""
    return tags.get("place") in PLACE_TYPES and bool(tags.get("name"))


class _Collector:
    """Growing flat buffers of the kept ways while a file streams past."""

    def __init__(self, highways: frozenset[str]) -> None:
        self.highways = highways
        self.refs = array("q")
        self.xs = array("i")
        self.ys = array("i")
        self.counts = array("q")
        self.way_id = array("q")
        self.dirs = array("b")
        self.tags: list[tuple[str, str | None, str | None, str | None]] = []
        self.places: list[tuple[int, float, float, str, str]] = []

    def way(self, way: Any) -> None:
        tags = way.tags
        highway = tags.get("highway")
        if highway not in self.highways:
            return
        refs, xs, ys = self.refs, self.xs, self.ys
        count = 0
        for node in way.nodes:
            refs.append(node.ref)
            xs.append(node.x)
            ys.append(node.y)
            count += 1
        self.counts.append(count)
        self.way_id.append(way.id)
        self.dirs.append(way_direction(tags))
        self.tags.append((highway, tags.get("ref"), tags.get("name"), tags.get("toll")))

    def node(self, node: Any) -> None:
        tags = node.tags
        if is_named_place(tags):
            name = tags.get("name")
            self.places.append(
                (
                    node.id,
                    node.location.lon,
                    node.location.lat,
                    tags.get("name:en") or name,
                    tags.get("name:zh") or name,
                )
            )


def read_osm_file(path: Path, highways: Iterable[str]) -> OsmWays:
    """Stream an ``.osm`` or ``.osm.pbf`` file into :class:`OsmWays` with pyosmium.

    One pass: pyosmium keeps every node location in its own (C++) index, and only
    the ways of the kept highway classes and the settlement nodes reach Python.

    Parameters
    ----------
    path
        The OSM file (XML or PBF; pyosmium reads both).
    highways
        ``highway`` values to keep.

    Returns
    -------
    OsmWays

    Raises
    ------
    RegionError
        Unreadable file, or a kept way using a node the file does not hold.
    """
    collect = _Collector(frozenset(highways))
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.TagFilter(*_wanted_tags(collect.highways)))
    )
    try:
        for obj in processor:
            if obj.is_way():
                collect.way(obj)
            else:
                collect.node(obj)
    except RuntimeError as exc:  # pyosmium reports a damaged or malformed file as a RuntimeError
        raise RegionError(f"cannot read OSM file {_reason(path, exc)}; {FIX_FILE}") from None
    if not collect.counts:
        raise RegionError(
            f"OSM file {path} has no roads of the classes {sorted(collect.highways)}; "
            "check the extract covers the region and the highway filter"
        )
    return _from_buffers(collect, path)


def _wanted_tags(highways: frozenset[str]) -> list[tuple[str, str]]:
    """The tags of the objects Python needs: kept highway ways and settlement nodes (filtered in C++)."""
    return [("highway", h) for h in sorted(highways)] + [("place", p) for p in sorted(PLACE_TYPES)]


def _reason(path: Path, exc: Exception) -> str:
    text = str(exc).strip()
    xml = re.match(r"XML parsing error at (line \d+, column \d+): (.*)", text)
    if xml:
        return f"{path}: {xml.group(2)} ({xml.group(1)})"
    return f"{path}: {text}"


def _from_buffers(collect: _Collector, path: Path) -> OsmWays:
    refs = np.frombuffer(collect.refs, dtype=np.int64) if collect.refs else np.zeros(0, np.int64)
    xs = np.frombuffer(collect.xs, dtype=np.int32) if collect.xs else np.zeros(0, np.int32)
    ys = np.frombuffer(collect.ys, dtype=np.int32) if collect.ys else np.zeros(0, np.int32)
    counts = np.frombuffer(collect.counts, dtype=np.int64) if collect.counts else np.zeros(0, np.int64)
    missing = xs == _UNDEFINED
    if missing.any():
        way_of = np.repeat(np.arange(len(counts)), counts)
        first = int(np.flatnonzero(missing)[0])
        raise RegionError(
            f"cannot read OSM file {path}: way {collect.way_id[way_of[first]]} uses node {refs[first]}, "
            f"which is not in the file ({int(missing.sum())} such node reference(s); a clipped extract?); {FIX_FILE}"
        )
    highway, ref, name, toll = (np.array(col, dtype=object) for col in _columns(collect.tags, 4))
    return ways_from_refs(
        refs,
        xs / _PRECISION,
        ys / _PRECISION,
        counts,
        way_id=np.frombuffer(collect.way_id, dtype=np.int64) if collect.way_id else np.zeros(0, np.int64),
        way_dir=np.frombuffer(collect.dirs, dtype=np.int8) if collect.dirs else np.zeros(0, np.int8),
        tags=(highway, ref, name, toll),
        places=_place_frame(collect.places),
    )


def _columns(rows: list[tuple], width: int) -> list[list[Any]]:
    if not rows:
        return [[] for _ in range(width)]
    return [list(col) for col in zip(*rows, strict=True)]


def _place_frame(places: list[tuple[int, float, float, str, str]]) -> pd.DataFrame:
    places = sorted(places, key=lambda p: p[0])
    return pd.DataFrame([p[1:] for p in places], columns=PLACE_COLUMNS)


def ways_from_refs(
    refs: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    counts: np.ndarray,
    *,
    way_id: np.ndarray,
    way_dir: np.ndarray,
    tags: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    places: pd.DataFrame,
) -> OsmWays:
    """Segments of ways given as concatenated node lists.

    Consecutive repeats of a node in a way are dropped (as osmnx does), so no
    segment starts and ends at the same node.

    Parameters
    ----------
    refs, lon, lat
        [R]: every kept way's node ids and their coordinates, way after way.
    counts
        [W]: number of node references of each way.
    way_id, way_dir
        [W]: way ids and directions (see :func:`way_direction`).
    tags
        highway, ref, name, toll, each [W].
    places
        Named settlements.

    Returns
    -------
    OsmWays
    """
    way_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    keep = np.ones(len(refs), dtype=bool)
    keep[1:] = (refs[1:] != refs[:-1]) | (way_of[1:] != way_of[:-1])
    refs, lon, lat, way_of = refs[keep], lon[keep], lat[keep], way_of[keep]
    pair = np.flatnonzero(way_of[1:] == way_of[:-1])
    used = np.zeros(len(refs), dtype=bool)
    used[pair] = used[pair + 1] = True
    node_id, first, inverse = np.unique(refs[used], return_index=True, return_inverse=True)
    position = np.full(len(refs), -1, dtype=np.int64)
    position[used] = inverse
    highway, ref, name, toll = tags
    return OsmWays(
        node_id=node_id.astype(np.int64),
        lon=np.ascontiguousarray(lon[used][first], dtype=float),
        lat=np.ascontiguousarray(lat[used][first], dtype=float),
        seg_u=position[pair],
        seg_v=position[pair + 1],
        seg_way=way_of[pair],
        seg_dir=np.asarray(way_dir, dtype=np.int8)[way_of[pair]],
        way_id=np.asarray(way_id, dtype=np.int64),
        highway=highway,
        ref=ref,
        name=name,
        toll=toll,
        places=places,
    )


def ways_from_graph(graph: Any, highways: Iterable[str]) -> OsmWays:
    """:class:`OsmWays` from an unsimplified osmnx graph (the Overpass download).

    osmnx adds a two-way way's edges in both directions and a one-way way's in
    its direction of travel only; a segment found one way round only is one-way.

    Parameters
    ----------
    graph
        ``networkx.MultiDiGraph`` from osmnx with ``simplify=False``.
    highways
        ``highway`` values to keep.

    Returns
    -------
    OsmWays
    """
    keep = frozenset(highways)
    ways: dict[int, tuple[str, Any, Any, Any]] = {}
    seen: dict[tuple[int, int, int], int] = {}
    for u, v, data in graph.edges(data=True):
        if data.get("highway") not in keep:
            continue
        way = int(data["osmid"])
        ways.setdefault(way, (data["highway"], data.get("ref"), data.get("name"), data.get("toll")))
        if (v, u, way) in seen:
            seen[(v, u, way)] = BOTH
        else:
            seen.setdefault((u, v, way), FORWARD)
    order = sorted(ways)
    way_index = {w: i for i, w in enumerate(order)}
    segs = list(seen.items())
    refs = np.array([n for (u, v, _), _d in segs for n in (u, v)], dtype=np.int64)
    lon = np.array([float(graph.nodes[n]["x"]) for n in refs], dtype=float)
    lat = np.array([float(graph.nodes[n]["y"]) for n in refs], dtype=float)
    # Every segment becomes a two-node way of its own, carrying its way's index and direction.
    seg_way = np.array([way_index[w] for (_, _, w), _d in segs], dtype=np.int64)
    tags = tuple(np.array([ways[w][k] for w in order], dtype=object)[seg_way] for k in range(4))
    built = ways_from_refs(
        refs,
        lon,
        lat,
        np.full(len(segs), 2, dtype=np.int64),
        way_id=np.array(order, dtype=np.int64)[seg_way] if segs else np.zeros(0, np.int64),
        way_dir=np.array([d for _, d in segs], dtype=np.int8),
        tags=tags,  # type: ignore[arg-type]
        places=_graph_places(graph),
    )
    return _regroup_ways(built)


def _regroup_ways(ways: OsmWays) -> OsmWays:
    """Merge per-segment pseudo-ways that share an OSM way id back into one way row each."""
    unique, first, inverse = np.unique(ways.way_id, return_index=True, return_inverse=True)
    return OsmWays(
        node_id=ways.node_id,
        lon=ways.lon,
        lat=ways.lat,
        seg_u=ways.seg_u,
        seg_v=ways.seg_v,
        seg_way=inverse[ways.seg_way],
        seg_dir=ways.seg_dir,
        way_id=unique,
        highway=ways.highway[first],
        ref=ways.ref[first],
        name=ways.name[first],
        toll=ways.toll[first],
        places=ways.places,
    )


def _graph_places(graph: Any) -> pd.DataFrame:
    rows = [
        (node, data["x"], data["y"], data.get("name:en") or data["name"], data.get("name:zh") or data["name"])
        for node, data in graph.nodes(data=True)
        if is_named_place(data)
    ]
    return _place_frame(rows)
