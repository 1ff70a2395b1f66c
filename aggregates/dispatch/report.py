"""The day's tables as written: routes, trucks per depot, train slots, and the comparison with the plan."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from aggregates.config import Scenario
from aggregates.dispatch.check import depot_swaps
from aggregates.dispatch.orders import clock

ROUTE_COLUMNS = (
    "truck",
    "depot",
    "type",
    "shift",
    "trip",
    "leg",
    "node",
    "leaves",
    "arrives",
    "unloads",
    "back",
    "wait_min",
    "km_loaded",
    "km_empty",
    "depot_swaps",
    "swaps_en_route",
    "station",
    "breaks",
)


def routes_table(trips: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """One row per truck trip with clock times, the shift it falls in and the swaps it makes (``routes.csv``)."""
    if not len(trips):
        return pd.DataFrame(columns=list(ROUTE_COLUMNS))
    start = scenario.dispatch.day_start_hour
    t = trips.sort_values(["truck", "start_min"], kind="mergesort").reset_index(drop=True)
    first = t.groupby("truck")["start_min"].transform("min")
    t["shift"] = ((t["start_min"] - first) // (scenario.fleet.shift_hours * 60)).astype(int) + 1
    t["depot_swaps"] = 0
    for _, day in t[t["type"] == "bet"].groupby("truck", sort=True):
        t.loc[day.index, "depot_swaps"] = depot_swaps(day, scenario)
    for column, minutes in (("leaves", "start_min"), ("arrives", "arrive_min"), ("unloads", "unload_min")):
        t[column] = t[minutes].map(lambda m: clock(m, start))
    t["back"] = t["back_min"].map(lambda m: clock(m, start))
    t["breaks"] = t["breaks_out"] + t["breaks_back"]
    return t[list(ROUTE_COLUMNS)]


def trucks_table(
    trips: pd.DataFrame, scenario: Scenario, year: int | None = None, provinces: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Per depot and truck type: trucks, trips, working hours, utilisation, km, waiting, kWh or litres, CO2e.

    ``energy`` is kWh at the wheel (electric) or litres of diesel; ``co2e_kg`` is well-to-wheel and
    ``co2e_ttw_kg`` exhaust only, with the scenario's emission factors as the plan uses them
    (:meth:`aggregates.network.options.RouteOptions.co2e_kg_per_t`): diesel litres at
    ``emissions.diesel_*_kg_per_l``, electricity at the plug (``trucks.bet.charging_loss``) at the grid
    factor of the depot's province in ``year`` (``provinces``: depot id to province; a depot not in it,
    or no ``provinces``, is charged the regional "North China" factor and named in ``grid``).
    """
    columns = ["depot", "type", "trucks", "trips", "hours", "utilisation", "km_loaded", "km_empty", "wait_hours"]
    tail = ["energy", "energy_unit", "kwh_at_plug", "litres", "co2e_kg", "co2e_ttw_kg", "grid"]
    if not len(trips):
        return pd.DataFrame(columns=[*columns, *tail])
    span = trips.groupby("truck").agg(
        depot=("depot", "first"), type=("type", "first"), first=("start_min", "min"), last=("back_min", "max")
    )
    span["hours"] = (span["last"] - span["first"]) / 60.0
    g = trips.groupby(["depot", "type"], sort=True)
    t = g.agg(
        trucks=("truck", "nunique"),
        trips=("trip", "size"),
        km_loaded=("km_loaded", "sum"),
        km_empty=("km_empty", "sum"),
    )
    t["wait_hours"] = g["wait_min"].sum() / 60.0
    t["hours"] = span.groupby(["depot", "type"])["hours"].sum()
    t = t.reset_index()
    day = scenario.fleet.shift_hours * scenario.fleet.shifts_per_day
    t["utilisation"] = t["hours"] / (t["trucks"] * day)
    d, b = scenario.trucks.diesel, scenario.trucks.bet
    bet = t["type"] == "bet"
    kwh = (t["km_loaded"] * b.kwh_per_km_loaded + t["km_empty"] * b.kwh_per_km_empty).where(bet, 0.0)
    litres = ((t["km_loaded"] * d.fuel_l_per_100km_loaded + t["km_empty"] * d.fuel_l_per_100km_empty) / 100.0).where(
        ~bet, 0.0
    )
    t["energy"] = kwh.where(bet, litres)
    t["energy_unit"] = bet.map({True: "kWh", False: "litres"})
    t["kwh_at_plug"] = kwh / (1.0 - b.charging_loss)
    t["litres"] = litres
    t = t.assign(**day_co2e(t, scenario, year, provinces))
    return t[[*columns, *tail]].round(3)


