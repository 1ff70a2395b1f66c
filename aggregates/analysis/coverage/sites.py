"""A region with construction sites added as demand nodes, each on an access link to its nearest road junction."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from aggregates.config import Scenario
from aggregates.data.region import Region
from aggregates.data.sites import Site
from aggregates.network.routes import great_circle_km
from aggregates.vocab import MT

MAX_SITE_T = 1e9  # tonnes a year; ten times Beijing's whole yearly demand, so only a typo is refused


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
        if not 0 < site.tonnes <= MAX_SITE_T:
            problems.append(
                f"{where}: tonnes must be > 0 and at most {MAX_SITE_T:g} (tonnes a year), got {site.tonnes:g}"
            )
    if site.product not in region.meta.products:
        problems.append(f"{where}: product must be one of {', '.join(region.meta.products)}, got {site.product!r}")
    allowed = plan_years if plan_years is not None else scenario.years
    bad = [y for y in site.years if y not in allowed]
    if bad or not site.years:
        problems.append(f"{where}: years must be among {list(allowed)}, got {list(site.years)}")
    return problems


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


def too_far(region: Region, sites: list[tuple[str, Site]], max_km: float) -> list[str]:
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
