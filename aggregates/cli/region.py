"""``region``: a region's data for planners: ``export`` writes it as one Excel workbook or a folder of CSVs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from aggregates.cli.app import ConfigArg, SetOpt, VerboseOpt, app, guard, handled, load, out, wrote
from aggregates.data.boundaries import BOUNDARIES, read_boundaries
from aggregates.data.reading import read_region
from aggregates.data.region import Region
from aggregates.data.workbook import write_csv_folder, write_workbook
from aggregates.errors import InputError
from aggregates.files import check_out_dir, check_out_file
from aggregates.pipeline import with_osm_roads

region_app = typer.Typer(
    help="A region's data: export it to Excel or CSV, edit it, point a scenario at it.", no_args_is_help=True
)
app.add_typer(region_app, name="region")

RegionArg = Annotated[
    Path,
    typer.Argument(
        help="Region: a folder (GeoJSON or CSV) or an .xlsx workbook, e.g. geodata/jingjinji.", show_default=False
    ),
]


@region_app.command("export")
@handled
def export(
    region: RegionArg,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Excel workbook to write: one sheet per layer.", show_default=False)
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="Folder to write: one <layer>.csv per layer and region.yaml.", show_default=False),
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Write every layer of a region as one Excel workbook (--xlsx) and/or a folder of CSV files (--csv).

    The region (and its display boundaries, which go along as one more sheet or CSV) is read and
    validated first. A scenario accepts either output as its ``region``; edit the figures, then
    run ``aggregates validate`` on the scenario.
    """
    if xlsx is None and csv is None:
        raise InputError("give --xlsx FILE (an Excel workbook) and/or --csv FOLDER (one CSV per layer)")
    if xlsx is not None:
        if xlsx.suffix.lower() != ".xlsx":
            raise InputError(f"--xlsx {xlsx}: give a file name ending in .xlsx, e.g. {xlsx.with_suffix('.xlsx')}")
        check_out_file(xlsx, "--xlsx", "region.xlsx")
    if csv is not None:
        check_out_dir(csv, "--csv")
    data = read_region(region)
    extra = [(BOUNDARIES, read_boundaries(region))]
    for target, write in ((xlsx, write_workbook), (csv, write_csv_folder)):
        if target is not None:
            guard(target)
            write(data, target, extra)
            wrote(target)
            out.print(f"wrote {target}")


@region_app.command("osm")
@handled
def osm(
    config: ConfigArg,
    source: Annotated[
        str,
        typer.Option(
            "--osm",
            help="Local .osm/.osm.pbf file (or 'download' with --allow-download) to build the roads from.",
            show_default=False,
        ),
    ],
    csv: Annotated[
        Path, typer.Option("--out", help="Region folder to write (CSV files and region.yaml).", show_default=False)
    ],
    config_out: Annotated[
        Path | None,
        typer.Option(
            "--config-out", help="Also write a scenario that extends CONFIG with this region.", show_default=False
        ),
    ] = None,
    max_snap_km: Annotated[float, typer.Option(help="Farthest a site may be from a road.")] = 5.0,
    allow_download: Annotated[bool, typer.Option(help="With --osm download: fetch roads from Overpass.")] = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Write the scenario's region with its road layer built from OpenStreetMap, as a folder of CSV files.

    The roads and road nodes come from the OSM extract (streamed with pyosmium); every site is joined
    to its nearest road node. Point a scenario's ``region`` at the folder (or use --config-out) to run
    ``network``, ``validate`` and ``optimize`` on the OSM roads.
    """
    check_out_dir(csv, "--out")
    if config_out is not None:
        check_out_file(config_out, "--config-out", "osm.yaml")
    scenario = load(config, set_)
    region = _consistent(
        with_osm_roads(read_region(scenario.region), source, max_snap_km=max_snap_km, allow_download=allow_download)
    )
    guard(csv)
    write_csv_folder(region, csv, [(BOUNDARIES, read_boundaries(scenario.region))])
    wrote(csv)
    out.print(f"wrote {csv}: {len(region.road_nodes):,} road nodes, {len(region.roads):,} road links")
    if config_out is not None:
        text = f"extends: {Path(config).resolve()}\nname: {scenario.name}-osm\nregion: {csv.resolve()}\n"
        config_out.write_text(text, encoding="utf-8")
        wrote(config_out)
        out.print(f"wrote {config_out}")


def _consistent(region: Region) -> Region:
    """The OSM region's other tables pointed at its new road nodes.

    A swap station's ``road_node`` becomes the OSM node it is snapped to; reference distances between
    road nodes that the OSM layer no longer has are dropped (those between sites stay).
    """
    roads = region.roads
    snapped = roads[roads["kind"] == "access"].set_index("from_node")["to_node"]
    swaps = region.swap_stations.copy()
    swaps["road_node"] = [snapped.get(i, node) for i, node in zip(swaps["id"], swaps["road_node"], strict=True)]
    ids = set(region.points()["id"]) | set(region.road_nodes["id"])
    cal = region.calibration_road
    keep = cal["origin"].isin(ids) & cal["destination"].isin(ids)
    return replace(region, swap_stations=swaps, calibration_road=cal[keep].reset_index(drop=True))
