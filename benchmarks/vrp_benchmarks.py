"""Solomon VRPTW and CVRPLIB X: the day-dispatch routing engine against best-known values and OR-Tools routing.

The engine is configured as :mod:`aggregates.dispatch.trucks` configures it: a PyVRP ``Model`` built location
by location, a fixed cost per vehicle that outweighs distance (Solomon's hierarchical objective: vehicles
first, then distance), ``MaxRuntime`` and seed 0.
The peer is OR-Tools routing (``pywrapcp``) with guided local search and the same time limit, in the same run.
Distances are scaled to integers (Solomon: x 100 of the double-precision Euclidean distance, reported back
in the original unit; X: EUC_2D rounded, as CVRPLIB counts).

Usage::

    python benchmarks/vrp_benchmarks.py [--data FOLDER] [--instances C101,R101,X-n101-k25] [--time-limit S]
        [--no-peer] [--json OUT]

``--instances all`` runs every instance in ``--data`` (56 Solomon and 5 X: about an hour at 30 s with the peer).

``--data`` is the folder holding ``solomon/`` and ``cvrp/`` (default ``benchmarks/data/vrp``: the 56 Solomon and
5 CVRPLIB X instances with their best-known values, provenance and checksums in each folder's README and
MANIFEST; ``tests/data/vrp`` holds the three the tests use).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyvrp
import vrplib
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from pyvrp.stop import MaxRuntime

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "vrp"
DEFAULT = "C101,C201,R101,R201,RC101,RC201,X-n101-k25,X-n125-k30,X-n153-k22"
SCALE = {"solomon": 100, "cvrp": 1}


@dataclass(frozen=True)
class Instance:
    """One benchmark instance as integer arrays (index 0 is the depot)."""

    name: str
    kind: str  # solomon or cvrp
    dist: np.ndarray
    demand: np.ndarray
    capacity: int
    vehicles: int
    windows: np.ndarray | None  # (n, 2) scaled; None for CVRP
    service: np.ndarray | None
    bks_distance: float
    bks_vehicles: int | None


@dataclass(frozen=True)
class Row:
    """One engine's answer on one instance."""

    instance: str
    engine: str
    vehicles: int
    distance: float
    gap_pct: float
    bks_vehicles: int | None
    seconds: float


def read_instance(folder: Path, name: str) -> Instance:
    """A Solomon (``solomon/<name>.txt``) or X (``cvrp/<name>.vrp``) instance with its best-known values."""
    if name.startswith("X-"):
        raw = vrplib.read_instance(folder / "cvrp" / f"{name}.vrp")
        bks = _bks(folder / "cvrp" / "bks.csv", name)
        dist = np.rint(raw["edge_weight"]).astype(int)
        return Instance(
            name,
            "cvrp",
            dist,
            raw["demand"].astype(int),
            int(raw["capacity"]),
            len(dist),
            None,
            None,
            float(bks["bks"]),
            None,
        )
    raw = vrplib.read_instance(folder / "solomon" / f"{name}.txt", instance_format="solomon")
    bks = _bks(folder / "solomon" / "bks.csv", name)
    s = SCALE["solomon"]
    return Instance(
        name,
        "solomon",
        np.rint(raw["edge_weight"] * s).astype(int),
        raw["demand"].astype(int),
        int(raw["capacity"]),
        int(raw["vehicles"]),
        np.rint(raw["time_window"] * s).astype(int),
        np.rint(raw["service_time"] * s).astype(int),
        float(bks["distance"]),
        int(bks["vehicles"]),
    )


def _bks(path: Path, name: str) -> dict:
    with path.open(encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if r["instance"] == name)


def vehicle_cost(inst: Instance) -> int:
    """Solomon's hierarchy as the dispatch sets it, a vehicle outweighing any distance (n x the longest
    edge bounds every total); none for CVRP, whose objective is distance alone."""
    return int(inst.dist.max()) * len(inst.dist) if inst.kind == "solomon" else 0


