"""Solves on a Dask cluster: a ``LocalCluster`` of worker processes, or a scheduler already running.

The client (this process) reads the region and builds the network and the route options of the
first scenario once, and scatters them to every worker with the variants' work: a worker needs no
shared filesystem, only the same package installed. A worker keeps what it was sent and builds
what a variant changes (another network) once for itself. Results come back in the order the
items were given, so a sweep's tables are the same with any number of workers.

Dask reruns the tasks of a worker that dies on another worker. An exception in the caller (Ctrl-C
above all) cancels the tasks and, for a local cluster, stops its worker processes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from aggregates.config import Scenario
from aggregates.errors import InputError
from aggregates.interrupts import raise_if_interrupted
from aggregates.pipeline import InputCache
from aggregates.pipeline.prepare import prepare_inputs

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

CLUSTER_FORMS = "local (a LocalCluster, one worker process per core), local:N (N worker processes) or tcp://HOST:PORT"
CONNECT_TIMEOUT_S = 10.0
WORKER_PRELOAD = "aggregates.sweep.executors"  # imported by each local worker as it starts: the solve stack
_LOCAL = re.compile(r"local(?::(\d+))?")
_TCP = re.compile(r"tcp://[^\s:/]+:(\d{1,5})")


@dataclass(frozen=True)
class ClusterSpec:
    """Where a sweep's solves run: ``address`` of a running scheduler, or ``workers`` local worker processes."""

    address: str | None
    workers: int

    def __str__(self) -> str:
        return self.address or f"local:{self.workers}"


def cluster_spec(cluster: str | None, workers: int | None, tasks: int) -> ClusterSpec | None:
    """The cluster a sweep of ``tasks`` solves runs on; ``None``: in this process.

    Parameters
    ----------
    cluster
        ``local``, ``local:N`` or ``tcp://HOST:PORT``; ``None``: a local cluster of ``workers`` processes when
        that is more than one (default: one per core, at most one per task), else this process.
    workers
        Worker processes of a local cluster when ``cluster`` does not say (``--workers``).
    tasks
        Solves in the sweep (no more local workers are started).

    Raises
    ------
    InputError
        For a ``cluster`` of another form, or a number of workers below 1.
    """
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    default = workers or os.cpu_count() or 1
    if cluster is None:
        n = max(1, min(default, tasks))
        return None if n == 1 or not _spawnable() else ClusterSpec(None, n)
    text = cluster.strip()
    if _is_address(text):
        return ClusterSpec(text, 0)
    local = _LOCAL.fullmatch(text)
    if local is None:
        raise InputError(f"--cluster '{cluster}': expected {CLUSTER_FORMS}")
    n = int(local.group(1)) if local.group(1) else default
    if n < 1:
        raise InputError(f"--cluster '{cluster}': a local cluster needs at least 1 worker process")
    return ClusterSpec(None, max(1, min(n, tasks)))


def scheduler_address(text: str, option: str = "--cluster") -> str:
    """``text`` checked to be a Dask scheduler's address, ``tcp://HOST:PORT`` (stripped).

    Raises
    ------
    InputError
        For any other form.
    """
    address = text.strip()
    if not _is_address(address):
        raise InputError(f"{option} '{text}': expected a running Dask scheduler's address, tcp://HOST:PORT")
    return address


def _is_address(text: str) -> bool:
    """Whether ``text`` is ``tcp://HOST:PORT`` with a port a scheduler can listen on (1-65535)."""
    found = _TCP.fullmatch(text)
    return found is not None and 1 <= int(found.group(1)) <= 65535


