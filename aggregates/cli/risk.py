"""``risk``: a plan's build decisions against many drawn futures (evaluate), or a plan that hedges them (plan)."""

from __future__ import annotations

from contextlib import nullcontext
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
    scenario_reads,
)
from aggregates.config import draw_samples, mean_scenario
from aggregates.errors import InputError
from aggregates.files import atomic_folder
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
    folder = out_folder(out_dir, Path("runs") / f"{scenario.name}-risk", [*scenario_reads(scenario), plan])
    if mode in ("plan", "both"):
        plan_mode()  # fails here, before any solve, where there is no stochastic plan
    n = samples if samples is not None or scenario.uncertainty.scenarios else DEFAULT_SAMPLES
    quiet = json_ or verbose
    shown: dict = {}
    place = {"plan": folder, "evaluate": folder} if mode != "both" else {m: folder / m for m in ("plan", "evaluate")}
    # With both, the two go into one folder written all at once.
    with atomic_folder(folder) if mode == "both" else nullcontext(None) as tmp:
        where = {m: tmp / m for m in ("plan", "evaluate")} if tmp is not None else place
        if mode in ("plan", "both"):
            stochastic = _run_plan(scenario, where["plan"], n, seed, year, workers, cluster, quiet)
            shown["plan"] = {"out_dir": str(place["plan"]), **finite_json(stochastic.summary())}
        if mode in ("evaluate", "both"):
            with count_progress("solving the plan's operations in each future", quiet=quiet) as on_done:
                evaluation = evaluate(
                    scenario,
                    samples=n,
                    seed=seed,
                    plan=plan,
                    year=year,
                    workers=workers,
                    on_done=on_done,
                    cluster=cluster,
                )
            write_risk(where["evaluate"], evaluation, lang=scenario.outputs.lang)
            shown["evaluate"] = {"out_dir": str(place["evaluate"]), **finite_json(evaluation.to_json())}
    if json_:
        print_json(shown[mode] if mode != "both" else shown)
        return
    if "plan" in shown:
        _print_plan(stochastic, place["plan"])
    if "evaluate" in shown:
        _print_summary(evaluation)
        out.print(
            f"written to {place['evaluate']}: {', '.join(RISK_FILES)}, charts/risk_cost.*, charts/risk_substitution.*"
        )


def _run_plan(scenario, folder: Path, samples: int, seed, year, workers, cluster, quiet: bool):
    """``--mode plan``: the two-stage stochastic plan over the drawn futures, both plans then evaluated on as
    many further draws (samples ``n .. 2n-1`` of the same seed; none with discrete futures)."""
    stochastic_plan = plan_mode()
    discrete = bool(scenario.uncertainty.scenarios)
    drawn = draw_samples(scenario, None if discrete else 2 * samples, seed)
    inside, outside = (drawn, []) if discrete else (drawn[:samples], drawn[samples:])
    weights = [s.probability for s in inside] if discrete else [1.0 / len(inside)] * len(inside)
    with count_progress("solving the stochastic plan", quiet=quiet) as on_done:
        result = stochastic_plan(
            [s.scenario for s in inside],
            weights,
            year=year,
            out_of_sample=[s.scenario for s in outside],
            workers=workers,
            on_done=on_done,
            cluster=cluster,
            mean_value=mean_scenario(scenario, inside),
        )
    result.write(folder)
    return result


def _print_plan(result, folder: Path) -> None:
    """The measures in one table, the bases the two plans build differently, where the files went."""
    m = result.measures
    table = Table(title=f"stochastic plan {result.year}: {len(result.samples)} futures ({m.method}, {m.seconds:.0f} s)")
    table.add_column("measure")
    table.add_column("M yuan", justify="right")
    rows = (
        ("RP: expected cost of the stochastic plan", m.rp),
        ("WS: wait and see (each future known)", m.ws),
        ("EEV: the mean-value plan in the futures", m.eev),
        ("VSS = EEV - RP", m.vss),
        ("EVPI = RP - WS", m.evpi),
    )
    for name, value in rows:
        table.add_row(name, f"{value / 1e6:,.1f}")
    print_table(table)
    plan = result.plan
    differ = plan[plan["stochastic_level"] != plan["mean_value_level"]]
    if len(differ):
        out.print("bases built differently from the mean-value plan: " + ", ".join(map(str, differ["base"])))
    else:
        out.print("the stochastic plan builds what the mean-value plan builds")
    out.print(
        f"written to {folder}: stochastic_plan.csv, stochastic_samples.csv, stochastic_out_of_sample.csv, "
        "stochastic.json, stochastic_map.html"
    )


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
