"""Solve the allocation MILP and read the solution back as plain arrays.

:func:`solve` takes a :class:`~aggregates.optimize.problem.Problem` and returns a
:class:`Solution`; the problem is never modified and nothing is attached to it. The
single place that turns a solver's termination into our status words is :func:`status_words`.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.math_opt import model_parameters_pb2, result_pb2, solution_pb2
from ortools.math_opt.python import mathopt

from aggregates.files import write_text
from aggregates.optimize.isolated import SolverProcess, solver_process
from aggregates.optimize.model import Built, Keyed, build_model, periods_of
from aggregates.optimize.mps import model_mps
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
    values: np.ndarray | None = None  # the solver's value of each model variable: a warm start for a variant

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


def solve_parameters(settings: SolverSettings, lp: bool = False) -> mathopt.SolveParameters:
    """MathOpt's parameters for ``settings``: time limit, gaps, seed, threads, HiGHS's presolve (``lp``: the LP re-solve)."""
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


@dataclass(frozen=True)
class Answer:
    """A solver's answer read straight from its ``SolveResultProto``: values by variable and row id."""

    reason: int  # a TerminationReasonProto value (those of mathopt.TerminationReason)
    detail: str
    objective: float
    bound: float
    primal: np.ndarray | None  # (variables,) of the best primal feasible solution
    dual: np.ndarray | None  # (rows,) of a dual feasible solution

    @staticmethod
    def read(proto: result_pb2.SolveResultProto, n_variables: int, n_rows: int) -> Answer:
        """The answer of a result proto of a model with ``n_variables`` and ``n_rows``."""
        feasible = solution_pb2.SOLUTION_STATUS_FEASIBLE
        primal = next(
            (s.primal_solution for s in proto.solutions if s.HasField("primal_solution")),
            None,
        )
        dual = next((s.dual_solution for s in proto.solutions if s.HasField("dual_solution")), None)
        has_primal = primal is not None and primal.feasibility_status == feasible
        has_dual = dual is not None and dual.feasibility_status == feasible
        term = proto.termination
        return Answer(
            reason=int(term.reason),
            detail=term.detail,
            objective=float(primal.objective_value) if has_primal else float("nan"),
            bound=float(term.objective_bounds.dual_bound),
            primal=_dense(primal.variable_values, n_variables) if has_primal else None,
            dual=_dense(dual.dual_values, n_rows) if has_dual else None,
        )


def _dense(vector, n: int) -> np.ndarray:
    """A SparseDoubleVectorProto as a dense array of length ``n``."""
    out = np.zeros(n)
    out[np.fromiter(vector.ids, np.int64, len(vector.ids))] = np.fromiter(vector.values, float, len(vector.values))
    return out


def status_words(answer: Answer) -> tuple[str, str]:
    """Our status word and a one-line detail for a solver's answer."""
    reason = answer.reason
    name = mathopt.TerminationReason(reason).name if reason in _REASONS else "unspecified"
    detail = f"{name.lower()}: {answer.detail}".strip(": ")
    T = mathopt.TerminationReason
    if reason == T.OPTIMAL.value:
        return "optimal", detail
    if reason in (T.INFEASIBLE.value, T.INFEASIBLE_OR_UNBOUNDED.value):
        return "infeasible", detail
    if reason == T.UNBOUNDED.value:
        return "unbounded", detail
    if reason == T.FEASIBLE.value or answer.primal is not None:
        return "feasible", detail
    if reason == T.NO_SOLUTION_FOUND.value:
        return "no_solution", detail
    return "error", detail


_REASONS = {r.value for r in mathopt.TerminationReason}


def _gap(objective: float, bound: float) -> float:
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _array(values: np.ndarray, keyed: Keyed, shape: tuple) -> np.ndarray:
    """Values of keyed ids placed at their keys in an array of ``shape``."""
    out = np.zeros(shape)
    if len(keyed):
        out[tuple(keyed.keys.T)] = values[keyed.ids]
    return out


def _per_year(values: np.ndarray, keyed: Keyed, shape: tuple) -> np.ndarray:
    """Values keyed (..., t, s) summed over the periods s into ``shape`` (..., T)."""
    out = np.zeros(shape)
    if len(keyed):
        np.add.at(out, tuple(keyed.keys[:, :-1].T), values[keyed.ids])
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


