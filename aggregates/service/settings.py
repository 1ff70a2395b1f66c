"""Where the service keeps its database and files, and how its workers behave."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aggregates.errors import InputError

ROLES = ("planner", "official", "project")  # who may use the service; each has its start page

DEFAULT_DATA_DIR = Path("service-data")
SCENARIO_TEXT_LIMIT = 256_000  # bytes of scenario YAML a request may carry
BODY_LIMIT = 2 * SCENARIO_TEXT_LIMIT  # bytes of a whole request body (JSON of up to a few scenarios)


@dataclass(frozen=True)
class Settings:
    """The service's settings, from ``aggregates serve``'s options.

    Attributes
    ----------
    data_dir
        Folder of the embedded database (``service.db``) and of the job results (``jobs/<id>/``).
    db_url
        SQLAlchemy URL; default ``sqlite:///<data_dir>/service.db``. ``postgresql://`` uses psycopg 3.
    scenarios_dir
        Folder of the stored scenarios a job may name (``<name>.yaml``); relative ``region`` and
        ``extends`` paths in scenario text are resolved against it.
    heartbeat_s, stale_s
        A running job's worker writes a heartbeat every ``heartbeat_s``; a job whose heartbeat is
        older than ``stale_s`` belongs to a worker that died and is re-queued (once) or failed.
    max_attempts
        Runs a job may get before a dead worker marks it failed instead of re-queueing it.
    poll_s
        How often an idle worker looks for a queued job and a busy one for a cancel.
    secure_cookies
        Mark cookies ``Secure`` (behind an HTTPS proxy).
    coverage_processes
        Processes of the web server that answer coverage questions at once (0: a thread of its own).
    cluster
        A Dask scheduler (``tcp://HOST:PORT``) on whose workers the sweep jobs (compare, pareto,
        sensitivity, tornado) solve; ``None``: in the job's own process.
    """

    data_dir: Path = DEFAULT_DATA_DIR
    db_url: str = ""
    scenarios_dir: Path = Path("configs")
    heartbeat_s: float = 1.0
    stale_s: float = 15.0
    max_attempts: int = 2
    poll_s: float = 0.2
    secure_cookies: bool = False
    coverage_processes: int = 2
    cluster: str | None = None

    @property
    def url(self) -> str:
        """The database URL, with ``postgresql://`` meaning psycopg 3."""
        url = self.db_url or f"sqlite:///{(self.data_dir / 'service.db').resolve()}"
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise InputError(
                f"--db {url.split('://')[0]}://...: not a supported database; give sqlite:///path/service.db "
                "or postgresql://user:password@host:port/dbname"
            )
        return url

    @property
    def jobs_dir(self) -> Path:
        """Folder of the job results, one subfolder per job id."""
        return self.data_dir / "jobs"
