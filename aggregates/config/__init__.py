"""Scenario configs: the sections, the scenario, and how files become scenarios.

Import from here: ``from aggregates.config import Scenario, load_scenario``.
"""

from aggregates.config.coproducts import Coproducts
from aggregates.config.dispatch import Dispatch
from aggregates.config.emissions import Emissions
from aggregates.config.loading import apply_overrides, load_scenario, parse_override, scenario_from_dict
from aggregates.config.natural import Natural
from aggregates.config.planning import (
    Coverage,
    DemandScale,
    Infrastructure,
    Policies,
    Prices,
    RailShare,
    Solver,
    Target,
)
from aggregates.config.reporting import CoverageCheck, Fleet, Outputs
from aggregates.config.sampling import Sample, draw_samples, mean_scenario
from aggregates.config.scenario import Scenario, format_validation, set_paths
from aggregates.config.seasons import Period, Seasons, TerminalYards
from aggregates.config.transport import BetTruck, DieselTruck, Rail, TariffClass, Trucks
from aggregates.config.uncertainty import (
    CapacityUncertainty,
    DemandUncertainty,
    DiscreteScenario,
    Factor,
    PriceUncertainty,
    Uncertainty,
)

__all__ = [
    "BetTruck",
    "CapacityUncertainty",
    "Coproducts",
    "Coverage",
    "CoverageCheck",
    "DemandScale",
    "DemandUncertainty",
    "DieselTruck",
    "DiscreteScenario",
    "Dispatch",
    "Emissions",
    "Factor",
    "Fleet",
    "Infrastructure",
    "Natural",
    "Outputs",
    "Period",
    "Policies",
    "PriceUncertainty",
    "Prices",
    "Rail",
    "RailShare",
    "Sample",
    "Scenario",
    "Seasons",
    "Solver",
    "Target",
    "TariffClass",
    "TerminalYards",
    "Trucks",
    "Uncertainty",
    "apply_overrides",
    "draw_samples",
    "format_validation",
    "load_scenario",
    "mean_scenario",
    "parse_override",
    "scenario_from_dict",
    "set_paths",
]
