"""Route options drawn along the roads and rail lines they actually use.

A route option (:func:`aggregates.network.routes.route_options`) is turned back
into the pieces the cost model priced:

* a truck run: the cheapest path on that truck type's road graph between
  consecutive stops (origin, the battery-swap stations the option lists in
  ``resources``, target), drawn along the road links' own geometries;
* a rail haul: the rail sections listed in ``resources``, in order;
* a straight transfer between a terminal and its rail station, and between a
  base with its own siding and its loading terminal.

Shortest-path trees are computed once per truck type for all distinct sources,
and every truck run is drawn once however many options share it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from aggregates.errors import NetworkError
from aggregates.network.graph import Network
from aggregates.network.paths import LinkGraph, Trees, shortest_trees, walk
from aggregates.vocab import TRUCK_OF_CHAIN

NEEDED = ("base", "node", "chain", "loading_terminal", "unloading_terminal", "resources")


class _RoadHop(NamedTuple):
    truck: str
    start: str
    end: str


class _Straight(NamedTuple):
    start: str
    end: str


class _RailHaul(NamedTuple):
    station: str  # where the haul starts
    sections: tuple[str, ...]


class _Layers:
    """Coordinates of points, and of road links and rail sections in both directions."""

    def __init__(self, network: Network):
        region = network.region
        points = region.points()
        self.xy = dict(zip(points["id"], points[["lon", "lat"]].to_numpy(float), strict=True))
        self.road_fwd = _oriented(region.roads, "from_node", "to_node", self.xy)
        self.road_rev = [c[::-1] for c in self.road_fwd]
        seg = region.rail_segments
        self.rail_fwd = _oriented(seg, "from_station", "to_station", self.xy)
        self.rail_row = {k: i for i, k in enumerate(seg["id"])}
        self.rail_ends = list(zip(seg["from_station"], seg["to_station"], strict=True))
        terminals = region.terminals
        self.station = dict(zip(terminals["id"], terminals["station"], strict=True))
        own = region.bases[region.bases["own_siding"].astype(bool)]
        self.siding = dict(zip(own["id"], own["loading_terminal"], strict=True))


def _oriented(lines: pd.DataFrame, start: str, end: str, xy: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Coordinates of each line running from its ``start`` point to its ``end`` point."""
    if lines.empty:
        return []
    geoms = lines.geometry.to_numpy()
    coords = np.split(shapely.get_coordinates(geoms), np.cumsum(shapely.get_num_coordinates(geoms))[:-1])
    a = np.array([xy[k] for k in lines[start]])
    b = np.array([xy[k] for k in lines[end]])
    first = np.array([c[0] for c in coords])
    last = np.array([c[-1] for c in coords])
    # The layers do not promise in which direction a line is drawn, so take the nearer fit.
    flip = _dist(first, b) + _dist(last, a) < _dist(first, a) + _dist(last, b)
    return [c[::-1] if f else c for c, f in zip(coords, flip, strict=True)]


