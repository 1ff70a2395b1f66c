"""The coverage answer on the tiny region: its sentence, its options, plan vs re-optimisation, --place and --crs."""

from __future__ import annotations

import json
import re

import pytest
from handmade import FEASIBLE, SAND_SHARE, SITE, plan_2021
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.analysis.coverage import check_coverage, explain_difference, ranked_options, report_answers
from aggregates.cli.app import app
from aggregates.config import load_scenario
from aggregates.data.gcj02 import wgs84_to_gcj02
from aggregates.data.reading import read_region

runner = CliRunner()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    scenario = load_scenario(write_config(folder, write_region(folder / "region"), FEASIBLE))
    return scenario, read_region(scenario.region)


def test_sentence_says_the_typed_fields(inputs):
    scenario, region = inputs
    plan = plan_2021(scenario, 0.0)
    report = check_coverage(scenario, region, [("site", SITE)], plan=plan)
    (answer,) = report_answers(report)
    # b-one by diesel truck: 43.27 yuan/t transport + 30 production (worked out in tests/test_coverage.py).
    assert answer.covered and answer.basis == "plan"
    assert [(s.base, s.chain, s.tonnes) for s in answer.supply] == [("b-one", "diesel_truck", pytest.approx(200_000))]
    assert answer.cost_yuan_per_t == pytest.approx(73.27, abs=0.01)
    # The tiny region has no quarries: natural sand is the import price of the scenario.
    assert answer.natural.source == "import"
    assert answer.natural.yuan_per_t == scenario.prices.natural_yuan_per_t["sand"]
    en, zh = answer.sentence("en"), answer.sentence("zh")
    for number in (f"{answer.tonnes:,.0f}", f"{answer.cost_yuan_per_t:,.0f}", f"{answer.natural.yuan_per_t:,.0f}"):
        assert number in en and number in zh
    assert f"{answer.co2e_kg_per_t:.1f} kg CO2e/t" in en and f"{answer.co2e_kg_per_t:.1f}千克CO2e/吨" in zh
    assert en.startswith("covered: 200,000 t/yr of manufactured sand in 2021 from B-One by diesel truck, 73 yuan/t")
    assert en.endswith("(against the published plan's spare capacity)") and "测试b-one经柴油货车" in zh
    assert answer.to_dict()["sentence"] == {"zh": zh, "en": en}


def test_chosen_option_is_listed_and_full_ones_apart(inputs):
    scenario, region = inputs
    report = check_coverage(scenario, region, [("site", SITE)], plan=plan_2021(scenario, 0.0))
    r = report.results[0]
    with_room, full = ranked_options(r, top=0)  # no room for the cheapest: the chosen option stays
    assert list(zip(with_room["base"], with_room["chain"], with_room["chosen"], strict=True)) == [
        ("b-one", "diesel_truck", True)
    ]
    shown, full = ranked_options(r, top=3)
    assert set(full["base"]) == {"b-two"} and not full["chosen"].any()  # b-two is not built: no room
    assert len(shown) == 3 and shown["chosen"].sum() == 1
    assert shown["delivered_cost_yuan_per_t"].is_monotonic_increasing


