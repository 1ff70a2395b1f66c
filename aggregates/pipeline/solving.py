"""The one funnel: a scenario (and its region) in, a :class:`~aggregates.pipeline.result.Result` out.

:func:`solve` runs every stage (region, fit check, network, route options, model, pre-check,
solve, plan) and writes nothing. The CLI, compare, sweeps and coverage all end here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.errors import InfeasibleError
from aggregates.optimize.explain import binding_limits, explain_elastic
from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution, SolverSettings
from aggregates.optimize.solve import solve as solve_problem
from aggregates.pipeline.cache import InputCache
from aggregates.pipeline.prepare import infeasible_header, prepare
from aggregates.pipeline.progress import Progress, Reporter
from aggregates.pipeline.result import Result
from aggregates.plan import make_plan

log = logging.getLogger(__name__)


def solve(
    scenario: Scenario,
    region: Region | str | Path | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cache: InputCache | None = None,
    export_model: str | Path | None = None,
    warm_start: np.ndarray | None = None,
) -> Result:
    """Plan a scenario: which bases to run at which level, who supplies whom by which chain.

    Parameters
    ----------
    scenario
        From :func:`aggregates.load_scenario`, or built in code.
    region
        The region: a :class:`~aggregates.data.region.Region` (e.g. with OSM roads), a folder,
        or ``None`` for the scenario's ``region`` folder.
    on_progress
        Called with a :class:`~aggregates.pipeline.progress.Progress` at each stage and for
        each solver log line (stage, fraction done, solver gap).
    cache
        Regions, networks and route options to reuse (sweeps pass one per process).
    export_model
        Write the MILP, exactly as the solver receives it, to this file (free MPS).
    warm_start
        :attr:`Result.warm_start` of a solve of the same model with other prices, caps or
        right-hand sides (a sweep's first variant): the solver starts from it where it is feasible.

    Returns
    -------
    Result
        The plan with its inputs; nothing is written.

    Raises
    ------
    InputError
        When the scenario does not fit the region (unknown city, zone, year, ...).
    InfeasibleError
        When the target or a policy cannot be met (with the binding limits in numbers), or
        the solver found no plan within its limits.
    """
    report = Reporter(on_progress)
    ready = prepare(scenario, region, cache=cache, report=report)
    instance = ready.instance
    report.stage(f"solving with {scenario.solver.name}", "solving")
    settings = solver_settings(scenario)
    solution = solve_problem(
        instance.problem, settings, on_log=report.solver_line, export_model=export_model, hint=warm_start
    )
    _check_solution(instance, solution, settings, report)
    report.stage("writing up the plan")
    result = Result(make_plan(instance, solution), ready.region, ready.network, instance, warm_start=solution.values)
    report.stage("done")
    return result


def solver_settings(scenario: Scenario) -> SolverSettings:
    """The core's solver settings from a scenario's ``solver`` section."""
    s = scenario.solver
    return SolverSettings(
        solver=s.name,
        time_limit_s=s.time_limit_s,
        relative_gap=s.relative_gap,
        threads=s.threads,
        seed=s.seed,
        shadow_prices=s.shadow_prices,
        presolve=s.presolve,
    )


def _check_solution(instance: Instance, solution: Solution, settings: SolverSettings, report: Reporter) -> None:
    scenario = instance.scenario
    if solution.status == "infeasible":
        report.stage("infeasible: finding the binding limits", "finding the binding limits")
        raise InfeasibleError(infeasible_header(scenario) + _explain(instance, settings))
    if not solution.has_plan:
        raise InfeasibleError(_no_plan_message(scenario, solution))


def _explain(instance: Instance, settings: SolverSettings) -> str:
    """Re-solve with targets and policies priced instead of enforced; say what is missed and what binds."""
    relaxed = SolverSettings(
        solver="highs",
        time_limit_s=settings.time_limit_s,
        relative_gap=0.01,
        threads=settings.threads,
        seed=settings.seed,
        shadow_prices=False,
    )
    elastic = solve_problem(instance.problem, relaxed, elastic=True)
    if not elastic.has_plan:
        return f"  - the elastic re-solve ended '{elastic.status}' ({elastic.detail}); no further explanation"
    lines = explain_elastic(instance, elastic)
    if not lines:
        lines = ["the solver proved infeasibility, but the relaxed model meets every target; binding limits:"]
        lines += [f"  {b}" for t in range(len(instance.problem.years)) for b in binding_limits(instance, elastic, t)]
    return "\n".join(f"  - {line}" if not line.startswith("  ") else f"    {line.strip()}" for line in lines)


def _no_plan_message(scenario: Scenario, solution: Solution) -> str:
    s = scenario.solver
    return (
        f"{scenario.origin}: the solver ({s.name}) found no plan: {solution.status} "
        f"({solution.detail}) after {solution.solve_seconds:.1f} s. Raise solver.time_limit_s (now {s.time_limit_s:g}) "
        f"or loosen solver.relative_gap (now {s.relative_gap:g}), e.g. --set solver.time_limit_s=600"
    )
