"""Transport parameters of a scenario: trucks and rail (costs, energy, exhaust, speeds).

Every default names its source tag ("FACTS §x.y" is section x.y of docs/DATA.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from aggregates.config.base import Strict
from aggregates.vocab import EMISSION_STANDARDS


class DieselTruck(Strict):
    """Diesel 6x4 tractor, 49 t GVW (FACTS §5.4, §6.2, §6.3)."""

    payload_t: float = Field(31.0, gt=0, description="net payload, t [FACTS §5.4: 31-35 t]")
    fuel_l_per_100km_loaded: float = Field(35.0, gt=0, description="[FACTS §5.4: 32-38]")
    fuel_l_per_100km_empty: float = Field(25.0, gt=0, description="[FACTS §5.4: 22-27]")
    fuel_price_yuan_per_l: float = Field(7.6, gt=0, description="[FACTS §5.4: 7.5-8.0]")
    operating_cost_yuan_per_km: float = Field(
        2.0, ge=0, description="driver, depreciation, maintenance per km driven [FACTS §5.4: 4-6 all-in less fuel]"
    )
    nox_g_per_km: float = Field(2.0, ge=0, description="fleet mix, mostly China VI [FACTS §6.3: V 5-8, VI 0.5-2]")
    pm_g_per_km: float = Field(0.02, ge=0, description="[FACTS §6.3: V 0.05-0.1, VI <=0.01]")
    emission_standard: Literal[EMISSION_STANDARDS] = Field(
        "china_vi",
        description=(
            "emission standard of the diesel fleet, checked against city access rules "
            "[assumed: new heavy trucks China VI from 2021-07, FACTS §6.3; China III banned in Beijing, FACTS §4.3]"
        ),
    )


class BetTruck(Strict):
    """Battery-electric swap truck (FACTS §5.5, §6.2)."""

    payload_t: float = Field(28.0, gt=0, description="[FACTS §5.5: ~30 t; 2-4 t below diesel]")
    kwh_per_km_loaded: float = Field(1.7, gt=0, description="[FACTS §5.5: 1.3-1.9]")
    kwh_per_km_empty: float = Field(1.15, gt=0, description="[FACTS §5.5: 1.0-1.3]")
    charging_loss: float = Field(0.08, ge=0, lt=1, description="[FACTS §6.2: 8%]")
    electricity_price_yuan_per_kwh: float = Field(
        1.0, gt=0, description="depot charging [FACTS §5.5: 1.0-1.5 with swap]"
    )
    operating_cost_yuan_per_km: float = Field(
        2.0, ge=0, description="driver, depreciation, maintenance [assumed: TCO near parity, FACTS §5.5 -35%..+10%]"
    )
    range_km: float = Field(120.0, gt=0, description="range per charge or swap [FACTS §5.5: ~120 km]")
    swap_minutes: float = Field(6.0, ge=0, description="[FACTS §5.5: 5-8 min]")
    swap_fee_yuan: float = Field(
        80.0, ge=0, description="service fee per swap [assumed: 282 kWh x ~0.3 yuan/kWh premium, FACTS §5.5]"
    )
    nox_g_per_km: float = Field(0.0, ge=0, description="no exhaust")
    pm_g_per_km: float = Field(0.0, ge=0, description="exhaust PM only; no exhaust")


class Trucks(Strict):
    diesel: DieselTruck = DieselTruck()
    bet: BetTruck = BetTruck()
    toll_yuan_per_km: float = Field(
        2.0, ge=0, description="6-axle truck toll on expressways, both directions [FACTS §5.4: 2-3]"
    )
    minimum_charge_yuan_per_t: float = Field(
        12.0, ge=0, description="least a truck leg costs per tonne [assumed; FACTS §5.2: 10-20 drayage, §5.3: 15-25]"
    )
    speed_kmh: dict[str, float] = Field(
        default_factory=lambda: {"expressway": 65.0, "national": 45.0, "provincial": 40.0, "access": 30.0},
        description="loaded heavy-truck average speed by road class [assumed]",
    )
    access_circuity: float = Field(1.3, ge=1.0, description="road km per straight km for site connections [assumed]")
    operating_days: float = Field(300.0, gt=0, le=366, description="days a year trucks haul aggregate [assumed]")

    @field_validator("speed_kmh")
    @classmethod
    def _speeds(cls, v: dict[str, float]) -> dict[str, float]:
        missing = {"expressway", "national", "provincial", "access"} - set(v)
        if missing:
            raise ValueError(f"needs a speed for every road class; missing {sorted(missing)}")
        bad = {k: s for k, s in v.items() if s <= 0}
        if bad:
            raise ValueError(f"speeds must be > 0, got {bad}")
        return v


class TariffClass(Strict):
    base1_yuan_per_t: float = Field(ge=0)
    base2_yuan_per_tkm: float = Field(ge=0)


def _tariff_table() -> dict[str, TariffClass]:
    # FACTS §5.1, current 整车 table (unverified).
    rows = {"2": (9.5, 0.086), "3": (12.8, 0.091), "4": (16.3, 0.098), "5": (18.6, 0.103), "6": (26.0, 0.138)}
    return {k: TariffClass(base1_yuan_per_t=a, base2_yuan_per_tkm=b) for k, (a, b) in rows.items()}


class ContainerTariff(Strict):
    """Per-box tariff of the 20 ft open-top boxes aggregate trains carry (FACTS §5.1, §5.2, §7, §9)."""

    base_yuan_per_box: float = Field(440.0, ge=0, description="基价1 of a 20 ft box [FACTS §5.1, unverified]")
    yuan_per_box_km: float = Field(3.185, ge=0, description="基价2 of a 20 ft box per km [FACTS §5.1, unverified]")
    boxes_per_train: int = Field(100, ge=1, description="50 wagons x 2 boxes: 32 t net a box [FACTS §7, S10, S11]")
    empty_return_share: float = Field(
        0.4,
        ge=0,
        le=1,
        description="an empty shipper-owned box returning pays this share of the loaded box's tariff "
        "[assumed; FACTS §9: empty boxes are charged, the rate was not found]",
    )
    lift_fee_yuan_per_box: float | None = Field(
        150.0,
        ge=0,
        description="gantry lift per box at each terminal, replacing the terminals' per-tonne handling cost; "
        "null keeps the terminals' figures [FACTS §5.2: 100-200, unverified]",
    )


class Rail(Strict):
    """Rail freight (FACTS §5.1, §6.2, §7)."""

    tariff_basis: Literal["container", "wagon_load"] = Field(
        "container",
        description="container: per box and box-km with the empty return and lifts per box (how aggregate "
        "trains run, FACTS §9); wagon_load: the per-tonne 整车 class `tariff_class`",
    )
    container: ContainerTariff = ContainerTariff()
    aggregate_mt_by_year: dict[str, dict[int, float]] = Field(
        default_factory=dict,
        description="aggregate rail into a city, Mt/yr by year; a year not listed takes the latest earlier "
        "listed value (the first listed before it); a city not listed is limited only by yards and sections. "
        "Cities are a region's, so the code sets none; configs/default.yaml sets Beijing's "
        "[2024 3.85 Mt S69, 2023 2.2 derived (+75.2 %), 2021-2022 held at 2023 and 2025 +75 % assumed]",
    )
    tariff_class: str = Field("2", description="运价号 of sand and gravel [FACTS §5.1: probably 2, maybe 4]")
    tariffs: dict[str, TariffClass] = Field(default_factory=_tariff_table)
    tariff_discount: float = Field(0.0, ge=0, lt=1, description="negotiated discount on the tariff [FACTS §5.1]")
    tariff_factor: float = Field(
        1.0, gt=0, description="multiplier of the line-haul tariff on either basis (sensitivity lever; 1 = as is)"
    )
    electrification_surcharge_yuan_per_tkm: float = Field(0.012, ge=0, description="[FACTS §5.1]")
    speed_kmh: float = Field(35.0, gt=0, description="commercial speed of aggregate trains [assumed]")
    net_t_per_train: float = Field(3200.0, gt=0, description="50 wagons x 2 boxes [FACTS §7]")
    operating_days: float = Field(330.0, gt=0, le=366, description="days a year trains run [assumed]")
    kwh_per_10k_gross_tkm: float = Field(100.0, gt=0, description="electric traction [FACTS §6.2: 60-130]")
    diesel_kg_per_10k_gross_tkm: float = Field(26.0, gt=0, description="diesel traction [FACTS §6.2: 20-32]")
    gross_per_net: float = Field(2.0, ge=1, description="gross t-km per net t-km incl. empty return [FACTS §6.2]")
    locomotive_nox_g_per_kg_fuel: float = Field(50.0, ge=0, description="[assumed]")
    locomotive_pm_g_per_kg_fuel: float = Field(1.5, ge=0, description="[assumed]")
    max_first_mile_km: float = Field(80.0, gt=0, description="farthest road leg to a loading station [assumed]")

    @field_validator("tariff_class", mode="before")
    @classmethod
    def _class_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _class_known(self) -> Rail:
        if self.tariff_class not in self.tariffs:
            raise ValueError(f"tariff_class '{self.tariff_class}' is not in tariffs ({sorted(self.tariffs)})")
        return self

    @field_validator("aggregate_mt_by_year")
    @classmethod
    def _ramp(cls, v: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        for city, by_year in v.items():
            if not by_year:
                raise ValueError(f"city '{city}' needs at least one year, e.g. {{{city}: {{2024: 3.85}}}}")
            bad = {y: mt for y, mt in by_year.items() if not mt >= 0}
            if bad:
                raise ValueError(f"city '{city}': Mt/yr must be >= 0, got {bad}")
        return v

    @property
    def tariff(self) -> TariffClass:
        return self.tariffs[self.tariff_class]

    @property
    def net_t_per_box(self) -> float:
        """Net tonnes a box carries: ``net_t_per_train`` over ``container.boxes_per_train``."""
        return self.net_t_per_train / self.container.boxes_per_train

    def aggregate_mt(self, city: str, year: int) -> float | None:
        """Aggregate rail into ``city`` in ``year``, Mt/yr; None when the city has no limit."""
        by_year = self.aggregate_mt_by_year.get(city)
        if by_year is None:
            return None
        years = sorted(by_year)
        earlier = [y for y in years if y <= year]
        return float(by_year[earlier[-1] if earlier else years[0]])
