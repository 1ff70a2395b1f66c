"""``validate`` runs every check ``optimize`` runs before its solve: the same exit code and message,
and ``optimize`` fails before solving (nothing written, no solver started).

Each case breaks one thing on the tiny region that used to be found only after the solve, or only
by ``optimize``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny import write_config, write_region
from typer.testing import CliRunner

from aggregates.cli.app import app

runner = CliRunner()

BAD_BOUNDARIES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "bd-x", "name": "X", "name_zh": "X", "kind": "nowhere", "source": "test"},
            "geometry": {"type": "Point", "coordinates": [116.0, 39.0]},
        }
    ],
}

CASES = {
    # case: (config lines added, extra region files, exit code, words the message must contain)
    "boundaries of the wrong kind and geometry": (
        "",
        {"boundaries.geojson": BAD_BOUNDARIES},
        2,
        ["boundaries.geojson", "bd-x", "kind", "Point"],
    ),
    "demand.by_city names no city": ("demand:\n  by_city: {Atlantis: 2.0}\n", {}, 2, ["by_city.Atlantis"]),
    "demand.by_node names no node": ("demand:\n  by_node: {d-nowhere: 2.0}\n", {}, 2, ["by_node.d-nowhere"]),
    "outputs.year not planned": ("outputs:\n  year: 2030\n  maps_dir: null\n", {}, 2, ["outputs.year 2030"]),
    "unknown basemap": ("outputs:\n  basemap: bing\n  maps_dir: null\n", {}, 2, ["bing"]),
    "target beyond capacity": ("target:\n  mt_per_yr: 500\n  from_year: 2021\n", {}, 3, ["unreachable"]),
}


def _case(tmp_path: Path, extra: str, files: dict) -> Path:
    region = write_region(tmp_path / "region")
    for name, content in files.items():
        (region / name).write_text(json.dumps(content), encoding="utf-8")
    return write_config(tmp_path, region, extra)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_validate_finds_what_optimize_would_and_optimize_stops_before_the_solve(case, tmp_path):
    extra, files, code, words = CASES[case]
    config = _case(tmp_path, extra, files)
    checked = runner.invoke(app, ["validate", str(config)])
    assert checked.exit_code == code, checked.output
    assert all(w in checked.output for w in words), checked.output
    out = tmp_path / "run"
    solved = runner.invoke(app, ["optimize", str(config), "--out", str(out), "--verbose"])
    assert solved.exit_code == code, solved.output
    assert checked.output.splitlines()[0] == solved.output.splitlines()[-len(checked.output.splitlines())]
    assert not out.exists()


def test_a_maps_dir_that_cannot_be_written_fails_validate(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = _case(tmp_path, f"outputs:\n  maps_dir: {blocker / 'maps'}\n", {})
    checked = runner.invoke(app, ["validate", str(config)])
    assert checked.exit_code == 2 and "a-file" in checked.output, checked.output


@pytest.mark.slow
def test_a_clean_validate_means_the_solve_starts(tmp_path):
    config = _case(tmp_path, "target:\n  mt_per_yr: 3\n  from_year: 2021\n", {})
    checked = runner.invoke(app, ["validate", str(config)])
    assert checked.exit_code == 0 and "pre-check passed" in checked.output, checked.output
    solved = runner.invoke(app, ["optimize", str(config), "--out", str(tmp_path / "run"), "--json"])
    assert solved.exit_code == 0, solved.output


def test_routes_refuses_a_year_the_scenario_does_not_plan(tmp_path):
    config = _case(tmp_path, "", {})
    shown = runner.invoke(app, ["routes", str(config), "--from", "b-one", "--to", "d-city", "--year", "1800"])
    assert shown.exit_code == 2
    assert "--year 1800 is not planned" in shown.output and "2021" in shown.output
