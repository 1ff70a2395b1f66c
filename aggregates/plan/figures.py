"""The headline figures of each planning year, worked out from a solution and the plan's tables."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from aggregates.config import Solver
from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution
from aggregates.plan.kpis import Intensity, SolveInfo, YearKPIs
from aggregates.vocab import MT, RAIL_CHAINS, TRUCK_OF_CHAIN

LEG_INTENSITY = {"road_diesel": "road", "road_bet": "road", "rail": "rail"}


def solve_info(solution: Solution, solver: Solver) -> SolveInfo:
    """The solver facts of a solution, in yuan (the problem counts in million yuan), with the limits asked for."""
    return SolveInfo(
        status=solution.status,
        detail=solution.detail,
        objective_yuan=round(solution.objective * MT, 0),
        bound_yuan=round(solution.bound * MT, 0),
        mip_gap=round(solution.mip_gap, 6),
        build_seconds=round(solution.build_seconds, 2),
        solve_seconds=round(solution.solve_seconds, 2),
        model_size=solution.size,
        requested_gap=solver.relative_gap,
        time_limit_s=solver.time_limit_s,
    )


def year_figures(inst: Instance, sol: Solution, tables: dict[str, pd.DataFrame]) -> dict[int, YearKPIs]:
    """Each year's :class:`YearKPIs` (without the fleet, which is sized from the flows afterwards)."""
    flows, bases, demand = tables["flows"], tables["bases"], tables["demand"]
    natural = tables["natural_flows"]
    own_siding = inst.own_siding
    return {
        int(year): _with_natural(
            _year_kpis(
                inst,
                sol,
                t,
                flows[flows["year"] == year],
                bases[bases["year"] == year],
                demand[demand["year"] == year],
                own_siding,
            ),
            _natural_figures(inst, sol, t, natural[natural["year"] == year]),
        )
        for t, year in enumerate(inst.problem.years)
    }


def _natural_figures(inst: Instance, sol: Solution, t: int, nf: pd.DataFrame) -> dict[str, float]:
    """The year's natural aggregate: tonnes by source, delivered cost, and its transport emissions."""
    pb = inst.problem.filled()
    imported = sol.natural[:, :, t]
    import_price = np.nan_to_num(pb.natural_cost[:, :, t])
    import_co2e = float((imported * pb.natural_co2e[:, :, t]).sum() * MT)  # t CO2e
    return {
        "quarry_t": float(nf["tonnes"].sum()),
        "import_t": float(imported.sum() * MT),
        "cost_yuan": float(nf["quarry_cost_yuan"].sum() + nf["transport_cost_yuan"].sum())
        + float((imported * import_price).sum() * MT),
        "co2e_t": float(nf["co2e_t"].sum()) + import_co2e,
        "co2e_ttw_t": float(nf["co2e_ttw_t"].sum()),
        "nox_kg": float(nf["nox_kg"].sum()),
        "pm_kg": float(nf["pm_kg"].sum()),
        "carbon_price": float(pb.carbon_price[t]),
    }


def _with_natural(k: YearKPIs, n: dict[str, float]) -> YearKPIs:
    """Add natural aggregate to a year's figures: its tonnes, cost, and its transport in the emission totals."""
    co2e = k.co2e_t + n["co2e_t"]
    delivered_t = (k.substitution_mt + k.natural_mt) * MT + n["quarry_t"]
    return replace(
        k,
        natural_mt=round(k.natural_mt + n["quarry_t"] / MT, 4),
        natural_quarry_mt=round(n["quarry_t"] / MT, 4),
        natural_import_mt=round(n["import_t"] / MT, 4),
        natural_cost_yuan=round(n["cost_yuan"]),
        natural_co2e_t=round(n["co2e_t"], 1),
        co2e_t=round(co2e, 1),
        co2e_ttw_t=round(k.co2e_ttw_t + n["co2e_ttw_t"], 1),
        co2e_kg_per_t=round(co2e * 1000 / delivered_t, 3) if delivered_t else 0.0,
        carbon_cost_yuan=round(k.carbon_cost_yuan + n["co2e_t"] * n["carbon_price"]),
        nox_t=round(k.nox_t + n["nox_kg"] / 1000, 2),
        pm_t=round(k.pm_t + n["pm_kg"] / 1000, 3),
    )


