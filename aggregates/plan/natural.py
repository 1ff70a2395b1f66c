"""Natural sand and gravel in a plan: quarry hauls (``natural_flows``) and quarries per year (``quarries``).

Tables are in tonnes, yuan and t CO2e like the other plan tables (:mod:`aggregates.plan.tables`).
Imports (the import tier) have no route: they appear per node in ``demand.csv``
(``natural_import_t``) and in the year's figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution
from aggregates.vocab import MT

FLOW_COLUMNS = (
    "year",
    "quarry",
    "node",
    "product",
    "chain",
    "tonnes",
    "quarry_cost_yuan",
    "transport_cost_yuan",
    "delivered_cost_yuan_per_t",
    "co2e_t",
    "co2e_ttw_t",
    "nox_kg",
    "pm_kg",
    "km_road",
    "tkm_road",
    "hours",
    "route",
)
QUARRY_COLUMNS = (
    "year",
    "quarry",
    "name",
    "name_zh",
    "city",
    "capacity_t",
    "outside_share",
    "available_t",
    "shipped_t",
    "utilisation",
    "shadow_price_yuan_per_t",
)


def natural_flows(inst: Instance, sol: Solution) -> pd.DataFrame:
    """One row per quarry route, product and year with tonnes: ex-quarry and transport cost, CO2e, exhaust, km."""
    pb = inst.problem.filled()
    k, t = sol.quarry_route, sol.quarry_year
    if inst.quarry_routes is None or not len(k):
        return pd.DataFrame(columns=list(FLOW_COLUMNS))
    row = inst.quarry_routes.take(k).table
    tonnes = sol.quarry_flow * MT
    price = pb.quarry_price[pb.qroute_quarry[k], sol.quarry_product]
    frame = pd.DataFrame(
        {
            "year": np.array(pb.years)[t],
            "quarry": row["base"],
            "node": row["node"],
            "product": np.array(pb.products)[sol.quarry_product],
            "chain": row["chain"],
            "tonnes": tonnes,
            "quarry_cost_yuan": tonnes * price,
            "transport_cost_yuan": tonnes * row["cost_yuan_per_t"],
            "delivered_cost_yuan_per_t": price + row["cost_yuan_per_t"],
            "co2e_t": tonnes * inst.quarry_co2e_kg[k, t] / 1000.0,
            "co2e_ttw_t": tonnes * inst.quarry_co2e_ttw_kg[k] / 1000.0,
            "nox_kg": tonnes * row["nox_g_per_t"] / 1000.0,
            "pm_kg": tonnes * row["pm_g_per_t"] / 1000.0,
            "km_road": row["km_road"],
            "tkm_road": tonnes * row["km_road"],
            "hours": row["hours"],
            "route": k,
        }
    )
    frame = frame.sort_values(["year", "quarry", "node", "product", "chain"], kind="mergesort")
    return _round(frame.reset_index(drop=True), 3)


def quarry_table(inst: Instance, sol: Solution, flows: pd.DataFrame) -> pd.DataFrame:
    """Per quarry and year: capacity, outside share, available, shipped (by product), utilisation, shadow price."""
    pb, quarries = inst.problem, inst.quarries
    if quarries is None or not len(quarries):
        return pd.DataFrame(columns=list(QUARRY_COLUMNS))
    shipped = flows.groupby(["year", "quarry", "product"])["tonnes"].sum()
    rows = []
    for q, attrs in enumerate(quarries.itertuples()):
        for t, year in enumerate(pb.years):
            out = {p: float(shipped.get((year, attrs.id, p), 0.0)) for p in pb.products}
            available = float(quarries.at[q, f"available_{year}"]) * MT
            dual = sol.duals.quarry_capacity[q, t] if sol.duals is not None else np.nan
            rows.append(
                {
                    "year": year,
                    "quarry": attrs.id,
                    "name": attrs.name_en,
                    "name_zh": attrs.name_zh,
                    "city": attrs.city,
                    "capacity_t": float(quarries.at[q, f"capacity_{year}"]) * MT,
                    "outside_share": float(attrs.outside_share),
                    "available_t": available,
                    "shipped_t": sum(out.values()),
                    **{f"shipped_{p}_t": v for p, v in out.items()},
                    "utilisation": sum(out.values()) / available if available > 0 else 0.0,
                    "shadow_price_yuan_per_t": dual,
                }
            )
    return _round(pd.DataFrame(rows), 4)


def natural_by_node(inst: Instance, sol: Solution) -> np.ndarray:
    """(D, P, T) Mt of natural aggregate each node gets from the quarries."""
    pb = inst.problem.filled()
    out = np.zeros(pb.demand.shape)
    if len(sol.quarry_route):
        np.add.at(out, (pb.qroute_node[sol.quarry_route], sol.quarry_product, sol.quarry_year), sol.quarry_flow)
    return out


def _round(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(digits) + 0.0
    return frame