def test_plan_and_reoptimisation_differ_by_what_other_markets_take(inputs):
    # b-one makes at most 2 Mt x 0.55 / 0.95 = 1,157,895 t of sand a year.
    # The published plan sends 1,100,000 t of it to d-far: 57,895 t left, 29 % of the site's 200,000 t
    # (partly). The re-optimised plan sends d-far 800,000 t: 357,895 t left, the site covered from b-one.
    # The difference: 300,000 t of b-one's sand moved from d-far to the site.
    scenario, region = inputs
    published, again = plan_2021(scenario, 1_100_000), plan_2021(scenario, 800_000)
    first = check_coverage(scenario, region, [("site", SITE)], plan=published).results[0]
    second = check_coverage(scenario, region, [("site", SITE)], plan=again).results[0]
    assert first.status == "partly" and first.share_covered == pytest.approx((2e6 * SAND_SHARE - 1.1e6) / 2e5)
    assert second.covered
    difference = explain_difference(first, published, second, again)
    (change,) = difference.bases
    assert change.base == "b-one"
    assert change.room_plan_t == pytest.approx(2e6 * SAND_SHARE - 1.1e6)
    assert change.room_reoptimised_t == pytest.approx(2e6 * SAND_SHARE - 0.8e6)
    assert change.others_plan_t - change.others_reoptimised_t == pytest.approx(300_000)
    en = difference.sentence("en")
    assert en.startswith("Near d-city: partly covered against the published plan, covered when re-optimising")
    assert "the plan leaves 57,895 t at B-One, re-optimising 0.36 Mt" in en
    assert "moves 0.30 Mt of its supply from other markets to the site" in en
    assert "从其他市场移给该工地" in difference.sentence("zh")
    same = explain_difference(second, again, second, again)
    assert same.same() and same.sentence("en") == "Near d-city: both give the same answer"


@pytest.mark.slow
def test_cli_place_and_gcj02(tmp_path, tiny_region):
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    args = ["coverage", str(config), "--tonnes", "100000", "--product", "sand", "--json"]
    by_place = runner.invoke(app, [*args, "--place", "测试d-far"])
    assert by_place.exit_code == 0, by_place.output
    data = json.loads(by_place.stdout)
    assert (data["name"], data["lat"], data["lon"]) == ("测试d-far", 39.9, 116.3)  # d-far's point
    assert data["answer"]["basis"] == "reoptimised" and data["answer"]["sentence"]["en"].startswith("covered: ")
    assert any(o["chosen"] for o in data["options"]) and "full_options" in data
    glon, glat = wgs84_to_gcj02(116.3, 39.9)
    by_gcj = runner.invoke(app, [*args, "--lat", str(float(glat)), "--lon", str(float(glon)), "--crs", "gcj02"])
    assert by_gcj.exit_code == 0, by_gcj.output
    assert json.loads(by_gcj.stdout)["lat"] == pytest.approx(39.9, abs=1e-6)


def test_cli_ambiguous_and_unknown_place_exit_2(tmp_path, tiny_region):
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    args = ["coverage", str(config), "--tonnes", "1000", "--product", "sand"]
    ambiguous = runner.invoke(app, [*args, "--place", "测试d"])
    assert ambiguous.exit_code == 2
    assert "give a more precise name" in ambiguous.output and "测试d-far" in ambiguous.output
    unknown = runner.invoke(app, [*args, "--place", "测试d-fat"])
    assert unknown.exit_code == 2 and re.search(r"no place of the region.*closest: 测试d-far", unknown.output, re.S)


def test_cli_both_needs_a_plan(tmp_path, tiny_region):
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    args = ["coverage", str(config), "--place", "测试d-far", "--tonnes", "1000", "--product", "sand", "--both"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--both compares against a published plan: give --plan RUN_DIR" in result.output


@pytest.mark.slow
def test_cli_both_answers_and_explains(tmp_path, tiny_region):
    # The tiny plan has room for 100,000 t at d-far whichever way it is asked: the same answer twice.
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    folder = ag.solve(load_scenario(config)).write(tmp_path / "run", visuals=False)
    args = ["coverage", str(config), "--plan", str(folder), "--both", "--place", "测试d-far", "--json"]
    result = runner.invoke(app, [*args, "--tonnes", "100000", "--product", "sand", "--out", str(tmp_path / "cov")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answer"]["basis"] == "plan" and data["reoptimised"]["basis"] == "reoptimised"
    assert data["covered"] and data["reoptimised"]["covered"]
    assert data["difference"]["sentence"]["en"] == "测试d-far: both give the same answer"
    assert data["residual_source"] == f"the plan in {folder} (each site checked alone against it)"
    assert (tmp_path / "cov" / "coverage.html").is_file()
