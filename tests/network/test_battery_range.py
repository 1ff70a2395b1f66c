"""The battery range rule on a straight road with one swap station (property test).

Base at km 0, swap station at km s, demand node at km d, all on one road. With
range R: a direct run needs 2d <= R (no charging at the node); through the
station it needs s <= R and 2(d - s) <= R with the station between them.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import tiny_layers, write_config, write_region

from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.network.graph import build_network
from aggregates.network.routes import route_options


def _line_region(base_to_swap: float, swap_to_node: float) -> dict:
    layers = copy.deepcopy(tiny_layers())
    roads = layers["roads.geojson"]["features"]
    keep = []
    for f in roads:
        p = f["properties"]
        if p["id"] == "rd-ab":
            p["length_km"] = base_to_swap
        elif p["id"] == "rd-bc":
            p["length_km"] = swap_to_node
        elif p["id"] in ("rd-b1", "rd-d1", "rd-s1"):
            p["length_km"] = 0.1
        keep.append(f)
    layers["roads.geojson"]["features"] = keep
    return layers


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.floats(1, 200), st.floats(1, 200), st.floats(40, 300))
def test_bet_option_exists_exactly_when_the_rule_allows(tmp_path_factory, s, rest, range_km):
    tmp = tmp_path_factory.mktemp("line")
    folder = write_region(tmp / "r", _line_region(s, rest))
    scenario = load_scenario(write_config(tmp, folder), [f"trucks.bet.range_km={range_km}", "chains=[bet_truck]"])
    table = route_options(build_network(read_region(folder), scenario), list(scenario.chains)).table
    row = table[(table.base == "b-one") & (table.node == "d-city")]
    d = s + rest + 0.2  # access links of 0.1 km at both ends
    to_swap, from_swap = s + 0.2, rest + 0.2  # s-b hangs 0.1 km off r-b
    direct = 2 * d <= range_km
    via = to_swap <= range_km and 2 * from_swap <= range_km
    assert (len(row) == 1) == (direct or via)
    if len(row) and not direct:
        assert row.iloc[0].swaps_per_trip == 2
    json.dumps(list(table.columns))
