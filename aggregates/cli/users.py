"""``users``: who may use the planning service: add a user with a role (prints their API token once), list them."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer
from rich.table import Table

from aggregates.cli.app import app, handled, out, print_table
from aggregates.cli.serve import DataDirOpt, DbOpt, settings_from
from aggregates.service.settings import DEFAULT_DATA_DIR, ROLES

users_app = typer.Typer(help="Who may use the service: add users with a role, list them.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
@handled
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . @ -).", show_default=False)],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.", show_default=False)],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input instead of asking.")
    ] = False,
    db: DbOpt = None,
    data_dir: DataDirOpt = DEFAULT_DATA_DIR,
) -> None:
    """Add a user; print their API token once (only its hash is kept)."""
    from aggregates.service.users import check_name_and_role  # noqa: PLC0415 (see _open)

    check_name_and_role(name, role)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password for the web login", hide_input=True, confirmation_prompt=True)
    engine, sessions, users = _open(settings_from(db, data_dir))
    with sessions() as session:
        added = users.add_user(session, name, role, password)
    engine.dispose()
    out.print(f"added {added.name} ({added.role}). API token, shown this once:")
    out.print(added.token, markup=False, highlight=False, soft_wrap=True)


@users_app.command("list")
@handled
def users_list(db: DbOpt = None, data_dir: DataDirOpt = DEFAULT_DATA_DIR) -> None:
    """List the users and their roles."""
    engine, sessions, users = _open(settings_from(db, data_dir))
    with sessions() as session:
        rows = users.list_users(session)
    engine.dispose()
    table = Table(title="users")
    for column in ("name", "role", "added"):
        table.add_column(column)
    for user in rows:
        table.add_row(user.name, user.role, time.strftime("%Y-%m-%d %H:%M", time.localtime(user.created_at)))
    print_table(table)


def _open(settings):
    """(engine, session factory, the users module) of the service's database, its schema brought up to date.

    The imports are deferred: the web stack (SQLAlchemy, Alembic) costs about a second that the other
    commands of the console script need not pay.
    """
    from aggregates.service import users  # noqa: PLC0415
    from aggregates.service.db import make_engine, sessions  # noqa: PLC0415
    from aggregates.service.server import prepare  # noqa: PLC0415

    prepare(settings)
    engine = make_engine(settings)
    return engine, sessions(engine), users
