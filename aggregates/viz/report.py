"""One HTML page a planner can send by email: KPIs, charts, the map and the result tables.

The page is self-contained: the Vega, Vega-Lite and vega-embed JavaScript is inlined once,
each chart's spec (data included) follows as JSON, the map is embedded through an
``<iframe srcdoc>``, and styles use the reader's system fonts. Nothing is fetched when
it is opened, and it carries no date, so the same plan always gives the same bytes.

Chinese pages count tonnes in 万吨 and money in 亿元, English ones in Mt and billion yuan (see
:func:`aggregates.viz.charts.unit`); the headline cards print the map's strings
(:mod:`aggregates.viz.fmt`), so a card and the map's title block read the same.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from aggregates.plan import Plan
from aggregates.viz import fmt
from aggregates.viz.charts import Unit, chart_specs, embed_script, unit, vega_bundle
from aggregates.viz.labels import Lang, check_lang, text
from aggregates.vocab import MT

BINDING_UTILISATION = 0.99
BINDING_ROWS = 15
DASH = "—"
CSS = """
:root{--ink:#1d2733;--muted:#5b6673;--line:#d8dde3;--band:#f4f6f8;--good:#2f7d4f;--bad:#c0392b}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1240px;padding:28px 32px 48px;color:var(--ink);background:#fff;
 font:14px/1.5 'Helvetica Neue',Arial,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:36px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
.meta{color:var(--muted);margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:12px 14px;background:var(--band)}
.card .label{color:var(--muted);font-size:13px}
.card .value{font-size:24px;font-weight:600;margin:2px 0;font-variant-numeric:tabular-nums}
.card .value .unit{font-size:15px;font-weight:500}
.card .sub{color:var(--muted);font-size:12px}
.met{color:var(--good);font-weight:600}.missed{color:var(--bad);font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:flex-start}
.chart{margin:8px 0 16px;max-width:100%;overflow-x:auto}
iframe.map{width:100%;height:640px;border:1px solid var(--line);border-radius:6px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 8px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--band);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:600;border-top:2px solid var(--ink)}
.note{color:var(--muted);font-size:12px}
@media print{
 body{max-width:none;padding:0;font-size:11px}
 h2{break-after:avoid}
 .card,.chart,tr{break-inside:avoid}
 thead{display:table-header-group}
 iframe.map{height:480px}
}
"""


def report_html(plan: Plan, *, lang: Lang = "zh", map_html: str | None = None, year: int | None = None) -> str:
    """The plan as one self-contained HTML page.

    Parameters
    ----------
    plan
        The plan.
    lang
        ``"zh"`` or ``"en"``.
    map_html
        A whole HTML page (the plan's folium map) to embed in an ``<iframe srcdoc>``; none if ``None``.
    year
        The headline year of the KPI cards, the output chart and the tables; default: the first
        year with a target (see :meth:`aggregates.plan.Plan.headline_year`).

    Returns
    -------
    str
        The page; all data values are HTML-escaped.
    """
    lang = check_lang(lang)
    year = plan.headline_year(year)
    charts = {f"chart-{name}": chart for name, chart in chart_specs(plan, lang, year).items()}
    title = f"{text('report_title', lang)}: {plan.name}"
    body = [
        f"<h1>{_e(title)}</h1>",
        _meta(plan, lang, year),
        _cards(plan, lang, year),
        _section(text("kpis_by_year", lang), _kpi_table(plan, lang)),
        _section(text("charts", lang), _chart_divs(charts, lang)),
        _section(text("map", lang), _map(map_html, lang)) if map_html is not None else "",
        _section(f"{text('bases_table', lang)} {year}", _bases_table(plan, lang, year)),
        _section(f"{text('demand_table', lang)} {year}", _demand_table(plan, lang, year)),
        _section(f"{text('resources_table', lang)} {year}", _resources_table(plan, lang, year)),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
        f"<style>{CSS}</style>\n<script>{vega_bundle()}</script>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + f"\n<script>\n{embed_script(charts)}\n</script>\n</body>\n</html>\n"
    )


def write_report(
    plan: Plan, folder: str | Path, *, lang: Lang = "zh", map_html: str | None = None, year: int | None = None
) -> Path:
    """Write :func:`report_html` to ``folder/report.html``.

    Parameters
    ----------
    plan, lang, map_html, year
        As for :func:`report_html`.
    folder
        The run folder (created if missing).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(folder) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(plan, lang=lang, map_html=map_html, year=year), encoding="utf-8")
    return path


