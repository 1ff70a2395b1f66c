"""OR-Library capacitated warehouse location: the reader, and the core reaching published optima."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from aggregates.optimize.matrix import facility_location_problem, read_orlib_cap
from aggregates.optimize.solve import SolverSettings, solve

# The instances the tests use, copied from shared/bench/orlib-cap (tests/data/orlib-cap/PROVENANCE.md).
DATA = Path(__file__).resolve().parents[1] / "data" / "orlib-cap"
# The full set beside a developer's checkout: the only place the 1.2 MB capa.txt lives.
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "orlib-cap"
EXACT = SolverSettings(relative_gap=1e-9, shadow_prices=False)


@pytest.fixture(scope="module")
def data() -> Path:
    return DATA


@pytest.fixture(scope="module")
def shared() -> Path:
    if not (SHARED / "capa.txt").is_file():
        pytest.skip(f"capa.txt is not in the repository (1.2 MB) and {SHARED} is missing")
    return SHARED


@pytest.fixture(scope="module")
def optima(data) -> dict[str, float]:
    with open(data / "optimal.csv", newline="") as fh:
        return {row["instance"]: float(row["optimal_value"]) for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["cap41", "cap42"])  # original layout, and one line per customer
def test_reader_parses_cap4x(data, name):
    capacity, fixed_cost, demand, unit_cost = read_orlib_cap(data / f"{name}.txt")
    assert capacity.shape == fixed_cost.shape == (16,)
    assert demand.shape == (50,)
    assert unit_cost.shape == (16, 50)
    assert demand.sum() == 58268
    assert np.all(capacity == 5000)
    assert np.flatnonzero(fixed_cost == 0).tolist() == [10]
    assert demand[0] == 146
    assert unit_cost[0, 0] == pytest.approx(6739.725 / 146)


def test_relaid_out_file_matches_original_layout(data):
    a = read_orlib_cap(data / "cap41.txt")
    b = read_orlib_cap(data / "cap42.txt")
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_array_equal(a[3], b[3])
    assert set(b[1]) == {0.0, 12500.0}


def test_capacity_keyword_for_large_files(shared):
    with pytest.raises(ValueError, match=r"capa\.txt.*'capacity'"):
        read_orlib_cap(shared / "capa.txt")
    capacity, _, demand, unit_cost = read_orlib_cap(shared / "capa.txt", capacity=8000)
    assert np.all(capacity == 8000)
    assert unit_cost.shape == (100, 1000)
    assert demand.sum() == 50886


TINY = "2 1\n5 1.\n6 .5\n4\n8. 12\n"  # m=2, n=1: 2 + 2*2 + 1*(1 + 2) = 9 tokens


def test_reader_tiny_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TINY)
    capacity, fixed_cost, demand, unit_cost = read_orlib_cap(path)
    np.testing.assert_array_equal(capacity, [5, 6])
    np.testing.assert_array_equal(fixed_cost, [1, 0.5])
    np.testing.assert_array_equal(demand, [4])
    np.testing.assert_array_equal(unit_cost, [[2], [3]])


def test_reader_rejects_bad_token_count(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text(TINY.rsplit(" ", 1)[0])
    with pytest.raises(ValueError, match=r"short\.txt: 8 tokens, expected .* = 9"):
        read_orlib_cap(path)


def test_reader_rejects_capacity_token_unless_given(tmp_path):
    path = tmp_path / "param.txt"
    path.write_text(TINY.replace("5 1.", "capacity 1.").replace("6 .5", "capacity .5"))
    with pytest.raises(ValueError, match=r"param\.txt: token 3 is 'capacity'.*capacity="):
        read_orlib_cap(path)
    np.testing.assert_array_equal(read_orlib_cap(path, capacity=7)[0], [7, 7])


def test_reader_rejects_other_non_numbers(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_text(TINY.replace("12", "x"))
    with pytest.raises(ValueError, match=r"junk\.txt: token 9 is 'x', not a number"):
        read_orlib_cap(path)


@pytest.mark.parametrize("name", ["cap41", "cap64", "cap71", "cap101", "cap131"])
def test_core_reaches_published_optimum(data, optima, name):
    solution = solve(facility_location_problem(*read_orlib_cap(data / f"{name}.txt")), EXACT)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(optima[name], abs=1e-3)


# Facilities A and B, customers with demand 4, 3, 2 (total 9).
#   A: fixed 10, unit cost 1, 1, 1      alone: 10 + 9                 = 19
#   B: fixed 5,  unit cost 2, 2, 1      alone: 5 + 4*2 + 3*2 + 2*1     = 21
#   both: 15 fixed + at least 9 transport = 24 or more.
# With A's capacity 9 the optimum opens A alone (19); with 8 A alone is infeasible, so B alone (21).
@pytest.mark.parametrize(("capacity_a", "objective", "opened"), [(9, 19.0, "A"), (8, 21.0, "B")])
def test_hand_checked_cflp(capacity_a, objective, opened):
    problem = facility_location_problem(
        capacity=np.array([capacity_a, 9.0]),
        fixed_cost=np.array([10.0, 5.0]),
        demand=np.array([4.0, 3.0, 2.0]),
        unit_cost=np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 1.0]]),
        facility_ids=["A", "B"],
    )
    solution = solve(problem, EXACT)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(objective)
    assert [problem.bases[b] for b in np.flatnonzero(solution.level[:, 0] >= 0)] == [opened]
    assert solution.flow.sum() == pytest.approx(9.0)
