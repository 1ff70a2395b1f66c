"""Scenario configs: schema, loading, overrides and validation.

A scenario is a YAML file. Every default below names its source tag (see
``configs/SOURCES.md``); a config file only needs to state what differs. Values
can be overridden on the command line with ``--set key.path=value``, validated
like the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aggregates.errors import ConfigError

CHAINS = ("diesel_truck", "bet_truck", "rail_bet", "rail_diesel")
Chain = Literal["diesel_truck", "bet_truck", "rail_bet", "rail_diesel"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DieselTruck(_Strict):
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


class BetTruck(_Strict):
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


class Trucks(_Strict):
    diesel: DieselTruck = DieselTruck()
    bet: BetTruck = BetTruck()
    toll_yuan_per_km: float = Field(
        2.0, ge=0, description="6-axle truck toll on expressways, both directions [FACTS §5.4: 2-3]"
    )
    minimum_charge_yuan_per_t: float = Field(
        12.0, ge=0, description="least a truck leg costs per tonne [FACTS §5.2/§5.3: 10-25]"
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


class TariffClass(_Strict):
    base1_yuan_per_t: float = Field(ge=0)
    base2_yuan_per_tkm: float = Field(ge=0)


def _tariff_table() -> dict[str, TariffClass]:
    # FACTS §5.1, current 整车 table (unverified).
    rows = {"2": (9.5, 0.086), "3": (12.8, 0.091), "4": (16.3, 0.098), "5": (18.6, 0.103), "6": (26.0, 0.138)}
    return {k: TariffClass(base1_yuan_per_t=a, base2_yuan_per_tkm=b) for k, (a, b) in rows.items()}


class Rail(_Strict):
    """Rail freight (FACTS §5.1, §6.2, §7)."""

    tariff_class: str = Field("2", description="运价号 of sand and gravel [FACTS §5.1: probably 2, maybe 4]")
    tariffs: dict[str, TariffClass] = Field(default_factory=_tariff_table)
    tariff_discount: float = Field(0.0, ge=0, lt=1, description="negotiated discount on the tariff [FACTS §5.1]")
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

    @property
    def tariff(self) -> TariffClass:
        return self.tariffs[self.tariff_class]


def _grid_factors() -> dict[str, dict[int, float]]:
    # FACTS §6.1, MEE/NBS location-based factors, kg CO2 per kWh.
    return {
        "Beijing": {2021: 0.5688, 2022: 0.5580},
        "Tianjin": {2021: 0.7355, 2022: 0.7041},
        "Hebei": {2021: 0.7901, 2022: 0.7252},
        "North China": {2021: 0.7120, 2022: 0.6776},
    }


class Emissions(_Strict):
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


def _non_negative(values: dict, what: str) -> dict:
    bad = {k: v for k, v in values.items() if v < 0}
    if bad:
        raise ValueError(f"{what} must be >= 0, got {bad}")
    return values


class DemandScale(_Strict):
    """Scale the region's demand without editing its files (growth, build-out peaks, sensitivity)."""

    factor: float = Field(1.0, gt=0, description="multiplies every node's demand")
    by_city: dict[str, float] = Field(
        default_factory=dict, description="extra factor per demand city, e.g. {Xiong'an: 1.5}"
    )
    by_node: dict[str, float] = Field(default_factory=dict, description="extra factor per demand node id")

    _factors = field_validator("by_city", "by_node")(classmethod(lambda cls, v: _non_negative(v, "factors")))


class Infrastructure(_Strict):
    """Scale the capacities of the region's capacitated resources (build-out scenarios)."""

    terminal_capacity_factor: float = Field(1.0, gt=0, description="multiplies loading and unloading terminal capacity")
    rail_capacity_factor: float = Field(1.0, gt=0, description="multiplies the trains/day of every rail section")
    swap_capacity_factor: float = Field(1.0, gt=0, description="multiplies the swaps/day of every swap station")


class Target(_Strict):
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

    _targets = field_validator("by_year")(classmethod(lambda cls, v: _non_negative(v, "targets")))

    def for_year(self, year: int) -> float:
        """Target in Mt/yr for one year."""
        if year in self.by_year:
            return self.by_year[year]
        return self.mt_per_yr if year >= self.from_year else 0.0


