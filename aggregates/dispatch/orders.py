"""Orders of one working day: the plan's yearly tonnes as truckloads and trains of a typical or peak day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.errors import InputError
from aggregates.vocab import RAIL_CHAINS, TRUCK_OF_CHAIN

DAYS = ("typical", "peak")
ORDER_COLUMNS = ("leg", "depot", "truck", "chain", "base", "node", "corridor", "km", "exact", "loads", "window")


@dataclass(frozen=True)
class DayBasis:
    """Which day is dispatched and how its tonnes follow from the year's.

    Attributes
    ----------
    day
        ``typical`` or ``peak``.
    factor
        The day's tonnes per typical day (1 for a typical day).
    source
        Where the factor comes from: ``mean``, ``period <name>`` or ``assumed dispatch.peak_factor``.
    """

    day: str
    factor: float
    source: str


def day_basis(scenario: Scenario, day: str) -> DayBasis:
    """The factor of a typical or peak day: the busiest period's rate where the plan has periods.

    Raises
    ------
    InputError
        For a day other than ``typical`` or ``peak``.
    """
    if day not in DAYS:
        raise InputError(f"--day must be one of {', '.join(DAYS)}, got '{day}'")
    if day == "typical":
        return DayBasis(day, 1.0, "mean")
    periods = [p for p in scenario.seasons.periods if p.share_of_year > 0]
    if periods:
        busiest = max(periods, key=lambda p: p.demand_share / p.share_of_year)
        return DayBasis(day, busiest.demand_share / busiest.share_of_year, f"period {busiest.name}")
    return DayBasis(day, scenario.dispatch.peak_factor, "assumed dispatch.peak_factor")


def largest_remainder(exact: np.ndarray) -> np.ndarray:
    """Whole numbers summing to the rounded total of ``exact``: floors, plus one for the largest remainders.

    Ties go to the earlier row, so the same input always rounds the same way.
    """
    exact = np.asarray(exact, float)
    whole = np.floor(exact + 1e-9)
    extra = round(exact.sum() - whole.sum())
    order = np.argsort(-(exact - whole), kind="stable")
    whole[order[: max(extra, 0)]] += 1
    return whole.astype(int)


def day_orders(flows: pd.DataFrame, scenario: Scenario, basis: DayBasis) -> pd.DataFrame:
    """The day's truckloads per leg, depot, destination and truck type.

    Parameters
    ----------
    flows
        One year of the plan's flows with ``base``, ``node``, ``chain``, ``tonnes`` (per year),
        ``km_road``, ``loading_terminal``, ``unloading_terminal``, and the day inputs
        ``window`` (delivery window text of the last leg, e.g. ``23:00-06:00``), ``first_mile_km``
        (0 with an own siding) and ``station`` (swap station on the way, or empty).
    scenario
        Payloads and operating days.
    basis
        The day's factor.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ORDER_COLUMNS` plus ``station``: ``leg`` is ``direct``, ``first_mile``
        (depot the base, ``node`` the loading terminal) or ``last_mile`` (depot the unloading
        terminal); ``exact`` the day's loads before rounding and ``loads`` after
        (:func:`largest_remainder` over all rows: the day's total matches).
    """
    legs = [_legs(flows[flows["tonnes"] > 0], scenario, basis.factor)]
    out = pd.concat(legs, ignore_index=True) if len(flows) else pd.DataFrame(columns=[*ORDER_COLUMNS, "station"])
    out = out.groupby(["leg", "depot", "truck", "chain", "base", "node", "corridor", "window", "station"], sort=True)
    out = out.agg(km=("km", "mean"), exact=("exact", "sum")).reset_index()
    out["loads"] = largest_remainder(out["exact"].to_numpy())
    return out[[*ORDER_COLUMNS, "station"]]


def _legs(f: pd.DataFrame, scenario: Scenario, factor: float) -> pd.DataFrame:
    """Direct hauls, first miles and last miles of the flows, each with its depot and loads a day."""
    truck = f["chain"].map(TRUCK_OF_CHAIN)
    payload = np.where(truck == "bet", scenario.trucks.bet.payload_t, scenario.trucks.diesel.payload_t)
    rail = f["chain"].isin(RAIL_CHAINS)
    first_km = f["first_mile_km"].astype(float).where(rail, 0.0)
    legs = f.assign(
        truck=truck,
        exact=f["tonnes"] / scenario.trucks.operating_days / payload * factor,
        corridor=(f["loading_terminal"].fillna("") + "->" + f["unloading_terminal"].fillna("")).where(rail, ""),
    )
    last = legs.assign(
        leg=np.where(rail, "last_mile", "direct"),
        depot=f["unloading_terminal"].where(rail, f["base"]),
        km=np.maximum(f["km_road"].astype(float) - first_km, 1.0),
    )
    first = legs[rail & (first_km > 0)].assign(
        leg="first_mile",
        depot=lambda x: x["base"],
        node=lambda x: x["loading_terminal"],
        window="00:00-24:00",
        station="",
    )
    first["km"] = first_km[first.index]
    keep = [*ORDER_COLUMNS, "station"]
    keep.remove("loads")
    return pd.concat([last[keep], first[keep]], ignore_index=True)


def rounding_note(orders: pd.DataFrame) -> str:
    """How rounding moved the day's loads, e.g. ``14,830.4 loads rounded to 14,830 (largest remainder)``."""
    exact, whole = float(orders["exact"].sum()), int(orders["loads"].sum())
    moved = float(np.abs(orders["loads"] - orders["exact"]).sum())
    return f"{exact:,.1f} loads rounded to {whole:,} (largest remainder; {moved:,.1f} loads moved between rows)"


def window_minutes(text: str, day_start_hour: float) -> tuple[int, int]:
    """A delivery window as (earliest, latest) minutes after the day's start; the longest stretch when it has several.

    ``00:00-24:00`` or empty is the whole day; ``23:00-06:00`` with the day starting at 07:00 is (960, 1380);
    a window across the day's start is cut there: ``06:00-22:00`` is (0, 900) (the longer piece).

    Raises
    ------
    InputError
        For ``closed`` or text that is not a window.
    """
    start, length = cyclic_window(text, day_start_hour)
    if length >= 1440:
        return 0, 1440
    pieces = [(start, min(start + length, 1440)), (0, max(start + length - 1440, 0))]
    return max(pieces, key=lambda p: p[1] - p[0])


def cyclic_window(text: str, day_start_hour: float) -> tuple[int, int]:
    """A window as (start, length) in minutes: start after the day's start (0-1439), the window repeating daily.

    The longest part when the text has several (``;``); ``00:00-24:00`` or empty is (0, 1440).

    Raises
    ------
    InputError
        For ``closed`` or text that is not a window.
    """
    if not text or text == "00:00-24:00":
        return 0, 1440
    best = (0, -1)
    for part in str(text).split(";"):
        try:
            a, b = (_clock(t) for t in part.strip().split("-"))
        except ValueError:
            raise InputError(f"window '{text}' is not HH:MM-HH:MM") from None
        length = (b - a) % 1440 or 1440
        if length > best[1]:
            best = ((a - round(day_start_hour * 60)) % 1440, length)
    return best


def inside_window(begin: float, minutes: float, window: tuple[int, int]) -> bool:
    """Whether ``minutes`` from ``begin`` (minutes after any day's start) fall inside a daily ``window``."""
    start, length = window
    return length >= 1440 or (begin - start) % 1440 + minutes <= length + 1e-6


def _clock(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def clock(minutes: float, day_start_hour: float) -> str:
    """Minutes after the day's start as a clock time ``HH:MM`` (``+1`` on the next day)."""
    total = round(minutes + day_start_hour * 60)
    day, rest = divmod(total, 1440)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text + (f"+{day}" if day else "")
