"""The two-stage stochastic plan of one year over sampled scenarios, its value (VSS) and that of perfect information (EVPI).

Build decisions (which bases run at which level) are made once; the flows are re-optimised in each
sample. :func:`stochastic_plan` takes the samples (scenarios with some values changed, e.g. demand,
prices, capacity factors) and their probabilities and computes, for the year planned (``years=[Y]``,
as the Pareto front does, so the default region fits):

* **RP**, the stochastic plan's expected cost: the extensive form
  (:func:`aggregates.optimize.stochastic.solve_extensive`) while it is at most
  :data:`MAX_EXTENSIVE_NONZEROS` matrix entries; above, the *candidate heuristic*: the mean-value
  levels and the most likely distinct levels of the samples solved alone (:data:`MAX_CANDIDATES` in
  all) are candidates, each is evaluated in every sample (levels fixed, flows re-optimised, an LP)
  and the one of least expected cost is kept. The heuristic's plan is
  feasible and its expected cost an upper bound on RP; WS is a lower bound, so the gap it reports
  (RP - WS) / RP is an upper bound on how far it is from the optimum. Candidates rather than
  L-shaped (Benders) cuts because every candidate evaluation is an LP of one sample that the worker
  pool runs in parallel and that rarely takes a second, and because the wait-and-see levels are
  what a planner would propose anyway;
* **WS**, the wait-and-see cost: the mean of each sample solved alone with its own levels;
* **EEV**: the mean-value problem's levels fixed, flows re-optimised per sample;
* **VSS** = EEV - RP and **EVPI** = RP - WS;
* on out-of-sample draws: both plans' levels fixed, flows re-optimised, expected cost and the
  probability of meeting the target.

Every sample is planned with a soft target (a shortfall costs ``target.shortfall_penalty_yuan_per_t``)
and priced unmet demand, so that fixed build decisions can always be evaluated; the probability of
meeting the target says how often they fall short. Per-sample solves run through
:func:`~aggregates.sweep.executors.worker_pool`; the extensive form is solved in this process.
"""

from __future__ import annotations

import html
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from branca.element import Element

from aggregates.config import Scenario
from aggregates.errors import InfeasibleError, InputError
from aggregates.files import atomic_folder
from aggregates.optimize.model import build_model
from aggregates.optimize.problem import Problem
from aggregates.optimize.solve import SolverSettings
from aggregates.optimize.stochastic import (
    Evaluation,
    Figures,
    checked_probabilities,
    evaluate,
    mean_problem,
    solve_extensive,
)
from aggregates.pipeline import prepare, solver_settings
from aggregates.sweep.executors import map_in_order, process_cache, worker_pool
from aggregates.viz.maps import MapOptions, new_map, save_html
from aggregates.viz.maps.basemaps import lib_of, projector
from aggregates.viz.maps.region_layers import boundaries_layer

log = logging.getLogger(__name__)

# Largest extensive form solved directly, in matrix entries. On the default region (2022, 94 k entries per
# sample, demand +-30 %, gap 1e-3, one HiGHS thread, load 7-10 on 2 cores) 10 samples solved in 5 s, 30 in
# 20 s, 50 (4.7 M entries) in 52 s, and 100 (9.4 M) found no plan in 400 s: above, the heuristic.
MAX_EXTENSIVE_NONZEROS = 5_000_000
MILLION = 1e6
# MIP gap of every solve: VSS and EVPI are differences of expected costs of about 20 bn yuan on the default
# region; at optimize's 1e-3 the gap (about 20 M yuan) would be as large as they are.
STOCHASTIC_GAP = 1e-5
MAX_CANDIDATES = 8  # level choices the heuristic evaluates in every sample


@dataclass(frozen=True)
class Measures:
    """The expected costs of one year, yuan.

    Attributes
    ----------
    rp
        The stochastic plan's expected cost (recourse problem).
    ws
        Wait-and-see: the mean of each sample's own optimum.
    eev
        The mean-value plan's expected cost (its levels fixed, flows re-optimised per sample).
    rp_bound
        A lower bound on the optimal RP: the extensive form's bound, or WS for the heuristic.
    method
        ``extensive`` or ``candidates`` (the heuristic).
    mip_gap
        (rp - rp_bound) / rp.
    seconds
        Wall-clock time of the whole computation.
    size
        Variables, binaries, rows and non-zeros of the extensive form (solved or not).
    """

    rp: float
    ws: float
    eev: float
    rp_bound: float
    method: str
    mip_gap: float
    seconds: float
    size: dict[str, int]

    @property
    def vss(self) -> float:
        """Value of the stochastic solution: EEV - RP."""
        return self.eev - self.rp

    @property
    def evpi(self) -> float:
        """Expected value of perfect information: RP - WS."""
        return self.rp - self.ws