# -- formatting --------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: object, digits: int = 1) -> str:
    """``value`` with thousands separators and ``digits`` decimals; a dash when missing."""
    return DASH if _missing(value) else f"{float(value):,.{digits}f}"


def fmt_percent(value: object, digits: int = 1) -> str:
    """A share (0-1) as a percentage, e.g. ``0.2735`` -> ``27.4 %``; a dash when missing."""
    return DASH if _missing(value) else f"{float(value) * 100:,.{digits}f} %"


def fmt_in(value: object, in_unit: Unit, coarser: int = 0) -> str:
    """``value`` (tonnes or yuan) as a number in ``in_unit``, ``coarser`` decimals fewer than its default.

    E.g. 4,000,000 t in 万吨 -> ``400``, in Mt -> ``4.00`` (``4.0`` with ``coarser=1``); a dash when missing.
    """
    return DASH if _missing(value) else fmt_number(in_unit.of(float(value)), in_unit.decimals(coarser))


def _section(heading: str, content: str) -> str:
    return f"<section>\n<h2>{_e(heading)}</h2>\n{content}\n</section>"


def _target_word(k: dict, lang: Lang) -> tuple[str, str]:
    """The target status of a year's KPIs: its word and CSS class."""
    if k["target_mt"] <= 0:
        return text("no_target", lang), ""
    return (text("met", lang), "met") if k["target_met"] else (text("missed", lang), "missed")


def _meta(plan: Plan, lang: Lang, year: int) -> str:
    parts = [
        f"{text('scenario', lang)}: {plan.name}",
        f"{text('solver_status', lang)}: {plan.solve.status}",
        f"{text('headline_year', lang)}: {year}",
    ]
    gap = plan.solve.mip_gap
    if gap is not None:
        parts[1] += f" (gap {fmt_percent(gap, 2)})"
    return f'<p class="meta">{" · ".join(_e(p) for p in parts)}</p>'


# -- headline cards ----------------------------------------------------------------------


def _card(label: str, value: str, sub: str = "", sub_class: str = "") -> str:
    """A headline card; a unit after the value's number (``11,506 万吨/年``) is set smaller."""
    number, _, rest = value.partition(" ")
    shown = f'{_e(number)} <span class="unit">{_e(rest)}</span>' if rest else _e(value)
    sub_html = f'<div class="sub"><span class="{sub_class}">{_e(sub)}</span></div>' if sub else ""
    return f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{shown}</div>{sub_html}</div>'


def card_values(k: dict, lang: Lang) -> dict[str, str]:
    """A year's headline KPIs as the map's title block writes them (:mod:`aggregates.viz.fmt`).

    Keys ``substitution``, ``target`` (a dash without one), ``rail_share``, ``rail_share_tkm``,
    ``cost_per_t``, ``cost``, ``co2e``, ``nox`` and ``pm``; e.g. (the default region, 2022) in
    Chinese ``11,506 万吨/年``, ``10,000 万吨/年``, ``27%``, ``95.5 元/吨``, ``109.90 亿元``,
    ``112.1 万吨 CO₂e``, ``2,255.0 吨 NOx``, ``32.4 吨``; in English ``115.06 Mt/yr``,
    ``100.00 Mt/yr``, ``27%``, ``95.5 yuan/t``, ``10.99 bn yuan``, ``1,120.5 kt CO₂e``,
    ``2,255.0 t NOx``, ``32.4 t``.
    """
    pm = k.get("pm_t")
    return {
        "substitution": fmt.tonnes_per_year(k["substitution_mt"] * MT, lang),
        "target": fmt.tonnes_per_year(k["target_mt"] * MT, lang) if k.get("target_mt", 0) > 0 else "–",
        "rail_share": fmt.share(k["rail_share_t"]),
        "rail_share_tkm": fmt.share(k["rail_share_tkm"]),
        "cost_per_t": fmt.per_t(k["cost_yuan_per_t"], lang),
        "cost": fmt.yuan(k["cost_yuan"], lang),
        "co2e": fmt.co2e(k["co2e_t"], lang),
        "nox": fmt.kg(k["nox_t"] * 1e3, lang, "NOx"),
        "pm": DASH if _missing(pm) else fmt.kg(pm * 1e3, lang, "").strip(),
    }


