"""Getting a scenario's inputs ready: its region (from a folder, OpenStreetMap or memory), checked to fit.

A scenario and a region are each validated when read; :func:`check_fit` checks what ties
them together (years, places and zones the scenario names, prices for the region's
products), once, before anything is built, so the layers below can trust their inputs.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from scipy.spatial import cKDTree

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.errors import ConfigError, RegionError, problems_error
from aggregates.pipeline.cache import InputCache

SNAPPED_LAYERS = ("bases", "demand", "terminals", "swap_stations", "quarries")


def select_demand_path(scenario: Scenario, region: Region, cache: InputCache) -> Region:
    """``region`` with the demand path the scenario's ``demand.path`` names.

    Raises
    ------
    ConfigError
        When the region's ``demand_years.csv`` names paths and not this one.
    """
    path, paths = scenario.demand.path, region.demand_paths()
    if paths and path not in paths:
        raise ConfigError(
            f"{scenario.origin}: demand.path '{path}' is not a demand path of region {region.meta.name}; "
            f"its demand_years.csv has paths {', '.join(paths)}. Set demand.path to one of them, "
            f"e.g. --set demand.path={paths[0]}"
        )
    return cache.demand_path(region, path)


def check_fit(scenario: Scenario, region: Region) -> None:
    """Raise if the scenario asks for what the region does not have.

    Raises
    ------
    RegionError
        When the region has no demand for a scenario year.
    ConfigError
        Listing every key that names an unknown city, node, zone or quarry, a product without a
        natural-aggregate price, or a map year that is not planned.
    """
    _check_years(scenario, region)
    problems = [
        *_demand_keys(scenario, region),
        *_zone_keys(scenario, region),
        *_natural_keys(scenario, region),
        *_other_keys(scenario, region),
        *_coproduct_keys(scenario, region),
        *_base_level_keys(scenario, region),
    ]
    if problems:
        raise problems_error(
            ConfigError, f"{scenario.origin}: {len(problems)} problem(s) with region {region.meta.name}:", problems
        )


def _check_years(scenario: Scenario, region: Region) -> None:
    have = set(region.years())
    missing = [y for y in scenario.years if y not in have]
    if missing:
        where = region.path / "demand_years.csv" if region.path.is_dir() else f"{region.path} sheet 'demand_years'"
        raise RegionError(
            f"{where}: no demand for year(s) {missing}; the scenario asks for "
            f"{scenario.years} and the region covers {sorted(have)}. Add rows for those years or change 'years' "
            f"in the config."
        )


def _demand_keys(scenario: Scenario, region: Region) -> list[str]:
    scale, demand = scenario.demand, region.demand
    cities, nodes = set(demand["city"]), set(demand["id"])
    unknown = [f"by_city.{c}" for c in scale.by_city if c not in cities]
    unknown += [f"by_node.{n}" for n in scale.by_node if n not in nodes]
    uncertain = [f"uncertainty.demand.by_city.{c}" for c in scenario.uncertainty.demand.by_city if c not in cities]
    problems = [f"demand: {', '.join(unknown)} match no demand node of the region"] if unknown else []
    if uncertain:
        problems.append(f"{', '.join(uncertain)}: no demand node of the region is in that city")
    return [f"{p} (cities: {sorted(cities)})" for p in problems]


def _natural_keys(scenario: Scenario, region: Region) -> list[str]:
    natural, quarries = scenario.natural, region.quarries
    cities, ids = set(quarries["city"]), set(quarries["id"])
    unknown = [f"outside_share_by_city.{c}" for c in natural.outside_share_by_city if c not in cities]
    unknown += [f"outside_share_by_quarry.{q}" for q in natural.outside_share_by_quarry if q not in ids]
    if not unknown:
        return []
    return [f"natural: {', '.join(unknown)} match no quarry of the region (quarry cities: {sorted(cities)})"]


def _zone_keys(scenario: Scenario, region: Region) -> list[str]:
    known = region.policy_zones()
    return [
        f"policies.zero_emission_zones: '{zone}' is not a zone of the region; use one of {', '.join(known)} "
        "(zones are listed in the region's region.yaml)"
        for zone in scenario.policies.zero_emission_zones
        if zone not in known
    ]


def _other_keys(scenario: Scenario, region: Region) -> list[str]:
    problems = []
    prices = scenario.prices
    missing = [p for p in region.meta.products if p not in prices.natural_yuan_per_t]
    if missing and prices.natural_allowed:
        problems.append(
            f"prices.natural_yuan_per_t has no price for product(s) {missing} of the region; add them, "
            f"e.g. --set prices.natural_yuan_per_t.{missing[0]}=150"
        )
    year = scenario.outputs.year
    if year is not None and year not in scenario.years:
        problems.append(f"outputs.year {year} is not planned; the scenario's years are {scenario.years}")
    return problems


def _coproduct_keys(scenario: Scenario, region: Region) -> list[str]:
    cfg, bases, products = scenario.coproducts, region.bases, set(region.meta.products)
    cities, ids = sorted(set(bases["city"])), set(bases["id"])
    problems = [
        f"coproducts.local_absorption_mt_per_yr.{c}: no base of the region is in that city; use one of {cities}"
        for c in cfg.local_absorption_mt_per_yr
        if c not in cities
    ]
    listed = {p for per in cfg.local_absorption_mt_per_yr.values() for p in per} | set(cfg.local_price_yuan_per_t)
    problems += [
        f"coproducts: '{p}' is not a product of the region; use one of {sorted(products)}"
        for p in sorted(listed - products)
    ]
    problems += [
        f"coproducts.yard_capacity_mt_by_base.{b}: not a base of the region"
        for b in cfg.yard_capacity_mt_by_base
        if b not in ids
    ]
    terminals = set(region.terminals["id"])
    problems += [
        f"seasons.terminal_yards.capacity_mt_by_terminal.{t}: not a terminal of the region "
        f"(terminals.geojson ids, e.g. {min(terminals) if terminals else 'none'})"
        for t in scenario.seasons.terminal_yards.capacity_mt_by_terminal
        if t not in terminals
    ]
    return problems


def _base_level_keys(scenario: Scenario, region: Region) -> list[str]:
    """Fixed build decisions (``infrastructure.base_levels``) the region and the model's rules allow."""
    infra, bases = scenario.infrastructure, region.bases.set_index("id")
    numbers = region.base_levels.groupby("base_id")["level"].apply(lambda s: sorted(int(v) for v in s)).to_dict()
    problems = []
    for base in infra.base_levels:
        key = f"infrastructure.base_levels.{base}"
        if base not in bases.index:
            problems.append(f"{key}: not a base of the region (bases.geojson ids, e.g. {min(bases.index)})")
            continue
        have = numbers.get(base, [])
        fixed = {year: infra.fixed_level(base, year) for year in scenario.years}
        fixed = {year: level for year, level in fixed.items() if level is not None}
        bad = sorted({lv for lv in fixed.values() if lv >= 0 and lv not in have})
        if bad:
            problems.append(f"{key}: level(s) {bad} not in base_levels.csv; {base} has levels {have} (or -1: closed)")
        problems += _fixed_sequence_problems(key, base, fixed, scenario, bases.loc[base, "status"] == "existing")
    return problems


