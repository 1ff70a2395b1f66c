"""What every command shares: the Typer app, the consoles, common options, error handling, progress."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from aggregates.config import Scenario, load_scenario
from aggregates.errors import AggregatesError
from aggregates.files import check_out_dir
from aggregates.pipeline import Progress

app = typer.Typer(
    help="Plan the supply of tailings and waste-rock aggregate to Beijing, Tianjin and Xiong'an.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

ConfigArg = Annotated[Path, typer.Argument(help="Scenario YAML file, e.g. configs/default.yaml.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config value: key.path=value (repeatable).", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log each pipeline step.")]
WorkersOpt = Annotated[
    int | None, typer.Option(help="Solves at once (default: the machine's cores).", show_default=False)
]
YearOpt = Annotated[int | None, typer.Option(help="Year planned and reported (default: first year with a target).")]
SingleYearOpt = Annotated[
    bool, typer.Option("--single-year", help="Plan only that year (about 10x faster) instead of the whole horizon.")
]


def handled(command: Callable) -> Callable:
    """Run a command; turn project errors into a message and an exit code (2 bad input, 3 no plan)."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        logging.basicConfig(
            level=logging.INFO if kwargs.get("verbose") else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        try:
            return command(*args, **kwargs)
        except AggregatesError as exc:
            err.print("[bold red]error:[/]", end=" ")
            err.print(exc.message, markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def print_json(data) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fmt(value: float, digits: int = 1) -> str:
    """A number with thousands separators."""
    return f"{value:,.{digits}f}"


def load(config: Path, overrides: list[str] | None) -> Scenario:
    """The scenario of a config file with ``--set`` overrides applied."""
    return load_scenario(config, list(overrides or []))


def out_folder(given: Path | None, default: Path) -> Path:
    """``--out`` or the default, checked to be writable before anything is solved."""
    folder = given or default
    check_out_dir(folder)
    return folder


@contextmanager
def solve_progress(quiet: bool) -> Iterator[Callable[[Progress], None] | None]:
    """A spinner on stderr showing the stage and the solver's latest log line (None when ``quiet``)."""
    if quiet:
        yield None
        return
    with err.status("starting", spinner="dots") as status:

        def show(progress: Progress) -> None:
            gap = f" gap {progress.gap:.2%}" if progress.gap is not None else ""
            line = f"  [dim]{escape(progress.detail[:100])}[/]" if progress.detail else ""
            status.update(f"[bold]{progress.stage}[/]{gap}{line}")

        yield show


@contextmanager
def count_progress(what: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A spinner on stderr counting finished solves (None when ``quiet``)."""
    if quiet:
        yield None
        return
    with err.status(f"[bold]{what}[/]", spinner="dots") as status:

        def show(done: int, total: int) -> None:
            status.update(f"[bold]{what}[/] [dim]solved {done} of {total}[/]")

        yield show
