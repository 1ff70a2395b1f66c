"""The allocation MILP of MODEL.md as an OR-Tools MathOpt model, built from a :class:`Problem`.

:func:`build_model` creates every variable and row from the plain arrays (docs/MODEL.md
lists them with their config keys); :mod:`aggregates.optimize.solve` solves the model and
reads the solution back. The order of variables and rows is fixed, so the same problem
always gives the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.math_opt.python import mathopt
from scipy import sparse

from aggregates.optimize.problem import Periods, Problem


@dataclass
class Built:
    """The MathOpt model and handles to its variables and rows."""

    model: mathopt.Model
    x: list
    x_route: np.ndarray
    x_product: np.ndarray
    x_year: np.ndarray
    z: dict  # (level, t) -> var
    h: dict  # (b, t, s) -> var
    natural: dict
    unmet: dict
    shortfall: dict
    slack: dict  # name -> {t or (d, t): var}
    rows: dict  # kind -> {key: constraint}
    coproducts: dict = field(default_factory=dict)  # "local", "disposed", "stock" -> {(b, p, t, s): var}
    nq: list = field(default_factory=list)  # quarry flows
    nq_route: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    nq_product: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    nq_year: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    x_period: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    nq_period: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    legs: RailLegs | None = None  # terminal yards: rail legs, tonnes railed and in stock per (leg, p, t, s)


@dataclass
class RailLegs:
    """Rail legs into terminal yards (:class:`~aggregates.optimize.problem.TerminalYards`).

    Attributes
    ----------
    of_route
        (R,) leg index of each route, -1 for a route whose tonnes are railed as they are delivered.
    terminal, route, base
        (G,) each leg's terminal yard, one of its routes (whose railed resource use is the leg's) and base.
    railed, stock
        {(leg, p, t, s): var}: tonnes railed in the period, and in the yard at its end.
    """

    of_route: np.ndarray
    terminal: np.ndarray
    route: np.ndarray
    base: np.ndarray
    railed: dict = field(default_factory=dict)
    stock: dict = field(default_factory=dict)


def periods_of(pb: Problem) -> Periods:
    """The problem's periods; one period per year when it has none."""
    return pb.periods if pb.periods is not None else Periods.one(len(pb.resources))


def _flow_index(pb: Problem) -> tuple[np.ndarray, ...]:
    """(route, product, year, period) of every flow variable worth creating."""
    n_r, n_p, n_t = len(pb.route_base), len(pb.products), len(pb.years)
    wanted = pb.route_open[:, None, :] & (pb.demand[pb.route_node] > 0)  # (R, P, T)
    wanted &= ((pb.base_yield[pb.route_base] > 0) & pb.node_accepts[pb.route_node])[:, :, None]
    in_period = periods_of(pb).demand_share > 0
    r, p, t, s = np.nonzero(wanted.reshape(n_r, n_p, n_t)[..., None] & in_period)
    return r, p, t, s


def _quarry_flow_index(pb: Problem) -> tuple[np.ndarray, ...]:
    """(quarry route, product, year, period) of every quarry flow worth creating."""
    k_n, n_p, n_t = len(pb.qroute_quarry), len(pb.products), len(pb.years)
    wanted = pb.qroute_open[:, None, :] & (pb.demand[pb.qroute_node] > 0)  # (K, P, T)
    wanted &= np.isfinite(pb.quarry_price[pb.qroute_quarry])[:, :, None]
    wanted &= (pb.quarry_available[pb.qroute_quarry] > 0)[:, None, :]
    periods = periods_of(pb)
    in_period = (periods.demand_share > 0) & (periods.share_of_year * periods.quarry_availability > 0)
    k, p, t, s = np.nonzero(wanted.reshape(k_n, n_p, n_t)[..., None] & in_period)
    return k, p, t, s


def _groups(keys: np.ndarray) -> list[tuple[tuple, np.ndarray]]:
    """Split positions by key rows (2-D int array), sorted by key."""
    if len(keys) == 0:
        return []
    order = np.lexsort(keys.T[::-1])
    k = keys[order]
    cut = np.nonzero(np.any(k[1:] != k[:-1], axis=1))[0] + 1
    starts = np.concatenate([[0], cut])
    return [(tuple(int(v) for v in k[s]), pos) for s, pos in zip(starts, np.split(order, cut), strict=True)]


