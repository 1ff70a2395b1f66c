"""Solve the allocation MILP and read the solution back as plain arrays.

:func:`solve` takes a :class:`~aggregates.optimize.problem.Problem` and returns a
:class:`Solution`; the problem is never modified and nothing is attached to it. The
single place that turns a solver's termination into our status words is :func:`_status`.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.math_opt.python import mathopt

from aggregates.optimize.isolated import SolverProcess, solver_process
from aggregates.optimize.model import Built, build_model, periods_of
from aggregates.optimize.problem import Problem

log = logging.getLogger(__name__)

SOLVERS = {
    "highs": mathopt.SolverType.HIGHS,
    "scip": mathopt.SolverType.GSCIP,
    "cp_sat": mathopt.SolverType.CP_SAT,
}


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
    quarry_capacity: np.ndarray | None = None  # (Q, T): objective decrease per extra unit a quarry may ship


@dataclass(frozen=True)
class PeriodSolution:
    """The plan per (year, period) of a problem with periods; the :class:`Solution` arrays sum these.

    The flow arrays list every (route, product, year, period) with a positive flow, as ``Solution.flow_*``.
    """

    flow_route: np.ndarray
    flow_product: np.ndarray
    flow_year: np.ndarray
    flow_period: np.ndarray
    flow: np.ndarray
    quarry_route: np.ndarray
    quarry_product: np.ndarray
    quarry_year: np.ndarray
    quarry_period: np.ndarray
    quarry_flow: np.ndarray
    natural: np.ndarray  # (D, P, T, S)
    unmet: np.ndarray  # (D, P, T, S)
    processed: np.ndarray  # (B, T, S)
    stock: np.ndarray | None  # (B, P, T, S) at the period's end; None under free disposal
    railed: RailedFlows | None = None  # flows by when they are railed; None without terminal yards
    terminal_stock: np.ndarray | None = None  # (U, T, S) in the terminal yards at the period's end


@dataclass(frozen=True)
class RailedFlows:
    """Flows per (route, product, year, period) by when their tonnes are railed: a flow out of a terminal
    yard is attributed to the periods its rail leg carried tonnes in, in proportion to the route's part of
    the leg's deliveries that year. A route without a yard is railed (or trucked) as it is delivered."""

    route: np.ndarray
    product: np.ndarray
    year: np.ndarray
    period: np.ndarray
    flow: np.ndarray


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
    local_sold: np.ndarray | None = None  # (B, P, T) co-product sold locally; None under free disposal
    disposed: np.ndarray | None = None  # (B, P, T) co-product disposed of
    stock: np.ndarray | None = None  # (B, P, T) co-product in stock at the year's end
    slack: dict[str, np.ndarray] = field(default_factory=dict)  # elastic mode: violation of each policy
    duals: Duals | None = None
    size: dict[str, int] = field(default_factory=dict)
    quarry_route: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # quarry flows, as flow_*
    quarry_product: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    quarry_year: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    quarry_flow: np.ndarray = field(default_factory=lambda: np.zeros(0))
    periods: PeriodSolution | None = None  # per (year, period) detail; None without periods

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


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


def _keyed_values(result, mapping: dict) -> zip:
    """(key, value) of every variable in ``mapping``, read in one call."""
    keys = list(mapping)
    return zip(keys, _values(result, [mapping[k] for k in keys]), strict=True)


def _array(result, mapping: dict, shape: tuple) -> np.ndarray:
    out = np.zeros(shape)
    for k, v in _keyed_values(result, mapping):
        out[k] = v
    return out


def _per_year(result, mapping: dict, shape: tuple) -> np.ndarray:
    """Values keyed (..., t, s) summed over the periods s into ``shape`` (..., T)."""
    out = np.zeros(shape)
    for k, v in _keyed_values(result, mapping):
        out[k[:-1]] += v
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


