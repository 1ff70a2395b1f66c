"""The command line: output, JSON shapes, exit codes and no tracebacks."""

from __future__ import annotations

import json

import pytest
from tiny import feature, mutated, write_config, write_region
from typer.testing import CliRunner

from aggregates.cli.app import app

runner = CliRunner()


def test_validate_prints_summary(tiny_config):
    result = runner.invoke(app, ["validate", str(tiny_config), "--set", "target.mt_per_yr=3"])
    assert result.exit_code == 0, result.output
    assert "region tiny is valid" in result.output
    assert "existing capacity 2.0 Mt/yr" in result.output
    assert "pre-check passed" in result.output


def test_validate_runs_the_pre_check_of_the_target(tiny_config):
    # The tiny region's bases reach 5.0 Mt/yr at their largest levels; the default target is 100 Mt.
    result = runner.invoke(app, ["validate", str(tiny_config)])
    assert result.exit_code == 3
    assert "target 2022 of 100.0 Mt unreachable: base capacity at the largest levels 5.0 Mt/yr" in result.output


def test_network_json(tiny_config):
    result = runner.invoke(app, ["network", str(tiny_config), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "nodes",
        "edges",
        "bases",
        "demand_nodes",
        "terminals",
        "swap_stations",
        "bases_by_city",
        "demand_mt_by_city",
        "components",
    ):
        assert key in data
    assert data["edges"] == {"rail": 2, "road": 18, "transfer": 5}


def test_routes_json_by_name(tiny_config):
    result = runner.invoke(app, ["routes", str(tiny_config), "--from", "测试B-ONE", "--to", "D-City", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["chain"] for r in rows] == ["diesel_truck", "bet_truck", "rail_bet", "rail_diesel"]  # cheapest first
    first = rows[0]
    for key in ("cost_yuan_per_t", "hours", "co2e_kg_per_t", "nox_g_per_t", "pm_g_per_t", "great_circle_km"):
        assert isinstance(first[key], float)
    assert first["km"] == {"road": 102.0, "rail": 0.0}
    assert rows[2]["resources"] == ["t-load", "rs-1", "rs-2", "t-unl"]


def test_routes_explains_missing_chain(tiny_config):
    result = runner.invoke(app, ["routes", str(tiny_config), "--from", "b-one", "--to", "d-far"])
    assert result.exit_code == 0
    assert "bet_truck: no option" in result.output and "120 km" in result.output


def test_unknown_place_exit_2(tiny_config):
    result = runner.invoke(app, ["routes", str(tiny_config), "--from", "b-ome", "--to", "d-city"])
    assert result.exit_code == 2
    assert "did you mean 'b-one'" in result.output
    ambiguous = runner.invoke(app, ["routes", str(tiny_config), "--from", "b-", "--to", "d-city"])
    assert ambiguous.exit_code == 2
    assert "matches several base: b-one (B-One), b-two (B-Two)" in ambiguous.output
    assert "Traceback" not in result.output


def test_bad_region_exit_2_without_traceback(tmp_path):
    def change(layers):
        feature(layers, "terminals.geojson", "t-load")["capacity_mt_per_yr"] = 0

    folder = write_region(tmp_path / "bad", mutated(change))
    result = runner.invoke(app, ["validate", str(write_config(tmp_path, folder))])
    assert result.exit_code == 2
    assert "terminals.geojson row 't-load': capacity_mt_per_yr must be > 0, got 0" in result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)


def test_bad_override_exit_2(tiny_config):
    result = runner.invoke(app, ["network", str(tiny_config), "--set", "trucks.bet.range_km=none"])
    assert result.exit_code == 2
    assert "trucks.bet.range_km" in result.output


SWEEP_SETS = ["--set", "target.mt_per_yr=3", "--set", "target.from_year=2021"]


@pytest.mark.slow
def test_pareto_command_writes_points_and_charts(tiny_config, tmp_path):
    out = tmp_path / "front"
    args = ["pareto", str(tiny_config), "--points", "3", "--workers", "1", "--out", str(out), "--json", *SWEEP_SETS]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["year"] == 2021 and [p["kind"] for p in doc["points"]] == ["min_cost", "cap", "min_co2e"]
    assert (out / "points.csv").is_file() and (out / "charts" / "pareto.png").is_file()


@pytest.mark.slow
def test_sensitivity_and_tornado_commands(tiny_config, tmp_path):
    args = ["sensitivity", str(tiny_config), "--param", "carbon_price", "--values", "0,5000", "--workers", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "s"), *SWEEP_SETS])
    assert result.exit_code == 0, result.output
    assert "sensitivity to carbon_price" in result.stdout
    args = ["tornado", str(tiny_config), "--range", "carbon_price=0,5000", "--metric", "co2e_t", "--workers", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "t"), "--json", *SWEEP_SETS])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"][0]["param"] == "carbon_price"


def test_sweep_commands_reject_bad_input(tiny_config):
    result = runner.invoke(app, ["sensitivity", str(tiny_config), "--param", "nope", "--values", "1"])
    assert result.exit_code == 2 and "not a parameter" in result.output
    result = runner.invoke(app, ["pareto", str(tiny_config), "--points", "1"])
    assert result.exit_code == 2 and "at least 2" in result.output
