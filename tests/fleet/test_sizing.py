"""Fleet and operations sizing: hand-checked cases, invariants, and the pipeline writing fleet.csv."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aggregates as ag
from aggregates.config import Scenario
from aggregates.plan import FleetSummary
from aggregates.plan.fleet import COLUMNS, size_fleet

SUMMARY_KEYS = tuple(f.name for f in fields(FleetSummary))

# A 24 h train round trip: 6 h loading + 6 h unloading + 0 h dwell + 2 x 210 km / 35 km/h = 24 h.
KM_24H = 210.0
QUIET = {"wagon_spare": 0.0, "container_spare": 0.0, "terminal_dwell_hours": 0.0, "box_staging_hours": 0.0}


def scenario(rail=None, trucks=None, fleet=None) -> Scenario:
    return Scenario(name="t", region=Path("."), rail=rail or {}, trucks=trucks or {}, fleet=fleet or {})


def flow(chain, tonnes, *, km_road=0.0, km_rail=0.0, base="b", year=2022, route=0, loading="L", unloading="U"):
    rail = chain.startswith("rail")
    return {
        "year": year,
        "base": base,
        "chain": chain,
        "tonnes": tonnes,
        "km_road": km_road,
        "km_rail": km_rail if rail else 0.0,
        "loading_terminal": loading if rail else "",
        "unloading_terminal": unloading if rail else "",
        "route": route,
    }


def routes(*swaps_per_trip: int) -> list[int]:
    """En-route battery swaps per round trip of each route option (the flows' ``route``)."""
    return list(swaps_per_trip) or [0]


def rows(fleet, kind):
    return fleet.table[fleet.table["kind"] == kind].reset_index(drop=True)


def test_one_corridor_24h_cycle():
    # 3.2 Mt/yr over 365 days = 1,000 trains a year = 2.7397 trains/day; a 24 h round trip ties up 2.7397 trainsets,
    # so ceil(2.7397 x 50) = 137 wagons and ceil(2.7397 x 100) = 274 boxes (own siding, no truck time, no spares).
    sc = scenario(rail={"operating_days": 365}, fleet={**QUIET, "truck_load_minutes": 0, "truck_unload_minutes": 0})
    fleet = size_fleet(pd.DataFrame([flow("rail_diesel", 3.2e6, km_rail=KM_24H)]), routes(0), sc, own_siding=["b"])
    corridor = rows(fleet, "train_corridor").iloc[0]
    assert corridor["id"] == "L->U" and corridor["unit"] == "trains/day"
    assert corridor["per_day"] == pytest.approx(2.740, abs=1e-3)
    assert corridor["cycle_hours"] == pytest.approx(24.0)
    assert corridor["wagons"] == 137 and corridor["containers"] == 274
    s = fleet.summary(2022)
    assert s.trains_per_day == 2.74 and s.trains_per_calendar_day == 2.74
    # The last-mile trucks run 365 trips/day but take no time here (0 km, 0 min handling), so no trucks.
    assert (s.wagons, s.containers, s.nev_trucks, s.diesel_trucks) == (137, 274, 0, 0)
    # Both yards see 2.74 trains/day x 6 h = 16.4 track-hours: one track of 20 h.
    yards = rows(fleet, "yard")
    assert list(yards["id"]) == ["L", "U"] and list(yards["tracks"]) == [1, 1]
    assert yards["hours_per_day"].tolist() == pytest.approx([16.438, 16.438], abs=1e-3)


def test_direct_diesel_trucks_and_drivers():
    # 1 Mt/yr / 31 t / 300 days = 107.53 trips/day; 100 km out at 50 km/h (2 h), back at 60 (1.667 h), 1 h handling
    # = 4.667 h a trip; 501.8 truck-hours/day / (8 h x 2 shifts x 0.85) = 36.9 -> 37 trucks;
    # 501.8 / 8 = 62.7 -> 63 driver shifts a day; 63 x 300 / 250 = 75.6 -> 76 drivers.
    fleet = size_fleet(pd.DataFrame([flow("diesel_truck", 1e6, km_road=100.0)]), routes(0), scenario())
    t = rows(fleet, "trucks").iloc[0]
    assert (t["id"], t["truck"], t["unit"]) == ("diesel_truck", "diesel", "trips/day")
    assert t["per_day"] == pytest.approx(107.527, abs=1e-3)
    assert t["cycle_hours"] == pytest.approx(4.667, abs=1e-3)
    assert t["hours_per_day"] == pytest.approx(501.792, abs=1e-3)
    assert (t["trucks"], t["driver_shifts"], t["drivers"]) == (37, 63, 76)
    s = fleet.summary(2022)
    assert (s.diesel_trucks, s.nev_trucks, s.driver_shifts_per_day, s.drivers) == (37, 0, 63, 76)
    assert s.trains_per_day == 0 and s.wagons == 0 and s.swaps_per_day == 0


def test_battery_trucks_swap_on_the_way_and_at_the_origin():
    # 0.84 Mt/yr / 28 t = 30,000 loads = 100 a day. 150 km each way through one station: 2 swaps a round trip
    # there; 300 km / 120 km range = 2.5 batteries, so 0.5 more at the origin. Cycle 3 + 2.5 + 1 h handling +
    # 2.5 swaps x 6 min = 6.75 h; 675 truck-hours / 13.6 = 49.6 -> 50 trucks; 200 station swaps/day.
    resources = pd.DataFrame(
        {
            "year": [2022],
            "resource": ["s-1"],
            "kind": ["swap_station"],
            "name": ["S1"],
            "unit": ["swaps/yr"],
            "load": [60000.0],
            "capacity": [60000.0],
            "utilisation": [1.0],
        }
    )
    fleet = size_fleet(
        pd.DataFrame([flow("bet_truck", 840000.0, km_road=150.0)]), routes(2), scenario(), resources=resources
    )
    t = rows(fleet, "trucks").iloc[0]
    assert t["cycle_hours"] == pytest.approx(6.75)
    assert (t["trucks"], t["swaps_per_day"], t["depot_swaps_per_day"]) == (50, 200.0, 50.0)
    station = rows(fleet, "swap_station").iloc[0]
    assert (station["id"], station["per_day"], station["capacity_per_day"], station["utilisation"]) == (
        "s-1",
        200.0,
        200.0,
        1.0,
    )
    s = fleet.summary(2022)
    assert (s.nev_trucks, s.swaps_per_day, s.depot_swaps_per_day) == (50, 200.0, 50.0)


def test_rail_chain_boxes_include_truck_ends_and_staging():
    # 0.84 Mt/yr by rail + e-truck from a base without siding: 0.84e6 / 3,200 / 330 = 0.7955 trains/day on a 24 h
    # cycle (no dwell) -> 79.55 boxes on wagons; wagons ceil(0.7955 x 50 x 1.1) = ceil(43.75) = 44.
    # Trucks: 30,000 loads x 2 legs = 200 trips/day of 1 h handling each (0 km) = 200 truck-hours -> 8.33 boxes.
    # Staging: 26,250 boxes/yr x 2 ends x 12 h / 300 days / 24 h = 87.5 boxes. (79.55 + 8.33 + 87.5) x 1.1 = 192.9.
    resources = pd.DataFrame(
        {
            "year": [2022, 2022],
            "resource": ["L", "U"],
            "kind": ["terminal", "terminal"],
            "name": ["Load", "Unload"],
            "unit": ["t/yr", "t/yr"],
            "load": [840000.0, 840000.0],
            "capacity": [2.64e6, 2.64e6],
            "utilisation": [0.318, 0.318],
        }
    )
    fleet = size_fleet(
        pd.DataFrame([flow("rail_bet", 840000.0, km_rail=KM_24H)]),
        routes(0),
        scenario(fleet={"terminal_dwell_hours": 0}),
        resources=resources,
    )
    corridor = rows(fleet, "train_corridor").iloc[0]
    assert corridor["name"] == "Load -> Unload"
    assert (corridor["wagons"], corridor["containers"]) == (44, 193)
    t = rows(fleet, "trucks").iloc[0]
    assert (t["id"], t["per_day"], t["hours_per_day"], t["trucks"]) == ("rail_bet", 200.0, 200.0, 15)
    # Yards: 2.64 Mt/yr / 3,200 t / 330 days = 2.5 trains/day of capacity.
    yards = rows(fleet, "yard")
    assert yards["capacity_per_day"].tolist() == [2.5, 2.5]
    assert yards["utilisation"].tolist() == pytest.approx([0.318, 0.318], abs=1e-3)


@pytest.mark.parametrize(("days", "trains"), [(365, 85.62), (330, 94.70)])
def test_100_mt_all_by_rail(days, trains):
    # The check: 100 Mt/yr / 3,200 t = 31,250 trains a year = 85.6 a calendar day (365 days);
    # on the default 330 operating days 94.7 a running day, still 85.6 a calendar day.
    flows = pd.DataFrame(
        [
            flow("rail_bet", 40e6, km_rail=200.0, loading="L1", unloading="U1"),
            flow("rail_diesel", 35e6, km_rail=150.0, loading="L2", unloading="U1"),
            flow("rail_bet", 25e6, km_rail=300.0, loading="L2", unloading="U2", base="b2"),
        ]
    )
    s = size_fleet(flows, routes(0), scenario(rail={"operating_days": days})).summary(2022)
    assert s.trains_per_day == pytest.approx(trains, abs=0.01)
    assert s.trains_per_calendar_day == pytest.approx(85.62, abs=0.01)
    assert s.wagons > s.trainsets * 50 and s.containers > 2 * s.wagons / 1.1


def test_table_has_the_documented_columns_even_when_empty():
    fleet = size_fleet(pd.DataFrame([flow("diesel_truck", 0.0)]).iloc[:0], routes(0), scenario(), years=[2022])
    assert list(fleet.table.columns) == list(COLUMNS) and fleet.table.empty
    assert fleet.summary(2022).wagons == 0 and fleet.summary(1999).rail_operating_days == 330


CHAINS = ("diesel_truck", "bet_truck", "rail_bet", "rail_diesel")
flow_lists = st.lists(
    st.tuples(
        st.sampled_from(CHAINS),
        st.floats(0, 5e6),
        st.floats(0, 200),
        st.floats(20, 400),
        st.integers(0, 4),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


def _flows(items, scale=1.0):
    return pd.DataFrame(
        [
            flow(c, t * scale, km_road=kr, km_rail=kl, route=i, base="own" if own else "b", loading=f"L{i % 2}")
            for i, (c, t, kr, kl, _, own) in enumerate(items)
        ]
    ), routes(*(sw for _, _, _, _, sw, _ in items))


COUNTS = ("wagons", "containers", "yard_tracks", "nev_trucks", "diesel_trucks", "driver_shifts_per_day", "drivers")


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(flow_lists, st.floats(1.0, 5.0))
def test_fleet_grows_with_tonnes(items, factor):
    sc = scenario()
    small = size_fleet(*_flows(items), sc, own_siding=["own"]).summary(2022)
    large = size_fleet(*_flows(items, factor), sc, own_siding=["own"]).summary(2022)
    for key in (*COUNTS, "trains_per_day", "truck_trips_per_day", "swaps_per_day", "depot_swaps_per_day"):
        assert getattr(large, key) >= getattr(small, key), key


@settings(max_examples=30, deadline=None)
@given(flow_lists)
def test_zero_flows_need_no_fleet(items):
    zero = [(c, 0.0, *rest) for c, _, *rest in items]
    s = size_fleet(*_flows(zero), scenario()).summary(2022)
    assert all(getattr(s, k) == 0 for k in SUMMARY_KEYS if not k.endswith("operating_days"))


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(flow_lists)
def test_trains_and_trips_match_the_plan_kpis(items):
    # The plan's KPIs: trains_per_day = rail t / 3,200 / rail days; truck_trips_per_day = t x legs / payload /
    # truck days with legs 1 for direct hauls, 2 for rail chains, 1 for rail from an own siding (plan.figures.truck_trips).
    sc = scenario()
    flows, r = _flows(items)
    s = size_fleet(flows, r, sc, own_siding=["own"]).summary(2022)
    rail = flows["chain"].str.startswith("rail")
    assert s.trains_per_day == pytest.approx(flows.loc[rail, "tonnes"].sum() / 3200 / 330, abs=0.006)
    legs = rail.astype(int) * (flows["base"] != "own").astype(int) + 1
    payload = flows["chain"].map({"diesel_truck": 31.0, "rail_diesel": 31.0, "bet_truck": 28.0, "rail_bet": 28.0})
    assert s.truck_trips_per_day == pytest.approx((flows["tonnes"] * legs / payload).sum() / 300, abs=0.06)


def test_pipeline_writes_fleet_csv_and_kpis(tiny_config, tmp_path):
    # The tiny region with rail and battery-electric trucks only, so that trains, boxes and swaps all appear.
    sets = ["target.mt_per_yr=3", "target.from_year=2021", "chains=[rail_bet, bet_truck]"]
    result = ag.solve(ag.load_scenario(tiny_config, sets))
    out = result.write(tmp_path / "run", visuals=False)
    fleet = pd.read_csv(out / "fleet.csv")
    assert list(fleet.columns) == list(COLUMNS)
    assert {"train_corridor", "yard", "trucks"} <= set(fleet["kind"])
    kpis = json.loads((out / "kpis.json").read_text())
    for year, values in kpis["years"].items():
        f = values["fleet"]
        assert set(SUMMARY_KEYS) <= set(f)
        assert f["trains_per_day"] == pytest.approx(values["trains_per_day"], abs=0.05)
        assert f["truck_trips_per_day"] == pytest.approx(values["truck_trips_per_day"], abs=0.5)
        assert f["wagons"] > 0 and f["containers"] > 0 and f["nev_trucks"] > 0, year
        assert FleetSummary(**f) == result.plan.year(int(year)).fleet
    assert "fleet" in pd.read_excel(out / "plan.xlsx", sheet_name=None)
