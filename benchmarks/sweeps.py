"""Sweeps that reuse work, and sweeps on more workers: each against its baseline in the same run.

On one scenario (default ``configs/default.yaml``), in this process's Python API (the commands call the same
functions), timed wall clock:

* **bare solve**: ``aggregates.solve`` of the scenario (whole horizon, one solver thread), once, after a warm-up
  solve that builds the network; its MIP seconds are what a variant of the throughput sweep cannot beat.
* **reuse vs rebuild** (goal: reuse >= 2x faster): ``sensitivity`` of ``--param`` over ``--values`` (whole
  horizon) and a Pareto front of ``--points``, each with ``rebuild=True`` (every variant reads the region and builds
  its network and model anew, no warm start, shadow prices as the scenario says: the way before) and with the
  default reuse (inputs built once and sent, the first variant's plan as every other's warm start, the LP for
  shadow prices only where a row shows one), both with 1 worker. ``max_cost_diff`` is the largest relative
  difference of a row's system cost of the reported year between the two: a warm start may land on another plan
  within the MIP gap, which bounds the whole horizon's objective, not one year's cost.
* **throughput** (goals: 2 workers >= 1.5x faster than 1 on 4 variants, >= 1.6x on >= 8): ``sensitivity`` (whole
  horizon) over ``--sweep-values`` for each worker count in ``--workers`` (1 = in this process; more = a Dask
  ``LocalCluster`` started and stopped inside the timing), variants per minute, and the per-variant overhead: wall
  seconds x workers / variants - the bare solve's MIP seconds (cluster start, sending, model build, LP, plan; a
  warm-started variant may solve faster than the bare solve, so this can be negative).

Usage::

    python benchmarks/sweeps.py [--config configs/default.yaml] [--param diesel_price] [--values 6.5,7,7.5,8]
        [--points 5] [--sweep-values 6,6.5,...] [--workers 1,2] [--skip reuse|throughput] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

import aggregates as ag
from aggregates.pipeline import InputCache
from aggregates.sweep import pareto_front, sensitivity

ROOT = Path(__file__).resolve().parents[1]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    out = function(*args, **kwargs)
    return out, time.perf_counter() - started


def bare_solve(scenario) -> dict:
    """One solve of the scenario (after a warm-up that builds the inputs): wall and MIP seconds."""
    one = scenario.with_values({"solver.threads": 1})
    cache = InputCache()
    ag.solve(one, cache=cache)
    result, wall = timed(ag.solve, one, cache=cache)
    return {"wall_s": round(wall, 2), "mip_s": round(result.plan.solve.solve_seconds, 2)}


def reuse_vs_rebuild(scenario, param: str, values: list, points: int) -> list[dict]:
    rows = []
    for name, run in (
        (
            f"sensitivity {param} x{len(values)} (whole horizon)",
            lambda r: sensitivity(scenario, param=param, values=values, workers=1, rebuild=r),
        ),
        (f"pareto {points} points", lambda r: pareto_front(scenario, points=points, workers=1, rebuild=r).points),
    ):
        before, t_before = timed(run, True)
        after, t_after = timed(run, False)
        diff = np.abs(after["system_cost_yuan"].to_numpy() - before["system_cost_yuan"].to_numpy())
        rel = float(np.nanmax(diff / np.abs(before["system_cost_yuan"].to_numpy())))
        rows.append(
            {
                "sweep": name,
                "rebuild_s": round(t_before, 1),
                "reuse_s": round(t_after, 1),
                "speed_up": round(t_before / t_after, 2),
                "goal": 2.0,
                "max_cost_diff": round(rel, 6),
            }
        )
        print_row(rows[-1])
    return rows


def throughput(scenario, param: str, values: list, workers: list[int], mip_s: float) -> list[dict]:
    rows = []
    for n in workers:
        _table, wall = timed(sensitivity, scenario, param=param, values=values, workers=n)
        per_variant = wall * n / len(values)
        rows.append(
            {
                "workers": n,
                "variants": len(values),
                "wall_s": round(wall, 1),
                "variants_per_min": round(60 * len(values) / wall, 1),
                "overhead_s_per_variant": round(per_variant - mip_s, 2),
            }
        )
    one = rows[0]["wall_s"]
    for r in rows:
        r["speed_up"] = round(one / r["wall_s"], 2)
        print_row(r)
    return rows


def print_row(row: dict) -> None:
    print("  ".join(f"{k} {v}" for k, v in row.items()), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    ap.add_argument("--param", default="diesel_price")
    ap.add_argument("--values", default="6.5,7,7.5,8")
    ap.add_argument("--points", type=int, default=5)
    ap.add_argument("--sweep-values", default="6,6.5,7,7.5,8,8.5,9,9.5")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--skip", choices=["reuse", "throughput"], action="append", default=[])
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    scenario = ag.load_scenario(a.config)
    year = scenario.headline_year()
    print(f"{a.config} {year}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    bare = bare_solve(scenario)
    print_row({"bare solve of the year": "", **bare})
    out: dict = {"config": str(a.config), "year": year, "bare": bare, "load_start": os.getloadavg()[0]}
    if "reuse" not in a.skip:
        values = [float(v) for v in a.values.split(",")]
        out["reuse"] = reuse_vs_rebuild(scenario, a.param, values, a.points)
    if "throughput" not in a.skip:
        values = [float(v) for v in a.sweep_values.split(",")]
        out["throughput"] = throughput(scenario, a.param, values, [int(w) for w in a.workers.split(",")], bare["mip_s"])
    out["load_end"] = os.getloadavg()[0]
    print(f"load at the end {out['load_end']:.1f}")
    if a.json:
        a.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
