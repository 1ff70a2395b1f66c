"""Route legs on a large synthetic road graph against the Dijkstra floor and networkx.

A road-like graph of ``--nodes`` nodes (default 1,000,000; deterministic, ``--seed``) is generated once:

* a jittered grid (0.4 km spacing, each node moved up to 0.1 km), its horizontal and vertical neighbours linked
  and 5 % of the cells given a diagonal; 12 % of these local links removed at random;
* road classes: every 8th grid line an arterial, every 40th an expressway whose nodes, every 4th along the line,
  are also linked directly (a sparse faster layer, tolled);
* per link: ``km`` = straight km x 1.15 (local, arterial) or x 1.05 (expressway), ``hours`` = km / speed
  (30, 50, 90 km/h), and the weight paths minimise, yuan per tonne = 0.3 km + 6 hours (+ 0.2 km tolled).

Then ``--sources`` sources (default 50, distinct) and ``--targets`` targets (default 1000) are drawn, and
each stage runs in a fresh Python process that imports the libraries and loads the graph's link arrays from a
file (``base MiB``: its resident memory then), so its time and peak resident memory (``peak MiB``: Linux
``VmHWM``, reset once the graph is loaded; the whole process) are its own:

``floor``
    ``scipy.sparse.csgraph.dijkstra`` from the distinct sources (distances only; ``directed=True`` on the
    matrix that holds both directions of every link, its fastest form) on the graph's CSR matrix, built
    before the clock starts: nothing else.
``legs``
    what route legs call, :func:`aggregates.network.paths.target_sums`: costs, km and hours from every source
    to every target, CSR matrix and link lookup built inside the timing. With ``--repeats K`` it is handed
    ``K`` of the sources a second time (as ``route_options`` does), which it computes once.
``previous`` (with ``--previous``)
    the way route legs worked before: :func:`~aggregates.network.paths.shortest_trees` and
    :func:`~aggregates.network.paths.path_sums` over every node of every tree, then the targets' columns.
``networkx``
    the peer: a ``networkx.Graph`` built from the same links, then ``bidirectional_dijkstra`` per pair on
    ``--pairs`` sampled pairs (default 20), km and hours summed along each path; its time is the graph build
    plus the mean per pair times sources x targets (extrapolated; the table says so). Peak memory is measured.

The floor and legs run ``--repeat`` times each (default 2), alternating, and the best time of each is kept
(peak memory: the higher), since the machine may be shared. The parent checks that ``legs`` gives exactly the floor's costs and agrees with networkx on the sampled pairs
(and with ``previous`` bit for bit), then prints the table: seconds, peak MiB, and each stage's ratio to the
floor in time and memory, against the goal (route legs <= 1.5x the floor in both).

Usage::

    python benchmarks/route_legs.py [--nodes 1000000] [--sources 50] [--targets 1000] [--repeats 0]
        [--pairs 20] [--seed 7] [--repeat 2] [--previous] [--no-networkx] [--json OUT]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GOAL = 1.5
SPACING_KM = 0.4
SPEED_KMH = {"local": 30.0, "arterial": 50.0, "expressway": 90.0}


def road_graph(nodes: int, seed: int) -> dict[str, np.ndarray]:
    """A deterministic road-like graph: link arrays ``u``, ``v``, ``weight``, ``km``, ``hours``."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(nodes))
    ids = np.arange(nodes)
    row, col = ids // side, ids % side
    x = col * SPACING_KM + rng.uniform(-0.1, 0.1, nodes)
    y = row * SPACING_KM + rng.uniform(-0.1, 0.1, nodes)
    right = ids[(col + 1 < side) & (ids + 1 < nodes)]
    down = ids[ids + side < nodes]
    diag = ids[(col + 1 < side) & (ids + side + 1 < nodes)]
    diag = diag[rng.random(len(diag)) < 0.05]
    u = np.r_[right, down, diag]
    v = np.r_[right + 1, down + side, diag + side + 1]
    kept = rng.random(len(u)) >= 0.12
    u, v = u[kept], v[kept]
    line = np.where(row[u] == row[v], row[u], col[u])  # the grid line a straight link runs along
    speed = np.where(line % 8 == 0, SPEED_KMH["arterial"], SPEED_KMH["local"])
    km = np.hypot(x[u] - x[v], y[u] - y[v]) * 1.15
    toll_km = np.zeros(len(u))
    # Expressways: every 40th row and column, every 4th node along it linked to the next.
    on_row = ids[(row % 40 == 0) & (col % 4 == 0) & (col + 4 < side) & (ids + 4 < nodes)]
    on_col = ids[(col % 40 == 0) & (row % 4 == 0) & (ids + 4 * side < nodes)]
    eu, ev = np.r_[on_row, on_col], np.r_[on_row + 4, on_col + 4 * side]
    ekm = np.hypot(x[eu] - x[ev], y[eu] - y[ev]) * 1.05
    u, v = np.r_[u, eu], np.r_[v, ev]
    km = np.r_[km, ekm]
    speed = np.r_[speed, np.full(len(eu), SPEED_KMH["expressway"])]
    toll_km = np.r_[toll_km, ekm]
    hours = km / speed
    weight = 0.3 * km + 6.0 * hours + 0.2 * toll_km
    return {"u": u.astype(np.int32), "v": v.astype(np.int32), "weight": weight, "km": km, "hours": hours}


