"""Uncertainty and ``aggregates risk`` (evaluate): sampling invariants, fixed build decisions on the tiny region,
the evaluation of a fixed plan over futures, and the command's bad inputs.

The tiny region (tests/tiny.py) planned for 2021 alone with a 3 Mt target (FEASIBLE, as in test_sweep.py):
its own least-cost plan runs b-one at level 1 (4 Mt/yr) and leaves b-two closed, shipping 3.18 Mt.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli.app import app
from aggregates.config import Factor, Uncertainty, draw_samples, load_scenario, mean_scenario, parse_override
from aggregates.config.sampling import draw_factors
from aggregates.errors import ConfigError, InfeasibleError, InputError
from aggregates.pipeline import check_fit
from aggregates.sweep import evaluate, write_risk
from aggregates.sweep.risk import distribution

runner = CliRunner()

FEASIBLE = [
    "target.mt_per_yr=3",
    "target.from_year=2021",
    "years=[2021]",
    "rail.tariff_basis=wagon_load",
    "coproducts.free_disposal=true",
    "prices.natural_yuan_per_t.sand=150",
    "prices.natural_yuan_per_t.coarse=90",
    "natural.import_co2e_kg_per_t=0",
]
# Two discrete futures: demand halved (1.75 Mt, below the 3 Mt target) with probability 0.25, as planned otherwise.
FUTURES = "uncertainty.scenarios=[{name: slump, probability: 0.25, values: {demand.factor: 0.5}}, {name: calm, probability: 0.75}]"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("risk")
    return write_config(folder, write_region(folder / "tiny"))


@pytest.fixture(scope="module")
def region(config):
    return ag.read_region(config.parent / "tiny")


@pytest.fixture(scope="module")
def scenario(config):
    return load_scenario(config, FEASIBLE)


# -- sampling ---------------------------------------------------------------------------------------------------------


def uncertain(scenario, **demand):
    """The scenario with a demand factor for Beijing (the tiny region's one city) and the default price factors."""
    return scenario.with_values({"uncertainty.demand.by_city": {"Beijing": {"low": 0.7, "high": 1.3}}, **demand})


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 6), more=st.integers(0, 4))
def test_same_seed_same_samples_and_sample_i_whatever_n(scenario, seed, n, more):
    s = uncertain(scenario)
    first, again, longer = draw_samples(s, n, seed), draw_samples(s, n, seed), draw_samples(s, n + more, seed)
    assert [x.factors for x in first] == [x.factors for x in again]
    assert [x.factors for x in first] == [x.factors for x in longer[:n]]
    assert all(x.probability == pytest.approx(1 / n) for x in first)
    assert [x.label for x in first] == [f"s{i:03d}" for i in range(n)]


def test_factor_draws_depend_on_the_seed_and_the_index_only():
    u = Uncertainty(demand={"by_city": {"A": {"low": 0.5, "high": 1.5}}, "correlation": 0.0})
    names, ten = draw_factors(u, 10, 42)
    assert np.array_equal(draw_factors(u, 10, 42)[1], ten)
    assert np.array_equal(draw_factors(u, 4, 42)[1], ten[:4])
    assert not np.array_equal(draw_factors(u, 10, 43)[1], ten)
    assert names == ["demand.A", *(f"prices.{k}" for k in ("diesel", "electricity", "rail_tariff", "natural"))] + [
        f"capacities.{k}" for k in ("rail_sections", "terminals", "swap_stations", "bases")
    ]


def test_a_sample_sets_the_keys_its_factors_multiply(scenario):
    s = uncertain(scenario)
    (x,) = draw_samples(s, 1, seed=7)
    f = x.factors
    assert x.scenario.demand.by_city["Beijing"] == pytest.approx(f["demand.Beijing"])
    assert x.scenario.trucks.diesel.fuel_price_yuan_per_l == pytest.approx(7.6 * f["prices.diesel"])
    assert x.scenario.prices.natural_yuan_per_t["sand"] == pytest.approx(150 * f["prices.natural"])
    assert x.scenario.natural.price_factor == pytest.approx(f["prices.natural"])
    assert x.scenario.rail.tariff_factor == pytest.approx(f["prices.rail_tariff"])
    assert x.scenario.infrastructure.base_capacity_factor == pytest.approx(f["capacities.bases"])
    assert x.scenario.infrastructure.terminal_capacity_factor == pytest.approx(f["capacities.terminals"])


