"""The :class:`Plan`: what a solve decided, as typed figures and tidy tables, and the questions it answers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from aggregates.config import Scenario
from aggregates.errors import InputError
from aggregates.plan.kpis import SolveInfo, YearKPIs
from aggregates.plan.natural import FLOW_COLUMNS, QUARRY_COLUMNS
from aggregates.plan.summary import summary_rows, summary_text
from aggregates.vocab import headline_year

TABLES = ("flows", "bases", "demand", "resources", "fleet", "quarries", "natural_flows")
BINDING = 0.99  # a capacity counts as binding from 99 % use


@dataclass(frozen=True, eq=False)
class Plan:
    """A solved allocation plan.

    Attributes
    ----------
    scenario
        The scenario it answers.
    solve
        Solver status, objective, bound, gap, times and model size.
    flows, bases, demand, resources, fleet
        The tidy tables (README, "Outputs"), in tonnes, yuan, t CO2e and kg NOx/PM.
    quarries, natural_flows
        Natural aggregate from the region's quarries: per quarry and year, and per quarry haul
        (empty without quarries, and in a run folder written before they existed).
    periods
        Per year and period of the year (``periods.csv``, MODEL.md "Periods"); empty without
        ``seasons.periods``, when the fleet is sized on the busiest period and ``fleet`` names it.
    terminal_yards
        Per year, period and rail unloading terminal with a stockyard: tonnes railed in, delivered out
        and in stock at the period's end (``terminal_yards.csv``); empty with one period per year.
    kpis
        Per year, the headline figures (:class:`YearKPIs`, each field with its unit).
    penalty_yuan
        Per year, what the model paid for unmet demand and a soft target's shortfall (yuan).
    cap_shadow_price
        Per year, what one more t CO2e under the emissions cap would save (yuan/t; NaN without a cap).
    target_shadow_price
        Per year, what one more tonne of substitution target would cost (yuan/t; 0 when it does not
        bind, NaN without a target).

    Shadow prices come from the LP re-solve with the integer choices fixed (``solver.shadow_prices``);
    a plan read back from a run folder has them only in its tables (``resources.csv``, ``bases.csv``,
    ``demand.csv``), so these two are NaN there.
    """

    scenario: Scenario
    solve: SolveInfo
    flows: pd.DataFrame
    bases: pd.DataFrame
    demand: pd.DataFrame
    resources: pd.DataFrame
    fleet: pd.DataFrame
    kpis: dict[int, YearKPIs]
    penalty_yuan: dict[int, float] = field(default_factory=dict)
    cap_shadow_price: dict[int, float] = field(default_factory=dict)
    target_shadow_price: dict[int, float] = field(default_factory=dict)
    quarries: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(QUARRY_COLUMNS)))
    natural_flows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(FLOW_COLUMNS)))
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    terminal_yards: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def years(self) -> list[int]:
        """Planning years, ascending."""
        return sorted(self.kpis)

    @property
    def all_targets_met(self) -> bool:
        """Whether every year meets its substitution target."""
        return all(k.target_met for k in self.kpis.values())

    def year(self, year: int) -> YearKPIs:
        """The figures of one year.

        Raises
        ------
        InputError
            When ``year`` is not planned, naming the years that are.
        """
        if int(year) not in self.kpis:
            raise InputError(f"{self.name}: year {year} is not in this plan; its years are {self.years}")
        return self.kpis[int(year)]

    def headline_year(self, year: int | None = None) -> int:
        """The year a one-year view shows: ``year`` if planned, else the first with a target, else the first.

        Raises
        ------
        InputError
            When ``year`` is not planned.
        """
        try:
            return headline_year(self.years, lambda y: self.kpis[y].target_mt, year)
        except ValueError:
            raise InputError(f"{self.name}: --year {year} is not in this run; its years are {self.years}") from None

    def system_cost(self, year: int) -> float:
        """What the model minimises for ``year``, less any carbon charge (yuan).

        Solid-waste supply (``cost_yuan``: fixed, production, transport) + natural sand and
        gravel bought + unmet demand and soft-target shortfall at their penalties. Cutting CO2e
        can lower ``cost_yuan`` (more natural bought), so this is the figure sure to rise along
        a cost-CO2e front.
        """
        k = self.year(year)
        return k.cost_yuan + k.natural_cost_yuan + self.penalty_yuan.get(int(year), 0)

    def binding_resources(self, year: int, threshold: float = BINDING) -> pd.DataFrame:
        """Terminals, rail sections and swap stations used to ``threshold`` or more in ``year``,
        highest shadow price first (the capacity worth most)."""
        r = self.resources
        r = r[(r["year"] == year) & (r["utilisation"] >= threshold)]
        price = "shadow_price_yuan_per_unit"
        if price not in r:
            r = r.assign(**{price: math.nan})
        return r.sort_values([price, "resource"], ascending=[False, True], na_position="last").reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by output name (``flows``, ``bases``, ``demand``, ``resources``, ``fleet``, ``quarries``,
        ``natural_flows``)."""
        return {name: getattr(self, name) for name in TABLES}

    def summary_rows(self) -> list[tuple[str, list[str]]]:
        """The summary as (label, one cell per year): what the CLI prints."""
        return summary_rows(self)

    def summary(self) -> str:
        """The summary as plain text: per year substitution, supply cities, markets, chains,
        rail share, natural, unmet, cost, emissions, trains and trucks; then the solver line."""
        return summary_text(self)

    def to_json(self) -> dict:
        """The contents of ``kpis.json``."""
        s = self.solve
        return {
            "scenario": self.name,
            "status": s.status,
            "detail": s.detail,
            "objective_yuan": s.objective_yuan,
            "bound_yuan": s.bound_yuan,
            "mip_gap": s.mip_gap,
            "build_seconds": s.build_seconds,
            "solve_seconds": s.solve_seconds,
            "model_size": s.model_size,
            "requested_gap": s.requested_gap,
            "time_limit_s": s.time_limit_s,
            "solver_limit": s.limit,
            "target_hard": self.scenario.target.hard,
            "all_targets_met": self.all_targets_met,
            "years": {str(y): self.kpis[y].to_dict() for y in self.years},
        }
