"""``serve`` (the planning service: web server and worker processes) and ``users`` (who may use it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aggregates.cli.app import app, handled, out
from aggregates.errors import InputError
from aggregates.service.settings import DEFAULT_DATA_DIR, Settings
from aggregates.sweep.cluster import scheduler_address

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: SQLite in --data-dir); postgresql://user:password@host:port/name for a shared "
        "server (scripts/postgres-dev starts one to try).",
        show_default=False,
    ),
]
DataDirOpt = Annotated[Path, typer.Option("--data-dir", help="Folder of the SQLite database and of the job results.")]


def settings_from(db: str | None, data_dir: Path, **extra) -> Settings:
    """Settings from the shared options."""
    return Settings(data_dir=data_dir, db_url=db or "", **extra)


@app.command()
@handled
def serve(
    db: DbOpt = None,
    data_dir: DataDirOpt = DEFAULT_DATA_DIR,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes that run jobs (0: none in this process).")] = 2,
    workers_only: Annotated[
        bool, typer.Option("--workers-only", help="Run only the workers (e.g. on another machine), no web server.")
    ] = False,
    scenarios: Annotated[
        Path, typer.Option("--scenarios", help="Folder of the stored scenarios jobs may name (<name>.yaml).")
    ] = Path("configs"),
    stale_after: Annotated[
        float,
        typer.Option(help="Seconds without a heartbeat after which a running job's worker is taken for dead."),
    ] = 15.0,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="A running Dask scheduler, tcp://HOST:PORT: sweep jobs (compare, pareto, sensitivity, tornado) "
            "solve on its workers instead of in the job's own process.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the planning service: HTTP API (/docs) and pages, and worker processes that run jobs.

    The database schema is brought to the newest version first. Add users with 'aggregates users add'.
    """
    if workers < 0 or (workers_only and workers == 0):
        raise InputError(f"--workers {workers}: give at least 1 (or 0 without --workers-only)")
    address = scheduler_address(cluster) if cluster is not None else None
    settings = settings_from(db, data_dir, scenarios_dir=scenarios.resolve(), stale_s=stale_after, cluster=address)
    solves = f"; sweeps solve on {address}" if address else ""
    out.print(f"database {settings.url.split('@')[-1]}; results in {settings.jobs_dir}; {workers} workers{solves}")
    # Deferred: the web stack (FastAPI, SQLAlchemy, Alembic) costs about a second that other commands need not pay.
    from aggregates.service.server import serve as run_service  # noqa: PLC0415

    run_service(settings, host=host, port=port, workers=workers, web=not workers_only)
