"""What a scenario plans for: demand scaling, capacities, the target, prices, policies and the solver."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from aggregates.config.base import NonNegative, Strict, non_negative
from aggregates.vocab import DEFAULT_DEMAND_PATH, Nearness


class DemandScale(Strict):
    """Choose the region's demand path and scale it without editing its files (growth, build-out, sensitivity)."""

    path: Literal["low", "central", "high"] = Field(
        DEFAULT_DEMAND_PATH,
        description="demand path of the region's demand_years.csv: low, central or high (vocab.DEMAND_PATHS)",
    )
    factor: float = Field(1.0, gt=0, description="multiplies every node's demand")
    by_city: dict[str, float] = Field(
        default_factory=dict, description="extra factor per demand city, e.g. {Xiong'an: 1.5}"
    )
    by_node: dict[str, float] = Field(default_factory=dict, description="extra factor per demand node id")

    _factors = field_validator("by_city", "by_node")(classmethod(lambda cls, v: non_negative(v, "factors")))


class Infrastructure(Strict):
    """Scale the capacities of the region's capacitated resources (build-out scenarios)."""

    terminal_capacity_factor: float = Field(1.0, gt=0, description="multiplies loading and unloading terminal capacity")
    rail_capacity_factor: float = Field(1.0, gt=0, description="multiplies the trains/day of every rail section")
    swap_capacity_factor: float = Field(1.0, gt=0, description="multiplies the swaps/day of every swap station")
    base_capacity_factor: float = Field(
        1.0, gt=0, description="multiplies the output of every capacity level of every base [scenario choice]"
    )
    base_levels: dict[str, int | dict[int, int]] = Field(
        default_factory=dict,
        description=(
            "build decisions taken as given: base id -> the level it runs at (base_levels.csv 'level'; -1 "
            "closed), one for every year or {year: level}; bases not listed are chosen by the model "
            "[scenario choice]"
        ),
    )

    @field_validator("base_levels")
    @classmethod
    def _levels(cls, v: dict[str, int | dict[int, int]]) -> dict[str, int | dict[int, int]]:
        for base, level in v.items():
            for lv in level.values() if isinstance(level, dict) else [level]:
                if lv < -1:
                    raise ValueError(f"{base}: level {lv} is not a level; use a level number >= 0, or -1 for closed")
        return v

    def fixed_level(self, base: str, year: int) -> int | None:
        """The level ``base`` is fixed at in ``year`` (-1 closed), or None where the model chooses."""
        level = self.base_levels.get(base)
        if isinstance(level, dict):
            return level.get(year)
        return level


class Target(Strict):
    """The substitution target: solid-waste aggregate shipped per year (MODEL.md constraint 6)."""

    mt_per_yr: float = Field(100.0, ge=0, description="target from `from_year` on [FACTS §1.1: 100 Mt/yr by 2022, S1]")
    from_year: int = Field(2022, description="first year the target applies [FACTS §1.1]")
    by_year: dict[int, float] = Field(
        default_factory=dict, description="per-year targets that replace the above, Mt/yr (e.g. {2021: 50})"
    )
    hard: bool = Field(True, description="hard: the plan must meet it; soft: a shortfall is priced")
    shortfall_penalty_yuan_per_t: float = Field(
        500.0, ge=0, description="price of a tonne below a soft target [assumed: above any delivered cost]"
    )

    _targets = field_validator("by_year")(classmethod(lambda cls, v: non_negative(v, "targets")))

    def for_year(self, year: int) -> float:
        """Target in Mt/yr for one year."""
        if year in self.by_year:
            return self.by_year[year]
        return self.mt_per_yr if year >= self.from_year else 0.0


def _natural_prices() -> dict[str, float]:
    # The import tier (natural.import_allowed), derived from assumptions: ex-quarry 55 / 40 yuan/t (as the
    # region's quarries) + 500 km rail at class 2 (9.5 + 0.086 x 500 = 52.5, FACTS §5.1, unverified)
    # + 2 handlings x 10 + a 30 km last mile ~12 = 140 sand / 125 coarse, within FACTS §5.6's 150-220 for river sand.
    return {"sand": 140.0, "coarse": 125.0}


