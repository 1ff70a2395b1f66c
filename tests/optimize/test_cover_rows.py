"""Cover rows (docs/MODEL.md, constraint 10): where they appear, what they say, and that they change no optimum."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.optimize.matrix import facility_location_problem
from aggregates.optimize.model import build_model
from aggregates.optimize.solve import SolverSettings, solve


def cover_rows(pb):
    """(lower bounds, {variable id: coefficient} per row) of the model's cover rows."""
    built = build_model(pb.filled())
    arrays = built.arrays
    if "cover" not in built.rows:
        return [], []
    out = []
    for row in built.rows["cover"].ids:
        at = arrays.rows == row
        out.append(dict(zip(arrays.columns[at].tolist(), arrays.values[at].tolist(), strict=True)))
    return [float(arrays.row_lower[r]) for r in built.rows["cover"].ids], out


def test_a_facility_location_problem_has_one_cover_row_over_its_binaries():
    # Two warehouses of capacity 9 and 7, customers of demand 4, 3 and 2: the open capacity must reach 9.
    pb = facility_location_problem(
        np.array([9.0, 7.0]), np.array([10.0, 5.0]), np.array([4.0, 3.0, 2.0]), np.ones((2, 3))
    )
    lower, rows = cover_rows(pb)
    z = build_model(pb.filled()).z[:, 0]
    assert lower == [9.0]
    assert rows == [{int(z[0]): 9.0, int(z[1]): 7.0}]


def test_no_cover_row_where_demand_has_another_source():
    pb = facility_location_problem(
        np.array([9.0, 7.0]), np.array([10.0, 5.0]), np.array([4.0, 3.0, 2.0]), np.ones((2, 3))
    )
    assert cover_rows(replace(pb, unmet_penalty=1e3)) == ([], [])
    natural = np.full((3, 1, 1), np.nan)
    natural[0] = 50.0  # only customers 2 and 3 (demand 3 + 2) must be served by warehouses
    assert cover_rows(replace(pb, natural_cost=natural))[0] == [5.0]
    assert cover_rows(replace(pb, cover_rows=False)) == ([], [])


@pytest.mark.slow
@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    m=st.integers(2, 4),
    n=st.integers(2, 5),
    seed=st.integers(0, 10_000),
)
def test_cover_rows_change_no_optimum(m, n, seed):
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 10, n).astype(float)
    capacity = rng.integers(5, 25, m).astype(float)
    capacity[0] = max(capacity[0], demand.sum())  # always feasible
    pb = facility_location_problem(capacity, rng.integers(0, 50, m).astype(float), demand, rng.uniform(0, 5, (m, n)))
    exact = SolverSettings(relative_gap=1e-9, shadow_prices=False)
    with_rows, without = solve(pb, exact), solve(replace(pb, cover_rows=False), exact)
    assert with_rows.status == without.status == "optimal"
    assert with_rows.objective == pytest.approx(without.objective, rel=1e-9, abs=1e-6)
