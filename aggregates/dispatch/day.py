"""A dispatched day: orders, trains, truck routes, the check, and the comparison with the plan's fleet."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.dispatch.check import check_day, check_trains
from aggregates.dispatch.orders import DayBasis, clock, day_orders, rounding_note, window_minutes
from aggregates.dispatch.report import comparison_table, routes_table, trains_table, trucks_table
from aggregates.dispatch.trains import corridor_trainsets, day_trains
from aggregates.dispatch.trucks import lower_bound_trucks, part_jobs, route_all, trip_times
from aggregates.errors import InfeasibleError
from aggregates.files import atomic_folder


@dataclass(frozen=True)
class DayPlan:
    """One working day of trucks and trains, checked.

    Attributes
    ----------
    year, basis
        The plan year and the day (typical or peak, its factor and where the factor comes from).
    orders
        The day's truckloads per leg, depot, destination and truck type (``exact`` and rounded ``loads``).
    trips
        One row per truck trip, times in minutes after the day's start (``dispatch.day_start_hour``).
    trains
        One row per train with its slots (:func:`aggregates.dispatch.trains.day_trains`).
    fleet
        The plan's fleet table for the year, for the comparison (may be empty).
    scenario
        The plan's scenario (with any ``dispatch`` changes).
    seconds
        Wall time of the routing.
    places
        Where depots and destinations are: ``id``, ``lon``, ``lat``, ``province`` (the region's points,
        :meth:`aggregates.data.Region.points`); may be empty (no map, CO2e of power at the regional grid factor).
    """

    year: int
    basis: DayBasis
    orders: pd.DataFrame
    trips: pd.DataFrame
    trains: pd.DataFrame
    fleet: pd.DataFrame
    scenario: Scenario
    seconds: float = 0.0
    places: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def rounding(self) -> str:
        """How the day's loads were rounded."""
        return rounding_note(self.orders)

    def trucks(self) -> pd.DataFrame:
        """Per depot and truck type: trucks used, trips, utilisation, km, energy (``trucks.csv``)."""
        return trucks_table(self.trips, self.scenario, self.year, self.provinces())

    def provinces(self) -> dict[str, str]:
        """Province of each place id (empty without places)."""
        if not len(self.places) or "province" not in self.places:
            return {}
        return dict(zip(self.places["id"], self.places["province"].fillna(""), strict=True))

    def comparison(self) -> pd.DataFrame:
        """Trucks, trips and trains the day needs against the plan's fleet sizing (``comparison.csv``)."""
        return comparison_table(self, self.scenario)

    def summary(self) -> dict:
        """Headline figures of the day, JSON-ready (``day.json``)."""
        t, sets = self.trucks(), self.corridors()
        return {
            "year": self.year,
            "day": self.basis.day,
            "factor": round(self.basis.factor, 4),
            "factor_source": self.basis.source,
            "rounding": self.rounding,
            "loads": int(self.orders["loads"].sum()),
            "trucks": int(t["trucks"].sum()) if len(t) else 0,
            "trucks_by_type": {k: int(v) for k, v in t.groupby("type")["trucks"].sum().items()},
            "trains": len(self.trains),
            "trainsets": int(sets["trainsets"].sum()),
            "wagons": int(sets["wagons"].sum()),
            "corridors": sets.to_dict("records"),
            "breaks": int(self.trips["breaks_out"].sum() + self.trips["breaks_back"].sum()) if len(self.trips) else 0,
            **self._swaps(),
            "km_loaded": round(float(self.trips["km_loaded"].sum()), 1),
            "km_empty": round(float(self.trips["km_empty"].sum()), 1),
            "kwh": round(float(t["energy"][t["type"] == "bet"].sum()), 1) if len(t) else 0.0,
            "kwh_at_plug": round(float(t["kwh_at_plug"].sum()), 1) if len(t) else 0.0,
            "litres": round(float(t["litres"].sum()), 1) if len(t) else 0.0,
            "co2e_kg": round(float(t["co2e_kg"].sum()), 1) if len(t) else 0.0,
            "co2e_ttw_kg": round(float(t["co2e_ttw_kg"].sum()), 1) if len(t) else 0.0,
            "seconds": round(self.seconds, 1),
            "day_starts": clock(0, self.scenario.dispatch.day_start_hour),
            "warnings": self.warnings(),
        }

    def corridors(self) -> pd.DataFrame:
        """Per rail corridor: the day's trains, trainsets and wagons, and the plan's fleet sizing of both
        (``plan_trainsets`` may be fractional: an average day's share of trainsets)."""
        c = corridor_trainsets(self.trains, self.scenario)
        plan = self.fleet[self.fleet["kind"] == "train_corridor"] if len(self.fleet) else pd.DataFrame()
        if len(plan):
            by_id = plan.set_index("id")
            c["plan_trainsets"] = c["corridor"].map(by_id["trainsets"]).astype(float).round(3)
            c["plan_wagons"] = c["corridor"].map(by_id["wagons"]).astype(float)
        return c

    def warnings(self) -> list[str]:
        """What a planner must decide, in numbers: today, electric trips longer than the range on routes
        whose plan has no swap station (the swaps on the way are counted as time, at no station)."""
        r = routes_table(self.trips, self.scenario)
        lost = r[(r["swaps_en_route"] > 0) & (r["station"].fillna("") == "")]
        if not len(lost):
            return []
        worst = lost.groupby(["depot", "node"]).agg(trips=("trip", "size"), km=("km_loaded", "max"))
        worst = worst.sort_values("trips", ascending=False, kind="mergesort")
        top = ", ".join(f"{d} -> {n}: {int(w.trips)} of {w.km:.0f} km" for (d, n), w in worst.head(3).iterrows())
        return [
            f"{len(lost):,} electric trip(s) longer than the range on routes with no swap station, "
            f"{int(lost['swaps_en_route'].sum()):,} swap(s) on the way at no station ({top}); "
            "add swap stations on these routes or close them to electric trucks in the plan"
        ]

    def _swaps(self) -> dict:
        """Battery swaps of the day: at the depots, on the way, and on the way with no station on the route
        (trips longer than the range on a route the plan gave no swap station; the plan counts those at the
        origin)."""
        r = routes_table(self.trips, self.scenario)
        on_way = r["swaps_en_route"]
        return {
            "depot_swaps": int(r["depot_swaps"].sum()),
            "swaps_en_route": int(on_way.sum()),
            "swaps_en_route_without_station": int(on_way[r["station"].fillna("") == ""].sum()),
        }

    def write(self, folder: str | Path) -> Path:
        """Write ``routes.csv``, ``trucks.csv``, ``trains.csv``, ``comparison.csv`` and ``day.json`` all at once.

        The routes were checked when the day was made (:func:`dispatch_day`); nothing unchecked is written.
        """
        start = self.scenario.dispatch.day_start_hour
        with atomic_folder(folder) as tmp:
            routes_table(self.trips, self.scenario).to_csv(tmp / "routes.csv", index=False)
            self.trucks().to_csv(tmp / "trucks.csv", index=False)
            trains_table(self.trains, start).to_csv(tmp / "trains.csv", index=False)
            self.comparison().to_csv(tmp / "comparison.csv", index=False)
            (tmp / "day.json").write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n", "utf-8")
        return Path(folder)


