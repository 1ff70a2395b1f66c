"""Charts of a small hand-made plan (aggregates.viz.charts); the plan (tests/viz/small.py) is shared with test_report.

Chinese charts count tonnes in 万吨 (1 Mt = 100 万吨), money in 亿元 (1 billion yuan = 10 亿元) and
CO2e in 万吨 (1 kt = 0.1 万吨); English ones in Mt, billion yuan and kt.
"""

from __future__ import annotations

import dataclasses
import re
import struct
from pathlib import Path

import pytest
from small import SPECIAL_ZH, small_plan

from aggregates import InputError, Plan
from aggregates.analysis.tradeoffs import METRICS
from aggregates.viz.charts import CHART_NAMES, chart_specs, metric_label, metric_unit, script_json, unit, write_charts
from aggregates.viz.charts import page as chart_files
from aggregates.viz.charts.plan_data import output_data
from aggregates.viz.labels import text
from aggregates.vocab import KPIS


@pytest.fixture(scope="module")
def plan() -> Plan:
    return small_plan()


@pytest.fixture(scope="module")
def specs(plan) -> dict[str, dict]:
    """The plan's charts as Vega-Lite specs, by language and chart name."""
    return {lang: {name: chart.to_dict() for name, chart in chart_specs(plan, lang).items()} for lang in ("zh", "en")}


def rows(spec) -> list[dict]:
    """All data rows of a chart (or its Vega-Lite spec), whichever layer they belong to."""
    spec = spec if isinstance(spec, dict) else spec.to_dict()
    return [row for values in spec["datasets"].values() for row in values]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def colour_scales(spec: object) -> list[dict]:
    """Every ``color`` encoding's scale in a spec."""
    found = []
    if isinstance(spec, dict):
        if isinstance(spec.get("color"), dict) and "scale" in spec["color"]:
            found.append(spec["color"]["scale"])
        for value in spec.values():
            found += colour_scales(value)
    elif isinstance(spec, list):
        for value in spec:
            found += colour_scales(value)
    return found


def test_headline_year_is_the_first_with_a_target(plan):
    assert plan.headline_year() == 2022
    assert small_plan({2022: {"target_mt": 0.0}}).headline_year() == 2023
    no_targets = small_plan({2022: {"target_mt": 0.0}, 2023: {"target_mt": 0.0}})
    assert no_targets.headline_year() == 2022
    assert plan.headline_year(2023) == 2023
    with pytest.raises(InputError, match=r"--year 2030 is not in this run; its years are \[2022, 2023\]"):
        plan.headline_year(2030)
    # The charts use it: the output chart shows the headline year unless told otherwise.
    assert chart_specs(plan, "en")["output"].to_dict()["title"]["text"].endswith("2022")


def test_chart_specs_gives_every_chart_with_tooltips(specs):
    assert tuple(specs["zh"]) == CHART_NAMES
    for name, spec in specs["zh"].items():
        assert spec["title"]["text"], name
        assert '"tooltip"' in script_json(spec), f"{name} has no tooltip"


def axis_titles(spec: object) -> list[str]:
    """Every x and y axis title in a spec."""
    found = []
    if isinstance(spec, dict):
        for key in ("x", "y"):
            if isinstance(spec.get(key), dict) and spec[key].get("title"):
                found.append(spec[key]["title"])
        for value in spec.values():
            found += axis_titles(value)
    elif isinstance(spec, list):
        for value in spec:
            found += axis_titles(value)
    return found


def test_units_follow_each_language():
    # Chinese as the map writes them: 万吨 (10^4 t) and 亿元 (10^8 yuan); English Mt, billion yuan, kt.
    assert unit("tonnes", "zh").of(115.06e6) == pytest.approx(11_506)
    assert unit("tonnes", "en").of(115.06e6) == pytest.approx(115.06)
    assert unit("money", "zh").of(10.99e9) == pytest.approx(109.9)
    assert unit("money", "en").of(10.99e9) == pytest.approx(10.99)
    assert unit("co2e", "zh").of(1_120_508.4) == pytest.approx(112.05084)
    assert unit("co2e", "en").of(1_120_508.4) == pytest.approx(1_120.5084)
    names = {lang: [unit(q, lang).name for q in ("tonnes", "tonnes_per_yr", "money", "co2e")] for lang in ("zh", "en")}
    assert names == {"zh": ["万吨", "万吨/年", "亿元", "万吨"], "en": ["Mt", "Mt/yr", "billion yuan", "kt"]}
    # Thousands separators; no decimals on 万吨, two on Mt, one fewer on bar labels.
    assert (unit("tonnes", "zh").d3(), unit("tonnes", "en").d3(), unit("tonnes", "en").d3(1)) == (
        ",.0f",
        ",.2f",
        ",.1f",
    )


