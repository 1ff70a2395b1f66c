"""From a region, a scenario and route options to the plain-array :class:`Problem`.

Units inside the problem: Mt for quantities, million yuan for money, Mt CO2e
for emissions (a cost in yuan/t times a flow in Mt is million yuan). The
:class:`Instance` keeps the tables needed to turn a solution back into tidy,
labelled results (:mod:`aggregates.plan`). Inputs are trusted: the pipeline checks
that a scenario fits its region before building (``aggregates.pipeline.inputs``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.network.options import RouteOptions
from aggregates.optimize.problem import (
    LEVEL_CLOSED,
    LEVEL_FREE,
    Coproducts,
    CoverageRule,
    Periods,
    Problem,
    ShareRule,
    TerminalYards,
)
from aggregates.vocab import DIESEL_CHAINS, MT, RAIL_CHAINS


@dataclass(frozen=True)
class Instance:
    """A problem with the labelled tables to read its solution.

    Attributes
    ----------
    problem
        The arrays the core solves.
    routes
        The route options, one per route index of the problem.
    route_co2e_kg
        (routes, years) well-to-wheel kg CO2e per tonne, at each year's grid factors.
    route_co2e_ttw_kg
        (routes,) tank-to-wheel kg CO2e per tonne (the same every year).
    bases, nodes
        Attribute tables in the problem's order (id, names, city, ...).
    levels
        Base levels in the problem's order.
    resources
        One row per resource: id, kind (terminal, rail_section, swap_station),
        name, unit and capacity per year in that unit.
    scenario
        The scenario (constants for trains, trucks and KPIs).
    quarries
        One row per quarry in the problem's order: id, names, city, county, province, ex-quarry
        prices, ``outside_share`` and per year ``capacity_<year>`` and ``available_<year>`` (Mt/yr);
        empty when the scenario uses no quarries.
    quarry_routes
        The quarry route options, one per quarry route index of the problem (quarry id in ``base``).
    quarry_co2e_kg, quarry_co2e_ttw_kg
        As ``route_co2e_kg`` and ``route_co2e_ttw_kg``, for the quarry routes.
    """

    problem: Problem
    routes: RouteOptions
    route_co2e_kg: np.ndarray
    route_co2e_ttw_kg: np.ndarray
    bases: pd.DataFrame
    nodes: pd.DataFrame
    levels: pd.DataFrame
    resources: pd.DataFrame
    scenario: Scenario
    quarries: pd.DataFrame | None = None
    quarry_routes: RouteOptions | None = None
    quarry_co2e_kg: np.ndarray | None = None
    quarry_co2e_ttw_kg: np.ndarray | None = None

    @property
    def own_siding(self) -> set[str]:
        """Bases that load trains at their own siding (no first-mile truck leg)."""
        return set(self.bases.loc[self.bases["own_siding"].astype(bool), "id"])


def build_instance(
    region: Region, scenario: Scenario, options: RouteOptions, quarry_options: RouteOptions | None = None
) -> Instance:
    """Assemble the allocation problem of a scenario.

    Parameters
    ----------
    region
        The validated region.
    scenario
        The validated scenario (target, prices, policies), checked against the region.
    options
        Route options from :func:`aggregates.network.routes.route_options`.
    quarry_options
        Quarry route options from :func:`aggregates.network.routes.quarry_options`; ``None``:
        no quarry supply (natural aggregate only from the import tier).

    Returns
    -------
    Instance
    """
    years = tuple(scenario.years)
    products = tuple(region.meta.products)
    bases = region.bases.drop(columns="geometry").reset_index(drop=True)
    nodes = region.demand.drop(columns="geometry").reset_index(drop=True)
    levels = region.base_levels.sort_values(["base_id", "level"], kind="mergesort").reset_index(drop=True)
    co2e = np.column_stack([options.co2e_kg_per_t(scenario.emissions, y) for y in years])
    ttw = options.co2e_kg_per_t(scenario.emissions, years[0], basis="ttw")
    quarries, qroutes = _quarry_tables(region, scenario, quarry_options)
    qco2e = np.column_stack([qroutes.co2e_kg_per_t(scenario.emissions, y) for y in years]) if len(qroutes) else None
    qco2e = np.zeros((0, len(years))) if qco2e is None else qco2e
    resources, use, quse, railed = _resources(region, scenario, options, qroutes)
    problem = Problem(
        years=years,
        bases=tuple(bases["id"]),
        nodes=tuple(nodes["id"]),
        products=products,
        **_level_arrays(levels, bases, scenario.infrastructure.base_capacity_factor),
        **_base_arrays(bases, products),
        **_demand_arrays(region, scenario, nodes, products, years),
        **_route_arrays(options, bases, nodes, region, scenario, co2e / 1000.0),
        resources=tuple(resources["id"]),
        resource_use=use,
        resource_capacity=resources[[f"capacity_{y}" for y in years]].to_numpy(float)
        / resources["scale"].to_numpy()[:, None],
        **_scenario_arrays(scenario, years),
        share_rules=_share_rules(options, scenario),
        coverage_rules=_coverage_rules(options, scenario),
        coproducts=_coproducts(scenario, bases, products, years),
        **_quarry_arrays(quarries, qroutes, nodes, region, scenario, products, qco2e / 1000.0, quse),
        periods=_periods(scenario, resources),
        terminal_yards=_terminal_yards(region, scenario, options, railed),
        fixed_level=_fixed_levels(scenario, bases, levels, years),
    )
    qttw = qroutes.co2e_kg_per_t(scenario.emissions, years[0], basis="ttw")
    return Instance(
        problem, options, co2e, ttw, bases, nodes, levels, resources, scenario, quarries, qroutes, qco2e, qttw
    )


def _level_arrays(levels: pd.DataFrame, bases: pd.DataFrame, capacity_factor: float) -> dict:
    base_pos = {b: i for i, b in enumerate(bases["id"])}
    return {
        "level_base": levels["base_id"].map(base_pos).to_numpy(int),
        "level_number": levels["level"].to_numpy(int),
        "level_capacity": levels["capacity_mt_per_yr"].to_numpy(float) * capacity_factor,
        "level_fixed_cost": levels["fixed_cost_myuan_per_yr"].to_numpy(float),
    }


def _fixed_levels(scenario: Scenario, bases: pd.DataFrame, levels: pd.DataFrame, years) -> np.ndarray | None:
    """(B, T) index of the level each base is fixed at (``infrastructure.base_levels``); None when none is.

    The keys are checked against the region first (:func:`aggregates.pipeline.check_fit`).
    """
    infra = scenario.infrastructure
    if not infra.base_levels:
        return None
    index = {(b, int(n)): i for i, (b, n) in enumerate(zip(levels["base_id"], levels["level"], strict=True))}
    out = np.full((len(bases), len(years)), LEVEL_FREE, int)
    for b, base in enumerate(bases["id"]):
        for t, year in enumerate(years):
            level = infra.fixed_level(base, year)
            if level is not None:
                out[b, t] = LEVEL_CLOSED if level < 0 else index[base, level]
    return out


def _base_arrays(bases: pd.DataFrame, products: tuple[str, ...]) -> dict:
    return {
        "base_open_required": (bases["status"] == "existing").to_numpy(bool),
        "base_yield": np.column_stack([bases[f"yield_{p}"].to_numpy(float) for p in products]),
        "base_stock": bases["stock_mt"].to_numpy(float),
        "base_arising": bases["arising_mt_per_yr"].to_numpy(float),
        "base_production_cost": bases["production_cost_yuan_per_t"].to_numpy(float),
    }


def _demand_arrays(region: Region, scenario: Scenario, nodes: pd.DataFrame, products, years) -> dict:
    return {
        "demand": _demand(region, scenario.demand.path, nodes, products, years)
        * _demand_factor(nodes, scenario)[:, None, None],
        "natural_cost": _natural_cost(scenario, len(nodes), products, len(years)),
        "natural_co2e": np.full(
            (len(nodes), len(products), len(years)), scenario.natural.import_co2e_kg_per_t / 1000.0
        ),
        "unmet_penalty": scenario.prices.unmet_penalty_yuan_per_t,
        "node_accepts": _accepts(nodes, products),
    }


def _route_arrays(options: RouteOptions, bases, nodes, region: Region, scenario: Scenario, co2e_mt) -> dict:
    base_pos = {b: i for i, b in enumerate(bases["id"])}
    node_pos = {d: i for i, d in enumerate(nodes["id"])}
    table = options.table
    return {
        "route_base": table["base"].map(base_pos).to_numpy(int),
        "route_node": table["node"].map(node_pos).to_numpy(int),
        "route_cost": table["cost_yuan_per_t"].to_numpy(float),
        "route_co2e": co2e_mt,
        "route_open": np.repeat(_route_allowed(options, region, scenario)[:, None], len(scenario.years), axis=1),
    }


def _scenario_arrays(scenario: Scenario, years: tuple[int, ...]) -> dict:
    return {
        "target": np.array([scenario.target.for_year(y) for y in years]),
        "target_hard": scenario.target.hard,
        "shortfall_penalty": scenario.target.shortfall_penalty_yuan_per_t,
        "carbon_price": np.array([scenario.prices.carbon_price(y) for y in years]),
        "emissions_cap": _emissions_cap(scenario, years),
        "year_weight": (1.0 + scenario.prices.discount_rate) ** -(np.array(years) - years[0]),
        "allow_closing": scenario.policies.allow_closing,
    }


def _demand(region: Region, path: str, nodes: pd.DataFrame, products, years) -> np.ndarray:
    """Demand of demand path ``path`` per node, product and year (rows for every path included)."""
    table = region.for_demand_path(path).demand_years
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
    city = nodes["city"].map(lambda c: scale.by_city.get(c, 1.0)).to_numpy(float)
    node = nodes["id"].map(lambda n: scale.by_node.get(n, 1.0)).to_numpy(float)
    return scale.factor * city * node


def _accepts(nodes: pd.DataFrame, products) -> np.ndarray:
    listed = nodes["accepts"].str.split(";").apply(lambda items: {i.strip() for i in items})
    return np.array([[p in accepted for p in products] for accepted in listed], dtype=bool)


def _natural_cost(scenario: Scenario, n_nodes: int, products, n_t: int) -> np.ndarray:
    """The import tier's delivered price (nan where natural aggregate or imports are not allowed)."""
    prices = scenario.prices
    allowed = prices.natural_allowed and scenario.natural.import_allowed
    per_product = [prices.natural_yuan_per_t.get(p, np.nan) if allowed else np.nan for p in products]
    return np.broadcast_to(np.array(per_product)[None, :, None], (n_nodes, len(products), n_t)).copy()


