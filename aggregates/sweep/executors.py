"""Solving many variants: in this process, or in worker processes that each build the shared inputs once.

Rows come back in the order the variants were given, whatever order the workers finish in,
so the same inputs give the same tables with any number of workers. Each worker process keeps
one :class:`~aggregates.pipeline.cache.InputCache`: the region, the network and the route
options are built once per process and reused by every variant that does not change them.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from aggregates.analysis.tradeoffs import empty_row, summarise
from aggregates.config import Scenario
from aggregates.errors import InfeasibleError
from aggregates.pipeline import InputCache, solve

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
def process_cache() -> InputCache:
    """This process's cache of regions, networks and route options (one per worker process)."""
    return InputCache()


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
def worker_pool(workers: int | None, tasks: int) -> Iterator[Executor | None]:
    """Worker processes for up to ``tasks`` solves at a time (default: one per core); None for just one.

    One pool can serve several :func:`map_in_order` calls, so its workers start only once.
    """
    workers = max(1, min(workers or os.cpu_count() or 1, tasks))
    if workers == 1:
        yield None
        return
    # spawn, not fork: a forked worker would inherit the solver's and the caller's threads.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def map_in_order(
    pool: Executor | None,
    function: Callable[[T], R],
    items: Sequence[T],
    on_done: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``function`` of every item in ``pool`` (None: in this process), results in the order given."""
    total = len(items)
    report = on_done or (lambda _done, _total: None)
    if pool is None:
        out = []
        for item in items:
            out.append(function(item))
            report(len(out), total)
        return out
    futures = {pool.submit(function, item): i for i, item in enumerate(items)}
    done: dict[int, R] = {}
    for future in as_completed(futures):
        done[futures[future]] = future.result()
        report(len(done), total)
    return [done[i] for i in range(total)]


def run_variants(
    variants: Sequence[Variant],
    *,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
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
    """
    with worker_pool(workers, len(variants)) as pool:
        return map_in_order(pool, solve_variant, variants, on_done)
