"""The funnel every command goes through: load, check, solve, and results read back from run folders."""

from aggregates.pipeline.cache import InputCache
from aggregates.pipeline.inputs import check_fit, select_demand_path, with_osm_roads
from aggregates.pipeline.prepare import Prepared, prepare
from aggregates.pipeline.progress import Progress
from aggregates.pipeline.result import Result, read_run
from aggregates.pipeline.solving import solve, solver_settings

__all__ = [
    "InputCache",
    "Prepared",
    "Progress",
    "Result",
    "check_fit",
    "prepare",
    "read_run",
    "select_demand_path",
    "solve",
    "solver_settings",
    "with_osm_roads",
]
