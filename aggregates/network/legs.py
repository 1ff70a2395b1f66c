"""Truck legs and rail legs between sets of places, computed in bulk.

A *leg* is one mode's part of a transport chain: a truck run from origins to
targets, or a rail haul from loading to unloading terminals. Each leg type is a
set of [origin, target] matrices (cost, km, hours, energy) plus what a path
uses (swap stations, rail sections) for the pairs that are reachable.

Battery-electric trucks have a range. Origins (bases, terminals) charge the
truck; demand nodes do not. A feasible run is a chain of hops between energy
points (the origin, then battery-swap stations), each hop no longer than the
range; the last hop ends at the target, and when the target cannot charge the
truck, the truck must get back to the last energy point, so that hop may be at
most half the range. The same stations serve the empty return, so a run with k
swaps on the way costs 2k swaps per round trip.

On a road graph with one-way links, the way back from a target is its own cheapest
path (:func:`~aggregates.network.paths.round_trip_sums`): a run's cost, km and hours
are the means of the way out and the way back (the rates price a loaded km with its
empty return), and every hop of a battery-electric run must be within range both ways.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from aggregates.network.costs import terminal_handling
from aggregates.network.graph import Network
from aggregates.network.paths import PathTable, path_sums, round_trip_sums, shortest_trees, walk


@dataclass
class Leg:
    """Matrices [origin, target] of one leg type; NaN cost where impossible."""

    origins: list[str]
    targets: list[str]
    cost: np.ndarray
    km: np.ndarray
    hours: np.ndarray
    kwh: dict[str, np.ndarray] = field(default_factory=dict)  # at the plug, by province
    uses: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    swaps: np.ndarray | None = None  # swaps per round trip

    @classmethod
    def empty(cls, origins: list[str], targets: list[str], provinces: tuple[str, ...]) -> Leg:
        shape = (len(origins), len(targets))
        nan = np.full(shape, np.nan)
        return cls(
            origins,
            targets,
            nan.copy(),
            nan.copy(),
            nan.copy(),
            {p: np.zeros(shape) for p in provinces},
            {},
            np.zeros(shape),
        )


def _province_of(network: Network) -> dict[str, str]:
    points = network.region.points()
    return dict(zip(points["id"], points["province"], strict=True))


@dataclass(frozen=True)
class RoadPaths:
    """Cheapest road runs of one truck type between places, computed once for several legs.

    Attributes
    ----------
    truck
        The truck type (its road graph).
    origins, targets
        Point ids, without repeats.
    table
        Cost (yuan per tonne), km and hours [origin, target] of the round trip (means of the way
        out and back), and in ``longer`` the km of the longer way.
    """

    truck: str
    origins: list[str]
    targets: list[str]
    table: PathTable

    def between(self, origins: list[str], targets: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cost, km and hours [origin, target] of some of the origins and targets.

        Raises
        ------
        KeyError
            For a place these paths were not computed from or to.
        """
        row = {k: i for i, k in enumerate(self.origins)}
        col = {k: j for j, k in enumerate(self.targets)}
        pick = np.ix_([row[o] for o in origins], [col[t] for t in targets])
        table = self.table
        return table.dist[pick], table.sums["km"][pick], table.sums["hours"][pick]

    def longer_km(self, origins: list[str], targets: list[str]) -> np.ndarray:
        """Km [origin, target] of the longer of the way out and the way back."""
        row = {k: i for i, k in enumerate(self.origins)}
        col = {k: j for j, k in enumerate(self.targets)}
        return self.table.longer["km"][np.ix_([row[o] for o in origins], [col[t] for t in targets])]


def road_paths(network: Network, truck: str, origins: list[str], targets: list[str]) -> RoadPaths:
    """Cheapest road runs of a truck type from every origin to every target (repeats computed once).

    Parameters
    ----------
    network
        The network.
    truck
        ``diesel`` or ``bet``.
    origins, targets
        Point ids on the road graph; repeated ids are kept once.

    Returns
    -------
    RoadPaths
        For :func:`diesel_leg`, :func:`bet_leg` and :func:`truck_leg` (their ``paths``).
    """
    origins, targets = list(dict.fromkeys(origins)), list(dict.fromkeys(targets))
    graph = network.road[truck]
    table = round_trip_sums(graph, network.road_index(origins), network.road_index(targets), ("km", "hours"))
    return RoadPaths(truck, origins, targets, table)


def _bet_points(network: Network, origins: list[str]) -> list[str]:
    """Where battery-electric runs may start: the origins, then the swap stations."""
    return origins + list(network.region.swap_stations["id"])


