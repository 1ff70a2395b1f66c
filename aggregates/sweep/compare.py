"""Compare scenarios: solve each (in parallel), write its run folder, then put the plans side by side.

``comparison.csv``, ``corridors.csv``, ``comparison.json``, charts and a synchronised map of all
the plans go into one folder with a run folder per scenario, written all at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from aggregates.analysis.compare import Comparison, Failed, compare_plans, comparison_json
from aggregates.config import Scenario
from aggregates.errors import AggregatesError, InfeasibleError, InputError
from aggregates.files import atomic_folder, write_text
from aggregates.pipeline import Result, solve
from aggregates.sweep.executors import map_in_order, process_cache, worker_pool
from aggregates.viz.charts import write_compare_charts
from aggregates.viz.maps import MAX_COMPARED, MapOptions, comparison_map, save_html


def check_names(scenarios: Sequence[Scenario]) -> list[str]:
    """Each scenario's name, checked to be distinct (they name the run folders).

    Raises
    ------
    InputError
        For two scenarios with the same name.
    """
    seen: dict[str, str] = {}
    for scenario in scenarios:
        if scenario.name in seen:
            raise InputError(
                f"{scenario.origin}: scenario name '{scenario.name}' is also the name of {seen[scenario.name]}; "
                "give each compared scenario its own name (the run folders are named after them)"
            )
        seen[scenario.name] = scenario.origin
    return list(seen)


def solve_one(scenario: Scenario) -> Result | Failed:
    """Solve one scenario (on a worker): the plan with its map layers (no network: light to send back), or
    what went wrong: one scenario's failure leaves the others."""
    try:
        result = solve(scenario, cache=process_cache())
        return Result(result.plan, stored_layers=result.layers)
    except AggregatesError as exc:
        return Failed(scenario.origin, exc.exit_code, exc.message)


def compare(
    scenarios: Sequence[Scenario],
    out_dir: str | Path,
    options: MapOptions,
    *,
    year: int | None = None,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
) -> tuple[Comparison, list[Result]]:
    """Solve the scenarios and write their comparison to ``out_dir`` (all or nothing).

    Parameters
    ----------
    scenarios
        Two or more scenarios with distinct names.
    out_dir
        Folder for the run folders (one per scenario name) and the comparison files.
    options
        Map options for the map and charts (language, basemap).
    year
        Year compared; default: the first year with a target.
    workers
        Scenarios solved at once; default: the machine's cores.
    on_done
        Progress: called with (scenarios done, scenarios in all).
    cluster
        A Dask cluster to solve on (``local``, ``local:N``, ``tcp://HOST:PORT``); the plans come back
        and their run folders are written here.

    Returns
    -------
    tuple
        The comparison and the results of the scenarios with a plan (read from ``out_dir``).

    Raises
    ------
    InputError
        Fewer than two scenarios, duplicate names.
    InfeasibleError
        When no scenario gives a plan (every reason listed).
    """
    if len(scenarios) < 2:
        raise InputError(f"compare needs at least two scenario files, got {len(scenarios)}")
    check_names(scenarios)
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        with worker_pool(workers, len(scenarios), cluster=cluster, scenarios=scenarios) as pool:
            answers = map_in_order(pool, solve_one, list(scenarios), on_done)
        results = [_written(a, tmp) if isinstance(a, Result) else a for a in answers]
        results = [a for a in results if isinstance(a, Result)]
        failed = [a for a in answers if isinstance(a, Failed)]
        if not results:
            raise InfeasibleError("no compared scenario gives a plan:\n" + "\n".join(_failure(f) for f in failed))
        comparison = compare_plans([r.plan for r in results], year, failed)
        write_comparison(comparison, results, tmp, options)
    return comparison, [replace(r, folder=out_dir / r.name) for r in results]


def _written(result: Result, folder: Path) -> Result:
    """Write a result's run folder under ``folder`` (named after its scenario); the result, read from there."""
    place = folder / result.name
    result.write(place)
    return replace(result, folder=place)


def write_comparison(comparison: Comparison, results: list[Result], folder: Path, options: MapOptions) -> list[Path]:
    """Write ``comparison.csv``, ``corridors.csv``, ``comparison.json``, ``charts/`` and ``map.html``."""
    written = []
    for name, table in (("comparison", comparison.table), ("corridors", comparison.corridors)):
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        written.append(folder / f"{name}.csv")
    text = json.dumps(comparison_json(comparison), ensure_ascii=False, indent=2) + "\n"
    write_text(folder / "comparison.json", text)
    written.append(folder / "comparison.json")
    written += write_compare_charts(comparison, folder, lang=options.lang)
    if 2 <= len(results) <= MAX_COMPARED:
        page = comparison_map(results, replace(options, year=comparison.year))
        written.append(save_html(page, folder / "map.html"))
    return written


def _failure(f: Failed) -> str:
    return f"  - {f.config}: " + f.message.replace("\n", "\n    ")
