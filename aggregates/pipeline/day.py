"""A day of a run folder's plan, dispatched and written whole: what ``aggregates dispatch`` and the service's
dispatch jobs share (README, "Day dispatch").

:func:`dispatch_run` reads the run back, applies the request's routing limits and fleet caps to the plan's
scenario and dispatches the day; :func:`write_day` writes its tables and drawings into one folder at once,
so an interrupted or failed drawing leaves no half-written day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from aggregates.dispatch import DayPlan, day_basis, day_flows, dispatch_day
from aggregates.errors import InputError
from aggregates.files import atomic_folder
from aggregates.pipeline.prepare import prepare
from aggregates.pipeline.result import Result, read_run
from aggregates.viz.dispatch import GANTT_DEPOTS, write_gantt
from aggregates.viz.labels import Lang
from aggregates.viz.maps.day import write_day_map
from aggregates.viz.maps.options import MapOptions
from aggregates.viz.publish import other_lang

DAY_FILES = ("routes.csv", "trucks.csv", "trains.csv", "comparison.csv", "day.json", "gantt.html", "day_map.html")


@dataclass(frozen=True)
class DayRequest:
    """Which day of a plan to dispatch, and how.

    Attributes
    ----------
    day
        ``typical`` or ``peak``.
    year
        Plan year (``None``: the plan's headline year).
    bases
        Only these bases' flows (empty: all); the day is then compared with no fleet sizing.
    time_limit_s
        Routing seconds per part (``None``: the scenario's ``dispatch.time_limit_s``).
    truck_cap
        Fleet caps ``'<depot>:<truck>' -> trucks`` added to the scenario's ``dispatch.truck_cap``.
    workers
        Processes routing parts at once.
    """

    day: str = "typical"
    year: int | None = None
    bases: tuple[str, ...] = ()
    time_limit_s: float | None = None
    truck_cap: Mapping[str, int] = field(default_factory=dict)
    workers: int = 1


@dataclass(frozen=True)
class DispatchedRun:
    """A dispatched day with the run it came from (for its map layers and the default output folder)."""

    day: DayPlan
    run: Result
    run_dir: Path

    def default_folder(self) -> Path:
        """``RUN_DIR/dispatch-<day>-<year>``."""
        return self.run_dir / f"dispatch-{self.day.basis.day}-{self.day.year}"


def dispatch_run(
    run_dir: str | Path,
    request: DayRequest,
    on_progress: Callable[[int, int, str], None] | None = None,
    *,
    run: Result | None = None,
) -> DispatchedRun:
    """Dispatch one day of the plan in ``run_dir``.

    Parameters
    ----------
    run_dir
        A run folder written by ``aggregates optimize`` (or an optimize job's folder).
    request
        The day, year, bases, routing limit and fleet caps.
    on_progress
        Called with (parts done, parts, the last part's ``<depot>:<truck>``).
    run
        The run folder read back already (:func:`aggregates.pipeline.read_run`), if it was.

    Raises
    ------
    InputError
        For a bad day, year, base or time limit, naming the option and how to fix it.
    InfeasibleError
        When the day cannot be dispatched, every reason in numbers.
    """
    result = run if run is not None else read_run(run_dir)
    scenario = result.plan.scenario.with_values(_changes(result, request))
    basis = day_basis(scenario, request.day)
    year = result.plan.headline_year(request.year)
    ready = prepare(scenario)
    flows = only_bases(day_flows(result.plan.flows, year, ready.options.table, ready.region.bases), request.bases)
    # The plan's fleet sizes every base; a day of some bases is compared with nothing.
    fleet = result.plan.fleet[result.plan.fleet["year"] == year] if not request.bases else None
    day = dispatch_day(
        flows,
        scenario,
        basis,
        year=year,
        fleet=fleet,
        on_progress=on_progress,
        workers=max(1, request.workers),
        places=ready.region.points(),
    )
    return DispatchedRun(day, result, Path(run_dir))


def _changes(result: Result, request: DayRequest) -> dict:
    changes = {}
    if request.time_limit_s is not None:
        if not request.time_limit_s > 0:
            raise InputError(f"--time-limit must be > 0 seconds, got {request.time_limit_s:g}")
        changes["dispatch.time_limit_s"] = request.time_limit_s
    if request.truck_cap:
        changes["dispatch.truck_cap"] = {**result.plan.scenario.dispatch.truck_cap, **request.truck_cap}
    return changes


def only_bases(flows: pd.DataFrame, bases: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """The flows of ``bases`` (all flows when empty).

    Raises
    ------
    InputError
        For a base with no flows in the year, listing the bases that have some.
    """
    if not bases:
        return flows
    unknown = sorted(set(bases) - set(flows["base"]))
    if unknown:
        known = ", ".join(sorted(set(flows["base"])))
        raise InputError(f"--base {', '.join(unknown)}: no flows from it in this year; bases with flows: {known}")
    return flows[flows["base"].isin(bases)].reset_index(drop=True)


def write_day(
    dispatched: DispatchedRun,
    folder: str | Path,
    lang: Lang | None = None,
    gantt_depots: int | None = GANTT_DEPOTS,
    *,
    both_langs: bool = False,
) -> Path:
    """Write the day's tables (:meth:`DayPlan.write`), ``gantt.html`` and ``day_map.html`` into ``folder`` at once.

    Parameters
    ----------
    dispatched
        The day and its run.
    folder
        The output folder, replaced whole when everything is written.
    lang
        Language of the drawings (``None``: the scenario's ``outputs.lang``).
    gantt_depots
        Depots drawn in the Gantt chart, the busiest first (``None``: all).
    both_langs
        Also draw them in the other language, as ``gantt.<lang>.html`` and ``day_map.<lang>.html`` (the service
        shows a page's language).
    """
    day = dispatched.day
    options = _map_options(day, lang)
    layers = _layers(dispatched.run)
    with atomic_folder(folder) as tmp:
        day.write(tmp)
        write_gantt(day, tmp, options.lang, gantt_depots)
        write_day_map(day, tmp, layers, options)
        if both_langs:
            other = replace(options, lang=other_lang(options.lang))
            write_gantt(day, tmp, other.lang, gantt_depots, f"gantt.{other.lang}.html")
            write_day_map(day, tmp, layers, other, f"day_map.{other.lang}.html")
    return Path(folder)


def drawing_name(stem: str, drawn_in: Lang, lang: Lang) -> str:
    """The stored drawing ``stem`` (``gantt``, ``day_map``) in ``lang``: plain in the language it was drawn in
    (``drawn_in``), ``<stem>.<lang>.html`` in the other (see :func:`write_day`)."""
    return f"{stem}.html" if lang == drawn_in else f"{stem}.{lang}.html"


def _layers(result: Result):
    """The run's map layers (route geometry, roads, boundaries), or ``None`` when the run has none."""
    try:
        return result.layers
    except ValueError:
        return None


def _map_options(day: DayPlan, lang: Lang | None) -> MapOptions:
    o = day.scenario.outputs
    return MapOptions(lang=lang or o.lang, basemap=o.basemap, offline=o.offline, tianditu_key=o.tianditu_key)