@dataclass(frozen=True)
class StochasticPlan:
    """The stochastic plan of one year and how it compares with the mean-value plan.

    Attributes
    ----------
    year
        The year planned.
    measures
        RP, WS, EEV (VSS and EVPI as properties), the method and the size.
    plan
        One row per base: ``base``, names, ``lon``/``lat``, the level and capacity (Mt/yr) of the
        stochastic plan (``stochastic_level``, -1 closed) and of the mean-value plan, and in how many
        wait-and-see samples the base is built (``wait_and_see_built``) and with what probability.
    samples
        One row per sample: probability, the cost of each plan in it (WS, RP, EEV; yuan) and the
        stochastic plan's figures there (Mt, t CO2e, target met).
    out_of_sample
        One row per out-of-sample draw: each plan's cost and whether it meets the target; empty without draws.
    region
        The region folder (its boundaries are drawn on the map).
    """

    year: int
    measures: Measures
    plan: pd.DataFrame
    samples: pd.DataFrame
    out_of_sample: pd.DataFrame
    region: str = ""

    def summary(self) -> dict:
        """What ``stochastic.json`` holds: the measures and the out-of-sample comparison."""
        m = self.measures
        return {
            "year": self.year,
            "method": m.method,
            "samples": len(self.samples),
            "rp_yuan": _yuan(m.rp),
            "ws_yuan": _yuan(m.ws),
            "eev_yuan": _yuan(m.eev),
            "vss_yuan": _yuan(m.vss),
            "evpi_yuan": _yuan(m.evpi),
            "rp_bound_yuan": _yuan(m.rp_bound),
            "mip_gap": _number(m.mip_gap),
            "model_size": m.size,
            "probability_target_met": {
                "stochastic": _number(_weighted(self.samples, "rp_target_met")),
                "mean_value": _number(_weighted(self.samples, "eev_target_met")),
            },
            "out_of_sample": _out_of_sample_summary(self.out_of_sample),
        }

    def write(self, folder: str | Path, *, maps: bool = True) -> list[Path]:
        """Write ``stochastic_plan.csv``, ``stochastic_samples.csv``, ``stochastic_out_of_sample.csv``,
        ``stochastic.json`` and the map of the bases (``stochastic_map.html`` in Chinese,
        ``stochastic_map.en.html`` in English), all at once: ``folder`` is replaced only when every
        file is written.
        """
        folder = Path(folder)
        with atomic_folder(folder) as tmp:
            written = []
            for name, table in (
                ("stochastic_plan.csv", self.plan),
                ("stochastic_samples.csv", self.samples),
                ("stochastic_out_of_sample.csv", self.out_of_sample),
            ):
                table.to_csv(tmp / name, index=False, lineterminator="\n")
                written.append(tmp / name)
            (tmp / "stochastic.json").write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n")
            written.append(tmp / "stochastic.json")
            if maps:
                boundaries = process_cache().boundaries(self.region) if self.region else None
                for lang, name in (("zh", "stochastic_map.html"), ("en", "stochastic_map.en.html")):
                    save_html(stochastic_map(self, boundaries, MapOptions(lang=lang)), tmp / name)
                    written.append(tmp / name)
        return [folder / p.relative_to(tmp) for p in written]


@dataclass(frozen=True)
class _SampleTask:
    scenario: Scenario
    solve_alone: bool
    settings: SolverSettings


@dataclass(frozen=True)
class _Sample:
    problem: Problem
    alone: Evaluation | None


@dataclass(frozen=True)
class _FixedTask:
    problem: Problem
    levels: np.ndarray
    settings: SolverSettings


