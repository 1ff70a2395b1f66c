"""The ``aggregates`` command line: a thin shell over :mod:`aggregates.api`.

Every command catches the project's errors and turns them into a message on
stderr and an exit code (2 bad input, 3 infeasible), never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aggregates import api
from aggregates.errors import AggregatesError, InputError
from aggregates.outputs import check_out_dir
from aggregates.viz.comparison_map import MAX_COMPARED

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


def _handled(command: Callable) -> Callable:
    """Run a command; turn project errors into a message and an exit code."""

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


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
@_handled
def validate(config: ConfigArg, set_: SetOpt = None, verbose: VerboseOpt = False) -> None:
    """Check a scenario config and its region; print a summary of what was read."""
    inputs = api.load_inputs(config, set_)
    region, sc = inputs.region, inputs.scenario
    table = Table(title=f"{sc.name}: region {region.meta.name} is valid", show_header=True)
    table.add_column("layer")
    table.add_column("rows", justify="right")
    table.add_column("notes")
    levels = region.base_levels.sort_values("level").groupby("base_id")
    first = levels.first()["capacity_mt_per_yr"]
    top = levels.last()["capacity_mt_per_yr"]
    existing = region.bases.set_index("id")["status"] == "existing"
    base_note = (
        f"existing capacity {first[existing[existing].index].sum():.1f} Mt/yr, all levels built {top.sum():.1f} Mt/yr"
    )
    y0 = min(sc.years)
    dem = region.demand_years[region.demand_years["year"] == y0]["demand_mt"].sum()
    rows = [
        ("bases", len(region.bases), base_note),
        ("base levels", len(region.base_levels), ""),
        ("demand nodes", len(region.demand), f"{dem:.1f} Mt demand in {y0}"),
        ("terminals", len(region.terminals), ""),
        ("rail stations", len(region.rail_stations), ""),
        ("rail segments", len(region.rail_segments), f"{region.rail_segments['length_km'].sum():.0f} km"),
        ("road nodes", len(region.road_nodes), ""),
        ("road links", len(region.roads), f"{region.roads['length_km'].sum():.0f} km"),
        ("swap stations", len(region.swap_stations), ""),
    ]
    for name, count, note in rows:
        table.add_row(name, str(count), note)
    out.print(table)
    out.print(f"years {sc.years}; chains {', '.join(sc.chains)}")


@app.command()
@_handled
def network(
    config: ConfigArg,
    osm: Annotated[
        str | None,
        typer.Option(help="Build roads from a local .osm/.osm.pbf file (or 'download' with --allow-download)."),
    ] = None,
    max_snap_km: Annotated[float, typer.Option(help="With --osm: farthest a site may be from a road.")] = 5.0,
    allow_download: Annotated[bool, typer.Option(help="With --osm download: fetch roads from Overpass.")] = False,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Build the multimodal network and print its summary."""
    inputs = api.load_inputs(config, set_, osm=osm, max_snap_km=max_snap_km, allow_download=allow_download)
    summary = api.network_for(inputs).summary()
    if json_:
        _print_json(summary)
        return
    table = Table(title=f"network of {summary['region']}", show_header=False)
    for key, value in summary.items():
        shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        table.add_row(key.replace("_", " "), shown)
    out.print(table)


def _route_json(row) -> dict:
    return {
        "chain": row.chain,
        "cost_yuan_per_t": round(row.cost_yuan_per_t, 2),
        "hours": round(row.hours, 2),
        "co2e_kg_per_t": round(row.co2e_kg_per_t, 3),
        "co2e_ttw_kg_per_t": round(row.co2e_ttw_kg_per_t, 3),
        "nox_g_per_t": round(row.nox_g_per_t, 3),
        "pm_g_per_t": round(row.pm_g_per_t, 4),
        "km": {"road": round(row.km_road, 1), "rail": round(row.km_rail, 1)},
        "great_circle_km": round(row.great_circle_km, 1),
        "loading_terminal": row.loading_terminal or None,
        "unloading_terminal": row.unloading_terminal or None,
        "swaps_per_trip": int(row.swaps_per_trip),
        "diesel_restricted_at_destination": bool(row.restricted),
        "resources": list(row.resources),
        "year": int(row.year),
    }