def _memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # elsewhere than Linux the peak then includes loading the graph
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _link_graph(data):
    from aggregates.network.paths import LinkGraph  # noqa: PLC0415 - stage processes import only what they time

    return LinkGraph.build(
        int(data["n"]), data["u"], data["v"], data["weight"], {"km": data["km"], "hours": data["hours"]}
    )


def _stage_floor(data) -> tuple[float, dict]:
    from scipy.sparse.csgraph import dijkstra  # noqa: PLC0415

    matrix = _link_graph(data).csr()
    sources = data["sources"]  # distinct, as drawn
    _reset_peak()
    start = time.perf_counter()
    # Both directions of every link are in the matrix, so a directed run gives the same distances, faster.
    dist = dijkstra(matrix, directed=True, indices=sources)
    seconds = time.perf_counter() - start
    return seconds, {"dist": dist[:, data["targets"]]}


def _stage_legs(data) -> tuple[float, dict]:
    from aggregates.network.paths import target_sums  # noqa: PLC0415

    graph = _link_graph(data)
    sources = np.r_[data["sources"], data["sources"][: int(data["repeats"])]]
    _reset_peak()
    start = time.perf_counter()
    table = target_sums(graph, sources, data["targets"], ("km", "hours"))
    seconds = time.perf_counter() - start
    distinct = len(data["sources"])
    return seconds, {
        "dist": table.dist[:distinct],
        "km": table.sums["km"][:distinct],
        "hours": table.sums["hours"][:distinct],
    }


def _stage_previous(data) -> tuple[float, dict]:
    from aggregates.network.paths import path_sums, shortest_trees  # noqa: PLC0415

    graph = _link_graph(data)
    targets = data["targets"]
    _reset_peak()
    start = time.perf_counter()
    trees = shortest_trees(graph, data["sources"])
    km = path_sums(graph, trees, "km")[:, targets]
    hours = path_sums(graph, trees, "hours")[:, targets]
    seconds = time.perf_counter() - start
    return seconds, {"dist": trees.dist[:, targets], "km": km, "hours": hours}


def _stage_networkx(data) -> tuple[float, dict]:
    import networkx as nx  # noqa: PLC0415

    graph = _link_graph(data)
    _reset_peak()
    start = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(graph.n))
    g.add_edges_from(
        (int(a), int(b), {"w": w, "km": k, "hours": h})
        for a, b, w, k, h in zip(graph.u, graph.v, graph.weight, graph.attrs["km"], graph.attrs["hours"], strict=True)
    )
    build = time.perf_counter() - start
    found = []
    start = time.perf_counter()
    for i, j in data["pairs"]:
        try:
            cost, path = nx.bidirectional_dijkstra(g, int(data["sources"][i]), int(data["targets"][j]), weight="w")
        except nx.NetworkXNoPath:
            found.append((np.inf, np.nan, np.nan))
            continue
        edges = [g[a][b] for a, b in itertools.pairwise(path)]
        found.append((cost, sum(e["km"] for e in edges), sum(e["hours"] for e in edges)))
    per_pair = (time.perf_counter() - start) / len(data["pairs"])
    seconds = build + per_pair * len(data["sources"]) * len(data["targets"])
    return seconds, {"pairs": np.array(found), "build_s": np.array(build), "per_pair_s": np.array(per_pair)}


STAGES = {"floor": _stage_floor, "legs": _stage_legs, "previous": _stage_previous, "networkx": _stage_networkx}


def _run_stage(stage: str, data_file: Path, out_file: Path) -> None:
    # Every stage imports the same libraries before the graph is loaded, so their baselines compare.
    import networkx  # noqa: F401, PLC0415
    import scipy.sparse.csgraph  # noqa: F401, PLC0415

    import aggregates.network.paths  # noqa: F401, PLC0415

    data = dict(np.load(data_file))
    base_kib = _memory_kib("VmRSS")
    seconds, arrays = STAGES[stage](data)
    peak_kib = _memory_kib("VmHWM")
    np.savez(out_file, **arrays)
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "base_mib": base_kib / 1024}))


def _child(stage: str, data_file: Path, out_file: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--data", str(data_file), "--out", str(out_file)],
        check=True,
        capture_output=True,
        text=True,
    )
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return {"stage": stage, **row, "arrays": dict(np.load(out_file))}


def _best(old: dict | None, new: dict) -> dict:
    """The faster of two runs of a stage, with the higher of their peak memories."""
    if old is None:
        return new
    best = old if old["seconds"] <= new["seconds"] else new
    return {
        **best,
        "peak_mib": max(old["peak_mib"], new["peak_mib"]),
        "base_mib": max(old["base_mib"], new["base_mib"]),
    }