def stochastic_plan(
    samples: Sequence[Scenario],
    probabilities: Sequence[float],
    *,
    year: int | None = None,
    out_of_sample: Sequence[Scenario] = (),
    workers: int | None = None,
    on_done: Callable[[int, int], None] | None = None,
    max_extensive_nonzeros: int = MAX_EXTENSIVE_NONZEROS,
    relative_gap: float | None = STOCHASTIC_GAP,
    cluster: str | None = None,
    mean_value: Scenario | None = None,
) -> StochasticPlan:
    """The two-stage stochastic plan of one year over ``samples``, with RP, WS, EEV, VSS and EVPI.

    Parameters
    ----------
    samples
        Scenarios that differ only in what is uncertain (not in the bases or their levels).
    probabilities
        One per sample, >= 0, summing to 1.
    year
        The year planned (default: the first year with a target of the first sample).
    out_of_sample
        Further draws (equally likely) on which both plans are evaluated.
    workers
        Worker processes for the per-sample solves (default: one per core).
    on_done
        Progress: called with (solves done, solves in the current batch).
    max_extensive_nonzeros
        Above this many matrix entries the extensive form is not solved: the candidate heuristic is used.
    relative_gap
        MIP gap of every solve (None: the scenario's ``solver.relative_gap``).
    cluster
        A Dask cluster for the per-sample solves (``local``, ``local:N``, ``tcp://HOST:PORT``); the
        extensive form is solved in this process.
    mean_value
        The mean-value scenario (every uncertain figure at its mean, e.g.
        :func:`aggregates.config.mean_scenario`); its plan's levels give EEV. None: every number of the
        samples' problems averaged, which needs samples of the same shape (the same route options: a
        truck price changes which routes are cheapest, so give the scenario then).

    Raises
    ------
    InputError
        No samples, probabilities that do not fit, samples with other bases or levels, a year not planned,
        a gap outside [0, 1).
    InfeasibleError
        A sample with no plan even alone (a hard policy it cannot meet).
    """
    started = time.perf_counter()
    if not samples:
        raise InputError("the stochastic plan needs at least one sample")
    try:
        p = checked_probabilities(probabilities, len(samples))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if relative_gap is not None and not 0 <= relative_gap < 1:
        raise InputError(f"relative_gap must be at least 0 and below 1, got {relative_gap}")
    year = samples[0].headline_year(year)
    settings = _settings(samples[0], relative_gap)
    tasks = [_SampleTask(stochastic_scenario(s, year), True, settings) for s in samples]
    tasks += [_SampleTask(stochastic_scenario(s, year), False, settings) for s in out_of_sample]
    with worker_pool(workers, len(tasks), cluster=cluster, scenarios=[tasks[0].scenario]) as pool:
        prepared = map_in_order(pool, _prepare_sample, tasks, on_done)
        problems = [s.problem for s in prepared[: len(samples)]]
        draws = [s.problem for s in prepared[len(samples) :]]
        alone = [_planned(s.alone, i) for i, s in enumerate(prepared[: len(samples)])]
        mean_value = _planned(
            evaluate(_mean_value_problem(problems, p, mean_value, year, settings), settings), "mean-value"
        )
        size = _extensive_size(problems)
        rp, method = _recourse(pool, problems, p, mean_value, alone, settings, size, max_extensive_nonzeros, on_done)
        eev, rp_draws, ev_draws = _fixed_plans(pool, problems, draws, rp.levels, mean_value.levels, settings, on_done)
    measures = Measures(
        rp=float(np.dot(p, [f.cost for f in rp.figures])) * MILLION,
        ws=float(np.dot(p, [a.figures.cost for a in alone])) * MILLION,
        eev=float(np.dot(p, [e.figures.cost for e in eev])) * MILLION,
        rp_bound=rp.bound * MILLION,
        method=method,
        mip_gap=rp.gap,
        seconds=round(time.perf_counter() - started, 2),
        size=size,
    )
    return StochasticPlan(
        year=year,
        measures=measures,
        plan=_plan_table(samples[0], problems[0], p, rp.levels, mean_value.levels, [a.levels for a in alone]),
        samples=_samples_table(p, alone, rp.figures, eev),
        out_of_sample=_out_of_sample_table(rp_draws, ev_draws),
        region=str(samples[0].region),
    )


@dataclass(frozen=True)
class _Recourse:
    """The stochastic plan's levels, a lower bound on its expected cost and the gap (million yuan), its figures."""

    levels: np.ndarray
    bound: float
    gap: float
    figures: list[Figures]