def truck_trips(f: pd.DataFrame, trucks, own_siding: set[str]) -> float:
    """Loaded truck trips per year: direct hauls, plus first and last miles of rail chains (none with a siding)."""
    payload = {chain: getattr(trucks, truck).payload_t for chain, truck in TRUCK_OF_CHAIN.items()}
    legs = np.where(f["chain"].isin(RAIL_CHAINS), 1 + (~f["base"].isin(own_siding)).astype(int), 1)
    return float((f["tonnes"] * legs / f["chain"].map(payload)).sum())


def _intensity(tkm: float, co2e_t: float, co2e_ttw_t: float, nox_kg: float, pm_kg: float) -> Intensity:
    return Intensity(
        tkm=round(tkm),
        co2e_g_per_tkm=round(co2e_t * 1e6 / tkm, 2),
        co2e_ttw_g_per_tkm=round(co2e_ttw_t * 1e6 / tkm, 2),
        nox_g_per_tkm=round(nox_kg * 1e3 / tkm, 4),
        pm_g_per_tkm=round(pm_kg * 1e3 / tkm, 5),
    )


def chain_intensities(f: pd.DataFrame) -> dict[str, Intensity]:
    """Per chain, per net tonne-km of the whole door-to-door chain (first/last miles included):
    WTW and TTW CO2e, NOx and PM in g/t-km, for comparison with published figures (FACTS §6.2)."""
    out = {}
    for chain, g in f.groupby("chain"):
        tkm = float(g["tkm_road"].sum() + g["tkm_rail"].sum())
        if tkm > 0:
            sums = [float(g[c].sum()) for c in ("co2e_t", "co2e_ttw_t", "nox_kg", "pm_kg")]
            out[chain] = _intensity(tkm, *sums)
    return out


def leg_intensities(f: pd.DataFrame) -> dict[str, Intensity]:
    """Per mode leg, per net tonne-km of that leg only: road by truck type (direct hauls and
    first/last miles, empty returns included) and rail (the train haul). Hub handling is in
    no leg (``co2e_hub_t`` in the flows)."""
    truck = f["chain"].map(TRUCK_OF_CHAIN)
    groups = {"road_diesel": f[truck == "diesel"], "road_bet": f[truck == "bet"], "rail": f}
    out = {}
    for name, g in groups.items():
        leg = LEG_INTENSITY[name]
        tkm = float(g[f"tkm_{leg}"].sum())
        if tkm > 0:
            columns = (f"co2e_{leg}_t", f"co2e_ttw_{leg}_t", f"nox_{leg}_kg", f"pm_{leg}_kg")
            out[name] = _intensity(tkm, *(float(g[c].sum()) for c in columns))
    return out


def _year_kpis(inst: Instance, sol: Solution, t: int, f, b, d, own_siding: set[str]) -> YearKPIs:
    pb, sc = inst.problem, inst.scenario
    waste = float(f["tonnes"].sum())
    rail = f["chain"].isin(RAIL_CHAINS)
    tkm = float(f["tkm_road"].sum() + f["tkm_rail"].sum())
    costs = _costs(inst, sol, t, f, b)
    co2e = float(f["co2e_t"].sum())
    days_truck, days_rail = sc.trucks.operating_days, sc.rail.operating_days
    return YearKPIs(
        substitution_mt=round(waste / MT, 4),
        target_mt=float(pb.target[t]),
        target_met=waste / MT >= float(pb.target[t]) * (1 - 1e-6),
        demand_mt=round(float(pb.demand[:, :, t].sum()), 4),
        natural_mt=round(float(sol.natural[:, :, t].sum() * MT) / MT, 4),
        unmet_mt=round(float(sol.unmet[:, :, t].sum() * MT) / MT, 4),
        rail_share_t=round(float(f.loc[rail, "tonnes"].sum()) / waste, 4) if waste else 0.0,
        rail_share_tkm=round(float(f.loc[rail, "tkm_rail"].sum()) / tkm, 4) if tkm else 0.0,
        cost_yuan_per_t=round(costs["cost_yuan"] / waste, 2) if waste else 0.0,
        **{key: round(value) for key, value in costs.items()},
        co2e_t=round(co2e, 1),
        co2e_ttw_t=round(float(f["co2e_ttw_t"].sum()), 1),
        co2e_kg_per_t=round(co2e * 1000 / waste, 3) if waste else 0.0,
        nox_t=round(float(f["nox_kg"].sum()) / 1000, 2),
        pm_t=round(float(f["pm_kg"].sum()) / 1000, 3),
        tkm_road=round(float(f["tkm_road"].sum())),
        tkm_rail=round(float(f["tkm_rail"].sum())),
        trains_per_day=round(float(f.loc[rail, "tonnes"].sum()) / sc.rail.net_t_per_train / days_rail, 1),
        truck_trips_per_day=round(truck_trips(f, sc.trucks, own_siding) / days_truck, 0),
        by_chain_mt={c: round(float(v) / MT, 4) for c, v in f.groupby("chain")["tonnes"].sum().items()},
        intensity_by_chain=chain_intensities(f),
        intensity_by_leg=leg_intensities(f),
        by_city_mt={c: round(float(v) / MT, 4) for c, v in b.groupby("city")["output_t"].sum().items()},
        to_city_mt={c: round(float(v) / MT, 4) for c, v in d.groupby("city")["solid_waste_t"].sum().items()},
        bases_open=int((b["level"] >= 0).sum()),
        capacity_mt=round(float(b["capacity_t"].sum()) / MT, 4),
        coproduct_local_mt=round(float(b["local_t"].sum()) / MT, 4),
        coproduct_stock_mt=round(float(b["stock_t"].sum()) / MT, 4),
        coproduct_disposed_mt=round(float(b["disposed_t"].sum()) / MT, 4),
        fleet=None,
    )