def _row(model: mathopt.Model, terms: list[tuple], lb: float = -np.inf, ub: float = np.inf):
    con = model.add_linear_constraint(lb=lb, ub=ub)
    for var, coef in terms:
        con.set_coefficient(var, coef)
    return con


class Builder:
    def __init__(self, pb: Problem, elastic: bool, elastic_penalty: float):
        self.pb = pb
        self.elastic = elastic
        self.penalty = elastic_penalty
        self.m = mathopt.Model(name="aggregates")
        self.per = periods_of(pb)
        self.n_s = len(self.per.names)
        self.obj: dict = {}
        self.rows: dict[str, dict] = {}
        self.s: dict = {}
        self.slacks: dict[str, dict] = {}

    def cost(self, var, coef: float) -> None:
        if coef:
            self.obj[var] = self.obj.get(var, 0.0) + coef

    def build(self) -> Built:
        pb = self.pb
        xr, xp, xt, xs = _flow_index(pb)
        m = self.m
        self.x = [m.add_variable(lb=0.0) for _ in range(len(xr))]
        self.xr, self.xp, self.xt, self.xs = xr, xp, xt, xs
        self.legs = _rail_legs(pb) if self.n_s > 1 else None
        self.x_leg = self.legs.of_route[xr] if self.legs is not None else np.full(len(xr), -1)
        w = pb.year_weight
        # With co-products, production is charged per unit made (on h, in _bases), not per unit shipped.
        production = 0.0 if pb.coproducts is not None else pb.base_production_cost[pb.route_base[xr]]
        unit = production + pb.route_cost[xr] + pb.carbon_price[xt] * pb.route_co2e[xr, xt]
        for var, c in zip(self.x, w[xt] * unit, strict=True):
            self.cost(var, float(c))
        self._levels()
        self._quarries()
        self._demand()
        self._terminal_yards()
        self._bases()
        self._resources()
        self._target()
        self._emissions()
        self._shares()
        self._coverage()
        if pb.strong_linking:
            self._linking()
        m.objective.is_maximize = False
        for var, c in self.obj.items():
            m.objective.set_linear_coefficient(var, c)
        built = Built(
            m,
            self.x,
            xr,
            xp,
            xt,
            self.z,
            self.h,
            self.n,
            self.u,
            self.s,
            self.slacks,
            self.rows,
            self.cp,
            *self._nq_handles(),
            xs,
            self.sq,
            self.legs,
        )
        return built

    def _nq_handles(self) -> tuple:
        return self.nq, self.kq, self.pq, self.tq

    def _quarries(self) -> None:
        """Quarry flows ``nq[k,p,t]``, their cost and one capacity row per (quarry, year)."""
        pb, m = self.pb, self.m
        self.kq, self.pq, self.tq, self.sq = _quarry_flow_index(pb)
        self.nq = [m.add_variable(lb=0.0) for _ in range(len(self.kq))]
        q = pb.qroute_quarry[self.kq]
        unit = (
            pb.quarry_price[q, self.pq]
            + pb.qroute_cost[self.kq]
            + pb.carbon_price[self.tq] * pb.qroute_co2e[self.kq, self.tq]
        )
        for var, c in zip(self.nq, pb.year_weight[self.tq] * unit, strict=True):
            self.cost(var, float(c))
        rows = self.rows.setdefault("quarry_capacity", {})
        per = self.per
        for (qi, t, s), pos in _groups(np.column_stack([q, self.tq, self.sq])):
            cap = float(pb.quarry_available[qi, t] * per.share_of_year[s] * per.quarry_availability[s])
            rows[qi, t, s] = _row(m, [(self.nq[i], 1.0) for i in pos], ub=cap)

    def _elastic(self, name: str, key, row_terms: list, weight: float) -> list:
        """Add a violation variable to a row in elastic mode."""
        if not self.elastic:
            return row_terms
        var = self.m.add_variable(lb=0.0)
        self.slacks.setdefault(name, {})[key] = var
        self.cost(var, self.penalty * weight)
        return [*row_terms, (var, 1.0)]

    def _levels(self) -> None:
        pb, m = self.pb, self.m
        self.z, self.h = {}, {}
        n_t = len(pb.years)
        allowed = pb.level_allowed()
        for lv in range(len(pb.level_base)):
            for t in range(n_t):
                var = m.add_binary_variable()
                if not allowed[lv, t]:
                    var.upper_bound = 0.0
                self.z[lv, t] = var
                self.cost(var, float(pb.year_weight[t] * pb.level_fixed_cost[lv]))
        by_base = self._levels_of_base()
        for b, lvs in by_base.items():
            required = bool(pb.base_open_required[b])
            for t in range(n_t):
                self.rows.setdefault("one_level", {})[b, t] = _row(
                    m,
                    [(self.z[lv, t], 1.0) for lv in lvs],
                    lb=1.0 if (required and not pb.allow_closing) or pb.level_forced_open(b, t) else -np.inf,
                    ub=1.0,
                )
            if pb.allow_closing:
                continue
            for k in range(len(lvs)):
                upper = lvs[k:]  # levels at least as large as level k
                for t in range(n_t - 1):
                    terms = [(self.z[lv, t], 1.0) for lv in upper] + [(self.z[lv, t + 1], -1.0) for lv in upper]
                    _row(m, terms, ub=0.0)

    def _levels_of_base(self) -> dict[int, list[int]]:
        pb = self.pb
        out: dict[int, list[int]] = {}
        for lv in np.lexsort((pb.level_capacity, pb.level_number, pb.level_base)):
            out.setdefault(int(pb.level_base[lv]), []).append(int(lv))
        return out

    def _demand(self) -> None:
        pb = self.pb
        self.n, self.u = {}, {}
        rows = self.rows.setdefault("demand", {})
        flows = {k: pos for k, pos in _groups(np.column_stack([pb.route_node[self.xr], self.xp, self.xt, self.xs]))}
        quarry = {k: pos for k, pos in _groups(np.column_stack([pb.qroute_node[self.kq], self.pq, self.tq, self.sq]))}
        for d, p, t in zip(*np.nonzero(pb.demand > 0), strict=True):
            for s in np.nonzero(self.per.demand_share > 0)[0]:
                self._demand_row(rows, flows, quarry, (int(d), int(p), int(t)), int(s))

    def _demand_row(self, rows: dict, flows: dict, quarry: dict, year_key: tuple, s: int) -> None:
        """Constraint 1 in one period: flows + quarry hauls + natural + unmet = the period's demand."""
        pb, m = self.pb, self.m
        t = year_key[2]
        key = (*year_key, s)
        terms = [(self.x[i], 1.0) for i in flows.get(key, ())]
        terms += [(self.nq[i], 1.0) for i in quarry.get(key, ())]
        w = float(pb.year_weight[t])
        if np.isfinite(pb.natural_cost[year_key]):
            var = m.add_variable(lb=0.0)
            self.n[key] = var
            carbon = float(pb.carbon_price[t] * pb.natural_co2e[year_key])
            self.cost(var, w * (float(pb.natural_cost[year_key]) + carbon))
            terms.append((var, 1.0))
        if pb.unmet_penalty is not None:
            var = m.add_variable(lb=0.0)
            self.u[key] = var
            self.cost(var, w * float(pb.unmet_penalty))
            terms.append((var, 1.0))
        q = float(pb.demand[year_key] * self.per.demand_share[s])
        rows[key] = _row(m, terms, lb=q, ub=q)

    def _bases(self) -> None:
        pb, m = self.pb, self.m
        n_t = len(pb.years)
        direct = np.flatnonzero(self.x_leg < 0)  # a flow into a terminal yard leaves the base when railed
        keys = np.column_stack([pb.route_base[self.xr[direct]], self.xp[direct], self.xt[direct], self.xs[direct]])
        flows = {k: direct[pos] for k, pos in _groups(keys)}
        railed = self._railed_by_base()
        cap_rows = self.rows.setdefault("base_capacity", {})
        by_base = self._levels_of_base()
        self.cp: dict[str, dict] = {"local": {}, "disposed": {}, "stock": {}}
        per = self.per
        for b in range(len(pb.bases)):
            made = float(pb.base_yield[b].sum())
            hs = []
            for t in range(n_t):
                hs.append([])
                for s in range(self.n_s):
                    h = m.add_variable(lb=0.0)
                    self.h[b, t, s] = h
                    hs[t].append(h)
                    if pb.coproducts is not None:
                        self.cost(h, float(pb.year_weight[t] * pb.base_production_cost[b]) * made)
                    # Levels are chosen per year; a period has its share of the year's capacity.
                    part = float(per.share_of_year[s] * per.base_availability[s])
                    levels = [(self.z[lv, t], -float(pb.level_capacity[lv]) * part) for lv in by_base.get(b, [])]
                    cap_rows[b, t, s] = _row(m, [(h, made), *levels], ub=0.0)
                    for p in range(len(pb.products)):
                        key = (b, p, t, s)
                        self._product_balance(b, p, (t, s), h, flows.get(key, ()), railed.get(key, []))
            stock, arising = float(pb.base_stock[b]), float(pb.base_arising[b])
            if np.isfinite(stock) and np.isfinite(arising):
                for t in range(n_t):
                    _row(m, [(h, 1.0) for k in range(t + 1) for h in hs[k]], ub=stock + arising * (t + 1))
        if pb.coproducts is not None:
            self._coproduct_limits()

    def _product_balance(self, b: int, p: int, ts: tuple[int, int], h, pos, railed: list) -> None:
        """Constraint 3: shipped <= made (free disposal), or shipped + local + disposed + stock change = made.

        Shipped is the flows of the period, with the tonnes railed into terminal yards (``railed``) in place
        of the flows delivered from them."""
        pb = self.pb
        terms = [(self.x[i], 1.0) for i in pos] + [(var, 1.0) for var in railed] + [(h, -float(pb.base_yield[b, p]))]
        if pb.coproducts is None:
            if len(pos) or railed:
                _row(self.m, terms, ub=0.0)
            return
        if pb.base_yield[b, p] > 0:
            _row(self.m, terms + self._coproduct_terms(b, p, ts), lb=0.0, ub=0.0)

    def _previous(self, t: int, s: int) -> tuple[int, int]:
        """The (year, period) before ``(t, s)``: the last period of the year before for the first period."""
        return (t, s - 1) if s > 0 else (t - 1, self.n_s - 1)

    def _coproduct_terms(self, b: int, p: int, ts: tuple[int, int]) -> list[tuple]:
        """Variables taking what base ``b`` makes of ``p`` in year and period ``ts`` and does not ship."""
        cp, m = self.pb.coproducts, self.m
        t, s = ts
        w = float(self.pb.year_weight[t])
        last = t == len(self.pb.years) - 1 and s == self.n_s - 1
        disposed = m.add_variable(lb=0.0)
        self.cp["disposed"][b, p, t, s] = disposed
        self.cost(disposed, w * float(cp.disposal_cost[b]))
        terms = [(disposed, 1.0)]
        market = int(cp.base_market[b])
        if market >= 0 and cp.market_absorption[market, p, t] > 0:
            local = m.add_variable(lb=0.0)
            self.cp["local"][b, p, t, s] = local
            self.cost(local, -w * float(cp.market_price[market, p, t]))
            terms.append((local, 1.0))
        if cp.yard_capacity[b] > 0:
            stock = m.add_variable(lb=0.0)
            self.cp["stock"][b, p, t, s] = stock
            # Stock held through the next period pays its share of the year's holding cost; stock left at
            # the end of the horizon has to go somewhere: it pays the disposal cost.
            holding = float(cp.holding_cost[b] * self.per.share_of_year[s])
            self.cost(stock, w * float(holding + (cp.disposal_cost[b] if last else 0.0)))
            terms.append((stock, 1.0))
            if (b, p, *self._previous(t, s)) in self.cp["stock"]:
                terms.append((self.cp["stock"][b, p, *self._previous(t, s)], -1.0))
        return terms

    def _coproduct_limits(self) -> None:
        """Stockyard capacity per base and year; local market absorption per market, product and year."""
        cp, m = self.pb.coproducts, self.m
        yards: dict[tuple, list] = {}
        for (b, _p, t, s), var in self.cp["stock"].items():
            yards.setdefault((b, t, s), []).append((var, 1.0))
        for key, terms in sorted(yards.items()):
            self.rows.setdefault("yard", {})[key] = _row(m, terms, ub=float(cp.yard_capacity[key[0]]))
        markets: dict[tuple, list] = {}  # a local market's absorption is per year, whatever the periods
        for (b, p, t, _s), var in self.cp["local"].items():
            markets.setdefault((int(cp.base_market[b]), p, t), []).append((var, 1.0))
        for key, terms in sorted(markets.items()):
            self.rows.setdefault("local_market", {})[key] = _row(m, terms, ub=float(cp.market_absorption[key]))

    def _terminal_yards(self) -> None:
        """Tonnes railed into terminal yards, their stock and the yards' capacity (MODEL.md "Periods").

        Per rail leg, product and year: stock at a period's end = stock at the end of the period before
        + railed - delivered by the leg's routes. The periods of a year form a cycle (the last period's
        stock is the first period's opening stock), so a year's railed tonnes equal its deliveries and
        every yearly figure (costs, CO2e, rail share, target) holds as without yards.
        """
        legs, pb, m, per = self.legs, self.pb, self.m, self.per
        if legs is None:
            return
        yards = pb.terminal_yards
        used = {(int(g), int(p), int(t)) for g, p, t in zip(self.x_leg, self.xp, self.xt, strict=True) if g >= 0}
        delivered = {
            k: pos for k, pos in _groups(np.column_stack([self.x_leg, self.xp, self.xt, self.xs])) if k[0] >= 0
        }
        for g, p, t in sorted(used):
            u = int(legs.terminal[g])
            holding = float(pb.year_weight[t] * yards.holding_cost[u])
            for s in range(self.n_s):
                stock = m.add_variable(lb=0.0)
                legs.stock[g, p, t, s] = stock
                self.cost(stock, holding * float(per.share_of_year[s]))
                if per.share_of_year[s] > 0:
                    legs.railed[g, p, t, s] = m.add_variable(lb=0.0)
            for s in range(self.n_s):
                before = legs.stock[g, p, t, (s - 1) % self.n_s]
                terms = [(legs.stock[g, p, t, s], 1.0), (before, -1.0)]
                if (g, p, t, s) in legs.railed:
                    terms.append((legs.railed[g, p, t, s], -1.0))
                terms += [(self.x[i], 1.0) for i in delivered.get((g, p, t, s), ())]
                _row(m, terms, lb=0.0, ub=0.0)
        held: dict[tuple, list] = {}
        for (g, _p, t, s), var in legs.stock.items():
            held.setdefault((int(legs.terminal[g]), t, s), []).append((var, 1.0))
        rows = self.rows.setdefault("terminal_yard", {})
        for key, terms in sorted(held.items()):
            rows[key] = _row(m, terms, ub=float(yards.capacity[key[0]]))

    def _railed_by_base(self) -> dict[tuple, list]:
        """{(b, p, t, s): [railed vars]}: what each base ships into terminal yards per period."""
        out: dict[tuple, list] = {}
        if self.legs is None:
            return out
        base_of_leg = self.legs.base
        for (g, p, t, s), var in self.legs.railed.items():
            out.setdefault((int(base_of_leg[g]), p, t, s), []).append(var)
        return out

    def _use_split(self) -> tuple[sparse.csr_matrix, sparse.csr_matrix | None]:
        """The (E, R) use of the delivered flows and the (E, G) use of the railed legs.

        A route into a terminal yard uses its railed part (first mile, loading, rail, unloading) through
        its leg's railed tonnes, the rest through its delivered flow."""
        pb, legs = self.pb, self.legs
        use = pb.resource_use.tocsr()
        if legs is None:
            return use, None
        railed = pb.terminal_yards.railed_use.tocsr() @ sparse.diags((legs.of_route >= 0).astype(float))
        delivered = (use - railed).tocsr()
        delivered.eliminate_zeros()
        return delivered, pb.terminal_yards.railed_use.tocsc()[:, legs.route].tocsr()

    def _railed_resource_terms(self, leg_use: sparse.csr_matrix | None, e: int, ts: tuple[int, int]) -> list:
        if leg_use is None:
            return []
        lo, hi = leg_use.indptr[e], leg_use.indptr[e + 1]
        railed = self.legs.railed
        return [
            (railed[g, p, *ts], float(c))
            for g, c in zip(leg_use.indices[lo:hi], leg_use.data[lo:hi], strict=True)
            for p in range(len(self.pb.products))
            if (int(g), p, *ts) in railed
        ]

    def _per_year_flow(self, weights: np.ndarray) -> dict[int, list]:
        """{t: [(x var, weight)]} for flows with a non-zero weight (weights per flow variable)."""
        out: dict[int, list] = {}
        for i in np.nonzero(weights)[0]:
            out.setdefault(int(self.xt[i]), []).append((self.x[i], float(weights[i])))
        return out

    def _resources(self) -> None:
        pb, m = self.pb, self.m
        rows = self.rows.setdefault("resource", {})
        use, leg_use = self._use_split()
        qsue = self._quarry_use()
        # Map each route to its flow variables once.
        by_route_year: dict[tuple[int, int, int], list[int]] = {}
        for i, (r, t, s) in enumerate(zip(self.xr, self.xt, self.xs, strict=True)):
            by_route_year.setdefault((int(r), int(t), int(s)), []).append(i)
        per = self.per
        for e in range(len(pb.resources)):
            lo, hi = use.indptr[e], use.indptr[e + 1]
            routes, coefs = use.indices[lo:hi], use.data[lo:hi]
            for t in range(len(pb.years)):
                for s in range(self.n_s):
                    if not np.isfinite(pb.resource_capacity[e, t]):
                        continue
                    cap = float(pb.resource_capacity[e, t] * per.share_of_year[s] * per.resource_availability[e, s])
                    terms = [
                        (self.x[i], float(c))
                        for r, c in zip(routes, coefs, strict=True)
                        for i in by_route_year.get((int(r), t, s), ())
                    ]
                    terms += self._quarry_resource_terms(qsue, e, (t, s))
                    terms += self._railed_resource_terms(leg_use, e, (t, s))
                    if terms:
                        rows[e, t, s] = _row(m, terms, ub=cap)

    def _quarry_use(self) -> tuple:
        """The quarry routes' resource use (CSR) and each quarry route-year's flow variables."""
        by_route_year: dict[tuple[int, int, int], list[int]] = {}
        for i, (k, t, s) in enumerate(zip(self.kq, self.tq, self.sq, strict=True)):
            by_route_year.setdefault((int(k), int(t), int(s)), []).append(i)
        return self.pb.qroute_resource_use.tocsr(), by_route_year

    def _quarry_resource_terms(self, qsue: tuple, e: int, ts: tuple[int, int]) -> list:
        use, by_route_year = qsue
        lo, hi = use.indptr[e], use.indptr[e + 1]
        return [
            (self.nq[i], float(c))
            for k, c in zip(use.indices[lo:hi], use.data[lo:hi], strict=True)
            for i in by_route_year.get((int(k), *ts), ())
        ]

    def _natural_co2e_terms(self) -> dict[int, list]:
        """{t: [(var, t CO2e per unit)]} of quarry hauls and imports: the emissions cap covers them too."""
        pb = self.pb
        out: dict[int, list] = {}
        for i, var in enumerate(self.nq):
            co2e = float(pb.qroute_co2e[self.kq[i], self.tq[i]])
            if co2e:
                out.setdefault(int(self.tq[i]), []).append((var, co2e))
        for key, var in self.n.items():
            co2e = float(pb.natural_co2e[key[:3]])
            if co2e:
                out.setdefault(key[2], []).append((var, co2e))
        return out

    def _target(self) -> None:
        pb, m = self.pb, self.m
        rows = self.rows.setdefault("target", {})
        per_year = self._per_year_flow(np.ones(len(self.x)))
        for t in range(len(pb.years)):
            goal = float(pb.target[t])
            if goal <= 0:
                continue
            terms = per_year.get(t, [])
            if not pb.target_hard:
                var = m.add_variable(lb=0.0)
                self.s[t] = var
                self.cost(var, float(pb.year_weight[t] * pb.shortfall_penalty))
                terms = [*terms, (var, 1.0)]
            terms = self._elastic("target", t, terms, 1.0)
            rows[t] = _row(m, terms, lb=goal)

    def _emissions(self) -> None:
        pb, m = self.pb, self.m
        rows = self.rows.setdefault("emissions_cap", {})
        per_year = self._per_year_flow(pb.route_co2e[self.xr, self.xt])
        natural = self._natural_co2e_terms()
        for t in range(len(pb.years)):
            cap = float(pb.emissions_cap[t])
            if not np.isfinite(cap):
                continue
            terms = [*per_year.get(t, []), *natural.get(t, [])]
            if self.elastic:
                var = m.add_variable(lb=0.0)
                self.slacks.setdefault("emissions_cap", {})[t] = var
                self.cost(var, self.penalty)
                terms.append((var, -1.0))
            rows[t] = _row(m, terms, ub=cap)

    def _shares(self) -> None:
        for rule in self.pb.share_rules:
            weights = np.where(rule.qualifying[self.xr], 1.0 - rule.share, 0.0) - np.where(
                rule.scope[self.xr] & ~rule.qualifying[self.xr], rule.share, 0.0
            )
            for t, terms in sorted(self._per_year_flow(weights).items()):
                terms = self._elastic(rule.name, t, terms, 1.0)
                _row(self.m, terms, lb=0.0)

    def _coverage(self) -> None:
        pb = self.pb
        total = pb.demand.sum(axis=1)  # (D, T)
        for rule in pb.coverage_rules:
            covering = rule.covering[self.xr]
            groups = {k: pos for k, pos in _groups(np.column_stack([pb.route_node[self.xr], self.xt]))}
            for d, t in zip(*np.nonzero(total > 0), strict=True):
                pos = [i for i in groups.get((int(d), int(t)), ()) if covering[i]]
                terms = self._elastic(rule.name, (int(d), int(t)), [(self.x[i], 1.0) for i in pos], 1.0)
                _row(self.m, terms, lb=rule.share * float(total[d, t]))

    def _linking(self) -> None:
        pb = self.pb
        by_base = self._levels_of_base()
        max_cap = {b: float(pb.level_capacity[lvs].max()) for b, lvs in by_base.items()}
        total = pb.demand.sum(axis=1)  # (D, T)
        stock = self.cp["stock"] if pb.coproducts is not None else {}
        per = self.per
        # A flow out of a terminal yard may exceed what its base makes in the period: only demand bounds it.
        yard = (self.x_leg >= 0).astype(int)
        keys = np.column_stack([pb.route_base[self.xr], pb.route_node[self.xr], self.xt, self.xs, yard])
        for (b, d, t, s, from_yard), pos in _groups(keys):
            part = float(per.share_of_year[s] * per.base_availability[s])
            demand = float(total[d, t] * per.demand_share[s])
            big = demand if from_yard else min(demand, max_cap.get(b, 0.0) * part)
            terms = [(self.x[i], 1.0) for i in pos] + [(self.z[lv, t], -big) for lv in by_base.get(b, [])]
            # A base may also ship what its yard carried in, open or closed: the row stays redundant.
            before = self._previous(t, s)
            terms += [(stock[b, p, *before], -1.0) for p in range(len(pb.products)) if (b, p, *before) in stock]
            _row(self.m, terms, ub=0.0)