def _spawnable() -> bool:
    """Whether worker processes can be spawned from this program: not from one read on standard input
    (``python - <<EOF``), whose main module a spawned process cannot import again; there, by default, in process."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or Path(path).exists():
        return True
    log.info("sweep solved in this process: worker processes cannot restart a program read from %s", path)
    return False


class DaskPool:
    """A Dask client with the sweep's shared inputs scattered to its workers (see :func:`dask_pool`)."""

    def __init__(self, client: Client, spec: ClusterSpec, inputs: Future | None) -> None:
        self.client = client
        self.spec = spec
        self._inputs = inputs
        self._batch = uuid.uuid4().hex[:8]
        self._batches = 0

    def map(
        self, function: Callable[[T], R], items: Sequence[T], on_done: Callable[[int, int], None] | None = None
    ) -> list[R]:
        """``function`` of every item on the workers, results in the order given.

        An exception here (Ctrl-C above all) cancels the batch's tasks before it propagates; an
        exception raised by ``function`` propagates as raised on the worker.
        """
        from distributed import as_completed  # noqa: PLC0415 (dask loads only for sweeps that use it)

        self._batches += 1
        keys = [f"aggregates-{self._batch}-{self._batches}-{i}" for i in range(len(items))]
        futures = [
            self.client.submit(run_with_inputs, function, item, self._inputs, key=key, pure=False)
            for key, item in zip(keys, items, strict=True)
        ]
        order = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, R] = {}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                raise_if_interrupted()
                done[order[future.key]] = future.result()
                if on_done is not None:
                    on_done(len(done), len(items))
        except BaseException:
            self.client.cancel(futures, force=True)
            raise
        return [done[i] for i in range(len(items))]


_adopted: InputCache | None = None
_adopt_lock = threading.Lock()


def run_with_inputs(function: Callable[[T], R], item: T, inputs: InputCache | None) -> R:
    """On a worker: make ``inputs`` (scattered once per worker) this process's cache, then ``function(item)``."""
    global _adopted
    if inputs is not None:
        with _adopt_lock:
            _adopted = inputs
    return function(item)


def adopted_cache() -> InputCache | None:
    """The inputs a cluster scattered to this worker process, if any."""
    return _adopted


@contextmanager
def dask_pool(spec: ClusterSpec, scenarios: Sequence[Scenario] = ()) -> Iterator[DaskPool]:
    """A client of the cluster ``spec`` names, with the inputs of ``scenarios`` scattered to its workers.

    A local cluster is started (its worker processes ignore Ctrl-C: the caller decides) and stopped at
    the end; a scheduler at an address is connected to and left running.

    Raises
    ------
    InputError
        When no scheduler answers at the address within :data:`CONNECT_TIMEOUT_S`.
    """
    starting = _LocalStart(spec.workers) if spec.address is None else None  # starts while the inputs are built
    try:
        inputs = shared_inputs(scenarios)
    except BaseException:
        if starting is not None:
            starting.abandon()
        raise
    with _client(spec, starting) as client:
        scattered = client.scatter(inputs, broadcast=True, hash=False) if inputs is not None else None
        yield DaskPool(client, spec, scattered)


def shared_inputs(scenarios: Sequence[Scenario]) -> InputCache | None:
    """Every scenario's region and boundaries, and the network and route options of the first, built here."""
    if not scenarios:
        return None
    cache = InputCache()
    for i, scenario in enumerate(scenarios):
        prepare_inputs(scenario, cache, network=i == 0)
    return cache


