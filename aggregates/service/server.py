"""``aggregates serve``: migrate the schema, start worker processes (restarting any that die), serve HTTP."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import dataclass, field

import uvicorn

from aggregates.service.app import create_app
from aggregates.service.db import make_engine, migrate
from aggregates.service.settings import Settings
from aggregates.service.worker import run_worker

log = logging.getLogger(__name__)
# spawn: a worker starts clean (no web server threads or database connections of this process).
_SPAWN = multiprocessing.get_context("spawn")


def prepare(settings: Settings) -> None:
    """Create the storage folder and bring the database schema to the newest version."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.jobs_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings)
    try:
        migrate(engine)
    finally:
        engine.dispose()


@dataclass
class Workers:
    """``count`` worker processes, each restarted if it dies, until :meth:`stop`."""

    settings: Settings
    count: int
    processes: list = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        """Start the workers and a thread that restarts any that die."""
        self.processes = [self._spawn() for _ in range(self.count)]
        threading.Thread(target=self._watch, name="worker-watch", daemon=True).start()

    def _spawn(self):
        process = _SPAWN.Process(target=run_worker, args=(self.settings,), name="aggregates-worker")
        process.start()
        return process

    def _watch(self) -> None:
        while not self.stopping.wait(1.0):
            for i, process in enumerate(self.processes):
                if not process.is_alive() and not self.stopping.is_set():
                    log.warning("worker %s ended (exit code %s); starting another", process.pid, process.exitcode)
                    self.processes[i] = self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every worker to stop (its running job goes back to the queue), then wait; kill stragglers."""
        self.stopping.set()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join(timeout)
            if process.is_alive():
                process.kill()


def serve(settings: Settings, *, host: str, port: int, workers: int, web: bool = True) -> None:
    """Run the service until interrupted.

    Parameters
    ----------
    settings
        Database, storage, scenarios folder.
    host, port
        Where the web server listens.
    workers
        Worker processes to run jobs (0: none here, e.g. when they run on other machines).
    web
        Serve HTTP; ``False`` runs only the workers (``aggregates serve --workers-only``).
    """
    prepare(settings)
    pool = Workers(settings, workers)
    pool.start()
    try:
        if web:
            uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        else:
            pool.stopping.wait()
    finally:
        pool.stop()
