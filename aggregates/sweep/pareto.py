"""The cost-CO2e Pareto front of one year by the epsilon-constraint method: cap CO2e, minimise cost.

The scenario is planned for the one year alone (``years=[Y]``), so the objective is exactly
that year's system cost; its carbon price is set to 0 and its own emissions cap removed. The
min-cost plan (no cap) is the front's high-CO2e end; a solve with a carbon price of
:data:`~aggregates.analysis.tradeoffs.PROBE_CARBON_PRICE` finds the least CO2e any plan reaches,
and the cheapest plan within that is the low end; between them, caps evenly spaced in CO2e.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

from aggregates.analysis.tradeoffs import (
    PARETO_GAP,
    PARETO_UNMET_PENALTY,
    PROBE_CARBON_PRICE,
    ParetoFront,
    cap_tasks,
    checked_caps,
    with_front,
)
from aggregates.config import Scenario
from aggregates.errors import InfeasibleError, InputError
from aggregates.sweep.executors import Variant, map_in_order, solve_variant, solve_variant_keeping_start, worker_pool


def pareto_front(
    scenario: Scenario,
    *,
    points: int = 6,
    year: int | None = None,
    caps_kt: Sequence[float] | None = None,
    relative_gap: float | None = PARETO_GAP,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
    rebuild: bool = False,
) -> ParetoFront:
    """The cost-CO2e Pareto front of one year by the epsilon-constraint method.

    Parameters
    ----------
    scenario
        The scenario (``--set`` applied).
    points
        Points on the front, both ends included (at least 2): the min-cost plan, the
        cheapest plan with the least CO2e, and ``points - 2`` caps evenly spaced between.
    year
        The year planned (default: the first with a target).
    caps_kt
        Caps in kt CO2e to solve instead of the evenly spaced ones (the two ends are always
        solved); a cap below the least CO2e reachable comes back ``infeasible``.
    relative_gap
        MIP gap of every solve (None: the scenario's ``solver.relative_gap``).
    workers
        Worker processes (default: one per core, at most one per solve).
    on_done
        Progress: called with (solves done, solves in the current batch).
    cluster
        A Dask cluster to solve on (``local``, ``local:N``, ``tcp://HOST:PORT``); default: a local
        cluster of ``workers`` processes when more than one.
    rebuild
        The baseline: every solve reads the region and builds the network and the model anew, without
        the warm start (the capped solves start from the least-CO2e plan, which meets every cap).

    Raises
    ------
    InputError
        Fewer than 2 points, a year not planned, caps that are not positive numbers.
    InfeasibleError
        When the scenario itself (no cap) has no plan in that year.
    """
    year = scenario.headline_year(year)
    if caps_kt is None and points < 2:
        raise InputError(f"--points must be at least 2 (the two ends of the front), got {points}")
    caps = checked_caps(caps_kt)
    base = pareto_scenario(scenario, year, relative_gap)
    probe = base.with_values({"prices.carbon_yuan_per_t_co2e": PROBE_CARBON_PRICE})
    tasks = max(2, len(caps) + 1 if caps is not None else points - 1)
    with worker_pool(workers, tasks, cluster=cluster, scenarios=[] if rebuild else [base]) as pool:
        ends = [Variant("min_cost", base, year, rebuild=rebuild), Variant("probe", probe, year, rebuild=rebuild)]
        (cheapest, _), (greenest, start) = map_in_order(pool, solve_variant_keeping_start, ends, on_done)
        for row in (cheapest, greenest):
            if row["status"] == "infeasible":
                raise InfeasibleError(row["message"])
        tasks = cap_tasks(cheapest["co2e_t"], greenest["co2e_t"], points, caps)
        capped = [
            Variant(
                f"{kind} {cap} kt",
                base.with_values({"policies.emissions_cap_kt_co2e": {year: cap}}),
                year,
                warm_start=None if rebuild else start,
                rebuild=rebuild,
            )
            for kind, cap in tasks
        ]
        rows = map_in_order(pool, solve_variant, capped, on_done)
    table = pd.DataFrame(
        [
            {"kind": "min_cost", "cap_kt": math.nan, **cheapest},
            *({"kind": kind, "cap_kt": cap, **row} for (kind, cap), row in zip(tasks, rows, strict=True)),
        ]
    )
    return ParetoFront(year, with_front(table))


def pareto_scenario(scenario: Scenario, year: int, relative_gap: float | None) -> Scenario:
    """The scenario as the front plans it: ``year`` alone, no carbon price, no cap of its own, one solver thread.

    Unmet demand costs at least :data:`PARETO_UNMET_PENALTY` per t, so no point meets its cap by
    delivering less (unmet tonnes emit nothing).
    """
    values: dict[str, object] = {
        "years": [year],
        "prices.carbon_yuan_per_t_co2e": 0,
        "policies.emissions_cap_kt_co2e": None,
        "prices.unmet_penalty_yuan_per_t": max(scenario.prices.unmet_penalty_yuan_per_t, PARETO_UNMET_PENALTY),
        "solver.threads": 1,
    }
    if relative_gap is not None:
        values["solver.relative_gap"] = float(relative_gap)
    return scenario.with_values(values)
