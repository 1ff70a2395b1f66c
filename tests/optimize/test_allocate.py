"""Hand-checkable allocation problems: the optimum of each is worked out in its comment."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from aggregates.optimize.explain import precheck
from aggregates.optimize.problem import CoverageRule, Problem, ShareRule
from aggregates.optimize.solve import SolverSettings, solve

EXACT = SolverSettings(relative_gap=0.0, time_limit_s=20)


def problem(**changes) -> Problem:
    """One year, one product, bases A and B, one node.

    A: capacity 10, fixed 5, production 10, route cost 20 (delivered 30).
    B: capacity 10, fixed 50, production 10, route cost 5 (delivered 15).
    Node demand 8; natural aggregate costs 100.
    """
    base = dict(
        years=(2022,),
        bases=("A", "B"),
        nodes=("N",),
        products=("sand",),
        level_base=np.array([0, 1]),
        level_number=np.array([0, 0]),
        level_capacity=np.array([10.0, 10.0]),
        level_fixed_cost=np.array([5.0, 50.0]),
        base_open_required=np.array([False, False]),
        base_yield=np.ones((2, 1)),
        base_stock=np.full(2, np.inf),
        base_arising=np.full(2, np.inf),
        base_production_cost=np.array([10.0, 10.0]),
        demand=np.full((1, 1, 1), 8.0),
        natural_cost=np.full((1, 1, 1), 100.0),
        unmet_penalty=None,
        route_base=np.array([0, 1]),
        route_node=np.array([0, 0]),
        route_cost=np.array([20.0, 5.0]),
        route_co2e=np.zeros((2, 1)),
        route_open=np.ones((2, 1), bool),
    )
    base.update(changes)
    return Problem(**base)


def shipped(sol, route=None) -> float:
    mask = np.ones(len(sol.flow), bool) if route is None else sol.flow_route == route
    return float(sol.flow[mask].sum())


def test_opens_the_base_with_the_cheapest_total():
    # Open A: 5 + 8 x 30 = 245. Open B: 50 + 8 x 15 = 170. Natural only: 800. Optimum: B, 170.
    sol = solve(problem(), EXACT)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(170.0)
    assert shipped(sol, route=1) == pytest.approx(8.0)
    assert list(sol.level[:, 0]) == [-1, 1]


def test_hard_target_forces_substitution_against_cheap_natural_aggregate():
    # Natural at 12/t, below both delivered costs: without a target all 8 go natural (96). Target 6 shipped:
    # A: 5 + 6 x 30 + 2 x 12 = 209; B: 50 + 6 x 15 + 2 x 12 = 164. Optimum 164, B ships exactly 6.
    free = solve(problem(natural_cost=np.full((1, 1, 1), 12.0)), EXACT)
    assert free.objective == pytest.approx(96.0) and shipped(free) == 0
    forced = solve(problem(natural_cost=np.full((1, 1, 1), 12.0), target=np.array([6.0])), EXACT)
    assert forced.objective == pytest.approx(164.0)
    assert shipped(forced, route=1) == pytest.approx(6.0)


def test_soft_target_prices_the_shortfall():
    # Natural 12, target 6 soft. At 12/t short: shipping 6 from B costs 164; staying natural costs 96 + 6 x 12 = 168.
    # At 1/t short: 96 + 6 = 102 beats 164, so nothing ships and the shortfall is 6.
    dear = solve(
        problem(
            natural_cost=np.full((1, 1, 1), 12.0), target=np.array([6.0]), target_hard=False, shortfall_penalty=12.0
        ),
        EXACT,
    )
    assert dear.objective == pytest.approx(164.0)
    cheap = solve(
        problem(
            natural_cost=np.full((1, 1, 1), 12.0), target=np.array([6.0]), target_hard=False, shortfall_penalty=1.0
        ),
        EXACT,
    )
    assert cheap.objective == pytest.approx(102.0)
    assert cheap.shortfall[0] == pytest.approx(6.0)


def test_resource_capacity_binds_and_prices():
    # No fixed costs. B's route uses a yard of capacity 3: B ships 3 at 15, A ships 5 at 30: 45 + 150 = 195.
    # One more unit of yard moves a tonne from A to B and saves 30 - 15 = 15: the shadow price.
    pb = problem(
        level_fixed_cost=np.zeros(2),
        resources=("yard",),
        resource_use=sparse.csr_matrix(np.array([[0.0, 1.0]])),
        resource_capacity=np.array([[3.0]]),
    )
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(195.0)
    assert shipped(sol, route=1) == pytest.approx(3.0)
    assert sol.duals.resource[0, 0] == pytest.approx(15.0)
    # Demand's marginal cost: one more tonne comes from A at 30.
    assert sol.duals.demand[0, 0, 0] == pytest.approx(30.0)


def two_years(**changes) -> Problem:
    """One base with levels 2 (fixed 1) and 4 (fixed 10), delivered cost 10, natural 100; demand 4 then 1."""
    base = dict(
        years=(2022, 2023),
        bases=("A",),
        nodes=("N",),
        products=("sand",),
        level_base=np.array([0, 0]),
        level_number=np.array([0, 1]),
        level_capacity=np.array([2.0, 4.0]),
        level_fixed_cost=np.array([1.0, 10.0]),
        base_open_required=np.array([False]),
        base_yield=np.ones((1, 1)),
        base_stock=np.array([np.inf]),
        base_arising=np.array([np.inf]),
        base_production_cost=np.array([0.0]),
        demand=np.array([[[4.0, 1.0]]]),
        natural_cost=np.full((1, 1, 2), 100.0),
        unmet_penalty=None,
        route_base=np.array([0]),
        route_node=np.array([0]),
        route_cost=np.array([10.0]),
        route_co2e=np.zeros((1, 2)),
        route_open=np.ones((1, 2), bool),
    )
    base.update(changes)
    return Problem(**base)


def test_a_level_once_built_stays_built():
    # Year 1: level 4 (10 + 4 x 10 = 50) beats level 2 (1 + 2 x 10 + 2 x 100 = 221).
    # Year 2 (demand 1): without closing the base stays at level 4: 10 + 10 = 20; total 70.
    # With allow_closing it drops to level 2: 1 + 10 = 11; total 61.
    kept = solve(two_years(), EXACT)
    assert kept.objective == pytest.approx(70.0)
    assert list(kept.level[0]) == [1, 1]
    dropped = solve(two_years(allow_closing=True), EXACT)
    assert dropped.objective == pytest.approx(61.0)
    assert list(dropped.level[0]) == [1, 0]


def test_feedstock_is_finite_over_the_years():
    # Stock 5, no arising, capacity 4 at no fixed cost: 5 t over both years, 3 t natural: 5 x 10 + 3 x 100 = 350.
    pb = two_years(
        level_base=np.array([0]),
        level_number=np.array([0]),
        level_capacity=np.array([4.0]),
        level_fixed_cost=np.array([0.0]),
        demand=np.array([[[4.0, 4.0]]]),
        base_stock=np.array([5.0]),
        base_arising=np.array([0.0]),
    )
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(350.0)
    assert shipped(sol) == pytest.approx(5.0)
    assert sol.processed.sum() == pytest.approx(5.0)


def test_yields_limit_what_a_base_can_sell_of_each_product():
    # Only A's route is open. A makes 60 % sand, 40 % coarse, capacity 10: at most 6 sand. The node wants 8 sand
    # only: fixed 5 + 6 x 30 + 2 x 100 natural = 385; A processes its full 10 and 4 coarse go unsold.
    pb = problem(
        products=("sand", "coarse"),
        base_yield=np.array([[0.6, 0.4], [0.6, 0.4]]),
        demand=np.array([[[8.0], [0.0]]]),
        natural_cost=np.full((1, 2, 1), 100.0),
        route_open=np.array([[True], [False]]),
    )
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(5 + 6 * 30 + 2 * 100)
    assert sol.natural[0, 0, 0] == pytest.approx(2.0)
    assert sol.processed[0, 0] == pytest.approx(10.0)


def by_mode(**changes) -> Problem:
    """One base (no fixed cost, production 0), one node of demand 10, two routes:
    road costs 10/t and emits 0.05, rail costs 12/t and emits 0.01. Natural 100."""
    base = dict(
        bases=("A",),
        level_base=np.array([0]),
        level_number=np.array([0]),
        level_capacity=np.array([100.0]),
        level_fixed_cost=np.array([0.0]),
        base_open_required=np.array([True]),
        base_yield=np.ones((1, 1)),
        base_stock=np.array([np.inf]),
        base_arising=np.array([np.inf]),
        base_production_cost=np.array([0.0]),
        demand=np.full((1, 1, 1), 10.0),
        route_base=np.array([0, 0]),
        route_node=np.array([0, 0]),
        route_cost=np.array([10.0, 12.0]),
        route_co2e=np.array([[0.05], [0.01]]),
    )
    base.update(changes)
    return problem(**base)


def test_emissions_cap_shifts_tonnes_to_rail():
    # Uncapped: all road, 100. Cap 0.3: 0.05 r + 0.01 (10 - r) <= 0.3 gives r <= 5: 5 x 10 + 5 x 12 = 110.
    assert solve(by_mode(), EXACT).objective == pytest.approx(100.0)
    sol = solve(by_mode(emissions_cap=np.array([0.3])), EXACT)
    assert sol.objective == pytest.approx(110.0)
    assert shipped(sol, route=0) == pytest.approx(5.0)
    # Tightening the cap by one unit moves 25 t to rail at +2/t: shadow price 50 per unit of emissions.
    assert sol.duals.emissions_cap[0] == pytest.approx(50.0)


def test_carbon_price_makes_rail_cheaper():
    # At 60 per unit: road 10 + 0.05 x 60 = 13 > rail 12 + 0.01 x 60 = 12.6: all rail, 126.
    sol = solve(by_mode(carbon_price=np.array([60.0])), EXACT)
    assert sol.objective == pytest.approx(126.0)
    assert shipped(sol, route=1) == pytest.approx(10.0)


def test_minimum_rail_share():
    # 70 % of the tonnes in scope by rail: 7 x 12 + 3 x 10 = 114.
    rule = ShareRule("rail", 0.7, scope=np.array([True, True]), qualifying=np.array([False, True]))
    sol = solve(by_mode(share_rules=(rule,)), EXACT)
    assert sol.objective == pytest.approx(114.0)
    assert shipped(sol, route=1) == pytest.approx(7.0)


def test_coverage_from_near_bases():
    # Without fixed costs: B (delivered 15) would serve all 8 (120). Only A's route counts as near;
    # at least 50 % from near bases: 4 from A at 30 + 4 from B at 15 = 180.
    rule = CoverageRule("near", 0.5, covering=np.array([True, False]))
    sol = solve(problem(level_fixed_cost=np.zeros(2), coverage_rules=(rule,)), EXACT)
    assert sol.objective == pytest.approx(180.0)
    assert shipped(sol, route=0) == pytest.approx(4.0)


def test_unreachable_target_is_explained_in_numbers():
    # Both bases together make at most 20; a hard target of 25 cannot be met.
    pb = problem(target=np.array([25.0]), demand=np.full((1, 1, 1), 30.0))
    reasons = precheck(pb)
    assert reasons == ["target 2022 of 25.0 Mt unreachable: base capacity at the largest levels 20.0 Mt/yr"]
    assert solve(pb, EXACT).status == "infeasible"
    elastic = solve(pb, EXACT, elastic=True)
    assert elastic.has_plan
    assert elastic.slack["target"][0] == pytest.approx(5.0)


def test_target_beyond_reachable_demand_is_explained():
    # Demand 8 < target 9: even with capacity to spare the bases cannot ship 9.
    reasons = precheck(problem(target=np.array([9.0])))
    assert len(reasons) == 1 and "demand that bases can reach and nodes accept 8.0 Mt (of 8.0 Mt)" in reasons[0]


def test_unmet_demand_only_when_nothing_else_can_serve():
    # No natural aggregate; capacity 10 + 10 but demand 25: 5 unmet at penalty 1000.
    # Both bases open: 5 + 50 + 10 x 30 + 10 x 15 + 5 x 1000 = 5505.
    pb = problem(natural_cost=np.full((1, 1, 1), np.nan), unmet_penalty=1000.0, demand=np.full((1, 1, 1), 25.0))
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(5505.0)
    assert sol.unmet[0, 0, 0] == pytest.approx(5.0)


def test_existing_base_stays_open_even_when_idle():
    # A exists (must run a level): its fixed cost 5 is paid even though B serves everything: 5 + 170 = 175.
    sol = solve(problem(base_open_required=np.array([True, False])), EXACT)
    assert sol.objective == pytest.approx(175.0)
    assert sol.level[0, 0] == 0


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_solvers_agree(solver):
    sol = solve(problem(), SolverSettings(solver=solver, relative_gap=0.0, shadow_prices=False))
    assert sol.objective == pytest.approx(170.0)


def test_cp_sat_is_selectable():
    # CP-SAT through MathOpt: the same optimum when it accepts the model; otherwise a clear status, not a crash.
    sol = solve(problem(), SolverSettings(solver="cp_sat", relative_gap=0.0, shadow_prices=False, time_limit_s=10))
    if sol.has_plan:
        assert sol.objective == pytest.approx(170.0)
    else:
        assert sol.status in ("error", "no_solution")


@pytest.mark.parametrize(
    "changes",
    [
        {"route_cost": np.array([20.0, np.nan])},
        {"route_cost": np.array([20.0, np.inf])},
        {"natural_cost": np.full((1, 1, 1), -np.inf)},
        {"level_capacity": np.array([10.0, np.nan])},
        {"carbon_price": np.array([np.nan])},
        {"emissions_cap": np.array([-np.inf])},
    ],
    ids=["nan cost", "infinite cost", "minus infinite price", "nan capacity", "nan carbon price", "minus infinite cap"],
)
def test_numbers_that_are_not_finite_are_refused_before_the_solver_sees_them(changes):
    # HiGHS aborts its process on NaN; +inf is allowed only where it means "no limit".
    name = next(iter(changes))
    with pytest.raises(ValueError, match=rf"{name}: 1 value\(s\) not finite"):
        solve(problem(**changes), EXACT)


def test_infinity_means_no_limit_on_stock_and_caps():
    sol = solve(problem(emissions_cap=np.array([np.inf])), EXACT)
    assert sol.status == "optimal" and sol.objective == pytest.approx(170.0)
