"""``region``: a region's data for planners: ``export`` writes it as one Excel workbook or a folder of CSVs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aggregates.cli.app import VerboseOpt, app, guard, handled, out, wrote
from aggregates.data.boundaries import BOUNDARIES, read_boundaries
from aggregates.data.reading import read_region
from aggregates.data.workbook import write_csv_folder, write_workbook
from aggregates.errors import InputError
from aggregates.files import check_out_dir, check_out_file

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
        check_out_file(xlsx, "--xlsx")
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
