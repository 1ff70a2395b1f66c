"""Build and solve the allocation MILP of MODEL.md with OR-Tools MathOpt.

:func:`solve` takes a :class:`~aggregates.optimize.problem.Problem` (plain
arrays) and returns a :class:`Solution` (plain arrays); the problem is never
modified and nothing is attached to it. The single place that turns a solver's
termination into our status words is :func:`_status`.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.math_opt.python import mathopt

from aggregates.optimize.problem import Problem

log = logging.getLogger(__name__)

SOLVERS = {
    "highs": mathopt.SolverType.HIGHS,
    "scip": mathopt.SolverType.GSCIP,
    "cp_sat": mathopt.SolverType.CP_SAT,
}
TOL = 1e-9


@dataclass(frozen=True)
class SolverSettings:
    """How to solve. ``None`` means the solver's own default.

    Attributes
    ----------
    solver
        ``highs`` (default), ``scip`` or ``cp_sat``.
    time_limit_s
        Wall-clock limit of the MIP solve.
    relative_gap
        Stop when (primal - bound) / primal is at most this.
    threads
        Solver threads; 1 keeps runs reproducible.
    seed
        Random seed passed to the solver.
    shadow_prices
        Re-solve the LP with the integer choices fixed to get dual values.
    presolve
        Run the solver's MIP presolve. Off by default for HiGHS: on the scaled
        instances its presolve took 355 of 359 s at 3x and did not finish at 10x,
        while the same models solve in 15 s and 61 s without it (benchmarks/README.md).
    """

    solver: str = "highs"
    time_limit_s: float | None = 120.0
    relative_gap: float | None = 1e-3
    threads: int | None = 1
    seed: int | None = 0
    shadow_prices: bool = True
    presolve: bool = False


@dataclass(frozen=True)
class Duals:
    """Shadow prices from the LP with integer choices fixed: objective decrease per unit of right-hand side.

    A positive value on a capacity means one more unit of capacity would save
    that much; values are per unit in the year itself (undiscounted).
    """

    resource: np.ndarray  # (E, T)
    base_capacity: np.ndarray  # (B, T)
    demand: np.ndarray  # (D, P, T): marginal cost of one more unit of demand
    target: np.ndarray  # (T,): marginal cost of one more unit of target
    emissions_cap: np.ndarray  # (T,)


@dataclass(frozen=True)
class Solution:
    """What a solve produced, as arrays aligned with the problem's ids.

    ``status`` is one of ``optimal``, ``feasible`` (a limit stopped the solver
    with a plan in hand), ``infeasible``, ``unbounded``, ``no_solution`` or
    ``error``; :attr:`has_plan` says whether the arrays hold a plan.
    """

    status: str
    detail: str
    objective: float
    bound: float
    mip_gap: float
    build_seconds: float
    solve_seconds: float
    flow_route: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    flow_product: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    flow_year: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    flow: np.ndarray = field(default_factory=lambda: np.zeros(0))
    natural: np.ndarray | None = None  # (D, P, T)
    unmet: np.ndarray | None = None  # (D, P, T)
    processed: np.ndarray | None = None  # (B, T) feedstock processed
    level: np.ndarray | None = None  # (B, T) level index into the problem's levels, -1 closed
    shortfall: np.ndarray | None = None  # (T,) below a soft target
    slack: dict[str, np.ndarray] = field(default_factory=dict)  # elastic mode: violation of each policy
    duals: Duals | None = None
    size: dict[str, int] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass
class _Built:
    """The MathOpt model and handles to its variables and rows."""

    model: mathopt.Model
    x: list
    x_route: np.ndarray
    x_product: np.ndarray
    x_year: np.ndarray
    z: dict  # (level, t) -> var
    h: dict  # (b, t) -> var
    natural: dict
    unmet: dict
    shortfall: dict
    slack: dict  # name -> {t or (d, t): var}
    rows: dict  # kind -> {key: constraint}


def _flow_index(pb: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(route, product, year) of every flow variable worth creating."""
    n_r, n_p, n_t = len(pb.route_base), len(pb.products), len(pb.years)
    wanted = pb.route_open[:, None, :] & (pb.demand[pb.route_node] > 0)  # (R, P, T)
    wanted &= ((pb.base_yield[pb.route_base] > 0) & pb.node_accepts[pb.route_node])[:, :, None]
    r, p, t = np.nonzero(wanted.reshape(n_r, n_p, n_t))
    return r, p, t


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


