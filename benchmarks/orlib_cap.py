"""OR-Library capacitated warehouse location (cap41 ... cap134): the core against published optima and PuLP/CBC.

Every instance is solved through :func:`aggregates.optimize.solve.solve` (HiGHS) and, in the same run, the
same split-demand formulation is built with PuLP and solved by its bundled CBC::

    min  sum_i f_i y_i + sum_ij (c_ij / d_j) x_ij
    s.t. sum_i x_ij = d_j                  every customer j
         sum_j x_ij <= s_i y_i             every warehouse i
         x_ij <= min(d_j, s_i) y_i         every pair (the core's strong linking rows)
         x_ij >= 0, y_i in {0, 1}

Times are wall-clock seconds from the arrays to the objective value, model building included.

Usage::

    python benchmarks/orlib_cap.py [--data FOLDER] [--json OUT] [--instances cap41,cap42] [--no-peer] [--time-limit S]

``--data`` defaults to the full set in ``../shared/bench/orlib-cap`` beside the checkout when it is
there, else to the six instances copied into the repository for the tests (``tests/data/orlib-cap``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from aggregates.optimize.matrix import facility_location_problem, read_orlib_cap
from aggregates.optimize.solve import SolverSettings, solve

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "bench" / "orlib-cap"  # all 37 + capa/capb/capc, beside the checkout
BUNDLED_DATA = ROOT / "tests" / "data" / "orlib-cap"  # the six instances the tests use, in every clone
DEFAULT_DATA = SHARED_DATA if (SHARED_DATA / "optimal.csv").is_file() else BUNDLED_DATA
LARGE = re.compile(r"^(cap[abc])-(\d+)$")
ABS_TOL, REL_TOL = 1e-3, 1e-9


@dataclass(frozen=True)
class Result:
    """One instance: the core's answer and, unless skipped, the peer's."""

    instance: str
    optimum: float
    status: str
    objective: float
    seconds: float
    gap: float = 0.0
    peer_status: str | None = None
    peer_objective: float | None = None
    peer_seconds: float | None = None

    @property
    def reached(self) -> bool:
        return reaches(self.objective, self.optimum)

    @property
    def peer_reached(self) -> bool | None:
        return None if self.peer_objective is None else reaches(self.peer_objective, self.optimum)


def reaches(objective: float, optimum: float) -> bool:
    """Whether ``objective`` equals the published ``optimum`` (abs 1e-3 or rel 1e-9).

    The published values are printed with 3 decimals while the true optima have up to 4.
    """
    diff = abs(objective - optimum)
    return diff <= ABS_TOL or diff <= REL_TOL * abs(optimum)


def default_instances(data: Path) -> list[str]:
    """The cap41 ... cap134 files in ``data`` in numeric order (capa/capb/capc excluded)."""
    names = [p.stem for p in data.glob("cap*.txt") if re.fullmatch(r"cap\d+", p.stem)]
    return sorted(names, key=lambda s: int(s[3:]))


def load_optima(data: Path) -> dict[str, float]:
    """Published optimum by instance name, from ``optimal.csv``."""
    with open(data / "optimal.csv", newline="") as fh:
        return {row["instance"]: float(row["optimal_value"]) for row in csv.DictReader(fh)}


def load_instance(data: Path, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(capacity, fixed_cost, demand, unit_cost) of ``capNN`` or ``capX-CAPACITY`` (X in a, b, c)."""
    large = LARGE.match(name)
    if large:
        return read_orlib_cap(data / f"{large[1]}.txt", capacity=float(large[2]))
    return read_orlib_cap(data / f"{name}.txt")


def check_names(data: Path, names: list[str]) -> None:
    """Exit with a message if an instance has no published optimum or no file."""
    optima = load_optima(data)
    for name in names:
        large = LARGE.match(name)
        file = data / f"{large[1] if large else name}.txt"
        if name not in optima or not file.is_file():
            known = ", ".join(n for n in optima if not n.endswith("-uncap"))
            sys.exit(f"unknown instance {name!r} (no {file.name} or no optimum in optimal.csv); known: {known}")


