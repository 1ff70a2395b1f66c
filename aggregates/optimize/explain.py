"""Why a plan cannot be made, in numbers.

Two stages, as ARCHITECTURE.md asks: :func:`precheck` finds the obvious
impossibilities from the data alone, before a model is built;
:func:`explain_elastic` reads a solution of the elastic model (targets and
policies priced instead of enforced) and says which limits bind and by how
much. Quantities are in the problem's units: Mt and Mt CO2e for region
instances.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from aggregates.optimize.instance import Instance
from aggregates.optimize.problem import LEVEL_FREE, Problem
from aggregates.optimize.solve import Solution

FULL = 0.999  # a limit counts as binding at 99.9 % use
SHOWN = 4  # binding items named per kind


def _first_few(items: list[str]) -> str:
    """The first :data:`SHOWN` items, comma-separated, and how many more there are."""
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def _largest_capacity(pb: Problem, t: int) -> np.ndarray:
    """(B,) capacity of each base's largest level open to it in year ``t`` (its fixed level where one is fixed)."""
    out = np.zeros(len(pb.bases))
    allowed = pb.level_allowed()[:, t]
    np.maximum.at(out, pb.level_base[allowed], pb.level_capacity[allowed])
    return out


def _carried(pb: Problem, t: int) -> np.ndarray:
    """(B,) most a base can ship in year ``t`` beyond what it makes then: its stockyard, after the first year."""
    if pb.coproducts is None or t == 0:
        return np.zeros(len(pb.bases))
    return pb.coproducts.yard_capacity


def _feedstock_output(pb: Problem, t: int) -> np.ndarray:
    """Most product each base could make in year ``t`` if it had saved all its feedstock for it."""
    made_per_feed = pb.base_yield.sum(axis=1)
    return made_per_feed * (pb.base_stock + pb.base_arising * (t + 1))


def _served(pb: Problem, t: int) -> np.ndarray:
    """(B,) bases with an open route in year t; and (D, P) demand some base can serve."""
    open_routes = pb.route_open[:, t]
    bases = np.zeros(len(pb.bases), bool)
    bases[pb.route_base[open_routes]] = True
    servable = np.zeros((len(pb.nodes), len(pb.products)), bool)
    for r in np.nonzero(open_routes)[0]:
        servable[pb.route_node[r]] |= pb.base_yield[pb.route_base[r]] > 0
    return bases, servable & pb.node_accepts


def precheck(problem: Problem) -> list[str]:
    """Reasons why a hard target is out of reach, from the data alone.

    Parameters
    ----------
    problem
        The problem (Mt units for the wording).

    Returns
    -------
    list of str
        One line per year that cannot meet its target; empty when nothing
        obvious stands in the way (the solve may still be infeasible).
    """
    pb = problem.filled()
    if not pb.target_hard:
        return []
    reasons = []
    for t, year in enumerate(pb.years):
        target = float(pb.target[t])
        if target <= 0:
            continue
        largest = _largest_capacity(pb, t)
        bases, servable = _served(pb, t)
        feed = _feedstock_output(pb, t)
        supply = np.where(bases, np.minimum(largest + _carried(pb, t), feed), 0.0)
        demand = float((pb.demand[:, :, t] * servable).sum())
        limits = []
        if supply.sum() < target:
            limits.append(_capacity_text(pb, largest, feed, bases, t))
        if demand < target:
            total = float(pb.demand[:, :, t].sum())
            limits.append(f"demand that bases can reach and nodes accept {demand:.1f} Mt (of {total:.1f} Mt)")
        if limits:
            reasons.append(f"target {year} of {target:.1f} Mt unreachable: " + "; ".join(limits))
    return reasons


def _capacity_text(pb: Problem, largest: np.ndarray, feed: np.ndarray, bases: np.ndarray, t: int) -> str:
    text = f"base capacity at the largest levels {largest[bases].sum():.1f} Mt/yr"
    fixed = [] if pb.fixed_level is None else np.nonzero(pb.fixed_level[:, t] != LEVEL_FREE)[0]
    if len(fixed):
        text += (
            f" ({len(fixed)} base(s) at fixed levels give {largest[fixed].sum():.1f} Mt/yr: "
            + ", ".join(f"{pb.bases[b]} {largest[b]:.1f}" for b in fixed[:SHOWN])
            + (f" and {len(fixed) - SHOWN} more" if len(fixed) > SHOWN else "")
            + ")"
        )
    short = np.nonzero(bases & (feed < largest))[0]
    if len(short):
        names = ", ".join(f"{pb.bases[b]} {feed[b]:.1f}" for b in short[:SHOWN])
        text += f" (feedstock limits {len(short)} base(s): {names} Mt)"
    unreachable = np.nonzero(~bases & (largest > 0))[0]
    if len(unreachable):
        text += (
            f"; {len(unreachable)} base(s) have no open route: {', '.join(pb.bases[b] for b in unreachable[:SHOWN])}"
        )
    return text


