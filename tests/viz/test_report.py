"""The one-page HTML report (aggregates.viz.report) on the hand-made plan of tests/viz/small.py.

Chinese pages count tonnes in 万吨 (1 Mt = 100 万吨) and money in 亿元 (1 billion yuan = 10 亿元),
as the map does; English ones in Mt and billion yuan.
"""

from __future__ import annotations

import html
import re

import pytest
from small import NAME, SPECIAL_EN, SPECIAL_ZH, small_plan

from aggregates.viz.report import card_values, fmt_number, fmt_percent, report_html, write_report

MAP = '<!DOCTYPE html><html><body><div id="map">Map & "co"</div><script>var ok = 1 < 2;</script></body></html>'
EXTERNAL = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", re.I)


@pytest.fixture(scope="module")
def plan():
    return small_plan()


@pytest.fixture(scope="module")
def page_en(plan) -> str:
    return report_html(plan, lang="en", map_html=MAP)


@pytest.fixture(scope="module")
def page_zh(plan) -> str:
    return report_html(plan, lang="zh")


def section(page: str, heading: str) -> str:
    """The HTML of the section whose heading starts with ``heading``."""
    start = page.index(f"<h2>{heading}")
    return page[start : page.index("</section>", start)]


def cards(page: str) -> list[str]:
    """The text of each headline card, its parts joined by " | " (tags removed, entities decoded)."""
    block = page[page.index('<div class="cards">') : page.index("</div>\n<section>")]
    found = []
    for card in block.split('<div class="card">')[1:]:
        parts = re.findall(r'<div class="(?:label|value|sub)">(.*?)</div>', card)
        found.append(" | ".join(html.unescape(re.sub(r"<[^>]+>", "", part)) for part in parts))
    return found


def test_formatting_helpers():
    assert fmt_number(1234567.891, 1) == "1,234,567.9"
    assert fmt_number(float("nan")) == fmt_number(None) == "—"
    assert fmt_percent(0.2735) == "27.4 %"


def test_headline_cards_show_the_first_target_year(page_en):
    # 2022: 4.0 Mt against 3.5 (met), 75 % by rail (90 % of tonne-km), 100 yuan/t and 400 M yuan in all,
    # 36,000 t CO2e = 36.0 kt, 36 t NOx and 1.2 t PM, 3.4 trains and 1,234 truck trips a day.
    # The labels are the KPI registry's (aggregates.vocab.KPIS).
    assert cards(page_en) == [
        "substitution | 4.00 Mt/yr | target 3.50 Mt/yr · met",
        "rail share of t | 75% | rail share of t-km 90%",
        "delivered cost | 100.0 yuan/t | total cost 400.0 M yuan",
        "CO2e (WTW) | 36.0 kt CO₂e | 9.00 kg/t",
        "NOx | 36.0 t NOx | PM 1.2 t",
        "trains/day | 3.4 | truck trips/day 1,234",
    ]
    assert "headline year: 2022" in page_en
    # The unit after a card's number is set smaller.
    assert '<div class="value">4.00 <span class="unit">Mt/yr</span></div>' in page_en


@pytest.mark.slow
def test_headline_cards_in_chinese_units_print_the_maps_strings(page_zh, plan):
    # The map's title block (aggregates.viz.fmt): 4.0 Mt = 400 万吨/年 against 350 万吨/年; 400 M yuan = 4.00 亿元;
    # 36,000 t CO2e = 3.6 万吨 CO₂e; 36 t NOx.
    assert cards(page_zh) == [
        "固废砂石替代量 | 400 万吨/年 | 目标 350 万吨/年 · 已达成",
        "铁路运量占比 | 75% | 铁路周转量占比 90%",
        "到厂成本 | 100.0 元/吨 | 总成本 4.00 亿元",
        "二氧化碳当量 | 3.6 万吨 CO₂e | 9.00 千克/吨",
        "氮氧化物 | 36.0 吨 NOx | 颗粒物 1.2 吨",
        "每日列车 | 3.4 | 每日货车车次 1,234",
    ]
    assert '<span class="met">目标 350 万吨/年 · 已达成</span>' in page_zh
    missed = report_html(plan, lang="zh", year=2023)
    # 2023: 4.0 Mt = 400 万吨 misses 5.0 Mt = 500 万吨.
    assert '<span class="missed">目标 500 万吨/年 · 未达成</span>' in missed


def test_card_values_read_the_typed_kpis(plan):
    # The map's title block strings of 2023: 4.0 Mt = 400 万吨/年 against 500; 440 M yuan = 4.40 亿元; 42.5 kt.
    zh = card_values(plan.year(2023), "zh")
    assert (zh["substitution"], zh["target"], zh["cost"]) == ("400 万吨/年", "500 万吨/年", "4.40 亿元")
    assert (zh["co2e"], zh["nox"], zh["pm"]) == ("4.2 万吨 CO₂e", "50.0 吨 NOx", "1.5 吨")
    en = card_values(small_plan({2022: {"target_mt": 0.0, "pm_t": float("nan")}}).year(2022), "en")
    assert (en["target"], en["pm"], en["rail_share_tkm"]) == ("–", "—", "90%")