def _dist(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.hypot(*(p - q).T)


def _truck_run(truck: str, stops: Sequence[str]) -> list[_RoadHop]:
    return [_RoadHop(truck, a, b) for a, b in itertools.pairwise(stops)]


def _plan(layers: _Layers, base, node, chain, loading, unloading, resources) -> list[tuple]:
    """The pieces of one route option, in travel order."""
    if chain not in TRUCK_OF_CHAIN:
        raise ValueError(f"unknown chain {chain!r}; known chains: {sorted(TRUCK_OF_CHAIN)}")
    truck, uses = TRUCK_OF_CHAIN[chain], tuple(resources)
    if not chain.startswith("rail_"):
        return _truck_run(truck, (base, *uses, node))
    try:
        li = uses.index(loading)
        ui = uses.index(unloading, li + 1)
    except ValueError:
        raise ValueError(
            f"{base} -> {node} ({chain}): resources {uses} do not list terminals {loading} then {unloading}"
        ) from None
    if layers.siding.get(base) == loading:
        first = [_Straight(base, loading)]
    else:
        first = _truck_run(truck, (base, *uses[:li], loading))
    start, end = layers.station[loading], layers.station[unloading]
    return [
        *first,
        _Straight(loading, start),
        _RailHaul(start, uses[li + 1 : ui]),
        _Straight(end, unloading),
        *_truck_run(truck, (unloading, *uses[ui + 1 :], node)),
    ]


def _tree_links(graph: LinkGraph, trees: Trees) -> np.ndarray:
    """Link (graph position) from each node's tree predecessor to the node; -1 at roots."""
    nodes = np.broadcast_to(np.arange(graph.n), trees.pred.shape)
    return graph.link_of(trees.pred.ravel(), nodes.ravel()).reshape(trees.pred.shape)


def _positions(network: Network, ids: Sequence[str]) -> np.ndarray:
    index = network.road_index(ids)
    missing = [k for k, i in zip(ids, index, strict=True) if i < 0]
    if missing:
        raise NetworkError(f"not on the road graph: {', '.join(missing)}")
    return index


def _draw_road(network: Network, layers: _Layers, hops: set[_RoadHop]) -> dict[_RoadHop, np.ndarray]:
    """Coordinates of every truck hop along its cheapest road path."""
    out = {}
    for truck, group in itertools.groupby(sorted(hops), key=lambda h: h.truck):
        group = list(group)
        graph = network.road[truck]
        sources = sorted({h.start for h in group})
        trees = shortest_trees(graph, _positions(network, sources))
        links = _tree_links(graph, trees)
        row = {s: k for k, s in enumerate(sources)}
        ends = _positions(network, [h.end for h in group])
        for hop, end in zip(group, ends, strict=True):
            path = walk(trees, row[hop.start], int(end))
            if not path:
                raise NetworkError(f"no {truck} road path from {hop.start} to {hop.end}")
            out[hop] = _along(layers, graph, path, links[row[hop.start], path[1:]], hop)
    return out


def _along(layers: _Layers, graph: LinkGraph, path: list[int], links: np.ndarray, hop: _RoadHop) -> np.ndarray:
    rows = graph.link_index[links]
    forward = graph.u[links] == np.asarray(path[:-1])
    parts = [layers.road_fwd[r] if f else layers.road_rev[r] for r, f in zip(rows, forward, strict=True)]
    return np.concatenate([layers.xy[hop.start][None], *parts, layers.xy[hop.end][None]])


def _draw_rail(layers: _Layers, haul: _RailHaul) -> np.ndarray:
    """Coordinates of a rail haul, each section turned to the direction of travel."""
    at, parts = haul.station, [layers.xy[haul.station][None]]
    for section in haul.sections:
        if section not in layers.rail_row:
            raise ValueError(f"unknown rail section {section!r}")
        row = layers.rail_row[section]
        a, b = layers.rail_ends[row]
        if at not in (a, b):
            raise ValueError(f"rail section {section} ({a}-{b}) does not continue from station {at}")
        coords = layers.rail_fwd[row]
        parts.append(coords if at == a else coords[::-1])
        at = b if at == a else a
    return np.concatenate(parts)


def _drop_repeats(coords: np.ndarray, route: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove consecutive duplicate coordinates within each route."""
    new_route = np.r_[True, route[1:] != route[:-1]]
    keep = new_route | np.r_[True, np.any(coords[1:] != coords[:-1], axis=1)]
    # A line needs two coordinates; a route that never leaves its start keeps a zero-length one.
    last = np.r_[route[1:] != route[:-1], True]
    kept = np.bincount(route[keep], minlength=route.max() + 1)
    keep |= last & (kept[route] < 2)
    return coords[keep], route[keep]


def route_geometries(network: Network, routes: pd.DataFrame) -> list[shapely.LineString]:
    """Draw route options along the roads and rail sections they use.

    Truck legs follow the cheapest path on that truck type's road graph, the
    same path the cost model priced (for battery-electric trucks, the cheapest
    path between consecutive stops through the swap stations the option lists),
    drawn along the real road link geometries. Rail legs follow the sections
    listed in ``resources``. Transfers between a terminal and its rail station,
    and a base's own siding, are straight segments.

    Parameters
    ----------
    network
        The network the options were computed on
        (:func:`aggregates.network.graph.build_network`).
    routes
        Route options with at least the columns ``base``, ``node``, ``chain``,
        ``loading_terminal``, ``unloading_terminal`` and ``resources``, as
        returned by :func:`aggregates.network.routes.route_options`.

    Returns
    -------
    list of shapely.LineString
        One line per row of ``routes``, in the same order, in EPSG:4326
        (lon, lat), from the base to the demand node, without consecutive
        duplicate coordinates.

    Raises
    ------
    ValueError
        When a column is missing, a chain is unknown, or ``resources`` does not
        describe a rail haul between the option's terminals.
    NetworkError
        When a stop is not on the road graph or no road path joins two stops.
    """
    missing = [c for c in NEEDED if c not in routes.columns]
    if missing:
        raise ValueError(f"routes lacks column(s) {missing}; expected the columns of route_options")
    if routes.empty:
        return []
    layers = _Layers(network)
    plans = [_plan(layers, *row) for row in routes[list(NEEDED)].itertuples(index=False, name=None)]
    pieces = set(itertools.chain.from_iterable(plans))
    drawn = _draw_road(network, layers, {p for p in pieces if isinstance(p, _RoadHop)})
    for piece in pieces:
        if isinstance(piece, _RailHaul):
            drawn[piece] = _draw_rail(layers, piece)
        elif isinstance(piece, _Straight):
            drawn[piece] = np.array([layers.xy[piece.start], layers.xy[piece.end]])
    parts = [np.concatenate([drawn[p] for p in plan]) for plan in plans]
    route = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    coords, route = _drop_repeats(np.concatenate(parts), route)
    return list(shapely.linestrings(coords, indices=route))
