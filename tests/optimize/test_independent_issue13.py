"""Issue 13's model pieces checked against an independent re-implementation of docs/MODEL.md.

:func:`scipy_optimum13` writes the MILP of MODEL.md from the page alone (not from ``model.py``), on dense arrays, for
:func:`scipy.optimize.milp`: the quarry block (``nq`` flows, quarry capacity 4q, quarry hauls in the resource rows
5), the import tier with its own CO2e, all transport CO2e (solid waste, quarry hauls, imports) in the emissions cap
(7a) and in the carbon price, the co-product block (constraint 3: product balance as an equality with local market
sales, stockyards carried between years, disposal, end stock charged disposal, production per tonne made; the strong
linking bound (9) widened by the yard) and per-year resource capacities ``C[e,t]`` (a ``rail-into-<city>`` market
that ramps by year). The generator :func:`issue13_instances` draws small instances (at most 3 bases, 3 nodes,
2 quarries, 2 products, 3 years) with and without yards, local markets and free disposal, and every instance is
feasible: each demand row can be left unmet or imported, an emissions cap comes only with unmet demand (which emits
nothing) and the target is soft.

Settings are derandomised and the database is off: the runs are deterministic and offline.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from test_properties import FEAS, OBJ_ABS, TOL

from aggregates.optimize.problem import Coproducts, Problem
from aggregates.optimize.solve import SolverSettings, solve

EXACT = SolverSettings(relative_gap=0.0, time_limit_s=20, shadow_prices=False)
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
THOROUGH = settings(FAST, max_examples=400)
INF = float("inf")


# --------------------------------------------------------------------------------------------------------------------
# Generator


def _array(draw, shape: tuple, elements) -> np.ndarray:
    n = int(np.prod(shape))
    return np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=float).reshape(shape)


@st.composite
def issue13_instances(draw, coproducts: str | None = None, stockpile: bool = False) -> Problem:
    """A small feasible Problem with quarries, imports, co-products and per-year resource capacities.

    ``coproducts`` forces ``free`` (no block: free disposal), ``none`` (block without markets or yards: dispose) or
    ``full`` (markets and yards drawn); by default one of the three is drawn. ``stockpile`` makes stock worth
    keeping: two products and several years, a yard at every base, cheap holding and dear disposal.
    """
    n_b, n_d, n_q = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    n_p, n_t = draw(st.integers(2 if stockpile else 1, 2)), draw(st.integers(2 if stockpile else 1, 3))

    lv_base, lv_number, lv_cap, lv_fixed = [], [], [], []
    for b in range(n_b):
        n_l = draw(st.integers(1, 2))
        lv_base += [b] * n_l
        lv_number += list(range(n_l))
        lv_cap += sorted(draw(st.lists(st.integers(1, 20), min_size=n_l, max_size=n_l, unique=True)))
        lv_fixed += draw(st.lists(st.integers(0, 40), min_size=n_l, max_size=n_l))

    route_base, route_node = [], []
    for b in range(n_b):
        for d in range(n_d):
            chains = draw(st.integers(0, 2))
            route_base += [b] * chains
            route_node += [d] * chains
    n_r = len(route_base)
    qroute_quarry, qroute_node = [], []
    for q in range(n_q):
        for d in range(n_d):
            chains = draw(st.integers(0, 2))
            qroute_quarry += [q] * chains
            qroute_node += [d] * chains
    n_k = len(qroute_quarry)

    # Resources: capacity per year, e.g. a rail-into-city market that ramps up, used by base and quarry routes.
    n_e = draw(st.integers(0, 2))
    use = _array(draw, (n_e, n_r), st.sampled_from([0.0, 0.0, 1.0, 2.0]))
    quse = _array(draw, (n_e, n_k), st.sampled_from([0.0, 0.0, 0.5, 1.0]))
    capacity = np.zeros((n_e, n_t))
    for e in range(n_e):
        if draw(st.booleans()):  # a ramp: non-decreasing by year
            capacity[e] = np.cumsum(_array(draw, (n_t,), st.integers(0, 8)))
        else:
            capacity[e] = _array(draw, (n_t,), st.one_of(st.just(INF), st.integers(0, 20)))

    unmet_penalty = draw(st.sampled_from([None, 150.0, 400.0]))
    imports = st.integers(40, 120) if unmet_penalty is None else st.one_of(st.just(np.nan), st.integers(40, 120))

    pb = Problem(
        years=tuple(range(2022, 2022 + n_t)),
        bases=tuple(f"b{i}" for i in range(n_b)),
        nodes=tuple(f"d{i}" for i in range(n_d)),
        products=tuple(f"p{i}" for i in range(n_p)),
        level_base=np.array(lv_base, dtype=int),
        level_number=np.array(lv_number, dtype=int),
        level_capacity=np.array(lv_cap, dtype=float),
        level_fixed_cost=np.array(lv_fixed, dtype=float),
        base_open_required=_array(draw, (n_b,), st.booleans()).astype(bool),
        base_yield=_array(draw, (n_b, n_p), st.sampled_from([0.3, 0.5, 0.7, 1.0, 0.0])),
        base_stock=_array(draw, (n_b,), st.one_of(st.just(INF), st.integers(0, 30))),
        base_arising=_array(draw, (n_b,), st.one_of(st.just(INF), st.integers(0, 10))),
        base_production_cost=_array(draw, (n_b,), st.integers(0, 15)),
        demand=_array(draw, (n_d, n_p, n_t), st.one_of(st.just(0), st.integers(1, 15))),
        natural_cost=_array(draw, (n_d, n_p, n_t), imports),
        natural_co2e=_array(draw, (n_d, n_p, n_t), st.sampled_from([0.0, 0.5, 1.0, 3.0])),
        unmet_penalty=unmet_penalty,
        route_base=np.array(route_base, dtype=int),
        route_node=np.array(route_node, dtype=int),
        route_cost=_array(draw, (n_r,), st.integers(0, 30)),
        route_co2e=_array(draw, (n_r, n_t), st.sampled_from([0.0, 0.5, 1.0, 2.0])),
        route_open=_array(draw, (n_r, n_t), st.sampled_from([True, True, True, False])).astype(bool),
        node_accepts=draw(st.one_of(st.none(), _bools(n_d, n_p))),
        resources=tuple(f"e{i}" for i in range(n_e)),
        resource_use=sparse.csr_matrix(use),
        resource_capacity=capacity,
        carbon_price=draw(st.one_of(st.none(), _floats(n_t, [0, 2, 10]))),
        year_weight=draw(st.one_of(st.none(), _floats(n_t, [1, 0.9, 0.5]))),
        allow_closing=draw(st.booleans()),
        strong_linking=draw(st.booleans()),
        quarries=tuple(f"q{i}" for i in range(n_q)),
        quarry_available=_array(draw, (n_q, n_t), st.sampled_from([0.0, 2.0, 5.0, 12.0])),
        quarry_price=_array(draw, (n_q, n_p), st.one_of(st.just(np.nan), st.integers(10, 60))),
        qroute_quarry=np.array(qroute_quarry, dtype=int),
        qroute_node=np.array(qroute_node, dtype=int),
        qroute_cost=_array(draw, (n_k,), st.integers(0, 40)),
        qroute_co2e=_array(draw, (n_k, n_t), st.sampled_from([0.0, 1.0, 2.0])),
        qroute_open=_array(draw, (n_k, n_t), st.sampled_from([True, True, False])).astype(bool),
        qroute_resource_use=sparse.csr_matrix(quse),
    )
    mode = "full" if stockpile else coproducts or draw(st.sampled_from(["free", "none", "full", "full"]))
    if mode != "free":
        n_m = draw(st.integers(1, 2)) if mode == "full" else 0
        pb = replace(
            pb,
            coproducts=Coproducts(
                base_market=_array(draw, (n_b,), st.integers(-1, n_m - 1)).astype(int),
                market_absorption=_array(draw, (n_m, n_p, n_t), st.sampled_from([0.0, 1.0, 4.0, 10.0])),
                market_price=_array(draw, (n_m, n_p, n_t), st.sampled_from([-5.0, 0.0, 8.0, 20.0])),
                yard_capacity=_array(draw, (n_b,), st.sampled_from([3.0, 10.0] if stockpile else [0.0, 3.0, 10.0]))
                if mode == "full"
                else np.zeros(n_b),
                holding_cost=_array(draw, (n_b,), st.sampled_from([0.0, 1.0] if stockpile else [0.0, 1.0, 5.0])),
                disposal_cost=_array(draw, (n_b,), st.sampled_from([12.0, 40.0] if stockpile else [0.0, 3.0, 12.0])),
            ),
        )
    if draw(st.booleans()):
        pb = replace(
            pb,
            target=_array(draw, (n_t,), st.integers(0, 30)),
            target_hard=False,
            shortfall_penalty=draw(st.sampled_from([0.0, 20.0, 200.0])),
        )
    if unmet_penalty is not None and draw(st.booleans()):
        pb = replace(pb, emissions_cap=_array(draw, (n_t,), st.one_of(st.just(INF), st.integers(0, 30))))
    pb.check()
    return pb


def _bools(*shape):
    n = int(np.prod(shape))
    return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: np.array(v, bool).reshape(shape))


def _floats(n, values):
    return st.lists(st.sampled_from(values), min_size=n, max_size=n).map(lambda v: np.array(v, float))


# --------------------------------------------------------------------------------------------------------------------
# MODEL.md, written from the page


class _Lp:
    """Named variables and rows, collected as dictionaries and handed to scipy at the end."""

    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[dict, float, float]] = []

    def var(self, key: tuple, cost: float = 0.0, upper: float = INF, integer: bool = False) -> int:
        self.index[key] = len(self.cost)
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(int(integer))
        return self.index[key]

    def get(self, key: tuple) -> int | None:
        return self.index.get(key)

    def row(self, terms: dict, lb: float = -INF, ub: float = INF) -> None:
        terms = {j: c for j, c in terms.items() if j is not None and c != 0}
        if terms:
            self.rows.append((terms, lb, ub))
        else:
            assert lb <= 1e-12 and ub >= -1e-12, "an empty row that cannot hold"

    def add(self, terms: dict, key: tuple, coef: float) -> None:
        j = self.get(key)
        if j is not None:
            terms[j] = terms.get(j, 0.0) + coef

    def solve(self) -> float:
        matrix = sparse.lil_matrix((len(self.rows), len(self.cost)))
        for i, (terms, _, _) in enumerate(self.rows):
            for j, c in terms.items():
                matrix[i, j] += c
        result = milp(
            np.array(self.cost),
            constraints=LinearConstraint(matrix.tocsr(), [r[1] for r in self.rows], [r[2] for r in self.rows]),
            integrality=np.array(self.integer),
            bounds=Bounds(np.zeros(len(self.cost)), np.array(self.upper)),
            options={"mip_rel_gap": 0.0, "time_limit": 20.0},
        )
        assert result.status == 0, result.message
        return float(result.fun)


def scipy_optimum13(pb: Problem) -> float:
    """Optimum of MODEL.md (quarries, imports, co-products, per-year capacities) on dense arrays (``pb`` filled)."""
    n_b, n_d, n_p, n_t = len(pb.bases), len(pb.nodes), len(pb.products), len(pb.years)
    n_r, n_k, n_q, n_l = len(pb.route_base), len(pb.qroute_quarry), len(pb.quarries), len(pb.level_base)
    w, cp, q = pb.year_weight, pb.carbon_price, pb.demand
    co = pb.coproducts
    yard = co.yard_capacity if co is not None else np.zeros(n_b)
    lp = _Lp()

    # Variables (MODEL.md "Variables"), each created only where it can be used, with its objective coefficient.
    for r, p, t in np.ndindex(n_r, n_p, n_t):
        b, d = pb.route_base[r], pb.route_node[r]
        if pb.route_open[r, t] and q[d, p, t] > 0 and pb.base_yield[b, p] > 0 and pb.node_accepts[d, p]:
            unit = pb.route_cost[r] + cp[t] * pb.route_co2e[r, t]
            if co is None:  # free disposal: production charged per t shipped
                unit += pb.base_production_cost[b]
            lp.var(("x", r, p, t), w[t] * unit)
    for k, p, t in np.ndindex(n_k, n_p, n_t):
        qq, d = pb.qroute_quarry[k], pb.qroute_node[k]
        price = pb.quarry_price[qq, p]
        if pb.qroute_open[k, t] and q[d, p, t] > 0 and np.isfinite(price) and pb.quarry_available[qq, t] > 0:
            lp.var(("nq", k, p, t), w[t] * (price + pb.qroute_cost[k] + cp[t] * pb.qroute_co2e[k, t]))
    for d, p, t in np.ndindex(n_d, n_p, n_t):
        if q[d, p, t] <= 0:
            continue
        if np.isfinite(pb.natural_cost[d, p, t]):
            lp.var(("n", d, p, t), w[t] * (pb.natural_cost[d, p, t] + cp[t] * pb.natural_co2e[d, p, t]))
        if pb.unmet_penalty is not None:
            lp.var(("u", d, p, t), w[t] * pb.unmet_penalty)
    for b, t in np.ndindex(n_b, n_t):
        made = pb.base_yield[b].sum()
        lp.var(("h", b, t), 0.0 if co is None else w[t] * pb.base_production_cost[b] * made)  # production per t made
    for lv, t in np.ndindex(n_l, n_t):
        lp.var(("z", lv, t), w[t] * pb.level_fixed_cost[lv], upper=1.0, integer=True)
    for t in range(n_t):
        if pb.target[t] > 0 and not pb.target_hard:
            lp.var(("s", t), w[t] * pb.shortfall_penalty)
    if co is not None:
        for b, p, t in np.ndindex(n_b, n_p, n_t):
            if pb.base_yield[b, p] <= 0:
                continue
            m = co.base_market[b]
            if m >= 0 and co.market_absorption[m, p, t] > 0:
                lp.var(("loc", b, p, t), -w[t] * co.market_price[m, p, t])
            lp.var(("dis", b, p, t), w[t] * co.disposal_cost[b])
            if yard[b] > 0:
                end = co.disposal_cost[b] if t == n_t - 1 else 0.0  # end stock goes somewhere: disposal
                lp.var(("stk", b, p, t), w[t] * (co.holding_cost[b] + end))

    x_in = {(d, p, t): [] for d, p, t in np.ndindex(n_d, n_p, n_t)}
    for key in lp.index:
        if key[0] == "x":
            _, r, p, t = key
            x_in[pb.route_node[r], p, t].append(r)

    # 1. Demand balance
    for d, p, t in np.ndindex(n_d, n_p, n_t):
        if q[d, p, t] <= 0:
            continue
        terms = {lp.get(("x", r, p, t)): 1.0 for r in x_in[d, p, t]}
        for k in np.flatnonzero(pb.qroute_node == d):
            lp.add(terms, ("nq", k, p, t), 1.0)
        lp.add(terms, ("n", d, p, t), 1.0)
        lp.add(terms, ("u", d, p, t), 1.0)
        lp.row(terms, q[d, p, t], q[d, p, t])

    for b in range(n_b):
        mine = np.flatnonzero(pb.level_base == b)
        mine = mine[np.lexsort((pb.level_capacity[mine], pb.level_number[mine]))]
        routes = np.flatnonzero(pb.route_base == b)
        for t in range(n_t):
            # 2. Base capacity
            lp.row(
                {
                    lp.get(("h", b, t)): pb.base_yield[b].sum(),
                    **{lp.get(("z", lv, t)): -pb.level_capacity[lv] for lv in mine},
                },
                ub=0.0,
            )
            # 3. Product balance
            for p in range(n_p):
                if pb.base_yield[b, p] <= 0:
                    continue
                terms = {lp.get(("x", r, p, t)): 1.0 for r in routes}
                lp.add(terms, ("h", b, t), -pb.base_yield[b, p])
                if co is None:
                    if any(("x", r, p, t) in lp.index for r in routes):
                        lp.row(terms, ub=0.0)
                    continue
                lp.add(terms, ("loc", b, p, t), 1.0)
                lp.add(terms, ("dis", b, p, t), 1.0)
                lp.add(terms, ("stk", b, p, t), 1.0)
                if t > 0:
                    lp.add(terms, ("stk", b, p, t - 1), -1.0)
                lp.row(terms, 0.0, 0.0)
            if co is not None and yard[b] > 0:
                lp.row({lp.get(("stk", b, p, t)): 1.0 for p in range(n_p)}, ub=yard[b])
            # 4. Feedstock (cumulative)
            available = pb.base_stock[b] + pb.base_arising[b] * (t + 1)
            if np.isfinite(pb.base_stock[b]) and np.isfinite(pb.base_arising[b]):
                lp.row({lp.get(("h", b, j)): 1.0 for j in range(t + 1)}, ub=available)
            # 8. Capacity levels
            must = pb.base_open_required[b] and not pb.allow_closing
            lp.row({lp.get(("z", lv, t)): 1.0 for lv in mine}, lb=1.0 if must else -INF, ub=1.0)
            if not pb.allow_closing and t + 1 < n_t:
                for pos in range(len(mine)):
                    later = mine[pos:]
                    lp.row(
                        {
                            **{lp.get(("z", lv, t)): 1.0 for lv in later},
                            **{lp.get(("z", lv, t + 1)): -1.0 for lv in later},
                        },
                        ub=0.0,
                    )
            # 9. Strong linking, plus the stock carried in
            if pb.strong_linking:
                for d in range(n_d):
                    terms = {}
                    for r in routes[pb.route_node[routes] == d]:
                        for p in range(n_p):
                            lp.add(terms, ("x", r, p, t), 1.0)
                    if not terms:
                        continue
                    bound = min(q[d, :, t].sum(), pb.level_capacity[mine].max())
                    for lv in mine:
                        terms[lp.get(("z", lv, t))] = -bound
                    for p in range(n_p):
                        lp.add(terms, ("stk", b, p, t - 1), -1.0)
                    lp.row(terms, ub=0.0)

    # 3. Local markets, shared by the bases of a city
    if co is not None:
        for m, p, t in np.ndindex(*co.market_absorption.shape):
            terms = {}
            for b in np.flatnonzero(co.base_market == m):
                lp.add(terms, ("loc", b, p, t), 1.0)
            lp.row(terms, ub=co.market_absorption[m, p, t])

    # 4q. Quarry capacity
    for qq, t in np.ndindex(n_q, n_t):
        terms = {}
        for k in np.flatnonzero(pb.qroute_quarry == qq):
            for p in range(n_p):
                lp.add(terms, ("nq", k, p, t), 1.0)
        lp.row(terms, ub=pb.quarry_available[qq, t])

    # 5. Resource capacities, per year
    use, quse = pb.resource_use.toarray(), pb.qroute_resource_use.toarray()
    for e, t in np.ndindex(len(pb.resources), n_t):
        if not np.isfinite(pb.resource_capacity[e, t]):
            continue
        terms = {}
        for r, p in np.ndindex(n_r, n_p):
            lp.add(terms, ("x", r, p, t), use[e, r])
        for k, p in np.ndindex(n_k, n_p):
            lp.add(terms, ("nq", k, p, t), quse[e, k])
        lp.row(terms, ub=pb.resource_capacity[e, t])

    for t in range(n_t):
        # 6. Substitution target: solid-waste tonnes only
        if pb.target[t] > 0:
            terms = {}
            for r, p in np.ndindex(n_r, n_p):
                lp.add(terms, ("x", r, p, t), 1.0)
            lp.add(terms, ("s", t), 1.0)
            lp.row(terms, lb=pb.target[t])
        # 7a. Emissions cap: every delivered tonne
        if np.isfinite(pb.emissions_cap[t]):
            terms = {}
            for r, p in np.ndindex(n_r, n_p):
                lp.add(terms, ("x", r, p, t), pb.route_co2e[r, t])
            for k, p in np.ndindex(n_k, n_p):
                lp.add(terms, ("nq", k, p, t), pb.qroute_co2e[k, t])
            for d, p in np.ndindex(n_d, n_p):
                lp.add(terms, ("n", d, p, t), pb.natural_co2e[d, p, t])
            lp.row(terms, ub=pb.emissions_cap[t])
    return lp.solve()


# --------------------------------------------------------------------------------------------------------------------
# The objective of a solution, term by term from MODEL.md's objective, and the balance invariants


def solved(pb: Problem):
    sol = solve(pb, EXACT)
    assert sol.status == "optimal", (sol.status, sol.detail)
    return sol


def shipped_by_base(pb: Problem, sol) -> np.ndarray:
    out = np.zeros((len(pb.bases), len(pb.products), len(pb.years)))
    np.add.at(out, (pb.route_base[sol.flow_route], sol.flow_product, sol.flow_year), sol.flow)
    return out


def recomputed_objective(pb: Problem, sol) -> float:
    """MODEL.md's objective evaluated on the solution's arrays (``pb`` filled)."""
    w, cp, co = pb.year_weight, pb.carbon_price, pb.coproducts
    n_t = len(pb.years)
    level = np.maximum(sol.level, 0)
    total = float(np.sum(np.where(sol.level >= 0, pb.level_fixed_cost[level], 0.0) * w[None, :]))
    r, t, f = sol.flow_route, sol.flow_year, sol.flow
    total += float(np.sum(w[t] * (pb.route_cost[r] + cp[t] * pb.route_co2e[r, t]) * f))
    if co is None:
        total += float(np.sum(w[t] * pb.base_production_cost[pb.route_base[r]] * f))
    else:
        made = pb.base_yield.sum(axis=1)[:, None] * sol.processed
        total += float(np.sum(w[None, :] * pb.base_production_cost[:, None] * made))
        m = co.base_market
        price = np.where(m[:, None, None] >= 0, co.market_price[np.maximum(m, 0)] if len(co.market_price) else 0.0, 0.0)
        total -= float(np.sum(w * price * sol.local_sold))
        total += float(np.sum(w * co.holding_cost[:, None, None] * sol.stock))
        total += float(np.sum(w * co.disposal_cost[:, None, None] * sol.disposed))
        total += float(np.sum(w[n_t - 1] * co.disposal_cost[:, None] * sol.stock[:, :, n_t - 1]))
    k, p, t, f = sol.quarry_route, sol.quarry_product, sol.quarry_year, sol.quarry_flow
    unit = pb.quarry_price[pb.qroute_quarry[k], p] + pb.qroute_cost[k] + cp[t] * pb.qroute_co2e[k, t]
    total += float(np.sum(w[t] * unit * f))
    imported = np.where(np.isfinite(pb.natural_cost), pb.natural_cost + cp * pb.natural_co2e, 0.0)
    total += float(np.sum(w * imported * sol.natural))
    if pb.unmet_penalty is not None:
        total += float(np.sum(w * pb.unmet_penalty * sol.unmet))
    if not pb.target_hard:
        total += float(np.sum(w * pb.shortfall_penalty * sol.shortfall))
    return total


def assert_invariants(pb: Problem, sol) -> None:
    """Every tonne made accounted for, quarry flows within availability, resources within C[e,t] (``pb`` filled)."""
    n_d, n_p, n_t = len(pb.nodes), len(pb.products), len(pb.years)
    co = pb.coproducts
    shipped = shipped_by_base(pb, sol)
    made = pb.base_yield[:, :, None] * sol.processed[:, None, :]  # (B, P, T)
    capacity = np.where(sol.level >= 0, pb.level_capacity[np.maximum(sol.level, 0)], 0.0)
    assert np.all(made.sum(axis=1) <= capacity + FEAS)
    if co is None:
        assert sol.local_sold is None and sol.disposed is None and sol.stock is None
        assert np.all(shipped <= made + FEAS)
    else:
        for name in ("local_sold", "disposed", "stock"):
            assert np.all(getattr(sol, name) >= 0), name
        added = sol.stock - np.concatenate([np.zeros(sol.stock[:, :, :1].shape), sol.stock[:, :, :-1]], axis=2)
        np.testing.assert_allclose(shipped + sol.local_sold + sol.disposed + added, made, rtol=0, atol=FEAS)
        assert np.all(sol.stock.sum(axis=1) <= co.yard_capacity[:, None] + FEAS)
        for m in range(len(co.market_absorption)):
            sold = sol.local_sold[co.base_market == m].sum(axis=0)
            assert np.all(sold <= co.market_absorption[m] + FEAS)
        assert np.all(sol.local_sold[co.base_market < 0] == 0)
    k, p, t, f = sol.quarry_route, sol.quarry_product, sol.quarry_year, sol.quarry_flow
    assert (
        np.all(f > 0) and np.all(pb.qroute_open[k, t]) and np.all(np.isfinite(pb.quarry_price[pb.qroute_quarry[k], p]))
    )
    per_quarry = np.zeros(pb.quarry_available.shape)
    np.add.at(per_quarry, (pb.qroute_quarry[k], t), f)
    assert np.all(per_quarry <= pb.quarry_available + FEAS)
    per_route = np.zeros((len(pb.route_base), n_t))
    np.add.at(per_route, (sol.flow_route, sol.flow_year), sol.flow)
    per_qroute = np.zeros((len(pb.qroute_quarry), n_t))
    np.add.at(per_qroute, (k, t), f)
    load = pb.resource_use @ per_route + pb.qroute_resource_use @ per_qroute
    assert np.all(load <= pb.resource_capacity + FEAS)
    delivered = np.zeros((n_d, n_p, n_t))
    np.add.at(delivered, (pb.route_node[sol.flow_route], sol.flow_product, sol.flow_year), sol.flow)
    np.add.at(delivered, (pb.qroute_node[k], p, t), f)
    np.testing.assert_allclose(delivered + sol.natural + sol.unmet, pb.demand, rtol=0, atol=FEAS)
    co2e = np.zeros(n_t) + np.bincount(
        sol.flow_year, weights=sol.flow * pb.route_co2e[sol.flow_route, sol.flow_year], minlength=n_t
    )
    co2e = co2e + np.bincount(t, weights=f * pb.qroute_co2e[k, t], minlength=n_t)
    co2e += (pb.natural_co2e * sol.natural).sum(axis=(0, 1))
    assert np.all(co2e <= pb.emissions_cap + FEAS)


def check(problem: Problem):
    """The solution keeps the invariants, its objective is MODEL.md's and equals the independent optimum."""
    pb = problem.filled()
    sol = solved(problem)
    assert_invariants(pb, sol)
    assert sol.objective == pytest.approx(recomputed_objective(pb, sol), rel=TOL, abs=OBJ_ABS)
    assert sol.objective == pytest.approx(scipy_optimum13(pb), rel=TOL, abs=OBJ_ABS)
    return sol


