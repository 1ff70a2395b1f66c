"""``aggregates dispatch --lang``: the day's drawings in the language asked for, on the tiny region's plan."""

from __future__ import annotations

import json

import pytest
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli import app


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny plan (3 Mt from 2021, by diesel truck from b-one) solved and written without drawings."""
    folder = tmp_path_factory.mktemp("tiny-day")
    region = write_region(folder / "region")
    scenario = ag.load_scenario(write_config(folder, region, "target:\n  mt_per_yr: 3\n  from_year: 2021\n"))
    ag.solve(scenario).write(folder / "run", visuals=False)
    return folder / "run"


@pytest.mark.slow  # a tiny plan solved and a day routed and drawn twice: ~6 s
def test_dispatch_draws_in_the_language_asked_for_and_refuses_others(tiny_run, tmp_path):
    runner = CliRunner()
    args = ["dispatch", str(tiny_run), "--time-limit", "0.3", "--workers", "1", "--json"]
    english = runner.invoke(app, [*args, "--lang", "en", "--out", str(tmp_path / "en")])
    assert english.exit_code == 0, english.output
    assert json.loads(english.output)["loads"] == 323  # 322.6 loads a typical day, rounded
    day_map = (tmp_path / "en" / "day_map.html").read_text("utf-8")
    assert "Map of the day: tiny" in day_map and "调度日地图" not in day_map
    assert "Gantt chart of the day" in (tmp_path / "en" / "gantt.html").read_text("utf-8")
    chinese = runner.invoke(app, [*args, "--out", str(tmp_path / "zh")])  # the scenario's outputs.lang: zh
    assert chinese.exit_code == 0, chinese.output
    assert "调度日地图" in (tmp_path / "zh" / "day_map.html").read_text("utf-8")
    bad = runner.invoke(app, [*args, "--lang", "fr", "--out", str(tmp_path / "fr")])
    assert bad.exit_code == 2 and "--lang fr" in bad.output and "zh, en" in bad.output
    assert not (tmp_path / "fr").exists()
