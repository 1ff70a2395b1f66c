"""Can a construction site be supplied from near solid-waste bases? (``aggregates coverage``)

A site is added to the region as an extra demand node, joined to the nearest road junction by an
access link, and route options are computed from every base. Residual capacity comes from a plan:
an earlier run folder (``--plan``), or an optimisation that includes the sites as demand. Then a
small LP finds the cheapest mix of near options that the residual capacity allows, and the
coverage rule (``coverage_check`` in the config) turns its share into covered / partly / not.

The numeric core (:func:`cheapest_mix`, :func:`option_residuals`) works on plain arrays and dicts.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import linprog
from shapely.geometry import LineString, Point

from aggregates.config import CoverageCheck, Scenario
from aggregates.data.region import Region
from aggregates.errors import InputError
from aggregates.network.graph import build_network
from aggregates.network.routes import co2e_kg_per_t, great_circle_km, route_options
from aggregates.optimize.build import MT
from aggregates.optimize.plan import Plan

log = logging.getLogger(__name__)

CAPACITATED = ("terminal", "rail_section")  # swap stations are counted in swaps, not tonnes: left out
SITE_FIELDS = ("name", "lat", "lon", "tonnes", "product", "years")
STATUSES = ("covered", "partly", "not")


@dataclass(frozen=True)
class Site:
    """A construction project asking for aggregate.

    Attributes
    ----------
    name
        Shown in answers; also the source of the node id.
    lat, lon
        WGS 84 degrees.
    tonnes
        Tonnes a year of ``product`` in each of ``years``.
    product
        One of the region's products.
    years
        Years the site needs it.
    """

    name: str
    lat: float
    lon: float
    tonnes: float
    product: str
    years: tuple[int, ...]


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


# ---------------------------------------------------------------- input


def check_site(site: Site, region: Region, scenario: Scenario, where: str, plan_years=None) -> list[str]:
    """Problems with a site's fields, each naming ``where`` and the field; empty when valid."""
    problems = []
    for field in ("lat", "lon", "tonnes"):
        value = getattr(site, field)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(f"{where}: {field} must be a number, got {value!r}")
    if not problems:
        x0, y0, x1, y1 = region.meta.bbox
        if not (x0 <= site.lon <= x1 and y0 <= site.lat <= y1):
            problems.append(
                f"{where}: lat {site.lat:g}, lon {site.lon:g} is outside the region {region.meta.name} "
                f"(bbox lon {x0:g}..{x1:g}, lat {y0:g}..{y1:g}); check for swapped lat/lon"
            )
        if site.tonnes <= 0:
            problems.append(f"{where}: tonnes must be > 0 (tonnes a year), got {site.tonnes:g}")
    if site.product not in region.meta.products:
        problems.append(f"{where}: product must be one of {', '.join(region.meta.products)}, got {site.product!r}")
    allowed = plan_years if plan_years is not None else scenario.years
    bad = [y for y in site.years if y not in allowed]
    if bad or not site.years:
        problems.append(f"{where}: years must be among {list(allowed)}, got {list(site.years)}")
    return problems


def _number(text: str):
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def _years(text, default: tuple[int, ...]):
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return default
    try:
        return tuple(int(float(y)) for y in re.split(r"[;, ]+", str(text).strip()) if y)
    except ValueError:
        return None