def test_the_mean_scenario_has_every_factor_at_its_mean(scenario):
    s = uncertain(scenario)
    drawn = draw_samples(s, 4, seed=3)
    mean = mean_scenario(s, drawn)
    diesel = np.mean([x.factors["prices.diesel"] for x in drawn])
    assert mean.trucks.diesel.fuel_price_yuan_per_l == pytest.approx(7.6 * diesel)
    assert mean.demand.by_city["Beijing"] == pytest.approx(np.mean([x.factors["demand.Beijing"] for x in drawn]))
    assert mean_scenario(s, []) is None


@st.composite
def factors(draw):
    kind = draw(st.sampled_from(["triangular", "uniform", "normal", "lognormal"]))
    low = draw(st.floats(0.1, 2.0))
    high = low + draw(st.floats(0.0, 2.0))
    mode = draw(st.floats(low, high))
    sd = draw(st.floats(0.01, 1.0)) if kind in ("normal", "lognormal") else None
    return Factor(distribution=kind, low=low, mode=mode, high=high, sd=sd)


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(f=factors(), seed=st.integers(0, 2**32))
def test_marginal_ranges_respected(f, seed):
    u = Uncertainty(prices={"diesel": f, "electricity": None, "rail_tariff": None, "natural": None})
    names, drawn = draw_factors(u, 100, seed)
    column = drawn[:, names.index("prices.diesel")]
    assert (column >= f.low).all() and (column <= f.high).all()


@pytest.mark.parametrize("kind", ["triangular", "uniform", "normal", "lognormal"])
def test_every_distribution_stays_within_its_range(kind):
    f = Factor(distribution=kind, low=0.6, mode=0.9, high=1.1, sd=0.3 if kind in ("normal", "lognormal") else None)
    names, drawn = draw_factors(Uncertainty(prices={"diesel": f}), 100, 0)
    column = drawn[:, names.index("prices.diesel")]
    assert column.min() >= 0.6 and column.max() <= 1.1 and column.std() > 0.05


def test_triangular_draws_have_the_triangular_mean():
    # Mean of a triangular distribution: (low + mode + high) / 3 = (0.8 + 1.0 + 1.5) / 3 = 1.1.
    u = Uncertainty(prices={"diesel": {"low": 0.8, "mode": 1.0, "high": 1.5}})
    names, drawn = draw_factors(u, 4000, 3)
    assert drawn[:, names.index("prices.diesel")].mean() == pytest.approx(1.1, abs=0.01)


@pytest.mark.slow
@settings(max_examples=10, deadline=None)
@given(rho=st.floats(-0.9, 0.95), seed=st.integers(0, 2**32))
def test_correlation_roughly_as_asked(rho, seed):
    # A Gaussian copula with correlation rho has Spearman's rank correlation (6 / pi) asin(rho / 2).
    city = {"low": 0.5, "high": 1.5}
    u = Uncertainty(demand={"by_city": {"A": city, "B": city}, "correlation": rho})
    names, drawn = draw_factors(u, 3000, seed)
    spearman = stats.spearmanr(drawn[:, 0], drawn[:, 1]).statistic
    assert names[:2] == ["demand.A", "demand.B"]
    assert spearman == pytest.approx(6 / math.pi * math.asin(rho / 2), abs=0.06)


def test_a_correlation_matrix_for_some_pairs():
    city = {"low": 0.5, "high": 1.5}
    u = Uncertainty(
        demand={"by_city": {"A": city, "B": city, "C": city}, "correlation": {"A": {"B": 0.9}}},
    )
    _, drawn = draw_factors(u, 3000, 1)
    rank = stats.spearmanr(drawn).statistic
    assert rank[0, 1] > 0.8 and abs(rank[0, 2]) < 0.06 and abs(rank[1, 2]) < 0.06


def test_a_correlation_that_is_no_correlation_matrix_is_refused(scenario):
    city = {"low": 0.5, "high": 1.5}
    bad = {"A": {"B": 0.9, "C": 0.9}, "B": {"C": -0.9}}
    s = scenario.with_values({"uncertainty.demand": {"by_city": {"A": city, "B": city, "C": city}, "correlation": bad}})
    with pytest.raises(ConfigError, match="uncertainty.demand.correlation is not a correlation matrix"):
        draw_samples(s, 2)


def test_discrete_futures_are_the_samples(scenario):
    s = load_scenario_with(scenario, FUTURES)
    slump, calm = draw_samples(s)
    assert (slump.label, slump.probability, calm.label, calm.probability) == ("slump", 0.25, "calm", 0.75)
    assert slump.scenario.demand.factor == 0.5 and calm.scenario.demand.factor == 1.0
    with pytest.raises(InputError, match="lists 2 discrete futures"):
        draw_samples(s, 3)


