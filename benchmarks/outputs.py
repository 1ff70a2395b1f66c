"""What the run folder's outputs cost: each stage of ``Result.write`` against the whole run, in one process.

The default scenario (``configs/default.yaml``, ``outputs.maps_dir`` off) is loaded and solved with the public
API (``aggregates.load_scenario``, ``aggregates.solve``); then ``Result.write`` writes the run folder, as
``aggregates optimize`` does. Its stages are then timed one by one, each writing into a second folder exactly
what ``Result.write`` writes for it:

* ``tables``: the CSVs, ``kpis.json`` and ``scenario.yaml``; ``plan.gpkg``; ``plan.xlsx``;
* ``maps``: ``map.html`` and ``map.en.html`` (built and saved);
* ``charts``: ``charts/*.html`` and the ``charts/vega.js`` they share; ``report``: ``report.html``;
* ``charts PNG``: the five PNGs, drawn only with ``outputs.png`` (``--png``); timed here either way.

Each changed stage is also timed the way it was done before issue 15, in the same run (the ``before`` column):
the GeoPackage with SQLite's synchronous writes on; ``DataFrame.to_excel`` through pandas' openpyxl writer; maps rendered by branca compiling every rendered piece as
a Jinja template; charts with the Vega bundle built by vl-convert (once per process) and inlined in every page,
plus the PNGs, which were always drawn. The run-folder size is measured on the folder written, and before as
that folder with the old chart files instead of the new ones.

``run`` = load + solve (network, route options, model build, HiGHS, plan); ``end to end`` = run +
``Result.write`` (interpreter start and imports excluded). ``share`` = seconds over end to end. The goal
(issue 15): all outputs (``Result.write``) at most 15 % of the end-to-end run. The Vega bundle is read from
the user's cache (``aggregates.viz.charts.page.bundle_cache``) once it has been built on the machine;
``--cold`` points the cache at an empty folder, so this run pays the build (the first run on a machine).

Usage::

    python benchmarks/outputs.py [--png] [--cold] [--keep DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOAL_SHARE = 0.15


def timed(call: Callable[[], object]) -> float:
    """Seconds ``call()`` takes (wall clock)."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def folder_mb(folder: Path) -> float:
    """Size of the files under ``folder`` in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def stages(result, folder: Path, png: bool) -> dict[str, float]:
    """Each output stage of ``Result.write``, written into ``folder``, in seconds."""
    from aggregates.io.run_folder import _write_xlsx, write_layers, write_scenario  # noqa: PLC0415 (the stages)
    from aggregates.viz.charts import write_charts  # noqa: PLC0415
    from aggregates.viz.maps import save_html, supply_map  # noqa: PLC0415
    from aggregates.viz.publish import map_options, other_lang  # noqa: PLC0415
    from aggregates.viz.report import write_report  # noqa: PLC0415

    plan, layers = result.plan, result.layers
    options = map_options(result.scenario.outputs)
    year = plan.headline_year(options.year)
    other = other_lang(options.lang)

    def tables() -> None:
        for name, table in plan.tables().items():
            table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        text = json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n"
        (folder / "kpis.json").write_text(text, encoding="utf-8")
        write_scenario(plan.scenario, folder / "scenario.yaml")

    def maps() -> None:
        save_html(supply_map(result, replace(options, switch=("add", other))), folder / "map.html")
        translated = replace(options, lang=other, switch=("strip", other))
        save_html(supply_map(result, translated), folder / f"map.{other}.html")

    def report() -> None:
        map_html = (folder / "map.html").read_text(encoding="utf-8")
        write_report(plan, folder, lang=options.lang, map_html=map_html, year=year, layers=layers)

    seconds = {
        "tables (CSV, JSON, YAML)": timed(tables),
        "plan.gpkg": timed(lambda: write_layers(layers, folder / "plan.gpkg")),
        "plan.xlsx": timed(lambda: _write_xlsx(plan, folder / "plan.xlsx")),
        "maps (zh + en)": timed(maps),
        "charts (HTML + vega.js)": timed(lambda: write_charts(plan, folder, options.lang, year)),
        "report.html": timed(report),
    }
    png_folder = folder / "png"
    png_s = timed(lambda: write_charts(plan, png_folder, options.lang, year, png=True))
    seconds["charts PNG" + ("" if png else " (not written: --png)")] = png_s - seconds["charts (HTML + vega.js)"]
    shutil.rmtree(png_folder)
    return seconds


def before(result, folder: Path) -> dict[str, float]:
    """The changed stages done the old way (issue 14), written into ``folder``, in seconds."""
    import branca.element  # noqa: PLC0415
    import vl_convert as vlc  # noqa: PLC0415

    from aggregates.io.run_folder import kpi_table  # noqa: PLC0415
    from aggregates.viz.charts.page import _png, chart_page, vegalite_version  # noqa: PLC0415
    from aggregates.viz.charts.plan import _charts, chart_titles  # noqa: PLC0415
    from aggregates.viz.maps import stable_ids, supply_map  # noqa: PLC0415
    from aggregates.viz.publish import map_options, other_lang  # noqa: PLC0415

    plan = result.plan
    options = map_options(result.scenario.outputs)
    year = plan.headline_year(options.year)

    def gpkg() -> None:
        for name, layer in result.layers.items():
            layer.to_file(folder / "plan.gpkg", layer=name, driver="GPKG")

    def xlsx() -> None:
        solver = {k: v for k, v in plan.to_json().items() if not isinstance(v, dict)}
        with pd.ExcelWriter(folder / "plan.xlsx", engine="openpyxl") as xl:
            kpi_table(plan).to_excel(xl, sheet_name="kpis", index=False)
            pd.DataFrame(list(solver.items()), columns=["field", "value"]).to_excel(xl, sheet_name="run", index=False)
            for name, table in plan.tables().items():
                table.to_excel(xl, sheet_name=name, index=False)

    def maps() -> None:
        assert branca.element.Template.__module__.startswith("jinja2")  # branca as it is, compiling each piece
        other = other_lang(options.lang)
        pages = {
            "map.html": replace(options, switch=("add", other)),
            f"map.{other}.html": replace(options, lang=other, switch=("strip", other)),
        }
        for name, shown in pages.items():
            page = supply_map(result, shown).get_root().render()
            (folder / name).write_text(stable_ids(page), encoding="utf-8")

    def charts() -> None:
        bundle = vlc.javascript_bundle(vl_version=vegalite_version()).replace("</script", "<\\/script")
        charts = _charts(plan, options.lang, year, "")
        out = folder / "charts"
        out.mkdir()
        for name, title in chart_titles(options.lang, year).items():
            (out / f"{name}.png").write_bytes(_png(charts[name].to_dict()))
            # Without ``script`` the page inlines the bundle (the cached copy of what was just built).
            page = chart_page(title, {"chart": charts[name]}, options.lang)
            assert bundle in page
            (out / f"{name}.html").write_text(page, encoding="utf-8")

    return {
        "plan.gpkg": timed(gpkg),
        "plan.xlsx": timed(xlsx),
        "maps (zh + en)": timed(maps),
        "charts (HTML + vega.js)": timed(charts),
    }


def run(png: bool, keep: Path | None) -> tuple[list[dict], dict]:
    """Solve the default scenario, write its run folder, then time each stage; the table's rows and totals."""
    import aggregates as ag  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="outputs-bench-", dir=keep))
    overrides = ["outputs.maps_dir=null", f"outputs.png={str(png).lower()}"]
    start = time.perf_counter()
    result = ag.solve(ag.load_scenario(ROOT / "configs" / "default.yaml", overrides))
    solve_s = time.perf_counter() - start
    write_s = timed(lambda: result.write(work / "run"))
    total = solve_s + write_s
    staged = work / "stages"
    staged.mkdir()
    seconds = stages(result, staged, png)
    old = work / "before"
    old.mkdir()
    old_seconds = before(result, old)
    new_mb = folder_mb(work / "run")
    charts_now = folder_mb(work / "run" / "charts") if (work / "run" / "charts").is_dir() else 0.0
    old_mb = new_mb - charts_now + folder_mb(old / "charts") + _xlsx_delta(work, old)  # maps: the same bytes
    rows = [{"stage": "run: load + solve", "seconds": solve_s, "share": solve_s / total}]
    for stage, s in seconds.items():
        written = png or "not written" not in stage
        row = {"stage": stage, "seconds": s, "share": s / total if written else None}
        if stage in old_seconds:
            row["before_s"] = old_seconds[stage]
        rows.append(row)
    rows.append({"stage": "Result.write (all outputs)", "seconds": write_s, "share": write_s / total})
    rows.append({"stage": "end to end", "seconds": total, "share": 1.0})
    totals = {
        "outputs_share": write_s / total,
        "goal_share": GOAL_SHARE,
        "folder_mb": new_mb,
        "folder_mb_before": old_mb,
    }
    if keep is None:
        shutil.rmtree(work)
    return rows, totals


