"""City access rules: delivery windows in route options, closed options in the model, trucks in the fleet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tiny import mutated, write_config, write_region

import aggregates as ag
from aggregates.config import Scenario, load_scenario
from aggregates.data.access import parse_window, window_text
from aggregates.data.reading import read_region
from aggregates.errors import RegionError
from aggregates.network.graph import build_network
from aggregates.network.options import COLUMNS
from aggregates.network.routes import route_options
from aggregates.optimize.instance import build_instance
from aggregates.plan.fleet import size_fleet, truck_days_per_load
from aggregates.vocab import DIESEL_CHAINS

NIGHT = "23:00-06:00"
# d-city lies in beijing_5th_ring: night only for China V diesel and newer; battery-electric at any hour.
RULES = [
    {
        "zone": "beijing_5th_ring",
        "truck": "diesel",
        "window": NIGHT,
        "min_standard": "china_v",
        "source": "test",
        "note": "",
    },
    {
        "zone": "beijing_5th_ring",
        "truck": "bet",
        "window": "00:00-24:00",
        "min_standard": "any",
        "source": "test",
        "note": "",
    },
]


def _with_rules(rules):
    return mutated(lambda layers: layers.update({"access_rules.csv": rules}))


def _instance(tmp_path: Path, rules=RULES, overrides=()):
    folder = write_region(tmp_path / "region", _with_rules(rules) if rules else None)
    scenario = load_scenario(write_config(tmp_path, folder), list(overrides))
    region = read_region(folder)
    options = route_options(build_network(region, scenario), list(scenario.chains))
    return options, build_instance(region, scenario, options)


def _open(options, instance) -> pd.Series:
    table = options.table.assign(open=instance.problem.route_open[:, 0])
    return table.set_index(["base", "node", "chain"])["open"]


def test_route_options_carry_the_window_of_their_delivery(tmp_path):
    options, instance = _instance(tmp_path)
    t = options.table.set_index(["base", "node", "chain"])
    for chain in ("diesel_truck", "rail_diesel"):
        row = t.loc[("b-one", "d-city", chain)]
        assert (row.zone, row.window, row.window_hours) == ("beijing_5th_ring", NIGHT, 7.0)
    assert t.loc[("b-one", "d-city", "bet_truck")].window_hours == 24.0
    assert t.loc[("b-one", "d-far", "diesel_truck")].window == "00:00-24:00"
    # A China VI fleet fits the night window: nothing closes.
    assert instance.problem.route_open.all()


def test_a_fleet_the_zone_does_not_admit_is_closed_out(tmp_path):
    options, instance = _instance(tmp_path, overrides=["trucks.diesel.emission_standard=china_iv"])
    is_open = _open(options, instance)
    into_city = is_open.index.get_level_values("node") == "d-city"
    diesel = is_open.index.get_level_values("chain").isin(DIESEL_CHAINS)
    assert not is_open[into_city & diesel].any()
    assert is_open[~(into_city & diesel)].all()
    assert set(options.table.loc[options.table["node"] == "d-city", "window"]) == {"closed", "00:00-24:00"}


def test_a_window_too_short_to_unload_closes_the_option(tmp_path):
    # 20 minutes a night, 30 minutes to unload one truck: no delivery fits.
    rules = [{**RULES[0], "window": "23:00-23:20"}]
    options, instance = _instance(tmp_path, rules)
    is_open = _open(options, instance)
    assert not is_open[("b-one", "d-city", "diesel_truck")]
    assert is_open[("b-one", "d-city", "bet_truck")] and is_open[("b-one", "d-far", "diesel_truck")]
    # The same window with a 15-minute unload fits.
    _, fits = _instance(tmp_path / "short", rules, ["fleet.truck_unload_minutes=15"])
    assert fits.problem.route_open.all()


def test_rules_off_reproduce_the_options_without_rules(tmp_path):
    closed = ["trucks.diesel.emission_standard=china_iii", "policies.access_rules=false"]
    ruled, off = _instance(tmp_path / "a", overrides=closed)
    plain, before = _instance(tmp_path / "b", rules=None)
    same = [c for c in COLUMNS if c not in ("window", "window_hours")]
    pd.testing.assert_frame_equal(ruled.table[same], plain.table[same])
    assert (plain.table["window_hours"] == 24.0).all()
    np.testing.assert_array_equal(off.problem.route_open, before.problem.route_open)
    np.testing.assert_array_equal(off.problem.route_cost, before.problem.route_cost)


def test_bad_window_is_named_with_file_row_and_field(tmp_path):
    folder = write_region(tmp_path / "bad", _with_rules([{**RULES[0], "window": "11pm-6am"}]))
    with pytest.raises(RegionError) as err:
        read_region(folder)
    assert "access_rules.csv row 2: window must be HH:MM-HH:MM" in str(err.value)


@pytest.mark.parametrize(
    ("text", "hours"),
    [(NIGHT, 7.0), ("00:00-24:00", 24.0), ("closed", 0.0), ("06:00-23:00", 17.0), ("20:00-24:00", 4.0)],
)
def test_windows_read_and_write_back(text, hours):
    mask = parse_window(text)
    assert mask.sum() / 60 == hours and window_text(mask) == text


def test_nested_windows_intersect():
    assert window_text(parse_window(NIGHT) & parse_window("05:00-23:30")) == "05:00-06:00;23:00-23:30"


# A 4 h truck cycle: 75 km out at 50 km/h and back at 50 km/h (3 h) plus 30 + 30 min handling.
FOUR_HOURS = {"truck_speed_loaded_kmh": 50.0, "truck_speed_empty_kmh": 50.0}


def _fleet(chain, km_road, window_hours, base="b"):
    flow = {
        "year": 2022,
        "base": base,
        "chain": chain,
        "tonnes": 1e6,
        "km_road": km_road,
        "km_rail": 100.0 if chain.startswith("rail") else 0.0,
        "loading_terminal": "L" if chain.startswith("rail") else "",
        "unloading_terminal": "U" if chain.startswith("rail") else "",
        "route": 0,
    }
    window = NIGHT if window_hours == 7.0 else "00:00-24:00"
    windows = pd.DataFrame({"zone": ["beijing_5th_ring"], "window": [window], "window_hours": [window_hours]})
    scenario = Scenario(name="t", region=Path("."), fleet=FOUR_HOURS)
    return size_fleet(pd.DataFrame([flow]), [0], scenario, windows=windows)


def test_night_window_halves_trips_per_truck_and_doubles_the_trucks():
    # 1 Mt / 31 t / 300 days = 107.53 deliveries a day. A 4 h cycle in a 16 h working day: 4 a truck,
    # 107.53 / 4 / 0.85 = 31.6 -> 32 trucks. Night only (7 h): at 23:00, then 03:00, and 07:00 is too late:
    # 1 + floor(7 / 4) = 2 a truck, 107.53 / 2 / 0.85 = 63.25 -> 64 trucks.
    free = _fleet("diesel_truck", 75.0, 24.0)
    night = _fleet("diesel_truck", 75.0, 7.0)
    assert free.summary(2022).diesel_trucks == 32 and night.summary(2022).diesel_trucks == 64
    row = night.table[night.table["kind"] == "delivery_window"].iloc[0]
    assert (row["id"], row["truck"], row["name"], row["unit"]) == (
        "beijing_5th_ring",
        "diesel",
        NIGHT,
        "deliveries/day",
    )
    assert row["per_day"] == pytest.approx(107.527, abs=1e-3) and row["trucks"] == 64
    assert row["cycle_hours"] == pytest.approx(4.0)
    assert (night.summary(2022).window_mt, night.summary(2022).window_trucks) == (1.0, 64)
    # Driving hours do not change; the trucks wait for the window.
    assert night.summary(2022).truck_hours_per_day == free.summary(2022).truck_hours_per_day
    assert free.summary(2022).window_mt == 0.0


def test_only_the_last_mile_of_a_rail_chain_waits_for_the_window():
    # 150 km of road a load in two 4 h legs. First mile: 4 / 16 = 0.25 truck-days a load; last mile night
    # only: 1 / 2 = 0.5. 107.53 loads a day x 0.75 / 0.85 = 94.9 -> 95 trucks (free: x 0.5 -> 64).
    assert _fleet("rail_diesel", 150.0, 24.0).summary(2022).diesel_trucks == 64
    night = _fleet("rail_diesel", 150.0, 7.0)
    assert night.summary(2022).diesel_trucks == 95
    row = night.table[night.table["kind"] == "delivery_window"].iloc[0]
    assert row["trucks"] == 64  # the last-mile trucks alone: 107.53 x 0.5 / 0.85 = 63.25


@given(
    cycle=st.floats(0.0, 30.0),
    legs=st.sampled_from([1, 2]),
    window=st.floats(0.0, 24.0),
)
def test_a_window_never_needs_fewer_truck_days(cycle, legs, window):
    class Fleet:
        shift_hours, shifts_per_day = 8.0, 2.0

    free = truck_days_per_load(np.array([cycle]), np.array([legs]), np.array([24.0]), Fleet)[0]
    ruled = truck_days_per_load(np.array([cycle]), np.array([legs]), np.array([window]), Fleet)[0]
    longer = truck_days_per_load(np.array([cycle]), np.array([legs]), np.array([min(window + 1, 24.0)]), Fleet)[0]
    assert free * 16 == pytest.approx(cycle)
    assert ruled >= free - 1e-12 and longer <= ruled + 1e-12


@pytest.mark.slow
def test_default_plan_delivers_no_diesel_into_a_zone_outside_its_window():
    result = ag.solve(ag.load_scenario("configs/default.yaml"))
    flows, routes = result.plan.flows, result.instance.routes.table
    used = routes.iloc[flows["route"].to_numpy(int)].reset_index(drop=True)
    diesel = used["chain"].isin(DIESEL_CHAINS).to_numpy()
    beijing = used["zone"].isin(["beijing_5th_ring", "beijing_6th_ring"]).to_numpy()
    # Every diesel delivery into Beijing's rings is a night delivery; none where the rules close the road.
    assert diesel[beijing].any()
    assert set(used.loc[diesel & beijing, "window"]) == {NIGHT}
    assert (flows.loc[diesel & beijing, "window_hours"] == 7.0).all()
    assert not (used["window"] == "closed").any()
    fleet = result.plan.fleet
    night = fleet[(fleet["kind"] == "delivery_window") & (fleet["name"] == NIGHT)]
    assert set(night["truck"]) == {"diesel"} and set(night["id"]) <= {"beijing_5th_ring", "beijing_6th_ring"}
    year = result.plan.headline_year()
    tonnes = flows.loc[diesel & beijing & (flows["year"] == year).to_numpy(), "tonnes"].sum()
    assert result.plan.year(year).fleet.window_mt == pytest.approx(tonnes / 1e6, abs=0.01)
