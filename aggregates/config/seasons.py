"""A year split into periods: winter stop, alert days, peak season (MODEL.md "Periods")."""

from __future__ import annotations

from pydantic import Field, field_validator

from aggregates.config.base import NonNegative, Strict

AVAILABILITY_KINDS = ("trucks", "rail", "bases", "quarries")


class Period(Strict):
    """One period of every year: its share of the operating time, of demand, and what runs in it."""

    name: str = Field(min_length=1, description="period name, e.g. winter_stop")
    share_of_year: NonNegative = Field(description="share of the year's operating days (the periods sum to 1)")
    demand_share: NonNegative = Field(description="share of the year's demand that falls in it (the periods sum to 1)")
    availability: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="capacity per unit time as a multiple of the usual, by kind "
        f"({', '.join(AVAILABILITY_KINDS)}; 1 where not given): trucks for swap stations, rail for "
        "sections, yards and rail markets",
    )

    @field_validator("availability")
    @classmethod
    def _kinds(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(AVAILABILITY_KINDS))
        if unknown:
            raise ValueError(f"unknown kind(s) {unknown}; use {list(AVAILABILITY_KINDS)}")
        return v

    def available(self, kind: str) -> float:
        """Capacity multiplier of one kind in this period."""
        return self.availability.get(kind, 1.0)


class TerminalYards(Strict):
    """Stockyards at rail unloading terminals: a train may arrive in one period of a year and its tonnes
    leave by truck in a later one (MODEL.md "Periods"). Used only with two or more periods."""

    share_of_throughput: NonNegative = Field(
        0.04,
        le=1,
        description="stockyard of every unloading terminal as a share of its yearly capacity (0.04: about two "
        "weeks of 330 operating days) [assumed]",
    )
    capacity_mt_by_terminal: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="stockyard per terminal id, Mt, that replaces the share, e.g. {t-shuangqiao: 0.5}",
    )
    holding_yuan_per_t_per_yr: NonNegative = Field(
        4.0,
        description="cost of holding a t in a terminal's yard for a year: rehandling, dust cover, city land [assumed]",
    )

    def capacity_mt(self, terminal: str, throughput_mt_per_yr: float) -> float:
        """Stockyard of one terminal, Mt, given its yearly capacity."""
        return self.capacity_mt_by_terminal.get(terminal, self.share_of_throughput * throughput_mt_per_yr)


class Seasons(Strict):
    """Periods of every year; none (the default): one period per year."""

    periods: list[Period] = Field(
        default_factory=list, description="the periods of a year in order; [] keeps one period per year"
    )
    terminal_yards: TerminalYards = Field(
        default_factory=TerminalYards, description="stockyards at rail unloading terminals (with two or more periods)"
    )

    @field_validator("periods")
    @classmethod
    def _shares(cls, v: list[Period]) -> list[Period]:
        if not v:
            return v
        names = [p.name for p in v]
        if len(set(names)) != len(names):
            raise ValueError(f"period names must be distinct, got {names}")
        for key in ("share_of_year", "demand_share"):
            total = sum(getattr(p, key) for p in v)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"{key} of the periods must sum to 1, got {total:g}; adjust one of {names}")
        return v
