"""Scenario configs: defaults, overrides, inheritance and clear errors."""

from __future__ import annotations

import pytest

from aggregates.config import load_scenario
from aggregates.errors import ConfigError


def test_defaults_fill_what_the_file_omits(tiny_config):
    sc = load_scenario(tiny_config)
    assert sc.name == "tiny"
    assert sc.years == [2021, 2022]
    assert sc.trucks.bet.range_km == 120
    assert sc.rail.tariff.base2_yuan_per_tkm == pytest.approx(0.086)
    assert sc.chains == ["diesel_truck", "bet_truck", "rail_bet", "rail_diesel"]


def test_set_overrides_are_typed_and_validated(tiny_config):
    sc = load_scenario(tiny_config, ["trucks.bet.range_km=150", "years=[2022, 2023]", "rail.tariff_class=4"])
    assert sc.trucks.bet.range_km == 150.0
    assert sc.years == [2022, 2023]
    assert sc.rail.tariff.base1_yuan_per_t == pytest.approx(16.3)
    with pytest.raises(ConfigError, match="trucks.bet.range_km: Input should be greater than 0, got -1"):
        load_scenario(tiny_config, ["trucks.bet.range_km=-1"])
    with pytest.raises(ConfigError, match="expected key.path=value"):
        load_scenario(tiny_config, ["trucks.bet.range_km"])


def test_unknown_keys_and_bad_values_are_all_reported(tiny_config):
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_config, ["trucks.bet.rang_km=100", "chains=[ship]", "rail.tariff_class=9"])
    msg = info.value.message
    assert str(tiny_config) in msg
    assert "trucks.bet.rang_km: unknown key" in msg
    assert "chains.0: Input should be" in msg
    assert "tariff_class '9' is not in tariffs" in msg


def test_extends_merges_parent_and_resolves_region(tmp_path, tiny_config):
    child = tmp_path / "sub" / "child.yaml"
    child.parent.mkdir()
    child.write_text(f"extends: ../{tiny_config.name}\ntrucks:\n  bet:\n    range_km: 200\n", encoding="utf-8")
    sc = load_scenario(child)
    assert sc.name == "child"
    assert sc.trucks.bet.range_km == 200
    assert sc.trucks.bet.payload_t == 28  # sibling keys of the parent survive the merge
    assert sc.years == [2021, 2022]


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_scenario(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenario(bad)
    bad.write_text("years: [2021]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing key 'region'"):
        load_scenario(bad)
    bad.write_text("region: nowhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="folder not found"):
        load_scenario(bad)


def test_grid_factor_by_province_year_and_basis(tiny_config):
    sc = load_scenario(tiny_config)
    assert sc.emissions.grid_factor("Hebei", 2021) == pytest.approx(0.7901)
    assert sc.emissions.grid_factor("Hebei", 2025) == pytest.approx(0.7252)  # latest published year
    assert sc.emissions.grid_factor("Beijing", 2019) == pytest.approx(0.5688)  # earliest
    regional = load_scenario(tiny_config, ["emissions.grid_basis=regional", "emissions.green_power_share=0.5"])
    assert regional.emissions.grid_factor("Beijing", 2022) == pytest.approx(0.6776 * 0.5)