def _via(row) -> str:
    swaps = [r for r in row.resources if r.startswith("s-")]
    parts = []
    if row.loading_terminal:
        sections = len(row.resources) - len(swaps) - 2
        parts.append(f"{row.loading_terminal} > {sections} rail sections > {row.unloading_terminal}")
    if swaps:
        parts.append("swaps at " + ", ".join(swaps))
    return "; ".join(parts) or "road"


@app.command()
@_handled
def routes(
    config: ConfigArg,
    from_: Annotated[str, typer.Option("--from", help="Base: id, English or Chinese name.", show_default=False)],
    to: Annotated[str, typer.Option("--to", help="Demand node: id, English or Chinese name.", show_default=False)],
    year: Annotated[int | None, typer.Option(help="Year of the grid factor for CO2e (default: first).")] = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show the route options of every transport chain between a base and a demand node."""
    inputs = api.load_inputs(config, set_)
    net = api.network_for(inputs)
    options = api.routes_between(net, from_, to, year)
    if json_:
        _print_json([_route_json(r) for r in options.itertuples()])
        return
    base = api.find_place(inputs.region.bases, from_, "base")
    node = api.find_place(inputs.region.demand, to, "demand node")
    year_shown = int(options["year"].iloc[0]) if len(options) else min(inputs.scenario.years)
    table = Table(title=f"route options {base} -> {node} (CO2e with the {year_shown} grid)")
    table.add_column("chain", no_wrap=True)
    for name in ("yuan/t", "hours", "road km", "rail km", "kg CO2e/t", "g NOx/t"):
        table.add_column(name, justify="right")
    table.add_column("via")
    for r in options.itertuples():
        table.add_row(
            r.chain + (" *" if r.restricted else ""),
            f"{r.cost_yuan_per_t:.1f}",
            f"{r.hours:.1f}",
            f"{r.km_road:.0f}",
            f"{r.km_rail:.0f}",
            f"{r.co2e_kg_per_t:.2f}",
            f"{r.nox_g_per_t:.1f}",
            _via(r),
        )
    out.print(table)
    if options["restricted"].any():
        out.print("* diesel trucks are restricted at the destination (night only; China VI or electric only)")
    for chain in inputs.scenario.chains:
        if chain not in set(options["chain"]):
            out.print(f"[yellow]{chain}: no option[/] - {api.missing_chain_reason(net, chain)}")


def _solver_line(text: str) -> str:
    return " ".join(text.split())[:100]


def _run_optimize(inputs: api.Inputs, quiet: bool) -> api.Optimized:
    if quiet:
        return api.optimize(inputs)
    with err.status("starting", spinner="dots") as status:
        stage = {"text": ""}

        def on_stage(text: str) -> None:
            stage["text"] = text
            status.update(f"[bold]{text}[/]")

        def on_log(line: str) -> None:
            if line.strip():
                status.update(
                    f"[bold]{stage['text']}[/]  [dim]{_solver_line(line)}[/]",
                )

        return api.optimize(inputs, on_stage=on_stage, on_log=on_log)


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _summary_rows(years: dict) -> list[tuple[str, list[str]]]:
    ys = list(years.values())
    cities_from = sorted({c for y in ys for c in y["by_city_mt"]})
    cities_to = sorted({c for y in ys for c in y["to_city_mt"]})
    chains = sorted({c for y in ys for c in y["by_chain_mt"]})
    rows = [
        (
            "substitution / target, Mt",
            [
                f"{_fmt(y['substitution_mt'])} / {_fmt(y['target_mt'])}"
                + ("" if y["target_met"] else " [red]missed[/]")
                for y in ys
            ],
        ),
        *[(f"  from {c}, Mt", [_fmt(y["by_city_mt"].get(c, 0.0)) for y in ys]) for c in cities_from],
        *[(f"  to {c}, Mt", [_fmt(y["to_city_mt"].get(c, 0.0)) for y in ys]) for c in cities_to],
        *[(f"  by {c}, Mt", [_fmt(y["by_chain_mt"].get(c, 0.0)) for y in ys]) for c in chains],
        ("rail share (t / t-km)", [f"{y['rail_share_t']:.0%} / {y['rail_share_tkm']:.0%}" for y in ys]),
        ("natural sand and gravel, Mt", [_fmt(y["natural_mt"]) for y in ys]),
        (
            "unmet demand, Mt",
            [_fmt(y["unmet_mt"]) if y["unmet_mt"] <= 0 else f"[red]{_fmt(y['unmet_mt'])}[/]" for y in ys],
        ),
        ("cost, million yuan", [_fmt(y["cost_yuan"] / 1e6, 0) for y in ys]),
        ("cost, yuan/t", [_fmt(y["cost_yuan_per_t"]) for y in ys]),
        ("CO2e (WTW), kt", [_fmt(y["co2e_t"] / 1000) for y in ys]),
        ("NOx, t", [_fmt(y["nox_t"], 0) for y in ys]),
        ("PM, t", [_fmt(y["pm_t"]) for y in ys]),
        ("trains/day", [_fmt(y["trains_per_day"]) for y in ys]),
        ("truck trips/day", [_fmt(y["truck_trips_per_day"], 0) for y in ys]),
    ]
    return rows


def _print_summary(result: api.Optimized, out_dir: Path) -> None:
    kpis = result.plan.kpis
    table = Table(title=f"{kpis['scenario']}: substitution plan")
    table.add_column("", no_wrap=True)
    for year in kpis["years"]:
        table.add_column(year, justify="right")
    for label, cells in _summary_rows(kpis["years"]):
        table.add_row(label, *cells)
    out.print(table)
    colour = "green" if kpis["status"] == "optimal" else "yellow"
    out.print(
        f"solver [{colour}]{kpis['status']}[/], gap {kpis['mip_gap']:.3%}, "
        f"build {kpis['build_seconds']:.1f} s, solve {kpis['solve_seconds']:.1f} s; "
        f"objective {kpis['objective_yuan'] / 1e9:,.3f} billion yuan; written to {out_dir}"
    )
    for warning in _warnings(kpis):
        out.print(f"[yellow]warning:[/] {warning}")


def _warnings(kpis: dict) -> list[str]:
    lines = []
    if kpis["status"] != "optimal":
        lines.append(
            f"the solver stopped at a limit ({kpis['detail']}); the plan is feasible, gap {kpis['mip_gap']:.2%}"
        )
    unmet = {y: v["unmet_mt"] for y, v in kpis["years"].items() if v["unmet_mt"] > 0}
    if unmet:
        lines.append(f"demand left unmet: {', '.join(f'{y} {v:.2f} Mt' for y, v in unmet.items())} (see demand.csv)")
    missed = [y for y, v in kpis["years"].items() if not v["target_met"]]
    if missed:
        lines.append(f"soft target missed in {', '.join(missed)}")
    return lines


@app.command()
@_handled
def optimize(
    config: ConfigArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/<config name>/).", show_default=False)
    ] = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Solve a scenario: which bases to build, who supplies whom by which chain; write the plan."""
    inputs = api.load_inputs(config, set_)
    folder = out_dir or Path("runs") / inputs.scenario.name
    check_out_dir(folder)
    api.map_options(inputs.scenario.outputs)
    result = _run_optimize(inputs, quiet=json_ or verbose)
    api.write_plan(result, folder)
    published = api.publish_map(inputs.scenario, folder)
    if json_:
        written = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))  # with the fleet sizing
        _print_json({**written, "out_dir": str(folder), "map": str(published or folder / "map.html")})
        return
    _print_summary(result, folder)
    shown = [folder / "map.html", *([published] if published else []), folder / "report.html"]
    out.print("open: " + ", ".join(str(p) for p in shown if p.exists()))


