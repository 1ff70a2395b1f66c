"""The drawings of a dispatched day, from a small hand-made day in memory: the Gantt chart and the map."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from aggregates.dispatch import day_basis, dispatch_day
from aggregates.viz.dispatch import busiest_depots, gantt_chart, gantt_data, write_gantt
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
