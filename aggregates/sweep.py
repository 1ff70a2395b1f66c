"""Trade-offs over many solves: the cost-CO2e Pareto front, one-parameter sensitivity and a tornado.

Every analysis is a set of *variants* of one scenario, each the scenario with a few more
``key.path=value`` overrides, solved like ``aggregates optimize`` solves it (in parallel
worker processes, one solver thread each) and boiled down to one row of figures for one
year (:func:`summarise`). Rows come back in the order the variants were given, whatever
order the workers finish in, so the same inputs give the same tables.

The money figure every analysis shares is the *system cost* of the year: what the model
minimises for it, less any carbon charge::

    system_cost_yuan = cost_yuan (fixed + production + transport of the solid-waste supply)
                     + natural_cost_yuan (natural sand and gravel bought)
                     + unmet demand x prices.unmet_penalty_yuan_per_t
                     + shortfall below a soft target x target.shortfall_penalty_yuan_per_t

Cutting CO2e can lower ``cost_yuan`` (less solid-waste aggregate shipped, more natural
bought), so only the system cost is sure to rise along the front.

**Pareto front** (:func:`pareto_front`), by the epsilon-constraint method on one year:
the scenario is restricted to that year (``years=[Y]``), so the objective is exactly
that year's system cost, its carbon price is set to 0 and its own emissions cap removed.
The min-cost plan (no cap) is the front's high-CO2e end; a solve with a carbon price of
:data:`PROBE_CARBON_PRICE` finds the least CO2e any plan reaches, and the cheapest plan
within that is the low end; between them, caps evenly spaced in CO2e
(``policies.emissions_cap_kt_co2e``). The CO2e is the quantity the cap binds: transport
CO2e, well-to-wheel, of the solid-waste flows (natural aggregate carries none in the model).
"""

from __future__ import annotations

import itertools
import logging
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from aggregates.config import CHAINS, Scenario, load_scenario
from aggregates.errors import InfeasibleError, InputError

if TYPE_CHECKING:
    from aggregates.api import Optimized

log = logging.getLogger(__name__)

# A price per t CO2e far above any cost difference between routes (a few hundred yuan/t over
# a few kg CO2e/t), so the probe's plan has the least CO2e and cost only breaks ties.
PROBE_CARBON_PRICE = 1e6
# The front's solves stop at this relative MIP gap: the default 0.1 % is about the size of the
# cost steps between neighbouring points and would make the marginal abatement costs noise.
PARETO_GAP = 1e-5
# Two plans closer than this in CO2e (t) and system cost (yuan) are the same point of the front.
CO2E_TOL_T = 0.5
COST_TOL_YUAN = 1.0
# Headroom over the probe's CO2e for the low end's cap, so rounding cannot make it infeasible.
CAP_HEADROOM_T = 1.0
SINGLE_THREAD = "solver.threads=1"
TORNADO_SPREAD = 0.2


@dataclass(frozen=True)
class Param:
    """A parameter that sensitivity and tornado runs vary.

    Attributes
    ----------
    key
        The config key path the values are written to (as with ``--set``).
    scaled
        The value multiplies every number under ``key`` (a table such as the grid factors)
        instead of replacing it; 1 is the scenario as it is.
    meaning
        What a value means, for help texts.
    """

    key: str
    scaled: bool = False
    meaning: str = ""


PARAM_ALIASES: dict[str, Param] = {
    "diesel_price": Param("trucks.diesel.fuel_price_yuan_per_l", meaning="diesel price, yuan/L"),
    "electricity_price": Param(
        "trucks.bet.electricity_price_yuan_per_kwh",
        meaning="battery-electric truck electricity price, yuan/kWh (rail's traction power is in its tariff)",
    ),
    "rail_tariff": Param("rail.tariffs", scaled=True, meaning="multiplier of the rail tariff (基价1 and 基价2)"),
    "carbon_price": Param("prices.carbon_yuan_per_t_co2e", meaning="carbon price, yuan per t CO2e"),
    "grid_factor": Param("emissions.grid_kg_per_kwh", scaled=True, meaning="multiplier of every grid emission factor"),
    "demand_growth": Param("demand.factor", meaning="multiplier of every node's demand"),
}