@app.command("map")
@_handled
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
    options = api.map_options(
        api.run_outputs(run_dirs[0]),
        lang=lang,
        basemap=basemap,
        offline=offline,
        year=year,
        tianditu_key=tianditu_key,
    )
    names = [d.resolve().name for d in run_dirs]
    target = out_file or Path("maps") / ("-vs-".join(names) + ".html")
    written = api.make_map(run_dirs, target, options)
    out.print(f"map written to {written} ({written.stat().st_size / 1e6:.1f} MB)")


_COMPARE_ROWS = (
    ("substitution, Mt", "substitution_mt", 1),
    ("target met", "target_met", None),
    ("cost, billion yuan", "cost_yuan", 1e-9),
    ("cost, yuan/t", "cost_yuan_per_t", 1),
    ("CO2e (WTW), kt", "co2e_t", 1e-3),
    ("NOx, t", "nox_t", 1),
    ("PM, t", "pm_t", 1),
    ("rail share of t", "rail_share_t", 100),
    ("truck-km, million", "truck_km", 1e-6),
    ("rail t-km, billion", "tkm_rail", 1e-9),
    ("trains/day", "trains_per_day", 1),
    ("truck trips/day", "truck_trips_per_day", 1),
    ("battery-electric trucks", "nev_trucks", 1),
    ("diesel trucks", "diesel_trucks", 1),
    ("swaps/day", "swaps_per_day", 1),
)