def test_axis_titles_name_the_units(specs):
    zh = {name: axis_titles(spec) for name, spec in specs["zh"].items()}
    en = {name: axis_titles(spec) for name, spec in specs["en"].items()}
    assert "需求 (万吨)" in zh["substitution"] and "demand (Mt)" in en["substitution"]
    assert "产量 / 产能 (万吨)" in zh["output"] and "output / capacity (Mt)" in en["output"]
    # KPI names are the registry's (aggregates.vocab.KPIS).
    assert "固废砂石替代量 (万吨)" in zh["mode_split"] and "substitution (Mt)" in en["mode_split"]
    assert "总成本 (亿元)" in zh["cost"] and "total cost (billion yuan)" in en["cost"]
    assert {"二氧化碳当量 (万吨)", "氮氧化物 (吨)"} <= set(zh["emissions"])
    assert {"CO2e (WTW) (kt)", "NOx (t)"} <= set(en["emissions"])
    for name, spec in specs["zh"].items():
        assert not re.search("百万吨|十亿元|千吨", script_json(spec)), name


def test_substitution_chart_data_is_the_kpis(plan, specs):
    data = rows(specs["zh"]["substitution"])
    solid = {r["year"]: r for r in data if r.get("part") == "substitution"}
    natural = {r["year"]: r["value"] for r in data if r.get("part") == "natural"}
    for year, k in plan.kpis.items():
        # In 万吨: 100 per Mt.
        assert solid[str(year)]["value"] == pytest.approx(k.substitution_mt * 100)
        assert solid[str(year)]["target"] == pytest.approx(k.target_mt * 100)
        assert natural[str(year)] == pytest.approx(k.natural_mt * 100)
    # 2022: 4.0 Mt = 400 万吨 against 3.5 Mt = 350 万吨; demand 10.0 Mt = 1,000 万吨.
    assert (solid["2022"]["value"], solid["2022"]["target"], solid["2022"]["demand"]) == (400, 350, 1000)
    # 4.0 >= 3.5 is met, 4.0 < 5.0 missed: the bars say so in colour and word.
    assert (solid["2022"]["label"], solid["2023"]["label"]) == ("已达成", "未达成")
    targets = [r for r in data if r.get("label") == "目标"]
    assert sorted((r["year"], r["target"]) for r in targets) == [("2022", 350.0), ("2023", 500.0)]
    en = {r["year"]: r for r in rows(specs["en"]["substitution"]) if r.get("part") == "substitution"}
    assert (en["2022"]["value"], en["2022"]["target"], en["2023"]["unmet"]) == (4.0, 3.5, 0.5)
    no_target = rows(chart_specs(small_plan({2022: {"target_mt": 0.0}}))["substitution"])
    assert {r["year"] for r in no_target if r.get("label") == "目标"} == {"2023"}
    assert any(r["label"] == "无目标" for r in no_target)


def test_emissions_sum_flows_by_chain_and_year(plan, specs):
    # 2022 rail_bet: 10,000 + 6,000 t CO2e = 16.0 kt, 4,000 + 2,000 kg NOx = 6.0 t;
    # 2022 diesel_truck: 20.0 kt, 30.0 t; 2023 rail_bet: 12.5 kt, 5.0 t; 2023 diesel_truck: 30.0 kt, 45.0 t.
    data = rows(specs["en"]["emissions"])
    got = {(r["year"], r["chain"]): (r["co2e"], r["nox_t"]) for r in data}
    assert got == {
        ("2022", "rail_bet"): (16.0, 6.0),
        ("2022", "diesel_truck"): (20.0, 30.0),
        ("2023", "rail_bet"): (12.5, 5.0),
        ("2023", "diesel_truck"): (30.0, 45.0),
    }
    # Summed over chains they are the KPIs' CO2e (36.0 and 42.5 kt).
    for year in ("2022", "2023"):
        total = sum(co2e for (y, _), (co2e, _) in got.items() if y == year)
        assert total == pytest.approx(plan.year(int(year)).co2e_t / 1000)
    # In Chinese CO2e is in 万吨 (16.0 kt = 1.6 万吨) and tonnes shipped in 万吨 (3.0 Mt = 300); NOx stays in t.
    zh = {(r["year"], r["chain"]): (r["co2e"], r["nox_t"], r["shipped"]) for r in rows(specs["zh"]["emissions"])}
    assert zh[("2022", "rail_bet")] == pytest.approx((1.6, 6.0, 300.0))
    assert zh[("2023", "diesel_truck")] == pytest.approx((3.0, 45.0, 150.0))