# Numeric columns of a summary row (see :func:`summarise`); tornado metrics are chosen from these.
METRICS = (
    "system_cost_yuan",
    "cost_yuan",
    "cost_yuan_per_t",
    "natural_cost_yuan",
    "penalty_cost_yuan",
    "carbon_cost_yuan",
    "co2e_t",
    "co2e_kg_per_t",
    "nox_t",
    "pm_t",
    "substitution_mt",
    "natural_mt",
    "unmet_mt",
    "rail_share_t",
    "rail_share_tkm",
    "trains_per_day",
    "truck_trips_per_day",
)
CHAIN_COLUMNS = tuple(f"mt_{c}" for c in CHAINS)


@dataclass(frozen=True)
class Variant:
    """One solve of a sweep: the scenario file, every override in order, and the year reported."""

    config: str
    overrides: tuple[str, ...]
    year: int


@dataclass(frozen=True)
class ParetoFront:
    """A cost-CO2e Pareto front of one year.

    Attributes
    ----------
    year
        The year planned.
    points
        One row per solve, loosest cap first: ``point``, ``kind`` (``min_cost``, ``cap`` or
        ``min_co2e``), ``cap_kt`` (NaN without a cap), ``on_front`` (feasible and no other
        point has both less CO2e and less cost), ``mac_yuan_per_t`` (marginal abatement cost
        from the previous point on the front: extra system cost per t CO2e less; NaN for the
        first and off the front) and the figures of :func:`summarise`.
    """

    year: int
    points: pd.DataFrame

    @property
    def front(self) -> pd.DataFrame:
        """The points on the front, CO2e decreasing and system cost increasing."""
        front = self.points[self.points["on_front"]]
        return front.sort_values("co2e_t", ascending=False, kind="mergesort").reset_index(drop=True)


# -- one variant -----------------------------------------------------------------------------


def solve_variant(variant: Variant) -> dict:
    """Load, solve and summarise one variant (run in a worker process).

    Returns
    -------
    dict
        :func:`summarise`'s row, or for a scenario with no plan a row with ``status``
        ``infeasible``, the reasons in ``message`` and NaN figures.
    """
    from aggregates import api  # imported here: a spawned worker needs only this

    started = time.perf_counter()
    try:
        result = api.optimize(api.load_inputs(variant.config, list(variant.overrides)))
    except InfeasibleError as exc:
        return {**_empty_row(variant.year), "message": exc.message, "seconds": round(time.perf_counter() - started, 2)}
    return {**summarise(result, variant.year), "seconds": round(time.perf_counter() - started, 2)}


def summarise(result: Optimized, year: int) -> dict:
    """One year of an optimisation run as a flat row of figures.

    Parameters
    ----------
    result
        An :class:`aggregates.api.Optimized`.
    year
        One of the run's years.

    Returns
    -------
    dict
        ``year``, ``status``, ``message`` (empty), ``mip_gap``, the :data:`METRICS` (yuan,
        t CO2e, t NOx and PM, Mt), tonnes per chain ``mt_<chain>`` and
        ``cap_shadow_price_yuan_per_t`` (what one more t CO2e under the year's emissions cap
        would save; NaN without a cap or shadow prices).
    """
    kpis = result.plan.kpis
    k = kpis["years"][str(year)]
    problem, solution = result.instance.problem, result.solution
    t = problem.years.index(year)
    penalty = float(solution.unmet[:, :, t].sum()) * problem.unmet_penalty
    if solution.shortfall is not None:
        penalty += float(solution.shortfall[t]) * problem.shortfall_penalty
    penalty = round(penalty * 1e6)  # Mt x yuan/t
    capped = math.isfinite(float(problem.emissions_cap[t])) and solution.duals is not None
    return {
        "year": year,
        "status": kpis["status"],
        "message": "",
        "mip_gap": kpis["mip_gap"],
        "system_cost_yuan": k["cost_yuan"] + k["natural_cost_yuan"] + penalty,
        "penalty_cost_yuan": penalty,
        **{m: k[m] for m in METRICS if m in k},
        **{f"mt_{c}": k["by_chain_mt"].get(c, 0.0) for c in CHAINS},
        "cap_shadow_price_yuan_per_t": round(float(solution.duals.emissions_cap[t]), 4) if capped else math.nan,
    }


def _empty_row(year: int) -> dict:
    return {
        "year": year,
        "status": "infeasible",
        "message": "",
        "mip_gap": math.nan,
        **dict.fromkeys(METRICS, math.nan),
        **dict.fromkeys(CHAIN_COLUMNS, math.nan),
        "cap_shadow_price_yuan_per_t": math.nan,
    }


