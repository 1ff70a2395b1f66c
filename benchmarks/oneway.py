"""What honouring one-way roads costs: route options on a region with one-way links, against the same region
with every link two-way, in the same run.

The region comes from ``aggregates region osm``, e.g. the default region on a synthetic OSM extract with 12 %
``oneway=yes`` and 3 % ``oneway=-1`` ways::

    python benchmarks/osm_import.py --nodes 1000000 --no-peer --keep DIR
    aggregates region osm configs/default.yaml --osm DIR/n1000000/extract.osm.pbf --out DIR/region \
        --config-out DIR/scenario.yaml
    python benchmarks/oneway.py DIR/scenario.yaml

Each variant runs in a fresh Python process (imports and the region read excluded):
``network`` is :func:`aggregates.network.graph.build_network`, ``route options``
:func:`aggregates.network.routes.route_options` on the scenario's chains. ``one-way`` reads the region as
written (a truck drives a one-way link only its way, loaded out and empty back, so each truck type's
Dijkstra runs twice: out and back); ``two-way`` drops the ``oneway`` column first (the road network as it
was before one-way tags were honoured). The table gives seconds, peak resident MiB, route options, and the
mean cost and road km of the options both variants have, with the ratio one-way / two-way.

Usage::

    python benchmarks/oneway.py CONFIG [--repeat 1] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

VARIANTS = ("one-way", "two-way")


def measure(config: Path, variant: str) -> dict:
    """One variant in this process: network and route options, timed, with the options' cost and km."""
    from aggregates.config import load_scenario  # noqa: PLC0415
    from aggregates.data.reading import read_region  # noqa: PLC0415
    from aggregates.network.graph import build_network  # noqa: PLC0415
    from aggregates.network.routes import route_options  # noqa: PLC0415

    scenario = load_scenario(config)
    region = read_region(scenario.region)
    one_way = int((region.roads["oneway"].fillna(0).astype(int) != 0).sum()) if "oneway" in region.roads else 0
    if variant == "two-way":
        region = region.with_roads(region.road_nodes, region.roads.drop(columns="oneway", errors="ignore"))
    start = time.perf_counter()
    network = build_network(region, scenario)
    built = time.perf_counter()
    options = route_options(network, list(scenario.chains)).table
    done = time.perf_counter()
    keys = options["base"] + "|" + options["node"] + "|" + options["chain"]
    return {
        "variant": variant,
        "one_way_links": one_way if variant == "one-way" else 0,
        "road_links": len(region.roads),
        "network_s": built - start,
        "options_s": done - built,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "options": len(options),
        "by_key": dict(zip(keys, zip(options["cost_yuan_per_t"], options["km_road"], strict=True), strict=True)),
    }


def run(config: Path, variant: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, str(config), "--variant", variant], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: dict[str, dict]) -> list[str]:
    one, two = rows["one-way"], rows["two-way"]
    shared = sorted(set(one["by_key"]) & set(two["by_key"]))

    def mean(row: dict, k: int) -> float:
        return sum(row["by_key"][key][k] for key in shared) / max(len(shared), 1)

    lines = [
        "| variant | one-way links | network s | route options s | peak MiB | options | mean cost yuan/t | mean road km |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in (one, two):
        lines.append(
            f"| {row['variant']} | {row['one_way_links']:,} of {row['road_links']:,} | {row['network_s']:.1f} | "
            f"{row['options_s']:.1f} | {row['peak_mib']:,.0f} | {row['options']:,} | {mean(row, 0):.2f} | "
            f"{mean(row, 1):.1f} |"
        )
    lines.append(
        f"| ratio one-way / two-way | | {one['network_s'] / two['network_s']:.2f} | "
        f"{one['options_s'] / two['options_s']:.2f} | {one['peak_mib'] / two['peak_mib']:.2f} | "
        f"{one['options'] / max(two['options'], 1):.3f} | {mean(one, 0) / mean(two, 0):.3f} | "
        f"{mean(one, 1) / mean(two, 1):.3f} |"
    )
    lines.append(f"\n(mean cost and km over the {len(shared):,} options both variants have)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path, help="scenario whose region has one-way roads (region osm --config-out)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant; the fastest is kept")
    parser.add_argument("--json", type=Path, help="write the table's rows here")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.config, args.variant)))
        return
    rows: dict[str, dict] = {}
    for _ in range(args.repeat):
        for variant in VARIANTS:  # alternating, since the machine may be shared
            row = run(args.config, variant)
            best = rows.get(variant)
            if best is None or row["options_s"] < best["options_s"]:
                rows[variant] = row
    print("\n".join(table(rows)))
    if args.json:
        slim = [{k: v for k, v in row.items() if k != "by_key"} for row in rows.values()]
        args.json.write_text(json.dumps(slim, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