def solve_pyvrp(inst: Instance, seconds: float) -> tuple[int, int]:
    """(vehicles, distance in scaled units) from PyVRP as the dispatch configures it."""
    m = pyvrp.Model()
    locs = [m.add_location(i, 0) for i in range(len(inst.dist))]
    tw = inst.windows if inst.windows is not None else None
    depot = m.add_depot(
        locs[0],
        tw_early=int(tw[0, 0]) if tw is not None else 0,
        tw_late=int(tw[0, 1]) if tw is not None else np.iinfo(np.int64).max,
    )
    for i in range(1, len(locs)):
        extra = (
            {}
            if tw is None
            else {"tw_early": int(tw[i, 0]), "tw_late": int(tw[i, 1]), "service_duration": int(inst.service[i])}
        )
        m.add_client(locs[i], delivery=[int(inst.demand[i])], **extra)
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            m.add_edge(a, b, int(inst.dist[i, j]), int(inst.dist[i, j]))
    fixed = vehicle_cost(inst)
    m.add_vehicle_type(
        num_available=inst.vehicles, capacity=[inst.capacity], start_depot=depot, end_depot=depot, fixed_cost=fixed
    )
    best = m.solve(MaxRuntime(seconds), seed=0, display=False).best
    return best.num_routes(), int(best.distance())


