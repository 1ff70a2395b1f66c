"""Fixtures of the service tests: a migrated database (SQLite, and PostgreSQL when one is given), users, a client."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from svc import FEASIBLE, PASSWORD, POSTGRES, USERS, live_server
from tiny import write_config, write_region

from aggregates.service import users
from aggregates.service.db import Base, make_engine, sessions
from aggregates.service.server import prepare
from aggregates.service.settings import Settings
from aggregates.service.users import add_user


def _reset_postgres(url: str) -> None:
    engine = make_engine(Settings(db_url=url))
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def _backend(request) -> str:
    if request.param == "postgresql":
        if not POSTGRES:
            pytest.skip("no PostgreSQL: set AGGREGATES_TEST_POSTGRES_URL (scripts/postgres-dev start DIR prints it)")
        _reset_postgres(POSTGRES)
        return POSTGRES
    return ""


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database URL of each backend ('' for the embedded SQLite); PostgreSQL only when one is given."""
    return _backend(request)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_backend(request) -> str:
    """:func:`backend` for a module's tests that share one server."""
    return _backend(request)


@pytest.fixture(scope="session")
def scenarios_dir(tmp_path_factory) -> Path:
    """A folder of stored scenarios: ``tiny`` (feasible) on the tiny region."""
    folder = tmp_path_factory.mktemp("scenarios")
    region = write_region(tmp_path_factory.mktemp("region") / "tiny")
    write_config(folder, region, FEASIBLE).rename(folder / "tiny.yaml")
    return folder


def fresh_settings(data_dir: Path, backend: str, scenarios_dir: Path) -> Settings:
    """Settings over a fresh, migrated database and an empty storage folder."""
    made = Settings(data_dir=data_dir, db_url=backend, scenarios_dir=scenarios_dir, stale_s=3.0)
    prepare(made)
    return made


@pytest.fixture
def settings(tmp_path, backend, scenarios_dir) -> Settings:
    """Settings over a fresh, migrated database and an empty storage folder."""
    return fresh_settings(tmp_path / "data", backend, scenarios_dir)


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch):
    """Argon2id with the smallest cost in tests (the service keeps the library's recommended cost)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def add_users(settings: Settings) -> dict[str, str]:
    """Add the users of :data:`USERS`; return their API tokens (name -> token)."""
    engine = make_engine(settings)
    try:
        with sessions(engine)() as db:
            return {name: add_user(db, name, role, PASSWORD).token for name, role in USERS.items()}
    finally:
        engine.dispose()  # also when a user exists already: no connection left for the garbage collector


@pytest.fixture
def tokens(settings) -> dict[str, str]:
    """An API token per user of :data:`USERS` (name -> token)."""
    return add_users(settings)


@pytest.fixture(scope="module")
def live(tmp_path_factory, module_backend, scenarios_dir):
    """A real ``aggregates serve`` with 2 workers, shared by a module's tests, and the users' tokens."""
    settings = fresh_settings(tmp_path_factory.mktemp("live") / "data", module_backend, scenarios_dir)
    tokens = add_users(settings)
    with live_server(settings) as server:
        yield server, settings, tokens
