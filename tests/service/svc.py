"""What the service tests share: users, the tiny scenario's target, a live server to start and stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from aggregates.service.settings import Settings

POSTGRES = os.environ.get("AGGREGATES_TEST_POSTGRES_URL", "")
FEASIBLE = "target:\n  mt_per_yr: 3\n  from_year: 2021\n"
PASSWORD = "correct horse battery"
USERS = {"planner": "planner", "planner2": "planner", "official": "official", "project": "project"}


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    """A real ``aggregates serve`` process with its worker processes."""

    url: str
    process: subprocess.Popen
    log: Path
    clients: list = field(default_factory=list)

    def client(self, token: str) -> httpx2.Client:
        """An HTTP client sending ``token`` (closed when the server stops)."""
        made = httpx2.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.clients.append(made)
        return made


@contextmanager
def live_server(settings: Settings, workers: int = 2) -> Iterator[Live]:
    """Start ``aggregates serve`` on a free port over ``settings`` (its cluster too); stop it (SIGTERM, then
    SIGKILL) after."""
    port = free_port()
    command = [sys.executable, "-m", "aggregates", "serve", "--data-dir", str(settings.data_dir), "--port", str(port)]
    command += ["--workers", str(workers), "--scenarios", str(settings.scenarios_dir)]
    command += ["--stale-after", str(settings.stale_s), *(["--db", settings.db_url] if settings.db_url else [])]
    command += ["--cluster", settings.cluster] if settings.cluster else []
    log = settings.data_dir / "serve.log"
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    live = Live(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_up(live)
        yield live
    finally:
        for client in live.clients:
            client.close()
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_up(live: Live, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if live.process.poll() is not None:
            raise RuntimeError(f"aggregates serve ended: {live.log.read_text()[-3000:]}")
        try:
            with httpx2.Client(timeout=2) as client:
                if client.get(f"{live.url}/api/health").status_code == 200:
                    return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"aggregates serve did not answer in {timeout:.0f} s: {live.log.read_text()[-3000:]}")


def wait_for(check, timeout: float = 90.0, step: float = 0.1):
    """Call ``check`` until it returns something true; return it (AssertionError after ``timeout``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not reached within {timeout:.0f} s")


def children(pid: int) -> list[int]:
    """PIDs of the processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
