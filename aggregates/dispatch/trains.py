"""Trains of the day: per rail corridor the day's trains, their slots, and the trainsets that run them.

The day is a steady state: what a train unloads today at 02:00 the last-mile trucks collect today, as
they would collect yesterday's 02:00 train. Slots are placed by a greedy rule, unloading first:

* each unloading yard's trains get unloading slots spread evenly over its opening hours (corridors
  interleaved), or packed track by track where even spacing would put more than
  ``dispatch.yard_trains_at_once`` trains on the yard at once;
* each train is loaded so that it arrives at its slot (loading start = slot - run - loading hours); where
  the loading yard has no free track or is closed then, it is loaded at the latest earlier time that fits
  (trains in turn by the time of day of their ideal start), or, where that waits longer in all, in slots
  packed back to back on each track and given to the trains by an assignment of least waiting; it waits
  at the unloading yard (``wait_min``, the only waiting the rule leaves); where that waits longer in all
  than unloading each train at the first free track after it arrives, the yard does that instead;
* each corridor's trains are run by trainsets that cycle: load, run loaded, wait, unload, dwell
  (``fleet.terminal_dwell_hours``), run back empty at ``rail.speed_kmh``, then take the corridor's next
  train at the loading yard. Which train a trainset takes next is the assignment with the least idle time
  (:func:`scipy.optimize.linear_sum_assignment`), so the trainsets are the fewest this timetable needs;
  the day repeats, so a trainset ends the day where tomorrow's train it runs needs it.

All times are minutes after the day's start; slots repeat daily, so a slot may run past 1,440.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from aggregates.config import Scenario
from aggregates.dispatch.orders import cyclic_window, inside_window, largest_remainder
from aggregates.errors import InfeasibleError
from aggregates.vocab import RAIL_CHAINS

DAY = 1440
TRAIN_COLUMNS = (
    "train",
    "corridor",
    "loading",
    "unloading",
    "km_rail",
    "cutoff_min",
    "load_start_min",
    "depart_min",
    "arrive_min",
    "unload_start_min",
    "unload_end_min",
    "wait_min",
    "trainset",
)


def day_trains(flows: pd.DataFrame, scenario: Scenario, factor: float) -> pd.DataFrame:
    """The day's trains with their slots (minutes after the day's start) and trainsets, one row per train.

    Parameters
    ----------
    flows
        One year of the plan's flows (rail chains carry ``loading_terminal``, ``unloading_terminal``,
        ``km_rail``, ``tonnes``).
    scenario
        ``rail.net_t_per_train``, ``rail.operating_days``, ``rail.speed_kmh``, the ``fleet`` loading,
        unloading and dwell hours, ``dispatch.yard_trains_at_once`` and ``dispatch.yard_hours``.
    factor
        The day's tonnes per typical day.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRAIN_COLUMNS`; ``cutoff_min`` is when the train's boxes must be in the yard
        (its loading start, 0-1,439), ``wait_min`` the time it waits for its unloading slot, ``trainset``
        the number (from 1 within the corridor) of the trainset that runs it.

    Raises
    ------
    InfeasibleError
        When a yard gets more trains than its tracks and opening hours can load or unload, in numbers.
    """
    corridors = _corridors(flows, scenario, factor)
    if not len(corridors) or not corridors["trains"].sum():
        return pd.DataFrame(columns=list(TRAIN_COLUMNS))
    trains = corridors.loc[corridors.index.repeat(corridors["trains"])].reset_index(drop=True)
    trains["train"] = [
        f"{c}#{i + 1}" for c, i in zip(trains["corridor"], trains.groupby("corridor").cumcount(), strict=True)
    ]
    trains["run_min"] = trains["km_rail"] / scenario.rail.speed_kmh * 60.0
    slot = _unloading_slots(trains, scenario)
    load_start, wait = _loading_slots(trains, slot, scenario)
    f = scenario.fleet
    trains["load_start_min"] = load_start
    trains["cutoff_min"] = load_start
    trains["depart_min"] = load_start + f.train_loading_hours * 60.0
    trains["arrive_min"] = trains["depart_min"] + trains["run_min"]
    trains["wait_min"] = _less_waiting(trains, wait, scenario)
    trains["unload_start_min"] = trains["arrive_min"] + trains["wait_min"]
    trains["unload_end_min"] = trains["unload_start_min"] + f.train_unloading_hours * 60.0
    trains["trainset"] = _trainsets(trains, scenario)
    return trains[list(TRAIN_COLUMNS)].round(1)


def _corridors(flows: pd.DataFrame, scenario: Scenario, factor: float) -> pd.DataFrame:
    r = flows[flows["chain"].isin(RAIL_CHAINS) & (flows["tonnes"] > 0)]
    if not len(r):
        return pd.DataFrame()
    r = r.assign(corridor=r["loading_terminal"] + "->" + r["unloading_terminal"], tkm=r["tonnes"] * r["km_rail"])
    c = r.groupby(["corridor", "loading_terminal", "unloading_terminal"], sort=True)[["tonnes", "tkm"]].sum()
    c = c.reset_index().rename(columns={"loading_terminal": "loading", "unloading_terminal": "unloading"})
    c["km_rail"] = c["tkm"] / c["tonnes"]
    exact = c["tonnes"] / scenario.rail.net_t_per_train / scenario.rail.operating_days * factor
    c["exact"] = exact
    c["trains"] = largest_remainder(exact.to_numpy())
    return c


def most_at_once(starts: np.ndarray | list[float], minutes: float) -> int:
    """The most of these daily slots (each ``minutes`` long from a start) that overlap at any time of day."""
    s = np.asarray(starts, float) % DAY
    if not len(s):
        return 0
    if minutes >= DAY:
        return len(s)
    return int(max((((a - s) % DAY) < minutes - 1e-6).sum() for a in s))


def _unloading_slots(trains: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Each train's unloading start: spread evenly over the yard's hours, corridors interleaved."""
    hours = scenario.fleet.train_unloading_hours * 60.0
    tracks = scenario.dispatch.yard_trains_at_once
    slot = np.zeros(len(trains))
    turn = trains.groupby("corridor").cumcount()
    for yard, group in trains.groupby("unloading", sort=True):
        order = group.assign(turn=turn[group.index]).sort_values(["turn", "corridor"], kind="mergesort").index
        window = cyclic_window(scenario.dispatch.yard_window(str(yard)), scenario.dispatch.day_start_hour)
        slot[order] = _spread(len(order), window, hours, tracks, f"unloading yard {yard}")
    return slot


