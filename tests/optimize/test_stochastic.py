"""The two-stage stochastic plan on hand-made problems (aggregates.optimize.stochastic).

The stochastic plan must equal the extensive form solved by brute force: every build decision
enumerated, the flows of each sample solved with it fixed, the least expected cost kept.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from aggregates.optimize.problem import Coproducts, Periods, Problem
from aggregates.optimize.solve import SolverSettings, solve
from aggregates.optimize.stochastic import (
    check_first_stage,
    evaluate,
    extensive_form,
    mean_problem,
    solve_extensive,
)

EXACT = SolverSettings(relative_gap=0.0, time_limit_s=20, shadow_prices=False)


def problem(demand: float, **changes) -> Problem:
    """One year, one product, bases A and B (one level each), one node of ``demand``.

    Delivered cost per unit: A 30 (production 10 + route 20), B 15 (10 + 5), natural 40.
    Fixed cost: A 5, B 50; each 10 per year at most.
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
        demand=np.full((1, 1, 1), float(demand)),
        natural_cost=np.full((1, 1, 1), 40.0),
        unmet_penalty=1000.0,
        route_base=np.array([0, 1]),
        route_node=np.array([0, 0]),
        route_cost=np.array([20.0, 5.0]),
        route_co2e=np.zeros((2, 1)),
        route_open=np.ones((2, 1), bool),
    )
    base.update(changes)
    return Problem(**base)


# Demand 4 or 16 with probability 1/2 each (mean 10). Cost of each build decision (B first, A for what is left,
# natural for the rest):
#                 d = 4                  d = 16                              expected   d = 10 (mean)
#   none          160                    640                                 400        400
#   A             5 + 120 = 125          5 + 300 + 240 = 545                 335        305
#   B             50 + 60 = 110          50 + 150 + 240 = 440                275        200
#   A and B       55 + 60 = 115          55 + 150 + 180 = 385                250        205
# WS = (110 + 385) / 2 = 247.5 (B alone, then both). The mean-value plan builds B: EEV = 275.
# RP = 250 (build both). VSS = EEV - RP = 25; EVPI = RP - WS = 2.5.
LOW, HIGH = problem(4), problem(16)
HALF = [0.5, 0.5]


def brute_force(problems, probabilities) -> tuple[float, np.ndarray]:
    """The least expected cost over every choice of one level (or none) per base, flows solved per sample."""
    pb = problems[0]
    by_base = [np.flatnonzero(pb.level_base == b) for b in range(len(pb.bases))]
    best = (np.inf, None)
    for choice in itertools.product(*[[-1, *levels] for levels in by_base]):
        levels = np.zeros((len(pb.level_base), 1), int)
        for lv in choice:
            if lv >= 0:
                levels[lv, 0] = 1
        if any(r and c < 0 for r, c in zip(pb.base_open_required, choice, strict=True)):
            continue
        cost = sum(p * evaluate(q, EXACT, levels).figures.cost for p, q in zip(probabilities, problems, strict=True))
        if cost < best[0] - 1e-9:
            best = (cost, levels)
    return best


def test_hand_checked_rp_ws_eev_vss_evpi():
    rp = solve_extensive([LOW, HIGH], HALF, EXACT)
    assert rp.status == "optimal"
    assert rp.objective == pytest.approx(250.0)
    assert rp.levels[:, 0].tolist() == [1, 1]
    assert [f.cost for f in rp.samples] == pytest.approx([115.0, 385.0])
    ws = np.mean([evaluate(q, EXACT).figures.cost for q in (LOW, HIGH)])
    assert ws == pytest.approx(247.5)
    mean_value = evaluate(mean_problem([LOW, HIGH], HALF), EXACT)
    assert mean_value.figures.cost == pytest.approx(200.0)
    assert mean_value.levels[:, 0].tolist() == [0, 1]
    eev = np.mean([evaluate(q, EXACT, mean_value.levels).figures.cost for q in (LOW, HIGH)])
    assert eev == pytest.approx(275.0)
    assert eev - rp.objective == pytest.approx(25.0)  # VSS
    assert rp.objective - ws == pytest.approx(2.5)  # EVPI


def test_the_extensive_form_equals_brute_force_on_the_hand_checked_case():
    cost, levels = brute_force([LOW, HIGH], HALF)
    rp = solve_extensive([LOW, HIGH], HALF, EXACT)
    assert rp.objective == pytest.approx(cost)
    assert np.array_equal(rp.levels, levels)


def test_unequal_probabilities_change_the_plan():
    # d = 16 at 1/20 only: none 152 + 32 = 184, A 118.75 + 27.25 = 146, B 104.5 + 22 = 126.5,
    # both 109.25 + 19.25 = 128.5. The plan builds B alone, 126.5.
    rp = solve_extensive([LOW, HIGH], [0.95, 0.05], EXACT)
    assert rp.objective == pytest.approx(126.5)
    assert rp.levels[:, 0].tolist() == [0, 1]


def two_periods(first_share: float) -> Periods:
    """A dry and a wet half-year; ``first_share`` of the demand falls in the dry one."""
    return Periods(
        ("dry", "wet"),
        np.array([0.5, 0.5]),
        np.array([first_share, 1 - first_share]),
        np.ones(2),
        np.ones((0, 2)),
        np.ones(2),
    )


