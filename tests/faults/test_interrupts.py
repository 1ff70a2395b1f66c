"""Ctrl-C and SIGTERM at every stage: a real signal to a real ``aggregates`` process.

Each test starts the console script in its own session (as a terminal starts a job), waits
until it is at the stage under test, signals it and asserts: exit 130 within a few seconds of
the signal, one line saying what was kept, the previous output byte-identical, no temporary
siblings, and no process of the run left (worker or solver). The solves use the real region
with ``solver.relative_gap=0``, which keeps HiGHS busy for its whole time limit (minutes), so
only an interrupt can stop it that soon.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import typer
from ortools.math_opt.python import mathopt

from aggregates import interrupts
from aggregates.cli.app import guard, handled, wrote
from aggregates.errors import SolverError
from aggregates.files import atomic_folder
from aggregates.optimize.isolated import solver_process

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "configs" / "default.yaml"
SLOW_SOLVE = ["--set", "solver.relative_gap=0"]
CLI = Path(sys.executable).with_name("aggregates")
MODEL_LINE = "aggregates.optimize.solve: model:"  # logged just before the solve starts
REGION_LINE = "aggregates.data.reading: region"  # logged when the region is read, before the network
WRITING_LINE = "pyogrio._io: Created"  # plan.gpkg is being written into the temporary run folder
TINY_FEASIBLE = ["--set", "target.mt_per_yr=3", "--set", "target.from_year=2021"]
LATENCY_S = 2.0


def _ctrl_c_as_in_a_terminal() -> None:
    # A shell starts background jobs with SIGINT ignored, and children inherit that; a terminal does not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(autouse=True)
def _ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt in this process too, even when pytest was started with SIGINT ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


class Run:
    """The console script running in its own session, its stderr collected line by line."""

    def __init__(self, args: list[str], cwd: Path, program: list[str] | None = None):
        self.token = uuid.uuid4().hex  # in the environment of every process of this run
        self.proc = subprocess.Popen(
            [*(program or [str(CLI)]), *args],
            cwd=cwd,
            env={**os.environ, "AGGREGATES_TEST_RUN": self.token, "COLUMNS": "200"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=_ctrl_c_as_in_a_terminal,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120) -> None:
        """Wait until a line of stderr contains ``text``."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, f"ended early ({self.proc.returncode}): {self.lines[-5:]}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s: {self.lines[-5:]}"
            time.sleep(0.05)

    def signal(self, sig: int, group: bool = False) -> float:
        """Send ``sig`` (to the whole process group, as a terminal's Ctrl-C, when ``group``); the seconds to exit."""
        sent = time.monotonic()
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
        latency = time.monotonic() - sent
        self._reader.join(timeout=5)
        self.proc.stderr.close()
        print(
            f"{' '.join(self.proc.args[1:3])}: {signal.Signals(sig).name} -> exit {self.proc.returncode} in {latency:.2f} s"
        )
        return latency

    def survivors(self) -> list[int]:
        """Processes still alive that belong to this run (they carry its token), after a moment to exit."""
        deadline = time.monotonic() + 2
        while (left := _with_token(self.token)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left


def _with_token(token: str) -> list[int]:
    needle = f"AGGREGATES_TEST_RUN={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours
                continue
    return found


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _previous_run(cwd: Path, name: str = "default") -> tuple[Path, dict[str, str]]:
    """A run folder from an earlier run (its contents do not matter, only that they stay)."""
    folder = cwd / "runs" / name
    folder.mkdir(parents=True)
    (folder / "kpis.json").write_text('{"earlier": true}\n', encoding="utf-8")
    (folder / "flows.csv").write_text("base,node,t\nb-1,n-1,1.0\n", encoding="utf-8")
    return folder, _snapshot(folder)


def _assert_interrupted(run: Run, latency: float, kept: str, limit: float = LATENCY_S) -> None:
    assert run.proc.returncode == 130, run.lines[-5:]
    assert latency < limit, f"took {latency:.2f} s to stop"
    assert not any("Traceback" in line for line in run.lines), run.lines
    assert run.lines[-1] == f"interrupted: stopped; {kept}", run.lines[-3:]
    assert run.survivors() == []


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_signal_during_the_solve_stops_it_and_keeps_the_previous_run(tmp_path, sig):
    folder, before = _previous_run(tmp_path)
    run = Run(["optimize", str(DEFAULT), *SLOW_SOLVE, "--verbose"], tmp_path)
    run.wait_for(MODEL_LINE)
    time.sleep(1.0)  # the model is in the solver
    latency = run.signal(sig, group=sig == signal.SIGINT)
    _assert_interrupted(run, latency, "runs/default left as it was")
    assert _snapshot(folder) == before
    assert _siblings(folder) == []
    assert not (tmp_path / "maps").exists()


@pytest.mark.parametrize("after_s", [0.3, 1.0])
def test_ctrl_c_while_the_command_line_starts_is_one_line(tmp_path, after_s):
    # The command modules import geopandas, folium and OR-Tools for about 2 s before any command runs.
    run = Run(["validate", str(DEFAULT)], tmp_path)
    time.sleep(after_s)
    latency = run.signal(signal.SIGINT, group=True)
    assert run.proc.returncode == 130, run.lines[-5:]
    assert latency < LATENCY_S
    assert not any("Traceback" in line for line in run.lines), run.lines
    assert run.lines[-1].startswith("interrupted: stopped"), run.lines[-3:]


@pytest.mark.slow
def test_ctrl_c_while_the_network_is_built_stops_at_once(tmp_path):
    folder, before = _previous_run(tmp_path)
    run = Run(["optimize", str(DEFAULT), "--verbose"], tmp_path)
    run.wait_for(REGION_LINE)
    latency = run.signal(signal.SIGINT, group=True)
    _assert_interrupted(run, latency, "runs/default left as it was")
    assert _snapshot(folder) == before
    assert _siblings(folder) == []


# The console script, with the network build first destroying an object whose __del__ raises SIGINT:
# Python prints that KeyboardInterrupt as ignored and drops it, as it does one raised inside a callback
# from C (pyogrio's GDAL error handler, for one), and the build carries on.
_DROPS_AN_INTERRUPT = """
import signal, sys
import aggregates.pipeline.cache as cache

class DropsAnInterrupt:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)

def build_network(*args, **kwargs):
    DropsAnInterrupt()
    return real(*args, **kwargs)

real, cache.build_network = cache.build_network, build_network
from aggregates.__main__ import main
sys.argv[0] = "aggregates"
main()
"""


@pytest.mark.slow
def test_ctrl_c_whose_exception_a_library_drops_still_stops_the_run(tmp_path, tiny_config):
    folder, before = _previous_run(tmp_path, "tiny")
    program = [sys.executable, "-c", _DROPS_AN_INTERRUPT]
    run = Run(["optimize", str(tiny_config), *TINY_FEASIBLE, "--verbose"], tmp_path, program)
    run.proc.wait(timeout=120)
    run._reader.join(timeout=5)
    run.proc.stderr.close()
    assert any("Exception ignored" in line for line in run.lines), run.lines  # the exception was dropped
    assert run.proc.returncode == 130, run.lines[-5:]
    assert run.lines[-1] == "interrupted: stopped; runs/tiny left as it was", run.lines[-3:]
    assert any("computing route options" in line or "network" in line for line in run.lines)
    assert _snapshot(folder) == before
    assert _siblings(folder) == []


@pytest.mark.slow
def test_ctrl_c_while_the_run_folder_is_written_keeps_the_previous_one(tmp_path, tiny_config):
    folder, before = _previous_run(tmp_path, "tiny")
    run = Run(["optimize", str(tiny_config), *TINY_FEASIBLE, "--verbose"], tmp_path)
    run.wait_for(WRITING_LINE)
    latency = run.signal(signal.SIGINT, group=True)
    _assert_interrupted(run, latency, "runs/tiny left as it was")
    assert _snapshot(folder) == before
    assert _siblings(folder) == []


@pytest.mark.slow
def test_ctrl_c_during_compare_stops_the_workers_and_writes_nothing(tmp_path):
    configs = [str(DEFAULT), str(ROOT / "configs" / "diesel-baseline.yaml")]
    run = Run(["compare", *configs, *SLOW_SOLVE, "--workers", "2", "--verbose"], tmp_path)
    _wait_for_solvers(run, 2)
    time.sleep(1.0)
    latency = run.signal(signal.SIGINT, group=True)
    out = tmp_path / "runs" / "compare-default-diesel-baseline"
    _assert_interrupted(run, latency, f"{out.relative_to(tmp_path)} left as it was", limit=5.0)
    assert not out.exists()
    assert not (tmp_path / "runs").exists() or _siblings(out) == []


def _wait_for_solvers(run: Run, count: int, timeout: float = 180) -> None:
    """Wait until ``count`` solver processes of the run have been sent their models (the workers are solving)."""
    deadline = time.monotonic() + timeout
    while sum(_is_solving(pid) for pid in _with_token(run.token)) < count:
        assert run.proc.poll() is None, f"ended early ({run.proc.returncode}): {run.lines[-5:]}"
        assert time.monotonic() < deadline, f"{count} solves did not start within {timeout} s"
        time.sleep(0.2)


def _is_solving(pid: int) -> bool:
    """A solver child that holds a model: HiGHS has grown it well beyond its start-up size."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    rss_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return b"solver_child.py" in cmdline and rss_kb > 150_000


def _hard_model(rows: int = 4, items: int = 30) -> mathopt.Model:
    """A market-split problem (Cornuejols and Dahl): a few dozen binaries that keep HiGHS busy for minutes."""
    model = mathopt.Model()
    weights = np.random.default_rng(0).integers(0, 100, size=(rows, items))
    xs = [model.add_binary_variable() for _ in range(items)]
    slack = []
    for row in weights:
        over, under = model.add_variable(lb=0), model.add_variable(lb=0)
        slack += [over, under]
        total = sum(int(w) * x for w, x in zip(row, xs, strict=True))
        model.add_linear_constraint(total + over - under == int(row.sum()) // 2)
    model.minimize(sum(slack))
    return model


@contextlib.contextmanager
def _ctrl_c_in(seconds: float, before=lambda: None) -> Iterator[None]:
    """Send this process SIGINT after ``seconds`` (calling ``before`` just before), unless the block ended."""
    timer = threading.Timer(seconds, lambda: (before(), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def test_ctrl_c_stops_a_solve_in_its_child_process_at_once():
    params = mathopt.SolveParameters(relative_gap_tolerance=0.0, time_limit=datetime.timedelta(seconds=60))
    model = _hard_model()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), solver_process() as process, _ctrl_c_in(1.0):
        process.solve(model, mathopt.SolverType.HIGHS, params)
    assert time.monotonic() - started < 1.0 + LATENCY_S
    assert not process.usable()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV], ids=["oom-killed", "crashed"])
def test_a_solver_process_that_dies_mid_solve_is_an_error_that_says_how(sig):
    params = mathopt.SolveParameters(relative_gap_tolerance=0.0, time_limit=datetime.timedelta(seconds=60))
    with pytest.raises(SolverError) as ended, solver_process() as process:
        timer = threading.Timer(1.0, os.kill, (process.pid, sig))
        timer.start()
        process.solve(_hard_model(), mathopt.SolverType.HIGHS, params)
    timer.join()
    assert f"killed by {signal.Signals(sig).name}" in ended.value.message
    assert ("out of memory" in ended.value.message) == (sig == signal.SIGKILL)
    assert ended.value.exit_code == 3  # no plan, not a bug
    with solver_process() as fresh:
        assert fresh is not process and fresh.usable()


def test_a_solver_process_is_killed_when_interrupted_and_reused_after_an_answer():
    with solver_process() as first:
        pass
    with solver_process() as again:
        assert again is first  # an idle child serves the next solve
    with pytest.raises(KeyboardInterrupt), solver_process() as process:
        raise KeyboardInterrupt
    assert not process.usable()


class _DropsAnInterrupt:
    """Raises SIGINT while destroyed: Python drops that KeyboardInterrupt as "ignored", as it does one
    raised inside a callback from C."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


@pytest.fixture
def dropped(monkeypatch) -> list[type]:
    """The exceptions Python drops as "ignored" during the test (instead of pytest's warning for them)."""
    seen: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda raised: seen.append(raised.exc_type))
    return seen


