"""``optimize`` (solve a scenario, write its run folder and maps) and ``map`` (draw run folders again)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aggregates.cli.app import (
    ConfigArg,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    check_outputs,
    handled,
    load,
    out,
    out_folder,
    print_json,
    print_table,
    scenario_reads,
    solve_progress,
    wrote,
)
from aggregates.errors import InputError
from aggregates.files import check_out_file
from aggregates.pipeline import Result, read_run, solve
from aggregates.plan.summary import MISSED, solver_line, warnings
from aggregates.viz.maps import MAX_COMPARED, comparison_map, save_html, supply_map
from aggregates.viz.publish import map_options, publish_maps


@app.command()
@handled
def optimize(
    config: ConfigArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/<config name>/).", show_default=False)
    ] = None,
    set_: SetOpt = None,
    png: Annotated[
        bool, typer.Option("--png", help="Also draw the charts as PNG (outputs.png).", show_default=False)
    ] = False,
    export_model: Annotated[
        Path | None,
        typer.Option(
            "--export-model",
            help="Also write the MILP, exactly as the solver receives it, to this file (free MPS), "
            "e.g. to hand it to another solver.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Solve a scenario: which bases to build, who supplies whom by which chain; write the plan."""
    scenario = load(config, [*(set_ or []), *(["outputs.png=true"] if png else [])])
    folder = out_folder(out_dir, Path("runs") / scenario.name, scenario_reads(scenario))
    check_outputs(scenario)  # a bad language, basemap or maps_dir fails now, not after the solve
    if export_model is not None:
        check_out_file(export_model, "--export-model", "model.mps")
    with solve_progress(quiet=json_ or verbose) as on_progress:
        result = solve(scenario, on_progress=on_progress, export_model=export_model)
    wrote(result.write(folder))
    outputs = scenario.outputs
    published = publish_maps(folder, outputs.maps_dir, scenario.name, outputs.lang) if outputs.maps_dir else None
    if json_:
        print_json({**result.plan.to_json(), "out_dir": str(folder), "map": str(published or folder / "map.html")})
        return
    _print_summary(result, folder)
    shown = [folder / "map.html", *([published] if published else []), folder / "report.html"]
    out.print("open: " + ", ".join(str(p) for p in shown if p.exists()))


def _print_summary(result: Result, folder: Path) -> None:
    plan = result.plan
    table = Table(title=f"{plan.name}: substitution plan")
    table.add_column("", no_wrap=True)
    for year in plan.years:
        table.add_column(str(year), justify="right")
    for label, cells in plan.summary_rows():
        table.add_row(label, *(_styled(label, cell) for cell in cells))
    print_table(table)
    colour = "green" if plan.solve.optimal else "yellow"
    line = solver_line(plan).replace(f"solver {plan.solve.status}", f"solver [{colour}]{plan.solve.status}[/]", 1)
    out.print(f"{line}; written to {folder}")
    for warning in warnings(plan):
        out.print(f"[yellow]warning:[/] {warning}")


def _styled(label: str, cell: str) -> str:
    if cell.endswith(MISSED):
        return cell.removesuffix(MISSED) + f"[red]{MISSED}[/]"
    if label.startswith("unmet") and cell not in ("0.0", "-"):
        return f"[red]{cell}[/]"
    return cell


@app.command("map")
@handled
def map_(
    run_dirs: Annotated[
        list[Path],
        typer.Argument(
            help="Run folder written by 'aggregates optimize'; give 2 to 6 to compare them side by side.",
            show_default=False,
        ),
    ],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file (default: maps/<name>.html, maps/<a>-vs-<b>.html).", show_default=False),
    ] = None,
    basemap: Annotated[
        str | None, typer.Option(help="none (no network needed), osm, tianditu or gaode.", show_default=False)
    ] = None,
    lang: Annotated[str | None, typer.Option(help="zh (default; English in popups) or en.", show_default=False)] = None,
    offline: Annotated[
        bool | None,
        typer.Option(
            "--offline/--online", help="Embed scripts and styles (default: unless --basemap osm).", show_default=False
        ),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Year to draw (default: first year with a target).")] = None,
    tianditu_key: Annotated[
        str | None, typer.Option(help="Tianditu API key (or set TIANDITU_KEY).", show_default=False)
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Draw a run's plan as an interactive map, or two runs side by side with their KPI differences."""
    if len(run_dirs) > MAX_COMPARED:
        raise InputError(f"give one run folder, or 2 to {MAX_COMPARED} to compare; got {len(run_dirs)}")
    names = [d.resolve().name for d in run_dirs]
    target = out_file or Path("maps") / ("-vs-".join(names) + ".html")
    check_out_file(target)
    runs = [read_run(folder) for folder in run_dirs]
    options = map_options(
        runs[0].scenario.outputs, lang=lang, basemap=basemap, offline=offline, year=year, tianditu_key=tianditu_key
    )
    page = supply_map(runs[0], options) if len(runs) == 1 else comparison_map(runs, options)
    saved = save_html(page, target)
    out.print(f"map written to {saved} ({saved.stat().st_size / 1e6:.1f} MB)")