class Prices(Strict):
    """Prices the objective uses besides transport (which lives under trucks and rail)."""

    natural_yuan_per_t: dict[str, float] = Field(
        default_factory=_natural_prices,
        description=(
            "delivered price of natural sand and gravel imported by rail from outside the region (the import "
            "tier, natural.import_allowed) by product [derived from assumptions: ex-quarry + 500 km rail + "
            "handling + last mile; unverified]"
        ),
    )
    natural_allowed: bool = Field(
        True, description="natural sand and gravel (the region's quarries and imports) may cover demand"
    )
    unmet_penalty_yuan_per_t: float = Field(
        5000.0, gt=0, description="price of demand left unmet; far above any real cost so it is a last resort"
    )
    # 0 is the default (no carbon price); a negative price would pay for emitting.
    carbon_yuan_per_t_co2e: NonNegative | dict[int, NonNegative] = Field(
        0.0, description="carbon price on transport CO2e (WTW), one value or per year [scenario choice]"
    )
    discount_rate: float = Field(0.0, ge=0, lt=1, description="yearly discount rate of later years' costs")

    _prices = field_validator("natural_yuan_per_t")(classmethod(lambda cls, v: non_negative(v, "prices")))

    def carbon_price(self, year: int) -> float:
        """Carbon price in yuan per t CO2e for one year (latest earlier year if not listed)."""
        price = self.carbon_yuan_per_t_co2e
        if isinstance(price, dict):
            known = sorted(price)
            pick = max((y for y in known if y <= year), default=known[0]) if known else None
            return price[pick] if pick is not None else 0.0
        return price


class RailShare(Strict):
    """Road-to-rail policy: a least rail share of the tonnes moved between far-apart pairs."""

    share: float = Field(0.0, ge=0, le=1, description="least share of tonnes by rail (0: off)")
    above_km: float = Field(150.0, ge=0, description="applies to base-node pairs farther apart (straight line)")


class Coverage(Strict):
    """Each node must get a least share of its demand from nearby bases."""

    share: float = Field(0.0, ge=0, le=1, description="least share of each node's demand (0: off)")
    within_km: float | None = Field(None, gt=0, description="route km (road + rail) from the base")
    within_hours: float | None = Field(None, gt=0, description="door-to-door hours from the base")

    @model_validator(mode="after")
    def _limit(self) -> Coverage:
        if self.share > 0 and self.within_km is None and self.within_hours is None:
            raise ValueError("with share > 0, set within_km or within_hours")
        return self

    @property
    def nearness(self) -> Nearness:
        """Which routes count as near (route km within ``within_km`` or hours within ``within_hours``)."""
        return Nearness(self.within_km, self.within_hours)


class Policies(Strict):
    """Optional policy constraints (MODEL.md constraint 7)."""

    # 0 is a real question (no transport CO2e at all) and gets an infeasibility answer; below 0 is a typo.
    emissions_cap_kt_co2e: NonNegative | dict[int, NonNegative] | None = Field(
        None, description="most transport CO2e (WTW) per year, kt; one value or per year (none: no cap)"
    )
    min_rail_share: RailShare = RailShare()
    zero_emission_zones: list[str] = Field(
        default_factory=list,
        description=(
            "zones of the region (region.yaml 'zones'), or diesel_restricted (the nodes flagged so), where only "
            "battery-electric trucks may deliver (rail chains with a BET last mile count)"
        ),
    )
    access_rules: bool = Field(
        True,
        description=(
            "apply the region's city access rules (access_rules.csv): diesel deliveries into a zone only in its "
            "time window and only by an admitted emission standard [FACTS §4.3, S44; partly assumed]"
        ),
    )
    coverage: Coverage = Coverage()
    allow_closing: bool = Field(False, description="bases may drop to a lower level or close in a later year")

    def emissions_cap(self, year: int) -> float | None:
        """Cap in kt CO2e for one year (None: no cap)."""
        cap = self.emissions_cap_kt_co2e
        if isinstance(cap, dict):
            return cap.get(year)
        return cap


class Solver(Strict):
    """Solver settings; see OR-Tools MathOpt."""

    name: Literal["highs", "scip", "cp_sat"] = Field("highs", description="MIP solver")
    time_limit_s: float = Field(120.0, gt=0, description="wall-clock limit of the solve")
    relative_gap: float = Field(0.001, ge=0, lt=1, description="stop at this proven gap (0.001 = 0.1%)")
    threads: int = Field(1, ge=1, le=1024, description="solver threads; 1 keeps runs reproducible")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed (the solvers take a 32-bit integer)")
    shadow_prices: bool = Field(True, description="LP re-solve with integer choices fixed, for shadow prices")
    presolve: bool = Field(False, description="MIP presolve; off because HiGHS's stalls on larger instances")
