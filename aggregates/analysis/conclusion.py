"""A plan's year in one plain sentence, in Chinese or English, from its KPIs.

``conclusion(plan)`` heads the map and the report: how much solid-waste aggregate, against the target
and by how much, with the rail share, the delivered cost and the transport CO2e, and unmet demand if any.
"""

from __future__ import annotations

from aggregates.plan import Plan, YearKPIs
from aggregates.vocab import MT


def conclusion(plan: Plan, year: int | None = None, lang: str = "zh") -> str:
    """One sentence on ``year`` of ``plan`` (default: its headline year), in ``lang`` (``zh`` or ``en``).

    E.g. ``2022 年：固废砂石供应 11,505 万吨，达到 10,000 万吨目标（超出 1,505 万吨）；...``.
    """
    year = plan.headline_year(year)
    k = plan.year(year)
    return _zh(year, k) if lang == "zh" else _en(year, k)


def _wan(mt: float) -> str:
    return f"{mt * MT / 1e4:,.0f} 万吨"


def _zh(year: int, k: YearKPIs) -> str:
    gap = k.substitution_mt - k.target_mt
    if k.target_mt <= 0:
        target = "（本年无替代目标）"
    elif k.target_met:
        target = f"，达到 {_wan(k.target_mt)}目标（超出 {_wan(max(gap, 0.0))}）"
    else:
        target = f"，未达到 {_wan(k.target_mt)}目标（差 {_wan(-gap)}）"
    unmet = f"；另有 {_wan(k.unmet_mt)}需求未满足" if k.unmet_mt > 1e-6 else ""
    return (
        f"{year} 年：固废砂石供应 {_wan(k.substitution_mt)}{target}；铁路运量占比 {k.rail_share_t * 100:.0f}%，"
        f"平均到厂成本 {k.cost_yuan_per_t:,.1f} 元/吨，运输碳排放（含天然砂石）{k.co2e_t / 1e4:,.1f} 万吨 CO₂e{unmet}。"
    )


def _en(year: int, k: YearKPIs) -> str:
    gap = k.substitution_mt - k.target_mt
    if k.target_mt <= 0:
        target = " (no substitution target this year)"
    elif k.target_met:
        target = f", meeting the {k.target_mt:,.1f} Mt target by {max(gap, 0.0):,.1f} Mt"
    else:
        target = f", {-gap:,.1f} Mt short of the {k.target_mt:,.1f} Mt target"
    unmet = f"; {k.unmet_mt:,.1f} Mt of demand is left unmet" if k.unmet_mt > 1e-6 else ""
    return (
        f"{year}: {k.substitution_mt:,.1f} Mt of solid-waste aggregate supplied{target}; rail carries "
        f"{k.rail_share_t * 100:.0f}% of the tonnes at {k.cost_yuan_per_t:,.1f} yuan/t delivered and "
        f"{k.co2e_t / 1e3:,.0f} kt CO2e of transport (natural included){unmet}."
    )
