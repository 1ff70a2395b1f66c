"""An independent check of a dispatched day: every route re-timed from the scenario, not from the solver.

It recomputes each trip's least driving, handling and swap time from the km and the scenario, simulates
each electric truck's battery and each driver's continuous driving, and checks time windows, releases
(trains unloaded), cut-offs, shifts, the day's horizon, range between swaps, breaks, yard opening hours,
one load a trip, every load delivered once, fleet caps and swap stations' swaps per hour.
:func:`check_trains` checks the trains' slots against the yards' tracks and hours. A violation is a
sentence with the truck or train and the numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.dispatch.orders import clock, cyclic_window, inside_window

SLACK = 1.0  # minutes: the solver works in whole minutes


def check_day(trips: pd.DataFrame, orders: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Every rule the day breaks, as sentences; empty when the day holds.

    Parameters
    ----------
    trips
        One row per truck trip (``routes.csv`` before formatting): truck, depot, type, node, times in
        minutes after the day's start, km, en-route swaps and station, the load's window and release.
    orders
        The day's orders (``depot``, ``truck``, ``node``, ``loads``), to check every load is delivered.
    scenario
        Speeds, handling and swap minutes, range, shifts and the ``dispatch`` caps.
    """
    problems = []
    for truck, day in trips.sort_values(["truck", "start_min"], kind="mergesort").groupby("truck", sort=True):
        problems += _truck_day(str(truck), day, scenario)
    problems += _yard_hours(trips, scenario)
    problems += _delivered(trips, orders)
    problems += _caps(trips, scenario)
    problems += _stations(trips, scenario)
    return problems


def _truck_day(truck: str, day: pd.DataFrame, scenario: Scenario) -> list[str]:
    f = scenario.fleet
    out = []
    hours = f.shift_hours * f.shifts_per_day * 60.0
    span = float(day["back_min"].max() - day["start_min"].min())
    if span > hours + SLACK:
        out.append(f"{truck}: works {span / 60:.1f} h, more than its {hours / 60:g} h day")
    if day["start_min"].min() < -SLACK or day["back_min"].max() > 1440 + SLACK:
        out.append(f"{truck}: leaves the day ({day['start_min'].min():.0f}-{day['back_min'].max():.0f} min)")
    backs = day["back_min"].to_numpy()[:-1]
    starts = day["start_min"].to_numpy()[1:]
    if (starts < backs - SLACK).any():
        out.append(f"{truck}: starts a trip before it is back from the last")
    swaps = _battery(day, scenario) if day["type"].iat[0] == "bet" else [0] * len(day)
    if isinstance(swaps, str):
        return [*out, f"{truck}: {swaps}"]
    for row, depot_swap in zip(day.itertuples(index=False), swaps, strict=True):
        out += [f"{truck} trip {row.trip}: {p}" for p in _trip(row, depot_swap, scenario)]
    return out + _rests(truck, day, scenario)


