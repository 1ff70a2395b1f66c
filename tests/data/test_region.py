"""Reading and validating a region folder: every rule, and all problems in one error."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from tiny import feature, mutated, write_region

from aggregates.config import Scenario
from aggregates.data.reading import read_region
from aggregates.errors import RegionError
from aggregates.pipeline.inputs import check_fit


def test_tiny_region_reads_with_types(tiny_region):
    region = read_region(tiny_region)
    assert list(region.bases["id"]) == ["b-one", "b-two"]
    assert region.base_levels["capacity_mt_per_yr"].dtype == "float64"
    assert region.base_levels["level"].dtype == "int64"
    assert region.bases["own_siding"].tolist() == [False, True]
    assert region.demand_years["demand_mt"].sum() == pytest.approx(5 * (2.5 + 1.0))
    assert region.years() == [2021, 2022, 2023, 2024, 2025]
    assert str(region.roads.crs) == "EPSG:4326"
    points = region.points()
    assert set(points["layer"]) == {"bases", "demand", "terminals", "road_nodes", "swap_stations", "rail_stations"}
    assert len(points) == 2 + 2 + 2 + 3 + 1 + 3


def _error_for(tmp_path, change) -> str:
    write_region(tmp_path / "bad", mutated(change))
    with pytest.raises(RegionError) as info:
        read_region(tmp_path / "bad")
    return info.value.message


def test_negative_capacity_names_file_row_and_field(tmp_path):
    def change(layers):
        layers["base_levels.csv"][0]["capacity_mt_per_yr"] = -5

    msg = _error_for(tmp_path, change)
    assert "base_levels.csv row 2: capacity_mt_per_yr must be > 0, got -5" in msg


def test_missing_and_extra_columns(tmp_path):
    def change(layers):
        for f in layers["terminals.geojson"]["features"]:
            del f["properties"]["capacity_mt_per_yr"]
            f["properties"]["colour"] = "red"

    msg = _error_for(tmp_path, change)
    assert "terminals.geojson: missing column(s) capacity_mt_per_yr" in msg
    assert "terminals.geojson: unexpected column(s) colour" in msg


def test_wrong_type_and_bad_choice(tmp_path):
    def change(layers):
        feature(layers, "bases.geojson", "b-one")["stock_mt"] = "lots"
        feature(layers, "bases.geojson", "b-two")["feedstock"] = "sand"
        feature(layers, "demand.geojson", "d-far")["diesel_restricted"] = "maybe"

    msg = _error_for(tmp_path, change)
    assert "bases.geojson row 'b-one': stock_mt expected a number, got 'lots'" in msg
    assert "bases.geojson row 'b-two': feedstock must be one of" in msg
    assert "demand.geojson row 'd-far': diesel_restricted expected true or false, got 'maybe'" in msg


def test_all_problems_come_in_one_error(tmp_path):
    def change(layers):
        feature(layers, "bases.geojson", "b-one")["yield_sand"] = 0.8
        feature(layers, "terminals.geojson", "t-unl")["station"] = "st-nowhere"
        feature(layers, "roads.geojson", "rd-d2")["id"] = "rd-d1"

    msg = _error_for(tmp_path, change)
    assert "3 problem(s)" in msg
    assert "yield_sand + yield_coarse must be <= 1, got 0.8 + 0.4 = 1.2" in msg
    assert "terminals.geojson row 't-unl': station 'st-nowhere' is not an id in rail_stations.geojson" in msg
    assert "roads.geojson row 'rd-d1': id appears 2 times" in msg


def test_duplicate_id_across_layers(tmp_path):
    def change(layers):
        feature(layers, "swap_stations.geojson", "s-b")["id"] = "r-b"

    msg = _error_for(tmp_path, change)
    assert "id is also used in road_nodes.geojson" in msg


def test_geometry_outside_region_and_empty(tmp_path):
    def change(layers):
        bases = layers["bases.geojson"]["features"]
        bases[0]["geometry"]["coordinates"] = [40.02, 117.62]  # lat/lon swapped
        layers["demand.geojson"]["features"][1]["geometry"] = None

    msg = _error_for(tmp_path, change)
    assert "bases.geojson row 'b-one': geometry lies outside the region's bbox" in msg
    assert "swapped lon/lat" in msg
    assert "demand.geojson row 'd-far': geometry is empty" in msg


def test_crs_other_than_wgs84(tmp_path):
    def change(layers):
        layers["road_nodes.geojson"]["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}

    msg = _error_for(tmp_path, change)
    assert "road_nodes.geojson: CRS is EPSG:3857, expected EPSG:4326" in msg


def test_levels_must_grow_and_exist(tmp_path):
    def change(layers):
        layers["base_levels.csv"][1]["capacity_mt_per_yr"] = 1.5
        layers["base_levels.csv"] = [r for r in layers["base_levels.csv"] if r["base_id"] != "b-two"]

    msg = _error_for(tmp_path, change)
    assert "base 'b-one': capacity_mt_per_yr must increase with level, got [2.0, 1.5]" in msg
    assert "base 'b-two' has no capacity level" in msg


def test_loading_terminal_must_load(tmp_path):
    def change(layers):
        feature(layers, "bases.geojson", "b-one")["loading_terminal"] = "t-unl"

    msg = _error_for(tmp_path, change)
    assert "loading_terminal 't-unl' is an unloading yard" in msg


def test_demand_for_a_product_not_accepted(tmp_path):
    def change(layers):
        feature(layers, "demand.geojson", "d-far")["accepts"] = "sand"

    msg = _error_for(tmp_path, change)
    assert "node 'd-far' demands coarse but its accepts is sand" in msg


def test_missing_file_and_unreadable_file(tmp_path):
    folder = write_region(tmp_path / "bad")
    (folder / "swap_stations.geojson").unlink()
    (folder / "roads.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(RegionError) as info:
        read_region(folder)
    assert "swap_stations.geojson: missing" in info.value.message
    assert "roads.geojson: cannot be read" in info.value.message


def test_years_must_cover_the_scenario(tiny_region):
    region = read_region(tiny_region)
    check_fit(Scenario(name="years", region=tiny_region, years=[2022, 2025]), region)
    with pytest.raises(RegionError, match=r"no demand for year\(s\) \[2030\]"):
        check_fit(Scenario(name="years", region=tiny_region, years=[2025, 2030]), region)


def test_geopackage_layer_is_read_like_geojson(tmp_path, tiny_region):
    gdf = gpd.read_file(tiny_region / "swap_stations.geojson")
    (tiny_region / "swap_stations.geojson").unlink()
    gdf.to_file(tiny_region / "swap_stations.gpkg", driver="GPKG")
    region = read_region(tiny_region)
    assert list(region.swap_stations["id"]) == ["s-b"]
    assert json.loads((tiny_region / "roads.geojson").read_text())["type"] == "FeatureCollection"
