"""The plan's headline figures in the report: the cards of the headline year and the table of every year.

The cards print the map's strings (:mod:`aggregates.viz.fmt`), so a card and the map's title block read
the same; the table uses the chart units (万吨 and 亿元, or Mt and billion yuan).
"""

from __future__ import annotations

from collections.abc import Callable

from aggregates.plan import Plan, YearKPIs
from aggregates.viz import fmt
from aggregates.viz.charts.plan_data import target_status
from aggregates.viz.charts.units import Unit, unit
from aggregates.viz.labels import Lang, text, with_unit
from aggregates.viz.report.cells import DASH, escape, fmt_in, fmt_number, fmt_percent, missing, table_html
from aggregates.vocab import MT


def target_word(k: YearKPIs, lang: Lang) -> tuple[str, str]:
    """The target status of a year's KPIs: its word and CSS class (none without a target)."""
    status = target_status(k)
    return text(status, lang), "" if status == "no_target" else status


def card(label: str, value: str, sub: str = "", sub_class: str = "") -> str:
    """A headline card; a unit after the value's number (``11,506 万吨/年``) is set smaller."""
    number, _, rest = value.partition(" ")
    shown = f'{escape(number)} <span class="unit">{escape(rest)}</span>' if rest else escape(value)
    sub_html = f'<div class="sub"><span class="{sub_class}">{escape(sub)}</span></div>' if sub else ""
    return f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{shown}</div>{sub_html}</div>'


def card_values(k: YearKPIs, lang: Lang) -> dict[str, str]:
    """A year's headline KPIs as the map's title block writes them (:mod:`aggregates.viz.fmt`).

    Keys ``substitution``, ``target`` (a dash without one), ``rail_share``, ``rail_share_tkm``,
    ``cost_per_t``, ``cost``, ``co2e``, ``nox`` and ``pm``; e.g. (the default region, 2022) in
    Chinese ``11,506 万吨/年``, ``10,000 万吨/年``, ``27%``, ``95.5 元/吨``, ``109.90 亿元``,
    ``112.1 万吨 CO₂e``, ``2,255.0 吨 NOx``, ``32.4 吨``; in English ``115.06 Mt/yr``,
    ``100.00 Mt/yr``, ``27%``, ``95.5 yuan/t``, ``10.99 bn yuan``, ``1,120.5 kt CO₂e``,
    ``2,255.0 t NOx``, ``32.4 t``.
    """
    return {
        "substitution": fmt.tonnes_per_year(k.substitution_mt * MT, lang),
        "target": fmt.tonnes_per_year(k.target_mt * MT, lang) if k.target_mt > 0 else "–",
        "rail_share": fmt.share(k.rail_share_t),
        "rail_share_tkm": fmt.share(k.rail_share_tkm),
        "cost_per_t": fmt.per_t(k.cost_yuan_per_t, lang),
        "cost": fmt.yuan(k.cost_yuan, lang),
        "co2e": fmt.co2e(k.co2e_t, lang),
        "nox": fmt.kg(k.nox_t * 1e3, lang, "NOx"),
        "pm": DASH if missing(k.pm_t) else fmt.kg(k.pm_t * 1e3, lang, "").strip(),
    }


def cards_html(plan: Plan, lang: Lang, year: int) -> str:
    """The headline cards of ``year``."""
    k = plan.year(year)
    v, word = card_values(k, lang), target_word(k, lang)
    target = f"{text('target_mt', lang)} {v['target']} · " if k.target_mt > 0 else ""
    trips = f"{text('truck_trips_per_day', lang)} {fmt_number(k.truck_trips_per_day, 0)}"
    cards = [
        card(text("substitution_mt", lang), v["substitution"], target + word[0], word[1]),
        card(text("rail_share_t", lang), v["rail_share"], f"{text('rail_share_tkm', lang)} {v['rail_share_tkm']}"),
        card(text("cost_yuan_per_t", lang), v["cost_per_t"], f"{text('cost_yuan', lang)} {v['cost']}"),
        card(text("co2e_t", lang), v["co2e"], f"{fmt_number(k.co2e_kg_per_t, 2)} {text('kg_per_t', lang)}"),
        card(text("nox_t", lang), v["nox"], f"{text('pm_t', lang)} {v['pm']}"),
        card(text("trains_per_day", lang), fmt_number(k.trains_per_day), trips),
    ]
    return f'<div class="cards">\n{"".join(cards)}\n</div>'