def test_kpi_table_has_every_year_formatted(page_en):
    table = section(page_en, "KPIs by year")
    assert "<th class=num>2022</th><th class=num>2023</th>" in table
    # Truck trips with thousands separators; cost 400 M and 440 M yuan in billion yuan; 2023 missed its target.
    assert "<td class=num>1,234</td><td class=num>2,345</td>" in table
    assert "<td class=num>0.40</td><td class=num>0.44</td>" in table
    assert "<td class=num>met</td><td class=num>missed</td>" in table
    assert "substitution (Mt)</td><td class=num>4.0</td><td class=num>4.0</td>" in table
    assert "CO2e (WTW) (kt)</td><td class=num>36.0</td><td class=num>42.5</td>" in table
    # Natural: 4.0 / 4.5 Mt from quarries and 2.0 / 2.0 imported; their CO2e 12,000 / 13,000 t.
    assert "natural from the region&#x27;s quarries (Mt)</td><td class=num>4.0</td><td class=num>4.5</td>" in table
    assert "natural imported by rail (Mt)</td><td class=num>2.0</td><td class=num>2.0</td>" in table
    assert "CO2e of natural (WTW) (kt)</td><td class=num>12.0</td><td class=num>13.0</td>" in table


def test_kpi_table_in_chinese_counts_wan_tonnes_and_yi_yuan(page_zh):
    table = section(page_zh, "分年指标")
    row = "</td><td class=num>".join

    def has(title: str, *values: str) -> bool:
        return f"<td>{title}</td><td class=num>{row(values)}</td>" in table

    # 4.0 Mt = 400 万吨 both years; targets 3.5 / 5.0 Mt = 350 / 500; demand 10.0 / 11.0 Mt = 1,000 / 1,100;
    # unmet 0 / 0.5 Mt = 0 / 50; capacity 6.0 / 9.0 Mt/yr = 600 / 900 万吨/年.
    assert has("固废砂石替代量 (万吨)", "400", "400")
    assert has("目标 (万吨)", "350", "500")
    assert has("需求 (万吨)", "1,000", "1,100")
    assert has("未满足需求 (万吨)", "0", "50")
    assert has("产能 (万吨/年)", "600", "900")
    # Cost 400 / 440 M yuan = 4.00 / 4.40 亿元; carbon cost 0 / 8 M = 0.00 / 0.08 亿元.
    assert has("总成本 (亿元)", "4.00", "4.40")
    assert has("碳成本 (亿元)", "0.00", "0.08")
    # CO2e 36,000 / 42,500 t = 3.60 / 4.25 万吨; NOx stays in t.
    assert has("二氧化碳当量 (万吨)", "3.60", "4.25")
    assert has("氮氧化物 (吨)", "36.0", "50.0")
    assert not re.search("百万吨|十亿元|千吨", page_zh)


def test_charts_are_inline_once_and_embedded_from_json(page_en, plan):
    assert page_en.count("window.vegaEmbed=") == 1  # the bundle, once
    for name in ("substitution", "output", "mode_split", "cost", "emissions"):
        assert f'<div id="chart-{name}" class="chart"></div>' in page_en
        assert f'vegaEmbed("#chart-{name}"' in page_en
    # English charts in Mt and kt: 4.0 Mt, 2022 rail_bet 16.0 kt CO2e.
    assert '"substitution":4.0' in page_en and '"co2e":16.0' in page_en
    assert not EXTERNAL.search(page_en)


def test_charts_heading_says_to_open_the_page_in_a_browser(page_en, page_zh):
    en, zh = section(page_en, "charts"), section(page_zh, "图表")
    assert en.index("Open this page in a web browser to see the charts and the map") < en.index('<div class="charts">')
    assert "email previews strip scripts and show no charts" in en
    assert zh.index("图表和地图需在浏览器中打开本页才能显示") < zh.index('<div class="charts">')
    assert "邮件预览会去掉脚本，看不到图表" in zh


def test_map_is_an_escaped_srcdoc_iframe(page_en, page_zh):
    assert f'srcdoc="{html.escape(MAP, quote=True)}"' in page_en
    assert '<div id="map">' not in page_en and "var ok = 1 < 2" not in page_en
    assert "<iframe" not in page_zh  # no map given, no map section


