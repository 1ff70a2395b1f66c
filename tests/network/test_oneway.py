"""One-way road links: a directed link graph, round trips out and back, and the ``oneway`` column."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import feature, mutated, write_config, write_region

from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.data.workbook import write_csv_folder
from aggregates.errors import InputError
from aggregates.network.graph import build_network, road_directions
from aggregates.network.legs import bet_leg, diesel_leg
from aggregates.network.paths import LinkGraph, path_sums, round_trip_sums, shortest_trees, target_sums
from aggregates.pipeline import with_osm_roads

PBF = Path(__file__).resolve().parents[1] / "fixtures" / "osm" / "fixture.osm.pbf"

# A square of four nodes, each side 1 km, plus a long 10 km bypass from 0 to 2:
#
#     0 ---- 1
#     |      |
#     3 ---- 2      bypass 0 - 2 (10 km)
#
# Link:   0-1  1-2  2-3  3-0  0-2
SQUARE_U = [0, 1, 2, 3, 0]
SQUARE_V = [1, 2, 3, 0, 2]
SQUARE_KM = [1.0, 1.0, 1.0, 1.0, 10.0]
SQUARE_HOURS = [0.1, 0.1, 0.1, 0.1, 0.2]


def square(oneway=None) -> LinkGraph:
    return LinkGraph.build(4, SQUARE_U, SQUARE_V, SQUARE_KM, {"km": SQUARE_KM, "hours": SQUARE_HOURS}, oneway)


def test_one_way_street_forces_a_detour():
    # One-way: 0->1 only, 2->1 only (link 1-2 is -1), 0->3 only (link 3-0 is -1); 2-3 and the
    # bypass 0-2 both ways. Out from 0 to 2: 0->1->2 is barred at 1, so 0->3->2, 2 km. Back from 2
    # to 0: 2->3->0 is barred at 3 and 2->1->0 at 1, so the 10 km bypass. The round trip is their
    # mean, 6 km. Node 1 has no way out (both its links lead into it): nothing comes back from it.
    graph = square(oneway=[1, -1, 0, -1, 0])  # 0->1, 2->1, 2-3 both, 0->3, 0-2 both
    table = target_sums(graph, [0], [2, 1])
    assert table.dist[0].tolist() == [2.0, 1.0]  # 0->3->2; 0->1
    back = target_sums(graph.reversed(), [0], [2, 1])
    # 2 to 0: 2->3 then 3->0 barred (0->3 only), 2->1 then 1->0 barred: the bypass, 10 km.
    # 1 to 0: 1 has no way out at all (0->1 and 2->1 both end there): unreachable.
    assert back.dist[0, 0] == 10.0
    assert back.dist[0, 1] == np.inf
    trip = round_trip_sums(graph, [0], [2, 1])
    assert trip.dist[0, 0] == 6.0  # (2 + 10) / 2
    assert trip.sums["km"][0, 0] == 6.0
    assert trip.sums["hours"][0, 0] == pytest.approx((0.2 + 0.2) / 2)
    assert trip.longer["km"][0, 0] == 10.0
    assert trip.dist[0, 1] == np.inf and np.isnan(trip.sums["km"][0, 1])


def test_without_one_way_links_the_graph_is_the_undirected_one():
    plain = square()
    for oneway in (None, [0, 0, 0, 0, 0]):
        graph = square(oneway)
        assert not graph.directed
        for field in ("u", "v", "weight", "link_index"):
            assert np.array_equal(getattr(graph, field), getattr(plain, field))
        table = round_trip_sums(graph, [0, 1, 3], [2, 0, 3])
        again = target_sums(plain, [0, 1, 3], [2, 0, 3])
        assert np.array_equal(table.dist, again.dist)
        for attr in ("km", "hours"):
            assert np.array_equal(table.sums[attr], again.sums[attr])
            assert np.array_equal(table.longer[attr], again.sums[attr])


def test_parallel_one_way_links_each_keep_their_direction():
    # Two one-way links between 0 and 1, one each way (a dual carriageway), and a slower two-way one.
    graph = LinkGraph.build(2, [0, 1, 0], [1, 0, 1], [3.0, 5.0, 7.0], {"km": [3.0, 5.0, 7.0]}, [1, 1, 0])
    assert graph.directed
    assert target_sums(graph, [0, 1], [1, 0], ("km",)).dist.tolist() == [[3.0, 0.0], [0.0, 5.0]]
    assert sorted(graph.link_index.tolist()) == [0, 1]  # the two-way link is never the cheapest


def test_road_directions_reads_the_column_or_defaults_to_both_ways():
    assert road_directions(pd.DataFrame({"id": ["a", "b"]})).tolist() == [0, 0]
    assert road_directions(pd.DataFrame({"oneway": [1, None, -1]}, dtype=object)).tolist() == [1, 0, -1]


@st.composite
def directed_unique_path_graphs(draw):
    """A small graph of two-way and one-way links whose weights are distinct powers of two: every
    path has its own cost, so each cheapest path is unique and its cost exact."""
    n = draw(st.integers(2, 8))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=18))
    pairs = [(a, b) for a, b in dict.fromkeys(pairs) if a != b] or [(0, 1)]
    oneway = draw(st.lists(st.sampled_from([0, 1, -1]), min_size=len(pairs), max_size=len(pairs)))
    exponents = draw(st.permutations(range(len(pairs))))
    km = draw(st.lists(st.floats(0.1, 500), min_size=len(pairs), max_size=len(pairs)))
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    targets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5))
    return n, pairs, oneway, [2.0**e for e in exponents], km, sources, targets


def _digraph(n, pairs, oneway, weight, km) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for (a, b), way, w, k in zip(pairs, oneway, weight, km, strict=True):
        for tail, head in [(a, b)] * (way >= 0) + [(b, a)] * (way <= 0):
            if not g.has_edge(tail, head) or g[tail][head]["w"] > w:
                g.add_edge(tail, head, w=w, km=k)
    return g


@settings(max_examples=20, deadline=None)
@given(directed_unique_path_graphs())
def test_directed_target_sums_match_networkx(data):
    n, pairs, oneway, weight, km, sources, targets = data
    u, v = (np.array(col) for col in zip(*pairs, strict=True))
    graph = LinkGraph.build(n, u, v, weight, {"km": km}, oneway)
    table = target_sums(graph, sources, targets, ("km",))
    trip = round_trip_sums(graph, sources, targets, ("km",))
    trees = shortest_trees(graph, sources)
    full = path_sums(graph, trees, "km")
    g = _digraph(n, pairs, oneway, weight, km)

    def way(s, t):
        if not nx.has_path(g, s, t):
            return np.inf, np.nan
        cost, path = nx.single_source_dijkstra(g, s, t, weight="w")
        return cost, sum(g[a][b]["km"] for a, b in itertools.pairwise(path))

    for (i, s), (j, t) in itertools.product(enumerate(sources), enumerate(targets)):
        (cost, along), (cost_back, along_back) = way(s, t), way(t, s)
        assert table.dist[i, j] == cost == trees.dist[i, t]  # sums of distinct powers of two are exact
        assert table.sums["km"][i, j] == pytest.approx(along, rel=1e-12, abs=1e-12, nan_ok=True)
        assert np.array_equal(table.sums["km"][i, j], full[i, t], equal_nan=True)
        assert trip.dist[i, j] == (cost + cost_back) / 2
        assert trip.sums["km"][i, j] == pytest.approx((along + along_back) / 2, rel=1e-12, abs=1e-12, nan_ok=True)
        assert trip.longer["km"][i, j] == pytest.approx(np.maximum(along, along_back), rel=1e-12, nan_ok=True)


def _tiny_with(tmp_path: Path, bypass: bool = False, **oneway) -> Path:
    """The tiny region with ``oneway`` set on some roads (by id, ``_`` for ``-``); with ``bypass`` a
    200 km road from r-c back to r-a, one-way that way."""

    def change(layers):
        for road, way in oneway.items():
            feature(layers, "roads.geojson", road.replace("_", "-"))["oneway"] = way
        if bypass:
            props = {**feature(layers, "roads.geojson", "rd-ab"), "id": "rd-ca", "road": "S1", "from_node": "r-c"}
            props |= {"to_node": "r-a", "kind": "provincial", "length_km": 200.0, "toll": False, "oneway": 1}
            line = {"type": "LineString", "coordinates": [[116.50, 40.00], [116.50, 40.50], [117.60, 40.00]]}
            layers["roads.geojson"]["features"].append({"type": "Feature", "properties": props, "geometry": line})

    return write_region(tmp_path / "tiny", mutated(change))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2, "roads.geojson row 'rd-ab': oneway must be <= 1, got 2"),
        (-3, "roads.geojson row 'rd-ab': oneway must be >= -1, got -3"),
        ("yes", "roads.geojson row 'rd-ab': oneway expected a whole number, got 'yes'"),
        (0.5, "roads.geojson row 'rd-ab': oneway expected a whole number, got 0.5"),
    ],
)
def test_a_bad_oneway_value_is_a_clear_error(tmp_path, value, message):
    with pytest.raises(InputError) as error:
        read_region(_tiny_with(tmp_path, rd_ab=value))
    assert message in str(error.value)


def _b_one_to_d_city(tmp_path: Path, region_folder: Path):
    network = build_network(read_region(region_folder), load_scenario(write_config(tmp_path, region_folder)))
    diesel = diesel_leg(network, ["b-one"], ["d-city"])
    bet = bet_leg(network, ["b-one"], ["d-city"], target_charges=False)
    return network, diesel, bet


@pytest.mark.slow
def test_tiny_region_one_way_roads_price_the_way_back(tmp_path):
    # b-one -> r-a -> r-b -> r-c -> d-city (1 + 50 + 50 + 1 km; r-a-r-b-r-c tolled) is the only road.
    # Both ways (empty cells and 0 alike) the round trip is 102 km each way.
    both, plain = (
        _b_one_to_d_city(tmp_path / name, folder)
        for name, folder in [
            ("both", _tiny_with(tmp_path / "both", rd_bc=None, rd_ab=0)),
            ("plain", write_region(tmp_path / "plain" / "tiny")),
        ]
    )
    assert both[1].km[0, 0] == plain[1].km[0, 0] == 102.0 and both[1].cost[0, 0] == plain[1].cost[0, 0]
    assert both[2].cost[0, 0] == plain[2].cost[0, 0] and np.isfinite(plain[2].cost[0, 0])
    # rd-bc one-way r-b -> r-c: the truck gets there but not back; one-way r-c -> r-b: not even there.
    for way in (1, -1):
        network, diesel, _ = _b_one_to_d_city(tmp_path / str(way), _tiny_with(tmp_path / str(way), rd_bc=way))
        assert network.road["diesel"].directed
        assert np.isnan(diesel.cost[0, 0]) and np.isnan(diesel.km[0, 0])
    # With a 200 km bypass r-c -> r-a (one-way, untolled) the way back is d-city -> r-c -> r-a -> b-one,
    # 1 + 200 + 1 = 202 km untolled: the run is the mean of 102 km out (100 tolled) and 202 km back.
    network, diesel, bet = _b_one_to_d_city(tmp_path / "bypass", _tiny_with(tmp_path / "bypass", True, rd_bc=1))
    rate = network.truck_rates["diesel"]
    assert diesel.km[0, 0] == 152.0
    assert diesel.cost[0, 0] == pytest.approx((102 * rate.cost_yuan + 100 * rate.toll_yuan + 202 * rate.cost_yuan) / 2)
    # Battery-electric, range 120 km: two-way, b-one -> swap s-b (51.5 km) -> d-city (51.5 km, within half
    # the range). One-way, the last hop back from d-city to s-b is 1 + 200 + 50 + 0.5 = 251.5 km: a round
    # trip of 303 km, beyond the range; no run.
    assert np.isnan(bet.cost[0, 0])


@pytest.mark.slow
def test_osm_region_writes_the_oneway_column(tiny_region, tmp_path):
    # The fixture's links 1-3, 3-5 and 3-12 are one-way lo -> hi (tests/network/test_osm_arrays.py).
    region = with_osm_roads(read_region(tiny_region), PBF, max_snap_km=200)  # the tiny region lies ~110 km east
    oneway = region.roads.set_index("id")["oneway"]
    assert oneway[["rd-osm-1-3", "rd-osm-3-5", "rd-osm-3-12"]].tolist() == [1, 1, 1]
    assert (oneway.drop(["rd-osm-1-3", "rd-osm-3-5", "rd-osm-3-12"]) == 0).all()
    written = pd.read_csv(write_csv_folder(region, tmp_path / "osm-region") / "roads.csv").set_index("id")
    assert written["oneway"].loc[oneway.index].tolist() == oneway.tolist()


def test_tiny_region_files_without_the_column_still_read(tiny_region):
    roads = json.loads((tiny_region / "roads.geojson").read_text(encoding="utf-8"))
    assert all("oneway" not in f["properties"] for f in roads["features"])
    assert road_directions(read_region(tiny_region).roads).tolist() == [0] * len(roads["features"])
