"""End to end against the solver floor: ``aggregates optimize`` versus HiGHS alone on the model it exports.

For every factor ``k`` the instance of ``benchmarks/scale.py`` (the default region at ``k`` x size; its generator is
imported from there) is generated in a temporary folder, then:

* **e2e**: ``aggregates optimize scenario.yaml --out DIR --export-model model.mps --json`` runs in a fresh process
  (interpreter start, imports, region, network, route options, model build, MIP, shadow-price LP, plan and every
  output the command writes, charts and maps included), timed wall clock; ``MiB`` is the peak resident memory of
  that process or its solver child (``os.wait4``), ``build s`` and ``solve s`` the model build and the MIP solve as
  the run reports them (``build_seconds``, ``solve_seconds``).
* **floor**: HiGHS alone (``highspy``, in a fresh process) on the exported file: read the MPS, solve the MIP with the
  package's settings (presolve off, the scenario's relative gap, absolute gap 0, time limit, threads and seed), then
  fix the integer columns at their values, drop integrality and solve that LP for the duals in a new HiGHS (as the
  package does). The seconds are the
  read + MIP + LP inside that process (its interpreter start and ``import highspy`` excluded).

Columns: ``ratio`` = e2e / floor (goal <= 1.3), ``build %`` = model build / MIP solve (goal <= 10 %), ``rest s`` =
e2e less build and MIP solve (start, imports, region, network, route options, the shadow-price LP, plan and outputs),
``MiB`` (goal at 10x <= 2048). The run's objective and HiGHS's objective are compared (``obj diff`` relative).

Usage::

    python benchmarks/floor.py [--factors 1,3,10] [--json OUT] [--time-limit S] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import parse_factors, read_demand_years, spec_for, write_config, write_region

GOAL_RATIO, GOAL_BUILD, GOAL_MIB = 1.3, 0.10, 2048.0
YUAN_PER_UNIT = 1e6  # the model's costs are in million yuan; the run reports yuan
AGGREGATES = shutil.which("aggregates") or str(Path(sys.executable).with_name("aggregates"))


def highs_floor(mps: Path, gap: float, time_limit: float, threads: int, seed: int) -> dict:
    """Read ``mps`` into HiGHS, solve the MIP as the package does, then the LP with the integers fixed.

    Returns
    -------
    dict
        ``read_s``, ``mip_s``, ``lp_s``, ``floor_s`` (their sum), ``objective``, ``mip_status``, ``lp_status``.
    """
    import highspy  # noqa: PLC0415 (a benchmark-only dependency, imported in the worker only)

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    h.readModel(str(mps))
    t1 = time.perf_counter()
    for name, value in (("presolve", "off"), ("mip_rel_gap", gap), ("mip_abs_gap", 0.0)):
        h.setOptionValue(name, value)
    for name, value in (("time_limit", time_limit), ("threads", threads), ("random_seed", seed)):
        h.setOptionValue(name, value)
    h.run()
    t2 = time.perf_counter()
    mip_status, objective = h.modelStatusToString(h.getModelStatus()), h.getInfo().objective_function_value
    lp = h.getLp()
    integer = [j for j, kind in enumerate(lp.integrality_) if kind != highspy.HighsVarType.kContinuous]
    values = h.getSolution().col_value
    lower, upper = np.array(lp.col_lower_, float), np.array(lp.col_upper_, float)
    lower[integer] = upper[integer] = np.round(np.asarray(values)[integer])
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.integrality_ = []
    # A new HiGHS for the LP, as the package sends the fixed model to its solver afresh (HiGHS's default
    # presolve, as the package's LP re-solve); re-running the MIP's HiGHS instead took 500 s at 10x.
    fixed = highspy.Highs()
    fixed.setOptionValue("output_flag", False)
    for name, value in (("time_limit", time_limit), ("threads", threads), ("random_seed", seed)):
        fixed.setOptionValue(name, value)
    fixed.passModel(lp)
    fixed.run()
    t3 = time.perf_counter()
    return {
        "read_s": t1 - t0,
        "mip_s": t2 - t1,
        "lp_s": t3 - t2,
        "floor_s": t3 - t0,
        "objective": objective,
        "mip_status": mip_status,
        "lp_status": fixed.modelStatusToString(fixed.getModelStatus()),
        "lp_objective": fixed.getInfo().objective_function_value,
    }


def run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; its wall seconds, peak MiB (the process or any child it waited for) and stdout."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... exited {proc.returncode}: {err.strip()[-600:]}")
    return seconds, usage.ru_maxrss / 1024.0, text


def measure(factor: float, work: Path, time_limit: float) -> dict:
    """Generate one instance, run it end to end and HiGHS alone on its exported model; the table row."""
    spec = spec_for(factor, read_demand_years())
    folder = work / f"x{factor:g}"
    write_region(spec, folder / "region")
    config = write_config(spec, folder, time_limit)
    mps = folder / "model.mps"
    cmd = [AGGREGATES, "optimize", str(config), "--out", str(folder / "out"), "--export-model", str(mps), "--json"]
    e2e_s, peak, text = run_measured(cmd)
    plan = json.loads(text)
    solve = plan.get("solve", plan)
    worker = [sys.executable, str(Path(__file__).resolve()), "--highs", str(mps), str(spec.relative_gap)]
    _, highs_mib, floor_text = run_measured([*worker, str(time_limit)])
    floor = json.loads(floor_text.strip().splitlines()[-1])
    return {
        "factor": factor,
        "e2e_s": e2e_s,
        "peak_mib": peak,
        "build_s": float(solve["build_seconds"]),
        "solve_s": float(solve["solve_seconds"]),
        "objective": float(solve["objective_yuan"]),
        "status": solve["status"],
        "mps_mb": mps.stat().st_size / 1e6,
        "highs_mib": highs_mib,
        **floor,
    }


def table(rows: list[dict]) -> str:
    """The fixed-width table with the goals' ratios."""
    head = (
        "factor",
        "e2e s",
        "floor s",
        "ratio",
        "build s",
        "solve s",
        "build %",
        "rest s",
        "MiB",
        "HiGHS MiB",
        "obj diff",
    )
    lines = ["  ".join(f"{h:>9}" for h in head)]
    for r in rows:
        run = r["objective"] / YUAN_PER_UNIT
        diff = abs(run - r["objective_highs"]) / max(abs(r["objective_highs"]), 1e-9)
        cells = (
            f"{r['factor']:g}x",
            f"{r['e2e_s']:.1f}",
            f"{r['floor_s']:.1f}",
            f"{r['e2e_s'] / r['floor_s']:.2f}",
            f"{r['build_s']:.2f}",
            f"{r['solve_s']:.1f}",
            f"{100 * r['build_s'] / r['solve_s']:.1f}",
            f"{r['e2e_s'] - r['build_s'] - r['solve_s']:.1f}",
            f"{r['peak_mib']:.0f}",
            f"{r['highs_mib']:.0f}",
            f"{diff:.1e}",
        )
        lines.append("  ".join(f"{c:>9}" for c in cells))
    lines.append(
        f"goals: ratio = e2e / floor <= {GOAL_RATIO}; build % = model build / MIP solve <= {100 * GOAL_BUILD:g} %; "
        f"MiB at 10x <= {GOAL_MIB:g}"
    )
    for r in rows:
        met = [
            f"ratio {'met' if r['e2e_s'] / r['floor_s'] <= GOAL_RATIO else 'missed'}",
            f"build {'met' if r['build_s'] <= GOAL_BUILD * r['solve_s'] else 'missed'}",
        ]
        if r["factor"] >= 10:
            met.append(f"memory {'met' if r['peak_mib'] <= GOAL_MIB else 'missed'}")
        lines.append(
            f"{r['factor']:g}x: {', '.join(met)} (floor: read {r['read_s']:.1f} + MIP {r['mip_s']:.1f} + "
            f"LP {r['lp_s']:.1f} s, {r['mip_status']}; run {r['status']}; MPS {r['mps_mb']:.0f} MB)"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("Usage::")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factors", type=parse_factors, default=[1.0, 3.0, 10.0], help="scale factors (1,3,10)")
    parser.add_argument("--json", type=Path, help="write the rows as a JSON list of dicts to this file")
    parser.add_argument("--time-limit", type=float, default=600.0, help="solver time limit per instance, s (600)")
    parser.add_argument("--keep", type=Path, help="generate the instances, outputs and MPS files here and keep them")
    parser.add_argument("--highs", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure every factor and print the table."""
    args = parse_args(argv)
    if args.highs:
        mps, gap, limit = args.highs
        row = highs_floor(Path(mps), float(gap), float(limit), threads=1, seed=0)
        row["objective_highs"] = row.pop("objective")
        print(json.dumps(row))  # the last line: HiGHS prints its banner before
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="aggregates-floor-") as tmp:
        work = args.keep or Path(tmp)
        for factor in args.factors:
            print(f"x{factor:g} ...", flush=True)
            rows.append(measure(factor, work, args.time_limit))
            r = rows[-1]
            print(f"x{factor:g}: e2e {r['e2e_s']:.1f} s, floor {r['floor_s']:.1f} s", flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
