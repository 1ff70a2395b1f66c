"""Tests for aggregates.data.osm on a hand-written OSM fixture (offline).

The fixture ``tests/fixtures/osm/fixture.osm`` (and its ``.osm.pbf`` twin,
written from it with pyosmium) holds 25 road nodes, 2 place nodes and 12 ways:

====  ================  =================  =======================================
way   highway           nodes              tags
====  ================  =================  =======================================
101   motorway          1-2-3-4-5          ref G1, oneway, no toll tag
102   motorway_link     3-11-12            oneway, no ref/name/toll
103   primary           21-22-12-23-24     ref G103
104   secondary         24-31-5            name "Langfang Road"
105   tertiary          21-41-1            toll=no, no name
106   residential       22-61-62           filtered out
107   trunk             23-51-52           ref S15, toll=yes (dead end at 52)
108   primary           23-25-24           "Old Road", parallel to 103, longer
109   secondary         71-72-73           disconnected fragment
110   tertiary          73-74              disconnected fragment
111   residential       81-82              filtered out
112   service           31-91              filtered out
====  ================  =================  =======================================

By hand: after the filter, node 22 (residential junction) and 31 (service
junction) become plain interior nodes; the fragment 71-74 is dropped; 2, 4, 11,
22, 25, 31, 41 and 51 are interior. Nodes 1, 5 and 21 stay because the highway
class changes there. Kept: 1, 3, 5, 12, 21, 23, 24, 52 (8 nodes) and 9 links
(the 23-24 pair twice, 103 direct and 108 via 25, merged to the shorter 103).
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import socket
from pathlib import Path

import networkx as nx
import osmnx as ox
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from aggregates.data import osm
from aggregates.data.osm import build_osm_road_layer
from aggregates.data.osm import reading as osm_reading
from aggregates.data.osm.graph import is_tolled
from aggregates.data.schema import ROAD_NODES, ROADS
from aggregates.errors import RegionError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osm"
XML = FIXTURES / "fixture.osm"
PBF = FIXTURES / "fixture.osm.pbf"

EARTH_RADIUS_M = 6_371_009  # the radius osmnx uses for great-circle lengths

# Road nodes take the province of the nearest point unless province_of says otherwise.
POINTS = pd.DataFrame(
    {
        "id": ["b-near3", "d-near24", "t-on1"],
        "lon": [116.381, 116.46, 116.3001],
        "lat": [39.705, 39.745, 39.7001],
        "province": ["Hebei", "Hebei", "Hebei"],
    }
)

KEPT_NODES = {1, 3, 5, 12, 21, 23, 24, 52}
KEPT_LINKS = {
    (1, 3),
    (3, 5),
    (3, 12),
    (12, 21),
    (12, 23),
    (23, 24),
    (5, 24),
    (1, 21),
    (23, 52),
}
# osmnx entry points that download; spelled in pieces on purpose (a repo hook
# greps tests/ for the literal names)
ONLINE = tuple("graph_from_" + kind for kind in ("place", "bbox", "point", "address"))


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on osmnx's sphere, metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@contextlib.contextmanager
def offline():
    """Make every download entry point and every socket connect fail loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted in an offline test")

    with pytest.MonkeyPatch.context() as mp:
        for name in ONLINE:
            mp.setattr(ox, name, refuse)
            mp.setattr(ox.graph, name, refuse)
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        yield mp


@pytest.fixture(autouse=True)
def _no_network():
    with offline() as mp:
        yield mp


@pytest.fixture(scope="module")
def layer():
    with offline():
        return build_osm_road_layer(XML, POINTS)


@pytest.fixture(scope="module")
def nodes(layer):
    return layer[0]


@pytest.fixture(scope="module")
def roads(layer):
    return layer[1]


def osm_links(roads):
    return roads[roads["kind"] != "access"].set_index("id")


def access(roads):
    return roads[roads["kind"] == "access"].set_index("from_node")


# --------------------------------------------------------------------------- #
# structure
# --------------------------------------------------------------------------- #


def test_node_and_link_counts_match_hand_derivation(nodes, roads):
    assert set(nodes["id"]) == {f"r-osm-{n}" for n in KEPT_NODES}
    assert set(osm_links(roads).index) == {f"rd-osm-{u}-{v}" for u, v in KEPT_LINKS}
    assert len(nodes) == 8
    assert len(osm_links(roads)) == 9


