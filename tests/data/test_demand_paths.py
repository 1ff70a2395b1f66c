"""Demand paths: a region's demand_years.csv carries low / central / high rows; ``demand.path`` picks one."""

from __future__ import annotations

import json
import typing
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import mutated, write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli.app import app
from aggregates.config.planning import DemandScale
from aggregates.errors import ConfigError, RegionError
from aggregates.pipeline.cache import InputCache
from aggregates.vocab import DEFAULT_DEMAND_PATH, DEMAND_PATHS

DEFAULT_REGION = Path(__file__).resolve().parents[2] / "geodata" / "jingjinji"
# The tiny region's d-city demand per path (sand, coarse); d-far keeps one row for every path.
CITY = {"low": (0.5, 1.0), "central": (1.0, 1.5), "high": (1.2, 2.0)}


def _with_paths(layers: dict) -> None:
    rows = []
    for row in layers["demand_years.csv"]:
        if row["node_id"] != "d-city":
            rows.append({**row, "path": ""})
            continue
        for path, amounts in CITY.items():
            rows.append({**row, "demand_mt": amounts[0 if row["product"] == "sand" else 1], "path": path})
    layers["demand_years.csv"] = rows


def _demand(tmp_path, region: Path, *overrides: str, cache: InputCache | None = None) -> np.ndarray:
    scenario = ag.load_scenario(write_config(tmp_path, region), ["target.mt_per_yr=0", *overrides])
    return ag.prepare(scenario, cache=cache).instance.problem.demand


def test_the_default_path_is_central_and_the_literal_lists_every_path():
    assert DemandScale().path == DEFAULT_DEMAND_PATH == "central"
    assert typing.get_args(DemandScale.model_fields["path"].annotation) == DEMAND_PATHS


def test_the_scenario_selects_a_path_and_rows_for_every_path_stay(tmp_path):
    region, cache = write_region(tmp_path / "paths", mutated(_with_paths)), InputCache()
    # nodes in id order: d-city, d-far; products sand, coarse; two years with the same demand
    for path, (sand, coarse) in CITY.items():
        demand = _demand(tmp_path, region, f"demand.path={path}", cache=cache)
        np.testing.assert_allclose(demand[:, :, 0], [[sand, coarse], [0.5, 0.5]])
        np.testing.assert_allclose(demand[:, :, 1], demand[:, :, 0])
    # central is the default; the demand factor still scales the chosen path
    np.testing.assert_allclose(_demand(tmp_path, region, cache=cache)[0, :, 0], CITY["central"])
    doubled = _demand(tmp_path, region, "demand.path=high", "demand.factor=2", cache=cache)
    np.testing.assert_allclose(doubled[0, :, 0], (2.4, 4.0))


def test_a_region_without_paths_has_one_demand_for_every_path(tmp_path, tiny_region):
    # d-city 1.0 sand and 1.5 coarse, d-far 0.5 and 0.5 (tests/tiny.py), whatever the path
    assert ag.read_region(tiny_region).demand_paths() == ()
    cache = InputCache()
    for path in DEMAND_PATHS:
        demand = _demand(tmp_path, tiny_region, f"demand.path={path}", cache=cache)
        np.testing.assert_allclose(demand[:, :, 0], [[1, 1.5], [0.5, 0.5]])
    assert len(cache) == 1  # one network: the paths of a region without paths are the region itself


def test_a_bad_path_name_is_a_config_error_naming_the_key_and_the_choices(tiny_config):
    with pytest.raises(ConfigError) as caught:
        ag.load_scenario(tiny_config, ["demand.path=medium"])
    message = caught.value.message
    assert "demand.path" in message
    assert all(f"'{p}'" in message for p in DEMAND_PATHS)