def _xlsx_delta(work: Path, old: Path) -> float:
    """How much larger the old ``plan.xlsx`` is than the new one, in MB."""
    return ((old / "plan.xlsx").stat().st_size - (work / "run" / "plan.xlsx").stat().st_size) / 1e6


def table(rows: list[dict], totals: dict) -> str:
    """The rows as a fixed-width table, with the goal line and the folder sizes."""
    lines = [f"{'stage':38s} {'s':>7s} {'share':>7s} {'before s':>9s} {'before/now':>10s}"]
    for r in rows:
        share = "" if r["share"] is None else f"{100 * r['share']:6.1f}%"
        old = f"{r['before_s']:9.2f} {r['before_s'] / r['seconds']:9.1f}x" if "before_s" in r else ""
        lines.append(f"{r['stage']:38s} {r['seconds']:7.2f} {share:>7s} {old}")
    share, goal = totals["outputs_share"], totals["goal_share"]
    verdict = "met" if share <= goal else "missed"
    lines.append(f"outputs share of the run: {100 * share:.1f} % (goal <= {100 * goal:.0f} %: {verdict})")
    lines.append(f"run folder: {totals['folder_mb']:.1f} MB (before: {totals['folder_mb_before']:.1f} MB)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--png", action="store_true", help="write the chart PNGs too (outputs.png)")
    parser.add_argument("--cold", action="store_true", help="build the Vega bundle in this run (empty cache)")
    parser.add_argument("--keep", type=Path, help="keep the folders written, under this folder")
    parser.add_argument("--json", type=Path, help="also write the rows and totals as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        if args.cold:
            os.environ["AGGREGATES_CACHE"] = cache
        rows, totals = run(args.png, args.keep)
    print(f"default scenario, {'cold' if args.cold else 'warm'} Vega bundle cache, PNG {'on' if args.png else 'off'}")
    print(table(rows, totals))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, **totals}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