def _checks(rows: dict[str, dict], pairs: np.ndarray) -> list[str]:
    notes = []
    legs = rows["legs"]["arrays"]
    same = np.array_equal(legs["dist"], rows["floor"]["arrays"]["dist"])
    notes.append(f"legs costs {'==' if same else '!='} the floor's (bit for bit)")
    if "previous" in rows:
        prev = rows["previous"]["arrays"]
        same = all(np.array_equal(legs[k], prev[k], equal_nan=True) for k in ("dist", "km", "hours"))
        notes.append(f"legs costs, km and hours {'==' if same else '!='} the previous path_sums' (bit for bit)")
    if "networkx" in rows:
        peer = rows["networkx"]["arrays"]["pairs"]
        i, j = pairs[:, 0], pairs[:, 1]
        ours = np.column_stack([legs["dist"][i, j], legs["km"][i, j], legs["hours"][i, j]])
        agree = np.allclose(ours, peer, rtol=1e-9, equal_nan=True)
        notes.append(
            f"legs {'agree' if agree else 'DISAGREE'} with networkx on {len(pairs)} sampled pairs (cost, km, hours)"
        )
    return notes


def _table(rows: dict[str, dict], args) -> list[dict]:
    floor = rows["floor"]
    out = []
    for stage, row in rows.items():
        t_ratio, m_ratio = row["seconds"] / floor["seconds"], row["peak_mib"] / floor["peak_mib"]
        out.append(
            {
                "stage": stage,
                "seconds": round(row["seconds"], 2),
                "peak_mib": round(row["peak_mib"], 1),
                "base_mib": round(row["base_mib"], 1),
                "time_x_floor": round(t_ratio, 2),
                "memory_x_floor": round(m_ratio, 2),
                "goal": (f"<= {GOAL}x: " + ("met" if max(t_ratio, m_ratio) <= GOAL else "missed"))
                if stage == "legs"
                else "",
                "extrapolated": stage == "networkx",
                "nodes": args.nodes,
                "sources": args.sources,
                "targets": args.targets,
                "repeats": args.repeats if stage == "legs" else 0,
            }
        )
    return out


def _print(table: list[dict], rows: dict[str, dict], notes: list[str], args, links: int) -> None:
    print(
        f"route legs: {args.nodes:,} nodes, {links:,} links, {args.sources} sources x {args.targets} targets"
        f" (+{args.repeats} repeated sources in legs), seed {args.seed}; floor and legs best of {args.repeat}"
    )
    print(f"{'stage':<10} {'seconds':>9} {'peak MiB':>9} {'base MiB':>9} {'time/floor':>10} {'mem/floor':>9}  goal")
    for r in table:
        mark = " (extrapolated)" if r["extrapolated"] else ""
        print(
            f"{r['stage']:<10} {r['seconds']:>9.2f} {r['peak_mib']:>9.1f} {r['base_mib']:>9.1f}"
            f" {r['time_x_floor']:>10.2f} {r['memory_x_floor']:>9.2f}  {r['goal']}{mark}"
        )
    if "networkx" in rows:
        nx_arrays = rows["networkx"]["arrays"]
        print(
            f"networkx: graph build {float(nx_arrays['build_s']):.1f} s + {float(nx_arrays['per_pair_s']):.3f} s"
            f" per pair (mean of {args.pairs}) x {args.sources * args.targets:,} pairs"
        )
    for note in notes:
        print(note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=0, help="sources handed to legs a second time")
    parser.add_argument("--pairs", type=int, default=20, help="sampled pairs timed with networkx")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2, help="runs of the floor and of legs, alternating; best time")
    parser.add_argument("--previous", action="store_true", help="also time the previous path_sums")
    parser.add_argument("--no-networkx", action="store_true", help="leave the networkx peer out")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        _run_stage(args.stage, args.data, args.out)
        return
    rng = np.random.default_rng(args.seed + 1)
    graph = road_graph(args.nodes, args.seed)
    sources = rng.choice(args.nodes, args.sources, replace=False)
    targets = rng.choice(args.nodes, args.targets, replace=False)
    pairs = np.column_stack([rng.integers(0, args.sources, args.pairs), rng.integers(0, args.targets, args.pairs)])
    stages = ["floor", "legs", *(["previous"] if args.previous else []), *([] if args.no_networkx else ["networkx"])]
    with tempfile.TemporaryDirectory(prefix="route_legs_") as tmp:
        data_file = Path(tmp) / "graph.npz"
        np.savez(data_file, n=args.nodes, sources=sources, targets=targets, pairs=pairs, repeats=args.repeats, **graph)
        rows = {}
        # The floor and legs alternate, best of --repeat each: the machine may be shared.
        for _ in range(args.repeat):
            for stage in stages[:2]:
                rows[stage] = _best(rows.get(stage), _child(stage, data_file, Path(tmp) / f"{stage}.npz"))
        for stage in stages[2:]:
            rows[stage] = _child(stage, data_file, Path(tmp) / f"{stage}.npz")
    notes = _checks(rows, pairs)
    table = _table(rows, args)
    _print(table, rows, notes, args, len(graph["u"]))
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