def solve_core(
    arrays: tuple, time_limit: float, gap: float = 1e-9, cover: bool = True
) -> tuple[str, float, float, float]:
    """(status, objective, seconds, relative gap left) through :func:`facility_location_problem` and :func:`solve`.

    ``cover=False`` leaves the cover row out of the model (docs/MODEL.md, constraint 10), to show what it is worth.
    """
    settings = SolverSettings(solver="highs", time_limit_s=time_limit, relative_gap=gap, shadow_prices=False)
    started = time.perf_counter()
    solution = solve(replace(facility_location_problem(*arrays), cover_rows=cover), settings)
    return solution.status, solution.objective, time.perf_counter() - started, solution.mip_gap


def import_pulp():
    """The ``pulp`` module, or exit with how to install it."""
    try:
        # Deferred: PuLP is an optional extra ([bench]) and only the peer comparison needs it.
        import pulp  # noqa: PLC0415
    except ImportError:
        sys.exit("PuLP is needed for the peer comparison: pip install -e '.[bench]' (or run with --no-peer)")
    return pulp


def solve_peer(arrays: tuple, time_limit: float) -> tuple[str, float, float]:
    """(status, objective, seconds) of the same formulation built with PuLP and solved by its bundled CBC."""
    pulp = import_pulp()
    capacity, fixed_cost, demand, unit_cost = arrays
    started = time.perf_counter()
    model = build_peer(pulp, capacity, fixed_cost, demand, unit_cost)
    solver = pulp.PULP_CBC_CMD(msg=False, threads=1, gapRel=1e-9, timeLimit=time_limit)
    model.solve(solver)
    objective = pulp.value(model.objective)
    seconds = time.perf_counter() - started
    status = pulp.LpStatus[model.status].lower()
    return status, float("nan") if objective is None else float(objective), seconds


