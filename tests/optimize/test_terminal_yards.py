"""Stockyards at rail unloading terminals (MODEL.md "Periods"): hand-checked optima on one rail route."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse
from test_periods import EXACT, FEASIBLE, one_product, winter_and_peak

import aggregates as ag
from aggregates.errors import ConfigError
from aggregates.optimize.explain import period_limits
from aggregates.optimize.problem import TerminalYards
from aggregates.optimize.solve import solve

# One route A -> U -> N: resource 0 the rail section (used when railed), resource 1 the last-mile swap
# station (used when delivered). Demand 8 a year, all in the peak half; A is large; natural costs 100.
USE = sparse.csr_matrix(np.ones((2, 1)))
RAILED = sparse.csr_matrix(np.array([[1.0], [0.0]]))


def rail_route(yard: float, rail: float = 8.0, last_mile: float = np.inf):
    """The instance with a terminal yard of ``yard``, holding 2 a year; sections of ``rail`` and
    ``last_mile`` a year (half of it in each half year)."""
    yards = TerminalYards(("U",), np.array([yard]), np.array([2.0]), np.array([0]), RAILED)
    pb = one_product(
        100.0,
        resources=("rail", "station"),
        resource_use=USE,
        periods=replace(winter_and_peak(), resource_availability=np.ones((2, 2))),
        terminal_yards=yards,
    )
    return replace(pb, resource_capacity=np.array([[rail], [last_mile]]))


def test_trains_run_in_the_winter_stop_into_the_terminal_yard():
    # The section carries 4 in each half year. With a yard of 5, 4 are railed in winter and held
    # (holding 2 x 0.5 = 1 per t), 4 more in the peak, and all 8 are delivered in the peak.
    # Objective: production 8 x 10 + transport 8 x 5 + holding 4 x 1 = 124.
    sol = solve(rail_route(5.0), EXACT)
    assert sol.objective == pytest.approx(124.0)
    assert sol.periods.flow_period.tolist() == [1] and sol.periods.flow == pytest.approx([8.0])
    assert sol.periods.terminal_stock[0, 0] == pytest.approx([4.0, 0.0])
    railed = sol.periods.railed
    assert railed.period.tolist() == [0, 1] and railed.flow == pytest.approx([4.0, 4.0])


def test_without_a_terminal_yard_the_peak_buys_natural():
    # No yard: the peak rails and delivers 4 and buys 4 natural: 4 x 15 + 4 x 100 = 460.
    sol = solve(rail_route(0.0), EXACT)
    assert sol.objective == pytest.approx(460.0)
    assert sol.natural[0, 0, 0] == pytest.approx(4.0)
    assert sol.periods.terminal_stock.sum() == pytest.approx(0.0)


def test_a_small_yard_is_full_at_the_end_of_the_winter():
    # Yard 3: 3 railed in winter, 4 in the peak, 7 delivered, 1 natural: 7 x 15 + 3 x 1 + 100 = 208.
    sol = solve(rail_route(3.0), EXACT)
    assert sol.objective == pytest.approx(208.0)
    assert sol.periods.terminal_stock[0, 0] == pytest.approx([3.0, 0.0])


def test_the_last_mile_counts_when_tonnes_are_delivered():
    # Last-mile station 12 a year: 6 in the peak. Deliver 6 in the peak, railed 2 in winter (the least the
    # peak's 4 of rail leaves) and 4 in the peak, natural 2: 6 x 15 + 2 x 1 + 2 x 100 = 292.
    sol = solve(rail_route(5.0, last_mile=12.0), EXACT)
    assert sol.objective == pytest.approx(292.0)
    assert sol.periods.terminal_stock[0, 0] == pytest.approx([2.0, 0.0])


def test_one_period_ignores_terminal_yards():
    # With one period a year the yard has nothing to carry: the model is the one without yards.
    with_yard = replace(rail_route(5.0), periods=None)
    plain = replace(with_yard, terminal_yards=None)
    a, b = solve(plain, EXACT), solve(with_yard, EXACT)
    assert a.objective == pytest.approx(b.objective) and a.size == b.size


def test_a_full_terminal_yard_and_a_full_section_are_named_by_period():
    # Yard 3 (above): full at the winter's end; the section carries 3 of its 4 in winter and 4 of 4 in the peak.
    pb = rail_route(3.0)
    lines = period_limits(pb, solve(pb, EXACT), 0)
    assert lines == [
        "terminal yards full at the end of the winter period: U at 3.00 Mt",
        "in the peak period, full: rail at 4.00 Mt",
    ]


WINTER = (
    "seasons.periods=[{name: winter, share_of_year: 0.5, demand_share: 0.05},"
    " {name: peak, share_of_year: 0.5, demand_share: 0.95, availability: {rail: 0.2}}]"
)
# Half the tonnes by rail, and rail in the peak at a fifth of its usual capacity: trains must run in winter.
RAIL_HALF = ["policies.min_rail_share.share=0.5", "policies.min_rail_share.above_km=0"]


def test_terminal_yards_table_balances_on_the_tiny_region(tiny_config):
    # tests/tiny.py: rail routes unload at t-unl, whose yard holds 0.04 x 10 Mt. Each yard's stock follows
    # railed in - delivered out, a year rails what it delivers by rail, and no yard is over its size.
    plan = ag.solve(ag.load_scenario(tiny_config, [*FEASIBLE, WINTER, *RAIL_HALF])).plan
    yards = plan.terminal_yards
    per = plan.periods.set_index(["year", "period"])
    assert set(yards["terminal"]) == {"t-unl"} and (yards["capacity_t"] == 400_000).all()
    winter = per.xs("winter", level="period")
    assert (winter["terminal_stock_t"] > 0).all() and (winter["railed_t"] > winter["rail_t"]).all()
    assert (yards["stock_t"] <= yards["capacity_t"] + 1e-3).all()
    yearly = per.groupby(level="year")[["rail_t", "railed_t"]].sum()
    assert yearly["railed_t"].to_numpy() == pytest.approx(yearly["rail_t"].to_numpy(), abs=1e-3)
    for _, one in yards.groupby(["year", "terminal"]):
        order = one.set_index("period")[["railed_in_t", "delivered_t", "stock_t"]].reindex(
            ["winter", "peak"], fill_value=0.0
        )
        change = (order["railed_in_t"] - order["delivered_t"]).to_numpy()
        assert order["stock_t"].to_numpy() == pytest.approx(np.roll(order["stock_t"].to_numpy(), 1) + change, abs=1e-3)
    stock = yards.groupby(["year", "period"])["stock_t"].sum()
    assert per["terminal_stock_t"].to_numpy() == pytest.approx(stock.reindex(per.index, fill_value=0.0).to_numpy())


def test_a_yard_for_an_unknown_terminal_is_a_config_error(tiny_config):
    scenario = ag.load_scenario(tiny_config, [WINTER, "seasons.terminal_yards.capacity_mt_by_terminal={t-nowhere: 1}"])
    with pytest.raises(ConfigError, match=r"capacity_mt_by_terminal\.t-nowhere: not a terminal of the region"):
        ag.solve(scenario)