def paths_for(network: Network, truck: str, origins: list[str], targets: list[str]) -> tuple[list[str], list[str]]:
    """Origins and targets that :func:`road_paths` needs for legs of ``truck`` from ``origins`` to ``targets``
    (battery-electric legs also run from and to the swap stations)."""
    if truck == "diesel":
        return origins, targets
    points = _bet_points(network, origins)
    return points, points + targets


def diesel_leg(network: Network, origins: list[str], targets: list[str], paths: RoadPaths | None = None) -> Leg:
    """Cheapest diesel-truck runs from every origin to every target.

    ``paths``: diesel :class:`RoadPaths` that cover these origins and targets (computed here without).
    """
    paths = paths or road_paths(network, "diesel", origins, targets)
    leg = Leg.empty(origins, targets, network.region.provinces)
    leg.cost, leg.km, leg.hours = paths.between(origins, targets)
    _finish(leg, network)
    return leg


def _finish(leg: Leg, network: Network) -> None:
    """Apply the minimum charge and mark unreachable pairs as NaN."""
    bad = ~np.isfinite(leg.cost)
    leg.cost = np.where(bad, np.nan, np.maximum(leg.cost, network.trucks.minimum_charge_yuan_per_t))
    leg.km = np.where(bad, np.nan, leg.km)
    leg.hours = np.where(bad, np.nan, leg.hours)


@dataclass(frozen=True)
class _Hops:
    """Road runs between energy points and targets for battery-electric trucks."""

    points: list[str]  # origins then swap stations
    cost: np.ndarray  # [point, point or target]
    km: np.ndarray
    hours: np.ndarray
    longer_km: np.ndarray  # of the way out and the way back (km on an undirected graph)


def _bet_hops(network: Network, origins: list[str], targets: list[str], paths: RoadPaths | None) -> _Hops:
    points, ends = paths_for(network, "bet", origins, targets)
    paths = paths or road_paths(network, "bet", points, ends)
    return _Hops(points, *paths.between(points, ends), paths.longer_km(points, ends))


def bet_leg(
    network: Network, origins: list[str], targets: list[str], *, target_charges: bool, paths: RoadPaths | None = None
) -> Leg:
    """Cheapest battery-electric runs within range, through swap stations.

    Parameters
    ----------
    network
        The network.
    origins
        Where trucks start charged (bases, terminals).
    targets
        Where they deliver.
    target_charges
        Whether trucks can charge at the targets (terminals yes, demand nodes
        no); without, the last hop is limited to half the range.
    paths
        Battery-electric :class:`RoadPaths` from the origins and swap stations to them and to
        the targets (see :func:`paths_for`; computed here without).
    """
    bet = network.trucks.bet
    hops = _bet_hops(network, origins, targets, paths)
    n_o, n_p, n_t = len(origins), len(hops.points), len(targets)
    last_limit = bet.range_km if target_charges else bet.range_km / 2.0
    swap_cost = 2.0 * bet.swap_fee_yuan / bet.payload_t
    # Small directed graph: points 0..n_p-1, targets n_p..n_p+n_t-1.
    size = n_p + n_t
    weight = np.full((size, size), np.inf)
    to_swap = hops.longer_km[:, n_o:n_p] <= bet.range_km
    weight[:n_p, n_o:n_p] = np.where(to_swap, hops.cost[:, n_o:n_p] + swap_cost, np.inf)
    # Back to the last energy point: the mean of both ways within half the range is the round trip within range.
    to_target = (hops.km[:, n_p:] if not target_charges else hops.longer_km[:, n_p:]) <= last_limit
    weight[:n_p, n_p:] = np.where(to_target, hops.cost[:, n_p:], np.inf)
    np.fill_diagonal(weight, np.inf)
    weight[:, :n_o] = np.inf  # never route back through another origin
    finite = np.isfinite(weight)
    rows, cols = np.nonzero(finite)
    matrix = csr_matrix((np.maximum(weight[rows, cols], 1e-12), (rows, cols)), shape=(size, size))
    dist, pred = dijkstra(matrix, directed=True, indices=np.arange(n_o), return_predecessors=True)
    return _bet_leg_from_paths(network, origins, targets, hops, dist, pred)


