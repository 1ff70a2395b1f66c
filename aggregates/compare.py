"""Compare scenarios: solve each, then put their plans side by side.

``aggregates compare A.yaml B.yaml C.yaml`` solves every scenario (in parallel
processes, one solver thread each), writes each run folder as ``optimize``
would, and adds the comparison: ``comparison.csv`` (one row per scenario),
``corridors.csv`` (tonnes, t-km, cost and emissions per supply city, market and
chain), ``comparison.json``, charts and a synchronised map of all the plans.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aggregates.config import CHAINS
from aggregates.errors import AggregatesError, InfeasibleError, InputError
from aggregates.network.routes import TRUCK_OF_CHAIN
from aggregates.outputs import atomic_folder
from aggregates.viz.run import Run, read_run

log = logging.getLogger(__name__)

TABLE_KPIS = (
    "substitution_mt",
    "target_mt",
    "target_met",
    "cost_yuan",
    "cost_yuan_per_t",
    "co2e_t",
    "co2e_ttw_t",
    "nox_t",
    "pm_t",
    "rail_share_t",
    "tkm_road",
    "tkm_rail",
    "trains_per_day",
    "truck_trips_per_day",
)
FLEET_KPIS = ("nev_trucks", "diesel_trucks", "wagons", "containers")


@dataclass(frozen=True)
class Failed:
    """A scenario that gave no plan: its config, exit code and the reason."""

    config: str
    exit_code: int
    message: str


@dataclass(frozen=True)
class Comparison:
    """Solved scenarios side by side in one year.

    Attributes
    ----------
    runs
        The runs, in the order given.
    year
        The year compared.
    table
        One row per scenario (see README, "aggregates compare").
    corridors
        One row per scenario, supply city, market city and chain.
    failed
        Scenarios that gave no plan.
    """

    runs: list[Run]
    year: int
    table: pd.DataFrame
    corridors: pd.DataFrame
    failed: list[Failed]


def solve_scenario(config: str, overrides: list[str], folder: str) -> tuple[str, int, str]:
    """Load, solve and write one scenario to ``folder`` (run in a worker process).

    Returns
    -------
    tuple
        (``folder``, 0, "") on success, or (config, exit code, message) when the scenario has no plan
        or bad input: errors are returned, not raised, so one scenario's failure leaves the others.
    """
    from aggregates import api

    try:
        inputs = api.load_inputs(config, [*overrides, "outputs.maps_dir=null"])
        api.write_plan(api.optimize(inputs), folder)
    except AggregatesError as exc:
        return config, exc.exit_code, exc.message
    return folder, 0, ""


def scenario_names(configs: Sequence[str | Path], overrides: list[str]) -> list[str]:
    """Each config's scenario name, checked to be distinct (they name the run folders).

    Raises
    ------
    InputError
        For a config that does not load, or two scenarios with the same name.
    """
    from aggregates.config import load_scenario

    names = [load_scenario(c, overrides).name for c in configs]
    seen: dict[str, str] = {}
    for config, name in zip(configs, names, strict=True):
        if name in seen:
            raise InputError(
                f"{config}: scenario name '{name}' is also the name of {seen[name]}; "
                "give each compared scenario its own name (the run folders are named after them)"
            )
        seen[name] = str(config)
    return names


def solve_scenarios(
    configs: Sequence[str | Path],
    overrides: list[str],
    folder: Path,
    *,
    workers: int | None = None,
    on_done: Callable[[str], None] | None = None,
) -> tuple[list[Path], list[Failed]]:
    """Solve every scenario into ``folder/<name>/``, ``workers`` at a time.

    Returns
    -------
    tuple
        The run folders of the scenarios that have a plan (in the order given) and the failures.
    """
    from aggregates.sweep import variant_pool

    names = scenario_names(configs, overrides)
    jobs = [(str(c), list(overrides), str(folder / n)) for c, n in zip(configs, names, strict=True)]
    with variant_pool(workers, len(jobs)) as pool:
        if pool is None:
            results = [_reported(solve_scenario(*job), on_done) for job in jobs]
        else:
            futures = [pool.submit(solve_scenario, *job) for job in jobs]
            results = [_reported(f.result(), on_done) for f in futures]
    runs = [Path(where) for where, code, _ in results if code == 0]
    failed = [Failed(where, code, message) for where, code, message in results if code != 0]
    return runs, failed


def _reported(result: tuple[str, int, str], on_done: Callable[[str], None] | None) -> tuple[str, int, str]:
    if on_done is not None:
        on_done(result[0])
    return result


def compare_runs(folders: Sequence[str | Path], year: int | None = None, failed: list[Failed] | None = None):
    """Read run folders and compare them in ``year`` (default: the first run's first year with a target).

    Raises
    ------
    InputError
        When ``year`` is not in every run.
    """
    from aggregates.viz.maps import headline_year

    runs = [read_run(f) for f in folders]
    year = headline_year(runs[0], year)
    for run in runs[1:]:
        headline_year(run, year)
    return Comparison(runs, year, comparison_table(runs, year), corridor_table(runs, year), failed or [])


def comparison_table(runs: Sequence[Run], year: int) -> pd.DataFrame:
    """One row per scenario: the year's KPIs, truck-km, swaps and fleet, tonnes by chain."""
    return pd.DataFrame([_row(run, year) for run in runs])


def _row(run: Run, year: int) -> dict:
    k = run.plan.kpis["years"][str(year)]
    flows = run.plan.flows[run.plan.flows["year"] == year]
    fleet = k.get("fleet", {})
    row = {"scenario": run.name, "year": year, "status": run.plan.status}
    row |= {key: k.get(key) for key in TABLE_KPIS}
    row["truck_km"] = round(truck_km(flows, run.scenario))
    row["swaps_per_day"] = round(swaps_per_day(run, year), 1)
    row |= {key: fleet.get(key, np.nan) for key in FLEET_KPIS}
    row |= {f"{chain}_mt": k.get("by_chain_mt", {}).get(chain, 0.0) for chain in CHAINS}
    return row


def truck_km(flows: pd.DataFrame, scenario: dict) -> float:
    """Truck vehicle-km per year, empty returns included: tonnes / payload x road km x 2.

    ``km_road`` of a rail chain is its first and last miles together, so this counts their trucks too.
    """
    trucks = scenario.get("trucks", {})
    payload = {kind: float(trucks.get(kind, {}).get("payload_t", np.nan)) for kind in ("diesel", "bet")}
    per_chain = flows["chain"].map(TRUCK_OF_CHAIN).map(payload)
    return float((flows["tonnes"] / per_chain * flows["km_road"] * 2).sum())


def swaps_per_day(run: Run, year: int) -> float:
    """Battery swaps per operating day at all stations."""
    r = run.plan.resources
    swaps = float(r.loc[(r["year"] == year) & (r["kind"] == "swap_station"), "load"].sum())
    days = float(run.scenario.get("trucks", {}).get("operating_days", 300))
    return swaps / days


def corridor_table(runs: Sequence[Run], year: int) -> pd.DataFrame:
    """Per scenario, supply city, market city and chain: tonnes, t-km, transport cost, CO2e, NOx, PM."""
    frames = []
    for run in runs:
        flows = run.plan.flows[run.plan.flows["year"] == year]
        if flows.empty:
            continue
        from_city = run.plan.bases.drop_duplicates("base").set_index("base")["city"]
        to_city = run.plan.demand.drop_duplicates("node").set_index("node")["city"]
        f = flows.assign(
            scenario=run.name,
            from_city=flows["base"].map(from_city),
            to_city=flows["node"].map(to_city),
            tkm=flows["tkm_road"] + flows["tkm_rail"],
        )
        sums = f.groupby(["scenario", "from_city", "to_city", "chain"], sort=True)[
            ["tonnes", "tkm", "transport_cost_yuan", "co2e_t", "nox_kg", "pm_kg"]
        ].sum()
        frames.append(sums.reset_index())
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not table.empty:
        table["transport_yuan_per_t"] = (table["transport_cost_yuan"] / table["tonnes"]).round(2)
        table["co2e_kg_per_t"] = (table["co2e_t"] * 1000 / table["tonnes"]).round(3)
    return table


def write_comparison(comparison: Comparison, folder: Path, options) -> list[Path]:
    """Write ``comparison.csv``, ``corridors.csv``, ``comparison.json``, ``charts/`` and ``map.html``."""
    from aggregates.viz.compare_charts import write_compare_charts
    from aggregates.viz.comparison_map import MAX_COMPARED, comparison_map
    from aggregates.viz.maps import save_html

    written = []
    for name, table in (("comparison", comparison.table), ("corridors", comparison.corridors)):
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        written.append(folder / f"{name}.csv")
    (folder / "comparison.json").write_text(
        json.dumps(comparison_json(comparison), ensure_ascii=False, indent=2) + "\n"
    )
    written.append(folder / "comparison.json")
    written += write_compare_charts(comparison, folder, lang=options.lang)
    if 2 <= len(comparison.runs) <= MAX_COMPARED:
        page = comparison_map(comparison.runs, _with_year(options, comparison.year))
        written.append(save_html(page, folder / "map.html"))
    return written


def _with_year(options, year: int):
    from dataclasses import replace

    return replace(options, year=year)


def comparison_json(comparison: Comparison) -> list[dict]:
    """Per scenario: ``scenario``, ``run_dir`` (its folder's name) and its kpis.json keys; failures with their reason."""
    out = [
        {"scenario": run.name, "run_dir": run.folder.name, **run.plan.kpis, "compared_year": comparison.year}
        for run in comparison.runs
    ]
    out += [
        {"config": f.config, "status": "no plan", "exit_code": f.exit_code, "error": f.message}
        for f in comparison.failed
    ]
    return out


def compare(
    configs: Sequence[str | Path],
    out_dir: str | Path,
    options,
    *,
    overrides: list[str] | None = None,
    year: int | None = None,
    workers: int | None = None,
    on_done: Callable[[str], None] | None = None,
) -> Comparison:
    """Solve the scenarios and write their comparison to ``out_dir`` (all or nothing).

    Parameters
    ----------
    configs
        Two or more scenario files.
    out_dir
        Folder for the run folders (one per scenario name) and the comparison files.
    options
        :class:`aggregates.viz.maps.MapOptions` for the map and charts (language, basemap).
    overrides
        ``key.path=value`` applied to every scenario.
    year
        Year compared; default: the first year with a target.
    workers
        Scenarios solved at once; default: the machine's cores.
    on_done
        Called with each finished run folder (or failed config).

    Raises
    ------
    InputError
        Fewer than two configs, a config that does not load, duplicate scenario names.
    InfeasibleError
        When no scenario gives a plan (every reason listed).
    """
    if len(configs) < 2:
        raise InputError(f"compare needs at least two scenario files, got {len(configs)}")
    overrides = list(overrides or [])
    with atomic_folder(Path(out_dir)) as tmp:
        folders, failed = solve_scenarios(configs, overrides, tmp, workers=workers, on_done=on_done)
        if not folders:
            raise InfeasibleError("no compared scenario gives a plan:\n" + "\n".join(_failure(f) for f in failed))
        comparison = compare_runs(folders, year, failed)
        write_comparison(comparison, tmp, options)
    final = Path(out_dir)
    runs = [read_run(final / run.folder.name) for run in comparison.runs]
    return Comparison(runs, comparison.year, comparison.table, comparison.corridors, failed)


def _failure(f: Failed) -> str:
    return f"  - {f.config}: " + f.message.replace("\n", "\n    ")
