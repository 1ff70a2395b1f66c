"""Hand-made 2021 plans of the tiny region, whose room for a site can be worked out by hand."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from aggregates.data.sites import Site
from aggregates.plan import Plan, SolveInfo, YearKPIs

FEASIBLE = "target:\n  mt_per_yr: 3\n  from_year: 2021\n"
SITE = Site("Near d-city", 40.01, 116.42, 200_000, "sand", (2021,))  # 6.9 km from r-c
SAND_SHARE = 0.55 / 0.95  # b-one's yields: sand 0.55, coarse 0.40
MAPPINGS = ("by_chain_mt", "intensity_by_chain", "intensity_by_leg", "by_city_mt", "to_city_mt")
IDLE_YEAR = YearKPIs(**{f.name: 0 for f in fields(YearKPIs)} | {key: {} for key in MAPPINGS} | {"fleet": None})


def plan_2021(scenario, sand_to_far: float) -> Plan:
    """A 2021 plan: b-one (2 Mt/yr) sends ``sand_to_far`` t of sand to d-far; b-two is not built."""
    bases = pd.DataFrame(
        {
            "year": 2021,
            "base": ["b-one", "b-two"],
            "capacity_t": [2e6, 0.0],
            "output_sand_t": [sand_to_far, 0.0],
            "output_coarse_t": 0.0,
        }
    )
    flows = pd.DataFrame(
        {"year": [2021], "base": ["b-one"], "node": ["d-far"], "product": ["sand"], "tonnes": [sand_to_far]}
    )
    resources = pd.DataFrame(
        {"year": 2021, "resource": ["rs-1"], "kind": ["rail_section"], "load": [0.0], "capacity": [0.0]}
    )
    solve = SolveInfo("optimal", "", 0.0, 0.0, 0.0, 0.0, 0.0)
    return Plan(scenario, solve, flows, bases, pd.DataFrame(), resources, pd.DataFrame(), {2021: IDLE_YEAR})