def _recourse(pool, problems, p, mean_value, alone, settings, size, max_nonzeros, on_done) -> tuple[_Recourse, str]:
    """The stochastic plan by the extensive form when it is small enough and finds a plan; else by candidates."""
    solved = solve_extensive(problems, p, settings) if size["nonzeros"] <= max_nonzeros else None
    if solved is not None and solved.has_plan:
        log.info("extensive form: %s, %.1f s, gap %.4f%%", solved.status, solved.seconds, 100 * solved.mip_gap)
        return _Recourse(solved.levels, solved.bound, solved.mip_gap, list(solved.samples)), "extensive"
    if solved is not None:  # no plan within the time limit: the heuristic always has one
        log.warning("extensive form: %s (%s); using the candidate heuristic", solved.status, solved.detail)
    return _by_candidates(pool, problems, p, mean_value, alone, settings, on_done), "candidates"


def _fixed_plans(pool, problems, draws, rp_levels, ev_levels, settings, on_done) -> tuple[list[Evaluation], ...]:
    """EEV per sample (the mean-value levels), and per out-of-sample draw both plans' levels: flows re-optimised."""
    fixed = [_FixedTask(pb, ev_levels, settings) for pb in problems]
    fixed += [_FixedTask(pb, levels, settings) for levels in (rp_levels, ev_levels) for pb in draws]
    labels = [f"{i} with the mean-value levels" for i in range(len(problems))]
    labels += [
        f"{i} (out of sample) with the {w} levels" for w in ("stochastic", "mean-value") for i in range(len(draws))
    ]
    results = map_in_order(pool, _evaluate_fixed, fixed, on_done)
    evaluated = [_planned(e, label) for e, label in zip(results, labels, strict=True)]
    n, k = len(problems), len(draws)
    return evaluated[:n], evaluated[n : n + k], evaluated[n + k :]


def stochastic_scenario(scenario: Scenario, year: int) -> Scenario:
    """A sample as the stochastic plan plans it: ``year`` alone, a soft target, one solver thread, no shadow prices."""
    return scenario.with_values(
        {"years": [year], "target.hard": False, "solver.threads": 1, "solver.shadow_prices": False}
    )


def _settings(scenario: Scenario, relative_gap: float | None = STOCHASTIC_GAP) -> SolverSettings:
    """The solver settings of every solve: the scenario's, one thread, no shadow prices, ``relative_gap``."""
    settings = replace(solver_settings(scenario), threads=1, shadow_prices=False)
    return settings if relative_gap is None else replace(settings, relative_gap=float(relative_gap))


def _mean_value_problem(problems, p, scenario: Scenario | None, year: int, settings) -> Problem:
    """The mean-value problem: the mean scenario's own, or the samples' problems averaged."""
    if scenario is not None:
        return _prepare_sample(_SampleTask(stochastic_scenario(scenario, year), False, settings)).problem
    try:
        return mean_problem(problems, p)
    except ValueError as exc:
        raise InputError(f"the samples: {exc}; give the mean-value scenario (mean_value=)") from None


def _prepare_sample(task: _SampleTask) -> _Sample:
    """In a worker: a sample's problem (region, network and routes from the process cache) and, for an
    in-sample draw, its solve alone (wait-and-see)."""
    problem = prepare(task.scenario, cache=process_cache()).instance.problem
    alone = evaluate(problem, task.settings) if task.solve_alone else None
    return _Sample(problem, alone)


def _evaluate_fixed(task: _FixedTask) -> Evaluation:
    """In a worker: a sample with a plan's levels fixed, flows re-optimised."""
    return evaluate(task.problem, task.settings, task.levels)


def _planned(evaluation: Evaluation, which) -> Evaluation:
    if not evaluation.has_plan:
        raise InfeasibleError(f"sample {which} has no plan: {evaluation.status} ({evaluation.detail})")
    return evaluation


