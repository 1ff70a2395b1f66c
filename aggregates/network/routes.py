"""Route options: the best route per (base, demand node, transport chain).

Chains:

``diesel_truck``
    direct diesel truck from base to demand node.
``bet_truck``
    direct battery-electric truck, through swap stations when beyond range.
``rail_bet`` / ``rail_diesel``
    first mile by truck of that type (none for a base with its own siding) to
    a loading station, train to an unloading yard, last mile by truck of that
    type. The best pair of terminals is chosen for every base and node at once
    by min-plus composition of the leg matrices.

The result is a :class:`~aggregates.network.options.RouteOptions`, one row per
feasible option, with energy by carrier and province (the rail leg's kWh apart) so
that CO2e can be computed for any year's grid factors and split by leg.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aggregates.data.access import delivery_windows
from aggregates.network.graph import Network
from aggregates.network.legs import Leg, RailLeg, RoadPaths, paths_for, rail_leg, road_paths, truck_leg
from aggregates.network.options import RouteOptions
from aggregates.vocab import ANY_STANDARD, TRUCK_OF_CHAIN, TRUCKS, is_rail

log = logging.getLogger(__name__)


def great_circle_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in km (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, float)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


@dataclass(frozen=True)
class _Ends:
    bases: list[str]
    nodes: list[str]
    restricted: np.ndarray  # per node: diesel restricted
    gc_km: np.ndarray  # [base, node]
    windows: dict[str, pd.DataFrame]  # per truck type: zone, window, window_hours of each node

    def __post_init__(self) -> None:
        # One dict per (truck, node), built once: a row lookup per option made route options 10x slower.
        columns = {
            truck: [
                {"zone": str(z), "window": str(w), "window_hours": float(h)}
                for z, w, h in zip(table["zone"], table["window"], table["window_hours"], strict=True)
            ]
            for truck, table in self.windows.items()
        }
        object.__setattr__(self, "_delivery", columns)

    def delivery(self, truck: str, j: int) -> dict:
        """The delivery columns of an option whose last truck leg, of type ``truck``, ends at node ``j``."""
        return {"restricted": bool(truck == "diesel" and self.restricted[j]), **self._delivery[truck][j]}


def _ends(network: Network, nodes: list[str] | None, origins=None) -> _Ends:
    """Origins (default: the bases; any point layer with an ``id``) and demand nodes, and their distances."""
    region = network.region
    demand = region.demand.set_index("id")
    nodes = list(demand.index) if nodes is None else nodes
    bases = region.bases if origins is None else origins
    d = demand.loc[nodes]
    gc = great_circle_km(
        bases.geometry.x.to_numpy()[:, None],
        bases.geometry.y.to_numpy()[:, None],
        d.geometry.x.to_numpy()[None, :],
        d.geometry.y.to_numpy()[None, :],
    )
    standard = {"diesel": network.trucks.diesel.emission_standard, "bet": ANY_STANDARD}
    windows = {t: delivery_windows(region, t, standard[t], nodes) for t in TRUCKS}
    return _Ends(list(bases["id"]), nodes, d["diesel_restricted"].to_numpy(bool), gc, windows)


def _road_paths(network: Network, chains: list[str], ends: _Ends, rail: RailLeg | None) -> dict[str, RoadPaths]:
    """Per truck type, the road runs that every leg of the chains needs, each distinct origin's Dijkstra once."""
    wanted: dict[str, tuple[list[str], list[str]]] = {}
    for chain in chains:
        truck = TRUCK_OF_CHAIN[chain]
        legs = [(ends.bases, ends.nodes)]
        if is_rail(chain):
            legs = [(ends.bases, rail.loading), (rail.unloading, ends.nodes)]
        origins, targets = wanted.setdefault(truck, ([], []))
        for leg_origins, leg_targets in legs:
            more_origins, more_targets = paths_for(network, truck, leg_origins, leg_targets)
            origins += more_origins
            targets += more_targets
    return {truck: road_paths(network, truck, *ends_of) for truck, ends_of in wanted.items()}