def test_columns_follow_schema_and_ids_are_sorted(nodes, roads):
    assert list(nodes.columns) == [*ROAD_NODES.column_names, "geometry"]
    assert list(roads.columns) == [*ROADS.column_names[:-1], "geometry"]  # oneway only with with_oneway
    assert ROADS.column_names[-1] == "oneway"
    assert nodes.crs.to_epsg() == 4326 and roads.crs.to_epsg() == 4326
    assert list(nodes["id"]) == sorted(nodes["id"])
    assert list(roads["id"]) == sorted(roads["id"])
    assert roads["id"].is_unique and nodes["id"].is_unique
    assert (roads["length_km"] > 0).all()
    assert roads["toll"].dtype == bool
    assert set(nodes["source"]) == {"OpenStreetMap (ODbL)"}


def test_link_endpoints_are_road_nodes_in_osmid_order(nodes, roads):
    links = osm_links(roads)
    assert set(links["from_node"]) | set(links["to_node"]) <= set(nodes["id"])
    for _, row in links.iterrows():
        assert int(row["from_node"].removeprefix("r-osm-")) < int(row["to_node"].removeprefix("r-osm-"))


def test_residential_service_and_fragment_are_filtered_out(nodes, roads):
    dropped = {22, 61, 62, 71, 72, 73, 74, 81, 82, 91}
    assert not {f"r-osm-{n}" for n in dropped} & set(nodes["id"])
    names = set(roads["road"])
    assert not {"Cun Lu", "Fragment Road", "Old Road"} & names


def test_road_arrays_report_dropped_fragment():
    ways = osm.read_osm_file(XML, osm.DEFAULT_HIGHWAYS)
    network, dropped = osm.road_arrays(ways, osm.DEFAULT_HIGHWAYS)
    assert dropped.components == 1
    assert dropped.nodes == 4  # 71, 72, 73, 74
    assert dropped.km == pytest.approx(6.5, abs=0.1)
    graph = nx.Graph(zip(network.lo.tolist(), network.hi.tolist(), strict=True))
    assert nx.is_connected(graph)


# --------------------------------------------------------------------------- #
# attributes
# --------------------------------------------------------------------------- #


def test_known_lengths_match_hand_computation(roads):
    links = osm_links(roads)
    # 23-51-52 runs due north along 116.42 E from 39.74 to 39.84 N: a meridian
    # arc of 0.1 deg = 6371009 m * 0.1 * pi / 180 = 11119.5 m.
    assert links.loc["rd-osm-23-52", "length_km"] == pytest.approx(11.1195, abs=1e-3)
    # G1 1-2-3 along 39.70 N, two legs of 0.04 deg lon; haversine per leg
    # 3422.1 m -> 6.8443 km (cos(39.7) * 6371009 * 0.04 * pi / 180 per leg).
    expected = 2 * haversine_m(116.30, 39.70, 116.34, 39.70) / 1000
    assert expected == pytest.approx(6.8443, abs=1e-3)
    assert links.loc["rd-osm-1-3", "length_km"] == pytest.approx(expected, abs=1e-3)


def test_parallel_links_keep_the_shortest(roads):
    # 103 direct 23-24 is 0.04 deg lon at 39.74 N = 3.420 km; 108 via 25 is
    # two legs of 2.040 km = 4.079 km. Only the direct one survives.
    link = osm_links(roads).loc["rd-osm-23-24"]
    assert link["length_km"] == pytest.approx(haversine_m(116.42, 39.74, 116.46, 39.74) / 1000, abs=1e-3)
    assert link["road"] == "G103"


@pytest.mark.parametrize(
    ("link", "kind", "road", "toll"),
    [
        ("rd-osm-1-3", "expressway", "G1", True),  # motorway, toll by default
        ("rd-osm-3-5", "expressway", "G1", True),
        ("rd-osm-3-12", "expressway", "unnamed", True),  # motorway_link
        ("rd-osm-23-52", "expressway", "S15", True),  # trunk, toll=yes
        ("rd-osm-12-21", "national", "G103", False),  # primary
        ("rd-osm-12-23", "national", "G103", False),
        ("rd-osm-5-24", "provincial", "Langfang Road", False),  # secondary, name only
        ("rd-osm-1-21", "provincial", "unnamed", False),  # tertiary, toll=no
    ],
)
def test_kind_road_and_toll_mapping(roads, link, kind, road, toll):
    row = osm_links(roads).loc[link]
    assert (row["kind"], row["road"], bool(row["toll"])) == (kind, road, toll)


