"""Read a region folder into a validated :class:`~aggregates.data.region.Region`.

``read_region`` is the only way in: it reads every layer, validates every
column, geometry and cross-reference, and raises one :class:`RegionError` listing
all problems, each naming the file, the row and the field.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

from aggregates.data import schema
from aggregates.data.checks import check_region
from aggregates.data.region import Region, RegionMeta
from aggregates.data.schema import Layer
from aggregates.data.tabular import Place, geo_table, labels, place, renamed, with_geometry
from aggregates.data.validate import check_columns, check_unique_ids, row_label
from aggregates.data.workbook import REGION, WORKBOOK_SUFFIXES, open_workbook, region_mapping, sheet_table
from aggregates.errors import RegionError, problems_error
from aggregates.textio import parse_json, read_text, read_yaml_mapping
from aggregates.vocab import PRODUCTS

log = logging.getLogger(__name__)

GEO_SUFFIXES = (".geojson", ".gpkg", ".json")


def layer_path(folder: Path, layer: Layer) -> Path | None:
    """The file of ``layer`` in ``folder`` (a point or line layer may also be ``<layer>.csv``), or None."""
    stem = Path(layer.filename).stem
    suffixes = (*GEO_SUFFIXES, ".csv") if layer.geometry else (".csv",)
    for suffix in suffixes:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path, layer: Layer, problems: list[str]) -> pd.DataFrame | None:
    """One layer file as a table, or None with the reason appended to ``problems``.

    Text files (CSV, GeoJSON) are first checked to be UTF-8 text and, for GeoJSON, valid JSON, so
    the message names the byte, line and column rather than the parser's complaint.
    """
    try:
        text = _checked_text(path, layer)
        if layer.geometry is None or path.suffix.lower() == ".csv":
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header
                return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # mixed-type columns: our own checks report them
            return gpd.read_file(path, engine="pyogrio")
    except RegionError as exc:
        problems.append(exc.message)
    except Exception as exc:  # a broken file must become a message, whatever the parser says
        problems.append(f"{path.name}: cannot be read ({type(exc).__name__}: {exc}); check that it is valid")
    return None


def _checked_text(path: Path, layer: Layer) -> str:
    if path.suffix.lower() not in (".csv", ".geojson", ".json"):
        return ""  # a GeoPackage is binary; GDAL checks it
    text = read_text(path, RegionError)
    is_csv = path.suffix.lower() == ".csv"
    if not text.strip():
        header = ",".join(lab.name for lab in labels(layer))
        expected = f"a header line: {header}" if is_csv else "a FeatureCollection"
        raise RegionError(f"{path.name}: is empty; expected {expected}")
    if not is_csv:
        parse_json(text, f"{path.name}: cannot be read", RegionError)
    return text


def check_crs(layer: Layer, table: gpd.GeoDataFrame, problems: list[str]) -> None:
    if table.crs is None:
        problems.append(f"{layer.filename}: has no CRS; expected EPSG:4326 (WGS 84 longitude/latitude)")
    elif table.crs.to_epsg() != 4326:
        problems.append(
            f"{layer.filename}: CRS is {table.crs.to_string()}, expected EPSG:4326; reproject it, e.g. gdf.to_crs(4326)"
        )


def _check_geometry(layer: Layer, table: gpd.GeoDataFrame, bbox, problems: list[str]) -> None:
    min_lon, min_lat, max_lon, max_lat = bbox
    for index, geom in zip(table.index, table.geometry, strict=True):
        where = f"{layer.filename} {row_label(layer, table, index)}: geometry"
        if geom is None or geom.is_empty:
            problems.append(f"{where} is empty; expected a {layer.geometry}")
            continue
        if geom.geom_type != layer.geometry:
            problems.append(f"{where} is a {geom.geom_type}, expected a {layer.geometry}")
            continue
        if not geom.is_valid:
            problems.append(f"{where} is invalid")
            continue
        x0, y0, x1, y1 = geom.bounds
        if x0 < min_lon or x1 > max_lon or y0 < min_lat or y1 > max_lat:
            problems.append(
                f"{where} lies outside the region's bbox {list(bbox)} (got lon {x0:.4f}..{x1:.4f}, "
                f"lat {y0:.4f}..{y1:.4f}); check for swapped lon/lat or a wrong CRS"
            )


def _read_meta(folder: Path, problems: list[str]) -> RegionMeta | None:
    path = folder / "region.yaml"
    if not path.is_file():
        problems.append("region.yaml: missing; it names the region and its bbox [min_lon, min_lat, max_lon, max_lat]")
        return None
    try:
        data = read_yaml_mapping(path, "region keys", RegionError)
    except RegionError as exc:
        problems.append(exc.message)
        return None
    return meta_from(data, folder.name, problems)


def meta_from(data: dict, default_name: str, problems: list[str]) -> RegionMeta | None:
    """The region of ``region.yaml``'s mapping ``data``, or None with the problems noted."""
    bbox = data.get("bbox")
    if not _is_bbox(bbox):
        problems.append(
            f"region.yaml: bbox must be [min_lon, min_lat, max_lon, max_lat] in degrees "
            f"(longitude -180..180, latitude -90..90), got {bbox!r}"
        )
        return None
    lists = {key: _name_list(data, key, problems) for key in LIST_KEYS}
    products = lists.pop("products") or PRODUCTS
    unknown = [p for p in products if p not in PRODUCTS]
    if unknown:
        problems.append(f"region.yaml: products {unknown} unknown; known products: {list(PRODUCTS)}")
    return RegionMeta(
        name=str(data.get("name", default_name)),
        bbox=tuple(float(v) for v in bbox),
        products=products,
        description=str(data.get("title", "")),
        zones=_zones(data.get("zones"), problems),
        extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
        **lists,
    )


