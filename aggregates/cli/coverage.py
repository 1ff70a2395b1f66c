"""``coverage``: can a construction site (or a list of sites) be supplied from near solid-waste bases?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aggregates.analysis.coverage import Coverage, Report, result_dict
from aggregates.cli.app import (
    ConfigArg,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    handled,
    limit_warning,
    load,
    out,
    out_folder,
    print_json,
    print_table,
    solve_progress,
)
from aggregates.config import Scenario
from aggregates.data.sites import Site, parse_years, read_sites
from aggregates.errors import InputError
from aggregates.pipeline import InputCache
from aggregates.pipeline.coverage import coverage as check
from aggregates.pipeline.coverage import write_coverage


def _sites(scenario: Scenario, sites_file, name, lat, lon, tonnes, product, years) -> list[tuple[str, Site]]:
    default = parse_years(years, (min(scenario.years),))
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


@app.command()
@handled
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
    scenario = load(config, set_)
    cache = InputCache()
    region = cache.region(scenario.region)
    listed = _sites(scenario, sites, name, lat, lon, tonnes, product, years)
    folder = out_folder(out_dir, Path("runs") / f"coverage-{sites.stem}") if sites is not None else None
    with solve_progress(quiet=json_ or verbose or plan is not None) as on_progress:
        report = check(scenario, listed, plan=plan, region=region, on_progress=on_progress, cache=cache)
    if folder is not None:
        write_coverage(report, region, folder)
    if json_:
        data = [
            {
                **result_dict(r, report.rule),
                "residual_source": report.residual_source,
                "solver_limit": report.solver_limit,
            }
            for r in report.results
        ]
        print_json(data if sites is not None else data[0])
        return
    for result in report.results:
        _print_site(result, report)
    out.print(f"residual capacity from {report.residual_source}; swap stations are not counted")
    if report.solver_limit:
        limit_warning("the plan", report.solver_limit)
    if folder is not None:
        out.print(f"written to {folder}: coverage.csv, coverage.html")


def _print_site(r: Coverage, report: Report, top: int = 10) -> None:
    s, rule = r.site, report.rule
    colour = {"covered": "green", "partly": "yellow", "not": "red"}[r.status]
    out.print(
        f"[bold]{s.name}[/]: [{colour}]{'covered' if r.covered else r.status + ' covered'}[/]: "
        f"{r.share_covered:.0%} of {s.tonnes:,.0f} t/yr {s.product} ({', '.join(map(str, s.years))}) from "
        f"solid-waste bases {rule.nearness.text()} (rule: {rule.share:.0%}); joined to {r.snap_node} "
        f"({r.snap_km:.1f} km)"
    )
    if r.reason:
        out.print(f"  why: {r.reason}")
    print_table(_options_table(r, top))
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


def _options_table(r: Coverage, top: int) -> Table:
    table = Table(title=f"supply options for {r.site.name} (cheapest {min(top, len(r.options))} of {len(r.options)})")
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
    return table
