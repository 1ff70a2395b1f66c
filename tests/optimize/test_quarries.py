"""Quarries as supply: hand-checkable problems, the optimum of each worked out in its comment."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from aggregates.optimize.explain import quarry_limits
from aggregates.optimize.problem import Problem
from aggregates.optimize.solve import SolverSettings, solve

EXACT = SolverSettings(relative_gap=0.0, time_limit_s=20)


def problem(**changes) -> Problem:
    """One year, one product, one node with demand 10; one base B, one quarry Q.

    B: capacity 4, open (required, no fixed cost), production 10 + route 20 = 30/t, CO2e 0.01 t/t.
    Q: available 5, ex-quarry price 40 + haul 15 = 55/t, CO2e 0.02 t/t (a diesel haul).
    Import tier 100/t, CO2e 0.005 t/t. Target 4 (all of B).
    """
    base = dict(
        years=(2022,),
        bases=("B",),
        nodes=("N",),
        products=("sand",),
        level_base=np.array([0]),
        level_number=np.array([0]),
        level_capacity=np.array([4.0]),
        level_fixed_cost=np.array([0.0]),
        base_open_required=np.array([True]),
        base_yield=np.ones((1, 1)),
        base_stock=np.full(1, np.inf),
        base_arising=np.full(1, np.inf),
        base_production_cost=np.array([10.0]),
        demand=np.full((1, 1, 1), 10.0),
        natural_cost=np.full((1, 1, 1), 100.0),
        natural_co2e=np.full((1, 1, 1), 0.005),
        unmet_penalty=1000.0,
        route_base=np.array([0]),
        route_node=np.array([0]),
        route_cost=np.array([20.0]),
        route_co2e=np.full((1, 1), 0.01),
        route_open=np.ones((1, 1), bool),
        target=np.array([4.0]),
        quarries=("Q",),
        quarry_available=np.full((1, 1), 5.0),
        quarry_price=np.full((1, 1), 40.0),
        qroute_quarry=np.array([0]),
        qroute_node=np.array([0]),
        qroute_cost=np.array([15.0]),
        qroute_co2e=np.full((1, 1), 0.02),
        qroute_open=np.ones((1, 1), bool),
    )
    base.update(changes)
    return Problem(**base)


def test_quarry_capacity_binds_and_the_import_tier_takes_the_rest():
    # B ships 4 (target) at 30 = 120; Q its 5 at 55 = 275; import the last 1 at 100. Optimum 495.
    # Shadow price of Q's capacity: one more tonne from Q replaces an import, 100 - 55 = 45.
    sol = solve(problem(), EXACT)
    assert sol.objective == pytest.approx(495.0)
    assert float(sol.flow.sum()) == pytest.approx(4.0)
    assert float(sol.quarry_flow.sum()) == pytest.approx(5.0)
    assert sol.natural[0, 0, 0] == pytest.approx(1.0)
    assert sol.duals.quarry_capacity[0, 0] == pytest.approx(45.0)


def test_a_smaller_availability_moves_tonnes_to_the_import_tier():
    # Outside demand takes 40% of a capacity of 5: 3 available. B 4 x 30 + Q 3 x 55 + import 3 x 100 = 585.
    sol = solve(problem(quarry_available=np.full((1, 1), 5.0 * (1 - 0.4))), EXACT)
    assert sol.objective == pytest.approx(585.0)
    assert float(sol.quarry_flow.sum()) == pytest.approx(3.0)
    assert sol.natural[0, 0, 0] == pytest.approx(3.0)


def test_the_emissions_cap_counts_quarry_hauls_and_imports():
    # Uncapped: CO2e = 4 x 0.01 + 5 x 0.02 + 1 x 0.005 = 0.145. Cap 0.125: the quarry haul (0.02/t) is the
    # only flow cheaper to cut by import (0.005/t): each tonne moved from Q to import saves 0.015 t CO2e and
    # costs 45, so 0.02 / 0.015 = 4/3 t move: Q ships 11/3, imports 7/3; cost 495 + 45 x 4/3 = 555.
    sol = solve(problem(emissions_cap=np.array([0.125])), EXACT)
    assert float(sol.quarry_flow.sum()) == pytest.approx(11.0 / 3.0)
    assert sol.natural[0, 0, 0] == pytest.approx(7.0 / 3.0)
    assert sol.objective == pytest.approx(555.0)
    assert sol.duals.emissions_cap[0] == pytest.approx(45.0 / 0.015)


def test_the_carbon_price_charges_quarry_hauls_and_imports():
    # Carbon 1000/t CO2e: B 30 + 10 = 40, Q 55 + 20 = 75, import 100 + 5 = 105.
    # Same flows as uncapped: 4 x 40 + 5 x 75 + 1 x 105 = 640.
    sol = solve(problem(carbon_price=np.array([1000.0])), EXACT)
    assert sol.objective == pytest.approx(640.0)


def test_a_closed_quarry_route_leaves_the_node_to_imports():
    # The zone closes Q's diesel haul: B 4 x 30 + import 6 x 100 = 720.
    sol = solve(problem(qroute_open=np.zeros((1, 1), bool)), EXACT)
    assert sol.objective == pytest.approx(720.0)
    assert len(sol.quarry_flow) == 0


def test_quarry_routes_use_the_same_resources():
    # A swap station of capacity 2 on Q's route: Q ships 2, imports 4: 120 + 110 + 400 = 630.
    use = sparse.csr_matrix(np.array([[1.0]]))
    sol = solve(
        problem(
            resources=("s",),
            resource_use=sparse.csr_matrix((1, 1)),
            resource_capacity=np.array([[2.0]]),
            qroute_resource_use=use,
        ),
        EXACT,
    )
    assert float(sol.quarry_flow.sum()) == pytest.approx(2.0)
    assert sol.objective == pytest.approx(630.0)


def test_a_problem_without_quarries_is_unchanged():
    # No quarry block: B 4 x 30 + import 6 x 100 = 720, as before quarries existed.
    sol = solve(
        problem(
            quarries=(),
            quarry_available=None,
            quarry_price=None,
            qroute_quarry=None,
            qroute_node=None,
            qroute_cost=None,
            qroute_co2e=None,
            qroute_open=None,
        ),
        EXACT,
    )
    assert sol.objective == pytest.approx(720.0)


def test_check_names_a_quarry_array_of_the_wrong_shape():
    with pytest.raises(ValueError, match="quarry_available: expected shape"):
        problem(quarry_available=np.zeros((2, 1))).filled().check()
    with pytest.raises(ValueError, match="quarry_price: 1 value"):
        problem(quarry_price=np.full((1, 1), np.inf)).filled().check()


def test_binding_limits_name_the_quarries_at_capacity():
    # In the first problem Q ships all its 5: it is named as binding.
    pb = problem()
    sol = solve(pb, EXACT)
    assert quarry_limits(pb, sol, 0) == ["quarries at capacity: 1 of 1, Q at 5.0 Mt/yr"]
    roomy = problem(quarry_available=np.full((1, 1), 50.0))
    assert quarry_limits(roomy, solve(roomy, EXACT), 0) == []