def test_a_path_the_region_lacks_is_a_config_error(tmp_path):
    def low_and_high_only(layers):
        _with_paths(layers)
        layers["demand_years.csv"] = [r for r in layers["demand_years.csv"] if r["path"] != "central"]

    region = write_region(tmp_path / "paths", mutated(low_and_high_only))
    with pytest.raises(ConfigError, match=r"demand.path 'central' is not a demand path .* paths low, high"):
        _demand(tmp_path, region)


def test_a_row_for_every_path_beside_per_path_rows_is_a_region_error(tmp_path):
    def doubled(layers):
        _with_paths(layers)
        layers["demand_years.csv"].append({**layers["demand_years.csv"][0], "path": ""})

    with pytest.raises(RegionError, match="has a row for every path and one for path low"):
        ag.read_region(write_region(tmp_path / "paths", mutated(doubled)))


def test_default_region_paths_are_ordered_low_central_high_for_every_node_and_year():
    table = pd.read_csv(DEFAULT_REGION / "demand_years.csv")
    assert tuple(table["path"].drop_duplicates()) == DEMAND_PATHS
    wide = table.pivot_table(index=["node_id", "year", "product"], columns="path", values="demand_mt")
    assert not wide.isna().any().any()  # every cell has all three paths
    # the largest-remainder rounding to 0.001 Mt may break a tie by one unit
    assert (wide["low"] <= wide["central"] + 1e-3).all()
    assert (wide["central"] <= wide["high"] + 1e-3).all()


def test_default_region_central_path_declines_and_stays_inside_the_published_range():
    table = pd.read_csv(DEFAULT_REGION / "demand_years.csv")
    nodes = pd.read_csv(DEFAULT_REGION / "sources" / "demand_nodes.csv")[["id", "city"]]
    by = table.merge(nodes, left_on="node_id", right_on="id").groupby(["path", "city", "year"])["demand_mt"].sum()
    bj_tj = by.loc[:, ["Beijing", "Tianjin"], :].groupby(["path", "year"]).sum()
    assert bj_tj[("high", 2024)] == pytest.approx(210, abs=0.01)  # 120 + 90 [S8]
    assert bj_tj[("low", 2025)] == pytest.approx(100, abs=0.01)  # "approaching 100 Mt" [S9]
    assert bj_tj[("central", 2025)] == pytest.approx(155, abs=0.1)  # the middle of 100-210
    central = [bj_tj[("central", y)] for y in range(2021, 2026)]
    assert central == sorted(central, reverse=True)  # national cement output fell 2021-2025


@pytest.fixture(scope="module")
def tiny_read(tmp_path_factory) -> ag.Region:
    return ag.read_region(write_region(tmp_path_factory.mktemp("tiny")))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.sampled_from(("", *DEMAND_PATHS))), min_size=1, max_size=12),
    st.sampled_from(DEMAND_PATHS),
)
def test_a_path_keeps_its_rows_and_those_for_every_path(tiny_read, rows, path):
    table = pd.DataFrame(
        {
            "node_id": [f"d-{n}" for n, _ in rows],
            "year": 2021,
            "product": "sand",
            "demand_mt": 1.0,
            "path": [p or None for _, p in rows],
        }
    )
    kept = replace(tiny_read, demand_years=table).for_demand_path(path).demand_years
    assert len(kept) == sum(p in ("", path) for _, p in rows)
    assert set(kept["path"].dropna()) <= {path}


def test_the_network_summary_counts_the_chosen_path_only(tmp_path):
    region = write_region(tmp_path / "paths", mutated(_with_paths))
    config = write_config(tmp_path, region)
    for path, (sand, coarse) in CITY.items():
        result = CliRunner().invoke(app, ["network", str(config), "--json", "--set", f"demand.path={path}"])
        assert result.exit_code == 0, result.output
        # d-city (the path's demand) and d-far (0.5 + 0.5, every path) are both Beijing nodes
        assert json.loads(result.output)["demand_mt_by_city"] == {"Beijing": pytest.approx(sand + coarse + 1.0)}
