"""Trucks pooled across a depot's routing parts (aggregates.dispatch.trucks.chain_parts): a truck back from
one part's route drives another's, moved as a whole inside its loads' windows. Default figures: a truck
works 2 x 8 h = 960 min, unloading takes 30 min, the day has 1,440 min."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.dispatch import check_day, day_basis, dispatch_day
from aggregates.dispatch.trucks import TRIP_COLUMNS, chain_parts
from tests.dispatch.days import flow, flows, scenario

SC = scenario()
DAY = 960
UNLOAD = 30


def trip(truck, start, out, back, *, tw=(0, 1440), release=0, swaps=0, depot="b-x", kind="diesel") -> dict:
    """A trip leaving at ``start``, unloading ``out`` minutes later (no wait) and back ``back`` after that."""
    unload = start + out
    return {
        **dict.fromkeys(TRIP_COLUMNS, 0),
        "truck": truck,
        "depot": depot,
        "type": kind,
        "leg": "direct",
        "node": "d-c",
        "load": "d-c@b-x",
        "start_min": start,
        "arrive_min": unload,
        "unload_min": unload,
        "back_min": unload + back,
        "swaps_en_route": swaps,
        "station": "s-1" if swaps else "",
        "tw_early": tw[0],
        "tw_late": tw[1],
        "release": release,
    }


def trips(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(TRIP_COLUMNS))


def test_a_later_part_route_moves_after_a_fixed_one_and_a_third_needs_its_own_truck():
    # Three parts, each one route of one trip leaving at minute 0:
    #   C: 0-300, unloading at 200 with a window closing at 230, so it cannot move later (latest start 0);
    #   A: 0-400, unloading at 200, window open all day: it may start up to 1440 - 400 = 1040;
    #   B: the same as A.
    # By latest start: C opens truck 1 (0-300); A follows it at 300 (300-700, a day of 700 <= 960);
    # B cannot follow (700 + 400 = 1100 > 960) and takes truck 2 from 0. Three trucks become two.
    day = trips(
        trip("b-x:diesel/2.1", 0, 200, 200),  # A
        trip("b-x:diesel/3.1", 0, 200, 200),  # B
        trip("b-x:diesel.1", 0, 200, 100, tw=(0, 230)),  # C
    )
    out = chain_parts(day, SC)
    assert out["truck"].tolist() == ["b-x:diesel.1", "b-x:diesel.1", "b-x:diesel.2"]
    assert out[["start_min", "unload_min", "back_min"]].values.tolist() == [
        [0, 200, 300],
        [300, 500, 700],
        [0, 200, 400],
    ]
    assert out["trip"].tolist() == [1, 2, 1]


@pytest.mark.parametrize(("swaps", "trucks"), [(0, 1), (1, 2)])
def test_a_route_through_a_swap_station_keeps_its_times(swaps, trucks):
    # A (0-400) cannot move (its window closes as it unloads). S (100-400, window open) could follow it at
    # 400-700, one truck; but when S passes a swap station, whose swaps per hour were checked at its
    # times, it stays at 100 and needs a truck of its own.
    day = trips(
        trip("b-x:bet.1", 0, 200, 200, tw=(0, 230), kind="bet"),
        trip("b-x:bet/2.1", 100, 150, 150, swaps=swaps, kind="bet"),
    )
    out = chain_parts(day, SC)
    assert out["truck"].nunique() == trucks
    assert sorted(out["start_min"]) == ([0, 400] if trucks == 1 else [0, 100])


def test_depots_and_truck_types_never_share_trucks():
    day = trips(
        trip("b-x:diesel.1", 0, 100, 100),
        trip("b-y:diesel.1", 0, 100, 100, depot="b-y"),
        trip("b-x:bet.1", 0, 100, 100, kind="bet"),
    )
    out = chain_parts(day, SC)
    assert sorted(out["truck"]) == ["b-x:bet.1", "b-x:diesel.1", "b-y:diesel.1"]
    assert (out["start_min"] == 0).all()


def test_a_depot_split_into_four_parts_runs_on_one_truck():
    # 8 loads of 20 km in parts of 2: a trip is 30 load + 24 out + 30 unload + 20 back = 104 min, a part's
    # route 208 min on a truck of its own. Pooled, the four routes follow each other: 832 <= 960, one truck.
    sc = scenario(**{"dispatch.max_loads_per_part": 2, "dispatch.time_limit_s": 0.1})
    day = dispatch_day(flows(flow("b-x", "d-c", "diesel_truck", 8, 20.0)), sc, day_basis(sc, "typical"), year=2022)
    t = day.trips
    assert t["truck"].unique().tolist() == ["b-x:diesel.1"]
    assert t["trip"].tolist() == list(range(1, 9))
    assert (t["start_min"].diff().dropna() == 104).all()
    assert check_day(t, day.orders, sc) == []


@st.composite
def part_routes(draw) -> pd.DataFrame:
    """Up to 12 routes (parts' trucks) of 1-3 trips in a 960-min day, at two depots, with windows and
    releases drawn around the trips; one trip in ten passes a swap station."""
    rows = []
    for r in range(draw(st.integers(1, 12))):
        depot = draw(st.sampled_from(["b-x", "b-y"]))
        first = start = draw(st.integers(0, 600))
        for _ in range(draw(st.integers(1, 3))):
            out, back = draw(st.integers(40, 200)), draw(st.integers(30, 150))
            if start + out + back > min(first + DAY, 1440):
                break
            early, late = draw(st.integers(0, 300)), draw(st.integers(0, 300))
            tw = (max(start + out - early, 0), min(start + out + UNLOAD + late, 1440))
            release = max(start - draw(st.integers(0, 300)), 0)
            swaps = int(draw(st.integers(0, 9)) == 0)
            rows.append(
                trip(f"{depot}:diesel/{r}.1", start, out, back, tw=tw, release=release, swaps=swaps, depot=depot)
            )
            start += out + back + draw(st.integers(0, 60))
    return trips(*rows)


@settings(max_examples=60, deadline=None)
@given(day=part_routes())
def test_pooling_keeps_every_trip_inside_its_limits_and_never_adds_trucks(day):
    day = day.assign(route=day["truck"], was=day["start_min"])
    out = chain_parts(day, SC)
    assert len(out) == len(day)
    assert out["route"].value_counts().sort_index().equals(day["route"].value_counts().sort_index())
    assert out["truck"].nunique() <= day["route"].nunique()
    assert out.groupby("truck")["depot"].nunique().max() == 1  # depots never share
    # each route moved as a whole; one through a swap station not at all
    shift = out["start_min"] - out["was"]
    assert (shift.groupby(out["route"]).nunique() == 1).all()
    assert (shift[out.groupby("route")["swaps_en_route"].transform("max") > 0] == 0).all()
    times = ["start_min", "arrive_min", "unload_min", "back_min"]
    same = out.merge(day, on=["route", "was"], suffixes=("", "_before"), validate="one_to_one")
    for column in times:
        assert (same[column] - same[f"{column}_before"] == same["start_min"] - same["was"]).all()
    # inside every limit: release, window, the day
    assert (out["start_min"] >= out["release"]).all() and (out["start_min"] >= 0).all()
    assert (out["unload_min"] >= out["tw_early"]).all()
    assert (out["unload_min"] + UNLOAD <= out["tw_late"]).all()
    assert (out["back_min"] <= 1440).all()
    for _, truck in out.groupby("truck"):
        truck = truck.sort_values("start_min")
        assert (truck["start_min"].to_numpy()[1:] >= truck["back_min"].to_numpy()[:-1]).all()
        assert truck["back_min"].max() - truck["start_min"].min() <= DAY
        assert truck["trip"].tolist() == list(range(1, len(truck) + 1))