def _quarry_tables(
    region: Region, scenario: Scenario, options: RouteOptions | None
) -> tuple[pd.DataFrame, RouteOptions]:
    """The quarries the scenario uses (capacity, outside share, availability per year) and their routes."""
    natural, years = scenario.natural, list(scenario.years)
    used = options is not None and natural.quarries and scenario.prices.natural_allowed
    table = region.quarries.drop(columns="geometry").reset_index(drop=True)
    if not used:
        table = table.iloc[0:0]
    capacity = region.quarry_capacity(years, natural.closure_rate_per_yr).reindex(table["id"])
    table["outside_share"] = [natural.outside(q, c) for q, c in zip(table["id"], table["city"], strict=True)]
    for y in years:
        table[f"capacity_{y}"] = capacity[y].to_numpy(float)
        table[f"available_{y}"] = table[f"capacity_{y}"] * (1.0 - table["outside_share"])
    if not used:
        return table, RouteOptions.from_rows([], region.provinces)
    return table, options.take(options.column("base").astype(str) != "")


def _quarry_arrays(quarries, qroutes: RouteOptions, nodes, region, scenario, products, co2e_mt, use) -> dict:
    """The problem's quarry block (Mt, yuan/t, Mt CO2e per Mt)."""
    years = scenario.years
    q_pos = {q: i for i, q in enumerate(quarries["id"])}
    node_pos = {d: i for i, d in enumerate(nodes["id"])}
    table = qroutes.table
    factor = scenario.natural.price_factor
    return {
        "quarries": tuple(quarries["id"]),
        "quarry_available": quarries[[f"available_{y}" for y in years]]
        .to_numpy(float)
        .reshape(len(quarries), len(years)),
        "quarry_price": np.column_stack([quarries[f"price_{p}_yuan_per_t"].to_numpy(float) * factor for p in products])
        if len(quarries)
        else np.zeros((0, len(products))),
        "qroute_quarry": table["base"].map(q_pos).to_numpy(int),
        "qroute_node": table["node"].map(node_pos).to_numpy(int),
        "qroute_cost": table["cost_yuan_per_t"].to_numpy(float),
        "qroute_co2e": co2e_mt,
        "qroute_open": np.repeat(_route_allowed(qroutes, region, scenario)[:, None], len(years), axis=1),
        "qroute_resource_use": use,
    }


