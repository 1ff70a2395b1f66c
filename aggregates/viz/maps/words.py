"""The map's own words, in Chinese and English: layer names and the fields of tooltips and popups.

Popups in Chinese show the English beside it (``产能 capacity``); shared words (chains, cities,
statuses) come from :mod:`aggregates.viz.labels`.
"""

from __future__ import annotations

from aggregates.viz.corridors import MODES
from aggregates.viz.labels import Lang, text

LAYER_NAMES = {
    "basemap": ("底图:道路与城镇", "Basemap: roads and towns"),
    "labels": ("标注:基地与需求点", "Labels: bases and demand nodes"),
    "changes": ("变化(相对A)", "What changed (vs A)"),
    "boundaries": ("行政边界", "Boundaries"),
    "rail_lines": ("铁路线(利用率)", "Rail lines (utilisation)"),
    **{f"flow_{mode}": (f"运输流:{text(mode, 'zh')}", f"Flows: {text(mode, 'en')}") for mode in MODES},
    "terminals": ("装车站/卸车场", "Loading stations / unloading yards"),
    "swap": ("换电站", "Battery-swap stations"),
    "quarries": ("天然砂石矿区(利用率)", "Natural aggregate quarries (utilisation)"),
    "bases": ("砂石基地", "Aggregate bases"),
    "candidates": ("未建候选基地", "Candidate bases not built"),
    "demand": ("需求点", "Demand nodes"),
    "coverage": ("覆盖范围(近距离供应占比)", "Coverage (share supplied from near bases)"),
}
FIELDS = {
    "city": ("城市", "city"),
    "feedstock": ("原料", "feedstock"),
    "status": ("状态", "status"),
    "level": ("产能档位", "capacity level"),
    "capacity": ("产能", "capacity"),
    "utilisation": ("利用率", "utilisation"),
    "output": ("外运量", "shipped"),
    "made": ("产量", "made"),
    "local": ("本地销售", "sold locally"),
    "stockpiled": ("堆存(年末)", "stockpiled (year end)"),
    "disposed": ("处置", "disposed"),
    "feedstock_left": ("剩余原料", "feedstock left"),
    "chains": ("运输方式", "chains used"),
    "shadow": ("产能影子价格", "capacity shadow price"),
    "demand": ("需求量", "demand"),
    "solid_waste": ("固废砂石供应", "solid-waste aggregate"),
    "share": ("固废砂石占比", "share from solid waste"),
    "natural": ("天然砂石", "natural sand and gravel"),
    "unmet": ("未满足", "unmet"),
    "suppliers": ("供应基地", "suppliers"),
    "delivered": ("平均到厂成本", "average delivered cost"),
    "co2e_per_t": ("单位碳排放", "CO2e per tonne"),
    "tonnes": ("运量", "tonnes"),
    "tkm": ("本段周转量", "t-km on this stretch"),
    "cost": ("本段运输成本*", "transport cost here*"),
    "co2e": ("本段碳排放*", "CO2e here*"),
    "apportioned": ("*各流向的总量按距离分摊到本段", "*each flow's total shared out over its route by distance"),
    "flows": ("流向数", "flows"),
    "from_to": ("起讫", "from / to"),
    "load": ("负荷", "load"),
    "section": ("区段", "section"),
    "length": ("长度", "length"),
    "kind": ("类型", "kind"),
    "swaps": ("换电次数", "swaps"),
    "available": ("可供本区域", "available to the markets"),
    "outside_share": ("区外需求占比", "taken by outside demand"),
    "not_built": ("未建(本方案未选)", "not built in this plan"),
    "built_new": ("新建(本方案选中)", "new, built in this plan"),
    "near": ("近距离基地供应", "supplied from near bases"),
    "near_share": ("近距离供应占需求", "share of demand from near bases"),
}


def word(pair: tuple[str, str], lang: Lang, bilingual: bool = False) -> str:
    """``pair`` (zh, en) in ``lang``; with ``bilingual``, Chinese is followed by the English."""
    zh, en = pair
    if lang == "en":
        return en
    return f"{zh} {en}" if bilingual else zh


def layer_name(key: str, lang: Lang) -> str:
    """The name a layer has in the layer control."""
    return word(LAYER_NAMES[key], lang)


def field(key: str, lang: Lang) -> str:
    """A tooltip or popup field's name: Chinese with the English beside it, or English."""
    return word(FIELDS[key], lang, True)
