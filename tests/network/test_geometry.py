"""Route options drawn along their roads and rail sections (tiny region and the default one)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from tiny import mutated, write_config, write_region

from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.network.geometry import route_geometries
from aggregates.network.graph import build_network
from aggregates.network.routes import route_options
from aggregates.vocab import CHAINS

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "default.yaml"
GEOD = Geod(ellps="WGS84")
BEND = (116.75, 40.10)  # an extra vertex on rd-bc in the bent tiny region


def _network(folder, tmp_path):
    return build_network(read_region(folder), load_scenario(write_config(tmp_path, folder)))


def _options(network) -> pd.DataFrame:
    """Route options of every chain (the scenarios' default), as a table."""
    return route_options(network, list(CHAINS)).table


def _xy(network, ids) -> list[tuple[float, float]]:
    points = network.region.points().set_index("id")
    return [tuple(points.loc[i, ["lon", "lat"]].astype(float)) for i in ids]


def _row(table, base, node, chain) -> pd.DataFrame:
    return table[(table["base"] == base) & (table["node"] == node) & (table["chain"] == chain)]


def _km(line) -> float:
    return GEOD.geometry_length(line) / 1000.0


@pytest.fixture
def tiny(tmp_path, tiny_region):
    network = _network(tiny_region, tmp_path)
    return network, _options(network)


def _bend_and_flip(layers):
    """Draw rd-ab and rs-1 backwards and give rd-bc a bend."""
    for name, fid in (("roads.geojson", "rd-ab"), ("rail_segments.geojson", "rs-1")):
        geom = next(f for f in layers[name]["features"] if f["properties"]["id"] == fid)["geometry"]
        geom["coordinates"] = geom["coordinates"][::-1]
    geom = next(f for f in layers["roads.geojson"]["features"] if f["properties"]["id"] == "rd-bc")["geometry"]
    geom["coordinates"].insert(1, list(BEND))


@pytest.fixture
def bent(tmp_path):
    network = _network(write_region(tmp_path / "bent", mutated(_bend_and_flip)), tmp_path)
    return network, _options(network)


def test_direct_diesel_runs_from_base_to_node_along_the_roads(tiny):
    network, table = tiny
    row = _row(table, "b-one", "d-city", "diesel_truck")
    (line,) = route_geometries(network, row)
    assert list(line.coords) == _xy(network, ["b-one", "r-a", "r-b", "r-c", "d-city"])
    assert 0.8 <= _km(line) / row["km_road"].iloc[0] <= 1.25


def test_battery_truck_detours_through_its_swap_station(tiny):
    network, table = tiny
    row = _row(table, "b-one", "d-city", "bet_truck")
    assert row["resources"].iloc[0] == ("s-b",)
    (line,) = route_geometries(network, row)
    # out to the station on its access link and back to r-b
    assert list(line.coords) == _xy(network, ["b-one", "r-a", "r-b", "s-b", "r-b", "r-c", "d-city"])


def test_rail_route_passes_its_terminals_and_stations_in_order(tiny):
    network, table = tiny
    row = _row(table, "b-one", "d-far", "rail_diesel")
    (line,) = route_geometries(network, row)
    coords = list(line.coords)
    stops = _xy(network, ["b-one", "t-load", "st-l", "st-m", "st-u", "t-unl", "d-far"])
    positions = [coords.index(p) for p in stops]
    assert positions == sorted(positions)
    assert coords[0] == stops[0] and coords[-1] == stops[-1]
    assert 0.8 <= _km(line) / (row["km_road"] + row["km_rail"]).iloc[0] <= 1.25


def test_own_siding_goes_straight_onto_the_rail(tiny):
    network, table = tiny
    (line,) = route_geometries(network, _row(table, "b-two", "d-city", "rail_bet"))
    # t-load sits on st-l, so the transfer adds no vertex
    assert list(line.coords) == _xy(network, ["b-two", "st-l", "st-m", "st-u", "r-c", "d-city"])


def test_links_follow_their_drawn_shape_in_travel_direction(bent):
    network, table = bent
    road, rail = route_geometries(
        network, pd.concat([_row(table, "b-one", "d-city", c) for c in ("diesel_truck", "rail_bet")])
    )
    assert list(road.coords) == [*_xy(network, ["b-one", "r-a", "r-b"]), BEND, *_xy(network, ["r-c", "d-city"])]
    assert list(rail.coords) == _xy(network, ["b-one", "r-a", "st-l", "st-m", "st-u", "r-c", "d-city"])


def test_one_line_per_row_in_row_order(tiny):
    network, table = tiny
    forward = route_geometries(network, table)
    shuffled = table.sample(frac=1.0, random_state=3)
    again = route_geometries(network, shuffled)
    assert len(forward) == len(table) == len(again)
    for position, line in zip(shuffled.index, again, strict=True):
        assert line.equals_exact(forward[position], 0.0)
    assert all(line.is_valid and not line.is_empty for line in forward)


def test_no_consecutive_duplicate_coordinates(tiny):
    network, table = tiny
    for line in route_geometries(network, table):
        coords = np.asarray(line.coords)
        assert np.all(np.any(coords[1:] != coords[:-1], axis=1))


def test_empty_table_and_bad_input(tiny):
    network, table = tiny
    assert route_geometries(network, table.iloc[:0]) == []
    with pytest.raises(ValueError, match="resources"):
        route_geometries(network, table.drop(columns="resources"))
    broken = _row(table, "b-one", "d-city", "rail_bet").assign(resources=[("rs-1", "rs-2")])
    with pytest.raises(ValueError, match="terminals"):
        route_geometries(network, broken)


@pytest.fixture(scope="module")
def default():
    scenario = load_scenario(CONFIG)
    network = build_network(read_region(scenario.region), scenario)
    return network, _options(network)


@pytest.fixture(scope="module")
def default_lines(default):
    network, table = default
    return route_geometries(network, table)


def test_default_region_lines_are_valid_and_join_base_to_node(default, default_lines):
    network, table = default
    lines = default_lines
    assert len(lines) == len(table)
    array = np.array(lines, dtype=object)
    assert shapely.is_valid(array).all() and not shapely.is_empty(array).any()
    points = network.region.points().set_index("id")[["lon", "lat"]]
    first = shapely.get_coordinates(shapely.get_point(array, 0))
    last = shapely.get_coordinates(shapely.get_point(array, -1))
    assert np.abs(first - points.loc[table["base"]].to_numpy()).max() < 1e-6
    assert np.abs(last - points.loc[table["node"]].to_numpy()).max() < 1e-6


def test_default_region_line_lengths_match_the_priced_km(default, default_lines):
    _, table = default
    km = np.array([_km(line) for line in default_lines])
    ratio = km / (table["km_road"] + table["km_rail"]).to_numpy()
    # Road links are drawn straight while their km is the driving distance, hence mostly below 1.
    assert np.mean((ratio >= 0.8) & (ratio <= 1.25)) > 0.85
    assert ratio.min() > 0.5 and ratio.max() < 1.25
    assert np.all(km >= table["great_circle_km"].to_numpy() * 0.999)


def _link_km(region) -> dict[frozenset, float]:
    """km of each road link and rail section, keyed by its end coordinates."""
    out = {}
    for layer in (region.roads, region.rail_segments):
        for geom, km in zip(layer.geometry, layer["length_km"], strict=True):
            out[frozenset((geom.coords[0], geom.coords[-1]))] = km
    return out


def test_default_region_draws_the_links_that_were_priced(default, default_lines):
    network, table = default
    region = network.region
    assert (region.roads.geometry.count_coordinates() == 2).all()  # else vertices are not link ends
    link_km = _link_km(region)
    xy = {t: p.coords[0] for t, p in zip(region.rail_stations["id"], region.rail_stations.geometry, strict=True)}
    # A terminal's transfer to its station may share its ends with the terminal's access road.
    transfer_km = {
        t.id: link_km.get(frozenset((t.geometry.coords[0], xy[t.station])), 0.0) for t in region.terminals.itertuples()
    }
    for line, row in zip(default_lines, table.itertuples(), strict=True):
        total = sum(link_km.get(frozenset(pair), 0.0) for pair in itertools.pairwise(line.coords))
        total -= sum(transfer_km.get(t, 0.0) for t in (row.loading_terminal, row.unloading_terminal))
        assert total == pytest.approx(row.km_road + row.km_rail, abs=1e-6), (row.base, row.node, row.chain)