def _natural_prices() -> dict[str, float]:
    # FACTS §5.6 (unverified): natural river sand 150-220 yuan/t delivered in Beijing; crushed stone 70-110.
    return {"sand": 150.0, "coarse": 90.0}


class Prices(_Strict):
    """Prices the objective uses besides transport (which lives under trucks and rail)."""

    natural_yuan_per_t: dict[str, float] = Field(
        default_factory=_natural_prices,
        description="delivered price of natural sand and gravel by product [FACTS §5.6, low ends, unverified]",
    )
    natural_allowed: bool = Field(True, description="natural sand and gravel may cover demand (the status quo)")
    unmet_penalty_yuan_per_t: float = Field(
        5000.0, gt=0, description="price of demand left unmet; far above any real cost so it is a last resort"
    )
    carbon_yuan_per_t_co2e: float | dict[int, float] = Field(
        0.0, description="carbon price on transport CO2e (WTW), one value or per year [scenario choice]"
    )
    discount_rate: float = Field(0.0, ge=0, lt=1, description="yearly discount rate of later years' costs")

    _prices = field_validator("natural_yuan_per_t")(classmethod(lambda cls, v: _non_negative(v, "prices")))

    def carbon_price(self, year: int) -> float:
        """Carbon price in yuan per t CO2e for one year (latest earlier year if not listed)."""
        price = self.carbon_yuan_per_t_co2e
        if isinstance(price, dict):
            known = sorted(price)
            pick = max((y for y in known if y <= year), default=known[0]) if known else None
            return price[pick] if pick is not None else 0.0
        return price


class RailShare(_Strict):
    """Road-to-rail policy: a least rail share of the tonnes moved between far-apart pairs."""

    share: float = Field(0.0, ge=0, le=1, description="least share of tonnes by rail (0: off)")
    above_km: float = Field(150.0, ge=0, description="applies to base-node pairs farther apart (straight line)")


class Coverage(_Strict):
    """Each node must get a least share of its demand from nearby bases."""

    share: float = Field(0.0, ge=0, le=1, description="least share of each node's demand (0: off)")
    within_km: float | None = Field(None, gt=0, description="route km (road + rail) from the base")
    within_hours: float | None = Field(None, gt=0, description="door-to-door hours from the base")

    @model_validator(mode="after")
    def _limit(self) -> Coverage:
        if self.share > 0 and self.within_km is None and self.within_hours is None:
            raise ValueError("with share > 0, set within_km or within_hours")
        return self


class CoverageCheck(_Strict):
    """The rule ``aggregates coverage`` answers with (a question asked of a plan, not a model constraint).

    A site is covered when at least ``share`` of its tonnage can come from bases whose route to it is
    within ``within_km`` route km (road + rail) or within ``within_hours`` door-to-door hours.
    """

    share: float = Field(0.9, gt=0, le=1, description="least share of the site's tonnage from near bases")
    within_km: float | None = Field(300.0, gt=0, description="route km (road + rail) from the base; null: no km limit")
    within_hours: float | None = Field(8.0, gt=0, description="door-to-door hours from the base; null: no hour limit")
    max_snap_km: float = Field(30.0, gt=0, description="farthest a site may be from a road junction of the network")

    @model_validator(mode="after")
    def _limit(self) -> CoverageCheck:
        if self.within_km is None and self.within_hours is None:
            raise ValueError("set within_km or within_hours (or both)")
        return self


ZONE_NAMES = ("beijing_6th_ring", "beijing_5th_ring", "xiongan", "diesel_restricted")


class Policies(_Strict):
    """Optional policy constraints (MODEL.md constraint 7)."""

    emissions_cap_kt_co2e: float | dict[int, float] | None = Field(
        None, description="most transport CO2e (WTW) per year, kt; one value or per year (none: no cap)"
    )
    min_rail_share: RailShare = RailShare()
    zero_emission_zones: list[Literal[ZONE_NAMES]] = Field(
        default_factory=list,
        description="zones where only battery-electric trucks may deliver (rail chains with a BET last mile count)",
    )
    coverage: Coverage = Coverage()
    allow_closing: bool = Field(False, description="bases may drop to a lower level or close in a later year")

    def emissions_cap(self, year: int) -> float | None:
        """Cap in kt CO2e for one year (None: no cap)."""
        cap = self.emissions_cap_kt_co2e
        if isinstance(cap, dict):
            return cap.get(year)
        return cap


