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
from aggregates.errors import AggregatesError, InfeasibleError, InputError, OutputError
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


def solve_and_write(job: tuple[Scenario, str]) -> Result | Failed:
    """Solve one scenario and write its run folder (in a worker process).

    Returns the plan with its map layers (no network: light to send back), or what went wrong:
    one scenario's failure leaves the others.
    """
    scenario, folder = job
    try:
        result = solve(scenario, cache=process_cache())
        result.write(folder)
    except OutputError:
        raise  # a full disk or a read-only place is not this scenario's failure: stop the comparison
    except AggregatesError as exc:
        return Failed(scenario.origin, exc.exit_code, exc.message)
    return Result(result.plan, folder=Path(folder), stored_layers=result.layers)


def compare(
    scenarios: Sequence[Scenario],
    out_dir: str | Path,
    options: MapOptions,
    *,
    year: int | None = None,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
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
    names = check_names(scenarios)
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        jobs = [(s, str(tmp / name)) for s, name in zip(scenarios, names, strict=True)]
        with worker_pool(workers, len(jobs)) as pool:
            answers = map_in_order(pool, solve_and_write, jobs, on_done)
        results = [a for a in answers if isinstance(a, Result)]
        failed = [a for a in answers if isinstance(a, Failed)]
        if not results:
            raise InfeasibleError("no compared scenario gives a plan:\n" + "\n".join(_failure(f) for f in failed))
        comparison = compare_plans([r.plan for r in results], year, failed)
        write_comparison(comparison, results, tmp, options)
    return comparison, [replace(r, folder=out_dir / r.name) for r in results]


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
