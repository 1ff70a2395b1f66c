"""Hand-checked days. Default figures: 50 km/h loaded, 60 km/h empty, 30 min to load and to unload,
a truck works 2 x 8 h = 960 min a day, the day starts at 07:00 (minute 0)."""

import pytest

from aggregates.dispatch import check_day, day_basis, dispatch_day
from aggregates.dispatch.check import check_trains
from aggregates.dispatch.report import routes_table
from aggregates.dispatch.trains import corridor_trainsets, day_trains
from aggregates.errors import InfeasibleError
from tests.dispatch.days import flow, flows, scenario

TYPICAL = day_basis(scenario(), "typical")


def night_day():
    # b-x sends 4 loads to d-a (no window) and 2 to d-b inside Beijing's 23:00-06:00 window, both 50 km:
    # a trip is 30 + 60 (out) + 30 (unload) + 50 (back) = 170 min. 6 trips = 1,020 min > 960: two trucks
    # at least. Two suffice: truck 1 runs d-a at 250, 420 and 590, leaves for d-b at 870 (unloads 960 =
    # 23:00, back 1040), d-b again (unloads 1130 = 01:50, back 1210): 250-1210 is its 960 min; truck 2
    # takes the fourth d-a load.
    return flows(
        flow("b-x", "d-a", "diesel_truck", 4, 50.0),
        flow("b-x", "d-b", "diesel_truck", 2, 50.0, window="23:00-06:00"),
    )


def test_base_with_two_destinations_and_a_night_window_needs_two_trucks():
    sc = scenario()
    day = dispatch_day(night_day(), sc, TYPICAL, year=2022)
    assert day.trucks()["trucks"].sum() == 2
    night = day.trips[day.trips["node"] == "d-b"]
    assert len(night) == 2
    assert (night["unload_min"] >= 960).all() and (night["unload_min"] + 30 <= 1380).all()
    assert (day.trips["back_min"] - day.trips["start_min"]).tolist() == [170] * 6
    assert check_day(day.trips, day.orders, sc) == []


def test_electric_truck_swaps_on_the_way_and_at_the_depot():
    # A 70 km haul is 140 km there and back, more than the 120 km range: one swap at s-x on the way.
    # Out: 30 load + 84 drive + 6 swap on the way + 6 reserved at the depot = 126 min.
    # Two 40 km hauls (80 km each) from b-y: the second finds 40 km of charge and swaps at the depot first.
    sc = scenario()
    day = dispatch_day(
        flows(
            flow("b-x", "d-far", "bet_truck", 1, 70.0, station="s-x"),
            flow("b-y", "d-near", "bet_truck", 2, 40.0),
        ),
        sc,
        TYPICAL,
        year=2022,
    )
    far = day.trips[day.trips["node"] == "d-far"].iloc[0]
    assert (far["swaps_en_route"], far["station"], far["arrive_min"] - far["start_min"]) == (1, "s-x", 126)
    near = day.trips[day.trips["node"] == "d-near"]
    assert near["truck"].nunique() == 1  # 2 x (30 + 48 + 6 + 30 + 40) = 308 min: one truck
    routes = routes_table(day.trips, sc)
    assert routes[routes["node"] == "d-near"]["depot_swaps"].tolist() == [0, 1]


def test_first_mile_trucks_meet_their_trains_cut_off_and_last_miles_wait_for_unloading():
    # Two 310 t trains a day (330 running days): 2 x 310 x 330 / 300 truck days / 31 t = 22 loads a leg.
    # One track at each yard. Unloading slots spread over the day: minutes 0 and 720 (07:00, 19:00).
    # 100 km at 35 km/h = 171.4 min, loading 360: loaded from 0 - 531.4 -> 908 (the day repeats) and
    # 188 (whole minutes, so each arrives 0.6 min early, at 1,439.4 and 719.4, and is unloaded on arrival,
    # the yard's track being free); the loading track holds 908-1,268 and 188-548: no clash.
    # Cut-offs 188 and 908. Boxes since the previous cut-off feed a train: 11 loads unloaded in 188-908
    # and 11 in 908-1,440 (the longer of 0-188 and 908-1,440 feeds tomorrow's 188 train).
    # A first-mile trip (20 km) unloads 54 min after leaving and is back after 104: in 908-1,440 a truck
    # unloads at most 5 times (908, 1,012, ..., 1,324), so that train alone needs 3 trucks; a truck
    # doing 5 late loads starts at 854 at the latest and at 414 at the earliest (960 min), fitting 4
    # early loads: 22 x 104 = 2,288 min fit in 3 x 960. Best: 3 trucks.
    # Unloading ends at 1,799.4 (= 359.4 tomorrow) and 1,079.4: the last miles leave from 360 and 1,080.
    sc = scenario(**{"rail.net_t_per_train": 310.0, "dispatch.yard_trains_at_once": 1})
    rail = {"loading": "t-l", "unloading": "t-u", "km_rail": 100.0, "first_mile_km": 20.0}
    f = flows(flow("b-x", "d-c", "rail_diesel", 22, 50.0, **rail))
    f["tonnes"] = 2 * 310.0 * 330.0
    day = dispatch_day(f, sc, TYPICAL, year=2022)
    trains = day.trains.sort_values("cutoff_min")
    assert trains["cutoff_min"].tolist() == [188, 908]
    assert trains["unload_start_min"].tolist() == [719.4, 1439.4] and (trains["wait_min"] == 0).all()
    first = day.trips[day.trips["leg"] == "first_mile"]
    last = day.trips[day.trips["leg"] == "last_mile"]
    assert len(first) == len(last) == 22
    done = first["unload_min"] + 30
    assert ((done > 188) & (done <= 908)).sum() == 11 and (first["unload_min"] >= 908).sum() == 11
    assert first["truck"].nunique() == 3
    assert (last["start_min"] >= 360).all() and (last["start_min"] >= 1080).sum() == 11
    assert check_trains(day.trains, sc) == []


