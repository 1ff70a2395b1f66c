"""``coverage``: can a construction site (or a list of sites) be supplied from near solid-waste bases?"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aggregates.analysis.coverage import Coverage, Report, answer_of, ranked_options, result_dict
from aggregates.analysis.coverage.answer import ROOM_EPS_T
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
    scenario_reads,
    solve_progress,
)
from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.data.sites import Site, parse_years, read_sites, to_wgs84
from aggregates.errors import InputError
from aggregates.pipeline import InputCache
from aggregates.pipeline.coverage import coverage as check
from aggregates.pipeline.coverage import coverage_both as check_both
from aggregates.pipeline.coverage import site_of, write_coverage
from aggregates.viz.labels import check_lang
from aggregates.vocab import CHAIN_SHORT


def _sites(scenario: Scenario, region: Region, where: dict, tonnes, product, years) -> list[tuple[str, Site]]:
    """The sites asked about: a sites file, a place name or lat/lon (in WGS 84 or GCJ-02)."""
    default = parse_years(years, (min(scenario.years),))
    sites_file, name, place, lat, lon, crs = (where[k] for k in ("sites", "name", "place", "lat", "lon", "crs"))
    if sum(x is not None for x in (sites_file, place, lat if lat is not None else lon)) > 1:
        raise InputError("give one of --sites FILE, --place NAME or --lat/--lon")
    if sites_file is not None:
        return [(f"{sites_file} row {i}", _moved(site, crs)) for i, site in read_sites(sites_file, default)]
    if (place is None and (lat is None or lon is None)) or tonnes is None or product is None:
        raise InputError(
            "one site needs --place (or --lat and --lon), --tonnes and --product (e.g. --place 雄安 "
            "--tonnes 300000 --product sand), or give --sites FILE"
        )
    site = site_of(region, tonnes, product, default, place=place, lat=lat, lon=lon, crs=crs, name=name)
    return [(f"site '{site.name}'", site)]


def _moved(site: Site, crs: str) -> Site:
    """A site of a sites file in WGS 84 (bad numbers are left for the checks to name)."""
    if not all(isinstance(v, float | int) for v in (site.lat, site.lon)):
        return site
    lat, lon = to_wgs84(site.lat, site.lon, crs)
    return replace(site, lat=lat, lon=lon)


@app.command()
@handled
def coverage(
    config: ConfigArg,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="Run folder whose residual capacity to use (default: optimise with the site)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Site name.")] = None,
    place: Annotated[
        str | None, typer.Option(help="Place name in Chinese or pinyin (a town, district, base, station...).")
    ] = None,
    lat: Annotated[float | None, typer.Option(help="Site latitude, degrees (WGS 84 unless --crs gcj02).")] = None,
    lon: Annotated[float | None, typer.Option(help="Site longitude, degrees (WGS 84 unless --crs gcj02).")] = None,
    crs: Annotated[
        str, typer.Option(help="Datum of --lat/--lon and of a sites file: wgs84 (GPS) or gcj02 (Gaode/Tencent maps).")
    ] = "wgs84",
    sites: Annotated[
        Path | None, typer.Option("--sites", help="CSV or GeoJSON with name, lat, lon, tonnes, product[, years].")
    ] = None,
    tonnes: Annotated[float | None, typer.Option(help="Tonnes a year the site needs.")] = None,
    product: Annotated[str | None, typer.Option(help="Product: sand or coarse.")] = None,
    years: Annotated[str | None, typer.Option(help="Years, e.g. 2024 or 2024,2025 (default: first).")] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder for coverage.csv and coverage.html (with --sites default: runs/coverage-<file stem>/).",
        ),
    ] = None,
    both: Annotated[
        bool, typer.Option("--both", help="With --plan: also re-optimise with the site(s) and explain the difference.")
    ] = False,
    lang: Annotated[str | None, typer.Option(help="Language of the answer and the map: zh (default) or en.")] = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Can a site (or a list of sites) be supplied from near solid-waste bases? With numbers and a mix."""
    scenario = load(config, set_)
    lang = check_lang(lang or scenario.outputs.lang)
    if both and plan is None:
        raise InputError("--both compares against a published plan: give --plan RUN_DIR too")
    cache = InputCache()
    region = cache.region(scenario.region)
    where = {"sites": sites, "name": name, "place": place, "lat": lat, "lon": lon, "crs": crs}
    listed = _sites(scenario, region, where, tonnes, product, years)
    reads = [*scenario_reads(scenario), plan, sites]
    folder = out_folder(out_dir, Path("runs") / f"coverage-{sites.stem}", reads) if sites is not None else None
    if sites is None and out_dir is not None:
        folder = out_folder(out_dir, out_dir, reads)
    differences = None
    with solve_progress(quiet=json_ or verbose or (plan is not None and not both)) as on_progress:
        if both:
            report, again, differences = check_both(
                scenario, listed, plan, region=region, on_progress=on_progress, cache=cache
            )
        else:
            report = check(scenario, listed, plan=plan, region=region, on_progress=on_progress, cache=cache)
    if folder is not None:
        write_coverage(report, region, folder, lang)
    if json_:
        _print_json(report, differences, again if both else None, sites is not None)
        return
    for result in report.results:
        _print_site(result, report, lang)
    out.print(f"residual capacity from {report.residual_source}; swap stations are not counted")
    for i, difference in enumerate(differences or []):
        out.print(f"[bold]re-optimised:[/] {answer_of(again.results[i], again.basis).sentence(lang)}")
        out.print(f"[bold]why they differ:[/] {difference.sentence(lang)}")
    if report.solver_limit:
        limit_warning("the plan", report.solver_limit)
    if folder is not None:
        out.print(f"written to {folder}: coverage.csv, coverage.html")


