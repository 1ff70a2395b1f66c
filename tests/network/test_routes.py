"""Route options on the tiny region, worked out by hand (see tests/tiny.py)."""

from __future__ import annotations

import copy

import pytest
from tiny import feature, mutated, write_config, write_region

from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.network.graph import build_network
from aggregates.network.routes import route_options

DIESEL_KM = (0.35 + 0.25) * 7.6 / 31 + 4.0 / 31  # yuan per t per loaded km, return included
DIESEL_TOLL = 4.0 / 31
BET_KM = ((1.7 + 1.15) / 0.92 * 1.0 + 4.0) / 28
BET_TOLL = 4.0 / 28


def _routes(folder, tmp_path, overrides=()):
    scenario = load_scenario(write_config(tmp_path, folder), list(overrides))
    network = build_network(read_region(folder), scenario)
    return scenario, network, route_options(network, list(scenario.chains))


def _options(folder, tmp_path, overrides=()):
    _, network, options = _routes(folder, tmp_path, overrides)
    return network, options.table.set_index(["base", "node", "chain"])


@pytest.fixture
def tiny(tmp_path, tiny_region):
    return _options(tiny_region, tmp_path)


def test_network_summary(tiny):
    network, _ = tiny
    s = network.summary(2021)
    # 9 road links in each of 2 truck layers; 2 rail sections; load x2 trucks,
    # unload x2 trucks and 1 swap link.
    assert s["edges"] == {"rail": 2, "road": 18, "transfer": 5}
    assert s["components"] == 1
    assert s["demand_mt_by_city"] == {"Beijing": 3.5}
    assert s["bases_by_city"] == {"Tangshan": 2}


def test_direct_diesel_by_hand(tiny):
    _, t = tiny
    row = t.loc[("b-one", "d-city", "diesel_truck")]
    # 1 + 1 km access at the untolled rate, 100 km expressway with tolls
    assert row.cost_yuan_per_t == pytest.approx(2 * DIESEL_KM + 100 * (DIESEL_KM + DIESEL_TOLL))
    assert row.cost_yuan_per_t == pytest.approx(41.068, abs=1e-3)
    assert row.km_road == pytest.approx(102)
    assert row.hours == pytest.approx(2 / 30 + 100 / 65)
    assert row.truck_diesel_l_per_t == pytest.approx(0.60 / 31 * 102)
    assert row.restricted  # d-city lies inside the 5th ring
    assert not t.loc[("b-one", "d-far", "diesel_truck")].restricted


def test_battery_truck_must_swap_on_the_way(tmp_path, tiny_region):
    _, _, options = _routes(tiny_region, tmp_path)
    pair = options.between("b-one", "d-city")
    t = pair.table.set_index(["base", "node", "chain"])
    row = t.loc[("b-one", "d-city", "bet_truck")]
    # 102 km there and back is beyond 120 km, so the truck swaps at s-b:
    # b-one -> s-b 51.5 km (<= 120), s-b -> d-city 51.5 km (<= 60, there and back).
    hop = 1.5 * BET_KM + 50 * (BET_KM + BET_TOLL)
    assert row.cost_yuan_per_t == pytest.approx(2 * hop + 2 * 80 / 28)
    assert row.km_road == pytest.approx(103)
    assert row.swaps_per_trip == 2
    assert row.resources == ("s-b",)
    assert row.hours == pytest.approx(3 / 30 + 100 / 65 + 6 / 60)
    kwh = (1.7 + 1.15) / 0.92 / 28 * 103
    bet = pair.table.index[pair.table["chain"] == "bet_truck"][0]
    by_province = dict(zip(pair.provinces, pair.kwh[bet], strict=True))
    assert by_province == pytest.approx({"Beijing": 0.0, "Hebei": kwh})  # charged at b-one and s-b, both in Hebei


def test_battery_truck_beyond_range_has_no_option(tiny):
    _, t = tiny
    # s-b -> d-far is 70.5 km: more than half of 120 km, and no station nearer.
    assert ("b-one", "d-far", "bet_truck") not in t.index
    assert ("b-one", "d-far", "rail_bet") in t.index  # the yard charges: 25 km last mile is fine


def test_longer_range_goes_direct(tmp_path, tiny_region):
    _, t = _options(tiny_region, tmp_path, ["trucks.bet.range_km=250"])
    row = t.loc[("b-one", "d-city", "bet_truck")]
    assert row.swaps_per_trip == 0
    assert row.cost_yuan_per_t == pytest.approx(2 * BET_KM + 100 * (BET_KM + BET_TOLL))
    assert ("b-one", "d-far", "bet_truck") in t.index  # 121 km <= 125


