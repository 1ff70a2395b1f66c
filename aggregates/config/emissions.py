"""Emission factors of a scenario: fuels, grid electricity by province and year, handling."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from aggregates.config.base import Strict


def _grid_factors() -> dict[str, dict[int, float]]:
    # FACTS §6.1, MEE/NBS location-based factors, kg CO2 per kWh.
    return {
        "Beijing": {2021: 0.5688, 2022: 0.5580},
        "Tianjin": {2021: 0.7355, 2022: 0.7041},
        "Hebei": {2021: 0.7901, 2022: 0.7252},
        "North China": {2021: 0.7120, 2022: 0.6776},
    }


class Emissions(Strict):
    """Emission factors (FACTS §6)."""

    diesel_wtw_kg_per_l: float = Field(3.25, gt=0, description="[FACTS §6.2]")
    diesel_ttw_kg_per_l: float = Field(2.68, gt=0, description="[FACTS §6.2]")
    diesel_wtw_kg_per_kg: float = Field(3.85, gt=0, description="rail diesel [FACTS §6.2]")
    diesel_ttw_kg_per_kg: float = Field(3.17, gt=0, description="[derived: 2.68 kg/L / 0.845 kg/L]")
    grid_basis: Literal["province", "regional"] = Field(
        "province", description="province: factor of where the energy is drawn; regional: the North China grid"
    )
    grid_kg_per_kwh: dict[str, dict[int, float]] = Field(default_factory=_grid_factors)
    green_power_share: float = Field(0.0, ge=0, le=1, description="share of traction power from zero-carbon contracts")
    handling_kg_per_t: float = Field(0.75, ge=0, description="per rail transfer [FACTS §6.2: 0.5-1, unverified]")

    @field_validator("grid_kg_per_kwh")
    @classmethod
    def _grid(cls, v: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        if "North China" not in v:
            raise ValueError("needs a 'North China' entry (used with grid_basis: regional)")
        for region, years in v.items():
            if not years:
                raise ValueError(f"'{region}' has no years")
            bad = {y: f for y, f in years.items() if f < 0}
            if bad:
                raise ValueError(f"'{region}' factors must be >= 0, got {bad}")
        return v

    def grid_factor(self, province: str, year: int) -> float:
        """kg CO2 per kWh drawn in ``province`` in ``year``.

        Years after the last published one use the latest factor; years before
        the first use the earliest.
        """
        key = "North China" if self.grid_basis == "regional" else province
        table = self.grid_kg_per_kwh.get(key, self.grid_kg_per_kwh["North China"])
        known = sorted(table)
        pick = max((y for y in known if y <= year), default=known[0])
        return table[pick] * (1.0 - self.green_power_share)
