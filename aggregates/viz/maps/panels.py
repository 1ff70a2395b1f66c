"""The boxes drawn over a map: the title block with headline KPIs, the legend, and a comparison's strip.

Each is a piece of HTML (styled by :data:`aggregates.viz.maps.style.MAP_CSS`) in the map's language.
"""

from __future__ import annotations

import html

from aggregates.viz.labels import Lang, pair, text
from aggregates.viz.maps.style import (
    BASE_BINS,
    DEMAND_BINS,
    FLOW_SAMPLES_T,
    MODE_COLOURS,
    UTILISATION_BINS,
    flow_weight,
)

_TITLE_WORDS = {
    "year": ("年", ""),
    "substitution": ("固废砂石替代量", "Substitution"),
    "target": pair("target_mt"),
    "met": pair("met"),
    "missed": pair("missed"),
    "rail_share": ("铁路运量占比", "Rail share (t)"),
    "cost": ("平均到厂成本", "Delivered cost"),
    "co2e": ("运输碳排放（含天然砂石）", "Transport CO₂e (all deliveries)"),
    "nox": ("氮氧化物", "NOx"),
    "unmet": ("未满足需求", "Unmet demand"),
    "plan": ("砂石供应方案", "aggregate supply plan"),
    "access": ("城市货车通行规则", "City access rules"),
    "feasible": ("求解未在要求的间隙内证明最优", "not proven within the requested gap (solver limit)"),
}


def _w(key: str, lang: Lang) -> str:
    zh, en = _TITLE_WORDS[key]
    return zh if lang == "zh" else en


def title_html(
    info: dict, slot: tuple[int, int, int, int] | None = None, ident: str = "agg-title", strip: int = 0
) -> str:
    """The title block: scenario, year and headline KPIs (the fields of :func:`aggregates.viz.maps.supply.title_info`).

    ``slot`` = (column, row, columns, rows) places it over one map of a comparison grid whose maps start
    ``strip`` pixels down.
    """
    lang = info["lang"]
    e = html.escape
    met = (
        f'<span class="agg-met">✓ {_w("met", lang)}</span>'
        if info["met"]
        else (f'<span class="agg-missed">✗ {_w("missed", lang)}</span>')
    )
    heading = (
        f"{e(info['scenario'])} · {info['year']}{_w('year', lang)} {_w('plan', lang)}"
        if lang == "zh"
        else f"{e(info['scenario'])} · {_w('plan', lang)} {info['year']}"
    )
    rows = [
        (
            _w("substitution", lang),
            f"<b>{e(info['substitution'])}</b> ({_w('target', lang)} {e(info['target'])}) {met}",
        ),
        (_w("rail_share", lang), f"<b>{e(info['rail_share'])}</b>"),
        (_w("cost", lang), f"<b>{e(info['cost'])}</b>"),
        (_w("co2e", lang), f"<b>{e(info['co2e'])}</b>"),
        (_w("nox", lang), f"<b>{e(info['nox'])}</b>"),
    ]
    if info.get("access"):
        rows.append((_w("access", lang), e(info["access"])))
    if info.get("unmet"):
        rows.append((_w("unmet", lang), f'<b class="agg-missed">{e(info["unmet"])}</b>'))
    cells = "".join(f"<span>{k}</span><span>{v}</span>" for k, v in rows)
    note = "" if info["proven"] else f'<div class="agg-missed">{_w("feasible", lang)}</div>'
    style = "" if slot is None else f' style="{_slot_position(*slot, strip)}"'
    switch = _language_switch(info.get("switch")) if info.get("switch") else ""
    conclusion = f'<p class="agg-conclusion">{e(info["conclusion"])}</p>' if info.get("conclusion") else ""
    if info.get("changes"):
        note += f'<div class="agg-changes">{e(info["changes"])}</div>'
    return (
        f'<div class="agg-box agg-title" id="{ident}"{style}><h1>{heading}{switch}</h1>{conclusion}'
        f'<div class="agg-kpis">{cells}</div>{note}</div>'
    )


def _slot_position(column: int, row: int, columns: int, rows: int, strip: int) -> str:
    """CSS placing a box at the top left of one map of a comparison grid (below the KPI strip)."""
    height = f"(100% - {strip}px) / {rows}"
    return f"left:calc({100 * column / columns:.4f}% + 54px);top:calc({strip + 10}px + {height} * {row});"


def grid_css(map_ids: list[str], columns: int, rows: int, strip: int) -> str:
    """Page styles placing the maps of a comparison in a grid below the KPI strip, with thin dividers."""
    height = f"(100% - {strip}px) / {rows}"
    line = "2px solid #7b8794"
    rules = [
        f"#{name}{{top:calc({strip}px + {height} * {i // columns}) !important;height:calc({height}) !important;"
        f"border-left:{line if i % columns else '0'};border-top:{line if i >= columns else '0'};}}"
        for i, name in enumerate(map_ids)
    ]
    return "<style>" + "".join(rules) + "</style>"


def _language_switch(switch: tuple[str, str]) -> str:
    """A link to the same map in the other language, a sibling file: ``x.html`` <-> ``x.<lang>.html``.

    ``switch`` is (``add`` or ``strip``, language code of the other page); the link works from any folder
    the pair is copied to, with no network.
    """
    how, other = switch
    suffix = f".{other}.html"
    add, strip = f"p.replace(/\\.html$/, '{suffix}')", f"p.slice(0, -{len(suffix)}) + '.html'"
    target = add if how == "add" else strip
    target_lang = other if how == "add" else ("zh" if other == "en" else "en")
    label = "English" if target_lang == "en" else "中文"
    script = f"var p = location.href.split(/[?#]/)[0]; location.href = {target}; return false;"
    return f' <a class="agg-lang" id="agg-lang" href="#" onclick="{script}">{label} ›</a>'