def _costs(inst: Instance, sol: Solution, t: int, f: pd.DataFrame, b: pd.DataFrame) -> dict[str, float]:
    """The year's money figures in yuan, unrounded; ``cost_yuan`` is the solid-waste supply's."""
    pb = inst.problem
    fixed = float(b["fixed_cost_yuan"].sum())
    # The bases table charges production per t made with co-products, per t shipped under free disposal.
    production = float(b["production_cost_yuan"].sum())
    transport = float(f["transport_cost_yuan"].sum())
    coproduct = float((b["holding_cost_yuan"] + b["disposal_cost_yuan"] - b["local_revenue_yuan"]).sum())
    natural_price = np.nan_to_num(pb.natural_cost[:, :, t])
    return {
        "cost_yuan": fixed + production + transport + coproduct,
        "coproduct_cost_yuan": coproduct,
        "fixed_cost_yuan": fixed,
        "production_cost_yuan": production,
        "transport_cost_yuan": transport,
        "carbon_cost_yuan": float(f["co2e_t"].sum()) * float(pb.carbon_price[t]),
        "natural_cost_yuan": float((sol.natural[:, :, t] * natural_price).sum() * MT),
    }


def penalties_yuan(inst: Instance, sol: Solution) -> dict[int, float]:
    """Per year, what the model pays for unmet demand and any shortfall below a soft target, in yuan."""
    pb = inst.problem
    out = {}
    for t, year in enumerate(pb.years):
        penalty = float(sol.unmet[:, :, t].sum()) * (pb.unmet_penalty or 0.0)
        if sol.shortfall is not None:
            penalty += float(sol.shortfall[t]) * pb.shortfall_penalty
        out[int(year)] = round(penalty * MT)  # Mt x yuan/t
    return out


def cap_shadow_prices(inst: Instance, sol: Solution) -> dict[int, float]:
    """Per year, what one more t CO2e under the emissions cap would save (yuan/t; NaN without a cap or duals)."""
    pb = inst.problem.filled()
    out = {}
    for t, year in enumerate(pb.years):
        capped = np.isfinite(float(pb.emissions_cap[t])) and sol.duals is not None
        out[int(year)] = round(float(sol.duals.emissions_cap[t]), 4) if capped else float("nan")
    return out


def target_shadow_prices(inst: Instance, sol: Solution) -> dict[int, float]:
    """Per year, what one more tonne of substitution target would cost (yuan/t; 0 when it does not bind,
    NaN without a target or duals)."""
    pb = inst.problem.filled()
    out = {}
    for t, year in enumerate(pb.years):
        targeted = float(pb.target[t]) > 0 and sol.duals is not None
        out[int(year)] = round(float(sol.duals.target[t]), 4) if targeted else float("nan")
    return out
