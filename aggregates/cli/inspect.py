"""Looking before solving: ``validate`` (scenario and region), ``network`` (its size), ``routes`` (one pair)."""

from __future__ import annotations

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
    print_json,
    print_table,
)
from aggregates.config import Scenario
from aggregates.data.access import ANY_TIME
from aggregates.data.places import find_place
from aggregates.data.region import Region
from aggregates.network.graph import build_network
from aggregates.network.queries import missing_chain_reason, routes_between
from aggregates.pipeline import InputCache, check_fit, prepare, select_demand_path, with_osm_roads


def load_inputs(config, overrides, osm: str | None = None, max_snap_km: float = 5.0, allow_download: bool = False):
    """The scenario and its region on the scenario's demand path (with OSM roads when asked), checked to fit."""
    scenario = load(config, overrides)
    cache = InputCache()
    region = select_demand_path(scenario, cache.region(scenario.region), cache)
    check_fit(scenario, region)
    if osm is not None:
        region = with_osm_roads(region, osm, max_snap_km=max_snap_km, allow_download=allow_download)
    return scenario, region


@app.command()
@handled
def validate(config: ConfigArg, set_: SetOpt = None, verbose: VerboseOpt = False) -> None:
    """Run every check optimize runs before its solve; print a summary of what was read.

    The config and its region (boundaries included), the fit between them, the output
    settings and folders, the network and route options, and the pre-check of the targets
    against capacity: when validate passes, the solve will start.
    """
    scenario = load(config, set_)
    check_outputs(scenario)
    ready = prepare(scenario)
    region = ready.region
    table = Table(title=f"{scenario.name}: region {region.meta.name} is valid", show_header=True)
    for name, justify in (("layer", "left"), ("rows", "right"), ("notes", "left")):
        table.add_column(name, justify=justify)
    for name, count, note in _layer_rows(scenario, region):
        table.add_row(name, str(count), note)
    print_table(table)
    out.print(
        f"years {scenario.years}; chains {', '.join(scenario.chains)}; {len(ready.options.table):,} route options"
    )
    out.print("pre-check passed: capacity, feedstock and reach do not rule out a target; the solve will start")


def _layer_rows(scenario: Scenario, region: Region) -> list[tuple[str, int, str]]:
    levels = region.base_levels.sort_values("level").groupby("base_id")
    first, top = levels.first()["capacity_mt_per_yr"], levels.last()["capacity_mt_per_yr"]
    existing = region.bases.set_index("id")["status"] == "existing"
    capacity = first[existing[existing].index].sum()
    y0 = min(scenario.years)
    demand = region.demand_years[region.demand_years["year"] == y0]["demand_mt"].sum()
    return [
        ("bases", len(region.bases), f"existing capacity {capacity:.1f} Mt/yr, all levels built {top.sum():.1f} Mt/yr"),
        ("base levels", len(region.base_levels), ""),
        ("demand nodes", len(region.demand), f"{demand:.1f} Mt demand in {y0}"),
        ("terminals", len(region.terminals), ""),
        ("rail stations", len(region.rail_stations), ""),
        ("rail segments", len(region.rail_segments), f"{region.rail_segments['length_km'].sum():.0f} km"),
        ("road nodes", len(region.road_nodes), ""),
        ("road links", len(region.roads), f"{region.roads['length_km'].sum():.0f} km"),
        ("swap stations", len(region.swap_stations), ""),
    ]


@app.command()
@handled
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
    scenario, region = load_inputs(config, set_, osm, max_snap_km, allow_download)
    summary = build_network(region, scenario).summary(min(scenario.years))
    if json_:
        print_json(summary)
        return
    table = Table(title=f"network of {summary['region']}", show_header=False)
    for key, value in summary.items():
        shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        table.add_row(key.replace("_", " "), shown)
    print_table(table)


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
@handled
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
    scenario, region = load_inputs(config, set_)
    net = build_network(region, scenario)
    options = routes_between(net, scenario, from_, to, year)
    if json_:
        print_json([_route_json(r) for r in options.itertuples()])
        return
    base, node = find_place(region.bases, from_, "base"), find_place(region.demand, to, "demand node")
    year_shown = int(options["year"].iloc[0]) if len(options) else min(scenario.years)
    out.print(_routes_table(options, f"route options {base} -> {node} (CO2e with the {year_shown} grid)"))
    state = "on" if scenario.policies.access_rules else "off (not applied)"
    for r in options[options["window"] != ANY_TIME].itertuples():
        out.print(
            f"* {r.chain} may deliver here {r.window} only (access rules of {r.zone}; policies.access_rules {state})"
        )
    for chain in scenario.chains:
        if chain not in set(options["chain"]):
            out.print(f"[yellow]{chain}: no option[/] - {missing_chain_reason(net, scenario, chain)}")


def _routes_table(options, title: str) -> Table:
    table = Table(title=title)
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
    return table
