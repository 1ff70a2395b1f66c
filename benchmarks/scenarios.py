"""The headline figures of every shipped scenario, for the README's scenario table.

Run from the repository root::

    python benchmarks/scenarios.py [--year 2022] [--parallel 2] [configs/x.yaml ...]

Solves every ``configs/*.yaml`` (or the ones given) with ``aggregates.solve`` (writes nothing)
and prints one line per scenario for the year: solid-waste substitution against the target,
natural supply from quarries and imports, rail share of tonnes, trains a day, Xiong'an's
solid-waste supply, cost per tonne of the solid-waste supply, transport CO2e and NOx, and the
seconds from loading the scenario to a plan (network, route options, solve and shadow prices;
no files, maps or charts). Fields a plan lacks print as ``-``.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aggregates import load_scenario, solve

FIELDS = (
    ("substitution_mt", "subst Mt", "{:.1f}"),
    ("target_mt", "target", "{:.0f}"),
    ("natural_quarry_mt", "quarry Mt", "{:.1f}"),
    ("natural_import_mt", "import Mt", "{:.1f}"),
    ("unmet_mt", "unmet", "{:.1f}"),
    ("rail_share_t", "rail t", "{:.0%}"),
    ("trains_per_day", "trains/d", "{:.1f}"),
    ("cost_yuan_per_t", "yuan/t", "{:.1f}"),
    ("co2e_t", "CO2e kt", "{:,.0f}"),
    ("nox_t", "NOx t", "{:,.0f}"),
)


def measured(config: str, year: int) -> dict:
    """One scenario's figures for ``year`` and its seconds to a plan."""
    start = time.perf_counter()
    plan = solve(load_scenario(config)).plan
    seconds = time.perf_counter() - start
    kpis = plan.year(year)
    row = {name: getattr(kpis, name, None) for name, _, _ in FIELDS}
    if row["co2e_t"] is not None:
        row["co2e_t"] /= 1e3
    row["xiongan_mt"] = kpis.to_city_mt.get("Xiong'an", 0.0)
    return {"config": config, "seconds": seconds, "proven": plan.solve.limit is None, **row}


def _cell(value, spec: str) -> str:
    return "-" if value is None else spec.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", help="scenario files (default: configs/*.yaml)")
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--parallel", type=int, default=1, help="solves at once")
    args = parser.parse_args()
    configs = args.configs or sorted(str(p) for p in Path("configs").glob("*.yaml"))
    with ProcessPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(measured, configs, [args.year] * len(configs)))
    header = ["config", *(label for _, label, _ in FIELDS), "Xiong'an Mt", "s", "proven"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = [r["config"], *(_cell(r[name], spec) for name, _, spec in FIELDS)]
        cells += [f"{r['xiongan_mt']:.1f}", f"{r['seconds']:.0f}", "yes" if r["proven"] else "no"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