# --------------------------------------------------------------------------------------------------------------------
# Tests


@FAST
@given(issue13_instances())
def test_matches_an_independent_scipy_milp_with_quarries_and_coproducts(problem):
    check(problem)


@pytest.mark.slow
@THOROUGH
@given(issue13_instances())
def test_matches_an_independent_scipy_milp_thorough(problem):
    check(problem)


@pytest.mark.slow
@FAST
@given(issue13_instances(stockpile=True))
def test_stockpiles_match_and_strong_linking_is_redundant(problem):
    sol = check(problem)
    flipped = solved(replace(problem, strong_linking=not problem.strong_linking))
    assert flipped.objective == pytest.approx(sol.objective, rel=TOL, abs=OBJ_ABS)


@pytest.mark.slow
@THOROUGH
@given(issue13_instances(stockpile=True))
def test_stockpiles_match_thorough(problem):
    check(problem)


def closing_with_stock(strong_linking: bool) -> Problem:
    """Base A (10 a year, fixed 100, yard 10) is cheap to run in 2022 (weight 0.5); N wants 10 in 2023 only.

    Best: run A in 2022, stock 10, close it in 2023 and ship the stock: 0.5 x (100 + 10 made + 10 held) + 10 x 1
    transport = 70. Running A in 2023 instead costs 100 + 10 + 10 = 120; importing costs 1,000.
    """
    n_t = 2
    return Problem(
        years=(2022, 2023),
        bases=("A",),
        nodes=("N",),
        products=("sand",),
        level_base=np.array([0]),
        level_number=np.array([0]),
        level_capacity=np.array([10.0]),
        level_fixed_cost=np.array([100.0]),
        base_open_required=np.array([False]),
        base_yield=np.array([[1.0]]),
        base_stock=np.array([INF]),
        base_arising=np.array([INF]),
        base_production_cost=np.array([1.0]),
        demand=np.array([[[0.0, 10.0]]]),
        natural_cost=np.full((1, 1, n_t), 100.0),
        unmet_penalty=None,
        route_base=np.array([0]),
        route_node=np.array([0]),
        route_cost=np.array([1.0]),
        route_co2e=np.zeros((1, n_t)),
        route_open=np.ones((1, n_t), bool),
        year_weight=np.array([0.5, 1.0]),
        allow_closing=True,
        strong_linking=strong_linking,
        coproducts=Coproducts(
            base_market=np.array([-1]),
            market_absorption=np.zeros((0, 1, n_t)),
            market_price=np.zeros((0, 1, n_t)),
            yard_capacity=np.array([10.0]),
            holding_cost=np.array([1.0]),
            disposal_cost=np.array([5.0]),
        ),
    )


@pytest.mark.parametrize("strong_linking", [True, False])
def test_a_closed_base_ships_its_stock_whatever_the_strong_linking(strong_linking):
    # Before the fix the strong-linking row (9) was `<= min(demand, K + yard) x open`: with it on, a closed base could
    # not ship its stock and the optimum was 120, not 70 -- a "redundant" row that changed the answer.
    pb = closing_with_stock(strong_linking)
    sol = solved(pb)
    assert sol.objective == pytest.approx(70.0)
    assert sol.level.tolist() == [[0, -1]]
    np.testing.assert_allclose(sol.stock[0, 0], [10.0, 0.0], atol=FEAS)
    assert scipy_optimum13(pb.filled()) == pytest.approx(70.0)
