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
from aggregates.optimize.solve import RailedFlows, Solution
from aggregates.plan.fleet import KINDS, RAIL_KINDS, Fleet, fleet_summary
from aggregates.plan.tables import flows_table
from aggregates.vocab import MT, RAIL_CHAINS


def period_flows(inst: Instance, sol: Solution, s: int, per_year: bool = False, railed: bool = False) -> pd.DataFrame:
    """The flows table of period ``s``; with ``per_year`` at the period's rate over a whole year.

    The rate per year (tonnes / share of the year) is what the fleet sizing takes: its per-day figures
    then are the period's own. With ``railed``, the flows by when they are railed (they differ where
    terminal yards hold tonnes between periods).
    """
    flows, share = _flows(sol, railed), float(inst.problem.periods.share_of_year[s])
    keep = flows.period == s
    tonnes = flows.flow[keep] / share if per_year and share > 0 else flows.flow[keep]
    part = replace(
        sol,
        flow_route=flows.route[keep],
        flow_product=flows.product[keep],
        flow_year=flows.year[keep],
        flow=tonnes,
    )
    return flows_table(inst, part)


def _flows(sol: Solution, railed: bool) -> RailedFlows:
    """The period flows as delivered, or by when they are railed (the same without terminal yards)."""
    ps = sol.periods
    if railed and ps.railed is not None:
        return ps.railed
    return RailedFlows(ps.flow_route, ps.flow_product, ps.flow_year, ps.flow_period, ps.flow)


def busiest(inst: Instance, sol: Solution, railed: bool = False) -> np.ndarray:
    """(T,) index of each year's busiest period: the most tonnes shipped (``railed``: carried by train) per
    unit of its share of the year."""
    flows, per = _flows(sol, railed), inst.problem.periods
    n_t, n_s = len(inst.problem.years), len(per.names)
    on_rail = inst.routes.table["chain"].isin(RAIL_CHAINS).to_numpy()[flows.route] if railed else True
    rate = np.zeros((n_t, n_s))
    np.add.at(rate, (flows.year, flows.period), np.where(on_rail, flows.flow, 0.0))
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
    if sol.periods.railed is None:
        parts = [_year_rows(fleets[peak[t]], year, names[peak[t]]) for t, year in enumerate(inst.problem.years)]
        summaries = {int(y): fleets[peak[t]].summary(y) for t, y in enumerate(inst.problem.years)}
    else:  # trains and rail yards are sized on the busiest period of railing, trucks on that of deliveries
        trains = [size(period_flows(inst, sol, s, per_year=True, railed=True)) for s in range(len(names))]
        rail_peak = busiest(inst, sol, railed=True)
        parts = [
            _mixed_rows(fleets[peak[t]], trains[rail_peak[t]], year, (names[peak[t]], names[rail_peak[t]]))
            for t, year in enumerate(inst.problem.years)
        ]
        summaries = {
            int(y): fleet_summary(part, inst.scenario) for y, part in zip(inst.problem.years, parts, strict=True)
        }
        fleets = [
            replace(f, summaries={**f.summaries, **_train_figures(f, tr)}) for f, tr in zip(fleets, trains, strict=True)
        ]
    table = pd.concat(parts, ignore_index=True) if parts else fleets[0].table.assign(period="")
    return Fleet(table.reset_index(drop=True), summaries, fleets[0].days), fleets


def _year_rows(fleet: Fleet, year: int, period: str) -> pd.DataFrame:
    table = fleet.table
    return table[table["year"] == year].assign(period=period)


def _mixed_rows(trucks: Fleet, trains: Fleet, year: int, periods: tuple[str, str]) -> pd.DataFrame:
    """One year's fleet rows: rail kinds from the railing fleet, the rest from the delivery fleet."""
    road = _year_rows(trucks, year, periods[0])
    rail = _year_rows(trains, year, periods[1])
    both = pd.concat([road[~road["kind"].isin(RAIL_KINDS)], rail[rail["kind"].isin(RAIL_KINDS)]], ignore_index=True)
    order = pd.Categorical(both["kind"], categories=list(KINDS), ordered=True)
    return both.assign(_order=order).sort_values(["_order", "id"], kind="mergesort").drop(columns="_order")


