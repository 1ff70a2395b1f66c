"""What a map draws besides the plan's figures: where things are.

:class:`MapLayers` holds the plan's bases and demand nodes as points, its flows as lines along
the roads and rail sections they use, and the region layers a map shows (rail sections,
terminals, battery-swap stations, boundaries). A run folder stores them in ``plan.gpkg``;
in memory they are built from the region and the network (:func:`map_layers`).
Anything with a ``plan`` and ``layers`` (:class:`Drawable`, e.g. :class:`aggregates.Result`) can
be drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from aggregates.data.boundaries import read_boundaries
from aggregates.data.region import Region
from aggregates.plan import Plan

WGS84 = "EPSG:4326"
REGION_LAYERS = ("rail_segments", "terminals", "swap_stations")
LAYER_NAMES = (
    "bases",
    "demand",
    "flows",
    "rail_segments",
    "terminals",
    "swap_stations",
    "boundaries",
    "quarries",
    "roads",
    "places",
)
# Layers a plan.gpkg written before they existed lacks (read back empty).
LATER_LAYERS = ("quarries", "roads", "places")
# Roads drawn on the basemap: the main network, not the short links joining sites to it.
BASEMAP_ROAD_KINDS = ("expressway", "national", "provincial", "motorway", "trunk", "primary")


@dataclass(frozen=True)
class MapLayers:
    """The geometry of a plan, in EPSG:4326.

    Attributes
    ----------
    bases, demand
        The plan's ``bases`` and ``demand`` rows, each at its base's or node's point.
    flows
        The plan's ``flows`` rows, each a LineString from base to node along its route.
    rail_segments, terminals, swap_stations
        The region's layers of those names.
    boundaries
        Display outlines of the market areas and supply cities (may be empty).
    quarries
        The plan's ``quarries`` rows, each at its quarry's point (empty without quarries).
    roads
        The region's main roads (``BASEMAP_ROAD_KINDS``), drawn on the map's own basemap.
    places
        Named towns and junctions of the road network (``name_en``, ``name_zh``), labelled on the basemap.
    """

    bases: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    flows: gpd.GeoDataFrame
    rail_segments: gpd.GeoDataFrame
    terminals: gpd.GeoDataFrame
    swap_stations: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    quarries: gpd.GeoDataFrame = field(default_factory=lambda: _empty())
    roads: gpd.GeoDataFrame = field(default_factory=lambda: _empty())
    places: gpd.GeoDataFrame = field(default_factory=lambda: _empty())

    def items(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        """(name, layer) in the order ``plan.gpkg`` stores them."""
        return [(name, getattr(self, name)) for name in LAYER_NAMES]


class Drawable(Protocol):
    """A plan with its geometry: what maps draw (a :class:`aggregates.Result`, read from memory or a run folder)."""

    @property
    def plan(self) -> Plan: ...

    @property
    def layers(self) -> MapLayers: ...


def map_layers(plan: Plan, region: Region, flow_lines: list | None = None) -> MapLayers:
    """The map layers of a plan on its region.

    Parameters
    ----------
    plan
        The plan.
    region
        The region it was planned on (points, rail sections, terminals, swap stations,
        boundaries).
    flow_lines
        One LineString per row of ``plan.flows`` along its route
        (:func:`aggregates.network.geometry.route_geometries`); default: straight lines.
    """
    points = region.points()
    lines = flow_lines if flow_lines is not None else straight_lines(plan.flows, points)
    return MapLayers(
        bases=_at_points(plan.bases, "base", points),
        demand=_at_points(plan.demand, "node", points),
        flows=gpd.GeoDataFrame(plan.flows, geometry=lines, crs=WGS84),
        **{name: getattr(region, name) for name in REGION_LAYERS},
        boundaries=read_boundaries(region.path),
        quarries=_at_points(plan.quarries, "quarry", points),
        roads=basemap_roads(region.roads),
        places=named_places(region.road_nodes, region.rail_stations),
    )


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[], crs=WGS84)


def basemap_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The main roads of a region's road layer (``kind`` in ``BASEMAP_ROAD_KINDS``), with their kind and name."""
    if roads.empty or "kind" not in roads:
        return _empty()
    main = roads[roads["kind"].isin(BASEMAP_ROAD_KINDS)]
    name = main["road"] if "road" in main else pd.Series("", index=main.index)
    frame = {"kind": main["kind"].to_numpy(), "road": name.fillna("").astype(str).to_numpy()}
    return gpd.GeoDataFrame(frame, geometry=main.geometry.to_numpy(), crs=WGS84)


def named_places(road_nodes: gpd.GeoDataFrame, stations: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Named towns and junctions of the road network (``kind`` town) and rail stations (``kind`` station).

    Only points with a Chinese name are kept: the basemap labels the towns, and the report names rail
    sections by their stations.
    """
    frames = [_named(road_nodes, "town"), _named(stations, "station")]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)


def _named(points: gpd.GeoDataFrame | None, kind: str) -> gpd.GeoDataFrame:
    if points is None or points.empty or "name_zh" not in points:
        return _empty()
    named = points[points["name_zh"].fillna("").astype(str).str.len() > 0]
    cols = {c: named[c].fillna("").astype(str).to_numpy() for c in ("id", "name_en", "name_zh")}
    return gpd.GeoDataFrame({**cols, "kind": kind}, geometry=named.geometry.to_numpy(), crs=WGS84)


def _at_points(table: pd.DataFrame, key: str, points: pd.DataFrame) -> gpd.GeoDataFrame:
    where = points.set_index("id").loc[table[key], ["lon", "lat"]].to_numpy()
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(where[:, 0], where[:, 1]), crs=WGS84)


def straight_lines(flows: pd.DataFrame, points: pd.DataFrame) -> list[LineString]:
    """A straight line from base to node for each flow (when no route geometry is at hand)."""
    xy = points.set_index("id")[["lon", "lat"]]
    a, b = xy.loc[flows["base"]].to_numpy(), xy.loc[flows["node"]].to_numpy()
    return [LineString([p, q]) for p, q in zip(a, b, strict=True)]
