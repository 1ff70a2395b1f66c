"""One solve of a sweep boiled down to one row of figures for one year (:func:`summarise`).

The money figure every analysis shares is the *system cost* of the year: what the model
minimises for it, less any carbon charge (:meth:`aggregates.plan.Plan.system_cost`)::

    system_cost_yuan = cost_yuan (fixed + production + transport of the solid-waste supply)
                     + natural_cost_yuan (natural sand and gravel bought)
                     + unmet demand x prices.unmet_penalty_yuan_per_t
                     + shortfall below a soft target x target.shortfall_penalty_yuan_per_t
"""

from __future__ import annotations

import math

import pandas as pd

from aggregates.plan import Plan
from aggregates.vocab import CHAINS

# Numeric columns of a summary row (see :func:`summarise`); tornado metrics are chosen from these.
METRICS = (
    "system_cost_yuan",
    "cost_yuan",
    "cost_yuan_per_t",
    "natural_cost_yuan",
    "penalty_cost_yuan",
    "carbon_cost_yuan",
    "co2e_t",
    "co2e_kg_per_t",
    "nox_t",
    "pm_t",
    "substitution_mt",
    "natural_mt",
    "unmet_mt",
    "rail_share_t",
    "rail_share_tkm",
    "trains_per_day",
    "truck_trips_per_day",
)

CHAIN_COLUMNS = tuple(f"mt_{c}" for c in CHAINS)


def summarise(plan: Plan, year: int) -> dict:
    """One year of a plan as a flat row of figures.

    Parameters
    ----------
    plan
        The plan.
    year
        One of its years.

    Returns
    -------
    dict
        ``year``, ``status``, ``message`` (empty), ``mip_gap``, the :data:`METRICS` (yuan,
        t CO2e, t NOx and PM, Mt), tonnes per chain ``mt_<chain>`` and
        ``cap_shadow_price_yuan_per_t`` (what one more t CO2e under the year's emissions cap
        would save; NaN without a cap or shadow prices).
    """
    k = plan.year(year).to_dict()
    penalty = plan.penalty_yuan.get(year, 0)
    return {
        "year": year,
        "status": plan.solve.status,
        "message": "",
        "mip_gap": plan.solve.mip_gap,
        "solver_limit": plan.solve.limit or "",
        "system_cost_yuan": plan.system_cost(year),
        "penalty_cost_yuan": penalty,
        **{m: k[m] for m in METRICS if m in k},
        **{f"mt_{c}": k["by_chain_mt"].get(c, 0.0) for c in CHAINS},
        "cap_shadow_price_yuan_per_t": plan.cap_shadow_price.get(year, math.nan),
    }


def empty_row(year: int, message: str = "") -> dict:
    """The row of a variant with no plan: status ``infeasible``, the reason, NaN figures."""
    return {
        "year": year,
        "status": "infeasible",
        "message": message,
        "mip_gap": math.nan,
        "solver_limit": "",
        **dict.fromkeys(METRICS, math.nan),
        **dict.fromkeys(CHAIN_COLUMNS, math.nan),
        "cap_shadow_price_yuan_per_t": math.nan,
    }


# Wall-clock seconds differ from run to run; the files keep only what the same inputs always give.
VOLATILE = ("seconds",)


def json_records(table: pd.DataFrame) -> list[dict]:
    """A sweep table as JSON-ready rows (NaN as None, no timings)."""
    clean = table.drop(columns=[c for c in VOLATILE if c in table]).astype(object)
    return clean.where(clean.notna(), None).to_dict(orient="records")
