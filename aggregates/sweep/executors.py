"""Solving many variants: in this process, or on a Dask cluster (local worker processes or a scheduler).

Rows come back in the order the variants were given, whatever order the workers finish in,
so the same inputs give the same tables with any number of workers. The region, the network and
the route options are built once (by the caller, and sent to every worker of a cluster) and
reused by every variant that does not change them; a worker builds what a variant changes once.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np

from aggregates.analysis.tradeoffs import empty_row, summarise
from aggregates.config import Scenario
from aggregates.errors import InfeasibleError
from aggregates.pipeline import InputCache, solve
from aggregates.sweep.cluster import DaskPool, adopted_cache, cluster_spec, dask_pool

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Variant:
    """One solve of a sweep: a scenario (the base with a few values changed), a label, and the year reported.

    Picklable, so it travels to worker processes (or cluster workers) as it is.

    Attributes
    ----------
    warm_start
        The solver's values of a solve of the same model (the sweep's first variant): the solve starts there.
    rebuild
        The baseline: read the region, build the network and the model anew, no warm start, shadow prices as
        the scenario says (the row is the same; only the time differs).
    """

    label: str
    scenario: Scenario
    year: int
    warm_start: np.ndarray | None = field(default=None, repr=False, compare=False)
    rebuild: bool = False


# Variants solved cold, together, before the others start from the first one's plan: two, so that two
# workers both work from the start (a fixed number: the rows must not depend on the workers).
COLD_STARTS = 2


@functools.cache
def _own_cache() -> InputCache:
    return InputCache()


def process_cache() -> InputCache:
    """This process's cache of regions, networks and route options: the one a cluster sent to this worker,
    or one of its own (one per process)."""
    return adopted_cache() or _own_cache()


def solve_variant(variant: Variant) -> dict:
    """Solve one variant and boil it down to a row (:func:`aggregates.analysis.tradeoffs.summarise`).

    A variant with no plan gives a row with status ``infeasible`` and the reasons in ``message``.
    """
    return solve_variant_keeping_start(variant)[0]


def solve_variant_keeping_start(variant: Variant) -> tuple[dict, np.ndarray | None]:
    """:func:`solve_variant`, and the solver's values of its plan: the warm start of the variants after it."""
    started = time.perf_counter()
    scenario = variant.scenario if variant.rebuild else _row_only(variant.scenario, variant.year)
    cache = InputCache() if variant.rebuild else process_cache()
    try:
        result = solve(scenario, cache=cache, warm_start=variant.warm_start)
    except InfeasibleError as exc:
        row, start = empty_row(variant.year, exc.message), None
    else:
        row, start = summarise(result.plan, variant.year), result.warm_start
    return {**row, "seconds": round(time.perf_counter() - started, 2)}, start


def _row_only(scenario: Scenario, year: int) -> Scenario:
    """The scenario as a sweep row needs it: the LP re-solve for shadow prices only where the row shows one
    (the emissions cap's, in a year with a cap)."""
    if not scenario.solver.shadow_prices or scenario.policies.emissions_cap(year) is not None:
        return scenario
    return scenario.with_values({"solver.shadow_prices": False})


@contextmanager
def worker_pool(
    workers: int | None,
    tasks: int,
    *,
    cluster: str | None = None,
    scenarios: Sequence[Scenario] = (),
) -> Iterator[DaskPool | None]:
    """Where up to ``tasks`` solves run: a Dask cluster, or this process (None).

    Parameters
    ----------
    workers
        Worker processes of a local cluster (default: one per core, at most one per task); with 1
        and no ``cluster``, everything runs in this process.
    tasks
        Solves the pool will run at most at once.
    cluster
        ``local``, ``local:N`` or ``tcp://HOST:PORT`` (see :func:`~aggregates.sweep.cluster.cluster_spec`).
    scenarios
        Scenarios whose region (and, for the first, network and route options) are built here once and
        sent to every worker.

    One pool can serve several :func:`map_in_order` calls, so its workers start only once. An
    exception in the block (Ctrl-C above all) cancels the tasks and stops a local cluster's workers.
    """
    spec = cluster_spec(cluster, workers, tasks)
    if spec is None:
        yield None
        return
    with dask_pool(spec, scenarios) as pool:
        yield pool


def map_in_order(
    pool: DaskPool | None,
    function: Callable[[T], R],
    items: Sequence[T],
    on_done: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``function`` of every item in ``pool`` (None: in this process), results in the order given."""
    if pool is not None:
        return pool.map(function, items, on_done)
    total = len(items)
    out = []
    for item in items:
        out.append(function(item))
        if on_done is not None:
            on_done(len(out), total)
    return out


def run_variants(
    variants: Sequence[Variant],
    *,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
    rebuild: bool = False,
) -> list[dict]:
    """Solve variants, ``workers`` at a time, and return their rows in the order given.

    The first :data:`COLD_STARTS` variants are solved first, as they are; the others start from the first
    one's plan (a warm start). Which variants start warm does not depend on the workers, so every row is
    the same whatever their number.

    Parameters
    ----------
    variants
        What to solve.
    workers
        Worker processes; default one per core, at most one per variant. With 1, everything
        runs in this process.
    on_done
        Called with (variants done, variants in all) as each finishes (progress displays).
    cluster
        A Dask cluster to solve on (:func:`worker_pool`); the first variant's inputs are sent to it.
    rebuild
        The baseline: each variant reads the region and builds its network and model anew, with no warm start.
    """
    if rebuild:
        with worker_pool(workers, len(variants), cluster=cluster) as pool:
            return map_in_order(pool, solve_variant, [replace(v, rebuild=True) for v in variants], on_done)
    scenarios = [v.scenario for v in variants[:1]]
    with worker_pool(workers, len(variants), cluster=cluster, scenarios=scenarios) as pool:
        return warm_started(pool, variants, on_done, starts=COLD_STARTS)


def warm_started(pool: DaskPool | None, variants: Sequence[Variant], on_done=None, starts: int = 1) -> list[dict]:
    """Rows of ``variants``: the first ``starts`` solved, then the rest from the first one's plan."""
    total = len(variants)
    first = map_in_order(pool, solve_variant_keeping_start, variants[:starts], _shifted(on_done, 0, total))
    start = first[0][1]
    rest = [replace(v, warm_start=start) for v in variants[starts:]]
    rows = map_in_order(pool, solve_variant, rest, _shifted(on_done, starts, total))
    return [row for row, _start in first] + rows


def _shifted(on_done: Callable[[int, int], None] | None, before: int, total: int):
    """Progress of a batch as progress of the whole sweep (``before`` done already)."""
    if on_done is None:
        return None
    return lambda done, _batch: on_done(before + done, total)
