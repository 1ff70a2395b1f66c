"""A small hand-made plan for the chart and report tests (no solve).

Years 2022 and 2023; bases b-a (Chengde, existing), b-b (Tangshan, candidate, a name full of HTML
specials) and b-c (Tangshan, candidate, built only in 2023); demand nodes d-bj (Beijing) and d-tj
(Tianjin); chains rail_bet and diesel_truck. 2022 meets its 3.5 Mt target with 4.0 Mt, 2023 misses
its 5.0 Mt target with 4.0 Mt.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from aggregates import Plan, Scenario, SolveInfo, YearKPIs

SPECIAL_EN = 'Tang & <Shan> "quarry"'
SPECIAL_ZH = "唐山<砂石>&基地"
NAME = "small <test> & co"


def _flows() -> pd.DataFrame:
    # year, base, node, product, chain, tonnes, co2e_t, nox_kg
    rows = [
        (2022, "b-a", "d-bj", "sand", "rail_bet", 2.0e6, 10_000.0, 4_000.0),
        (2022, "b-a", "d-tj", "sand", "diesel_truck", 1.0e6, 20_000.0, 30_000.0),
        (2022, "b-b", "d-bj", "coarse", "rail_bet", 1.0e6, 6_000.0, 2_000.0),
        (2023, "b-a", "d-bj", "sand", "rail_bet", 2.5e6, 12_500.0, 5_000.0),
        (2023, "b-c", "d-tj", "coarse", "diesel_truck", 1.5e6, 30_000.0, 45_000.0),
    ]
    columns = ["year", "base", "node", "product", "chain", "tonnes", "co2e_t", "nox_kg"]
    return pd.DataFrame(rows, columns=columns)


def _bases() -> pd.DataFrame:
    names = {"b-a": ("Chengde A", "承德甲基地"), "b-b": (SPECIAL_EN, SPECIAL_ZH), "b-c": ("Tangshan C", "唐山丙基地")}
    attrs = {"b-a": ("Chengde", "existing"), "b-b": ("Tangshan", "candidate"), "b-c": ("Tangshan", "candidate")}
    # year, base, level, capacity_t, output_t, utilisation, feedstock_left_t
    rows = [
        (2022, "b-a", 1, 4.0e6, 3.0e6, 0.75, 20.0e6),
        (2022, "b-b", 0, 2.0e6, 1.0e6, 0.5, 5.0e6),
        (2022, "b-c", -1, 0.0, 0.0, 0.0, 8.0e6),
        (2023, "b-a", 1, 4.0e6, 2.5e6, 0.625, 17.5e6),
        (2023, "b-b", 0, 2.0e6, 0.0, 0.0, 5.0e6),
        (2023, "b-c", 1, 3.0e6, 1.5e6, 0.5, 6.5e6),
    ]
    frame = pd.DataFrame(
        rows, columns=["year", "base", "level", "capacity_t", "output_t", "utilisation", "feedstock_left_t"]
    )
    # One definition of utilisation (made / capacity); what was made and not shipped is disposed here.
    frame["made_t"] = frame["utilisation"] * frame["capacity_t"]
    frame = frame.assign(local_t=0.0, stock_t=0.0, disposed_t=frame["made_t"] - frame["output_t"])
    frame.insert(2, "name", frame["base"].map(lambda b: names[b][0]))
    frame.insert(3, "name_zh", frame["base"].map(lambda b: names[b][1]))
    frame.insert(4, "city", frame["base"].map(lambda b: attrs[b][0]))
    frame.insert(5, "status", frame["base"].map(lambda b: attrs[b][1]))
    return frame


def _demand() -> pd.DataFrame:
    nodes = {"d-bj": ("Beijing core", "北京核心区", "Beijing"), "d-tj": ("Tianjin port", "天津港", "Tianjin")}
    # year, node, product, demand_t, solid_waste_t, natural_t, unmet_t, delivered_cost_yuan_per_t
    rows = [
        (2022, "d-bj", "sand", 3.0e6, 2.0e6, 1.0e6, 0.0, 90.0),
        (2022, "d-bj", "coarse", 3.0e6, 1.0e6, 2.0e6, 0.0, 120.0),
        (2022, "d-tj", "sand", 4.0e6, 1.0e6, 3.0e6, 0.0, 100.0),
        (2023, "d-bj", "sand", 4.0e6, 2.5e6, 1.5e6, 0.0, 95.0),
        (2023, "d-tj", "coarse", 7.0e6, 1.5e6, 5.0e6, 0.5e6, 130.0),
    ]
    columns = ["year", "node", "product", "demand_t", "solid_waste_t", "natural_t", "unmet_t"]
    frame = pd.DataFrame(rows, columns=[*columns, "delivered_cost_yuan_per_t"])
    for i, col in enumerate(("name", "name_zh", "city")):
        frame.insert(2 + i, col, frame["node"].map(lambda n, i=i: nodes[n][i]))
    frame["solid_waste_share"] = frame["solid_waste_t"] / frame["demand_t"]
    return frame


def _resources() -> pd.DataFrame:
    rows = [
        (2022, "rs-1", "rail_section", "Line <A> & B", "t/yr", 3.0e6, 3.0e6, 1.0, 12.5),
        (2022, "t-1", "terminal", "Yard one", "t/yr", 1.98e6, 2.0e6, 0.99, 30.0),
        (2022, "t-2", "terminal", "Quiet yard", "t/yr", 1.0e6, 2.0e6, 0.5, 0.0),
        (2023, "rs-1", "rail_section", "Line <A> & B", "t/yr", 2.5e6, 3.0e6, 0.8333, 0.0),
    ]
    columns = ["year", "resource", "kind", "name", "unit", "load", "capacity", "utilisation"]
    return pd.DataFrame(rows, columns=[*columns, "shadow_price_yuan_per_unit"])


def _year(**values) -> YearKPIs:
    unused = {
        "co2e_ttw_t": 0.0,
        "tkm_road": 0,
        "tkm_rail": 0,
        "intensity_by_chain": {},
        "intensity_by_leg": {},
        "fleet": None,
    }
    return YearKPIs.from_dict({"carbon_cost_yuan": 0, **unused, **values})


KPIS = {
    2022: _year(
        substitution_mt=4.0,
        target_mt=3.5,
        target_met=True,
        demand_mt=10.0,
        natural_mt=6.0,
        natural_quarry_mt=4.0,
        natural_import_mt=2.0,
        natural_co2e_t=12_000.0,
        unmet_mt=0.0,
        rail_share_t=0.75,
        rail_share_tkm=0.9,
        cost_yuan=400_000_000,
        cost_yuan_per_t=100.0,
        fixed_cost_yuan=50_000_000,
        production_cost_yuan=150_000_000,
        transport_cost_yuan=200_000_000,
        natural_cost_yuan=300_000_000,
        co2e_t=36_000.0,
        co2e_kg_per_t=9.0,
        nox_t=36.0,
        pm_t=1.2,
        trains_per_day=3.4,
        truck_trips_per_day=1234.0,
        by_chain_mt={"diesel_truck": 1.0, "rail_bet": 3.0},
        by_city_mt={"Chengde": 3.0, "Tangshan": 1.0},
        to_city_mt={"Beijing": 3.0, "Tianjin": 1.0},
        bases_open=2,
        capacity_mt=6.0,
    ),
    2023: _year(
        substitution_mt=4.0,
        target_mt=5.0,
        target_met=False,
        demand_mt=11.0,
        natural_mt=6.5,
        natural_quarry_mt=4.5,
        natural_import_mt=2.0,
        natural_co2e_t=13_000.0,
        unmet_mt=0.5,
        rail_share_t=0.625,
        rail_share_tkm=0.8,
        cost_yuan=440_000_000,
        cost_yuan_per_t=110.0,
        fixed_cost_yuan=60_000_000,
        production_cost_yuan=160_000_000,
        transport_cost_yuan=220_000_000,
        carbon_cost_yuan=8_000_000,
        natural_cost_yuan=390_000_000,
        co2e_t=42_500.0,
        co2e_kg_per_t=10.625,
        nox_t=50.0,
        pm_t=1.5,
        trains_per_day=2.8,
        truck_trips_per_day=2345.0,
        by_chain_mt={"diesel_truck": 1.5, "rail_bet": 2.5},
        by_city_mt={"Chengde": 2.5, "Tangshan": 1.5},
        to_city_mt={"Beijing": 2.5, "Tianjin": 1.5},
        bases_open=3,
        capacity_mt=9.0,
    ),
}


def small_plan(changes: dict[int, dict] | None = None) -> Plan:
    """The hand-made plan; ``changes`` sets single KPIs of a year, e.g. ``small_plan({2022: {"target_mt": 0.0}})``."""
    changes = changes or {}
    kpis = {year: replace(k, **changes.get(year, {})) for year, k in KPIS.items()}
    scenario = Scenario(name=NAME, region=Path("."), years=sorted(kpis))
    solve = SolveInfo("optimal", "optimal", 0.0, 0.0, 0.0, 0.0, 0.0)
    return Plan(scenario, solve, _flows(), _bases(), _demand(), _resources(), pd.DataFrame(), kpis)
