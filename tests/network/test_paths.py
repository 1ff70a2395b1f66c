"""Bulk shortest paths and path sums agree with a plain networkx Dijkstra."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.network.paths import LinkGraph, path_sums, shortest_trees, walk


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 12))
    links = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.floats(0.5, 100),
                st.floats(0.5, 100),
            ).filter(lambda t: t[0] != t[1]),
            min_size=1,
            max_size=30,
        )
    )
    return n, links


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_cost_and_sums_match_networkx(data):
    n, links = data
    u, v, w, km = (np.array(col) for col in zip(*links, strict=True))
    graph = LinkGraph.build(n, u, v, w, {"km": km})
    trees = shortest_trees(graph, np.arange(n))
    sums = path_sums(graph, trees, "km")
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for a, b, weight, length in links:  # keep the cheapest of parallel links, as LinkGraph does
        if not g.has_edge(a, b) or g[a][b]["w"] > weight:
            g.add_edge(a, b, w=weight, km=length)
    for s in range(n):
        dist = nx.single_source_dijkstra_path_length(g, s, weight="w")
        for t in range(n):
            if t not in dist:
                assert not np.isfinite(trees.dist[s, t]) and np.isnan(sums[s, t])
                continue
            assert trees.dist[s, t] == pytest.approx(dist[t], rel=1e-9, abs=1e-9)
            path = walk(trees, s, t)
            assert path[0] == s and path[-1] == t
            assert sums[s, t] == pytest.approx(sum(g[a][b]["km"] for a, b in itertools.pairwise(path)), abs=1e-9)
            assert sum(g[a][b]["w"] for a, b in itertools.pairwise(path)) == pytest.approx(dist[t], abs=1e-9)


def test_parallel_links_keep_the_cheapest():
    graph = LinkGraph.build(2, [0, 1], [1, 0], [5.0, 3.0], {"km": [10.0, 40.0]})
    assert len(graph.u) == 1
    trees = shortest_trees(graph, [0])
    assert trees.dist[0, 1] == 3.0
    assert path_sums(graph, trees, "km")[0, 1] == 40.0
