"""The public API end to end on the tiny region: in memory, typed, written and read back."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pandas as pd
import pytest
from tiny import write_config

import aggregates as ag
from aggregates.errors import ConfigError
from aggregates.plan import YearKPIs

TARGET = "target:\n  mt_per_yr: 1.0\n"  # the tiny region's bases make at most 5 Mt/yr


@pytest.fixture
def scenario(tmp_path, tiny_region) -> ag.Scenario:
    return ag.load_scenario(write_config(tmp_path, tiny_region, TARGET))


@pytest.fixture
def result(scenario) -> ag.Result:
    return ag.solve(scenario)


def _files(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


def test_solve_in_memory_writes_no_file(tmp_path, tiny_region, scenario, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    result = ag.solve(scenario)
    ag.supply_map(result)
    assert result.plan.year(2022).substitution_mt > 0
    assert _files(tmp_path) == before


def test_kpis_are_typed_with_units(result):
    k = result.plan.year(2022)
    assert isinstance(k, YearKPIs)
    assert isinstance(k.substitution_mt, float) and YearKPIs.unit("substitution_mt") == "Mt"
    assert YearKPIs.unit("co2e_t") == "t" and YearKPIs.unit("cost_yuan") == "yuan"
    assert k.fleet is not None and k.fleet.truck_operating_days == 300
    # Tonnes by chain add up to the substitution (each rounded to 4 decimals).
    assert sum(k.by_chain_mt.values()) == pytest.approx(k.substitution_mt, abs=1e-3)
    assert result.plan.to_json()["years"]["2022"] == k.to_dict()


def test_plan_answers_questions(result):
    plan = result.plan
    assert plan.years == [2021, 2022]
    assert plan.headline_year() == 2022  # the first year with a target: 2021 has none
    assert plan.headline_year(2021) == 2021
    with pytest.raises(ag.InputError, match="2030 is not in this run"):
        plan.headline_year(2030)
    k = plan.year(2022)
    assert plan.system_cost(2022) == k.cost_yuan + k.natural_cost_yuan + plan.penalty_yuan[2022]
    binding = plan.binding_resources(2022)
    assert (binding["utilisation"] >= 0.99).all() and (binding["year"] == 2022).all()
    text = plan.summary()
    assert "substitution / target, Mt" in text and "solver optimal" in text
    assert next(label for label, _ in plan.summary_rows()) == "substitution / target, Mt"


@pytest.mark.slow
def test_write_then_read_run_round_trips_the_plan(tmp_path, result):
    folder = result.write(tmp_path / "run")
    back = ag.read_run(folder)
    for name, table in result.plan.tables().items():
        pd.testing.assert_frame_equal(back.plan.tables()[name], table.reset_index(drop=True), check_dtype=False)
    assert back.plan.kpis == result.plan.kpis
    assert back.plan.solve == result.plan.solve
    assert back.plan.penalty_yuan == result.plan.penalty_yuan
    assert back.scenario.model_dump() == result.scenario.model_dump()
    assert back.region is None and back.folder == folder
    assert list(back.layers.flows["route"]) == list(result.plan.flows["route"])
    # The same files as the CLI writes.
    for name in ("flows.csv", "kpis.json", "scenario.yaml", "plan.gpkg", "plan.xlsx", "map.html", "report.html"):
        assert (folder / name).is_file(), name


def test_a_scenario_built_in_code_and_a_region_object(tiny_region):
    region = ag.read_region(tiny_region)
    scenario = ag.Scenario(name="in-code", region=tiny_region, years=[2022], target={"mt_per_yr": 1.0})
    result = ag.solve(scenario, region=region)
    assert result.region is region
    assert result.plan.name == "in-code" and result.plan.years == [2022]
    assert result.plan.year(2022).target_met


def test_progress_reports_every_stage_in_order(scenario):
    seen: list[ag.Progress] = []
    ag.solve(scenario, on_progress=seen.append)
    stages = list(dict.fromkeys(p.stage for p in seen))
    assert stages[:4] == [
        "reading the region",
        "building the network",
        "computing route options",
        "assembling the model",
    ]
    assert stages[4] == "solving with highs" and stages[-2:] == ["writing up the plan", "done"]
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(p.detail for p in seen)  # the solver's log lines come through


def test_input_cache_builds_a_network_once_per_transport_setting(scenario):
    cache = ag.InputCache()
    priced = scenario.with_values({"prices.carbon_yuan_per_t_co2e": 200})
    heavier = scenario.with_values({"trucks.diesel.payload_t": 33})
    ag.solve(scenario, cache=cache)
    ag.solve(priced, cache=cache)
    assert len(cache) == 1  # a carbon price changes no route
    ag.solve(heavier, cache=cache)
    assert len(cache) == 2  # a payload changes every truck rate


def test_with_values_validates_and_names_the_key(scenario):
    changed = scenario.with_values({"trucks.bet.range_km": 150, "target.by_year.2022": 2.0})
    assert changed.trucks.bet.range_km == 150 and changed.target.for_year(2022) == 2.0
    assert scenario.trucks.bet.range_km == 120  # the original is unchanged
    with pytest.raises(ConfigError, match=r"trucks\.bet\.range_km.*greater than 0"):
        scenario.with_values({"trucks.bet.range_km": -1})


def test_supply_map_draws_onto_a_given_map(result):
    m = ag.supply_map(result)
    again = ag.supply_map(result, m=ag.supply_map(result))
    assert type(again) is type(m)


def test_results_pickle_for_worker_processes(result):
    back = pickle.loads(pickle.dumps(result))
    assert back.plan.year(2022) == result.plan.year(2022)
    assert os.fspath(back.scenario.region) == os.fspath(result.scenario.region)
