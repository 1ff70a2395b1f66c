"""Charts of trade-offs: the cost-CO2e Pareto front, one parameter's sensitivity, and a tornado.

Pure functions: the tables of :mod:`aggregates.sweep` in, Altair charts out, with the look, chain
colours and units of the run charts (:mod:`aggregates.viz.charts`). ``write_tradeoff_charts``
writes each as ``charts/<name>.png`` and a self-contained ``charts/<name>.html``.

Columns the charts read:

* Pareto points: ``point``, ``kind``, ``cap_kt``, ``status``, ``on_front``, ``system_cost_yuan``,
  ``cost_yuan``, ``co2e_t``, ``nox_t``, ``rail_share_t``, ``substitution_mt``,
  ``mac_yuan_per_t`` and ``mt_<chain>`` per chain; only the points on the front are drawn.
* Sensitivity: ``param``, ``value``, ``status``, the same figures and ``mt_<chain>``.
* Tornado: ``param``, ``low``, ``high``, ``metric``, ``base``, ``delta_low``, ``delta_high``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import altair as alt
import pandas as pd

from aggregates.viz.charts import AXIS_FORMAT, CHAIN_COLOURS, MT, png_lang, save_chart, style_chart, unit
from aggregates.viz.labels import Lang, check_lang, text

TRADEOFF_CHARTS = ("pareto", "sensitivity", "tornado")
FRONT_COLOUR = "#41566e"
MAC_COLOUR = "#8e6bb0"
END_COLOURS = {"low": "#3f8fb5", "high": "#d9822b"}
WIDTH = 520
PANEL_HEIGHT = 260
NO_FONT_NOTE = "English labels: no Chinese font was found on this machine"


class MetricUnit(NamedTuple):
    """How a tornado shows a figure: ``value * factor`` in ``name`` with the d3 ``format``."""

    factor: float
    name: str
    format: str


def metric_unit(metric: str, lang: Lang) -> MetricUnit:
    """The unit a figure of :data:`aggregates.sweep.METRICS` is shown in."""
    if metric.endswith("_yuan"):
        money = unit("money", lang)
        return MetricUnit(1 / money.per, money.name, money.d3())
    if metric == "co2e_t":
        co2e = unit("co2e", lang)
        return MetricUnit(1 / co2e.per, co2e.name, co2e.d3())
    if metric.endswith("_mt"):
        tonnes = unit("tonnes", lang)
        return MetricUnit(MT / tonnes.per, tonnes.name, tonnes.d3())
    if metric.startswith("rail_share"):
        return MetricUnit(100.0, "%", ",.1f")
    if metric.endswith("_per_t"):
        return MetricUnit(1.0, text("yuan_per_t" if "yuan" in metric else "kg_per_t", lang), ",.2f")
    if metric in ("nox_t", "pm_t"):
        return MetricUnit(1.0, text("t", lang), ",.1f")
    return MetricUnit(1.0, "", ",.2f")


def metric_label(metric: str, lang: Lang) -> str:
    """A figure's name and unit, e.g. ``系统总成本 (亿元)`` or ``CO2e (kt)``."""
    words = {
        "system_cost_yuan": "system_cost",
        "cost_yuan": "cost",
        "cost_yuan_per_t": "cost_per_t",
        "co2e_t": "co2e",
        "nox_t": "nox",
        "pm_t": "pm",
        "rail_share_t": "rail_share",
        "rail_share_tkm": "rail_share_tkm",
        "substitution_mt": "substitution",
        "trains_per_day": "trains_per_day",
        "truck_trips_per_day": "truck_trips_per_day",
    }
    name = text(words.get(metric, metric), lang)
    shown = metric_unit(metric, lang).name
    return f"{name} ({shown})" if shown else name


def _chains(frame: pd.DataFrame) -> list[str]:
    """Chains with a ``mt_<chain>`` column carrying tonnes, in the run charts' drawing order."""
    present = [c for c in CHAIN_COLOURS if f"mt_{c}" in frame and frame[f"mt_{c}"].fillna(0).gt(0).any()]
    return present or [c for c in CHAIN_COLOURS if f"mt_{c}" in frame]


def _chain_colour(chains: list[str], lang: Lang) -> alt.Color:
    labels = [text(c, lang) for c in chains]
    return alt.Color(
        "label:N",
        title=None,
        scale=alt.Scale(domain=labels, range=[CHAIN_COLOURS[c] for c in chains]),
        sort=labels,
    )