_LEGEND_WORDS = {
    "flows": ("运输流(线宽=运量)", "Flows (width = tonnes/yr)"),
    "bases": ("砂石基地(大小=产能,颜色=利用率:产量/产能)", "Bases (size = capacity, colour = utilisation: made / capacity)"),
    "demand": ("需求点(颜色=固废砂石占比)", "Demand (colour = share from solid waste)"),
    "unmet": ("红圈:有未满足需求", "red ring: unmet demand"),
    "coverage": (
        "覆盖范围图层(默认关闭):圆环颜色=近距离基地供应占需求比例,色阶同上",
        "coverage layer (off by default): ring colour = share of demand from near bases, same scale",
    ),
    "capacity": ("铁路区段/站场/换电站利用率", "Rail sections, terminals, swap stations: utilisation"),
    "unused": ("未使用", "unused"),
    "symbols": ("▲ 装车站 ■ 卸车场 ⚡ 换电站", "▲ loading station ■ unloading yard ⚡ battery-swap station"),
    "areas": ("虚线:市界(紫:需求城市 棕:供应城市)", "dashed: city boundaries (purple: markets, brown: supply)"),
}


def legend_html(lang: Lang, *, open_: bool = True, extra: str = "") -> str:
    """The legend box, in ``lang``; a click on its heading folds it away (``open_``: unfolded at first).

    ``extra`` is HTML put first (a comparison's change layer)."""

    def w(key: str) -> str:
        zh, en = _LEGEND_WORDS[key]
        return zh if lang == "zh" else en

    def item(mark: str, label: str) -> str:
        return f'<span class="agg-item">{mark}{label}</span>'

    def swatches(bins: tuple) -> str:
        marks = (
            item(f'<span class="agg-swatch" style="background:{colour}"></span>', zh if lang == "zh" else en)
            for _upper, colour, zh, en in bins
        )
        return f'<div class="agg-row">{"".join(marks)}</div>'

    def sample(t: float) -> str:
        label = f"{t / 1e4:,.0f} 万吨/年" if lang == "zh" else f"{t / 1e6:g} Mt/yr"
        return item(f'<span class="agg-line" style="height:{flow_weight(t):.0f}px;background:#777"></span>', label)

    modes = "".join(
        item(f'<span class="agg-line" style="height:5px;background:{MODE_COLOURS[m]}"></span>', text(m, lang))
        for m in ("rail", "bet", "diesel")
    )
    widths = "".join(sample(t) for t in FLOW_SAMPLES_T)
    unused = item('<span class="agg-line" style="height:2px;background:#9aa3ad"></span>', w("unused"))
    return (
        '<div class="agg-box agg-legend" id="agg-legend">'
        f"<details{' open' if open_ else ''}><summary>{'图例' if lang == 'zh' else 'Legend'}</summary>"
        f'{extra}<h2>{w("flows")}</h2><div class="agg-row">{modes}</div><div class="agg-row">{widths}</div>'
        f"<h2>{w('bases')}</h2>{swatches(BASE_BINS)}"
        f"<h2>{w('demand')}</h2>{swatches(DEMAND_BINS)}<div>{w('unmet')}</div><div>{w('coverage')}</div>"
        f'<h2>{w("capacity")}</h2>{swatches(UTILISATION_BINS)}<div class="agg-row">{unused}</div>'
        f"<div>{w('symbols')}</div><div>{w('areas')}</div>"
        "</details></div>"
    )


def matrix_html(table: str, year: int, lang: Lang) -> str:
    """The supply-matrix panel (bottom left, folded at first): ``table`` is
    :func:`aggregates.viz.report.matrix.matrix_table`'s HTML."""
    head = f"供需矩阵 {year}年 (万吨)" if lang == "zh" else f"Supply matrix {year} (Mt)"
    return f'<div class="agg-box agg-matrix" id="agg-matrix"><details><summary>{head}</summary>{table}</details></div>'


def strip_px(runs: int) -> int:
    """Height of the comparison's KPI strip: a header row, a row per run and one per difference (scrolls past 200)."""
    return min(16 + 22 * 2 * runs, 200)


def delta_html(names: list[str], rows: list[tuple[str, list[str], list[str]]], lang: Lang, strip: int) -> str:
    """The comparison's strip above the maps: each KPI for every run (A, B, ...) and each run minus A.

    ``rows`` come from :func:`aggregates.viz.maps.comparison.kpi_table`: (KPI, values per run, differences of runs 2.. from run 1).
    """
    e = html.escape
    head = "方案对比" if lang == "zh" else "Comparison"
    letters = [chr(65 + i) for i in range(len(names))]
    lines = [f'<tr><th class="agg-delta-head">{head}</th>' + "".join(f"<th>{e(k)}</th>" for k, *_ in rows) + "</tr>"]
    for i, (letter, name) in enumerate(zip(letters, names, strict=True)):
        cells = "".join(f"<td>{e(values[i])}</td>" for _k, values, _d in rows)
        lines.append(f"<tr><th>{letter}: {e(name)}</th>{cells}</tr>")
    for i, letter in enumerate(letters[1:]):
        cells = "".join(f"<td><b>{e(deltas[i])}</b></td>" for _k, _v, deltas in rows)
        lines.append(f"<tr><th>{letter} − A</th>{cells}</tr>")
    return f'<div class="agg-delta" id="agg-delta" style="height:{strip}px"><table>{"".join(lines)}</table></div>'
