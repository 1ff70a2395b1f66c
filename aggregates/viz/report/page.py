"""The report page: headline cards, KPIs by year, charts, the map and the tables of the headline year.

The page is self-contained: the Vega, Vega-Lite and vega-embed JavaScript is inlined once,
each chart's spec (data included) follows as JSON, the map is embedded through an
``<iframe srcdoc>``, and styles use the reader's system fonts. Nothing is fetched when
it is opened, and it carries no date, so the same plan always gives the same bytes.

Chinese pages count tonnes in 万吨 and money in 亿元, English ones in Mt and billion yuan (see
:func:`aggregates.viz.charts.units.unit`); the headline cards print the map's strings
(:mod:`aggregates.viz.fmt`), so a card and the map's title block read the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aggregates.analysis.conclusion import conclusion
from aggregates.analysis.supply import supply_matrix
from aggregates.files import write_text
from aggregates.plan import Plan
from aggregates.viz import fmt
from aggregates.viz.charts.page import embed_script, vega_bundle
from aggregates.viz.charts.plan import chart_specs
from aggregates.viz.charts.style import style_chart
from aggregates.viz.labels import Lang, check_lang, text
from aggregates.viz.layers import MapLayers
from aggregates.viz.report.cells import escape, fmt_percent
from aggregates.viz.report.figures import cards_html, kpi_table
from aggregates.viz.report.matrix import matrix_chart, matrix_table
from aggregates.viz.report.tables import bases_table, demand_table, resources_table

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
.conclusion{font-size:16px;margin:0 0 18px;padding:10px 14px;border-left:4px solid var(--ink);background:var(--band)}
@page{size:A4;margin:14mm 12mm}
@media print{
 body{max-width:none;padding:0;font-size:10.5px}
 h2{break-after:avoid;margin-top:18px}
 section{break-inside:auto}
 .card,.chart,tr,.conclusion{break-inside:avoid}
 thead{display:table-header-group}
 .scroll{overflow:visible}
 table{font-size:9.5px;table-layout:auto}
 th,td{padding:2px 4px}
 td.num,th.num{white-space:normal}
 .chart{overflow:visible;max-width:100%}
 .chart canvas,.chart svg{max-width:100% !important;height:auto !important}
 iframe.map{height:120mm;break-inside:avoid}
 .note,.vega-embed summary,.vega-embed .vega-actions{display:none}
}
"""


def report_html(
    plan: Plan,
    *,
    lang: Lang = "zh",
    map_html: str | None = None,
    year: int | None = None,
    layers: MapLayers | None = None,
    specs: Mapping[str, dict] | None = None,
) -> str:
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
    layers
        The plan's map layers (:attr:`aggregates.Result.layers`): with them a Chinese report names
        terminals, stations and rail sections in Chinese.
    specs
        The plan charts' Vega-Lite specs in ``lang`` and ``year`` by name, when already made (as
        :func:`aggregates.viz.publish.write_visuals` does for the chart pages); made here if ``None``.

    Returns
    -------
    str
        The page; all data values are HTML-escaped.
    """
    lang = check_lang(lang)
    year = plan.headline_year(year)
    matrix = supply_matrix(plan, year)
    made = specs if specs is not None else chart_specs(plan, lang, year)
    charts: dict = {f"chart-{name}": chart for name, chart in made.items()}
    if len(matrix):
        charts["chart-supply"] = style_chart(matrix_chart(matrix, lang), f"{text('chart_supply', lang)} {year}", "")
    title = f"{text('report_title', lang)}{'：' if lang == 'zh' else ': '}{plan.name}"
    body = [
        f"<h1>{escape(title)}</h1>",
        _meta(plan, lang, year),
        f'<p class="conclusion" id="conclusion">{escape(conclusion(plan, year, lang))}</p>',
        cards_html(plan, lang, year),
        _section(text("kpis_by_year", lang), kpi_table(plan, lang)),
        _section(text("charts", lang), _chart_divs({k: v for k, v in charts.items() if k != "chart-supply"}, lang)),
        _section(text("map", lang), _map(map_html, lang)) if map_html is not None else "",
        _section(f"{text('supply_matrix', lang)} {year}", _matrix(matrix, lang, "chart-supply" in charts)),
        _section(f"{text('bases_table', lang)} {year}", bases_table(plan, lang, year)),
        _section(f"{text('demand_table', lang)} {year}", demand_table(plan, lang, year)),
        _section(f"{text('resources_table', lang)} {year}", resources_table(plan, lang, year, layers)),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
        f"<style>{CSS}</style>\n<script>{vega_bundle()}</script>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + f"\n<script>\n{embed_script(charts)}\n</script>\n</body>\n</html>\n"
    )


def write_report(
    plan: Plan,
    folder: str | Path,
    *,
    lang: Lang = "zh",
    map_html: str | None = None,
    year: int | None = None,
    layers: MapLayers | None = None,
    specs: Mapping[str, dict] | None = None,
) -> Path:
    """Write :func:`report_html` to ``folder/report.html``.

    Parameters
    ----------
    plan, lang, map_html, year, layers, specs
        As for :func:`report_html`.
    folder
        The run folder (created if missing).

    Returns
    -------
    Path
        The file written.
    """
    page = report_html(plan, lang=lang, map_html=map_html, year=year, layers=layers, specs=specs)
    return write_text(Path(folder) / "report.html", page)


def _section(heading: str, content: str) -> str:
    return f"<section>\n<h2>{escape(heading)}</h2>\n{content}\n</section>"


def _matrix(matrix, lang: Lang, chart: bool) -> str:
    return matrix_table(matrix, lang) + ('\n<div id="chart-supply" class="chart"></div>' if chart else "")


def _meta(plan: Plan, lang: Lang, year: int) -> str:
    colon = "：" if lang == "zh" else ": "
    parts = [
        f"{text('scenario', lang)}{colon}{plan.name}",
        f"{text('solver_status', lang)}{colon}{text(plan.solve.status, lang)}",
        f"{text('headline_year', lang)}{colon}{year}",
    ]
    parts[1] += f" ({text('mip_gap', lang)} {fmt_percent(plan.solve.mip_gap, 3)})"
    access = fmt.access(plan.scenario.policies.access_rules, plan.year(year).fleet, lang)
    parts.append(f"{text('access_rules', lang)}{colon}{access}")
    if plan.solve.limit is not None:
        parts.append(f"{text('solver_limit', lang)}{colon}{plan.solve.limit}")
    return f'<p class="meta">{" · ".join(escape(p) for p in parts)}</p>'


def _chart_divs(charts: dict, lang: Lang) -> str:
    divs = "\n".join(f'<div id="{escape(key)}" class="chart"></div>' for key in charts)
    note = f'<p class="note">{escape(text("charts_need_browser", lang))}</p>'
    return f'{note}\n<div class="charts">\n{divs}\n</div>'


def _map(map_html: str, lang: Lang) -> str:
    return f'<iframe class="map" title="{escape(text("map", lang))}" srcdoc="{escape(map_html)}"></iframe>'
