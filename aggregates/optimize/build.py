"""From a region, a scenario and route options to the plain-array :class:`Problem`.

Units inside the problem: Mt for quantities, million yuan for money, Mt CO2e
for emissions (a cost in yuan/t times a flow in Mt is million yuan). The
:class:`Instance` keeps the tables needed to turn a solution back into tidy,
labelled results (:mod:`aggregates.optimize.plan`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.errors import ConfigError
from aggregates.network.routes import co2e_kg_per_t
from aggregates.optimize.problem import CoverageRule, Problem, ShareRule

MT = 1e6
DIESEL_CHAINS = ("diesel_truck", "rail_diesel")
RAIL_CHAINS = ("rail_bet", "rail_diesel")
# A policy zone covers the nodes of the zones nested inside it.
ZONE_MEMBERS = {
    "beijing_6th_ring": ("beijing_6th_ring", "beijing_5th_ring"),
    "beijing_5th_ring": ("beijing_5th_ring",),
    "xiongan": ("xiongan",),
}


@dataclass(frozen=True)
class Instance:
    """A problem with the labelled tables to read its solution.

    Attributes
    ----------
    problem
        The arrays the core solves.
    routes
        Route options (one row per route index of the problem) with per-year
        ``co2e_kg_per_t_<year>`` and ``co2e_ttw_kg_per_t_<year>`` columns.
    bases, nodes
        Attribute tables in the problem's order (id, names, city, ...).
    levels
        Base levels in the problem's order.
    resources
        One row per resource: id, kind (terminal, rail_section, swap_station),
        name, unit and capacity per year in that unit.
    scenario
        The scenario (constants for trains, trucks and KPIs).
    """

    problem: Problem
    routes: pd.DataFrame
    bases: pd.DataFrame
    nodes: pd.DataFrame
    levels: pd.DataFrame
    resources: pd.DataFrame
    scenario: Scenario


def build_instance(region: Region, scenario: Scenario, options: pd.DataFrame) -> Instance:
    """Assemble the allocation problem of a scenario.

    Parameters
    ----------
    region
        The validated region.
    scenario
        The validated scenario (target, prices, policies).
    options
        Route options from :func:`aggregates.network.routes.route_options`.

    Returns
    -------
    Instance

    Raises
    ------
    ConfigError
        When a natural-aggregate price is missing for a product of the region.
    """
    years = tuple(scenario.years)
    products = tuple(region.meta.products)
    _check_prices(scenario, products)
    bases = region.bases.drop(columns="geometry").reset_index(drop=True)
    nodes = region.demand.drop(columns="geometry").reset_index(drop=True)
    levels = region.base_levels.sort_values(["base_id", "level"], kind="mergesort").reset_index(drop=True)
    routes = _routes_with_co2e(options, scenario, years)
    base_pos = {b: i for i, b in enumerate(bases["id"])}
    node_pos = {d: i for i, d in enumerate(nodes["id"])}
    resources, use = _resources(region, scenario, routes)
    n_t = len(years)
    problem = Problem(
        years=years,
        bases=tuple(bases["id"]),
        nodes=tuple(nodes["id"]),
        products=products,
        level_base=levels["base_id"].map(base_pos).to_numpy(int),
        level_number=levels["level"].to_numpy(int),
        level_capacity=levels["capacity_mt_per_yr"].to_numpy(float),
        level_fixed_cost=levels["fixed_cost_myuan_per_yr"].to_numpy(float),
        base_open_required=(bases["status"] == "existing").to_numpy(bool),
        base_yield=np.column_stack([bases[f"yield_{p}"].to_numpy(float) for p in products]),
        base_stock=bases["stock_mt"].to_numpy(float),
        base_arising=bases["arising_mt_per_yr"].to_numpy(float),
        base_production_cost=bases["production_cost_yuan_per_t"].to_numpy(float),
        demand=_demand(region, nodes, products, years) * _demand_factor(nodes, scenario)[:, None, None],
        natural_cost=_natural_cost(scenario, len(nodes), products, n_t),
        unmet_penalty=scenario.prices.unmet_penalty_yuan_per_t,
        route_base=routes["base"].map(base_pos).to_numpy(int),
        route_node=routes["node"].map(node_pos).to_numpy(int),
        route_cost=routes["cost_yuan_per_t"].to_numpy(float),
        route_co2e=np.column_stack([routes[f"co2e_kg_per_t_{y}"].to_numpy(float) / 1000.0 for y in years]),
        route_open=np.repeat(_route_allowed(routes, nodes, scenario)[:, None], n_t, axis=1),
        node_accepts=_accepts(nodes, products),
        resources=tuple(resources["id"]),
        resource_use=use,
        resource_capacity=resources[[f"capacity_{y}" for y in years]].to_numpy(float)
        / resources["scale"].to_numpy()[:, None],
        target=np.array([scenario.target.for_year(y) for y in years]),
        target_hard=scenario.target.hard,
        shortfall_penalty=scenario.target.shortfall_penalty_yuan_per_t,
        carbon_price=np.array([scenario.prices.carbon_price(y) for y in years]),
        emissions_cap=_emissions_cap(scenario, years),
        year_weight=(1.0 + scenario.prices.discount_rate) ** -(np.array(years) - years[0]),
        allow_closing=scenario.policies.allow_closing,
        share_rules=_share_rules(routes, scenario),
        coverage_rules=_coverage_rules(routes, scenario),
    )
    return Instance(problem, routes, bases, nodes, levels, resources, scenario)


def _check_prices(scenario: Scenario, products: tuple[str, ...]) -> None:
    missing = [p for p in products if p not in scenario.prices.natural_yuan_per_t]
    if missing and scenario.prices.natural_allowed:
        raise ConfigError(
            f"{scenario.source_file}: prices.natural_yuan_per_t has no price for product(s) {missing} of the "
            f"region; add them, e.g. --set prices.natural_yuan_per_t.{missing[0]}=150"
        )


def _routes_with_co2e(options: pd.DataFrame, scenario: Scenario, years: tuple[int, ...]) -> pd.DataFrame:
    routes = options.reset_index(drop=True).copy()
    ttw = co2e_kg_per_t(routes, scenario, years[0], basis="ttw")
    for y in years:
        routes[f"co2e_kg_per_t_{y}"] = co2e_kg_per_t(routes, scenario, y)
        routes[f"co2e_ttw_kg_per_t_{y}"] = ttw
    return routes


def _demand(region: Region, nodes: pd.DataFrame, products, years) -> np.ndarray:
    table = region.demand_years
    table = table[table["year"].isin(years)]
    grid = table.pivot_table(index="node_id", columns=["product", "year"], values="demand_mt", aggfunc="sum")
    out = np.zeros((len(nodes), len(products), len(years)))
    for p, product in enumerate(products):
        for t, year in enumerate(years):
            if (product, year) in grid.columns:
                out[:, p, t] = grid[(product, year)].reindex(nodes["id"]).fillna(0.0).to_numpy()
    return out


def _demand_factor(nodes: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Per-node demand multiplier from the scenario's ``demand`` section."""
    scale = scenario.demand
    unknown = [f"by_city.{c}" for c in scale.by_city if c not in set(nodes["city"])]
    unknown += [f"by_node.{n}" for n in scale.by_node if n not in set(nodes["id"])]
    if unknown:
        raise ConfigError(
            f"{scenario.source_file}: demand: {', '.join(unknown)} match no demand node of the region "
            f"(cities: {sorted(set(nodes['city']))})"
        )
    city = nodes["city"].map(lambda c: scale.by_city.get(c, 1.0)).to_numpy(float)
    node = nodes["id"].map(lambda n: scale.by_node.get(n, 1.0)).to_numpy(float)
    return scale.factor * city * node