def dispatch_day(
    flows: pd.DataFrame,
    scenario: Scenario,
    basis: DayBasis,
    *,
    year: int,
    fleet: pd.DataFrame | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
    places: pd.DataFrame | None = None,
) -> DayPlan:
    """Dispatch one working day: orders, train slots, truck routes per depot, and the independent check.

    Parameters
    ----------
    flows
        The year's flows with the day inputs (:func:`aggregates.dispatch.inputs.day_flows`).
    scenario
        The plan's scenario.
    basis
        Typical or peak day (:func:`aggregates.dispatch.orders.day_basis`).
    year
        The plan year.
    fleet
        The plan's fleet table, for the comparison.
    on_progress
        Called with (parts done, parts, the last part's ``<depot>:<truck>``) at the start and after each part.
    workers
        Processes routing parts at once; the day is the same with any number.
    places
        The region's points (``id``, ``lon``, ``lat``, ``province``): the grid factor of each depot's
        province and the map of the day.

    Raises
    ------
    InfeasibleError
        When a depot cannot serve its loads (with the trucks it needs at least and its cap) or the
        check finds a broken rule, every reason in numbers.
    """
    clock0 = time.monotonic()
    orders = day_orders(flows, scenario, basis)
    trains = day_trains(flows, scenario, basis.factor)
    timed = timed_orders(orders, trains, scenario)
    _time_to_unload(timed, scenario)
    parts = part_jobs(timed, scenario.dispatch.max_loads_per_part)
    trips, failed = route_all(parts, scenario, on_progress, workers)
    problems = [explain_part(label, timed, scenario) for label in failed]
    problems += check_day(trips, timed, scenario) if not failed else []
    problems += check_trains(trains, scenario)
    if problems:
        raise InfeasibleError(
            f"day {basis.day} of {year} cannot be dispatched:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return DayPlan(
        year,
        basis,
        orders,
        trips,
        trains,
        fleet if fleet is not None else pd.DataFrame(),
        scenario,
        time.monotonic() - clock0,
        places if places is not None else pd.DataFrame(),
    )


