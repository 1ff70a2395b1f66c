"""One parameter at a time: a solve per value (sensitivity), or each parameter at its low and high value (tornado)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from aggregates.analysis.tradeoffs import METRICS, default_ranges, param_value, resolve_param, tornado_table
from aggregates.config import Scenario
from aggregates.errors import InputError
from aggregates.sweep.executors import Variant, run_variants


def sweep_base(scenario: Scenario, year: int, single_year: bool) -> Scenario:
    """The scenario every value changes: one solver thread, and only ``year`` with ``single_year``."""
    values: dict[str, object] = {"solver.threads": 1}
    if single_year:
        values = {"years": [year], **values}
    return scenario.with_values(values)


def sensitivity(
    scenario: Scenario,
    *,
    param: str,
    values: Sequence,
    year: int | None = None,
    single_year: bool = False,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
    rebuild: bool = False,
) -> pd.DataFrame:
    """How a plan responds to one parameter: one solve per value.

    Parameters
    ----------
    scenario
        The scenario (``--set`` applied).
    param
        An alias of :data:`~aggregates.analysis.tradeoffs.PARAM_ALIASES` or a config key path.
    values
        The values to solve, in order (for a scaled parameter, multipliers of the table).
    year
        The year reported (default: the first with a target).
    single_year
        Plan only that year (``years=[Y]``; about 10x faster on the default region) instead
        of the scenario's whole horizon.
    workers, on_done
        Worker processes (default: one per core), and progress: (solves done, solves in all).
    cluster
        A Dask cluster to solve on (``local``, ``local:N``, ``tcp://HOST:PORT``); default: a local
        cluster of ``workers`` processes when more than one.
    rebuild
        The baseline: every solve reads the region and builds the network and the model anew, without the
        warm start (by default the first value is solved first and the others start from its plan).

    Returns
    -------
    pandas.DataFrame
        One row per value, in the order given: ``param``, ``key``, ``value`` and the figures of
        :func:`~aggregates.analysis.tradeoffs.summarise` for ``year``.

    Raises
    ------
    InputError
        An unknown parameter, no values, or a value the scenario does not accept.
    """
    year = scenario.headline_year(year)
    p = resolve_param(param, scenario)
    values = list(values)
    if not values:
        raise InputError(f"--values: give at least one value of {param}")
    base = sweep_base(scenario, year, single_year)
    variants = [Variant(f"{param}={v}", base.with_values(param_value(p, v, scenario)), year) for v in values]
    rows = run_variants(variants, workers=workers, on_done=on_done, cluster=cluster, rebuild=rebuild)
    return pd.DataFrame(
        [{"param": param, "key": p.key, "value": v, **row} for v, row in zip(values, rows, strict=True)]
    )


def tornado(
    scenario: Scenario,
    *,
    params: Mapping[str, tuple] | None = None,
    metric: str = "system_cost_yuan",
    year: int | None = None,
    single_year: bool = False,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
    rebuild: bool = False,
) -> pd.DataFrame:
    """How far one figure moves when each parameter goes to its low and its high value.

    Parameters
    ----------
    scenario
        The scenario (``--set`` applied).
    params
        Parameter (alias or key path) -> (low, high); default
        :func:`~aggregates.analysis.tradeoffs.default_ranges`.
    metric
        The figure compared, one of :data:`~aggregates.analysis.tradeoffs.METRICS`.
    year, single_year, workers, on_done, cluster, rebuild
        As for :func:`sensitivity`.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, widest swing first (see
        :func:`~aggregates.analysis.tradeoffs.tornado_table`).

    Raises
    ------
    InputError
        An unknown metric or parameter, or a range that is not two values.
    """
    if metric not in METRICS:
        raise InputError(f"--metric '{metric}': not a figure of the plan; use one of {', '.join(METRICS)}")
    year = scenario.headline_year(year)
    params = dict(params if params is not None else default_ranges(scenario))
    if not params:
        raise InputError("tornado: give at least one parameter with its low and high values")
    base = sweep_base(scenario, year, single_year)
    variants = [Variant("base", base, year)]
    for name, ends in params.items():
        if not isinstance(ends, Sequence) or isinstance(ends, str) or len(ends) != 2:
            raise InputError(f"tornado: {name} needs (low, high), got {ends!r}")
        p = resolve_param(name, scenario)
        variants += [Variant(f"{name}={v}", base.with_values(param_value(p, v, scenario)), year) for v in ends]
    rows = run_variants(variants, workers=workers, on_done=on_done, cluster=cluster, rebuild=rebuild)
    return tornado_table(params, scenario, rows, metric)
