"""``risk``: a plan's build decisions against many drawn futures (evaluate), or a plan that hedges them (plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aggregates.cli.app import (
    ClusterOpt,
    ConfigArg,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    WorkersOpt,
    YearOpt,
    app,
    count_progress,
    finite_json,
    handled,
    load,
    out,
    out_folder,
    print_json,
    print_table,
)
from aggregates.errors import InputError
from aggregates.sweep.risk import RISK_FILES, RiskEvaluation, check_mode, evaluate, plan_mode, write_risk
from aggregates.viz.charts import metric_unit

DEFAULT_SAMPLES = 20
SHOWN_BINDING = 5


@app.command()
@handled
def risk(
    config: ConfigArg,
    samples: Annotated[
        int | None,
        typer.Option(
            help=f"Futures drawn from the config's uncertainty section (default {DEFAULT_SAMPLES}; with discrete "
            "futures, each listed one).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the draws (default: uncertainty.seed).", show_default=False)
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            help="evaluate: fix a plan's build decisions and re-solve the flows in each future; plan: a two-stage "
            "stochastic plan; both."
        ),
    ] = "evaluate",
    plan: Annotated[
        Path | None,
        typer.Option(
            help="Run folder of 'aggregates optimize' whose bases' levels are fixed (default: the scenario's own "
            "plan, solved first).",
            show_default=False,
        ),
    ] = None,
    year: YearOpt = None,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/<name>-risk/).", show_default=False)
    ] = None,
    set_: SetOpt = None,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """How a plan fares when demand, prices and capacities are uncertain: cost, CO2e, substitution and unmet
    demand over drawn futures, the probability of meeting the target, and the resources that bind."""
    mode = check_mode(mode)
    if samples is not None and samples < 1:
        raise InputError(f"--samples {samples}: give at least 1")
    scenario = load(config, set_)
    folder = out_folder(out_dir, Path("runs") / f"{scenario.name}-risk")
    if mode in ("plan", "both"):
        plan_mode()  # fails here, before any solve, where there is no stochastic plan
    n = samples if samples is not None or scenario.uncertainty.scenarios else DEFAULT_SAMPLES
    quiet = json_ or verbose
    if mode in ("plan", "both"):
        _run_plan(scenario, folder if mode == "plan" else folder / "plan", n, seed, year, workers, quiet)
    if mode == "plan":
        return
    with count_progress("solving the plan's operations in each future", quiet=quiet) as on_done:
        evaluation = evaluate(
            scenario, samples=n, seed=seed, plan=plan, year=year, workers=workers, on_done=on_done, cluster=cluster
        )
    target = folder if mode == "evaluate" else folder / "evaluate"
    write_risk(target, evaluation, lang=scenario.outputs.lang)
    if json_:
        print_json({"out_dir": str(target), **finite_json(evaluation.to_json())})
        return
    _print_summary(evaluation)
    out.print(f"written to {target}: {', '.join(RISK_FILES)}, charts/risk_cost.*, charts/risk_substitution.*")


def _run_plan(scenario, folder: Path, samples, seed, year, workers, quiet: bool) -> None:
    """``--mode plan``: the two-stage stochastic plan.

    MERGE POINT (issue 17, item 3 "plan"): wire the riskplan helper's
    ``aggregates.sweep.stochastic.stochastic_plan`` here: its arguments, its outputs (written to
    ``folder``: the out folder with ``--mode plan``, its ``plan/`` with ``both``, where evaluate writes
    ``evaluate/``) and what it prints.
    """
    stochastic_plan = plan_mode()
    with count_progress("solving the stochastic plan", quiet=quiet) as on_done:
        result = stochastic_plan(scenario, samples=samples, seed=seed, year=year, workers=workers, on_done=on_done)
    write = getattr(result, "write", None)
    if write is not None:
        write(folder)


def _print_summary(ev: RiskEvaluation) -> None:
    """One screen: the distribution of each figure, the probability of meeting the target, what binds."""
    summary = ev.summary_table().set_index("metric")
    source = "the scenario's own plan" if ev.plan_source == "scenario" else ev.plan_source
    opened = sum(level >= 0 for level in ev.levels.values())
    table = Table(
        title=f"risk {ev.year}: {len(ev.samples)} futures, build decisions of {source} fixed "
        f"({opened} of {len(ev.levels)} bases open)"
    )
    for name in ("figure", "mean", "P5", "P50", "P95"):
        table.add_column(name, justify="left" if name == "figure" else "right")
    for metric in ("system_cost_yuan", "co2e_t", "substitution_mt", "unmet_mt", "natural_mt", "rail_share_t"):
        shown = metric_unit(metric, "en")
        row = summary.loc[metric]
        cells = [row[k] * shown.factor for k in ("mean", "p5", "p50", "p95")]
        table.add_row(
            f"{metric} ({shown.name})" if shown.name else metric,
            *("-" if c != c else f"{c:,.2f}" for c in cells),
        )
    print_table(table)
    target = ev.outcomes[0].target_mt if ev.outcomes else float("nan")
    out.print(f"probability of meeting the {target:,.1f} Mt target in {ev.year}: {ev.probability_target_met:.0%}")
    missing = sum(o.status == "infeasible" for o in ev.outcomes)
    if missing:
        out.print(f"[yellow]{missing} future(s) without a plan[/] (see samples.csv 'message')")
    binding = ev.binding_table().head(SHOWN_BINDING)
    if len(binding):
        items = [f"{r.resource} {r.probability:.0%}" for r in binding.itertuples()]
        out.print("binds most often: " + ", ".join(items))
    else:
        out.print("no terminal, rail section or swap station binds in any future")
