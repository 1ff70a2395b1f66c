"""The supply map against a plain folium map of the same plan: size, build time, features, browser render time.

The peer is what a user of folium would write first: the year's flows as one GeoJSON layer, one line per flow
along its route (what ``GeoDataFrame.explore`` draws), plus the bases and demand nodes as circle markers, with the
same scripts embedded (``folium-offline``) so both pages open with no network. Ours is ``aggregates.supply_map``:
flows merged into corridors, every other layer, popups, legend and title. Both are rendered in headless Chromium
(Debian's ``chromium``, through ``tests/browser.py``) with the network blocked; render time runs from navigation
start to the first frame painted after the load event with more than 50 SVG paths drawn.

Columns: ``build s`` (Python, map object to HTML string), ``MB`` (HTML size), ``lines`` (line features drawn:
the peer's flows; our corridors plus every rail section of the rail-lines layer),
``stack`` (most lines drawn over one piece of road or track: the clutter a reader has to untangle), ``render s``
(median of ``--repeat`` renders) and ``requests`` (network requests the page tried: must be 0); ``ratio`` columns
divide ours by the peer's, measured in the same run.

Usage::

    python benchmarks/maps.py [--run RUN_DIR] [--year Y] [--repeat 5] [--json OUT]

Without ``--run`` the default scenario is solved into a temporary folder first (about 15 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import offlinefolium as folium

import aggregates as ag
from aggregates.viz.corridors import corridors, rail_pieces, route_pieces
from aggregates.viz.maps import MapOptions, stable_ids, supply_map

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import Renderer  # noqa: E402

READY = "document.querySelectorAll('path').length > 50"


def peer_map(run: ag.Result, year: int) -> str:
    """The plain folium map: one line per flow, circle markers for bases and demand nodes."""
    m = folium.Map(location=[39.9, 116.9], zoom_start=8, tiles=None)
    flows = run.layers.flows
    flows = flows[(flows["year"] == year) & (flows["tonnes"] > 0)]
    fields = ["base", "node", "product", "chain", "tonnes", "transport_cost_yuan", "co2e_t"]
    folium.GeoJson(flows[[*fields, "geometry"]].__geo_interface__, tooltip=folium.GeoJsonTooltip(fields=fields)).add_to(
        m
    )
    for name in ("bases", "demand"):
        points = getattr(run.layers, name)
        for row in points[points["year"] == year].itertuples():
            folium.CircleMarker([row.geometry.y, row.geometry.x], radius=5, tooltip=str(row.name)).add_to(m)
    return stable_ids(m.get_root().render())


def our_map(run: ag.Result, year: int) -> str:
    """The supply map of ``aggregates``."""
    return stable_ids(supply_map(run, MapOptions(year=year)).get_root().render())


def stack(run: ag.Result, year: int, merged: bool) -> int:
    """Most lines over one route piece: 1 when corridors are merged; else the most flows sharing a piece."""
    flows = run.layers.flows
    flows = flows[(flows["year"] == year) & (flows["tonnes"] > 0)].reset_index(drop=True)
    rail = run.layers.rail_segments
    if merged:
        lines = corridors(flows, rail)
        pieces = route_pieces(lines.assign(chain="diesel_truck"), rail_pieces(rail))
    else:
        pieces = route_pieces(flows, rail_pieces(rail))
    return int(pieces.groupby("key")["flow"].nunique().max())


def measure(name: str, make, run: ag.Result, year: int, renderer: Renderer, folder: Path, repeat: int) -> dict:
    """Build, write and render one map ``repeat`` times."""
    start = time.perf_counter()
    page = make(run, year)
    build = time.perf_counter() - start
    path = folder / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    renders = [
        renderer.render(path, folder / f"{name}.png", width=1600, height=1000, ready=READY) for _ in range(repeat)
    ]
    return {
        "map": name,
        "build_s": round(build, 3),
        "mb": round(len(page.encode()) / 1e6, 2),
        "lines": page.count('"type": "LineString"') + page.count('"type": "MultiLineString"'),
        "stack": stack(run, year, merged=name == "aggregates"),
        "render_s": round(statistics.median(r.seconds for r in renders), 3),
        "requests": max(len(r.requests) for r in renders),
    }


def default_run(folder: Path) -> Path:
    """Solve the default scenario into ``folder/run`` (tables and map layers; no maps written)."""
    scenario = ag.load_scenario(ROOT / "configs" / "default.yaml", ["outputs.maps_dir=null"])
    return ag.solve(scenario).write(folder / "run", visuals=False)


def table(rows: list[dict]) -> str:
    """The rows and ours/peer ratios as a Markdown table."""
    ours, peer = rows
    head = "| map | build s | MB | lines | stack | render s | requests |\n|---|---|---|---|---|---|---|\n"
    body = "".join(
        f"| {r['map']} | {r['build_s']:.2f} | {r['mb']:.2f} | {r['lines']} | {r['stack']} | {r['render_s']:.2f} "
        f"| {r['requests']} |\n"
        for r in rows
    )
    ratio = "| ratio ours/peer | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | |\n".format(
        *(ours[k] / peer[k] if peer[k] else float("nan") for k in ("build_s", "mb", "lines", "stack", "render_s"))
    )
    return head + body + ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, help="run folder (default: optimize configs/default.yaml first)")
    parser.add_argument("--year", type=int, help="year drawn (default: the first with a target)")
    parser.add_argument("--repeat", type=int, default=5, help="renders per map (median reported)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run = ag.read_run(args.run or default_run(folder))
        year = run.plan.headline_year(args.year)
        with Renderer() as renderer:
            rows = [
                measure(name, make, run, year, renderer, folder, args.repeat)
                for name, make in (("aggregates", our_map), ("folium, one line per flow", peer_map))
            ]
        print(f"run {run.folder} ({run.name}), year {year}, Chromium {renderer.version}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
