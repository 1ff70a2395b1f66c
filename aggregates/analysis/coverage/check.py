"""Can a construction site be supplied from near solid-waste bases? (``aggregates coverage``)

A site is added to the region as an extra demand node, joined to the nearest road junction by an
access link, and route options are computed from every base. Residual capacity comes from a plan:
an earlier run (``--plan``), or an optimisation that includes the sites as demand. Then a small LP
finds the cheapest mix of near options that the residual capacity allows, and the coverage rule
(``coverage_check`` in the config) turns its share into covered / partly / not.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from aggregates.analysis.coverage.mix import assess, coverage_status
from aggregates.analysis.coverage.natural import NaturalPrice, natural_price
from aggregates.analysis.coverage.residuals import least_room, plan_supply, room_from_plan, without_site
from aggregates.analysis.coverage.sites import check_site, node_id, snap, too_far, with_sites
from aggregates.config import CoverageCheck, Scenario
from aggregates.data.region import Region
from aggregates.data.sites import Site
from aggregates.errors import InputError
from aggregates.network.geometry import route_geometries
from aggregates.network.graph import build_network
from aggregates.network.options import RouteOptions
from aggregates.network.routes import route_options
from aggregates.plan import Plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Coverage:
    """The answer for one site.

    Attributes
    ----------
    site
        What was asked.
    node
        Its demand-node id in the extended region.
    snap_node, snap_km
        The road junction it is joined to and the straight distance to it.
    share_covered
        Share of the tonnage the cheapest near mix delivers (0..1).
    status
        ``covered``, ``partly`` or ``not``.
    options
        Every route option from a base, cheapest delivered first, with ``within_rule``,
        ``residual_capacity_t`` and ``delivered_cost_yuan_per_t``.
    mix
        The cheapest near mix: base, chain, tonnes, cost, hours, CO2e per option used.
    reason
        Why it is not (fully) covered; empty when covered.
    plan_supply
        Without ``--plan``: what the optimised plan itself gave the site (tonnes by source); else None.
    natural
        What natural sand or gravel would cost delivered at the site, as the model prices it.
    base_room
        Tonnes a year of the product each base has left for the site (least over its years).
    """

    site: Site
    node: str
    snap_node: str
    snap_km: float
    share_covered: float
    status: str
    options: pd.DataFrame
    mix: pd.DataFrame
    reason: str
    plan_supply: dict | None = None
    natural: NaturalPrice | None = None
    base_room: dict[str, float] = field(default_factory=dict)

    @property
    def covered(self) -> bool:
        """Whether the rule's share is met."""
        return self.status == "covered"

    def mix_mean(self, column: str) -> float:
        """Tonne-weighted mean of a mix column (NaN for an empty mix)."""
        t = self.mix["tonnes"].sum() if len(self.mix) else 0.0
        return float((self.mix[column] * self.mix["tonnes"]).sum() / t) if t > 0 else math.nan


@dataclass(frozen=True)
class Report:
    """Answers for one or more sites, with the rule and where residual capacity came from."""

    results: list[Coverage]
    rule: CoverageCheck
    residual_source: str
    solver_limit: str | None = None  # the plan's SolveInfo.limit: not proven within the requested gap
    basis: str = "plan"  # "plan": a published plan's spare room; "reoptimised": the region solved with the sites
    plan: Plan | None = None  # the plan whose room the answers use


def site_options(region: Region, scenario: Scenario, nodes: list[str], year: int, network=None) -> pd.DataFrame:
    """Route options from every base to ``nodes`` with delivered cost (production included), CO2e and base names."""
    network = network if network is not None else build_network(region, scenario)
    found = route_options(network, list(scenario.chains), nodes=nodes)
    options = found.table.copy()
    named = region.bases.set_index("id")
    options["name_zh"] = options["base"].map(named["name_zh"]).astype(str)
    options["name_en"] = options["base"].map(named["name_en"]).astype(str)
    production = named["production_cost_yuan_per_t"]
    options["production_cost_yuan_per_t"] = options["base"].map(production).to_numpy(float)
    options["delivered_cost_yuan_per_t"] = options["cost_yuan_per_t"] + options["production_cost_yuan_per_t"]
    options["co2e_kg_per_t"] = found.co2e_kg_per_t(scenario.emissions, year)
    options["km"] = options["km_road"] + options["km_rail"]
    return options