def _rests(truck: str, day: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Continuous driving re-simulated over the truck's day: any stop of at least ``break_minutes`` (idle at
    the depot, loading, swapping at the depot, waiting, unloading) ends a stretch; the trip's breaks are
    taken as late as the rule allows, and a trip needing more than it has breaks the rule."""
    f, rule = scenario.fleet, scenario.dispatch
    limit, rest = rule.break_after_driving_h * 60.0, rule.break_minutes
    swap = scenario.trucks.bet.swap_minutes if day["type"].iat[0] == "bet" else 0.0
    out, driven, back = [], 0.0, -math.inf
    for row in day.itertuples(index=False):
        drive_out = row.km_loaded / f.truck_speed_loaded_kmh * 60.0
        drive_back = row.km_empty / f.truck_speed_empty_kmh * 60.0
        stop = (row.start_min - back) + (row.arrive_min - row.start_min) - drive_out
        stop -= row.swaps_en_route * swap + row.breaks_out * rest
        driven = 0.0 if stop >= rest - SLACK else driven
        driven, need = _drive(driven, drive_out, limit)
        if need > row.breaks_out:
            out.append(_rest_note(truck, row, f"to {row.node}", need, row.breaks_out, scenario))
        stop = (row.back_min - row.arrive_min) - drive_back - row.breaks_back * rest
        driven = 0.0 if stop >= rest - SLACK else driven
        driven, need = _drive(driven, drive_back, limit)
        if need > row.breaks_back:
            out.append(_rest_note(truck, row, "back", need, row.breaks_back, scenario))
        back = row.back_min
    return out


def _drive(driven: float, minutes: float, limit: float) -> tuple[float, int]:
    """Driving since the last rest after driving ``minutes`` more, and the breaks that takes at least."""
    total = driven + minutes
    need = max(math.ceil(total / limit - 1e-9) - 1, 0)
    return total - need * limit, need


def _rest_note(truck: str, row, where: str, need: int, has: int, scenario: Scenario) -> str:
    rule = scenario.dispatch
    return (
        f"{truck} trip {row.trip}: drives {where} with {has} break(s), the rule needs {need} "
        f"({rule.break_minutes:g} min after {rule.break_after_driving_h:g} h of driving)"
    )


def _yard_hours(trips: pd.DataFrame, scenario: Scenario) -> list[str]:
    """First miles unload at the loading yard, last miles load at the unloading yard, only while it is open."""
    f, rule = scenario.fleet, scenario.dispatch
    out = []
    for row in trips[trips["leg"].isin(["first_mile", "last_mile"])].itertuples(index=False):
        first = row.leg == "first_mile"
        yard, begin = (row.node, row.unload_min) if first else (row.depot, row.start_min)
        minutes = f.truck_unload_minutes if first else f.truck_load_minutes
        hours = rule.yard_window(str(yard))
        if not inside_window(begin, minutes, cyclic_window(hours, rule.day_start_hour)):
            what = "unloads at" if first else "collects at"
            out.append(
                f"{row.truck} trip {row.trip}: {what} yard {yard} at {clock(begin, rule.day_start_hour)}, "
                f"outside its hours {hours}"
            )
    return out


def check_trains(trains: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Every rule the day's trains break, as sentences: run times, unloading after arrival, the yards'
    opening hours (``dispatch.yard_hours``) and trains at once (``dispatch.yard_trains_at_once``)."""
    f, rule = scenario.fleet, scenario.dispatch
    load, unload = f.train_loading_hours * 60.0, f.train_unloading_hours * 60.0
    out = []
    for t in trains.itertuples(index=False):
        run = t.km_rail / scenario.rail.speed_kmh * 60.0
        if t.depart_min - t.load_start_min < load - SLACK or t.arrive_min - t.depart_min < run - SLACK:
            out.append(f"train {t.train}: loaded or run faster than {load:.0f} + {run:.0f} min")
        if t.unload_start_min < t.arrive_min - SLACK or t.unload_end_min - t.unload_start_min < unload - SLACK:
            out.append(f"train {t.train}: unloaded before it arrives or in less than {unload:.0f} min")
        for yard, begin, minutes in ((t.loading, t.load_start_min, load), (t.unloading, t.unload_start_min, unload)):
            hours = rule.yard_window(str(yard))
            if not inside_window(begin, minutes, cyclic_window(hours, rule.day_start_hour)):
                out.append(f"train {t.train}: at yard {yard} at {clock(begin, rule.day_start_hour)}, outside {hours}")
    for column, start, minutes in (("loading", "load_start_min", load), ("unloading", "unload_start_min", unload)):
        for yard, group in trains.groupby(column, sort=True):
            n = _at_once(group[start].to_numpy(float), minutes)
            if n > rule.yard_trains_at_once:
                out.append(f"yard {yard} {column} {n} trains at once, it has {rule.yard_trains_at_once} track(s)")
    return out


def _at_once(starts: np.ndarray, minutes: float) -> int:
    """Most daily slots overlapping at one time of day (each slot repeats every 1,440 minutes)."""
    s = starts % 1440.0
    return max((int((((a - s) % 1440.0) < minutes - SLACK).sum()) for a in s), default=0)


