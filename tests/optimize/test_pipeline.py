"""The whole optimisation pipeline on the tiny region and the embedded default region."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli.app import app
from aggregates.errors import ConfigError, InfeasibleError

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
# The tiny region (tests/tiny.py): b-one (existing, 2 or 4 Mt/yr), b-two (candidate, 1 Mt/yr, own siding);
# d-city 2.5 Mt/yr (1.0 sand, 1.5 coarse) inside the 5th ring, d-far 1.0 Mt/yr; years 2021-2022.
FEASIBLE = ["target.mt_per_yr=3", "target.from_year=2021"]


def run(config, overrides):
    return ag.solve(ag.load_scenario(config, overrides))


def test_tiny_plan_meets_target_and_balances_demand(tiny_config):
    result = run(tiny_config, FEASIBLE)
    plan = result.plan
    assert plan.solve.status == "optimal" and plan.all_targets_met
    for year in (2021, 2022):
        assert plan.year(year).substitution_mt >= 3.0 - 1e-6
    d = result.plan.demand
    assert (d["solid_waste_t"] + d["natural_t"] + d["unmet_t"] - d["demand_t"]).abs().max() < 1.0
    b = result.plan.bases
    assert (b["made_t"] <= b["capacity_t"] + 1.0).all()
    # Every tonne made goes somewhere, and production (30 yuan/t in the tiny region) is charged per t made.
    gone = (
        b["output_t"] + b["local_t"] + b["disposed_t"] + b[[c for c in b if c.startswith("stock_added_")]].sum(axis=1)
    )
    assert (gone - b["made_t"]).abs().max() < 1.0
    assert b["production_cost_yuan"].to_numpy() == pytest.approx(30.0 * b["made_t"].to_numpy(), abs=2)
    # Costs add up: the KPI is fixed + production + co-products of the bases + transport of the flows.
    flows = result.plan.flows[result.plan.flows["year"] == 2022]
    b22 = b[b["year"] == 2022]
    parts = flows["transport_cost_yuan"].sum() + b22["production_cost_yuan"].sum() + b22["fixed_cost_yuan"].sum()
    parts += (b22["holding_cost_yuan"] + b22["disposal_cost_yuan"] - b22["local_revenue_yuan"]).sum()
    assert plan.year(2022).cost_yuan == pytest.approx(parts, abs=2)
    assert plan.year(2022).coproduct_disposed_mt * 1e6 == pytest.approx(b22["disposed_t"].sum(), abs=1)
    # What the CLI prints: cost in billion yuan.
    cost = dict(plan.summary_rows())["total cost, billion yuan"]
    assert cost == [f"{plan.year(y).cost_yuan / 1e9:,.2f}" for y in (2021, 2022)]
    assert "total cost, billion yuan" in plan.summary()


def test_zero_emission_zone_keeps_diesel_out(tmp_path):
    # The zones come from the region: here region.yaml nests the 5th ring (d-city's zone) in a 6th.
    folder = write_region(tmp_path / "zoned")
    meta = folder / "region.yaml"
    meta.write_text(meta.read_text() + "zones:\n  beijing_6th_ring: [beijing_5th_ring]\n  beijing_5th_ring: []\n")
    sets = [*FEASIBLE, "policies.zero_emission_zones=[beijing_6th_ring]", "prices.carbon_yuan_per_t_co2e=0"]
    result = run(write_config(tmp_path, folder), sets)
    into_city = result.plan.flows[result.plan.flows["node"] == "d-city"]
    assert len(into_city) and not into_city["chain"].isin(["diesel_truck", "rail_diesel"]).any()


def test_zone_names_come_from_the_region(tiny_config):
    # The tiny region.yaml lists no zones: the zones are the demand nodes' (beijing_5th_ring), plus diesel_restricted.
    result = run(tiny_config, [*FEASIBLE, "policies.zero_emission_zones=[beijing_5th_ring]"])
    into_city = result.plan.flows[result.plan.flows["node"] == "d-city"]
    assert len(into_city) and not into_city["chain"].isin(["diesel_truck", "rail_diesel"]).any()
    unknown = ag.load_scenario(tiny_config, [*FEASIBLE, "policies.zero_emission_zones=[beijing_6th_ring]"])
    with pytest.raises(ConfigError, match="'beijing_6th_ring' is not a zone of the region; use one of") as caught:
        ag.solve(unknown)
    assert "beijing_5th_ring, diesel_restricted" in caught.value.message


def test_coverage_policy_counts_a_route_near_by_km_or_by_hours(tiny_config):
    # The bases reach d-city by truck in 102-104 km and 1.6-1.8 h, d-far in 121-122 km and 2.2 h; by rail
    # 116-138 km but 13-14 h. No route takes 1 h or less, so an AND rule would find none near; the one
    # nearness rule (route km within 125 OR hours within 1) finds every truck route and the rail routes to
    # d-city near. Each node must get half its demand over near routes.
    sets = [*FEASIBLE, "policies.coverage={share: 0.5, within_km: 125, within_hours: 1.0}"]
    result = run(tiny_config, sets)
    (rule,) = result.instance.problem.coverage_rules
    routes = result.instance.routes.table
    km, hours = routes["km_road"] + routes["km_rail"], routes["hours"]
    assert rule.name == "coverage within 125 km or 1 h"
    assert list(rule.covering) == list((km <= 125) | (hours <= 1.0))
    assert rule.covering.any() and not (hours <= 1.0).any()
    flows = result.plan.flows.assign(near=rule.covering[result.plan.flows["route"].to_numpy(int)])
    demand = result.plan.demand.groupby(["year", "node"])["demand_t"].sum()
    near = flows[flows["near"]].groupby(["year", "node"])["tonnes"].sum().reindex(demand.index, fill_value=0.0)
    assert (near >= 0.5 * demand - 1.0).all()


def test_impossible_target_names_the_capacity(tiny_config):
    # Default target 100 Mt/yr from 2022; the two bases make at most 4 + 1 = 5 Mt/yr.
    with pytest.raises(InfeasibleError) as caught:
        run(tiny_config, [])
    message = caught.value.message
    assert "target 2022 of 100.0 Mt unreachable: base capacity at the largest levels 5.0 Mt/yr" in message
    assert caught.value.exit_code == 3


def test_infeasible_policy_is_explained_by_the_elastic_resolve(tiny_config):
    # A cap of 1 kt CO2e: shipping 3 Mt over ~100 km emits ~18 kt (3 Mt x 100 km x 60 g/t-km), so the cap and the
    # target cannot both hold; the elastic re-solve says how much the plan needs.
    with pytest.raises(InfeasibleError) as caught:
        run(tiny_config, [*FEASIBLE, "policies.emissions_cap_kt_co2e=1"])
    assert "emissions cap 2021 of 1 kt CO2e too tight: the plan needs" in caught.value.message


@pytest.mark.slow
def test_cli_writes_every_output_and_is_deterministic(tiny_config, tmp_path):
    sets = [arg for s in FEASIBLE for arg in ("--set", s)]
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = runner.invoke(app, ["optimize", str(tiny_config), "--out", str(out), *sets])
        assert result.exit_code == 0, result.output
    names = {
        "flows.csv",
        "bases.csv",
        "demand.csv",
        "resources.csv",
        "kpis.json",
        "plan.gpkg",
        "plan.xlsx",
        "scenario.yaml",
        "fleet.csv",
        "quarries.csv",
        "natural_flows.csv",
        "map.html",
        "map.en.html",
        "charts",
        "report.html",
    }
    assert {p.name for p in first.iterdir()} == names
    assert (tmp_path / "maps" / "tiny.html").read_bytes() == (second / "map.html").read_bytes()
    assert (tmp_path / "maps" / "tiny.en.html").read_bytes() == (second / "map.en.html").read_bytes()
    for name in ("flows.csv", "bases.csv", "demand.csv", "resources.csv", "quarries.csv", "natural_flows.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    kpis = json.loads((first / "kpis.json").read_text())
    for key in ("status", "objective_yuan", "mip_gap", "solve_seconds"):
        assert key in kpis
    year = kpis["years"]["2022"]
    for key in (
        "substitution_mt", "target_mt", "target_met", "rail_share_t", "rail_share_tkm", "cost_yuan",
        "cost_yuan_per_t", "co2e_t", "nox_t", "pm_t", "trains_per_day", "truck_trips_per_day", "unmet_mt",
    ):  # fmt: skip
        assert key in year
    flows = gpd.read_file(first / "plan.gpkg", layer="flows")
    assert len(flows) == len(pd.read_csv(first / "flows.csv"))
    assert (flows.geometry.geom_type == "LineString").all()
    sheets = pd.read_excel(first / "plan.xlsx", sheet_name=None)
    assert {"kpis", "run", "flows", "bases", "demand", "resources"} <= set(sheets)
    # The resolved config runs again as it is.
    again = runner.invoke(app, ["optimize", str(first / "scenario.yaml"), "--out", str(tmp_path / "c"), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["objective_yuan"] == kpis["objective_yuan"]


# All chains: a plan by diesel truck alone, whose terminal columns are empty; rail and BET: terminals used.
@pytest.mark.parametrize("chains", [[], ["chains=[rail_bet, bet_truck]"]], ids=["diesel-only-plan", "rail-plan"])
def test_run_folder_reads_back_as_the_same_plan(tiny_config, tmp_path, chains):
    result = run(tiny_config, [*FEASIBLE, *chains])
    folder = result.write(tmp_path / "run", visuals=False)
    back = ag.read_run(folder)
    assert back.folder == folder and back.region is None and back.instance is None
    assert back.plan.to_json() == result.plan.to_json()
    assert back.plan.summary() == result.plan.summary()
    assert back.plan.scenario.model_dump() == result.plan.scenario.model_dump()
    for name, table in result.plan.tables().items():
        pd.testing.assert_frame_equal(back.plan.tables()[name], table, check_dtype=False, obj=name)
    for name, layer in result.layers.items():
        assert len(getattr(back.layers, name)) == len(layer), name
    assert (back.layers.flows.geometry.geom_type == "LineString").all()


def test_cli_infeasible_exit_3_leaves_nothing_behind(tiny_config, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["optimize", str(tiny_config), "--out", str(out)])
    assert result.exit_code == 3
    assert "unreachable" in result.output and "Traceback" not in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_cli_bad_override_exit_2(tiny_config):
    result = runner.invoke(app, ["optimize", str(tiny_config), "--set", "solver.name=gurobi"])
    assert result.exit_code == 2
    assert "solver.name" in result.output


def test_cli_bad_out_exit_2_before_solving(tiny_config, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = runner.invoke(app, ["optimize", str(tiny_config), "--out", str(blocker / "run")])
    assert result.exit_code == 2
    assert "is a file; choose another --out" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_failed_write_keeps_the_previous_run(tiny_config, tmp_path, monkeypatch):
    out = tmp_path / "run"
    # Charts and report off: they take seconds and the failure is in the plan's own files.
    quick = [*FEASIBLE, "outputs.charts=false", "outputs.report=false"]
    sets = [arg for s in quick for arg in ("--set", s)]
    assert runner.invoke(app, ["optimize", str(tiny_config), "--out", str(out), *sets]).exit_code == 0
    before = (out / "flows.csv").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("aggregates.io.run_folder._write_xlsx", broken)
    result = runner.invoke(app, ["optimize", str(tiny_config), "--out", str(out), *sets])
    assert result.exit_code != 0
    assert (out / "flows.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"] or all(
        not p.name.endswith(".tmp") for p in tmp_path.iterdir()
    )


@pytest.fixture(scope="module")
def default_run():
    return run(ROOT / "configs" / "default.yaml", [])


@pytest.mark.slow
def test_default_region_meets_100_mt_every_year_from_2022(default_run):
    plan = default_run.plan
    assert plan.solve.status == "optimal" and plan.solve.mip_gap <= 0.001
    for year in (2022, 2023, 2024, 2025):
        y = plan.year(year)
        assert y.target_mt == 100.0 and y.substitution_mt >= 100.0 - 1e-6
        assert y.unmet_mt == 0.0
    # Sanity of the mode figures against the sourced intensities: rail chains far below trucks per tonne-km.
    f = default_run.plan.flows
    rail = f[f["chain"].str.startswith("rail")]
    road = f[f["chain"] == "diesel_truck"]
    per_tkm = lambda g: g["co2e_t"].sum() * 1e6 / (g["tkm_road"].sum() + g["tkm_rail"].sum())  # noqa: E731
    assert per_tkm(rail) < 0.7 * per_tkm(road)
    assert 55 < per_tkm(road) < 70  # g CO2e per t-km, FACTS §6.2: 57-68


@pytest.mark.slow
def test_default_region_leg_intensities_match_the_sourced_ranges(default_run):
    # FACTS §6.2, g CO2e WTW per net t-km: diesel truck 57-68, BET 63-90 on the
    # North China / Hebei grid, electric rail 8-18, diesel rail 15-25.
    legs = default_run.plan.year(2022).intensity_by_leg
    diesel, bet, rail = legs["road_diesel"], legs["road_bet"], legs["rail"]
    assert 57 <= diesel.co2e_g_per_tkm <= 68
    assert 63 <= bet.co2e_g_per_tkm <= 90
    assert 8 <= rail.co2e_g_per_tkm <= 25
    assert rail.co2e_g_per_tkm * 3 < min(diesel.co2e_g_per_tkm, bet.co2e_g_per_tkm)  # several times lower
    assert abs(bet.co2e_g_per_tkm / diesel.co2e_g_per_tkm - 1) < 0.4  # BET close to diesel on this grid
    assert bet.nox_g_per_tkm == 0 and bet.pm_g_per_tkm == 0 < diesel.pm_g_per_tkm
    assert bet.co2e_ttw_g_per_tkm == 0 < rail.co2e_ttw_g_per_tkm < diesel.co2e_ttw_g_per_tkm


@pytest.mark.slow
def test_default_region_resources_within_capacity(default_run):
    r = default_run.plan.resources
    assert (r["load"] <= r["capacity"] * (1 + 1e-6) + 1).all()
    assert (r.loc[r["utilisation"] < 0.999, "shadow_price_yuan_per_unit"].abs() < 1e-6).all()


def test_free_disposal_restores_the_old_model(tiny_config):
    # coproducts.free_disposal: no co-product block in the problem, production per t shipped, unshipped t free.
    result = run(tiny_config, [*FEASIBLE, "coproducts.free_disposal=true"])
    assert result.instance.problem.coproducts is None
    b, flows = result.plan.bases, result.plan.flows
    assert (b["local_t"] == 0).all() and (b["stock_t"] == 0).all()
    assert (b["made_t"] - b["output_t"] - b["disposed_t"]).abs().max() < 1.0
    f22, b22 = flows[flows["year"] == 2022], b[b["year"] == 2022]
    parts = f22["transport_cost_yuan"].sum() + f22["production_cost_yuan"].sum() + b22["fixed_cost_yuan"].sum()
    assert result.plan.year(2022).cost_yuan == pytest.approx(parts, abs=2)
    assert result.plan.year(2022).coproduct_cost_yuan == 0


@pytest.mark.slow
def test_default_region_quarries_ship_within_what_outside_demand_leaves(default_run):
    # 112.6 Mt/yr of quarry design capacity [S6], 38 % taken outside the markets: at most 69.8 Mt/yr.
    plan = default_run.plan
    q = plan.quarries
    assert q.groupby("year")["capacity_t"].sum().to_numpy() == pytest.approx(112.6e6)
    assert (q["shipped_t"] <= q["available_t"] * (1 + 1e-6) + 1).all()
    assert (q.loc[q["utilisation"] < 0.999, "shadow_price_yuan_per_t"].abs() < 1e-6).all()
    for year in plan.years:
        k = plan.year(year)
        assert k.natural_quarry_mt <= 112.6 * (1 - 0.38) + 1e-6
        assert k.natural_mt == pytest.approx(k.natural_quarry_mt + k.natural_import_mt, abs=1e-3)
        assert k.substitution_mt + k.natural_mt + k.unmet_mt == pytest.approx(k.demand_mt, abs=1e-3)
        hauls = plan.natural_flows[plan.natural_flows["year"] == year]
        assert hauls["tonnes"].sum() / 1e6 == pytest.approx(k.natural_quarry_mt, abs=1e-3)
