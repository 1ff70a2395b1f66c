"""Co-products with a destination (MODEL.md constraint 3): hand-checked optima and the balance invariant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import PROPS, base_shipped, instances, solved

from aggregates.optimize.explain import precheck
from aggregates.optimize.problem import Coproducts, Problem
from aggregates.optimize.solve import SolverSettings, solve

EXACT = SolverSettings(relative_gap=0.0, time_limit_s=20, shadow_prices=False)


def two_products(n_t: int = 1, sand=(4.0,), coarse=(0.0,), **changes) -> Problem:
    """Base A makes sand and coarse half and half (Y = 1) up to 8 a year; one node N, route cost 5.

    Production 10 per unit made, no fixed cost, natural aggregate 100 for both products.
    """
    demand = np.zeros((1, 2, n_t))
    demand[0, 0], demand[0, 1] = sand, coarse
    base = dict(
        years=tuple(range(2022, 2022 + n_t)),
        bases=("A",),
        nodes=("N",),
        products=("sand", "coarse"),
        level_base=np.array([0]),
        level_number=np.array([0]),
        level_capacity=np.array([8.0]),
        level_fixed_cost=np.array([0.0]),
        base_open_required=np.array([True]),
        base_yield=np.array([[0.5, 0.5]]),
        base_stock=np.full(1, np.inf),
        base_arising=np.full(1, np.inf),
        base_production_cost=np.array([10.0]),
        demand=demand,
        natural_cost=np.full((1, 2, n_t), 100.0),
        unmet_penalty=None,
        route_base=np.array([0]),
        route_node=np.array([0]),
        route_cost=np.array([5.0]),
        route_co2e=np.zeros((1, n_t)),
        route_open=np.ones((1, n_t), bool),
    )
    base.update(changes)
    return Problem(**base)


def market(n_t: int, coarse_absorption: float, price: float, yard: float, holding: float, disposal: float):
    """A's city market takes coarse only."""
    absorption = np.zeros((1, 2, n_t))
    absorption[0, 1] = coarse_absorption
    return Coproducts(
        base_market=np.array([0]),
        market_absorption=absorption,
        market_price=np.full((1, 2, n_t), price),
        yard_capacity=np.array([yard]),
        holding_cost=np.array([holding]),
        disposal_cost=np.array([disposal]),
    )


def test_coproduct_sold_locally_up_to_absorption_and_the_rest_disposed():
    # Sand demand 4 needs h = 8, so 4 coarse is made with no coarse demand. The city takes 1 at 3 (revenue),
    # the other 3 are disposed at 2. Objective: production 8 x 10 + transport 4 x 5 + 3 x 2 - 1 x 3 = 103.
    sol = solve(two_products(coproducts=market(1, 1.0, 3.0, yard=0.0, holding=0.0, disposal=2.0)), EXACT)
    assert sol.objective == pytest.approx(103.0)
    assert sol.local_sold[0, :, 0] == pytest.approx([0.0, 1.0])
    assert sol.disposed[0, :, 0] == pytest.approx([0.0, 3.0])
    assert sol.processed[0, 0] == pytest.approx(8.0)


def test_free_disposal_is_the_old_model():
    # Without co-products the 4 coarse vanish and production is charged per unit shipped: 4 x 10 + 4 x 5 = 60.
    sol = solve(two_products(), EXACT)
    assert sol.objective == pytest.approx(60.0)
    assert sol.local_sold is None and sol.disposed is None and sol.stock is None


def test_stockpile_carries_coarse_to_the_year_demand_rises():
    # Year 1: sand 4 (h = 8, coarse 4 made, no coarse demand). Year 2: sand 4 and coarse 6, capacity 8 again:
    # 4 coarse made, 2 more needed. Stocking 2 at holding 1 beats natural at 100; the other 2 of year 1 are
    # disposed at 5 (stocking them would cost 1 + 5 at the end). Objective: production 160 + transport
    # 14 x 5 = 70 + holding 2 + disposal 10 = 242.
    pb = two_products(2, sand=(4.0, 4.0), coarse=(0.0, 6.0), coproducts=market(2, 0.0, 0.0, 5.0, 1.0, 5.0))
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(242.0)
    assert sol.stock[0, 1] == pytest.approx([2.0, 0.0])
    assert sol.disposed[0, 1] == pytest.approx([2.0, 0.0])
    assert sol.natural.sum() == pytest.approx(0.0)