def explain_elastic(instance: Instance, solution: Solution) -> list[str]:
    """Read an elastic solution: each violated target or policy, and the limits that bind.

    Parameters
    ----------
    instance
        The instance that was solved with ``elastic=True``.
    solution
        Its solution (must hold a plan).

    Returns
    -------
    list of str
        One line per violated target or policy and year, each followed by the
        binding limits of that year.
    """
    pb = instance.problem.filled()
    lines = []
    for name, violation in sorted(solution.slack.items()):
        for t, year in enumerate(pb.years):
            amount = float(violation[..., t].sum()) if violation.ndim > 1 else float(violation[t])
            if amount <= 1e-6:
                continue
            lines.append(_violation_text(pb, name, t, year, amount, violation))
            lines += [f"  {b}" for b in binding_limits(instance, solution, t)]
    return lines


def _violation_text(pb: Problem, name: str, t: int, year: int, amount: float, violation: np.ndarray) -> str:
    if name == "target":
        target = float(pb.target[t])
        return f"target {year} of {target:.1f} Mt unreachable: reachable at most {target - amount:.1f} Mt"
    if name == "emissions_cap":
        cap = float(pb.emissions_cap[t]) * 1000
        return f"emissions cap {year} of {cap:,.0f} kt CO2e too tight: the plan needs {cap + amount * 1000:,.0f} kt"
    if violation.ndim > 1:
        nodes = np.nonzero(violation[:, t] > 1e-6)[0]
        worst = ", ".join(f"{pb.nodes[d]} short {violation[d, t]:.2f} Mt" for d in nodes[:SHOWN])
        return f"{name} {year}: missed at {len(nodes)} node(s): {worst}"
    return f"{name} {year}: missed by {amount:.2f} Mt"


def binding_limits(instance: Instance, solution: Solution, t: int) -> list[str]:
    """Capacities used to the full in year ``t``, largest first, in words and numbers."""
    pb = instance.problem.filled()
    out = []
    year_flow = solution.flow_year == t
    per_route = np.bincount(solution.flow_route[year_flow], solution.flow[year_flow], minlength=len(pb.route_base))
    at = solution.quarry_year == t
    per_quarry_route = np.bincount(solution.quarry_route[at], solution.quarry_flow[at], minlength=len(pb.qroute_quarry))
    load = pb.resource_use @ per_route + pb.qroute_resource_use @ per_quarry_route
    cap = pb.resource_capacity[:, t]
    full = np.nonzero(np.isfinite(cap) & (cap > 0) & (load >= FULL * cap))[0]
    table = instance.resources
    for kind in ("rail_market", "terminal", "rail_section", "swap_station"):
        items = [e for e in full if table["kind"].iloc[e] == kind]
        items.sort(key=lambda e: (-cap[e], pb.resources[e]))
        if items:
            days = instance.scenario.trucks.operating_days
            shown = _first_few([_resource_text(table, e, cap[e], days) for e in items])
            out.append(f"{kind.replace('_', ' ')}s full: {shown}")
    out += _base_limits(pb, solution, t)
    out += quarry_limits(pb, solution, t)
    out += yard_limits(pb, solution, t)
    out += period_limits(pb, solution, t)
    return out


def yard_limits(pb: Problem, solution: Solution, t: int) -> list[str]:
    """Base stockyards full at the end of year ``t`` (co-products carried into the next year)."""
    if pb.coproducts is None or solution.stock is None:
        return []
    held = solution.stock[:, :, t].sum(axis=1)
    yard = pb.coproducts.yard_capacity
    full = [b for b in np.nonzero((yard > 0) & (held >= FULL * yard))[0]]
    if not full:
        return []
    shown = _first_few([f"{pb.bases[b]} at {yard[b]:.1f} Mt" for b in full])
    return [f"stockyards full at the year's end: {shown}"]


