"""Risk of a plan: its build decisions fixed, its operations re-solved in many futures (``aggregates risk``).

*evaluate* takes the bases' levels of a plan (a run folder, or the scenario's own solve), fixes
them (``infrastructure.base_levels``), draws futures from the scenario's ``uncertainty`` section
(:func:`aggregates.config.draw_samples`) and solves the flows of one year in each: the target is
soft and unmet demand priced, so every future has figures. The distribution of cost, CO2e,
substitution and unmet demand, the probability of meeting the target and how often each resource
binds come out as typed results; :func:`write_risk` writes them.

*plan* (a two-stage stochastic plan) lives in :mod:`aggregates.sweep.stochastic`; :func:`plan_mode`
is where the command reaches it.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aggregates.config import Sample, Scenario, draw_samples
from aggregates.errors import InfeasibleError, InputError
from aggregates.files import atomic_folder, write_text
from aggregates.pipeline import read_run, solve
from aggregates.plan import Plan
from aggregates.sweep.executors import map_in_order, process_cache, worker_pool
from aggregates.viz.charts import write_risk_charts

log = logging.getLogger(__name__)

MODES = ("evaluate", "plan", "both")
# The figures whose distribution is reported, with their units.
RISK_METRICS = {
    "system_cost_yuan": "yuan",
    "co2e_t": "t CO2e",
    "substitution_mt": "Mt",
    "unmet_mt": "Mt",
    "natural_mt": "Mt",
    "rail_share_t": "share",
}
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}
TARGET_TOLERANCE_MT = 1e-6
SUMMARY_DECIMALS = 6  # the figures are rounded to 4 decimals or fewer; a mean carries float noise beyond


@dataclass(frozen=True)
class Outcome:
    """One future solved with the build decisions fixed.

    Attributes
    ----------
    status
        The solver's status, or ``infeasible`` (``message`` says why; the figures are NaN).
    figures
        The :data:`RISK_METRICS` of the year (yuan, t CO2e, Mt, share of tonnes by rail).
    target_mt
        The year's substitution target.
    binding
        Resources used to 99 % or more (ids), most valuable first.
    seconds
        Time of the solve (not written: it differs run to run).
    """

    status: str
    figures: dict[str, float]
    target_mt: float
    binding: tuple[str, ...]
    seconds: float
    message: str = ""

    @property
    def target_met(self) -> bool:
        """Whether substitution reached the target (False without a plan)."""
        value = self.figures.get("substitution_mt", math.nan)
        return not math.isnan(value) and value >= self.target_mt - TARGET_TOLERANCE_MT


@dataclass(frozen=True)
class RiskTask:
    """What a worker solves: one future of the year (picklable)."""

    sample: Sample
    year: int


@dataclass(frozen=True)
class RiskEvaluation:
    """The fixed plan's figures across the futures.

    Attributes
    ----------
    scenario, year
        The scenario as given and the year evaluated.
    plan_source
        Where the build decisions came from: a run folder, or ``scenario`` (its own solve).
    levels
        The fixed levels of that year by base (-1 closed).
    samples, outcomes
        The futures and their solves, in draw order.
    seed
        Seed of the draws.
    """

    scenario: Scenario
    year: int
    plan_source: str
    levels: dict[str, int]
    samples: list[Sample]
    outcomes: list[Outcome]
    seed: int
    resources: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def probabilities(self) -> np.ndarray:
        """(N,) weight of each future."""
        return np.array([s.probability for s in self.samples])

    @property
    def probability_target_met(self) -> float:
        """Probability that substitution reaches the year's target."""
        met = np.array([o.target_met for o in self.outcomes], float)
        return round(float(met @ self.probabilities), SUMMARY_DECIMALS)

    def samples_table(self) -> pd.DataFrame:
        """One row per future: label, probability, the factors drawn, status and figures (``samples.csv``)."""
        rows = []
        for s, o in zip(self.samples, self.outcomes, strict=True):
            changed = s.factors or {f"set.{k}": v for k, v in s.values.items()}
            rows.append(
                {
                    "sample": s.label,
                    "probability": s.probability,
                    **changed,
                    "status": o.status,
                    **o.figures,
                    "target_mt": o.target_mt,
                    "target_met": o.target_met,
                    "binding": ";".join(o.binding),
                    "message": o.message,
                }
            )
        return pd.DataFrame(rows)

    def summary_table(self) -> pd.DataFrame:
        """Per figure: unit, mean, P5, P50, P95, least and most over the futures with a plan (``risk_summary.csv``).

        Percentiles are of the probability-weighted distribution (inverted CDF: the least value whose
        cumulative probability reaches the level), so equal-weight draws and discrete futures read alike.
        The last row is ``target_met``, whose mean is the probability of meeting the target.
        """
        table = self.samples_table()
        weights = self.probabilities
        rows = []
        for metric, unit_name in RISK_METRICS.items():
            values = table[metric].to_numpy(float)
            rows.append({"metric": metric, "unit": unit_name, **distribution(values, weights)})
        met = table["target_met"].to_numpy(float)
        rows.append({"metric": "target_met", "unit": "probability", **distribution(met, weights)})
        return pd.DataFrame(rows)

    def binding_table(self) -> pd.DataFrame:
        """Per resource that binds in at least one future: in how many and with what probability (``binding.csv``)."""
        counts: dict[str, list[float]] = {}
        for s, o in zip(self.samples, self.outcomes, strict=True):
            for resource in o.binding:
                counts.setdefault(resource, []).append(s.probability)
        names = self.resources.set_index("resource") if len(self.resources) else pd.DataFrame()
        rows = [
            {
                "resource": r,
                "kind": names["kind"].get(r, "") if len(names) else "",
                "name": names["name"].get(r, "") if len(names) else "",
                "samples_binding": len(p),
                "probability": round(sum(p), 10),
            }
            for r, p in counts.items()
        ]
        columns = ["resource", "kind", "name", "samples_binding", "probability"]
        table = pd.DataFrame(rows, columns=columns)
        return table.sort_values(["probability", "resource"], ascending=[False, True], kind="mergesort").reset_index(
            drop=True
        )

    def to_json(self) -> dict:
        """The contents of ``risk.json``."""
        summary = self.summary_table().set_index("metric")
        return {
            "scenario": self.scenario.name,
            "mode": "evaluate",
            "year": self.year,
            "samples": len(self.samples),
            "seed": self.seed,
            "discrete": bool(self.scenario.uncertainty.scenarios),
            "plan_source": self.plan_source,
            "fixed_levels": self.levels,
            "target_mt": self.outcomes[0].target_mt if self.outcomes else math.nan,
            "probability_target_met": self.probability_target_met,
            "samples_without_plan": sum(o.status == "infeasible" for o in self.outcomes),
            "metrics": {
                m: {k: summary.loc[m, k] for k in ("unit", "mean", *QUANTILES, "min", "max")} for m in RISK_METRICS
            },
            "binding": self.binding_table().to_dict("records"),
        }