def _bet_leg_from_paths(network, origins, targets, hops: _Hops, dist, pred) -> Leg:
    bet = network.trucks.bet
    rate = network.truck_rates["bet"]
    province = _province_of(network)
    n_p = len(hops.points)
    leg = Leg.empty(origins, targets, network.region.provinces)
    for i in range(len(origins)):
        for j in range(len(targets)):
            node = n_p + j
            if not np.isfinite(dist[i, node]):
                continue
            seq = [node]
            while pred[i, seq[-1]] >= 0:
                seq.append(int(pred[i, seq[-1]]))
            seq = seq[::-1]
            km = sum(hops.km[a, b] for a, b in itertools.pairwise(seq))
            hours = sum(hops.hours[a, b] for a, b in itertools.pairwise(seq))
            stations = tuple(hops.points[k] for k in seq[1:-1])
            leg.cost[i, j] = dist[i, node]
            leg.km[i, j] = km
            leg.hours[i, j] = hours + len(stations) * bet.swap_minutes / 60.0
            leg.swaps[i, j] = 2 * len(stations)
            leg.uses[(i, j)] = stations
            for a, b in itertools.pairwise(seq):
                # Energy for a hop (loaded out, empty back) is drawn where the hop starts.
                leg.kwh[province[hops.points[a]]][i, j] += rate.kwh * hops.km[a, b]
    _finish(leg, network)
    return leg


def truck_leg(
    network: Network,
    truck: str,
    origins: list[str],
    targets: list[str],
    *,
    target_charges: bool,
    paths: RoadPaths | None = None,
) -> Leg:
    """Diesel or battery-electric leg; see :func:`diesel_leg` and :func:`bet_leg`."""
    if truck == "diesel":
        return diesel_leg(network, origins, targets, paths)
    return bet_leg(network, origins, targets, target_charges=target_charges, paths=paths)


@dataclass
class RailLeg:
    """Rail hauls [loading terminal, unloading terminal], handling included."""

    loading: list[str]
    unloading: list[str]
    cost: np.ndarray
    km: np.ndarray
    hours: np.ndarray
    diesel_km: np.ndarray
    electric_km: dict[str, np.ndarray]  # by province of the section
    sections: dict[tuple[int, int], tuple[str, ...]]


def rail_leg(network: Network) -> RailLeg:
    """Cheapest rail hauls between every loading and unloading terminal.

    Cost is the tariff (基价1 once, 基价2 and the electrification surcharge
    per km, per tonne on ``rail.tariff_basis``) plus handling at both terminals
    (a lift per box on the container basis); time adds both terminals' hours.
    Only sections freight may use are on the rail graph.
    Pairs on the same station are excluded.
    """
    terminals = network.region.terminals
    loading = terminals[terminals["kind"].isin(["loading", "both"])]
    unloading = terminals[terminals["kind"].isin(["unloading", "both"])]
    graph = network.rail
    stations, row = np.unique(network.station_index(loading["station"]), return_inverse=True)
    trees = shortest_trees(graph, stations)  # a station with several loading terminals once
    to = network.station_index(unloading["station"])
    rates = network.rail_rates
    tariff = rates.base_yuan + trees.dist[row][:, to]
    handling = terminal_handling(rates, loading)[:, None] + terminal_handling(rates, unloading)[None, :]
    wait = loading["handling_hours"].to_numpy()[:, None] + unloading["handling_hours"].to_numpy()[None, :]
    same = loading["station"].to_numpy()[:, None] == unloading["station"].to_numpy()[None, :]
    cost = np.where(same | ~np.isfinite(tariff), np.nan, tariff + handling)
    km = path_sums(graph, trees, "km")[row][:, to]
    hours = path_sums(graph, trees, "hours")[row][:, to] + wait
    leg = RailLeg(
        list(loading["id"]),
        list(unloading["id"]),
        cost,
        np.where(np.isnan(cost), np.nan, km),
        np.where(np.isnan(cost), np.nan, hours),
        np.zeros(cost.shape),
        {p: np.zeros(cost.shape) for p in network.region.provinces},
        {},
    )
    _fill_sections(network, leg, trees, row, to)
    return leg


def _fill_sections(network: Network, leg: RailLeg, trees, row: np.ndarray, to: np.ndarray) -> None:
    seg = network.region.rail_segments
    stations = network.region.rail_stations
    province = dict(zip(stations["id"], stations["province"], strict=True))
    ids = network.station_ids
    link_ref = seg["id"].to_numpy()[network.rail.link_index]
    for i in range(len(leg.loading)):
        for j, target in enumerate(to):
            if np.isnan(leg.cost[i, j]):
                continue
            path = walk(trees, int(row[i]), int(target))
            links = network.rail.link_of(np.array(path[:-1]), np.array(path[1:]))
            leg.sections[(i, j)] = tuple(link_ref[links])
            for a, link in zip(path, links, strict=False):
                km = network.rail.attrs["km"][link]
                if network.rail.attrs["electric_km"][link] > 0:
                    leg.electric_km[province[ids[a]]][i, j] += km
                else:
                    leg.diesel_km[i, j] += km