def test_bases_table_has_a_row_per_base_with_units(page_en, page_zh):
    table = section(page_en, "bases 2022")
    body = table[table.index("<tbody>") :]
    assert body.count("<tr>") == 3 and body.count("<tr class=total>") == 1
    assert "capacity (Mt/yr)" in table and "feedstock left (Mt)" in table
    # b-a: 4.0 Mt/yr, 3.0 Mt made, 75 % used (made / capacity), then shipped 3.0, local, stock and disposed 0,
    # 20 Mt left; b-c is not built in 2022.
    assert (
        "<td>Chengde A</td><td>existing</td><td class=num>1</td><td class=num>4.00</td><td class=num>3.00</td>" in body
    )
    assert "<td class=num>75 %</td><td class=num>3.00</td>" in body and "<td class=num>20.0</td>" in body
    assert "<td>Tangshan C</td><td>candidate</td><td class=num>not built</td>" in body
    zh = section(page_zh, "基地 2022")
    assert "产能 (万吨/年)" in zh and "剩余原料 (万吨)" in zh
    # b-a in 万吨: 4.0 Mt/yr = 400, 3.0 Mt = 300, 20 Mt = 2,000; totals 6.0 Mt/yr = 600, 4.0 Mt = 400, 33 Mt = 3,300.
    assert (
        "<td>承德甲基地</td><td>已建</td><td class=num>1</td><td class=num>400</td><td class=num>300</td>"
        "<td class=num>75 %</td><td class=num>300</td><td class=num>0</td><td class=num>0</td><td class=num>0</td>"
        "<td class=num>2,000</td>"
    ) in zh
    assert "<td class=num>600</td><td class=num>400</td><td class=num></td><td class=num>400</td>" in zh
    assert "<td class=num>0</td><td class=num>3,300</td></tr>" in zh


def test_special_characters_in_names_are_escaped(page_en, page_zh):
    assert html.escape(SPECIAL_EN, quote=True) in page_en
    assert html.escape(SPECIAL_ZH, quote=True) in page_zh
    assert html.escape(NAME) in page_en
    for raw in ("<Shan>", "<test>", "<砂石>", "Line <A>"):
        assert raw not in page_en and raw not in page_zh


def test_demand_table_by_city_and_product(page_en):
    table = section(page_en, "demand by city and product 2022")
    # Beijing crushed stone: 1.0 of 3.0 Mt from solid waste (33.3 %) at 120 yuan/t.
    assert (
        "<td>Beijing</td><td>crushed stone</td><td class=num>3.00</td><td class=num>1.00</td><td class=num>33.3 %</td>"
        in table
    )
    # Total: 4.0 of 10.0 Mt; delivered cost weighted by tonnes: (2 x 90 + 1 x 120 + 1 x 100) / 4 = 100.00.
    total = table[table.index("<tr class=total>") :]
    assert "<td class=num>10.00</td><td class=num>4.00</td><td class=num>40.0 %</td>" in total
    assert total.split("</td>")[-2].endswith(">100.00")


def test_demand_table_in_chinese_counts_wan_tonnes(page_zh):
    table = section(page_zh, "各城市需求")
    assert "需求 (万吨)" in table and "固废砂石 (万吨)" in table
    # Beijing crushed stone: 3.0 Mt = 300 万吨, 1.0 Mt = 100 from solid waste, 2.0 Mt = 200 natural.
    assert (
        "<td>北京</td><td>碎石</td><td class=num>300</td><td class=num>100</td><td class=num>33.3 %</td>"
        "<td class=num>200</td><td class=num>0</td><td class=num>120.00</td>"
    ) in table
    # Total: 10.0 Mt = 1,000 万吨, 4.0 Mt = 400 from solid waste.
    assert "<td class=num>1,000</td><td class=num>400</td><td class=num>40.0 %</td>" in table


def test_binding_resources_sorted_by_shadow_price(page_en, plan):
    table = section(page_en, "most binding resources")
    # 2022: the yard at 99 % (30.0 yuan/t) before the line at 100 % (12.5); the quiet yard at 50 % is left out.
    assert table.index("Yard one") < table.index("Line &lt;A&gt; &amp; B")
    assert "Quiet yard" not in table
    # Tonnes a year in the report's unit: 1,980,000 t/yr of 2,000,000 is 1.98 of 2.00 Mt/yr.
    assert "<td class=num>1.98</td><td class=num>2.00</td><td>Mt/yr</td>" in table
    none = report_html(plan, lang="en", year=2023)
    assert "No resource is used to 99 % or more." in none


@pytest.mark.slow
def test_report_is_deterministic_and_written(plan, tmp_path, page_en):
    assert report_html(plan, lang="en", map_html=MAP) == page_en
    path = write_report(plan, tmp_path / "run", lang="en", map_html=MAP)
    assert path == tmp_path / "run" / "report.html"
    assert path.read_text(encoding="utf-8") == page_en


@pytest.mark.slow
def test_report_renders_in_a_browser_without_requests(renderer, plan, tmp_path):
    path = write_report(plan, tmp_path, lang="zh", map_html=MAP)
    # The five plan charts and the supply matrix's chart.
    shot = renderer.render(
        path, tmp_path / "report.png", ready="document.querySelectorAll('.chart svg.marks').length == 6"
    )
    assert shot.requests == ()
    assert shot.console_errors == ()
