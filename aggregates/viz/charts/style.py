"""The charts' look: fonts, fixed colours, sizes, and the styling every chart gets.

Chains keep one colour on every chart (rail blue, battery-electric green, diesel orange), in the
order they stack: rail first, so the rail part sits on the axis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import altair as alt

from aggregates.viz.labels import Lang, text

# Drawn bottom to top in stacked bars: rail first, so the rail part sits on the axis.
CHAIN_COLOURS = {"rail_bet": "#1f5fa8", "rail_diesel": "#5b8fd1", "bet_truck": "#2a9d5c", "diesel_truck": "#d9822b"}
NATURAL_COLOUR = "#a3a3a3"
STATUS_COLOURS = {
    "met": "#2f7d4f",
    "missed": "#c0392b",
    "no_target": "#5d7f99",
    "natural": NATURAL_COLOUR,
    "unmet": "#f0b7b1",
}
TARGET_COLOUR = "#111111"
COST_COLOURS = {
    "fixed_cost": "#7b5ea7",
    "production_cost": "#b5862a",
    "transport_cost": "#3f8fb5",
    "carbon_cost": "#4d4d4d",
    "natural_cost": NATURAL_COLOUR,
}
BASE_COLOURS = {"existing": "#41566e", "expanded": "#8e6bb0", "new": "#b5517a", "candidate": "#5fa39a"}
CAPACITY_COLOUR = "#dfe4ea"
# Latin faces first, then the usual CJK faces of macOS, Windows and Linux; browsers and
# vl-convert both fall back glyph by glyph.
FONT = (
    "'Helvetica Neue', Arial, 'Liberation Sans', 'PingFang SC', 'Microsoft YaHei', "
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', sans-serif"
)
BAR_STEP = 90  # pixels per year on a year axis
MIN_WIDTH = 360
AXIS_FORMAT = ",.2~f"  # thousands separators, and no repeated labels on small scales (0.5, 1, 1.5)


def style_chart(chart: alt.TopLevelMixin, title: str, note: str = "") -> alt.TopLevelMixin:
    """The project's chart look: font, title (``note`` as a subtitle), axes, legend at the bottom."""
    title_params = alt.TitleParams(title, subtitle=note) if note else alt.TitleParams(title)
    return (
        chart.properties(title=title_params)
        .configure(font=FONT, padding=12)
        .configure_title(fontSize=17, anchor="start", offset=12, subtitleFontSize=12, subtitleColor="#a33")
        .configure_axis(labelFontSize=12, titleFontSize=13, titleFontWeight="normal", gridColor="#e8e8e8")
        .configure_axisX(labelAngle=0)
        .configure_legend(
            orient="bottom",
            direction="horizontal",
            labelFontSize=12,
            titleFontSize=12,
            symbolType="square",
            symbolOpacity=1,
            labelLimit=320,
        )
        .configure_header(labelFontSize=13, labelFontWeight="bold", labelPadding=4)
        .configure_view(stroke=None)
    )


def year_width(years: int, share: float = 1.0) -> int:
    """Width of a chart with ``years`` on its axis: a fixed step per year, not narrower than ``MIN_WIDTH``."""
    return round(share * max(BAR_STEP * years, MIN_WIDTH))


def year_axis(lang: Lang) -> alt.X:
    """The x axis of years, labels upright."""
    return alt.X("year:O", title=text("year", lang), axis=alt.Axis(labelAngle=0))


def colour_scale(field: str, legend: Mapping[str, str]) -> alt.Color:
    """A colour scale of ``field`` whose legend shows each label of ``legend`` in its colour, in that order."""
    labels = list(legend)
    return alt.Color(f"{field}:N", title=None, scale=alt.Scale(domain=labels, range=list(legend.values())), sort=labels)


def chain_scale(chains: list[str], lang: Lang) -> alt.Color:
    """The colour scale of a ``label`` field naming ``chains`` in ``lang``, each in its fixed colour."""
    return colour_scale("label", {text(c, lang): CHAIN_COLOURS.get(c, "#888888") for c in chains})


def chains_present(chains: Iterable[str]) -> list[str]:
    """The chains in ``chains``, known ones in drawing order, then any others sorted."""
    present = set(chains)
    return [c for c in CHAIN_COLOURS if c in present] + sorted(present - set(CHAIN_COLOURS))
