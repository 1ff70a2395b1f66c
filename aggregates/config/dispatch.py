"""Day dispatch settings: how one working day's trucks and trains are scheduled from a plan (README, "Day dispatch").

Truck and train figures (payloads, speeds, loading times, shifts, range, swap time) come from ``trucks``,
``rail`` and ``fleet``; this section holds only what a day adds.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from aggregates.config.base import Strict


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
        300, ge=1, description="most loads one routing part holds; larger depots are split by destination [choice]"
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
    seed: int = Field(0, ge=0, description="routing seed: same inputs, same day [choice]")

    @field_validator("truck_cap")
    @classmethod
    def _caps(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, n in v.items() if ":" not in k or n < 0]
        if bad:
            raise ValueError(f"keys must be '<depot>:<truck>' with a count >= 0, got {bad}")
        return v
