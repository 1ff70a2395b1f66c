"""The shared vocabulary: the headline-year rule, the nearness rule and the KPI registry, each defined once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.config import Coverage, CoverageCheck
from aggregates.pipeline.progress import solver_gap
from aggregates.plan import YearKPIs
from aggregates.vocab import CHAINS, KPIS, RAIL_CHAINS, TRUCK_OF_CHAIN, Nearness, headline_year


def test_headline_year_is_the_one_asked_else_the_first_with_a_target_else_the_first():
    targets = {2021: 0.0, 2022: 100.0, 2023: 100.0}.get
    assert headline_year([2023, 2021, 2022], targets) == 2022
    assert headline_year([2021, 2022], targets, 2021) == 2021
    assert headline_year([2021], lambda y: 0.0) == 2021
    with pytest.raises(ValueError, match="2030 is not planned"):
        headline_year([2021, 2022], targets, 2030)
    with pytest.raises(ValueError, match="no planning years"):
        headline_year([], targets)


def test_nearness_is_km_or_hours():
    # Routes: (300 km, 9 h) near by km; (400 km, 7 h) near by hours; (400 km, 9 h) neither.
    km, hours = np.array([300.0, 400.0, 400.0]), np.array([9.0, 7.0, 9.0])
    assert Nearness(300, 8).mask(km, hours).tolist() == [True, True, False]
    assert Nearness(300, None).mask(km, hours).tolist() == [True, False, False]
    assert Nearness(None, 8).mask(km, hours).tolist() == [False, True, False]
    assert Nearness(None, None).mask(km, hours).tolist() == [False, False, False]
    assert Nearness(300, 8).text() == "within 300 km or 8 h"


@given(
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 20)), max_size=30),
    st.one_of(st.none(), st.floats(1, 1000)),
    st.one_of(st.none(), st.floats(0.5, 20)),
)
def test_model_policy_and_coverage_check_share_one_rule(routes, within_km, within_hours):
    km = np.array([r[0] for r in routes])
    hours = np.array([r[1] for r in routes])
    table = {"km_road": km * 0.5, "km_rail": km * 0.5, "hours": hours}
    policy = Coverage(share=0.5, within_km=within_km, within_hours=within_hours) if within_km or within_hours else None
    check = CoverageCheck(within_km=within_km, within_hours=within_hours) if within_km or within_hours else None
    for rule in (policy, check):
        if rule is not None:
            expected = [
                (within_km is not None and k <= within_km) or (within_hours is not None and h <= within_hours)
                for k, h in zip(km * 0.5 + km * 0.5, hours, strict=True)
            ]
            assert rule.nearness.of_routes(table).tolist() == expected


def test_every_year_kpi_has_a_unit_and_a_label():
    for f in dataclasses.fields(YearKPIs):
        assert f.name in KPIS, f.name
        assert YearKPIs.unit(f.name) == KPIS[f.name].unit
    assert (
        KPIS["cost_yuan"].label() == "total cost, billion yuan" and KPIS["cost_yuan"].format(10_990_224_625) == "10.99"
    )
    assert KPIS["rail_share_t"].format(0.2743) == "27.4%" and KPIS["nox_t"].format(float("nan")) == "-"


def test_chains_and_their_trucks():
    assert set(TRUCK_OF_CHAIN) == set(CHAINS) and set(TRUCK_OF_CHAIN.values()) == {"diesel", "bet"}
    assert all(c.startswith("rail_") for c in RAIL_CHAINS)


@pytest.mark.parametrize(
    ("line", "gap"),
    [
        ("0 0 0 0.00% 0 inf inf 0 0 0 0 0.1s", None),  # no plan yet
        ("R 0 0 0 0.00% 24421.052644 24436.662089 0.06% 0 0 0 775 0.2s", 0.0006),
        ("1 0 1 100.00% 24421.052644 24436.662089 0.06% 0 0 0 775 0.2s", 0.0006),
        ("Gap 0.0639% (tolerance: 0.1%)", 0.000639),
        ("Presolving model", None),
    ],
)
def test_solver_gap_is_read_from_the_highs_log(line, gap):
    assert solver_gap(line) == (pytest.approx(gap) if gap is not None else None)
