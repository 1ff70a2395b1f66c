"""Display boundaries: the shipped file (six areas, the region's points inside them) and the reader.

The shipped-file tests read the committed geodata/jingjinji, offline. The build script
(geodata/build_boundaries.py) is run by hand; only its decoder and datum conversion are
tested here, on hand-made inputs.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from aggregates.data.boundaries import read_boundaries
from aggregates.errors import RegionError

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "geodata" / "jingjinji"
EQUAL_AREA = "+proj=aea +lat_1=38 +lat_2=42 +lat_0=40 +lon_0=116.5 +datum=WGS84 +units=m +no_defs"
METRIC = "EPSG:32650"  # UTM 50N, for distances of a few km

AREA_OF_CITY = {
    "Beijing": "bd-beijing",
    "Tianjin": "bd-tianjin",
    "Xiong'an": "bd-xiongan",
    "Zhangjiakou": "bd-zhangjiakou",
    "Chengde": "bd-chengde",
    "Tangshan": "bd-tangshan",
}
# Official land areas, km² (general-knowledge figures, as in SOURCES.md). Xiong'an's
# 1,770 km² planning area adds four townships of Renqiu and Gaoyang to the three
# counties; the file holds the three counties only (Xiong 524 + Rongcheng 314 + Anxin 739).
OFFICIAL_KM2 = {
    "bd-beijing": 16_410,
    "bd-tianjin": 11_966,
    "bd-xiongan": 1_577,
    "bd-zhangjiakou": 36_797,
    "bd-chengde": 39_519,
    "bd-tangshan": 13_472,
}
# A base must lie in its city (or this close to its outline: the outline is simplified
# to 0.005°, about 0.5 km). A demand node may lie this close outside its area: the
# Daxing airport zone (d-bj-airport) straddles the Beijing-Hebei border and its point
# is 0.56 km outside Beijing's outline.
BASE_TOLERANCE_M = 2_000
DEMAND_TOLERANCE_M = 1_000


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return read_boundaries(REGION)


def _outside_m(boundaries: gpd.GeoDataFrame, layer: str) -> dict[str, float]:
    """Distance (m) of every point of a layer from its city's area; 0 inside."""
    points = gpd.read_file(REGION / layer).to_crs(METRIC)
    areas = boundaries.set_index("id").to_crs(METRIC).geometry
    return {
        row.id: areas[AREA_OF_CITY[row.city]].distance(row.geometry)
        for row in points.itertuples()
        if row.city in AREA_OF_CITY
    }


def test_six_areas_with_kinds(boundaries):
    assert list(boundaries["id"]) == sorted(OFFICIAL_KM2)
    kinds = dict(zip(boundaries["id"], boundaries["kind"], strict=True))
    assert {k for k, v in kinds.items() if v == "market"} == {"bd-beijing", "bd-tianjin", "bd-xiongan"}
    assert {k for k, v in kinds.items() if v == "supply"} == {"bd-zhangjiakou", "bd-chengde", "bd-tangshan"}
    assert boundaries.crs.to_epsg() == 4326
    assert boundaries["name_zh"].str.len().min() > 0


def test_polygons_are_valid_and_not_empty(boundaries):
    for row in boundaries.itertuples():
        assert row.geometry.geom_type in ("Polygon", "MultiPolygon"), row.id
        assert row.geometry.is_valid, row.id
        assert not row.geometry.is_empty, row.id


def test_every_base_lies_in_its_city(boundaries):
    outside = _outside_m(boundaries, "bases.geojson")
    assert len(outside) == 26
    far = {k: round(v) for k, v in outside.items() if v > BASE_TOLERANCE_M}
    assert far == {}


def test_every_market_demand_node_lies_in_its_area(boundaries):
    outside = _outside_m(boundaries, "demand.geojson")
    assert len(outside) == 42
    far = {k: round(v) for k, v in outside.items() if v > DEMAND_TOLERANCE_M}
    assert far == {}
    assert sum(v == 0 for v in outside.values()) >= 41


@pytest.mark.parametrize(("area_id", "official"), sorted(OFFICIAL_KM2.items()))
def test_areas_match_official_figures(boundaries, area_id, official):
    km2 = boundaries.set_index("id").to_crs(EQUAL_AREA).geometry[area_id].area / 1e6
    assert km2 == pytest.approx(official, rel=0.10)