def _rail_legs(pb: Problem) -> RailLegs | None:
    """Group the routes into terminal yards by (base, yard, railed resource use): one rail leg each."""
    yards = pb.terminal_yards
    if yards is None or not np.any(yards.route_terminal >= 0):
        return None
    railed = yards.railed_use.tocsc()
    of_route = np.full(len(pb.route_base), -1)
    keys: dict[tuple, int] = {}
    for r in np.flatnonzero(yards.route_terminal >= 0):
        lo, hi = railed.indptr[r], railed.indptr[r + 1]
        use = tuple(zip(railed.indices[lo:hi].tolist(), np.round(railed.data[lo:hi], 12).tolist(), strict=True))
        key = (int(pb.route_base[r]), int(yards.route_terminal[r]), use)
        of_route[r] = keys.setdefault(key, len(keys))
    first = np.array([np.flatnonzero(of_route == g)[0] for g in range(len(keys))], int)
    return RailLegs(of_route, yards.route_terminal[first], route=first, base=pb.route_base[first])


def build_model(problem: Problem, elastic: bool = False, elastic_penalty: float | None = None) -> Built:
    """The MathOpt model of a filled, checked problem, with handles to its variables and rows.

    Parameters
    ----------
    problem
        The arrays (``problem.filled()``, checked).
    elastic
        Let the target, emissions caps, share and coverage rules be violated at
        ``elastic_penalty`` per unit (see :func:`aggregates.optimize.solve.solve`).
    elastic_penalty
        Price per unit of violation; default 100 x the largest cost per unit.
    """
    return Builder(problem, elastic, elastic_penalty or default_penalty(problem)).build()


def default_penalty(pb: Problem) -> float:
    """100 x the largest cost per unit of the problem: the price of violating a rule in elastic mode."""
    scale = [np.nanmax(np.abs(a)) for a in (pb.route_cost, pb.base_production_cost, pb.qroute_cost) if np.size(a)]
    prices = pb.quarry_price[np.isfinite(pb.quarry_price)]
    if prices.size:
        scale.append(float(np.abs(prices).max()))
    finite_nat = pb.natural_cost[np.isfinite(pb.natural_cost)]
    if finite_nat.size:
        scale.append(float(np.abs(finite_nat).max()))
    if pb.unmet_penalty is not None:
        scale.append(pb.unmet_penalty)
    return 100.0 * max([*scale, 1.0])
