"""Fleet and operations sizing: trains, wagons, boxes, yards, trucks, swaps and drivers a plan needs.

Everything is worked out from the plan's flows with steady-state cycle arithmetic
(README, "Fleet and operations sizing"):

* trains per day on a corridor (loading -> unloading terminal) = tonnes / net t per
  train / ``rail.operating_days``; its round trip = loading + unloading hours +
  dwell + rail km out loaded and back empty at ``rail.speed_kmh``; trainsets =
  trains per day x round-trip days; wagons = trainsets x wagons per train, plus spares;
* boxes = those on the wagons, plus those riding the first- and last-mile trucks and
  those staged in the yards between truck and train, plus spares;
* yard occupancy = trains handled per day x loading (or unloading) hours, against the
  hours a track works a day;
* loaded truck trips per year = tonnes / payload per truck leg (direct hauls one leg;
  rail chains a last mile and, unless the base has its own siding, a first mile), as
  in the plan's ``truck_trips_per_day``; truck-hours = km out loaded and back empty at
  the fleet's average speeds, loading and unloading, and battery swaps; a truck makes
  (shift hours x shifts) / cycle trips a day, but one delivering into a zone with an access
  window of W hours a day at most 1 + floor(W / cycle) (README, "Access windows"); trucks =
  truck-days per day / availability; driver shifts = truck-hours per day / shift hours;
* battery swaps: en-route swaps at stations (the route's ``swaps_per_trip``, as the
  model counts them against station capacity) and, where the km driven need more
  batteries than that, swaps at the origin ("depot swaps", at bases and terminals).

Per-day figures use the operating days of their mode: ``rail.operating_days`` for
trains and yards, ``trucks.operating_days`` for trucks and swaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.plan.kpis import FleetSummary
from aggregates.vocab import RAIL_CHAINS, TRUCK_GROUPS, TRUCK_OF_CHAIN

KINDS = ("train_corridor", "yard", "trucks", "delivery_window", "swap_station")
RAIL_KINDS = ("train_corridor", "yard")  # sized on when tonnes are railed (terminal yards may shift them)
COLUMNS = (
    "year",
    "kind",
    "id",
    "name",
    "truck",
    "tonnes",
    "per_day",
    "unit",
    "capacity_per_day",
    "utilisation",
    "cycle_hours",
    "hours_per_day",
    "trainsets",
    "wagons",
    "containers",
    "tracks",
    "trucks",
    "driver_shifts",
    "drivers",
    "swaps_per_day",
    "depot_swaps_per_day",
)
COUNT_COLUMNS = ("wagons", "containers", "tracks", "trucks", "driver_shifts", "drivers")


@dataclass(frozen=True)
class Fleet:
    """The fleet and operations a plan needs.

    Attributes
    ----------
    table
        One row per year and item, columns :data:`COLUMNS` (README, "Fleet and
        operations sizing"); what does not apply to a kind is empty.
    summaries
        Per year: the headline figures.
    days
        Operating days a year of trains and of trucks, the basis of every per-day figure.
    """

    table: pd.DataFrame
    summaries: dict[int, FleetSummary] = field(default_factory=dict)
    days: tuple[float, float] = (365.0, 365.0)

    def summary(self, year: int) -> FleetSummary:
        """Headline figures of one year; zero fleet for a year with no flows."""
        if year in self.summaries:
            return self.summaries[year]
        return FleetSummary.idle(*self.days)


def size_fleet(
    flows: pd.DataFrame,
    swaps_per_trip: Sequence[float],
    scenario: Scenario,
    *,
    resources: pd.DataFrame | None = None,
    own_siding: Iterable[str] = (),
    years: Iterable[int] | None = None,
    windows: pd.DataFrame | None = None,
) -> Fleet:
    """Trains, wagons, boxes, yard tracks, trucks, swaps and drivers for a set of flows.

    Parameters
    ----------
    flows
        The plan's flows table: ``year``, ``base``, ``chain``, ``tonnes`` (per year),
        ``km_road`` (first plus last mile for rail chains), ``km_rail``,
        ``loading_terminal``, ``unloading_terminal`` and ``route`` (row of ``routes``).
    swaps_per_trip
        Per route option (the flows' ``route``): en-route battery swaps per round trip,
        all truck legs together.
    scenario
        Train size, operating days, truck payloads and range, and the ``fleet`` section.
    resources
        The plan's resources table, for terminal and swap-station capacities; without
        it, yards have no capacity and swap stations no rows.
    own_siding
        Bases that load trains at their own siding (no first-mile truck leg).
    years
        Years to summarise (default: the years of ``flows``); a year with no flows
        gets an all-zero summary.
    windows
        Per route option (the flows' ``route``): ``zone``, ``window`` and ``window_hours`` of its
        delivery under the access rules (``policies.access_rules``); None: no windows.

    Returns
    -------
    Fleet
    """
    ops = flow_operations(flows, swaps_per_trip, scenario, set(own_siding), windows)
    names = _terminal_names(resources)
    corridors = _corridors(ops, scenario, names)
    parts = [
        corridors,
        _yards(corridors, resources, scenario, names),
        _trucks(ops, scenario),
        _delivery_windows(ops, scenario),
        _swap_stations(resources, scenario),
    ]
    parts = [p for p in parts if len(p)]
    table = _tidy(pd.concat(parts, ignore_index=True) if parts else None)
    years = sorted(set(flows["year"]) if years is None else set(years))
    summaries = {int(y): fleet_summary(table[table["year"] == y], scenario) for y in years}
    return Fleet(table, summaries, (scenario.rail.operating_days, scenario.trucks.operating_days))


def train_cycle_hours(km_rail: np.ndarray | float, scenario: Scenario) -> np.ndarray | float:
    """Round trip of a trainset in hours: load, run loaded, unload, run back empty, dwell.

    Parameters
    ----------
    km_rail
        Rail km one way.
    scenario
        ``rail.speed_kmh`` (both ways) and the ``fleet`` loading, unloading and dwell hours.
    """
    f = scenario.fleet
    return (
        f.train_loading_hours + f.train_unloading_hours + f.terminal_dwell_hours + 2 * km_rail / scenario.rail.speed_kmh
    )


def flow_operations(
    flows: pd.DataFrame,
    swaps_per_trip: Sequence[float],
    scenario: Scenario,
    own_siding: set[str],
    windows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per flow and year: truck loads, loaded trips, truck-hours, swaps and box-hours.

    Parameters
    ----------
    flows, swaps_per_trip, scenario, windows
        As for :func:`size_fleet`.
    own_siding
        Bases with their own siding.

    Returns
    -------
    pandas.DataFrame
        The flows with added yearly columns ``truck`` (diesel or bet), ``legs`` (truck
        legs per truckload), ``loads`` (truckloads), ``trips`` (loaded truck trips, legs
        x loads), ``truck_hours``, ``truck_days`` (days of one truck's work: the legs' cycles
        against the working day, the delivering leg's against its window), ``zone``, ``window``,
        ``window_hours``, ``station_swaps``, ``depot_swaps``, ``boxes`` and ``box_hours`` (boxes
        riding trucks or staged in yards; rail chains only).
    """
    f = scenario.fleet
    bet = scenario.trucks.bet
    out = flows.copy()
    rail = out["chain"].isin(RAIL_CHAINS).to_numpy()
    out["truck"] = out["chain"].map(TRUCK_OF_CHAIN)
    payload = np.where(out["truck"] == "bet", bet.payload_t, scenario.trucks.diesel.payload_t)
    first_mile = rail & ~out["base"].isin(own_siding).to_numpy()
    out["legs"] = 1 + first_mile.astype(int)
    out["loads"] = out["tonnes"] / payload
    out["trips"] = out["loads"] * out["legs"]
    en_route = np.asarray(swaps_per_trip, float)[out["route"].to_numpy(int)] if len(out) else 0.0
    km = out["km_road"].to_numpy(float)
    batteries = np.where(out["truck"] == "bet", 2 * km / bet.range_km, 0.0)
    depot = np.maximum(batteries - en_route, 0.0)  # origins swap what the stations on the way do not
    per_load = (
        km / f.truck_speed_loaded_kmh
        + km / f.truck_speed_empty_kmh
        + out["legs"] * (f.truck_load_minutes + f.truck_unload_minutes) / 60.0
        + (en_route + depot) * bet.swap_minutes / 60.0
    )
    out["truck_hours"] = out["loads"] * per_load
    out = _with_windows(out, windows)
    out["truck_days"] = out["loads"] * truck_days_per_load(per_load, out["legs"], out["window_hours"], f)
    out["station_swaps"] = out["loads"] * en_route
    out["depot_swaps"] = out["loads"] * depot
    box_t = scenario.rail.net_t_per_box  # the tonnes the container tariff charges a box for
    out["boxes"] = np.where(rail, out["tonnes"] / box_t, 0.0)
    # A box rides its truck for the whole truck cycle, and waits in a yard at each truck end.
    staged = out["boxes"] * out["legs"] * f.box_staging_hours
    out["box_hours"] = np.where(rail, out["truck_hours"] + staged, 0.0)
    return out


def truck_days_per_load(cycle_hours, legs, window_hours, fleet) -> np.ndarray:
    """Days of one truck's work per truckload: every leg but the last at the working day's pace,
    the delivering leg also limited by its access window.

    A truck works ``shift_hours x shifts_per_day`` hours a day, so on a leg cycle of ``c`` hours
    (the load's cycle shared equally by its legs) it makes ``H / c`` trips. Delivering into a window of
    ``W`` hours a day it arrives at the opening and then once a cycle while the window is open:
    at most ``1 + floor(W / c)`` deliveries a day. A window of 24 hours is no limit.

    Parameters
    ----------
    cycle_hours
        Hours of one truckload's truck work (all legs: driving both ways, handling, swaps).
    legs
        Truck legs per truckload (1 direct or own siding, 2 with a first mile).
    window_hours
        Hours a day the delivering leg may deliver (24: any time).
    fleet
        The scenario's ``fleet`` section (shift hours and shifts a day).
    """
    hours = fleet.shift_hours * fleet.shifts_per_day
    leg = np.asarray(cycle_hours, float) / np.asarray(legs, float)
    window = np.asarray(window_hours, float)
    per_leg = leg / hours
    fits = np.floor(
        np.divide(window, leg, out=np.full(leg.shape, np.inf), where=leg > 1e-9)
    )  # a cycle of no time fits any number
    delivering = np.where(window < 24.0, np.maximum(per_leg, 1.0 / (1.0 + fits)), per_leg)
    return (np.asarray(legs, float) - 1.0) * per_leg + delivering


def _with_windows(ops: pd.DataFrame, windows: pd.DataFrame | None) -> pd.DataFrame:
    """The flows with the access window of each one's delivery (none: 24 h, no zone)."""
    if windows is None or not len(ops):
        return ops.assign(zone="", window="", window_hours=24.0)
    at = windows.iloc[ops["route"].to_numpy(int)]
    return ops.assign(
        zone=at["zone"].to_numpy(object),
        window=at["window"].to_numpy(object),
        window_hours=at["window_hours"].to_numpy(float),
    )


def _terminal_names(resources: pd.DataFrame | None) -> dict[str, str]:
    if resources is None or not len(resources):
        return {}
    t = resources[resources["kind"] == "terminal"]
    return dict(zip(t["resource"], t["name"], strict=True))


def _corridors(ops: pd.DataFrame, scenario: Scenario, names: dict[str, str]) -> pd.DataFrame:
    f, rail = scenario.fleet, scenario.rail
    r = ops[ops["chain"].isin(RAIL_CHAINS)]
    if not len(r):
        return pd.DataFrame()
    r = r.assign(tkm_rail=r["tonnes"] * r["km_rail"])
    g = r.groupby(["year", "loading_terminal", "unloading_terminal"], sort=True)
    c = g[["tonnes", "tkm_rail", "box_hours"]].sum().reset_index()
    c = c[c["tonnes"] > 0].reset_index(drop=True)
    km = c["tkm_rail"] / c["tonnes"]
    trains = c["tonnes"] / rail.net_t_per_train / rail.operating_days
    cycle = train_cycle_hours(km, scenario)
    trainsets = trains * cycle / 24.0
    wagons_running = trainsets * f.wagons_per_train
    # Box-hours accrue on truck days; boxes on trains on rail days.
    boxes_off_train = c["box_hours"] / scenario.trucks.operating_days / 24.0
    containers = (wagons_running * f.containers_per_wagon + boxes_off_train) * (1 + f.container_spare)
    return pd.DataFrame(
        {
            "year": c["year"],
            "kind": "train_corridor",
            "id": c["loading_terminal"] + "->" + c["unloading_terminal"],
            "name": c["loading_terminal"].map(lambda t: names.get(t, ""))
            + " -> "
            + c["unloading_terminal"].map(lambda t: names.get(t, "")),
            "tonnes": c["tonnes"],
            "per_day": trains,
            "unit": "trains/day",
            "cycle_hours": cycle,
            "hours_per_day": trains * cycle,
            "trainsets": trainsets,
            "wagons": _ceil(wagons_running * (1 + f.wagon_spare)),
            "containers": _ceil(containers),
            "loading": c["loading_terminal"],
            "unloading": c["unloading_terminal"],
        }
    )


def _yards(
    corridors: pd.DataFrame, resources: pd.DataFrame | None, scenario: Scenario, names: dict[str, str]
) -> pd.DataFrame:
    if not len(corridors):
        return pd.DataFrame()
    f, rail = scenario.fleet, scenario.rail
    sides = []
    for end, hours in (("loading", f.train_loading_hours), ("unloading", f.train_unloading_hours)):
        side = corridors[["year", end, "tonnes", "per_day"]].rename(columns={end: "id"})
        sides.append(side.assign(hours_per_day=side["per_day"] * hours))
    y = pd.concat(sides).groupby(["year", "id"], sort=True).sum().reset_index()
    capacity = _capacity(y, resources, "terminal") / rail.net_t_per_train / rail.operating_days
    return y.assign(
        kind="yard",
        name=y["id"].map(lambda t: names.get(t, "")),
        unit="trains/day",
        capacity_per_day=capacity,
        utilisation=y["per_day"] / capacity,
        tracks=_ceil(y["hours_per_day"] / f.yard_hours_per_day),
    )


def _trucks(ops: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    if not len(ops):
        return pd.DataFrame()
    f = scenario.fleet
    days = scenario.trucks.operating_days
    g = ops.groupby(["year", "chain"], sort=True)
    columns = ["tonnes", "trips", "truck_hours", "truck_days", "station_swaps", "depot_swaps"]
    t = g[columns].sum().reset_index()
    t = t[t["tonnes"] > 0].reset_index(drop=True)
    hours = t["truck_hours"] / days
    shifts = _ceil(hours / f.shift_hours)
    return pd.DataFrame(
        {
            "year": t["year"],
            "kind": "trucks",
            "id": t["chain"],
            "truck": t["chain"].map(TRUCK_OF_CHAIN),
            "name": t["chain"].map(TRUCK_GROUPS),
            "tonnes": t["tonnes"],
            "per_day": t["trips"] / days,
            "unit": "trips/day",
            "cycle_hours": t["truck_hours"] / t["trips"],
            "hours_per_day": hours,
            "trucks": _ceil(t["truck_days"] / days / f.truck_availability),
            "driver_shifts": shifts,
            "drivers": _ceil(shifts * days / f.driver_days_per_year),
            "swaps_per_day": t["station_swaps"] / days,
            "depot_swaps_per_day": t["depot_swaps"] / days,
        }
    )


def _delivery_windows(ops: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per year, zone and truck type: the deliveries into the zone, its window and the trucks they tie up."""
    d = ops[(ops["zone"] != "") & (ops["zone"] != "none") & (ops["tonnes"] > 0)] if len(ops) else ops
    if not len(d):
        return pd.DataFrame()
    f, days = scenario.fleet, scenario.trucks.operating_days
    legs = d["legs"].to_numpy(float)
    leg_hours = d["truck_hours"] / legs
    # The delivering leg's share of the truck-days: all of it less the other legs at the free pace.
    other = (legs - 1.0) * leg_hours / (f.shift_hours * f.shifts_per_day)
    d = d.assign(delivery_days=d["truck_days"] - other, delivery_hours=leg_hours)
    g = d.groupby(["year", "zone", "truck", "window"], sort=True)
    t = g[["tonnes", "loads", "delivery_hours", "delivery_days"]].sum().reset_index()
    return pd.DataFrame(
        {
            "year": t["year"],
            "kind": "delivery_window",
            "id": t["zone"],
            "truck": t["truck"],
            "name": t["window"],
            "tonnes": t["tonnes"],
            "per_day": t["loads"] / days,
            "unit": "deliveries/day",
            "cycle_hours": t["delivery_hours"] / t["loads"],
            "hours_per_day": t["delivery_hours"] / days,
            "trucks": _ceil(t["delivery_days"] / days / f.truck_availability),
        }
    )


def _swap_stations(resources: pd.DataFrame | None, scenario: Scenario) -> pd.DataFrame:
    if resources is None or not len(resources):
        return pd.DataFrame()
    s = resources[(resources["kind"] == "swap_station") & (resources["load"] > 0)]
    days = scenario.trucks.operating_days
    return pd.DataFrame(
        {
            "year": s["year"],
            "kind": "swap_station",
            "id": s["resource"],
            "name": s["name"],
            "per_day": s["load"] / days,
            "unit": "swaps/day",
            "capacity_per_day": s["capacity"] / days,
            "utilisation": s["utilisation"],
        }
    )


def _capacity(items: pd.DataFrame, resources: pd.DataFrame | None, kind: str) -> pd.Series:
    """Capacity (resources' unit) of each item's ``id`` in its ``year``; NaN where unknown."""
    if resources is None or not len(resources):
        return pd.Series(np.nan, index=items.index)
    r = resources[resources["kind"] == kind].set_index(["year", "resource"])["capacity"]
    keys = pd.MultiIndex.from_arrays([items["year"], items["id"]])
    return pd.Series(r.reindex(keys).to_numpy(float), index=items.index)


def _ceil(values: pd.Series) -> pd.Series:
    # A hair of float noise must not buy a whole extra wagon or truck.
    return np.ceil(np.round(values.astype(float), 9)).astype("Int64")


def _tidy(table: pd.DataFrame | None) -> pd.DataFrame:
    if table is None:
        table = pd.DataFrame(columns=list(COLUMNS))
    table = table.reindex(columns=list(COLUMNS))
    table["kind"] = pd.Categorical(table["kind"], categories=list(KINDS), ordered=True)
    table = table.sort_values(["year", "kind", "id"], kind="mergesort").reset_index(drop=True)
    table["kind"] = table["kind"].astype(str)
    for column in COUNT_COLUMNS:
        table[column] = table[column].astype("Int64")
    for column in ("year",):
        table[column] = table[column].astype(int)
    for column in ("name", "truck", "unit"):
        table[column] = table[column].fillna("").astype(str)
    floats = [c for c in COLUMNS if c not in (*COUNT_COLUMNS, "year", "kind", "id", "name", "truck", "unit")]
    table[floats] = table[floats].astype(float).round(3) + 0.0
    return table


def fleet_summary(table: pd.DataFrame, scenario: Scenario) -> FleetSummary:
    """The headline figures of one year's rows of a fleet table."""
    rail_days, truck_days = scenario.rail.operating_days, scenario.trucks.operating_days
    corridors = table[table["kind"] == "train_corridor"]
    trucks = table[table["kind"] == "trucks"]
    trains = float(corridors["per_day"].sum())
    windows = table[table["kind"] == "delivery_window"]
    windowed = windows[~windows["name"].isin(["", "00:00-24:00"])]

    def count(frame: pd.DataFrame, column: str) -> int:
        return int(frame[column].fillna(0).sum())

    return FleetSummary(
        rail_operating_days=rail_days,
        truck_operating_days=truck_days,
        trains_per_day=round(trains, 2),
        trains_per_calendar_day=round(trains * rail_days / 365.0, 2),
        trainsets=round(float(corridors["trainsets"].sum()), 2),
        wagons=count(corridors, "wagons"),
        containers=count(corridors, "containers"),
        yard_tracks=count(table[table["kind"] == "yard"], "tracks"),
        nev_trucks=count(trucks[trucks["truck"] == "bet"], "trucks"),
        diesel_trucks=count(trucks[trucks["truck"] == "diesel"], "trucks"),
        truck_trips_per_day=round(float(trucks["per_day"].sum()), 1),
        truck_hours_per_day=round(float(trucks["hours_per_day"].sum()), 1),
        swaps_per_day=round(float(trucks["swaps_per_day"].sum()), 1),
        depot_swaps_per_day=round(float(trucks["depot_swaps_per_day"].sum()), 1),
        driver_shifts_per_day=count(trucks, "driver_shifts"),
        drivers=count(trucks, "drivers"),
        window_mt=round(float(windowed["tonnes"].sum()) / 1e6, 2),
        window_trucks=count(windowed, "trucks"),
    )
