"""Words shown on maps, charts and the report, in Chinese and English.

``text(key, lang)`` looks a key up; ``both(key)`` gives "中文 English" for popups,
which show English beside the Chinese by default.

Chains, products and KPIs are named once, in :mod:`aggregates.vocab`; their words here are those
(a KPI by its key: ``text("cost_yuan_per_t", "zh") == "到厂成本"``). What is only shown (units,
titles, places, statuses, the report's headings) is named here.
"""

from __future__ import annotations

from typing import Literal

from aggregates.vocab import CHAIN_LABELS, KPIS, PRODUCT_LABELS

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


def _kpi_words() -> dict[str, tuple[str, str]]:
    return {key: (kpi.zh, kpi.en) for key, kpi in KPIS.items()}


_WORDS: dict[str, tuple[str, str]] = {
    # chains, and the modes drawn on the map (a truck mode is named as its direct-haul chain)
    **CHAIN_LABELS,
    "rail": ("铁路", "rail"),
    "bet": CHAIN_LABELS["bet_truck"],
    "diesel": CHAIN_LABELS["diesel_truck"],
    **PRODUCT_LABELS,
    # KPIs, by their key in kpis.json: substitution_mt, cost_yuan_per_t, co2e_t, ...
    **_kpi_words(),
    # places
    "Beijing": ("北京", "Beijing"),
    "Tianjin": ("天津", "Tianjin"),
    "Xiong'an": ("雄安新区", "Xiong'an"),
    "Zhangjiakou": ("张家口", "Zhangjiakou"),
    "Chengde": ("承德", "Chengde"),
    "Tangshan": ("唐山", "Tangshan"),
    # feedstock
    "iron_tailings": ("铁尾矿", "iron tailings"),
    "vti_tailings": ("钒钛磁铁矿尾矿", "V-Ti magnetite tailings"),
    "gold_tailings": ("金尾矿", "gold tailings"),
    "waste_rock": ("废石", "waste rock"),
    "mixed_tailings": ("混合尾矿", "mixed tailings"),
    # base status
    "existing": ("已建", "existing"),
    "new": ("新建", "new"),
    "expanded": ("扩建", "expanded"),
    "candidate": ("候选", "candidate"),
    # resources
    "terminal": ("装卸站", "terminal"),
    "rail_section": ("铁路区段", "rail section"),
    "rail_market": ("进城铁路砂石运量", "aggregate rail into a city"),
    "swap_station": ("换电站", "battery-swap station"),
    "loading": ("装车站", "loading station"),
    "unloading": ("卸车场", "unloading yard"),
    # years and targets
    "year": ("年份", "year"),
    "met": ("已达成", "met"),
    "missed": ("未达成", "missed"),
    # units
    "yuan_per_t": ("元/吨", "yuan/t"),
    "t": ("吨", "t"),
    "kg_per_t": ("千克/吨", "kg/t"),
    "g_per_tkm": ("克/吨公里", "g/t-km"),
    # units of charts and the report: Chinese as the map writes them (aggregates/viz/fmt.py)
    "tonnes_unit": ("万吨", "Mt"),
    "tonnes_per_yr_unit": ("万吨/年", "Mt/yr"),
    "money_unit": ("亿元", "billion yuan"),
    "co2e_unit": ("万吨", "kt"),
    # charts (aggregates/viz/charts/)
    "chart_substitution": ("固废砂石替代量与目标", "Solid-waste aggregate substitution vs target"),
    "chart_output": ("各城市、各基地产量", "Output by supply city and base"),
    "chart_mode_split": ("运输方式结构", "Tonnes by transport chain"),
    "chart_cost": ("成本构成", "Cost breakdown"),
    "chart_emissions": ("运输排放 (按运输方式)", "Transport emissions by chain"),
    "no_target": ("无目标", "no target"),
    "output": ("产量", "output"),
    "shipped": ("外运量", "shipped"),
    "sold_locally": ("本地销售", "sold locally"),
    "stockpiled": ("年末堆存", "stockpiled"),
    "disposed": ("处置", "disposed"),
    "utilisation": ("产能利用率", "utilisation"),
    "city": ("城市", "city"),
    "base": ("基地", "base"),
    "status": ("状态", "status"),
    "chain": ("运输方式", "transport chain"),
    "share": ("占比", "share"),
    "cost_part": ("成本项", "cost item"),
    "total": ("合计", "total"),
    # report (aggregates/viz/report/)
    "report_title": ("固废砂石供应方案", "Solid-waste aggregate supply plan"),
    "scenario": ("情景", "scenario"),
    "solver_status": ("求解状态", "solver status"),
    "solver_limit": ("求解限制", "solver limit"),
    "access_rules": ("城市货车通行规则", "city access rules"),
    "access_on": ("启用(柴油车夜间进京)", "on (diesel into Beijing at night)"),
    "access_off": ("未启用", "off"),
    "in_windows": ("时段内配送", "delivered in windows"),
    "headline_year": ("重点年份", "headline year"),
    "kpis_by_year": ("分年指标", "KPIs by year"),
    "charts": ("图表", "charts"),
    "charts_need_browser": (
        "图表和地图需在浏览器中打开本页才能显示；邮件预览会去掉脚本，看不到图表。",
        "Open this page in a web browser to see the charts and the map: email previews strip scripts and show no charts.",
    ),
    "map": ("地图", "map"),
    "bases_table": ("基地", "bases"),
    "demand_table": ("各城市需求 (按产品)", "demand by city and product"),
    "resources_table": ("最紧约束资源 (前15项)", "most binding resources (top 15)"),
    "no_binding_resources": ("没有利用率达到99%的资源。", "No resource is used to 99 % or more."),
    "name": ("名称", "name"),
    "level": ("规模等级", "level"),
    "not_built": ("未建", "not built"),
    "feedstock_left": ("剩余原料", "feedstock left"),
    "product": ("产品", "product"),
    "solid_waste": ("固废砂石", "solid-waste aggregate"),
    "solid_waste_share": ("固废砂石占比", "solid-waste share"),
    "resource": ("资源", "resource"),
    "kind": ("类型", "kind"),
    "load": ("负荷", "load"),
    "unit": ("单位", "unit"),
    "shadow_price": ("影子价格", "shadow price"),
    "yuan_per_unit": ("元/单位", "yuan/unit"),
    "target_status": ("目标达成情况", "target status"),
    # supply matrix, conclusion and print (aggregates/viz/supply_matrix.py, report)
    "supply_city": ("供应城市", "supply city"),
    "market": ("需求城市", "market"),
    "supply_matrix": ("供需矩阵:谁以何种方式供应哪个市场", "Supply matrix: who supplies which market, by which mode"),
    "chart_supply": ("各供应城市到各市场的运量 (按运输方式)", "Tonnes from each supply city to each market, by mode"),
    "conclusion": ("结论", "in one sentence"),
    # solver statuses and resource units, in the report's language
    "optimal": ("最优", "optimal"),
    "feasible": ("可行", "feasible"),
    "t/yr": ("吨/年", "t/yr"),
    "swaps/yr": ("次/年", "swaps/yr"),
    # trade-off charts (aggregates/viz/charts/tradeoffs.py)
    "chart_pareto": ("成本与碳排放的帕累托前沿", "Cost-CO2e Pareto front"),
    "chart_sensitivity": ("敏感性分析", "Sensitivity"),
    "chart_tornado": ("参数敏感性龙卷风图", "Tornado: which parameter moves the plan most"),
    "mac": ("边际减排成本", "marginal abatement cost"),
    "yuan_per_t_co2e": ("元/吨CO2e", "yuan/t CO2e"),
    "emissions_cap": ("排放上限", "emissions cap"),
    "point": ("前沿点", "point"),
    "min_cost": ("成本最低", "least cost"),
    "min_co2e": ("排放最低", "least CO2e"),
    "cap": ("限定排放", "capped"),
    "low": ("低值", "low"),
    "high": ("高值", "high"),
    "end": ("取值端", "end"),
    "base_case": ("基准情景", "base case"),
    "change_from_base": ("相对基准的变化", "change from the base case"),
    "parameter": ("参数", "parameter"),
    "value": ("取值", "value"),
    "diesel_price": ("柴油价格 (元/升)", "diesel price (yuan/L)"),
    "electricity_price": ("电动货车电价 (元/千瓦时)", "e-truck electricity price (yuan/kWh)"),
    "rail_tariff": ("铁路运价 (倍数)", "rail tariff (multiplier)"),
    "carbon_price": ("碳价 (元/吨CO2e)", "carbon price (yuan/t CO2e)"),
    "grid_factor": ("电网排放因子 (倍数)", "grid emission factor (multiplier)"),
    "demand_growth": ("需求倍数", "demand factor"),
    # risk charts (aggregates/viz/charts/risk.py)
    "chart_risk_cost": ("不确定条件下的系统总成本", "System cost across the sampled futures"),
    "chart_risk_substitution": ("不确定条件下的替代量", "Substitution across the sampled futures"),
    "samples_count": ("个样本", "samples"),
    "probability": ("概率", "probability"),
    "cumulative_probability": ("累积概率", "cumulative probability"),
    "sample": ("样本", "sample"),
    "target": ("目标", "target"),
}


def text(key: str, lang: Lang) -> str:
    """The word for ``key`` in ``lang``; unknown keys come back unchanged."""
    zh, en = _WORDS.get(key, (key, key))
    return zh if lang == "zh" else en


def pair(key: str) -> tuple[str, str]:
    """The (Chinese, English) words for ``key``; unknown keys come back unchanged."""
    return _WORDS.get(key, (key, key))


def with_unit(key: str, unit: str, lang: Lang) -> str:
    """The word for ``key`` with ``unit`` in brackets, e.g. ``到厂成本 (元/吨)``."""
    return f"{text(key, lang)} ({unit})"


def both(key: str, lang: Lang = "zh") -> str:
    """``key`` in ``lang``, followed by the English in brackets when ``lang`` is Chinese."""
    zh, en = _WORDS.get(key, (key, key))
    return f"{zh} ({en})" if lang == "zh" and zh != en else text(key, lang)


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported language.

    Raises
    ------
    ValueError
        Naming the supported languages.
    """
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got '{lang}'")
    return lang  # type: ignore[return-value]
