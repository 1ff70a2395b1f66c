"""aggregates coverage on the tiny region: covered, partly, not covered, bad input, the CLI."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from tiny import write_config
from typer.testing import CliRunner

import aggregates as ag
from aggregates.analysis.coverage import cheapest_mix, check_coverage
from aggregates.cli.app import app
from aggregates.config import Scenario, load_scenario
from aggregates.data.reading import read_region
from aggregates.data.region import Region
from aggregates.data.sites import Site, read_sites
from aggregates.errors import InputError
from aggregates.pipeline.coverage import coverage
from aggregates.plan import Plan, SolveInfo, YearKPIs

runner = CliRunner()
FEASIBLE = "target:\n  mt_per_yr: 3\n  from_year: 2021\n"
NEAR = Site("Near d-city", 40.01, 116.42, 200_000, "sand", (2021,))  # 6.9 km from r-c
# A year's figures left at zero: the hand-made plans below need only their bases and resources tables.
MAPPINGS = ("by_chain_mt", "intensity_by_chain", "intensity_by_leg", "by_city_mt", "to_city_mt")
IDLE_YEAR = YearKPIs(**{f.name: 0 for f in fields(YearKPIs)} | {key: {} for key in MAPPINGS} | {"fleet": None})


class Inputs(NamedTuple):
    scenario: Scenario
    region: Region


def _plan(scenario: Scenario, b_one_capacity: float, b_two_capacity: float = 0.0, rs1_load: float = 0.0) -> Plan:
    """A plan of 2021 in which no base ships sand yet: room = capacity x 0.55 / 0.95 (sand share of output)."""
    bases = pd.DataFrame(
        {
            "year": 2021,
            "base": ["b-one", "b-two"],
            "capacity_t": [b_one_capacity, b_two_capacity],
            "output_sand_t": 0.0,
            "output_coarse_t": 0.0,
        }
    )
    resources = pd.DataFrame(
        {"year": 2021, "resource": ["rs-1"], "kind": ["rail_section"], "load": [rs1_load], "capacity": [0.0]}
    )
    empty = pd.DataFrame()
    solve = SolveInfo("optimal", "", 0.0, 0.0, 0.0, 0.0, 0.0)
    return Plan(scenario, solve, empty, bases, empty, resources, empty, {2021: IDLE_YEAR})


def _inputs(config) -> Inputs:
    scenario = load_scenario(config)
    return Inputs(scenario, read_region(scenario.region))


@pytest.fixture
def inputs(tmp_path, tiny_region):
    return _inputs(write_config(tmp_path, tiny_region, FEASIBLE))


def test_cheapest_mix_fills_cheap_option_first():
    # Two options sharing one base with 100 t left, the cheap one alone limited to 60 t: 60 t at 1 + 40 t at 2.
    x = cheapest_mix(np.array([1.0, 2.0]), [(np.array([0, 1]), 100.0), (np.array([0]), 60.0)], 150.0)
    assert x == pytest.approx([60.0, 40.0])


def test_covered_site(inputs):
    # b-one has 2 Mt/yr and ships no sand: 2e6 x 0.55 / 0.95 = 1,157,895 t of sand room; b-two is not built.
    report = check_coverage(inputs.scenario, inputs.region, [("site", NEAR)], plan=_plan(inputs.scenario, 2e6))
    r = report.results[0]
    assert r.covered and r.status == "covered" and r.share_covered == pytest.approx(1.0)
    assert r.snap_node == "r-c"
    # Cheapest near mix: b-one diesel truck over 1 + 100 + 8.97 km (6.9 km x 1.3 access):
    # 0.276129 x 109.97 + 0.129032 x 100 tolls = 43.27 yuan/t transport + 30 production = 73.27.
    assert list(zip(r.mix["base"], r.mix["chain"], strict=True)) == [("b-one", "diesel_truck")]
    assert r.mix_mean("delivered_cost_yuan_per_t") == pytest.approx(73.27, abs=0.01)
    assert r.options["residual_capacity_t"].max() == pytest.approx(2e6 * 0.55 / 0.95)


def test_partly_covered_by_base_and_rail_room(inputs):
    # 2 Mt/yr asked; b-one 1,157,895 t room, b-two (1 Mt) 578,947 t but only by truck: its rail option
    # (its own siding) is held to the 50,000 t left on rs-1. Near room: 1,736,842 t = 86.8 % < 90 %.
    site = Site("Big", 40.01, 116.42, 2_000_000, "sand", (2021,))
    cap = 10 * 3200 * 330  # rs-1: 10 trains/day x 3200 t x 330 days
    report = check_coverage(
        inputs.scenario, inputs.region, [("site", site)], plan=_plan(inputs.scenario, 2e6, 1e6, cap - 50_000)
    )
    r = report.results[0]
    assert r.status == "partly" and not r.covered
    assert r.share_covered == pytest.approx((2e6 + 1e6) * 0.55 / 0.95 / 2e6)
    rail = r.options[(r.options["base"] == "b-two") & (r.options["chain"] == "rail_bet")]
    assert rail["residual_capacity_t"].iloc[0] == pytest.approx(50_000)
    assert "86.8%" in r.reason or "87%" in r.reason


def test_not_covered_when_no_base_is_near(tmp_path, tiny_region):
    # Every base is >= 110 km and >= 1.8 h away; a 50 km / 0.5 h rule leaves nothing near.
    extra = FEASIBLE + "coverage_check: {within_km: 50, within_hours: 0.5}\n"
    inputs = _inputs(write_config(tmp_path, tiny_region, extra))
    r = check_coverage(inputs.scenario, inputs.region, [("site", NEAR)], plan=_plan(inputs.scenario, 2e6)).results[0]
    assert r.status == "not" and r.share_covered == 0 and len(r.mix) == 0
    assert "no base is within 50 km or 0.5 h" in r.reason


def test_invalid_site_lists_every_problem(inputs):
    bad = Site("Bad", 45.0, 116.4, -5, "gravel", (2030,))
    with pytest.raises(InputError) as exc:
        check_coverage(inputs.scenario, inputs.region, [("site 'Bad'", bad)], plan=_plan(inputs.scenario, 2e6))
    text = exc.value.message
    assert "outside the region tiny (bbox lon 115..119, lat 39..41)" in text
    assert "tonnes must be > 0" in text and "product must be one of sand, coarse, got 'gravel'" in text
    assert "years must be among [2021]" in text


def test_site_far_from_roads(inputs):
    # 115.1 E 39.1 N is about 150 km from r-c, the nearest junction; the most is 30 km.
    far = Site("Far", 39.1, 115.1, 1000, "sand", (2021,))
    with pytest.raises(InputError, match=r"km from the nearest road junction of the network \(r-c\)"):
        check_coverage(inputs.scenario, inputs.region, [("site", far)], plan=_plan(inputs.scenario, 2e6))


def test_bad_csv_row_names_row_and_field(tmp_path, inputs):
    path = tmp_path / "sites.csv"
    path.write_text("name,lat,lon,tonnes,product\nA,40.0,116.4,1000,sand\nB,forty,116.4,1000,sand\n", encoding="utf-8")
    sites = [(f"{path} row {i}", s) for i, s in read_sites(path, (2021,))]
    with pytest.raises(InputError, match=r"sites.csv row 2: lat must be a number, got 'forty'"):
        check_coverage(inputs.scenario, inputs.region, sites, plan=_plan(inputs.scenario, 2e6))


@pytest.mark.slow
def test_site_against_a_run_folder_and_a_new_solve(tmp_path, tiny_region):
    # The tiny plan runs b-one at 4 Mt/yr and sells 1.5 Mt of its 2.32 Mt of sand: 0.82 Mt of sand room.
    # 100,000 t of sand fits in that room, or in a new solve that includes the site.
    scenario = load_scenario(write_config(tmp_path, tiny_region, FEASIBLE))
    folder = ag.solve(scenario).write(tmp_path / "run", visuals=False)
    site = [("site", Site("Near", 40.01, 116.42, 100_000, "sand", (2021,)))]
    given = coverage(scenario, site, plan=folder)
    assert given.residual_source == f"the plan in {folder} (each site checked alone against it)"
    assert given.results[0].covered and given.results[0].plan_supply is None
    again = coverage(scenario, site)
    assert again.residual_source.startswith("a new optimisation of the scenario with the site(s) added")
    assert again.results[0].covered and set(again.results[0].plan_supply) >= {"solid_waste_t", "natural_t"}


def test_cli_json_one_site(tmp_path, tiny_region):
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    args = ["coverage", str(config), "--name", "Near", "--lat", "40.01", "--lon", "116.42"]
    result = runner.invoke(app, [*args, "--tonnes", "100000", "--product", "sand", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("name", "covered", "share_covered", "options", "mix", "residual_source", "plan_supply"):
        assert key in data
    assert set(data["options"][0]) >= {"base", "chain", "cost_yuan_per_t", "hours", "co2e_kg_per_t"}
    assert "residual_capacity_t" in data["options"][0]
    assert data["covered"] is True  # the tiny plan has room: 5 Mt/yr of capacity for 3.6 Mt/yr of demand


def test_cli_sites_file_writes_csv_and_map(tmp_path, tiny_region):
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "name,lat,lon,tonnes,product,years\nNear,40.01,116.42,100000,sand,2021\n"
        "West,39.95,116.30,50000,coarse,2021;2022\n",
        encoding="utf-8",
    )
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", str(config), "--sites", str(sites), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "coverage.csv")
    assert list(table["name"]) == ["Near", "West"]
    assert {"status", "share_covered", "cost_yuan_per_t", "suppliers"} <= set(table.columns)
    assert "Near" in (out / "coverage.html").read_text(encoding="utf-8")


def test_cli_bad_input_exit_2(tmp_path, tiny_region):
    config = write_config(tmp_path, tiny_region, FEASIBLE)
    result = runner.invoke(app, ["coverage", str(config), "--lat", "10", "--lon", "116.4", "--tonnes", "5"])
    assert result.exit_code == 2
    assert "--product" in result.output


def test_geojson_sites_take_lat_lon_from_their_points(tmp_path):
    # Two point features without lat/lon properties: the coordinates come from the geometry (x = lon, y = lat).
    path = tmp_path / "sites.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"name": name, "tonnes": tonnes, "product": "sand", "years": "2021;2022"},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for name, lon, lat, tonnes in (("Near", 116.42, 40.01, 1000), ("West", 116.30, 39.95, 2500))
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    sites = read_sites(path, (2021,))
    assert [(i, s.name, s.lat, s.lon, s.tonnes, s.years) for i, s in sites] == [
        (1, "Near", 40.01, 116.42, 1000.0, (2021, 2022)),
        (2, "West", 39.95, 116.30, 2500.0, (2021, 2022)),
    ]
