"""Charts of a scenario comparison: headline KPIs, mode split and emission intensities per scenario.

Same look, colours and units as the run charts (:mod:`aggregates.viz.charts.plan`); written as PNG and
self-contained HTML into ``<comparison folder>/charts/``.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from aggregates.viz.charts.page import write_chart_files
from aggregates.viz.charts.style import CHAIN_COLOURS, chain_scale, chains_present, style_chart
from aggregates.viz.charts.units import unit
from aggregates.viz.labels import Lang, check_lang, text, with_unit
from aggregates.vocab import MT

COMPARE_CHARTS = ("kpis", "mode_split", "intensity")
# Scenario colours: none of them a chain's colour (blue, green, orange), so the two never read alike.
SCENARIO_COLOURS = ("#41566e", "#8e6bb0", "#5fa39a", "#b5517a", "#c49a3a", "#7b8794")
_TITLES = {
    "kpis": ("方案主要指标对比", "Scenarios: headline figures"),
    "mode_split": ("方案运输方式结构对比", "Scenarios: tonnes by transport chain"),
    "intensity": ("各运输环节排放强度", "Emission intensity by leg"),
}


def _w(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def kpi_data(comparison, lang: Lang = "zh") -> pd.DataFrame:
    """Long table of the headline figures: one row per scenario and measure."""
    co2e = unit("co2e", lang)
    rows = []
    for row in comparison.table.itertuples():
        measures = (
            (with_unit("cost_yuan_per_t", text("yuan_per_t", lang), lang), row.cost_yuan_per_t),
            (with_unit("co2e_t", co2e.name, lang), co2e.of(row.co2e_t)),
            (with_unit("nox_t", text("t", lang), lang), row.nox_t),
            (with_unit("rail_share_t", "%", lang), 100 * row.rail_share_t),
        )
        rows += [{"scenario": row.scenario, "measure": label, "value": float(value)} for label, value in measures]
    return pd.DataFrame(rows, columns=["scenario", "measure", "value"])


def mode_data(comparison, lang: Lang = "zh") -> pd.DataFrame:
    """Tonnes by chain per scenario in the language's unit (万吨 or Mt)."""
    t = unit("tonnes", lang)
    rows = [
        {"scenario": plan.name, "chain": chain, "label": text(chain, lang), "value": t.of(mt * MT), "order": i}
        for plan in comparison.plans
        for i, chain in enumerate(CHAIN_COLOURS)
        if (mt := plan.year(comparison.year).chain_mt(chain)) > 0
    ]
    return pd.DataFrame(rows, columns=["scenario", "chain", "label", "value", "order"])


_LEGS = {
    "rail": ("铁路干线", "rail line haul"),
    "road_diesel": ("公路 柴油货车", "road, diesel"),
    "road_bet": ("公路 纯电动货车", "road, battery-electric"),
}


def intensity_data(comparison, lang: Lang = "zh") -> pd.DataFrame:
    """CO2e (WTW) and NOx per t-km of each leg type (rail line haul, diesel and battery-electric road) per
    scenario (``intensity_by_leg`` of the KPIs; hubs are in no leg)."""
    per_tkm = text("g_per_tkm", lang)
    rows = []
    for plan in comparison.plans:
        by_leg = plan.year(comparison.year).intensity_by_leg
        for leg in (leg for leg in _LEGS if leg in by_leg):
            intensity = by_leg[leg]
            measures = (
                (with_unit("co2e_t", per_tkm, lang), intensity.co2e_g_per_tkm),
                (with_unit("nox_t", per_tkm, lang), intensity.nox_g_per_tkm),
            )
            rows += [
                {"scenario": plan.name, "leg": _w(_LEGS[leg], lang), "measure": label, "value": float(value)}
                for label, value in measures
            ]
    return pd.DataFrame(rows, columns=["scenario", "leg", "measure", "value"])


