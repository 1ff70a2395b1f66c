"""The Plan: a solution turned into tidy, labelled tables and KPIs.

Tables are in tonnes, yuan, t CO2e and kg of NOx/PM (the problem's Mt and
million yuan are converted back), one row per thing, sorted by their keys so
the same solution always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aggregates.network.routes import TRUCK_OF_CHAIN, co2e_kg_per_t_by_leg, exhaust_g_per_t_by_leg
from aggregates.optimize.build import MT, RAIL_CHAINS, Instance
from aggregates.optimize.model import Solution

TRUCK_CHAINS = ("diesel_truck", "bet_truck")
CSV_TABLES = ("flows", "bases", "demand", "resources")


@dataclass(frozen=True)
class Plan:
    """A solved allocation plan.

    Attributes
    ----------
    scenario
        Scenario name.
    status, detail
        Solver status word (``optimal`` or ``feasible``) and its detail.
    flows, bases, demand, resources
        The result tables (see README, "Outputs").
    kpis
        Headline figures: solver fields and a ``years`` mapping of per-year KPIs.
    """

    scenario: str
    status: str
    detail: str
    flows: pd.DataFrame
    bases: pd.DataFrame
    demand: pd.DataFrame
    resources: pd.DataFrame
    kpis: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by output name."""
        return {name: getattr(self, name) for name in CSV_TABLES}


def make_plan(instance: Instance, solution: Solution) -> Plan:
    """Label a solution with the instance's ids and compute the KPIs.

    Parameters
    ----------
    instance
        What was solved.
    solution
        A solution with a plan (``solution.has_plan``).
    """
    flows = _flows(instance, solution)
    bases = _bases(instance, solution, flows)
    demand = _demand(instance, solution, flows)
    resources = _resources(instance, solution)
    kpis = _kpis(instance, solution, flows, bases, demand)
    return Plan(instance.scenario.name, solution.status, solution.detail, flows, bases, demand, resources, kpis)


def _round(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(digits) + 0.0
    return frame


def _flows(inst: Instance, sol: Solution) -> pd.DataFrame:
    pb, routes = inst.problem, inst.routes
    r, t = sol.flow_route, sol.flow_year
    years = np.array(pb.years)[t]
    row = routes.iloc[r].reset_index(drop=True)
    tonnes = sol.flow * MT
    co2e = np.array([routes[f"co2e_kg_per_t_{y}"].iloc[i] for i, y in zip(r, years, strict=True)])
    co2e_ttw = np.array([routes[f"co2e_ttw_kg_per_t_{y}"].iloc[i] for i, y in zip(r, years, strict=True)])
    production = pb.base_production_cost[pb.route_base[r]]
    legs = _leg_columns(inst, row, years, tonnes)
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
            "loading_terminal": row["loading_terminal"],
            "unloading_terminal": row["unloading_terminal"],
            "route": r,
        }
    )
    frame = frame.sort_values(["year", "base", "node", "product", "chain"], kind="mergesort").reset_index(drop=True)
    return _round(frame)


def _leg_columns(inst: Instance, row: pd.DataFrame, years: np.ndarray, tonnes: np.ndarray) -> dict[str, np.ndarray]:
    """Per-flow emissions by leg (road, rail, hub); they sum to the flow's totals.

    CO2e in t (WTW, and TTW for road and rail; hubs have no exhaust), NOx and
    PM in kg. The grid factor is the flow's year's.
    """
    sc = inst.scenario
    wtw = pd.DataFrame(0.0, index=row.index, columns=["road", "rail", "hub"])
    for year in np.unique(years):
        at = years == year
        wtw.loc[at] = co2e_kg_per_t_by_leg(row.loc[at], sc, int(year)).to_numpy()
    ttw = co2e_kg_per_t_by_leg(row, sc, int(years[0]) if len(years) else 0, basis="ttw")
    exhaust = exhaust_g_per_t_by_leg(row, sc)
    kt = tonnes / 1000.0
    return {
        "co2e_road_t": kt * wtw["road"].to_numpy(),
        "co2e_rail_t": kt * wtw["rail"].to_numpy(),
        "co2e_hub_t": kt * wtw["hub"].to_numpy(),
        "co2e_ttw_road_t": kt * ttw["road"].to_numpy(),
        "co2e_ttw_rail_t": kt * ttw["rail"].to_numpy(),
        "nox_road_kg": kt * exhaust["nox_road"].to_numpy(),
        "nox_rail_kg": kt * exhaust["nox_rail"].to_numpy(),
        "pm_road_kg": kt * exhaust["pm_road"].to_numpy(),
        "pm_rail_kg": kt * exhaust["pm_rail"].to_numpy(),
    }


