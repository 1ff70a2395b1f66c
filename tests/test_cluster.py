"""Sweeps on Dask (aggregates.sweep.cluster): the --cluster forms, a real LocalCluster with worker processes,
a worker killed mid-sweep, a scheduler and a worker started by hand, and an unreachable scheduler.

The sweeps solve the tiny region (tests/tiny.py) for 2021 with a 3 Mt target, as tests/test_sweep.py does.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from dask_by_hand import free_port, scheduler_and_worker
from tiny import SWEEP_FEASIBLE, write_config, write_region
from typer.testing import CliRunner

from aggregates import sweep
from aggregates.cli import app
from aggregates.config import load_scenario
from aggregates.errors import InputError
from aggregates.pipeline import InputCache
from aggregates.pipeline.prepare import prepare, prepare_inputs
from aggregates.sweep import cluster as dask_cluster
from aggregates.sweep.cluster import ClusterSpec, cluster_spec
from aggregates.sweep.executors import map_in_order, worker_pool

FEASIBLE = SWEEP_FEASIBLE


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    return write_config(folder, write_region(folder / "tiny"))


@pytest.fixture(scope="module")
def scenario(config):
    return load_scenario(config, FEASIBLE)


# -- the forms of --cluster --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cluster", "workers", "tasks", "expected"),
    [
        (None, 1, 5, None),  # one worker: this process
        (None, 4, 1, None),  # one task: this process
        (None, 2, 5, ClusterSpec(None, 2)),  # the default with more than one worker: a local cluster
        ("local:3", None, 5, ClusterSpec(None, 3)),
        ("local:3", None, 2, ClusterSpec(None, 2)),  # no more workers than tasks
        ("local:1", None, 5, ClusterSpec(None, 1)),  # asked for: a cluster of one
        ("local", 2, 5, ClusterSpec(None, 2)),
        (" tcp://10.0.0.5:8786 ", None, 5, ClusterSpec("tcp://10.0.0.5:8786", 0)),
    ],
)
def test_cluster_forms(cluster, workers, tasks, expected):
    assert cluster_spec(cluster, workers, tasks) == expected


@pytest.mark.parametrize(
    "bad",
    ["local:0", "locale", "dask://host:1", "tcp://host", "tcp://:8786", "local:x", "tcp://host:99999", "tcp://host:0"],
)
def test_bad_cluster_forms_are_refused_with_the_forms(bad):
    with pytest.raises(InputError, match=r"--cluster .*(expected local|at least 1)"):
        cluster_spec(bad, None, 4)


def test_a_program_read_on_standard_input_solves_in_process_by_default(monkeypatch):
    # Spawned worker processes import the main module again: from "<stdin>" they cannot, so no cluster by default.
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    assert cluster_spec(None, 2, 5) is None
    assert cluster_spec("local:2", None, 5) == ClusterSpec(None, 2)  # asked for: tried, and its error shown


def test_workers_below_one_are_refused():
    with pytest.raises(InputError, match="--workers must be at least 1, got 0"):
        cluster_spec(None, 0, 4)


# -- the inputs a cluster's workers get ---------------------------------------------------------------------


def test_a_cache_sent_to_another_process_is_used_there_without_the_files(scenario, tmp_path):
    cache = InputCache()
    prepare_inputs(scenario, cache)
    copy = pickle.loads(pickle.dumps(cache))
    # Where the copy lands the region folder does not exist: every input must come from the copy.
    moved = scenario.with_values({"region": str(tmp_path / "elsewhere")})
    prepare_inputs(scenario, copy)  # the scenario's own folder name finds the region it was filled with
    assert len(copy) == 1  # no second network was built
    with pytest.raises(InputError):
        prepare(moved, cache=copy)  # a folder the cache does not know is read, and is not there
    ready = prepare(scenario, cache=copy)
    assert ready.region is copy.region(scenario.region)


# -- a real LocalCluster ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_local_cluster_gives_the_rows_of_this_process(scenario):
    # The min-cost and probe ends and 2 caps of the tiny front, once in this process, once on 2 workers.
    here = sweep.pareto_front(scenario, points=4, workers=1)
    there = sweep.pareto_front(scenario, points=4, cluster="local:2")
    pd.testing.assert_frame_equal(there.points.drop(columns="seconds"), here.points.drop(columns="seconds"))


class _SlowFinaliser:
    """Garbage in a reference cycle whose finaliser, run inside a full collection, waits for the cluster to start."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(t.name == "aggregates-cluster" for t in threading.enumerate()):
            time.sleep(0.05)


