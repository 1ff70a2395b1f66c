"""What a scenario does not know: distributions of demand, prices and capacities, or discrete futures.

Each uncertain figure is a multiplier (a factor, 1 = the scenario as written) with a distribution
(:class:`Factor`). Demand factors of different cities are correlated through a Gaussian copula;
the other factors are drawn independently. :func:`aggregates.config.sampling.draw_samples` turns
this section into scenarios (``Scenario.with_values``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from aggregates.config.base import Strict

DISTRIBUTIONS = ("triangular", "uniform", "normal", "lognormal")


class Factor(Strict):
    """A multiplier's distribution, kept within ``[low, high]``.

    ``triangular``: low, mode, high. ``uniform``: low to high. ``normal``: mean ``mode`` and
    standard deviation ``sd``, truncated to ``[low, high]``. ``lognormal``: median ``mode`` and
    ``sd`` of its logarithm, truncated likewise. ``low == high`` fixes the factor.
    """

    distribution: Literal[DISTRIBUTIONS] = Field("triangular", description="triangular, uniform, normal or lognormal")
    low: float = Field(gt=0, description="least value of the factor")
    mode: float = Field(1.0, gt=0, description="most likely value (triangular), mean (normal), median (lognormal)")
    high: float = Field(gt=0, description="largest value of the factor")
    sd: float | None = Field(None, gt=0, description="spread of normal (of the factor) and lognormal (of its log)")

    @model_validator(mode="after")
    def _ordered(self) -> Factor:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not be above high ({self.high})")
        if self.distribution != "uniform" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie within low ({self.low}) and high ({self.high})")
        if self.distribution in ("normal", "lognormal") and self.sd is None:
            raise ValueError(f"a {self.distribution} factor needs sd (its spread), e.g. sd: 0.1")
        return self


def _triangular(low: float, high: float) -> Factor:
    return Factor(distribution="triangular", low=low, mode=1.0, high=high)


class DemandUncertainty(Strict):
    """Demand factor per city of the region (``demand.by_city`` is multiplied by it)."""

    by_city: dict[str, Factor] = Field(
        default_factory=dict,
        description="factor per demand city, e.g. {Beijing: {low: 0.8, high: 1.2}}; cities not listed keep their "
        "demand (the built-in default: none is uncertain)",
    )
    correlation: float | dict[str, dict[str, float]] = Field(
        0.0,
        description="correlation of the cities' factors (Gaussian copula): one coefficient for every pair, or "
        "{city: {city: coefficient}} for some pairs (the rest 0)",
    )

    @field_validator("correlation")
    @classmethod
    def _coefficients(cls, v: float | dict[str, dict[str, float]]) -> float | dict[str, dict[str, float]]:
        values = [v] if isinstance(v, float | int) else [c for row in v.values() for c in row.values()]
        bad = [c for c in values if not -1 <= c <= 1]
        if bad:
            raise ValueError(f"correlation coefficients lie within -1 and 1, got {bad}")
        return v

    @model_validator(mode="after")
    def _known_cities(self) -> DemandUncertainty:
        if isinstance(self.correlation, dict):
            named = set(self.correlation) | {c for row in self.correlation.values() for c in row}
            unknown = sorted(named - set(self.by_city))
            if unknown:
                raise ValueError(f"correlation names {unknown}, which by_city does not list ({sorted(self.by_city)})")
        return self


class PriceUncertainty(Strict):
    """Price factors: diesel, electricity, the rail tariff and natural aggregate (None: certain)."""

    diesel: Factor | None = Field(
        _triangular(0.9, 1.2), description="trucks.diesel.fuel_price_yuan_per_l [assumed: -10 % to +20 %]"
    )
    electricity: Factor | None = Field(
        Factor(distribution="uniform", low=1.0, high=1.5),
        description="trucks.bet.electricity_price_yuan_per_kwh [derived: FACTS §5.5 1.0-1.5 yuan/kWh over 1.0]",
    )
    rail_tariff: Factor | None = Field(
        _triangular(0.8, 1.1), description="rail.tariff_factor [assumed: negotiated discounts S69, unverified tariff]"
    )
    natural: Factor | None = Field(
        _triangular(0.9, 1.3),
        description="prices.natural_yuan_per_t and natural.price_factor [assumed: FACTS §5.6 150-220 river sand]",
    )


class CapacityUncertainty(Strict):
    """Capacity factors of rail sections, terminals and yards, swap stations and bases (None: certain)."""

    rail_sections: Factor | None = Field(
        _triangular(0.7, 1.0), description="infrastructure.rail_capacity_factor [assumed: paths lost to other traffic]"
    )
    terminals: Factor | None = Field(
        _triangular(0.5, 1.0), description="infrastructure.terminal_capacity_factor [assumed: yards at half, issue 17]"
    )
    swap_stations: Factor | None = Field(
        _triangular(0.8, 1.2), description="infrastructure.swap_capacity_factor [assumed]"
    )
    bases: Factor | None = Field(
        _triangular(0.8, 1.0), description="infrastructure.base_capacity_factor [assumed: ramp-up shortfalls]"
    )


class DiscreteScenario(Strict):
    """One named future with its probability: config values as ``key.path: value`` (as ``--set``)."""

    name: str = Field(min_length=1, description="label of the future, e.g. slump")
    probability: float = Field(gt=0, le=1, description="its probability (the futures sum to 1)")
    values: dict[str, float | int | bool | str | list | dict | None] = Field(
        default_factory=dict, description="config values that differ, e.g. {demand.factor: 0.7}"
    )


class Uncertainty(Strict):
    """Distributions (demand, prices, capacities) or a list of discrete futures, and the seed of the draws."""

    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the draws (numpy Generator) [choice]")
    demand: DemandUncertainty = DemandUncertainty()
    prices: PriceUncertainty = PriceUncertainty()
    capacities: CapacityUncertainty = CapacityUncertainty()
    scenarios: list[DiscreteScenario] = Field(
        default_factory=list,
        description="discrete futures instead of draws: each is one sample with its probability (the "
        "distributions above are then not used)",
    )

    @field_validator("scenarios")
    @classmethod
    def _probabilities(cls, v: list[DiscreteScenario]) -> list[DiscreteScenario]:
        if v and abs(sum(s.probability for s in v) - 1.0) > 1e-6:
            shown = " + ".join(f"{s.probability:g}" for s in v)
            raise ValueError(f"probabilities must sum to 1, got {shown} = {sum(s.probability for s in v):g}")
        names = [s.name for s in v]
        if len(set(names)) != len(names):
            raise ValueError(f"names must be distinct, got {names}")
        return v
