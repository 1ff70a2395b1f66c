"""`aggregates compare`: several scenarios solved and put side by side, on the tiny region.

The command writes a run folder, maps and charts per scenario (seconds each): those tests are
``slow``; :func:`test_plans_side_by_side_in_memory` checks the same tables without writing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.analysis.compare import compare_plans, truck_km
from aggregates.cli.app import app
from aggregates.config import Scenario

runner = CliRunner()
FEASIBLE = "target:\n  mt_per_yr: 3\n  from_year: 2021\n"


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    """Three scenarios on the tiny region: all chains, diesel trucks only, and one whose target is impossible."""
    folder = tmp_path_factory.mktemp("compare")
    region = write_region(folder / "region")
    paths = []
    for name, extra in (
        ("mixed", FEASIBLE),
        ("diesel", FEASIBLE + "chains: [diesel_truck]\n"),
        ("impossible", "target:\n  mt_per_yr: 50\n  from_year: 2021\n"),
    ):
        sub = folder / name
        sub.mkdir()
        path = write_config(sub, region, extra)
        text = path.read_text().replace("name: tiny", f"name: {name}")
        path.write_text(text)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def compared(configs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "cmp"
    result = runner.invoke(app, ["compare", str(configs[0]), str(configs[1]), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_compare_writes_every_file_and_a_run_folder_each(compared):
    names = {p.name for p in compared.iterdir()}
    assert {"comparison.csv", "corridors.csv", "comparison.json", "charts", "map.html", "mixed", "diesel"} <= names
    assert (compared / "mixed" / "map.html").is_file() and (compared / "diesel" / "plan.gpkg").is_file()
    charts = {p.name for p in (compared / "charts").iterdir()}
    assert {"kpis.png", "kpis.html", "mode_split.png", "intensity.html"} <= charts


@pytest.mark.slow
def test_table_rows_are_each_runs_kpis(compared):
    table = pd.read_csv(compared / "comparison.csv")
    assert list(table["scenario"]) == ["mixed", "diesel"]
    for row in table.itertuples():
        kpis = json.loads((compared / row.scenario / "kpis.json").read_text())["years"]["2021"]
        assert row.substitution_mt == pytest.approx(kpis["substitution_mt"])
        assert row.cost_yuan == pytest.approx(kpis["cost_yuan"]) and row.co2e_t == pytest.approx(kpis["co2e_t"])
    diesel = table.set_index("scenario").loc["diesel"]
    # Diesel trucks only: no rail, no trains, every tonne on diesel trucks.
    assert diesel.rail_share_t == 0 and diesel.trains_per_day == 0
    assert diesel.diesel_truck_mt == pytest.approx(diesel.substitution_mt)


def test_plans_side_by_side_in_memory(configs):
    plans = [ag.solve(ag.load_scenario(config)).plan for config in configs[:2]]
    comparison = compare_plans(plans)
    assert comparison.year == 2021 and not comparison.failed
    table = comparison.table
    assert list(table["scenario"]) == ["mixed", "diesel"]
    for plan, row in zip(plans, table.itertuples(), strict=True):
        k = plan.year(2021)
        assert row.substitution_mt == k.substitution_mt and row.cost_yuan == k.cost_yuan and row.co2e_t == k.co2e_t
        assert row.truck_km == round(truck_km(plan.flows[plan.flows["year"] == 2021], plan.scenario))
    diesel = table.set_index("scenario").loc["diesel"]
    assert diesel.rail_share_t == 0 and diesel.trains_per_day == 0
    assert diesel.diesel_truck_mt == pytest.approx(diesel.substitution_mt)
    corridors = comparison.corridors
    for scenario, part in corridors.groupby("scenario"):
        mt = table.set_index("scenario").loc[scenario, "substitution_mt"]
        assert part["tonnes"].sum() / 1e6 == pytest.approx(mt, abs=1e-4)  # KPIs keep 4 decimals of Mt
        assert set(part["from_city"]) == {"Tangshan"} and set(part["to_city"]) <= {"Beijing"}


def test_truck_km_counts_empty_returns():
    # 3,100 t by 31 t diesel trucks over 100 road km = 100 trips x 200 km (loaded and back empty) = 20,000 km;
    # 2,800 t of rail + e-truck with 10 road km of first and last mile = 100 trips x 20 km = 2,000 km.
    flows = pd.DataFrame({"chain": ["diesel_truck", "rail_bet"], "tonnes": [3100.0, 2800.0], "km_road": [100.0, 10.0]})
    scenario = Scenario(name="km", region=Path("."), trucks={"diesel": {"payload_t": 31}, "bet": {"payload_t": 28}})
    assert truck_km(flows, scenario) == pytest.approx(22_000.0)


@pytest.mark.slow
def test_corridors_add_up_to_the_substitution(compared):
    corridors = pd.read_csv(compared / "corridors.csv")
    table = pd.read_csv(compared / "comparison.csv").set_index("scenario")
    for scenario, part in corridors.groupby("scenario"):
        assert part["tonnes"].sum() / 1e6 == pytest.approx(
            table.loc[scenario, "substitution_mt"], abs=1e-4
        )  # KPIs keep 4 decimals of Mt
        assert set(part["from_city"]) == {"Tangshan"} and set(part["to_city"]) <= {"Beijing"}


@pytest.mark.slow
def test_comparison_map_shows_both_runs(compared):
    page = (compared / "map.html").read_text(encoding="utf-8")
    assert page.count("L.map(") == 2 and ".sync(" in page and 'id="agg-delta"' in page


@pytest.mark.slow
def test_json_lists_each_scenario_with_kpis_keys(configs, tmp_path):
    out = tmp_path / "j"
    result = runner.invoke(app, ["compare", str(configs[0]), str(configs[1]), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["scenario"] for r in rows] == ["mixed", "diesel"]
    for row in rows:
        assert {"status", "objective_yuan", "years", "out_dir"} <= set(row)
        assert row["out_dir"] == str(out / row["scenario"])


@pytest.mark.slow
def test_parallel_workers_give_the_same_tables(configs, compared, tmp_path):
    out = tmp_path / "par"
    result = runner.invoke(app, ["compare", str(configs[0]), str(configs[1]), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    for name in ("comparison.csv", "corridors.csv"):
        assert (out / name).read_bytes() == (compared / name).read_bytes()


@pytest.mark.slow
def test_a_failed_scenario_is_reported_and_exits_3(configs, tmp_path):
    out = tmp_path / "f"
    result = runner.invoke(app, ["compare", *map(str, configs), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 3, result.output
    assert "no plan:" in result.output and "impossible" in result.output and "Traceback" not in result.output
    assert list(pd.read_csv(out / "comparison.csv")["scenario"]) == ["mixed", "diesel"]
    failed = [r for r in json.loads((out / "comparison.json").read_text()) if r.get("status") == "no plan"]
    assert len(failed) == 1 and "unreachable" in failed[0]["error"]


def test_compare_input_errors(configs, tmp_path):
    one = runner.invoke(app, ["compare", str(configs[0]), "--out", str(tmp_path / "a")])
    assert one.exit_code == 2 and "at least two" in one.output
    same = runner.invoke(app, ["compare", str(configs[0]), str(configs[0]), "--out", str(tmp_path / "b")])
    assert same.exit_code == 2 and "give each compared scenario its own name" in same.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