def _trip(row, depot_swap: int, scenario: Scenario) -> list[str]:
    f, bet = scenario.fleet, scenario.trucks.bet
    out = []
    least_out = (
        f.truck_load_minutes
        + row.km_loaded / f.truck_speed_loaded_kmh * 60.0
        + (row.swaps_en_route + depot_swap) * (bet.swap_minutes if row.type == "bet" else 0.0)
        + row.breaks_out * scenario.dispatch.break_minutes
    )
    if row.arrive_min - row.start_min < least_out - SLACK:
        out.append(f"reaches {row.node} in {row.arrive_min - row.start_min:.0f} min, it takes {least_out:.0f}")
    least_back = (
        f.truck_unload_minutes
        + row.km_empty / f.truck_speed_empty_kmh * 60.0
        + row.breaks_back * scenario.dispatch.break_minutes
    )
    if row.back_min - row.unload_min < least_back - SLACK:
        out.append(f"is back {row.back_min - row.unload_min:.0f} min after unloading, it takes {least_back:.0f}")
    if row.unload_min < row.arrive_min - SLACK:
        out.append("unloads before it arrives")
    if row.unload_min < row.tw_early - SLACK or row.unload_min + f.truck_unload_minutes > row.tw_late + SLACK:
        out.append(
            f"unloads at {row.node} at minute {row.unload_min:.0f}, outside its window {row.tw_early}-{row.tw_late}"
        )
    if row.start_min < row.release - SLACK:
        out.append(f"leaves at minute {row.start_min:.0f}, before its load is ready at {row.release}")
    return out


def _battery(day: pd.DataFrame, scenario: Scenario) -> list[int] | str:
    """Depot swaps trip by trip: swap before a trip whose first stretch the charge left cannot cover."""
    full = scenario.trucks.bet.range_km
    charge, swaps = full, []
    for row in day.itertuples(index=False):
        km = row.km_loaded + row.km_empty
        stretch = km / (row.swaps_en_route + 1)
        if stretch > full + 1e-6:
            return (
                f"trip {row.trip} drives {stretch:.0f} km between swaps, the range is {full:g} km "
                f"({row.swaps_en_route} swap(s) on the way)"
            )
        swap = int(charge < stretch - 1e-6)
        charge = (full if swap else charge) - stretch
        if row.swaps_en_route:
            charge = full - stretch
        swaps.append(swap)
    return swaps


def _delivered(trips: pd.DataFrame, orders: pd.DataFrame) -> list[str]:
    want = orders.groupby(["depot", "truck", "node"])["loads"].sum()
    got = trips.groupby(["depot", "type", "node"]).size()
    got.index = got.index.set_names(["depot", "truck", "node"])
    both = pd.concat([want.rename("want"), got.rename("got")], axis=1).fillna(0)
    bad = both[both["want"] != both["got"]]
    return [f"{d} ({t}) to {n}: {int(r.got)} loads delivered, {int(r.want)} ordered" for (d, t, n), r in bad.iterrows()]


def _caps(trips: pd.DataFrame, scenario: Scenario) -> list[str]:
    out = []
    for key, cap in sorted(scenario.dispatch.truck_cap.items()):
        depot, truck = key.split(":", 1)
        used = trips.loc[(trips["depot"] == depot) & (trips["type"] == truck), "truck"].nunique()
        if used > cap:
            out.append(f"{depot} uses {used} {truck} trucks, the fleet cap is {cap}")
    return out


def _stations(trips: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Swaps at each station per clock hour (at the middle of the loaded run) against its capacity."""
    s = trips[(trips["swaps_en_route"] > 0) & (trips["station"] != "")]
    if not len(s):
        return []
    hour = ((s["start_min"] + s["arrive_min"]) / 2 // 60).astype(int)
    load = s.assign(hour=hour).groupby(["station", "hour"])["swaps_en_route"].sum()
    cap = scenario.dispatch.swaps_per_station_hour
    return [
        f"swap station {st} is over capacity in hour {h}: {int(n)} swaps, {math.floor(cap)} an hour"
        for (st, h), n in load.items()
        if n > cap + 1e-9
    ]


def depot_swaps(day: pd.DataFrame, scenario: Scenario) -> list[int]:
    """Depot swaps of one electric truck's trips in order (0 or 1 each), by the battery simulation.

    Raises
    ------
    ValueError
        When a stretch between swaps is longer than the range.
    """
    swaps = _battery(day, scenario)
    if isinstance(swaps, str):
        raise ValueError(swaps)
    return swaps
