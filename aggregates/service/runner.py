"""What a job does, run in a child process of a worker: the public API, then files written all at once.

Each kind calls the same functions as its command (``optimize``, ``compare``, ``pareto``,
``sensitivity``, ``tornado``, ``coverage``, ``dispatch``) and writes its folder through the writers those
commands use, which write to a temporary sibling and swap it into place when complete. The
worker records the job done (with the folder's file list) only after that, so a result is never
half-published.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from aggregates.analysis.compare import comparison_json
from aggregates.analysis.coverage import result_dict
from aggregates.analysis.tradeoffs import json_records, parse_ranges
from aggregates.errors import AggregatesError
from aggregates.pipeline import InputCache, Progress, solve
from aggregates.pipeline.coverage import coverage, coverage_both, write_coverage
from aggregates.pipeline.day import DayRequest, DispatchedRun, dispatch_run, write_day
from aggregates.service import scenarios
from aggregates.service.answers import site_in
from aggregates.sweep import compare, pareto_front, sensitivity, tornado, write_sweep
from aggregates.viz.dispatch import GANTT_DEPOTS
from aggregates.viz.publish import map_options

OnProgress = Callable[[Progress], None]


def run(kind: str, request: dict, out_dir: Path, on_progress: OnProgress, cluster: str | None = None) -> dict:
    """Run one job and write its files to ``out_dir`` (replaced whole); return its figures as JSON.

    ``cluster``: the Dask scheduler (``tcp://HOST:PORT``) a sweep job solves on (``aggregates serve
    --cluster``); ``None``: in this process. It comes from the service's settings, never from the request.

    Raises
    ------
    AggregatesError
        Whatever the command would report (bad scenario, no plan, ...), with its message.
    """
    with tempfile.TemporaryDirectory(prefix="aggregates-job-") as tmp:
        try:
            return _run(kind, request, out_dir, on_progress, Path(tmp), cluster)
        except AggregatesError as exc:
            exc.message = exc.message.replace(f"{tmp}/", "")  # name the scenario, not the scratch folder
            raise


def _run(kind: str, request: dict, out_dir: Path, on_progress: OnProgress, tmp: Path, cluster: str | None) -> dict:
    overrides = request.get("overrides", [])
    loaded = [scenarios.load(s["name"], s["text"], overrides, tmp) for s in request.get("scenarios", [])]
    if kind in _SWEEPS:
        return _SWEEPS[kind](loaded, request.get("params", {}), out_dir, on_progress, cluster)
    return _KINDS[kind](loaded, request.get("params", {}), request, out_dir, on_progress)


def _counted(on_progress: OnProgress, what: str) -> Callable[[int, int], None]:
    def on_done(done: int, total: int) -> None:
        # the tables and charts are still to write when the last solve is done
        on_progress(Progress(f"{what}: {done} of {total} solved", 0.9 * done / max(total, 1)))

    return on_done


def _charts(params: dict) -> bool:
    """Sweeps draw their charts unless ``params`` says ``charts: false`` (a table-only run is seconds faster)."""
    return bool(params.get("charts", True))


def _optimize(loaded, params, request, out_dir, on_progress) -> dict:
    result = solve(loaded[0], on_progress=on_progress)
    result.write(out_dir)
    return result.plan.to_json()


def _compare(loaded, params, out_dir, on_progress, cluster) -> dict:
    options = map_options(loaded[0].outputs)
    comparison, _ = compare(
        loaded,
        out_dir,
        options,
        year=params.get("year"),
        workers=1,
        cluster=cluster,
        on_done=_counted(on_progress, "compare"),
    )
    return {"rows": comparison_json(comparison)}


def _pareto(loaded, params, out_dir, on_progress, cluster) -> dict:
    front = pareto_front(
        loaded[0],
        points=int(params.get("points", 6)),
        year=params.get("year"),
        caps_kt=params.get("caps_kt"),
        workers=1,
        cluster=cluster,
        on_done=_counted(on_progress, "Pareto front"),
    )
    write_sweep(out_dir, pareto=front, lang=loaded[0].outputs.lang, charts=_charts(params))
    return {"year": front.year, "points": json_records(front.points)}


def _sensitivity(loaded, params, out_dir, on_progress, cluster) -> dict:
    rows = sensitivity(
        loaded[0],
        param=params["param"],
        values=params["values"],
        year=params.get("year"),
        single_year=bool(params.get("single_year", False)),
        workers=1,
        cluster=cluster,
        on_done=_counted(on_progress, "sensitivity"),
    )
    write_sweep(out_dir, sensitivity=rows, lang=loaded[0].outputs.lang, charts=_charts(params))
    return {"param": params["param"], "rows": json_records(rows)}


def _tornado(loaded, params, out_dir, on_progress, cluster) -> dict:
    ranges = parse_ranges(params["ranges"]) if params.get("ranges") else None
    rows = tornado(
        loaded[0],
        params=ranges,
        metric=params.get("metric", "system_cost_yuan"),
        year=params.get("year"),
        single_year=bool(params.get("single_year", False)),
        workers=1,
        cluster=cluster,
        on_done=_counted(on_progress, "tornado"),
    )
    write_sweep(out_dir, tornado=rows, lang=loaded[0].outputs.lang, charts=_charts(params))
    return {"rows": json_records(rows)}


def _coverage(loaded, params, request, out_dir, on_progress) -> dict:
    """Re-optimise with the sites (or check them against ``plan_dir``); with ``compare_dir`` (a published plan)
    also answer against it and explain each difference."""
    cache = InputCache()
    region = cache.region(loaded[0].region)
    sites = [site_in(region, s, loaded[0].years) for s in request["sites"]]
    sites = [(f"site '{s.name}'", s) for s in sites]
    extra = {}
    if request.get("compare_dir"):
        published, report, differences = coverage_both(
            loaded[0], sites, request["compare_dir"], region=region, on_progress=on_progress, cache=cache
        )
        extra = {
            "against_plan": _rows(published),
            "differences": [{lang: d.sentence(lang) for lang in ("zh", "en")} for d in differences],
        }
    else:
        report = coverage(
            loaded[0], sites, plan=request.get("plan_dir"), region=region, on_progress=on_progress, cache=cache
        )
    write_coverage(report, region, out_dir)
    return {"residual_source": report.residual_source, "sites": _rows(report), **extra}


def _dispatch(loaded, params, request, out_dir, on_progress) -> dict:
    """One day of a published plan (``plan_dir``), as ``aggregates dispatch`` makes it; its files written at once."""
    asked = request["dispatch"]
    day = DayRequest(
        day=asked["day"],
        year=asked.get("year"),
        bases=tuple(asked.get("bases") or ()),
        time_limit_s=asked.get("time_limit_s"),
        truck_cap=asked.get("truck_cap") or {},
    )
    on_progress(Progress("reading the plan", 0.02))

    def on_parts(done: int, total: int, label: str) -> None:
        on_progress(Progress(f"routing trucks: {done} of {total} parts ({label})", 0.05 + 0.85 * done / max(total, 1)))

    dispatched = dispatch_run(request["plan_dir"], day, on_parts)
    on_progress(Progress("drawing the day", 0.92))
    gantt = asked.get("gantt_depots", GANTT_DEPOTS)
    write_day(dispatched, out_dir, gantt_depots=gantt or None, both_langs=True)
    return day_result(dispatched, request["plan"])


def day_result(dispatched: DispatchedRun, plan: str) -> dict:
    """A dispatched day's figures as a job keeps them: the plan, scenario, ``day.json``'s figures, the comparison."""
    plan_day = dispatched.day
    comparison = plan_day.comparison()
    rows = json.loads(comparison.to_json(orient="records"))  # NaN ratios (nothing planned) become null
    drawn_in = plan_day.scenario.outputs.lang
    return {
        "plan": plan,
        "scenario": plan_day.scenario.name,
        "drawn_in": drawn_in,
        **plan_day.summary(),
        "comparison": rows,
    }


def _rows(report) -> list[dict]:
    return json.loads(json.dumps([result_dict(r, report.rule) for r in report.results], default=str))


# Jobs of many solves: they solve on the service's cluster when it has one.
_SWEEPS = {"compare": _compare, "pareto": _pareto, "sensitivity": _sensitivity, "tornado": _tornado}
_KINDS = {"optimize": _optimize, "coverage": _coverage, "dispatch": _dispatch}
