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
from dataclasses import dataclass
from typing import TypeVar

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
    """

    label: str
    scenario: Scenario
    year: int


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
    started = time.perf_counter()
    try:
        result = solve(variant.scenario, cache=process_cache())
    except InfeasibleError as exc:
        row = empty_row(variant.year, exc.message)
    else:
        row = summarise(result.plan, variant.year)
    return {**row, "seconds": round(time.perf_counter() - started, 2)}


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
) -> list[dict]:
    """Solve variants, ``workers`` at a time, and return their rows in the order given.

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
    """
    with worker_pool(workers, len(variants), cluster=cluster, scenarios=[v.scenario for v in variants[:1]]) as pool:
        return map_in_order(pool, solve_variant, variants, on_done)
