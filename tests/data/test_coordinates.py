"""The embedded region's coordinates against their independent references (coordinate_check.csv)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from aggregates.data import schema

REGION = Path(__file__).resolve().parents[2] / "geodata" / "jingjinji"
# every point layer of the schema, so that a new one (a quarry layer, say) is checked too
POINT_FILES = tuple(Path(layer.filename).stem for layer in schema.LAYERS if layer.name in schema.POINT_LAYERS)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle km between two (lat, lon) points (a sphere is close enough at 5 km)."""
    (la1, lo1), (la2, lo2) = (map(math.radians, a), map(math.radians, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _features(name: str) -> list[dict]:
    return json.loads((REGION / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def points() -> dict[str, tuple[float, float]]:
    out = {}
    for name in (n for n in POINT_FILES if (REGION / f"{n}.geojson").exists()):
        for f in _features(name):
            lon, lat = f["geometry"]["coordinates"]
            out[f["properties"]["id"]] = (lat, lon)
    return out


@pytest.fixture(scope="module")
def checks() -> dict[str, dict]:
    with (REGION / "coordinate_check.csv").open(encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def test_every_point_has_a_check_row_and_every_checked_point_is_within_5_km(points, checks):
    assert set(points) == set(checks)
    assert {c["check"] for c in checks.values()} <= {"checked", "inherited", "no_reference"}
    checked = {i: c for i, c in checks.items() if c["check"] == "checked"}
    assert len(checked) > 200
    for pid, c in checked.items():
        reference = (float(c["reference_lat"]), float(c["reference_lon"]))
        assert c["reference"], pid
        assert _km(points[pid], reference) <= 5.0, (pid, c["reference"])


@pytest.mark.parametrize(
    ("pid", "lat", "lon"),
    [("st-xiaosigou", 40.898, 118.640), ("st-hushiha", 40.860, 116.984)],  # FACTS §9 [R2], [R1]
)
def test_named_stations_lie_where_the_review_puts_them(points, checks, pid, lat, lon):
    assert _km(points[pid], (lat, lon)) < 0.5
    assert checks[pid]["action"] == "fixed"


def test_zhangtang_via_points_lie_on_the_line_in_hebei(points, checks):
    beijing = next(shape(f["geometry"]) for f in _features("boundaries") if f["properties"]["id"] == "bd-beijing")
    # FACTS §9: 15, 13 and 24 km off the line before; the reference is the line's nearest point [R1]
    for pid, was_off in (("st-zt-fengning", 15), ("st-zt-luanping", 13), ("st-zt-xinglong", 23)):
        c = checks[pid]
        assert "张唐线" in c["reference"]
        assert float(c["reference_km"]) < 0.1
        estimate = (float(c["lat_estimate"]), float(c["lon_estimate"]))
        assert _km(points[pid], estimate) > was_off
        lat, lon = points[pid]
        assert not beijing.contains(Point(lon, lat)), pid


def test_moved_stations_keep_rail_km_consistent(points, checks):
    moved = {i for i, c in checks.items() if c["action"] == "fixed"}
    segments = [f["properties"] for f in _features("rail_segments")]
    touched = [s for s in segments if {s["from_station"], s["to_station"]} & moved]
    assert touched
    for s in touched:  # rail km can't be shorter than the straight line between its stations
        assert s["length_km"] >= 0.98 * _km(points[s["from_station"]], points[s["to_station"]]), s["id"]
    zhangtang = sum(s["length_km"] for s in segments if s["line_id"] == "zhangtang")
    assert zhangtang == pytest.approx(525.1, abs=0.3)  # the opened length, a sourced km post (FACTS §3.1)