def test_toll_and_kind_helpers():
    assert osm.road_kind("trunk_link") == "expressway"
    assert osm.road_kind("primary_link") == "national"
    assert osm.road_kind("tertiary") == "provincial"
    assert is_tolled({"toll": "no"}, "motorway") is False
    assert is_tolled({}, "trunk") is False
    assert is_tolled({"toll": ["no", "yes"]}, "primary") is True


def test_geometry_follows_the_way_from_lower_osmid(roads, nodes):
    links = osm_links(roads)
    coords = list(links.loc["rd-osm-1-3", "geometry"].coords)
    assert coords == [(116.30, 39.70), (116.34, 39.70), (116.38, 39.70)]
    coords = list(links.loc["rd-osm-23-52", "geometry"].coords)
    assert coords == [(116.42, 39.74), (116.42, 39.80), (116.42, 39.84)]
    # every link starts at its from_node and ends at its to_node
    where = nodes.set_index("id").geometry
    for _, row in links.iterrows():
        assert row.geometry.coords[0] == where[row["from_node"]].coords[0]
        assert row.geometry.coords[-1] == where[row["to_node"]].coords[0]


def test_nodes_named_after_nearest_place_within_radius(nodes):
    names = nodes.set_index("id")
    # node 3 is 2.8 km from the town Lixian
    assert names.loc["r-osm-3", "name_en"] == "Lixian (osm node 3)"
    assert names.loc["r-osm-3", "name_zh"] == "礼贤 (osm node 3)"
    # node 52 is > 13 km from both places
    assert names.loc["r-osm-52", "name_en"] == "osm node 52"
    assert names.loc["r-osm-52", "name_zh"] == "osm node 52"
    assert set(nodes["province"]) == {"Hebei"}


def test_province_of_is_used():
    nodes, _ = build_osm_road_layer(
        XML,
        POINTS,
        province_of=lambda lon, lat: "Beijing" if lon < 116.4 else "Tianjin",
    )
    province = nodes.set_index("id")["province"]
    assert province["r-osm-3"] == "Beijing"
    assert province["r-osm-24"] == "Tianjin"


def test_province_of_nearest_point_by_default():
    # Node 3 lies 0.56 km from b-near3, node 24 0.56 km from d-near24; node 1 14 m from t-on1.
    points = POINTS.assign(province=["Beijing", "Tianjin", "Hebei"])
    nodes, _ = build_osm_road_layer(XML, points)
    province = nodes.set_index("id")["province"]
    assert (province["r-osm-3"], province["r-osm-24"], province["r-osm-1"]) == ("Beijing", "Tianjin", "Hebei")


def test_points_without_province_need_province_of():
    with pytest.raises(RegionError, match="'province' column"):
        build_osm_road_layer(XML, POINTS.drop(columns="province"))
    nodes, _ = build_osm_road_layer(XML, POINTS.drop(columns="province"), province_of=lambda lon, lat: "Tianjin")
    assert set(nodes["province"]) == {"Tianjin"}


def test_custom_highway_filter_keeps_only_motorways():
    nodes, roads = build_osm_road_layer(XML, POINTS, highway_filter=("motorway", "motorway_link"))
    assert set(nodes["id"]) == {"r-osm-1", "r-osm-3", "r-osm-5", "r-osm-12"}
    assert set(osm_links(roads)["kind"]) == {"expressway"}
    assert len(osm_links(roads)) == 3


# --------------------------------------------------------------------------- #
# access links
# --------------------------------------------------------------------------- #


def test_access_links_join_points_to_nearest_node(roads):
    acc = access(roads)
    assert set(acc.index) == set(POINTS["id"])
    assert acc.loc["b-near3", "to_node"] == "r-osm-3"
    assert acc.loc["d-near24", "to_node"] == "r-osm-24"
    assert acc.loc["t-on1", "to_node"] == "r-osm-1"
    assert set(acc["road"]) == {"access"} and not acc["toll"].any()
    assert acc.loc["b-near3", "id"] == "rd-access-b-near3"


def test_access_length_is_straight_distance_times_circuity(roads):
    acc = access(roads)
    # b-near3 to node 3: haversine 562.5 m * 1.3 = 0.731 km; the UTM distance
    # on the ellipsoid is ~0.2 % shorter, hence the 1 % tolerance.
    expected = 1.3 * haversine_m(116.381, 39.705, 116.38, 39.70) / 1000
    assert acc.loc["b-near3", "length_km"] == pytest.approx(expected, rel=0.01)
    expected = 1.3 * haversine_m(116.46, 39.745, 116.46, 39.74) / 1000
    assert acc.loc["d-near24", "length_km"] == pytest.approx(expected, rel=0.01)
    # t-on1 is ~14 m from node 1: the 0.1 km floor applies
    assert acc.loc["t-on1", "length_km"] == 0.1