def _direct_rows(network: Network, chain: str, ends: _Ends, paths: dict[str, RoadPaths] | None = None) -> list[dict]:
    truck = TRUCK_OF_CHAIN[chain]
    leg = truck_leg(network, truck, ends.bases, ends.nodes, target_charges=False, paths=(paths or {}).get(truck))
    rate = network.truck_rates[truck]
    provinces = network.region.provinces
    rows = []
    for i, j in zip(*np.nonzero(np.isfinite(leg.cost)), strict=True):
        km = float(leg.km[i, j])
        swaps = leg.uses.get((i, j), ())
        rows.append(
            {
                "base": ends.bases[i],
                "node": ends.nodes[j],
                "chain": chain,
                "cost_yuan_per_t": float(leg.cost[i, j]),
                "hours": float(leg.hours[i, j]),
                "km_road": km,
                "km_rail": 0.0,
                "great_circle_km": float(ends.gc_km[i, j]),
                "truck_diesel_l_per_t": rate.diesel_l * km,
                "rail_diesel_kg_per_t": 0.0,
                "kwh": {p: float(leg.kwh[p][i, j]) for p in provinces},
                "rail_kwh": dict.fromkeys(provinces, 0.0),
                "transfers": 0,
                "nox_g_per_t": rate.nox_g * km,
                "pm_g_per_t": rate.pm_g * km,
                "swaps_per_trip": int(leg.swaps[i, j]),
                "loading_terminal": "",
                "unloading_terminal": "",
                **ends.delivery(truck, j),
                "resources": tuple(swaps),
            }
        )
    return rows


def _first_mile(network: Network, truck: str, bases: list[str], loading: list[str], paths: RoadPaths | None) -> Leg:
    """Truck legs from bases to loading stations.

    A base's own loading station (its ``loading_terminal``) is always usable, and
    free with its own siding; other stations only within ``rail.max_first_mile_km``.
    """
    leg = truck_leg(network, truck, bases, loading, target_charges=True, paths=paths)
    position = {t: k for k, t in enumerate(loading)}
    own = np.zeros(leg.cost.shape, dtype=bool)
    for i, base in enumerate(network.region.bases.itertuples()):
        k = position.get(base.loading_terminal)
        if k is None:
            continue
        own[i, k] = True
        if base.own_siding:
            leg.cost[i, k], leg.km[i, k], leg.hours[i, k] = 0.0, 0.0, 0.0
            for p in leg.kwh:
                leg.kwh[p][i, k] = 0.0
            leg.swaps[i, k] = 0
            leg.uses[(i, k)] = ()
    leg.cost[~(leg.km <= network.rail_spec.max_first_mile_km) & ~own] = np.nan
    return leg


