"""Read a region folder into a validated :class:`Region`.

``read_region`` is the only way in: it reads every layer, validates every
column, geometry and cross-reference, and raises one :class:`RegionError` listing
all problems, each naming the file, the row and the field.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

from aggregates.data import schema
from aggregates.data.checks import check_region
from aggregates.data.schema import Layer, RegionMeta
from aggregates.data.validate import check_columns, check_unique_ids, row_label
from aggregates.errors import RegionError, problems_error

log = logging.getLogger(__name__)

GEO_SUFFIXES = (".geojson", ".gpkg", ".json")


@dataclass(frozen=True)
class Region:
    """A validated region: one table per layer (see :mod:`aggregates.data.schema`).

    Point and line layers are GeoDataFrames in EPSG:4326; the others are
    DataFrames. Build with :func:`read_region`.
    """

    path: Path
    meta: RegionMeta
    bases: gpd.GeoDataFrame
    base_levels: pd.DataFrame
    demand: gpd.GeoDataFrame
    demand_years: pd.DataFrame
    rail_stations: gpd.GeoDataFrame
    rail_segments: gpd.GeoDataFrame
    terminals: gpd.GeoDataFrame
    road_nodes: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    swap_stations: gpd.GeoDataFrame
    calibration_road: pd.DataFrame

    def points(self) -> pd.DataFrame:
        """Every point of every point layer: id, layer, lon, lat, province."""
        frames = []
        for name in schema.POINT_LAYERS:
            table = getattr(self, name)
            frames.append(
                pd.DataFrame(
                    {
                        "id": table["id"].to_numpy(),
                        "layer": name,
                        "lon": table.geometry.x.to_numpy(),
                        "lat": table.geometry.y.to_numpy(),
                        "province": table["province"].to_numpy(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def with_roads(self, road_nodes: gpd.GeoDataFrame, roads: gpd.GeoDataFrame) -> Region:
        """A copy with another road layer (e.g. one built from OpenStreetMap)."""
        return replace(self, road_nodes=road_nodes, roads=roads)

    def years(self) -> list[int]:
        """Years for which the region has demand."""
        return sorted(int(y) for y in self.demand_years["year"].unique())


def _layer_path(folder: Path, layer: Layer) -> Path | None:
    stem = Path(layer.filename).stem
    suffixes = GEO_SUFFIXES if layer.geometry else (".csv",)
    for suffix in suffixes:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _read_table(path: Path, layer: Layer, problems: list[str]) -> pd.DataFrame | None:
    try:
        if layer.geometry is None:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # mixed-type columns: our own checks report them
            return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # a broken file must become a message, whatever the parser says
        problems.append(f"{path.name}: cannot be read ({type(exc).__name__}: {exc}); check that it is valid")
        return None


def _check_crs(layer: Layer, table: gpd.GeoDataFrame, problems: list[str]) -> None:
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
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        problems.append(f"region.yaml: not valid YAML: {exc}")
        return None
    bbox = data.get("bbox")
    ok = isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)
    if not ok or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
        problems.append(f"region.yaml: bbox must be [min_lon, min_lat, max_lon, max_lat], got {bbox!r}")
        return None
    products = tuple(data.get("products", schema.PRODUCTS))
    unknown = [p for p in products if p not in schema.PRODUCTS]
    if unknown:
        problems.append(f"region.yaml: products {unknown} unknown; known products: {list(schema.PRODUCTS)}")
    extra = {k: v for k, v in data.items() if k not in ("name", "bbox", "products", "title")}
    return RegionMeta(
        name=str(data.get("name", folder.name)),
        bbox=tuple(float(v) for v in bbox),
        products=products,
        description=str(data.get("title", "")),
        extra=extra,
    )


def _read_layer(folder: Path, layer: Layer, meta: RegionMeta | None, problems: list[str]) -> pd.DataFrame:
    path = _layer_path(folder, layer)
    if path is None:
        if not layer.optional:
            problems.append(f"{layer.filename}: missing from {folder}")
        return _empty(layer)
    table = _read_table(path, layer, problems)
    if table is None:
        return _empty(layer)
    if layer.geometry:
        _check_crs(layer, table, problems)
        if meta is not None:
            _check_geometry(layer, table, meta.bbox, problems)
    table = check_columns(layer, table, problems)
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
    """Read and validate a region folder.

    Parameters
    ----------
    path
        Folder holding ``region.yaml`` and the layers of
        :mod:`aggregates.data.schema`.

    Returns
    -------
    Region
        Typed, validated tables.

    Raises
    ------
    RegionError
        One error listing every problem found, each with file, row id, field,
        what was expected and what was found.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise RegionError(f"region folder not found: {folder}")
    problems: list[str] = []
    meta = _read_meta(folder, problems)
    tables = {layer.name: _read_layer(folder, layer, meta, problems) for layer in schema.LAYERS}
    check_region(tables, meta, problems)
    if problems:
        raise problems_error(RegionError, f"region {folder}: {len(problems)} problem(s):", problems)
    tables = _with_types(tables)
    region = Region(path=folder, meta=meta, **tables)
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


def check_years(region: Region, years: list[int]) -> None:
    """Raise if the region's demand does not cover every scenario year.

    Parameters
    ----------
    region
        A region from :func:`read_region`.
    years
        The scenario's years.
    """
    have = set(region.years())
    missing = [y for y in years if y not in have]
    if missing:
        raise RegionError(
            f"{region.path / 'demand_years.csv'}: no demand for year(s) {missing}; the scenario asks for "
            f"{years} and the region covers {sorted(have)}. Add rows for those years or change 'years' "
            f"in the config."
        )
