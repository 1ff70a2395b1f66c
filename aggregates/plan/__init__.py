"""Plans: what a solve decided, as typed figures and tidy tables.

:class:`Plan` answers questions (``year(2022)``, ``headline_year()``, ``system_cost(year)``,
``binding_resources(year)``, ``summary()``); :func:`make_plan` builds one from a solution.
This package imports no GIS or drawing library.
"""

from aggregates.plan.fleet import Fleet, size_fleet
from aggregates.plan.kpis import FleetSummary, Intensity, SolveInfo, YearKPIs
from aggregates.plan.make import make_plan
from aggregates.plan.plan import TABLES, Plan

__all__ = ["TABLES", "Fleet", "FleetSummary", "Intensity", "Plan", "SolveInfo", "YearKPIs", "make_plan", "size_fleet"]
