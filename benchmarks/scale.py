"""Scaling of the whole pipeline: the default region at 1x, 3x and 10x size, end to end.

For every factor ``k`` a region folder of the default region's format (``geodata/jingjinji``) and a scenario
config extending ``configs/default.yaml`` are generated in a temporary folder, and the real pipeline runs on them
in a fresh Python process (so peak memory is per instance): ``aggregates.load_scenario`` and
``aggregates.read_region`` (read and validate) -> ``aggregates.solve`` (network, route options, model, MathOpt/HiGHS
solve, plan) -> ``Result.write`` (tables only).

What a factor ``k`` means (deterministic: numpy seed 20240601):

* bases: ``round(26 * sqrt(k))``; demand nodes: ``round(42 * sqrt(k))``, so base x node pairs (hence route
  options and flow variables per year) grow about ``k``-fold. Terminals, rail, roads, swap stations and their
  capacities are the default region's.
* the extra points are copies of the originals, spread round-robin over a fixed random order of them, each
  moved 1-6 km in a random direction (kept inside the region's bbox). A copy keeps every attribute of its
  original (a base its capacity levels, stock, arising, yields, costs, loading terminal and siding); it gets the
  id ``<original id>-x<n>`` and an access link (kind ``access``) to each road node its original connects to, of
  length ``max(1, c * geodesic km)`` where ``c`` is the original link's km per geodesic km (1.3, the region's
  rule, where the original sits on the 1-km floor).
* demand: a node's demand is split evenly over the node and its copies, so total demand is the default's.
* years: 2021-2025 (5) for ``k <= 1``; 2021-2028 (8) above, 2026-2028 extending every node's 2025 demand by
  2 %/yr (the region's 2024-2025 growth is 1.9 %).
* target: ``target.mt_per_yr = min(100 * bases_k / 26, 0.6 * least yearly demand from 2022 on)``: the default
  100 Mt/yr scaled with base capacity, capped so that it stays well inside what the demand can take (at 1x it is
  the default 100).
* solver: the scenario's settings with ``relative_gap`` 0.001 at ``k <= 1`` and 0.01 above (the issue's targets:
  the default region well under a minute at gap <= 0.1 %, the 10x instance within 10 minutes at gap <= 1 %),
  ``time_limit_s`` from ``--time-limit`` (600).

Columns of the table: ``prep`` = load + validate + network + route options; ``build`` = instance assembly,
precheck and MathOpt model build; ``solve`` = the HiGHS MIP solve; ``post`` = the rest of ``aggregates.solve``
(shadow-price LP re-solve, reading the solution, the plan tables); ``write`` = ``Result.write`` (tables only, no
map or charts); ``e2e`` = all of these (interpreter start and imports excluded); ``ratio`` = e2e over that of the
first factor listed, measured in the same run; ``MiB`` = the worker process's peak resident memory. A failed
instance (e.g. no plan within the time limit) is a row with the solver's status, the phases it reached and the
error below the table; the exit status is then 1. With ``--keep DIR`` each instance's folder ``DIR/x<k>`` keeps the region, ``scenario.yaml``, the run's
outputs (``out/``), the solver's log (``solver.log``) and the worker's ``result.json``.

Usage::

    python benchmarks/scale.py [--factors 1,3,10] [--json OUT] [--time-limit S] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from shapely.geometry import LineString

from aggregates.vocab import DEFAULT_DEMAND_PATH

ROOT = Path(__file__).resolve().parents[1]
REGION = ROOT / "geodata" / "jingjinji"
DEFAULT_CONFIG = ROOT / "configs" / "default.yaml"
SEED = 20240601
BASES, NODES = 26, 42
FIRST_YEAR, LAST_DATA_YEAR = 2021, 2025
GROWTH = 0.02
TARGET_MT, TARGET_FROM = 100.0, 2022
TARGET_DEMAND_SHARE = 0.6
JITTER_KM = (1.0, 6.0)
BBOX_MARGIN_DEG = 0.01
KM_PER_DEG = 111.195
ACCESS_CIRCUITY, ACCESS_MIN_KM = 1.3, 1.0
COPIED_FILES = (
    "rail_stations.geojson",
    "rail_segments.geojson",
    "terminals.geojson",
    "road_nodes.geojson",
    "swap_stations.geojson",
    "calibration_road.csv",
    "boundaries.geojson",
    "access_rules.csv",
    "quarries.geojson",
    "quarry_years.csv",
)


@dataclass(frozen=True)
class Spec:
    """What one factor generates."""

    factor: float
    bases: int
    nodes: int
    years: tuple[int, ...]
    target_mt: float
    relative_gap: float


def spec_for(factor: float, demand_years: pd.DataFrame) -> Spec:
    """Sizes, years, target and gap of a scale factor (see the module docstring).

    Parameters
    ----------
    factor
        Scale factor ``k`` >= 1.
    demand_years
        The default region's ``demand_years.csv``.
    """
    root = math.sqrt(factor)
    n_bases, n_nodes = max(BASES, round(BASES * root)), max(NODES, round(NODES * root))
    last = LAST_DATA_YEAR if factor <= 1 else LAST_DATA_YEAR + 3
    years = tuple(range(FIRST_YEAR, last + 1))
    totals = extend_years(demand_years, years).groupby("year")["demand_mt"].sum()
    least = float(totals[totals.index >= TARGET_FROM].min())
    target = round(min(TARGET_MT * n_bases / BASES, TARGET_DEMAND_SHARE * least), 1)
    return Spec(factor, n_bases, n_nodes, years, target, 0.001 if factor <= 1 else 0.01)


def read_demand_years() -> pd.DataFrame:
    """The default region's demand on the default demand path, without the ``path`` column."""
    table = pd.read_csv(REGION / "demand_years.csv")
    if "path" not in table:
        return table
    keep = table["path"].isna() | (table["path"] == DEFAULT_DEMAND_PATH)
    return table[keep].drop(columns="path").reset_index(drop=True)