def load_scenario_with(scenario, override: str):
    """The scenario with one ``--set`` override."""
    return scenario.with_values(dict([parse_override(override)]))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("uncertainty.prices.diesel={low: 1.2, high: 1.1}", "low (1.2) must not be above high (1.1)"),
        ("uncertainty.prices.diesel={distribution: normal, low: 0.9, high: 1.1}", "needs sd"),
        ("uncertainty.demand.correlation=1.5", "within -1 and 1"),
        ("uncertainty.demand.correlation={X: {Y: 0.5}}", "which by_city does not list"),
        ("uncertainty.scenarios=[{name: a, probability: 0.4}]", "probabilities must sum to 1"),
    ],
)
def test_bad_uncertainty_values_name_the_key(config, override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_scenario(config, [*FEASIBLE, override])


def test_weighted_percentiles_by_hand():
    # Values 10, 20, 30, 40 with probabilities 0.1, 0.2, 0.3, 0.4: cumulative 0.1, 0.3, 0.6, 1.0.
    # P5 = 10 (0.1 >= 0.05), P50 = 30 (0.6 >= 0.5), P95 = 40; mean = 1 + 4 + 9 + 16 = 30. A NaN is left out.
    d = distribution(np.array([40.0, 20.0, np.nan, 10.0, 30.0]), np.array([0.4, 0.2, 0.5, 0.1, 0.3]))
    assert d == {"mean": pytest.approx(30.0), "p5": 10.0, "p50": 30.0, "p95": 40.0, "min": 10.0, "max": 40.0}


# -- fixed build decisions on the tiny region -------------------------------------------------------------------------


@pytest.mark.slow
def test_fixed_levels_are_the_plan_and_the_precheck_explains_a_fixed_shortfall(config):
    # A 2.5 Mt target. Free: b-one at level 1 (4 Mt/yr), b-two closed. Fixed b-one at level 0 (2 Mt/yr): b-two
    # (1 Mt/yr) must open to reach 2.5 Mt.
    target = [*FEASIBLE, "target.mt_per_yr=2.5"]
    free = ag.solve(load_scenario(config, target)).plan
    assert dict(zip(free.bases["base"], free.bases["level"], strict=True)) == {"b-one": 1, "b-two": -1}
    plan = ag.solve(load_scenario(config, [*target, "infrastructure.base_levels={b-one: 0}"])).plan
    assert dict(zip(plan.bases["base"], plan.bases["level"], strict=True)) == {"b-one": 0, "b-two": 0}
    # b-two fixed closed as well: 2 Mt/yr for a 2.5 Mt target is out of reach, in numbers.
    with pytest.raises(InfeasibleError) as err:
        ag.solve(load_scenario(config, [*target, "infrastructure.base_levels={b-one: 0, b-two: -1}"]))
    assert (
        "base capacity at the largest levels 2.0 Mt/yr (2 base(s) at fixed levels give 2.0 Mt/yr: b-one 2.0, "
        "b-two 0.0)" in err.value.message
    )


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ("{b-nowhere: 0}", "infrastructure.base_levels.b-nowhere: not a base of the region"),
        ("{b-one: 3}", "level(s) [3] not in base_levels.csv; b-one has levels [0, 1] (or -1: closed)"),
        ("{b-one: -1}", "b-one is an existing base and must stay open; it is fixed closed in [2021, 2022]"),
        ("{b-one: {2021: 1, 2022: 0}}", "b-one falls from level 1 in 2021 to 0 in 2022"),
        ("{b-one: -2}", "level -2 is not a level"),
    ],
)
def test_fixed_levels_the_region_does_not_allow(config, region, levels, message):
    years = "years=[2021,2022]"
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_fit(load_scenario(config, [*FEASIBLE, years, f"infrastructure.base_levels={levels}"]), region)