def _bases(inst: Instance, sol: Solution, flows: pd.DataFrame) -> pd.DataFrame:
    pb = inst.problem
    rows = []
    shipped = flows.groupby(["year", "base", "product"])["tonnes"].sum()
    stock_used = np.cumsum(sol.processed, axis=1)
    for b, base in enumerate(pb.bases):
        attrs = inst.bases.iloc[b]
        for t, year in enumerate(pb.years):
            lv = int(sol.level[b, t])
            capacity = float(pb.level_capacity[lv]) if lv >= 0 else 0.0
            out = {p: float(shipped.get((year, base, p), 0.0)) for p in pb.products}
            total = sum(out.values())
            made = float(sol.processed[b, t] * pb.base_yield[b].sum() * MT)
            available = pb.base_stock[b] + pb.base_arising[b] * (t + 1)
            dual = sol.duals.base_capacity[b, t] if sol.duals is not None else np.nan
            rows.append(
                {
                    "year": year,
                    "base": base,
                    "name": attrs["name_en"],
                    "name_zh": attrs["name_zh"],
                    "city": attrs["city"],
                    "feedstock": attrs["feedstock"],
                    "status": attrs["status"],
                    "level": int(pb.level_number[lv]) if lv >= 0 else -1,
                    "capacity_t": capacity * MT,
                    "output_t": total,
                    **{f"output_{p}_t": v for p, v in out.items()},
                    "made_t": made,
                    "unsold_t": max(made - total, 0.0),
                    "utilisation": made / (capacity * MT) if capacity > 0 else 0.0,
                    "processed_t": sol.processed[b, t] * MT,
                    "feedstock_left_t": (available - stock_used[b, t]) * MT,
                    "fixed_cost_yuan": float(pb.level_fixed_cost[lv]) * MT if lv >= 0 else 0.0,
                    "shadow_price_yuan_per_t": dual,
                }
            )
    return _round(pd.DataFrame(rows), 4)


def _demand(inst: Instance, sol: Solution, flows: pd.DataFrame) -> pd.DataFrame:
    pb = inst.problem
    grouped = flows.groupby(["year", "node", "product"])
    supplied = grouped["tonnes"].sum()
    cost = grouped.apply(lambda g: (g["transport_cost_yuan"] + g["production_cost_yuan"]).sum(), include_groups=False)
    co2e = grouped["co2e_t"].sum()
    suppliers = grouped["base"].apply(lambda s: ";".join(sorted(set(s))))
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
                        "natural_t": sol.natural[d, p, t] * MT,
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
    scale = inst.resources["scale"].to_numpy()
    rows = []
    for t, year in enumerate(pb.years):
        per_route = np.bincount(
            sol.flow_route[sol.flow_year == t], sol.flow[sol.flow_year == t], minlength=use.shape[1]
        )
        load = use @ per_route * scale
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


def _kpis(inst: Instance, sol: Solution, flows: pd.DataFrame, bases: pd.DataFrame, demand: pd.DataFrame) -> dict:
    pb, sc = inst.problem, inst.scenario
    own_siding = set(inst.bases.loc[inst.bases["own_siding"].astype(bool), "id"])
    years = {}
    for t, year in enumerate(pb.years):
        f = flows[flows["year"] == year]
        years[str(year)] = _year_kpis(
            inst, sol, t, f, bases[bases["year"] == year], demand[demand["year"] == year], own_siding
        )
    return {
        "scenario": sc.name,
        "status": sol.status,
        "detail": sol.detail,
        "objective_yuan": round(sol.objective * MT, 0),
        "bound_yuan": round(sol.bound * MT, 0),
        "mip_gap": round(sol.mip_gap, 6),
        "build_seconds": round(sol.build_seconds, 2),
        "solve_seconds": round(sol.solve_seconds, 2),
        "model_size": sol.size,
        "target_hard": pb.target_hard,
        "all_targets_met": all(y["target_met"] for y in years.values()),
        "years": years,
    }


def _truck_trips(f: pd.DataFrame, inst: Instance, own_siding: set[str]) -> float:
    """Loaded truck trips per year: direct hauls, plus first and last miles of rail chains."""
    trucks = inst.scenario.trucks
    payload = {"diesel_truck": trucks.diesel.payload_t, "bet_truck": trucks.bet.payload_t}
    payload["rail_diesel"], payload["rail_bet"] = payload["diesel_truck"], payload["bet_truck"]
    legs = np.where(f["chain"].isin(RAIL_CHAINS), 1 + (~f["base"].isin(own_siding)).astype(int), 1)
    return float((f["tonnes"] * legs / f["chain"].map(payload)).sum())


