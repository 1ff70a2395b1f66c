"""Rail as it runs: freight-only sections, the container tariff (tiny region, tests/tiny.py)."""

from __future__ import annotations

import pytest
from tiny import mutated, write_config, write_region

from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.network.graph import build_network
from aggregates.network.routes import route_options

RAIL_CHAINS = ("rail_bet", "rail_diesel")


def _with_shortcut(freight: bool):
    """The tiny region plus rs-3, a direct st-l - st-u section of 80 km (the line is 110 km)."""

    def change(layers):
        features = layers["rail_segments.geojson"]["features"]
        shortcut = {**features[0], "properties": dict(features[0]["properties"])}
        shortcut["geometry"] = {"type": "LineString", "coordinates": [[117.61, 40.00], [116.45, 40.00]]}
        shortcut["properties"].update(
            id="rs-3", from_station="st-l", to_station="st-u", km_from=0.0, km_to=80.0, length_km=80.0, freight=freight
        )
        features.append(shortcut)

    return mutated(change)


def _network_and_options(tmp_path, layers, overrides=()):
    folder = write_region(tmp_path / "region", layers)
    scenario = load_scenario(write_config(tmp_path, folder), list(overrides))
    network = build_network(read_region(folder), scenario)
    return network, route_options(network, list(scenario.chains)).table


def test_passenger_only_section_is_never_on_a_route(tmp_path):
    network, table = _network_and_options(tmp_path, _with_shortcut(freight=False))
    rail = table[table["chain"].isin(RAIL_CHAINS)]
    assert len(rail) > 0
    assert not any("rs-3" in items for items in table["resources"])
    assert (rail["km_rail"] == 110).all()  # round the 80 km shortcut, over rs-1 and rs-2
    assert "rs-3" in set(network.region.rail_segments["id"])  # kept in the region (and on the map)
    assert "rs-3" not in set(network.links["ref"])  # but not in the graph freight is routed on


def test_the_same_section_open_to_freight_is_used(tmp_path):
    # The control: the shortcut is taken as soon as freight may run on it.
    _, table = _network_and_options(tmp_path, _with_shortcut(freight=True))
    rail = table[table["chain"].isin(RAIL_CHAINS)]
    assert all(items[1:-1] == ("rs-3",) for items in rail["resources"])
    assert (rail["km_rail"] == 80).all()


def test_container_tariff_by_hand(tmp_path, tiny_region):
    # Default basis: 20 ft box 440 yuan + 3.185 yuan/box-km, 3,200 t / 100 boxes = 32 t a box,
    # the empty box back at 40 % of that: per tonne 440 x 1.4 / 32 = 19.25 once and
    # 3.185 x 1.4 / 32 = 0.13934375 a km, + 0.012 electrification a km, over 110 km:
    # 19.25 + 0.15134375 x 110 = 35.8978125. One lift of 150 yuan a box at each yard: 2 x 150 / 32 = 9.375.
    # First mile (3 km) and last mile (6 km) cost the 12 yuan minimum each.
    _, table = _network_and_options(tmp_path, None)
    row = table.set_index(["base", "node", "chain"]).loc[("b-one", "d-city", "rail_diesel")]
    assert row.cost_yuan_per_t == pytest.approx(12 + 35.8978125 + 9.375 + 12)
    assert row.km_rail == 110


def test_lift_fee_null_keeps_the_terminals_handling(tmp_path, tiny_region):
    # Without a lift fee the yards' own 5 + 4 yuan/t apply, with the container line haul.
    _, table = _network_and_options(tmp_path, None, ["rail.container.lift_fee_yuan_per_box=null"])
    row = table.set_index(["base", "node", "chain"]).loc[("b-one", "d-city", "rail_diesel")]
    assert row.cost_yuan_per_t == pytest.approx(12 + 35.8978125 + 5 + 4 + 12)