class Solver(_Strict):
    """Solver settings; see OR-Tools MathOpt."""

    name: Literal["highs", "scip", "cp_sat"] = Field("highs", description="MIP solver")
    time_limit_s: float = Field(120.0, gt=0, description="wall-clock limit of the solve")
    relative_gap: float = Field(0.001, ge=0, lt=1, description="stop at this proven gap (0.001 = 0.1%)")
    threads: int = Field(1, ge=1, description="solver threads; 1 keeps runs reproducible")
    seed: int = Field(0, ge=0, description="random seed")
    shadow_prices: bool = Field(True, description="LP re-solve with integer choices fixed, for shadow prices")
    presolve: bool = Field(False, description="MIP presolve; off because HiGHS's stalls on larger instances")


class Outputs(_Strict):
    """What ``aggregates optimize`` writes besides the plan's tables: map, charts, report."""

    lang: Literal["zh", "en"] = Field(
        "zh", description="language of map, charts and report (zh adds English in popups)"
    )
    basemap: Literal["none", "osm", "tianditu", "gaode"] = Field(
        "none", description="map background: none works with no network at all"
    )
    offline: bool | None = Field(None, description="embed map scripts and styles; default: unless basemap osm")
    tianditu_key: str | None = Field(None, description="Tianditu API key (or the TIANDITU_KEY environment variable)")
    year: int | None = Field(None, description="year the map shows; default: the first year with a target")
    maps_dir: Path | None = Field(
        Path("maps"), description="also write the map as <maps_dir>/<name>.html (relative to the working folder)"
    )
    charts: bool = Field(True, description="write charts/*.png and charts/*.html")
    report: bool = Field(True, description="write report.html (KPIs, charts, map, tables)")


class Fleet(_Strict):
    """Fleet and operations sizing from a plan (README, "Fleet and operations sizing").

    Train size and days a year come from ``rail`` (``net_t_per_train``, ``operating_days``, ``speed_kmh``),
    truck payloads, range, swap time and days a year from ``trucks``.
    """

    wagons_per_train: int = Field(50, ge=1, description="flat wagons per aggregate train [FACTS §7, S10-S12]")
    containers_per_wagon: int = Field(2, ge=1, description="open-top boxes per wagon [FACTS §7: 50 x 2 = 100]")
    train_loading_hours: float = Field(6.0, gt=0, description="to load a whole train [FACTS §7: < 6 h, S70]")
    train_unloading_hours: float = Field(
        6.0, gt=0, description="to unload a whole train [assumed: as loading; gantry lifts, FACTS §3.2]"
    )
    terminal_dwell_hours: float = Field(
        12.0, ge=0, description="waiting, shunting and inspection per round trip, both ends together [assumed]"
    )
    yard_hours_per_day: float = Field(
        20.0, gt=0, le=24, description="hours a day a loading or unloading track works [assumed]"
    )
    box_staging_hours: float = Field(
        12.0, ge=0, description="hours a box waits in a yard between truck and train, per truck end [assumed]"
    )
    wagon_spare: float = Field(0.10, ge=0, description="wagons held in reserve and repair, share [assumed]")
    container_spare: float = Field(0.10, ge=0, description="boxes held in reserve and repair, share [assumed]")
    truck_speed_loaded_kmh: float = Field(
        50.0, gt=0, description="door-to-door average, loaded [assumed; network speeds 65/45/40/30 by road class]"
    )
    truck_speed_empty_kmh: float = Field(60.0, gt=0, description="door-to-door average, empty [assumed]")
    truck_load_minutes: float = Field(
        30.0, ge=0, description="loading a truck, queue included (loader or gantry lift) [assumed]"
    )
    truck_unload_minutes: float = Field(
        30.0, ge=0, description="unloading a truck, queue included (tipping or gantry lift) [assumed]"
    )
    shift_hours: float = Field(8.0, gt=0, le=24, description="driver shift [assumed]")
    shifts_per_day: float = Field(2.0, gt=0, le=3, description="shifts a truck works a day [assumed]")
    truck_availability: float = Field(
        0.85, gt=0, le=1, description="share of trucks not in maintenance or repair [assumed]"
    )
    driver_days_per_year: float = Field(
        250.0, gt=0, le=366, description="shifts a driver works a year: 5-day week less holidays [assumed]"
    )

    @model_validator(mode="after")
    def _shifts_fit(self) -> Fleet:
        if self.shift_hours * self.shifts_per_day > 24:
            raise ValueError(
                f"shift_hours x shifts_per_day must be <= 24, got {self.shift_hours:g} x {self.shifts_per_day:g}"
            )
        return self