# -- evaluate ---------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_evaluate_discrete_futures_by_hand(scenario, tmp_path):
    # The scenario's own plan: b-one at 4 Mt/yr, b-two closed (fixed in both futures). calm (p 0.75) ships
    # 3.18 Mt >= 3: met. slump (p 0.25) has 1.75 Mt of demand: at most 1.75 Mt shipped, missed. P(met) = 0.75.
    s = load_scenario_with(scenario, FUTURES)
    ev = evaluate(s, samples=None, workers=1)
    assert ev.plan_source == "scenario" and ev.levels == {"b-one": 1, "b-two": -1}
    slump, calm = ev.outcomes
    assert calm.target_met and calm.figures["substitution_mt"] == pytest.approx(3.1842, abs=1e-3)
    assert not slump.target_met and slump.figures["substitution_mt"] <= 1.75 + 1e-6
    assert ev.probability_target_met == pytest.approx(0.75)
    files = write_risk(tmp_path / "out", ev, lang="en")
    assert {p.name for p in files} >= {"samples.csv", "risk_summary.csv", "binding.csv", "risk.json", "risk_cost.png"}
    data = json.loads((tmp_path / "out" / "risk.json").read_text())
    assert data["probability_target_met"] == pytest.approx(0.75) and data["fixed_levels"] == ev.levels
    # P50 of substitution: calm's (cumulative 0.25 at slump, 1.0 at calm).
    assert data["metrics"]["substitution_mt"]["p50"] == pytest.approx(calm.figures["substitution_mt"])


@pytest.mark.slow
def test_evaluate_equal_with_one_and_two_workers(scenario, tmp_path):
    s = uncertain(scenario)
    one = evaluate(s, samples=3, seed=5, workers=1)
    two = evaluate(s, samples=3, seed=5, workers=2)
    write_risk(tmp_path / "one", one, charts=False)
    write_risk(tmp_path / "two", two, charts=False)
    for name in ("samples.csv", "risk_summary.csv", "binding.csv", "risk.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.slow
def test_evaluate_a_run_folder_plan(config, tmp_path):
    # Optimize with b-one held at level 0 and a 2.5 Mt target: b-two opens. Evaluated from its run folder, both
    # are fixed so.
    result = ag.solve(
        load_scenario(config, [*FEASIBLE, "target.mt_per_yr=2.5", "infrastructure.base_levels={b-one: 0}"])
    )
    result.write(tmp_path / "run", visuals=False)
    ev = evaluate(load_scenario(config, FEASIBLE), samples=2, plan=tmp_path / "run", workers=1)
    assert ev.levels == {"b-one": 0, "b-two": 0} and ev.plan_source == str(tmp_path / "run")
    with pytest.raises(InputError, match="year 2023 is not in this plan"):
        evaluate(load_scenario(config, [*FEASIBLE, "years=[2021,2023]"]), samples=2, plan=tmp_path / "run", year=2023)


# -- the command --------------------------------------------------------------------------------------------------


def _sets(*values):
    return [a for v in values for a in ("--set", v)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "0"], "--samples 0: give at least 1"),
        (["--mode", "sideways"], "--mode sideways: use one of evaluate, plan, both"),
        (["--mode", "plan", "--cluster", "nowhere"], "--cluster 'nowhere': expected local"),
        (["--plan", "nowhere-run"], "nowhere-run: no such run folder"),
    ],
)
def test_risk_bad_input_is_one_line_and_exit_2(config, tmp_path, args, message):
    result = runner.invoke(app, ["risk", str(config), *_sets(*FEASIBLE), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_risk_command_writes_its_outputs(config, tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["risk", str(config), *_sets(*FEASIBLE, FUTURES), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "probability of meeting the 3.0 Mt target in 2021: 75%" in result.output
    assert {p.name for p in out.iterdir()} == {"samples.csv", "risk_summary.csv", "binding.csv", "risk.json", "charts"}


@pytest.mark.slow
def test_risk_both_modes_write_one_folder_and_one_json(config, tmp_path):
    # The discrete futures of FUTURES are the samples of the stochastic plan (no out-of-sample draws with
    # listed futures); VSS and EVPI are never negative (RP <= EEV and WS <= RP, up to the solver's gap).
    out = tmp_path / "both"
    args = ["risk", str(config), *_sets(*FEASIBLE, FUTURES), "--out", str(out), "--workers", "1", "--mode", "both"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert set(shown) == {"plan", "evaluate"}
    plan = shown["plan"]
    assert plan["vss_yuan"] >= -1 and plan["evpi_yuan"] >= -1
    assert plan["ws_yuan"] <= plan["rp_yuan"] + 1 <= plan["eev_yuan"] + 2
    assert {p.name for p in (out / "plan").iterdir()} >= {
        "stochastic_plan.csv",
        "stochastic.json",
        "stochastic_map.html",
    }
    assert (out / "evaluate" / "risk.json").exists()
