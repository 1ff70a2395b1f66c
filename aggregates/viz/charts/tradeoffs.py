"""Charts of trade-offs: the cost-CO2e Pareto front, one parameter's sensitivity, and a tornado.

Pure functions: the tables of :mod:`aggregates.sweep` in (read through
:mod:`aggregates.viz.charts.tradeoff_data`), Altair charts out, with the look, chain colours and
units of the run charts. ``write_tradeoff_charts`` writes each as ``charts/<name>.png`` and a
self-contained ``charts/<name>.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import altair as alt
import pandas as pd

from aggregates.viz.charts.page import write_chart_files
from aggregates.viz.charts.style import AXIS_FORMAT, chain_scale, style_chart
from aggregates.viz.charts.tradeoff_data import (
    chains_with_tonnes,
    mix_data,
    pareto_data,
    sensitivity_data,
    tornado_data,
)
from aggregates.viz.charts.units import metric_label, metric_unit, unit
from aggregates.viz.labels import Lang, check_lang, text, with_unit

TRADEOFF_CHARTS = ("pareto", "sensitivity", "tornado")
FRONT_COLOUR = "#41566e"
MAC_COLOUR = "#8e6bb0"
END_COLOURS = {"low": "#3f8fb5", "high": "#d9822b"}
WIDTH = 520
PANEL_HEIGHT = 260


def _mix_chart(frame: pd.DataFrame, at: str, x: alt.X, x_title: str, lang: Lang) -> alt.Chart:
    data = mix_data(frame, at, lang)
    tonnes = unit("tonnes", lang)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "tonnes:Q",
                stack="zero",
                title=with_unit("substitution_mt", tonnes.name, lang),
                axis=alt.Axis(format=AXIS_FORMAT),
            ),
            color=chain_scale(chains_with_tonnes(frame), lang),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{at}:N", title=x_title),
                alt.Tooltip("label:N", title=text("chain", lang)),
                alt.Tooltip("tonnes:Q", title=tonnes.name, format=tonnes.d3()),
                alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
                alt.Tooltip("rail_share_t:Q", title=text("rail_share_t", lang), format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=PANEL_HEIGHT)
    )


def pareto_chart(points: pd.DataFrame, lang: Lang = "zh", year: int | None = None, note: str = "") -> alt.TopLevelMixin:
    """The front (system cost against CO2e, each point labelled with its rail share), the mode mix
    at each point and the marginal abatement cost between neighbouring points."""
    lang = check_lang(lang)
    data = pareto_data(points, lang)
    co2e, money = unit("co2e", lang), unit("money", lang)
    mac_unit = text("yuan_per_t_co2e", lang)
    tooltip = [
        alt.Tooltip("name:N", title=text("point", lang)),
        alt.Tooltip("kind:N", title=text("kind", lang)),
        alt.Tooltip("cap:Q", title=with_unit("emissions_cap", co2e.name, lang), format=co2e.d3()),
        alt.Tooltip("co2e:Q", title=with_unit("co2e_t", co2e.name, lang), format=co2e.d3()),
        alt.Tooltip("system_cost:Q", title=with_unit("system_cost_yuan", money.name, lang), format=money.d3()),
        alt.Tooltip("cost:Q", title=with_unit("cost_yuan", money.name, lang), format=money.d3()),
        alt.Tooltip("mac:Q", title=with_unit("mac", mac_unit, lang), format=",.0f"),
        alt.Tooltip("rail_share_t:Q", title=text("rail_share_t", lang), format=".1%"),
        alt.Tooltip("substitution_mt:Q", title=with_unit("substitution_mt", "Mt", lang), format=",.2f"),
        alt.Tooltip("nox_t:Q", title=with_unit("nox_t", text("t", lang), lang), format=",.0f"),
    ]
    x = alt.X("co2e:Q", title=with_unit("co2e_t", co2e.name, lang), scale=alt.Scale(zero=False))
    y = alt.Y("system_cost:Q", title=with_unit("system_cost_yuan", money.name, lang), scale=alt.Scale(zero=False))
    base = alt.Chart(data).encode(x=x, y=y, tooltip=tooltip)
    curve = alt.layer(
        base.mark_line(color=FRONT_COLOUR, strokeWidth=2),
        base.mark_point(color=FRONT_COLOUR, filled=True, size=80, opacity=1),
        base.mark_text(dy=-12, fontSize=11, color="#333").encode(text="rail_label:N"),
    ).properties(width=WIDTH, height=PANEL_HEIGHT)
    names = list(data["name"])
    at = alt.X("name:N", title=text("point", lang), sort=names, axis=alt.Axis(labelAngle=0))
    mac = data[data["mac"].notna()]
    mac_bars = (
        alt.Chart(mac)
        .mark_bar(color=MAC_COLOUR, size=28)
        .encode(
            x=alt.X("name:N", title=text("point", lang), sort=names, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("mac:Q", title=with_unit("mac", mac_unit, lang), axis=alt.Axis(format=AXIS_FORMAT)),
            tooltip=tooltip,
        )
    )
    mac_text = mac_bars.mark_text(dy=-8, fontSize=11, color="#333").encode(text=alt.Text("mac:Q", format=",.0f"))
    panels = [curve, _mix_chart(data, "name", at, text("point", lang), lang)]
    if len(mac):
        panels.append(alt.layer(mac_bars, mac_text).properties(width=WIDTH, height=PANEL_HEIGHT * 0.7))
    title = text("chart_pareto", lang) + (f" {year}" if year is not None else "")
    return style_chart(alt.vconcat(*panels, spacing=28), title, note)


def sensitivity_chart(table: pd.DataFrame, lang: Lang = "zh", note: str = "") -> alt.TopLevelMixin:
    """System cost and CO2e at each value of the parameter, and the mode mix below them."""
    lang = check_lang(lang)
    data = sensitivity_data(table, lang)
    param = str(table["param"].iloc[0]) if len(table) else ""
    money, co2e = unit("money", lang), unit("co2e", lang)
    order = list(data["value"])
    x = alt.X("value:N", title=text(param, lang), sort=order, axis=alt.Axis(labelAngle=0))
    tooltip = [
        alt.Tooltip("value:N", title=text(param, lang)),
        alt.Tooltip("system_cost:Q", title=with_unit("system_cost_yuan", money.name, lang), format=money.d3()),
        alt.Tooltip("cost:Q", title=with_unit("cost_yuan", money.name, lang), format=money.d3()),
        alt.Tooltip("co2e:Q", title=with_unit("co2e_t", co2e.name, lang), format=co2e.d3()),
        alt.Tooltip("rail_share_t:Q", title=text("rail_share_t", lang), format=".1%"),
        alt.Tooltip("substitution_mt:Q", title=with_unit("substitution_mt", "Mt", lang), format=",.2f"),
        alt.Tooltip("nox_t:Q", title=with_unit("nox_t", text("t", lang), lang), format=",.0f"),
    ]

    def panel(field: str, title: str, colour: str) -> alt.LayerChart:
        line = (
            alt.Chart(data)
            .encode(x=x, y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=False)), tooltip=tooltip)
            .properties(width=WIDTH // 2 - 20, height=PANEL_HEIGHT)
        )
        return alt.layer(line.mark_line(color=colour), line.mark_point(color=colour, filled=True, size=70))

    top = alt.hconcat(
        panel("system_cost", with_unit("system_cost_yuan", money.name, lang), FRONT_COLOUR),
        panel("co2e", with_unit("co2e_t", co2e.name, lang), MAC_COLOUR),
        spacing=40,
    )
    title = f"{text('chart_sensitivity', lang)}: {text(param, lang)}"
    return style_chart(alt.vconcat(top, _mix_chart(data, "value", x, text(param, lang), lang), spacing=28), title, note)


def tornado_chart(table: pd.DataFrame, lang: Lang = "zh", note: str = "") -> alt.TopLevelMixin:
    """Bars from the base run to each parameter's low and high end, widest swing on top."""
    lang = check_lang(lang)
    data = tornado_data(table, lang)
    metric = str(table["metric"].iloc[0]) if len(table) else "system_cost_yuan"
    shown = metric_unit(metric, lang)
    ends = [text(e, lang) for e in END_COLOURS]
    y = alt.Y("label:N", title=None, sort=list(dict.fromkeys(data["label"])), axis=alt.Axis(labelLimit=280))
    tooltip = [
        alt.Tooltip("label:N", title=text("parameter", lang)),
        alt.Tooltip("end_label:N", title=text("end", lang)),
        alt.Tooltip("setting:N", title=text("value", lang)),
        alt.Tooltip("at:Q", title=metric_label(metric, lang), format=shown.format),
        alt.Tooltip("delta:Q", title=with_unit("change_from_base", shown.name, lang), format=shown.format),
        alt.Tooltip("base:Q", title=with_unit("base_case", shown.name, lang), format=shown.format),
    ]
    # Low and high side by side in each row: both ends can move the figure the same way.
    offset = alt.YOffset("end:N", sort=list(END_COLOURS), scale=alt.Scale(domain=list(END_COLOURS)))
    bars = (
        alt.Chart(data)
        .mark_bar(size=12)
        .encode(
            x=alt.X(
                "delta:Q",
                title=f"{text('change_from_base', lang)}: {metric_label(metric, lang)}",
                scale=alt.Scale(padding=44),
                axis=alt.Axis(format=AXIS_FORMAT),
            ),
            y=y,
            yOffset=offset,
            color=alt.Color(
                "end_label:N",
                title=None,
                scale=alt.Scale(domain=ends, range=list(END_COLOURS.values())),
                sort=ends,
            ),
            tooltip=tooltip,
        )
    )
    right = bars.transform_filter("datum.delta >= 0").mark_text(fontSize=11, dx=4, align="left")
    left = bars.transform_filter("datum.delta < 0").mark_text(fontSize=11, dx=-4, align="right")
    labels = [side.encode(text="setting:N", color=alt.value("#333")) for side in (right, left)]
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#111").encode(x="x:Q")
    chart = alt.layer(bars, *labels, zero).properties(width=WIDTH, height=alt.Step(15))
    return style_chart(chart, text("chart_tornado", lang), note)