def _intensities(f: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per chain, per net tonne-km of the whole door-to-door chain (first/last miles included):
    WTW and TTW CO2e, NOx and PM in g/t-km, for comparison with published figures (FACTS §6.2)."""
    out = {}
    for chain, g in f.groupby("chain"):
        tkm = float(g["tkm_road"].sum() + g["tkm_rail"].sum())
        if tkm <= 0:
            continue
        out[chain] = {
            "tkm": round(tkm),
            "co2e_g_per_tkm": round(float(g["co2e_t"].sum()) * 1e6 / tkm, 2),
            "co2e_ttw_g_per_tkm": round(float(g["co2e_ttw_t"].sum()) * 1e6 / tkm, 2),
            "nox_g_per_tkm": round(float(g["nox_kg"].sum()) * 1e3 / tkm, 4),
            "pm_g_per_tkm": round(float(g["pm_kg"].sum()) * 1e3 / tkm, 5),
        }
    return out


LEG_INTENSITY = {"road_diesel": "road", "road_bet": "road", "rail": "rail"}


def _leg_intensities(f: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per mode leg, per net tonne-km of that leg only: road by truck type (direct
    hauls and first/last miles, empty returns included) and rail (the train haul).
    WTW and TTW CO2e, NOx and PM in g/t-km, for comparison with published per-mode
    figures (FACTS §6.2). Hub handling is in no leg (``co2e_hub_t`` in the flows)."""
    truck = f["chain"].map(TRUCK_OF_CHAIN)
    groups = {"road_diesel": f[truck == "diesel"], "road_bet": f[truck == "bet"], "rail": f}
    out = {}
    for name, g in groups.items():
        leg = LEG_INTENSITY[name]
        tkm = float(g[f"tkm_{leg}"].sum())
        if tkm <= 0:
            continue
        out[name] = {
            "tkm": round(tkm),
            "co2e_g_per_tkm": round(float(g[f"co2e_{leg}_t"].sum()) * 1e6 / tkm, 2),
            "co2e_ttw_g_per_tkm": round(float(g[f"co2e_ttw_{leg}_t"].sum()) * 1e6 / tkm, 2),
            "nox_g_per_tkm": round(float(g[f"nox_{leg}_kg"].sum()) * 1e3 / tkm, 4),
            "pm_g_per_tkm": round(float(g[f"pm_{leg}_kg"].sum()) * 1e3 / tkm, 5),
        }
    return out


def _year_kpis(inst, sol, t, f, b, d, own_siding) -> dict:
    pb, sc = inst.problem, inst.scenario
    waste = float(f["tonnes"].sum())
    rail = f["chain"].isin(RAIL_CHAINS)
    tkm = float(f["tkm_road"].sum() + f["tkm_rail"].sum())
    fixed = float(b["fixed_cost_yuan"].sum())
    production = float(f["production_cost_yuan"].sum())
    transport = float(f["transport_cost_yuan"].sum())
    cost = fixed + production + transport
    co2e = float(f["co2e_t"].sum())
    natural = float(sol.natural[:, :, t].sum() * MT)
    unmet = float(sol.unmet[:, :, t].sum() * MT)
    natural_price = np.nan_to_num(pb.natural_cost[:, :, t])
    target = float(pb.target[t])
    days_truck, days_rail = sc.trucks.operating_days, sc.rail.operating_days
    return {
        "substitution_mt": round(waste / MT, 4),
        "target_mt": target,
        "target_met": waste / MT >= target * (1 - 1e-6),
        "demand_mt": round(float(pb.demand[:, :, t].sum()), 4),
        "natural_mt": round(natural / MT, 4),
        "unmet_mt": round(unmet / MT, 4),
        "rail_share_t": round(float(f.loc[rail, "tonnes"].sum()) / waste, 4) if waste else 0.0,
        "rail_share_tkm": round(float(f.loc[rail, "tkm_rail"].sum()) / tkm, 4) if tkm else 0.0,
        "cost_yuan": round(cost),
        "cost_yuan_per_t": round(cost / waste, 2) if waste else 0.0,
        "fixed_cost_yuan": round(fixed),
        "production_cost_yuan": round(production),
        "transport_cost_yuan": round(transport),
        "carbon_cost_yuan": round(co2e * float(pb.carbon_price[t])),
        "natural_cost_yuan": round(float((sol.natural[:, :, t] * natural_price).sum() * MT)),
        "co2e_t": round(co2e, 1),
        "co2e_ttw_t": round(float(f["co2e_ttw_t"].sum()), 1),
        "co2e_kg_per_t": round(co2e * 1000 / waste, 3) if waste else 0.0,
        "nox_t": round(float(f["nox_kg"].sum()) / 1000, 2),
        "pm_t": round(float(f["pm_kg"].sum()) / 1000, 3),
        "tkm_road": round(float(f["tkm_road"].sum())),
        "tkm_rail": round(float(f["tkm_rail"].sum())),
        "trains_per_day": round(float(f.loc[rail, "tonnes"].sum()) / sc.rail.net_t_per_train / days_rail, 1),
        "truck_trips_per_day": round(_truck_trips(f, inst, own_siding) / days_truck, 0),
        "by_chain_mt": {c: round(float(v) / MT, 4) for c, v in f.groupby("chain")["tonnes"].sum().items()},
        "intensity_by_chain": _intensities(f),
        "intensity_by_leg": _leg_intensities(f),
        "by_city_mt": {c: round(float(v) / MT, 4) for c, v in b.groupby("city")["output_t"].sum().items()},
        "to_city_mt": {c: round(float(v) / MT, 4) for c, v in d.groupby("city")["solid_waste_t"].sum().items()},
        "bases_open": int((b["level"] >= 0).sum()),
        "capacity_mt": round(float(b["capacity_t"].sum()) / MT, 4),
    }
