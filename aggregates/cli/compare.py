"""``compare``: several scenarios solved and put side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aggregates.analysis.compare import Comparison, comparison_json
from aggregates.cli.app import (
    ClusterOpt,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    WorkersOpt,
    app,
    count_progress,
    handled,
    limit_warning,
    load,
    out,
    out_folder,
    print_json,
    print_table,
    scenario_reads,
)
from aggregates.sweep import compare as run_compare
from aggregates.sweep.compare import check_names
from aggregates.viz.publish import map_options
from aggregates.vocab import KPIS

ROWS = (
    "substitution_mt",
    "target_met",
    "cost_yuan",
    "cost_yuan_per_t",
    "co2e_t",
    "nox_t",
    "pm_t",
    "rail_share_t",
    "truck_km",
    "tkm_rail",
    "trains_per_day",
    "truck_trips_per_day",
    "nev_trucks",
    "diesel_trucks",
    "swaps_per_day",
)


@app.command()
@handled
def compare(
    configs: Annotated[list[Path], typer.Argument(help="Two or more scenario files.", show_default=False)],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: runs/compare-<names>/).", show_default=False),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Year compared (default: first year with a target).")] = None,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Solve several scenarios and compare them: table, per-corridor breakdown, charts, synchronised map."""
    scenarios = [load(c, set_) for c in configs]
    names = check_names(scenarios) if len(scenarios) >= 2 else []
    reads = [path for s in scenarios for path in scenario_reads(s)]
    folder = out_folder(out_dir, Path("runs") / ("compare-" + "-".join(names)), reads)
    options = map_options(scenarios[0].outputs)
    with count_progress(f"solving {len(configs)} scenarios", quiet=json_ or verbose) as on_done:
        comparison, _results = run_compare(
            scenarios, folder, options, year=year, workers=workers, on_done=on_done, cluster=cluster
        )
    if json_:
        rows = comparison_json(comparison)
        for row in rows:
            if "run_dir" in row:
                row["out_dir"] = str(folder / row.pop("run_dir"))
        print_json(rows)
    else:
        _print_comparison(comparison, folder)
    if comparison.failed:
        raise typer.Exit(3)


def _cell(key: str, value) -> str:
    if key == "target_met":
        return "yes" if value else "[red]no[/]"
    return KPIS[key].format(value)


def _print_comparison(comparison: Comparison, folder: Path) -> None:
    table = Table(title=f"Scenarios compared, {comparison.year}", title_justify="left")
    table.add_column("")
    for name in comparison.table["scenario"]:
        table.add_column(name, justify="right")
    for key in ROWS:
        table.add_row(KPIS[key].label(), *[_cell(key, v) for v in comparison.table[key]])
    print_table(table)
    for plan in comparison.plans:
        if plan.solve.limit:
            limit_warning(plan.name, plan.solve.limit)
    for failure in comparison.failed:
        out.print(f"[yellow]no plan:[/] {failure.config}: {failure.message.splitlines()[0]}")
    out.print(
        f"written to {folder}: comparison.csv, corridors.csv, comparison.json, charts/, map.html, one run folder each"
    )
