"""The report's tables of one year: bases, demand by city and product, and the most binding resources."""

from __future__ import annotations

from typing import Any

import pandas as pd

from aggregates.plan import Plan
from aggregates.viz.charts.units import Unit, unit
from aggregates.viz.labels import Lang, text, with_unit
from aggregates.viz.layers import MapLayers
from aggregates.viz.report.cells import escape, fmt_in, fmt_number, fmt_percent, table_html

BINDING_UTILISATION = 0.99
BINDING_ROWS = 15


def shown_name(frame: pd.DataFrame, lang: Lang) -> pd.Series:
    """Each row's name in ``lang`` (the English one where there is no Chinese)."""
    names = frame["name_zh"] if lang == "zh" and "name_zh" in frame else frame["name"]
    return names.where(names.notna(), frame["name"]).astype(str)


def bases_table(plan: Plan, lang: Lang, year: int) -> str:
    """The bases of ``year`` by city, largest output (made) first, where it went, with a total row."""
    b = plan.bases[plan.bases["year"] == year].assign(shown_name=lambda f: shown_name(f, lang))
    city_total = b.groupby("city")["made_t"].transform("sum")
    b = b.assign(city_total=city_total).sort_values(
        ["city_total", "city", "made_t", "base"], ascending=[False, True, False, True]
    )
    fates = ("output_t", "local_t", "stock_t", "disposed_t")
    t, per_yr = unit("tonnes", lang), unit("tonnes_per_yr", lang)
    headers = [
        (text("city", lang), False),
        (text("name", lang), False),
        (text("status", lang), False),
        (text("level", lang), True),
        (with_unit("capacity_mt", per_yr.name, lang), True),
        (with_unit("output", t.name, lang), True),
        (text("utilisation", lang), True),
        *((with_unit(word, t.name, lang), True) for word in ("shipped", "sold_locally", "stockpiled", "disposed")),
        (with_unit("feedstock_left", t.name, lang), True),
    ]
    rows = [
        [
            text(r.city, lang),
            r.shown_name,
            text(r.status, lang),
            str(int(r.level)) if r.level >= 0 else text("not_built", lang),
            fmt_in(r.capacity_t, per_yr),
            fmt_in(r.made_t, t),
            fmt_percent(r.utilisation, 0),
            *(fmt_in(getattr(r, c), t) for c in fates),
            fmt_in(r.feedstock_left_t, t, 1),
        ]
        for r in b.itertuples()
    ]
    total = [
        text("total", lang),
        "",
        "",
        "",
        fmt_in(b["capacity_t"].sum(), per_yr),
        fmt_in(b["made_t"].sum(), t),
        "",
        *(fmt_in(b[c].sum(), t) for c in fates),
        fmt_in(b["feedstock_left_t"].sum(), t, 1),
    ]
    return table_html(headers, rows, total)


def _demand_rows(d: pd.DataFrame) -> pd.DataFrame:
    """Demand summed by city and product, the delivered cost weighted by solid-waste tonnes."""
    d = d.assign(cost_yuan=(d["delivered_cost_yuan_per_t"].fillna(0) * d["solid_waste_t"]))
    g = d.groupby(["city", "product"], sort=True)[["demand_t", "solid_waste_t", "natural_t", "unmet_t", "cost_yuan"]]
    return g.sum().reset_index()


def _demand_cells(r: Any, city: str, product: str, t: Unit) -> list[str]:
    share = r.solid_waste_t / r.demand_t if r.demand_t > 0 else float("nan")
    cost = r.cost_yuan / r.solid_waste_t if r.solid_waste_t > 0 else float("nan")
    return [
        city,
        product,
        fmt_in(r.demand_t, t),
        fmt_in(r.solid_waste_t, t),
        fmt_percent(share),
        fmt_in(r.natural_t, t),
        fmt_in(r.unmet_t, t),
        fmt_number(cost, 2),
    ]


