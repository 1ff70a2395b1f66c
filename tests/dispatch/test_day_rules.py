"""Rules of a working day, hand-checked: drivers' breaks, yard opening hours. Default figures: 50 km/h
loaded, 60 km/h empty, 30 min to load and to unload, a truck works 2 x 8 h = 960 min, the day starts at
07:00 (minute 0); a break of 20 min after 4 h of continuous driving."""

import pytest
from pydantic import ValidationError

from aggregates.config.dispatch import Dispatch
from aggregates.dispatch import check_day, day_basis, dispatch_day
from aggregates.dispatch.check import check_trains
from aggregates.dispatch.report import routes_table
from aggregates.errors import InfeasibleError
from tests.dispatch.days import flow, flows, scenario

TYPICAL = day_basis(scenario(), "typical")
FAST = {"dispatch.time_limit_s": 0.1}  # one-load days: PyVRP has its best at once


def test_a_long_haul_gets_a_break_on_the_way_out():
    # 220 km loaded at 50 km/h is 264 min of driving, more than 240: one 20-min break on the way.
    # Out: 30 load + 264 + 20 = 314 min; unloading (30 min) is a rest, so the 220 min back need none:
    # 314 + 30 + 220 = 564 min a trip. Two loads (1,128 min) do not fit one truck's 960: two trucks.
    sc = scenario(**FAST)
    day = dispatch_day(flows(flow("b-x", "d-far", "diesel_truck", 2, 220.0)), sc, TYPICAL, year=2022)
    t = day.trips
    assert (t["arrive_min"] - t["start_min"]).tolist() == [314, 314]
    assert (t["back_min"] - t["unload_min"]).tolist() == [250, 250]
    assert t["truck"].nunique() == 2
    assert routes_table(t, sc)["breaks"].tolist() == [1, 1]
    assert day.summary()["breaks"] == 2


def test_a_short_unloading_stop_is_no_rest_and_moves_the_break_to_the_way_back():
    # Unloading takes 10 min, less than a break: the 24 min driven after the break on the way out
    # (264 - 240) and the 220 back make 244 > 240, so a second break on the way back: 220 + 20 = 240.
    sc = scenario(**FAST, **{"fleet.truck_unload_minutes": 10.0})
    day = dispatch_day(flows(flow("b-x", "d-far", "diesel_truck", 1, 220.0)), sc, TYPICAL, year=2022)
    t = day.trips.iloc[0]
    assert (t["breaks_out"], t["breaks_back"], t["back_min"] - t["unload_min"]) == (1, 1, 250)


def test_checker_catches_a_missing_break():
    sc = scenario(**FAST)
    day = dispatch_day(flows(flow("b-x", "d-far", "diesel_truck", 1, 220.0)), sc, TYPICAL, year=2022)
    assert check_day(day.trips, day.orders, sc) == []
    skipped = day.trips.assign(breaks_out=0, arrive_min=day.trips["arrive_min"] - 20)
    skipped["unload_min"] = skipped["arrive_min"]
    problems = check_day(skipped, day.orders, sc)
    assert any("drives to d-far with 0 break(s), the rule needs 1 (20 min after 4 h" in p for p in problems)


def yard_day(sc):
    # One 310 t train a day (11 loads a leg); first miles 20 km, last miles 30 km, 100 km of rail.
    rail = {"loading": "t-l", "unloading": "t-u", "km_rail": 100.0, "first_mile_km": 20.0}
    f = flows(flow("b-x", "d-c", "rail_diesel", 11, 50.0, **rail))
    f["tonnes"] = 310.0 * 330.0
    return dispatch_day(f, sc, TYPICAL, year=2022)