def _by_candidates(pool, problems, p, mean_value: Evaluation, alone: list[Evaluation], settings, on_done) -> _Recourse:
    """The candidate heuristic: levels, lower bound (WS), gap bound and per-sample figures of the best candidate."""
    candidates = _candidates(mean_value.levels, [a.levels for a in alone], p)
    trials = [_FixedTask(pb, c, settings) for c in candidates for pb in problems]
    results = map_in_order(pool, _evaluate_fixed, trials, on_done)
    by_candidate = [results[i * len(problems) : (i + 1) * len(problems)] for i in range(len(candidates))]
    costs = [float(np.dot(p, [e.figures.cost if e.has_plan else np.inf for e in evs])) for evs in by_candidate]
    best = int(np.argmin(costs))
    if not np.isfinite(costs[best]):
        raise InfeasibleError("no candidate build decision has a plan in every sample (a hard policy binds)")
    bound = float(np.dot(p, [a.figures.cost for a in alone]))
    gap = (costs[best] - bound) / max(abs(costs[best]), 1e-9)
    return _Recourse(candidates[best], bound, gap, [e.figures for e in by_candidate[best]])


def _extensive_size(problems: Sequence[Problem]) -> dict[str, int]:
    """The extensive form's size, from the first sample's model (the others are about as large): the level
    columns and rows once, the rest once per sample."""
    one = build_model(problems[0].filled())
    arrays = one.arrays
    n, n_z = len(problems), int(one.z.size)
    level_rows = np.zeros(one.n_rows, bool)
    for name, lo, hi in arrays.row_families:
        level_rows[lo:hi] |= name == "levels"
    level_entries = int(level_rows[arrays.rows].sum())
    return {
        "samples": n,
        "variables": n_z + n * (one.n_variables - n_z),
        "integer_variables": n_z,
        "constraints": n * one.n_rows - (n - 1) * int(level_rows.sum()),
        "nonzeros": n * len(arrays.values) - (n - 1) * level_entries,
    }


def _candidates(mean_value: np.ndarray, alone: list[np.ndarray], p: np.ndarray) -> list[np.ndarray]:
    """The mean-value levels, then the distinct wait-and-see levels by how likely they are (ties: first
    seen first), :data:`MAX_CANDIDATES` in all: every candidate costs one LP per sample."""
    distinct: list[np.ndarray] = []
    weight: list[float] = []
    for levels, prob in zip(alone, p, strict=True):
        found = next((i for i, c in enumerate(distinct) if np.array_equal(c, levels)), None)
        if found is None:
            distinct.append(levels)
            weight.append(float(prob))
        else:
            weight[found] += float(prob)
    order = sorted(range(len(distinct)), key=lambda i: -weight[i])
    ranked = [distinct[i] for i in order if not np.array_equal(distinct[i], mean_value)]
    return [mean_value, *ranked][:MAX_CANDIDATES]