def _route_allowed(options: RouteOptions, region: Region, scenario: Scenario) -> np.ndarray:
    """Which route options may carry flow.

    Zero-emission zones close the routes that deliver by diesel truck into them (and the zones
    nested inside). With ``policies.access_rules`` on, so does an access window that cannot fit one
    delivery (unloading included): a truck type or emission standard the zone does not admit.
    """
    banned: set[str] = set()
    for zone in scenario.policies.zero_emission_zones:
        banned |= region.zone_nodes(zone)
    table = options.table
    closed = (table["chain"].isin(DIESEL_CHAINS) & table["node"].isin(banned)).to_numpy()
    if scenario.policies.access_rules:
        closed = closed | ~fits_delivery(table["window_hours"].to_numpy(float), scenario.fleet.truck_unload_minutes)
    return ~closed


def fits_delivery(window_hours: np.ndarray, unload_minutes: float) -> np.ndarray:
    """Whether a daily delivery window of ``window_hours`` leaves time to unload one truck (a closed one never does)."""
    return (window_hours > 0) & (window_hours * 60.0 >= unload_minutes)


def _emissions_cap(scenario: Scenario, years) -> np.ndarray:
    caps = [scenario.policies.emissions_cap(y) for y in years]
    return np.array([np.inf if c is None else c / 1000.0 for c in caps])  # kt -> Mt