def test_trainsets_cycle_and_the_day_repeats():
    # The day above: a trainset is busy from loading to back at the loading yard: train A loads at 908,
    # is unloaded on arrival until 1,799.4, runs back 171.4 and dwells 720 (fleet.terminal_dwell_hours 12):
    # ready at 2,690.8 (= 1,250.8 of a day); train B loads at 188 and is ready at 1,970.8 (= 530.8).
    # Back from A, a trainset takes B at 188 tomorrow (377.2 idle) rather than A again (1,097.2); from B,
    # A at 908 (377.2). One rotation of 1,782.8 x 2 + 754.4 = 4,320 min = 3 days: 3 trainsets, each
    # running A one day and B the next. The plan's sizing: 2 trains x (6 + 6 + 12 + 2 x 2.86 h) / 24 =
    # 2.48 trainsets; wagons: 3 x 50 x 1.1 = 165.
    sc = scenario(**{"rail.net_t_per_train": 310.0, "dispatch.yard_trains_at_once": 1})
    rail = {"loading": "t-l", "unloading": "t-u", "km_rail": 100.0, "first_mile_km": 20.0}
    f = flows(flow("b-x", "d-c", "rail_diesel", 22, 50.0, **rail))
    f["tonnes"] = 2 * 310.0 * 330.0
    trains = day_trains(f, sc, 1.0)
    sets = corridor_trainsets(trains, sc)
    assert sets[["trains", "trainsets", "wagons"]].values.tolist() == [[2, 3, 165]]
    # Rotation A -> B (2,160 min later, 2 days on: 188 + 2,880) -> A: today A runs on trainset 1 and B on
    # trainset 2, the one that ran A two days ago; trainset 3 runs tomorrow's B.
    assert trains.sort_values("cutoff_min")["trainset"].tolist() == [2, 1]


def test_a_yard_with_more_trains_than_its_tracks_and_hours_is_explained():
    # Open 06:00-18:00 (12 h) with one track and 6 h a train: at most 2 trains unloaded a day; 3 come.
    sc = scenario(
        **{
            "rail.net_t_per_train": 310.0,
            "dispatch.yard_trains_at_once": 1,
            "dispatch.yard_hours": {"t-u": "06:00-18:00"},
        }
    )
    rail = {"loading": "t-l", "unloading": "t-u", "km_rail": 100.0, "first_mile_km": 20.0}
    f = flows(flow("b-x", "d-c", "rail_diesel", 33, 50.0, **rail))
    f["tonnes"] = 3 * 310.0 * 330.0
    with pytest.raises(InfeasibleError, match="unloading yard t-u gets 3 trains a day; its 1 track"):
        dispatch_day(f, sc, TYPICAL, year=2022)


def test_infeasible_day_is_explained_in_numbers():
    sc = scenario(**{"dispatch.truck_cap": {"b-x:diesel": 1}})
    with pytest.raises(InfeasibleError, match="b-x needs at least 2 diesel trucks for 6 loads, the fleet cap is 1"):
        dispatch_day(night_day(), sc, TYPICAL, year=2022)


def test_checker_catches_broken_routes():
    sc = scenario()
    day = dispatch_day(night_day(), sc, TYPICAL, year=2022)
    trips = day.trips.copy()
    night = trips.index[trips["node"] == "d-b"][0]
    trips.loc[night, ["arrive_min", "unload_min"]] = [500, 500]
    problems = check_day(trips, day.orders, sc)
    assert any("outside its window 960-1380" in p for p in problems)
    assert any("reaches d-b in" in p for p in check_day(trips, day.orders, sc))
    dropped = check_day(day.trips.drop(index=night), day.orders, sc)
    assert dropped == ["b-x (diesel) to d-b: 1 loads delivered, 2 ordered"]
    far = day.trips.assign(type="bet", km_loaded=130.0, km_empty=130.0, swaps_en_route=1)
    assert any("range is 120 km" in p for p in check_day(far, day.orders.assign(truck="bet"), sc))
