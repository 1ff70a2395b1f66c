"""Build decisions taken as given (``Problem.fixed_level``, ``infrastructure.base_levels``): hand-checked optima,
the pre-check's numbers, and the same model as the reference builder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_allocate import EXACT, problem
from test_array_model import assert_same_model
from test_properties import PROPS, instances

from aggregates.optimize.explain import precheck
from aggregates.optimize.problem import LEVEL_CLOSED, LEVEL_FREE
from aggregates.optimize.solve import solve

FREE, CLOSED = LEVEL_FREE, LEVEL_CLOSED


def fixed(a: int, b: int) -> np.ndarray:
    """fixed_level of the two-base problem of test_allocate (one level each: index 0 is A's, 1 is B's)."""
    return np.array([[a], [b]])


def test_free_levels_change_nothing():
    # Free: open B alone, 50 + 8 x 15 = 170 (test_allocate.test_opens_the_base_with_the_cheapest_total).
    sol = solve(problem(fixed_level=fixed(FREE, FREE)), EXACT)
    assert sol.objective == pytest.approx(170.0)
    assert list(sol.level[:, 0]) == [-1, 1]


def test_a_fixed_open_base_is_paid_for_and_the_model_still_chooses_the_rest():
    # A fixed open costs its 5 whatever it ships. B free: open it too (50 + 8 x 15 = 170) or ship from A
    # (8 x 30 = 240). Optimum: both open, all 8 from B: 5 + 170 = 175.
    sol = solve(problem(fixed_level=fixed(0, FREE)), EXACT)
    assert sol.objective == pytest.approx(175.0)
    assert list(sol.level[:, 0]) == [0, 1]
    assert sol.flow[sol.flow_route == 1].sum() == pytest.approx(8.0)


def test_a_fixed_closed_base_ships_nothing():
    # B closed: open A, 5 + 8 x 30 = 245 (natural only would cost 8 x 100 = 800).
    sol = solve(problem(fixed_level=fixed(FREE, CLOSED)), EXACT)
    assert sol.objective == pytest.approx(245.0)
    assert list(sol.level[:, 0]) == [0, -1]
    # Both closed: natural aggregate only, 800.
    assert solve(problem(fixed_level=fixed(CLOSED, CLOSED)), EXACT).objective == pytest.approx(800.0)


def test_a_fixed_closed_base_that_must_stay_open_is_infeasible():
    pb = problem(fixed_level=fixed(CLOSED, FREE), base_open_required=np.array([True, False]))
    assert solve(pb, EXACT).status == "infeasible"


def test_the_precheck_names_the_capacity_the_fixed_levels_leave():
    # Demand 20, hard target 15: A (10) and B (10) together could make it; with B fixed closed only A's 10 remain.
    pb = problem(demand=np.full((1, 1, 1), 20.0), target=np.array([15.0]), fixed_level=fixed(FREE, CLOSED))
    (reason,) = precheck(pb)
    assert reason == (
        "target 2022 of 15.0 Mt unreachable: base capacity at the largest levels 10.0 Mt/yr "
        "(1 base(s) at fixed levels give 0.0 Mt/yr: B 0.0)"
    )
    assert precheck(replace(pb, fixed_level=fixed(FREE, FREE))) == []


def test_check_refuses_a_level_of_another_base():
    with pytest.raises(ValueError, match="a level fixed for a base is a level of another base"):
        problem(fixed_level=fixed(1, FREE)).check()
    with pytest.raises(ValueError, match="fixed_level: expected shape"):
        problem(fixed_level=np.array([[FREE]])).check()


def test_same_model_as_the_reference_builder_with_fixed_levels():
    for levels in (fixed(0, CLOSED), fixed(FREE, 1), fixed(CLOSED, CLOSED)):
        assert_same_model(problem(fixed_level=levels))
        assert_same_model(problem(fixed_level=levels), elastic=True)


@st.composite
def with_fixed_levels(draw):
    """A random instance with some bases fixed at one of their levels or closed in some years."""
    pb = draw(instances(rules=True))
    n_b, n_t = len(pb.bases), len(pb.years)
    out = np.full((n_b, n_t), FREE)
    for b in range(n_b):
        own = [int(lv) for lv in np.flatnonzero(pb.level_base == b)]
        for t in range(n_t):
            out[b, t] = draw(st.sampled_from([FREE, CLOSED, *own]))
    return replace(pb, fixed_level=out)


@pytest.mark.slow
@settings(PROPS, max_examples=15)
@given(with_fixed_levels())
def test_same_model_as_the_reference_builder_on_random_fixed_levels(pb):
    assert_same_model(pb)
