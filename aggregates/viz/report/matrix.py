"""The supply matrix drawn: a table (map panel and report) and a chart (report), from
:func:`aggregates.analysis.supply.supply_matrix`.

The chart is a bar per supply city -> market pair, stacked by chain: Vega-Lite has no Sankey, and a
stacked bar reads each pair's tonnes and its split by mode off one axis, which a Sankey's ribbons
only suggest.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from aggregates.analysis.supply import matrix_wide
from aggregates.viz.charts.style import CHAIN_COLOURS, chain_scale, chains_present
from aggregates.viz.charts.units import unit
from aggregates.viz.labels import Lang, text, with_unit
from aggregates.viz.report.cells import fmt_number, table_html
from aggregates.vocab import MT


def matrix_table(matrix: pd.DataFrame, lang: Lang) -> str:
    """The matrix as an HTML table: a row per supply city and market, a column per chain, a total row.

    Tonnes in 万吨 (``zh``) or Mt (``en``); names, chains and headers in ``lang``.
    """
    t = unit("tonnes", lang)
    wide = matrix_wide(matrix)
    chains = [c for c in wide.columns if c not in ("supply_city", "market", "total")]
    headers = [
        (text("supply_city", lang), False),
        (text("market", lang), False),
        *((text(c, lang), True) for c in chains),
        (with_unit("total", t.name, lang), True),
    ]

    def cells(values) -> list[str]:
        return [fmt_number(t.of(float(v) * MT), t.digits) for v in values]

    rows = [
        [text(r["supply_city"], lang), text(r["market"], lang), *cells(r[[*chains, "total"]])]
        for _, r in wide.iterrows()
    ]
    total = [text("total", lang), "", *cells(wide[[*chains, "total"]].sum())]
    return table_html(headers, rows, total)


def matrix_chart(matrix: pd.DataFrame, lang: Lang) -> alt.TopLevelMixin:
    """Bars of each supply city -> market pair, stacked by chain in the map's colours."""
    t = unit("tonnes", lang)
    arrow = " → "
    data = matrix.assign(
        pair=[
            text(a, lang) + arrow + text(b, lang) for a, b in zip(matrix["supply_city"], matrix["market"], strict=True)
        ],
        label=[text(c, lang) for c in matrix["chain"]],
        value=[t.of(v * MT) for v in matrix["mt"]],
        order=[list(CHAIN_COLOURS).index(c) if c in CHAIN_COLOURS else len(CHAIN_COLOURS) for c in matrix["chain"]],
    )
    title = with_unit("substitution_mt", t.name, lang)
    tooltip = [
        alt.Tooltip("pair:N", title=f"{text('supply_city', lang)}{arrow}{text('market', lang)}"),
        alt.Tooltip("label:N", title=text("chain", lang)),
        alt.Tooltip("value:Q", title=title, format=t.d3()),
    ]
    pairs = list(dict.fromkeys(data.sort_values(["supply_city", "market"])["pair"]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("pair:N", sort=pairs, title=None),
            x=alt.X("value:Q", stack="zero", title=title),
            color=chain_scale(chains_present(data["chain"]), lang),
            order=alt.Order("order:Q"),
            tooltip=tooltip,
        )
        .properties(width=560, height=alt.Step(26))
    )