def period_limits(pb: Problem, solution: Solution, t: int) -> list[str]:
    """Resources full within one period of year ``t`` (a season can bind where the year does not)."""
    pb, per = pb.filled(), solution.periods
    if pb.periods is None or per is None:
        return []
    out = []
    delivered_use, railed_use = _use_by_timing(pb, per)
    for s, name in enumerate(pb.periods.names):
        at = (per.flow_year == t) & (per.flow_period == s)
        routes = np.bincount(per.flow_route[at], per.flow[at], minlength=len(pb.route_base))
        at_q = (per.quarry_year == t) & (per.quarry_period == s)
        quarry_routes = np.bincount(per.quarry_route[at_q], per.quarry_flow[at_q], minlength=len(pb.qroute_quarry))
        load = delivered_use @ routes + pb.qroute_resource_use @ quarry_routes
        if railed_use is not None:
            on = (per.railed.year == t) & (per.railed.period == s)
            load = load + railed_use @ np.bincount(per.railed.route[on], per.railed.flow[on], minlength=len(routes))
        cap = pb.resource_capacity[:, t] * pb.periods.share_of_year[s] * pb.periods.resource_availability[:, s]
        full = [e for e in np.nonzero(np.isfinite(cap) & (cap > 0) & (load >= FULL * cap))[0]]
        if full:
            full.sort(key=lambda e: (-cap[e], pb.resources[e]))
            shown = _first_few([f"{pb.resources[e]} at {cap[e]:.2f} Mt" for e in full])
            out.append(f"in the {name} period, full: {shown}")
        out += _full_terminal_yards(pb, per, t, s)
    return out


def _use_by_timing(pb: Problem, per) -> tuple:
    """The resource use of flows as delivered, and of flows as railed (None without terminal yards)."""
    if pb.terminal_yards is None or per.railed is None:
        return pb.resource_use, None
    yards = pb.terminal_yards
    railed = yards.railed_use @ sparse.diags((yards.route_terminal >= 0).astype(float))
    return pb.resource_use - railed, railed


def _full_terminal_yards(pb: Problem, per, t: int, s: int) -> list[str]:
    """Terminal yards full at the end of period ``s`` of year ``t``."""
    if per.terminal_stock is None:
        return []
    cap, held = pb.terminal_yards.capacity, per.terminal_stock[:, t, s]
    full = [u for u in np.nonzero((cap > 0) & (held >= FULL * cap))[0]]
    if not full:
        return []
    shown = _first_few([f"{pb.terminal_yards.terminals[u]} at {cap[u]:.2f} Mt" for u in full])
    return [f"terminal yards full at the end of the {pb.periods.names[s]} period: {shown}"]


def quarry_limits(pb: Problem, solution: Solution, t: int) -> list[str]:
    """Quarries shipping all they may in year ``t`` (capacity less outside demand), largest first."""
    pb = pb.filled()
    shipped = np.zeros(len(pb.quarries))
    at = solution.quarry_year == t
    np.add.at(shipped, pb.qroute_quarry[solution.quarry_route[at]], solution.quarry_flow[at])
    available = pb.quarry_available[:, t]
    full = [q for q in np.nonzero((available > 0) & (shipped >= FULL * available))[0]]
    if not full:
        return []
    full.sort(key=lambda q: (-available[q], pb.quarries[q]))
    shown = _first_few([f"{pb.quarries[q]} at {available[q]:.1f} Mt/yr" for q in full])
    return [f"quarries at capacity: {len(full)} of {len(pb.quarries)}, {shown}"]


def _resource_text(table, e: int, capacity: float, truck_days: float) -> str:
    row = table.iloc[e]
    if row["kind"] == "swap_station":
        return f"{row['id']} ({row['name']}) at {capacity * 1e6 / truck_days:,.0f} swaps/day"
    return f"{row['id']} ({row['name']}) at {capacity:.1f} Mt/yr"


def _base_limits(pb: Problem, solution: Solution, t: int) -> list[str]:
    largest = _largest_capacity(pb, t)
    made = solution.processed[:, t] * pb.base_yield.sum(axis=1)
    level = solution.level[:, t]
    at_top = np.array([lv >= 0 and pb.level_capacity[lv] >= largest[b] - 1e-9 for b, lv in enumerate(level)])
    full = at_top & (made >= FULL * largest) & (largest > 0)
    out = []
    if full.any():
        out.append(
            f"bases at their largest level and full: {int(full.sum())} of {len(pb.bases)}, "
            f"{largest[full].sum():.1f} of {largest.sum():.1f} Mt/yr"
        )
    used = np.cumsum(solution.processed, axis=1)[:, t]
    available = pb.base_stock + pb.base_arising * (t + 1)
    dry = np.nonzero(np.isfinite(available) & (used >= FULL * available) & (available > 0))[0]
    if len(dry):
        out.append(f"feedstock used up at {len(dry)} base(s): {', '.join(pb.bases[b] for b in dry[:SHOWN])}")
    return out