def _cards(plan: Plan, lang: Lang, year: int) -> str:
    k = plan.year(year).to_dict()
    v, word = card_values(k, lang), _target_word(k, lang)
    target = f"{text('target', lang)} {v['target']} · " if k["target_mt"] > 0 else ""
    cards = [
        _card(text("substitution", lang), v["substitution"], target + word[0], word[1]),
        _card(text("rail_share", lang), v["rail_share"], f"{text('rail_share_tkm', lang)} {v['rail_share_tkm']}"),
        _card(text("cost_per_t", lang), v["cost_per_t"], f"{text('cost', lang)} {v['cost']}"),
        _card(
            text("co2e", lang),
            v["co2e"],
            f"{fmt_number(k.get('co2e_kg_per_t'), 2)} {text('kg_per_t', lang)}",
        ),
        _card(text("nox", lang), v["nox"], f"{text('pm', lang)} {v['pm']}"),
        _card(
            text("trains_per_day", lang),
            fmt_number(k["trains_per_day"]),
            f"{text('truck_trips_per_day', lang)} {fmt_number(k.get('truck_trips_per_day'), 0)}",
        ),
    ]
    return f'<div class="cards">\n{"".join(cards)}\n</div>'


# -- tables ------------------------------------------------------------------------------


def _table(
    headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], total: Sequence[str] | None = None
) -> str:
    """An HTML table; ``headers`` are (title, numeric) pairs and every cell is escaped here."""
    numeric = [num for _, num in headers]
    head = "".join(f"<th{' class=num' if num else ''}>{_e(h)}</th>" for h, num in headers)

    def row(cells: Sequence[str], cls: str = "") -> str:
        tds = "".join(f"<td{' class=num' if num else ''}>{_e(c)}</td>" for c, num in zip(cells, numeric, strict=True))
        return f"<tr{f' class={cls}' if cls else ''}>{tds}</tr>"

    body = "\n".join(row(r) for r in rows) + (f"\n{row(total, 'total')}" if total is not None else "")
    return f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def _kpi_rows(lang: Lang) -> list[tuple[str, Callable[[dict], str]]]:
    """The per-year KPI table's rows: a title (with unit) and how to format the year's value."""
    t, per_yr, money, co2e = (unit(q, lang) for q in ("tonnes", "tonnes_per_yr", "money", "co2e"))

    def tonnes(key: str, coarser: int = 1, in_unit: Unit = t) -> Callable[[dict], str]:
        """A KPI in Mt, shown in ``in_unit``."""
        return lambda k: fmt_in(None if _missing(k.get(key)) else k[key] * MT, in_unit, coarser)

    return [
        (f"{text('substitution', lang)} ({t.name})", tonnes("substitution_mt")),
        (f"{text('target', lang)} ({t.name})", tonnes("target_mt")),
        (text("target_status", lang), lambda k: _target_word(k, lang)[0]),
        (f"{text('demand', lang)} ({t.name})", tonnes("demand_mt")),
        (f"{text('natural', lang)} ({t.name})", tonnes("natural_mt")),
        (f"{text('unmet', lang)} ({t.name})", tonnes("unmet_mt", 0)),
        (text("rail_share", lang), lambda k: fmt_percent(k["rail_share_t"])),
        (text("rail_share_tkm", lang), lambda k: fmt_percent(k["rail_share_tkm"])),
        (f"{text('cost', lang)} ({money.name})", lambda k: fmt_in(k["cost_yuan"], money)),
        (f"{text('cost_per_t', lang)} ({text('yuan_per_t', lang)})", lambda k: fmt_number(k["cost_yuan_per_t"], 2)),
        (f"{text('carbon_cost', lang)} ({money.name})", lambda k: fmt_in(k.get("carbon_cost_yuan", 0), money)),
        (f"{text('natural_cost', lang)} ({money.name})", lambda k: fmt_in(k.get("natural_cost_yuan", 0), money)),
        (f"{text('co2e', lang)} ({co2e.name})", lambda k: fmt_in(k["co2e_t"], co2e)),
        (f"{text('nox', lang)} ({text('t', lang)})", lambda k: fmt_number(k["nox_t"])),
        (f"{text('pm', lang)} ({text('t', lang)})", lambda k: fmt_number(k.get("pm_t"))),
        (text("trains_per_day", lang), lambda k: fmt_number(k["trains_per_day"])),
        (text("truck_trips_per_day", lang), lambda k: fmt_number(k.get("truck_trips_per_day"), 0)),
        (text("bases_open", lang), lambda k: fmt_number(k.get("bases_open"), 0)),
        (f"{text('capacity', lang)} ({per_yr.name})", tonnes("capacity_mt", 1, per_yr)),
    ]


