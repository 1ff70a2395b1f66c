"""A Dask scheduler and one worker started by hand, as the README tells users to (``dask scheduler``,
``dask worker``), each a process of its own."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scheduler_and_worker(cwd: Path) -> Iterator[str]:
    """Start a scheduler on a free local port and a worker of one thread in ``cwd``; yield the address.

    The worker runs in ``cwd`` (not the tests' folder), so it knows a region only from what a client sends it.
    Both are stopped (SIGTERM) after the block.
    """
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    listen = ["--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", *listen], stderr=subprocess.DEVNULL
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"],
        stderr=subprocess.DEVNULL,
        cwd=cwd,
    )
    try:
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(timeout=30)


def free_port() -> int:
    """A TCP port of this machine that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
