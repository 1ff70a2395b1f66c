"""The shared vocabulary, defined once: chains, trucks, products, KPIs, and two rules.

* **Chains** are the transport chains a route option can use; each delivers by one truck
  type (its direct haul, or its first and last miles around a train).
* **KPIs**: every per-year figure of a plan with its unit, its Chinese and English label and
  how it is written (:data:`KPIS`); tables, the CLI, charts and the report label figures from here.
* **The headline-year rule** (:func:`headline_year`): the year a one-year view shows.
* **The nearness rule** (:class:`Nearness`): when a route counts as near; the model's coverage
  policy and the coverage check both use it.

Nothing here depends on any other module of the package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

Chain = Literal["diesel_truck", "bet_truck", "rail_bet", "rail_diesel"]
CHAINS: tuple[Chain, ...] = ("diesel_truck", "bet_truck", "rail_bet", "rail_diesel")
Truck = Literal["diesel", "bet"]
TRUCKS: tuple[Truck, ...] = ("diesel", "bet")
TRUCK_OF_CHAIN: dict[str, Truck] = {
    "diesel_truck": "diesel",
    "bet_truck": "bet",
    "rail_bet": "bet",
    "rail_diesel": "diesel",
}
RAIL_CHAINS: tuple[Chain, ...] = ("rail_bet", "rail_diesel")
# Chains whose last truck leg is diesel: what a zero-emission zone closes.
DIESEL_CHAINS: tuple[Chain, ...] = tuple(c for c in CHAINS if TRUCK_OF_CHAIN[c] == "diesel")
BET_CHAINS: tuple[Chain, ...] = tuple(c for c in CHAINS if TRUCK_OF_CHAIN[c] == "bet")
CHAIN_LABELS: dict[str, tuple[str, str]] = {
    "diesel_truck": ("柴油货车", "diesel truck"),
    "bet_truck": ("纯电动货车", "battery-electric truck"),
    "rail_bet": ("铁路 + 电动短驳", "rail + e-truck first/last mile"),
    "rail_diesel": ("铁路 + 柴油短驳", "rail + diesel first/last mile"),
}
# Short names for narrow tables (CLI mix columns).
CHAIN_SHORT: dict[str, str] = {
    "diesel_truck": "diesel",
    "bet_truck": "BET",
    "rail_bet": "rail+BET",
    "rail_diesel": "rail+diesel",
}
TRUCK_GROUPS: dict[str, str] = {
    "diesel_truck": "diesel trucks, direct haul",
    "bet_truck": "battery-electric trucks, direct haul",
    "rail_diesel": "diesel trucks, first and last mile of rail",
    "rail_bet": "battery-electric trucks, first and last mile of rail",
}

# Heavy-duty diesel emission standards, oldest first: what a city access rule admits (FACTS §4.3, §6.3).
EMISSION_STANDARDS: tuple[str, ...] = ("china_iii", "china_iv", "china_v", "china_vi")
# An access rule that admits every standard (battery-electric trucks have none).
ANY_STANDARD = "any"

PRODUCTS: tuple[str, ...] = ("sand", "coarse")
PRODUCT_LABELS: dict[str, tuple[str, str]] = {
    "sand": ("机制砂", "manufactured sand"),
    "coarse": ("碎石", "crushed stone"),
}
# Demand paths a region's demand_years.csv may carry (column ``path``; empty: every path) and
# a scenario selects with ``demand.path``: the published range's low end, middle and top.
DEMAND_PATHS: tuple[str, ...] = ("low", "central", "high")
DEFAULT_DEMAND_PATH = "central"
# A tonne in a megatonne: model quantities are Mt, tables are tonnes.
MT = 1e6


def is_rail(chain: str) -> bool:
    """Whether ``chain`` hauls by train between its truck legs."""
    return chain in RAIL_CHAINS


# -- KPIs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KPI:
    """One figure of a plan's year.

    Attributes
    ----------
    key
        Its name in ``kpis.json`` and every table.
    unit
        Unit of the stored value (``Mt``, ``yuan``, ``t``, ``share``, ...).
    zh, en
        Label in Chinese and English.
    scale, shown
        A display multiplies the value by ``scale`` and writes ``shown`` as the unit
        (e.g. yuan shown as billion yuan: 1e-9, ``billion yuan``); ``None``: the unit as
        stored, ``""``: no unit (counts).
    digits
        Decimals shown.
    """

    key: str
    unit: str
    zh: str
    en: str
    scale: float = 1.0
    shown: str | None = None
    digits: int = 1

    @property
    def display_unit(self) -> str:
        """The unit a display writes after the number (empty for counts, shares and yes/no)."""
        unit = self.unit if self.shown is None else self.shown
        return "" if unit in ("share", "bool") else unit

    def label(self, lang: str = "en", with_unit: bool = True) -> str:
        """The label in ``lang``, with the display unit after a comma."""
        name = self.zh if lang == "zh" else self.en
        unit = self.display_unit
        return f"{name}, {unit}" if with_unit and unit else name

    def format(self, value: float | None) -> str:
        """``value`` as shown: scaled, thousands separators, ``digits`` decimals; ``-`` when missing."""
        if value is None or (isinstance(value, float) and value != value):
            return "-"
        if self.unit == "share":
            return f"{value * 100:,.{self.digits}f}%"
        return f"{value * self.scale:,.{self.digits}f}"


def _kpi(key, unit, zh, en, scale=1.0, shown=None, digits=1) -> KPI:
    return KPI(key, unit, zh, en, scale, shown, digits)


KPIS: dict[str, KPI] = {
    k.key: k
    for k in (
        _kpi("substitution_mt", "Mt", "固废砂石替代量", "substitution", digits=1),
        _kpi("target_mt", "Mt", "目标", "target", digits=1),
        _kpi("target_met", "bool", "目标达成", "target met"),
        _kpi("demand_mt", "Mt", "需求", "demand", digits=1),
        _kpi("natural_mt", "Mt", "天然砂石", "natural sand and gravel", digits=1),
        _kpi("natural_quarry_mt", "Mt", "区内矿山天然砂石", "natural from the region's quarries", digits=1),
        _kpi("natural_import_mt", "Mt", "区外调入天然砂石", "natural imported by rail", digits=1),
        _kpi("natural_co2e_t", "t", "天然砂石运输碳排放", "CO2e of natural (WTW)", 1e-3, "kt", 1),
        _kpi("unmet_mt", "Mt", "未满足需求", "unmet demand", digits=1),
        _kpi("rail_share_t", "share", "铁路运量占比", "rail share of t", digits=1),
        _kpi("rail_share_tkm", "share", "铁路周转量占比", "rail share of t-km", digits=1),
        _kpi("cost_yuan", "yuan", "总成本", "total cost", 1e-9, "billion yuan", 2),
        _kpi("cost_yuan_per_t", "yuan/t", "到厂成本", "delivered cost", 1.0, "yuan/t", 1),
        _kpi("fixed_cost_yuan", "yuan", "基地固定成本", "fixed cost", 1e-9, "billion yuan", 2),
        _kpi("production_cost_yuan", "yuan", "加工成本", "production cost", 1e-9, "billion yuan", 2),
        _kpi("transport_cost_yuan", "yuan", "运输成本", "transport cost", 1e-9, "billion yuan", 2),
        _kpi("carbon_cost_yuan", "yuan", "碳成本", "carbon cost", 1e-9, "billion yuan", 2),
        _kpi("natural_cost_yuan", "yuan", "天然砂石采购", "natural purchase", 1e-9, "billion yuan", 2),
        _kpi("system_cost_yuan", "yuan", "系统总成本", "system cost", 1e-9, "billion yuan", 3),
        _kpi("penalty_cost_yuan", "yuan", "罚金", "penalties", 1e-9, "billion yuan", 3),
        _kpi("co2e_t", "t", "二氧化碳当量", "CO2e (WTW)", 1e-3, "kt", 1),
        _kpi("co2e_ttw_t", "t", "二氧化碳当量 (TTW)", "CO2e (TTW)", 1e-3, "kt", 1),
        _kpi("co2e_kg_per_t", "kg/t", "单位碳排放", "CO2e per t", 1.0, "kg/t", 2),
        _kpi("nox_t", "t", "氮氧化物", "NOx", 1.0, "t", 0),
        _kpi("pm_t", "t", "颗粒物", "PM", 1.0, "t", 1),
        _kpi("tkm_road", "t-km", "公路周转量", "road t-km", 1e-9, "billion t-km", 2),
        _kpi("tkm_rail", "t-km", "铁路周转量", "rail t-km", 1e-9, "billion t-km", 2),
        _kpi("truck_km", "km", "货车行驶里程", "truck-km", 1e-6, "million", 1),
        _kpi("trains_per_day", "1/day", "每日列车", "trains/day", 1.0, "", 1),
        _kpi("truck_trips_per_day", "1/day", "每日货车车次", "truck trips/day", 1.0, "", 0),
        _kpi("swaps_per_day", "1/day", "每日换电次数", "swaps/day", 1.0, "", 1),
        _kpi("nev_trucks", "trucks", "纯电动货车", "battery-electric trucks", 1.0, "", 0),
        _kpi("diesel_trucks", "trucks", "柴油货车", "diesel trucks", 1.0, "", 0),
        _kpi("wagons", "wagons", "车皮", "wagons", 1.0, "", 0),
        _kpi("containers", "boxes", "集装箱", "containers", 1.0, "", 0),
        _kpi("bases_open", "bases", "运营基地", "bases open", 1.0, "", 0),
        _kpi("capacity_mt", "Mt/yr", "产能", "capacity", 1.0, "Mt/yr", 1),
        _kpi("coproduct_local_mt", "Mt", "副产品本地销售", "co-products sold locally", digits=1),
        _kpi("coproduct_stock_mt", "Mt", "副产品年末堆存", "co-products stockpiled", digits=1),
        _kpi("coproduct_disposed_mt", "Mt", "副产品处置", "co-products disposed", digits=1),
        _kpi("coproduct_cost_yuan", "yuan", "副产品净成本", "co-product net cost", 1e-9, "billion yuan", 3),
        _kpi("mip_gap", "share", "相对间隙", "MIP gap", digits=3),
        _kpi("by_chain_mt", "Mt", "各运输方式运量", "tonnes by chain"),
        _kpi("by_city_mt", "Mt", "各供应城市产量", "output by supply city"),
        _kpi("to_city_mt", "Mt", "各市场供应量", "deliveries by market"),
        _kpi("intensity_by_chain", "g/t-km", "各运输方式排放强度", "intensity by chain", digits=2),
        _kpi("intensity_by_leg", "g/t-km", "各运输环节排放强度", "intensity by leg", digits=2),
        _kpi("fleet", "", "车队与运营", "fleet and operations"),
    )
}


# -- the headline-year rule ------------------------------------------------------------------


def headline_year(years: Iterable[int], target_of: Callable[[int], float], year: int | None = None) -> int:
    """The year a one-year view shows: ``year`` if given, else the first year with a target, else the first.

    Parameters
    ----------
    years
        The planning years.
    target_of
        The substitution target of a year (0: none).
    year
        The year asked for, if any.

    Raises
    ------
    ValueError
        When ``year`` is not one of ``years``, or there are no years.
    """
    known = sorted(int(y) for y in years)
    if not known:
        raise ValueError("there are no planning years")
    if year is not None:
        if int(year) not in known:
            raise ValueError(f"year {year} is not planned; the years are {', '.join(map(str, known))}")
        return int(year)
    targeted = [y for y in known if target_of(y) > 0]
    return (targeted or known)[0]


# -- the nearness rule -----------------------------------------------------------------------


@dataclass(frozen=True)
class Nearness:
    """When a route counts as near: route km (road + rail) within ``within_km`` OR door-to-door hours
    within ``within_hours``. A limit that is ``None`` does not apply; with neither, nothing is near."""

    within_km: float | None = None
    within_hours: float | None = None

    def mask(self, km, hours) -> np.ndarray:
        """Whether each route (arrays of route km and hours) is near."""
        km, hours = np.asarray(km, float), np.asarray(hours, float)
        near = np.zeros(km.shape, dtype=bool)
        if self.within_km is not None:
            near |= km <= self.within_km
        if self.within_hours is not None:
            near |= hours <= self.within_hours
        return near

    def of_routes(self, table: Mapping) -> np.ndarray:
        """:meth:`mask` of a table with ``km_road``, ``km_rail`` and ``hours`` columns."""
        return self.mask(np.asarray(table["km_road"], float) + np.asarray(table["km_rail"], float), table["hours"])

    def text(self) -> str:
        """The rule in words, e.g. ``within 300 km or 8 h``."""
        limits = [f"{self.within_km:g} km"] if self.within_km is not None else []
        limits += [f"{self.within_hours:g} h"] if self.within_hours is not None else []
        return "within " + " or ".join(limits) if limits else "nowhere (no limit set)"

    def short(self) -> str:
        """The limits as ``≤ 300 km / ≤ 8 h``."""
        parts = [f"≤ {self.within_km:g} km"] if self.within_km is not None else []
        parts += [f"≤ {self.within_hours:g} h"] if self.within_hours is not None else []
        return " / ".join(parts)


# ---- coverage answers (``aggregates coverage``): words shared by the CLI, the files and the pages ----
NATURAL_PRODUCT_LABELS: dict[str, tuple[str, str]] = {
    "sand": ("天然砂", "natural sand"),
    "coarse": ("天然碎石", "natural gravel"),
}
COVERAGE_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "covered": ("可以供应", "covered"),
    "partly": ("部分供应", "partly covered"),
    "not": ("无法供应", "not covered"),
}
# What a coverage answer holds against: a published plan's spare room, or a new solve with the site in it.
COVERAGE_BASIS_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("按已发布规划的剩余产能", "against the published plan's spare capacity"),
    "reoptimised": ("按加入该工地后重新优化全区域", "re-optimising the whole region with your site added"),
}