def test_chain_colours_are_fixed(plan, specs):
    for name in ("mode_split", "emissions"):
        for lang in ("zh", "en"):
            scale = colour_scales(specs[lang][name])[0]
            colours = dict(zip(scale["domain"], scale["range"], strict=True))
            rail = "rail + e-truck first/last mile" if lang == "en" else "铁路 + 电动短驳"
            diesel = "diesel truck" if lang == "en" else "柴油货车"
            assert colours == {rail: "#1f5fa8", diesel: "#d9822b"}, (name, lang)


def test_mode_split_shows_tonnes_by_chain_and_rail_share(plan, specs):
    data = rows(specs["en"]["mode_split"])
    bars = {(r["year"], r["chain"]): r["value"] for r in data if "chain" in r}
    assert bars == {
        ("2022", "rail_bet"): 3.0,
        ("2022", "diesel_truck"): 1.0,
        **{("2023", "rail_bet"): 2.5, ("2023", "diesel_truck"): 1.5},
    }
    assert {r["rail_label"] for r in data if "rail_label" in r} == {"rail 75.0%", "rail 62.5%"}
    # In 万吨: 3.0 Mt by rail = 300, 4.0 Mt in all = 400.
    zh = {(r["year"], r["chain"]): (r["value"], r["total"]) for r in rows(specs["zh"]["mode_split"]) if "chain" in r}
    assert zh[("2022", "rail_bet")] == pytest.approx((300.0, 400.0))


def test_cost_chart_in_billion_yuan_or_yi_yuan_with_yuan_per_tonne(plan, specs):
    data = rows(specs["en"]["cost"])
    cost = {(r["year"], r["part"]): r for r in data}
    assert cost[("2022", "transport_cost")]["value"] == pytest.approx(0.2)
    # 200 M yuan over 4 Mt of solid-waste aggregate; natural purchase 300 M yuan over 6 Mt of natural.
    assert cost[("2022", "transport_cost")]["yuan_per_t"] == pytest.approx(50.0)
    assert cost[("2022", "natural_cost")]["yuan_per_t"] == pytest.approx(50.0)
    assert cost[("2023", "carbon_cost")]["value"] == pytest.approx(0.008)
    assert cost[("2023", "natural_cost")]["total"] == pytest.approx(0.838)  # 60+160+220+8+390 M
    assert cost[("2023", "fixed_cost")]["cost_yuan_per_t"] == 110.0
    # In 亿元 (10^8 yuan): 200 M yuan = 2.0, 8 M = 0.08, 838 M = 8.38; yuan per tonne unchanged.
    zh = {(r["year"], r["part"]): r for r in rows(specs["zh"]["cost"])}
    assert zh[("2022", "transport_cost")]["value"] == pytest.approx(2.0)
    assert zh[("2022", "transport_cost")]["yuan_per_t"] == pytest.approx(50.0)
    assert zh[("2023", "carbon_cost")]["value"] == pytest.approx(0.08)
    assert zh[("2023", "natural_cost")]["total"] == pytest.approx(8.38)


def test_output_chart_shows_the_year_asked_for(plan, specs):
    first = rows(specs["en"]["output"])
    # 2022: b-c is not built (no capacity, no output) and left out; Chengde 3.0 Mt, Tangshan 1.0 Mt.
    assert {r["base"]: r["output"] for r in first} == {"b-a": 3.0, "b-b": 1.0}
    assert {r["city_label"] for r in first} == {"Chengde  3.0 Mt", "Tangshan  1.0 Mt"}
    later_spec = chart_specs(plan, "zh", year=2023)["output"].to_dict()
    later = rows(later_spec)
    # 2023 in 万吨: b-a 2.5 Mt = 250 of 4.0 Mt/yr = 400; Tangshan 0.0 + 1.5 Mt = 150.
    assert {r["base"]: r["output"] for r in later} == {"b-a": 250.0, "b-b": 0.0, "b-c": 150.0}
    assert {r["base"]: r["capacity"] for r in later} == {"b-a": 400.0, "b-b": 200.0, "b-c": 300.0}
    assert {r["city_label"] for r in later} == {"承德  250 万吨", "唐山  150 万吨"}
    assert {r["base_label"] for r in later} == {"承德甲基地", SPECIAL_ZH, "唐山丙基地"}
    assert later_spec["title"]["text"].endswith("2023")


def test_chinese_and_english_labels_differ(plan, specs):
    zh, en = specs["zh"], specs["en"]
    assert zh["substitution"]["title"]["text"] == "固废砂石替代量与目标"
    assert en["substitution"]["title"]["text"] == "Solid-waste aggregate substitution vs target"
    assert {r["label"] for r in rows(en["cost"])} >= {"fixed cost", "natural purchase"}
    assert {r["label"] for r in rows(zh["cost"])} >= {"基地固定成本", "天然砂石采购"}
    with pytest.raises(ValueError, match="language must be one of zh, en"):
        chart_specs(plan, "fr")