@pytest.mark.slow
def test_a_full_collection_while_the_cluster_starts_reports_nothing(monkeypatch):
    # The command builds its inputs while a thread starts the cluster. A scheduler that started then added
    # Dask's GC timer in the middle of a full collection (a finaliser lets other threads run), and at the
    # collection's end the timer raised: Python printed "Exception ignored in: ... GCDiagnosis" and a
    # traceback. Here the finaliser holds the collection open until the cluster has started.
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def build_inputs_collecting(scenarios):
        garbage = _SlowFinaliser()
        del garbage
        gc.collect()  # a full collection, generation 2, as Dask's timer measures

    monkeypatch.setattr(dask_cluster, "shared_inputs", build_inputs_collecting)
    with dask_cluster.dask_pool(ClusterSpec(None, 1)) as pool:
        assert pool.map(abs, [-2, 3]) == [2, 3]
    assert [str(u.exc_value) or type(u.exc_value).__name__ for u in unraisable] == []


class _StuckCluster:
    def close(self, timeout: float) -> None:
        raise TimeoutError(f"workers did not stop within {timeout} s")


def test_an_abandoned_cluster_that_fails_to_close_prints_no_traceback(monkeypatch):
    # Ctrl-C while the inputs are built: the cluster is closed in the background once started. A close that
    # fails there (workers that do not stop) is logged, not a thread's traceback on the terminal.
    from distributed import gc as dask_gc  # noqa: PLC0415 (the timer's users are counted there)

    monkeypatch.setattr(dask_cluster._LocalStart, "_start", lambda self, workers: self._made.append(_StuckCluster()))
    users = dask_gc._gc_diagnosis_users
    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    before = set(threading.enumerate())
    starting = dask_cluster._LocalStart(1)
    assert dask_gc._gc_diagnosis_users == users + 1  # held from this thread before the cluster's thread starts
    starting.abandon()
    for thread in set(threading.enumerate()) - before:
        thread.join(10)
    assert crashes == []
    assert dask_gc._gc_diagnosis_users == users  # let go of, though the close failed


def die_once(item: tuple[int, str]) -> tuple[int, int]:
    """Kill this worker process the first time item 1 is tried (a marker file remembers); then answer."""
    value, folder = item
    marker = Path(folder) / f"died-{value}"
    if value == 1 and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return value * value, os.getpid()


@pytest.mark.slow
def test_a_killed_worker_has_its_tasks_rerun_and_the_sweep_completes(tmp_path):
    items = [(v, str(tmp_path)) for v in range(3)]
    with worker_pool(2, 3, cluster="local:2") as pool:
        answers = map_in_order(pool, die_once, items)
    assert [a[0] for a in answers] == [0, 1, 4]
    # Item 1 killed the worker that first tried it, and was answered by another process.
    assert int((tmp_path / "died-1").read_text()) != answers[1][1]


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.slow
def test_an_interrupt_cancels_the_tasks_and_stops_the_local_workers():
    pids: list[int] = []
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), worker_pool(2, 2, cluster="local:2") as pool:
        dask_cluster.wait_for_workers(pool.client, 2)
        pids += pool.client.run(os.getpid).values()
        timer = _interrupt_in(1.0)
        try:
            map_in_order(pool, sleep_for, [60, 60])
        finally:
            timer.cancel()
    assert time.monotonic() - started < 20
    assert len(pids) == 2
    assert not any(_alive(pid) for pid in pids)


# -- a scheduler and a worker started by hand ----------------------------------------------------------------


@pytest.mark.slow
def test_a_sweep_runs_on_a_scheduler_and_a_worker_started_by_hand(config, tmp_path):
    with scheduler_and_worker(tmp_path) as address:
        args = [x for s in FEASIBLE for x in ("--set", s)]
        common = ["sensitivity", str(config), "--param", "diesel_price", "--values", "7,9", *args]
        here = CliRunner().invoke(app, [*common, "--workers", "1", "--out", str(tmp_path / "here")])
        there = CliRunner().invoke(app, [*common, "--cluster", address, "--out", str(tmp_path / "there")])
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    assert (tmp_path / "here" / "sensitivity.csv").read_bytes() == (tmp_path / "there" / "sensitivity.csv").read_bytes()


def test_an_unreachable_scheduler_is_exit_2_in_one_line(config, monkeypatch):
    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT_S", 0.5)
    address = f"tcp://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        app, ["sensitivity", str(config), "--param", "diesel_price", "--values", "7,9", "--cluster", address]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"--cluster {address}: no Dask scheduler answers there" in lines[0]
    assert "Traceback" not in result.output


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not alive
        return stat.read().split(")")[-1].split()[0] != "Z"


def _interrupt_in(seconds: float) -> threading.Timer:
    """SIGINT to this process in ``seconds`` (raising KeyboardInterrupt even where pytest was started with it ignored)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer
