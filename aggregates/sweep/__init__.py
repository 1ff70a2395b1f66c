"""Many solves of one or more scenarios: Pareto fronts, sensitivity, tornado, comparisons.

A sweep variant is a :class:`~aggregates.config.Scenario` (the base with a few values changed by
``Scenario.with_values``) plus a label (:class:`Variant`); variants are solved in this process or
in worker processes, each of which builds the region, network and route options once.
"""

from aggregates.sweep.compare import compare, write_comparison
from aggregates.sweep.executors import Variant, map_in_order, process_cache, run_variants, solve_variant, worker_pool
from aggregates.sweep.pareto import pareto_front
from aggregates.sweep.risk import RiskEvaluation, evaluate, write_risk
from aggregates.sweep.sensitivity import sensitivity, tornado
from aggregates.sweep.writing import TABLE_FILES, write_sweep

__all__ = [
    "TABLE_FILES",
    "RiskEvaluation",
    "Variant",
    "compare",
    "evaluate",
    "map_in_order",
    "pareto_front",
    "process_cache",
    "run_variants",
    "sensitivity",
    "solve_variant",
    "tornado",
    "worker_pool",
    "write_comparison",
    "write_risk",
    "write_sweep",
]
