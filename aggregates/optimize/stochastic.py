"""The two-stage stochastic plan over sampled problems: the extensive form and plans evaluated per sample.

First stage: the level binaries ``z`` (which bases run at which capacity level), chosen once and
shared by every sample. Second stage: everything else (flows, quarry hauls, natural aggregate,
unmet demand, target shortfall, co-products), one copy per sample. The extensive form minimises
``sum_s p_s x (cost of sample s)``: the first-stage cost is the expected fixed cost of the levels
(equal in every sample unless the samples change fixed costs), the rest the expected second-stage cost.

Nothing here builds a model twice: :func:`extensive_form` builds each sample's model with
:func:`aggregates.optimize.model.build_model`, merges the ``z`` columns of all samples into one
block and stacks the other columns and rows block-diagonally. A plan's build decisions are
evaluated on a sample by fixing ``z`` in that sample's own model (a bound change) and re-solving
the flows, an LP (:func:`evaluate`). Solves go through the same child process, parameters and
status words as :func:`aggregates.optimize.solve.solve`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass, replace

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt
from scipy import sparse

from aggregates.optimize.isolated import solver_process
from aggregates.optimize.model import Built, ModelArrays, build_model
from aggregates.optimize.problem import Problem
from aggregates.optimize.solve import SOLVERS, Answer, SolverSettings, solve_parameters, status_words

TARGET_TOL = 1e-6  # Mt: a shortfall below this meets the target (solver noise)
# A level's capacity may differ (a base capacity factor): it enters only the sample's own capacity rows.
FIRST_STAGE_FIELDS = ("years", "bases", "level_base", "level_number", "base_open_required")


@dataclass(frozen=True)
class Figures:
    """What one sample's plan costs and does, in the problem's units (Mt, million yuan, Mt CO2e), all years summed.

    Attributes
    ----------
    cost
        The sample's objective: fixed cost of the levels plus the second-stage cost.
    build_cost
        Fixed cost of the levels (the first-stage cost).
    delivered
        Solid-waste aggregate shipped (what the target counts).
    natural
        Natural aggregate: quarry hauls and imports.
    unmet
        Demand left unmet.
    shortfall
        Below the target (a soft target's priced shortfall).
    co2e
        Emissions of flows, quarry hauls and imports.
    """

    cost: float
    build_cost: float
    delivered: float
    natural: float
    unmet: float
    shortfall: float
    co2e: float

    @property
    def target_met(self) -> bool:
        """Whether the plan meets the target in every year of the sample."""
        return self.shortfall <= TARGET_TOL


@dataclass(frozen=True)
class Evaluation:
    """One sample solved, alone (its own levels) or with the levels of a plan fixed.

    ``levels`` is the (L, T) 0/1 array of the levels used; ``figures`` None when the solve has no plan.
    """

    status: str
    detail: str
    levels: np.ndarray | None
    figures: Figures | None
    mip_gap: float
    seconds: float

    @property
    def has_plan(self) -> bool:
        return self.figures is not None


@dataclass(frozen=True)
class Extensive:
    """The extensive form as the solver receives it and where each sample's columns went.

    Attributes
    ----------
    proto
        One MILP: the shared ``z`` columns first, then each sample's other columns in turn.
    n_variables, n_rows
        Its size.
    z
        (L, T) ids of the shared level binaries.
    columns
        Per sample, the extensive column of each of the sample's own columns.
    built
        Per sample, its own model (ids and arrays).
    """

    proto: model_pb2.ModelProto
    n_variables: int
    n_rows: int
    z: np.ndarray
    columns: tuple[np.ndarray, ...]
    built: tuple[Built, ...]

    @property
    def size(self) -> dict[str, int]:
        """Variables, binaries, rows and non-zeros of the extensive form."""
        return {
            "variables": self.n_variables,
            "integer_variables": int(self.z.size),
            "constraints": self.n_rows,
            "nonzeros": len(self.proto.linear_constraint_matrix.row_ids),
        }


@dataclass(frozen=True)
class ExtensiveSolution:
    """The extensive form solved: the levels chosen, the expected cost and each sample's figures.

    ``objective`` is the expected cost (RP) of the best plan found, ``bound`` the solver's lower bound
    on it; ``samples`` the figures of each sample under the chosen levels (empty without a plan).
    """

    status: str
    detail: str
    objective: float
    bound: float
    mip_gap: float
    levels: np.ndarray | None
    samples: tuple[Figures, ...]
    seconds: float
    size: dict[str, int]

    @property
    def has_plan(self) -> bool:
        return self.levels is not None


def check_first_stage(problems: Sequence[Problem]) -> None:
    """Raise ``ValueError`` unless every problem has the first one's years, bases and levels.

    The samples may differ in anything else (demand, prices, capacities, routes, fixed costs).
    """
    if not problems:
        raise ValueError("no samples: the stochastic plan needs at least one")
    first = problems[0]
    for i, pb in enumerate(problems[1:], start=1):
        for name in FIRST_STAGE_FIELDS:
            if not np.array_equal(np.asarray(getattr(pb, name)), np.asarray(getattr(first, name))):
                raise ValueError(
                    f"sample {i} has other {name} than sample 0: the samples must share the years, bases and "
                    "levels (the build decisions); vary demand, prices or capacities only"
                )
        if pb.allow_closing != first.allow_closing:
            raise ValueError(f"sample {i} has another allow_closing than sample 0")


def checked_probabilities(probabilities: Sequence[float], n: int) -> np.ndarray:
    """The probabilities as an array; ``ValueError`` unless ``n`` values >= 0 that sum to 1."""
    p = np.asarray(probabilities, float)
    if p.shape != (n,) or np.any(~np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"probabilities: expected {n} values >= 0 that sum to 1, got {list(np.ravel(p))}")
    return p


def extensive_form(problems: Sequence[Problem], probabilities: Sequence[float]) -> Extensive:
    """The deterministic equivalent of the two-stage problem over the samples.

    Each sample's model is built as for a solve of its own; its ``z`` columns are mapped onto one
    shared block, its other columns and rows stacked after those of the samples before it. The
    level rows (one level per base, no fall-back) involve ``z`` alone and are the same in every
    sample, so only sample 0's are kept. Objective: each sample's costs times its probability.

    Raises
    ------
    ValueError
        Samples that do not share the build decisions (:func:`check_first_stage`), bad probabilities.
    """
    filled = [pb.filled() for pb in problems]
    check_first_stage(filled)
    p = checked_probabilities(probabilities, len(filled))
    built = tuple(build_model(pb) for pb in filled)
    n_z = built[0].z.size
    columns, costs, uppers, integers = [], [np.zeros(n_z)], [np.ones(n_z)], [np.ones(n_z, bool)]
    row_lower, row_upper, entries = [], [], []
    n_vars, n_rows = n_z, 0
    for s, b in enumerate(built):
        arrays = b.arrays
        own = np.ones(b.n_variables, bool)
        own[b.z.ravel()] = False
        column = np.empty(b.n_variables, np.int64)
        column[b.z.ravel()] = np.arange(n_z)
        column[own] = n_vars + np.arange(int(own.sum()))
        n_vars += int(own.sum())
        columns.append(column)
        costs[0] += p[s] * arrays.cost[b.z.ravel()]
        costs.append(p[s] * arrays.cost[own])
        uppers.append(arrays.upper[own])
        integers.append(arrays.integer[own])
        kept = np.ones(b.n_rows, bool)
        if s > 0:
            for name, lo, hi in arrays.row_families:
                if name == "levels":
                    kept[lo:hi] = False
        row_id = np.full(b.n_rows, -1, np.int64)
        row_id[kept] = n_rows + np.arange(int(kept.sum()))
        n_rows += int(kept.sum())
        row_lower.append(arrays.row_lower[kept])
        row_upper.append(arrays.row_upper[kept])
        keep = kept[arrays.rows]
        entries.append((row_id[arrays.rows[keep]], column[arrays.columns[keep]], arrays.values[keep]))
    matrix = sparse.csr_matrix(
        (
            np.concatenate([e[2] for e in entries]),
            (np.concatenate([e[0] for e in entries]), np.concatenate([e[1] for e in entries])),
        ),
        shape=(n_rows, n_vars),
    )
    matrix.sort_indices()
    merged = ModelArrays(
        cost=np.concatenate(costs),
        upper=np.concatenate(uppers),
        integer=np.concatenate(integers),
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
        rows=np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(matrix.indptr)),
        columns=matrix.indices.astype(np.int64),
        values=matrix.data,
        families=[],
        row_families=[],
    )
    z = np.arange(n_z, dtype=np.int64).reshape(built[0].z.shape)
    return Extensive(merged.proto("stochastic"), n_vars, n_rows, z, tuple(columns), built)


def solve_extensive(
    problems: Sequence[Problem], probabilities: Sequence[float], settings: SolverSettings | None = None
) -> ExtensiveSolution:
    """Solve the extensive form: the levels that minimise the expected cost over the samples (RP).

    Parameters
    ----------
    problems
        The samples: the same years, bases and levels; anything else may differ.
    probabilities
        One per sample, summing to 1.
    settings
        Solver, time limit and gap, as for a single solve.
    """
    settings = settings or SolverSettings()
    started = time.perf_counter()
    ext = extensive_form(problems, probabilities)
    status, detail, answer = solve_model(ext.proto, ext.n_variables, ext.n_rows, settings)
    seconds = time.perf_counter() - started
    if answer.primal is None:
        return ExtensiveSolution(status, detail, np.nan, np.nan, np.inf, None, (), seconds, ext.size)
    levels = np.round(answer.primal[ext.z]).astype(int)
    filled = [pb.filled() for pb in problems]
    samples = tuple(
        figures_of(pb, b, answer.primal[column]) for pb, b, column in zip(filled, ext.built, ext.columns, strict=True)
    )
    gap = abs(answer.objective - answer.bound) / max(abs(answer.objective), 1e-9)
    return ExtensiveSolution(status, detail, answer.objective, answer.bound, gap, levels, samples, seconds, ext.size)


def evaluate(problem: Problem, settings: SolverSettings | None = None, levels: np.ndarray | None = None) -> Evaluation:
    """One sample solved alone (``levels`` None: its own best levels) or with ``levels`` fixed (flows re-optimised).

    Parameters
    ----------
    problem
        The sample.
    settings
        Solver settings; with ``levels`` fixed the model is an LP, solved with HiGHS.
    levels
        (L, T) 0/1 levels of a plan, e.g. :attr:`ExtensiveSolution.levels`.
    """
    settings = settings or SolverSettings()
    started = time.perf_counter()
    pb = problem.filled()
    built = build_model(pb)
    if levels is not None:
        fix_levels(built.proto, built.z, levels)
    status, detail, answer = solve_model(built.proto, built.n_variables, built.n_rows, settings, lp=levels is not None)
    seconds = time.perf_counter() - started
    if answer.primal is None:
        return Evaluation(status, detail, None, None, np.inf, seconds)
    chosen = np.round(answer.primal[built.z]).astype(int)
    gap = 0.0 if levels is not None else abs(answer.objective - answer.bound) / max(abs(answer.objective), 1e-9)
    return Evaluation(status, detail, chosen, figures_of(pb, built, answer.primal), gap, seconds)


def fix_levels(proto: model_pb2.ModelProto, z: np.ndarray, levels: np.ndarray) -> None:
    """Fix the level binaries ``z`` (ids) of a model at ``levels`` (0/1, same shape): bounds, no integrality."""
    variables = proto.variables
    values = np.asarray(levels, float)
    if values.shape != z.shape:
        raise ValueError(f"levels: expected shape {z.shape}, got {values.shape}")
    for var, value in zip(z.ravel().tolist(), values.ravel().tolist(), strict=True):
        variables.integers[var] = False
        variables.lower_bounds[var] = value
        variables.upper_bounds[var] = value


def solve_model(
    proto: model_pb2.ModelProto, n_variables: int, n_rows: int, settings: SolverSettings, *, lp: bool = False
) -> tuple[str, str, Answer]:
    """Solve a proto in the solver child process with the settings of a single solve; status word, detail, answer.

    ``lp``: the model has no integer variable left (levels fixed): HiGHS with its LP parameters.
    """
    if settings.solver not in SOLVERS:
        raise ValueError(f"unknown solver {settings.solver!r}; choose one of {sorted(SOLVERS)}")
    solver = mathopt.SolverType.HIGHS if lp else SOLVERS[settings.solver]
    with solver_process() as process:
        raw = process.solve_proto(proto, solver, solve_parameters(settings, lp=lp))
    answer = Answer.read(raw, n_variables, n_rows)
    status, detail = status_words(answer)
    return status, detail, answer


def figures_of(pb: Problem, built: Built, values: np.ndarray) -> Figures:
    """A sample's figures from the values of its own model's variables (``pb`` filled)."""
    arrays = built.arrays
    z = built.z.ravel()
    natural_keys = built.natural.keys
    co2e = (
        pb.route_co2e[built.x_route, built.x_year] @ values[built.x]
        + pb.qroute_co2e[built.nq_route, built.nq_year] @ values[built.nq]
        + (pb.natural_co2e[tuple(natural_keys[:, :3].T)] @ values[built.natural.ids] if len(natural_keys) else 0.0)
    )
    return Figures(
        cost=float(arrays.cost @ values),
        build_cost=float(arrays.cost[z] @ values[z]),
        delivered=float(values[built.x].sum()),
        natural=float(values[built.nq].sum() + values[built.natural.ids].sum()),
        unmet=float(values[built.unmet.ids].sum()),
        shortfall=float(values[built.shortfall.ids].sum()),
        co2e=float(co2e),
    )


def mean_problem(problems: Sequence[Problem], probabilities: Sequence[float]) -> Problem:
    """The mean-value problem: every number that differs between the samples replaced by its expected value.

    Raises
    ------
    ValueError
        Samples whose arrays differ in shape (e.g. another set of routes): they have no mean.
    """
    p = checked_probabilities(probabilities, len(problems))
    filled = [pb.filled() for pb in problems]
    check_first_stage(filled)
    return _mean_of("problem", filled, p) or filled[0]


def _mean_of(name: str, items: list, p: np.ndarray):
    """A dataclass (the problem, its periods, co-products, ...) with every differing number averaged."""
    changes: dict[str, object] = {}
    for f in fields(items[0]):
        mean = _mean(f"{name}.{f.name}", [getattr(item, f.name) for item in items], p)
        if mean is not None:
            changes[f.name] = mean
    return replace(items[0], **changes) if changes else None


def _mean(name: str, values: list, p: np.ndarray):
    """The expected value of one field over the samples; None where all samples agree or it is not a number."""
    first = values[0]
    if is_dataclass(first) and not isinstance(first, type):
        if any(v is None or type(v) is not type(first) for v in values):
            raise ValueError(f"{name}: given in some samples only; they have no mean-value problem")
        return _mean_of(name, values, p)
    if isinstance(first, float | int) and not isinstance(first, bool):
        return float(np.dot(p, values)) if any(v != first for v in values) else None
    if sparse.issparse(first):
        if any(v.shape != first.shape for v in values):
            raise ValueError(f"{name}: the samples' arrays differ in shape; they have no mean-value problem")
        if all((v != first).nnz == 0 for v in values[1:]):
            return None
        return sum(pv * v for pv, v in zip(p, values, strict=True)).tocsr()
    if not isinstance(first, np.ndarray) or first.dtype.kind != "f":
        return None
    if any(np.shape(v) != first.shape for v in values):
        raise ValueError(f"{name}: the samples' arrays differ in shape; they have no mean-value problem")
    if all(np.array_equal(v, first, equal_nan=True) for v in values[1:]):
        return None
    stacked = np.stack(values)
    same = np.all((stacked == first) | (np.isnan(stacked) & np.isnan(first)), axis=0)
    with np.errstate(invalid="ignore"):  # inf x 0 where a sample has probability 0: those cells agree anyway
        return np.where(same, first, np.tensordot(p, np.where(same, 0.0, stacked), axes=1))