def test_yard_capacity_binds():
    # As above with a yard of 1: stock 1, dispose 3 in year 1; year 2 ships 5 coarse and buys 1 natural.
    # Objective: 160 + 13 x 5 + holding 1 + disposal 15 + natural 100 = 341.
    pb = two_products(2, sand=(4.0, 4.0), coarse=(0.0, 6.0), coproducts=market(2, 0.0, 0.0, 1.0, 1.0, 5.0))
    sol = solve(pb, EXACT)
    assert sol.objective == pytest.approx(341.0)
    assert sol.stock[0, 1, 0] == pytest.approx(1.0)
    assert sol.natural[0, 1, 1] == pytest.approx(1.0)


def test_stock_left_at_the_end_pays_disposal():
    # One year, no market, yard 5, holding 0: keeping the 4 coarse in the yard still costs the disposal 2 each.
    # Objective: 80 + 20 + 4 x 2 = 108, whichever of stock and disposal the solver picks.
    sol = solve(two_products(coproducts=market(1, 0.0, 0.0, 5.0, 0.0, 2.0)), EXACT)
    assert sol.objective == pytest.approx(108.0)


def test_precheck_counts_what_a_yard_carries_into_the_next_year():
    # Capacity 8 a year; a hard target of 10 in the second year is reachable only with stock carried over
    # (up to the yard of 5), so the pre-check must not call it unreachable; without a yard it is.
    kw = dict(sand=(4.0, 6.0), coarse=(0.0, 6.0), target=np.array([0.0, 10.0]))
    assert precheck(two_products(2, coproducts=market(2, 0.0, 0.0, 5.0, 1.0, 5.0), **kw)) == []
    assert precheck(two_products(2, coproducts=market(2, 0.0, 0.0, 0.0, 1.0, 5.0), **kw))[0].startswith("target 2023")


@st.composite
def with_coproducts(draw) -> Problem:
    """A random small instance with random markets (bases share them), yards and costs."""
    pb = draw(instances())
    n_b, n_p, n_t = len(pb.bases), len(pb.products), len(pb.years)
    n_m = draw(st.integers(1, 2))
    price = st.floats(0, 40, allow_nan=False)

    def arr(shape, values):
        n = int(np.prod(shape))
        return np.array(draw(st.lists(values, min_size=n, max_size=n)), float).reshape(shape)

    cp = Coproducts(
        base_market=np.array(draw(st.lists(st.integers(-1, n_m - 1), min_size=n_b, max_size=n_b))),
        market_absorption=arr((n_m, n_p, n_t), st.sampled_from([0.0, 0.5, 2.0])),
        market_price=arr((n_m, n_p, n_t), price),
        yard_capacity=arr((n_b,), st.sampled_from([0.0, 1.0, 3.0])),
        holding_cost=arr((n_b,), st.floats(0, 10, allow_nan=False)),
        disposal_cost=arr((n_b,), st.floats(0, 20, allow_nan=False)),
    )
    return Problem(**{**pb.__dict__, "coproducts": cp})


@PROPS
@given(with_coproducts())
def test_every_unit_made_goes_somewhere(problem):
    # made = shipped + sold locally + disposed + (stock - stock of the year before), per base, product and year.
    sol = solved(problem)
    cp = problem.coproducts
    made = problem.base_yield[:, :, None] * sol.processed[:, None, :]
    change = np.diff(sol.stock, axis=2, prepend=0.0)
    assert base_shipped(problem, sol) + sol.local_sold + sol.disposed + change == pytest.approx(made, abs=1e-5)
    assert np.all(sol.stock.sum(axis=1) <= cp.yard_capacity[:, None] + 1e-5)
    for m in range(len(cp.market_absorption)):
        sold = sol.local_sold[cp.base_market == m].sum(axis=0)
        assert np.all(sold <= cp.market_absorption[m] + 1e-5)
    assert np.all(sol.local_sold[cp.base_market < 0] == 0)