def _compare_cell(value, scale) -> str:
    if scale is None:
        return "yes" if value else "[red]no[/]"
    if value is None or value != value:
        return "-"
    return f"{value * scale:,.1f}" + ("%" if scale == 100 else "")


@app.command()
@_handled
def compare(
    configs: Annotated[list[Path], typer.Argument(help="Two or more scenario files.", show_default=False)],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: runs/compare-<names>/).", show_default=False),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Year compared (default: first year with a target).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Scenarios solved at once (default: the machine's cores).", show_default=False)
    ] = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Solve several scenarios and compare them: table, per-corridor breakdown, charts, synchronised map."""
    from aggregates.compare import compare as run_compare
    from aggregates.compare import comparison_json, scenario_names

    overrides = list(set_ or [])
    names = scenario_names(configs, overrides) if len(configs) >= 2 else []
    folder = out_dir or Path("runs") / ("compare-" + "-".join(names))
    check_out_dir(folder)
    options = api.map_options(api.load_scenario_outputs(configs[0], overrides))
    if json_ or verbose:
        result = run_compare(configs, folder, options, overrides=overrides, year=year, workers=workers)
    else:
        with err.status(f"solving {len(configs)} scenarios", spinner="dots") as status:
            done: list[str] = []

            def on_done(what: str) -> None:
                done.append(Path(what).name)
                status.update(f"[bold]solved {len(done)} of {len(configs)}[/] [dim]{', '.join(done)}[/]")

            result = run_compare(
                configs, folder, options, overrides=overrides, year=year, workers=workers, on_done=on_done
            )
    if json_:
        rows = comparison_json(result)
        for row in rows:
            if "run_dir" in row:
                row["out_dir"] = str(folder / row.pop("run_dir"))
        _print_json(rows)
    else:
        _print_comparison(result, folder)
    if result.failed:
        raise typer.Exit(3)


def _print_comparison(result, folder: Path) -> None:
    table = Table(title=f"Scenarios compared, {result.year}", title_justify="left")
    table.add_column("")
    for name in result.table["scenario"]:
        table.add_column(name, justify="right")
    for label, key, scale in _COMPARE_ROWS:
        table.add_row(label, *[_compare_cell(v, scale) for v in result.table[key]])
    out.print(table)
    for failure in result.failed:
        out.print(f"[yellow]no plan:[/] {failure.config}: {failure.message.splitlines()[0]}")
    out.print(
        f"written to {folder}: comparison.csv, corridors.csv, comparison.json, charts/, map.html, one run folder each"
    )


# --- add to aggregates/cli.py (after the `compare` command, before `main`) -------------------------
# Needs no new top-level import: aggregates.sweep is imported inside each command (it pulls in the
# solver only when used), and `from aggregates.config import load_scenario` likewise.

WorkersOpt = Annotated[
    int | None, typer.Option(help="Solves at once (default: the machine's cores).", show_default=False)
]
YearOpt = Annotated[int | None, typer.Option(help="Year planned and reported (default: first year with a target).")]
SingleYearOpt = Annotated[
    bool, typer.Option("--single-year", help="Plan only that year (about 10x faster) instead of the whole horizon.")
]


def _sweep_folder(config: Path, overrides: list[str], out_dir: Path | None, suffix: str) -> tuple[Path, str]:
    """The output folder (default runs/<name>-<suffix>/, checked before solving) and the charts' language."""
    from aggregates.config import load_scenario

    scenario = load_scenario(config, overrides)
    folder = out_dir or Path("runs") / f"{scenario.name}-{suffix}"
    check_out_dir(folder)
    return folder, scenario.outputs.lang