def _print_json(report: Report, differences, again: Report | None, many: bool) -> None:
    data = []
    for i, r in enumerate(report.results):
        item = {
            **result_dict(r, report.rule, basis=report.basis),
            "residual_source": report.residual_source,
            "solver_limit": report.solver_limit,
        }
        if differences is not None:
            item["reoptimised"] = answer_of(again.results[i], again.basis).to_dict()
            d = differences[i]
            item["difference"] = {**asdict(d), "sentence": {"zh": d.sentence("zh"), "en": d.sentence("en")}}
        data.append(item)
    print_json(data if many else data[0])


def _print_site(r: Coverage, report: Report, lang: str, top: int = 10) -> None:
    s, rule = r.site, report.rule
    colour = {"covered": "green", "partly": "yellow", "not": "red"}[r.status]
    out.print(f"[bold]{s.name}[/]: [{colour}]{escape(answer_of(r, report.basis).sentence(lang))}[/]")
    out.print(
        f"  rule: {rule.share:.0%} from solid-waste bases {rule.nearness.text()}; "
        f"joined to {r.snap_node} ({r.snap_km:.1f} km); {s.lat:.5f} N, {s.lon:.5f} E"
    )
    with_room, full = ranked_options(r, top)
    print_table(_options_table(r, with_room, lang))
    if len(full):
        names = ", ".join(f"{_name(o, lang)} ({CHAIN_SHORT[o.chain]})" for o in full.itertuples())
        out.print(f"  full (no room left): {names}")
    if r.plan_supply is not None:
        p = r.plan_supply
        out.print(
            f"  the optimised plan itself gave it {p['solid_waste_t']:,.0f} t/yr solid waste "
            f"({p['suppliers'] or 'none'}), {p['natural_t']:,.0f} t/yr natural, {p['unmet_t']:,.0f} t/yr unmet"
        )


def _name(o, lang: str) -> str:
    return o.name_zh if lang == "zh" else o.name_en


def _options_table(r: Coverage, shown, lang: str) -> Table:
    room = int((r.options["residual_capacity_t"] >= ROOM_EPS_T).sum())
    title = f"options with room for {r.site.name} ({len(shown)} of {room}; * = chosen, cheapest first)"
    table = Table(title=title)
    for col in ("", "base", "chain"):
        table.add_column(col, no_wrap=True)
    for col in ("yuan/t", "hours", "km", "kg CO2e/t", "room t/yr", "near", "chosen t/yr"):
        table.add_column(col, justify="right")
    for o in shown.itertuples():
        table.add_row(
            "*" if o.chosen else "",
            _name(o, lang),
            CHAIN_SHORT[o.chain],
            f"{o.delivered_cost_yuan_per_t:.1f}",
            f"{o.hours:.1f}",
            f"{o.km:.0f}",
            f"{o.co2e_kg_per_t:.2f}",
            f"{o.residual_capacity_t:,.0f}",
            "yes" if o.within_rule else "no",
            f"{o.tonnes:,.0f}" if o.chosen else "",
        )
    return table
