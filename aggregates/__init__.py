"""aggregates: supply planning for tailings and waste-rock aggregate in Jing-Jin-Ji.

The public API, in memory from end to end::

    import aggregates as ag
    scenario = ag.load_scenario("configs/default.yaml", overrides=["years=[2022]"])
    result = ag.solve(scenario)             # writes nothing
    result.plan.year(2022).substitution_mt  # typed, with units
    print(result.plan.summary())            # what the CLI prints
    result.write("runs/x")                  # the same files as the CLI
    ag.supply_map(result)                   # a folium map from memory, composable (m=...)

Everything else lives in the subpackages; see docs/ARCHITECTURE.md.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aggregates.config import Scenario, load_scenario
    from aggregates.data.reading import read_region
    from aggregates.data.region import Region
    from aggregates.errors import (
        AggregatesError,
        ConfigError,
        InfeasibleError,
        InputError,
        NetworkError,
        OutputError,
        RegionError,
    )
    from aggregates.network.options import RouteOptions
    from aggregates.pipeline import InputCache, Prepared, Progress, Result, prepare, read_run, solve
    from aggregates.plan import FleetSummary, Intensity, Plan, SolveInfo, YearKPIs
    from aggregates.viz.maps import MapOptions, comparison_map, save_html, supply_map

# Imported on first use: the command line catches Ctrl-C during these slow imports (geopandas,
# folium, OR-Tools), and ``import aggregates.errors`` in a worker stays cheap.
_HOMES = {
    "Scenario": "aggregates.config",
    "load_scenario": "aggregates.config",
    "read_region": "aggregates.data.reading",
    "Region": "aggregates.data.region",
    "AggregatesError": "aggregates.errors",
    "ConfigError": "aggregates.errors",
    "InfeasibleError": "aggregates.errors",
    "InputError": "aggregates.errors",
    "NetworkError": "aggregates.errors",
    "OutputError": "aggregates.errors",
    "RegionError": "aggregates.errors",
    "RouteOptions": "aggregates.network.options",
    "InputCache": "aggregates.pipeline",
    "Prepared": "aggregates.pipeline",
    "Progress": "aggregates.pipeline",
    "Result": "aggregates.pipeline",
    "prepare": "aggregates.pipeline",
    "read_run": "aggregates.pipeline",
    "solve": "aggregates.pipeline",
    "FleetSummary": "aggregates.plan",
    "Intensity": "aggregates.plan",
    "Plan": "aggregates.plan",
    "SolveInfo": "aggregates.plan",
    "YearKPIs": "aggregates.plan",
    "MapOptions": "aggregates.viz.maps",
    "comparison_map": "aggregates.viz.maps",
    "save_html": "aggregates.viz.maps",
    "supply_map": "aggregates.viz.maps",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'aggregates' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__version__ = "0.1.0"

__all__ = [
    "AggregatesError",
    "ConfigError",
    "FleetSummary",
    "InfeasibleError",
    "InputCache",
    "InputError",
    "Intensity",
    "MapOptions",
    "NetworkError",
    "OutputError",
    "Plan",
    "Prepared",
    "Progress",
    "Region",
    "RegionError",
    "Result",
    "RouteOptions",
    "Scenario",
    "SolveInfo",
    "YearKPIs",
    "__version__",
    "comparison_map",
    "load_scenario",
    "prepare",
    "read_region",
    "read_run",
    "save_html",
    "solve",
    "supply_map",
]