def _with_progress(what: str, quiet: bool, run: Callable) -> object:
    """``run(on_done)`` with a spinner on stderr counting the solves (none when ``quiet``)."""
    if quiet:
        return run(None)
    with err.status(f"[bold]{what}[/]", spinner="dots") as status:

        def on_done(done: int, total: int) -> None:
            status.update(f"[bold]{what}[/] [dim]solved {done} of {total}[/]")

        return run(on_done)


_SWEEP_CHAINS = ("diesel_truck", "bet_truck", "rail_bet", "rail_diesel")
_MIX_HEADER = "Mt: diesel / BET / rail+BET / rail+diesel"


def _mix_cell(row) -> str:
    return " / ".join(_fmt(row[f"mt_{c}"]) for c in _SWEEP_CHAINS)


@app.command()
@_handled
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
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The cost-CO2e Pareto front of one year: cap CO2e, minimise cost; mode mix and marginal abatement cost."""
    from aggregates import sweep

    overrides = list(set_ or [])
    folder, lang = _sweep_folder(config, overrides, out_dir, "pareto")
    caps_kt = [float(c) for c in sweep.parse_values(caps)] if caps else None

    def run(on_done):
        return sweep.pareto_front(
            config,
            overrides,
            points=points,
            year=year,
            caps_kt=caps_kt,
            relative_gap=gap,
            workers=workers,
            on_done=on_done,
        )

    front = _with_progress("tracing the Pareto front", json_ or verbose, run)
    sweep.write_sweep(folder, pareto=front, lang=lang)
    if json_:
        _print_json({"year": front.year, "out_dir": str(folder), "points": sweep.json_records(front.points)})
        return
    table = Table(title=f"cost-CO2e Pareto front {front.year}; system cost = supply + natural purchase + penalties")
    table.add_column("point", no_wrap=True)
    for name in ("cap, kt", "CO2e, kt", "system cost, bn yuan", "MAC, yuan/t CO2e", "rail", "NOx, t"):
        table.add_column(name, justify="right")
    table.add_column(_MIX_HEADER, justify="right")
    for _, r in front.points.iterrows():
        name = f"P{r['point']} {r['kind'].replace('_', ' ')}"
        cap = _fmt(r["cap_kt"]) if r["cap_kt"] == r["cap_kt"] else "-"
        if r["status"] == "infeasible":
            table.add_row(name, cap, "[red]no plan[/]")
            continue
        table.add_row(
            name + ("" if r["on_front"] else " [dim](dominated)[/]"),
            cap,
            _fmt(r["co2e_t"] / 1000),
            _fmt(r["system_cost_yuan"] / 1e9, 3),
            _fmt(r["mac_yuan_per_t"], 0) if r["mac_yuan_per_t"] == r["mac_yuan_per_t"] else "-",
            f"{r['rail_share_t']:.0%}",
            _fmt(r["nox_t"], 0),
            _mix_cell(r),
        )
    out.print(table)
    out.print(f"written to {folder}: points.csv, charts/pareto.png, charts/pareto.html")


@app.command()
@_handled
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
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """How the plan's mode split, cost and emissions respond to one parameter: one solve per value."""
    from aggregates import sweep

    overrides = list(set_ or [])
    folder, lang = _sweep_folder(config, overrides, out_dir, f"sensitivity-{param}")
    parsed = sweep.parse_values(values)

    def run(on_done):
        return sweep.sensitivity(
            config,
            overrides,
            param=param,
            values=parsed,
            year=year,
            single_year=single_year,
            workers=workers,
            on_done=on_done,
        )

    rows = _with_progress(f"solving {len(parsed)} values of {param}", json_ or verbose, run)
    sweep.write_sweep(folder, sensitivity=rows, lang=lang)
    if json_:
        _print_json({"param": param, "out_dir": str(folder), "rows": sweep.json_records(rows)})
        return
    key = rows["key"].iloc[0]
    table = Table(title=f"sensitivity to {param} ({key}), {int(rows['year'].iloc[0])}")
    table.add_column(param, justify="right", no_wrap=True)
    for name in ("system cost, bn yuan", "cost, yuan/t", "CO2e, kt", "NOx, t", "substitution, Mt", "rail"):
        table.add_column(name, justify="right")
    table.add_column(_MIX_HEADER, justify="right")
    failed = []
    for _, r in rows.iterrows():
        if r["status"] == "infeasible":
            table.add_row(str(r["value"]), "[red]no plan[/]")
            failed.append(f"{param} = {r['value']}: {r['message'].splitlines()[-1].strip(' -')}")
            continue
        table.add_row(
            str(r["value"]),
            _fmt(r["system_cost_yuan"] / 1e9, 3),
            _fmt(r["cost_yuan_per_t"], 2),
            _fmt(r["co2e_t"] / 1000),
            _fmt(r["nox_t"], 0),
            _fmt(r["substitution_mt"]),
            f"{r['rail_share_t']:.1%}",
            _mix_cell(r),
        )
    out.print(table)
    for line in failed:
        out.print(f"[yellow]no plan:[/] {line}", highlight=False)
    out.print(f"written to {folder}: sensitivity.csv, charts/sensitivity.png, charts/sensitivity.html")


