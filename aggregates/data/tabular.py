"""A region as plain tables: the form of a region workbook's sheets and of a folder of CSVs.

Every layer of :mod:`aggregates.data.schema` becomes one table with the layer's columns;
a point layer adds ``lon`` and ``lat`` (WGS-84 degrees), a line layer adds ``wkt``
(``LINESTRING (lon lat, lon lat, ...)``). ``region.yaml`` becomes a mapping of its keys.
Display boundaries (polygons) travel the same way, with ``wkt``. This module turns layers into
such rows and back, and renames the places the region
checks name (``bases.geojson feature 3``) as the user sees them (``sheet 'bases' row 5``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from aggregates.data.region import RegionMeta
from aggregates.data.schema import LAYERS, Layer
from aggregates.data.validate import row_label

LON, LAT, WKT = "lon", "lat", "wkt"
GEOMETRY_COLUMNS = {"Point": (LON, LAT), "LineString": (WKT,), "Polygon": (WKT,)}


@dataclass(frozen=True)
class Label:
    """How a column is shown: its key (the header the reader needs), Chinese header, meaning, unit."""

    name: str
    zh: str
    description: str
    unit: str


GEOMETRY_LABELS = {
    LON: Label(LON, "经度", "longitude, WGS-84 (EPSG:4326)", "degree"),
    LAT: Label(LAT, "纬度", "latitude, WGS-84 (EPSG:4326)", "degree"),
    WKT: Label(WKT, "几何（WKT）", "geometry as WKT, e.g. LINESTRING (lon lat, lon lat, ...), WGS-84", "degree"),
}


def labels(layer: Layer) -> list[Label]:
    """The columns of ``layer``'s table, in order: the schema's, then its geometry columns."""
    own = [Label(c.name, c.zh or "", c.description, c.unit or "") for c in layer.columns]
    return own + [GEOMETRY_LABELS[name] for name in GEOMETRY_COLUMNS.get(layer.geometry, ())]


def _cell(value: object) -> object:
    """A table value as a plain Python value; missing numbers become None (an empty cell)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def wkt(geometry) -> str:
    """The geometry as WKT, every coordinate in the shortest form that reads back exactly."""
    return shapely.to_wkt(geometry, rounding_precision=-1)


def rows(layer: Layer, table: pd.DataFrame) -> list[list[object]]:
    """The rows of ``layer``'s table as plain values, in the order of :func:`labels`."""
    out = []
    for _, row in table.iterrows():
        # A column that may be left out of a file may be absent from a table built in code too.
        values = [_cell(row.get(c.name) if c.omittable else row[c.name]) for c in layer.columns]
        if layer.geometry == "Point":
            values += [float(row.geometry.x), float(row.geometry.y)]
        elif layer.geometry:
            values.append(wkt(row.geometry))
        out.append(values)
    return out


def meta_mapping(meta: RegionMeta) -> dict:
    """``region.yaml`` of ``meta``: the keys it was read from (empty lists and title left out)."""
    data = {"name": meta.name, "title": meta.description, "bbox": list(meta.bbox), "products": list(meta.products)}
    data |= {k: list(v) for k in ("provinces", "supply_cities", "demand_cities") if (v := getattr(meta, k))}
    if meta.zones:
        data["zones"] = {zone: list(inner) for zone, inner in meta.zones.items()}
    data |= meta.extra
    return {k: v for k, v in data.items() if v != ""}


