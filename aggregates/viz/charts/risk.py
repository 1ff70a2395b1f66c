"""Charts of a risk evaluation: the distribution of system cost and of substitution over the sampled futures.

Each chart is a histogram (probability per bin) beside the cumulative distribution; the substitution
chart marks the year's target. Pure functions of ``samples.csv`` (:meth:`RiskEvaluation.samples_table`).
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from aggregates.viz.charts.page import write_chart_files
from aggregates.viz.charts.style import AXIS_FORMAT, TARGET_COLOUR, style_chart
from aggregates.viz.charts.units import metric_label, metric_unit
from aggregates.viz.labels import Lang, check_lang, text

RISK_CHARTS = {"risk_cost": "system_cost_yuan", "risk_substitution": "substitution_mt"}
BAR_COLOUR = "#41566e"
CDF_COLOUR = "#d9822b"
WIDTH = 320
HEIGHT = 240
BINS = 12


def cdf_data(samples: pd.DataFrame, metric: str, lang: Lang) -> pd.DataFrame:
    """The futures with a plan, by ``metric`` shown in its unit: value, probability and cumulative probability."""
    shown = metric_unit(metric, lang)
    data = samples[["sample", "probability", metric]].dropna().sort_values([metric, "sample"], kind="mergesort")
    return pd.DataFrame(
        {
            "sample": data["sample"].to_numpy(),
            "value": data[metric].to_numpy(float) * shown.factor,
            "probability": data["probability"].to_numpy(float),
            "cumulative": np.cumsum(data["probability"].to_numpy(float)),
        }
    )


def risk_chart(samples: pd.DataFrame, metric: str, year: int, lang: Lang = "zh", note: str = "") -> alt.TopLevelMixin:
    """Histogram and cumulative distribution of ``metric`` over the futures (with the target for substitution)."""
    lang = check_lang(lang)
    data = cdf_data(samples, metric, lang)
    shown = metric_unit(metric, lang)
    label = metric_label(metric, lang)
    x = alt.X("value:Q", title=label, scale=alt.Scale(zero=False), axis=alt.Axis(format=AXIS_FORMAT))
    tooltip = [
        alt.Tooltip("sample:N", title=text("sample", lang)),
        alt.Tooltip("value:Q", title=label, format=shown.format),
        alt.Tooltip("cumulative:Q", title=text("cumulative_probability", lang), format=".0%"),
    ]
    histogram = (
        alt.Chart(data)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=alt.X("value:Q", bin=alt.Bin(maxbins=BINS), title=label, axis=alt.Axis(format=AXIS_FORMAT)),
            y=alt.Y("sum(probability):Q", title=text("probability", lang), axis=alt.Axis(format=".0%")),
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    step = alt.Chart(data).encode(x=x, y=alt.Y("cumulative:Q", title=text("cumulative_probability", lang)))
    cdf = alt.layer(
        step.mark_line(color=CDF_COLOUR, interpolate="step-after"),
        step.mark_point(color=CDF_COLOUR, filled=True, size=40).encode(tooltip=tooltip),
    )
    layers = [histogram], [cdf]
    if metric == "substitution_mt" and "target_mt" in samples and len(samples):
        target = pd.DataFrame({"value": [float(samples["target_mt"].iloc[0]) * shown.factor]})
        rule = alt.Chart(target).mark_rule(color=TARGET_COLOUR, strokeDash=[4, 3]).encode(x="value:Q")
        layers = [histogram, rule], [cdf, rule]
    panels = alt.hconcat(
        alt.layer(*layers[0]).properties(width=WIDTH, height=HEIGHT),
        alt.layer(*layers[1]).properties(width=WIDTH, height=HEIGHT),
        spacing=36,
    )
    name = "chart_risk_cost" if metric == "system_cost_yuan" else "chart_risk_substitution"
    title = f"{text(name, lang)} {year}: {len(data)} {text('samples_count', lang)}"
    return style_chart(panels, title, note)


def risk_specs(samples: pd.DataFrame, year: int, lang: Lang = "zh", note: str = "") -> dict[str, alt.TopLevelMixin]:
    """The risk charts by name (``risk_cost``, ``risk_substitution``)."""
    return {name: risk_chart(samples, metric, year, lang, note) for name, metric in RISK_CHARTS.items()}


def write_risk_charts(folder: str | Path, samples: pd.DataFrame, year: int, *, lang: Lang = "zh") -> list[Path]:
    """Write ``folder/charts/risk_cost`` and ``risk_substitution`` as ``.png`` and ``.html`` (and ``vega.js``).

    Returns
    -------
    list of Path
        The files written.
    """
    lang = check_lang(lang)
    titles = {"risk_cost": text("chart_risk_cost", lang), "risk_substitution": text("chart_risk_substitution", lang)}
    return write_chart_files(folder, lambda shown, note: risk_specs(samples, year, shown, note), titles, lang)