class Scenario(_Strict):
    """A validated scenario. Build with :func:`load_scenario`."""

    name: str
    region: Path
    years: list[int] = Field(default_factory=lambda: [2021, 2022, 2023, 2024, 2025])
    chains: list[Chain] = Field(default_factory=lambda: list(CHAINS))
    trucks: Trucks = Trucks()
    rail: Rail = Rail()
    emissions: Emissions = Emissions()
    demand: DemandScale = DemandScale()
    infrastructure: Infrastructure = Infrastructure()
    target: Target = Target()
    prices: Prices = Prices()
    policies: Policies = Policies()
    solver: Solver = Solver()
    outputs: Outputs = Outputs()
    fleet: Fleet = Fleet()
    coverage_check: CoverageCheck = CoverageCheck()
    source_file: Path | None = Field(None, exclude=True)

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("needs at least one year")
        if sorted(set(v)) != v:
            raise ValueError(f"must be distinct and increasing, got {v}")
        return v

    @field_validator("chains")
    @classmethod
    def _chains(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError(f"needs at least one of {list(CHAINS)}")
        if len(set(v)) != len(v):
            raise ValueError(f"lists a chain twice: {v}")
        return v


def _parse_override(text: str) -> tuple[list[str], object]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set '{text}': expected key.path=value, e.g. --set trucks.bet.range_km=150")
    return key.strip().split("."), yaml.safe_load(raw) if raw.strip() else ""


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Return a copy of ``data`` with each ``key.path=value`` applied.

    Values are parsed as YAML, so ``150``, ``true`` and ``[2022, 2023]`` get their
    natural types. Unknown keys are caught later by validation.
    """
    out = yaml.safe_load(yaml.safe_dump(data))  # deep copy of plain data
    for text in overrides:
        path, value = _parse_override(text)
        node = out
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = value
    return out


def _format_validation(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: {err.error_count()} problem(s) in the scenario:"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        shown = "" if isinstance(got, dict) or got is None else f", got {got!r}"
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see the config reference in README)"
            shown = ""
        lines.append(f"  - {where}: {msg}{shown}")
    return "\n".join(lines)


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}")
    return data


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read_with_parents(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """Read a config and the chain of files it ``extends`` (paths relative to it)."""
    path = path.resolve()
    if path in seen:
        raise ConfigError(f"{path}: 'extends' forms a cycle: {' -> '.join(str(p) for p in (*seen, path))}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if "region" in data and isinstance(data["region"], str):
        data["region"] = str((path.parent / data["region"]).resolve())
    if parent is None:
        return data
    inherited = _read_with_parents(path.parent / str(parent), (*seen, path))
    inherited.pop("name", None)  # a variant is named after its own file unless it says otherwise
    return _merge(inherited, data)


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load, merge and validate a scenario config.

    Parameters
    ----------
    path
        The YAML file. ``region`` is resolved relative to the file; ``extends``
        names a parent config whose values this file overrides.
    overrides
        ``key.path=value`` strings applied after reading, e.g.
        ``["trucks.bet.range_km=150"]``.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ConfigError
        Naming the file and every bad key with what was expected.
    """
    path = Path(path)
    data = _read_with_parents(path)
    data = apply_overrides(data, overrides or [])
    data.setdefault("name", path.stem)
    if "region" not in data:
        raise ConfigError(f"{path}: missing key 'region' (the region folder, relative to the config file)")
    try:
        scenario = Scenario(**data, source_file=path)
    except ValidationError as err:
        raise ConfigError(_format_validation(path, err)) from None
    if not scenario.region.is_dir():
        raise ConfigError(f"{path}: region: folder not found: {scenario.region}")
    return scenario