def mix_data(frame: pd.DataFrame, at: str, lang: Lang) -> pd.DataFrame:
    """Long table of tonnes by chain: one row per row of ``frame`` and chain with tonnes.

    Columns: ``at`` (copied from ``frame[at]``), ``chain``, ``label``, ``order``, ``tonnes`` (in
    ``unit("tonnes", lang)``), ``share`` (of the row's solid-waste tonnes), ``rail_share_t``.
    """
    tonnes = unit("tonnes", lang)
    chains = _chains(frame)
    rows = []
    for _, r in frame.iterrows():
        total = sum(float(r[f"mt_{c}"]) for c in chains)
        for order, chain in enumerate(chains):
            mt = float(r[f"mt_{chain}"])
            if mt > 0:
                rows.append(
                    {
                        at: r[at],
                        "chain": chain,
                        "label": text(chain, lang),
                        "order": order,
                        "tonnes": tonnes.of(mt * MT),
                        "share": mt / total if total else 0.0,
                        "rail_share_t": float(r["rail_share_t"]),
                    }
                )
    return pd.DataFrame(rows, columns=[at, "chain", "label", "order", "tonnes", "share", "rail_share_t"])


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
                title=f"{text('substitution', lang)} ({tonnes.name})",
                axis=alt.Axis(format=AXIS_FORMAT),
            ),
            color=_chain_colour(_chains(frame), lang),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{at}:N", title=x_title),
                alt.Tooltip("label:N", title=text("chain", lang)),
                alt.Tooltip("tonnes:Q", title=tonnes.name, format=tonnes.d3()),
                alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
                alt.Tooltip("rail_share_t:Q", title=text("rail_share", lang), format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=PANEL_HEIGHT)
    )


# -- Pareto front --------------------------------------------------------------------------------


def pareto_data(points: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """The points on the front, CO2e decreasing, in the chart's units.

    Columns: ``point``, ``name`` (e.g. ``P2 961 kt``), ``kind`` (in ``lang``), ``cap``, ``co2e``
    (``unit("co2e", lang)``), ``system_cost``, ``cost`` (``unit("money", lang)``), ``mac``
    (yuan per t CO2e), ``rail_share_t``, ``rail_label``, ``nox_t``, ``substitution_mt`` and
    ``mt_<chain>``.
    """
    front = points[points["on_front"].astype(bool)].sort_values("co2e_t", ascending=False, kind="mergesort")
    co2e, money = unit("co2e", lang), unit("money", lang)
    data = pd.DataFrame(
        {
            "point": front["point"].astype(int),
            "name": [
                f"P{p} {co2e.of(c):,.{co2e.decimals(1)}f} {co2e.name}"
                for p, c in zip(front["point"], front["co2e_t"], strict=True)
            ],
            "kind": [text(k, lang) for k in front["kind"]],
            "cap": [co2e.of(c * 1000) if pd.notna(c) else None for c in front["cap_kt"]],
            "co2e": co2e.of(front["co2e_t"]),
            "system_cost": money.of(front["system_cost_yuan"]),
            "cost": money.of(front["cost_yuan"]),
            "mac": front["mac_yuan_per_t"],
            "rail_share_t": front["rail_share_t"],
            "rail_label": [f"{text('rail', lang)} {s:.0%}" for s in front["rail_share_t"]],
            "nox_t": front["nox_t"],
            "substitution_mt": front["substitution_mt"],
        }
    )
    return _with_chain_tonnes(data, front)


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
        alt.Tooltip("cap:Q", title=f"{text('emissions_cap', lang)} ({co2e.name})", format=co2e.d3()),
        alt.Tooltip("co2e:Q", title=f"{text('co2e', lang)} ({co2e.name})", format=co2e.d3()),
        alt.Tooltip("system_cost:Q", title=f"{text('system_cost', lang)} ({money.name})", format=money.d3()),
        alt.Tooltip("cost:Q", title=f"{text('cost', lang)} ({money.name})", format=money.d3()),
        alt.Tooltip("mac:Q", title=f"{text('mac', lang)} ({mac_unit})", format=",.0f"),
        alt.Tooltip("rail_share_t:Q", title=text("rail_share", lang), format=".1%"),
        alt.Tooltip("substitution_mt:Q", title=f"{text('substitution', lang)} (Mt)", format=",.2f"),
        alt.Tooltip("nox_t:Q", title=f"{text('nox', lang)} ({text('t', lang)})", format=",.0f"),
    ]
    x = alt.X("co2e:Q", title=f"{text('co2e', lang)} ({co2e.name})", scale=alt.Scale(zero=False))
    y = alt.Y("system_cost:Q", title=f"{text('system_cost', lang)} ({money.name})", scale=alt.Scale(zero=False))
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
            y=alt.Y("mac:Q", title=f"{text('mac', lang)} ({mac_unit})", axis=alt.Axis(format=AXIS_FORMAT)),
            tooltip=tooltip,
        )
    )
    mac_text = mac_bars.mark_text(dy=-8, fontSize=11, color="#333").encode(text=alt.Text("mac:Q", format=",.0f"))
    panels = [curve, _mix_chart(data, "name", at, text("point", lang), lang)]
    if len(mac):
        panels.append(alt.layer(mac_bars, mac_text).properties(width=WIDTH, height=PANEL_HEIGHT * 0.7))
    title = text("chart_pareto", lang) + (f" {year}" if year is not None else "")
    return style_chart(alt.vconcat(*panels, spacing=28), title, note)


