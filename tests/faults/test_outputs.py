"""Faults while writing outputs: a full disk, read-only places, kill -9 mid-write, two writers at once.

The commands run as real child processes on real files; full and read-only disks are small
tmpfs mounts (skipped where mounting is not permitted). Everything written goes through
``aggregates/files.py``; these tests check what a user would see: exit 2 with the path and
the reason, nothing half-written, the previous output untouched, no leftovers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates import files
from aggregates.cli.app import app
from aggregates.errors import OutputError

LIGHT = "target:\n  mt_per_yr: 1.0\noutputs:\n  charts: false\n  report: false\n  maps_dir: null\n"
runner = CliRunner()
CLI = [sys.executable, "-m", "aggregates"]


# -- helpers -------------------------------------------------------------------------------------


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def hidden(folder: Path) -> list[str]:
    """Names starting with a dot in ``folder``: temporary siblings left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def invoke(*args) -> tuple[int, str]:
    """Exit code and output of a command run in this process (for faults that need no process of their own)."""
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    """Exit code and stdout + stderr of a started command."""
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout + stderr


@contextmanager
def tmpfs(folder: Path, size: str, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs at ``folder`` (skip the test where mounting is not permitted); unmounted after."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def light(tmp_path_factory) -> tuple[Path, Path]:
    """A scenario without charts, report or published maps, and a run folder of it (solved in process)."""
    base = tmp_path_factory.mktemp("light")
    config = write_config(base, write_region(base / "tiny"), LIGHT)
    run = ag.solve(ag.load_scenario(config)).write(base / "run")
    return config, run


@pytest.fixture
def sites(tmp_path) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text("name,lat,lon,tonnes,product\nnear,40.0,116.41,100000,sand\n", encoding="utf-8")
    return path


# -- files.py in process: fast ------------------------------------------------------------------


def test_exchange_leaves_no_moment_without_the_folder(tmp_path):
    target = tmp_path / "run"
    with files.atomic_folder(target) as tmp:
        (tmp / "n").write_text("0")
    missing, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            if not target.is_dir():
                missing.append(time.monotonic())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(1, 200):
            with files.atomic_folder(target) as tmp:
                (tmp / "n").write_text(str(i))
    finally:
        stop.set()
        watcher.join()
    assert not missing
    assert (target / "n").read_text() == "199"
    assert os.listdir(tmp_path) == ["run"]


def test_two_renames_when_the_filesystem_cannot_exchange(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_renameat2_call", lambda: None)  # as off Linux
    target = tmp_path / "run"
    for text in ("old", "new"):
        with files.atomic_folder(target) as tmp:
            (tmp / "f").write_text(text)
    assert (target / "f").read_text() == "new"
    assert os.listdir(tmp_path) == ["run"]


def test_error_in_block_names_the_real_path_and_keeps_the_previous(tmp_path):
    target = tmp_path / "out" / "run"
    with files.atomic_folder(target) as tmp:
        (tmp / "a.csv").write_text("old")
    with pytest.raises(OutputError) as caught, files.atomic_folder(target) as tmp:
        (tmp / "a.csv").write_text("new")
        raise OSError(28, "No space left on device", str(tmp / "a.csv"))
    assert caught.value.message == f"{target / 'a.csv'}: no space left on device; {target} left as it was"
    assert tree(target) == {"a.csv": hashlib.sha256(b"old").hexdigest()}
    assert hidden(target.parent) == []


def test_failed_first_write_removes_the_folders_it_made(tmp_path):
    target = tmp_path / "a" / "b" / "run"
    with pytest.raises(KeyboardInterrupt), files.atomic_folder(target):
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_library_error_on_a_full_disk_is_no_space(tmp_path):
    full = pytest.raises(OutputError, match=r"run: no space left on device; nothing written")
    with full, files.atomic_folder(tmp_path / "run"):
        raise RuntimeError("sqlite3_exec(CREATE TABLE ...) failed: database or disk is full")


def test_other_errors_pass_through(tmp_path):
    with pytest.raises(ValueError, match="a bug"), files.atomic_folder(tmp_path / "run"):
        raise ValueError("a bug")
    assert os.listdir(tmp_path) == []


def test_output_error_survives_a_worker_process():
    error = pickle.loads(pickle.dumps(OutputError("runs/x/a.csv", "no space left on device", "runs/x left as it was")))
    assert (error.path, error.reason, error.exit_code) == ("runs/x/a.csv", "no space left on device", 2)
    assert error.message == "runs/x/a.csv: no space left on device; runs/x left as it was"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_siblings_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    target = tmp_path / "run"
    dead, live = _dead_pid(), os.getppid()
    stale = [f".run.{dead}-abcd_123.tmp", f".run.old-{dead}", ".run.abcd_123.tmp", ".run.tmp"]
    kept = [f".run.{live}-abcd_123.tmp", f".run.old-{live}", ".other.abcdefgh.tmp", ".run.x.tmp"]
    for name in stale[:2] + kept[:2]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "flows.csv").write_text("partial")
    for name in stale[2:] + kept[2:]:
        (tmp_path / name).write_text("partial")
    hour_ago = time.time() - 2 * 3600
    for name in stale[2:]:
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    with files.atomic_folder(target) as tmp:
        (tmp / "a").write_text("complete")
    assert hidden(tmp_path) == sorted(kept)


def test_write_text_over_a_folder_is_refused(tmp_path):
    (tmp_path / "m.html").mkdir()
    with pytest.raises(OutputError, match=r"m.html: is a folder, not a file"):
        files.write_text(tmp_path / "m.html", "x")


def test_check_out_dir_refuses_a_file_and_a_file_parent(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="f: is a file, not a folder; choose another --out"):
        files.check_out_dir(tmp_path / "f")
    with pytest.raises(OutputError, match=r"f/run: cannot be created: .*f is a file"):
        files.check_out_dir(tmp_path / "f" / "run")
    files.check_out_dir(tmp_path / "new" / "run")
    assert os.listdir(tmp_path) == ["f"]


# -- real commands, real faults: slow ----------------------------------------------------------


@pytest.mark.slow
def test_full_disk(light, sites, tmp_path):
    """optimize (a child process), map and coverage writing to a full tmpfs: exit 2, the path and the reason,
    the previous output kept, nothing left behind."""
    config, run = light
    size = sum(p.stat().st_size for p in run.rglob("*")) / 1e6
    with tmpfs(tmp_path / "big", f"{int(size * 1.5) + 1}m") as big, tmpfs(tmp_path / "small", "1m") as small:
        shutil.copytree(run, big / "run")
        (small / "m.html").write_text("old map")
        (small / "cov").mkdir()
        (small / "cov" / "coverage.csv").write_text("old table")
        before = tree(big / "run"), tree(small)
        child = start("optimize", config, "--out", big / "run", cwd=tmp_path)
        answers = {
            "map": invoke("map", run, "--out", small / "m.html"),
            "coverage": invoke("coverage", config, "--plan", run, "--sites", sites, "--out", small / "cov"),
            "optimize": finish(child),
        }
        for name, (code, text) in answers.items():
            assert code == 2, (name, text)
            assert "no space left on device" in text, (name, text)
            assert "Traceback" not in text
        assert f"{big / 'run'}/" in answers["optimize"][1]
        assert f"{big / 'run'} left as it was" in answers["optimize"][1]
        assert f"{small / 'm.html'}: no space left on device; {small / 'm.html'} left as it was" in answers["map"][1]
        assert f"{small / 'cov'} left as it was" in answers["coverage"][1]
        assert (tree(big / "run"), tree(small)) == before
        assert hidden(big) == hidden(small) == []


def test_read_only_and_wrong_places_fail_before_the_solve(light, sites, tmp_path, caplog):
    """Every command's output place is tried before any solve: exit 2 naming it, nothing written."""
    config, run = light
    other = write_config(tmp_path / "other", write_region(tmp_path / "other" / "tiny"), LIGHT)
    other.write_text(other.read_text().replace("name: tiny", "name: other"), encoding="utf-8")
    (tmp_path / "a-file").write_text("x")
    caplog.set_level(logging.INFO, logger="aggregates")
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as ro:
        cases = {
            "optimize --out": (["optimize", config, "--out", ro / "run"], f"{ro / 'run'}: cannot write in {ro}"),
            "maps_dir": (
                ["optimize", config, "--out", tmp_path / "r", "--set", f"outputs.maps_dir={ro / 'maps'}"],
                "read-only file system; choose another outputs.maps_dir",
            ),
            "compare": (["compare", config, other, "--out", ro / "cmp", "--workers", "1"], "read-only file system"),
            "coverage": (["coverage", config, "--sites", sites, "--out", ro / "cov"], "read-only file system"),
            "pareto": (["pareto", config, "--points", "2", "--out", ro / "front"], "read-only file system"),
            "sensitivity": (
                ["sensitivity", config, "--param", "diesel_price", "--values", "7,8", "--out", ro / "s"],
                "read-only file system",
            ),
            "map --out ro": (["map", run, "--out", ro / "m.html"], "read-only file system"),
            "map --out folder": (["map", run, "--out", tmp_path], "is a folder, not a file"),
            "optimize --out file": (["optimize", config, "--out", tmp_path / "a-file"], "is a file, not a folder"),
        }
        before = sorted(os.listdir(tmp_path))
        for name, (args, expected) in cases.items():
            code, text = invoke(*args)
            assert code == 2, (name, text)
            assert expected in text, (name, text)
            assert "Traceback" not in text
        assert not [r for r in caplog.records if r.name == "aggregates.optimize.solve"], "solved before checking"
        assert sorted(os.listdir(tmp_path)) == before
        assert os.listdir(ro) == []


_WRITER = """
import sys
from aggregates import read_run
run = read_run(sys.argv[1])
while True:
    run.write(sys.argv[2])
"""


@pytest.mark.slow
def test_kill_9_while_writing_keeps_the_previous_folder(light, tmp_path):
    """A writer killed mid-write leaves the previous run complete; the next write removes its leftovers."""
    _, run = light
    target = tmp_path / "run"
    shutil.copytree(run, target)
    before = tree(target)
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(run), str(target)])
    try:
        deadline = time.monotonic() + 60
        while not hidden(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    left = hidden(tmp_path)
    assert left and all(name.startswith(f".run.{writer.pid}-") for name in left), left
    assert sorted(tree(target)) == sorted(before)  # every file there, none half-written:
    assert ag.read_run(target).plan.year(2022).substitution_mt > 0
    ag.read_run(run).write(target, visuals=False)
    assert hidden(tmp_path) == []


@pytest.mark.slow
def test_two_runs_at_once_leave_one_complete_run(light, tmp_path):
    """Two optimize commands writing one folder: both exit 0 and the folder is one of them, whole."""
    config, _ = light
    target = tmp_path / "runs" / "same"
    started = [
        start("optimize", config, "--out", target, "--set", f"target.mt_per_yr={mt}", cwd=tmp_path) for mt in (1.0, 1.5)
    ]
    for process in started:
        code, text = finish(process)
        assert code == 0, text
    scenario = ag.read_run(target).scenario
    kpis = ag.read_run(target).plan.year(2022)
    assert scenario.target.mt_per_yr == kpis.target_mt  # kpis.json and scenario.yaml from the same run
    assert sorted(tree(target)) == sorted(tree(light[1]))
    assert hidden(target.parent) == []