def tradeoff_specs(
    *,
    pareto: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
    tornado: pd.DataFrame | None = None,
    lang: Lang = "zh",
    year: int | None = None,
    note: str = "",
) -> dict[str, alt.TopLevelMixin]:
    """The charts of the tables given, by name (``pareto``, ``sensitivity``, ``tornado``).

    Parameters
    ----------
    pareto
        :attr:`aggregates.analysis.tradeoffs.ParetoFront.points`.
    sensitivity
        The table of :func:`aggregates.sweep.sensitivity`.
    tornado
        The table of :func:`aggregates.sweep.tornado`.
    lang
        ``"zh"`` or ``"en"``.
    year
        The Pareto front's year, for its title.
    note
        A line under every title.
    """
    lang = check_lang(lang)
    makers: dict[str, Callable[[], alt.TopLevelMixin]] = {}
    if pareto is not None:
        makers["pareto"] = lambda: pareto_chart(pareto, lang, year, note)
    if sensitivity is not None:
        makers["sensitivity"] = lambda: sensitivity_chart(sensitivity, lang, note)
    if tornado is not None:
        makers["tornado"] = lambda: tornado_chart(tornado, lang, note)
    return {name: make() for name, make in makers.items()}


def write_tradeoff_charts(
    folder: str | Path,
    *,
    pareto: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
    tornado: pd.DataFrame | None = None,
    lang: Lang = "zh",
    year: int | None = None,
) -> list[Path]:
    """Write the charts of the tables given as ``folder/charts/<name>.png`` and ``.html``.

    PNGs are drawn at scale 2; without a CJK font here, Chinese PNGs are drawn in English
    (with a note) and a warning is logged. Parameters as for :func:`tradeoff_specs`.

    Returns
    -------
    list of Path
        The files written, PNG then HTML for each chart, in ``TRADEOFF_CHARTS`` order.
    """
    lang = check_lang(lang)
    tables = {"pareto": pareto, "sensitivity": sensitivity, "tornado": tornado}
    titles = {name: text(f"chart_{name}", lang) for name in TRADEOFF_CHARTS}
    return write_chart_files(
        folder, lambda shown, note: tradeoff_specs(**tables, lang=shown, year=year, note=note), titles, lang
    )
