"""Route options as a type, and what a tonne on each costs the climate and the air.

:class:`RouteOptions` holds one row per feasible (base, demand node, chain): cost, time, km,
energy and exhaust per tonne, the terminals and the capacitated resources the route uses.
Energy is kept by carrier and by the province where it is drawn (the rail leg's kWh apart),
so that CO2e can be computed for any year's grid factors and split by leg: road (direct haul,
or first and last mile), rail and hub (handling at transfers).

This module imports no GIS library: the optimisation core reads route options through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aggregates.config import Emissions, Rail

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
    "transfers",
    "nox_g_per_t",
    "pm_g_per_t",
    "swaps_per_trip",
    "loading_terminal",
    "unloading_terminal",
    "restricted",
    "zone",
    "window",
    "window_hours",
    "resources",
)
SORT_KEYS = ["base", "node", "chain"]


@dataclass(frozen=True)
class RouteOptions:
    """The best route of every enabled chain for (base, demand node) pairs.

    Attributes
    ----------
    table
        One row per option, columns :data:`COLUMNS`: per tonne ``cost_yuan_per_t``
        (transport only), ``hours`` door to door, ``km_road`` (all truck legs; where one-way roads
        make the way back differ, the mean of out and back), ``km_rail``,
        ``great_circle_km`` (base to node), ``truck_diesel_l_per_t``, ``rail_diesel_kg_per_t``,
        ``transfers`` (rail handlings), ``nox_g_per_t`` and ``pm_g_per_t`` (exhaust, all legs),
        ``swaps_per_trip`` (battery swaps at stations per round trip), the terminals (empty for
        direct hauls), ``restricted`` (diesel delivery into a diesel-restricted node), the delivery
        under the region's access rules (:mod:`aggregates.data.access`): ``zone`` (the node's
        truck-restriction zone), ``window`` (when the last truck leg may deliver, e.g. ``23:00-06:00``;
        ``closed`` when its truck type or emission standard may not) and ``window_hours`` (hours a
        day; 24 unrestricted), and ``resources`` (ids of the swap stations, terminals and rail
        sections used, in order).
    provinces
        The provinces of the energy columns, in order.
    kwh
        (options, provinces) kWh at the plug per tonne, all legs, by province where drawn.
    rail_kwh
        (options, provinces) of which the rail leg's traction power.
    """

    table: pd.DataFrame
    provinces: tuple[str, ...]
    kwh: np.ndarray
    rail_kwh: np.ndarray

    def __post_init__(self) -> None:
        shape = (len(self.table), len(self.provinces))
        if tuple(self.table.columns) != COLUMNS:
            raise ValueError(f"route options need the columns {COLUMNS}, got {tuple(self.table.columns)}")
        if self.kwh.shape != shape or self.rail_kwh.shape != shape:
            raise ValueError(f"kwh and rail_kwh must be {shape}, got {self.kwh.shape} and {self.rail_kwh.shape}")

    @classmethod
    def from_rows(cls, rows: Sequence[dict], provinces: tuple[str, ...]) -> RouteOptions:
        """Options from row dicts holding :data:`COLUMNS` plus ``kwh`` and ``rail_kwh`` ({province: value}),
        sorted by base, node and chain."""
        table = pd.DataFrame([{c: row[c] for c in COLUMNS} for row in rows], columns=list(COLUMNS))
        kwh = np.array([[row["kwh"][p] for p in provinces] for row in rows], dtype=float).reshape(-1, len(provinces))
        rail = np.array([[row["rail_kwh"][p] for p in provinces] for row in rows], dtype=float)
        order = table.sort_values(SORT_KEYS, kind="mergesort").index.to_numpy()
        return cls(table.loc[order].reset_index(drop=True), provinces, kwh[order], rail.reshape(kwh.shape)[order])

    def __len__(self) -> int:
        return len(self.table)

    def take(self, positions) -> RouteOptions:
        """The options at ``positions`` (row numbers, or a boolean mask), renumbered from 0."""
        positions = np.arange(len(self))[np.asarray(positions)] if len(self) else np.zeros(0, int)
        return RouteOptions(
            self.table.iloc[positions].reset_index(drop=True),
            self.provinces,
            self.kwh[positions],
            self.rail_kwh[positions],
        )

    def between(self, base: str, node: str) -> RouteOptions:
        """The options of one (base, node) pair."""
        return self.take(((self.table["base"] == base) & (self.table["node"] == node)).to_numpy())

    def column(self, name: str) -> np.ndarray:
        """One column of :attr:`table` as an array."""
        return self.table[name].to_numpy()

    def co2e_kg_per_t(self, emissions: Emissions, year: int, basis: str = "wtw") -> np.ndarray:
        """CO2e per tonne of each option in ``year``: ``wtw`` well-to-wheel (fuel production, power
        generation at the grid factor of the province where drawn, handling) or ``ttw`` exhaust only."""
        em = emissions
        diesel_l, rail_kg = self.column("truck_diesel_l_per_t"), self.column("rail_diesel_kg_per_t")
        if basis == "ttw":
            return diesel_l * em.diesel_ttw_kg_per_l + rail_kg * em.diesel_ttw_kg_per_kg
        total = diesel_l * em.diesel_wtw_kg_per_l
        total = total + rail_kg * em.diesel_wtw_kg_per_kg
        for p, province in enumerate(self.provinces):
            total = total + self.kwh[:, p] * em.grid_factor(province, year)
        return total + self.column("transfers") * em.handling_kg_per_t

    def co2e_by_leg(self, emissions: Emissions, year: int, basis: str = "wtw") -> dict[str, np.ndarray]:
        """CO2e per tonne split by leg: ``road``, ``rail``, ``hub`` (summing to :meth:`co2e_kg_per_t`).

        ``road`` is the truck part (empty returns included); ``rail`` the train haul (traction
        energy per gross t-km, empty wagons back included via ``rail.gross_per_net``); ``hub``
        the handling at transfers (well-to-wheel only: no exhaust is attributed to it). Each
        leg's electricity is charged at the grid factor of the province where it is drawn in
        ``year``, less ``emissions.green_power_share``.
        """
        em, ttw = emissions, basis == "ttw"
        road = self.column("truck_diesel_l_per_t") * (em.diesel_ttw_kg_per_l if ttw else em.diesel_wtw_kg_per_l)
        rail = self.column("rail_diesel_kg_per_t") * (em.diesel_ttw_kg_per_kg if ttw else em.diesel_wtw_kg_per_kg)
        if not ttw:
            for p, province in enumerate(self.provinces):
                factor = em.grid_factor(province, year)
                road = road + (self.kwh[:, p] - self.rail_kwh[:, p]) * factor
                rail = rail + self.rail_kwh[:, p] * factor
        hub = self.column("transfers") * (0.0 if ttw else em.handling_kg_per_t)
        return {"road": road, "rail": rail, "hub": hub * 1.0}

    def exhaust_by_leg(self, rail: Rail) -> dict[str, np.ndarray]:
        """NOx and PM per tonne by leg (g): ``nox_road``, ``nox_rail``, ``pm_road``, ``pm_rail``.

        Rail exhaust is the diesel locomotives' (kg of fuel x g per kg of fuel); the road part
        is the rest (truck exhaust per km, empty return included). Electric traction and hubs
        emit none.
        """
        fuel = self.column("rail_diesel_kg_per_t")
        nox_rail = fuel * rail.locomotive_nox_g_per_kg_fuel
        pm_rail = fuel * rail.locomotive_pm_g_per_kg_fuel
        return {
            "nox_road": self.column("nox_g_per_t") - nox_rail,
            "nox_rail": nox_rail,
            "pm_road": self.column("pm_g_per_t") - pm_rail,
            "pm_rail": pm_rail,
        }
