"""``pareto``, ``sensitivity`` and ``tornado``: many solves of one scenario, boiled down to tables and charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from aggregates.analysis.tradeoffs import ParetoFront, json_records, parse_ranges, parse_values
from aggregates.cli.app import (
    ClusterOpt,
    ConfigArg,
    JsonOpt,
    RebuildOpt,
    SetOpt,
    SingleYearOpt,
    VerboseOpt,
    WorkersOpt,
    YearOpt,
    app,
    count_progress,
    fmt,
    handled,
    limit_warning,
    load,
    out,
    out_folder,
    print_json,
    print_table,
    scenario_reads,
)
from aggregates.sweep import pareto_front, write_sweep
from aggregates.sweep import sensitivity as run_sensitivity
from aggregates.sweep import tornado as run_tornado
from aggregates.viz.charts import metric_label, metric_unit
from aggregates.vocab import CHAIN_SHORT, CHAINS

MIX_HEADER = "Mt: " + " / ".join(CHAIN_SHORT[c] for c in CHAINS)


def _out(given: Path | None, scenario, suffix: str) -> Path:
    return out_folder(given, Path("runs") / f"{scenario.name}-{suffix}", scenario_reads(scenario))


def _mix_cell(row) -> str:
    return " / ".join(fmt(row[f"mt_{c}"]) for c in CHAINS)


def _missing(value) -> bool:
    return value != value


def _limit_notes(table: pd.DataFrame, label) -> None:
    """Warn about each solve not proven within the requested gap (one rule: SolveInfo.limit)."""
    if "solver_limit" not in table:
        return
    for _, r in table.iterrows():
        if isinstance(r["solver_limit"], str) and r["solver_limit"]:
            limit_warning(label(r), r["solver_limit"])


@app.command()
@handled
def pareto(
    config: ConfigArg,
    points: Annotated[int, typer.Option(help="Points on the front, both ends included (at least 2).")] = 6,
    year: YearOpt = None,
    caps: Annotated[
        str | None,
        typer.Option(help="Caps in kt CO2e to solve instead of evenly spaced ones, e.g. 900,1000.", show_default=False),
    ] = None,
    gap: Annotated[
        float, typer.Option(help="Relative MIP gap of every solve; the MACs need a tighter one than optimize's.")
    ] = 1e-5,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/<name>-pareto/).", show_default=False)
    ] = None,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    rebuild: RebuildOpt = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The cost-CO2e Pareto front of one year: cap CO2e, minimise cost; mode mix and marginal abatement cost."""
    scenario = load(config, set_)
    folder = _out(out_dir, scenario, "pareto")
    caps_kt = [float(c) for c in parse_values(caps)] if caps else None
    with count_progress("tracing the Pareto front", quiet=json_ or verbose) as on_done:
        front = pareto_front(
            scenario,
            points=points,
            year=year,
            caps_kt=caps_kt,
            relative_gap=gap,
            workers=workers,
            on_done=on_done,
            cluster=cluster,
            rebuild=rebuild,
        )
    write_sweep(folder, pareto=front, lang=scenario.outputs.lang)
    if json_:
        print_json({"year": front.year, "out_dir": str(folder), "points": json_records(front.points)})
        return
    print_table(_front_table(front))
    _limit_notes(front.points, lambda r: f"P{r['point']}")
    out.print(f"written to {folder}: points.csv, charts/pareto.png, charts/pareto.html")


def _front_table(front: ParetoFront) -> Table:
    table = Table(title=f"cost-CO2e Pareto front {front.year}; system cost = supply + natural purchase + penalties")
    table.add_column("point", no_wrap=True)
    for name in ("cap, kt", "CO2e, kt", "system cost, bn yuan", "MAC, yuan/t CO2e", "rail", "NOx, t"):
        table.add_column(name, justify="right")
    table.add_column(MIX_HEADER, justify="right")
    for _, r in front.points.iterrows():
        name = f"P{r['point']} {r['kind'].replace('_', ' ')}"
        cap = "-" if _missing(r["cap_kt"]) else fmt(r["cap_kt"])
        if r["status"] == "infeasible":
            table.add_row(name, cap, "[red]no plan[/]")
            continue
        table.add_row(
            name + ("" if r["on_front"] else " [dim](dominated)[/]"),
            cap,
            fmt(r["co2e_t"] / 1000),
            fmt(r["system_cost_yuan"] / 1e9, 3),
            "-" if _missing(r["mac_yuan_per_t"]) else fmt(r["mac_yuan_per_t"], 0),
            f"{r['rail_share_t']:.0%}",
            fmt(r["nox_t"], 0),
            _mix_cell(r),
        )
    return table


