"""The plan's headline figures in the report: the cards of the headline year and the table of every year.

The cards print the map's strings (:mod:`aggregates.viz.fmt`), so a card and the map's title block read
the same; the table uses the chart units (万吨 and 亿元, or Mt and billion yuan).
"""

from __future__ import annotations

from collections.abc import Callable

from aggregates.plan import Plan
from aggregates.viz import fmt
from aggregates.viz.charts.units import Unit, unit
from aggregates.viz.labels import Lang, text
from aggregates.viz.report.cells import DASH, escape, fmt_in, fmt_number, fmt_percent, missing, table_html
from aggregates.vocab import MT


def target_word(k: dict, lang: Lang) -> tuple[str, str]:
    """The target status of a year's KPIs: its word and CSS class."""
    if k["target_mt"] <= 0:
        return text("no_target", lang), ""
    return (text("met", lang), "met") if k["target_met"] else (text("missed", lang), "missed")


def card(label: str, value: str, sub: str = "", sub_class: str = "") -> str:
    """A headline card; a unit after the value's number (``11,506 万吨/年``) is set smaller."""
    number, _, rest = value.partition(" ")
    shown = f'{escape(number)} <span class="unit">{escape(rest)}</span>' if rest else escape(value)
    sub_html = f'<div class="sub"><span class="{sub_class}">{escape(sub)}</span></div>' if sub else ""
    return f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{shown}</div>{sub_html}</div>'


def card_values(k: dict, lang: Lang) -> dict[str, str]:
    """A year's headline KPIs as the map's title block writes them (:mod:`aggregates.viz.fmt`).

    Keys ``substitution``, ``target`` (a dash without one), ``rail_share``, ``rail_share_tkm``,
    ``cost_per_t``, ``cost``, ``co2e``, ``nox`` and ``pm``; e.g. (the default region, 2022) in
    Chinese ``11,506 万吨/年``, ``10,000 万吨/年``, ``27%``, ``95.5 元/吨``, ``109.90 亿元``,
    ``112.1 万吨 CO₂e``, ``2,255.0 吨 NOx``, ``32.4 吨``; in English ``115.06 Mt/yr``,
    ``100.00 Mt/yr``, ``27%``, ``95.5 yuan/t``, ``10.99 bn yuan``, ``1,120.5 kt CO₂e``,
    ``2,255.0 t NOx``, ``32.4 t``.
    """
    pm = k.get("pm_t")
    return {
        "substitution": fmt.tonnes_per_year(k["substitution_mt"] * MT, lang),
        "target": fmt.tonnes_per_year(k["target_mt"] * MT, lang) if k.get("target_mt", 0) > 0 else "–",
        "rail_share": fmt.share(k["rail_share_t"]),
        "rail_share_tkm": fmt.share(k["rail_share_tkm"]),
        "cost_per_t": fmt.per_t(k["cost_yuan_per_t"], lang),
        "cost": fmt.yuan(k["cost_yuan"], lang),
        "co2e": fmt.co2e(k["co2e_t"], lang),
        "nox": fmt.kg(k["nox_t"] * 1e3, lang, "NOx"),
        "pm": DASH if missing(pm) else fmt.kg(pm * 1e3, lang, "").strip(),
    }


def cards_html(plan: Plan, lang: Lang, year: int) -> str:
    """The headline cards of ``year``."""
    k = plan.year(year).to_dict()
    v, word = card_values(k, lang), target_word(k, lang)
    target = f"{text('target', lang)} {v['target']} · " if k["target_mt"] > 0 else ""
    cards = [
        card(text("substitution", lang), v["substitution"], target + word[0], word[1]),
        card(text("rail_share", lang), v["rail_share"], f"{text('rail_share_tkm', lang)} {v['rail_share_tkm']}"),
        card(text("cost_per_t", lang), v["cost_per_t"], f"{text('cost', lang)} {v['cost']}"),
        card(
            text("co2e", lang),
            v["co2e"],
            f"{fmt_number(k.get('co2e_kg_per_t'), 2)} {text('kg_per_t', lang)}",
        ),
        card(text("nox", lang), v["nox"], f"{text('pm', lang)} {v['pm']}"),
        card(
            text("trains_per_day", lang),
            fmt_number(k["trains_per_day"]),
            f"{text('truck_trips_per_day', lang)} {fmt_number(k.get('truck_trips_per_day'), 0)}",
        ),
    ]
    return f'<div class="cards">\n{"".join(cards)}\n</div>'


def kpi_rows(lang: Lang) -> list[tuple[str, Callable[[dict], str]]]:
    """The per-year KPI table's rows: a title (with unit) and how to format the year's value."""
    t, per_yr, money, co2e = (unit(q, lang) for q in ("tonnes", "tonnes_per_yr", "money", "co2e"))

    def tonnes(key: str, coarser: int = 1, in_unit: Unit = t) -> Callable[[dict], str]:
        """A KPI in Mt, shown in ``in_unit``."""
        return lambda k: fmt_in(None if missing(k.get(key)) else k[key] * MT, in_unit, coarser)

    return [
        (f"{text('substitution', lang)} ({t.name})", tonnes("substitution_mt")),
        (f"{text('target', lang)} ({t.name})", tonnes("target_mt")),
        (text("target_status", lang), lambda k: target_word(k, lang)[0]),
        (f"{text('demand', lang)} ({t.name})", tonnes("demand_mt")),
        (f"{text('natural', lang)} ({t.name})", tonnes("natural_mt")),
        (f"{text('unmet', lang)} ({t.name})", tonnes("unmet_mt", 0)),
        (text("rail_share", lang), lambda k: fmt_percent(k["rail_share_t"])),
        (text("rail_share_tkm", lang), lambda k: fmt_percent(k["rail_share_tkm"])),
        (f"{text('cost', lang)} ({money.name})", lambda k: fmt_in(k["cost_yuan"], money)),
        (f"{text('cost_per_t', lang)} ({text('yuan_per_t', lang)})", lambda k: fmt_number(k["cost_yuan_per_t"], 2)),
        (f"{text('carbon_cost', lang)} ({money.name})", lambda k: fmt_in(k.get("carbon_cost_yuan", 0), money)),
        (f"{text('natural_cost', lang)} ({money.name})", lambda k: fmt_in(k.get("natural_cost_yuan", 0), money)),
        (f"{text('co2e', lang)} ({co2e.name})", lambda k: fmt_in(k["co2e_t"], co2e)),
        (f"{text('nox', lang)} ({text('t', lang)})", lambda k: fmt_number(k["nox_t"])),
        (f"{text('pm', lang)} ({text('t', lang)})", lambda k: fmt_number(k.get("pm_t"))),
        (text("trains_per_day", lang), lambda k: fmt_number(k["trains_per_day"])),
        (text("truck_trips_per_day", lang), lambda k: fmt_number(k.get("truck_trips_per_day"), 0)),
        (text("bases_open", lang), lambda k: fmt_number(k.get("bases_open"), 0)),
        (f"{text('capacity', lang)} ({per_yr.name})", tonnes("capacity_mt", 1, per_yr)),
    ]


def kpi_table(plan: Plan, lang: Lang) -> str:
    """The table of KPIs by year."""
    known = plan.years
    headers = [(text("year", lang), False), *((str(y), True) for y in known)]
    rows = [[title, *(value(plan.year(y).to_dict()) for y in known)] for title, value in kpi_rows(lang)]
    return table_html(headers, rows)
