"""Trucks of the day: each depot's loads routed with PyVRP as multi-trip round trips.

Every load is one client of capacity one truckload, so a truck's day is a chain of out-and-back trips
from its depot (PyVRP reloads). What PyVRP cannot express is modelled explicitly in the trip times: an
electric truck's trip longer than its range passes swap stations on the way (``ceil(2 km / range) - 1``
swaps), and every electric trip reserves one swap at the depot, used only when the battery needs it
(:mod:`aggregates.dispatch.check` re-simulates the battery and checks every route). A driver rests
``dispatch.break_minutes`` after ``dispatch.break_after_driving_h`` of continuous driving: the breaks a
trip's drives need are in its times (a stop at least that long, loading or unloading, ends a stretch).
A big depot is routed in parts, and the parts' trucks are pooled afterwards (:func:`chain_parts`).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from aggregates.config import Scenario

log = logging.getLogger(__name__)
TRUCK_COST = 5_000  # a truck outweighs any km saving (trips are out-and-back: km are fixed); larger costs swamp PyVRP's penalties
NEVER = 100_000  # client to client: never used (one truckload a trip)
TRIP_COLUMNS = (
    "truck",
    "depot",
    "type",
    "trip",
    "leg",
    "node",
    "load",
    "start_min",
    "arrive_min",
    "unload_min",
    "back_min",
    "wait_min",
    "km_loaded",
    "km_empty",
    "swaps_en_route",
    "station",
    "breaks_out",
    "breaks_back",
    "tw_early",
    "tw_late",
    "release",
)


@dataclass(frozen=True)
class TripTimes:
    """Minutes of one load's trip: out (load, drive loaded, swaps, breaks), unload, back empty (breaks)."""

    out: int
    unload: int
    back: int
    swaps: int
    breaks_out: int = 0
    breaks_back: int = 0


def trip_times(km: float, truck: str, scenario: Scenario) -> TripTimes:
    """The minutes of a round trip of ``km`` each way, with en-route swaps, the depot swap reserved and the
    drivers' breaks."""
    f, bet, rule = scenario.fleet, scenario.trucks.bet, scenario.dispatch
    swaps = max(math.ceil(2 * km / bet.range_km - 1e-9) - 1, 0) if truck == "bet" else 0
    reserve = bet.swap_minutes if truck == "bet" else 0.0
    drive_out, drive_back = km / f.truck_speed_loaded_kmh * 60.0, km / f.truck_speed_empty_kmh * 60.0
    breaks_out, breaks_back = trip_breaks(drive_out, drive_back, scenario)
    # A trip starts rested: its loading stop (with the depot swap) is a break, topped up where it is shorter.
    rest_at_load = max(rule.break_minutes - f.truck_load_minutes - reserve, 0.0)
    out = (
        f.truck_load_minutes
        + rest_at_load
        + drive_out
        + swaps * bet.swap_minutes
        + reserve
        + breaks_out * rule.break_minutes
    )
    back = drive_back + breaks_back * rule.break_minutes
    return TripTimes(round(out), round(f.truck_unload_minutes), round(back), swaps, breaks_out, breaks_back)


def trip_breaks(drive_out: float, drive_back: float, scenario: Scenario) -> tuple[int, int]:
    """Breaks a rested driver takes on the way out and back: one each time continuous driving reaches
    ``dispatch.break_after_driving_h``; unloading ends a stretch when it is at least ``break_minutes``."""
    rule = scenario.dispatch
    limit = rule.break_after_driving_h * 60.0
    out = max(math.ceil(drive_out / limit - 1e-9) - 1, 0)
    driven = drive_out - out * limit  # since the last break, taken as late as the rule allows
    if scenario.fleet.truck_unload_minutes >= rule.break_minutes:
        driven = 0.0
    back = max(math.ceil((driven + drive_back) / limit - 1e-9) - 1, 0)
    return out, back


