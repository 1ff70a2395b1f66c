"""Pieces of the plan pages, drawn from a plan in memory with the report's and the maps part's functions.

Every piece is an HTML string (escaped by the functions that make it) or a chart for Vega-Embed;
the pages place them. Charts are drawn in the browser by the Vega bundle the service serves itself
(``/static/pages/vega.js``), so a page loads nothing from outside.
"""

from __future__ import annotations

from markupsafe import Markup

from aggregates.analysis.conclusion import conclusion
from aggregates.analysis.supply import supply_matrix
from aggregates.pipeline import Result
from aggregates.service.db import Job
from aggregates.viz.charts.page import embed_script
from aggregates.viz.charts.plan import chart_specs
from aggregates.viz.charts.style import style_chart
from aggregates.viz.labels import text
from aggregates.viz.publish import other_lang
from aggregates.viz.report.figures import cards_html, kpi_table
from aggregates.viz.report.matrix import matrix_chart, matrix_table
from aggregates.viz.report.tables import bases_table


def map_name(run: Result, lang: str) -> str:
    """The stored map of ``run`` in ``lang``: ``map.html`` in the scenario's language, ``map.<lang>.html`` else."""
    return "map.html" if run.scenario.outputs.lang == lang else f"map.{lang}.html"


def report_name(run: Result, lang: str) -> str | None:
    """``report.html`` when the stored report is in ``lang``, else None (it is drawn on request)."""
    return "report.html" if run.scenario.outputs.lang == lang else None


def plan_view(run: Result, lang: str, year: int | None = None) -> dict:
    """The headline pieces of a plan's year: ``year``, ``conclusion``, ``cards`` and ``kpis`` (by year)."""
    plan = run.plan
    year = plan.headline_year(year)
    return {
        "year": year,
        "years": list(plan.years),
        "conclusion": conclusion(plan, year, lang),
        "cards": Markup(cards_html(plan, lang, year)),
        "kpis": Markup(kpi_table(plan, lang)),
    }


def matrix_view(run: Result, lang: str, year: int) -> dict:
    """The supply matrix (supply city x market x chain) as a table, and its chart, when the year has flows."""
    matrix = supply_matrix(run.plan, year)
    title = text("supply_matrix", lang)
    if not len(matrix):
        return {"matrix": None, "matrix_chart": None, "matrix_title": title}
    chart = style_chart(matrix_chart(matrix, lang), f"{text('chart_supply', lang)} {year}", "")
    return {"matrix": Markup(matrix_table(matrix, lang)), "matrix_chart": chart, "matrix_title": title}


def charts_view(run: Result, lang: str, year: int) -> dict:
    """The plan's charts by element id, and the bases table of ``year``."""
    charts = {f"chart-{name}": chart for name, chart in chart_specs(run.plan, lang, year).items()}
    return {"charts": charts, "bases": Markup(bases_table(run.plan, lang, year))}


def chart_script(charts: dict) -> Markup:
    """JavaScript drawing each chart into the element with its key as id (``vega.js`` loaded first)."""
    return Markup(embed_script({k: v for k, v in charts.items() if v is not None}))


def downloads(job: Job, files: list[str]) -> list[tuple[str, str]]:
    """(name, URL) of each stored file of ``job``, maps and report first."""
    first = ("map.html", f"map.{other_lang('zh')}.html", "map.zh.html", "report.html")
    ordered = [f for f in first if f in files] + sorted(f for f in files if f not in first)
    return [(name, f"/api/jobs/{job.id}/files/{name}") for name in ordered]