def compare_chart_specs(comparison, lang: Lang = "zh", note: str = "") -> dict[str, alt.TopLevelMixin]:
    """The comparison's charts by name (``COMPARE_CHARTS``), styled; ``note`` goes under every title."""
    lang = check_lang(lang)
    scenarios = [plan.name for plan in comparison.plans]
    specs = {
        "kpis": _kpi_chart(kpi_data(comparison, lang), scenarios),
        "mode_split": _mode_chart(mode_data(comparison, lang), scenarios, lang),
        "intensity": _intensity_chart(intensity_data(comparison, lang), scenarios, lang),
    }
    title = f" {comparison.year}" if lang == "en" else f" ({comparison.year}年)"
    return {name: style_chart(chart, _w(_TITLES[name], lang) + title, note) for name, chart in specs.items()}


def _kpi_chart(data: pd.DataFrame, scenarios: list[str]) -> alt.TopLevelMixin:
    base = alt.Chart(data).encode(
        x=alt.X("scenario:N", sort=scenarios, title=None, axis=alt.Axis(labelAngle=0, labelLimit=200)),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",.0f")),
        tooltip=["scenario:N", "measure:N", alt.Tooltip("value:Q", format=",.1f")],
    )
    bars = base.mark_bar(color="#41566e", width={"band": 0.6})
    labels = base.mark_text(dy=-6, fontSize=11).encode(text=alt.Text("value:Q", format=",.1f"))
    return (
        alt.layer(bars, labels, data=data)
        .properties(width=max(110 * len(scenarios), 180), height=180)
        .facet(facet=alt.Facet("measure:N", title=None, sort=list(dict.fromkeys(data["measure"]))), columns=4)
        .resolve_scale(y="independent")
    )


def _mode_chart(data: pd.DataFrame, scenarios: list[str], lang: Lang) -> alt.TopLevelMixin:
    colour = chain_scale(chains_present(data["chain"]), lang)
    t = unit("tonnes", lang)
    return (
        alt.Chart(data)
        .mark_bar(width={"band": 0.6})
        .encode(
            x=alt.X("scenario:N", sort=scenarios, title=None, axis=alt.Axis(labelAngle=0, labelLimit=200)),
            y=alt.Y("value:Q", stack="zero", title=with_unit("substitution_mt", t.name, lang)),
            color=colour,
            order=alt.Order("order:Q"),
            tooltip=["scenario:N", "label:N", alt.Tooltip("value:Q", format=t.d3())],
        )
        .properties(width=max(110 * len(scenarios), 240), height=300)
    )


def _intensity_chart(data: pd.DataFrame, scenarios: list[str], lang: Lang) -> alt.TopLevelMixin:
    legs = [_w(_LEGS[k], lang) for k in _LEGS if _w(_LEGS[k], lang) in set(data["leg"])]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("leg:N", title=None, sort=legs, axis=alt.Axis(labelAngle=0, labelLimit=220)),
            xOffset=alt.XOffset("scenario:N", sort=scenarios),
            y=alt.Y("value:Q", title=None),
            color=alt.Color(
                "scenario:N",
                sort=scenarios,
                title=None,
                scale=alt.Scale(
                    domain=scenarios, range=[SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i in range(len(scenarios))]
                ),
            ),
            tooltip=["scenario:N", "leg:N", "measure:N", alt.Tooltip("value:Q", format=",.3f")],
        )
        .properties(width=max(170 * len(legs), 60 * len(legs) * len(scenarios)), height=200)
        .facet(row=alt.Row("measure:N", title=None))
        .resolve_scale(y="independent")
    )


def write_compare_charts(comparison, folder: str | Path, lang: Lang = "zh") -> list[Path]:
    """Write ``charts/<name>.png`` and ``charts/<name>.html`` for each of ``COMPARE_CHARTS``."""
    titles = {name: _w(_TITLES[name], lang) for name in COMPARE_CHARTS}
    return write_chart_files(folder, lambda shown, note: compare_chart_specs(comparison, shown, note), titles, lang)