def part_jobs(orders: pd.DataFrame, limit: int) -> list[pd.DataFrame]:
    """One job a load, grouped into parts of at most ``limit`` loads per depot and truck type."""
    jobs = orders.loc[orders.index.repeat(orders["loads"])].reset_index(drop=True)
    jobs = jobs.sort_values(["depot", "truck", "node", "tw_late", "release"], kind="mergesort").reset_index(drop=True)
    parts = []
    for _, group in jobs.groupby(["depot", "truck"], sort=True):
        n = -(-len(group) // limit)
        # Dealt round-robin, so that every part mixes destinations and windows as the whole depot does:
        # a truck's day pairs a night delivery with day trips only if both are in its part.
        deal = np.arange(len(group)) % n
        parts += [group[deal == k].reset_index(drop=True) for k in range(n)]
    return parts


def route_part(
    jobs: pd.DataFrame, scenario: Scenario, cap: int | None, time_limit: float, prefix: str
) -> tuple[pd.DataFrame, bool]:
    """Route one part's loads; the trips (:data:`TRIP_COLUMNS`, trucks named ``<prefix>.<n>``) and whether
    PyVRP found a feasible day."""
    model, times = _model(jobs, scenario, cap)
    with warnings.catch_warnings():
        # An infeasible part drives PyVRP's penalties to their bound; the day reports it in numbers instead.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = model.solve(MaxRuntime(time_limit), seed=scenario.dispatch.seed, display=False)
    trips = _trips(result.best, jobs, times, prefix)
    return trips, bool(result.is_feasible())


def _model(jobs: pd.DataFrame, scenario: Scenario, cap: int | None) -> tuple[pyvrp.Model, list[TripTimes]]:
    m = pyvrp.Model()
    home = m.add_location(0, 0, name=str(jobs.at[0, "depot"]))
    depot = m.add_depot(home, tw_early=0, tw_late=1440)
    sites: dict[tuple, tuple] = {}
    times = []
    for row in jobs.itertuples(index=False):
        key = (row.node, round(row.km, 3))
        if key not in sites:
            t = trip_times(row.km, row.truck, scenario)
            sites[key] = (m.add_location(len(sites) + 1, 0, name=str(row.node)), t, row.km)
        loc, t, _km = sites[key]
        times.append(t)
        m.add_client(
            loc,
            delivery=[1],
            service_duration=t.unload,
            tw_early=int(row.tw_early),
            tw_late=int(row.tw_late) - t.unload,
            release_time=int(row.release),
        )
    _edges(m, home, sites)
    hours = scenario.fleet.shift_hours * scenario.fleet.shifts_per_day
    m.add_vehicle_type(
        num_available=cap if cap is not None else len(jobs),
        capacity=[1],
        start_depot=depot,
        end_depot=depot,
        fixed_cost=TRUCK_COST,
        tw_early=0,
        tw_late=1440,
        shift_duration=int(hours * 60),
        reload_depots=[depot],
    )
    return m, times


def _edges(m: pyvrp.Model, home, sites: dict) -> None:
    m.add_edge(home, home, 0, 0)
    km_scale = 10  # PyVRP distances are integers: 0.1 km
    for loc, t, km in sites.values():
        d = round(km * km_scale)
        m.add_edge(home, loc, d, t.out)
        m.add_edge(loc, home, d, t.back)
        for other, _, _ in sites.values():
            m.add_edge(loc, other, 0 if other is loc else NEVER, 0 if other is loc else NEVER)


def _trips(solution, jobs: pd.DataFrame, times: list[TripTimes], prefix: str) -> pd.DataFrame:
    rows = []
    for n, route in enumerate(solution.routes()):
        trip = 0
        for act in route.schedule():
            if not act.is_client():
                continue
            trip += 1
            rows.append(_trip_row(jobs.iloc[act.idx], times[act.idx], act, f"{prefix}.{n + 1}", trip))
    return pd.DataFrame(rows, columns=list(TRIP_COLUMNS))


def _trip_row(job, t: TripTimes, act, truck_id: str, trip: int) -> dict:
    arrive = act.start_time - act.wait_duration
    return {
        "truck": truck_id,
        "depot": job["depot"],
        "type": job["truck"],
        "trip": trip,
        "leg": job["leg"],
        "node": job["node"],
        "load": f"{job['node']}@{job['corridor'] or job['depot']}",
        "start_min": arrive - t.out,
        "arrive_min": arrive,
        "unload_min": act.start_time,
        "back_min": act.start_time + t.unload + t.back,
        "wait_min": act.wait_duration,
        "km_loaded": float(job["km"]),
        "km_empty": float(job["km"]),
        "swaps_en_route": t.swaps,
        "station": job["station"] if t.swaps else "",
        "breaks_out": t.breaks_out,
        "breaks_back": t.breaks_back,
        "tw_early": int(job["tw_early"]),
        "tw_late": int(job["tw_late"]),
        "release": int(job["release"]),
    }


def route_all(
    jobs_parts: list[pd.DataFrame],
    scenario: Scenario,
    on_progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
) -> tuple[pd.DataFrame, list[str]]:
    """Route every part; the trips and the parts PyVRP could not make feasible.

    Parts are independent and seeded, so ``workers`` processes give the same day as one, in part order.
    """
    tasks = _tasks(jobs_parts, scenario)
    if on_progress is not None:
        on_progress(0, len(tasks), tasks[0][4] if tasks else "done")
    trips, failed = [], []
    with _pool(workers, len(tasks)) as pool:
        for k, (part, ok, label) in enumerate(pool.map(_route_task, tasks)):
            trips.append(part)
            if not ok:
                failed.append(label)
            if on_progress is not None:
                on_progress(k + 1, len(tasks), label)
    out = pd.concat(trips, ignore_index=True) if trips else pd.DataFrame(columns=list(TRIP_COLUMNS))
    return chain_parts(out, scenario), sorted(set(failed))


def chain_parts(trips: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The trucks of a depot's routing parts pooled: a truck back from one route drives another part's
    route after it, when that route may start then and both fit in the truck's working day
    (``fleet.shift_hours`` x ``shifts_per_day``).

    A route moves as a whole, earlier or later, only as far as every load it carries allows: leaving
    after its release, unloading inside its window (the access rules, the train's cut-off and the yard's
    hours are in it) and back by the day's end; a route passing a swap station keeps its times (the
    stations' swaps per hour were planned with them). Routes are taken by their latest possible start,
    each by the truck back last before it can start (the least idle time), else by a truck of its own
    leaving as early as the route may. Trucks are named ``<depot>:<type>.<n>`` in order of their first start.
    """
    if not len(trips):
        return trips
    day_minutes = scenario.fleet.shift_hours * scenario.fleet.shifts_per_day * 60.0
    routes = _route_bounds(trips, scenario.fleet.truck_unload_minutes)
    number: dict[str, int] = {}
    moved: dict[str, int] = {}
    for _, group in routes.groupby(["depot", "type"], sort=True):
        group = group.sort_values(["latest", "earliest"], kind="mergesort")
        lengths = (group["last"] - group["first"]).to_numpy(float)
        chains, begins, opened = _chain(
            group["earliest"].to_numpy(float), group["latest"].to_numpy(float), lengths, day_minutes
        )
        rank = np.empty(len(opened), dtype=int)
        rank[np.lexsort((np.arange(len(opened)), opened))] = np.arange(1, len(opened) + 1)
        for route, chain, begin, first in zip(group.index, chains, begins, group["first"], strict=True):
            number[route] = int(rank[chain])
            moved[route] = round(begin - first)
    shift = trips["truck"].map(moved)
    out = trips.assign(
        **{c: trips[c] + shift for c in ("start_min", "arrive_min", "unload_min", "back_min")},
        n=trips["truck"].map(number),
    )
    out = out.sort_values(["depot", "type", "n", "start_min"], kind="mergesort").reset_index(drop=True)
    out["truck"] = out["depot"] + ":" + out["type"] + "." + out["n"].astype(str)
    out["trip"] = out.groupby("truck").cumcount() + 1
    return out.drop(columns="n")


def _route_bounds(trips: pd.DataFrame, unload_minutes: float) -> pd.DataFrame:
    """Per truck of a part: depot, type, first start, last return, and the earliest and latest start its
    loads allow the whole route (both its own start when it passes a swap station)."""
    early = np.maximum.reduce(
        [trips["release"] - trips["start_min"], trips["tw_early"] - trips["unload_min"], -trips["start_min"]]
    )
    late = np.minimum(
        np.floor(trips["tw_late"] - unload_minutes - trips["unload_min"] + 1e-9), 1440 - trips["back_min"]
    )
    swaps = trips["swaps_en_route"] > 0
    bounds = trips.assign(early=np.where(swaps, 0, np.minimum(early, 0)), late=np.where(swaps, 0, np.maximum(late, 0)))
    routes = bounds.groupby("truck", sort=True).agg(
        depot=("depot", "first"),
        type=("type", "first"),
        first=("start_min", "min"),
        last=("back_min", "max"),
        early=("early", "max"),
        late=("late", "min"),
    )
    return routes.assign(earliest=routes["first"] + routes["early"], latest=routes["first"] + routes["late"])


def _chain(
    earliest: np.ndarray, latest: np.ndarray, lengths: np.ndarray, day_minutes: float
) -> tuple[list[int], list[float], np.ndarray]:
    """The truck and the start of each route, routes in the order given: the truck back last among those
    the route can follow (start by its latest, end within the truck's day from its first start); else a
    new truck, starting the route at its earliest. Also each truck's first start."""
    firsts, backs = np.empty(len(earliest)), np.empty(len(earliest))
    trucks, chains, begins = 0, [], []
    for a, b, length in zip(earliest, latest, lengths, strict=True):
        begin = np.maximum(backs[:trucks], a)
        fits = np.flatnonzero((begin <= b) & (begin + length - firsts[:trucks] <= day_minutes))
        if len(fits):
            k = int(fits[np.argmax(backs[fits])])
            start = float(begin[k])
        else:
            k, trucks, start = trucks, trucks + 1, float(a)
            firsts[k] = start
        backs[k] = start + length
        chains.append(k)
        begins.append(start)
    return chains, begins, firsts[:trucks]


def _tasks(jobs_parts: list[pd.DataFrame], scenario: Scenario) -> list[tuple]:
    caps, seen, tasks = scenario.dispatch.truck_cap, {}, []
    for jobs in jobs_parts:
        label = f"{jobs.at[0, 'depot']}:{jobs.at[0, 'truck']}"
        seen[label] = seen.get(label, 0) + 1
        prefix = label if seen[label] == 1 else f"{label}/{seen[label]}"
        tasks.append((jobs, scenario, caps.get(label), prefix, label))
    return tasks


def _route_task(task: tuple) -> tuple[pd.DataFrame, bool, str]:
    jobs, scenario, cap, prefix, label = task
    part, ok = route_part(jobs, scenario, cap, scenario.dispatch.time_limit_s, prefix)
    return part, ok, label


class _Serial:
    """``map`` in this process, for one worker (no process start-up)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def map(self, fn, items):
        """``fn`` over ``items``, lazily and in order, as ``Executor.map``."""
        return map(fn, items)


def _pool(workers: int, tasks: int):
    if workers <= 1 or tasks <= 1:
        return _Serial()
    return ProcessPoolExecutor(max_workers=min(workers, tasks), mp_context=multiprocessing.get_context("spawn"))


def lower_bound_trucks(jobs: pd.DataFrame, scenario: Scenario) -> int:
    """Trucks the loads need at least: their truck-minutes over one truck's working day."""
    minutes = sum(
        (t.out + t.unload + t.back) * n
        for (km, truck), n in jobs.groupby(["km", "truck"]).size().items()
        for t in [trip_times(km, truck, scenario)]
    )
    return int(np.ceil(minutes / (scenario.fleet.shift_hours * scenario.fleet.shifts_per_day * 60.0) - 1e-9))