PARTS = {
    "plain": {},
    # Every unit made goes somewhere: what is not shipped is disposed of at 3 per unit.
    "coproducts": {"coproducts": Coproducts.none(3, 1, 1, disposal_cost=3.0)},
    # Demand split unevenly over two periods: capacity per period binds where the year's would not.
    "periods": {"periods": two_periods(0.7)},
}


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("seed", [0, 1, *(pytest.param(seed, marks=pytest.mark.slow) for seed in range(2, 6))])
def test_the_extensive_form_equals_brute_force_on_random_three_sample_problems(seed, part):
    rng = np.random.default_rng(seed)
    # Three bases (C with two levels), random demand and level output per sample, random costs shared by the samples.
    shared = dict(
        bases=("A", "B", "C"),
        level_base=np.array([0, 1, 2, 2]),
        level_number=np.array([0, 0, 0, 1]),
        level_capacity=np.array([6.0, 8.0, 4.0, 9.0]),
        level_fixed_cost=rng.uniform(10, 80, 4),
        base_open_required=np.array([False, False, rng.random() < 0.5]),
        base_yield=np.ones((3, 1)),
        base_stock=np.full(3, np.inf),
        base_arising=np.full(3, np.inf),
        base_production_cost=rng.uniform(5, 15, 3),
        route_base=np.array([0, 1, 2]),
        route_node=np.array([0, 0, 0]),
        route_cost=rng.uniform(2, 25, 3),
        route_co2e=np.zeros((3, 1)),
        route_open=np.ones((3, 1), bool),
    )
    # Each sample's levels give their own output (a base capacity factor): a second-stage number.
    capacity = shared.pop("level_capacity")
    samples = [
        problem(rng.uniform(2, 20), **shared, level_capacity=capacity * rng.uniform(0.6, 1.2), **PARTS[part])
        for _ in range(3)
    ]
    probabilities = rng.dirichlet(np.ones(3))
    cost, _levels = brute_force(samples, probabilities)
    rp = solve_extensive(samples, probabilities, EXACT)
    assert rp.objective == pytest.approx(cost, rel=1e-9)
    # Each sample's figures under the chosen levels are those of the sample solved with them fixed.
    for q, figures in zip(samples, rp.samples, strict=True):
        assert figures.cost == pytest.approx(evaluate(q, EXACT, rp.levels).figures.cost, rel=1e-9)


def test_one_sample_is_the_plain_solve():
    # Demand 16 alone: both bases, 385 (table above).
    rp = solve_extensive([HIGH], [1.0], EXACT)
    plain = solve(HIGH, EXACT)
    assert rp.objective == pytest.approx(plain.objective) == pytest.approx(385.0)
    assert rp.levels[:, 0].tolist() == [int(v >= 0) for v in plain.level[:, 0]]


def test_figures_of_a_sample():
    # Demand 16 with both built: 10 from B, 6 from A, nothing natural; fixed cost 55.
    figures = evaluate(HIGH, EXACT, np.ones((2, 1), int)).figures
    assert figures.cost == pytest.approx(385.0)
    assert figures.build_cost == pytest.approx(55.0)
    assert figures.delivered == pytest.approx(16.0)
    assert figures.natural == pytest.approx(0.0)
    assert figures.unmet == 0.0 and figures.target_met


def test_a_soft_target_missed_is_reported():
    # Only A built (10 at most) against a soft target of 12 at 1000 per unit short: 2 short.
    soft = problem(16, target=np.array([12.0]), target_hard=False, shortfall_penalty=1000.0)
    figures = evaluate(soft, EXACT, np.array([[1], [0]])).figures
    assert figures.shortfall == pytest.approx(2.0)
    assert not figures.target_met


def test_extensive_form_shares_the_level_columns_and_keeps_one_copy_of_the_level_rows():
    ext = extensive_form([LOW, HIGH, problem(9)], [0.2, 0.3, 0.5])
    one = extensive_form([LOW], [1.0])
    n_z = one.z.size
    assert ext.z.size == n_z
    assert ext.n_variables == n_z + 3 * (one.n_variables - n_z)
    level_rows = sum(hi - lo for name, lo, hi in one.built[0].arrays.row_families if name == "levels")
    assert ext.n_rows == 3 * one.n_rows - 2 * level_rows
    # Every sample's level columns map onto the shared ones.
    for b, column in zip(ext.built, ext.columns, strict=True):
        assert column[b.z.ravel()].tolist() == ext.z.ravel().tolist()


def test_mean_problem_averages_what_differs():
    dearer = problem(16, route_cost=np.array([20.0, 9.0]))
    mean = mean_problem([LOW, dearer], [0.25, 0.75])
    assert mean.demand[0, 0, 0] == pytest.approx(13.0)
    assert mean.route_cost.tolist() == pytest.approx([20.0, 8.0])
    assert mean.level_capacity.tolist() == [10.0, 10.0]


def test_mean_problem_averages_inside_periods_and_keeps_what_agrees():
    mean = mean_problem([problem(8, periods=two_periods(0.7)), problem(8, periods=two_periods(0.5))], HALF)
    assert mean.periods.demand_share.tolist() == pytest.approx([0.6, 0.4])
    assert mean.demand[0, 0, 0] == 8.0
    same = mean_problem([LOW, LOW], HALF)
    assert same.demand[0, 0, 0] == 4.0


@pytest.mark.parametrize(
    ("other", "words"),
    [
        (replace(LOW, level_number=np.array([0, 2])), "level_number"),
        (replace(LOW, years=(2023,)), "years"),
    ],
)
def test_samples_must_share_the_build_decisions(other, words):
    with pytest.raises(ValueError, match=words):
        check_first_stage([LOW, other])


def test_samples_may_differ_in_the_capacity_of_a_level():
    # A base capacity factor scales a level's output in one future: a second-stage number (the capacity rows).
    check_first_stage([LOW, replace(LOW, level_capacity=np.array([10.0, 12.0]))])


@pytest.mark.parametrize("probabilities", [[0.5, 0.6], [1.0], [-0.5, 1.5], [np.nan, 1.0]])
def test_probabilities_must_fit(probabilities):
    with pytest.raises(ValueError, match="probabilities"):
        extensive_form([LOW, HIGH], probabilities)