def _duals(pb: Problem, built: Built, mip, settings: SolverSettings, process: SolverProcess) -> Duals | None:
    """Fix the integer choices of the MIP result, re-solve the LP with HiGHS and read the dual values."""
    m = built.model
    z_values = _array(mip, built.z, (len(pb.level_base), len(pb.years)))
    for (lv, t), var in built.z.items():
        v = float(round(z_values[lv, t]))
        var.integer = False
        var.lower_bound = v
        var.upper_bound = v
    result = process.solve(m, mathopt.SolverType.HIGHS, _params(settings, lp=True))
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL or not result.has_dual_feasible_solution():
        log.warning("shadow prices unavailable: LP re-solve ended %s", result.termination.reason.name)
        return None
    w = pb.year_weight

    per = periods_of(pb)
    # Rows per period: a unit more per year gives the period's part of it (its share, its availability).
    parts = {
        "resource": lambda k: per.share_of_year[k[-1]] * per.resource_availability[k[0], k[-1]],
        "base_capacity": lambda k: per.share_of_year[k[-1]] * per.base_availability[k[-1]],
        "demand": lambda k: per.demand_share[k[-1]],
        "quarry_capacity": lambda k: per.share_of_year[k[-1]] * per.quarry_availability[k[-1]],
    }

    def read(kind: str, shape: tuple, year_axis: int) -> np.ndarray:
        rows = built.rows.get(kind, {})
        out = np.zeros(shape)
        if rows:
            keys = list(rows)
            vals = result.dual_values([rows[k] for k in keys])
            for k, v in zip(keys, vals, strict=True):
                k = k if isinstance(k, tuple) else (k,)
                if kind in parts:
                    out[k[:-1]] += v / w[k[year_axis]] * parts[kind](k)
                else:
                    out[k] = v / w[k[year_axis]]
        return _clean(out)

    n_t = len(pb.years)
    return Duals(
        resource=-read("resource", (len(pb.resources), n_t), 1),
        base_capacity=-read("base_capacity", (len(pb.bases), n_t), 1),
        demand=read("demand", (len(pb.nodes), len(pb.products), n_t), 2),
        target=read("target", (n_t,), 0),
        emissions_cap=-read("emissions_cap", (n_t,), 0),
        quarry_capacity=-read("quarry_capacity", (len(pb.quarries), n_t), 1),
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
    with solver_process() as process:  # a new child starts while the model is built
        started = time.perf_counter()
        built = build_model(pb, elastic, elastic_penalty)
        build_s = time.perf_counter() - started
        size = _model_size(built)
        log.info("model: %(variables)d variables (%(integer_variables)d binary), %(constraints)d rows", size)
        callback = (lambda lines: [on_log(s) for s in lines]) if on_log else None
        t0 = time.perf_counter()
        result = process.solve(built.model, SOLVERS[settings.solver], _params(settings), callback)
        solve_s = time.perf_counter() - t0
        status, detail = _status(result)
        log.info("solve: %s in %.2f s", detail, solve_s)
        if status not in ("optimal", "feasible"):
            return Solution(status, detail, float("nan"), float("nan"), float("inf"), build_s, solve_s, size=size)
        duals = _duals(pb, built, result, settings, process) if settings.shadow_prices else None
    return _read_solution(pb, built, result, status, detail, (build_s, solve_s), size, duals)


def _model_size(built: Built) -> dict[str, int]:
    return {
        "variables": len(list(built.model.variables())),
        "integer_variables": len(built.z),
        "constraints": len(list(built.model.linear_constraints())),
    }


def _read_solution(pb, built, result, status, detail, seconds, size, duals) -> Solution:
    objective = float(result.objective_value())
    bound = float(result.termination.objective_bounds.dual_bound)
    flow = _clean(_values(result, built.x))
    nq = _clean(_values(result, built.nq))
    periods = _period_solution(pb, built, result, flow, nq) if pb.periods is not None else None
    flows = _yearly(built.x_route, built.x_product, built.x_year, flow, periods is not None)
    quarry = _yearly(built.nq_route, built.nq_product, built.nq_year, nq, periods is not None)
    n_b, n_d, n_p, n_t = len(pb.bases), len(pb.nodes), len(pb.products), len(pb.years)
    z = _array(result, built.z, (len(pb.level_base), n_t))
    slack = {name: _clean(_array(result, vars_, _slack_shape(vars_, n_t, n_d))) for name, vars_ in built.slack.items()}
    return Solution(
        status=status,
        detail=detail,
        objective=objective,
        bound=bound if built.z else objective,
        mip_gap=_gap(objective, bound) if built.z else 0.0,
        build_seconds=seconds[0],
        solve_seconds=seconds[1],
        flow_route=flows[0],
        flow_product=flows[1],
        flow_year=flows[2],
        flow=flows[3],
        natural=_clean(_per_year(result, built.natural, (n_d, n_p, n_t))),
        unmet=_clean(_per_year(result, built.unmet, (n_d, n_p, n_t))),
        processed=_clean(_per_year(result, built.h, (n_b, n_t))),
        level=_level_choice(pb, z),
        shortfall=_clean(_array(result, built.shortfall, (n_t,))),
        **_coproduct_arrays(pb, built, result),
        slack=slack,
        duals=duals,
        size=size,
        quarry_route=quarry[0],
        quarry_product=quarry[1],
        quarry_year=quarry[2],
        quarry_flow=quarry[3],
        periods=periods,
    )


def _yearly(route, product, year, values, summed: bool) -> tuple[np.ndarray, ...]:
    """(route, product, year, value) of the positive values, summed over the periods when ``summed``."""
    if summed and len(values):
        keys, inverse = np.unique(np.column_stack([route, product, year]), axis=0, return_inverse=True)
        sums = np.zeros(len(keys))
        np.add.at(sums, inverse.ravel(), values)
        route, product, year, values = keys[:, 0], keys[:, 1], keys[:, 2], _clean(sums)
    keep = values > 0
    return route[keep], product[keep], year[keep], values[keep]


def _period_solution(pb: Problem, built: Built, result, flow: np.ndarray, nq: np.ndarray) -> PeriodSolution:
    """The plan per (year, period)."""
    n_b, n_d, n_p, n_t = len(pb.bases), len(pb.nodes), len(pb.products), len(pb.years)
    n_s = len(pb.periods.names)
    keep, qkeep = flow > 0, nq > 0
    stock = None
    if pb.coproducts is not None:
        stock = _clean(_array(result, built.coproducts.get("stock", {}), (n_b, n_p, n_t, n_s)))
    return PeriodSolution(
        flow_route=built.x_route[keep],
        flow_product=built.x_product[keep],
        flow_year=built.x_year[keep],
        flow_period=built.x_period[keep],
        flow=flow[keep],
        quarry_route=built.nq_route[qkeep],
        quarry_product=built.nq_product[qkeep],
        quarry_year=built.nq_year[qkeep],
        quarry_period=built.nq_period[qkeep],
        quarry_flow=nq[qkeep],
        natural=_clean(_array(result, built.natural, (n_d, n_p, n_t, n_s))),
        unmet=_clean(_array(result, built.unmet, (n_d, n_p, n_t, n_s))),
        processed=_clean(_array(result, built.h, (n_b, n_t, n_s))),
        stock=stock,
        **_terminal_arrays(pb, built, result, flow),
    )


def _terminal_arrays(pb: Problem, built: Built, result, flow: np.ndarray) -> dict:
    """The flows by when they are railed and the stock in each terminal yard (nothing without yards)."""
    legs = built.legs
    if legs is None:
        return {}
    n_t, n_s = len(pb.years), len(pb.periods.names)
    stock = np.zeros((len(pb.terminal_yards.terminals), n_t, n_s))
    for (g, _p, t, s), v in _keyed_values(result, legs.stock):
        stock[legs.terminal[g], t, s] += v
    frame = pd.DataFrame(
        {"route": built.x_route, "product": built.x_product, "year": built.x_year, "period": built.x_period}
    ).assign(flow=flow, leg=legs.of_route[built.x_route])
    direct = frame[(frame["leg"] < 0) & (frame["flow"] > 0)]
    yearly = frame[frame["leg"] >= 0].groupby(["leg", "route", "product", "year"], as_index=False)["flow"].sum()
    yearly["part"] = yearly["flow"] / yearly.groupby(["leg", "product", "year"])["flow"].transform("sum")
    railed = pd.DataFrame(
        [(g, p, t, s, v) for (g, p, t, s), v in _keyed_values(result, legs.railed)],
        columns=["leg", "product", "year", "period", "railed"],
    )
    shares = yearly[yearly["flow"] > 0].merge(railed, on=["leg", "product", "year"])
    shares["flow"] = shares["railed"] * shares["part"]
    columns = ["route", "product", "year", "period", "flow"]
    both = pd.concat([direct[columns], shares[columns]], ignore_index=True).sort_values(columns[:4], kind="mergesort")
    both = both[_clean(both["flow"].to_numpy()) > 0]
    arrays = {c: both[c].to_numpy(int) for c in columns[:4]}
    return {
        "railed": RailedFlows(**arrays, flow=_clean(both["flow"].to_numpy(float))),
        "terminal_stock": _clean(stock),
    }


def _coproduct_arrays(pb: Problem, built: Built, result) -> dict[str, np.ndarray]:
    """Where unshipped product went, per base, product and year (nothing under free disposal)."""
    if pb.coproducts is None:
        return {}
    shape = (len(pb.bases), len(pb.products), len(pb.years))
    last = len(periods_of(pb).names) - 1
    year_end = {k: v for k, v in built.coproducts.get("stock", {}).items() if k[-1] == last}
    out = {name: _clean(_per_year(result, built.coproducts.get(kind, {}), shape)) for kind, name in _SUMMED.items()}
    return {**out, "stock": _clean(_per_year(result, year_end, shape))}


_SUMMED = {"local": "local_sold", "disposed": "disposed"}  # per year: summed over the periods


def _slack_shape(vars_: dict, n_t: int, n_d: int) -> tuple:
    first = next(iter(vars_))
    return (n_d, n_t) if isinstance(first, tuple) else (n_t,)
