"""A scenario must fit its region; every misfit is reported at once, before anything is built."""

from __future__ import annotations

import pytest
from tiny import mutated, write_config, write_region

import aggregates as ag
from aggregates.errors import ConfigError, RegionError
from aggregates.pipeline import check_fit


def _scenario(tmp_path, region, extra: str) -> ag.Scenario:
    return ag.load_scenario(write_config(tmp_path, region, extra))


def test_every_unknown_key_is_listed(tmp_path, tiny_region):
    extra = (
        "demand:\n  by_city: {Shanghai: 2}\n  by_node: {d-nowhere: 2}\n"
        "policies:\n  zero_emission_zones: [beijing_6th_ring]\n"
        "outputs:\n  year: 2030\n"
    )
    scenario = _scenario(tmp_path, tiny_region, extra)
    with pytest.raises(ConfigError) as caught:
        check_fit(scenario, ag.read_region(tiny_region))
    message = caught.value.message
    assert "3 problem(s)" in message
    assert "by_city.Shanghai, by_node.d-nowhere match no demand node" in message
    assert "'beijing_6th_ring' is not a zone of the region; use one of beijing_5th_ring, diesel_restricted" in message
    assert "outputs.year 2030 is not planned" in message


def test_a_year_without_demand_is_a_region_error(tmp_path, tiny_region):
    scenario = _scenario(tmp_path, tiny_region, "").with_values({"years": [2021, 2030]})
    with pytest.raises(RegionError, match=r"no demand for year\(s\) \[2030\]"):
        ag.solve(scenario)


def test_declared_zones_nest(tmp_path):
    def declare(layers):
        layers["region.yaml"] += "zones:\n  beijing_6th_ring: [beijing_5th_ring]\n  beijing_5th_ring: []\n"

    region = ag.read_region(write_region(tmp_path / "zoned", mutated(declare)))
    assert region.policy_zones() == ("beijing_6th_ring", "beijing_5th_ring", "diesel_restricted")
    assert region.zone_nodes("beijing_6th_ring") == {"d-city"}  # d-city is in the 5th ring, inside the 6th
    assert region.zone_nodes("diesel_restricted") == {"d-city"}


def test_a_zone_value_outside_the_declared_zones_is_a_region_error(tmp_path):
    def declare(layers):
        layers["region.yaml"] += "zones:\n  xiongan: []\n"

    with pytest.raises(RegionError, match=r"zone must be one of none, xiongan \(region.yaml zones\)"):
        ag.read_region(write_region(tmp_path / "zoned", mutated(declare)))
