"""A database the service cannot open is one line and exit 2 (never a traceback, never the password)."""

from __future__ import annotations

import sqlite3

import pytest
from dask_by_hand import free_port
from svc import POSTGRES
from typer.testing import CliRunner

from aggregates.cli import app
from aggregates.service.server import prepare
from aggregates.service.settings import Settings


def _one_error(args: list[str], stdin: str | None = None) -> str:
    result = CliRunner().invoke(app, args, input=stdin)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return " ".join(result.output[result.output.index("error:") :].split())


@pytest.mark.parametrize("command", ["serve", "users"])
def test_no_server_at_the_address(tmp_path, command):
    url = f"postgresql://planner:s3cret@127.0.0.1:{free_port()}/aggregates"
    args = ["serve", "--db", url, "--data-dir", str(tmp_path)]
    if command == "users":
        args = ["users", "add", "li", "--role", "planner", "--password-stdin", "--db", url, "--data-dir", str(tmp_path)]
    text = _one_error(args, "a long enough password\n")
    assert f"--db postgresql://planner:***@127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}/aggregates" in text
    assert "the database cannot be opened: connection failed" in text and "scripts/postgres-dev start DIR" in text
    assert "s3cret" not in text


def test_a_file_that_is_not_a_database(tmp_path):
    (tmp_path / "service.db").write_bytes(b"this is not SQLite" * 100)
    text = _one_error(["serve", "--data-dir", str(tmp_path)])
    assert f"--data-dir {tmp_path} (service.db): the database cannot be opened: file is not a database" in text


@pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL: set AGGREGATES_TEST_POSTGRES_URL")
def test_a_database_the_server_does_not_have():
    url = POSTGRES.rsplit("/", 1)[0] + "/no_such_database"
    text = _one_error(["serve", "--db", url])
    assert 'database "no_such_database" does not exist' in text


def test_a_schema_a_newer_version_wrote(tmp_path):
    prepare(Settings(data_dir=tmp_path))
    with sqlite3.connect(tmp_path / "service.db") as db:
        db.execute("UPDATE alembic_version SET version_num = 'f00dcafe0001'")
    text = _one_error(["serve", "--data-dir", str(tmp_path)])
    assert "the database's schema is not one this version of aggregates knows" in text
    assert "f00dcafe0001" in text and "upgrade aggregates" in text