def _is_bbox(bbox: object) -> bool:
    ok = isinstance(bbox, list) and len(bbox) == 4
    ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in bbox)
    if not ok:
        return False
    min_lon, min_lat, max_lon, max_lat = bbox
    return -180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90


LIST_KEYS = ("products", "provinces", "supply_cities", "demand_cities")
KNOWN_KEYS = ("name", "bbox", "title", "zones", *LIST_KEYS)


def _name_list(data: dict, key: str, problems: list[str]) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"region.yaml: {key} must be a list of names, got {value!r}")
        return ()
    return tuple(value)


def _zones(value: object, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """``zones``: each zone with the list of zones nested inside it (``{outer: [inner, ...], inner: []}``)."""
    if value is None:
        return {}
    ok = isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, list | None) and all(isinstance(z, str) for z in v or [])
        for k, v in value.items()
    )
    if not ok:
        problems.append(f"region.yaml: zones must map each zone to the zones nested inside it, got {value!r}")
        return {}
    zones = {k: tuple(v or ()) for k, v in value.items()}
    for zone, inner in zones.items():
        unknown = [z for z in inner if z not in zones]
        if unknown:
            problems.append(f"region.yaml: zone '{zone}' nests {unknown}, which are not zones of the region")
    return zones


def _read_layer(
    folder: Path, layer: Layer, meta: RegionMeta | None, problems: list[str], places: dict[str, Place]
) -> pd.DataFrame:
    path = layer_path(folder, layer)
    if path is None:
        if not layer.optional:
            problems.append(f"{layer.filename}: missing from {folder}")
        return _empty(layer)
    table = read_table(path, layer, problems)
    if table is None:
        return _empty(layer)
    if layer.geometry and path.suffix.lower() == ".csv":
        places[layer.filename] = place(path.name, layer, table, [i + 2 for i in range(len(table))])
        return checked_layer(layer, geo_table(with_geometry(layer, table, problems)), meta, problems, tabular=True)
    if layer.geometry:
        check_crs(layer, table, problems)
    return checked_layer(layer, table, meta, problems)


def checked_layer(
    layer: Layer, table: pd.DataFrame, meta: RegionMeta | None, problems: list[str], tabular: bool = False
) -> pd.DataFrame:
    """``table`` (one layer's raw cells, with a geometry column for a point or line layer) checked against
    the schema and the region's bbox, its columns converted; every problem appended to ``problems``.

    ``tabular``: the geometry was built from columns (:func:`~aggregates.data.tabular.with_geometry`),
    which named the cells of every row left without one.
    """
    if layer.geometry and meta is not None:
        _check_geometry(layer, table[table.geometry.notna()] if tabular else table, meta.bbox, problems)
    table = check_columns(layer, table, problems, meta)
    check_unique_ids(layer, table, problems)
    if layer.geometry:
        table = gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")
    return table


