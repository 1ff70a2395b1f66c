"""Everything before the solve: the region read and checked against the scenario, the network, the
route options and the model's arrays, and the pre-check of the targets against capacity.

:func:`prepare` is what ``validate`` runs and what :func:`aggregates.solve` runs before solving,
so a clean ``validate`` means the solve will start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.errors import InfeasibleError
from aggregates.network.graph import Network
from aggregates.network.options import RouteOptions
from aggregates.optimize.explain import precheck
from aggregates.optimize.instance import Instance, build_instance
from aggregates.pipeline.cache import InputCache
from aggregates.pipeline.inputs import check_fit, select_demand_path
from aggregates.pipeline.progress import Reporter


@dataclass(frozen=True, eq=False)
class Prepared:
    """A scenario's inputs, checked and built, ready to solve.

    Attributes
    ----------
    scenario
        The scenario.
    region
        Its region with the scenario's demand path, checked to fit the scenario (boundaries included).
    network, options
        The multimodal network and the route options of every enabled chain.
    instance
        The model's arrays with the labelled tables to read a solution back.
    """

    scenario: Scenario
    region: Region
    network: Network
    options: RouteOptions
    instance: Instance


def prepare(
    scenario: Scenario,
    region: Region | str | Path | None = None,
    *,
    cache: InputCache | None = None,
    report: Reporter | None = None,
) -> Prepared:
    """Read, check and build everything a solve needs, and pre-check the targets; solve nothing.

    Parameters
    ----------
    scenario
        The scenario.
    region
        A :class:`~aggregates.data.region.Region`, a folder, or ``None`` for the scenario's own.
    cache
        Regions, boundaries, networks and route options to reuse.
    report
        Where to report the stages (progress displays).

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        A region or boundaries file that is wrong, or a scenario that does not fit its region
        (unknown city, node, zone, year, missing price, output year not planned).
    InfeasibleError
        When the data alone rule a hard target out (capacity, feedstock or reach), with the
        numbers.
    """
    report = report or Reporter(None)
    cache = cache if cache is not None else InputCache()
    report.stage("reading the region")
    region = prepare_region(scenario, region, cache)
    report.stage("building the network")
    cache.network(region, scenario)
    report.stage("computing route options")
    network, options = cache.route_options(region, scenario)
    quarry_options = cache.quarry_options(region, scenario) if scenario.natural.quarries else None
    report.stage("assembling the model")
    instance = build_instance(region, scenario, options, quarry_options)
    reasons = precheck(instance.problem)
    if reasons:
        raise InfeasibleError(infeasible_header(scenario) + "\n".join(f"  - {r}" for r in reasons))
    return Prepared(scenario, region, network, options, instance)


def prepare_region(scenario: Scenario, region: Region | str | Path | None, cache: InputCache) -> Region:
    """The scenario's region (read into ``cache``), with its demand path, checked to fit the scenario."""
    region = region if isinstance(region, Region) else cache.region(region or scenario.region)
    region = select_demand_path(scenario, region, cache)
    check_fit(scenario, region)
    cache.boundaries(region.path)
    return region


def prepare_inputs(scenario: Scenario, cache: InputCache, *, network: bool = True) -> None:
    """Fill ``cache`` with what solving ``scenario`` reads: its region and boundaries, and with ``network``
    its network, route options and quarry routes (a sweep's client sends them to its workers)."""
    region = prepare_region(scenario, None, cache)
    if network:
        cache.route_options(region, scenario)
        if scenario.natural.quarries:
            cache.quarry_options(region, scenario)


def infeasible_header(scenario: Scenario) -> str:
    """The first line of every "no plan meets the targets" message."""
    return f"{scenario.origin}: no plan meets the scenario's targets and policies:\n"