def _duals(pb: Problem, built: Built, mip: Answer, settings: SolverSettings, process: SolverProcess) -> Duals | None:
    """Fix the level binaries at their MIP values in the same model, re-solve it as an LP with HiGHS and read
    the dual values."""
    variables = built.proto.variables
    for var, value in zip(built.z.ravel().tolist(), np.round(mip.primal[built.z.ravel()]).tolist(), strict=True):
        variables.integers[var] = False
        variables.lower_bounds[var] = value
        variables.upper_bounds[var] = value
    raw = process.solve_proto(built.proto, mathopt.SolverType.HIGHS, solve_parameters(settings, lp=True))
    result = Answer.read(raw, built.n_variables, built.n_rows)
    if result.reason != mathopt.TerminationReason.OPTIMAL.value or result.dual is None:
        log.warning("shadow prices unavailable: LP re-solve ended %s", status_words(result)[1])
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
        rows = built.rows.get(kind, Keyed.empty(len(shape)))
        out = np.zeros(shape)
        if len(rows):
            keys = rows.keys
            values = result.dual[rows.ids] / w[keys[:, year_axis]]
            if kind in parts:
                np.add.at(out, tuple(keys[:, :-1].T), values * parts[kind](keys.T))
            else:
                out[tuple(keys.T)] = values
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
    export_model: str | Path | None = None,
    hint: np.ndarray | None = None,
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
    export_model
        Write the MILP, exactly as the solver receives it, to this file in free MPS format
        (written atomically, while the solver runs in its child process).
    hint
        A warm start: :attr:`Solution.values` of a solve of a model with the same variables (a
        variant with other prices, caps or right-hand sides). The solver starts from it where it is
        feasible; a hint of another length is ignored.

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
        exporting = _Export(built, export_model) if export_model is not None else None
        try:
            callback = (lambda lines: [on_log(s) for s in lines]) if on_log else None
            t0 = time.perf_counter()
            warm = _hint(hint, built.n_variables)
            raw = process.solve_proto(built.proto, SOLVERS[settings.solver], solve_parameters(settings), callback, warm)
            result = Answer.read(raw, built.n_variables, built.n_rows)
            solve_s = time.perf_counter() - t0
        finally:
            if exporting is not None:
                exporting.wait()
        built.arrays = None  # the proto holds the model from here on
        status, detail = status_words(result)
        log.info("solve: %s in %.2f s", detail, solve_s)
        if status not in ("optimal", "feasible"):
            return Solution(status, detail, float("nan"), float("nan"), float("inf"), build_s, solve_s, size=size)
        duals = _duals(pb, built, result, settings, process) if settings.shadow_prices else None
    return _read_solution(pb, built, result, status, detail, (build_s, solve_s), size, duals)


def _hint(values: np.ndarray | None, n_variables: int) -> model_parameters_pb2.ModelSolveParametersProto | None:
    """A solution hint of every variable, or None without one (or with one of another model)."""
    if values is None or len(values) != n_variables:
        if values is not None:
            log.info("warm start ignored: %d values for %d variables", len(values), n_variables)
        return None
    params = model_parameters_pb2.ModelSolveParametersProto()
    hint = params.solution_hints.add()
    hint.variable_values.ids.extend(range(n_variables))
    hint.variable_values.values.extend(np.asarray(values, float).tolist())
    return params


