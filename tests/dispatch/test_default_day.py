"""The default plan's typical day end to end: solve 2022, dispatch through the command line, read the files."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli import app


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    scenario = ag.load_scenario("configs/default.yaml", overrides=["years=[2022]", "outputs.maps_dir=null"])
    folder = tmp_path_factory.mktemp("run") / "default"
    ag.solve(scenario).write(folder, visuals=False)
    return folder


@pytest.mark.slow
def test_default_typical_day_matches_the_plans_trips_and_trains(run_dir):
    args = ["dispatch", str(run_dir), "--time-limit", "0.2", "--workers", "2", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    day = json.loads(result.output)
    folder = run_dir / "dispatch-typical-2022"
    routes = pd.read_csv(folder / "routes.csv")
    comparison = pd.read_csv(folder / "comparison.csv").set_index("figure")
    assert len(routes) == day["loads"]
    trips = comparison.loc["loaded truck trips a day"]
    assert abs(trips["day"] - trips["plan"]) <= 1  # rounded honestly: the day's total is the plan's
    assert abs(comparison.loc["trains a day", "day"] - comparison.loc["trains a day", "plan"]) <= 1
    # A day's whole trucks can only be as many or more than the plan's averages allow.
    assert comparison.loc["diesel trucks working", "ratio"] >= 0.95
    # Whole trainsets, each cycling on its corridor, against the plan's fractional sizing.
    trains = pd.read_csv(folder / "trains.csv")
    assert comparison.loc["trainsets", "day"] == day["trainsets"] >= trains.groupby("corridor")["trainset"].max().sum()
    assert comparison.loc["trainsets", "ratio"] >= 0.95
    # Slots spread over the unloading yards: no train queues for hours (the earlier rule: up to 533 min).
    assert trains["wait_min"].max() < 240
    # Hauls over 200 km drive more than 4 h loaded: their drivers rest on the way.
    assert day["breaks"] == routes["breaks"].sum() > 0
    assert (routes.loc[routes["km_loaded"] > 205, "breaks"] >= 1).all()
    written = {p.name for p in folder.iterdir()}
    assert {
        "routes.csv",
        "trucks.csv",
        "trains.csv",
        "comparison.csv",
        "day.json",
        "gantt.html",
        "day_map.html",
    } <= written


@pytest.mark.slow
def test_bad_day_and_base_exit_2(run_dir):
    runner = CliRunner()
    bad_day = runner.invoke(app, ["dispatch", str(run_dir), "--day", "busy"])
    assert bad_day.exit_code == 2 and "typical, peak" in bad_day.output
    bad_base = runner.invoke(app, ["dispatch", str(run_dir), "--base", "b-nowhere"])
    assert bad_base.exit_code == 2 and "b-nowhere" in bad_base.output