@contextmanager
def variant_pool(workers: int | None, tasks: int) -> Iterator[Executor | None]:
    """Worker processes for up to ``tasks`` solves at a time (default: one per core); None for just one.

    One pool can serve several :func:`solve_in` calls, so its workers start only once.
    """
    workers = max(1, min(workers or os.cpu_count() or 1, tasks))
    if workers == 1:
        yield None
        return
    # spawn, not fork: a forked worker would inherit the solver's and the caller's threads.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def run_variants(
    variants: Sequence[Variant],
    *,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Solve variants, ``workers`` at a time, and return their rows in the order given.

    Parameters
    ----------
    variants
        What to solve.
    workers
        Worker processes; default one per core, at most one per variant. With 1, everything
        runs in this process.
    on_done
        Called with (variants done, variants in all) as each finishes (progress displays).
    """
    with variant_pool(workers, len(variants)) as pool:
        return solve_in(pool, variants, on_done)


def solve_in(
    pool: Executor | None, variants: Sequence[Variant], on_done: Callable[[int, int], None] | None = None
) -> list[dict]:
    """Solve variants in ``pool`` (None: in this process); rows in the order given, whatever order they finish in."""
    total = len(variants)
    report = on_done or (lambda _done, _total: None)
    if pool is None:
        rows = []
        for variant in variants:
            rows.append(solve_variant(variant))
            report(len(rows), total)
        return rows
    futures = {pool.submit(solve_variant, v): i for i, v in enumerate(variants)}
    done: dict[int, dict] = {}
    for future in as_completed(futures):
        done[futures[future]] = future.result()
        report(len(done), total)
    return [done[i] for i in range(total)]


# -- choosing the year and the parameter -------------------------------------------------------


def pick_year(scenario: Scenario, year: int | None = None) -> int:
    """The year an analysis reports: ``year`` if given, else the first with a target, else the first.

    Raises
    ------
    InputError
        When ``year`` is not one of the scenario's years.
    """
    if year is not None:
        if year not in scenario.years:
            raise InputError(
                f"{scenario.source_file}: year {year} is not planned; the scenario's years are "
                f"{', '.join(map(str, scenario.years))} (or add it: --set years=[{year}])"
            )
        return year
    targeted = [y for y in scenario.years if scenario.target.for_year(y) > 0]
    return (targeted or scenario.years)[0]


def resolve_param(name: str, scenario: Scenario) -> Param:
    """The parameter an alias or a config key path names.

    Parameters
    ----------
    name
        An alias of :data:`PARAM_ALIASES` or a key path such as ``rail.speed_kmh``. A key
        holding a table of numbers (``rail.tariffs``, ``prices.natural_yuan_per_t``) is
        scaled by the values; any other key takes them as they are.
    scenario
        The scenario whose keys are checked.

    Raises
    ------
    InputError
        For a name that is neither an alias nor a key of the scenario.
    """
    if name in PARAM_ALIASES:
        return PARAM_ALIASES[name]
    found, value = _lookup(scenario.model_dump(), name.split("."))
    if not found:
        raise InputError(
            f"--param '{name}': not a parameter: use one of {', '.join(PARAM_ALIASES)} or a config key "
            "path such as trucks.diesel.fuel_price_yuan_per_l (see the config reference in README)"
        )
    return Param(name, scaled=isinstance(value, Mapping) and _has_numbers(value))


# Mappings whose keys the user chooses; a key not in them yet may still be set (``demand.by_city.Tianjin``).
FREE_MAPPINGS = ("demand.by_city", "demand.by_node", "target.by_year", "prices.natural_yuan_per_t")


def _lookup(data: Mapping, path: list[str]) -> tuple[bool, object]:
    """(whether ``path`` names a key of ``data``, its value or None)."""
    if len(path) > 1 and ".".join(path[:-1]) in FREE_MAPPINGS:
        found, table = _lookup(data, path[:-1])
        keys = {str(k): k for k in table} if isinstance(table, Mapping) else {}
        return found, table[keys[path[-1]]] if path[-1] in keys else None
    node: object = data
    for part in path:
        keys = {str(k): k for k in node} if isinstance(node, Mapping) else {}
        if part not in keys:
            return False, None
        node = node[keys[part]]
    return True, node


def _has_numbers(value: object) -> bool:
    if isinstance(value, Mapping):
        return any(_has_numbers(v) for v in value.values())
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scaled(value: object, factor: float) -> object:
    if isinstance(value, Mapping):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value * factor
    return value


def yaml_text(value: object) -> str:
    """``value`` as one line of YAML that :func:`aggregates.config.load_scenario` reads back as ``value``."""
    return (
        yaml.safe_dump(value, default_flow_style=True, width=1_000_000, allow_unicode=True)
        .removesuffix("\n...\n")
        .strip()
    )


def parse_values(text: str) -> list:
    """Comma-separated values as the CLI gives them (``"0,100,2.5e2"``): numbers, else read as YAML.

    Raises
    ------
    InputError
        When no value is given, or one is not valid YAML.
    """
    values = [_read_value(part.strip(), text) for part in text.split(",") if part.strip()]
    if not values:
        raise InputError(f"--values '{text}': expected comma-separated values, e.g. --values 0,100,200")
    return values


def _read_value(part: str, text: str) -> object:
    # Numbers first: YAML 1.1 reads "2.5e2" as text.
    for number in (int, float):
        try:
            return number(part)
        except ValueError:
            pass
    try:
        return yaml.safe_load(part)
    except yaml.YAMLError:
        raise InputError(f"--values '{text}': cannot read '{part}' as a value") from None


def parse_ranges(texts: Sequence[str]) -> dict[str, tuple]:
    """Tornado ranges as the CLI gives them (``["diesel_price=6.5,8.5", ...]``): parameter -> (low, high).

    Raises
    ------
    InputError
        For a text that is not ``PARAM=LOW,HIGH``.
    """
    ranges = {}
    for text in texts:
        name, sep, ends = text.partition("=")
        values = parse_values(ends) if sep and ends.strip() else []
        if not name.strip() or len(values) != 2:
            raise InputError(f"--range '{text}': expected PARAM=LOW,HIGH, e.g. --range diesel_price=6.5,8.5")
        ranges[name.strip()] = tuple(values)
    return ranges


def param_override(param: Param, value: object, scenario: Scenario) -> str:
    """The ``key.path=value`` override that sets ``param`` to ``value`` in ``scenario``.

    Raises
    ------
    InputError
        When a scaled parameter gets something other than a number.
    """
    if not param.scaled:
        return f"{param.key}={yaml_text(value)}"
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise InputError(
            f"{param.key}: the values multiply the scenario's table, so each must be a number >= 0; got {value!r}"
        )
    _, table = _lookup(scenario.model_dump(), param.key.split("."))
    return f"{param.key}={yaml_text(_scaled(table, float(value)))}"


def _checked_overrides(config: str | Path, overrides: list[str]) -> list[str]:
    """``overrides``, after checking that the scenario they make loads (bad values fail here, not in a worker)."""
    load_scenario(config, overrides)
    return overrides


# -- Pareto front ------------------------------------------------------------------------------


def pareto_front(
    config: str | Path,
    overrides: list[str] | None = None,
    *,
    points: int = 6,
    year: int | None = None,
    caps_kt: Sequence[float] | None = None,
    relative_gap: float | None = PARETO_GAP,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> ParetoFront:
    """The cost-CO2e Pareto front of one year by the epsilon-constraint method.

    Parameters
    ----------
    config
        Scenario YAML file.
    overrides
        ``key.path=value`` strings applied to it first.
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

    Returns
    -------
    ParetoFront

    Raises
    ------
    InputError
        Fewer than 2 points, a year not planned, caps that are not positive numbers.
    InfeasibleError
        When the scenario itself (no cap) has no plan in that year.
    """
    overrides = list(overrides or [])
    scenario = load_scenario(config, overrides)
    year = pick_year(scenario, year)
    if caps_kt is None and points < 2:
        raise InputError(f"--points must be at least 2 (the two ends of the front), got {points}")
    caps = _checked_caps(caps_kt)
    base = [*overrides, *_pareto_overrides(year, relative_gap)]
    _checked_overrides(config, base)
    config = str(config)
    probe = f"prices.carbon_yuan_per_t_co2e={PROBE_CARBON_PRICE:.0f}"
    with variant_pool(workers, max(2, len(caps) + 1 if caps is not None else points - 1)) as pool:
        ends = [Variant(config, tuple(base), year), Variant(config, (*base, probe), year)]
        cheapest, greenest = solve_in(pool, ends, on_done)
        for row in (cheapest, greenest):
            if row["status"] == "infeasible":
                raise InfeasibleError(row["message"])
        tasks = _cap_tasks(cheapest["co2e_t"], greenest["co2e_t"], points, caps)
        capped = [(*base, f"policies.emissions_cap_kt_co2e={yaml_text({year: cap})}") for _, cap in tasks]
        rows = solve_in(pool, [Variant(config, o, year) for o in capped], on_done)
    table = pd.DataFrame(
        [
            {"kind": "min_cost", "cap_kt": math.nan, **cheapest},
            *({"kind": kind, "cap_kt": cap, **row} for (kind, cap), row in zip(tasks, rows, strict=True)),
        ]
    )
    return ParetoFront(year, _with_front(table))


def _cap_tasks(high: float, low: float, points: int, caps: list[float] | None) -> list[tuple[str, float]]:
    """(kind, cap in kt) of the capped solves, loosest first: the low end and the caps between.

    ``high`` and ``low`` are the CO2e (t) of the min-cost plan and the least reachable.
    """
    log.info("pareto: CO2e from %.1f t (min cost) down to %.1f t (least reachable)", high, low)
    if high - low <= CO2E_TOL_T:
        return [("cap", c) for c in sorted(caps or [], reverse=True)]
    between = caps if caps is not None else list(np.linspace(high, low, points)[1:-1] / 1000.0)
    # Caps to 0.1 t (4 decimals of kt), as CO2e is reported, so the files show the caps the solver got.
    floor = round((low + CAP_HEADROOM_T) / 1000.0, 4)
    tasks = [("min_co2e", floor), *(("cap", round(float(c), 4)) for c in between)]
    return sorted(tasks, key=lambda task: -task[1])


def _pareto_overrides(year: int, relative_gap: float | None) -> list[str]:
    fixed = [
        f"years=[{year}]",
        "prices.carbon_yuan_per_t_co2e=0",
        "policies.emissions_cap_kt_co2e=null",
        SINGLE_THREAD,
    ]
    return fixed + ([f"solver.relative_gap={yaml_text(float(relative_gap))}"] if relative_gap is not None else [])


def _checked_caps(caps_kt: Sequence[float] | None) -> list[float] | None:
    if caps_kt is None:
        return None
    bad = [c for c in caps_kt if not isinstance(c, int | float) or isinstance(c, bool) or not c > 0]
    if bad or not caps_kt:
        raise InputError(f"--caps: expected positive numbers of kt CO2e, e.g. --caps 900,1000; got {list(caps_kt)}")
    return [float(c) for c in caps_kt]


def _with_front(table: pd.DataFrame) -> pd.DataFrame:
    """Number the points, flag those on the front and add the marginal abatement cost between them."""
    table = table.reset_index(drop=True)
    table.insert(0, "point", range(len(table)))
    feasible = table["status"] != "infeasible"
    co2e, cost = table["co2e_t"].to_numpy(float), table["system_cost_yuan"].to_numpy(float)
    on_front = np.zeros(len(table), dtype=bool)
    for i in np.nonzero(feasible.to_numpy())[0]:
        others = feasible.to_numpy() & (np.arange(len(table)) != i)
        no_worse = others & (co2e <= co2e[i] + CO2E_TOL_T) & (cost <= cost[i] + COST_TOL_YUAN)
        better = (co2e < co2e[i] - CO2E_TOL_T) | (cost < cost[i] - COST_TOL_YUAN)
        duplicate_before = no_worse & ~better & (np.arange(len(table)) < i)
        on_front[i] = not (no_worse & better).any() and not duplicate_before.any()
    table["on_front"] = on_front
    mac = np.full(len(table), math.nan)
    front = [i for i in np.argsort(-co2e, kind="stable") if on_front[i]]
    for prev, cur in itertools.pairwise(front):
        mac[cur] = (cost[cur] - cost[prev]) / (co2e[prev] - co2e[cur])
    table["mac_yuan_per_t"] = np.round(mac, 2)
    if (feasible & ~table["on_front"]).any():
        log.info("pareto: %d point(s) dominated by another solve's plan", int((feasible & ~table["on_front"]).sum()))
    return table


# -- sensitivity and tornado -------------------------------------------------------------------


def sensitivity(
    config: str | Path,
    overrides: list[str] | None = None,
    *,
    param: str,
    values: Sequence,
    year: int | None = None,
    single_year: bool = False,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """How a plan responds to one parameter: one solve per value.

    Parameters
    ----------
    config
        Scenario YAML file.
    overrides
        ``key.path=value`` strings applied to it first.
    param
        An alias of :data:`PARAM_ALIASES` or a config key path (see :func:`resolve_param`).
    values
        The values to solve, in order (for a scaled parameter, multipliers of the table).
    year
        The year reported (default: the first with a target).
    single_year
        Plan only that year (``years=[Y]``; about 10x faster on the default region) instead
        of the scenario's whole horizon.
    workers
        Worker processes (default: one per core, at most one per value).
    on_done
        Progress: called with (solves done, solves in all).

    Returns
    -------
    pandas.DataFrame
        One row per value, in the order given: ``param``, ``key``, ``value`` and
        :func:`summarise`'s figures for ``year``.

    Raises
    ------
    InputError
        An unknown parameter, no values, or a value the scenario does not accept.
    """
    overrides = list(overrides or [])
    scenario = load_scenario(config, overrides)
    year = pick_year(scenario, year)
    p = resolve_param(param, scenario)
    values = list(values)
    if not values:
        raise InputError(f"--values: give at least one value of {param}")
    base = [*overrides, *([f"years=[{year}]"] if single_year else []), SINGLE_THREAD]
    variants = [
        Variant(str(config), tuple(_checked_overrides(config, [*base, param_override(p, v, scenario)])), year)
        for v in values
    ]
    rows = run_variants(variants, workers=workers, on_done=on_done)
    return pd.DataFrame(
        [{"param": param, "key": p.key, "value": v, **row} for v, row in zip(values, rows, strict=True)]
    )


def default_ranges(scenario: Scenario, spread: float = TORNADO_SPREAD) -> dict[str, tuple[float, float]]:
    """Low and high values of every alias for a tornado: the scenario's value -/+ ``spread``.

    A scaled parameter gets 1 -/+ ``spread``; a parameter at 0 (the carbon price by default)
    gets 0 and 200 yuan per t CO2e (``configs/carbon-price.yaml``'s price).
    """
    dump = scenario.model_dump()
    ranges = {}
    for name, p in PARAM_ALIASES.items():
        now = 1.0 if p.scaled else _lookup(dump, p.key.split("."))[1]
        if not isinstance(now, int | float) or now == 0:
            ranges[name] = (0.0, 200.0)
        else:
            ranges[name] = (round(now * (1 - spread), 6), round(now * (1 + spread), 6))
    return ranges


def tornado(
    config: str | Path,
    overrides: list[str] | None = None,
    *,
    params: Mapping[str, tuple] | None = None,
    metric: str = "system_cost_yuan",
    year: int | None = None,
    single_year: bool = False,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """How far one figure moves when each parameter goes to its low and its high value.

    Parameters
    ----------
    config, overrides
        The scenario, as for :func:`sensitivity`.
    params
        Parameter (alias or key path) -> (low, high); default :func:`default_ranges`.
    metric
        The figure compared, one of :data:`METRICS`.
    year, single_year, workers, on_done
        As for :func:`sensitivity`.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, widest swing first: ``param``, ``key``, ``low``, ``high``,
        ``metric``, ``base``, ``at_low``, ``at_high`` (the metric in the base run and at
        each end; NaN where that run has no plan), ``delta_low``, ``delta_high`` (from the
        base), ``swing`` (largest less smallest of the three, over those with a plan),
        ``status_low``, ``status_high``.

    Raises
    ------
    InputError
        An unknown metric or parameter, or a range that is not two values.
    """
    if metric not in METRICS:
        raise InputError(f"--metric '{metric}': not a figure of the plan; use one of {', '.join(METRICS)}")
    overrides = list(overrides or [])
    scenario = load_scenario(config, overrides)
    year = pick_year(scenario, year)
    params = dict(params if params is not None else default_ranges(scenario))
    if not params:
        raise InputError("tornado: give at least one parameter with its low and high values")
    base = [*overrides, *([f"years=[{year}]"] if single_year else []), SINGLE_THREAD]
    variants = [Variant(str(config), tuple(_checked_overrides(config, base)), year)]
    for name, ends in params.items():
        if not isinstance(ends, Sequence) or isinstance(ends, str) or len(ends) != 2:
            raise InputError(f"tornado: {name} needs (low, high), got {ends!r}")
        p = resolve_param(name, scenario)
        for value in ends:
            variants.append(
                Variant(
                    str(config), tuple(_checked_overrides(config, [*base, param_override(p, value, scenario)])), year
                )
            )
    rows = run_variants(variants, workers=workers, on_done=on_done)
    return _tornado_table(params, scenario, rows, metric)


def _tornado_table(params: Mapping[str, tuple], scenario: Scenario, rows: list[dict], metric: str) -> pd.DataFrame:
    base = rows[0][metric]
    out = []
    for i, (name, (low, high)) in enumerate(params.items()):
        at_low, at_high = rows[1 + 2 * i], rows[2 + 2 * i]
        seen = np.array([base, at_low[metric], at_high[metric]], dtype=float)
        out.append(
            {
                "param": name,
                "key": resolve_param(name, scenario).key,
                "low": low,
                "high": high,
                "metric": metric,
                "base": base,
                "at_low": at_low[metric],
                "at_high": at_high[metric],
                "delta_low": at_low[metric] - base,
                "delta_high": at_high[metric] - base,
                "swing": float(np.nanmax(seen) - np.nanmin(seen)) if not np.isnan(seen).all() else math.nan,
                "status_low": at_low["status"],
                "status_high": at_high["status"],
            }
        )
    table = pd.DataFrame(out)
    order = table.assign(_swing=table["swing"].fillna(math.inf)).sort_values(
        ["_swing", "param"], ascending=[False, True], kind="mergesort"
    )
    return order.drop(columns="_swing").reset_index(drop=True)


# -- writing -----------------------------------------------------------------------------------

TABLE_FILES = {"pareto": "points.csv", "sensitivity": "sensitivity.csv", "tornado": "tornado.csv"}
# Wall-clock seconds differ from run to run; the files keep only what the same inputs always give.
VOLATILE = ("seconds",)


def json_records(table: pd.DataFrame) -> list[dict]:
    """A sweep table as JSON-ready rows (NaN as None, no timings)."""
    clean = table.drop(columns=[c for c in VOLATILE if c in table]).astype(object)
    return clean.where(clean.notna(), None).to_dict(orient="records")


def write_sweep(
    out_dir: str | Path,
    *,
    pareto: ParetoFront | None = None,
    sensitivity: pd.DataFrame | None = None,
    tornado: pd.DataFrame | None = None,
    lang: str = "zh",
    charts: bool = True,
) -> list[Path]:
    """Write the tables given (``points.csv``, ``sensitivity.csv``, ``tornado.csv``) and their charts.

    The files go to a temporary sibling folder that replaces ``out_dir`` only when all are
    written, so a failure leaves an earlier ``out_dir`` as it was.

    Parameters
    ----------
    out_dir
        The folder; replaced as a whole if it exists.
    pareto, sensitivity, tornado
        What :func:`pareto_front`, :func:`sensitivity` and :func:`tornado` returned.
    lang
        Language of the charts, ``zh`` or ``en``.
    charts
        Also write ``charts/<name>.png`` and ``.html``
        (:func:`aggregates.viz.tradeoff_charts.write_tradeoff_charts`).

    Returns
    -------
    list of Path
        The files written, as they lie in ``out_dir``.
    """
    from aggregates.outputs import atomic_folder
    from aggregates.viz.tradeoff_charts import write_tradeoff_charts

    out_dir = Path(out_dir)
    tables = {"pareto": pareto.points if pareto else None, "sensitivity": sensitivity, "tornado": tornado}
    tables = {name: table for name, table in tables.items() if table is not None}
    written = []
    with atomic_folder(out_dir) as tmp:
        for name, table in tables.items():
            path = tmp / TABLE_FILES[name]
            table.drop(columns=[c for c in VOLATILE if c in table]).to_csv(path, index=False, lineterminator="\n")
            written.append(path)
        if charts:
            written += write_tradeoff_charts(tmp, **tables, lang=lang, year=pareto.year if pareto else None)
    log.info("sweep: %d files written to %s", len(written), out_dir)
    return [out_dir / p.relative_to(tmp) for p in written]