# -- sensitivity ---------------------------------------------------------------------------------


def sensitivity_data(table: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """One row per value with a plan: ``value`` (as text, in the order given), ``system_cost``,
    ``cost`` (``unit("money", lang)``), ``co2e`` (``unit("co2e", lang)``), ``nox_t``,
    ``rail_share_t``, ``substitution_mt`` and ``mt_<chain>``."""
    solved = table[table["status"] != "infeasible"]
    money, co2e = unit("money", lang), unit("co2e", lang)
    data = pd.DataFrame(
        {
            "value": [_value_text(v) for v in solved["value"]],
            "system_cost": money.of(solved["system_cost_yuan"]),
            "cost": money.of(solved["cost_yuan"]),
            "co2e": co2e.of(solved["co2e_t"]),
            "nox_t": solved["nox_t"],
            "rail_share_t": solved["rail_share_t"],
            "substitution_mt": solved["substitution_mt"],
        }
    )
    return _with_chain_tonnes(data, solved)


def _with_chain_tonnes(data: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the ``mt_<chain>`` columns of ``rows`` that are present, index reset."""
    for chain in CHAIN_COLOURS:
        if f"mt_{chain}" in rows:
            data[f"mt_{chain}"] = rows[f"mt_{chain}"].to_numpy()
    return data.reset_index(drop=True)


def _value_text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


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
        alt.Tooltip("system_cost:Q", title=f"{text('system_cost', lang)} ({money.name})", format=money.d3()),
        alt.Tooltip("cost:Q", title=f"{text('cost', lang)} ({money.name})", format=money.d3()),
        alt.Tooltip("co2e:Q", title=f"{text('co2e', lang)} ({co2e.name})", format=co2e.d3()),
        alt.Tooltip("rail_share_t:Q", title=text("rail_share", lang), format=".1%"),
        alt.Tooltip("substitution_mt:Q", title=f"{text('substitution', lang)} (Mt)", format=",.2f"),
        alt.Tooltip("nox_t:Q", title=f"{text('nox', lang)} ({text('t', lang)})", format=",.0f"),
    ]

    def panel(field: str, title: str, colour: str) -> alt.LayerChart:
        line = (
            alt.Chart(data)
            .encode(x=x, y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=False)), tooltip=tooltip)
            .properties(width=WIDTH // 2 - 20, height=PANEL_HEIGHT)
        )
        return alt.layer(line.mark_line(color=colour), line.mark_point(color=colour, filled=True, size=70))

    top = alt.hconcat(
        panel("system_cost", f"{text('system_cost', lang)} ({money.name})", FRONT_COLOUR),
        panel("co2e", f"{text('co2e', lang)} ({co2e.name})", MAC_COLOUR),
        spacing=40,
    )
    title = f"{text('chart_sensitivity', lang)}: {text(param, lang)}"
    return style_chart(alt.vconcat(top, _mix_chart(data, "value", x, text(param, lang), lang), spacing=28), title, note)


# -- tornado -------------------------------------------------------------------------------------


def tornado_data(table: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """Two rows per parameter (its low and its high end), in the table's order (widest swing first).

    Columns: ``param``, ``label`` (the parameter in ``lang``), ``end`` (``low`` or ``high``),
    ``end_label``, ``setting`` (the parameter's value there), ``delta`` (change of the metric
    from the base run, in :func:`metric_unit`), ``at`` (the metric there) and ``base``.
    """
    rows = []
    for r in table.itertuples():
        shown = metric_unit(r.metric, lang)
        for end in ("low", "high"):
            delta = getattr(r, f"delta_{end}")
            rows.append(
                {
                    "param": r.param,
                    "label": text(r.param, lang),
                    "end": end,
                    "end_label": text(end, lang),
                    "setting": _value_text(getattr(r, end)),
                    "delta": delta * shown.factor if pd.notna(delta) else None,
                    "at": (r.base + delta) * shown.factor if pd.notna(delta) else None,
                    "base": r.base * shown.factor,
                }
            )
    columns = ["param", "label", "end", "end_label", "setting", "delta", "at", "base"]
    return pd.DataFrame(rows, columns=columns)


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
        alt.Tooltip("delta:Q", title=f"{text('change_from_base', lang)} ({shown.name})", format=shown.format),
        alt.Tooltip("base:Q", title=f"{text('base_case', lang)} ({shown.name})", format=shown.format),
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


# -- writing -------------------------------------------------------------------------------------


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
        :attr:`aggregates.sweep.ParetoFront.points`.
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
    charts = tradeoff_specs(**tables, lang=lang, year=year)
    drawn = png_lang(lang)
    png_charts = charts if drawn == lang else tradeoff_specs(**tables, lang=drawn, year=year, note=NO_FONT_NOTE)
    out = Path(folder) / "charts"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in TRADEOFF_CHARTS:
        if name in charts:
            title = text(f"chart_{name}", lang)
            written += save_chart(charts[name], png_charts[name], out, name, title, lang)
    return written
