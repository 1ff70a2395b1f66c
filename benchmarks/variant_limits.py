"""Do the shipped scenarios reach their requested gap within their time limit on this machine?

Run from the repository root::

    python benchmarks/variant_limits.py [--parallel 2] [configs/x.yaml ...]

Solves every ``configs/*.yaml`` (or the ones given) with ``aggregates.solve`` and prints, per
scenario, the solve seconds, the time limit, their ratio (the headroom: below 0.5 means the limit
holds even when the machine is twice as busy), the proven gap against the requested one and the
verdict of the one solver-limit rule (``SolveInfo.limit``). ``--parallel 2`` solves two at a time,
as ``compare`` does on a 2-core machine, which is the busy case the limits must survive. The
seconds are the MIP solve alone (not loading, routes or the shadow-price re-solve).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aggregates import load_scenario, solve


def measured(config: str) -> dict:
    """One scenario's solve: seconds, limit, gap and verdict."""
    scenario = load_scenario(config)
    info = solve(scenario).plan.solve
    return {
        "config": config,
        "solve_s": info.solve_seconds,
        "limit_s": info.time_limit_s,
        "gap": info.mip_gap,
        "requested": info.requested_gap,
        "verdict": info.limit or "proven within the requested gap",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", help="scenario files (default: configs/*.yaml)")
    parser.add_argument("--parallel", type=int, default=1, help="solves at once (2: as compare on 2 cores)")
    args = parser.parse_args()
    configs = args.configs or sorted(str(p) for p in Path("configs").glob("*.yaml"))
    with ProcessPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(measured, configs))
    print(f"{'config':32s} {'solve s':>8s} {'limit s':>8s} {'ratio':>6s} {'gap':>8s} {'asked':>7s}  verdict")
    for r in rows:
        print(
            f"{r['config']:32s} {r['solve_s']:8.1f} {r['limit_s']:8.0f} {r['solve_s'] / r['limit_s']:6.2f} "
            f"{r['gap']:8.4%} {r['requested']:7.3%}  {r['verdict']}"
        )
    worst = max(r["solve_s"] / r["limit_s"] for r in rows)
    print(f"largest solve / limit ratio: {worst:.2f}")
    if any(r["verdict"] != "proven within the requested gap" for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