def timed_orders(orders: pd.DataFrame, trains: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Orders split per train, with each load's window (``tw_early``, ``tw_late``: when it may be unloaded)
    and earliest departure (``release``), in minutes after the day's start.

    Delivery windows come from the access rules. The day repeats, and boxes wait in the yards:

    * a first mile feeds a train with the boxes unloaded at the loading terminal since the corridor's
      previous cut-off, so its loads are unloaded between the two cut-offs (the first train of the day
      takes the longer of the day's start to its cut-off and the last cut-off to the day's end, where
      tomorrow's first train is fed); a corridor with one train a day takes the whole day;
    * a last mile leaves once its train is unloaded; the train unloaded last serves across the day's
      start where that is the longer stretch (release 0: yesterday's train in the same slot), and so
      does a train unloaded too late for its loads to be delivered today;
    * a corridor with no train today stocks its yard (no cut-off, no release).
    """
    start = scenario.dispatch.day_start_hour
    rows = []
    for row in orders[orders["loads"] > 0].to_dict("records"):
        early, late = window_minutes(row["window"], start)
        t = trip_times(row["km"], row["truck"], scenario)
        for loads, release, (opens, closes) in _per_train(row, trains):
            done = release + t.out + t.unload
            release = release if done <= late and done + t.back <= 1440 else 0
            window = {"tw_early": max(early, opens), "tw_late": min(late, closes)}
            rows.append({**row, "loads": loads, **_yard_open(row, t, window, release, scenario)})
    columns = [*orders.columns, "tw_early", "tw_late", "release"]
    return pd.DataFrame(rows, columns=columns)


def _time_to_unload(timed: pd.DataFrame, scenario: Scenario) -> None:
    """Stop with the numbers when a load's window, cut-off and yard hours leave no time to unload it."""
    start, unload = scenario.dispatch.day_start_hour, scenario.fleet.truck_unload_minutes
    shut = timed[timed["tw_late"] - unload < timed["tw_early"]]
    if not len(shut):
        return
    lines = [
        f"{r.depot} ({r.truck}) to {r.node}: {r.loads} loads must be unloaded between "
        f"{clock(r.tw_early, start)} and {clock(r.tw_late, start)}, no time to unload ({_limits(r, scenario)})"
        for r in shut.itertuples(index=False)
    ]
    raise InfeasibleError("the day cannot be dispatched:\n" + "\n".join(f"  - {line}" for line in lines))


def _limits(r, scenario: Scenario) -> str:
    """What bounds a load's unloading: its delivery window, and for a rail leg the train and the yard."""
    window = f"delivery window {r.window or '00:00-24:00'}"
    if r.leg == "direct":
        return window
    yard = r.node if r.leg == "first_mile" else r.depot
    return f"{window}, the train's slot, yard {yard} open {scenario.dispatch.yard_window(str(yard))}"


def _yard_open(row: dict, t, window: dict, release: int, scenario: Scenario) -> dict:
    """The load's window and release inside the yard's opening hours (the longest stretch of the day):
    a first mile unloads at the loading yard while it is open, a last mile is loaded at the unloading
    yard while it is open (its trip starts no later than the close less the loading time)."""
    rule = scenario.dispatch
    if row["leg"] == "direct":
        return {**window, "release": release}
    yard = row["node"] if row["leg"] == "first_mile" else row["depot"]
    opens, closes = window_minutes(rule.yard_window(str(yard)), rule.day_start_hour)
    if row["leg"] == "first_mile":
        return {
            "tw_early": max(window["tw_early"], opens),
            "tw_late": min(window["tw_late"], closes),
            "release": release,
        }
    latest = closes - scenario.fleet.truck_load_minutes + t.out + t.unload
    return {
        "tw_early": window["tw_early"],
        "tw_late": min(window["tw_late"], round(latest)),
        "release": max(release, opens),
    }


def _per_train(row: dict, trains: pd.DataFrame) -> list[tuple[int, int, tuple[int, int]]]:
    """(loads, release, (earliest, latest) unloading) per cut-off of the load's corridor's trains."""
    mine = trains[trains["corridor"] == row["corridor"]] if row["leg"] != "direct" else trains.iloc[:0]
    if not len(mine):
        return [(int(row["loads"]), 0, (0, 1440))]
    n = len(mine)
    shares = np.full(n, row["loads"] // n) + (np.arange(n) < row["loads"] % n)
    if row["leg"] == "last_mile":
        ends = np.ceil(mine["unload_end_min"].to_numpy(float) % 1440 - 1e-9).astype(int)  # leave once unloaded
        latest = _wrapping_release(sorted(set(ends)))
        return [(int(k), 0 if e == latest else int(e), (0, 1440)) for k, e in zip(shares, ends, strict=True) if k]
    cutoffs = sorted(set(mine["cutoff_min"].astype(int)))
    per_cutoff = mine["cutoff_min"].astype(int).map(lambda c: cutoffs.index(c)).to_numpy()
    spans = _between_cutoffs(cutoffs)
    return [(int(shares[per_cutoff == i].sum()), 0, spans[i]) for i in range(len(cutoffs))]


def _wrapping_release(releases: list[int]) -> int | None:
    """The release whose boxes are collected across the day's start (so from minute 0), if any.

    The boxes of the train unloaded last serve until the first of tomorrow: from the day's start when that
    stretch (before the first release) is longer than the one after the last; always with one release.
    """
    if len(releases) == 1 or releases[0] > 1440 - releases[-1]:
        return releases[-1]
    return None


def _between_cutoffs(cutoffs: list[int]) -> list[tuple[int, int]]:
    """When a train's boxes may arrive: since the previous cut-off; the first train's span wraps the day."""
    if len(cutoffs) == 1:
        return [(0, 1440)]
    spans = [(a, b) for a, b in itertools.pairwise(cutoffs)]
    head, tail = (0, cutoffs[0]), (cutoffs[-1], 1440)
    return [max(head, tail, key=lambda s: s[1] - s[0]), *spans]


def explain_part(label: str, timed: pd.DataFrame, scenario: Scenario) -> str:
    """Why a depot's day failed, in numbers: the trucks it needs at least against its cap, or its windows."""
    depot, truck = label.split(":", 1)
    jobs = timed[(timed["depot"] == depot) & (timed["truck"] == truck)]
    jobs = jobs.loc[jobs.index.repeat(jobs["loads"])]
    need = lower_bound_trucks(jobs, scenario)
    name = {"bet": "electric", "diesel": "diesel"}.get(truck, truck)
    cap = scenario.dispatch.truck_cap.get(label)
    if cap is not None and need > cap:
        return f"{depot} needs at least {need} {name} trucks for {len(jobs)} loads, the fleet cap is {cap}"
    late = jobs[jobs["release"] > jobs["tw_late"] - scenario.fleet.truck_unload_minutes]
    if len(late):
        return f"{depot}: {len(late)} {name} loads are ready only after their delivery window closes"
    return (
        f"{depot}: no {name} schedule found for {len(jobs)} loads in the time limit (at least {need} trucks; cap {cap})"
    )
