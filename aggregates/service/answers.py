"""Coverage questions answered at once, in a few processes of their own so that polls stay fast meanwhile.

A question against a published plan takes a fraction of a second of CPU (the site's route options);
run in the web process it would hold the interpreter and the request threads. The :class:`CoverageDesk`
sends each question to a small pool of processes, each keeping the plans it has read and the region's
network (:class:`~aggregates.pipeline.InputCache`); when more questions wait than the pool can take
soon, the next one is told to come back (503 with ``Retry-After``) rather than queued without end.
"""

from __future__ import annotations

import asyncio
import copy
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from aggregates.analysis.coverage import result_dict
from aggregates.data.region import Region
from aggregates.data.sites import Site
from aggregates.pipeline import InputCache, Result, read_run
from aggregates.pipeline.coverage import coverage, site_of

QUEUE_PER_PROCESS = 32  # questions waiting per process before the next is turned away (~3 s at 20 a second)
CACHE = InputCache()  # the regions and networks of the plans asked about, kept by each answering process


class Busy(Exception):
    """Too many questions wait; ask again in a second."""


@lru_cache(maxsize=16)
def published(folder: str) -> Result:
    """The plan in run folder ``folder`` (read once per process: a published plan never changes)."""
    return read_run(folder)


def answer(folder: str, site: dict) -> dict:
    """One site checked alone against the room the plan in run folder ``folder`` leaves (JSON-ready).

    A published plan never changes, so the same question gets the answer it got before (kept per process)."""
    return copy.deepcopy(_answer(folder, json.dumps(site, sort_keys=True)))


@lru_cache(maxsize=4096)
def _answer(folder: str, question: str) -> dict:
    run = published(folder)
    site = site_in(CACHE.region(run.scenario.region), json.loads(question), run.plan.scenario.years)
    report = coverage(run.plan.scenario, [(f"site '{site.name}'", site)], plan=run.plan, cache=CACHE)
    return result_dict(report.results[0], report.rule)


def site_in(region: Region, site: dict, planned: list[int]) -> Site:
    """A site given as plain data (a place of ``region``, or WGS-84 lat/lon), its years defaulting to the
    first planned year.

    Raises
    ------
    InputError
        For a place that none or several places of the region match.
    """
    years = tuple(site.get("years") or ()) or (min(planned),)
    where = {k: site.get(k) for k in ("place", "lat", "lon", "name")}
    return site_of(region, site["tonnes"], site["product"], years, **where)


def _end_with_parent() -> None:
    """In an answering process: end it when the web server is gone (even by kill -9), leaving no orphan."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _ready() -> None:
    """Nothing: a task that makes a pool process start and import this module."""


class CoverageDesk:
    """A pool of ``processes`` answering coverage questions, with a bounded queue."""

    def __init__(self, processes: int):
        if processes > 0:
            # spawn: the web server's threads and connections stay out of the answering processes
            self.pool = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn"), initializer=_end_with_parent
            )
            for _ in range(processes):
                self.pool.submit(_ready)  # start them now: the first question should not wait for imports
        else:  # 0: answer in one thread of this process (tests, a tiny deployment)
            self.pool = ThreadPoolExecutor(1)
        self.limit = max(processes, 1) * QUEUE_PER_PROCESS
        self.waiting = 0

    async def ask(self, folder: Path, site: dict) -> dict:
        """The API's answer (:func:`answer`), from a pool process; see :meth:`run`."""
        return await self.run(answer, str(folder), site)

    async def run(self, function, *args):
        """``function(*args)`` in a pool process, unless :attr:`limit` questions wait already.

        Raises
        ------
        Busy
            When :attr:`limit` questions wait already.
        AggregatesError
            For a site the check rejects (too far from the roads, unknown product, ...).
        """
        if self.waiting >= self.limit:
            raise Busy
        self.waiting += 1
        try:
            return await asyncio.wrap_future(self.pool.submit(function, *args))
        finally:
            self.waiting -= 1

    def close(self) -> None:
        """Stop the processes (questions still waiting are dropped)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
