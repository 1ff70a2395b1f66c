"""OSM import at region and province scale: the package's streaming import against osmnx's XML loader.

Writes a synthetic, road-like OpenStreetMap extract of any size over the Jing-Jin-Ji bbox
(``--nodes``, default 1,000,000; deterministic by ``--seed``) as ``.osm.pbf`` (and as ``.osm`` XML for
the peer), then measures, each in a fresh Python process (time of the call only: interpreter start and
module imports excluded; peak RSS of the whole process, imports included):

* ``aggregates``: :func:`aggregates.data.osm.build_osm_road_layer` on the file (stream, largest
  component, simplification, the ``road_nodes`` and ``roads`` tables, access links of 100 sites);
* ``osmnx``: ``osmnx.graph_from_xml(path, simplify=False, retain_all=True)``, osmnx's own XML loader
  (the loader alone: no simplification, no tables) on the same data written as ``.osm``.

At a million nodes the peer takes very long: ``--peer-nodes N`` (default 200,000) measures it on a
smaller file from the same generator, and the package is measured on that file too (PBF and XML), so
the speed-up is a same-size, same-run ratio. ``--nodes 3000000`` checks the 3M-node memory goal.

The synthetic network: a jittered lattice of junctions (about 1 in 4.4 nodes), about 15 % of the lattice
edges missing (junction degree 1-4, mean about 3.4), every edge drawn through 0-4 shape nodes; each
row and column a road of one class: motorway every 40th (dual carriageway: two one-way ways, the far
one on its own nodes, joined to the grid every 5th junction), trunk every 20th, primary every 8th,
secondary every 4th, tertiary every 2nd, the rest unclassified, residential, service or track;
ways span 1-6 lattice edges. Names on 70 % of ways (``name``, ``name:zh``), ``ref`` on motorway/trunk/
primary, ``toll=yes`` on 30 % of trunks, ``oneway=yes`` on 12 % and ``oneway=-1`` on 3 % of the
others, a roundabout (``junction=roundabout``) on 1 in 500 junctions, a named place (city, town,
village) on 1 in 1,500.

With ``--pipeline`` the imported road layer replaces the default region's roads (``aggregates region
osm``) and ``aggregates network``, ``aggregates validate`` (route options) and ``aggregates optimize``
run on it; the table says how far that got and how long each step took.

Usage::

    python benchmarks/osm_import.py [--nodes 1000000] [--peer-nodes 200000] [--no-peer] [--seed 7]
        [--keep DIR] [--pipeline] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BBOX = (113.0, 38.3, 120.2, 42.5)  # the default region's (geodata/jingjinji/region.yaml)
GOAL_S, GOAL_MIB, GOAL_PEER, GOAL_3M_MIB = 120.0, 2.5 * 1024, 5.0, 8 * 1024
MINOR = ("unclassified", "residential", "service", "track")
MINOR_P = (0.3, 0.45, 0.15, 0.1)
NODES_PER_JUNCTION = 4.4
SITES = 100
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- #
# the synthetic extract
# --------------------------------------------------------------------------- #


def line_class(index: int, rng: np.random.Generator) -> str:
    """Highway class of lattice row/column ``index`` (minor classes drawn per way later)."""
    for every, cls in ((40, "motorway"), (20, "trunk"), (8, "primary"), (4, "secondary"), (2, "tertiary")):
        if index % every == 0:
            return cls
    return "minor"


class Extract:
    """Nodes and ways of a synthetic road extract, built with numpy and plain lists."""

    def __init__(self, nodes: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        width_km = (BBOX[2] - BBOX[0]) * 111.32 * math.cos(math.radians((BBOX[1] + BBOX[3]) / 2))
        height_km = (BBOX[3] - BBOX[1]) * 110.57
        junctions = nodes / NODES_PER_JUNCTION
        self.rows = max(3, round(math.sqrt(junctions * height_km / width_km)))
        self.cols = max(3, round(junctions / self.rows))
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.node_tags: dict[int, dict[str, str]] = {}
        self.ways: list[tuple[list[int], dict[str, str]]] = []
        self._grid()

    def _node(self, lon: float, lat: float) -> int:
        # inside the region's bbox, so that the imported roads pass the region's checks
        self.lon.append(min(max(lon, BBOX[0] + 1e-4), BBOX[2] - 1e-4))
        self.lat.append(min(max(lat, BBOX[1] + 1e-4), BBOX[3] - 1e-4))
        return len(self.lon)  # OSM ids from 1

    def _grid(self) -> None:
        rng, rows, cols = self.rng, self.rows, self.cols
        dlon, dlat = (BBOX[2] - BBOX[0]) / cols, (BBOX[3] - BBOX[1]) / rows
        jlon = BBOX[0] + (np.arange(cols)[None, :] + 0.5 + rng.uniform(-0.3, 0.3, (rows, cols))) * dlon
        jlat = BBOX[1] + (np.arange(rows)[:, None] + 0.5 + rng.uniform(-0.3, 0.3, (rows, cols))) * dlat
        self.jid = np.array([[self._node(jlon[r, c], jlat[r, c]) for c in range(cols)] for r in range(rows)])
        self.jlon, self.jlat = jlon, jlat
        row_class = [line_class(r, rng) for r in range(rows)]
        col_class = [line_class(c, rng) for c in range(cols)]
        for r in range(rows):
            self._line([(r, c) for c in range(cols)], row_class[r], (0.0, dlat))
        for c in range(cols):
            self._line([(r, c) for r in range(rows)], col_class[c], (dlon, 0.0))
        self._roundabouts(dlon, dlat)
        self._places()

    def _edge_nodes(self, a: tuple[int, int], b: tuple[int, int], offset: tuple[float, float] = (0, 0)) -> list[int]:
        """Shape nodes between junctions a and b (exclusive), jittered, shifted by ``offset`` degrees."""
        k = int(self.rng.integers(0, 5))
        t = (np.arange(1, k + 1) / (k + 1))[:, None]
        pa = np.array([self.jlon[a], self.jlat[a]])
        pb = np.array([self.jlon[b], self.jlat[b]])
        pts = pa + t * (pb - pa) + self.rng.normal(0, 0.002, (k, 2)) + np.array(offset)
        return [self._node(float(x), float(y)) for x, y in pts]

    def _line(self, cells: list[tuple[int, int]], cls: str, step: tuple[float, float]) -> None:
        kept = self.rng.random(len(cells) - 1) >= 0.15 if cls == "minor" else np.ones(len(cells) - 1, bool)
        run: list[int] = []  # edge indexes of the current run of kept edges
        for i in range(len(cells) - 1):
            if kept[i]:
                run.append(i)
            if (not kept[i] or i == len(cells) - 2) and run:
                self._run_ways(cells, run, cls, step)
                run = []

    def _run_ways(self, cells: list[tuple[int, int]], run: list[int], cls: str, step: tuple[float, float]) -> None:
        i = 0
        while i < len(run):
            span = run[i : i + int(self.rng.integers(1, 7))]
            i += len(span)
            nodes = [int(self.jid[cells[span[0]]])]
            for e in span:
                nodes += self._edge_nodes(cells[e], cells[e + 1])
                nodes.append(int(self.jid[cells[e + 1]]))
            tags = self._tags(cls)
            self.ways.append((nodes, tags))
            if cls == "motorway":
                self._far_carriageway(cells, span, tags, step)

    def _far_carriageway(
        self, cells: list[tuple[int, int]], span: list[int], tags: dict[str, str], step: tuple[float, float]
    ) -> None:
        """The other carriageway: its own nodes 250 m off, joined to the grid at every 5th junction."""
        offset = (step[0] * 0.08, step[1] * 0.08)
        nodes: list[int] = []
        for e in [span[0] - 0, *[x + 1 for x in span]]:
            cell = cells[e]
            on_grid = sum(cell) % 5 == 0
            if on_grid:
                nodes.append(int(self.jid[cell]))
            else:
                nodes.append(self._node(self.jlon[cell] + offset[0], self.jlat[cell] + offset[1]))
            if e <= span[-1]:
                nodes += self._edge_nodes(cell, cells[e + 1], offset)
        self.ways.append((nodes[::-1], dict(tags)))

    def _tags(self, cls: str) -> dict[str, str]:
        rng = self.rng
        if cls == "minor":
            cls = str(rng.choice(MINOR, p=MINOR_P))
        tags = {"highway": cls}
        number = len(self.ways)
        if rng.random() < 0.7:
            tags["name"] = f"Road {number}"
            tags["name:zh"] = f"{number}路"
        if cls in ("motorway", "trunk", "primary"):
            tags["ref"] = {"motorway": "G", "trunk": "G1", "primary": "S"}[cls] + str(number % 97)
        if cls == "trunk" and rng.random() < 0.3:
            tags["toll"] = "yes"
        if cls == "motorway":
            tags["maxspeed"] = "120"  # one-way by implication: no oneway tag
        else:
            u = rng.random()
            if u < 0.12:
                tags["oneway"] = "yes"
            elif u < 0.15:
                tags["oneway"] = "-1"
        return tags

    def _roundabouts(self, dlon: float, dlat: float) -> None:
        count = self.rows * self.cols // 500
        for r, c in zip(self.rng.integers(0, self.rows, count), self.rng.integers(0, self.cols, count), strict=True):
            centre = int(self.jid[r, c])
            x, y = self.jlon[r, c], self.jlat[r, c]
            ring = [self._node(x + 0.05 * dlon * math.cos(a), y + 0.05 * dlat * math.sin(a)) for a in (0.8, 2.4, 4.0)]
            self.ways.append(([centre, *ring, centre], {"highway": "tertiary", "junction": "roundabout"}))

    def _places(self) -> None:
        count = max(3, self.rows * self.cols // 1500)
        kinds = ("city", "town", "village", "village", "village")
        for i in range(count):
            lon = float(self.rng.uniform(BBOX[0], BBOX[2]))
            lat = float(self.rng.uniform(BBOX[1], BBOX[3]))
            node = self._node(lon, lat)
            self.node_tags[node] = {"place": kinds[i % 5], "name": f"Place {i}", "name:en": f"Place {i}"}

    def sites(self) -> list[dict]:
        """Synthetic site points near kept roads (secondary rows), for the access links."""
        rows = [r for r in range(self.rows) if r % 4 == 0]
        picks = self.rng.integers(0, len(rows), SITES), self.rng.integers(0, self.cols, SITES)
        return [
            {"id": f"s{i}", "lon": self.jlon[rows[r], c] + 0.003, "lat": self.jlat[rows[r], c] + 0.003}
            for i, (r, c) in enumerate(zip(*picks, strict=True))
        ]

    def write(self, path: Path) -> None:
        """Write the extract with pyosmium (``.osm.pbf`` or ``.osm`` by the name)."""
        import osmium  # noqa: PLC0415

        path.unlink(missing_ok=True)
        node_cls, way_cls = osmium.osm.mutable.Node, osmium.osm.mutable.Way
        with osmium.SimpleWriter(str(path)) as writer:
            for i, (x, y) in enumerate(zip(self.lon, self.lat, strict=True), start=1):
                writer.add_node(node_cls(id=i, version=1, location=(x, y), tags=self.node_tags.get(i, {})))
            for i, (nodes, tags) in enumerate(self.ways, start=1):
                writer.add_way(way_cls(id=i, version=1, nodes=nodes, tags=tags))


def make_files(nodes: int, seed: int, folder: Path, xml: bool) -> dict:
    """Write ``extract.osm.pbf`` (and ``extract.osm``) and ``sites.json`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    extract = Extract(nodes, seed)
    extract.write(folder / "extract.osm.pbf")
    if xml:
        extract.write(folder / "extract.osm")
    (folder / "sites.json").write_text(json.dumps(extract.sites()), encoding="utf-8")
    return {"nodes": len(extract.lon), "ways": len(extract.ways), "write_s": time.perf_counter() - start}


# --------------------------------------------------------------------------- #
# measurements, each in a fresh process
# --------------------------------------------------------------------------- #


def worker(kind: str, path: Path, sites: Path) -> dict:
    """Run one measurement in this process and return its figures."""
    if kind == "aggregates":
        import pandas as pd  # noqa: PLC0415

        from aggregates.data.osm import build_osm_road_layer  # noqa: PLC0415

        points = pd.DataFrame(json.loads(sites.read_text(encoding="utf-8")))
        start = time.perf_counter()
        nodes, roads = build_osm_road_layer(path, points, province_of=lambda lon, lat: "Hebei", max_snap_km=50)
        seconds = time.perf_counter() - start
        size = {"road_nodes": len(nodes), "road_links": int((roads["kind"] != "access").sum())}
    else:
        import osmnx as ox  # noqa: PLC0415

        start = time.perf_counter()
        graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
        seconds = time.perf_counter() - start
        size = {"graph_nodes": graph.number_of_nodes(), "graph_edges": graph.number_of_edges()}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"seconds": seconds, "peak_mib": peak, **size}


def measure(kind: str, path: Path, sites: Path, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(path), str(sites)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def pipeline(folder: Path, pbf: Path, timeout: float) -> list[dict]:
    """Import into a copy of the default region, then network, validate (route options) and optimize on it."""
    aggregates = [sys.executable, "-m", "aggregates"]
    region = folder / "region"
    config = folder / "scenario.yaml"
    steps = [
        ("region osm", [*aggregates, "region", "osm", str(ROOT / "configs/default.yaml"), "--osm", str(pbf),
                        "--out", str(region), "--config-out", str(config)]),
        ("network", [*aggregates, "network", str(config)]),
        ("validate (route options)", [*aggregates, "validate", str(config)]),
        ("optimize", [*aggregates, "optimize", str(config), "--out", str(folder / "run")]),
    ]  # fmt: skip
    rows = []
    for name, cmd in steps:
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["/usr/bin/time", "-f", "%M", *cmd],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            start_new_session=True,  # a timeout ends the command with /usr/bin/time, not /usr/bin/time alone
        )
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            rows.append({"step": name, "ok": False, "seconds": timeout, "error": [f"timed out after {timeout:.0f} s"]})
            break
        seconds = time.perf_counter() - start
        peak = _time_peak(stderr)
        rows.append({"step": name, "ok": proc.returncode == 0, "seconds": seconds, "peak_mib": peak})
        if proc.returncode != 0:
            lines = [x for x in stderr.strip().splitlines()[:-1] if not x.startswith("Command exited")]
            rows[-1]["error"] = [x.strip()[:160] for x in lines[-2:]] or ["failed"]
            break
    return rows


def _time_peak(stderr: str) -> float | None:
    lines = stderr.strip().splitlines()
    try:
        return int(lines[-1]) / 1024.0
    except (IndexError, ValueError):
        return None


# --------------------------------------------------------------------------- #
# report
# --------------------------------------------------------------------------- #


def _fmt(row: dict, key: str, spec: str) -> str:
    value = row.get(key)
    return "-" if value is None else format(value, spec)


def table(rows: list[dict]) -> str:
    out = [
        "| what | input | nodes in file | s | peak MiB | road nodes | road links | error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['what']} | {r['input']} | {r['file_nodes']:,} | {_fmt(r, 'seconds', '.1f')} | "
            f"{_fmt(r, 'peak_mib', '.0f')} | {_fmt(r, 'road_nodes', ',')} | {_fmt(r, 'road_links', ',')} | "
            f"{r.get('error', '')} |"
        )
    return "\n".join(out)


def goals(rows: list[dict], nodes: int) -> list[dict]:
    """The goal ratios from the measured rows (missing rows: not measured)."""
    find = {(r["what"], r["input"], r["file_nodes_asked"]): r for r in rows}
    result = []
    main = find.get(("aggregates", "pbf", nodes), {})
    if "seconds" in main:
        label = f"import {nodes:,} nodes"
        if nodes >= 2_000_000:
            result.append(_goal(f"{label}: peak MiB / 8 GB", main["peak_mib"] / GOAL_3M_MIB))
        else:
            result.append(_goal(f"{label}: s / 120 s", main["seconds"] / GOAL_S))
            result.append(_goal(f"{label}: peak MiB / 2.5 GB", main["peak_mib"] / GOAL_MIB))
    peers = [r for r in rows if r["what"] == "osmnx"]
    for peer in peers:
        size = peer["file_nodes_asked"]
        for inp in ("pbf", "osm"):
            ours = find.get(("aggregates", inp, size), {})
            if "seconds" in ours and "seconds" in peer:
                speedup = peer["seconds"] / ours["seconds"]
                result.append(
                    _goal(f"osmnx XML loader / aggregates ({inp}) at {size:,} nodes: >= 5x", GOAL_PEER / speedup)
                )
                result[-1]["value"] = speedup
    return result


def _goal(name: str, ratio: float) -> dict:
    return {"goal": name, "ratio": ratio, "met": ratio <= 1.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--peer-nodes", type=int, default=200_000)
    parser.add_argument("--no-peer", action="store_true", help="skip osmnx (and the peer-size files)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the generated files and runs here")
    parser.add_argument("--pipeline", action="store_true", help="then run network, validate and optimize on it")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per measurement and pipeline step, s")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "FILE", "SITES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))))
        return 0
    with tempfile.TemporaryDirectory(prefix="osm-import-") as tmp:
        base = args.keep or Path(tmp)
        rows = _run(args, base)
        steps = (
            pipeline(base / "pipeline", base / f"n{args.nodes}" / "extract.osm.pbf", args.timeout)
            if args.pipeline
            else []
        )
    print(table(rows))
    checks = goals(rows, args.nodes)
    print()
    print("| goal | ratio (<= 1 met) | met |")
    print("|---|---|---|")
    for g in checks:
        shown = f"{g['ratio']:.2f}" + (f" (speed-up {g['value']:.1f}x)" if "value" in g else "")
        print(f"| {g['goal']} | {shown} | {'yes' if g['met'] else 'NO'} |")
    if steps:
        print()
        print("| pipeline step | ok | s | peak MiB |")
        print("|---|---|---|---|")
        for s in steps:
            print(f"| {s['step']} | {'yes' if s['ok'] else 'NO: ' + ' / '.join(s.get('error', []))} | "
                  f"{s['seconds']:.1f} | {_fmt(s, 'peak_mib', '.0f')} |")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "goals": checks, "pipeline": steps}, indent=1), encoding="utf-8")
    return 0 if all(g["met"] for g in checks) else 1


def _run(args: argparse.Namespace, base: Path) -> list[dict]:
    sizes = [args.nodes] + ([] if args.no_peer or args.peer_nodes == args.nodes else [args.peer_nodes])
    rows = []
    for size in sizes:
        folder = base / f"n{size}"
        peer_size = not args.no_peer and size == (args.peer_nodes if args.peer_nodes != args.nodes else size)
        made = make_files(size, args.seed, folder, xml=peer_size)
        print(f"wrote {made['nodes']:,} nodes, {made['ways']:,} ways in {made['write_s']:.0f} s", file=sys.stderr)
        runs = [("aggregates", "pbf", folder / "extract.osm.pbf")]
        if peer_size:
            runs += [("aggregates", "osm", folder / "extract.osm"), ("osmnx", "osm", folder / "extract.osm")]
        for what, inp, path in runs:
            row = {"what": what, "input": inp, "file_nodes": made["nodes"], "file_nodes_asked": size}
            row.update(measure(what, path, folder / "sites.json", args.timeout))
            print(f"{what} {inp} {size:,}: {row.get('seconds', row.get('error'))}", file=sys.stderr)
            rows.append(row)
    return rows


if __name__ == "__main__":
    sys.exit(main())