def kpi_rows(lang: Lang) -> list[tuple[str, Callable[[YearKPIs], str]]]:
    """The per-year KPI table's rows: a title (the KPI's name with the unit shown) and the year's value."""
    t, per_yr, money, co2e = (unit(q, lang) for q in ("tonnes", "tonnes_per_yr", "money", "co2e"))
    tonnes, per_t = t.name, text("yuan_per_t", lang)

    def mt(value: float, in_unit: Unit = t, coarser: int = 1) -> str:
        """Mt shown in ``in_unit``, ``coarser`` decimals fewer than its default."""
        return fmt_in(None if missing(value) else value * MT, in_unit, coarser)

    return [
        (with_unit("substitution_mt", tonnes, lang), lambda k: mt(k.substitution_mt)),
        (with_unit("target_mt", tonnes, lang), lambda k: mt(k.target_mt)),
        (text("target_status", lang), lambda k: target_word(k, lang)[0]),
        (with_unit("demand_mt", tonnes, lang), lambda k: mt(k.demand_mt)),
        (with_unit("natural_mt", tonnes, lang), lambda k: mt(k.natural_mt)),
        (with_unit("natural_quarry_mt", tonnes, lang), lambda k: mt(k.natural_quarry_mt)),
        (with_unit("natural_import_mt", tonnes, lang), lambda k: mt(k.natural_import_mt)),
        (with_unit("unmet_mt", tonnes, lang), lambda k: mt(k.unmet_mt, coarser=0)),
        (text("rail_share_t", lang), lambda k: fmt_percent(k.rail_share_t)),
        (text("rail_share_tkm", lang), lambda k: fmt_percent(k.rail_share_tkm)),
        (with_unit("cost_yuan", money.name, lang), lambda k: fmt_in(k.cost_yuan, money)),
        (with_unit("cost_yuan_per_t", per_t, lang), lambda k: fmt_number(k.cost_yuan_per_t, 2)),
        (with_unit("carbon_cost_yuan", money.name, lang), lambda k: fmt_in(k.carbon_cost_yuan, money)),
        (with_unit("natural_cost_yuan", money.name, lang), lambda k: fmt_in(k.natural_cost_yuan, money)),
        (with_unit("co2e_t", co2e.name, lang), lambda k: fmt_in(k.co2e_t, co2e)),
        (with_unit("natural_co2e_t", co2e.name, lang), lambda k: fmt_in(k.natural_co2e_t, co2e)),
        (with_unit("nox_t", text("t", lang), lang), lambda k: fmt_number(k.nox_t)),
        (with_unit("pm_t", text("t", lang), lang), lambda k: fmt_number(k.pm_t)),
        (text("trains_per_day", lang), lambda k: fmt_number(k.trains_per_day)),
        (text("truck_trips_per_day", lang), lambda k: fmt_number(k.truck_trips_per_day, 0)),
        (text("bases_open", lang), lambda k: fmt_number(k.bases_open, 0)),
        (with_unit("capacity_mt", per_yr.name, lang), lambda k: mt(k.capacity_mt, per_yr)),
    ]


def kpi_table(plan: Plan, lang: Lang) -> str:
    """The table of KPIs by year."""
    known = plan.years
    headers = [(text("year", lang), False), *((str(y), True) for y in known)]
    rows = [[title, *(value(plan.year(y)) for y in known)] for title, value in kpi_rows(lang)]
    return table_html(headers, rows)