def with_geometry(layer: Layer, table: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """``table`` (raw cells) with its geometry columns turned into a ``geometry`` column.

    Bad coordinates are appended to ``problems`` naming the row and the column; their geometry
    is None. Missing geometry columns are one problem for the layer.
    """
    names = GEOMETRY_COLUMNS[layer.geometry]
    missing = [n for n in names if n not in table.columns]
    if missing:
        meaning = "; ".join(f"{n}: {GEOMETRY_LABELS[n].description}" for n in names)
        problems.append(f"{layer.filename}: missing column(s) {', '.join(missing)} ({meaning})")
        return table.assign(geometry=None)
    build = _point if layer.geometry == "Point" else _shape
    geometry = []
    for index, row in table.iterrows():
        geom, problem = build(row)
        if problem:
            problems.append(f"{layer.filename} {row_label(layer, table, index)}: {problem}")
        geometry.append(geom)
    return table.drop(columns=list(names)).assign(geometry=geometry)


def _number(row: pd.Series, name: str) -> tuple[float | None, str | None]:
    raw = row[name]
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or (isinstance(raw, str) and not raw.strip()):
        return None, f"{name} is empty; give the {GEOMETRY_LABELS[name].description.split(',')[0]} in degrees"
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw, bool) or not math.isfinite(value):
        return None, f"{name} expected a number of degrees, got {raw!r}"
    return value, None


def _point(row: pd.Series) -> tuple[object, str | None]:
    lon, problem = _number(row, LON)
    if problem:
        return None, problem
    lat, problem = _number(row, LAT)
    if problem:
        return None, problem
    return shapely.Point(lon, lat), None


def _shape(row: pd.Series) -> tuple[object, str | None]:
    text = row[WKT]
    example = "e.g. LINESTRING (116.1 39.9, 116.4 39.8)"
    if not isinstance(text, str) or not text.strip():
        return None, f"{WKT} is empty; give the geometry as WKT, {example}"
    try:
        return shapely.from_wkt(text.strip()), None
    except shapely.errors.ShapelyError:
        return None, f"{WKT} is not valid WKT, got {text[:60]!r}; write it as {example}"


def geo_table(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """A table with a ``geometry`` column of shapely objects (or None) as a GeoDataFrame in EPSG:4326."""
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(table["geometry"], crs="EPSG:4326"), crs="EPSG:4326")


# ---- naming places as the user sees them -------------------------------------------------------

_BY_FILE = {layer.filename: layer for layer in LAYERS}


@dataclass(frozen=True)
class Place:
    """Where a layer's rows lie for the user: ``sheet 'bases'`` or ``bases.csv``, and each row's number there."""

    name: str
    rows: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()

    def row_of(self, index: int) -> str:
        return f"row {self.rows[index]}" if 0 <= index < len(self.rows) else f"row {index + 1}"

    def rows_of_id(self, value: str) -> str:
        numbers = [str(n) for n, i in zip(self.rows, self.ids, strict=False) if i == value]
        return f"row {', '.join(numbers)} ('{value}')" if numbers else f"row '{value}'"


def place(name: str, layer: Layer, table: pd.DataFrame, numbers: list[int]) -> Place:
    """The place of ``layer`` read from ``name``, its rows numbered ``numbers`` (index order)."""
    ids = tuple(str(v) for v in table[layer.id_column]) if layer.id_column in table.columns else ()
    return Place(name, tuple(numbers), ids)


def renamed(problems: list[str], places: dict[str, Place]) -> list[str]:
    """``problems`` with every file name of a layer (and its row or feature) as the user sees it.

    ``places`` maps a file name of the region folder model (``bases.geojson``, ``region.yaml``)
    to its place: ``bases.geojson row 'b-x': geometry ...`` becomes ``sheet 'bases' row 7
    ('b-x'): lon/lat ...``.
    """
    if not places:
        return problems
    names = "|".join(re.escape(f) for f in sorted(places, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.])({names})(?: row '([^']*)'| row (\d+)| feature (\d+))?(: geometry\b)?")

    def one(match: re.Match) -> str:
        filename, ident, line, feature, geometry = match.groups()
        where = places[filename]
        text = where.name
        if ident is not None:
            text += " " + where.rows_of_id(ident)
        elif line is not None:
            text += " " + where.row_of(int(line) - 2)
        elif feature is not None:
            text += " " + where.row_of(int(feature) - 1)
        if geometry:
            layer = _BY_FILE.get(filename)  # display boundaries are no layer of the schema: polygons, in wkt
            text += ": " + "/".join(GEOMETRY_COLUMNS[layer.geometry] if layer else (WKT,))
        return text

    return [pattern.sub(one, p) for p in problems]