class _Builder:
    def __init__(self, pb: Problem, elastic: bool, elastic_penalty: float):
        self.pb = pb
        self.elastic = elastic
        self.penalty = elastic_penalty
        self.m = mathopt.Model(name="aggregates")
        self.obj: dict = {}
        self.rows: dict[str, dict] = {}
        self.s: dict = {}
        self.slacks: dict[str, dict] = {}

    def cost(self, var, coef: float) -> None:
        if coef:
            self.obj[var] = self.obj.get(var, 0.0) + coef

    def build(self) -> _Built:
        pb = self.pb
        xr, xp, xt = _flow_index(pb)
        m = self.m
        self.x = [m.add_variable(lb=0.0) for _ in range(len(xr))]
        self.xr, self.xp, self.xt = xr, xp, xt
        w = pb.year_weight
        unit = (
            pb.base_production_cost[pb.route_base[xr]] + pb.route_cost[xr] + pb.carbon_price[xt] * pb.route_co2e[xr, xt]
        )
        for var, c in zip(self.x, w[xt] * unit, strict=True):
            self.cost(var, float(c))
        self._levels()
        self._demand()
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
        return _Built(m, self.x, xr, xp, xt, self.z, self.h, self.n, self.u, self.s, self.slacks, self.rows)

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
        for lv in range(len(pb.level_base)):
            for t in range(n_t):
                var = m.add_binary_variable()
                self.z[lv, t] = var
                self.cost(var, float(pb.year_weight[t] * pb.level_fixed_cost[lv]))
        by_base = self._levels_of_base()
        for b, lvs in by_base.items():
            required = bool(pb.base_open_required[b])
            for t in range(n_t):
                self.rows.setdefault("one_level", {})[b, t] = _row(
                    m,
                    [(self.z[lv, t], 1.0) for lv in lvs],
                    lb=1.0 if required and not pb.allow_closing else -np.inf,
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
        pb, m = self.pb, self.m
        self.n, self.u = {}, {}
        rows = self.rows.setdefault("demand", {})
        flows = {k: pos for k, pos in _groups(np.column_stack([pb.route_node[self.xr], self.xp, self.xt]))}
        for d, p, t in zip(*np.nonzero(pb.demand > 0), strict=True):
            key = (int(d), int(p), int(t))
            terms = [(self.x[i], 1.0) for i in flows.get(key, ())]
            w = float(pb.year_weight[t])
            if np.isfinite(pb.natural_cost[key]):
                var = m.add_variable(lb=0.0)
                self.n[key] = var
                self.cost(var, w * float(pb.natural_cost[key]))
                terms.append((var, 1.0))
            if pb.unmet_penalty is not None:
                var = m.add_variable(lb=0.0)
                self.u[key] = var
                self.cost(var, w * float(pb.unmet_penalty))
                terms.append((var, 1.0))
            q = float(pb.demand[key])
            rows[key] = _row(m, terms, lb=q, ub=q)

    def _bases(self) -> None:
        pb, m = self.pb, self.m
        n_t = len(pb.years)
        flows = {k: pos for k, pos in _groups(np.column_stack([pb.route_base[self.xr], self.xp, self.xt]))}
        cap_rows = self.rows.setdefault("base_capacity", {})
        by_base = self._levels_of_base()
        for b in range(len(pb.bases)):
            made = float(pb.base_yield[b].sum())
            hs = []
            for t in range(n_t):
                h = m.add_variable(lb=0.0)
                self.h[b, t] = h
                hs.append(h)
                levels = [(self.z[lv, t], -float(pb.level_capacity[lv])) for lv in by_base.get(b, [])]
                cap_rows[b, t] = _row(m, [(h, made), *levels], ub=0.0)
                for p in range(len(pb.products)):
                    pos = flows.get((b, p, t), ())
                    if len(pos):
                        _row(m, [(self.x[i], 1.0) for i in pos] + [(h, -float(pb.base_yield[b, p]))], ub=0.0)
            stock, arising = float(pb.base_stock[b]), float(pb.base_arising[b])
            if np.isfinite(stock) and np.isfinite(arising):
                for t in range(n_t):
                    _row(m, [(hs[k], 1.0) for k in range(t + 1)], ub=stock + arising * (t + 1))

    def _per_year_flow(self, weights: np.ndarray) -> dict[int, list]:
        """{t: [(x var, weight)]} for flows with a non-zero weight (weights per flow variable)."""
        out: dict[int, list] = {}
        for i in np.nonzero(weights)[0]:
            out.setdefault(int(self.xt[i]), []).append((self.x[i], float(weights[i])))
        return out

    def _resources(self) -> None:
        pb, m = self.pb, self.m
        rows = self.rows.setdefault("resource", {})
        use = pb.resource_use.tocsr()
        # Map each route to its flow variables once.
        by_route_year: dict[tuple[int, int], list[int]] = {}
        for i, (r, t) in enumerate(zip(self.xr, self.xt, strict=True)):
            by_route_year.setdefault((int(r), int(t)), []).append(i)
        for e in range(len(pb.resources)):
            lo, hi = use.indptr[e], use.indptr[e + 1]
            routes, coefs = use.indices[lo:hi], use.data[lo:hi]
            for t in range(len(pb.years)):
                cap = float(pb.resource_capacity[e, t])
                if not np.isfinite(cap):
                    continue
                terms = [
                    (self.x[i], float(c))
                    for r, c in zip(routes, coefs, strict=True)
                    for i in by_route_year.get((int(r), t), ())
                ]
                if terms:
                    rows[e, t] = _row(m, terms, ub=cap)

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
        for t in range(len(pb.years)):
            cap = float(pb.emissions_cap[t])
            if not np.isfinite(cap):
                continue
            terms = [(v, c) for v, c in per_year.get(t, [])]
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
        for (b, d, t), pos in _groups(np.column_stack([pb.route_base[self.xr], pb.route_node[self.xr], self.xt])):
            big = min(float(total[d, t]), max_cap.get(b, 0.0))
            terms = [(self.x[i], 1.0) for i in pos] + [(self.z[lv, t], -big) for lv in by_base.get(b, [])]
            _row(self.m, terms, ub=0.0)


def _params(settings: SolverSettings, lp: bool = False) -> mathopt.SolveParameters:
    kw: dict = {}
    if settings.time_limit_s is not None:
        kw["time_limit"] = datetime.timedelta(seconds=settings.time_limit_s)
    if settings.relative_gap is not None and not lp:
        kw["relative_gap_tolerance"] = settings.relative_gap
        kw["absolute_gap_tolerance"] = 0.0
    if settings.seed is not None:
        kw["random_seed"] = settings.seed
    params = mathopt.SolveParameters(**kw)
    name = "highs" if lp else settings.solver
    if name == "highs" and not lp and not settings.presolve:
        params.highs.string_options["presolve"] = "off"
    if settings.threads is not None:
        if name == "highs":
            params.highs.int_options["threads"] = settings.threads
        else:
            params.threads = settings.threads
    return params


def _status(result: mathopt.SolveResult) -> tuple[str, str]:
    """Our status word and a one-line detail for a MathOpt result."""
    reason = result.termination.reason
    detail = f"{reason.name.lower()}: {result.termination.detail}".strip(": ")
    if reason == mathopt.TerminationReason.OPTIMAL:
        return "optimal", detail
    if reason in (mathopt.TerminationReason.INFEASIBLE, mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED):
        return "infeasible", detail
    if reason == mathopt.TerminationReason.UNBOUNDED:
        return "unbounded", detail
    if reason == mathopt.TerminationReason.FEASIBLE or result.has_primal_feasible_solution():
        return "feasible", detail
    if reason == mathopt.TerminationReason.NO_SOLUTION_FOUND:
        return "no_solution", detail
    return "error", detail


def _gap(objective: float, bound: float) -> float:
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _values(result: mathopt.SolveResult, variables: list) -> np.ndarray:
    if not variables:
        return np.zeros(0)
    return np.asarray(result.variable_values(variables), dtype=float)


def _array(result, mapping: dict, shape: tuple) -> np.ndarray:
    out = np.zeros(shape)
    if mapping:
        keys = list(mapping)
        vals = _values(result, [mapping[k] for k in keys])
        for k, v in zip(keys, vals, strict=True):
            out[k] = v
    return out


def _clean(values: np.ndarray) -> np.ndarray:
    """Drop solver noise: tiny magnitudes to 0, and a stable number of digits."""
    values = np.where(np.abs(values) < 1e-9, 0.0, values)
    return np.round(values, 9) + 0.0


def _level_choice(pb: Problem, z: np.ndarray) -> np.ndarray:
    """(B, T) chosen level index (-1: closed) from z values (L, T)."""
    out = np.full((len(pb.bases), len(pb.years)), -1, dtype=int)
    for lv, t in zip(*np.nonzero(z > 0.5), strict=True):
        out[pb.level_base[lv], t] = lv
    return out


def _duals(pb: Problem, built: _Built, z_values: np.ndarray, settings: SolverSettings) -> Duals | None:
    """Fix the integer choices, re-solve the LP with HiGHS and read the dual values."""
    m = built.model
    for (lv, t), var in built.z.items():
        v = float(round(z_values[lv, t]))
        var.integer = False
        var.lower_bound = v
        var.upper_bound = v
    result = mathopt.solve(m, mathopt.SolverType.HIGHS, params=_params(settings, lp=True))
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL or not result.has_dual_feasible_solution():
        log.warning("shadow prices unavailable: LP re-solve ended %s", result.termination.reason.name)
        return None
    w = pb.year_weight

    def read(kind: str, shape: tuple, year_axis: int) -> np.ndarray:
        rows = built.rows.get(kind, {})
        out = np.zeros(shape)
        if rows:
            keys = list(rows)
            vals = result.dual_values([rows[k] for k in keys])
            for k, v in zip(keys, vals, strict=True):
                k = k if isinstance(k, tuple) else (k,)
                out[k] = v / w[k[year_axis]]
        return _clean(out)

    n_t = len(pb.years)
    return Duals(
        resource=-read("resource", (len(pb.resources), n_t), 1),
        base_capacity=-read("base_capacity", (len(pb.bases), n_t), 1),
        demand=read("demand", (len(pb.nodes), len(pb.products), n_t), 2),
        target=read("target", (n_t,), 0),
        emissions_cap=-read("emissions_cap", (n_t,), 0),
    )


def solve(
    problem: Problem,
    settings: SolverSettings | None = None,
    *,
    elastic: bool = False,
    elastic_penalty: float | None = None,
    on_log: Callable[[str], None] | None = None,
) -> Solution:
    """Build the MILP of ``problem`` and solve it.

    Parameters
    ----------
    problem
        The arrays; optional ones take their neutral defaults.
    settings
        Solver choice and limits (default :class:`SolverSettings`).
    elastic
        Let the target, emissions caps, share and coverage rules be violated at
        a large price, so that an infeasible problem still yields a plan that
        shows which limits bind and by how much (:attr:`Solution.slack`).
    elastic_penalty
        Price per unit of violation; default 100 x the largest cost per unit.
    on_log
        Called with each line of the solver's log (for progress displays).

    Returns
    -------
    Solution
    """
    settings = settings or SolverSettings()
    if settings.solver not in SOLVERS:
        raise ValueError(f"unknown solver {settings.solver!r}; choose one of {sorted(SOLVERS)}")
    pb = problem.filled()
    pb.check()
    started = time.perf_counter()
    builder = _Builder(pb, elastic, elastic_penalty or _default_penalty(pb))
    built = builder.build()
    build_s = time.perf_counter() - started
    size = {
        "variables": len(list(built.model.variables())),
        "integer_variables": len(built.z),
        "constraints": len(list(built.model.linear_constraints())),
    }
    log.info("model: %(variables)d variables (%(integer_variables)d binary), %(constraints)d rows", size)
    callback = (lambda lines: [on_log(s) for s in lines]) if on_log else None
    t0 = time.perf_counter()
    result = mathopt.solve(built.model, SOLVERS[settings.solver], params=_params(settings), msg_cb=callback)
    solve_s = time.perf_counter() - t0
    status, detail = _status(result)
    log.info("solve: %s in %.2f s", detail, solve_s)
    if status not in ("optimal", "feasible"):
        return Solution(status, detail, float("nan"), float("nan"), float("inf"), build_s, solve_s, size=size)
    return _read_solution(pb, built, result, settings, status, detail, build_s, solve_s, size)


def _default_penalty(pb: Problem) -> float:
    scale = [np.nanmax(np.abs(a)) for a in (pb.route_cost, pb.base_production_cost) if np.size(a)]
    finite_nat = pb.natural_cost[np.isfinite(pb.natural_cost)]
    if finite_nat.size:
        scale.append(float(np.abs(finite_nat).max()))
    if pb.unmet_penalty is not None:
        scale.append(pb.unmet_penalty)
    return 100.0 * max([*scale, 1.0])


def _read_solution(pb, built, result, settings, status, detail, build_s, solve_s, size) -> Solution:
    objective = float(result.objective_value())
    bound = float(result.termination.objective_bounds.dual_bound)
    flow = _clean(_values(result, built.x))
    keep = flow > 0
    n_b, n_d, n_p, n_t = len(pb.bases), len(pb.nodes), len(pb.products), len(pb.years)
    z = _array(result, built.z, (len(pb.level_base), n_t))
    slack = {name: _clean(_array(result, vars_, _slack_shape(vars_, n_t, n_d))) for name, vars_ in built.slack.items()}
    duals = _duals(pb, built, z, settings) if settings.shadow_prices else None
    return Solution(
        status=status,
        detail=detail,
        objective=objective,
        bound=bound if built.z else objective,
        mip_gap=_gap(objective, bound) if built.z else 0.0,
        build_seconds=build_s,
        solve_seconds=solve_s,
        flow_route=built.x_route[keep],
        flow_product=built.x_product[keep],
        flow_year=built.x_year[keep],
        flow=flow[keep],
        natural=_clean(_array(result, built.natural, (n_d, n_p, n_t))),
        unmet=_clean(_array(result, built.unmet, (n_d, n_p, n_t))),
        processed=_clean(_array(result, built.h, (n_b, n_t))),
        level=_level_choice(pb, z),
        shortfall=_clean(_array(result, built.shortfall, (n_t,))),
        slack=slack,
        duals=duals,
        size=size,
    )


def _slack_shape(vars_: dict, n_t: int, n_d: int) -> tuple:
    first = next(iter(vars_))
    return (n_d, n_t) if isinstance(first, tuple) else (n_t,)
