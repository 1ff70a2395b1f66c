"""From a solved instance to a :class:`~aggregates.plan.plan.Plan`: tables, figures and the fleet it needs."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from aggregates.optimize.instance import Instance
from aggregates.optimize.solve import Solution
from aggregates.plan.figures import (
    cap_shadow_prices,
    penalties_yuan,
    solve_info,
    target_shadow_prices,
    year_figures,
)
from aggregates.plan.fleet import Fleet, size_fleet
from aggregates.plan.periods import peak_fleet, periods_table, terminal_yards_table
from aggregates.plan.plan import Plan
from aggregates.plan.tables import plan_tables


def make_plan(instance: Instance, solution: Solution) -> Plan:
    """Label a solution with the instance's ids, work out every year's figures and size the fleet.

    Parameters
    ----------
    instance
        What was solved.
    solution
        A solution with a plan (``solution.has_plan``).
    """
    tables = plan_tables(instance, solution)
    access = instance.scenario.policies.access_rules

    def size(flows: pd.DataFrame) -> Fleet:
        return size_fleet(
            flows,
            instance.routes.column("swaps_per_trip"),
            instance.scenario,
            resources=tables["resources"],
            own_siding=instance.own_siding,
            years=instance.problem.years,
            windows=instance.routes.table[["zone", "window", "window_hours"]] if access else None,
        )

    extra = {}
    if solution.periods is None:
        fleet = size(tables["flows"])
    else:  # the fleet the busiest period needs
        fleet, fleets = peak_fleet(instance, solution, size)
        extra["periods"] = periods_table(instance, solution, fleets)
        extra["terminal_yards"] = terminal_yards_table(instance, solution)
    figures = year_figures(instance, solution, tables)
    kpis = {year: replace(k, fleet=fleet.summary(year)) for year, k in figures.items()}
    return Plan(
        scenario=instance.scenario,
        solve=solve_info(solution, instance.scenario.solver),
        fleet=fleet.table,
        kpis=kpis,
        penalty_yuan=penalties_yuan(instance, solution),
        cap_shadow_price=cap_shadow_prices(instance, solution),
        target_shadow_price=target_shadow_prices(instance, solution),
        **tables,
        **extra,
    )