def parse_years(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    """Years from ``"2024"`` or ``"2024,2025"`` (``default`` when empty).

    Raises
    ------
    InputError
        For anything but integers.
    """
    years = _years(text, default)
    if years is None:
        raise InputError(f"--years: expected years like 2024 or 2024,2025, got {text!r}")
    return years


def read_sites(path: str | Path, default_years: tuple[int, ...]) -> list[tuple[int, Site]]:
    """Sites from a CSV or GeoJSON file with columns name, lat, lon, tonnes, product[, years].

    GeoJSON points may give lat/lon by their geometry. Returns (row number, site) pairs; rows are
    numbered from 1 as a spreadsheet shows them below the header (CSV) or as features (GeoJSON).

    Raises
    ------
    InputError
        For an unreadable file or missing columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: sites file not found")
    try:
        if path.suffix.lower() in (".geojson", ".json", ".gpkg"):
            table = gpd.read_file(path)
            if "lat" not in table.columns and len(table):
                table["lon"], table["lat"] = table.geometry.x, table.geometry.y
            table = pd.DataFrame(table.drop(columns="geometry")).astype(object)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#", encoding="utf-8")
    except Exception as exc:  # any parser failure becomes a message naming the file
        raise InputError(f"{path}: cannot be read as CSV or GeoJSON ({type(exc).__name__}: {exc})") from None
    missing = [c for c in SITE_FIELDS[:-1] if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; expected name, lat, lon, tonnes, product "
            "and optionally years (e.g. 2024;2025)"
        )
    sites = []
    for i, row in enumerate(table.to_dict("records"), start=1):
        years = _years(row.get("years"), default_years)
        sites.append(
            (
                i,
                Site(
                    name=str(row["name"]).strip() or f"site {i}",
                    lat=_number(row["lat"]),
                    lon=_number(row["lon"]),
                    tonnes=_number(row["tonnes"]),
                    product=str(row["product"]).strip(),
                    years=years if years is not None else (),
                ),
            )
        )
    if not sites:
        raise InputError(f"{path}: has no sites; add rows with name, lat, lon, tonnes, product")
    return sites


# ---------------------------------------------------------------- region with sites


def node_id(name: str, taken: set[str]) -> str:
    """A stable demand-node id for a site name, unique among ``taken``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or "site"
    base = f"d-site-{slug}"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    return out


def snap(region: Region, lon: float, lat: float) -> tuple[str, float]:
    """The nearest road junction of the region and its straight distance in km."""
    nodes = region.road_nodes
    km = great_circle_km(lon, lat, nodes.geometry.x.to_numpy(), nodes.geometry.y.to_numpy())
    i = int(np.argmin(km))
    return str(nodes["id"].iloc[i]), float(km[i])


def _nearest(table: gpd.GeoDataFrame, column: str, lon: float, lat: float) -> str:
    km = great_circle_km(lon, lat, table.geometry.x.to_numpy(), table.geometry.y.to_numpy())
    return str(table[column].iloc[int(np.argmin(km))])


def with_sites(region: Region, sites: list[Site], ids: list[str], circuity: float) -> Region:
    """A copy of ``region`` with the sites as demand nodes, each on an access link to its nearest junction.

    The sites' demand is ``tonnes`` in each of their years; their market city and province are
    those of the nearest demand node and road junction.
    """
    demand_rows, year_rows, road_rows = [], [], []
    for site, nid in zip(sites, ids, strict=True):
        junction, km = snap(region, site.lon, site.lat)
        where = region.road_nodes.set_index("id").loc[junction]
        demand_rows.append(
            {
                "id": nid,
                "name_en": site.name,
                "name_zh": site.name,
                "city": _nearest(region.demand, "city", site.lon, site.lat),
                "district": "site",
                "province": str(where["province"]),
                "accepts": site.product,
                "zone": "none",
                "diesel_restricted": False,
                "source": "coverage site",
                "geometry": Point(site.lon, site.lat),
            }
        )
        year_rows += [
            {"node_id": nid, "year": y, "product": site.product, "demand_mt": site.tonnes / MT} for y in site.years
        ]
        road_rows.append(
            {
                "id": f"rd-{nid}",
                "road": "access",
                "from_node": nid,
                "to_node": junction,
                "kind": "access",
                "length_km": max(km * circuity, 0.1),
                "toll": False,
                "source": "coverage site",
                "geometry": LineString([(site.lon, site.lat), (where.geometry.x, where.geometry.y)]),
            }
        )
    demand = gpd.GeoDataFrame(pd.concat([region.demand, _geo(demand_rows)], ignore_index=True), crs="EPSG:4326")
    roads = gpd.GeoDataFrame(pd.concat([region.roads, _geo(road_rows)], ignore_index=True), crs="EPSG:4326")
    years = pd.concat([region.demand_years, pd.DataFrame(year_rows)], ignore_index=True)
    return replace(region, demand=demand, demand_years=years, roads=roads)


def _geo(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


# ---------------------------------------------------------------- residual capacity


def resource_capacity(region: Region, scenario: Scenario) -> dict[str, float]:
    """Tonnes a year each terminal and rail section can take (as the model counts them)."""
    rail, infra = scenario.rail, scenario.infrastructure
    cap = {t.id: t.capacity_mt_per_yr * MT * infra.terminal_capacity_factor for t in region.terminals.itertuples()}
    for s in region.rail_segments.itertuples():
        per_train = rail.net_t_per_train * rail.operating_days * infra.rail_capacity_factor
        cap[s.id] = s.capacity_trains_per_day * per_train
    return cap


def base_residuals(bases: pd.DataFrame, region: Region, product: str, year: int) -> dict[str, float]:
    """Tonnes of ``product`` each base could still ship in ``year`` after a plan's ``bases`` table.

    A base makes its products in fixed shares (yields), so its room for one product is its capacity
    times that product's share of output less what the plan ships of it. Bases the plan does not
    build have none.
    """
    yields = region.bases.set_index("id")[["yield_sand", "yield_coarse"]]
    share = yields[f"yield_{product}"] / yields.sum(axis=1)
    rows = bases[bases["year"] == year]
    out = {}
    for row in rows.itertuples():
        room = row.capacity_t * float(share.get(row.base, 0.0)) - getattr(row, f"output_{product}_t")
        out[str(row.base)] = max(float(room), 0.0)
    return out


def resource_residuals(resources: pd.DataFrame, capacity: dict[str, float], year: int) -> dict[str, float]:
    """Tonnes each terminal and rail section can still take in ``year`` after a plan's ``resources`` table."""
    load = resources[(resources["year"] == year) & resources["kind"].isin(CAPACITATED)]
    used = dict(zip(load["resource"], load["load"], strict=True))
    return {e: max(c - float(used.get(e, 0.0)), 0.0) for e, c in capacity.items()}


def option_residuals(bases: pd.Series, resources: pd.Series, base_room: dict, resource_room: dict) -> np.ndarray:
    """Per option, the least residual of its base and of each capacitated resource on its way."""
    out = []
    for base, items in zip(bases, resources, strict=True):
        room = [base_room.get(base, 0.0), *(resource_room[e] for e in items if e in resource_room)]
        out.append(min(room))
    return np.array(out, dtype=float)


# ---------------------------------------------------------------- the mix


def cheapest_mix(cost: np.ndarray, groups: list[tuple[np.ndarray, float]], tonnes: float) -> np.ndarray:
    """Tonnes per option of the cheapest mix delivering as much of ``tonnes`` as the limits allow.

    Parameters
    ----------
    cost
        Delivered cost per tonne of each option.
    groups
        (option indices, tonnes) limits shared by options: a base's or a resource's residual.
    tonnes
        What the site needs.

    Returns
    -------
    numpy.ndarray
        Tonnes per option: first the most that can be delivered, then the least cost for that.
    """
    n = len(cost)
    if n == 0:
        return np.zeros(0)
    rows = [np.ones(n)]
    caps = [tonnes]
    for index, cap in groups:
        row = np.zeros(n)
        row[index] = 1.0
        rows.append(row)
        caps.append(cap)
    a_ub, b_ub = np.array(rows), np.array(caps)
    most = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    deliver = -most.fun if most.status == 0 else 0.0
    if deliver <= 1e-9:
        return np.zeros(n)
    floor = deliver * (1 - 1e-9)  # keep the first stage's tonnes up to rounding
    best = linprog(
        cost,
        A_ub=np.vstack([a_ub, -np.ones(n)]),
        b_ub=np.append(b_ub, -floor),
        bounds=(0, None),
        method="highs",
    )
    return np.clip(best.x, 0, None) if best.status == 0 else np.zeros(n)


def _groups(options: pd.DataFrame, base_room: dict, resource_room: dict) -> list[tuple[np.ndarray, float]]:
    groups = []
    for base, index in options.groupby("base").indices.items():
        groups.append((index, base_room.get(base, 0.0)))
    used: dict[str, list[int]] = {}
    for i, items in enumerate(options["resources"]):
        for e in set(items):
            if e in resource_room:
                used.setdefault(e, []).append(i)
    groups += [(np.array(ix), resource_room[e]) for e, ix in sorted(used.items())]
    return groups


def within_rule(options: pd.DataFrame, rule: CoverageCheck) -> np.ndarray:
    """Whether each option is near: route km within ``within_km`` or hours within ``within_hours``."""
    near = np.zeros(len(options), dtype=bool)
    if rule.within_km is not None:
        near |= ((options["km_road"] + options["km_rail"]) <= rule.within_km).to_numpy()
    if rule.within_hours is not None:
        near |= (options["hours"] <= rule.within_hours).to_numpy()
    return near


def rule_text(rule: CoverageCheck) -> str:
    """The rule's nearness in words, e.g. ``within 300 km or 8 h``."""
    limits = [f"{rule.within_km:g} km"] if rule.within_km is not None else []
    limits += [f"{rule.within_hours:g} h"] if rule.within_hours is not None else []
    return "within " + " or ".join(limits)


# ---------------------------------------------------------------- the check


@dataclass(frozen=True)
class _Room:
    """Residual capacity per year: by base (for one product) and by resource."""

    bases: dict[int, dict[str, float]]
    resources: dict[int, dict[str, float]]


def _least_room(room: _Room, years: tuple[int, ...]) -> tuple[dict, dict]:
    """The least residual over a site's years: the mix must fit in every one."""
    bases = {b: min(room.bases[y].get(b, 0.0) for y in years) for b in room.bases[years[0]]}
    res = {e: min(room.resources[y][e] for y in years) for e in room.resources[years[0]]}
    return bases, res


def assess(
    site: Site, node: str, options: pd.DataFrame, base_room: dict, resource_room: dict, rule: CoverageCheck
) -> tuple[pd.DataFrame, pd.DataFrame, float, str]:
    """Rank a site's options, find its cheapest near mix and the share it covers.

    Returns (ranked options, mix, share covered, reason).
    """
    options = options.copy()
    options["within_rule"] = within_rule(options, rule)
    options["residual_capacity_t"] = option_residuals(options["base"], options["resources"], base_room, resource_room)
    options = options.sort_values(["delivered_cost_yuan_per_t", "base", "chain"], kind="mergesort", ignore_index=True)
    near = options[options["within_rule"]].reset_index(drop=True)
    x = cheapest_mix(
        near["delivered_cost_yuan_per_t"].to_numpy(float), _groups(near, base_room, resource_room), site.tonnes
    )
    mix = near.assign(tonnes=x)[x > 1e-6 * site.tonnes].reset_index(drop=True)
    share = min(float(mix["tonnes"].sum()) / site.tonnes, 1.0)  # solver dust below the mix's cut-off is not supply
    return options, mix, share, _reason(site, options, share, rule)


def _reason(site: Site, options: pd.DataFrame, share: float, rule: CoverageCheck) -> str:
    if share >= rule.share - 1e-9:
        return ""
    if not len(options):
        return f"no route from any base reaches {site.name} (check the road layer near it)"
    near = options[options["within_rule"]]
    if not len(near):
        km = options["km_road"] + options["km_rail"]
        best = options.loc[km.idxmin()]
        return (
            f"no base is {rule_text(rule)}: the nearest option is {best['base']} by {best['chain']}, "
            f"{km.min():.0f} km, {options['hours'].min():.1f} h"
        )
    got = share * site.tonnes
    return (
        f"the bases {rule_text(rule)} have {got:,.0f} t/yr of {site.product} left for this site after the plan "
        f"({share:.0%} of {site.tonnes:,.0f} t/yr; the rule asks {rule.share:.0%}): their capacity or the rail "
        f"sections and yards on the way are taken"
    )


def _status(share: float, rule: CoverageCheck) -> str:
    if share >= rule.share - 1e-9:
        return "covered"
    return "partly" if share > 1e-9 else "not"


def site_options(region: Region, scenario: Scenario, nodes: list[str], year: int) -> pd.DataFrame:
    """Route options from every base to ``nodes`` with delivered cost (production included) and CO2e."""
    network = build_network(region, scenario)
    options = route_options(network, nodes=nodes)
    production = region.bases.set_index("id")["production_cost_yuan_per_t"]
    options["production_cost_yuan_per_t"] = options["base"].map(production).to_numpy(float)
    options["delivered_cost_yuan_per_t"] = options["cost_yuan_per_t"] + options["production_cost_yuan_per_t"]
    options["co2e_kg_per_t"] = co2e_kg_per_t(options, scenario, year).to_numpy(float)
    options["km"] = options["km_road"] + options["km_rail"]
    return options


def room_from_plan(plan: Plan, region: Region, scenario: Scenario, product: str, years) -> _Room:
    """Residual capacity in each year after a plan that does not include the site."""
    capacity = resource_capacity(region, scenario)
    return _Room(
        {y: base_residuals(plan.bases, region, product, y) for y in years},
        {y: resource_residuals(plan.resources, capacity, y) for y in years},
    )


def without_site(plan: Plan, routes: pd.DataFrame, node: str) -> Plan:
    """The plan's bases and resources tables with one node's own flows taken back out.

    What an optimised plan gave the site itself is room the site can use; what it gave everyone
    else is not.
    """
    own = plan.flows[plan.flows["node"] == node]
    bases = plan.bases.copy()
    resources = plan.resources.copy()
    for f in own.itertuples():
        at = (bases["year"] == f.year) & (bases["base"] == f.base)
        bases.loc[at, f"output_{f.product}_t"] -= f.tonnes
        for e, n in Counter(routes["resources"].iloc[int(f.route)]).items():
            resources.loc[(resources["year"] == f.year) & (resources["resource"] == e), "load"] -= f.tonnes * n
    return replace(plan, bases=bases, resources=resources)


def plan_supply(plan: Plan, node: str, years) -> dict:
    """What a plan delivered to a node over ``years``, tonnes a year on average, by source."""
    rows = plan.demand[(plan.demand["node"] == node) & plan.demand["year"].isin(years)]
    rows = rows[rows["demand_t"] > 0]
    n = max(len(rows), 1)
    return {
        "solid_waste_t": round(float(rows["solid_waste_t"].sum()) / n, 1),
        "natural_t": round(float(rows["natural_t"].sum()) / n, 1),
        "unmet_t": round(float(rows["unmet_t"].sum()) / n, 1),
        "suppliers": ";".join(sorted({s for v in rows["suppliers"].fillna("") for s in str(v).split(";") if s})),
    }


def check_coverage(
    scenario: Scenario,
    region: Region,
    sites: list[tuple[str, Site]],
    *,
    plan: Plan | None = None,
    optimize=None,
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
        ``(plan, routes)`` of an optimisation that includes them as demand. Each site may use
        what that plan gave it plus what it left unused.

    Raises
    ------
    InputError
        Listing every bad site field, and sites too far from the road network.
    """
    rule = scenario.coverage_check
    plan_years = sorted(int(y) for y in plan.bases["year"].unique()) if plan is not None else None
    problems = [p for label, site in sites for p in check_site(site, region, scenario, label, plan_years)]
    if not problems:
        problems = _too_far(region, sites, rule.max_snap_km)
    if problems:
        raise InputError("\n".join([f"{len(problems)} problem(s) with the site(s):", *(f"  - {p}" for p in problems)]))
    taken = set(region.points()["id"])
    ids = []
    for _label, site in sites:
        ids.append(node_id(site.name, taken))
        taken.add(ids[-1])
    plain = [site for _label, site in sites]
    extended = with_sites(region, plain, ids, scenario.trucks.access_circuity)
    year0 = min(y for site in plain for y in site.years)
    options = site_options(extended, scenario, ids, year0)
    if plan is not None:
        source = "the given plan (each site checked alone against it)"
        solved, routes = plan, None
    else:
        source = "a new optimisation of the scenario with the site(s) added as demand (all sites together)"
        solved, routes = optimize(extended)
    results = []
    for site, nid in zip(plain, ids, strict=True):
        own = without_site(solved, routes, nid) if routes is not None else solved
        room = room_from_plan(own, region, scenario, site.product, site.years)
        base_room, resource_room = _least_room(room, site.years)
        ranked, mix, share, reason = assess(site, nid, options[options["node"] == nid], base_room, resource_room, rule)
        junction, km = snap(region, site.lon, site.lat)
        supply = plan_supply(solved, nid, site.years) if routes is not None else None
        results.append(Coverage(site, nid, junction, km, share, _status(share, rule), ranked, mix, reason, supply))
        log.info("coverage %s: %s, %.0f %%", site.name, results[-1].status, 100 * share)
    return Report(results, rule, source)


def _too_far(region: Region, sites: list[tuple[str, Site]], max_km: float) -> list[str]:
    problems = []
    for label, site in sites:
        junction, km = snap(region, site.lon, site.lat)
        if km > max_km:
            problems.append(
                f"{label}: {km:.1f} km from the nearest road junction of the network ({junction}); the most is "
                f"{max_km:g} km (coverage_check.max_snap_km): move the site or raise it with "
                f"--set coverage_check.max_snap_km={math.ceil(km)}"
            )
    return problems


# ---------------------------------------------------------------- output


def result_dict(result: Coverage, rule: CoverageCheck, top: int = 10) -> dict:
    """One site's answer as plain JSON-ready data."""
    s = result.site

    def option(row) -> dict:
        out = {
            "base": row["base"],
            "chain": row["chain"],
            "cost_yuan_per_t": round(float(row["delivered_cost_yuan_per_t"]), 2),
            "transport_cost_yuan_per_t": round(float(row["cost_yuan_per_t"]), 2),
            "hours": round(float(row["hours"]), 2),
            "km": round(float(row["km"]), 1),
            "co2e_kg_per_t": round(float(row["co2e_kg_per_t"]), 3),
            "residual_capacity_t": round(float(row["residual_capacity_t"]), 0),
            "within_rule": bool(row["within_rule"]),
            "via": list(row["resources"]),
        }
        if "tonnes" in row:
            out["tonnes"] = round(float(row["tonnes"]), 0)
        return out

    data = {
        "name": s.name,
        "node": result.node,
        "lat": s.lat,
        "lon": s.lon,
        "tonnes": s.tonnes,
        "product": s.product,
        "years": list(s.years),
        "covered": result.covered,
        "status": result.status,
        "share_covered": round(result.share_covered, 4),
        "rule": {"share": rule.share, "within_km": rule.within_km, "within_hours": rule.within_hours},
        "snapped_to": {"road_node": result.snap_node, "km": round(result.snap_km, 2)},
        "options": [option(r) for _i, r in result.options.head(top).iterrows()],
        "mix": [option(r) for _i, r in result.mix.iterrows()],
        "mix_cost_yuan_per_t": _rounded(result.mix_mean("delivered_cost_yuan_per_t"), 2),
        "mix_co2e_kg_per_t": _rounded(result.mix_mean("co2e_kg_per_t"), 3),
        "mix_hours": _rounded(result.mix_mean("hours"), 2),
    }
    if result.reason:
        data["reason"] = result.reason
    if result.plan_supply is not None:
        data["plan_supply"] = result.plan_supply
    return data


def _rounded(value: float, digits: int):
    return None if math.isnan(value) else round(value, digits)


def summary_table(report: Report) -> pd.DataFrame:
    """One row per site: the columns of ``coverage.csv``."""
    rows = []
    for r in report.results:
        s = r.site
        rows.append(
            {
                "name": s.name,
                "lat": s.lat,
                "lon": s.lon,
                "tonnes": s.tonnes,
                "product": s.product,
                "years": ";".join(str(y) for y in s.years),
                "covered": r.covered,
                "status": r.status,
                "share_covered": round(r.share_covered, 4),
                "cost_yuan_per_t": _rounded(r.mix_mean("delivered_cost_yuan_per_t"), 2),
                "co2e_kg_per_t": _rounded(r.mix_mean("co2e_kg_per_t"), 3),
                "hours": _rounded(r.mix_mean("hours"), 2),
                "suppliers": ";".join(f"{m.base}:{m.chain}:{m.tonnes:.0f}" for m in r.mix.itertuples()),
                "reason": r.reason,
            }
        )
    return pd.DataFrame(rows)


def write_sites_report(report: Report, region: Region, out_dir: str | Path) -> Path:
    """Write ``coverage.csv`` and the map ``coverage.html`` to ``out_dir`` (all or nothing)."""
    from aggregates.outputs import atomic_folder
    from aggregates.viz.coverage_map import coverage_map, save_html

    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        summary_table(report).to_csv(tmp / "coverage.csv", index=False, encoding="utf-8")
        bases = {b.id: (b.geometry.y, b.geometry.x, b.name_en) for b in region.bases.itertuples()}
        save_html(coverage_map(report, bases), tmp / "coverage.html")
    return out_dir


def coverage_report(inputs, sites: list[tuple[str, Site]], plan_dir: str | Path | None = None, on_stage=None) -> Report:
    """:func:`check_coverage` on loaded inputs, with residual capacity from a run folder or a new optimisation.

    Parameters
    ----------
    inputs
        From :func:`aggregates.api.load_inputs`.
    sites
        (label, site) pairs.
    plan_dir
        A run folder written by ``aggregates optimize``; None: optimise with the sites added.
    on_stage
        Progress callback of :func:`aggregates.api.optimize`.
    """
    from aggregates import api
    from aggregates.viz.run import read_run

    if plan_dir is not None:
        plan = read_run(plan_dir).plan
        report = check_coverage(inputs.scenario, inputs.region, sites, plan=plan)
        return replace(report, residual_source=f"the plan in {plan_dir} (each site checked alone against it)")

    def optimize(region: Region) -> tuple[Plan, pd.DataFrame]:
        result = api.optimize(api.Inputs(inputs.scenario, region), on_stage=on_stage)
        return result.plan, result.instance.routes

    return check_coverage(inputs.scenario, inputs.region, sites, optimize=optimize)
