"""The bases table: per base and year the level run, what it made and where every tonne went.

:func:`utilisation` is the one definition of how full a base is; the bases table, the map,
the charts and the report all read its ``utilisation`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution
from aggregates.vocab import MT

# Where a tonne made goes, besides shipped (output_<product>_t): columns <kind>_<product>_t.
FATES = ("local", "stock_added", "disposed")


def utilisation(made_t, capacity_t):
    """How full a base is: product made / capacity of the level run (0 for a closed base).

    Parameters
    ----------
    made_t, capacity_t
        Tonnes made in a year and the capacity of the level run, t/yr (numbers or arrays).
    """
    made, capacity = np.asarray(made_t, float), np.asarray(capacity_t, float)
    out = np.divide(made, capacity, out=np.zeros(np.broadcast(made, capacity).shape), where=capacity > 0)
    return float(out) if out.ndim == 0 else out


def coproduct_arrays(inst: Instance, sol: Solution) -> dict[str, np.ndarray]:
    """(B, P, T) Mt made, sold locally, stock at the year's end and disposed (free disposal: the rest)."""
    pb = inst.problem
    made = pb.base_yield[:, :, None] * sol.processed[:, None, :]
    if sol.local_sold is None:
        shipped = np.zeros_like(made)
        np.add.at(shipped, (pb.route_base[sol.flow_route], sol.flow_product, sol.flow_year), sol.flow)
        zero = np.zeros_like(made)
        return {"made": made, "local": zero, "stock": zero, "disposed": np.maximum(made - shipped, 0.0)}
    return {"made": made, "local": sol.local_sold, "stock": sol.stock, "disposed": sol.disposed}


def bases_table(inst: Instance, sol: Solution, flows: pd.DataFrame) -> pd.DataFrame:
    """One row per base and year (README, "Outputs": ``bases.csv``)."""
    pb = inst.problem
    shipped = flows.groupby(["year", "base", "product"])["tonnes"].sum()
    fate = coproduct_arrays(inst, sol)
    stock_used = np.cumsum(sol.processed, axis=1)
    rows = []
    for b, base in enumerate(pb.bases):
        for t, year in enumerate(pb.years):
            out = {p: float(shipped.get((year, base, p), 0.0)) for p in pb.products}
            lv = int(sol.level[b, t])
            capacity = float(pb.level_capacity[lv]) * MT if lv >= 0 else 0.0
            available = pb.base_stock[b] + pb.base_arising[b] * (t + 1)
            rows.append(
                {
                    **_identity(inst, b, year, lv),
                    "capacity_t": capacity,
                    "output_t": sum(out.values()),
                    **{f"output_{p}_t": v for p, v in out.items()},
                    "made_t": float(fate["made"][b, :, t].sum() * MT),
                    "utilisation": utilisation(fate["made"][b, :, t].sum() * MT, capacity),
                    **_fates(pb.products, fate, b, t),
                    **_money(inst, sol, fate, b, t, sum(out.values())),
                    "processed_t": sol.processed[b, t] * MT,
                    "feedstock_left_t": (available - stock_used[b, t]) * MT,
                    "shadow_price_yuan_per_t": sol.duals.base_capacity[b, t] if sol.duals is not None else np.nan,
                }
            )
    frame = pd.DataFrame(rows)
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(4) + 0.0
    return frame


def _identity(inst: Instance, b: int, year: int, lv: int) -> dict:
    attrs = inst.bases.iloc[b]
    return {
        "year": year,
        "base": inst.problem.bases[b],
        "name": attrs["name_en"],
        "name_zh": attrs["name_zh"],
        "city": attrs["city"],
        "feedstock": attrs["feedstock"],
        "status": attrs["status"],
        "level": int(inst.problem.level_number[lv]) if lv >= 0 else -1,
    }


def _fates(products, fate: dict, b: int, t: int) -> dict[str, float]:
    """Per product: made, sold locally, added to stock (negative: taken out), stock level, disposed, in t."""
    before = fate["stock"][b, :, t - 1] if t > 0 else np.zeros(len(products))
    columns = {
        "made": fate["made"][b, :, t],
        "local": fate["local"][b, :, t],
        "stock_added": fate["stock"][b, :, t] - before,
        "stock": fate["stock"][b, :, t],
        "disposed": fate["disposed"][b, :, t],
    }
    out = {}
    for kind, values in columns.items():
        out |= {f"{kind}_{p}_t": float(values[i] * MT) for i, p in enumerate(products)}
    for kind in ("local", "stock", "disposed"):
        out[f"{kind}_t"] = float(columns[kind].sum() * MT)
    return out


def _money(inst: Instance, sol: Solution, fate: dict, b: int, t: int, shipped_t: float) -> dict[str, float]:
    """Fixed and production cost, local revenue, holding and disposal cost of a base in a year, yuan."""
    pb = inst.problem
    lv = int(sol.level[b, t])
    cp = pb.coproducts
    if cp is None:  # free disposal: production per t shipped, nothing else
        production, revenue, holding, disposal = shipped_t * pb.base_production_cost[b], 0.0, 0.0, 0.0
    else:
        market = int(cp.base_market[b])
        price = cp.market_price[market, :, t] if market >= 0 else np.zeros(len(pb.products))
        stock = fate["stock"][b, :, t].sum()
        end = stock if t == len(pb.years) - 1 else 0.0  # stock left at the end of the horizon is disposed of
        production = fate["made"][b, :, t].sum() * pb.base_production_cost[b] * MT
        revenue = float(fate["local"][b, :, t] @ price) * MT
        holding = stock * cp.holding_cost[b] * MT
        disposal = (fate["disposed"][b, :, t].sum() + end) * cp.disposal_cost[b] * MT
    return {
        "fixed_cost_yuan": float(pb.level_fixed_cost[lv]) * MT if lv >= 0 else 0.0,
        "production_cost_yuan": float(production),
        "local_revenue_yuan": float(revenue),
        "holding_cost_yuan": float(holding),
        "disposal_cost_yuan": float(disposal),
    }
