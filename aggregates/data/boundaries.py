"""Display boundaries of a region (``boundaries.geojson``): optional, drawn, never computed on.

The interactive map outlines the market areas and the supply cities. The file is
optional; :func:`read_boundaries` validates it as :func:`aggregates.data.region.read_region`
validates the layers (one :class:`RegionError` naming file, row id and field).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd

from aggregates.data.reading import check_crs, layer_path, read_table
from aggregates.data.schema import STR, Column, Layer
from aggregates.data.tabular import Place, geo_table, place, renamed, with_geometry
from aggregates.data.validate import check_columns, check_unique_ids, row_label
from aggregates.data.workbook import open_workbook, sheet_table
from aggregates.errors import RegionError, problems_error

log = logging.getLogger(__name__)

KINDS = ("market", "supply")
BOUNDARIES = Layer(
    name="boundaries",
    filename="boundaries.geojson",
    geometry="Polygon",
    description="display outline of a market area or supply city",
    columns=(
        Column("id", STR, "unique id, prefix bd-", zh="编号", unit=""),
        Column("name", STR, "English name", zh="英文名称", unit=""),
        Column("name_zh", STR, "Chinese name", zh="中文名称", unit=""),
        Column("kind", STR, "market (demand area) or supply (supply city)", choices=KINDS, zh="类型", unit=""),
        Column("source", STR, "where the outline comes from, explained in SOURCES.md", zh="来源标签", unit=""),
    ),
    optional=True,
)
POLYGONAL = ("Polygon", "MultiPolygon")


def _empty() -> gpd.GeoDataFrame:
    columns = {c: [] for c in BOUNDARIES.column_names}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def _check_geometry(table: gpd.GeoDataFrame, problems: list[str]) -> None:
    for index, geom in zip(table.index, table.geometry, strict=True):
        where = f"{BOUNDARIES.filename} {row_label(BOUNDARIES, table, index)}: geometry"
        if geom is None or geom.is_empty:
            problems.append(f"{where} is empty; expected a Polygon or MultiPolygon")
        elif geom.geom_type not in POLYGONAL:
            problems.append(f"{where} is a {geom.geom_type}, expected a Polygon or MultiPolygon")
        elif not geom.is_valid:
            problems.append(f"{where} is invalid; repair it, e.g. shapely.make_valid")
        else:
            x0, y0, x1, y1 = geom.bounds
            if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
                problems.append(
                    f"{where} is not in longitude/latitude (got x {x0:.1f}..{x1:.1f}, y {y0:.1f}..{y1:.1f}); "
                    f"reproject it to EPSG:4326"
                )


def read_boundaries(region_dir: Path) -> gpd.GeoDataFrame:
    """Read and validate the display boundaries of a region folder.

    Parameters
    ----------
    region_dir
        Region folder, where the file is ``boundaries.geojson`` (or ``.gpkg`` / ``.json``, or
        ``boundaries.csv`` with a ``wkt`` column), or a region workbook with a sheet ``boundaries``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id``, ``name``, ``name_zh``, ``kind`` (``market`` or ``supply``),
        ``source`` and a (Multi)Polygon ``geometry`` in EPSG:4326, sorted by id. Empty,
        with those columns, when the region has no boundaries file (or sheet).

    Raises
    ------
    RegionError
        One error listing every problem, each naming the file, the row id and the
        field: an unreadable file, a wrong CRS, missing or extra columns, empty
        values, an unknown ``kind``, duplicate ids, empty, non-polygonal or invalid
        geometries.

    Notes
    -----
    For display only: the outlines are simplified and not authoritative (see the
    region's SOURCES.md).
    """
    folder = Path(region_dir)
    if folder.is_file():
        return _from_workbook(folder)
    path = layer_path(folder, BOUNDARIES)
    if path is None:
        log.info("boundaries: no %s in %s", BOUNDARIES.filename, folder)
        return _empty()
    problems: list[str] = []
    places: dict[str, Place] = {}
    table = read_table(path, BOUNDARIES, problems)
    if table is not None and path.suffix.lower() == ".csv":
        places[BOUNDARIES.filename] = place(path.name, BOUNDARIES, table, [i + 2 for i in range(len(table))])
        table = _checked(geo_table(with_geometry(BOUNDARIES, table, problems)), problems, tabular=True)
    elif table is not None:
        check_crs(BOUNDARIES, table, problems)
        table = _checked(table, problems)
    return _boundaries(table, f"boundaries {path}", problems, places)


def _from_workbook(path: Path) -> gpd.GeoDataFrame:
    """The ``boundaries`` sheet of a region workbook (empty without one)."""
    book = open_workbook(path)
    problems: list[str] = []
    read = sheet_table(book, BOUNDARIES, problems)
    book.close()
    if read is None:
        log.info("boundaries: no sheet '%s' in %s", BOUNDARIES.name, path)
        return _empty()
    table, numbers = read
    places = {BOUNDARIES.filename: place(f"sheet '{BOUNDARIES.name}'", BOUNDARIES, table, numbers)}
    table = _checked(geo_table(with_geometry(BOUNDARIES, table, problems)), problems, tabular=True)
    return _boundaries(table, f"boundaries in workbook {path}", problems, places)


def _checked(table: gpd.GeoDataFrame, problems: list[str], tabular: bool = False) -> gpd.GeoDataFrame:
    _check_geometry(table[table.geometry.notna()] if tabular else table, problems)  # tabular: bad cells named
    table = check_columns(BOUNDARIES, table, problems)
    check_unique_ids(BOUNDARIES, table, problems)
    return table


def _boundaries(table, what: str, problems: list[str], places: dict[str, Place]) -> gpd.GeoDataFrame:
    if problems:
        raise problems_error(RegionError, f"{what}: {len(problems)} problem(s):", renamed(problems, places))
    table = gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")
    table = table.sort_values("id", kind="mergesort").reset_index(drop=True)
    log.info("boundaries: %d areas (%s)", len(table), ", ".join(table["id"]))
    return table