@contextmanager
def _client(spec: ClusterSpec, starting: _LocalStart | None) -> Iterator[Client]:
    from distributed import Client  # noqa: PLC0415 (dask loads only for sweeps that use it)

    _quiet_dask()
    if spec.address is not None:
        try:
            client = Client(spec.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except OSError as exc:
            raise InputError(
                f"--cluster {spec.address}: no Dask scheduler answers there ({_reason(exc)}); start one with "
                "'dask scheduler' and workers with 'dask worker --nthreads 1 "
                + spec.address
                + "', or use --cluster local"
            ) from None
        with client:
            yield client
        return
    cluster = starting.wait()
    try:
        with Client(cluster, set_as_default=False) as client:
            yield client
    except BaseException:
        _kill_workers(cluster)  # at once: a graceful close waits for the solves under way
        raise
    finally:
        starting.close()


class _LocalStart:
    """A LocalCluster starting in a thread (its workers importing this package meanwhile), waited for later.

    Its worker processes start with SIGINT blocked: a terminal's Ctrl-C reaches the whole process group,
    and only this process should decide (it stops the workers).
    """

    def __init__(self, workers: int) -> None:
        self._made: list = []
        self._failed: list[BaseException] = []
        _hold_gc_diagnosis()
        self._thread = threading.Thread(target=self._start, args=(workers,), name="aggregates-cluster", daemon=True)
        self._thread.start()

    def _start(self, workers: int) -> None:
        from distributed import LocalCluster  # noqa: PLC0415 (dask loads only for sweeps that use it)

        _quiet_dask()
        # The cluster's event loop thread starts in this thread and inherits its signal mask, and the
        # worker processes it spawns inherit the loop thread's.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._made.append(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    worker_dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                    preload=[WORKER_PRELOAD],
                )
            )
        except BaseException as exc:  # handed to the caller's thread
            self._failed.append(exc)

    def wait(self):
        """The started cluster (joined in steps, so that Ctrl-C reaches the caller meanwhile)."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.1)
        except BaseException:
            self.abandon()
            raise
        if self._failed:
            self.close()
            raise self._failed[0]
        return self._made[0]

    def abandon(self) -> None:
        """Stop the cluster once it has started, in the background (the caller was interrupted or failed)."""
        threading.Thread(target=self._close_quietly, daemon=True).start()

    def _close_quietly(self) -> None:
        """:meth:`close` in a thread of its own: the caller has moved on (to its own error or exit 130), so a
        failure here goes to the log, not as a traceback on the terminal."""
        try:
            self.close()
        except Exception:
            log.debug("closing a local cluster whose start was abandoned failed", exc_info=True)

    def close(self) -> None:
        """Stop the cluster once it has started, then let go of Dask's GC diagnosis."""
        self._thread.join()
        try:
            for cluster in self._made:
                cluster.close(timeout=5)
        finally:
            _release_gc_diagnosis()


def _kill_workers(cluster) -> None:
    """Kill a local cluster's worker processes now; their solver processes end with them (their input closes)."""
    for nanny in list(cluster.workers.values()):
        process = getattr(getattr(nanny, "process", None), "process", None)  # Nanny -> WorkerProcess -> AsyncProcess
        pid = getattr(process, "pid", None)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _hold_gc_diagnosis() -> None:
    """Register Dask's garbage-collection timer from this (the caller's) thread before a scheduler starts.

    A scheduler adds the timer to ``gc.callbacks`` as it starts, in its own thread. When that happens
    while this thread is inside a full collection (running a finaliser, which lets other threads in),
    the timer is told of the collection's end without its start and raises, and Python prints its
    traceback. Held here, before the cluster's thread exists, the scheduler only counts itself in.
    """
    from distributed.gc import enable_gc_diagnosis  # noqa: PLC0415 (dask loads only for sweeps that use it)

    enable_gc_diagnosis()


def _release_gc_diagnosis() -> None:
    from distributed.gc import disable_gc_diagnosis  # noqa: PLC0415 (dask loads only for sweeps that use it)

    disable_gc_diagnosis()


def _quiet_dask() -> None:
    """Dask logs each worker start and stop at INFO and a lost worker at WARNING; a sweep says what matters."""
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def wait_for_workers(client: Client, n: int, timeout_s: float = 60.0) -> None:
    """Block until ``n`` workers are connected (tests and benchmarks that kill or count workers)."""
    deadline = time.monotonic() + timeout_s
    while len(client.scheduler_info(n_workers=-1)["workers"]) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{n} workers did not connect within {timeout_s:g} s")
        time.sleep(0.1)