def _accepts(nodes: pd.DataFrame, products) -> np.ndarray:
    listed = nodes["accepts"].str.split(";").apply(lambda items: {i.strip() for i in items})
    return np.array([[p in accepted for p in products] for accepted in listed], dtype=bool)


def _natural_cost(scenario: Scenario, n_nodes: int, products, n_t: int) -> np.ndarray:
    prices = scenario.prices
    per_product = [prices.natural_yuan_per_t.get(p, np.nan) if prices.natural_allowed else np.nan for p in products]
    return np.broadcast_to(np.array(per_product)[None, :, None], (n_nodes, len(products), n_t)).copy()


def _route_allowed(routes: pd.DataFrame, nodes: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Zero-emission zones close the routes that deliver by diesel truck into them."""
    zones = scenario.policies.zero_emission_zones
    banned = np.zeros(len(nodes), dtype=bool)
    for zone in zones:
        if zone == "diesel_restricted":
            banned |= nodes["diesel_restricted"].to_numpy(bool)
        else:
            banned |= nodes["zone"].isin(ZONE_MEMBERS[zone]).to_numpy()
    banned_nodes = set(nodes["id"][banned])
    closed = routes["chain"].isin(DIESEL_CHAINS) & routes["node"].isin(banned_nodes)
    return ~closed.to_numpy()


def _emissions_cap(scenario: Scenario, years) -> np.ndarray:
    caps = [scenario.policies.emissions_cap(y) for y in years]
    return np.array([np.inf if c is None else c / 1000.0 for c in caps])  # kt -> Mt


def _share_rules(routes: pd.DataFrame, scenario: Scenario) -> tuple[ShareRule, ...]:
    rule = scenario.policies.min_rail_share
    if rule.share <= 0:
        return ()
    scope = (routes["great_circle_km"] > rule.above_km).to_numpy()
    rail = routes["chain"].isin(RAIL_CHAINS).to_numpy()
    return (ShareRule(f"min_rail_share above {rule.above_km:g} km", rule.share, scope, scope & rail),)


def _coverage_rules(routes: pd.DataFrame, scenario: Scenario) -> tuple[CoverageRule, ...]:
    rule = scenario.policies.coverage
    if rule.share <= 0:
        return ()
    covering = np.ones(len(routes), dtype=bool)
    limits = []
    if rule.within_km is not None:
        covering &= ((routes["km_road"] + routes["km_rail"]) <= rule.within_km).to_numpy()
        limits.append(f"{rule.within_km:g} km")
    if rule.within_hours is not None:
        covering &= (routes["hours"] <= rule.within_hours).to_numpy()
        limits.append(f"{rule.within_hours:g} h")
    return (CoverageRule(f"coverage within {' and '.join(limits)}", rule.share, covering),)


def _resources(region: Region, scenario: Scenario, routes: pd.DataFrame) -> tuple[pd.DataFrame, sparse.csr_matrix]:
    """Capacitated resources the routes use and the (E, R) use matrix.

    Rows are scaled so that the problem's coefficients are O(1): terminals and
    rail sections in Mt/yr (use 1 per unit of flow); swap stations in million
    swaps/yr (use = swaps per tonne at that station).
    """
    rail, trucks, infra = scenario.rail, scenario.trucks, scenario.infrastructure
    years = scenario.years
    rows = []
    for t in region.terminals.itertuples():
        rows.append((t.id, "terminal", t.name_en, "t/yr", t.capacity_mt_per_yr * MT * infra.terminal_capacity_factor))
    for s in region.rail_segments.itertuples():
        per_year = s.capacity_trains_per_day * rail.net_t_per_train * rail.operating_days * infra.rail_capacity_factor
        rows.append((s.id, "rail_section", f"{s.line_en}: {s.from_station} - {s.to_station}", "t/yr", per_year))
    for s in region.swap_stations.itertuples():
        per_year = s.capacity_swaps_per_day * trucks.operating_days * infra.swap_capacity_factor
        rows.append((s.id, "swap_station", s.name_en, "swaps/yr", per_year))
    table = pd.DataFrame(rows, columns=["id", "kind", "name", "unit", "capacity"])
    used = sorted({e for items in routes["resources"] for e in items})
    table = table[table["id"].isin(used)].sort_values("id", kind="mergesort").reset_index(drop=True)
    for y in years:
        table[f"capacity_{y}"] = table["capacity"]
    table["scale"] = MT
    position = {e: i for i, e in enumerate(table["id"])}
    kind = dict(zip(table["id"], table["kind"], strict=True))
    r_idx, e_idx, coef = [], [], []
    for r, (items, swaps) in enumerate(zip(routes["resources"], routes["swaps_per_trip"], strict=True)):
        counts = Counter(items)
        n_swap_visits = sum(n for e, n in counts.items() if kind[e] == "swap_station")
        for e, n in counts.items():
            per_t = swaps * n / n_swap_visits / trucks.bet.payload_t if kind[e] == "swap_station" else float(n)
            r_idx.append(r)
            e_idx.append(position[e])
            coef.append(per_t)
    use = sparse.csr_matrix((coef, (e_idx, r_idx)), shape=(len(table), len(routes)))
    return table.drop(columns="capacity"), use
