"""``aggregates serve``: migrate the schema, start worker processes (restarting any that die), serve HTTP."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import dataclass, field

import uvicorn
from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from aggregates.errors import InputError
from aggregates.service.app import create_app
from aggregates.service.db import make_engine, migrate
from aggregates.service.settings import Settings
from aggregates.service.worker import run_worker

log = logging.getLogger(__name__)
# spawn: a worker starts clean (no web server threads or database connections of this process).
_SPAWN = multiprocessing.get_context("spawn")


def prepare(settings: Settings) -> None:
    """Create the storage folder and bring the database schema to the newest version.

    Raises
    ------
    InputError
        When the database cannot be opened (a malformed URL, no server there, a wrong user, password or
        database name, a SQLite file that cannot be written) or holds a schema this version does not know:
        the database as given (without its password), the reason and what to do.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.jobs_dir.mkdir(parents=True, exist_ok=True)
    try:
        engine = make_engine(settings)
        try:
            migrate(engine)
        finally:
            engine.dispose()
    except (ArgumentError, NoSuchModuleError) as exc:
        raise InputError(
            f"{_shown(settings)}: not a database URL ({exc}); give postgresql://user:password@host:port/name, "
            "or leave --db out for SQLite in --data-dir"
        ) from None
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
        advice = (
            "check that the server runs and the address, user, password and database name ('scripts/postgres-dev "
            "start DIR' starts one and prints its URL)"
            if settings.db_url
            else "check that --data-dir can be written and that its service.db is this service's database (move it "
            "away if not)"
        )
        raise InputError(f"{_shown(settings)}: the database cannot be opened: {reason}; {advice}") from None
    except CommandError as exc:
        raise InputError(
            f"{_shown(settings)}: the database's schema is not one this version of aggregates knows ({exc}); "
            "a newer version wrote it: upgrade aggregates, or give another --db or --data-dir"
        ) from None


def _shown(settings: Settings) -> str:
    """The database as the user gave it (``--db URL``, its password hidden, or ``--data-dir DIR``)."""
    if not settings.db_url:
        return f"--data-dir {settings.data_dir} (service.db)"
    try:
        return "--db " + make_url(settings.db_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "--db " + settings.db_url.split("@")[-1]


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
