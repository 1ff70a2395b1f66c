"""The tables behind a plan's charts: pure functions, a :class:`~aggregates.plan.Plan` in, rows out.

Tonnes and money are in the chart units of the language (:func:`aggregates.viz.charts.units.unit`):
万吨 and 亿元 in Chinese, Mt, billion yuan and kt in English.
"""

from __future__ import annotations

import pandas as pd

from aggregates.plan import Plan, YearKPIs
from aggregates.viz.charts.style import chains_present
from aggregates.viz.charts.units import unit
from aggregates.viz.labels import Lang, text
from aggregates.vocab import MT

# The cost chart's parts, each the KPI ``<part>_yuan``.
COST_PARTS = ("fixed_cost", "production_cost", "transport_cost", "carbon_cost", "natural_cost")
# Parts of the substitution chart besides the solid-waste bar, each the KPI ``<part>_mt``.
SUBSTITUTION_PARTS = ("natural", "unmet")


def target_status(k: YearKPIs) -> str:
    """A year's target status: ``met``, ``missed`` or ``no_target``."""
    if k.target_mt <= 0:
        return "no_target"
    return "met" if k.target_met else "missed"


def part_label(part: str, lang: Lang) -> str:
    """The legend word of a chart part: a target status, a cost part (``<part>_yuan``) or a tonnage (``<part>_mt``)."""
    if part in COST_PARTS:
        return text(f"{part}_yuan", lang)
    if part in (*SUBSTITUTION_PARTS, "target"):
        return text(f"{part}_mt", lang)
    return text(part, lang)


