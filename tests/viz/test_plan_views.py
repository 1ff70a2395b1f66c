"""What an official reads off a plan: the supply matrix, the one-sentence conclusion, what changed
between two plans, labels and the region's own basemap on the map, and the Chinese report."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pandas as pd
import pytest
from small import small_plan
from tiny import write_config, write_region

import aggregates as ag
from aggregates import MapOptions, comparison_map, supply_map
from aggregates.analysis.compare import base_changes, flow_changes
from aggregates.analysis.conclusion import conclusion
from aggregates.analysis.supply import matrix_wide, supply_matrix
from aggregates.viz.maps.annotations import short_name
from aggregates.viz.report import report_html
from aggregates.viz.report.matrix import matrix_table

FEASIBLE = [
    "target.mt_per_yr=3",
    "target.from_year=2021",
    "prices.natural_yuan_per_t.sand=150",
    "prices.natural_yuan_per_t.coarse=90",
    "natural.import_co2e_kg_per_t=0",
]


def _has(page: str, text: str) -> bool:
    """Whether ``text`` is in the page as HTML or inside a JSON string (folium escapes non-ASCII there)."""
    return text in page or json.dumps(text)[1:-1] in page


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> ag.Result:
    folder = tmp_path_factory.mktemp("views")
    return ag.solve(ag.load_scenario(write_config(folder, write_region(folder / "region")), FEASIBLE))


# -- supply matrix -------------------------------------------------------------------------------


def test_supply_matrix_sums_the_flows_by_city_market_and_chain():
    plan = small_plan()
    for year in plan.years:
        matrix = supply_matrix(plan, year)
        flows = plan.flows[plan.flows["year"] == year]
        assert matrix["mt"].sum() == pytest.approx(flows["tonnes"].sum() / 1e6)
        assert set(matrix["chain"]) == set(flows["chain"])
    # 2022: b-a (Chengde) sends 2.0 Mt to d-bj (Beijing) by rail_bet; b-b (Tangshan) 1.0 Mt the same way.
    m = supply_matrix(plan, 2022).set_index(["supply_city", "market", "chain"])["mt"]
    assert m[("Chengde", "Beijing", "rail_bet")] == pytest.approx(2.0)
    assert m[("Tangshan", "Beijing", "rail_bet")] == pytest.approx(1.0)
    wide = matrix_wide(supply_matrix(plan, 2022))
    assert wide["total"].sum() == pytest.approx(4.0)
    assert (wide[["diesel_truck", "rail_bet"]].sum(axis=1) == wide["total"]).all()


def test_supply_matrix_table_is_in_the_language_asked():
    table = matrix_table(supply_matrix(small_plan(), 2022), "zh")
    assert "供应城市" in table and "承德" in table and "铁路 + 电动短驳" in table and "合计 (万吨)" in table
    assert "Chengde" not in table
    # 4.0 Mt in all = 400 万吨, in the total row.
    assert re.search(r"<tr class=total>.*<td class=num>400</td></tr>", table)
    assert "Mt" in matrix_table(supply_matrix(small_plan(), 2022), "en")


# -- the conclusion ------------------------------------------------------------------------------


def test_conclusion_says_met_or_missed_with_the_numbers():
    plan = small_plan()
    met, missed = conclusion(plan, 2022), conclusion(plan, 2023)
    assert met.startswith("2022 年") and "达到 350 万吨目标" in met and "超出 50 万吨" in met
    assert "未达到 500 万吨目标" in missed and "差 100 万吨" in missed and "50 万吨需求未满足" in missed
    en = conclusion(plan, 2023, "en")
    assert en.startswith("2023: 4.0 Mt") and "1.0 Mt short of the 5.0 Mt target" in en and "0.5 Mt of demand" in en
    assert "no substitution target" in conclusion(small_plan({2022: {"target_mt": 0.0}}), 2022, "en")


# -- what changed --------------------------------------------------------------------------------


def _changed(plan):
    """``plan`` with 2022's b-a -> d-tj flow gone, b-a -> d-bj doubled, b-b -> d-bj halved, and b-c built."""
    f = plan.flows.copy()
    f = f[~((f["year"] == 2022) & (f["base"] == "b-a") & (f["node"] == "d-tj"))]
    f.loc[(f["year"] == 2022) & (f["base"] == "b-a"), "tonnes"] *= 2
    f.loc[(f["year"] == 2022) & (f["base"] == "b-b"), "tonnes"] /= 2
    b = plan.bases.copy()
    b.loc[(b["year"] == 2022) & (b["base"] == "b-c"), ["level", "capacity_t"]] = [0, 1.0e6]
    return replace(plan, flows=f, bases=b)


