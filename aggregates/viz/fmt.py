"""Numbers written the way each language's readers expect them.

Chinese planning documents count aggregate in 万吨 (10^4 t) and the 100 Mt goal
as 1 亿吨; English ones use Mt. Both get thousands separators.
"""

from __future__ import annotations

import math

from aggregates.viz.labels import Lang, text


def tonnes(t: float, lang: Lang) -> str:
    """A tonnage: ``11,507 万吨`` or ``115.07 Mt``."""
    if lang == "zh":
        return f"{t / 1e4:,.0f} 万吨" if abs(t) >= 1e4 or t == 0 else f"{t:,.0f} 吨"
    return f"{t / 1e6:,.2f} Mt" if abs(t) >= 1e4 or t == 0 else f"{t:,.0f} t"


def tonnes_per_year(t: float, lang: Lang) -> str:
    """A tonnage per year."""
    return tonnes(t, lang) + ("/年" if lang == "zh" else "/yr")


def tkm(value: float, lang: Lang) -> str:
    """Tonne-kilometres: ``3.1 亿吨公里`` or ``312 Mt-km``."""
    if lang == "zh":
        return f"{value / 1e8:,.2f} 亿吨公里"
    return f"{value / 1e6:,.0f} Mt-km"


def yuan(value: float, lang: Lang) -> str:
    """Money: ``2.18 亿元`` or ``218.2 M yuan``."""
    if lang == "zh":
        return f"{value / 1e8:,.2f} 亿元" if abs(value) >= 1e6 else f"{value / 1e4:,.1f} 万元"
    return f"{value / 1e9:,.2f} bn yuan" if abs(value) >= 1e9 else f"{value / 1e6:,.1f} M yuan"


def per_t(value: float, lang: Lang) -> str:
    """Yuan per tonne."""
    return f"{value:,.1f} " + ("元/吨" if lang == "zh" else "yuan/t")


def co2e(t: float, lang: Lang) -> str:
    """Tonnes of CO2e: ``11.3 万吨 CO2e`` or ``113 kt CO2e``."""
    if lang == "zh":
        return f"{t / 1e4:,.1f} 万吨 CO₂e" if abs(t) >= 1e4 else f"{t:,.0f} 吨 CO₂e"
    return f"{t / 1e3:,.1f} kt CO₂e" if abs(t) >= 1e3 else f"{t:,.0f} t CO₂e"


def kg(value: float, lang: Lang, what: str) -> str:
    """Kilograms of a pollutant, in tonnes when large."""
    if abs(value) >= 1e3:
        return f"{value / 1e3:,.1f} " + ("吨 " if lang == "zh" else "t ") + what
    return f"{value:,.0f} " + ("千克 " if lang == "zh" else "kg ") + what


def share(value: float) -> str:
    """A fraction as a percentage; blank when not a number."""
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:,.0f}%"


def km(value: float, lang: Lang) -> str:
    """A distance."""
    return f"{value:,.0f} " + ("公里" if lang == "zh" else "km")


def access(rules_on: bool, fleet, lang: Lang) -> str:
    """City access rules on or off, with the tonnes a year delivered inside a time window (e.g. night only).

    ``fleet`` is the year's :class:`~aggregates.plan.kpis.FleetSummary` (None: not sized).
    """
    if not rules_on:
        return text("access_off", lang)
    tonnes = fleet.window_mt * 1e6 if fleet is not None else 0.0
    return f"{text('access_on', lang)} · {text('in_windows', lang)} {tonnes_per_year(tonnes, lang)}"
