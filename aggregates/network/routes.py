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

The result is a tidy table (:data:`COLUMNS`), one row per feasible option.
Energy is kept by carrier and province so that CO2e can be computed for any
year's grid factor (:func:`co2e_kg_per_t`). The rail leg's share of the kWh is
kept beside the totals (``rail_kwh_<province>_per_t``) so that CO2e, NOx and PM
can be split by leg: road (first, last mile or direct haul), rail and hub
(handling at transfers), see :func:`co2e_kg_per_t_by_leg` and
:func:`exhaust_g_per_t_by_leg`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.network.graph import Network
from aggregates.network.legs import PROVINCES, Leg, RailLeg, rail_leg, truck_leg

log = logging.getLogger(__name__)

TRUCK_OF_CHAIN = {"diesel_truck": "diesel", "bet_truck": "bet", "rail_bet": "bet", "rail_diesel": "diesel"}
KWH_COLUMNS = {p: f"kwh_{p.lower()}_per_t" for p in PROVINCES}  # all legs, at the plug
RAIL_KWH_COLUMNS = {p: f"rail_kwh_{p.lower()}_per_t" for p in PROVINCES}  # of which the rail leg
COLUMNS = (
    "base",
    "node",
    "chain",
    "cost_yuan_per_t",
    "hours",
    "km_road",
    "km_rail",
    "great_circle_km",
    "truck_diesel_l_per_t",
    "rail_diesel_kg_per_t",
    *KWH_COLUMNS.values(),
    *RAIL_KWH_COLUMNS.values(),
    "transfers",
    "nox_g_per_t",
    "pm_g_per_t",
    "swaps_per_trip",
    "loading_terminal",
    "unloading_terminal",
    "restricted",
    "resources",
)


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


def _ends(network: Network, nodes: list[str] | None) -> _Ends:
    region = network.region
    demand = region.demand.set_index("id")
    nodes = list(demand.index) if nodes is None else nodes
    bases = region.bases
    d = demand.loc[nodes]
    gc = great_circle_km(
        bases.geometry.x.to_numpy()[:, None],
        bases.geometry.y.to_numpy()[:, None],
        d.geometry.x.to_numpy()[None, :],
        d.geometry.y.to_numpy()[None, :],
    )
    return _Ends(list(bases["id"]), nodes, d["diesel_restricted"].to_numpy(bool), gc)


def _direct_rows(network: Network, chain: str, ends: _Ends) -> list[dict]:
    truck = TRUCK_OF_CHAIN[chain]
    leg = truck_leg(network, truck, ends.bases, ends.nodes, target_charges=False)
    rate = network.truck[truck]
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
                **{KWH_COLUMNS[p]: float(leg.kwh[p][i, j]) for p in PROVINCES},
                **dict.fromkeys(RAIL_KWH_COLUMNS.values(), 0.0),
                "transfers": 0,
                "nox_g_per_t": rate.nox_g * km,
                "pm_g_per_t": rate.pm_g * km,
                "swaps_per_trip": int(leg.swaps[i, j]),
                "loading_terminal": "",
                "unloading_terminal": "",
                "restricted": bool(truck == "diesel" and ends.restricted[j]),
                "resources": tuple(swaps),
            }
        )
    return rows


def _first_mile(network: Network, truck: str, bases: list[str], loading: list[str]) -> Leg:
    """Truck legs from bases to loading stations.

    A base's own loading station (its ``loading_terminal``) is always usable, and
    free with its own siding; other stations only within ``rail.max_first_mile_km``.
    """
    leg = truck_leg(network, truck, bases, loading, target_charges=True)
    position = {t: k for k, t in enumerate(loading)}
    own = np.zeros(leg.cost.shape, dtype=bool)
    for i, base in enumerate(network.region.bases.itertuples()):
        k = position.get(base.loading_terminal)
        if k is None:
            continue
        own[i, k] = True
        if base.own_siding:
            leg.cost[i, k], leg.km[i, k], leg.hours[i, k] = 0.0, 0.0, 0.0
            for p in PROVINCES:
                leg.kwh[p][i, k] = 0.0
            leg.swaps[i, k] = 0
            leg.uses[(i, k)] = ()
    leg.cost[~(leg.km <= network.scenario.rail.max_first_mile_km) & ~own] = np.nan
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


def _rail_rows(network: Network, chain: str, ends: _Ends, rail: RailLeg) -> list[dict]:
    truck = TRUCK_OF_CHAIN[chain]
    rate = network.truck[truck]
    first = _first_mile(network, truck, ends.bases, rail.loading)
    last = truck_leg(network, truck, rail.unloading, ends.nodes, target_charges=False)
    cost, arg_l, arg_u = _compose(first, rail, last)
    rr = network.rail_rate
    rows = []
    for i, j in zip(*np.nonzero(np.isfinite(cost)), strict=True):
        li, ui = int(arg_l[i, j]), int(arg_u[i, j])
        km_road = float(first.km[i, li] + last.km[ui, j])
        rail_kwh = {p: float(rr.kwh_electric * rail.electric_km[p][li, ui]) for p in PROVINCES}
        kwh = {p: float(first.kwh[p][i, li] + last.kwh[p][ui, j] + rail_kwh[p]) for p in PROVINCES}
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
                **{KWH_COLUMNS[p]: kwh[p] for p in PROVINCES},
                **{RAIL_KWH_COLUMNS[p]: rail_kwh[p] for p in PROVINCES},
                "transfers": 2,
                "nox_g_per_t": rate.nox_g * km_road + rr.nox_g_diesel * rail.diesel_km[li, ui],
                "pm_g_per_t": rate.pm_g * km_road + rr.pm_g_diesel * rail.diesel_km[li, ui],
                "swaps_per_trip": int(first.swaps[i, li] + last.swaps[ui, j]),
                "loading_terminal": rail.loading[li],
                "unloading_terminal": rail.unloading[ui],
                "restricted": bool(truck == "diesel" and ends.restricted[j]),
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


