"""Trade-offs over many solves: the figures of a solve, the parameters varied, the front and the tornado."""

from aggregates.analysis.tradeoffs.figures import CHAIN_COLUMNS, METRICS, VOLATILE, empty_row, json_records, summarise
from aggregates.analysis.tradeoffs.front import (
    CAP_HEADROOM_T,
    CO2E_TOL_T,
    COST_TOL_YUAN,
    PARETO_GAP,
    PARETO_UNMET_PENALTY,
    PROBE_CARBON_PRICE,
    ParetoFront,
    cap_tasks,
    checked_caps,
    tornado_table,
    with_front,
)
from aggregates.analysis.tradeoffs.params import (
    PARAM_ALIASES,
    Param,
    default_ranges,
    param_value,
    parse_ranges,
    parse_values,
    resolve_param,
)

__all__ = [
    "CAP_HEADROOM_T",
    "CHAIN_COLUMNS",
    "CO2E_TOL_T",
    "COST_TOL_YUAN",
    "METRICS",
    "PARAM_ALIASES",
    "PARETO_GAP",
    "PARETO_UNMET_PENALTY",
    "PROBE_CARBON_PRICE",
    "VOLATILE",
    "Param",
    "ParetoFront",
    "cap_tasks",
    "checked_caps",
    "default_ranges",
    "empty_row",
    "json_records",
    "param_value",
    "parse_ranges",
    "parse_values",
    "resolve_param",
    "summarise",
    "tornado_table",
    "with_front",
]