def test_yards_work_only_in_their_opening_hours():
    # t-u opens 08:00-20:00 (minutes 60-780): its one train is unloaded 60-420. Loaded to arrive then,
    # it would load at 968-1,328 (-472 + 1,440), but t-l opens 09:00-17:00 (120-600): loaded at the
    # latest 240-600, it departs 600, arrives 771.4 and waits for the yard to open tomorrow: 60 + 1,440
    # - 771.4 = 728.6 min.
    # First miles (20 km: 54 min out, 30 unloading, 20 back) unload at t-l in 120-600: a truck every
    # 104 min unloads at 120, 224, 328, 432, 536, so 11 loads need 3 trucks. Last miles (30 km: 66 out,
    # 30, 30 back) are loaded at t-u from 60 to 750 (20:00 less 30 min): 126 min a trip, 6 a truck
    # (60, 186, ..., 690): 2 trucks. Best: 3 + 2.
    sc = scenario(
        **FAST,
        **{"rail.net_t_per_train": 310.0, "dispatch.yard_hours": {"t-u": "08:00-20:00", "t-l": "09:00-17:00"}},
    )
    day = yard_day(sc)
    train = day.trains.iloc[0]
    assert (train["load_start_min"], train["unload_start_min"], train["wait_min"]) == (240, 1500, 728.6)
    first = day.trips[day.trips["leg"] == "first_mile"]
    last = day.trips[day.trips["leg"] == "last_mile"]
    assert (first["unload_min"] >= 120).all() and (first["unload_min"] + 30 <= 600).all()
    assert (last["start_min"] >= 60).all() and (last["start_min"] + 30 <= 780).all()
    assert (first["truck"].nunique(), last["truck"].nunique()) == (3, 2)
    late = day.trips.copy()
    late.loc[last.index[0], ["start_min", "arrive_min", "unload_min", "back_min"]] = [800, 866, 866, 926]
    assert any(
        "collects at yard t-u at 20:20, outside its hours 08:00-20:00" in p for p in check_day(late, day.orders, sc)
    )
    early = day.trains.assign(load_start_min=100.0)
    assert any("at yard t-l at 08:40, outside 09:00-17:00" in p for p in check_trains(early, sc))


def test_a_last_mile_whose_yard_closes_before_its_night_window_opens_is_explained():
    # t-u is open 08:00-12:00 (4 h trains): a last mile (30 km: 66 min out) leaves by 11:30 at the
    # latest, so it unloads by 12:36 and is done by 13:06, long before Beijing's 23:00 opens.
    sc = scenario(
        **FAST,
        **{
            "rail.net_t_per_train": 310.0,
            "fleet.train_unloading_hours": 4,
            "dispatch.yard_hours": {"t-u": "08:00-12:00"},
        },
    )
    rail = {"loading": "t-l", "unloading": "t-u", "km_rail": 100.0, "first_mile_km": 20.0}
    f = flows(flow("b-x", "d-c", "rail_diesel", 11, 50.0, window="23:00-06:00", **rail))
    f["tonnes"] = 310.0 * 330.0
    with pytest.raises(
        InfeasibleError, match=r"t-u \(diesel\) to d-c: 11 loads must be unloaded between 23:00 and 13:06"
    ):
        dispatch_day(f, sc, TYPICAL, year=2022)


def test_swaps_on_routes_with_no_station_are_a_warning_in_numbers():
    # 70 km out and back is 140 km, over the 120 km range: one swap on the way, and the plan gave the
    # route no station. Modelled as time, warned of, not failed.
    sc = scenario(**FAST)
    day = dispatch_day(flows(flow("b-x", "d-far", "bet_truck", 2, 70.0)), sc, TYPICAL, year=2022)
    assert day.summary()["warnings"] == [
        "2 electric trip(s) longer than the range on routes with no swap station, 2 swap(s) on the way at no "
        "station (b-x -> d-far: 2 of 70 km); add swap stations on these routes or close them to electric "
        "trucks in the plan"
    ]
    assert dispatch_day(flows(flow("b-x", "d-a", "bet_truck", 1, 40.0)), sc, TYPICAL, year=2022).warnings() == []


def test_yard_hours_are_checked_and_default_to_round_the_clock():
    d = Dispatch(yard_hours={"t-u": "06:00-22:00"})
    assert (d.yard_window("t-u"), d.yard_window("t-l")) == ("06:00-22:00", "00:00-24:00")
    with pytest.raises(ValidationError, match="opening hours must be 'HH:MM-HH:MM'"):
        Dispatch(yard_hours={"t-u": "6-22"})