def route_options(network: Network, nodes: list[str] | None = None) -> pd.DataFrame:
    """Best route of every enabled chain for every (base, demand node) pair.

    Parameters
    ----------
    network
        From :func:`aggregates.network.graph.build_network`.
    nodes
        Demand node ids to route to (default: all).

    Returns
    -------
    pandas.DataFrame
        One row per feasible (base, node, chain), columns :data:`COLUMNS`,
        sorted by base, node and chain. Pairs a chain cannot serve (battery
        range, no terminal in reach) have no row.
    """
    ends = _ends(network, nodes)
    chains = network.scenario.chains
    rows: list[dict] = []
    rail = rail_leg(network) if any(c.startswith("rail_") for c in chains) else None
    for chain in chains:
        if chain.startswith("rail_"):
            rows += _rail_rows(network, chain, ends, rail)
        else:
            rows += _direct_rows(network, chain, ends)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table = table.sort_values(["base", "node", "chain"], kind="mergesort").reset_index(drop=True)
    log.info(
        "route options: %d rows for %d bases x %d nodes x %d chains",
        len(table),
        len(ends.bases),
        len(ends.nodes),
        len(chains),
    )
    return table


def co2e_kg_per_t(options: pd.DataFrame, scenario: Scenario, year: int, basis: str = "wtw") -> pd.Series:
    """CO2e per tonne of each option in a year.

    Parameters
    ----------
    options
        A route-options table.
    scenario
        Supplies the emission factors and the grid factors by province and year.
    year
        Selects the grid factor.
    basis
        ``"wtw"`` well-to-wheel (fuel production, power generation and handling
        included) or ``"ttw"`` tank-to-wheel (exhaust only).
    """
    em = scenario.emissions
    if basis == "ttw":
        return options["truck_diesel_l_per_t"] * em.diesel_ttw_kg_per_l + (
            options["rail_diesel_kg_per_t"] * em.diesel_ttw_kg_per_kg
        )
    total = options["truck_diesel_l_per_t"] * em.diesel_wtw_kg_per_l
    total = total + options["rail_diesel_kg_per_t"] * em.diesel_wtw_kg_per_kg
    for province, column in KWH_COLUMNS.items():
        total = total + options[column] * em.grid_factor(province, year)
    return total + options["transfers"] * em.handling_kg_per_t


def co2e_kg_per_t_by_leg(options: pd.DataFrame, scenario: Scenario, year: int, basis: str = "wtw") -> pd.DataFrame:
    """CO2e per tonne of each option split by leg: columns ``road``, ``rail``, ``hub``.

    ``road`` is the truck part (direct haul, or first and last mile), empty
    returns included; ``rail`` the train haul (traction energy per gross t-km,
    empty wagons back included via ``rail.gross_per_net``); ``hub`` the handling
    at transfers (well-to-wheel only: no exhaust is attributed to it). Each
    leg's electricity is charged at the grid factor of the province where it is
    drawn in ``year``, less ``emissions.green_power_share``. The three columns
    sum to :func:`co2e_kg_per_t` of the same basis.

    Parameters
    ----------
    options
        A route-options table; without ``rail_kwh_*`` columns all electricity
        counts as road.
    scenario, year, basis
        As for :func:`co2e_kg_per_t`.
    """
    em = scenario.emissions
    ttw = basis == "ttw"
    road = options["truck_diesel_l_per_t"] * (em.diesel_ttw_kg_per_l if ttw else em.diesel_wtw_kg_per_l)
    rail = options["rail_diesel_kg_per_t"] * (em.diesel_ttw_kg_per_kg if ttw else em.diesel_wtw_kg_per_kg)
    if not ttw:
        for province, column in KWH_COLUMNS.items():
            factor = em.grid_factor(province, year)
            rail_kwh = options.get(RAIL_KWH_COLUMNS[province], 0.0)
            road = road + (options[column] - rail_kwh) * factor
            rail = rail + rail_kwh * factor
    hub = options["transfers"] * (0.0 if ttw else em.handling_kg_per_t)
    return pd.DataFrame({"road": road, "rail": rail, "hub": hub * 1.0}, index=options.index)


def exhaust_g_per_t_by_leg(options: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """NOx and PM per tonne of each option split by leg: ``nox_road``, ``nox_rail``, ``pm_road``, ``pm_rail``.

    Rail exhaust is the diesel locomotives' (kg of fuel x g per kg of fuel);
    the road part is the rest (truck exhaust per km, empty return included).
    Electric traction and hubs emit none.
    """
    rail = scenario.rail
    nox_rail = options["rail_diesel_kg_per_t"] * rail.locomotive_nox_g_per_kg_fuel
    pm_rail = options["rail_diesel_kg_per_t"] * rail.locomotive_pm_g_per_kg_fuel
    return pd.DataFrame(
        {
            "nox_road": options["nox_g_per_t"] - nox_rail,
            "nox_rail": nox_rail,
            "pm_road": options["pm_g_per_t"] - pm_rail,
            "pm_rail": pm_rail,
        },
        index=options.index,
    )
