"""Natural sand and gravel as supply: quarry regions of the region and the import tier (MODEL.md, "Natural aggregate")."""

from __future__ import annotations

from pydantic import Field, field_validator

from aggregates.config.base import Strict

# Hebei's own use ~130 Mt/yr of aggregate (2023) [S8] against Beijing 120 + Tianjin 90 Mt/yr (2024) [S8]:
# pro rata, demand outside the three markets takes 130 / (130 + 120 + 90) = 0.382 of quarry capacity.
OUTSIDE_SHARE = 0.38
# 500 km of electric rail at 13 g/t-km (FACTS §6.2: 8-18) + 30 km last mile by diesel truck at 62 g/t-km
# (FACTS §6.2: 57-68) + 2 handlings x 0.75 kg (FACTS §6.2): 6.5 + 1.86 + 1.5 = 9.86 kg CO2e/t.
IMPORT_CO2E_KG_PER_T = 9.9


def _shares(value: dict[str, float]) -> dict[str, float]:
    bad = {k: v for k, v in value.items() if not 0.0 <= v <= 1.0}
    if bad:
        raise ValueError(f"shares must be within 0..1, got {bad}")
    return value


class Natural(Strict):
    """Quarries of the region (``quarries.geojson``) and natural aggregate imported by rail."""

    quarries: bool = Field(True, description="quarries of the region's quarries layer may supply the markets")
    outside_share: float = Field(
        OUTSIDE_SHARE,
        ge=0,
        le=1,
        description=(
            "share of every quarry's capacity taken by demand outside the three markets [derived: Hebei's own "
            "~130 Mt/yr (S8) over 130 + Beijing 120 + Tianjin 90 Mt/yr (S8), pro rata]"
        ),
    )
    outside_share_by_city: dict[str, float] = Field(
        default_factory=dict, description="outside share per quarry city, replacing outside_share there"
    )
    outside_share_by_quarry: dict[str, float] = Field(
        default_factory=dict, description="outside share per quarry id, replacing the city's or the default"
    )
    closure_rate_per_yr: float = Field(
        0.0,
        ge=0,
        lt=1,
        description=(
            "yearly fall of quarry capacity after the quarry's capacity_year, for years quarry_years.csv does "
            "not list [assumed: 0, no source on the pace of closures]"
        ),
    )
    price_factor: float = Field(1.0, gt=0, description="multiplies every ex-quarry price (sensitivity)")
    import_allowed: bool = Field(
        True, description="natural aggregate imported by rail from outside the region, at prices.natural_yuan_per_t"
    )
    import_co2e_kg_per_t: float = Field(
        IMPORT_CO2E_KG_PER_T,
        ge=0,
        le=1e3,
        description=(
            "transport CO2e (WTW) of an imported tonne [derived from an assumed 500 km by electric rail at 13 "
            "g/t-km, 30 km by diesel truck at 62 g/t-km and 2 x 0.75 kg handling, FACTS §6.2]"
        ),
    )

    _city = field_validator("outside_share_by_city", "outside_share_by_quarry")(classmethod(lambda cls, v: _shares(v)))

    def outside(self, quarry: str, city: str) -> float:
        """Outside share of one quarry: its own override, else its city's, else the default."""
        if quarry in self.outside_share_by_quarry:
            return self.outside_share_by_quarry[quarry]
        return self.outside_share_by_city.get(city, self.outside_share)