def _train_figures(trucks: Fleet, trains: Fleet) -> dict:
    """Each year's summary of the delivery fleet with the train figures of the railing fleet."""
    fields = ("trains_per_day", "trains_per_calendar_day", "trainsets", "wagons", "containers", "yard_tracks")
    return {y: replace(s, **{f: getattr(trains.summary(y), f) for f in fields}) for y, s in trucks.summaries.items()}


def _railed_by_period(inst: Instance, sol: Solution) -> np.ndarray:
    """(T, S) tonnes carried by train in each period (delivered by rail, or into a terminal yard)."""
    flows, per = _flows(sol, railed=True), inst.problem.periods
    on_rail = inst.routes.table["chain"].isin(RAIL_CHAINS).to_numpy()[flows.route]
    out = np.zeros((len(inst.problem.years), len(per.names)))
    np.add.at(out, (flows.year, flows.period), np.where(on_rail, flows.flow, 0.0))
    return out


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
    railed = _railed_by_period(inst, sol)
    yards = (
        ps.terminal_stock.sum(axis=0) if ps.terminal_stock is not None else np.zeros((len(pb.years), len(per.names)))
    )
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
                    "railed_t": float(railed[t, s] * MT),
                    "quarry_t": float(quarry[t, s] * MT),
                    "natural_t": float(ps.natural[:, :, t, s].sum() * MT),
                    "unmet_t": float(ps.unmet[:, :, t, s].sum() * MT),
                    "made_t": float(made[:, t, s].sum() * MT),
                    "stock_t": float(ps.stock[:, :, t, s].sum() * MT) if ps.stock is not None else 0.0,
                    "terminal_stock_t": float(yards[t, s] * MT),
                    "trains_per_day": summary.trains_per_day,
                    "trucks": summary.nev_trucks + summary.diesel_trucks,
                }
            )
    frame = pd.DataFrame(rows).sort_values(["year"], kind="mergesort").reset_index(drop=True)
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(3) + 0.0
    return frame


def terminal_yards_table(inst: Instance, sol: Solution) -> pd.DataFrame:
    """One row per year, period and terminal yard (``terminal_yards.csv``): tonnes railed in, delivered
    out by truck, in stock at the period's end, and the yard's capacity; empty without terminal yards.

    Per yard and year, ``stock_t`` at a period's end = at the end of the period before (the last period's
    for the first: a year is a cycle) + ``railed_in_t`` - ``delivered_t``.
    """
    pb, ps = inst.problem, sol.periods
    if ps.terminal_stock is None:
        return pd.DataFrame()
    yards, names = pb.terminal_yards, pb.periods.names
    n_u, n_t, n_s = ps.terminal_stock.shape
    moved = {}
    for what, flows in (("railed_in", ps.railed), ("delivered", _flows(sol, railed=False))):
        u = yards.route_terminal[flows.route]
        keep = u >= 0
        out = np.zeros((n_u, n_t, n_s))
        np.add.at(out, (u[keep], flows.year[keep], flows.period[keep]), flows.flow[keep])
        moved[what] = out
    name_of = dict(zip(inst.resources["id"], inst.resources["name"], strict=True))
    rows = [
        {
            "year": year,
            "period": names[s],
            "terminal": terminal,
            "name": name_of.get(terminal, terminal),
            "capacity_t": float(yards.capacity[u] * MT),
            "railed_in_t": float(moved["railed_in"][u, t, s] * MT),
            "delivered_t": float(moved["delivered"][u, t, s] * MT),
            "stock_t": float(ps.terminal_stock[u, t, s] * MT),
        }
        for t, year in enumerate(pb.years)
        for s in range(n_s)
        for u, terminal in enumerate(yards.terminals)
    ]
    frame = pd.DataFrame(rows)
    frame = frame[frame[["railed_in_t", "delivered_t", "stock_t"]].sum(axis=1) > 0].reset_index(drop=True)
    numeric = frame.select_dtypes("float").columns
    frame[numeric] = frame[numeric].round(3) + 0.0
    return frame
