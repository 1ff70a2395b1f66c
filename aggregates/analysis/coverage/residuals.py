"""Room a plan leaves: per base for one product, per terminal and rail section, and per route option."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.network.options import RouteOptions
from aggregates.plan import Plan
from aggregates.vocab import MT

CAPACITATED = ("terminal", "rail_section")  # swap stations are counted in swaps, not tonnes: left out


def resource_capacity(region: Region, scenario: Scenario) -> dict[str, float]:
    """Tonnes a year each terminal and rail section can take (as the model counts them)."""
    rail, infra = scenario.rail, scenario.infrastructure
    cap = {t.id: t.capacity_mt_per_yr * MT * infra.terminal_capacity_factor for t in region.terminals.itertuples()}
    for s in region.rail_segments.itertuples():
        per_train = rail.net_t_per_train * rail.operating_days * infra.rail_capacity_factor
        cap[s.id] = s.capacity_trains_per_day * per_train
    return cap


def base_residuals(bases: pd.DataFrame, region: Region, product: str, year: int) -> dict[str, float]:
    """Tonnes of ``product`` each base could still ship in ``year`` after a plan's ``bases`` table.

    A base makes its products in fixed shares (yields), so its room for one product is its capacity
    times that product's share of output less what the plan ships of it. Bases the plan does not
    build have none.
    """
    yields = region.bases.set_index("id")[["yield_sand", "yield_coarse"]]
    share = yields[f"yield_{product}"] / yields.sum(axis=1)
    rows = bases[bases["year"] == year]
    out = {}
    for row in rows.itertuples():
        room = row.capacity_t * float(share.get(row.base, 0.0)) - getattr(row, f"output_{product}_t")
        out[str(row.base)] = max(float(room), 0.0)
    return out


def resource_residuals(resources: pd.DataFrame, capacity: dict[str, float], year: int) -> dict[str, float]:
    """Tonnes each terminal and rail section can still take in ``year`` after a plan's ``resources`` table."""
    load = resources[(resources["year"] == year) & resources["kind"].isin(CAPACITATED)]
    used = dict(zip(load["resource"], load["load"], strict=True))
    return {e: max(c - float(used.get(e, 0.0)), 0.0) for e, c in capacity.items()}


def option_residuals(bases: pd.Series, resources: pd.Series, base_room: dict, resource_room: dict) -> np.ndarray:
    """Per option, the least residual of its base and of each capacitated resource on its way."""
    out = []
    for base, items in zip(bases, resources, strict=True):
        room = [base_room.get(base, 0.0), *(resource_room[e] for e in items if e in resource_room)]
        out.append(min(room))
    return np.array(out, dtype=float)


@dataclass(frozen=True)
class Room:
    """Residual capacity per year: by base (for one product) and by resource."""

    bases: dict[int, dict[str, float]]
    resources: dict[int, dict[str, float]]


def least_room(room: Room, years: tuple[int, ...]) -> tuple[dict, dict]:
    """The least residual over a site's years: the mix must fit in every one."""
    bases = {b: min(room.bases[y].get(b, 0.0) for y in years) for b in room.bases[years[0]]}
    res = {e: min(room.resources[y][e] for y in years) for e in room.resources[years[0]]}
    return bases, res


def room_from_plan(plan: Plan, region: Region, scenario: Scenario, product: str, years) -> Room:
    """Residual capacity in each year after a plan that does not include the site."""
    capacity = resource_capacity(region, scenario)
    return Room(
        {y: base_residuals(plan.bases, region, product, y) for y in years},
        {y: resource_residuals(plan.resources, capacity, y) for y in years},
    )


def without_site(plan: Plan, routes: RouteOptions, node: str) -> Plan:
    """The plan's bases and resources tables with one node's own flows taken back out.

    What an optimised plan gave the site itself is room the site can use; what it gave everyone
    else is not.
    """
    own = plan.flows[plan.flows["node"] == node]
    bases = plan.bases.copy()
    resources = plan.resources.copy()
    for f in own.itertuples():
        at = (bases["year"] == f.year) & (bases["base"] == f.base)
        bases.loc[at, f"output_{f.product}_t"] -= f.tonnes
        for e, n in Counter(routes.table["resources"].iloc[int(f.route)]).items():
            resources.loc[(resources["year"] == f.year) & (resources["resource"] == e), "load"] -= f.tonnes * n
    return replace(plan, bases=bases, resources=resources)


def plan_supply(plan: Plan, node: str, years) -> dict:
    """What a plan delivered to a node over ``years``, tonnes a year on average, by source."""
    rows = plan.demand[(plan.demand["node"] == node) & plan.demand["year"].isin(years)]
    rows = rows[rows["demand_t"] > 0]
    n = max(len(rows), 1)
    return {
        "solid_waste_t": round(float(rows["solid_waste_t"].sum()) / n, 1),
        "natural_t": round(float(rows["natural_t"].sum()) / n, 1),
        "unmet_t": round(float(rows["unmet_t"].sum()) / n, 1),
        "suppliers": ";".join(sorted({s for v in rows["suppliers"].fillna("") for s in str(v).split(";") if s})),
    }