def extend_years(demand_years: pd.DataFrame, years: tuple[int, ...]) -> pd.DataFrame:
    """Demand rows for ``years``: the data's years as they are, later ones grown by ``GROWTH`` a year."""
    table = demand_years[demand_years["year"].isin(years)]
    last = table[table["year"] == LAST_DATA_YEAR]
    extra = []
    for year in (y for y in years if y > LAST_DATA_YEAR):
        rows = last.copy()
        rows["year"] = year
        rows["demand_mt"] = (rows["demand_mt"] * (1 + GROWTH) ** (year - LAST_DATA_YEAR)).round(3)
        extra.append(rows)
    return pd.concat([table, *extra], ignore_index=True)


def copies_per_point(n_original: int, n_total: int, rng: np.random.Generator) -> np.ndarray:
    """How many copies each original point gets: round-robin over a fixed random order."""
    extra = n_total - n_original
    counts = np.full(n_original, extra // n_original)
    counts[rng.permutation(n_original)[: extra % n_original]] += 1
    return counts


def geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in km (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, float)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


def jitter(lon: np.ndarray, lat: np.ndarray, bbox, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Move points ``JITTER_KM`` in a random direction, staying inside ``bbox`` (less a small margin)."""
    km = rng.uniform(*JITTER_KM, size=len(lon))
    angle = rng.uniform(0.0, 2 * np.pi, size=len(lon))
    new_lat = lat + km * np.sin(angle) / KM_PER_DEG
    new_lon = lon + km * np.cos(angle) / (KM_PER_DEG * np.cos(np.radians(lat)))
    min_lon, min_lat, max_lon, max_lat = bbox
    m = BBOX_MARGIN_DEG
    return np.clip(new_lon, min_lon + m, max_lon - m).round(5), np.clip(new_lat, min_lat + m, max_lat - m).round(5)


def copy_points(layer, counts: np.ndarray, bbox, rng: np.random.Generator):
    """The copies of a point layer's rows and the original id of each copy.

    Returns
    -------
    tuple
        (GeoDataFrame of the copies, numpy array of their originals' ids).
    """
    rows = layer.loc[layer.index.repeat(counts)].copy()
    number = rows.groupby(level=0).cumcount().to_numpy() + 1
    origin = rows["id"].to_numpy()
    lon, lat = jitter(rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy(), bbox, rng)
    rows["id"] = [f"{i}-x{n}" for i, n in zip(origin, number, strict=True)]
    rows["name_en"] = [f"{name} (copy {n})" for name, n in zip(rows["name_en"], number, strict=True)]
    rows["name_zh"] = [f"{name}(副本{n})" for name, n in zip(rows["name_zh"], number, strict=True)]
    rows = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(lon, lat), crs=layer.crs)
    return rows.reset_index(drop=True), origin


def access_links(copies, origin: np.ndarray, roads, points: dict[str, tuple[float, float]]):
    """Access links of copied points: one per access link of the original, to the same road node."""
    access = roads[roads["kind"] == "access"]
    by_point = {k: g for k, g in access.groupby("from_node")}
    rows = []
    for new_id, old_id, geom in zip(copies["id"], origin, copies.geometry, strict=True):
        for link in by_point[old_id].itertuples():
            ox, oy = points[old_id]
            rx, ry = points[link.to_node]
            old_km = float(geodesic_km(ox, oy, rx, ry))
            new_km = float(geodesic_km(geom.x, geom.y, rx, ry))
            circuity = link.length_km / old_km if link.length_km > ACCESS_MIN_KM and old_km > 0 else ACCESS_CIRCUITY
            rows.append(
                {
                    "id": f"rd-access-{new_id}-{link.to_node.removeprefix('r-')}",
                    "road": link.road,
                    "from_node": new_id,
                    "to_node": link.to_node,
                    "kind": "access",
                    "length_km": round(max(ACCESS_MIN_KM, circuity * new_km), 1),
                    "toll": bool(link.toll),
                    "source": "benchmarks/scale.py: copy of the original's link, scaled to the jittered distance",
                    "geometry": LineString([(geom.x, geom.y), (rx, ry)]),
                }
            )
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(roads.columns)), geometry="geometry", crs=roads.crs)


def split_demand(demand_years: pd.DataFrame, counts: dict[str, int], origin: np.ndarray, ids) -> pd.DataFrame:
    """Spread each node's demand evenly over the node and its copies."""
    table = demand_years.copy()
    share = table["node_id"].map(lambda n: 1.0 / (1 + counts.get(n, 0)))
    table["demand_mt"] = table["demand_mt"] * share
    new = pd.DataFrame({"node_id": list(ids), "origin": origin})
    extra = new.merge(table.rename(columns={"node_id": "origin"}), on="origin").drop(columns="origin")
    out = pd.concat([table, extra], ignore_index=True)
    out["demand_mt"] = out["demand_mt"].round(4)
    return out.sort_values(["node_id", "year", "product"], kind="mergesort").reset_index(drop=True)


def _point_xy(folder: Path) -> dict[str, tuple[float, float]]:
    out = {}
    for name in ("bases", "demand", "terminals", "road_nodes", "swap_stations", "rail_stations"):
        layer = gpd.read_file(folder / f"{name}.geojson")
        out.update({i: (g.x, g.y) for i, g in zip(layer["id"], layer.geometry, strict=True)})
    return out


def _write_geojson(table, path: Path) -> None:
    table.to_file(path, driver="GeoJSON", engine="pyogrio")


def _region_yaml(folder: Path, spec: Spec) -> dict:
    meta = yaml.safe_load((REGION / "region.yaml").read_text(encoding="utf-8"))
    meta["name"] = f"jingjinji-x{spec.factor:g}"
    meta["title"] = f"{meta['title']}, scaled x{spec.factor:g} by benchmarks/scale.py"
    meta["years"] = list(spec.years)
    (folder / "region.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return meta


def write_region(spec: Spec, folder: Path) -> None:
    """Write the region folder of a :class:`Spec` (the default region plus jittered copies).

    Parameters
    ----------
    spec
        From :func:`spec_for`.
    folder
        Created (with parents) and filled with the region's files.
    """
    rng = np.random.default_rng(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    bbox = _region_yaml(folder, spec)["bbox"]
    for name in COPIED_FILES:
        shutil.copy2(REGION / name, folder / name)
    xy = _point_xy(REGION)
    roads = gpd.read_file(REGION / "roads.geojson")
    bases, demand = gpd.read_file(REGION / "bases.geojson"), gpd.read_file(REGION / "demand.geojson")
    base_counts = copies_per_point(len(bases), spec.bases, rng)
    node_counts = copies_per_point(len(demand), spec.nodes, rng)
    new_bases, base_origin = copy_points(bases, base_counts, bbox, rng)
    new_nodes, node_origin = copy_points(demand, node_counts, bbox, rng)
    links = [access_links(c, o, roads, xy) for c, o in ((new_bases, base_origin), (new_nodes, node_origin))]
    _write_geojson(pd.concat([bases, new_bases], ignore_index=True), folder / "bases.geojson")
    _write_geojson(pd.concat([demand, new_nodes], ignore_index=True), folder / "demand.geojson")
    _write_geojson(pd.concat([roads, *links], ignore_index=True), folder / "roads.geojson")
    levels = pd.read_csv(REGION / "base_levels.csv", dtype={"source": str})
    new_levels = pd.DataFrame({"base_id": new_bases["id"], "origin": base_origin}).merge(
        levels.rename(columns={"base_id": "origin"}), on="origin"
    )
    pd.concat([levels, new_levels.drop(columns="origin")], ignore_index=True).to_csv(
        folder / "base_levels.csv", index=False
    )
    demand_years = extend_years(read_demand_years(), spec.years)
    counts = dict(zip(demand["id"], node_counts, strict=True))
    split_demand(demand_years, counts, node_origin, new_nodes["id"]).to_csv(folder / "demand_years.csv", index=False)


def write_config(spec: Spec, folder: Path, time_limit: float) -> Path:
    """Write the scenario config of a :class:`Spec` next to its ``region`` folder; returns its path."""
    config = {
        "extends": str(DEFAULT_CONFIG),
        "name": f"scale-x{spec.factor:g}",
        "region": "region",
        "years": list(spec.years),
        "target": {"mt_per_yr": spec.target_mt},
        "solver": {"relative_gap": spec.relative_gap, "time_limit_s": float(time_limit)},
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


class _Recorder(logging.Handler):
    """Times the pipeline's events and keeps the sizes the package logs, so a failed run still reports them.

    Events are the funnel's stages (``aggregates.Progress``, by their first word: ``building``, ``assembling``,
    ``solving``, ...) and what the package logs: the network built, the route options, the model built, the solve.
    """

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.at: dict[str, float] = {}
        self.sizes: dict[str, int] = {}

    def mark(self, event: str) -> None:
        self.at[event] = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        text = str(record.msg)
        if text.startswith("network:"):
            self.mark("network_built")
        elif text.startswith("route options:"):
            self.sizes["routes"] = int(record.args[0])
        elif text.startswith("model:"):
            self.mark("model_built")
            args = record.args
            self.sizes.update(variables=args["variables"], binaries=args["integer_variables"], rows=args["constraints"])
        elif text.startswith("solve:"):
            self.mark("solved")

    def phases(self) -> dict[str, float]:
        """Seconds of each phase whose start and end were reached."""
        spans = {
            "load": ("start", "loaded"),
            "network": ("building", "network_built"),
            "routes": ("network_built", "assembling"),
            "assemble": ("assembling", "solving"),
            "model_build": ("solving", "model_built"),
            "solve": ("model_built", "solved"),
            "post": ("solved", "optimized"),
            "write": ("optimized", "written"),
            "e2e": ("start", "end"),
        }
        return {k: self.at[b] - self.at[a] for k, (a, b) in spans.items() if a in self.at and b in self.at}


def _recorder() -> _Recorder:
    recorder = _Recorder()
    for name in ("aggregates.network.graph", "aggregates.network.routes", "aggregates.optimize.solve"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(recorder)
    return recorder


def run_pipeline(config: Path, out_dir: Path, solver_log: Path) -> dict:
    """Run load -> solve -> write on a scenario in this process; timings, sizes and status as a dict.

    Parameters
    ----------
    config
        Scenario YAML.
    out_dir
        Where the run's files are written.
    solver_log
        The solver's log is written to this file.

    Returns
    -------
    dict
        ``seconds`` per phase, sizes, ``status``, ``gap``, ``peak_mib``; a failed run has the phases and sizes
        it reached and ``error``.
    """
    t_import = time.perf_counter()
    # Deferred: the worker times the package's own import (numpy, pandas, geopandas and shapely are loaded
    # by then, with this script).
    import aggregates as ag  # noqa: PLC0415

    imported = time.perf_counter() - t_import
    rec = _recorder()
    row: dict = {}
    with solver_log.open("w", encoding="utf-8") as log_file:

        def on_progress(progress) -> None:
            if progress.detail:  # a line of the solver's log
                print(progress.detail, file=log_file, flush=True)
            else:  # a stage starts
                rec.mark(progress.stage.split()[0])

        rec.mark("start")
        try:
            scenario = ag.load_scenario(config)
            region = ag.read_region(scenario.region)
            rec.mark("loaded")
            result = ag.solve(scenario, region, on_progress=on_progress)
            rec.mark("optimized")
            result.write(out_dir, visuals=False)
            rec.mark("written")
            row = _solution_fields(result.plan)
        except Exception as exc:  # a failed instance is a row of the table, not a crash of the benchmark
            row = {"status": _failure_status(exc), "error": f"{type(exc).__name__}: {exc}"}
        rec.mark("end")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {**rec.sizes, **row, "seconds": {"import": imported, **rec.phases()}, "peak_mib": peak}


def _failure_status(exc: Exception) -> str:
    """The solver's status word from a no-plan error (e.g. ``no_solution``), else the exception's name."""
    found = re.search(r"found no plan: (\w+)", str(exc))
    return found.group(1) if found else type(exc).__name__


def _solution_fields(plan) -> dict:
    solve = plan.solve
    return {
        "gap": solve.mip_gap,
        "status": solve.status,
        "objective_yuan": solve.objective_yuan,
        "target_shadow_price_max": max((v for v in plan.target_shadow_price.values() if v == v), default=None),
        "least_shipped_mt": _least_shipped(plan),
    }


def _least_shipped(plan) -> float:
    """Least waste-aggregate tonnage shipped in a year the target applies to (Mt, as the plan reports it)."""
    years = [plan.year(y) for y in plan.years]
    targeted = [k.substitution_mt for k in years if k.target_mt > 0]
    return float(min(targeted or [k.substitution_mt for k in years]))


def run_worker(config: Path, out_dir: Path, result_file: Path) -> int:
    """Worker-process entry: run the pipeline and write its dict to ``result_file`` as JSON."""
    row = run_pipeline(config, out_dir, result_file.with_name("solver.log"))
    result_file.write_text(json.dumps(row, indent=1), encoding="utf-8")
    return 0


def measure(spec: Spec, work: Path, time_limit: float) -> dict:
    """Generate one instance under ``work`` and run it in a fresh process; the table row as a dict."""
    folder = work / f"x{spec.factor:g}"
    started = time.perf_counter()
    write_region(spec, folder / "region")
    config = write_config(spec, folder, time_limit)
    generated = time.perf_counter() - started
    result_file = folder / "result.json"
    out = folder / "out"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(config), str(out), str(result_file)]
    proc = subprocess.run(cmd, check=False)
    row = json.loads(result_file.read_text(encoding="utf-8")) if result_file.is_file() else {}
    if proc.returncode != 0 or not row:
        row = {"status": "error", "error": f"worker exited {proc.returncode}", **row}
    return {
        "factor": spec.factor,
        "target_mt": spec.target_mt,
        "relative_gap": spec.relative_gap,
        "generate_s": generated,
        **row,
        "bases": spec.bases,
        "nodes": spec.nodes,
        "years": len(spec.years),
    }


COLUMNS = (
    ("factor", 6),
    ("bases", 5),
    ("nodes", 5),
    ("years", 5),
    ("target", 6),
    ("routes", 7),
    ("vars", 8),
    ("bins", 6),
    ("rows", 7),
    ("prep s", 7),
    ("build s", 7),
    ("solve s", 7),
    ("post s", 7),
    ("write s", 7),
    ("e2e s", 7),
    ("ratio", 6),
    ("gap %", 6),
    ("status", 11),
    ("MiB", 6),
)


def _seconds(s: dict, *keys: str) -> str:
    return f"{sum(s[k] for k in keys):.1f}" if all(k in s for k in keys) else "-"


def _cells(row: dict, reference: float | None) -> list[str]:
    s = row.get("seconds", {})
    ratio = f"{s['e2e'] / reference:.2f}" if reference and "e2e" in s else "-"
    gap = row.get("gap")
    return [
        f"{row['factor']:g}x",
        *(str(row.get(k, "-")) for k in ("bases", "nodes", "years")),
        f"{row['target_mt']:g}",
        *(str(row.get(k, "-")) for k in ("routes", "variables", "binaries", "rows")),
        _seconds(s, "load", "network", "routes"),
        _seconds(s, "assemble", "model_build"),
        _seconds(s, "solve"),
        _seconds(s, "post"),
        _seconds(s, "write"),
        _seconds(s, "e2e"),
        ratio,
        "-" if gap is None else f"{100 * gap:.3f}",
        row["status"],
        f"{row['peak_mib']:.0f}" if "peak_mib" in row else "-",
    ]


def table(rows: list[dict]) -> str:
    """The results as a fixed-width text table, ratios against the first row's end-to-end time."""
    first = rows[0].get("seconds") if rows else None
    reference = first["e2e"] if first else None
    lines = [" ".join(name.rjust(width) for name, width in COLUMNS)]
    for row in rows:
        lines.append(" ".join(c.rjust(w) for c, (_, w) in zip(_cells(row, reference), COLUMNS, strict=True)))
    ref = f"{rows[0]['factor']:g}x" if rows else "-"
    lines.append(
        f"ratio = e2e / e2e of {ref} in this run; prep = load+validate+network+routes; build = instance + MathOpt "
        "model; post = shadow-price LP + solution + plan; target in Mt/yr"
    )
    lines += [f"{r['factor']:g}x: {r['error']}" for r in rows if r.get("error")]
    return "\n".join(lines)


def progress(row: dict) -> str:
    """One line on a finished instance."""
    if "gap" not in row:
        return f"x{row['factor']:g}: {row['status']}: {row.get('error', '')}"
    return (
        f"x{row['factor']:g}: {row['status']}, gap {100 * row['gap']:.3f} %, {row['seconds']['e2e']:.1f} s end to end"
    )


def parse_factors(text: str) -> list[float]:
    """``"1,3,10"`` -> ``[1.0, 3.0, 10.0]``; each must be >= 1."""
    factors = [float(t) for t in text.split(",") if t.strip()]
    if not factors or any(f < 1 for f in factors):
        raise argparse.ArgumentTypeError(f"factors must be numbers >= 1, got {text!r}")
    return factors


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments (the module docstring says what a factor means)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("Usage::")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factors", type=parse_factors, default=[1.0, 3.0, 10.0], help="scale factors (1,3,10)")
    parser.add_argument("--json", type=Path, help="write the rows as a JSON list of dicts to this file")
    parser.add_argument("--time-limit", type=float, default=600.0, help="solver time limit per instance, s (600)")
    parser.add_argument("--keep", type=Path, help="generate the instances and their outputs here and keep them")
    parser.add_argument("--worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate, run and tabulate every factor; returns the exit status (1 if an instance failed)."""
    args = parse_args(argv)
    if args.worker:
        return run_worker(*args.worker)
    demand_years = read_demand_years()
    specs = [spec_for(f, demand_years) for f in args.factors]
    rows = []
    with tempfile.TemporaryDirectory(prefix="aggregates-scale-") as tmp:
        work = args.keep or Path(tmp)
        for spec in specs:
            print(f"x{spec.factor:g}: {spec.bases} bases, {spec.nodes} nodes, {len(spec.years)} years ...", flush=True)
            rows.append(measure(spec, work, args.time_limit))
            print(progress(rows[-1]), flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 1 if any(r.get("status") not in ("optimal", "feasible") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