def _open_level(pb: Problem, levels: np.ndarray, t: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per base: its level number (-1 closed) and capacity (Mt/yr) in year index ``t``."""
    number = np.full(len(pb.bases), -1)
    capacity = np.zeros(len(pb.bases))
    for lv in np.flatnonzero(levels[:, t] > 0):
        number[pb.level_base[lv]] = pb.level_number[lv]
        capacity[pb.level_base[lv]] = pb.level_capacity[lv]
    return number, capacity


def _plan_table(scenario, pb: Problem, p, rp_levels, ev_levels, alone: list[np.ndarray]) -> pd.DataFrame:
    region = process_cache().region(scenario.region)
    bases = region.bases.set_index("id").loc[list(pb.bases)]
    rp_number, rp_capacity = _open_level(pb, rp_levels)
    ev_number, ev_capacity = _open_level(pb, ev_levels)
    built = np.array([_open_level(pb, lv)[0] >= 0 for lv in alone])  # (S, B)
    return pd.DataFrame(
        {
            "base": list(pb.bases),
            "name_zh": bases["name_zh"].to_numpy(),
            "name_en": bases["name_en"].to_numpy(),
            "lon": np.round(bases.geometry.x.to_numpy(), 5),
            "lat": np.round(bases.geometry.y.to_numpy(), 5),
            "stochastic_level": rp_number,
            "stochastic_capacity_mt": rp_capacity,
            "mean_value_level": ev_number,
            "mean_value_capacity_mt": ev_capacity,
            "wait_and_see_built": built.sum(axis=0),
            "wait_and_see_probability": np.round(p @ built, 9),
        }
    )


def _samples_table(p, alone: list[Evaluation], rp: list[Figures], eev: list[Evaluation]) -> pd.DataFrame:
    rows = []
    for i, (a, r, e) in enumerate(zip(alone, rp, eev, strict=True)):
        rows.append(
            {
                "sample": i,
                "probability": p[i],
                "ws_cost_yuan": a.figures.cost * MILLION,
                "rp_cost_yuan": r.cost * MILLION,
                "eev_cost_yuan": e.figures.cost * MILLION,
                "rp_build_cost_yuan": r.build_cost * MILLION,
                "rp_delivered_mt": r.delivered,
                "rp_natural_mt": r.natural,
                "rp_unmet_mt": r.unmet,
                "rp_shortfall_mt": r.shortfall,
                "rp_co2e_t": r.co2e * MILLION,
                "ws_target_met": a.figures.target_met,
                "rp_target_met": r.target_met,
                "eev_target_met": e.figures.target_met,
            }
        )
    return _rounded(pd.DataFrame(rows))


def _out_of_sample_table(rp: list[Evaluation], ev: list[Evaluation]) -> pd.DataFrame:
    columns = ["draw", "stochastic_cost_yuan", "mean_value_cost_yuan", "stochastic_shortfall_mt"]
    columns += ["mean_value_shortfall_mt", "stochastic_target_met", "mean_value_target_met"]
    rows = [
        {
            "draw": i,
            "stochastic_cost_yuan": r.figures.cost * MILLION,
            "mean_value_cost_yuan": e.figures.cost * MILLION,
            "stochastic_shortfall_mt": r.figures.shortfall,
            "mean_value_shortfall_mt": e.figures.shortfall,
            "stochastic_target_met": r.figures.target_met,
            "mean_value_target_met": e.figures.target_met,
        }
        for i, (r, e) in enumerate(zip(rp, ev, strict=True))
    ]
    return _rounded(pd.DataFrame(rows, columns=columns))


def _out_of_sample_summary(table: pd.DataFrame) -> dict | None:
    if table.empty:
        return None
    return {
        "draws": len(table),
        "stochastic_expected_cost_yuan": _yuan(table["stochastic_cost_yuan"].mean()),
        "mean_value_expected_cost_yuan": _yuan(table["mean_value_cost_yuan"].mean()),
        "stochastic_probability_target_met": _number(table["stochastic_target_met"].mean()),
        "mean_value_probability_target_met": _number(table["mean_value_target_met"].mean()),
    }


def _weighted(samples: pd.DataFrame, column: str) -> float:
    return float(np.dot(samples["probability"], samples[column].astype(float)))


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Money to the yuan, tonnes to the tonne: the same inputs give the same bytes."""
    out = table.copy()
    for column in out.columns:
        if column.endswith("_yuan") or column.endswith("_t"):
            out[column] = out[column].round(0)
        elif column.endswith("_mt"):
            out[column] = out[column].round(6)
    return out


def _yuan(value: float) -> float | None:
    """Money to the yuan (VSS and EVPI are differences of costs of billions: no digit below counts)."""
    return None if not math.isfinite(value) else float(round(value)) + 0.0


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


# ---------------------------------------------------------------------------------------------------------------
# The map of which bases are built in how many samples

MAP_WORDS = {
    "title": ("不确定条件下的基地建设方案", "Bases built under uncertainty"),
    "subtitle": (
        "{year} 年, {n} 个样本: 颜色为各样本单独最优时建设该基地的样本比例",
        "{year}, {n} samples: colour is the share of samples whose own optimum builds the base",
    ),
    "stochastic": ("随机规划方案建设", "built in the stochastic plan"),
    "mean_value": ("均值方案建设", "built in the mean-value plan"),
    "closed": ("两方案均不建设", "built in neither plan"),
    "measures": (
        "随机解价值 VSS {vss} 百万元, 完全信息期望价值 EVPI {evpi} 百万元 (期望成本 {rp} 亿元)",
        "VSS {vss} M yuan, EVPI {evpi} M yuan (expected cost {rp} bn yuan)",
    ),
    "bases": ("砂石基地", "Aggregate bases"),
    "share": ("样本中建设比例", "share of samples built"),
}
SHARE_CLASSES = (  # (least share, colour, zh, en): the share of wait-and-see samples that build a base
    (0.0, "#f7f7f7", "无样本建设", "built in no sample"),
    (1e-9, "#fdbb84", "不到一半样本建设", "built in under half of the samples"),
    (0.5, "#e34a33", "一半及以上样本建设", "built in half of the samples or more"),
    (1.0 - 1e-9, "#7f0000", "全部样本建设", "built in every sample"),
)


def _mw(key: str, lang: str) -> str:
    return MAP_WORDS[key][0 if lang == "zh" else 1]


def _share_colour(share: float) -> str:
    return [colour for lower, colour, _zh, _en in SHARE_CLASSES if share >= lower][-1]


def stochastic_map(plan: StochasticPlan, boundaries=None, options: MapOptions | None = None):
    """The bases coloured by the share of samples whose own optimum builds them; a thick ring where the
    stochastic plan builds the base, a dashed one where the mean-value plan does. Offline by default.

    Parameters
    ----------
    plan
        A :class:`StochasticPlan`.
    boundaries
        City boundaries to outline; none when omitted.
    options
        Language and basemap (default: Chinese, no tiles, scripts embedded).
    """
    options = options or MapOptions()
    lang, project = options.lang, projector(options)
    m = new_map(options)
    lib = lib_of(m)
    if boundaries is not None:
        boundaries_layer(lib, boundaries, lang, project).add_to(m)
    group = lib.FeatureGroup(name=_mw("bases", lang)).add_to(m)
    for row in plan.plan.itertuples():
        where = [row.lat, row.lon]
        name = row.name_zh if lang == "zh" else row.name_en
        tip = (
            f"{name}: {_mw('share', lang)} {row.wait_and_see_probability:.0%}; "
            f"{_mw('stochastic', lang)} {_capacity(row.stochastic_capacity_mt, lang)}; "
            f"{_mw('mean_value', lang)} {_capacity(row.mean_value_capacity_mt, lang)}"
        )
        fill = _share_colour(row.wait_and_see_probability)
        lib.CircleMarker(
            where, radius=7, color="#222", weight=1, fill=True, fill_color=fill, fill_opacity=0.95, tooltip=tip
        ).add_to(group)
        if row.stochastic_level >= 0:
            lib.CircleMarker(where, radius=11, color="#08519c", weight=3, fill=False, interactive=False).add_to(group)
        if row.mean_value_level >= 0:
            lib.CircleMarker(
                where, radius=15, color="#238b45", weight=2, dash_array="4 3", fill=False, interactive=False
            ).add_to(group)
    lib.LayerControl(collapsed=True, position="topright").add_to(m)
    m.get_root().html.add_child(Element(_map_title(plan, lang) + _map_legend(lang)))
    lats, lons = plan.plan["lat"], plan.plan["lon"]
    m.fit_bounds(
        [(lats.min() - 0.1, lons.min() - 0.1), (lats.max() + 0.1, lons.max() + 0.1)],
        padding_top_left=(40, 140),
        padding_bottom_right=(240, 40),
    )
    return m


def _capacity(mt: float, lang: str) -> str:
    """A level's capacity, or "not built"."""
    if mt <= 0:
        return "否" if lang == "zh" else "no"
    return f"{mt:g} 百万吨/年" if lang == "zh" else f"{mt:g} Mt/yr"


def _map_title(plan: StochasticPlan, lang: str) -> str:
    m = plan.measures
    subtitle = _mw("subtitle", lang).format(year=plan.year, n=len(plan.samples))
    measures = _mw("measures", lang).format(
        vss=f"{m.vss / 1e6:,.1f}", evpi=f"{m.evpi / 1e6:,.1f}", rp=f"{m.rp / (1e8 if lang == 'zh' else 1e9):,.2f}"
    )
    return (
        f'<div class="agg-box agg-title" id="agg-title"><h1>{html.escape(_mw("title", lang))}</h1>'
        f"<p>{html.escape(subtitle)}</p><p>{html.escape(measures)}</p></div>"
    )


def _map_legend(lang: str) -> str:
    dot = '<span class="agg-swatch" style="background:{c}"></span>{t}'
    ring = '<span class="agg-swatch" style="background:none;border:{s} {c};border-radius:50%"></span>{t}'
    items = [dot.format(c=c, t=zh if lang == "zh" else en) for _, c, zh, en in SHARE_CLASSES]
    items += [
        ring.format(s="3px solid", c="#08519c", t=_mw("stochastic", lang)),
        ring.format(s="2px dashed", c="#238b45", t=_mw("mean_value", lang)),
    ]
    rows = "".join(f'<div class="agg-row"><span class="agg-item">{i}</span></div>' for i in items)
    return f'<div class="agg-box agg-legend" id="agg-legend">{rows}</div>'
