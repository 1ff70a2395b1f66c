"""Periods within a year (MODEL.md "Periods"): hand-checked optima, one period = no periods, config errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from scipy import sparse
from test_properties import PROPS, instances, solved

import aggregates as ag
from aggregates.errors import ConfigError
from aggregates.optimize.explain import period_limits, yard_limits
from aggregates.optimize.problem import Coproducts, Periods, Problem
from aggregates.optimize.solve import SolverSettings, solve
from aggregates.plan.fleet import RAIL_KINDS

EXACT = SolverSettings(relative_gap=0.0, time_limit_s=20, shadow_prices=False)
FEASIBLE = ["target.mt_per_yr=3", "target.from_year=2021"]


def one_product(capacity: float = 8.0, resource_capacity: float = np.inf, **changes) -> Problem:
    """Base A makes sand only (yield 1) up to ``capacity`` a year at 10; node N needs 8 a year.

    One route A -> N at 5 that uses one resource of ``resource_capacity`` a year; natural sand costs 100.
    """
    base = dict(
        years=(2022,),
        bases=("A",),
        nodes=("N",),
        products=("sand",),
        level_base=np.array([0]),
        level_number=np.array([0]),
        level_capacity=np.array([capacity]),
        level_fixed_cost=np.array([0.0]),
        base_open_required=np.array([True]),
        base_yield=np.array([[1.0]]),
        base_stock=np.full(1, np.inf),
        base_arising=np.full(1, np.inf),
        base_production_cost=np.array([10.0]),
        demand=np.full((1, 1, 1), 8.0),
        natural_cost=np.full((1, 1, 1), 100.0),
        unmet_penalty=None,
        route_base=np.array([0]),
        route_node=np.array([0]),
        route_cost=np.array([5.0]),
        route_co2e=np.zeros((1, 1)),
        route_open=np.ones((1, 1), bool),
        resources=("yard",),
        resource_use=sparse.csr_matrix(np.ones((1, 1))),
        resource_capacity=np.array([[resource_capacity]]),
    )
    base.update(changes)
    return Problem(**base)


def winter_and_peak(demand_share=(0.0, 1.0), rail=(1.0, 1.0)) -> Periods:
    """Half the year a winter stop (no demand by default), half the peak season."""
    return Periods(
        names=("winter", "peak"),
        share_of_year=np.array([0.5, 0.5]),
        demand_share=np.array(demand_share, float),
        base_availability=np.ones(2),
        resource_availability=np.array([rail], float),
        quarry_availability=np.ones(2),
    )


def yard(size: float) -> Coproducts:
    """A yard of ``size`` at A, holding 2 a year, disposal 3, no local market."""
    return Coproducts(
        base_market=np.array([-1]),
        market_absorption=np.zeros((0, 1, 1)),
        market_price=np.zeros((0, 1, 1)),
        yard_capacity=np.array([size]),
        holding_cost=np.array([2.0]),
        disposal_cost=np.array([3.0]),
    )


def test_winter_stop_makes_the_base_stockpile_before_the_peak():
    # All 8 of demand falls in the peak half year; A makes at most 8 x 0.5 = 4 in each half. With a yard of 5
    # it makes 4 in winter, holds them (holding 2 x 0.5 = 1 each) and ships 4 + 4 in the peak.
    # Objective: production 8 x 10 + transport 8 x 5 + holding 4 x 1 = 124.
    sol = solve(one_product(periods=winter_and_peak(), coproducts=yard(5.0)), EXACT)
    assert sol.objective == pytest.approx(124.0)
    assert sol.periods.processed[0, 0] == pytest.approx([4.0, 4.0])
    assert sol.periods.stock[0, 0, 0] == pytest.approx([4.0, 0.0])
    assert sol.periods.flow_period.tolist() == [1] and sol.periods.flow == pytest.approx([8.0])
    assert sol.flow == pytest.approx([8.0]) and sol.processed[0, 0] == pytest.approx(8.0)
    assert sol.stock[0, 0, 0] == pytest.approx(0.0)  # the year's end is the peak's end


def test_without_a_yard_the_peak_buys_natural():
    # No yard: the peak ships A's 4 and buys 4 natural. Objective: 4 x (10 + 5) + 4 x 100 = 460.
    sol = solve(one_product(periods=winter_and_peak(), coproducts=yard(0.0)), EXACT)
    assert sol.objective == pytest.approx(460.0)
    assert sol.natural[0, 0, 0] == pytest.approx(4.0)
    assert sol.periods.natural[0, 0, 0] == pytest.approx([0.0, 4.0])


def test_resource_capacity_is_shared_out_by_period_and_availability():
    # Resource 8 a year; the peak (half the year, rail at 1) may carry 4 of its demand share 6, the winter
    # (rail at 0.5) 2 of its 2. A is large. Flows 2 + 4 at 15, natural 2 at 100: 90 + 200 = 290.
    pb = one_product(100.0, 8.0, periods=winter_and_peak((0.25, 0.75), rail=(0.5, 1.0)))
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(290.0)
    assert sol.periods.natural[0, 0, 0] == pytest.approx([0.0, 2.0])


def test_a_period_that_binds_is_named_where_the_year_does_not():
    # The instance above: the resource carries 2 + 4 = 6 of its 8 a year, yet it is full in both periods
    # (winter 8 x 0.5 x 0.5 = 2, peak 8 x 0.5 x 1 = 4): the explanation names each period.
    pb = one_product(100.0, 8.0, periods=winter_and_peak((0.25, 0.75), rail=(0.5, 1.0)))
    lines = period_limits(pb, solve(pb, EXACT), 0)
    assert lines == ["in the winter period, full: yard at 2.00 Mt", "in the peak period, full: yard at 4.00 Mt"]
    assert period_limits(one_product(100.0, 8.0), solve(one_product(100.0, 8.0), EXACT), 0) == []


def test_a_full_stockyard_is_named():
    # Two years, demand 0 then 16; A makes at most 8 a year. Holding 8 (2 per t) beats natural at 100:
    # 2022 makes 8 into a yard of 8, 2023 ships 8 + 8. Objective 16 x 15 + 8 x 2 = 256.
    two = dict(
        years=(2022, 2023),
        demand=np.array([[[0.0, 16.0]]]),
        natural_cost=np.full((1, 1, 2), 100.0),
        route_co2e=np.zeros((1, 2)),
        route_open=np.ones((1, 2), bool),
        coproducts=replace(yard(8.0), market_absorption=np.zeros((0, 1, 2)), market_price=np.zeros((0, 1, 2))),
    )
    pb = replace(one_product(**two), resource_capacity=np.full((1, 2), np.inf))
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(256.0)
    assert yard_limits(pb, sol, 0) == ["stockyards full at the year's end: A at 8.0 Mt"]
    assert yard_limits(pb, sol, 1) == []


def test_periods_that_do_not_fit_are_refused():
    bad = Periods(("a",), np.array([0.5]), np.ones(1), np.ones(1), np.ones((1, 1)), np.ones(1))
    with pytest.raises(ValueError, match="share_of_year: must sum to 1"):
        one_product(periods=bad).filled().check()


def test_one_period_reproduces_the_plan_without_periods(tiny_config):
    # tests/tiny.py: an explicit single period changes neither the model nor the plan.
    one = "seasons.periods=[{name: year, share_of_year: 1, demand_share: 1}]"
    plain = ag.solve(ag.load_scenario(tiny_config, FEASIBLE))
    split = ag.solve(ag.load_scenario(tiny_config, [*FEASIBLE, one]))
    assert split.instance.problem.periods is not None
    assert split.plan.solve.objective_yuan == plain.plan.solve.objective_yuan
    assert split.plan.solve.model_size == plain.plan.solve.model_size
    for table in ("flows", "bases", "demand", "resources"):
        assert getattr(split.plan, table).equals(getattr(plain.plan, table)), table
    assert split.plan.fleet.drop(columns="period").equals(plain.plan.fleet)  # fleet.csv names the period
    assert plain.plan.periods.empty and list(split.plan.periods["period"]) == ["year", "year"]


@pytest.mark.parametrize("key", ["share_of_year", "demand_share"])
def test_shares_not_summing_to_one_are_a_config_error(tiny_config, key):
    other = "demand_share" if key == "share_of_year" else "share_of_year"
    periods = f"seasons.periods=[{{name: a, {key}: 0.6, {other}: 0.5}}, {{name: b, {key}: 0.3, {other}: 0.5}}]"
    with pytest.raises(ConfigError, match=rf"seasons\.periods.*{key} of the periods must sum to 1"):
        ag.load_scenario(tiny_config, [periods])


def test_unknown_availability_kind_is_a_config_error(tiny_config):
    periods = "seasons.periods=[{name: a, share_of_year: 1, demand_share: 1, availability: {ships: 0.5}}]"
    with pytest.raises(ConfigError, match="unknown kind"):
        ag.load_scenario(tiny_config, [periods])


TWO_SEASONS = (
    "seasons.periods=[{name: winter, share_of_year: 0.25, demand_share: 0.1, availability: {bases: 0.5}},"
    " {name: peak, share_of_year: 0.75, demand_share: 0.9}]"
)


def test_periods_csv_sums_to_the_yearly_tables_and_the_fleet_names_its_period(tiny_config, tmp_path):
    result = ag.solve(ag.load_scenario(tiny_config, [*FEASIBLE, TWO_SEASONS]))
    plan = result.plan
    per = plan.periods.groupby("year")
    assert list(plan.periods["period"]) == ["winter", "peak"] * len(plan.years)
    flows, bases, demand = (t.groupby("year") for t in (plan.flows, plan.bases, plan.demand))
    assert per["shipped_t"].sum().to_numpy() == pytest.approx(flows["tonnes"].sum().to_numpy(), abs=1e-3)
    assert per["made_t"].sum().to_numpy() == pytest.approx(bases["made_t"].sum().to_numpy(), abs=1e-3)
    assert per["demand_t"].sum().to_numpy() == pytest.approx(demand["demand_t"].sum().to_numpy(), abs=1e-3)
    chains = [f"{c}_t" for c in plan.scenario.chains]
    assert plan.periods[chains].sum(axis=1).to_numpy() == pytest.approx(plan.periods["shipped_t"], abs=1e-3)
    met = plan.periods[["shipped_t", "quarry_t", "natural_t", "unmet_t"]].sum(axis=1)
    assert met.to_numpy() == pytest.approx(plan.periods["demand_t"].to_numpy(), abs=1e-3)
    year_end = plan.periods[plan.periods["period"] == "peak"]["stock_t"].to_numpy()
    assert year_end == pytest.approx(bases["stock_t"].sum().to_numpy(), abs=1e-3)
    # The fleet is the busiest period's: the peak ships 90 % of the tonnes in 75 % of the year.
    assert set(plan.fleet["period"]) == {"peak"}
    peak = plan.periods[plan.periods["period"] == "peak"].set_index("year")
    for year in plan.years:
        assert plan.year(year).fleet.trains_per_day == peak.loc[year, "trains_per_day"]
    folder = result.write(tmp_path / "run", visuals=False)
    again = ag.read_run(folder)
    pd.testing.assert_frame_equal(again.plan.periods, plan.periods, check_dtype=False)


def halves(n_e: int) -> Periods:
    """Two equal halves of the year: the same year, cut in two."""
    half = np.full(2, 0.5)
    return Periods(("first", "second"), half, half, np.ones(2), np.ones((n_e, 2)), np.ones(2))


@pytest.mark.slow
@PROPS
@given(instances())
def test_one_period_or_two_equal_halves_do_not_change_the_optimum(pb):
    # One explicit period is the model without periods, exactly. Under free disposal two equal halves are
    # the year cut in two: half of a yearly plan fits each half, and the halves summed fit the year.
    plain = solved(pb)
    assert solved(replace(pb, periods=Periods.one(len(pb.resources)))).objective == plain.objective
    free = replace(pb, coproducts=None)
    split = solved(replace(free, periods=halves(len(pb.resources))))
    assert split.objective == pytest.approx(solved(free).objective, rel=1e-6, abs=1e-6)
    assert split.periods.flow.sum() == pytest.approx(split.flow.sum(), rel=1e-9, abs=1e-9)


@pytest.mark.slow
def test_seasons_variant_stockpiles_in_winter_and_sizes_the_fleet_on_the_season():
    config = Path(__file__).resolve().parents[2] / "configs" / "seasons.yaml"
    plan = ag.solve(ag.load_scenario(config)).plan
    assert plan.solve.status == "optimal"
    assert plan.solve.solve_seconds < plan.scenario.solver.time_limit_s
    for year in (2022, 2023, 2024, 2025):
        assert plan.year(year).substitution_mt >= 100.0 - 1e-6
    per = plan.periods.set_index(["year", "period"])
    # Bases make more in winter than winter's demand takes and carry the rest into the season.
    winter = per.xs("winter_stop", level="period")
    assert (winter["stock_t"] > 0).all() and (winter["made_t"] > winter["shipped_t"]).all()
    rail_rows = plan.fleet["kind"].isin(RAIL_KINDS)
    assert set(plan.fleet.loc[~rail_rows, "period"]) == {"season"}  # trucks: the busiest period of deliveries
    totals = plan.periods.groupby("year")["shipped_t"].sum()
    assert totals.to_numpy() == pytest.approx(plan.flows.groupby("year")["tonnes"].sum().to_numpy(), abs=1.0)
    _check_terminal_yards(plan, per)


def _check_terminal_yards(plan, per) -> None:
    """Trains keep running in the winter stop into the terminal yards, which the season empties."""
    yards = plan.terminal_yards
    assert (yards["stock_t"] <= yards["capacity_t"] + 1e-3).all()
    winter = per.xs("winter_stop", level="period")
    assert (winter["terminal_stock_t"] > 0).all() and (winter["railed_t"] > winter["rail_t"]).all()
    # Each yard's stock follows railed in - delivered out, period by period, a year being a cycle.
    for _, one in yards.groupby(["year", "terminal"]):
        order = one.set_index("period")[["railed_in_t", "delivered_t", "stock_t"]].reindex(
            ["winter_stop", "alert_days", "season"], fill_value=0.0
        )
        before = np.roll(order["stock_t"].to_numpy(), 1)
        change = (order["railed_in_t"] - order["delivered_t"]).to_numpy()
        assert order["stock_t"].to_numpy() == pytest.approx(before + change, abs=1.0)
    # A year rails what it delivers by rail, and the trains are those of its busiest period of railing.
    yearly = plan.periods.groupby("year")[["rail_t", "railed_t"]].sum()
    assert yearly["railed_t"].to_numpy() == pytest.approx(yearly["rail_t"].to_numpy(), abs=1.0)
    for year in plan.years:
        rate = (per.loc[year, "railed_t"] / per.loc[year, "share_of_year"]).idxmax()
        trains = plan.fleet[(plan.fleet["year"] == year) & plan.fleet["kind"].isin(RAIL_KINDS)]
        assert set(trains["period"]) == {rate}
        assert plan.year(year).fleet.trains_per_day == per.loc[(year, rate), "trains_per_day"]