def day_co2e(
    t: pd.DataFrame, scenario: Scenario, year: int | None, provinces: Mapping[str, str] | None
) -> dict[str, pd.Series]:
    """``co2e_kg`` (well-to-wheel), ``co2e_ttw_kg`` and ``grid`` (where the power's factor comes from) of
    rows with ``depot``, ``kwh_at_plug`` and ``litres``."""
    em = scenario.emissions
    y = year if year is not None else scenario.years[0]
    known = dict(provinces or {})
    where = pd.Series([str(known.get(d) or "") for d in t["depot"]], index=t.index, dtype=object)
    grid = where.where(where != "", "North China") if em.grid_basis == "province" else pd.Series("North China", t.index)
    factor = grid.map(lambda p: em.grid_factor(p, y)).astype(float)
    return {
        "co2e_kg": t["litres"] * em.diesel_wtw_kg_per_l + t["kwh_at_plug"] * factor,
        "co2e_ttw_kg": t["litres"] * em.diesel_ttw_kg_per_l,
        "grid": grid.where(t["kwh_at_plug"] > 0, ""),
    }


def trains_table(trains: pd.DataFrame, day_start_hour: float) -> pd.DataFrame:
    """The day's trains with clock times of cut-off, departure, arrival and unloading (``trains.csv``)."""
    t = trains.copy()
    for column in ("cutoff", "depart", "arrive", "unload_start", "unload_end"):
        t[column] = t[f"{column}_min"].map(lambda m: clock(m, day_start_hour))
    keep = ["train", "corridor", "loading", "unloading", "km_rail", "cutoff", "depart", "arrive"]
    return t[[*keep, "unload_start", "unload_end", "wait_min", "trainset"]]


def comparison_table(day, scenario: Scenario) -> pd.DataFrame:
    """The day against the plan's fleet sizing: trucks by type (working, and with availability), trips, trains.

    The plan's figures are averages of an operating day; ``plan_on_day`` scales them by the day's factor.
    """
    fleet = day.fleet
    trucks = day.trucks()
    by_type = trucks.groupby("type")["trucks"].sum() if len(trucks) else pd.Series(dtype=float)
    plan_rows = fleet[fleet["kind"] == "trucks"] if len(fleet) else pd.DataFrame(columns=["truck", "trucks", "per_day"])
    plan_trucks = plan_rows.groupby("truck")["trucks"].sum() if len(plan_rows) else pd.Series(dtype=float)
    avail = scenario.fleet.truck_availability
    rows = []
    for truck, name in (("bet", "electric trucks"), ("diesel", "diesel trucks")):
        used = int(by_type.get(truck, 0))
        rows.append((f"{name} working", used, float(plan_trucks.get(truck, 0)) * avail))
        rows.append(
            (f"{name} in fleet (/{avail:g} availability)", math.ceil(used / avail), float(plan_trucks.get(truck, 0)))
        )
    corridors = fleet[fleet["kind"] == "train_corridor"] if len(fleet) else pd.DataFrame(columns=["per_day"])
    rows.append(("loaded truck trips a day", len(day.trips), float(plan_rows["per_day"].sum())))
    rows.append(("trains a day", len(day.trains), float(corridors["per_day"].sum())))
    sets = day.corridors()
    rows.append(("trainsets", int(sets["trainsets"].sum()), float(corridors["trainsets"].sum()) if len(fleet) else 0.0))
    rows.append(
        ("wagons (with spares)", int(sets["wagons"].sum()), float(corridors["wagons"].sum()) if len(fleet) else 0.0)
    )
    out = pd.DataFrame(rows, columns=["figure", "day", "plan"])
    out["plan_on_day"] = out["plan"] * day.basis.factor
    out["ratio"] = out["day"] / out["plan_on_day"].where(out["plan_on_day"] > 0)
    return out.round(3)
