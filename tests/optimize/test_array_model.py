"""The array builder (:mod:`aggregates.optimize.model`) against the former MathOpt builder, kept as a reference in
``reference_model.py``: on random small instances both give the same ModelProto (same variables, bounds, integrality,
objective, rows and matrix, in the same order), so the solver sees the very same model. And the MPS export reads back
to the same model and optimum."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import highspy
import numpy as np
import pytest
import reference_model
from hypothesis import given, settings
from ortools.math_opt.io.python import mps_converter
from ortools.math_opt.python import mathopt
from test_coproducts import market, two_products, with_coproducts
from test_independent_issue13 import issue13_instances
from test_periods import EXACT, FEASIBLE, halves, one_product, winter_and_peak, yard
from test_properties import PROPS, instances
from test_quarries import problem as quarry_problem
from test_terminal_yards import rail_route

import aggregates as ag
from aggregates.optimize.model import build_model
from aggregates.optimize.mps import model_mps
from aggregates.optimize.solve import solve
from aggregates.vocab import MT

FAST = settings(PROPS, max_examples=15)


def _fields(proto) -> dict:
    v, c, m = proto.variables, proto.linear_constraints, proto.linear_constraint_matrix
    obj = proto.objective.linear_coefficients
    return {
        "var_ids": list(v.ids),
        "var_lb": list(v.lower_bounds),
        "var_ub": list(v.upper_bounds),
        "integers": list(v.integers),
        "obj_ids": list(obj.ids),
        "obj_values": list(obj.values),
        "row_ids": list(c.ids),
        "row_lb": list(c.lower_bounds),
        "row_ub": list(c.upper_bounds),
        "matrix_rows": list(m.row_ids),
        "matrix_cols": list(m.column_ids),
        "matrix_values": list(m.coefficients),
        "maximize": proto.objective.maximize,
        "offset": proto.objective.offset,
    }


def assert_same_model(pb, elastic: bool = False) -> None:
    """The array builder's proto equals the reference builder's, field by field (values to 1e-12).

    The reference builder predates the cover rows (test_cover_rows.py), so they are left out here."""
    pb = replace(pb.filled(), cover_rows=False)
    pb.check()
    mine = _fields(build_model(pb, elastic).proto)
    theirs = _fields(reference_model.build_model(pb, elastic).model.export_model())
    for key, value in theirs.items():
        if key.endswith(("values", "lb", "ub")):
            np.testing.assert_allclose(mine[key], value, rtol=1e-12, atol=0, err_msg=key)
        else:
            assert mine[key] == value, key


@pytest.mark.slow
@FAST
@given(instances(rules=True))
def test_same_model_as_the_reference_builder(pb):
    assert_same_model(pb)


@pytest.mark.slow
@FAST
@given(instances(rules=True))
def test_same_elastic_model(pb):
    assert_same_model(pb, elastic=True)


@pytest.mark.slow
@FAST
@given(with_coproducts())
def test_same_model_with_coproducts_and_periods(pb):
    assert_same_model(pb)
    assert_same_model(replace(pb, periods=halves(len(pb.resources))))


@pytest.mark.slow
@FAST
@given(issue13_instances())
def test_same_model_with_quarries_and_closing(pb):
    assert_same_model(pb)
    assert_same_model(replace(pb, strong_linking=not pb.strong_linking))


def hand_made():
    """The hand-checked instances of tests/optimize: co-products with a stockpile, periods with a base yard,
    quarries with an import tier, a rail route into a terminal yard."""
    return [
        two_products(2, sand=(4.0, 4.0), coarse=(0.0, 6.0), coproducts=market(2, 0.5, 3.0, 5.0, 1.0, 5.0)),
        one_product(periods=winter_and_peak(), coproducts=yard(5.0)),
        quarry_problem(),
        rail_route(5.0),
    ]


def test_same_model_on_the_hand_checked_instances():
    for pb in hand_made():
        assert_same_model(pb)
        assert_same_model(pb, elastic=True)
        assert_same_model(replace(pb, strong_linking=True))


def test_the_mps_export_of_the_hand_checked_instances_reads_back():
    for pb in hand_made():
        assert_mps_reads_back(pb)


def _rounded_trip(pb):
    """The built model and the model read back from its MPS text (OR-Tools' reader)."""
    built = build_model(pb.filled())
    text = model_mps(built)
    return built, mps_converter.mps_to_model_proto(text), text


def _by_id(names) -> np.ndarray:
    """The ids in ``<block>_<id>`` names."""
    return np.array([int(n.rsplit("_", 1)[1]) for n in names], int)


def _canonical(proto) -> dict:
    """Columns and rows by their named ids (a reader orders columns by first use), matrix as sorted triplets."""
    v, c, m = proto.variables, proto.linear_constraints, proto.linear_constraint_matrix
    col, row = _by_id(v.names), _by_id(c.names)
    obj = proto.objective.linear_coefficients
    order = np.argsort(col)
    triplets = sorted(zip(row[list(m.row_ids)], col[list(m.column_ids)], m.coefficients, strict=True))
    return {
        "var_lb": np.array(v.lower_bounds)[order].tolist(),
        "var_ub": np.array(v.upper_bounds)[order].tolist(),
        "integers": np.array(v.integers)[order].tolist(),
        "objective": sorted(zip(col[list(obj.ids)], obj.values, strict=True)),
        "row_lb": np.array(c.lower_bounds)[np.argsort(row)].tolist(),
        "row_ub": np.array(c.upper_bounds)[np.argsort(row)].tolist(),
        "matrix": triplets,
    }


@pytest.mark.slow
@FAST
@given(with_coproducts())
def test_the_mps_export_reads_back_to_the_same_model(pb):
    assert_mps_reads_back(pb)


def assert_mps_reads_back(pb) -> None:
    """The MPS text read back by OR-Tools is the model the solver receives, number for number."""
    built, again, text = _rounded_trip(pb)
    assert "ENDATA" in text
    named = type(built.proto)()
    named.CopyFrom(built.proto)
    named.variables.names[:] = [f"v_{i}" for i in range(built.n_variables)]
    named.linear_constraints.names[:] = [f"r_{i}" for i in range(built.n_rows)]
    assert _canonical(again) == _canonical(named)  # doubles written to full precision: equal, not close


@pytest.mark.slow
def test_the_mps_file_solves_to_the_same_optimum_with_highs_alone():
    pb = rail_route(5.0)
    sol = solve(pb, EXACT)
    _, _, text = _rounded_trip(pb)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.mps"
        path.write_text(text)
        assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(sol.objective, rel=1e-9)


@pytest.mark.slow
def test_the_pipeline_exports_the_model_it_solves(tiny_config, tmp_path):
    # The tiny region end to end with --export-model's plumbing: the file is the MILP the solver saw, so
    # solving it again (read back by OR-Tools, solved by HiGHS) gives the run's objective.
    path = tmp_path / "model.mps"
    scenario = ag.load_scenario(tiny_config, FEASIBLE)
    result = ag.solve(scenario, export_model=path)
    model = mathopt.Model.from_model_proto(mps_converter.mps_to_model_proto(path.read_text()))
    params = mathopt.SolveParameters(relative_gap_tolerance=0.0)
    again = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    assert again.termination.reason == mathopt.TerminationReason.OPTIMAL
    assert again.objective_value() * MT == pytest.approx(result.plan.solve.objective_yuan, rel=2e-3)
    assert not list(tmp_path.glob(".*model.mps*"))  # no temporary file left beside it