@app.command()
@handled
def sensitivity(
    config: ConfigArg,
    param: Annotated[
        str,
        typer.Option(
            help="diesel_price, electricity_price, rail_tariff, carbon_price, grid_factor, demand_growth, "
            "or any config key path (e.g. trucks.bet.range_km).",
            show_default=False,
        ),
    ],
    values: Annotated[
        str,
        typer.Option(
            help="Comma-separated values, e.g. 0,100,200,400 (for rail_tariff, grid_factor and other tables: "
            "multipliers).",
            show_default=False,
        ),
    ],
    year: YearOpt = None,
    single_year: SingleYearOpt = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: runs/<name>-sensitivity-<param>/).", show_default=False),
    ] = None,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    rebuild: RebuildOpt = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """How the plan's mode split, cost and emissions respond to one parameter: one solve per value."""
    scenario = load(config, set_)
    folder = _out(out_dir, scenario, f"sensitivity-{param}")
    parsed = parse_values(values)
    with count_progress(f"solving {len(parsed)} values of {param}", quiet=json_ or verbose) as on_done:
        rows = run_sensitivity(
            scenario,
            param=param,
            values=parsed,
            year=year,
            single_year=single_year,
            workers=workers,
            on_done=on_done,
            cluster=cluster,
            rebuild=rebuild,
        )
    write_sweep(folder, sensitivity=rows, lang=scenario.outputs.lang)
    if json_:
        print_json({"param": param, "out_dir": str(folder), "rows": json_records(rows)})
        return
    _print_sensitivity(rows, param)
    out.print(f"written to {folder}: sensitivity.csv, charts/sensitivity.png, charts/sensitivity.html")


def _print_sensitivity(rows: pd.DataFrame, param: str) -> None:
    table = Table(title=f"sensitivity to {param} ({rows['key'].iloc[0]}), {int(rows['year'].iloc[0])}")
    table.add_column(param, justify="right", no_wrap=True)
    for name in ("system cost, bn yuan", "cost, yuan/t", "CO2e, kt", "NOx, t", "substitution, Mt", "rail"):
        table.add_column(name, justify="right")
    table.add_column(MIX_HEADER, justify="right")
    failed = []
    for _, r in rows.iterrows():
        if r["status"] == "infeasible":
            table.add_row(str(r["value"]), "[red]no plan[/]")
            failed.append(f"{param} = {r['value']}: {r['message'].splitlines()[-1].strip(' -')}")
            continue
        table.add_row(
            str(r["value"]),
            fmt(r["system_cost_yuan"] / 1e9, 3),
            fmt(r["cost_yuan_per_t"], 2),
            fmt(r["co2e_t"] / 1000),
            fmt(r["nox_t"], 0),
            fmt(r["substitution_mt"]),
            f"{r['rail_share_t']:.1%}",
            _mix_cell(r),
        )
    print_table(table)
    _limit_notes(rows, lambda r: f"{param} = {r['value']}")
    for line in failed:
        out.print(f"[yellow]no plan:[/] {line}", highlight=False)


@app.command()
@handled
def tornado(
    config: ConfigArg,
    metric: Annotated[
        str, typer.Option(help="Figure compared: system_cost_yuan, cost_yuan, co2e_t, nox_t, rail_share_t, ...")
    ] = "system_cost_yuan",
    range_: Annotated[
        list[str] | None,
        typer.Option(
            "--range",
            help="PARAM=LOW,HIGH (repeatable); default: the six aliases at the scenario's value -/+ 20 % "
            "(carbon price 0 and 200).",
            show_default=False,
        ),
    ] = None,
    year: YearOpt = None,
    single_year: SingleYearOpt = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/<name>-tornado/).", show_default=False)
    ] = None,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    rebuild: RebuildOpt = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Which parameter moves the plan most: each at its low and high value, against the base run."""
    scenario = load(config, set_)
    folder = _out(out_dir, scenario, "tornado")
    ranges = parse_ranges(range_) if range_ else None
    with count_progress("solving each parameter's low and high value", quiet=json_ or verbose) as on_done:
        rows = run_tornado(
            scenario,
            params=ranges,
            metric=metric,
            year=year,
            single_year=single_year,
            workers=workers,
            on_done=on_done,
            cluster=cluster,
            rebuild=rebuild,
        )
    write_sweep(folder, tornado=rows, lang=scenario.outputs.lang)
    if json_:
        print_json({"metric": metric, "out_dir": str(folder), "rows": json_records(rows)})
        return
    _print_tornado(rows, metric)
    out.print(f"written to {folder}: tornado.csv, charts/tornado.png, charts/tornado.html")


def _print_tornado(rows: pd.DataFrame, metric: str) -> None:
    shown = metric_unit(metric, "en")
    table = Table(title=f"tornado: {metric_label(metric, 'en')}, base run {rows['base'].iloc[0] * shown.factor:,.2f}")
    for name in ("parameter", "low", "high", "at low", "at high", "swing"):
        table.add_column(name, justify="right" if name != "parameter" else "left")
    for _, r in rows.iterrows():
        cells = [r["at_low"], r["at_high"], r["swing"]]
        table.add_row(
            r["param"],
            str(r["low"]),
            str(r["high"]),
            *("[red]no plan[/]" if _missing(v) else f"{v * shown.factor:,.2f}" for v in cells),
        )
    print_table(table)
    _limit_notes(rows, lambda r: r["param"])
