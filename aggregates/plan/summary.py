"""A plan's summary: one row per figure, one column per year (what ``aggregates optimize`` prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aggregates.vocab import KPIS

if TYPE_CHECKING:
    from aggregates.plan.plan import Plan

MISSED = "missed"


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _cells(plan: Plan, key: str) -> list[str]:
    spec = KPIS[key]
    return [spec.format(getattr(plan.year(y), key)) for y in plan.years]


def _split_rows(plan: Plan, attr: str, word: str) -> list[tuple[str, list[str]]]:
    kpis = [plan.year(y) for y in plan.years]
    names = sorted({name for k in kpis for name in getattr(k, attr)})
    return [(f"  {word} {name}, Mt", [_fmt(getattr(k, attr).get(name, 0.0)) for k in kpis]) for name in names]


def summary_rows(plan: Plan) -> list[tuple[str, list[str]]]:
    """(label, one cell per year) for every figure of the summary; a missed target's cell ends in ``missed``."""
    kpis = [plan.year(y) for y in plan.years]
    substitution = [
        f"{_fmt(k.substitution_mt)} / {_fmt(k.target_mt)}" + ("" if k.target_met else f" {MISSED}") for k in kpis
    ]
    rail = [f"{k.rail_share_t:.0%} / {k.rail_share_tkm:.0%}" for k in kpis]
    return [
        ("substitution / target, Mt", substitution),
        *_split_rows(plan, "by_city_mt", "from"),
        *_split_rows(plan, "to_city_mt", "to"),
        *_split_rows(plan, "by_chain_mt", "by"),
        ("rail share (t / t-km)", rail),
        *[
            (KPIS[key].label(), _cells(plan, key))
            for key in (
                "natural_mt",
                "natural_quarry_mt",
                "natural_import_mt",
                "unmet_mt",
                "cost_yuan",
                "cost_yuan_per_t",
                "coproduct_local_mt",
                "coproduct_stock_mt",
                "coproduct_disposed_mt",
                "coproduct_cost_yuan",
                "co2e_t",
                "natural_co2e_t",
                "nox_t",
                "pm_t",
                "trains_per_day",
                "truck_trips_per_day",
            )
        ],
        *_fleet_rows(kpis),
    ]


def _fleet_rows(kpis: list) -> list[tuple[str, list[str]]]:
    """Trucks by type, and the tonnes and trucks tied to access windows shorter than the day (when any)."""
    if any(k.fleet is None for k in kpis):
        return []
    rows = [
        ("trucks: diesel / battery-electric", [f"{k.fleet.diesel_trucks:,} / {k.fleet.nev_trucks:,}" for k in kpis])
    ]
    if any(k.fleet.window_mt > 0 for k in kpis):
        cells = [f"{k.fleet.window_mt:.1f} / {k.fleet.window_trucks:,}" for k in kpis]
        rows.append(("delivered in access windows, Mt / trucks", cells))
    return rows


LIMIT_ADVICE = (
    "the plan is feasible but not proven within the requested gap; "
    "raise solver.time_limit_s or loosen solver.relative_gap"
)


def solver_line(plan: Plan) -> str:
    """Status, gap, times and objective in one line."""
    s = plan.solve
    return (
        f"solver {s.status}, gap {s.mip_gap:.3%}, build {s.build_seconds:.1f} s, solve {s.solve_seconds:.1f} s; "
        f"objective {s.objective_yuan / 1e9:,.3f} billion yuan"
    )


def warnings(plan: Plan) -> list[str]:
    """What a reader must not miss: a solver stopped at a limit, unmet demand, a soft target missed."""
    lines = []
    s = plan.solve
    if s.limit is not None:
        lines.append(f"{s.limit}: {LIMIT_ADVICE}")
    unmet = {y: plan.year(y).unmet_mt for y in plan.years if plan.year(y).unmet_mt > 0}
    if unmet:
        lines.append(f"demand left unmet: {', '.join(f'{y} {v:.2f} Mt' for y, v in unmet.items())} (see demand.csv)")
    missed = [str(y) for y in plan.years if not plan.year(y).target_met]
    if missed:
        lines.append(f"soft target missed in {', '.join(missed)}")
    return lines


def summary_text(plan: Plan) -> str:
    """The summary as an aligned plain-text table, the solver line and any warnings."""
    rows = summary_rows(plan)
    header = ["", *map(str, plan.years)]
    width = [max(len(header[0]), *(len(label) for label, _ in rows))]
    width += [max(len(h), *(len(cells[i]) for _, cells in rows)) for i, h in enumerate(header[1:])]
    lines = [f"{plan.name}: substitution plan"]
    lines.append(
        "  ".join([header[0].ljust(width[0]), *(h.rjust(w) for h, w in zip(header[1:], width[1:], strict=True))])
    )
    for label, cells in rows:
        lines.append("  ".join([label.ljust(width[0]), *(c.rjust(w) for c, w in zip(cells, width[1:], strict=True))]))
    lines.append(solver_line(plan))
    lines += [f"warning: {w}" for w in warnings(plan)]
    return "\n".join(lines)
