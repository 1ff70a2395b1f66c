"""Build a region's road layer from OpenStreetMap, streamed into arrays.

The road layer of a region is two tables (see :mod:`aggregates.data.schema`):
``road_nodes`` (Point) and ``roads`` (LineString). This module makes both from
an OSM extract, so the rest of the pipeline runs unchanged on a real network:

1. stream a local ``.osm`` (XML) or ``.osm.pbf`` file with pyosmium, offline,
   into flat arrays (:mod:`~aggregates.data.osm.arrays`): the ways of the kept
   highway classes (motorway, trunk, primary, secondary, tertiary and their
   ``_link`` ramps by default), the coordinates of the nodes they use, and the
   named places; or, only with ``allow_download=True``, download a bounding box
   from Overpass (osmnx) and turn its graph into the same arrays;
2. keep the largest connected component and merge degree-2 chains into links,
   splitting where the highway class, ``ref`` or ``toll`` tag changes
   (:mod:`~aggregates.data.osm.simplify`, the rules of ``osmnx.simplify_graph``);
3. write one road node per link end and one road link per node pair
   (parallel links are merged, the shortest kept);
4. join every point feature (bases, terminals, demand nodes, swap stations) to
   its nearest road node with an ``access`` link.

Direction
---------
The one-way tags (``oneway=yes/1/true/-1``, roundabouts, motorways implied) are
read and carried on every link (:attr:`RoadArrays.oneway`, and the ``roads``
column ``oneway`` with ``with_oneway=True``: ``aggregates region osm`` writes it
when some link is one-way). The road network then lets a truck drive a one-way
link only its way, loaded out and empty back (:mod:`aggregates.network.legs`).
Parallel ways between the same two nodes merge into one link that may be driven
every way one of them may: a dual carriageway mapped as two one-way ways becomes
one two-way link, the shorter one's length kept.

Data from OpenStreetMap is (c) OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from aggregates.data.osm.arrays import OsmWays, read_osm_file, way_direction
from aggregates.data.osm.graph import road_kind
from aggregates.data.osm.reading import (
    DEFAULT,
    DEFAULT_HIGHWAYS,
    DOWNLOAD,
    check_highways,
    load_osm_graph,
    pbf_to_xml,
    read_osm,
)
from aggregates.data.osm.simplify import Dropped, RoadArrays, road_arrays
from aggregates.data.osm.tables import (
    access_links,
    check_points,
    concat_sorted,
    nearest_province,
    road_links_from_arrays,
    road_nodes_from_arrays,
    utm_crs,
)

LOGGER = logging.getLogger("aggregates.data.osm")


def build_osm_road_layer(
    source: str | Path,
    points: pd.DataFrame,
    *,
    province_of: Callable[[float, float], str] | None = None,
    max_snap_km: float = 5.0,
    highway_filter: Iterable[str] = DEFAULT,
    allow_download: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
    access_circuity: float = 1.3,
    place_radius_km: float = 5.0,
    with_oneway: bool = False,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build the ``road_nodes`` and ``roads`` tables of a region from OSM.

    Parameters
    ----------
    source
        Path to a local ``.osm`` (XML) or ``.osm.pbf`` file, or the string
        ``"download"`` (honoured only with ``allow_download=True``).
    points
        The point features to join to the network: a DataFrame with columns
        ``id``, ``lon``, ``lat`` (bases, terminals, demand nodes, swap stations).
    province_of
        Callable ``(lon, lat) -> province`` for the road nodes; default: the province
        of the nearest point (``points`` then needs a ``province`` column).
    max_snap_km
        Largest allowed straight distance from a point to its road node, km.
    highway_filter
        OSM ``highway`` values to keep.
    allow_download
        Allow ``source="download"`` to query Overpass over ``bbox``.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` for a download.
    access_circuity
        Access link length = straight distance x this factor (at least 0.1 km).
    place_radius_km
        A road node is named after the nearest OSM place (city, town, suburb,
        village, hamlet) within this distance, else ``"osm node <osmid>"``.
    with_oneway
        Add a column ``oneway`` to the OSM links of ``roads`` (``0`` both ways,
        ``1`` only from ``from_node`` to ``to_node``, ``-1`` only back; access
        links ``0``). Off by default; ``aggregates region osm`` turns it on.

    Returns
    -------
    road_nodes, roads
        GeoDataFrames in EPSG:4326 with the columns of the schema, sorted by id.
        ``roads`` holds the OSM links and the access links.

    Raises
    ------
    RegionError
        Download not allowed, file missing or unreadable, no road of the
        selected classes, bad points, or points beyond ``max_snap_km``.
    """
    highways = check_highways(highway_filter)
    check_points(points)
    province_of = province_of or nearest_province(points)
    ways = read_osm(source, highway_filter=highways, allow_download=allow_download, bbox=bbox)
    network, dropped = road_arrays(ways, highways)
    nodes = road_nodes_from_arrays(ways, network, province_of=province_of, place_radius_km=place_radius_km)
    links = road_links_from_arrays(ways, network, with_oneway=with_oneway)
    access, max_snap = access_links(
        points,
        nodes,
        max_snap_km=max_snap_km,
        access_circuity=access_circuity,
        dropped=dropped,
    )
    if with_oneway:
        access["oneway"] = 0
    roads = concat_sorted([links, access])
    _log_summary(nodes, links, dropped, len(access), max_snap)
    return nodes, roads


def _log_summary(
    nodes: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame,
    dropped: Dropped,
    snapped: int,
    max_snap: float,
) -> None:
    LOGGER.info(
        "OSM road layer: %d nodes, %d links, %.1f km of road; dropped %d disconnected "
        "fragment(s) (%d nodes, %.1f km); %d points snapped, max snap %.2f km",
        len(nodes),
        len(links),
        float(links["length_km"].sum()),
        dropped.components,
        dropped.nodes,
        dropped.km,
        snapped,
        max_snap,
    )


__all__ = [
    "DEFAULT_HIGHWAYS",
    "DOWNLOAD",
    "Dropped",
    "OsmWays",
    "RoadArrays",
    "access_links",
    "build_osm_road_layer",
    "load_osm_graph",
    "pbf_to_xml",
    "read_osm",
    "read_osm_file",
    "road_arrays",
    "road_kind",
    "road_links_from_arrays",
    "road_nodes_from_arrays",
    "utm_crs",
    "way_direction",
]