Optimizer = Callable[[Region], tuple[Plan, RouteOptions]]


def check_coverage(
    scenario: Scenario,
    region: Region,
    sites: list[tuple[str, Site]],
    *,
    plan: Plan | None = None,
    optimize: Optimizer | None = None,
) -> Report:
    """Answer the coverage question for sites (each with a label for messages, e.g. ``row 3``).

    Parameters
    ----------
    scenario, region
        Loaded inputs.
    sites
        (label, site) pairs.
    plan
        A finished plan (from a run folder) whose residual capacity the sites may use; each site
        is checked alone against it.
    optimize
        Without ``plan``: called with the region extended by all sites, returns
        ``(plan, route options)`` of an optimisation that includes them as demand. Each site may
        use what that plan gave it plus what it left unused.

    Raises
    ------
    InputError
        Listing every bad site field, and sites too far from the road network.
    """
    _check_sites(scenario, region, sites, plan)
    plain = [site for _label, site in sites]
    ids = _node_ids(region, plain)
    extended = with_sites(region, plain, ids, scenario.trucks.access_circuity)
    network = build_network(extended, scenario)
    options = site_options(extended, scenario, ids, min(y for site in plain for y in site.years), network)
    if plan is not None:
        source = "the given plan (each site checked alone against it)"
        solved, routes = plan, None
    else:
        source = "a new optimisation of the scenario with the site(s) added as demand (all sites together)"
        solved, routes = optimize(extended)
    results = []
    for site, nid in zip(plain, ids, strict=True):
        answer = _answer(scenario, region, site, nid, options[options["node"] == nid], solved, routes)
        mix = answer.mix.assign(geometry=route_geometries(network, answer.mix) if len(answer.mix) else [])
        natural = natural_price(network, scenario, nid, site.product)
        results.append(replace(answer, mix=mix, natural=natural))
    basis = "plan" if plan is not None else "reoptimised"
    return Report(results, scenario.coverage_check, source, solved.solve.limit, basis, solved)


def _check_sites(scenario: Scenario, region: Region, sites: list[tuple[str, Site]], plan: Plan | None) -> None:
    plan_years = plan.years if plan is not None else None
    problems = [p for label, site in sites for p in check_site(site, region, scenario, label, plan_years)]
    if not problems:
        problems = too_far(region, sites, scenario.coverage_check.max_snap_km)
    if problems:
        raise InputError("\n".join([f"{len(problems)} problem(s) with the site(s):", *(f"  - {p}" for p in problems)]))


def _node_ids(region: Region, sites: list[Site]) -> list[str]:
    taken = set(region.points()["id"])
    ids = []
    for site in sites:
        ids.append(node_id(site.name, taken))
        taken.add(ids[-1])
    return ids


def _answer(scenario, region, site: Site, nid: str, options: pd.DataFrame, solved: Plan, routes) -> Coverage:
    """One site's answer against the room ``solved`` leaves (less the site's own flows when it was in the plan)."""
    rule = scenario.coverage_check
    own = without_site(solved, routes, nid) if routes is not None else solved
    room = room_from_plan(own, region, scenario, site.product, site.years)
    base_room, resource_room = least_room(room, site.years)
    ranked, mix, share, reason = assess(site, nid, options, base_room, resource_room, rule)
    junction, km = snap(region, site.lon, site.lat)
    supply = plan_supply(solved, nid, site.years) if routes is not None else None
    log.info("coverage %s: %s, %.0f %%", site.name, coverage_status(share, rule), 100 * share)
    status = coverage_status(share, rule)
    return Coverage(site, nid, junction, km, share, status, ranked, mix, reason, supply, None, base_room)