def _empty(layer: Layer) -> pd.DataFrame:
    table = pd.DataFrame({c: pd.Series(dtype=object) for c in layer.column_names})
    if layer.geometry:
        return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    return table


def read_region(path: str | Path) -> Region:
    """Read and validate a region: a folder of GeoJSON and CSV files, a folder of CSV files, or a workbook.

    Parameters
    ----------
    path
        A folder holding ``region.yaml`` and the layers of :mod:`aggregates.data.schema`
        (each point or line layer as GeoJSON, or as ``<layer>.csv`` with ``lon``/``lat`` or
        ``wkt`` columns), or an Excel workbook (``.xlsx``) as written by
        :func:`aggregates.data.workbook.write_workbook`.

    Returns
    -------
    Region
        Typed, validated tables.

    Raises
    ------
    RegionError
        One error listing every problem found, each with file (or sheet), row, field, what
        was expected and what was found.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _read_workbook(path)
    if path.is_file():
        raise RegionError(f"{path}: a region is a folder or an Excel workbook (.xlsx), not a {path.suffix} file")
    if not path.is_dir():
        raise RegionError(f"region folder not found: {path}")
    problems: list[str] = []
    places: dict[str, Place] = {}
    meta = _read_meta(path, problems)
    tables = {layer.name: _read_layer(path, layer, meta, problems, places) for layer in schema.LAYERS}
    return _region(path, f"region {path}", meta, tables, problems, places)


def _read_workbook(path: Path) -> Region:
    book = open_workbook(path)
    problems: list[str] = []
    places = {"region.yaml": Place(f"sheet '{REGION}'")}
    data = region_mapping(book, problems)
    meta = meta_from(data, path.stem, problems) if data is not None else None
    tables = {}
    for layer in schema.LAYERS:
        places[layer.filename] = Place(f"sheet '{layer.name}'")
        read = sheet_table(book, layer, problems)
        if read is None:
            tables[layer.name] = _empty(layer)
            continue
        table, numbers = read
        places[layer.filename] = place(f"sheet '{layer.name}'", layer, table, numbers)
        if layer.geometry:
            table = geo_table(with_geometry(layer, table, problems))
        tables[layer.name] = checked_layer(layer, table, meta, problems, tabular=True)
    book.close()
    return _region(path, f"region workbook {path}", meta, tables, problems, places)


def _region(
    path: Path,
    what: str,
    meta: RegionMeta | None,
    tables: dict[str, pd.DataFrame],
    problems: list[str],
    places: dict[str, Place],
) -> Region:
    check_region(tables, meta, problems)
    if problems:
        raise problems_error(RegionError, f"{what}: {len(problems)} problem(s):", renamed(problems, places))
    tables = _with_types(tables)
    region = Region(path=path, meta=meta, **tables)
    log.info(
        "region %s: %d bases, %d demand nodes, %d terminals, %d rail segments, %d road links, %d swap stations",
        meta.name,
        len(region.bases),
        len(region.demand),
        len(region.terminals),
        len(region.rail_segments),
        len(region.roads),
        len(region.swap_stations),
    )
    return region


def _with_types(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Give validated columns their final dtypes and a stable row order."""
    out = {}
    by_name = {layer.name: layer for layer in schema.LAYERS}
    for name, table in tables.items():
        layer = by_name[name]
        table = table.copy()
        for column in layer.columns:
            dtype = {"float": "float64", "int": "int64", "bool": "bool", "str": "object"}[column.kind]
            if column.kind != "str" and table[column.name].isna().any():
                continue  # optional empty cells stay as objects
            table[column.name] = table[column.name].astype(dtype)
        sort_keys = [layer.id_column] if layer.id_column else list(layer.column_names[:3])
        out[name] = table.sort_values(sort_keys, kind="mergesort").reset_index(drop=True)
    return out
