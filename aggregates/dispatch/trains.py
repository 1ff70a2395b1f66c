"""Trains of the day: per rail corridor the day's trains, their loading, departure, arrival and unloading slots.

The day is a steady state: what a train unloads today at 02:00 the last-mile trucks collect today, as
they would collect yesterday's 02:00 train. Loading slots are placed backwards from the end of the day at
each loading terminal (tracks: ``dispatch.yard_trains_at_once``), so first-mile trucks get the longest
time before each train's cut-off; unloading starts at arrival or when a track frees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.dispatch.orders import largest_remainder
from aggregates.vocab import RAIL_CHAINS

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
)


def day_trains(flows: pd.DataFrame, scenario: Scenario, factor: float) -> pd.DataFrame:
    """The day's trains with their slots (minutes after the day's start), one row per train.

    Parameters
    ----------
    flows
        One year of the plan's flows (rail chains carry ``loading_terminal``, ``unloading_terminal``,
        ``km_rail``, ``tonnes``).
    scenario
        ``rail.net_t_per_train``, ``rail.operating_days``, ``rail.speed_kmh``, the ``fleet`` loading and
        unloading hours and ``dispatch.yard_trains_at_once``.
    factor
        The day's tonnes per typical day.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRAIN_COLUMNS`; ``cutoff_min`` is when the train's boxes must be in the yard
        (its loading start), ``wait_min`` the time it waits for a free unloading track.
    """
    corridors = _corridors(flows, scenario, factor)
    if not len(corridors):
        return pd.DataFrame(columns=list(TRAIN_COLUMNS))
    trains = corridors.loc[corridors.index.repeat(corridors["trains"])].reset_index(drop=True)
    trains["train"] = [
        f"{c}#{i + 1}" for c, i in zip(trains["corridor"], trains.groupby("corridor").cumcount(), strict=True)
    ]
    trains = _loading_slots(trains, scenario)
    trains["arrive_min"] = trains["depart_min"] + trains["km_rail"] / scenario.rail.speed_kmh * 60.0
    trains = _unloading_slots(trains, scenario)
    trains["wait_min"] = trains["unload_start_min"] - trains["arrive_min"]
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


def _loading_slots(trains: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Loading slots back from the day's end at each loading terminal, ``yard_trains_at_once`` at a time."""
    hours = scenario.fleet.train_loading_hours * 60.0
    tracks = scenario.dispatch.yard_trains_at_once
    start = np.zeros(len(trains))
    for _, idx in trains.groupby("loading", sort=True).groups.items():
        for k, i in enumerate(sorted(idx, reverse=True)):
            start[trains.index.get_loc(i)] = 1440.0 - hours * (k // tracks + 1)
    trains["load_start_min"] = start
    trains["cutoff_min"] = start
    trains["depart_min"] = start + hours
    return trains


def _unloading_slots(trains: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Unloading starts at arrival or when one of the yard's tracks frees, in order of arrival."""
    hours = scenario.fleet.train_unloading_hours * 60.0
    tracks = scenario.dispatch.yard_trains_at_once
    begin = trains["arrive_min"].to_numpy(float).copy()
    for _, idx in trains.groupby("unloading", sort=True).groups.items():
        free = [-np.inf] * tracks
        for i in sorted(idx, key=lambda j: (trains.at[j, "arrive_min"], j)):
            k = int(np.argmin(free))
            pos = trains.index.get_loc(i)
            begin[pos] = max(begin[pos], free[k])
            free[k] = begin[pos] + hours
    trains["unload_start_min"] = begin
    trains["unload_end_min"] = begin + hours
    return trains