def _fixed_sequence_problems(key: str, base: str, fixed: dict[int, int], scenario: Scenario, existing: bool) -> list:
    """Closing an existing base, or falling back a level, which only ``policies.allow_closing`` permits."""
    if scenario.policies.allow_closing:
        return []
    fix = "or set policies.allow_closing=true"
    if existing and any(lv < 0 for lv in fixed.values()):
        closed = [y for y, lv in fixed.items() if lv < 0]
        return [f"{key}: {base} is an existing base and must stay open; it is fixed closed in {closed} ({fix})"]
    years = sorted(fixed)
    for before, after in pairwise(years):
        if fixed[after] < fixed[before]:
            return [
                f"{key}: {base} falls from level {fixed[before]} in {before} to {fixed[after]} in {after}; "
                f"a base does not fall back ({fix})"
            ]
    return []


def with_osm_roads(region: Region, source: str | Path, *, max_snap_km: float, allow_download: bool = False) -> Region:
    """A copy of ``region`` whose road layer is built from OpenStreetMap (a file, or ``"download"``).

    The ``roads`` table has the column ``oneway`` when some OSM link is one-way.

    Raises
    ------
    RegionError
        From :func:`aggregates.data.osm.build_osm_road_layer`: a missing or unreadable file,
        download not allowed, or sites too far from any road.
    """
    # Deferred: osmnx, networkx and pyosmium load only when OSM roads are asked for.
    from aggregates.data.osm import build_osm_road_layer  # noqa: PLC0415

    known = region.points()
    points = known[known["layer"].isin(SNAPPED_LAYERS)][["id", "lon", "lat"]].reset_index(drop=True)
    tree = cKDTree(known[["lon", "lat"]].to_numpy())
    provinces = known["province"].to_numpy()

    def province_of(lon: float, lat: float) -> str:
        # Nearest known site's province: the region carries no provincial boundaries.
        return str(provinces[tree.query([lon, lat])[1]])

    road_nodes, roads = build_osm_road_layer(
        source,
        points,
        province_of=province_of,
        max_snap_km=max_snap_km,
        allow_download=allow_download,
        bbox=region.meta.bbox,
        with_oneway=True,
    )
    if not roads["oneway"].any():
        roads = roads.drop(columns="oneway")  # all both ways: the column is left empty
    return region.with_roads(road_nodes, roads)


__all__ = ["check_fit", "select_demand_path", "with_osm_roads"]