class _Export:
    """Writes the MPS file in a thread while the solver works in its child process (this one only waits)."""

    def __init__(self, built: Built, path: str | Path):
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, args=(built, path), name="export-model")
        self._thread.start()

    def _write(self, built: Built, path: str | Path) -> None:
        try:
            write_text(path, model_mps(built))
        except BaseException as exc:  # handed to the caller in wait()
            self._error = exc

    def wait(self) -> None:
        """Wait for the file; raise what writing it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error


def _model_size(built: Built) -> dict[str, int]:
    return {
        "variables": built.n_variables,
        "integer_variables": int(built.z.size),
        "constraints": built.n_rows,
    }


def _read_solution(pb, built: Built, result: Answer, status, detail, seconds, size, duals) -> Solution:
    values = result.primal
    objective, bound = result.objective, result.bound
    flow = _clean(values[built.x])
    nq = _clean(values[built.nq])
    periods = _period_solution(pb, built, values, flow, nq) if pb.periods is not None else None
    flows = _yearly(built.x_route, built.x_product, built.x_year, flow, periods is not None)
    quarry = _yearly(built.nq_route, built.nq_product, built.nq_year, nq, periods is not None)
    n_b, n_d, n_p, n_t = len(pb.bases), len(pb.nodes), len(pb.products), len(pb.years)
    z = values[built.z] if built.z.size else np.zeros(built.z.shape)
    slack = {name: _clean(_array(values, ids, _slack_shape(ids, n_t, n_d))) for name, ids in built.slack.items()}
    return Solution(
        status=status,
        detail=detail,
        objective=objective,
        bound=bound if built.z.size else objective,
        mip_gap=_gap(objective, bound) if built.z.size else 0.0,
        build_seconds=seconds[0],
        solve_seconds=seconds[1],
        flow_route=flows[0],
        flow_product=flows[1],
        flow_year=flows[2],
        flow=flows[3],
        natural=_clean(_per_year(values, built.natural, (n_d, n_p, n_t))),
        unmet=_clean(_per_year(values, built.unmet, (n_d, n_p, n_t))),
        processed=_clean(_per_year(values, built.h, (n_b, n_t))),
        level=_level_choice(pb, z),
        shortfall=_clean(_array(values, built.shortfall, (n_t,))),
        **_coproduct_arrays(pb, built, values),
        slack=slack,
        duals=duals,
        size=size,
        quarry_route=quarry[0],
        quarry_product=quarry[1],
        quarry_year=quarry[2],
        quarry_flow=quarry[3],
        periods=periods,
        values=values,
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


def _period_solution(pb: Problem, built: Built, values, flow: np.ndarray, nq: np.ndarray) -> PeriodSolution:
    """The plan per (year, period)."""
    n_b, n_d, n_p, n_t = len(pb.bases), len(pb.nodes), len(pb.products), len(pb.years)
    n_s = len(pb.periods.names)
    keep, qkeep = flow > 0, nq > 0
    stock = None
    if pb.coproducts is not None:
        stock = _clean(_array(values, built.coproducts.get("stock", Keyed.empty(4)), (n_b, n_p, n_t, n_s)))
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
        natural=_clean(_array(values, built.natural, (n_d, n_p, n_t, n_s))),
        unmet=_clean(_array(values, built.unmet, (n_d, n_p, n_t, n_s))),
        processed=_clean(_array(values, built.h, (n_b, n_t, n_s))),
        stock=stock,
        **_terminal_arrays(pb, built, values, flow),
    )


def _terminal_arrays(pb: Problem, built: Built, values: np.ndarray, flow: np.ndarray) -> dict:
    """The flows by when they are railed and the stock in each terminal yard (nothing without yards)."""
    legs = built.legs
    if legs is None:
        return {}
    n_t, n_s = len(pb.years), len(pb.periods.names)
    stock = np.zeros((len(pb.terminal_yards.terminals), n_t, n_s))
    keys = legs.stock.keys
    np.add.at(stock, (legs.terminal[keys[:, 0]], keys[:, 2], keys[:, 3]), values[legs.stock.ids])
    frame = pd.DataFrame(
        {"route": built.x_route, "product": built.x_product, "year": built.x_year, "period": built.x_period}
    ).assign(flow=flow, leg=legs.of_route[built.x_route])
    direct = frame[(frame["leg"] < 0) & (frame["flow"] > 0)]
    yearly = frame[frame["leg"] >= 0].groupby(["leg", "route", "product", "year"], as_index=False)["flow"].sum()
    yearly["part"] = yearly["flow"] / yearly.groupby(["leg", "product", "year"])["flow"].transform("sum")
    railed = pd.DataFrame(legs.railed.keys, columns=["leg", "product", "year", "period"]).assign(
        railed=values[legs.railed.ids]
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


def _coproduct_arrays(pb: Problem, built: Built, values: np.ndarray) -> dict[str, np.ndarray]:
    """Where unshipped product went, per base, product and year (nothing under free disposal)."""
    if pb.coproducts is None:
        return {}
    shape = (len(pb.bases), len(pb.products), len(pb.years))
    last = len(periods_of(pb).names) - 1
    stock = built.coproducts.get("stock", Keyed.empty(4))
    at_end = stock.keys[:, -1] == last
    year_end = Keyed(stock.keys[at_end], stock.ids[at_end])
    empty = Keyed.empty(4)
    out = {name: _clean(_per_year(values, built.coproducts.get(kind, empty), shape)) for kind, name in _SUMMED.items()}
    return {**out, "stock": _clean(_per_year(values, year_end, shape))}


_SUMMED = {"local": "local_sold", "disposed": "disposed"}  # per year: summed over the periods


def _slack_shape(ids: Keyed, n_t: int, n_d: int) -> tuple:
    return (n_d, n_t) if ids.keys.shape[1] == 2 else (n_t,)
