"""Why the default plan's headline figures moved with issue 13: the default with one change undone at a time.

Run from the repository root::

    python benchmarks/what_moved.py [--year 2022] [--parallel 2]

Solves ``configs/default.yaml`` as shipped and then with each part of the planner-grade
plan switched back to the earlier assumption (all other parts kept), and prints the
headline figures of each for the year: solid-waste substitution, natural supply (quarries
and imports), rail share and trains a day, Xiong'an's solid-waste supply, cost per tonne of
the solid-waste supply, transport CO2e (all delivered tonnes; the solid-waste part in
brackets) and the diesel trucks the plan needs. The difference between a row and the first is what that part moves.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

from aggregates import load_scenario, solve

CONFIG = "configs/default.yaml"
UNDO = {
    "as shipped": [],
    "demand at the top of the range (demand.path=high)": ["demand.path=high"],
    "natural unlimited at 150/90 yuan/t (no quarries)": [
        "natural.quarries=false",
        "prices.natural_yuan_per_t.sand=150",
        "prices.natural_yuan_per_t.coarse=90",
        "natural.import_co2e_kg_per_t=0",
    ],
    "co-products disposed for free": ["coproducts.free_disposal=true"],
    "rail at the wagon-load tariff": ["rail.tariff_basis=wagon_load"],
    "no ramp of rail into Beijing": ["rail.aggregate_mt_by_year={}"],
    "city access rules off": ["policies.access_rules=false"],
}


def figures(label: str, year: int) -> dict:
    """Headline figures of the default with the overrides of ``label``."""
    plan = solve(load_scenario(CONFIG, overrides=UNDO[label])).plan
    k = plan.year(year)
    natural_co2e = getattr(k, "natural_co2e_t", 0.0)
    return {
        "label": label,
        "subst": k.substitution_mt,
        "quarry": k.natural_quarry_mt,
        "import": k.natural_import_mt,
        "rail": k.rail_share_t,
        "trains": k.trains_per_day,
        "xiongan": k.to_city_mt.get("Xiong'an", 0.0),
        "yuan_t": k.cost_yuan_per_t,
        "co2e": k.co2e_t / 1e3,
        "co2e_sw": (k.co2e_t - natural_co2e) / 1e3,
        "trucks": k.fleet.diesel_trucks if k.fleet is not None else 0,
        "proven": plan.solve.limit is None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(figures, UNDO, [args.year] * len(UNDO)))
    print(
        "| default, with | substitution Mt | quarries Mt | imports Mt | rail share of t | trains/day "
        "| to Xiong'an Mt | yuan/t | CO2e kt (solid waste) | diesel trucks |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        flag = "" if r["proven"] else " (not proven)"
        print(
            f"| {r['label']}{flag} | {r['subst']:.1f} | {r['quarry']:.1f} | {r['import']:.1f} | {r['rail']:.0%} "
            f"| {r['trains']:.1f} | {r['xiongan']:.1f} | {r['yuan_t']:.1f} | {r['co2e']:,.0f} ({r['co2e_sw']:,.0f}) "
            f"| {r['trucks']:,} |"
        )


if __name__ == "__main__":
    main()