def solve_ortools(inst: Instance, seconds: float) -> tuple[int, int]:
    """(vehicles, distance in scaled units) from OR-Tools routing, guided local search."""
    n = len(inst.dist)
    manager = pywrapcp.RoutingIndexManager(n, inst.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    node = manager.IndexToNode
    dist = routing.RegisterTransitCallback(lambda a, b: int(inst.dist[node(a), node(b)]))
    routing.SetArcCostEvaluatorOfAllVehicles(dist)
    load = routing.RegisterUnaryTransitCallback(lambda a: int(inst.demand[node(a)]))
    routing.AddDimensionWithVehicleCapacity(load, 0, [inst.capacity] * inst.vehicles, True, "load")
    if inst.windows is not None:
        _time_dimension(routing, manager, inst)
        routing.SetFixedCostOfAllVehicles(vehicle_cost(inst))
    params = pywrapcp.DefaultRoutingSearchParameters()
    # Cheapest-arc paths often find no first solution under Solomon's tight windows (R101 in 10 s).
    first = "PARALLEL_CHEAPEST_INSERTION" if inst.windows is not None else "PATH_CHEAPEST_ARC"
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return 0, -1
    return _read_ortools(routing, manager, sol, inst)


def _time_dimension(routing, manager, inst: Instance) -> None:
    node = manager.IndexToNode
    cb = routing.RegisterTransitCallback(lambda a, b: int(inst.dist[node(a), node(b)] + inst.service[node(a)]))
    horizon = int(inst.windows[0, 1])
    routing.AddDimension(cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for i in range(1, len(inst.dist)):
        time_dim.CumulVar(manager.NodeToIndex(i)).SetRange(int(inst.windows[i, 0]), int(inst.windows[i, 1]))
    for v in range(inst.vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(int(inst.windows[0, 0]), horizon)
        time_dim.CumulVar(routing.End(v)).SetRange(int(inst.windows[0, 0]), horizon)


def _read_ortools(routing, manager, sol, inst: Instance) -> tuple[int, int]:
    used, total = 0, 0
    for v in range(inst.vehicles):
        i = routing.Start(v)
        if routing.IsEnd(sol.Value(routing.NextVar(i))):
            continue
        used += 1
        while not routing.IsEnd(i):
            j = sol.Value(routing.NextVar(i))
            total += int(inst.dist[manager.IndexToNode(i), manager.IndexToNode(j)])
            i = j
    return used, total


def run(inst: Instance, engine: str, seconds: float) -> Row:
    """Solve one instance with one engine and compare with the best-known distance."""
    start = time.perf_counter()
    vehicles, scaled = (solve_pyvrp if engine == "pyvrp" else solve_ortools)(inst, seconds)
    took = time.perf_counter() - start
    distance = scaled / SCALE[inst.kind] if scaled >= 0 else math.nan
    gap = 100.0 * (distance - inst.bks_distance) / inst.bks_distance
    return Row(inst.name, engine, vehicles, round(distance, 2), round(gap, 2), inst.bks_vehicles, round(took, 1))


def main() -> None:
    """Parse the options, run every instance with both engines and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--instances", default=DEFAULT)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    engines = ["pyvrp"] if a.no_peer else ["pyvrp", "ortools"]
    rows = []
    for name in _names(a.data, a.instances):
        inst = read_instance(a.data, name.strip())
        rows += [run(inst, e, a.time_limit) for e in engines]
        print(
            f"done {inst.name}: " + ", ".join(f"{r.engine} {r.gap_pct:.2f} %" for r in rows[-len(engines) :]),
            file=sys.stderr,
            flush=True,
        )
    _print(rows, engines)
    if a.json:
        a.json.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n", encoding="utf-8")


def _names(folder: Path, instances: str) -> list[str]:
    """The instance names asked for: a comma-separated list, or ``all`` (every Solomon, then every X instance)."""
    if instances.strip() != "all":
        return [n.strip() for n in instances.split(",")]
    solomon = sorted(p.stem for p in (folder / "solomon").glob("*.txt") if re.fullmatch(r"R?C?\d+", p.stem))
    return solomon + sorted(p.stem for p in (folder / "cvrp").glob("X-*.vrp"))


def _print(rows: list[Row], engines: list[str]) -> None:
    by = {(r.instance, r.engine): r for r in rows}
    names = list(dict.fromkeys(r.instance for r in rows))
    head = f"{'instance':12} {'BKS veh':>7}" + "".join(f" {e + ' veh':>12} {e + ' gap %':>13}" for e in engines)
    print(head + ("  dist ratio ortools/pyvrp" if len(engines) > 1 else ""))
    for n in names:
        line = f"{n:12} {by[(n, 'pyvrp')].bks_vehicles or '':>7}"
        line += "".join(f" {by[(n, e)].vehicles:>12} {by[(n, e)].gap_pct:>13.2f}" for e in engines)
        if len(engines) > 1:
            ratio = by[(n, "ortools")].distance / by[(n, "pyvrp")].distance
            line += f"  {ratio:>24.3f}" if not math.isnan(ratio) else f"  {'no OR-Tools solution':>24}"
        print(line)
    for e in engines:
        _family_means(by, names, e)
        gaps = [by[(n, e)].gap_pct for n in names if not math.isnan(by[(n, e)].gap_pct)]
        missed = len(names) - len(gaps)
        more = sum(1 for n in names if by[(n, e)].bks_vehicles and by[(n, e)].vehicles > by[(n, e)].bks_vehicles)
        print(
            f"mean gap {e}: {np.mean(gaps) if gaps else math.nan:.2f} % over {len(gaps)} instances"
            f" ({missed} without a solution; {more} Solomon instance(s) with more vehicles than best known,"
            " where a shorter distance is no better)"
        )


def _family_means(by: dict, names: list[str], engine: str) -> None:
    """Mean gap per family (Solomon C/R/RC, CVRPLIB X) when more than one family ran."""
    families: dict[str, list[float]] = {}
    for n in names:
        fam = "X" if n.startswith("X-") else n.rstrip("0123456789")
        if not math.isnan(by[(n, engine)].gap_pct):
            families.setdefault(fam, []).append(by[(n, engine)].gap_pct)
    if len(families) > 1:
        print(
            f"{engine} mean gap by family: "
            + ", ".join(f"{f} {np.mean(g):.2f} % ({len(g)})" for f, g in families.items())
        )


if __name__ == "__main__":
    main()
