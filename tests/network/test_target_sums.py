"""Costs and path sums to a few targets (target_sums) against networkx and against the full-tree path_sums."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import write_config

import aggregates.network.paths
from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.network.graph import build_network
from aggregates.network.legs import bet_leg, diesel_leg, paths_for, road_paths
from aggregates.network.paths import LinkGraph, path_sums, shortest_trees, target_sums
from aggregates.network.routes import route_options


@st.composite
def unique_path_graphs(draw):
    """A small graph whose link weights are distinct powers of two: every path has its own cost, so the
    cheapest path between two nodes is unique and its cost exact; sources and targets may repeat."""
    n = draw(st.integers(2, 9))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=20))
    pairs = list(dict.fromkeys((min(a, b), max(a, b)) for a, b in pairs if a != b)) or [(0, 1)]
    exponents = draw(st.permutations(range(len(pairs))))
    km = draw(st.lists(st.floats(0.1, 500), min_size=len(pairs), max_size=len(pairs)))
    hours = draw(st.lists(st.floats(0.01, 9), min_size=len(pairs), max_size=len(pairs)))
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5))
    targets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    return n, pairs, [2.0**e for e in exponents], km, hours, sources, targets


@settings(max_examples=15, deadline=None)
@given(unique_path_graphs())
def test_cost_km_and_hours_match_networkx(data):
    n, pairs, weight, km, hours, sources, targets = data
    u, v = (np.array(col) for col in zip(*pairs, strict=True))
    table = target_sums(LinkGraph.build(n, u, v, weight, {"km": km, "hours": hours}), sources, targets)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for (a, b), w, k, h in zip(pairs, weight, km, hours, strict=True):
        g.add_edge(a, b, w=w, km=k, hours=h)
    for (i, s), (j, t) in itertools.product(enumerate(sources), enumerate(targets)):
        if not nx.has_path(g, s, t):
            assert table.dist[i, j] == np.inf
            assert np.isnan(table.sums["km"][i, j]) and np.isnan(table.sums["hours"][i, j])
            continue
        cost, path = nx.single_source_dijkstra(g, s, t, weight="w")
        assert table.dist[i, j] == cost  # sums of distinct powers of two are exact
        for attr in ("km", "hours"):
            along = sum(g[a][b][attr] for a, b in itertools.pairwise(path))
            assert table.sums[attr][i, j] == pytest.approx(along, rel=1e-12, abs=1e-12)


@st.composite
def tied_graphs(draw):
    """Small graphs with many ties (weights in whole units) and parallel links."""
    n = draw(st.integers(2, 12))
    links = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 4), st.floats(0.1, 100)),
            min_size=1,
            max_size=30,
        )
    )
    sources = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    targets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    block = draw(st.integers(1, 400))
    return n, links, sources, targets, block


@settings(max_examples=15, deadline=None)
@given(tied_graphs())
def test_same_floats_as_path_sums_over_whole_trees(data):
    # The model's coefficients must not move: the same paths (ties too) and the same summation order.
    n, links, sources, targets, block = data
    u, v, w, km = (np.array(col) for col in zip(*links, strict=True))
    graph = LinkGraph.build(n, u, v, w.astype(float), {"km": km})
    table = target_sums(graph, sources, targets, ("km",), block_bytes=block)
    trees = shortest_trees(graph, sources)
    assert np.array_equal(table.dist, trees.dist[:, targets])
    assert np.array_equal(table.sums["km"], path_sums(graph, trees, "km")[:, targets], equal_nan=True)


def test_repeated_sources_and_targets_give_the_answers_of_distinct_ones():
    rng = np.random.default_rng(3)
    n = 30
    u, v = rng.integers(0, n, 80), rng.integers(0, n, 80)
    graph = LinkGraph.build(n, u, v, rng.random(80), {"km": rng.random(80) * 10, "hours": rng.random(80)})
    once = target_sums(graph, [4, 9, 17], [0, 5, 29])
    again = target_sums(graph, [9, 4, 9, 17, 4], [29, 0, 5, 0])
    rows, cols = np.ix_([1, 0, 1, 2, 0], [2, 0, 1, 0])
    assert np.array_equal(again.dist, once.dist[rows, cols])
    for attr in ("km", "hours"):
        assert np.array_equal(again.sums[attr], once.sums[attr][rows, cols], equal_nan=True)


def test_long_path_sums_in_order_of_path_sums():
    # 3000 links in a row: many levels of the walk's binary counter, and a second component.
    rng = np.random.default_rng(5)
    n = 3003
    km = rng.random(3001) * 7
    u, v = np.r_[np.arange(3000), 3001], np.r_[np.arange(1, 3001), 3002]
    graph = LinkGraph.build(n, u, v, np.ones(3001), {"km": km})
    targets = [0, 1, 2, 3, 1023, 1024, 1025, 2999, 3000, 3001]
    table = target_sums(graph, [0, 3000], targets, ("km",), block_bytes=1)
    trees = shortest_trees(graph, [0, 3000])
    assert np.array_equal(table.sums["km"], path_sums(graph, trees, "km")[:, targets], equal_nan=True)
    assert table.sums["km"][0, 7] == pytest.approx(km[:2999].sum(), rel=1e-12)
    assert table.sums["km"][0, 0] == 0.0 and table.dist[0, 0] == 0.0
    assert table.dist[1, 9] == np.inf and np.isnan(table.sums["km"][1, 9])  # another component


def test_hand_checked_triangle_prefers_the_cheap_detour():
    # 0-2 direct costs 5 (10 km); via 1 costs 2 + 2 (3 + 4 km).
    graph = LinkGraph.build(
        3, [0, 1, 0], [1, 2, 2], [2.0, 2.0, 5.0], {"km": [3.0, 4.0, 10.0], "hours": [1.0, 1.0, 2.0]}
    )
    table = target_sums(graph, [0, 2], [2, 1])
    assert table.dist.tolist() == [[4.0, 2.0], [0.0, 2.0]]
    assert table.sums["km"].tolist() == [[7.0, 3.0], [0.0, 4.0]]
    assert table.sums["hours"].tolist() == [[2.0, 1.0], [0.0, 1.0]]


def test_nodes_outside_the_graph_are_refused():
    graph = LinkGraph.build(2, [0], [1], [1.0], {"km": [1.0]})
    with pytest.raises(ValueError, match="outside"):
        target_sums(graph, [0], [2], ("km",))
    with pytest.raises(ValueError, match="outside"):
        target_sums(graph, [-1], [1], ("km",))


def test_shared_road_paths_give_each_leg_what_it_computes_alone(tmp_path, tiny_region):
    network = build_network(read_region(tiny_region), load_scenario(write_config(tmp_path, tiny_region)))
    region = network.region
    bases, nodes = list(region.bases["id"]), list(region.demand["id"])
    terminals = list(region.terminals["id"])
    alone = diesel_leg(network, bases, nodes)
    shared = road_paths(network, "diesel", bases + terminals + bases, nodes + terminals)
    together = diesel_leg(network, bases, nodes, shared)
    for attr in ("cost", "km", "hours"):
        assert np.array_equal(getattr(alone, attr), getattr(together, attr), equal_nan=True)
    # The previous way: whole trees from every base, the targets' columns.
    graph = network.road["diesel"]
    trees = shortest_trees(graph, network.road_index(bases))
    assert np.array_equal(alone.km, path_sums(graph, trees, "km")[:, network.road_index(nodes)], equal_nan=True)
    points, ends = paths_for(network, "bet", terminals, nodes)
    bet_shared = road_paths(network, "bet", points + bases, ends)
    alone = bet_leg(network, terminals, nodes, target_charges=False)
    together = bet_leg(network, terminals, nodes, target_charges=False, paths=bet_shared)
    for attr in ("cost", "km", "hours", "swaps"):
        assert np.array_equal(getattr(alone, attr), getattr(together, attr), equal_nan=True)
    assert alone.uses == together.uses


def test_route_options_run_each_origin_once_per_road_graph(tmp_path, tiny_region, monkeypatch):
    scenario = load_scenario(write_config(tmp_path, tiny_region))
    network = build_network(read_region(tiny_region), scenario)
    runs = []
    dijkstra = aggregates.network.paths.dijkstra

    def counted(matrix, *args, indices, **kwargs):
        runs.append((matrix.shape[0], list(np.atleast_1d(indices))))
        return dijkstra(matrix, *args, indices=indices, **kwargs)

    monkeypatch.setattr(aggregates.network.paths, "dijkstra", counted)
    options = route_options(network, list(scenario.chains))
    road = [indices for size, indices in runs if size == network.road["diesel"].n]
    assert len(road) == 2  # one block per truck type, all legs together
    assert all(len(set(indices)) == len(indices) for indices in road)
    assert set(options.table["chain"]) == set(scenario.chains)