def _compose(first: Leg, rail: RailLeg, last: Leg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cheapest (loading, unloading) pair for every (base, node): cost, argL, argU."""
    big = np.inf
    f = np.where(np.isnan(first.cost), big, first.cost)  # [B, L]
    r = np.where(np.isnan(rail.cost), big, rail.cost)  # [L, U]
    to_yard = f[:, :, None] + r[None, :, :]  # [B, L, U]
    best_l = np.argmin(to_yard, axis=1)  # [B, U]
    at_yard = np.take_along_axis(to_yard, best_l[:, None, :], axis=1)[:, 0, :]
    la = np.where(np.isnan(last.cost), big, last.cost)  # [U, D]
    total = at_yard[:, :, None] + la[None, :, :]  # [B, U, D]
    best_u = np.argmin(total, axis=1)  # [B, D]
    cost = np.take_along_axis(total, best_u[:, None, :], axis=1)[:, 0, :]
    best_l_for = np.take_along_axis(best_l, best_u, axis=1)  # [B, D]
    return np.where(np.isfinite(cost), cost, np.nan), best_l_for, best_u


def _rail_rows(network: Network, chain: str, ends: _Ends, rail: RailLeg, paths: dict[str, RoadPaths]) -> list[dict]:
    truck = TRUCK_OF_CHAIN[chain]
    rate = network.truck_rates[truck]
    first = _first_mile(network, truck, ends.bases, rail.loading, paths[truck])
    last = truck_leg(network, truck, rail.unloading, ends.nodes, target_charges=False, paths=paths[truck])
    cost, arg_l, arg_u = _compose(first, rail, last)
    rr = network.rail_rates
    provinces = network.region.provinces
    rows = []
    for i, j in zip(*np.nonzero(np.isfinite(cost)), strict=True):
        li, ui = int(arg_l[i, j]), int(arg_u[i, j])
        km_road = float(first.km[i, li] + last.km[ui, j])
        rail_kwh = {p: float(rr.kwh_electric * rail.electric_km[p][li, ui]) for p in provinces}
        kwh = {p: float(first.kwh[p][i, li] + last.kwh[p][ui, j] + rail_kwh[p]) for p in provinces}
        rail_diesel = float(rr.diesel_kg * rail.diesel_km[li, ui])
        rows.append(
            {
                "base": ends.bases[i],
                "node": ends.nodes[j],
                "chain": chain,
                "cost_yuan_per_t": float(cost[i, j]),
                "hours": float(first.hours[i, li] + rail.hours[li, ui] + last.hours[ui, j]),
                "km_road": km_road,
                "km_rail": float(rail.km[li, ui]),
                "great_circle_km": float(ends.gc_km[i, j]),
                "truck_diesel_l_per_t": rate.diesel_l * km_road,
                "rail_diesel_kg_per_t": rail_diesel,
                "kwh": kwh,
                "rail_kwh": rail_kwh,
                "transfers": 2,
                "nox_g_per_t": rate.nox_g * km_road + rr.nox_g_diesel * rail.diesel_km[li, ui],
                "pm_g_per_t": rate.pm_g * km_road + rr.pm_g_diesel * rail.diesel_km[li, ui],
                "swaps_per_trip": int(first.swaps[i, li] + last.swaps[ui, j]),
                "loading_terminal": rail.loading[li],
                "unloading_terminal": rail.unloading[ui],
                **ends.delivery(truck, j),
                "resources": (
                    *first.uses.get((i, li), ()),
                    rail.loading[li],
                    *rail.sections[(li, ui)],
                    rail.unloading[ui],
                    *last.uses.get((ui, j), ()),
                ),
            }
        )
    return rows


def quarry_options(network: Network, chains: list[str], nodes: list[str] | None = None) -> RouteOptions:
    """Best truck route of every direct chain for every (quarry, demand node) pair.

    Quarries ship by the scenario's truck chains (``diesel_truck``, ``bet_truck``), costed like
    a base's direct haul; rail chains are not routed from quarries (the import tier stands for
    natural aggregate by rail).

    Parameters
    ----------
    network
        From :func:`aggregates.network.graph.build_network`; its region's ``quarries`` layer.
    chains
        The scenario's chains; the rail ones are skipped.
    nodes
        Demand node ids to route to (default: all).

    Returns
    -------
    RouteOptions
        One row per feasible (quarry, node, chain), the quarry in the ``base`` column; empty
        without quarries.
    """
    quarries = network.region.quarries
    rows: list[dict] = []
    if len(quarries):
        ends = _ends(network, nodes, quarries)
        direct = [c for c in chains if not is_rail(c)]
        paths = _road_paths(network, direct, ends, None)
        for chain in direct:
            rows += _direct_rows(network, chain, ends, paths)
    options = RouteOptions.from_rows(rows, network.region.provinces)
    log.info("quarry route options: %d rows for %d quarries", len(options), len(quarries))
    return options


def route_options(network: Network, chains: list[str], nodes: list[str] | None = None) -> RouteOptions:
    """Best route of every chain for every (base, demand node) pair.

    Parameters
    ----------
    network
        From :func:`aggregates.network.graph.build_network`.
    chains
        The chains to route (a scenario's ``chains``).
    nodes
        Demand node ids to route to (default: all).

    Returns
    -------
    RouteOptions
        One row per feasible (base, node, chain), sorted by base, node and chain. Pairs a
        chain cannot serve (battery range, no terminal in reach) have no row.
    """
    ends = _ends(network, nodes)
    rows: list[dict] = []
    rail = rail_leg(network) if any(is_rail(c) for c in chains) else None
    paths = _road_paths(network, chains, ends, rail)
    for chain in chains:
        if is_rail(chain):
            rows += _rail_rows(network, chain, ends, rail, paths)
        else:
            rows += _direct_rows(network, chain, ends, paths)
    options = RouteOptions.from_rows(rows, network.region.provinces)
    log.info(
        "route options: %d rows for %d bases x %d nodes x %d chains",
        len(options),
        len(ends.bases),
        len(ends.nodes),
        len(chains),
    )
    return options
