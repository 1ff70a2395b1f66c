"""A coverage answer as plain data: JSON objects and the rows of ``coverage.csv``."""

from __future__ import annotations

import math

import pandas as pd

from aggregates.analysis.coverage.answer import answer_of, ranked_options
from aggregates.analysis.coverage.check import Coverage, Report
from aggregates.config import CoverageCheck


def result_dict(result: Coverage, rule: CoverageCheck, top: int = 10, basis: str = "plan") -> dict:
    """One site's answer as plain JSON-ready data: ``options`` with room (the chosen always in), ``full_options``
    apart, and ``answer`` (:class:`~aggregates.analysis.coverage.answer.Answer` fields and its sentences)."""
    s = result.site

    def option(row) -> dict:
        out = {
            "base": row["base"],
            "name_zh": row.get("name_zh", ""),
            "name_en": row.get("name_en", ""),
            "chain": row["chain"],
            "cost_yuan_per_t": round(float(row["delivered_cost_yuan_per_t"]), 2),
            "transport_cost_yuan_per_t": round(float(row["cost_yuan_per_t"]), 2),
            "hours": round(float(row["hours"]), 2),
            "km": round(float(row["km"]), 1),
            "co2e_kg_per_t": round(float(row["co2e_kg_per_t"]), 3),
            "residual_capacity_t": round(float(row["residual_capacity_t"]), 0),
            "within_rule": bool(row["within_rule"]),
            "via": list(row["resources"]),
        }
        if "tonnes" in row:
            out["tonnes"] = round(float(row["tonnes"]), 0)
        if "chosen" in row:
            out["chosen"] = bool(row["chosen"])
        return out

    with_room, full = ranked_options(result, top)

    data = {
        "name": s.name,
        "node": result.node,
        "lat": s.lat,
        "lon": s.lon,
        "tonnes": s.tonnes,
        "product": s.product,
        "years": list(s.years),
        "covered": result.covered,
        "status": result.status,
        "share_covered": round(result.share_covered, 4),
        "rule": {"share": rule.share, "within_km": rule.within_km, "within_hours": rule.within_hours},
        "snapped_to": {"road_node": result.snap_node, "km": round(result.snap_km, 2)},
        "options": [option(r) for _i, r in with_room.iterrows()],
        "full_options": [option(r) for _i, r in full.iterrows()],
        "mix": [option(r) for _i, r in result.mix.drop(columns="geometry", errors="ignore").iterrows()],
        "mix_cost_yuan_per_t": _rounded(result.mix_mean("delivered_cost_yuan_per_t"), 2),
        "mix_co2e_kg_per_t": _rounded(result.mix_mean("co2e_kg_per_t"), 3),
        "mix_hours": _rounded(result.mix_mean("hours"), 2),
    }
    data["answer"] = answer_of(result, basis).to_dict()
    if result.reason:
        data["reason"] = result.reason
    if result.plan_supply is not None:
        data["plan_supply"] = result.plan_supply
    return data


def _rounded(value: float, digits: int):
    return None if math.isnan(value) else round(value, digits)


def summary_table(report: Report) -> pd.DataFrame:
    """One row per site: the columns of ``coverage.csv``."""
    rows = []
    for r in report.results:
        s = r.site
        rows.append(
            {
                "name": s.name,
                "lat": s.lat,
                "lon": s.lon,
                "tonnes": s.tonnes,
                "product": s.product,
                "years": ";".join(str(y) for y in s.years),
                "covered": r.covered,
                "status": r.status,
                "share_covered": round(r.share_covered, 4),
                "cost_yuan_per_t": _rounded(r.mix_mean("delivered_cost_yuan_per_t"), 2),
                "co2e_kg_per_t": _rounded(r.mix_mean("co2e_kg_per_t"), 3),
                "hours": _rounded(r.mix_mean("hours"), 2),
                "suppliers": ";".join(f"{m.base}:{m.chain}:{m.tonnes:.0f}" for m in r.mix.itertuples()),
                "natural_yuan_per_t": round(r.natural.yuan_per_t, 2) if r.natural else None,
                "reason": r.reason,
                "answer_zh": answer_of(r, report.basis).sentence("zh"),
                "answer_en": answer_of(r, report.basis).sentence("en"),
            }
        )
    return pd.DataFrame(rows)
