"""A solution turned into the plan's tidy, labelled tables: flows, bases, demand, resources.

Tables are in tonnes, yuan, t CO2e and kg of NOx/PM (the problem's Mt and
million yuan are converted back), one row per thing, sorted by their keys so
the same solution always gives the same bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution
from aggregates.plan.bases import bases_table
from aggregates.plan.natural import natural_by_node, natural_flows, quarry_table
from aggregates.vocab import MT


def plan_tables(instance: Instance, solution: Solution) -> dict[str, pd.DataFrame]:
    """The flows, bases, demand and resources tables of a solution (README, "Outputs").

    Parameters
    ----------
    instance
        What was solved.
    solution
        A solution with a plan (``solution.has_plan``).
    """
    flows = flows_table(instance, solution)
    natural = natural_flows(instance, solution)
    return {
        "flows": flows,
        "bases": bases_table(instance, solution, flows),
        "demand": _demand(instance, solution, flows),
        "resources": _resources(instance, solution),
        "quarries": quarry_table(instance, solution, natural),
        "natural_flows": natural,
    }


def _round(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(digits) + 0.0
    return frame


def flows_table(inst: Instance, sol: Solution) -> pd.DataFrame:
    """The flows table (``flows.csv``) of a solution: one row per route, product and year with a flow."""
    pb = inst.problem
    r, t = sol.flow_route, sol.flow_year
    years = np.array(pb.years)[t]
    used = inst.routes.take(r)
    row = used.table
    tonnes = sol.flow * MT
    co2e = inst.route_co2e_kg[r, t]
    co2e_ttw = inst.route_co2e_ttw_kg[r]
    production = pb.base_production_cost[pb.route_base[r]]
    legs = _leg_columns(inst, used, years, tonnes)
    frame = pd.DataFrame(
        {
            "year": years,
            "base": row["base"],
            "node": row["node"],
            "product": np.array(pb.products)[sol.flow_product],
            "chain": row["chain"],
            "tonnes": tonnes,
            "transport_cost_yuan": tonnes * row["cost_yuan_per_t"],
            "production_cost_yuan": tonnes * production,
            "delivered_cost_yuan_per_t": production + row["cost_yuan_per_t"],
            "co2e_t": tonnes * co2e / 1000.0,
            "co2e_ttw_t": tonnes * co2e_ttw / 1000.0,
            "nox_kg": tonnes * row["nox_g_per_t"] / 1000.0,
            "pm_kg": tonnes * row["pm_g_per_t"] / 1000.0,
            **legs,
            "km_road": row["km_road"],
            "km_rail": row["km_rail"],
            "tkm_road": tonnes * row["km_road"],
            "tkm_rail": tonnes * row["km_rail"],
            "hours": row["hours"],
            "window_hours": row["window_hours"] if inst.scenario.policies.access_rules else 24.0,
            "loading_terminal": row["loading_terminal"],
            "unloading_terminal": row["unloading_terminal"],
            "route": r,
        }
    )
    frame = frame.sort_values(["year", "base", "node", "product", "chain"], kind="mergesort").reset_index(drop=True)
    return _round(frame)


def _leg_columns(inst: Instance, used, years: np.ndarray, tonnes: np.ndarray) -> dict[str, np.ndarray]:
    """Per-flow emissions by leg (road, rail, hub); they sum to the flow's totals.

    CO2e in t (WTW, and TTW for road and rail; hubs have no exhaust), NOx and
    PM in kg. The grid factor is the flow's year's.
    """
    sc = inst.scenario
    wtw = {leg: np.zeros(len(used)) for leg in ("road", "rail", "hub")}
    for year in np.unique(years):
        at = years == year
        part = used.take(at).co2e_by_leg(sc.emissions, int(year))
        for leg in wtw:
            wtw[leg][at] = part[leg]
    ttw = used.co2e_by_leg(sc.emissions, int(years[0]) if len(years) else 0, basis="ttw")
    exhaust = used.exhaust_by_leg(sc.rail)
    kt = tonnes / 1000.0
    return {
        "co2e_road_t": kt * wtw["road"],
        "co2e_rail_t": kt * wtw["rail"],
        "co2e_hub_t": kt * wtw["hub"],
        "co2e_ttw_road_t": kt * ttw["road"],
        "co2e_ttw_rail_t": kt * ttw["rail"],
        "nox_road_kg": kt * exhaust["nox_road"],
        "nox_rail_kg": kt * exhaust["nox_rail"],
        "pm_road_kg": kt * exhaust["pm_road"],
        "pm_rail_kg": kt * exhaust["pm_rail"],
    }


def _demand(inst: Instance, sol: Solution, flows: pd.DataFrame) -> pd.DataFrame:
    pb = inst.problem
    grouped = flows.groupby(["year", "node", "product"])
    supplied = grouped["tonnes"].sum()
    cost = grouped.apply(lambda g: (g["transport_cost_yuan"] + g["production_cost_yuan"]).sum(), include_groups=False)
    co2e = grouped["co2e_t"].sum()
    suppliers = grouped["base"].apply(lambda s: ";".join(sorted(set(s))))
    quarried = natural_by_node(inst, sol)
    rows = []
    for d, node in enumerate(pb.nodes):
        attrs = inst.nodes.iloc[d]
        for p, product in enumerate(pb.products):
            for t, year in enumerate(pb.years):
                q = pb.demand[d, p, t] * MT
                key = (year, node, product)
                waste = float(supplied.get(key, 0.0))
                dual = sol.duals.demand[d, p, t] if sol.duals is not None else np.nan
                rows.append(
                    {
                        "year": year,
                        "node": node,
                        "name": attrs["name_en"],
                        "name_zh": attrs["name_zh"],
                        "city": attrs["city"],
                        "product": product,
                        "demand_t": q,
                        "solid_waste_t": waste,
                        "natural_t": (sol.natural[d, p, t] + quarried[d, p, t]) * MT,
                        "natural_quarry_t": quarried[d, p, t] * MT,
                        "natural_import_t": sol.natural[d, p, t] * MT,
                        "unmet_t": sol.unmet[d, p, t] * MT,
                        "solid_waste_share": waste / q if q > 0 else 0.0,
                        "delivered_cost_yuan_per_t": float(cost.get(key, 0.0)) / waste if waste > 0 else np.nan,
                        "co2e_kg_per_t": float(co2e.get(key, 0.0)) * 1000.0 / waste if waste > 0 else np.nan,
                        "marginal_cost_yuan_per_t": dual,
                        "suppliers": suppliers.get(key, ""),
                    }
                )
    return _round(pd.DataFrame(rows), 4)


def _resources(inst: Instance, sol: Solution) -> pd.DataFrame:
    pb = inst.problem
    if not len(pb.resources):
        return pd.DataFrame(columns=["year", "resource", "kind", "name", "unit", "load", "capacity", "utilisation"])
    use = pb.resource_use.tocsr()
    quse = pb.filled().qroute_resource_use.tocsr()
    scale = inst.resources["scale"].to_numpy()
    rows = []
    for t, year in enumerate(pb.years):
        per_route = np.bincount(
            sol.flow_route[sol.flow_year == t], sol.flow[sol.flow_year == t], minlength=use.shape[1]
        )
        at = sol.quarry_year == t
        per_quarry_route = np.bincount(sol.quarry_route[at], sol.quarry_flow[at], minlength=quse.shape[1])
        load = (use @ per_route + quse @ per_quarry_route) * scale
        for e, res in enumerate(inst.resources.itertuples()):
            cap = float(pb.resource_capacity[e, t]) * scale[e]
            dual = sol.duals.resource[e, t] / scale[e] * MT if sol.duals is not None else np.nan
            rows.append(
                {
                    "year": year,
                    "resource": res.id,
                    "kind": res.kind,
                    "name": res.name,
                    "unit": res.unit,
                    "load": load[e],
                    "capacity": cap,
                    "utilisation": load[e] / cap if cap > 0 else 0.0,
                    "shadow_price_yuan_per_unit": dual,
                }
            )
    return _round(pd.DataFrame(rows), 4)
