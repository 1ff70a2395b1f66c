"""Aggregate rail into a city ramps up by year (rail.aggregate_mt_by_year) on the tiny region."""

from __future__ import annotations

from pathlib import Path

import pytest

import aggregates as ag
from aggregates.config import Rail

ROOT = Path(__file__).resolve().parents[2]
# Tiny region (tests/tiny.py): both nodes are in Beijing, 3.5 Mt/yr in all. Rail only, no target:
# rail (about 69 yuan/t delivered + production) undercuts natural sand (150) and coarse (90),
# so rail into Beijing runs up to the ramp: 0.5 Mt in 2021, then 2.0 Mt in 2022.
RAIL_ONLY = [
    "chains=[rail_bet, rail_diesel]",
    "target.mt_per_yr=0",
    "rail.aggregate_mt_by_year={Beijing: {2021: 0.5, 2022: 2.0}}",
]


def test_ramp_binds_in_the_early_year(tiny_config):
    plan = ag.solve(ag.load_scenario(tiny_config, RAIL_ONLY)).plan
    r = plan.resources
    market = r[r["resource"] == "rail-into-Beijing"].set_index("year")
    assert market.loc[2021, "capacity"] == pytest.approx(0.5e6)
    assert market.loc[2021, "load"] == pytest.approx(0.5e6, rel=1e-6)  # full in 2021
    assert market.loc[2021, "shadow_price_yuan_per_unit"] > 0
    rail_t = plan.flows.groupby("year")["tonnes"].sum()
    assert rail_t[2021] == pytest.approx(0.5e6, rel=1e-6)
    assert rail_t[2022] > 0.5e6 + 1  # the ramp lets more through a year later


def test_year_not_listed_takes_the_latest_earlier_value():
    rail = Rail(aggregate_mt_by_year={"Beijing": {2022: 1.0, 2024: 3.0}})
    assert [rail.aggregate_mt("Beijing", y) for y in (2021, 2022, 2023, 2024, 2030)] == [1.0, 1.0, 1.0, 3.0, 3.0]
    assert rail.aggregate_mt("Tianjin", 2024) is None  # no ramp: yards and sections only


@pytest.mark.slow
def test_default_plan_runs_rail_as_it_runs():
    result = ag.solve(ag.load_scenario(ROOT / "configs" / "default.yaml", []))
    r = result.plan.resources
    market = r[r["resource"] == "rail-into-Beijing"].set_index("year")
    ramp = {2021: 2.2e6, 2022: 2.2e6, 2023: 2.2e6, 2024: 3.85e6, 2025: 6.7e6}
    assert market["capacity"].to_dict() == pytest.approx(ramp)
    assert (market["load"] <= market["capacity"] + 1).all()
    segments = result.region.rail_segments
    passenger = set(segments.loc[~segments["freight"], "id"])
    assert passenger == {"rs-jinbao-00-01", "rs-jinbao-01-02"}  # 津霸客专 (R1, FACTS §9)
    assert not passenger & set(r["resource"])  # not on any route option, so never a resource
    shougang = result.region.terminals.set_index("id").loc["t-qianan-shougang"]
    assert shougang["station"] == "st-shuichang"  # its own 卑水线, not Qian'an North on the Daqin line