def test_an_interrupt_whose_exception_is_dropped_still_keeps_the_previous_output(tmp_path, capsys, dropped):
    folder = tmp_path / "runs" / "a"
    folder.mkdir(parents=True)
    (folder / "kpis.json").write_text("earlier", encoding="utf-8")

    @handled
    def command(verbose: bool = False) -> None:
        with atomic_folder(guard(folder)) as tmp:
            (tmp / "kpis.json").write_text("new", encoding="utf-8")
            _DropsAnInterrupt()  # destroyed at once; the block carries on
        wrote(folder)

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert dropped == [KeyboardInterrupt]
    assert stopped.value.exit_code == 130
    assert " ".join(capsys.readouterr().err.split()) == f"interrupted: stopped; {folder} left as it was"
    assert (folder / "kpis.json").read_text(encoding="utf-8") == "earlier"
    assert _siblings(folder) == []
    assert not interrupts.interrupted()  # the record ends with the command


def test_an_interrupt_dropped_after_the_output_was_written_still_ends_as_interrupted(tmp_path, capsys, dropped):
    @handled
    def command(verbose: bool = False) -> None:
        wrote(guard(tmp_path / "runs" / "a"))
        _DropsAnInterrupt()

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert dropped == [KeyboardInterrupt]
    assert stopped.value.exit_code == 130
    assert " ".join(capsys.readouterr().err.split()).endswith(f"{tmp_path / 'runs' / 'a'} written")


def test_an_error_caused_by_an_interrupt_is_reported_as_the_interrupt(tmp_path, capsys):
    @handled
    def command(verbose: bool = False) -> None:
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt as exc:  # as some libraries do
            raise RuntimeError("operation cancelled") from exc

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert stopped.value.exit_code == 130
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "terminal-closed"])
def test_sigterm_stops_a_command_as_ctrl_c_does_and_the_handler_is_restored_after(tmp_path, capsys, sig):
    before = signal.getsignal(sig)

    @handled
    def command(verbose: bool = False) -> None:
        wrote(guard(tmp_path / "runs" / "a"))
        guard(tmp_path / "maps")
        signal.raise_signal(sig)

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert stopped.value.exit_code == 130
    line = " ".join(capsys.readouterr().err.split())
    assert line == f"interrupted: stopped; {tmp_path / 'runs' / 'a'} written; {tmp_path / 'maps'} left as it was"
    assert signal.getsignal(sig) == before
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