def demand_table(plan: Plan, lang: Lang, year: int) -> str:
    """Demand of ``year`` by city and product: solid-waste share, natural, unmet and delivered cost; a total row."""
    sums = _demand_rows(plan.demand[plan.demand["year"] == year])
    t = unit("tonnes", lang)
    headers = [
        (text("city", lang), False),
        (text("product", lang), False),
        (with_unit("demand_mt", t.name, lang), True),
        (with_unit("solid_waste", t.name, lang), True),
        (text("solid_waste_share", lang), True),
        (with_unit("natural_mt", t.name, lang), True),
        (with_unit("unmet_mt", t.name, lang), True),
        (with_unit("cost_yuan_per_t", text("yuan_per_t", lang), lang), True),
    ]
    rows = [_demand_cells(r, text(r.city, lang), text(r.product, lang), t) for r in sums.itertuples()]
    total = _demand_cells(sums.drop(columns=["city", "product"]).sum(), text("total", lang), "", t)
    return table_html(headers, rows, total)


def resource_names(layers: MapLayers | None, lang: Lang) -> dict[str, str]:
    """Names of terminals, swap stations and rail sections by resource id, in ``lang`` (from the map layers).

    A rail section is its line and its two stations (``京承铁路 怀柔–密云``); none without ``layers``.
    """
    if layers is None or lang != "zh":
        return {}
    names = {}
    for points in (layers.terminals, layers.swap_stations):
        if "name_zh" in points:
            names.update(zip(points["id"], points["name_zh"], strict=True))
    stations = {}
    if "kind" in layers.places:
        places = layers.places
        stations = dict(zip(places["id"], places["name_zh"], strict=True))
    rail = layers.rail_segments
    if "line_zh" in rail:
        for sid, line, a, b in zip(rail["id"], rail["line_zh"], rail["from_station"], rail["to_station"], strict=True):
            names[sid] = f"{line} {stations.get(a, a)}–{stations.get(b, b)}"
    return names


def _resource_name(row: Any, names: dict[str, str], lang: Lang) -> str:
    if row.resource in names:
        return names[row.resource]
    if lang == "zh" and row.kind == "rail_market":
        return f"进入{text(row.name.removeprefix('aggregate rail into ').strip(), lang)}的铁路砂石运量"
    return row.name


def _amount(value: float, unit_word: str, lang: Lang) -> str:
    """A resource's load or capacity: tonnes in the table's tonne unit, other counts as they are."""
    if unit_word == "t/yr":
        return fmt_in(value, unit("tonnes_per_yr", lang))
    return fmt_number(value, 0)


def resources_table(plan: Plan, lang: Lang, year: int, layers: MapLayers | None = None) -> str:
    """The resources of ``year`` used to 99 % or more, highest shadow price first (at most ``BINDING_ROWS``).

    Names, kinds and units in ``lang`` (Chinese names from ``layers``); tonnes in the report's unit."""
    r = plan.binding_resources(year, BINDING_UTILISATION).head(BINDING_ROWS)
    names = resource_names(layers, lang)
    per_yr = unit("tonnes_per_yr", lang).name
    price = "shadow_price_yuan_per_unit"
    if not len(r):
        return f'<p class="note">{escape(text("no_binding_resources", lang))}</p>'
    headers = [
        (text("kind", lang), False),
        (text("resource", lang), False),
        (text("load", lang), True),
        (text("capacity_mt", lang), True),
        (text("unit", lang), False),
        (text("utilisation", lang), True),
        (with_unit("shadow_price", text("yuan_per_unit", lang), lang), True),
    ]
    rows = [
        [
            text(x.kind, lang),
            _resource_name(x, names, lang),
            _amount(x.load, x.unit, lang),
            _amount(x.capacity, x.unit, lang),
            per_yr if x.unit == "t/yr" else text(x.unit, lang),
            fmt_percent(x.utilisation, 0),
            fmt_number(getattr(x, price), 2),
        ]
        for x in r.itertuples()
    ]
    return table_html(headers, rows)
