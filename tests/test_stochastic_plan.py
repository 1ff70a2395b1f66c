"""The stochastic plan of the tiny region (aggregates.sweep.stochastic): it equals the extensive form solved
by brute force, RP, WS, EEV, VSS and EVPI hold together, and its tables, JSON and map are written at once.

The tiny region (tests/tiny.py) planned for 2021 alone with a soft 3 Mt target: b-one (existing, must stay
open, 2 or 4 Mt/yr) and b-two (candidate, 1 Mt/yr) supply Beijing's d-city and d-far. Samples scale
Beijing's demand (3.5 Mt) by 0.6, 1.0 and 1.5 with probabilities 0.3, 0.4 and 0.3. The build decisions are
b-one at 2 or 4 Mt/yr and b-two closed or open: four choices, each evaluated below by brute force.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from tiny import SWEEP_FEASIBLE, write_config, write_region

from aggregates.config import load_scenario
from aggregates.errors import InputError
from aggregates.optimize.stochastic import evaluate, extensive_form
from aggregates.pipeline import prepare
from aggregates.sweep.stochastic import _candidates, _settings, stochastic_plan, stochastic_scenario

FEASIBLE = SWEEP_FEASIBLE
FACTORS = (0.6, 1.0, 1.5)
PROBABILITIES = (0.3, 0.4, 0.3)
OUT_OF_SAMPLE = (0.8, 1.3)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stochastic")
    return load_scenario(write_config(folder, write_region(folder / "tiny")), FEASIBLE)


def beijing(scenario, factor: float):
    return scenario.with_values({"demand.by_city": {"Beijing": factor}})


@pytest.fixture(scope="module")
def plan(scenario):
    samples = [beijing(scenario, f) for f in FACTORS]
    draws = [beijing(scenario, f) for f in OUT_OF_SAMPLE]
    return stochastic_plan(samples, PROBABILITIES, out_of_sample=draws, workers=1)


def brute_force(scenario) -> tuple[float, list[int]]:
    """Least expected cost (million yuan) over every build decision, each sample's flows solved with it fixed;
    and its level per base (-1 closed)."""
    problems = [prepare(stochastic_scenario(beijing(scenario, f), 2021)).instance.problem for f in FACTORS]
    pb, settings = problems[0], _settings(scenario)
    by_base = [np.flatnonzero(pb.level_base == b) for b in range(len(pb.bases))]
    best = (math.inf, [])
    for choice in itertools.product(*[[-1, *levels] for levels in by_base]):
        if any(required and lv < 0 for required, lv in zip(pb.base_open_required, choice, strict=True)):
            continue
        levels = np.zeros((len(pb.level_base), 1), int)
        levels[[lv for lv in choice if lv >= 0], 0] = 1
        cost = sum(p * evaluate(q, settings, levels).figures.cost for p, q in zip(PROBABILITIES, problems, strict=True))
        if cost < best[0]:
            best = (cost, [int(pb.level_number[lv]) if lv >= 0 else -1 for lv in choice])
    return best


@pytest.mark.slow
def test_the_stochastic_plan_equals_the_extensive_form_solved_by_brute_force(scenario, plan):
    cost, levels = brute_force(scenario)
    assert plan.measures.method == "extensive"
    assert plan.measures.rp == pytest.approx(cost * 1e6, rel=1e-6)
    assert plan.plan["stochastic_level"].tolist() == levels
    # The size reported is that of the extensive form solved.
    problems = [prepare(stochastic_scenario(beijing(scenario, f), 2021)).instance.problem for f in FACTORS]
    assert plan.measures.size == {"samples": 3, **extensive_form(problems, PROBABILITIES).size}


@pytest.mark.slow
def test_rp_ws_eev_vss_evpi_hold_together(plan):
    m, samples = plan.measures, plan.samples
    # RP, WS and EEV are the probability-weighted means of the per-sample costs.
    for column, value in (("rp_cost_yuan", m.rp), ("ws_cost_yuan", m.ws), ("eev_cost_yuan", m.eev)):
        assert np.dot(samples["probability"], samples[column]) == pytest.approx(value, abs=2.0)
    # A sample alone never costs more than under any fixed plan; the stochastic plan is at least as good in
    # expectation as the mean-value plan (which it could have chosen).
    assert (samples["ws_cost_yuan"] <= samples["rp_cost_yuan"] + 1).all()
    assert (samples["ws_cost_yuan"] <= samples["eev_cost_yuan"] + 1).all()
    assert m.vss == pytest.approx(m.eev - m.rp) and m.vss >= -1e-6 * m.rp
    assert m.evpi == pytest.approx(m.rp - m.ws) and m.evpi >= -1e-6 * m.rp
    # Demand at 0.6 leaves Beijing 2.1 Mt, below the 3 Mt target: no plan meets it there.
    assert samples["rp_target_met"].tolist() == [False, True, True]
    assert samples.loc[0, "rp_shortfall_mt"] == pytest.approx(0.9)


@pytest.mark.slow
def test_wait_and_see_counts_and_plan_table(plan):
    table = plan.plan.set_index("base")
    assert table.loc["b-one", "wait_and_see_built"] == 3  # it must stay open
    assert 0 <= table.loc["b-two", "wait_and_see_built"] <= 3
    assert table["wait_and_see_probability"].between(0, 1).all()
    assert (table["stochastic_capacity_mt"] > 0).tolist() == (table["stochastic_level"] >= 0).tolist()


@pytest.mark.slow
def test_the_candidate_heuristic_is_bounded_by_wait_and_see(scenario, plan):
    samples = [beijing(scenario, f) for f in FACTORS]
    heuristic = stochastic_plan(samples, PROBABILITIES, workers=1, max_extensive_nonzeros=0)
    m = heuristic.measures
    assert m.method == "candidates"
    assert m.rp >= plan.measures.rp - 1  # never better than the optimum
    assert m.rp_bound == pytest.approx(plan.measures.ws)
    assert m.mip_gap == pytest.approx((m.rp - m.ws) / m.rp)
    assert heuristic.out_of_sample.empty


@pytest.mark.slow
def test_write_gives_tables_json_and_maps(plan, tmp_path):
    written = plan.write(tmp_path / "risk")
    names = sorted(p.name for p in written)
    assert names == sorted(
        [
            "stochastic_plan.csv",
            "stochastic_samples.csv",
            "stochastic_out_of_sample.csv",
            "stochastic.json",
            "stochastic_map.html",
            "stochastic_map.en.html",
        ]
    )
    summary = json.loads((tmp_path / "risk" / "stochastic.json").read_text())
    assert summary["vss_yuan"] == round(plan.measures.vss)
    assert summary["evpi_yuan"] == round(plan.measures.evpi)
    assert summary["out_of_sample"]["draws"] == len(OUT_OF_SAMPLE)
    assert 0 <= summary["out_of_sample"]["stochastic_probability_target_met"] <= 1
    assert "测试b-two" in (tmp_path / "risk" / "stochastic_map.html").read_text()
    assert "B-Two" in (tmp_path / "risk" / "stochastic_map.en.html").read_text()
    # The same plan gives the same bytes.
    again = plan.write(tmp_path / "again")
    for a, b in zip(written, again, strict=True):
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.slow
def test_the_map_renders_offline(plan, tmp_path):
    from browser import renderer_or_skip  # noqa: PLC0415 (the browser harness only where it is used)

    plan.write(tmp_path / "risk")
    browser = renderer_or_skip()
    try:
        shot = browser.render(
            tmp_path / "risk" / "stochastic_map.en.html",
            tmp_path / "map.png",
            ready="document.querySelectorAll('path').length >= 2",
        )
    finally:
        browser.close()
    assert shot.requests == ()


@pytest.mark.parametrize("probabilities", [(0.5, 0.6), (1.0,), (-0.5, 1.5)])
def test_bad_probabilities_are_refused_before_solving(scenario, probabilities):
    with pytest.raises(InputError, match="probabilities: expected 2 values >= 0 that sum to 1"):
        stochastic_plan([scenario, scenario], probabilities, workers=1)


def test_no_samples_is_refused(scenario):
    with pytest.raises(InputError, match="at least one sample"):
        stochastic_plan([], [], workers=1)


def test_candidates_are_the_mean_value_levels_then_the_likeliest_wait_and_see_levels():
    a, b, c = (np.array([[1], [0]]), np.array([[0], [1]]), np.array([[1], [1]]))
    # Wait-and-see levels a, b, b, c with probabilities 0.4, 0.2, 0.3, 0.1: b (0.5) before a (0.4), then c.
    got = _candidates(c, [a, b, b, c], np.array([0.4, 0.2, 0.3, 0.1]))
    assert [g.ravel().tolist() for g in got] == [[1, 1], [0, 1], [1, 0]]
