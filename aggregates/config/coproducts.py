"""Where the product a base makes and does not ship goes: local market, stockpile, disposal (MODEL.md constraint 3)."""

from __future__ import annotations

from pydantic import Field, field_validator

from aggregates.config.base import NonNegative, Strict, non_negative


def _local_prices() -> dict[str, float]:
    # FACTS §5.6 (unverified): delivered manufactured sand 80-130, crushed stone 70-110 yuan/t; ex-works at a
    # supply city is lower by a local haul of about 30 yuan/t (§5.3 minimum charge 15-25, §5.2 drayage 10-20).
    return {"sand": 50.0, "coarse": 40.0}


class Coproducts(Strict):
    """Every tonne a base makes goes somewhere: shipped, sold locally, stockpiled or disposed."""

    free_disposal: bool = Field(
        False,
        description="true: the old model (a base ships at most what it makes, the rest leaves at no cost; "
        "production charged per t shipped); false: every t made is shipped, sold locally, stockpiled or disposed",
    )
    disposal_yuan_per_t: NonNegative = Field(
        6.0,
        description="cost of disposing of a t of product [derived: FACTS §5.2 tailings pond operation 3-5 + construction 1-3, a floor]",
    )
    holding_yuan_per_t_per_yr: NonNegative = Field(
        2.0, description="cost of holding a t in a base's stockyard for a year: rehandling, dust cover, land [assumed]"
    )
    yard_capacity_mt: NonNegative = Field(
        1.0, description="stockyard of every base, Mt of product at a year's end [assumed]"
    )
    yard_capacity_mt_by_base: dict[str, NonNegative] = Field(
        default_factory=dict, description="stockyard per base id that replaces yard_capacity_mt, e.g. {b-zhuolu: 0.2}"
    )
    local_price_yuan_per_t: dict[str, float] = Field(
        default_factory=_local_prices,
        description="ex-works price of a t sold into the base's own city market, by product [derived: FACTS §5.6 delivered low end less ~30 local haul; unverified]",
    )
    # Region-specific, so no built-in markets: configs/default.yaml sets Jing-Jin-Ji's (derived there).
    local_absorption_mt_per_yr: dict[str, dict[str, NonNegative]] = Field(
        default_factory=dict,
        description="most a supply city's own market takes per year by product, shared by its bases "
        "(cities not listed have none), e.g. {Tangshan: {sand: 1.35, coarse: 2.02}}",
    )

    _prices = field_validator("local_price_yuan_per_t")(classmethod(lambda cls, v: non_negative(v, "prices")))

    def yard_capacity(self, base: str) -> float:
        """Stockyard of one base, Mt."""
        return self.yard_capacity_mt_by_base.get(base, self.yard_capacity_mt)