def distribution(values: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """Mean, P5, P50, P95, least and most of ``values`` weighted by ``weights``, NaN values left out."""
    keep = ~np.isnan(values)
    values, weights = values[keep], weights[keep]
    if not len(values):
        return {"mean": math.nan, **dict.fromkeys(QUANTILES, math.nan), "min": math.nan, "max": math.nan}
    weights = weights / weights.sum()
    order = np.argsort(values, kind="mergesort")
    cumulative = np.cumsum(weights[order])
    quantile = {k: float(values[order][np.searchsorted(cumulative, q - 1e-12)]) for k, q in QUANTILES.items()}
    out = {"mean": float(values @ weights), **quantile, "min": float(values.min()), "max": float(values.max())}
    return {k: round(v, SUMMARY_DECIMALS) for k, v in out.items()}


def evaluate(
    scenario: Scenario,
    *,
    samples: int | None = 20,
    seed: int | None = None,
    plan: str | Path | None = None,
    year: int | None = None,
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
) -> RiskEvaluation:
    """Fix a plan's build decisions and solve the operations of one year in each drawn future.

    Parameters
    ----------
    scenario
        The scenario (``--set`` applied) with its ``uncertainty`` section.
    samples
        Number of futures drawn (None with discrete futures: each listed one).
    seed
        Seed of the draws (default ``uncertainty.seed``).
    plan
        A run folder of ``aggregates optimize`` whose bases' levels are fixed; None: the scenario's
        own plan (solved here over its years first).
    year
        The year evaluated (default: the first with a target).
    workers, on_done
        Worker processes (default: one per core), and progress: (solves done, solves in all).
    cluster
        A Dask cluster to solve on (``local``, ``local:N``, ``tcp://HOST:PORT``); the futures are drawn
        here, so they are the same on any cluster.

    Returns
    -------
    RiskEvaluation

    Raises
    ------
    InputError
        A plan folder that cannot be read or lacks the year, or a bad number of samples or seed.
    InfeasibleError
        When the scenario's own solve (no ``plan``) has no plan.
    """
    year = scenario.headline_year(year)
    levels, source = plan_levels(scenario, plan, year)
    base = fixed_scenario(scenario, levels, year)
    drawn = draw_samples(base, samples, seed)
    tasks = [RiskTask(s, year) for s in drawn]
    with worker_pool(workers, len(tasks), cluster=cluster, scenarios=[base]) as pool:
        solved = map_in_order(pool, evaluate_sample, tasks, on_done)
    outcomes = [o for o, _ in solved]
    resources = next((r for _, r in solved if len(r)), pd.DataFrame())
    used_seed = scenario.uncertainty.seed if seed is None else seed
    return RiskEvaluation(scenario, year, source, levels, drawn, outcomes, used_seed, resources)


def plan_levels(scenario: Scenario, plan: str | Path | None, year: int) -> tuple[dict[str, int], str]:
    """The bases' levels in ``year`` of a run folder's plan, or of the scenario's own solve; and where from."""
    if plan is not None:
        found: Plan = read_run(plan).plan
        found.year(year)  # an InputError naming the plan's years when it lacks this one
        return _levels_of(found, year), str(plan)
    log.info("risk: solving %s for the build decisions to fix", scenario.name)
    return _levels_of(solve(scenario, cache=process_cache()).plan, year), "scenario"


def _levels_of(plan: Plan, year: int) -> dict[str, int]:
    rows = plan.bases[plan.bases["year"] == year]
    return {str(b): int(lv) for b, lv in zip(rows["base"], rows["level"], strict=True)}


def fixed_scenario(scenario: Scenario, levels: dict[str, int], year: int) -> Scenario:
    """The scenario every future changes: ``year`` alone, the levels fixed, the target soft, one solver thread."""
    return scenario.with_values(
        {
            "years": [year],
            "outputs.year": None,  # the one year planned
            "infrastructure.base_levels": levels,
            "target.hard": False,
            "solver.threads": 1,
        }
    )


def evaluate_sample(task: RiskTask) -> tuple[Outcome, pd.DataFrame]:
    """Solve one future; its outcome and the resources table (ids, kinds, names) of the year."""
    started = time.perf_counter()
    scenario = task.sample.scenario
    target = scenario.target.for_year(task.year)
    try:
        result = solve(scenario, cache=process_cache())
    except InfeasibleError as exc:
        figures = dict.fromkeys(RISK_METRICS, math.nan)
        return Outcome("infeasible", figures, target, (), time.perf_counter() - started, exc.message), pd.DataFrame()
    plan = result.plan
    k = plan.year(task.year)
    figures = {
        "system_cost_yuan": float(plan.system_cost(task.year)),
        "co2e_t": float(k.co2e_t),
        "substitution_mt": float(k.substitution_mt),
        "unmet_mt": float(k.unmet_mt),
        "natural_mt": float(k.natural_mt),
        "rail_share_t": float(k.rail_share_t),
    }
    binding = tuple(str(r) for r in plan.binding_resources(task.year)["resource"])
    resources = plan.resources[plan.resources["year"] == task.year][["resource", "kind", "name"]]
    outcome = Outcome(plan.solve.status, figures, target, binding, time.perf_counter() - started)
    return outcome, resources.reset_index(drop=True)


# --- writing -------------------------------------------------------------------------------------------------------


RISK_FILES = ("samples.csv", "risk_summary.csv", "binding.csv", "risk.json")


def write_risk(out_dir: str | Path, evaluation: RiskEvaluation, *, lang: str = "zh", charts: bool = True) -> list[Path]:
    """Write ``samples.csv``, ``risk_summary.csv``, ``binding.csv``, ``risk.json`` and the charts, all at once.

    The files go to a temporary sibling folder that replaces ``out_dir`` only when all are written.

    Returns
    -------
    list of Path
        The files written, as they lie in ``out_dir``.
    """
    out_dir = Path(out_dir)
    tables = {
        "samples.csv": evaluation.samples_table(),
        "risk_summary.csv": evaluation.summary_table(),
        "binding.csv": evaluation.binding_table(),
    }
    written = []
    with atomic_folder(out_dir) as tmp:
        for name, table in tables.items():
            table.to_csv(tmp / name, index=False, lineterminator="\n")
            written.append(tmp / name)
        written.append(
            write_text(
                tmp / "risk.json",
                json.dumps(_finite(evaluation.to_json()), ensure_ascii=False, indent=2, allow_nan=False) + "\n",
            )
        )
        if charts:
            written += write_risk_charts(tmp, tables["samples.csv"], evaluation.year, lang=lang)
    log.info("risk: %d files written to %s", len(written), out_dir)
    return [out_dir / p.relative_to(tmp) for p in written]


def _finite(data: object) -> object:
    """``data`` with NaN and infinite numbers as None (JSON has no NaN), numpy numbers as Python ones."""
    if isinstance(data, dict):
        return {str(k): _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


# --- plan mode -----------------------------------------------------------------------------------------------------


def plan_mode() -> Callable:
    """``aggregates.sweep.stochastic.stochastic_plan``, the two-stage stochastic plan (``--mode plan``).

    # MERGE POINT (issue 17, item 3 "plan"): the riskplan helper writes aggregates/sweep/stochastic.py with
    # ``stochastic_plan(...)``; the coordinator wires its call and outputs into ``aggregates risk --mode plan``
    # (aggregates/cli/risk.py, ``_run_plan``).

    Raises
    ------
    InputError
        When this installation has no stochastic plan yet.
    """
    try:
        module = importlib.import_module("aggregates.sweep.stochastic")
    except ModuleNotFoundError:
        module = None
    function = getattr(module, "stochastic_plan", None)
    if function is None:
        raise InputError(
            "--mode plan: this installation has no two-stage stochastic plan "
            "(aggregates.sweep.stochastic.stochastic_plan); use --mode evaluate"
        )
    return function


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`."""
    if mode not in MODES:
        raise InputError(f"--mode {mode}: use one of {', '.join(MODES)}")
    return mode
