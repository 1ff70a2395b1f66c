"""The drawings of a dispatched day, from a small hand-made day in memory: the Gantt chart and the map."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
from probe import probe
from shapely.geometry import LineString

from aggregates.dispatch import day_basis, dispatch_day
from aggregates.viz.dispatch import busiest_depots, gantt_chart, gantt_data, write_gantt
from aggregates.viz.maps.day import day_routes, route_lines, under_way, write_day_map
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


def test_trucks_under_way_are_counted_per_route_step_and_phase(day):
    # Two trips on b-x -> d-a (unloading takes 30 min): one leaves at 0, unloads at 90 and is back at 170;
    # one leaves at 1400, runs past the day's end (the day repeats) and unloads at 1490 (50 of tomorrow).
    # At 30-min steps: loaded 0-89 -> 0, 30, 60; unloading 90-119 -> 90; empty 120-169 -> 120, 150; and
    # loaded 1400-1489 -> 1410, 0, 30; unloading 1490-1519 -> 60; empty 1520-1569 -> 90, 120.
    row = day.trips[day.trips["node"] == "d-a"].iloc[0]
    trips = pd.DataFrame([row, row]).assign(start_min=[0, 1400], unload_min=[90, 1490], back_min=[170, 1570])
    two = replace(day, trips=trips.reset_index(drop=True))
    counts = under_way(two, day_routes(two))
    assert counts.shape == (1, 48, 3) and day.scenario.fleet.truck_unload_minutes == 30
    by_minute = {30 * k: tuple(counts[0, k]) for k in range(48) if counts[0, k].any()}
    assert by_minute == {
        0: (2, 0, 0),
        30: (2, 0, 0),
        60: (1, 1, 0),
        90: (0, 1, 1),
        120: (0, 0, 2),
        150: (0, 0, 1),
        1410: (1, 0, 0),
    }


def test_every_trip_is_under_way_at_the_steps_of_its_time(day):
    counts = under_way(day, day_routes(day))
    t = day.trips
    # A trip is counted once at each step from its start (rounded up to a step) until it is back.
    spans = zip(t["start_min"], t["back_min"], strict=True)
    assert counts.sum() == sum(len(range(-(-int(a) // 30) * 30, int(b), 30)) for a, b in spans)


@pytest.mark.slow  # headless Chromium: ~3 s
def test_the_time_slider_changes_what_the_map_shows(day, tmp_path, renderer):
    page = write_day_map(day, tmp_path, options=MapOptions(lang="en"))
    script = """() => {
      const box = document.getElementById('agg-clock'), slider = document.getElementById('agg-time');
      const seen = k => { slider.value = k; slider.dispatchEvent(new Event('input'));
        return [box.dataset.shown, box.dataset.trucks, document.getElementById('agg-time-label').textContent,
                document.querySelectorAll('.leaflet-overlay-pane path').length]; };
      return [box.dataset.step, seen(0), seen(14), seen(40)];
    }"""
    (initial, *seen), requests = probe(renderer, page, script, ready="document.getElementById('agg-clock')")
    assert requests == []
    counts = under_way(day, day_routes(day))
    at = lambda k: (int((counts[:, k].sum(axis=1) > 0).sum()), int(counts[:, k].sum()))  # noqa: E731
    assert int(initial) == int(counts.sum(axis=(0, 2)).argmax())  # opens at the busiest step
    for (shown, trucks, _, _), k in zip(seen, (0, 14, 40), strict=True):
        assert (int(shown), int(trucks)) == at(k)
    assert seen[0][2].startswith("07:00: ") and seen[1][2].startswith("14:00: ") and seen[2][2].startswith("03:00: ")
    assert at(0) != at(14) and seen[0][3] != seen[1][3]  # other routes drawn: the map changed
