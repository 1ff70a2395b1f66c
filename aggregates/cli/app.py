"""What every command shares: the Typer app, the consoles, common options, error handling, progress."""

from __future__ import annotations

import json
import logging
import math
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

from aggregates import interrupts
from aggregates.config import Scenario, load_scenario
from aggregates.errors import AggregatesError
from aggregates.files import check_keeps_inputs, check_out_dir, check_out_file
from aggregates.pipeline import Progress
from aggregates.plan.summary import LIMIT_ADVICE
from aggregates.viz.publish import map_options

app = typer.Typer(
    help="Plan the supply of tailings and waste-rock aggregate to Beijing, Tianjin and Xiong'an.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def print_table(table: Table) -> None:
    """Print a table whole: to a pipe or a file (no width) wider than 80 columns rather than cut "115…"."""
    if not out.is_terminal:
        out.width = max(out.width, Measurement.get(out, out.options.update(max_width=400), table).maximum)
    out.print(table)


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
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        help="Where the solves run: local (a Dask LocalCluster, one worker process per core), local:N, or "
        "tcp://HOST:PORT (a running 'dask scheduler'). Default: local:--workers when more than one.",
        show_default=False,
    ),
]
RebuildOpt = Annotated[
    bool,
    typer.Option(
        "--rebuild",
        help="Baseline timing: every solve reads the region and builds its network and model anew, without "
        "the warm start from the first solve.",
    ),
]
YearOpt = Annotated[int | None, typer.Option(help="Year planned and reported (default: first year with a target).")]
SingleYearOpt = Annotated[
    bool, typer.Option("--single-year", help="Plan only that year (about 10x faster) instead of the whole horizon.")
]


INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT
_guarded: dict[Path, bool] = {}  # output places of the running command: written in full yet?


def handled(command: Callable) -> Callable:
    """Run a command; turn every failure into one message and an exit code, never a traceback.

    Exit codes: 2 bad input or an output that cannot be written, 3 no plan, 130 interrupted
    (Ctrl-C, SIGTERM or SIGHUP), 1 an internal error (a bug; ``--verbose`` shows its traceback).
    """

    @wraps(command)
    def wrapper(*args, **kwargs):
        verbose = bool(kwargs.get("verbose"))
        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        _guarded.clear()
        with interrupts.watch():
            try:
                result = command(*args, **kwargs)
                interrupts.raise_if_interrupted()  # a signal whose KeyboardInterrupt a library dropped
                return result
            except KeyboardInterrupt:
                _stop_interrupted()
            except (typer.Exit, typer.Abort, SystemExit):
                raise
            except Exception as exc:
                if interrupts.interrupted():  # a library turned the interrupt into an error of its own
                    _stop_interrupted()
                _stop_failed(exc, verbose)

    return wrapper


def _stop_interrupted() -> None:
    interrupts.ignore()  # a second Ctrl-C must not cut the message short with a traceback
    _fail(_interrupted_note(), INTERRUPTED, label="interrupted:")


def _stop_failed(exc: Exception, verbose: bool) -> None:
    if isinstance(exc, AggregatesError):
        _fail(exc.message, exc.exit_code)
    if isinstance(exc, OSError):
        _fail(os_error_message(exc), 2)
    if verbose:  # a bug: one line, the traceback only when asked for
        traceback.print_exc()
    _fail(f"internal error {type(exc).__name__}: {exc} (a bug in aggregates; --verbose shows where)", 1)


def _fail(message: str, code: int, label: str = "error:") -> None:
    err.print(f"[bold red]{label}[/]", end=" ")
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(code) from None


def os_error_message(exc: OSError) -> str:
    """``path: reason`` for an operating-system error, e.g. ``runs/x/plan.gpkg: no space left on device``."""
    reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
    where = exc.filename if exc.filename is not None else "output"
    return f"{where}: {reason}"


def guard(folder: Path) -> Path:
    """Remember ``folder`` as an output of this command, named as kept when the command is interrupted."""
    _guarded[folder] = False
    return folder


def wrote(folder: Path) -> Path:
    """Mark ``folder`` as written in full: an interrupt from now on names it as written, not as kept."""
    _guarded[folder] = True
    return folder


def _interrupted_note() -> str:
    written = [str(p) for p, done in _guarded.items() if done]
    kept = [str(p) for p, done in _guarded.items() if not done]
    parts = [f"{', '.join(written)} written"] if written else []
    if kept:
        parts.append(f"{', '.join(kept)} left as {'it was' if len(kept) == 1 else 'they were'}")
    return "stopped; " + ("; ".join(parts) or "nothing was written")


def limit_warning(name: str, limit: str) -> None:
    """The one warning for a plan not proven within the requested gap (:attr:`aggregates.SolveInfo.limit`)."""
    out.print(f"[yellow]warning:[/] {name}: {limit}: {LIMIT_ADVICE}", highlight=False)


def print_json(data) -> None:
    """One JSON document on stdout; a number that is not finite is written as null (NaN is not JSON)."""
    sys.stdout.write(json.dumps(finite_json(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def finite_json(data):
    """``data`` with every NaN or infinite float (in nested dicts, lists and tuples) replaced by None."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite_json(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite_json(v) for v in data]
    return data


def fmt(value: float, digits: int = 1) -> str:
    """A number with thousands separators."""
    return f"{value:,.{digits}f}"


def load(config: Path, overrides: list[str] | None) -> Scenario:
    """The scenario of a config file with ``--set`` overrides applied."""
    return load_scenario(config, list(overrides or []))


def check_outputs(scenario: Scenario) -> None:
    """Fail before any solving when the scenario's ``outputs`` cannot be honoured: an unknown language
    or basemap, Tianditu without a key, a ``maps_dir`` that cannot be written."""
    map_options(scenario.outputs)
    if scenario.outputs.maps_dir is not None:
        check_out_file(scenario.outputs.maps_dir / f"{scenario.name}.html", "outputs.maps_dir")


def out_folder(given: Path | None, default: Path, reads: Iterable[Path | str | None] = ()) -> Path:
    """``--out`` or the default, checked before anything is solved: writable, and not a folder that is or holds
    one of what the command ``reads`` (writing replaces the folder whole)."""
    folder = given or default
    check_out_dir(folder)
    check_keeps_inputs(folder, reads)
    return guard(folder)


def scenario_reads(scenario: Scenario) -> list[Path | None]:
    """What solving ``scenario`` reads from disk: its config file and its region folder."""
    return [scenario.source_file, scenario.region]


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
    """A progress bar on stderr: solves done of all, time so far and an estimate of the rest (None when ``quiet``)."""
    if quiet:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]left[/]"),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield show
