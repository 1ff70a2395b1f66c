"""Day dispatch settings: how one working day's trucks and trains are scheduled from a plan (README, "Day dispatch").

Truck and train figures (payloads, speeds, loading times, shifts, range, swap time) come from ``trucks``,
``rail`` and ``fleet``; this section holds only what a day adds.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from aggregates.config.base import Strict

_WINDOW = re.compile(r"([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)")


class Dispatch(Strict):
    """One working day from the annual plan (``aggregates dispatch``)."""

    peak_factor: float = Field(
        1.3,
        ge=1.0,
        description="peak day's tonnes per typical day, used when the plan has no periods "
        "[assumed: a busy month about 30 % above the mean]",
    )
    day_start_hour: float = Field(
        7.0, ge=0, lt=24, description="clock hour the dispatch day starts [assumed: after Beijing's night window]"
    )
    time_limit_s: float = Field(5.0, gt=0, description="solver seconds per part (depot and truck type) [choice]")
    max_loads_per_part: int = Field(
        300,
        ge=1,
        description="most loads one routing part holds; larger depots are split round-robin and their trucks pooled after [choice]",
    )
    truck_cap: dict[str, int] = Field(
        default_factory=dict,
        description="most trucks a depot may use, keyed '<depot>:<truck>' (e.g. 'b-x:bet'); none: as many as needed",
    )
    yard_trains_at_once: int = Field(
        2, ge=1, description="trains an unloading yard handles at once (tracks) [assumed: the plan's 1-2 tracks]"
    )
    swaps_per_station_hour: float = Field(
        10.0, gt=0, description="battery swaps a station serves an hour [assumed: one lane, 6 min a swap]"
    )
    break_after_driving_h: float = Field(
        4.0,
        gt=0,
        description="most hours a driver drives without a break [sourced: Road Traffic Safety Law "
        "implementing regulations art. 62(7), 4 h]",
    )
    break_minutes: float = Field(
        20.0,
        ge=0,
        description="least rest that ends a stretch of continuous driving; any stop this long counts "
        "(loading, unloading, waiting) [sourced: same article, 20 min]",
    )
    yard_hours: dict[str, str] = Field(
        default_factory=lambda: {"default": "00:00-24:00"},
        description="opening hours of the rail yards (trains loaded and unloaded, trucks unloading or "
        "collecting boxes), 'HH:MM-HH:MM'; 'default' for every yard, a yard id for one "
        "[assumed: yards work round the clock]",
    )
    seed: int = Field(0, ge=0, description="routing seed: same inputs, same day [choice]")

    @field_validator("yard_hours")
    @classmethod
    def _hours(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {k: w for k, w in v.items() if not _WINDOW.fullmatch(str(w))}
        if bad:
            raise ValueError(f"opening hours must be 'HH:MM-HH:MM' (e.g. '06:00-22:00'), got {bad}")
        return {"default": "00:00-24:00", **v}

    def yard_window(self, yard: str) -> str:
        """Opening hours of a yard: its own, else the default."""
        return self.yard_hours.get(yard, self.yard_hours.get("default", "00:00-24:00"))

    @field_validator("truck_cap")
    @classmethod
    def _caps(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, n in v.items() if ":" not in k or n < 0]
        if bad:
            raise ValueError(f"keys must be '<depot>:<truck>' with a count >= 0, got {bad}")
        return v
