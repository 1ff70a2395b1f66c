"""A plan per period of the year (``periods.csv``) and the fleet the busiest period needs.

With ``seasons.periods`` set, the model plans every (year, period); the yearly tables sum the periods,
and this module adds what only the periods show: each period's demand, shipments, stock at its end,
and the trains and trucks it needs. The fleet is sized on the busiest period of each year, the one
with the most tonnes shipped per operating day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution
from aggregates.plan.fleet import Fleet
from aggregates.plan.tables import flows_table
from aggregates.vocab import MT, RAIL_CHAINS


def period_flows(inst: Instance, sol: Solution, s: int, per_year: bool = False) -> pd.DataFrame:
    """The flows table of period ``s``; with ``per_year`` at the period's rate over a whole year.

    The rate per year (tonnes / share of the year) is what the fleet sizing takes: its per-day figures
    then are the period's own.
    """
    ps, share = sol.periods, float(inst.problem.periods.share_of_year[s])
    keep = ps.flow_period == s
    tonnes = ps.flow[keep] / share if per_year and share > 0 else ps.flow[keep]
    part = replace(
        sol,
        flow_route=ps.flow_route[keep],
        flow_product=ps.flow_product[keep],
        flow_year=ps.flow_year[keep],
        flow=tonnes,
    )
    return flows_table(inst, part)


def busiest(inst: Instance, sol: Solution) -> np.ndarray:
    """(T,) index of each year's busiest period: the most tonnes shipped per unit of its share of the year."""
    ps, per = sol.periods, inst.problem.periods
    n_t, n_s = len(inst.problem.years), len(per.names)
    rate = np.zeros((n_t, n_s))
    np.add.at(rate, (ps.flow_year, ps.flow_period), ps.flow)
    rate = np.divide(rate, per.share_of_year, out=np.zeros_like(rate), where=per.share_of_year > 0)
    return np.argmax(rate, axis=1)


def peak_fleet(inst: Instance, sol: Solution, size: Callable[[pd.DataFrame], Fleet]) -> tuple[Fleet, list[Fleet]]:
    """The fleet of each year's busiest period (``fleet.csv`` names it) and the fleet of every period.

    Parameters
    ----------
    inst, sol
        A solved instance with periods.
    size
        Sizes the fleet of a flows table at its rate per year.
    """
    names = inst.problem.periods.names
    fleets = [size(period_flows(inst, sol, s, per_year=True)) for s in range(len(names))]
    peak = busiest(inst, sol)
    parts, summaries = [], {}
    for t, year in enumerate(inst.problem.years):
        fleet = fleets[peak[t]]
        table = fleet.table
        parts.append(table[table["year"] == year].assign(period=names[peak[t]]))
        summaries[int(year)] = fleet.summary(year)
    table = pd.concat(parts, ignore_index=True) if parts else fleets[0].table.assign(period="")
    return Fleet(table.reset_index(drop=True), summaries, fleets[0].days), fleets


def periods_table(inst: Instance, sol: Solution, fleets: list[Fleet]) -> pd.DataFrame:
    """One row per year and period (``periods.csv``): demand, shipments by chain, stock, trains and trucks.

    Every quantity column sums over a year's periods to the yearly tables' figure (the stock is the
    one at the period's end).
    """
    pb, ps, per = inst.problem, sol.periods, inst.problem.periods
    chains = list(inst.scenario.chains)
    made = ps.processed * pb.base_yield.sum(axis=1)[:, None, None]
    quarry = np.zeros((len(pb.years), len(per.names)))
    np.add.at(quarry, (ps.quarry_year, ps.quarry_period), ps.quarry_flow)
    rows = []
    for s, name in enumerate(per.names):
        flows = period_flows(inst, sol, s)
        by_chain = flows.groupby(["year", "chain"])["tonnes"].sum()
        for t, year in enumerate(pb.years):
            shipped = {c: float(by_chain.get((year, c), 0.0)) for c in chains}
            summary = fleets[s].summary(year)
            rows.append(
                {
                    "year": year,
                    "period": name,
                    "share_of_year": float(per.share_of_year[s]),
                    "demand_share": float(per.demand_share[s]),
                    "demand_t": float(pb.demand[:, :, t].sum() * per.demand_share[s] * MT),
                    "shipped_t": sum(shipped.values()),
                    **{f"{c}_t": v for c, v in shipped.items()},
                    "rail_t": sum(v for c, v in shipped.items() if c in RAIL_CHAINS),
                    "quarry_t": float(quarry[t, s] * MT),
                    "natural_t": float(ps.natural[:, :, t, s].sum() * MT),
                    "unmet_t": float(ps.unmet[:, :, t, s].sum() * MT),
                    "made_t": float(made[:, t, s].sum() * MT),
                    "stock_t": float(ps.stock[:, :, t, s].sum() * MT) if ps.stock is not None else 0.0,
                    "trains_per_day": summary.trains_per_day,
                    "trucks": summary.nev_trucks + summary.diesel_trucks,
                }
            )
    frame = pd.DataFrame(rows).sort_values(["year"], kind="mergesort").reset_index(drop=True)
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(3) + 0.0
    return frame