def _kpi_table(plan: Plan, lang: Lang) -> str:
    known = plan.years
    headers = [(text("year", lang), False), *((str(y), True) for y in known)]
    rows = [[title, *(value(plan.year(y).to_dict()) for y in known)] for title, value in _kpi_rows(lang)]
    return _table(headers, rows)


def _chart_divs(charts: dict, lang: Lang) -> str:
    divs = "\n".join(f'<div id="{_e(key)}" class="chart"></div>' for key in charts)
    note = f'<p class="note">{_e(text("charts_need_browser", lang))}</p>'
    return f'{note}\n<div class="charts">\n{divs}\n</div>'


def _map(map_html: str, lang: Lang) -> str:
    return f'<iframe class="map" title="{_e(text("map", lang))}" srcdoc="{_e(map_html)}"></iframe>'


def _name(frame: pd.DataFrame, lang: Lang) -> pd.Series:
    names = frame["name_zh"] if lang == "zh" and "name_zh" in frame else frame["name"]
    return names.where(names.notna(), frame["name"]).astype(str)


def _bases_table(plan: Plan, lang: Lang, year: int) -> str:
    b = plan.bases[plan.bases["year"] == year].assign(shown_name=lambda f: _name(f, lang))
    city_total = b.groupby("city")["output_t"].transform("sum")
    b = b.assign(city_total=city_total).sort_values(
        ["city_total", "city", "output_t", "base"], ascending=[False, True, False, True]
    )
    t, per_yr = unit("tonnes", lang), unit("tonnes_per_yr", lang)
    headers = [
        (text("city", lang), False),
        (text("name", lang), False),
        (text("status", lang), False),
        (text("level", lang), True),
        (f"{text('capacity', lang)} ({per_yr.name})", True),
        (f"{text('output', lang)} ({t.name})", True),
        (text("utilisation", lang), True),
        (f"{text('feedstock_left', lang)} ({t.name})", True),
    ]
    rows = [
        [
            text(r.city, lang),
            r.shown_name,
            text(r.status, lang),
            str(int(r.level)) if r.level >= 0 else text("not_built", lang),
            fmt_in(r.capacity_t, per_yr),
            fmt_in(r.output_t, t),
            fmt_percent(r.utilisation, 0),
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
        fmt_in(b["output_t"].sum(), t),
        "",
        fmt_in(b["feedstock_left_t"].sum(), t, 1),
    ]
    return _table(headers, rows, total)


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


def _demand_table(plan: Plan, lang: Lang, year: int) -> str:
    sums = _demand_rows(plan.demand[plan.demand["year"] == year])
    t = unit("tonnes", lang)
    headers = [
        (text("city", lang), False),
        (text("product", lang), False),
        (f"{text('demand', lang)} ({t.name})", True),
        (f"{text('solid_waste', lang)} ({t.name})", True),
        (text("solid_waste_share", lang), True),
        (f"{text('natural', lang)} ({t.name})", True),
        (f"{text('unmet', lang)} ({t.name})", True),
        (f"{text('cost_per_t', lang)} ({text('yuan_per_t', lang)})", True),
    ]
    rows = [_demand_cells(r, text(r.city, lang), text(r.product, lang), t) for r in sums.itertuples()]
    total = _demand_cells(sums.drop(columns=["city", "product"]).sum(), text("total", lang), "", t)
    return _table(headers, rows, total)


def _resources_table(plan: Plan, lang: Lang, year: int) -> str:
    r = plan.binding_resources(year, BINDING_UTILISATION).head(BINDING_ROWS)
    price = "shadow_price_yuan_per_unit"
    if not len(r):
        return f'<p class="note">{_e(text("no_binding_resources", lang))}</p>'
    headers = [
        (text("kind", lang), False),
        (text("resource", lang), False),
        (text("load", lang), True),
        (text("capacity", lang), True),
        (text("unit", lang), False),
        (text("utilisation", lang), True),
        (f"{text('shadow_price', lang)} ({text('yuan_per_unit', lang)})", True),
    ]
    rows = [
        [
            text(x.kind, lang),
            x.name,
            fmt_number(x.load, 0),
            fmt_number(x.capacity, 0),
            x.unit,
            fmt_percent(x.utilisation, 0),
            fmt_number(getattr(x, price), 2),
        ]
        for x in r.itertuples()
    ]
    return _table(headers, rows)