@app.command()
@_handled
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
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Which parameter moves the plan most: each at its low and high value, against the base run."""
    from aggregates import sweep
    from aggregates.viz.tradeoff_charts import metric_label, metric_unit

    overrides = list(set_ or [])
    folder, lang = _sweep_folder(config, overrides, out_dir, "tornado")
    ranges = sweep.parse_ranges(range_) if range_ else None

    def run(on_done):
        return sweep.tornado(
            config,
            overrides,
            params=ranges,
            metric=metric,
            year=year,
            single_year=single_year,
            workers=workers,
            on_done=on_done,
        )

    rows = _with_progress("solving each parameter's low and high value", json_ or verbose, run)
    sweep.write_sweep(folder, tornado=rows, lang=lang)
    if json_:
        _print_json({"metric": metric, "out_dir": str(folder), "rows": sweep.json_records(rows)})
        return
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
            *("[red]no plan[/]" if v != v else f"{v * shown.factor:,.2f}" for v in cells),
        )
    out.print(table)
    out.print(f"written to {folder}: tornado.csv, charts/tornado.png, charts/tornado.html")


def _coverage_sites(inputs: api.Inputs, sites_file, name, lat, lon, tonnes, product, years) -> list:
    from aggregates.coverage import Site, parse_years, read_sites

    default = parse_years(years, (min(inputs.scenario.years),))
    if sites_file is not None:
        if lat is not None or lon is not None:
            raise InputError("give either --sites FILE or --lat/--lon, not both")
        return [(f"{sites_file} row {i}", site) for i, site in read_sites(sites_file, default)]
    if lat is None or lon is None or tonnes is None or product is None:
        raise InputError(
            "one site needs --lat, --lon, --tonnes and --product (e.g. --lat 39.03 --lon 115.95 "
            "--tonnes 300000 --product sand), or give --sites FILE"
        )
    label = name or f"site at {lat:g}, {lon:g}"
    return [(f"site '{label}'", Site(label, lat, lon, tonnes, product, default))]


def _print_coverage(report, top: int = 10) -> None:
    rule = report.rule
    from aggregates.coverage import rule_text

    for r in report.results:
        s = r.site
        colour = {"covered": "green", "partly": "yellow", "not": "red"}[r.status]
        out.print(
            f"[bold]{s.name}[/]: [{colour}]{'covered' if r.covered else r.status + ' covered'}[/]: "
            f"{r.share_covered:.0%} of {s.tonnes:,.0f} t/yr {s.product} ({', '.join(map(str, s.years))}) from "
            f"solid-waste bases {rule_text(rule)} (rule: {rule.share:.0%}); joined to {r.snap_node} "
            f"({r.snap_km:.1f} km)"
        )
        if r.reason:
            out.print(f"  why: {r.reason}")
        table = Table(title=f"supply options for {s.name} (cheapest {min(top, len(r.options))} of {len(r.options)})")
        for col in ("base", "chain"):
            table.add_column(col, no_wrap=True)
        for col in ("yuan/t", "hours", "km", "kg CO2e/t", "residual t/yr", "near"):
            table.add_column(col, justify="right")
        for o in r.options.head(top).itertuples():
            table.add_row(
                o.base,
                o.chain,
                f"{o.delivered_cost_yuan_per_t:.1f}",
                f"{o.hours:.1f}",
                f"{o.km:.0f}",
                f"{o.co2e_kg_per_t:.2f}",
                f"{o.residual_capacity_t:,.0f}",
                "yes" if o.within_rule else "no",
            )
        out.print(table)
        if len(r.mix):
            parts = ", ".join(f"{m.base} by {m.chain} {m.tonnes:,.0f} t" for m in r.mix.itertuples())
            out.print(
                f"  cheapest near mix: {parts}; {r.mix_mean('delivered_cost_yuan_per_t'):.1f} yuan/t, "
                f"{r.mix_mean('co2e_kg_per_t'):.2f} kg CO2e/t, {r.mix_mean('hours'):.1f} h"
            )
        if r.plan_supply is not None:
            p = r.plan_supply
            out.print(
                f"  the optimised plan itself gave it {p['solid_waste_t']:,.0f} t/yr solid waste "
                f"({p['suppliers'] or 'none'}), {p['natural_t']:,.0f} t/yr natural, {p['unmet_t']:,.0f} t/yr unmet"
            )
    out.print(f"residual capacity from {report.residual_source}; swap stations are not counted")


@app.command()
@_handled
def coverage(
    config: ConfigArg,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="Run folder whose residual capacity to use (default: optimise with the site)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Site name.")] = None,
    lat: Annotated[float | None, typer.Option(help="Site latitude, WGS 84 degrees.")] = None,
    lon: Annotated[float | None, typer.Option(help="Site longitude, WGS 84 degrees.")] = None,
    sites: Annotated[
        Path | None, typer.Option("--sites", help="CSV or GeoJSON with name, lat, lon, tonnes, product[, years].")
    ] = None,
    tonnes: Annotated[float | None, typer.Option(help="Tonnes a year the site needs.")] = None,
    product: Annotated[str | None, typer.Option(help="Product: sand or coarse.")] = None,
    years: Annotated[str | None, typer.Option(help="Years, e.g. 2024 or 2024,2025 (default: first).")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="With --sites: output folder (default: runs/coverage-<file stem>/).")
    ] = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Can a site (or a list of sites) be supplied from near solid-waste bases? With numbers and a mix."""
    from aggregates.coverage import coverage_report, result_dict, write_sites_report

    inputs = api.load_inputs(config, set_)
    listed = _coverage_sites(inputs, sites, name, lat, lon, tonnes, product, years)
    folder = out_dir or (Path("runs") / f"coverage-{sites.stem}" if sites is not None else None)
    if folder is not None:
        check_out_dir(folder)
    if json_ or verbose or plan is not None:
        report = coverage_report(inputs, listed, plan)
    else:
        with err.status("optimising with the site(s) added", spinner="dots") as status:
            report = coverage_report(inputs, listed, None, on_stage=lambda t: status.update(f"[bold]{t}[/]"))
    if folder is not None:
        write_sites_report(report, inputs.region, folder)
    if json_:
        data = [result_dict(r, report.rule) for r in report.results]
        for item in data:
            item["residual_source"] = report.residual_source
        _print_json(data if sites is not None else data[0])
        return
    _print_coverage(report)
    if folder is not None:
        out.print(f"written to {folder}: coverage.csv, coverage.html")


def main() -> None:
    """Entry point of the console script."""
    app()


__all__ = ["app", "main"]