def test_flow_and_base_changes_name_each_kind():
    a, b = small_plan(), _changed(small_plan())
    flows = flow_changes(a, b, 2022).set_index(["base", "node"])
    assert flows.loc[("b-a", "d-tj"), "change"] == "gone" and flows.loc[("b-a", "d-tj"), "delta_t"] == -1.0e6
    assert flows.loc[("b-a", "d-bj"), "change"] == "grown" and flows.loc[("b-a", "d-bj"), "delta_t"] == 2.0e6
    assert flows.loc[("b-b", "d-bj"), "change"] == "shrunk"
    back = flow_changes(b, a, 2022).set_index(["base", "node"])
    assert back.loc[("b-a", "d-tj"), "change"] == "new"
    assert set(flow_changes(a, a, 2022)["change"]) == {"same"}
    bases = base_changes(a, b, 2022).set_index("base")["change"]
    assert bases["b-c"] == "built" and bases["b-a"] == "same"
    assert base_changes(b, a, 2022).set_index("base")["change"]["b-c"] == "not_built"


@pytest.mark.slow
def test_comparison_map_draws_what_changed_with_its_counts(tiny):
    plan = tiny.plan
    year = plan.headline_year()
    flows = plan.flows
    first = flows[flows["year"] == year].iloc[0]
    same = (flows["base"] == first["base"]) & (flows["node"] == first["node"]) & (flows["chain"] == first["chain"])
    b_plan = replace(plan, flows=flows.assign(tonnes=flows["tonnes"].where(~same, 0.0)))  # one flow gone
    b = replace(tiny, plan=b_plan)
    expected = flow_changes(plan, b_plan, year)["change"].value_counts()
    page = comparison_map([tiny, b]).render()
    assert expected["gone"] >= 1
    assert page.count("agg-chg agg-chg-gone") == expected["gone"]
    assert page.count("agg-chg agg-chg-grown") == expected.get("grown", 0)
    assert _has(page, "流向取消") and _has(page, "变化(相对A)") and _has(page, "相对A的变化:流向取消")


# -- labels, basemap, legend, matrix on the map -------------------------------------------------------


def test_short_names_drop_notes_and_generic_endings():
    assert short_name("迁安首矿(首钢矿业)绿色砂石基地", "zh") == "迁安首矿"
    assert short_name("Chengde Baotong green aggregate base", "en") == "Chengde Baotong"
    assert short_name("北京大兴国际机场临空经济区", "zh") == "北京大兴国际机…"
    assert short_name("承德宝通绿色砂石基地", "zh") == "承德宝通"


def test_supply_map_has_labels_basemap_matrix_and_conclusion(tiny):
    page = supply_map(tiny).get_root().render()
    built = tiny.plan.bases.query(f"year == {tiny.plan.headline_year()} and level >= 0 and capacity_t > 0")
    assert page.count("agg-lbl agg-lbl-base") == len(built)
    assert _has(page, "标注:基地与需求点") and "aggDeclutter(" in page
    towns = tiny.layers.places.query("kind == 'town'")
    assert len(towns) and page.count("agg-lbl agg-lbl-town") == len(towns) and _has(page, "底图:道路与城镇")
    assert 'id="agg-matrix"' in page and conclusion(tiny.plan) in page
    osm = supply_map(tiny, MapOptions(basemap="osm", offline=True)).get_root().render()
    assert "agg-lbl agg-lbl-town" not in osm and not _has(
        osm, "底图:道路与城镇"
    )  # tiles bring their own roads and towns


@pytest.mark.slow  # the report's charts take some seconds
def test_chinese_report_has_chinese_tables(tiny):
    page = report_html(tiny.plan, lang="zh", layers=tiny.layers)
    shown = re.sub(r"<script>.*?</script>|<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    # The tiny region's Chinese names carry its ids (测试b-one, ...): those may show.
    layers = tiny.layers
    for names in (layers.bases, layers.demand, layers.terminals, layers.swap_stations):
        for name in set(names["name_zh"]):
            shown = shown.replace(name, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z_\-/]{2,}", shown)) - {tiny.plan.name, "NOx"}
    assert not words, words
    assert "供需矩阵" in page and 'id="conclusion"' in page and "@page{size:A4" in page
    en = report_html(tiny.plan, lang="en", layers=tiny.layers)
    assert "Supply matrix" in en and "supply city" in en


def test_matrix_of_an_empty_year_is_empty():
    plan = small_plan()
    empty = replace(plan, flows=plan.flows.iloc[:0])
    assert supply_matrix(empty, 2022).empty and list(supply_matrix(empty, 2022).columns) == [
        "supply_city",
        "market",
        "chain",
        "mt",
    ]
    assert isinstance(matrix_wide(supply_matrix(plan, 2022)), pd.DataFrame)