def build_peer(pulp, capacity, fixed_cost, demand, unit_cost):
    """The split-demand CFLP with strong linking rows as a ``pulp.LpProblem``."""
    m, n = unit_cost.shape
    customers = [j for j in range(n) if demand[j] > 0]
    model = pulp.LpProblem("cflp", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{i}", cat=pulp.LpBinary) for i in range(m)]
    x = {(i, j): pulp.LpVariable(f"x{i}_{j}", lowBound=0) for i in range(m) for j in customers}
    model += pulp.lpSum(float(fixed_cost[i]) * y[i] for i in range(m)) + pulp.lpSum(
        float(unit_cost[i, j]) * var for (i, j), var in x.items()
    )
    for j in customers:
        model += pulp.lpSum(x[i, j] for i in range(m)) == float(demand[j])
    for i in range(m):
        model += pulp.lpSum(x[i, j] for j in customers) <= float(capacity[i]) * y[i]
    for (i, j), var in x.items():
        model += var <= min(float(demand[j]), float(capacity[i])) * y[i]
    return model


def warm_up(peer: bool) -> None:
    """Solve a 2 x 3 instance untimed so that first-call costs (imports, solver start-up) stay out of the table."""
    arrays = (np.array([9.0, 9.0]), np.array([10.0, 5.0]), np.array([4.0, 3.0, 2.0]), np.ones((2, 3)))
    solve_core(arrays, 60.0)
    if peer:
        solve_peer(arrays, 60.0)


def run(
    data: Path, names: list[str], peer: bool, time_limit: float, gap: float = 1e-9, cover: bool = True
) -> list[Result]:
    """Solve every instance in ``names``, printing one table row as each finishes."""
    optima = load_optima(data)
    warm_up(peer)
    print(header())
    results = []
    for name in names:
        arrays = load_instance(data, name)
        status, objective, seconds, left = solve_core(arrays, time_limit, gap, cover)
        peer_answer = solve_peer(arrays, time_limit) if peer else (None, None, None)
        result = Result(name, optima[name], status, objective, seconds, left, *peer_answer)
        print(row(result), flush=True)
        results.append(result)
    return results


COLUMNS = (
    ("instance", 10),
    ("status", 8),
    ("objective", 15),
    ("optimum", 15),
    ("diff", 10),
    ("gap %", 8),
    ("core s", 8),
    ("peer s", 8),
    ("peer/core", 9),
)


def line(cells: tuple[str, ...]) -> str:
    """Cells padded to the column widths: the first left-aligned, the rest right-aligned."""
    return "  ".join(
        f"{c:>{w}}" if k else f"{c:<{w}}" for k, (c, (_, w)) in enumerate(zip(cells, COLUMNS, strict=True))
    )


def header() -> str:
    """The table's column titles and rule."""
    titles = line(tuple(t for t, _ in COLUMNS))
    return f"{titles}\n{'-' * len(titles)}"


def row(r: Result) -> str:
    """One table row; a trailing mark flags a missed optimum (``!`` core, ``p:STATUS`` peer)."""
    peer = "-" if r.peer_seconds is None else f"{r.peer_seconds:.3f}"
    ratio = "-" if r.peer_seconds is None else f"{r.peer_seconds / r.seconds:.2f}"
    diff = f"{round(r.objective - r.optimum, 4) + 0.0:.4f}"
    gap = f"{100 * r.gap:.5f}" if math.isfinite(r.gap) else "-"
    cells = (r.instance, r.status, f"{r.objective:.4f}", f"{r.optimum:.3f}", diff, gap, f"{r.seconds:.3f}", peer, ratio)
    text = line(cells)
    return text + ("" if r.reached else " !") + (f" p:{r.peer_status}" if r.peer_reached is False else "")


def geomean(values: list[float]) -> float:
    """Geometric mean of positive values."""
    return math.exp(sum(math.log(v) for v in values) / len(values))


def summary(results: list[Result]) -> str:
    """Total and geometric-mean lines and how many instances reached their optimum."""
    core = [r.seconds for r in results]
    peers = [r.peer_seconds for r in results if r.peer_seconds is not None]
    total, mean = ["-", "-"], ["-", "-"]
    if peers and len(peers) == len(results):
        ratios = [p / c for p, c in zip(peers, core, strict=True)]
        total = [f"{sum(peers):.3f}", f"{sum(peers) / sum(core):.2f}"]
        mean = [f"{geomean(peers):.3f}", f"{geomean(ratios):.2f}"]
    blank = ("",) * 5
    reached = f"optimum reached: core {sum(r.reached for r in results)}/{len(results)}"
    if peers:
        reached += f", peer {sum(bool(r.peer_reached) for r in results)}/{len(peers)}"
    return "\n".join(
        [
            line(("total", *blank, f"{sum(core):.3f}", *total)),
            line(("geomean", *blank, f"{geomean(core):.3f}", *mean)),
            reached,
        ]
    )


def write_json(results: list[Result], out: Path) -> None:
    """Write ``[{instance, status, objective, optimum, gap, seconds, peer_seconds}, ...]`` to ``out``."""
    keys = ("instance", "status", "objective", "optimum", "gap", "seconds", "peer_seconds")
    out.write_text(json.dumps([{k: getattr(r, k) for k in keys} for r in results], indent=2) + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Solve the OR-Library CFLP instances cap41..cap134 through the core (HiGHS) and compare with "
        "their published optima and with the same model in PuLP/CBC. Exit code 1 if the core misses an optimum.",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"folder of capNN.txt and optimal.csv (default: the full set in {SHARED_DATA} when present, else "
        f"the six instances copied into the repository, {BUNDLED_DATA.relative_to(ROOT)}; now: {DEFAULT_DATA})",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    parser.add_argument(
        "--instances",
        help="comma-separated names (default: all cap41..cap134). The large capa/capb/capc (100x1000, minutes "
        "each) run only when named with a capacity from optimal.csv, e.g. capa-8000",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the PuLP/CBC comparison")
    parser.add_argument("--time-limit", type=float, default=120.0, metavar="S", help="per solve, each solver")
    parser.add_argument(
        "--gap", type=float, default=1e-9, help="relative gap at which the core stops, proven (default 1e-9)"
    )
    parser.add_argument(
        "--no-cover", action="store_true", help="leave the cover row out of the core's model (to measure its worth)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 if the core reached every published optimum, else 1."""
    args = parse_args(argv)
    if not (args.data / "optimal.csv").is_file():
        sys.exit(f"no optimal.csv in {args.data}; point --data at the orlib-cap folder")
    names = args.instances.split(",") if args.instances else default_instances(args.data)
    check_names(args.data, names)
    if not args.no_peer:
        import_pulp()
    results = run(
        args.data, names, peer=not args.no_peer, time_limit=args.time_limit, gap=args.gap, cover=not args.no_cover
    )
    print(summary(results))
    if args.json:
        write_json(results, args.json)
    return 0 if all(r.reached for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
