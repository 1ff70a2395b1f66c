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
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from aggregates.network.costs import terminal_handling
from aggregates.network.graph import Network
from aggregates.network.paths import path_sums, shortest_trees, walk


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


def diesel_leg(network: Network, origins: list[str], targets: list[str]) -> Leg:
    """Cheapest diesel-truck runs from every origin to every target."""
    graph = network.road["diesel"]
    o, t = network.road_index(origins), network.road_index(targets)
    trees = shortest_trees(graph, o)
    leg = Leg.empty(origins, targets, network.region.provinces)
    leg.cost = trees.dist[:, t]
    leg.km = path_sums(graph, trees, "km")[:, t]
    leg.hours = path_sums(graph, trees, "hours")[:, t]
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


def _bet_hops(network: Network, origins: list[str], targets: list[str]) -> _Hops:
    graph = network.road["bet"]
    swaps = list(network.region.swap_stations["id"])
    points = origins + swaps
    ends = network.road_index(points + targets)
    trees = shortest_trees(graph, network.road_index(points))
    return _Hops(
        points,
        trees.dist[:, ends],
        path_sums(graph, trees, "km")[:, ends],
        path_sums(graph, trees, "hours")[:, ends],
    )


def bet_leg(network: Network, origins: list[str], targets: list[str], *, target_charges: bool) -> Leg:
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
    """
    bet = network.trucks.bet
    hops = _bet_hops(network, origins, targets)
    n_o, n_p, n_t = len(origins), len(hops.points), len(targets)
    last_limit = bet.range_km if target_charges else bet.range_km / 2.0
    swap_cost = 2.0 * bet.swap_fee_yuan / bet.payload_t
    # Small directed graph: points 0..n_p-1, targets n_p..n_p+n_t-1.
    size = n_p + n_t
    weight = np.full((size, size), np.inf)
    to_swap = hops.km[:, n_o:n_p] <= bet.range_km
    weight[:n_p, n_o:n_p] = np.where(to_swap, hops.cost[:, n_o:n_p] + swap_cost, np.inf)
    to_target = hops.km[:, n_p:] <= last_limit
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


def truck_leg(network: Network, truck: str, origins: list[str], targets: list[str], *, target_charges: bool) -> Leg:
    """Diesel or battery-electric leg; see :func:`diesel_leg` and :func:`bet_leg`."""
    if truck == "diesel":
        return diesel_leg(network, origins, targets)
    return bet_leg(network, origins, targets, target_charges=target_charges)


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
    trees = shortest_trees(graph, network.station_index(loading["station"]))
    to = network.station_index(unloading["station"])
    rates = network.rail_rates
    tariff = rates.base_yuan + trees.dist[:, to]
    handling = terminal_handling(rates, loading)[:, None] + terminal_handling(rates, unloading)[None, :]
    wait = loading["handling_hours"].to_numpy()[:, None] + unloading["handling_hours"].to_numpy()[None, :]
    same = loading["station"].to_numpy()[:, None] == unloading["station"].to_numpy()[None, :]
    cost = np.where(same | ~np.isfinite(tariff), np.nan, tariff + handling)
    km = path_sums(graph, trees, "km")[:, to]
    hours = path_sums(graph, trees, "hours")[:, to] + wait
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
    _fill_sections(network, leg, trees, to)
    return leg


def _fill_sections(network: Network, leg: RailLeg, trees, to: np.ndarray) -> None:
    seg = network.region.rail_segments
    stations = network.region.rail_stations
    province = dict(zip(stations["id"], stations["province"], strict=True))
    ids = network.station_ids
    link_ref = seg["id"].to_numpy()[network.rail.link_index]
    for i in range(len(leg.loading)):
        for j, target in enumerate(to):
            if np.isnan(leg.cost[i, j]):
                continue
            path = walk(trees, i, int(target))
            links = network.rail.link_of(np.array(path[:-1]), np.array(path[1:]))
            leg.sections[(i, j)] = tuple(link_ref[links])
            for a, link in zip(path, links, strict=False):
                km = network.rail.attrs["km"][link]
                if network.rail.attrs["electric_km"][link] > 0:
                    leg.electric_km[province[ids[a]]][i, j] += km
                else:
                    leg.diesel_km[i, j] += km