def test_rail_chain_by_hand(tmp_path, tiny_region):
    # The wagon-load (整车) basis: class 2 per tonne and the terminals' own handling (the old cost).
    _, t = _options(tiny_region, tmp_path, ["rail.tariff_basis=wagon_load"])
    row = t.loc[("b-one", "d-city", "rail_diesel")]
    tariff = 9.5 + (0.086 + 0.012) * 110
    # first mile 3 km and last mile 6 km both cost less than the 12 yuan minimum charge
    assert row.cost_yuan_per_t == pytest.approx(12 + tariff + 5 + 4 + 12)
    assert row.km_rail == 110 and row.km_road == 9
    assert row.resources == ("t-load", "rs-1", "rs-2", "t-unl")
    assert row.hours == pytest.approx(3 / 30 + 6 + 110 / 35 + 4 + 6 / 30)
    # b-two has its own siding: no first-mile leg at all
    siding = t.loc[("b-two", "d-city", "rail_diesel")]
    assert siding.cost_yuan_per_t == pytest.approx(tariff + 5 + 4 + 12)
    assert siding.km_road == 6


def _chain(options, base: str, node: str, chain: str):
    pair = options.between(base, node)
    return pair.take((pair.table["chain"] == chain).to_numpy())


def test_co2e_by_year_and_basis(tmp_path, tiny_region):
    scenario, _, options = _routes(tiny_region, tmp_path)
    diesel = _chain(options, "b-one", "d-city", "diesel_truck")
    wtw = diesel.co2e_kg_per_t(scenario.emissions, 2022)[0]
    ttw = diesel.co2e_kg_per_t(scenario.emissions, 2022, basis="ttw")[0]
    assert wtw == pytest.approx(0.60 / 31 * 102 * 3.25)
    assert ttw == pytest.approx(0.60 / 31 * 102 * 2.68)
    rail = _chain(options, "b-two", "d-city", "rail_bet")
    kwh_rail = 100 / 1e4 * 2.0 * 110  # all sections start in Hebei
    kwh_truck = (1.7 + 1.15) / 0.92 / 28 * 6  # last mile charged at t-unl, Beijing
    expected = kwh_rail * 0.7252 + kwh_truck * 0.5580 + 2 * 0.75
    assert rail.co2e_kg_per_t(scenario.emissions, 2023)[0] == pytest.approx(expected)


def test_first_mile_limit_spares_the_designated_station(tmp_path):
    # Push t-load 70 km from b-one (35 + 35) and give b-one a second, designated
    # loading station t-mid on st-m, 51.5 km away (1 + 50 + 0.5).
    def change(layers):
        for name in ("rd-b1", "rd-t1"):
            feature(layers, "roads.geojson", name)["length_km"] = 35.0
        feature(layers, "bases.geojson", "b-one")["loading_terminal"] = "t-mid"
        mid = copy.deepcopy(layers["terminals.geojson"]["features"][0])
        mid["properties"].update(id="t-mid", station="st-m", name_en="Mid", name_zh="中")
        mid["geometry"]["coordinates"] = [117.0, 40.04]
        layers["terminals.geojson"]["features"].append(mid)
        access = copy.deepcopy(feature(layers, "roads.geojson", "rd-s1"))
        access.update(id="rd-t3", from_node="t-mid")
        road = copy.deepcopy(layers["roads.geojson"]["features"][0])
        road["properties"] = access
        layers["roads.geojson"]["features"].append(road)

    folder = write_region(tmp_path / "far", mutated(change))
    _, t = _options(folder, tmp_path, ["rail.max_first_mile_km=60"])
    assert t.loc[("b-one", "d-city", "rail_diesel")].loading_terminal == "t-mid"  # t-load is 70 km > 60
    _, t = _options(folder, tmp_path, ["rail.max_first_mile_km=10"])
    assert t.loc[("b-one", "d-city", "rail_diesel")].loading_terminal == "t-mid"  # designated: always allowed


def test_only_enabled_chains(tmp_path, tiny_region):
    _, t = _options(tiny_region, tmp_path, ["chains=[rail_bet]"])
    assert set(t.index.get_level_values("chain")) == {"rail_bet"}
