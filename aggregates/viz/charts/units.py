"""The units charts and the report show quantities in, by language, and how a KPI figure is shown.

Quantities follow each language's convention: Chinese counts tonnes in 万吨 (10^4 t) and money in
亿元 (10^8 yuan), as planning documents and the map do (:mod:`aggregates.viz.fmt`); English in Mt,
billion yuan and kt.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from aggregates.viz.labels import Lang, text, with_unit
from aggregates.vocab import KPIS, MT

Quantity = Literal["tonnes", "tonnes_per_yr", "money", "co2e"]
# Base units (t, yuan) in one shown unit and its decimals, by quantity and language. Chinese
# follows planning documents and the map (aggregates/viz/fmt.py): 万吨 and 亿元.
_UNITS: dict[Quantity, dict[Lang, tuple[float, int]]] = {
    "tonnes": {"zh": (1e4, 0), "en": (1e6, 2)},
    "tonnes_per_yr": {"zh": (1e4, 0), "en": (1e6, 2)},
    "money": {"zh": (1e8, 2), "en": (1e9, 2)},
    "co2e": {"zh": (1e4, 2), "en": (1e3, 1)},
}


class Unit(NamedTuple):
    """The unit a chart or table shows one quantity in: ``value / per`` with ``digits`` decimals."""

    per: float  # tonnes (or yuan) in one shown unit
    name: str  # e.g. 万吨 or Mt
    digits: int  # decimals in tooltips and tables

    def of(self, value: float) -> float:
        """``value`` (tonnes or yuan) in this unit."""
        return value / self.per

    def decimals(self, coarser: int = 0) -> int:
        """Decimals to show, ``coarser`` fewer than in tooltips (never below 0)."""
        return max(self.digits - coarser, 0)

    def d3(self, coarser: int = 0) -> str:
        """The d3 format of a value in this unit, with thousands separators."""
        return f",.{self.decimals(coarser)}f"


def unit(quantity: Quantity, lang: Lang) -> Unit:
    """How ``lang`` shows ``quantity``.

    ``tonnes`` and ``tonnes_per_yr``: 万吨 (10^4 t, no decimals) or Mt (2 decimals); ``money``:
    亿元 (10^8 yuan) or billion yuan; ``co2e``: 万吨 or kt of CO2e.
    """
    per, digits = _UNITS[quantity][lang]
    return Unit(per, text(f"{quantity}_unit", lang), digits)


# Per-tonne units of the registry and their words.
_PER_TONNE = {"yuan/t": "yuan_per_t", "kg/t": "kg_per_t"}


class MetricUnit(NamedTuple):
    """How a figure is shown: ``value * factor`` in ``name`` with the d3 ``format``."""

    factor: float
    name: str
    format: str


def metric_unit(metric: str, lang: Lang) -> MetricUnit:
    """The unit a KPI (e.g. a figure of :data:`aggregates.analysis.tradeoffs.METRICS`) is shown in.

    From the registry's unit (:data:`aggregates.vocab.KPIS`): money in :func:`unit` ``money``, Mt in
    ``tonnes``, CO2e in ``co2e``, shares in percent, per-tonne figures and other tonnes as they are.
    """
    stored = KPIS[metric].unit if metric in KPIS else ""
    if stored == "yuan":
        money = unit("money", lang)
        return MetricUnit(1 / money.per, money.name, money.d3())
    if stored == "t" and metric.startswith("co2e"):
        co2e = unit("co2e", lang)
        return MetricUnit(1 / co2e.per, co2e.name, co2e.d3())
    if stored == "Mt":
        tonnes = unit("tonnes", lang)
        return MetricUnit(MT / tonnes.per, tonnes.name, tonnes.d3())
    if stored == "share":
        return MetricUnit(100.0, "%", ",.1f")
    if stored in _PER_TONNE:
        return MetricUnit(1.0, text(_PER_TONNE[stored], lang), ",.2f")
    if stored == "t":
        return MetricUnit(1.0, text("t", lang), ",.1f")
    return MetricUnit(1.0, "", ",.2f")


def metric_label(metric: str, lang: Lang) -> str:
    """A KPI's name and unit, e.g. ``系统总成本 (亿元)`` or ``CO2e (WTW) (kt)``."""
    shown = metric_unit(metric, lang).name
    return with_unit(metric, shown, lang) if shown else text(metric, lang)
