"""The quarries layer on the tiny region: reading, bad values, and quarries in a plan.

The tiny region (tests/tiny.py) gets one quarry, q-hill, on a 1 km access road at r-b, half way to
the markets. With the default diesel rates (tests/tiny.py) its haul to d-city is 1 + 50 + 1 km with
50 km tolled: 0.276129 x 52 + 0.129032 x 50 = 20.81 yuan/t, so sand delivered costs 30 + 20.81 =
50.81 yuan/t, below both b-one's 30 production + 41.07 haul and the import tier (140): the quarry
ships all it may and the import tier takes the rest.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tiny import mutated, write_config, write_region

import aggregates as ag
from aggregates.errors import RegionError

QUARRY = {
    "id": "q-hill",
    "name_en": "Hill quarries",
    "name_zh": "测试矿区",
    "city": "Baoding",
    "county": "Yixian",
    "province": "Hebei",
    "capacity_mt_per_yr": 1.0,
    "capacity_year": 2017,
    "price_sand_yuan_per_t": 30.0,
    "price_coarse_yuan_per_t": 20.0,
    "source": "test",
}


def _with_quarry(layers: dict, **changes) -> None:
    props = {**QUARRY, **changes}
    layers["quarries.geojson"] = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [117.0, 40.02]}}
        ],
    }
    road = layers["roads.geojson"]["features"][0]
    access = {**road, "properties": {**road["properties"], "id": "rd-q1", "road": "access", "from_node": "q-hill"}}
    access["properties"].update({"to_node": "r-b", "kind": "access", "length_km": 1.0, "toll": False})
    access["geometry"] = {"type": "LineString", "coordinates": [[117.0, 40.02], [117.0, 40.0]]}
    layers["roads.geojson"]["features"].append(access)


@pytest.fixture
def quarry_region(tmp_path):
    return write_region(tmp_path / "quarry", mutated(_with_quarry))


def test_the_quarry_layer_reads_with_its_capacity_path(tmp_path):
    def change(layers):
        _with_quarry(layers)
        layers["quarry_years.csv"] = [{"quarry_id": "q-hill", "year": 2022, "capacity_mt_per_yr": 0.4, "source": "t"}]

    region = ag.read_region(write_region(tmp_path / "q", mutated(change)))
    assert list(region.quarries["id"]) == ["q-hill"]
    # 2021: 1.0 x 0.9^(2021 - 2017) = 0.6561; 2022 is listed: 0.4.
    capacity = region.quarry_capacity([2021, 2022], closure_rate_per_yr=0.1)
    assert capacity.loc["q-hill", 2021] == pytest.approx(0.6561)
    assert capacity.loc["q-hill", 2022] == pytest.approx(0.4)


def test_a_region_without_quarries_still_reads(tiny_region):
    region = ag.read_region(tiny_region)
    assert region.quarries.empty and region.quarry_capacity([2021]).empty


def test_bad_quarry_values_name_file_row_and_field(tmp_path):
    def change(layers):
        _with_quarry(layers, capacity_mt_per_yr=-1.0, price_sand_yuan_per_t=0.0)
        layers["quarry_years.csv"] = [{"quarry_id": "q-nowhere", "year": 2022, "capacity_mt_per_yr": 1, "source": "t"}]

    with pytest.raises(RegionError) as err:
        ag.read_region(write_region(tmp_path / "bad", mutated(change)))
    text = str(err.value)
    assert "quarries.geojson" in text and "q-hill" in text
    assert "capacity_mt_per_yr" in text and "price_sand_yuan_per_t" in text
    assert "quarry_years.csv" in text and "q-nowhere" in text


def _scenario(tmp_path, region, extra: str = "") -> ag.Scenario:
    text = "target:\n  mt_per_yr: 0.0\nnatural:\n  outside_share: 0.5\n" + extra
    return ag.load_scenario(write_config(tmp_path, region, text))


def test_the_quarry_ships_its_available_tonnes_and_imports_take_the_rest(tmp_path, quarry_region):
    # Capacity 1.0, outside share 0.5: 0.5 Mt/yr available, all shipped; demand 3.5 Mt/yr in all.
    plan = ag.solve(_scenario(tmp_path, quarry_region)).plan
    q = plan.quarries[plan.quarries["year"] == 2021].iloc[0]
    assert q["available_t"] == pytest.approx(0.5e6) and q["shipped_t"] == pytest.approx(0.5e6)
    assert q["utilisation"] == pytest.approx(1.0) and q["shadow_price_yuan_per_t"] > 0
    k = plan.year(2021)
    assert k.natural_quarry_mt == pytest.approx(0.5)
    assert k.natural_mt == pytest.approx(k.natural_quarry_mt + k.natural_import_mt)
    assert k.substitution_mt + k.natural_mt + k.unmet_mt == pytest.approx(k.demand_mt)
    demand = plan.demand[plan.demand["year"] == 2021]
    assert demand["natural_quarry_t"].sum() == pytest.approx(0.5e6)
    assert (demand["natural_t"] == demand["natural_quarry_t"] + demand["natural_import_t"]).all()
    flows = plan.natural_flows[plan.natural_flows["year"] == 2021]
    assert flows["tonnes"].sum() == pytest.approx(0.5e6)
    # CO2e of natural: quarry hauls plus 9.9 kg per imported tonne.
    imported = k.natural_import_mt * 1e6 * 9.9 / 1000
    assert k.natural_co2e_t == pytest.approx(flows["co2e_t"].sum() + imported, abs=0.2)


def test_a_zero_emission_zone_closes_diesel_quarry_hauls(tmp_path, quarry_region):
    scenario = _scenario(tmp_path, quarry_region, "policies:\n  zero_emission_zones: [beijing_5th_ring]\n")
    result = ag.solve(scenario)
    pb = result.instance.problem
    routes = result.instance.quarry_routes.table
    into_city = (routes["node"] == "d-city").to_numpy()
    diesel = (routes["chain"] == "diesel_truck").to_numpy()
    assert not pb.qroute_open[into_city & diesel].any()
    assert pb.qroute_open[into_city & ~diesel].all() and pb.qroute_open[~into_city].all()
    hauls = result.plan.natural_flows
    assert not ((hauls["node"] == "d-city") & (hauls["chain"] == "diesel_truck")).any()


def test_quarries_off_leaves_natural_to_the_import_tier(tmp_path, quarry_region):
    plan = ag.solve(_scenario(tmp_path, quarry_region, "  quarries: false\n")).plan
    assert plan.quarries.empty and plan.year(2021).natural_quarry_mt == 0.0


def test_quarry_tables_round_trip_through_a_run_folder(tmp_path, quarry_region):
    result = ag.solve(_scenario(tmp_path, quarry_region))
    back = ag.read_run(result.write(tmp_path / "run", visuals=False))
    for name in ("quarries", "natural_flows", "demand"):
        pd.testing.assert_frame_equal(back.plan.tables()[name], result.plan.tables()[name], check_dtype=False)
    assert back.plan.kpis == result.plan.kpis
    assert np.isfinite(back.plan.quarries["shadow_price_yuan_per_t"]).all()


def test_an_outside_share_for_an_unknown_quarry_is_a_config_error(tmp_path, quarry_region):
    scenario = _scenario(tmp_path, quarry_region, "  outside_share_by_quarry: {q-nowhere: 0.2}\n")
    with pytest.raises(ag.ConfigError, match="outside_share_by_quarry.q-nowhere match no quarry"):
        ag.solve(scenario)


@pytest.mark.slow
def test_the_map_shows_the_quarries_with_their_use(tmp_path, quarry_region):
    result = ag.solve(_scenario(tmp_path, quarry_region))
    page = ag.supply_map(result).get_root().render()
    for text in ("天然砂石矿区(利用率)", "测试矿区"):  # folium escapes non-ASCII inside JSON strings
        assert text in page or json.dumps(text)[1:-1] in page, text
    back = ag.read_run(result.write(tmp_path / "run", visuals=False))
    assert list(back.layers.quarries["quarry"]) == list(result.layers.quarries["quarry"])
