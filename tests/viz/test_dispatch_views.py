"""The drawings of a dispatched day, from a small hand-made day in memory: the Gantt chart and the map."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from aggregates.dispatch import day_basis, dispatch_day
from aggregates.viz.dispatch import busiest_depots, gantt_chart, gantt_data, write_gantt
from aggregates.viz.maps.day import day_routes, route_lines, write_day_map
from aggregates.viz.maps.options import MapOptions
from tests.dispatch.days import flow, flows, scenario

REMOTE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
PLACES = pd.DataFrame(
    {
        "id": ["b-x", "b-y", "d-a", "d-b", "d-c", "d-far", "d-near", "t-l", "t-u"],
        "lon": [117.9, 118.2, 116.4, 116.3, 116.5, 116.9, 117.6, 117.5, 116.8],
        "lat": [40.9, 39.6, 39.9, 39.8, 39.7, 39.1, 39.4, 40.6, 39.95],
        "province": ["Hebei", "Hebei", "Beijing", "Beijing", "Beijing", "Tianjin", "Hebei", "Hebei", "Beijing"],
    }
)


def _js(words: str) -> str:
    """``words`` as folium writes them into the page's scripts (JSON, non-ASCII escaped)."""
    return json.dumps(words)[1:-1]


@pytest.fixture(scope="module")
def day():
    """Direct diesel hauls (one in Beijing's night window), electric hauls with swaps, and a rail corridor
    with first and last miles and two trains."""
    sc = scenario(**{"rail.net_t_per_train": 310.0, "dispatch.yard_trains_at_once": 1})
    rail = {"loading": "t-l", "unloading": "t-u", "km_rail": 100.0, "first_mile_km": 20.0}
    f = flows(
        flow("b-x", "d-c", "rail_diesel", 22, 50.0, **rail),
        flow("b-x", "d-a", "diesel_truck", 4, 50.0),
        flow("b-x", "d-b", "diesel_truck", 2, 50.0, window="23:00-06:00"),
        flow("b-y", "d-far", "bet_truck", 1, 70.0, station="s-x"),
        flow("b-y", "d-near", "bet_truck", 2, 40.0),
    )
    f.loc[0, "tonnes"] = 2 * 310.0 * 330.0
    return dispatch_day(f, sc, day_basis(sc, "typical"), year=2022, places=PLACES)


def test_gantt_has_one_bar_a_trip_and_marks_swaps_and_yard_slots(day):
    depots = busiest_depots(day, None)
    assert depots == ["b-x", "t-u", "b-y"]  # 28, 22 and 3 trips
    data = gantt_data(day, depots, "en")
    assert len(data["bars"]) == len(day.trips) == 53
    assert sorted(data["swaps"]["kind"]) == ["swap at the depot", "swap at the depot", "swap on the way"]
    assert len(data["slots"]) == 2 * len(day.trains)
    spec = gantt_chart(day, "en", None).to_dict()
    trip_rows = sum(len(v) for k, v in spec["datasets"].items() if v and "leaves" in v[0])
    assert trip_rows == len(day.trips)


def test_gantt_draws_the_busiest_depots_only_and_says_so(day):
    data = gantt_data(day, busiest_depots(day, 1), "zh")
    assert set(data["bars"]["depot"]) == {"b-x"} and len(data["bars"]) == 28
    spec = gantt_chart(day, "zh", 1).to_dict()
    assert "显示 1/3 个场站" in str(spec["title"])


def test_gantt_page_is_self_contained_in_chinese_by_default(day, tmp_path):
    page = write_gantt(day, tmp_path).read_text("utf-8")
    assert not REMOTE.search(page)
    assert '<html lang="zh-CN">' in page and "调度日甘特图" in page and "vegaEmbed" in page
    english = write_gantt(day, tmp_path / "en", "en").read_text("utf-8")
    assert "Gantt chart of the day" in english and "调度日" not in english


def test_day_routes_sum_the_loads_per_depot_and_destination_and_per_band(day):
    routes = day_routes(day)
    assert routes["loads"].sum() == len(day.trips)
    bands = routes[[c for c in routes if c.startswith("b") and c[1:].isdigit()]]
    assert (bands.sum(axis=1) == routes["loads"]).all()
    last = routes[routes["leg"] == "last_mile"].iloc[0]
    assert (last["depot"], last["node"], last["loads"]) == ("t-u", "d-c", 22)
    near = routes[routes["node"] == "d-near"].iloc[0]
    assert (near["trucks"], near["bet"], near["diesel"]) == (1, 1, 0)
    # A truck serving several destinations (b-x's trucks mix first miles and direct hauls) counts on each line.
    assert routes["trucks"].sum() == len(day.trips.drop_duplicates(["truck", "leg", "node"]))


def test_routes_follow_the_flow_lines_cut_at_the_yards_else_straight(day):
    routes = day_routes(day)
    # b-x -> d-c by rail: the flow's line passes t-l and t-u; b-x -> d-a has a line; nothing else has.
    lines = gpd.GeoDataFrame(
        {
            "year": [2022, 2022],
            "base": ["b-x", "b-x"],
            "node": ["d-c", "d-a"],
            "chain": ["rail_diesel", "diesel_truck"],
            "loading_terminal": ["t-l", ""],
            "unloading_terminal": ["t-u", ""],
        },
        geometry=[
            LineString([(117.9, 40.9), (117.5, 40.6), (117.0, 40.2), (116.8, 39.95), (116.5, 39.7)]),
            LineString([(117.9, 40.9), (117.0, 40.5), (116.4, 39.9)]),
        ],
        crs="EPSG:4326",
    )
    drawn = dict(zip(zip(routes["depot"], routes["node"], strict=True), route_lines(day, routes, lines), strict=True))
    first, along = drawn[("b-x", "t-l")]
    assert along and first.coords[0] == (117.9, 40.9) and first.coords[-1] == pytest.approx((117.5, 40.6))
    last, along = drawn[("t-u", "d-c")]
    assert along and last.coords[0] == pytest.approx((116.8, 39.95)) and last.coords[-1] == (116.5, 39.7)
    assert drawn[("b-x", "d-a")][1] and len(drawn[("b-x", "d-a")][0].coords) == 3
    straight, along = drawn[("b-y", "d-near")]
    assert not along and list(straight.coords) == [(118.2, 39.6), (117.6, 39.4)]


def test_day_map_is_offline_in_chinese_with_a_layer_per_band(day, tmp_path):
    page = write_day_map(day, tmp_path).read_text("utf-8")
    assert not REMOTE.search(page)
    assert "调度日地图" in page and _js("全天线路") in page and _js("21:00-24:00 卸货") in page
    assert "以直线表示" in page  # no route geometry given: said so
    english = write_day_map(day, tmp_path / "en", options=MapOptions(lang="en")).read_text("utf-8")
    assert "Map of the day" in english and "unloading 21:00-24:00" in english and _js("调度日") not in english


def test_a_day_without_places_draws_an_empty_map_that_says_why(day, tmp_path):
    bare = replace(day, places=pd.DataFrame())
    page = write_day_map(bare, tmp_path).read_text("utf-8")
    assert "6 条线路缺少坐标" in page
