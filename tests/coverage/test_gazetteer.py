"""Place-name search: Chinese, pinyin (any case, spaces, tones), prefix and substring, ambiguous, not found."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from aggregates.data.gazetteer import fold, gazetteer, resolve_place, search_places
from aggregates.data.gcj02 import wgs84_to_gcj02
from aggregates.data.sites import to_wgs84
from aggregates.errors import InputError


def _layer(rows, **extra) -> gpd.GeoDataFrame:
    records = [{"id": i, "name_zh": zh, "name_en": en, **extra, "geometry": Point(x, y)} for i, zh, en, x, y in rows]
    return gpd.GeoDataFrame(records, geometry=[r.pop("geometry") for r in records], crs="EPSG:4326")


@pytest.fixture(scope="module")
def places():
    # A few real places of the default region, with their names as its layers give them.
    region = SimpleNamespace(
        demand=_layer(
            [
                ("d-xa-startup", "雄安新区起步区", "Xiong'an start-up area", 116.02, 38.98),
                ("d-xa-rongdong", "雄安新区容东片区", "Xiong'an Rongdong area", 115.93, 39.06),
                ("d-bj-airport", "北京大兴国际机场临空经济区", "Daxing airport economic zone", 116.41, 39.51),
            ],
            city="Xiong'an",
        ),
        road_nodes=_layer([("r-tangshan", "唐山", "Tangshan", 118.18, 39.63)]),
        rail_stations=_layer(
            [
                ("st-tangshan", "唐山", "Tangshan", 118.19, 39.62),
                ("st-shuichang", "水厂", "Shuichang (Shougang Mining works)", 118.57, 40.14),
            ]
        ),
        bases=_layer(
            [("b-qianan-shougang", "迁安首矿(首钢矿业)绿色砂石基地", "Qian'an Shougang Mining base", 118.70, 40.01)],
            city="Tangshan",
        ),
        quarries=_layer([]),
    )
    boundaries = gpd.GeoDataFrame(
        [{"id": "bd-xiongan", "name": "Xiong'an", "name_zh": "雄安新区", "geometry": box(115.7, 38.8, 116.2, 39.2)}],
        crs="EPSG:4326",
    )
    return gazetteer(region, boundaries)


def test_fold_drops_case_spaces_punctuation_tones():
    assert fold("Xiōng'ān") == fold("xiong an") == fold("XIONG2 AN1") == "xiongan"
    assert fold("雄安 新区") == "雄安新区"


@pytest.mark.parametrize("query", ["雄安", "xiongan", "Xiōng ān", "XIONG'AN", "xaxq"])
def test_chinese_and_pinyin_find_the_same_city(places, query):
    # 雄安 is 雄安新区 without its generic ending (新区); xaxq its pinyin initials.
    found = resolve_place(places, query)
    assert (found.id, found.kind) == ("bd-xiongan", "city")
    assert (found.lat, found.lon) == pytest.approx((39.0, 115.95))  # the middle of its boundary box


def test_prefix_substring_and_words_rank_below_exact(places):
    assert [m.id for m in search_places(places, "雄安新区")][:1] == ["bd-xiongan"]  # exact beats prefix
    assert [m.rank for m in search_places(places, "雄安新区")] == [0, 2, 2]
    assert resolve_place(places, "容东").id == "d-xa-rongdong"  # inside a name
    assert resolve_place(places, "xiongan qibu").id == "d-xa-startup"  # every word inside its pinyin
    assert resolve_place(places, "daxing jichang").id == "d-bj-airport"  # pinyin of the Chinese name only
    assert resolve_place(places, "迁安首钢").id == "b-qianan-shougang"  # characters in order: 迁安首矿(首钢...)


def test_one_place_under_two_layers_is_one_answer(places):
    # 唐山 is a town (road node) and a station 1.2 km apart: one place for a site, the town first.
    found = resolve_place(places, "tang shan")
    assert found.id == "r-tangshan" and found.label("zh") == "唐山(城镇)" and found.label("en") == "Tangshan (town)"


def test_ambiguous_name_lists_the_candidates(places):
    with pytest.raises(InputError) as exc:
        resolve_place(places, "shougang")
    text = exc.value.message
    assert "matches 2 places; give a more precise name" in text
    assert "迁安首矿(首钢矿业)绿色砂石基地" in text and "水厂 / Shuichang" in text


def test_unknown_name_suggests_the_closest(places):
    with pytest.raises(InputError, match=r"no place of the region has that name.*closest: 唐山"):
        resolve_place(places, "tangshen")
    assert search_places(places, "   ") == []


def test_gcj02_coordinates_come_back_to_wgs84():
    lat, lon = 39.03, 115.95
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert abs(float(glat) - lat) + abs(float(glon) - lon) > 0.003  # GCJ-02 is a few hundred metres off
    assert to_wgs84(float(glat), float(glon), "gcj02") == pytest.approx((lat, lon), abs=1e-7)
    assert to_wgs84(lat, lon, "WGS-84") == (lat, lon)
    with pytest.raises(InputError, match="--crs: expected one of wgs84, gcj02"):
        to_wgs84(lat, lon, "bd09")
    assert np.isfinite(glat)