def substitution_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the substitution chart: per year, demand split into solid-waste, natural and unmet parts.

    Columns: ``year``, ``part`` (``substitution``, ``natural`` or ``unmet``; the last two only
    where not zero), ``key`` (``met``, ``missed`` or ``no_target`` for the solid-waste part, else
    the part), ``label`` (``key`` in ``lang``), ``order``, ``value`` (the part), ``status`` (the
    year's target status in ``lang``) and the year's ``substitution``, ``target``, ``demand``,
    ``natural``, ``unmet`` and ``target_met``. Tonnes are in ``unit("tonnes", lang)``: 万吨 or Mt.
    """
    t = unit("tonnes", lang)
    rows = []
    for year in plan.years:
        k = plan.year(year)
        status = target_status(k)
        tonnes = {
            "substitution": k.substitution_mt,
            "target": k.target_mt,
            "demand": k.demand_mt,
            "natural": k.natural_mt,
            "unmet": k.unmet_mt,
        }
        common = {
            "year": str(year),
            **{q: t.of(mt * MT) for q, mt in tonnes.items()},
            "target_met": bool(k.target_met),
            "status": text(status, lang),
        }
        rows.append({**common, "part": "substitution", "key": status, "order": 0, "value": common["substitution"]})
        for order, part in enumerate(SUBSTITUTION_PARTS, start=1):
            if common[part] > 0:  # a zero part would only add a legend entry
                rows.append({**common, "part": part, "key": part, "order": order, "value": common[part]})
    frame = pd.DataFrame(rows)
    frame["label"] = [part_label(key, lang) for key in frame["key"]]
    return frame


def output_data(plan: Plan, year: int, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the output chart: the bases open or shipping in ``year``, largest output first within a city.

    Columns: ``city``, ``city_label`` (city in ``lang`` with its total output), ``city_total``,
    ``base``, ``base_label``, ``status``, ``status_label``, ``capacity_label``, ``output`` (made, so that
    output / capacity is the bases table's ``utilisation``), ``shipped``, ``capacity``, ``utilisation``. Tonnes are in ``unit("tonnes", lang)``: 万吨 or Mt (a year's).
    """
    t = unit("tonnes", lang)
    b = plan.bases[plan.bases["year"] == year]
    b = b[(b["capacity_t"] > 0) | (b["made_t"] > 0)]
    names = b["name_zh"] if lang == "zh" and "name_zh" in b else b["name"]
    frame = pd.DataFrame(
        {
            "city": b["city"].astype(str),
            "base": b["base"].astype(str),
            "base_label": names.fillna(b["base"]).astype(str),
            "status": b["status"].astype(str),
            "status_label": [text(s, lang) for s in b["status"]],
            "capacity_label": text("capacity_mt", lang),
            "output": t.of(b["made_t"]),
            "shipped": t.of(b["output_t"]),
            "capacity": t.of(b["capacity_t"]),
            "utilisation": b["utilisation"],
        }
    )
    totals = frame.groupby("city")["output"].sum()
    frame["city_total"] = frame["city"].map(totals)
    frame["city_label"] = [
        f"{text(c, lang)}  {total:,.{t.decimals(1)}f} {t.name}"
        for c, total in zip(frame["city"], frame["city_total"], strict=True)
    ]
    frame = frame.sort_values(["city_total", "city", "output", "base"], ascending=[False, True, False, True])
    return frame.reset_index(drop=True)


def mode_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the mode-split chart: tonnes by transport chain and year (from the KPIs' ``by_chain_mt``).

    Columns: ``year``, ``chain``, ``label``, ``order``, ``value``, ``share`` (of the year's
    solid-waste tonnes), ``total``, ``rail_share_t``, ``rail_share_tkm``. Tonnes are in
    ``unit("tonnes", lang)``: 万吨 or Mt.
    """
    t = unit("tonnes", lang)
    rows = []
    for year in plan.years:
        k = plan.year(year)
        by_chain = k.by_chain_mt
        total = sum(by_chain.values())
        for order, chain in enumerate(chains_present(by_chain)):
            rows.append(
                {
                    "year": str(year),
                    "chain": chain,
                    "label": text(chain, lang),
                    "order": order,
                    "value": t.of(by_chain[chain] * MT),
                    "share": by_chain[chain] / total if total else 0.0,
                    "total": t.of(total * MT),
                    "rail_share_t": k.rail_share_t,
                    "rail_share_tkm": k.rail_share_tkm,
                }
            )
    columns = ["year", "chain", "label", "order", "value", "share", "total", "rail_share_t", "rail_share_tkm"]
    return pd.DataFrame(rows, columns=columns)


def cost_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the cost chart: per year and cost part, money and yuan per tonne.

    Columns: ``year``, ``part``, ``label``, ``order``, ``value`` (in ``unit("money", lang)``: 亿元
    or billion yuan), ``yuan_per_t`` (the part over the tonnes it pays for: natural purchase over
    natural tonnes, the rest over solid-waste tonnes), ``cost_yuan_per_t`` (the year's delivered
    cost of solid-waste aggregate) and ``total`` (money).
    """
    money = unit("money", lang)
    rows = []
    for year in plan.years:
        k = plan.year(year)
        values = _cost_parts(k)
        for order, part in enumerate(COST_PARTS):
            tonnes = (k.natural_mt if part == "natural_cost" else k.substitution_mt) * MT
            rows.append(
                {
                    "year": str(year),
                    "part": part,
                    "label": part_label(part, lang),
                    "order": order,
                    "value": money.of(values[part]),
                    "yuan_per_t": values[part] / tonnes if tonnes else 0.0,
                    "cost_yuan_per_t": k.cost_yuan_per_t,
                    "total": money.of(sum(values.values())),
                }
            )
    columns = ["year", "part", "label", "order", "value", "yuan_per_t", "cost_yuan_per_t", "total"]
    return pd.DataFrame(rows, columns=columns)


def _cost_parts(k: YearKPIs) -> dict[str, float]:
    """A year's cost by part of ``COST_PARTS`` (yuan)."""
    parts = (k.fixed_cost_yuan, k.production_cost_yuan, k.transport_cost_yuan, k.carbon_cost_yuan, k.natural_cost_yuan)
    return {part: float(value) for part, value in zip(COST_PARTS, parts, strict=True)}


def emissions_data(plan: Plan, lang: Lang = "zh") -> pd.DataFrame:
    """Rows of the emissions chart: CO2e and NOx by year and chain, summed from the flows.

    Columns: ``year``, ``chain``, ``label``, ``order``, ``co2e`` (in ``unit("co2e", lang)``: 万吨
    or kt), ``nox_t`` (t) and ``shipped`` (in ``unit("tonnes", lang)``: 万吨 or Mt).
    """
    f = plan.flows
    columns = ["year", "chain", "label", "order", "co2e", "nox_t", "shipped"]
    if not len(f):
        return pd.DataFrame(columns=columns)
    sums = f.groupby(["year", "chain"], sort=True)[["co2e_t", "nox_kg", "tonnes"]].sum().reset_index()
    order = {chain: i for i, chain in enumerate(chains_present(sums["chain"]))}
    frame = pd.DataFrame(
        {
            "year": sums["year"].astype(int).astype(str),
            "chain": sums["chain"].astype(str),
            "label": [text(c, lang) for c in sums["chain"]],
            "order": sums["chain"].map(order),
            "co2e": unit("co2e", lang).of(sums["co2e_t"]),
            "nox_t": sums["nox_kg"] / 1000.0,
            "shipped": unit("tonnes", lang).of(sums["tonnes"]),
        }
    )
    return frame.sort_values(["year", "order"]).reset_index(drop=True)[columns]
