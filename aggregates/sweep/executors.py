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
import signal
import threading
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
    An exception in the block (Ctrl-C above all) stops the workers at once: their solves are
    abandoned and their solver processes end with them.
    """
    workers = max(1, min(workers or os.cpu_count() or 1, tasks))
    if workers == 1:
        yield None
        return
    # spawn, not fork: a forked worker would inherit the solver's and the caller's threads.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_leave_interrupts)
    try:
        yield pool
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _leave_interrupts() -> None:
    """In a worker: leave Ctrl-C to the parent (a terminal sends it to the workers too); then take signals."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _INTERRUPTS)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now; their solver processes end with them.

    Killed, not terminated: a worker still starting holds SIGTERM blocked (:func:`_deferred_interrupts`),
    and a worker has nothing to tidy (what it writes goes inside its caller's temporary folder).
    """
    kill = getattr(pool, "kill_workers", None)  # Python 3.14
    if kill is not None:
        kill()
        return
    processes = list((pool._processes or {}).values())  # before 3.14 the only handle on the workers
    for process in processes:
        process.kill()
    for process in processes:
        process.join()


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while workers start, then deliver them; workers start with both blocked.

    A worker takes seconds to import the package; a Ctrl-C meanwhile would print its traceback.
    Started with the signals blocked, it ignores SIGINT before it unblocks them (:func:`_leave_interrupts`).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _frame: held.append(signum)) for sig in _INTERRUPTS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for sig in (signal.SIGTERM, signal.SIGINT):  # SIGINT last: Ctrl-C may stop this loop once restored
            signal.signal(sig, previous[sig] if previous[sig] is not None else signal.SIG_DFL)
        for sig in held[:1]:
            signal.raise_signal(sig)


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
    with _deferred_interrupts():  # the pool starts its workers as work is submitted
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
