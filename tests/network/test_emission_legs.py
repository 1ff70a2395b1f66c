"""Emissions split by leg (road, rail, hub) and the documented factor table."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from tiny import write_config

from aggregates.config import Emissions, Scenario, load_scenario
from aggregates.data.reading import read_region
from aggregates.network.graph import build_network
from aggregates.network.options import COLUMNS, RouteOptions
from aggregates.network.routes import route_options

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ("Beijing", "Tianjin", "Hebei")


def _options(folder, tmp_path, overrides=()):
    scenario = load_scenario(write_config(tmp_path, folder), list(overrides))
    network = build_network(read_region(folder), scenario)
    return scenario, route_options(network, list(scenario.chains))


def _scenario(**emissions) -> Scenario:
    return Scenario(name="legs", region=Path("."), emissions=Emissions(**emissions))


def _option(kwh=None, rail_kwh=None, **values) -> RouteOptions:
    """One hand-built option; ``kwh`` and ``rail_kwh`` by province (missing provinces 0)."""
    row = dict.fromkeys(COLUMNS, 0.0)
    row.update(base="b", node="d", chain="rail_bet", transfers=0, resources=())
    row.update(values)
    row["kwh"] = {p: (kwh or {}).get(p, 0.0) for p in PROVINCES}
    row["rail_kwh"] = {p: (rail_kwh or {}).get(p, 0.0) for p in PROVINCES}
    return RouteOptions.from_rows([row], PROVINCES)


def _assert_legs_sum(options: RouteOptions, scenario: Scenario, year: int) -> None:
    for basis in ("wtw", "ttw"):
        legs = options.co2e_by_leg(scenario.emissions, year, basis)
        total = options.co2e_kg_per_t(scenario.emissions, year, basis)
        assert set(legs) == {"road", "rail", "hub"}
        assert np.abs(sum(legs.values()) - total).max() == pytest.approx(0.0, abs=1e-9)
    exhaust = options.exhaust_by_leg(scenario.rail)
    assert np.abs(exhaust["nox_road"] + exhaust["nox_rail"] - options.column("nox_g_per_t")).max() < 1e-9
    assert np.abs(exhaust["pm_road"] + exhaust["pm_rail"] - options.column("pm_g_per_t")).max() < 1e-9
    assert all((values >= -1e-9).all() for values in exhaust.values())


def test_pure_electric_rail_leg_by_hand():
    # 100 net km on electrified track in Hebei, no truck miles, no transfers:
    # 100 kWh per 10^4 gross t-km x 2 gross per net (empty wagons back) = 0.02 kWh
    # per net t-km, x 0.7252 kg/kWh (Hebei 2022) = 14.504 g CO2 per net t-km,
    # inside FACTS §6.2's 8-18 g for electric rail.
    kwh = 100 / 1e4 * 2.0 * 100
    option = _option(km_rail=100.0, kwh={"Hebei": kwh}, rail_kwh={"Hebei": kwh})
    legs = {leg: values[0] for leg, values in option.co2e_by_leg(_scenario().emissions, 2022).items()}
    assert legs["road"] == pytest.approx(0.0, abs=1e-12) and legs["hub"] == 0.0
    assert legs["rail"] * 1000 / 100 == pytest.approx(14.504)
    assert sum(values[0] for values in option.co2e_by_leg(_scenario().emissions, 2022, "ttw").values()) == 0.0


def test_hand_built_mixed_option_sums_and_splits():
    # Diesel first/last mile 20 km, a rail haul with 60 km electric (Hebei 40, Beijing 20)
    # and 30 km diesel traction, a BET-charged last mile in Beijing, two transfers.
    rail_kwh = {"Hebei": 0.8, "Beijing": 0.4, "Tianjin": 0.0}
    truck_kwh = {"Hebei": 0.0, "Beijing": 1.5, "Tianjin": 0.2}
    rail_diesel = 26 / 1e4 * 2.0 * 30
    option = _option(
        kwh={p: rail_kwh[p] + truck_kwh[p] for p in rail_kwh},
        rail_kwh=rail_kwh,
        truck_diesel_l_per_t=0.6 / 31 * 20,
        rail_diesel_kg_per_t=rail_diesel,
        transfers=2,
        nox_g_per_t=2 * 2.0 / 31 * 20 + rail_diesel * 50.0,
        pm_g_per_t=2 * 0.02 / 31 * 20 + rail_diesel * 1.5,
    )
    sc = _scenario()
    legs = {leg: values[0] for leg, values in option.co2e_by_leg(sc.emissions, 2022).items()}
    assert legs["road"] == pytest.approx(0.6 / 31 * 20 * 3.25 + 1.5 * 0.5580 + 0.2 * 0.7041)
    assert legs["rail"] == pytest.approx(rail_diesel * 3.85 + 0.8 * 0.7252 + 0.4 * 0.5580)
    assert legs["hub"] == pytest.approx(1.5)
    ttw = {leg: values[0] for leg, values in option.co2e_by_leg(sc.emissions, 2022, "ttw").items()}
    assert ttw["road"] == pytest.approx(0.6 / 31 * 20 * 2.68) and ttw["rail"] == pytest.approx(rail_diesel * 3.17)
    exhaust = {key: values[0] for key, values in option.exhaust_by_leg(sc.rail).items()}
    assert exhaust["nox_rail"] == pytest.approx(rail_diesel * 50.0)
    assert exhaust["nox_road"] == pytest.approx(2 * 2.0 / 31 * 20)
    _assert_legs_sum(option, sc, 2022)
    _assert_legs_sum(option, sc, 2021)


def _chain(options: RouteOptions, base: str, node: str, chain: str) -> RouteOptions:
    t = options.table
    return options.take(((t["base"] == base) & (t["node"] == node) & (t["chain"] == chain)).to_numpy())


def test_legs_sum_to_totals_on_the_tiny_region(tmp_path, tiny_region):
    scenario, options = _options(tiny_region, tmp_path)
    for year in (2021, 2022, 2030):
        _assert_legs_sum(options, scenario, year)
    direct = ~options.table["chain"].str.startswith("rail").to_numpy()
    assert (options.rail_kwh[direct] == 0).all()
    rail = _chain(options, "b-two", "d-city", "rail_bet")
    hebei = rail.provinces.index("Hebei")
    assert rail.rail_kwh[0, hebei] == pytest.approx(100 / 1e4 * 2.0 * 110)  # sections start in Hebei
    legs = {leg: values[0] for leg, values in rail.co2e_by_leg(scenario.emissions, 2022).items()}
    assert legs["road"] == pytest.approx((1.7 + 1.15) / 0.92 / 28 * 6 * 0.5580)  # last mile charged in Beijing
    assert legs["rail"] == pytest.approx(100 / 1e4 * 2.0 * 110 * 0.7252)
    assert legs["hub"] == pytest.approx(2 * 0.75)


def test_green_power_zeroes_electricity_of_both_legs(tmp_path, tiny_region):
    scenario, options = _options(tiny_region, tmp_path, ["emissions.green_power_share=1"])
    electric = options.take(options.table["chain"].isin(["bet_truck", "rail_bet"]).to_numpy())
    assert len(electric) > 0
    legs = electric.co2e_by_leg(scenario.emissions, 2022)
    assert (legs["road"] == 0).all()  # BET legs: electricity only
    assert (legs["rail"] == 0).all()  # the tiny rail line is all electrified
    assert (legs["hub"] == electric.column("transfers") * 0.75).all()  # handling is not traction power


def _config_value(scenario: Scenario, key: str) -> float:
    section, _, rest = key.partition(".")
    if section == "emissions" and rest.startswith("grid_kg_per_kwh."):
        _, region, year = rest.split(".")
        return scenario.emissions.grid_kg_per_kwh[region][int(year)]
    node = getattr(scenario, section)
    for part in rest.split("."):
        node = getattr(node, part)
    return float(node)


def test_factor_table_matches_config_defaults():
    with open(ROOT / "configs" / "emission_factors.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["factor", "value", "unit", "quality", "source"]
    keys = [r["factor"] for r in rows]
    assert len(keys) == len(set(keys)), "each factor once"
    sc = _scenario()
    for r in rows:
        assert r["quality"] in {"default", "modelled", "measured"}, r
        assert r["unit"].strip() and r["source"].strip(), r
        assert float(r["value"]) == pytest.approx(_config_value(sc, r["factor"]), rel=1e-12), r["factor"]
    # Every emission factor the config holds is in the table.
    grid = {f"emissions.grid_kg_per_kwh.{g}.{y}" for g, years in sc.emissions.grid_kg_per_kwh.items() for y in years}
    scalars = {f"emissions.{k}" for k in Emissions.model_fields if k not in ("grid_kg_per_kwh", "grid_basis")}
    exhaust = {f"trucks.{t}.{k}" for t in ("diesel", "bet") for k in ("nox_g_per_km", "pm_g_per_km")}
    exhaust |= {"rail.locomotive_nox_g_per_kg_fuel", "rail.locomotive_pm_g_per_kg_fuel"}
    energy = {"rail.kwh_per_10k_gross_tkm", "rail.diesel_kg_per_10k_gross_tkm", "rail.gross_per_net"}
    assert grid | scalars | exhaust | energy <= set(keys)
