"""Charts of a plan: substitution against target, output by base, mode split, cost and emissions.

``chart_specs(plan)`` gives Altair charts (pure: Plan in, charts out; their tables come from
:mod:`aggregates.viz.charts.plan_data`); ``write_charts`` writes each as ``charts/<name>.html``, loading
``charts/vega.js``, and as ``charts/<name>.png`` when asked (:mod:`aggregates.viz.charts.page`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import altair as alt
import pandas as pd

from aggregates.plan import Plan
from aggregates.viz.charts.page import write_chart_files
from aggregates.viz.charts.plan_data import (
    COST_PARTS,
    SUBSTITUTION_PARTS,
    cost_data,
    emissions_data,
    mode_data,
    output_data,
    part_label,
    substitution_data,
)
from aggregates.viz.charts.style import (
    AXIS_FORMAT,
    BAR_STEP,
    BASE_COLOURS,
    CAPACITY_COLOUR,
    COST_COLOURS,
    STATUS_COLOURS,
    TARGET_COLOUR,
    chain_scale,
    chains_present,
    colour_scale,
    style_chart,
    year_axis,
    year_width,
)
from aggregates.viz.charts.units import unit
from aggregates.viz.labels import Lang, check_lang, text, with_unit

log = logging.getLogger(__name__)

CHART_NAMES = ("substitution", "output", "mode_split", "cost", "emissions")


def chart_specs(plan: Plan, lang: Lang = "zh", year: int | None = None) -> dict[str, alt.TopLevelMixin]:
    """The plan's charts, by name (``CHART_NAMES``).

    Parameters
    ----------
    plan
        The plan.
    lang
        ``"zh"`` or ``"en"`` for titles, axes, legends and tooltips.
    year
        Year of the output-by-base chart; default: :meth:`aggregates.plan.Plan.headline_year`.

    Returns
    -------
    dict
        ``substitution``, ``output``, ``mode_split``, ``cost`` and ``emissions``: configured
        Altair charts with their data inline (``chart.to_dict()`` is a Vega-Lite spec).
    """
    return _charts(plan, check_lang(lang), plan.headline_year(year), note="")


def write_charts(
    plan: Plan,
    folder: str | Path,
    lang: Lang = "zh",
    year: int | None = None,
    *,
    png: bool = False,
    specs: Mapping[str, dict] | None = None,
) -> list[Path]:
    """Write every chart as ``folder/charts/<name>.html`` (loading ``charts/vega.js``), and as ``<name>.png`` with ``png``.

    PNGs are drawn at scale 2. Without a CJK font on this machine, Chinese PNGs are
    drawn in English instead (with a note) and a warning is logged.

    Parameters
    ----------
    plan
        The plan.
    folder
        The run folder; ``charts/`` is created in it.
    lang
        ``"zh"`` or ``"en"``.
    year
        Year of the output-by-base chart; default: :meth:`aggregates.plan.Plan.headline_year`.
    png
        Whether to draw the PNGs too (the scenario's ``outputs.png``).
    specs
        The charts' Vega-Lite specs in ``lang`` and ``year``, when already made (:func:`chart_specs`,
        ``to_dict()``); made here if ``None``.

    Returns
    -------
    list of Path
        The files written: ``vega.js``, then PNG (with ``png``) and HTML for each chart in ``CHART_NAMES`` order.
    """
    lang = check_lang(lang)
    year = plan.headline_year(year)

    def make(shown: Lang, note: str) -> dict:
        if specs is not None and shown == lang and not note:
            return dict(specs)
        return _charts(plan, shown, year, note)

    written = write_chart_files(folder, make, chart_titles(lang, year), lang, png=png)
    log.info("charts: %d files written to %s", len(written), Path(folder) / "charts")
    return written


def chart_titles(lang: Lang, year: int) -> dict[str, str]:
    """Each chart's title in ``lang``; ``year`` is the output chart's year."""
    titles = {name: text(f"chart_{name}", lang) for name in CHART_NAMES}
    titles["output"] = f"{titles['output']} {year}"
    return titles


def _charts(plan: Plan, lang: Lang, year: int, note: str) -> dict[str, alt.TopLevelMixin]:
    makers = {
        "substitution": lambda: _substitution_chart(plan, lang),
        "output": lambda: _output_chart(plan, lang, year),
        "mode_split": lambda: _mode_chart(plan, lang),
        "cost": lambda: _cost_chart(plan, lang),
        "emissions": lambda: _emissions_chart(plan, lang),
    }
    titles = chart_titles(lang, year)
    return {name: style_chart(makers[name](), titles[name], note) for name in CHART_NAMES}


def _substitution_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = substitution_data(plan, lang)
    t = unit("tonnes", lang)
    keys = [k for k in ("met", "missed", "no_target", *SUBSTITUTION_PARTS) if k in set(data["key"])] + ["target"]
    colours = {**STATUS_COLOURS, "target": TARGET_COLOUR}
    colour = colour_scale("label", {part_label(k, lang): colours[k] for k in keys})
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("substitution:Q", title=with_unit("substitution_mt", t.name, lang), format=t.d3()),
        alt.Tooltip("target:Q", title=with_unit("target_mt", t.name, lang), format=t.d3()),
        alt.Tooltip("status:N", title=text("target_mt", lang)),
        alt.Tooltip("natural:Q", title=with_unit("natural_mt", t.name, lang), format=t.d3()),
        alt.Tooltip("unmet:Q", title=with_unit("unmet_mt", t.name, lang), format=t.d3()),
        alt.Tooltip("demand:Q", title=with_unit("demand_mt", t.name, lang), format=t.d3()),
    ]
    bars = stacked_by_year(data, lang, with_unit("demand_mt", t.name, lang), colour, tooltip)
    values = (
        alt.Chart(data)
        .transform_filter("datum.part == 'substitution' && datum.value > 0")
        .mark_text(baseline="middle", color="white", fontSize=12, fontWeight="bold")
        .encode(x=year_axis(lang), y=alt.Y("mid:Q"), text=alt.Text("value:Q", format=t.d3(1)), tooltip=tooltip)
        .transform_calculate(mid="datum.value / 2")
    )
    targets = data[(data["part"] == "substitution") & (data["target"] > 0)]
    targets = targets.assign(part="target", key="target", label=part_label("target", lang))
    ticks = (
        alt.Chart(targets)
        .mark_tick(size=BAR_STEP * 0.8, thickness=3, opacity=1)
        .encode(x=year_axis(lang), y="target:Q", color=colour, tooltip=tooltip)
    )
    return alt.layer(bars, values, ticks).properties(width=year_width(len(plan.years)), height=320)


def _output_chart(plan: Plan, lang: Lang, year: int) -> alt.TopLevelMixin:
    data = output_data(plan, year, lang)
    t, per_yr = unit("tonnes", lang), unit("tonnes_per_yr", lang)
    statuses = [s for s in BASE_COLOURS if s in set(data["status"])]
    colours = {**BASE_COLOURS, "capacity": CAPACITY_COLOUR}
    colours.update({s: "#888888" for s in set(data["status"]) - set(colours)})
    statuses += sorted(set(data["status"]) - set(statuses))
    legend = {text("capacity_mt", lang): colours["capacity"], **{text(s, lang): colours[s] for s in statuses}}
    tooltip = [
        alt.Tooltip("base_label:N", title=text("base", lang)),
        alt.Tooltip("city_label:N", title=text("city", lang)),
        alt.Tooltip("status_label:N", title=text("status", lang)),
        alt.Tooltip("output:Q", title=with_unit("output", t.name, lang), format=t.d3()),
        alt.Tooltip("shipped:Q", title=with_unit("shipped", t.name, lang), format=t.d3()),
        alt.Tooltip("capacity:Q", title=with_unit("capacity_mt", per_yr.name, lang), format=per_yr.d3()),
        alt.Tooltip("utilisation:Q", title=text("utilisation", lang), format=".0%"),
    ]
    y = alt.Y("base_label:N", title=None, sort=list(dict.fromkeys(data["base_label"])), axis=alt.Axis(labelLimit=260))
    x_title = f"{text('output', lang)} / {text('capacity_mt', lang)} ({t.name})"
    capacity = (
        alt.Chart()
        .mark_bar(size=15)
        .encode(
            x=alt.X("capacity:Q", title=x_title, axis=alt.Axis(format=AXIS_FORMAT)),
            y=y,
            color=colour_scale("capacity_label", legend),
            tooltip=tooltip,
        )
    )
    output = (
        alt.Chart()
        .mark_bar(size=9)
        .encode(x="output:Q", y=y, color=colour_scale("status_label", legend), tooltip=tooltip)
    )
    cities = list(dict.fromkeys(data["city_label"]))
    header = alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelFontSize=13)
    return (
        alt.layer(capacity, output, data=data)
        .properties(width=460, height=alt.Step(18))
        .facet(row=alt.Row("city_label:N", title=None, sort=cities, header=header), spacing=10)
        .resolve_scale(y="independent")
    )


def _mode_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = mode_data(plan, lang)
    t = unit("tonnes", lang)
    chains = chains_present(data["chain"])
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("label:N", title=text("chain", lang)),
        alt.Tooltip("value:Q", title=t.name, format=t.d3()),
        alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
        alt.Tooltip("rail_share_t:Q", title=text("rail_share_t", lang), format=".1%"),
        alt.Tooltip("rail_share_tkm:Q", title=text("rail_share_tkm", lang), format=".1%"),
    ]
    bars = stacked_by_year(data, lang, with_unit("substitution_mt", t.name, lang), chain_scale(chains, lang), tooltip)
    totals = data.drop_duplicates("year").assign(
        rail_label=lambda d: [f"{text('rail', lang)} {s:.1%}" for s in d["rail_share_t"]]
    )
    labels = (
        alt.Chart(totals)
        .mark_text(dy=-9, fontSize=12, color="#333")
        .encode(x=year_axis(lang), y="total:Q", text="rail_label:N", tooltip=tooltip[:1] + tooltip[4:])
    )
    return alt.layer(bars, labels).properties(width=year_width(len(plan.years)), height=320)


def _cost_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = cost_data(plan, lang)
    money = unit("money", lang)
    per_t = text("yuan_per_t", lang)
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("label:N", title=text("cost_part", lang)),
        alt.Tooltip("value:Q", title=money.name, format=money.d3()),
        alt.Tooltip("yuan_per_t:Q", title=per_t, format=",.2f"),
        alt.Tooltip("cost_yuan_per_t:Q", title=with_unit("cost_yuan_per_t", per_t, lang), format=",.2f"),
        alt.Tooltip("total:Q", title=with_unit("total", money.name, lang), format=money.d3()),
    ]
    bars = stacked_by_year(
        data,
        lang,
        with_unit("cost_yuan", money.name, lang),
        colour_scale("label", {part_label(p, lang): COST_COLOURS[p] for p in COST_PARTS}),
        tooltip,
    )
    totals = (
        alt.Chart(data.drop_duplicates("year"))
        .mark_text(dy=-9, fontSize=12, color="#333")
        .encode(
            x=year_axis(lang),
            y="total:Q",
            text=alt.Text("total:Q", format=money.d3(1)),
            tooltip=[tooltip[0], tooltip[4], tooltip[5]],
        )
    )
    return alt.layer(bars, totals).properties(width=year_width(len(plan.years)), height=320)


def _emissions_chart(plan: Plan, lang: Lang) -> alt.TopLevelMixin:
    data = emissions_data(plan, lang)
    chains = chains_present(data["chain"])
    co2e, tonnes, t = unit("co2e", lang), unit("tonnes", lang), text("t", lang)
    co2e_title = with_unit("co2e_t", co2e.name, lang)
    tooltip = [
        alt.Tooltip("year:O", title=text("year", lang)),
        alt.Tooltip("label:N", title=text("chain", lang)),
        alt.Tooltip("co2e:Q", title=co2e_title, format=co2e.d3()),
        alt.Tooltip("nox_t:Q", title=with_unit("nox_t", t, lang), format=",.1f"),
        alt.Tooltip("shipped:Q", title=with_unit("substitution_mt", tonnes.name, lang), format=tonnes.d3()),
    ]
    colour = chain_scale(chains, lang)

    def panel(field: str, title: str) -> alt.Chart:
        return (
            alt.Chart(data)
            .mark_bar(size=BAR_STEP * 0.45)
            .encode(
                x=year_axis(lang),
                y=alt.Y(f"{field}:Q", stack="zero", title=title, axis=alt.Axis(format=AXIS_FORMAT)),
                color=colour,
                order=alt.Order("order:Q"),
                tooltip=tooltip,
            )
            .properties(width=year_width(len(plan.years), 0.75), height=280)
        )

    return alt.hconcat(panel("co2e", co2e_title), panel("nox_t", with_unit("nox_t", t, lang)), spacing=40)


def stacked_by_year(data: pd.DataFrame, lang: Lang, title: str, colour: alt.Color, tooltip: list) -> alt.Chart:
    """Bars of ``value`` stacked by ``order`` in each year, as the substitution, mode and cost charts draw them."""
    y = alt.Y("value:Q", stack="zero", title=title, axis=alt.Axis(format=AXIS_FORMAT))
    return (
        alt.Chart(data)
        .mark_bar(size=BAR_STEP * 0.55)
        .encode(x=year_axis(lang), y=y, color=colour, order=alt.Order("order:Q"), tooltip=tooltip)
    )