def _share_rules(options: RouteOptions, scenario: Scenario) -> tuple[ShareRule, ...]:
    rule = scenario.policies.min_rail_share
    if rule.share <= 0:
        return ()
    routes = options.table
    scope = (routes["great_circle_km"] > rule.above_km).to_numpy()
    rail = routes["chain"].isin(RAIL_CHAINS).to_numpy()
    return (ShareRule(f"min_rail_share above {rule.above_km:g} km", rule.share, scope, scope & rail),)


def _coverage_rules(options: RouteOptions, scenario: Scenario) -> tuple[CoverageRule, ...]:
    rule = scenario.policies.coverage
    if rule.share <= 0:
        return ()
    nearness = rule.nearness
    return (CoverageRule(f"coverage {nearness.text()}", rule.share, nearness.of_routes(options.table)),)


def _coproducts(scenario: Scenario, bases: pd.DataFrame, products, years) -> Coproducts | None:
    """Local markets (one per supply city listed), stockyards and disposal; None under free disposal."""
    cfg = scenario.coproducts
    if cfg.free_disposal:
        return None
    cities = sorted(cfg.local_absorption_mt_per_yr)
    market_of = {c: m for m, c in enumerate(cities)}
    per_city = [[cfg.local_absorption_mt_per_yr[c].get(p, 0.0) for p in products] for c in cities]
    prices = [cfg.local_price_yuan_per_t.get(p, 0.0) for p in products]
    n_m, n_t = len(cities), len(years)
    return Coproducts(
        base_market=bases["city"].map(lambda c: market_of.get(c, -1)).to_numpy(int),
        market_absorption=np.repeat(np.array(per_city, float).reshape(n_m, len(products), 1), n_t, axis=2),
        market_price=np.broadcast_to(np.array(prices, float)[None, :, None], (n_m, len(products), n_t)).copy(),
        yard_capacity=bases["id"].map(cfg.yard_capacity).to_numpy(float),
        holding_cost=np.full(len(bases), cfg.holding_yuan_per_t_per_yr),
        disposal_cost=np.full(len(bases), cfg.disposal_yuan_per_t),
    )


