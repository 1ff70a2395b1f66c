"""The streaming OSM reader and the array simplification (aggregates.data.osm.arrays / .simplify), offline.

The shipped fixture is described in ``test_osm.py``. Small extracts are also written here with
pyosmium (synthetic, a few nodes), and random ones are checked against the former osmnx import
(``graph_from_xml`` -> two-way -> largest component -> ``simplify_graph``), kept below as the reference.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregates.data import osm
from aggregates.data.osm.graph import highway_of, is_tolled, road_kind, road_name
from aggregates.data.osm.reading import osm_tags
from aggregates.data.osm.simplify import great_circle_m
from aggregates.errors import RegionError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osm"
XML = FIXTURES / "fixture.osm"
PBF = FIXTURES / "fixture.osm.pbf"
HIGHWAYS = osm.DEFAULT_HIGHWAYS
NO_POINTS = pd.DataFrame({"id": [], "lon": [], "lat": []})


def layer(path: Path, **kwargs):
    return osm.build_osm_road_layer(path, NO_POINTS, province_of=lambda lon, lat: "Hebei", **kwargs)


def write_extract(path: Path, coords: dict[int, tuple[float, float]], ways: list[tuple[list[int], dict]]) -> Path:
    """A small OSM file (XML or PBF by the name) with pyosmium."""
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for node, (lon, lat) in sorted(coords.items()):
            writer.add_node(osmium.osm.mutable.Node(id=node, version=1, location=(lon, lat)))
        for i, (nodes, tags) in enumerate(ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=i, version=1, nodes=nodes, tags=tags))
    return path


# --------------------------------------------------------------------------- #
# the reader on the shipped fixture
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("path", [PBF, XML], ids=["pbf", "xml"])
def test_reader_counts_on_the_fixture(path):
    ways = osm.read_osm_file(path, HIGHWAYS)
    # 9 of the 12 ways are of a kept class (not 106 residential, 111 residential, 112 service)
    assert sorted(ways.way_id.tolist()) == [101, 102, 103, 104, 105, 107, 108, 109, 110]
    assert ways.node_id.tolist() == [1, 2, 3, 4, 5, 11, 12, 21, 22, 23, 24, 25, 31, 41, 51, 52, 71, 72, 73, 74]
    assert len(ways.seg_u) == 4 + 2 + 4 + 2 + 2 + 2 + 2 + 2 + 1
    assert ways.lon[ways.node_id.tolist().index(52)] == 116.42
    assert ways.lat[ways.node_id.tolist().index(52)] == 39.84
    assert ways.places.to_dict("list") == {
        "lon": [116.40, 116.30],
        "lat": [39.72, 39.735],
        "name_en": ["Lixian", "Xicun"],
        "name_zh": ["礼贤", "西村"],
    }


def test_pbf_and_xml_give_the_same_arrays():
    a, b = osm.read_osm_file(PBF, HIGHWAYS), osm.read_osm_file(XML, HIGHWAYS)
    for field in ("node_id", "lon", "lat", "seg_u", "seg_v", "seg_way", "seg_dir", "way_id"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    pd.testing.assert_frame_equal(a.places, b.places)


def test_fixture_directions():
    ways = osm.read_osm_file(PBF, HIGHWAYS)
    direction = dict(zip(ways.way_id.tolist(), [None] * len(ways.way_id), strict=True))
    for way, d in zip(ways.way_id[ways.seg_way].tolist(), ways.seg_dir.tolist(), strict=True):
        direction[way] = d
    assert direction[101] == 1  # motorway: one-way by implication
    assert direction[102] == 1  # oneway=yes
    assert {direction[w] for w in (103, 104, 105, 107, 108, 109, 110)} == {0}
    _, roads = layer(PBF, with_oneway=True)
    oneway = roads.set_index("id")["oneway"]
    assert oneway[["rd-osm-1-3", "rd-osm-3-5", "rd-osm-3-12"]].tolist() == [1, 1, 1]
    assert (oneway.drop(["rd-osm-1-3", "rd-osm-3-5", "rd-osm-3-12"]) == 0).all()


def test_tables_have_no_oneway_column_by_default():
    _, roads = layer(PBF)
    assert "oneway" not in roads.columns


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "primary"}, 0),
        ({"highway": "primary", "oneway": "yes"}, 1),
        ({"highway": "primary", "oneway": "1"}, 1),
        ({"highway": "primary", "oneway": "true"}, 1),
        ({"highway": "primary", "oneway": "-1"}, -1),
        ({"highway": "primary", "oneway": "reverse"}, -1),
        ({"highway": "primary", "junction": "roundabout"}, 1),
        ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, 0),
        ({"highway": "motorway"}, 1),
        ({"highway": "motorway", "oneway": "no"}, 0),
        ({"highway": "motorway_link"}, 0),
        ({"highway": "primary", "oneway": "reversible"}, 0),
    ],
)
def test_way_direction(tags, expected):
    assert osm.way_direction(tags) == expected


# --------------------------------------------------------------------------- #
# direction through simplification, on small hand-made extracts
# --------------------------------------------------------------------------- #

# A row of nodes along 39.7 N, 0.01 deg apart, and two off the row.
ROW = {i: (116.30 + 0.01 * i, 39.70) for i in range(1, 8)}
OFF = {20: (116.33, 39.71), 21: (116.35, 39.69)}


def test_one_way_chain_reversed_tag_and_dual_carriageway(tmp_path):
    ways = [
        ([1, 2, 3], {"highway": "primary"}),  # a dead end at 1, two-way
        ([5, 4, 3], {"highway": "secondary", "oneway": "yes"}),  # drawn 5 -> 3: only hi to lo ...
        ([3, 20, 5], {"highway": "tertiary"}),  # ... pooled with this two-way twin
        ([5, 6], {"highway": "trunk", "oneway": "yes"}),  # dual carriageway 5-6: this way forward,
        ([6, 21, 5], {"highway": "trunk", "oneway": "yes"}),  # ... and this one back
        ([6, 7], {"highway": "tertiary", "oneway": "-1"}),  # only 7 -> 6: hi to lo
    ]
    path = write_extract(tmp_path / "x.osm.pbf", ROW | OFF, ways)
    nodes, roads = layer(path, with_oneway=True)
    assert set(nodes["id"]) == {"r-osm-1", "r-osm-3", "r-osm-5", "r-osm-6", "r-osm-7"}
    assert roads.set_index("id")["oneway"].to_dict() == {
        "rd-osm-1-3": 0,
        "rd-osm-3-5": 0,
        "rd-osm-5-6": 0,
        "rd-osm-6-7": -1,
    }


def test_one_way_chain_alone_keeps_its_direction(tmp_path):
    ways = [
        ([1, 2, 3], {"highway": "primary"}),
        ([5, 4, 3], {"highway": "secondary", "oneway": "yes"}),
        ([5, 6, 7], {"highway": "primary"}),
    ]
    path = write_extract(tmp_path / "x.osm", ROW, ways)
    nodes, roads = layer(path, with_oneway=True)
    assert set(nodes["id"]) == {"r-osm-1", "r-osm-3", "r-osm-5", "r-osm-7"}
    assert roads.set_index("id")["oneway"].to_dict() == {"rd-osm-1-3": 0, "rd-osm-3-5": -1, "rd-osm-5-7": 0}


def test_contradictory_one_way_chain_is_kept_two_way(tmp_path):
    ways = [
        ([1, 2, 3], {"highway": "primary", "oneway": "yes"}),
        ([4, 3], {"highway": "primary", "oneway": "yes"}),  # 3 is interior: 1 -> 3 <- 4 cannot be driven
    ]
    path = write_extract(tmp_path / "x.osm.pbf", ROW, ways)
    _, roads = layer(path, with_oneway=True)
    assert roads.set_index("id")["oneway"].to_dict() == {"rd-osm-1-4": 0}


def test_roundabout_loop_at_a_junction_is_dropped(tmp_path):
    ways = [
        ([1, 2, 3], {"highway": "primary"}),
        ([3, 20, 4, 3], {"highway": "primary", "junction": "roundabout"}),
    ]
    path = write_extract(tmp_path / "x.osm.pbf", ROW | OFF, ways)
    nodes, roads = layer(path, with_oneway=True)
    assert set(nodes["id"]) == {"r-osm-1", "r-osm-3"}
    assert roads.set_index("id")["oneway"].to_dict() == {"rd-osm-1-3": 0}


def test_way_with_a_missing_node_names_it(tmp_path):
    path = tmp_path / "x.osm"
    write_extract(path, {1: ROW[1]}, [([1, 2], {"highway": "primary"})])
    with pytest.raises(RegionError, match="uses node 2, which is not in the file"):
        osm.read_osm_file(path, HIGHWAYS)


# --------------------------------------------------------------------------- #
# against the former osmnx import, on random extracts
# --------------------------------------------------------------------------- #


def reference_links(path: Path) -> tuple[set[str], dict[str, tuple]]:
    """Road node ids and OSM links as the former osmnx import made them."""
    with osm_tags():
        raw = ox.graph_from_xml(path, simplify=False, retain_all=True)
    two = nx.MultiDiGraph(**raw.graph)
    seen = set()
    for u, v, data in raw.edges(data=True):
        if data.get("highway") not in HIGHWAYS:
            continue
        for a, b in ((u, v), (v, u)):
            if (a, b, data.get("osmid")) not in seen:
                seen.add((a, b, data.get("osmid")))
                two.add_node(a, **raw.nodes[a])
                two.add_edge(a, b, **data)
    biggest = sorted(nx.weakly_connected_components(two), key=lambda c: (-len(c), min(c)))[0]
    graph = ox.simplify_graph(two.subgraph(biggest).copy(), edge_attrs_differ=("highway", "ref", "toll"))
    best = {}
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        pair = (min(u, v), max(u, v))
        rank = (float(data["length"]), u != pair[0], str(data.get("osmid")))
        if pair not in best or rank < best[pair][0]:
            best[pair] = (rank, u, v, data)
    links = {}
    for (lo, hi), (_, u, v, data) in best.items():
        highway = highway_of(data)
        geom = data.get("geometry")
        coords = [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)] if geom is None else list(geom.coords)
        links[f"rd-osm-{lo}-{hi}"] = (
            max(round(float(data["length"]) / 1000.0, 4), 0.001),
            road_name(data),
            road_kind(highway),
            is_tolled(data, highway),
            coords if u < v else coords[::-1],
        )
    return {f"r-osm-{n}" for n in graph.nodes}, links


CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential")


def random_extract(seed: int, path: Path, side: int = 5, count: int = 9) -> Path:
    """Random walks over a ``side`` x ``side`` grid as ways with random tags."""
    rng = np.random.default_rng(seed)
    coords = {r * side + c + 1: (116.3 + 0.01 * c, 39.7 + 0.01 * r) for r in range(side) for c in range(side)}
    ways = []
    for _ in range(count):
        r, c = (int(x) for x in rng.integers(0, side, 2))
        nodes = [r * side + c + 1]
        for _ in range(int(rng.integers(1, 6))):
            dr, dc = ((0, 1), (1, 0), (0, -1), (-1, 0))[int(rng.integers(0, 4))]
            r, c = min(max(r + dr, 0), side - 1), min(max(c + dc, 0), side - 1)
            nodes.append(r * side + c + 1)
        tags = {"highway": CLASSES[int(rng.integers(0, len(CLASSES)))]}
        for key, values in (("ref", ("G1", "S2")), ("name", ("A", "B", " ")), ("toll", ("yes", "no"))):
            if rng.random() < 0.4:
                tags[key] = values[int(rng.integers(0, len(values)))]
        ways.append((nodes, tags))
    ways.append(([1, 2], {"highway": "primary"}))
    return write_extract(path, coords, ways)


def check_against_reference(path: Path) -> None:
    nodes, roads = layer(path)
    ref_nodes, ref_links = reference_links(path)
    assert set(nodes["id"]) == ref_nodes
    ours = {
        row.id: (row.length_km, row.road, row.kind, bool(row.toll), list(row.geometry.coords))
        for row in roads.itertuples()
    }
    assert ours.keys() == ref_links.keys()
    for key, expected in ref_links.items():
        assert ours[key][1:4] == expected[1:4], key
        assert ours[key][0] == pytest.approx(expected[0], abs=1e-4), key
        assert ours[key][4] == expected[4], key


@pytest.mark.parametrize("seed", [3, 11])
def test_same_links_as_the_osmnx_import_fixed_seeds(tmp_path, seed):
    check_against_reference(random_extract(seed, tmp_path / "x.osm"))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), count=st.integers(1, 16))
def test_same_links_as_the_osmnx_import(tmp_path, seed, count):
    check_against_reference(random_extract(seed, tmp_path / f"x{seed}.osm", count=count))


def test_great_circle_matches_osmnx():
    lat1, lon1, lat2, lon2 = (
        np.array([39.7, 40.0]),
        np.array([116.3, 117.0]),
        np.array([39.74, 40.5]),
        np.array([116.3, 116.2]),
    )
    np.testing.assert_array_equal(
        great_circle_m(lat1, lon1, lat2, lon2), ox.distance.great_circle(lat1, lon1, lat2, lon2)
    )
    assert great_circle_m(np.array([39.7]), np.array([116.3]), np.array([39.8]), np.array([116.3]))[0] == pytest.approx(
        6_371_009 * 0.1 * math.pi / 180
    )
