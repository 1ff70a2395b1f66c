"""``dispatch``: one working day's trucks and trains from a run folder's plan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aggregates.cli.app import (
    JsonOpt,
    VerboseOpt,
    WorkersOpt,
    app,
    err,
    handled,
    out,
    out_folder,
    print_json,
    print_table,
    wrote,
)
from aggregates.dispatch import DayPlan
from aggregates.errors import InputError
from aggregates.pipeline import read_run
from aggregates.pipeline.day import DAY_FILES, DayRequest, dispatch_run, write_day
from aggregates.viz.dispatch import GANTT_DEPOTS
from aggregates.viz.labels import LANGS


@app.command()
@handled
def dispatch(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by optimize.", show_default=False)],
    year: Annotated[int | None, typer.Option(help="Plan year (default: first year with a target).")] = None,
    day: Annotated[str, typer.Option(help="typical or peak.")] = "typical",
    base: Annotated[
        list[str] | None, typer.Option("--base", help="Only this base's flows (repeatable).", show_default=False)
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(help="Routing seconds per part (default: dispatch.time_limit_s).", show_default=False),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: RUN_DIR/dispatch-<day>-<year>/).", show_default=False),
    ] = None,
    gantt_depots: Annotated[
        int,
        typer.Option(help="Depots drawn in gantt.html: the busiest by trips (0: all).", min=0),
    ] = GANTT_DEPOTS,
    lang: Annotated[
        str | None,
        typer.Option(
            help="Language of gantt.html and day_map.html: zh or en (default: outputs.lang).", show_default=False
        ),
    ] = None,
    workers: WorkersOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Dispatch one typical or peak day of a plan: truck routes per depot, train slots, checked, written."""
    if lang is not None and lang not in LANGS:
        raise InputError(f"--lang {lang}: not a language of the drawings; use one of {', '.join(LANGS)}")
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"--time-limit must be > 0 seconds, got {time_limit:g}")
    result = read_run(run_dir)
    y = result.plan.headline_year(year)
    folder = out_folder(out_dir, Path(run_dir) / f"dispatch-{day}-{y}", [run_dir, result.plan.scenario.region])
    request = DayRequest(
        day=day, year=y, bases=tuple(base or ()), time_limit_s=time_limit, workers=workers or os.cpu_count() or 1
    )
    with _progress(quiet=json_ or verbose) as on_progress:
        dispatched = dispatch_run(run_dir, request, on_progress, run=result)
    write_day(dispatched, folder, lang, gantt_depots or None)
    wrote(folder)
    plan = dispatched.day
    if json_:
        print_json({**plan.summary(), "out_dir": str(folder), "comparison": plan.comparison().to_dict("records")})
    else:
        _print_day(plan, folder)


class _progress:
    """A status line on stderr naming the part being routed (nothing when quiet)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.status = quiet, None

    def __enter__(self):
        if self.quiet:
            return None
        self.status = err.status("[bold]dispatching[/]", spinner="dots")
        self.status.__enter__()
        return self.update

    def update(self, done: int, total: int, label: str) -> None:
        """Show how many parts are routed and the last one."""
        self.status.update(f"[bold]dispatching[/] [dim]{done} of {total} parts routed ({label})[/]")

    def __exit__(self, *exc) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)


def _print_day(plan: DayPlan, folder: Path) -> None:
    s = plan.summary()
    table = Table(title=f"{plan.scenario.name}: {s['day']} day of {s['year']} (x{s['factor']:g}, {s['factor_source']})")
    for name, justify in (("figure", "left"), ("day", "right"), ("plan on the day", "right"), ("ratio", "right")):
        table.add_column(name, justify=justify)
    for row in plan.comparison().itertuples(index=False):
        ratio = "" if row.ratio != row.ratio else f"{row.ratio:.2f}"
        table.add_row(row.figure, f"{row.day:,}", f"{row.plan_on_day:,.1f}", ratio)
    print_table(table)
    out.print(
        f"{s['rounding']}; empty km {s['km_empty']:,.0f}; {s['litres']:,.0f} litres, {s['kwh']:,.0f} kWh, "
        f"CO2e {s['co2e_kg'] / 1000:,.1f} t (well-to-wheel); routed in {s['seconds']:.0f} s"
    )
    for warning in s["warnings"]:
        out.print(f"[yellow]warning:[/] {warning}")
    out.print(f"written to {folder}: {', '.join(DAY_FILES)}")