def test_file_is_small():
    assert (REGION / "boundaries.geojson").stat().st_size < 150_000


# ------------------------------------------------------------------------- reader


def _feature(fid: str, kind: str = "market") -> dict:
    ring = [[116.0, 39.0], [116.1, 39.0], [116.1, 39.1], [116.0, 39.0]]
    properties = {"id": fid, "name": fid, "name_zh": "甲", "kind": kind, "source": "test"}
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _write(folder: Path, features: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    (folder / "boundaries.geojson").write_text(text, encoding="utf-8")
    return folder


def test_reader_returns_sorted_typed_frame(tmp_path):
    frame = read_boundaries(_write(tmp_path, [_feature("bd-b", "supply"), _feature("bd-a")]))
    assert list(frame["id"]) == ["bd-a", "bd-b"]
    assert list(frame.columns) == ["id", "name", "name_zh", "kind", "source", "geometry"]
    assert frame.crs.to_epsg() == 4326


def test_bad_kind_names_file_row_and_field(tmp_path):
    folder = _write(tmp_path, [_feature("bd-a"), _feature("bd-odd", kind="demand")])
    with pytest.raises(RegionError) as info:
        read_boundaries(folder)
    assert "boundaries.geojson row 'bd-odd': kind must be one of market, supply; got 'demand'" in info.value.message


def test_missing_field_and_empty_value_are_reported_together(tmp_path):
    features = [_feature("bd-a"), _feature("bd-b")]
    for f in features:
        del f["properties"]["name_zh"]
    features[1]["properties"]["source"] = ""
    with pytest.raises(RegionError) as info:
        read_boundaries(_write(tmp_path, features))
    message = info.value.message
    assert "boundaries.geojson: missing column(s) name_zh" in message
    assert "boundaries.geojson row 'bd-b': source is empty" in message
    assert "2 problem(s)" in message


def test_invalid_geometry_is_reported(tmp_path):
    bowtie = _feature("bd-bow")
    bowtie["geometry"]["coordinates"] = [[[116.0, 39.0], [116.1, 39.1], [116.1, 39.0], [116.0, 39.1], [116.0, 39.0]]]
    with pytest.raises(RegionError) as info:
        read_boundaries(_write(tmp_path, [bowtie]))
    assert "boundaries.geojson row 'bd-bow': geometry is invalid" in info.value.message


def test_absent_file_gives_empty_frame(tmp_path):
    frame = read_boundaries(tmp_path)
    assert frame.empty
    assert list(frame.columns) == ["id", "name", "name_zh", "kind", "source", "geometry"]
    assert frame.crs.to_epsg() == 4326


# ------------------------------------------------------------------ build script


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_boundaries", ROOT / "geodata" / "build_boundaries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_decoder_reads_zigzag_deltas_x_first(build):
    # "@@" is a zero step; "F" = 6 -> +3, "C" = 3 -> -2, "A" = 1 -> -1, "B" = 2 -> +1.
    points = build.decode_ring("@@FCAB", (10240, 4096))
    assert points == [(10.0, 4.0), (10243 / 1024, 4094 / 1024), (10242 / 1024, 4095 / 1024)]


def test_map_script_object_becomes_json(build):
    literal = (
        '{type:"FeatureCollection",features:[{id:"1",properties:{name:"甲",cp:[1.5,2]},'
        'geometry:{type:"Polygon",coordinates:["@@FCAB"],encodeOffsets:[[10240,4096]]}}],UTF8Encoding:!0}'
    )
    data = json.loads(build.js_object_to_json(literal))
    assert data["UTF8Encoding"] is True
    geometry = build.decode_geometry(data["features"][0]["geometry"])
    assert geometry.geom_type == "MultiPolygon"
    assert len(geometry.geoms[0].exterior.coords) == 4


def test_gcj02_inverse_round_trips(build):
    for lon, lat in [(116.39, 39.91), (114.88, 40.77), (118.18, 39.63), (115.9, 38.99)]:
        dlon, dlat = build.gcj02_shift(lon, lat)
        east_km = dlon * 111.32 * math.cos(math.radians(lat))
        assert 0.3 < math.hypot(east_km, dlat * 110.57) < 0.8
        back = build.gcj02_to_wgs84(lon + dlon, lat + dlat)
        assert back == pytest.approx((lon, lat), abs=1e-7)