def _spread(n: int, window: tuple[int, int], minutes: float, tracks: int, what: str) -> np.ndarray:
    """``n`` slot starts of ``minutes`` in a daily ``window``: evenly spaced, else packed by track."""
    start, length = window
    step = DAY / n if length >= DAY else (length - minutes) / max(n - 1, 1)
    even = start + np.floor(np.arange(n) * step)
    if step >= 0 and most_at_once(even, minutes) <= tracks:
        return even
    per_track = math.floor(length / minutes)
    if n > tracks * per_track:
        hours = "round the clock" if length >= DAY else f"{length / 60:.3g} h a day"
        raise InfeasibleError(
            f"{what} gets {n} trains a day; its {tracks} track(s) open {hours} handle at most "
            f"{tracks * per_track} ({minutes / 60:g} h a train): add tracks (dispatch.yard_trains_at_once) "
            "or hours (dispatch.yard_hours)"
        )
    return start + (np.arange(n) // tracks) * minutes


def _loading_slots(trains: pd.DataFrame, slot: np.ndarray, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Loading starts (0-1,439) and waits at the unloading yard: as late as the loading yard allows."""
    hours = scenario.fleet.train_loading_hours * 60.0
    tracks = scenario.dispatch.yard_trains_at_once
    arrival = slot - trains["run_min"].to_numpy(float) - hours  # loading start to arrive at the slot
    ideal = np.floor(arrival)  # whole minutes: a fraction of a minute early
    start, wait = np.zeros(len(trains)), np.zeros(len(trains))
    for yard, group in trains.groupby("loading", sort=True):
        window = cyclic_window(scenario.dispatch.yard_window(str(yard)), scenario.dispatch.day_start_hour)
        order = sorted(group.index, key=lambda j: (ideal[j] % DAY, j))
        shifts = _least_waiting(ideal[order], window, hours, tracks, f"loading yard {yard}")
        for i, shift in zip(order, shifts, strict=True):
            start[i], wait[i] = (ideal[i] - shift) % DAY, arrival[i] - ideal[i] + shift
    return start, wait


def _least_waiting(ideal: np.ndarray, window: tuple[int, int], minutes: float, tracks: int, what: str) -> np.ndarray:
    """How long before its ideal start each train is loaded: the greedy rule's or the packed slots',
    whichever waits less in all (the greedy's on a tie)."""
    greedy = _greedy_shifts(ideal, window, minutes, tracks)
    if greedy is not None and not sum(greedy):
        return np.asarray(greedy, float)
    try:
        packed = _packed_shifts(ideal, window, minutes, tracks, what)
    except InfeasibleError:
        if greedy is None:
            raise
        return np.asarray(greedy, float)
    return packed if greedy is None or packed.sum() < sum(greedy) - 1e-9 else np.asarray(greedy, float)


def _greedy_shifts(ideal: np.ndarray, window: tuple[int, int], minutes: float, tracks: int) -> list[float] | None:
    """Each train's slot as late as fits before its ideal start, in turn; None when one does not fit."""
    placed: list[float] = []
    shifts = []
    for want in ideal:
        shift = _latest_fit(want, placed, window, minutes, tracks)
        if shift is None:
            return None
        placed.append(want - shift)
        shifts.append(shift)
    return shifts


def _packed_shifts(ideal: np.ndarray, window: tuple[int, int], minutes: float, tracks: int, what: str) -> np.ndarray:
    """Slots packed back to back on each track, each train given one before its ideal start with the least
    waiting in all (an assignment, over the tracks' possible first slots); for a yard the greedy rule
    leaves too fragmented to take all its trains.

    Raises
    ------
    InfeasibleError
        When the tracks' slots in the opening hours are fewer than the trains.
    """
    per_track = math.floor(window[1] / minutes)
    if len(ideal) > tracks * per_track:
        raise InfeasibleError(
            f"{what} gets {len(ideal)} trains a day; its {tracks} track(s) open {window[1] / 60:.3g} h a day "
            f"handle at most {tracks * per_track} ({minutes / 60:g} h a train)"
        )
    if window[1] >= DAY:
        firsts = sorted({float(x % minutes) for x in ideal})
    else:
        slack = window[1] - per_track * minutes
        firsts = sorted({window[0] + slack * q for q in (0.0, 0.25, 0.5, 0.75, 1.0)})
    best = None
    for anchors in itertools.combinations_with_replacement(firsts, tracks):
        slots = np.concatenate([a + np.arange(per_track) * minutes for a in anchors])
        early = (ideal[:, None] - slots[None, :]) % DAY
        rows, cols = linear_sum_assignment(early)
        shifts = early[rows, cols][np.argsort(rows)]
        if most_at_once(ideal - shifts, minutes) <= tracks and (best is None or shifts.sum() < best.sum() - 1e-9):
            best = shifts
    if best is None:
        raise InfeasibleError(f"{what} gets {len(ideal)} trains a day and no slots for them fit its tracks")
    return best


def _latest_fit(ideal: float, placed: list[float], window: tuple[int, int], minutes: float, tracks: int):
    """How long before ``ideal`` the latest slot starts that fits the yard's hours and tracks, or None.

    The latest fit is ``ideal`` itself or ends where another slot starts or where the yard closes.
    """
    close = window[0] + window[1]
    candidates = [ideal, *(p - minutes for p in placed), close - minutes]
    for shift in sorted({round((ideal - c) % DAY, 6) for c in candidates}):
        t = ideal - shift
        if inside_window(t, minutes, window) and most_at_once([*placed, t], minutes) <= tracks:
            return shift
    return None


def _less_waiting(trains: pd.DataFrame, wait: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Per unloading yard, the planned slots' waits, or, where the loading yards moved trains so that
    they wait longer in all, each train unloaded at the first free track after it arrives (in order of
    arrival), whichever waits less."""
    hours = scenario.fleet.train_unloading_hours * 60.0
    tracks = scenario.dispatch.yard_trains_at_once
    out = wait.copy()
    arrive = trains["arrive_min"].to_numpy(float)
    for yard, group in trains.groupby("unloading", sort=True):
        idx = np.array(sorted(group.index, key=lambda j: (arrive[j] % DAY, j)))
        if not wait[idx].sum():
            continue
        window = cyclic_window(scenario.dispatch.yard_window(str(yard)), scenario.dispatch.day_start_hour)
        placed: list[float] = []
        shifts = []
        for i in idx:
            shift = _earliest_fit(arrive[i], placed, window, hours, tracks)
            if shift is None:
                break
            placed.append(arrive[i] + shift)
            shifts.append(shift)
        if len(shifts) == len(idx) and sum(shifts) < wait[idx].sum() - 1e-9:
            out[idx] = shifts
    return out


def _earliest_fit(arrive: float, placed: list[float], window: tuple[int, int], minutes: float, tracks: int):
    """How long after ``arrive`` the earliest slot starts that fits the yard's hours and tracks, or None.

    The earliest fit is the arrival itself, or where another slot ends, or where the yard opens.
    """
    candidates = [arrive, *(p + minutes for p in placed), window[0]]
    for shift in sorted({round((c - arrive) % DAY, 6) for c in candidates}):
        t = arrive + shift
        if inside_window(t, minutes, window) and most_at_once([*placed, t], minutes) <= tracks:
            return shift
    return None


def cycle_minutes(trains: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Each train's trainset from its loading start to being back at the loading yard, ready for the next."""
    back = trains["km_rail"].to_numpy(float) / scenario.rail.speed_kmh * 60.0
    dwell = scenario.fleet.terminal_dwell_hours * 60.0
    return trains["unload_end_min"].to_numpy(float) - trains["load_start_min"].to_numpy(float) + back + dwell


def _trainsets(trains: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """The trainset (1, 2, ... within the corridor) that runs each train, from the least-idle rotation."""
    out = np.zeros(len(trains), int)
    cycle = cycle_minutes(trains, scenario)
    for _, group in trains.groupby("corridor", sort=True):
        idx = group.index.to_numpy()
        out[idx], _ = rotation(trains.loc[idx, "load_start_min"].to_numpy(float), cycle[idx])
    return out


def rotation(starts: np.ndarray, cycle: np.ndarray) -> tuple[np.ndarray, int]:
    """Trainset numbers (from 1) of daily trains starting at ``starts`` whose trainsets are busy ``cycle``,
    and the trainsets the rotation needs (some may start no train today).

    A trainset back from train i takes train j next at its first start after the return; the pairing
    with the least idle time is an assignment problem. The pairs close into rotations, each spanning a
    whole number of days, and a rotation of d days needs d trainsets, one starting it each day: today's
    train that a trainset reaches w days after starting the rotation is run by the one that started
    w days ago.
    """
    n = len(starts)
    ready = starts + cycle
    idle = (starts[None, :] - ready[:, None]) % DAY
    _, successor = linear_sum_assignment(idle)
    number, seen, first = np.zeros(n, int), np.zeros(n, bool), 1
    for head in range(n):
        if seen[head]:
            continue
        chain, elapsed, offsets = [], 0.0, []
        i = head
        while not seen[i]:
            seen[i] = True
            chain.append(i)
            offsets.append(elapsed)
            elapsed += cycle[i] + idle[i, successor[i]]
            i = successor[i]
        days = round(elapsed / DAY)
        for i, t in zip(chain, offsets, strict=True):
            behind = round((starts[head] + t - starts[i]) / DAY)
            number[i] = first + (-behind) % days
        first += days
    return number, first - 1


def corridor_trainsets(trains: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per corridor: trains, trainsets (the rotation's) and wagons with the plan's spares.

    Wagons are counted as fleet sizing counts them: trainsets x ``fleet.wagons_per_train`` x
    (1 + ``fleet.wagon_spare``), rounded up.
    """
    f = scenario.fleet
    if not len(trains):
        return pd.DataFrame(columns=["corridor", "trains", "trainsets", "wagons"])
    cycle = cycle_minutes(trains, scenario)
    rows = []
    for corridor, group in trains.groupby("corridor", sort=True):
        _, count = rotation(group["load_start_min"].to_numpy(float), cycle[trains.index.get_indexer(group.index)])
        rows.append((corridor, len(group), count))
    c = pd.DataFrame(rows, columns=["corridor", "trains", "trainsets"]).set_index("corridor")
    c["wagons"] = np.ceil(c["trainsets"] * f.wagons_per_train * (1 + f.wagon_spare) - 1e-9).astype(int)
    return c.reset_index()
