import numpy as np
import pytest

from aggregates.dispatch import day_basis, day_orders, largest_remainder, window_minutes
from aggregates.errors import InputError
from tests.dispatch.days import flow, flows, scenario


def test_largest_remainder_keeps_the_total_and_gives_ties_to_the_first_row():
    assert largest_remainder(np.array([0.4, 0.4, 0.2])).tolist() == [1, 0, 0]
    assert largest_remainder(np.array([1.5, 2.5, 0.0])).tolist() == [2, 2, 0]
    assert largest_remainder(np.array([2.0, 3.0])).tolist() == [2, 3]


def test_night_window_is_one_stretch_of_a_day_starting_at_seven():
    assert window_minutes("23:00-06:00", 7.0) == (960, 1380)
    assert window_minutes("00:00-24:00", 7.0) == (0, 1440)
    assert window_minutes("09:00-11:00;20:00-23:00", 7.0) == (780, 960)  # the longer stretch
    with pytest.raises(InputError, match="not HH:MM"):
        window_minutes("night", 7.0)


def test_peak_day_uses_the_busiest_period_or_the_assumed_factor():
    sc = scenario()
    assert day_basis(sc, "typical").factor == 1.0
    peak = day_basis(sc, "peak")
    assert (peak.factor, peak.source) == (1.3, "assumed dispatch.peak_factor")
    periods = [
        {"name": "winter_stop", "share_of_year": 0.25, "demand_share": 0.1},
        {"name": "season", "share_of_year": 0.75, "demand_share": 0.9},
    ]
    seasonal = day_basis(scenario(**{"seasons.periods": periods}), "peak")
    assert seasonal.source == "period season" and seasonal.factor == pytest.approx(1.2)
    with pytest.raises(InputError, match="typical, peak"):
        day_basis(sc, "busy")


def test_orders_split_rail_into_first_and_last_mile_and_round_the_day_whole():
    sc = scenario()
    f = flows(
        flow("b-x", "d-a", "diesel_truck", 2.4, 50.0),
        flow("b-x", "d-b", "diesel_truck", 1.3, 60.0),
        flow("b-x", "d-c", "rail_diesel", 3.3, 50.0, loading="t-l", unloading="t-u", km_rail=100, first_mile_km=20),
    )
    o = day_orders(f, sc, day_basis(sc, "typical")).set_index(["leg", "node"])
    assert o["loads"].sum() == 10  # 2.4 + 1.3 + 3.3 + 3.3 = 10.3 -> 10
    assert o.loc[("first_mile", "t-l"), "km"] == 20 and o.loc[("last_mile", "d-c"), "km"] == 30
    assert o.loc[("last_mile", "d-c"), "depot"] == "t-u" and o.loc[("first_mile", "t-l"), "depot"] == "b-x"