# Which availability of a period limits a resource: swap stations serve the trucks, the rest is rail.
RESOURCE_AVAILABILITY = {"swap_station": "trucks", "terminal": "rail", "rail_section": "rail", "rail_market": "rail"}


def _periods(scenario: Scenario, resources: pd.DataFrame) -> Periods | None:
    """The periods of a year from ``seasons.periods``; None (one period per year) when none are set."""
    periods = scenario.seasons.periods
    if not periods:
        return None
    kinds = [RESOURCE_AVAILABILITY.get(k, "rail") for k in resources["kind"]]
    return Periods(
        names=tuple(p.name for p in periods),
        share_of_year=np.array([p.share_of_year for p in periods], float),
        demand_share=np.array([p.demand_share for p in periods], float),
        base_availability=np.array([p.available("bases") for p in periods], float),
        resource_availability=np.array([[p.available(k) for p in periods] for k in kinds], float).reshape(
            len(kinds), len(periods)
        ),
        quarry_availability=np.array([p.available("quarries") for p in periods], float),
    )


def _resources(
    region: Region, scenario: Scenario, options: RouteOptions, quarry_options: RouteOptions
) -> tuple[pd.DataFrame, sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix]:
    """Capacitated resources the routes use and the (E, R) and (E, K) use matrices (base and quarry routes),
    and the part of the (E, R) use a tonne makes up to its unloading terminal (what it uses when railed).

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
    markets = _rail_markets(region, scenario, options)
    used = sorted({e for o in (options, quarry_options) for items in o.table["resources"] for e in items})
    table = table[table["id"].isin(used)].sort_values("id", kind="mergesort").reset_index(drop=True)
    for y in years:
        table[f"capacity_{y}"] = table["capacity"]
    table = pd.concat([table, markets.table], ignore_index=True) if len(markets.table) else table
    table["scale"] = MT
    use = _use_matrix(table, options, trucks.bet.payload_t, markets.of_route)
    quarry_use = _use_matrix(table, quarry_options, trucks.bet.payload_t, {})
    railed = _use_matrix(table, options, trucks.bet.payload_t, markets.of_route, up_to_unloading=True)
    return table.drop(columns="capacity"), use, quarry_use, railed


def _use_matrix(
    table: pd.DataFrame,
    options: RouteOptions,
    payload_t: float,
    extra: dict[int, tuple[str, ...]],
    up_to_unloading: bool = False,
) -> sparse.csr_matrix:
    """(E, R) use of each resource per unit on each route: 1 for terminals, sections and rail markets
    (``extra``: the rail-into-a-city resources of each route), swaps per t at stations; with
    ``up_to_unloading`` only the resources up to and including the unloading terminal, and the rail markets."""
    routes = options.table
    position = {e: i for i, e in enumerate(table["id"])}
    kind = dict(zip(table["id"], table["kind"], strict=True))
    r_idx, e_idx, coef = [], [], []
    rows = zip(routes["resources"], routes["swaps_per_trip"], routes["unloading_terminal"], strict=True)
    for r, (items, swaps, unloading) in enumerate(rows):
        counts = Counter(items) + Counter(extra.get(r, ()))
        n_swap_visits = sum(n for e, n in counts.items() if kind[e] == "swap_station")
        if up_to_unloading:
            counts = Counter(_up_to(items, unloading)) + Counter(extra.get(r, ()))
        for e, n in counts.items():
            per_t = swaps * n / n_swap_visits / payload_t if kind[e] == "swap_station" else float(n)
            r_idx.append(r)
            e_idx.append(position[e])
            coef.append(per_t)
    return sparse.csr_matrix((coef, (e_idx, r_idx)), shape=(len(table), len(routes)))


def _up_to(items: tuple[str, ...], unloading: str) -> tuple[str, ...]:
    """The resources of a route up to and including its unloading terminal (none without one)."""
    if not unloading or unloading not in items:
        return ()
    return items[: len(items) - items[::-1].index(unloading)]


def _terminal_yards(
    region: Region, scenario: Scenario, options: RouteOptions, railed: sparse.csr_matrix
) -> TerminalYards | None:
    """Stockyards at the unloading terminals the rail routes use; None with one period per year."""
    if len(scenario.seasons.periods) < 2:
        return None
    cfg, factor = scenario.seasons.terminal_yards, scenario.infrastructure.terminal_capacity_factor
    unloading = options.table["unloading_terminal"].fillna("").astype(str).to_numpy()
    throughput = dict(zip(region.terminals["id"], region.terminals["capacity_mt_per_yr"] * factor, strict=True))
    capacity = {t: cfg.capacity_mt(t, throughput[t]) for t in sorted(set(unloading) - {""}) if t in throughput}
    ids = tuple(t for t, cap in capacity.items() if cap > 0)
    if not ids:
        return None
    position = {t: u for u, t in enumerate(ids)}
    return TerminalYards(
        terminals=ids,
        capacity=np.array([capacity[t] for t in ids], float),
        holding_cost=np.full(len(ids), cfg.holding_yuan_per_t_per_yr),
        route_terminal=np.array([position.get(t, -1) for t in unloading], int),
        railed_use=railed,
    )


@dataclass(frozen=True)
class _Markets:
    """Rail-into-a-city resources: their rows (capacity by year) and the routes that use each."""

    table: pd.DataFrame
    of_route: dict[int, tuple[str, ...]]


def _rail_markets(region: Region, scenario: Scenario, options: RouteOptions) -> _Markets:
    """One resource per city of ``rail.aggregate_mt_by_year``, used by every rail route into it.

    Its capacity ramps by year (``Rail.aggregate_mt``), so the ramp binds on all aggregate
    rail into the market together rather than on one yard.
    """
    rail = scenario.rail
    city_of = dict(zip(region.demand["id"], region.demand["city"], strict=True))
    routes = options.table
    on_rail = routes["chain"].isin(RAIL_CHAINS).to_numpy()
    cities = routes["node"].map(city_of).to_numpy()
    rows, of_route = [], {}
    for city in sorted(rail.aggregate_mt_by_year):
        users = np.flatnonzero(on_rail & (cities == city))
        if not len(users):
            continue
        rid = f"rail-into-{city}"
        caps = {f"capacity_{y}": rail.aggregate_mt(city, y) * MT for y in scenario.years}
        rows.append({"id": rid, "kind": "rail_market", "name": f"aggregate rail into {city}", "unit": "t/yr", **caps})
        for r in users:
            of_route[int(r)] = (*of_route.get(int(r), ()), rid)
    columns = ["id", "kind", "name", "unit", *(f"capacity_{y}" for y in scenario.years)]
    return _Markets(pd.DataFrame(rows, columns=columns), of_route)