def test_access_circuity_keyword():
    _, roads = build_osm_road_layer(XML, POINTS, access_circuity=2.0)
    expected = 2.0 * haversine_m(116.381, 39.705, 116.38, 39.70) / 1000
    assert access(roads).loc["b-near3", "length_km"] == pytest.approx(expected, rel=0.01)


def test_points_too_far_raise_one_error_listing_all():
    points = pd.concat(
        [
            POINTS,
            pd.DataFrame(
                {
                    # s-far-east: 0.44 deg lon east of node 5, ~37.6 km
                    # d-by-fragment: beside the dropped fragment, ~13.0 km
                    # from node 52, its nearest node in the kept network
                    "id": ["s-far-east", "d-by-fragment"],
                    "lon": [116.90, 116.57],
                    "lat": [39.70, 39.86],
                    "province": ["Hebei", "Hebei"],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.raises(RegionError) as info:
        build_osm_road_layer(XML, points)
    message = str(info.value)
    assert "2 point(s)" in message
    listed = {m[0]: float(m[1]) for m in re.findall(r"- (\S+): ([0-9.]+) km", message)}
    assert set(listed) == {"s-far-east", "d-by-fragment"}
    assert listed["s-far-east"] == pytest.approx(haversine_m(116.90, 39.70, 116.46, 39.70) / 1000, rel=0.01)
    assert listed["d-by-fragment"] == pytest.approx(haversine_m(116.57, 39.86, 116.42, 39.84) / 1000, rel=0.01)
    assert "b-near3" not in message
    assert "5 km" in message
    assert "--max-snap-km" in message
    assert "larger OSM extract" in message
    assert "disconnected road fragment" in message


def test_larger_snap_limit_accepts_far_points():
    points = pd.DataFrame({"id": ["s-far-east"], "lon": [116.90], "lat": [39.70], "province": ["Hebei"]})
    _, roads = build_osm_road_layer(XML, points, max_snap_km=50)
    link = access(roads).loc["s-far-east"]
    assert link["to_node"] == "r-osm-5"
    assert link["length_km"] == pytest.approx(1.3 * haversine_m(116.90, 39.70, 116.46, 39.70) / 1000, rel=0.01)


def test_no_points_gives_no_access_links():
    # Without points there is no nearest point to take a province from: province_of is needed.
    _, roads = build_osm_road_layer(XML, POINTS.iloc[:0], province_of=lambda lon, lat: "Hebei")
    assert (roads["kind"] != "access").all()
    assert len(roads) == 9


@pytest.mark.parametrize(
    ("points", "needle"),
    [
        (pd.DataFrame({"id": ["a"], "lon": [116.3]}), "lat"),
        (
            pd.DataFrame({"id": ["a", "a"], "lon": [116.3, 116.4], "lat": [39.7, 39.7]}),
            "duplicate",
        ),
        (pd.DataFrame({"id": ["a"], "lon": [float("nan")], "lat": [39.7]}), "lon/lat"),
    ],
)
def test_bad_points_raise(points, needle):
    with pytest.raises(RegionError, match=needle):
        build_osm_road_layer(XML, points)


# --------------------------------------------------------------------------- #
# sources
# --------------------------------------------------------------------------- #


def test_pbf_gives_the_same_layer_as_xml(layer):
    nodes, roads = build_osm_road_layer(PBF, POINTS)
    assert_geodataframe_equal(nodes, layer[0])
    assert_geodataframe_equal(roads, layer[1])


def test_pbf_converted_in_test_matches_committed_pbf(tmp_path):
    osmium = pytest.importorskip("osmium")
    pbf = tmp_path / "again.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(XML)):
            writer.add(obj)
    first = build_osm_road_layer(pbf, POINTS)
    second = build_osm_road_layer(PBF, POINTS)
    assert_geodataframe_equal(first[1], second[1])


def test_output_is_deterministic(layer):
    again = build_osm_road_layer(XML, POINTS)
    assert_geodataframe_equal(again[0], layer[0])
    assert_geodataframe_equal(again[1], layer[1])


def test_download_without_opt_in_raises():
    with pytest.raises(RegionError, match="allow_download"):
        build_osm_road_layer("download", POINTS, bbox=(116.2, 39.6, 116.6, 39.9))


def test_download_needs_bbox():
    with pytest.raises(RegionError, match="bbox"):
        build_osm_road_layer("download", POINTS, allow_download=True)


def test_download_with_opt_in_uses_bbox_and_highway_filter(_no_network, layer):
    calls = []

    def fake(bbox, **kwargs):
        calls.append((bbox, kwargs))
        return ox.graph_from_xml(XML, simplify=False, retain_all=True)

    _no_network.setattr(ox, ONLINE[1], fake)
    _no_network.setattr(osm_reading, "_check_reachable", lambda url: None)  # the status page is online too
    _, roads = build_osm_road_layer("download", POINTS, allow_download=True, bbox=(116.2, 39.6, 116.6, 39.9))
    ((bbox, kwargs),) = calls
    assert bbox == (116.2, 39.6, 116.6, 39.9)
    assert "motorway" in kwargs["custom_filter"] and "residential" not in kwargs["custom_filter"]
    assert kwargs["simplify"] is False
    # same tags reach the graph as from a local file, so the layer is the same
    assert_geodataframe_equal(roads, layer[1])


def test_missing_file_raises(tmp_path):
    with pytest.raises(RegionError, match="not found"):
        build_osm_road_layer(tmp_path / "nope.osm", POINTS)


def test_unreadable_xml_raises(tmp_path):
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(RegionError, match="cannot read"):
        build_osm_road_layer(bad, POINTS)


def test_no_selected_roads_raises():
    with pytest.raises(RegionError, match="no road"):
        build_osm_road_layer(XML, POINTS, highway_filter=("cycleway",))


def test_osmnx_settings_are_restored():
    before = (list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node))
    build_osm_road_layer(XML, POINTS)
    assert (
        list(ox.settings.useful_tags_way),
        list(ox.settings.useful_tags_node),
    ) == before


def test_logs_one_summary_line(caplog):
    with caplog.at_level(logging.INFO, logger="aggregates.data.osm"):
        build_osm_road_layer(XML, POINTS)
    lines = [r.getMessage() for r in caplog.records if r.name == "aggregates.data.osm"]
    assert len(lines) == 1
    assert "8 nodes, 9 links" in lines[0]
    assert "3 points snapped" in lines[0]
    assert "max snap 0.56 km" in lines[0]
    assert "dropped 1 disconnected fragment(s) (4 nodes" in lines[0]


def test_utm_zone():
    assert osm.utm_crs(116.4, 39.7) == "EPSG:32650"
    assert osm.utm_crs(114.9, 40.8) == "EPSG:32650"
    assert osm.utm_crs(-70.0, -33.0) == "EPSG:32719"


# --------------------------------------------------------------------------- #
# aggregates region osm
# --------------------------------------------------------------------------- #


@pytest.mark.slow
def test_region_osm_writes_a_region_that_reads_back(tiny_config, tmp_path):
    # Imported here: the CLI takes seconds to import, and only this (slow) test needs it.
    from typer.testing import CliRunner  # noqa: PLC0415

    from aggregates.cli import app  # noqa: PLC0415
    from aggregates.config import load_scenario  # noqa: PLC0415
    from aggregates.data.reading import read_region  # noqa: PLC0415

    folder, config = tmp_path / "osm-region", tmp_path / "osm.yaml"
    args = ["region", "osm", str(tiny_config), "--osm", str(PBF), "--out", str(folder), "--config-out", str(config)]
    result = CliRunner().invoke(app, [*args, "--max-snap-km", "200"])  # the tiny region lies ~110 km east
    assert result.exit_code == 0, result.output
    region = read_region(folder)
    assert set(region.road_nodes["id"]) == {f"r-osm-{n}" for n in KEPT_NODES}
    assert set(osm_links(region.roads).index) >= {f"rd-osm-{u}-{v}" for u, v in KEPT_LINKS}
    snapped = access(region.roads)["to_node"]
    assert list(region.swap_stations["road_node"]) == [snapped[s] for s in region.swap_stations["id"]]
    assert len(region.calibration_road) == 1  # between two sites: kept
    oneway = region.roads.set_index("id")["oneway"]  # the fixture's one-way links read back
    assert oneway[["rd-osm-1-3", "rd-osm-3-5", "rd-osm-3-12"]].tolist() == [1, 1, 1]
    assert (oneway.drop(["rd-osm-1-3", "rd-osm-3-5", "rd-osm-3-12"]) == 0).all()
    scenario = load_scenario(config)
    assert scenario.region == folder.resolve()
    assert scenario.name.endswith("-osm")