@pytest.mark.slow
def test_write_charts_writes_pngs_and_pages_sharing_one_runtime(plan, tmp_path):
    written = write_charts(plan, tmp_path, png=True)
    assert [p.name for p in written] == ["vega.js", *(f"{n}.{ext}" for n in CHART_NAMES for ext in ("png", "html"))]
    assert (tmp_path / "charts" / "vega.js").read_text(encoding="utf-8").count("window.vegaEmbed=") == 1
    for path in written[1:]:
        assert path.parent == tmp_path / "charts" and path.stat().st_size > 0
        if path.suffix == ".png":
            width, height = png_size(path)
            # Scale 2: a few hundred CSS pixels become 600-3000 device pixels.
            assert 500 < width < 3500 and 400 < height < 3500, (path.name, width, height)
        else:
            page = path.read_text(encoding="utf-8")
            assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I), path.name
            assert '<script src="vega.js"></script>' in page and "window.vegaEmbed=" not in page
            assert "vegaEmbed(" in page
    page = (tmp_path / "charts" / "substitution.html").read_text(encoding="utf-8")
    # Chinese by default: 4.0 Mt = 400 万吨, the 2023 target 5.0 Mt = 500 万吨.
    assert '"substitution":400.0' in page and '"target":500.0' in page and "需求 (万吨)" in page
    output = (tmp_path / "charts" / "output.html").read_text(encoding="utf-8")
    # The special name is in the spec, but cannot close the script element.
    assert "\\u003c砂石\\u003e\\u0026" in output and SPECIAL_ZH not in output


@pytest.mark.slow
def test_without_a_chinese_font_pngs_fall_back_to_english(plan, tmp_path, monkeypatch, caplog):
    drawn = []
    real = chart_files.vlc.vegalite_to_png
    monkeypatch.setattr(chart_files, "has_cjk_font", lambda: False)
    monkeypatch.setattr(chart_files.vlc, "vegalite_to_png", lambda spec, **kw: drawn.append(spec) or real(spec, **kw))
    with caplog.at_level("WARNING", logger="aggregates.viz.charts.page"):
        write_charts(plan, tmp_path, "zh", png=True)
    assert "no Chinese (CJK) font found" in caplog.text
    assert drawn[0]["title"]["text"] == "Solid-waste aggregate substitution vs target"
    assert drawn[0]["title"]["subtitle"] == "English labels: no Chinese font was found on this machine"
    # The HTML pages still speak Chinese: the reader's browser brings its own fonts.
    assert "固废砂石替代量与目标" in (tmp_path / "charts" / "substitution.html").read_text(encoding="utf-8")


def test_script_json_cannot_end_a_script_element():
    assert script_json({"a": "</script><!--&"}) == '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026"}'


def test_kpi_names_and_units_come_from_the_registry():
    # Every tornado metric is named as aggregates.vocab.KPIS names it, in the chart units of each language.
    for metric in METRICS:
        for lang in ("zh", "en"):
            assert metric_label(metric, lang).startswith(text(metric, lang)), (metric, lang)
            assert text(metric, lang) == getattr(KPIS[metric], lang)
    assert metric_label("co2e_t", "zh") == "二氧化碳当量 (万吨)" and metric_label("co2e_t", "en") == "CO2e (WTW) (kt)"
    assert metric_label("system_cost_yuan", "zh") == "系统总成本 (亿元)"
    assert metric_label("trains_per_day", "en") == "trains/day"
    # 1 Mt = 100 万吨; shares in percent; money in 亿元 (1e-8 per yuan).
    assert metric_unit("substitution_mt", "zh") == (100.0, "万吨", ",.0f")
    assert metric_unit("rail_share_t", "en") == (100.0, "%", ",.1f")
    assert metric_unit("cost_yuan", "zh").factor == pytest.approx(1e-8)
    assert metric_unit("cost_yuan_per_t", "zh") == (1.0, "元/吨", ",.2f")


def test_output_chart_and_utilisation_agree_when_a_base_ships_less_than_it_makes(plan):
    # The Shougang case: 33 Mt/yr made at a 33 Mt/yr level, 24.4 Mt shipped, 8.6 Mt sold locally or disposed.
    # The bar shows what was made, so it reads 100 % like the map's colour and the bases table; shipped is beside it.
    bases = plan.bases.copy()
    at = (bases["year"] == 2022) & (bases["base"] == "b-a")
    bases.loc[at, ["capacity_t", "made_t", "output_t", "utilisation"]] = [33.0e6, 33.0e6, 24.4e6, 1.0]
    shougang = dataclasses.replace(plan, bases=bases)
    row = output_data(shougang, 2022, "en").set_index("base").loc["b-a"]
    assert row["output"] == pytest.approx(33.0) and row["shipped"] == pytest.approx(24.4)
    assert row["output"] / row["capacity"] == pytest.approx(row["utilisation"]) == pytest.approx(1.0)
