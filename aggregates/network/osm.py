"""Build a region's road layer from OpenStreetMap with osmnx.

The road layer of a region is two tables (see :mod:`aggregates.data.schema`):
``road_nodes`` (Point) and ``roads`` (LineString). This module makes both from
an OSM extract, so the rest of the pipeline runs unchanged on a real network:

1. read a local ``.osm`` (XML) or ``.osm.pbf`` file, offline (a ``.pbf`` is
   first cut down to the selected highway ways, their nodes and named place
   nodes, and written as XML to a temporary folder with pyosmium); or, only
   with ``allow_download=True``, download a bounding box from Overpass;
2. keep the truck-relevant highway classes (motorway, trunk, primary,
   secondary, tertiary and their ``_link`` ramps by default);
3. treat every way as two-way, keep the largest connected component, and
   simplify the topology with osmnx, splitting links where the highway class,
   ``ref`` or ``toll`` tag changes;
4. write one road node per graph node and one road link per node pair
   (parallel links are merged, the shortest kept);
5. join every point feature (bases, terminals, demand nodes, swap stations) to
   its nearest road node with an ``access`` link.

Simplification
--------------
The network is undirected: aggregate trucks run loaded one way and empty the
other, and the model prices a link the same in both directions. ``oneway``
tags are therefore ignored. A dual carriageway mapped as two one-way ways
stays as two (near-)parallel links; a one-way ramp can be driven both ways.
This overstates connectivity at a few interchanges, by a few hundred metres
at most, and never invents a road that does not exist.

Data from OpenStreetMap is (c) OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import logging
import tempfile
import xml.sax
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString

from aggregates.errors import RegionError

LOGGER = logging.getLogger("aggregates.network.osm")

OSM_SOURCE = "OpenStreetMap (ODbL)"
DEFAULT_PROVINCE = "Hebei"
DOWNLOAD = "download"

DEFAULT_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
)
DEFAULT = DEFAULT_HIGHWAYS

# highway class (without ``_link``) -> road layer kind; other classes: provincial
_KIND_OF_CLASS = {
    "motorway": "expressway",
    "trunk": "expressway",
    "primary": "national",
}
# lower is more important; used when a merged link carries several classes
_CLASS_RANK = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "tertiary": 4}
# classes tolled unless tagged otherwise (Chinese expressways are toll roads)
_TOLLED_CLASSES = frozenset({"motorway"})
_TOLL_YES = frozenset({"yes", "true", "1"})
_PLACE_TYPES = frozenset({"city", "town", "suburb", "village", "hamlet"})

_WAY_TAGS = ("highway", "ref", "name", "toll", "oneway")
_NODE_TAGS = ("place", "name", "name:en", "name:zh")
_SPLIT_ON = ("highway", "ref", "toll")

NODE_COLUMNS = ("id", "name_en", "name_zh", "province", "source")
ROAD_COLUMNS = (
    "id",
    "road",
    "from_node",
    "to_node",
    "kind",
    "length_km",
    "toll",
    "source",
)
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Dropped:
    """What was dropped when keeping the largest connected component."""

    components: int
    nodes: int
    km: float


# --------------------------------------------------------------------------- #
# public API
# --------------------------------------------------------------------------- #


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
        Callable ``(lon, lat) -> province`` for the road nodes; without it every
        node is put in Hebei.
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
    highways = _check_highways(highway_filter)
    _check_points(points)
    raw = load_osm_graph(source, highway_filter=highways, allow_download=allow_download, bbox=bbox)
    places = _place_table(raw)
    graph, dropped = road_graph(raw, highways)
    nodes = road_nodes_from_graph(graph, places, province_of=province_of, place_radius_km=place_radius_km)
    links = road_links_from_graph(graph)
    access, max_snap = access_links(
        points,
        nodes,
        max_snap_km=max_snap_km,
        access_circuity=access_circuity,
        dropped=dropped,
    )
    roads = _concat_sorted([links, access])
    _log_summary(nodes, links, dropped, len(access), max_snap)
    return nodes, roads


def load_osm_graph(
    source: str | Path,
    *,
    highway_filter: Iterable[str] = DEFAULT,
    allow_download: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> nx.MultiDiGraph:
    """Read the raw (unsimplified, all components) OSM graph.

    Parameters
    ----------
    source
        ``.osm`` / ``.osm.pbf`` path, or ``"download"``.
    highway_filter
        Highway values to keep when cutting down a ``.pbf`` or downloading.
    allow_download
        Whether ``"download"`` may touch the network.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` for a download.

    Returns
    -------
    networkx.MultiDiGraph
        The osmnx graph, not yet filtered to ``highway_filter`` for XML input.
    """
    highways = _check_highways(highway_filter)
    if isinstance(source, str) and source == DOWNLOAD:
        return _download_graph(bbox, highways, allow_download)
    path = Path(source)
    if not path.is_file():
        raise RegionError(f"OSM file not found: {path}")
    if path.name.lower().endswith(".pbf"):
        with tempfile.TemporaryDirectory(prefix="aggregates-osm-") as tmp:
            xml_path = pbf_to_xml(path, Path(tmp) / "extract.osm", highways)
            return _read_xml(xml_path, shown=path)
    return _read_xml(path, shown=path)


def pbf_to_xml(pbf: Path, xml_path: Path, highway_filter: Iterable[str] = DEFAULT) -> Path:
    """Write the road part of an ``.osm.pbf`` file as OSM XML, with pyosmium.

    Keeps the ways whose ``highway`` tag is in ``highway_filter``, the nodes
    they use, and the named place nodes (used to name road nodes).

    Parameters
    ----------
    pbf
        Input ``.osm.pbf`` file.
    xml_path
        Output ``.osm`` file (overwritten).
    highway_filter
        Highway values to keep.

    Returns
    -------
    pathlib.Path
        ``xml_path``.
    """
    osmium = _import_osmium()
    highways = frozenset(highway_filter)
    used: set[int] = set()
    for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
        if way.tags.get("highway") in highways:
            used.update(ref.ref for ref in way.nodes)
    entities = osmium.osm.NODE | osmium.osm.WAY
    with osmium.SimpleWriter(str(xml_path), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf), entities):
            if obj.is_node() and (obj.id in used or _is_named_place(obj.tags)):
                writer.add_node(obj)
            elif obj.is_way() and obj.tags.get("highway") in highways:
                writer.add_way(obj)
    return xml_path


def road_graph(raw: nx.MultiDiGraph, highway_filter: Iterable[str] = DEFAULT) -> tuple[nx.MultiDiGraph, Dropped]:
    """Filter, make two-way, keep the largest component and simplify.

    Parameters
    ----------
    raw
        Unsimplified osmnx graph (from :func:`load_osm_graph`).
    highway_filter
        Highway values to keep.

    Returns
    -------
    graph, dropped
        The simplified graph (every link present in both directions) and what
        the largest-component cut removed.
    """
    highways = frozenset(highway_filter)
    two_way = _two_way_roads(raw, highways)
    if two_way.number_of_edges() == 0:
        raise RegionError(
            f"the OSM data holds no road of the classes {sorted(highways)}; "
            "check the extract covers the region and the highway filter"
        )
    kept, dropped = _largest_component(two_way)
    simple = ox.simplify_graph(kept, edge_attrs_differ=_SPLIT_ON)
    return simple, dropped


def road_nodes_from_graph(
    graph: nx.MultiDiGraph,
    places: pd.DataFrame | None = None,
    *,
    province_of: Callable[[float, float], str] | None = None,
    place_radius_km: float = 5.0,
) -> gpd.GeoDataFrame:
    """One road node per graph node, id ``r-osm-<osmid>``.

    Parameters
    ----------
    graph
        Simplified road graph.
    places
        Named places (columns lon, lat, name_en, name_zh), or None.
    province_of
        ``(lon, lat) -> province``; default: every node in Hebei.
    place_radius_km
        Search radius for naming a node after a place, km.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``road_nodes`` table, sorted by id.
    """
    osmids = sorted(graph.nodes)
    lon = np.array([graph.nodes[n]["x"] for n in osmids], dtype=float)
    lat = np.array([graph.nodes[n]["y"] for n in osmids], dtype=float)
    names_en, names_zh = _node_names(osmids, lon, lat, places, place_radius_km)
    province = [
        province_of(float(x), float(y)) if province_of else DEFAULT_PROVINCE for x, y in zip(lon, lat, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "id": [_node_id(n) for n in osmids],
            "name_en": names_en,
            "name_zh": names_zh,
            "province": province,
            "source": OSM_SOURCE,
        },
        columns=list(NODE_COLUMNS),
    )
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)
    return _sorted(gdf)


def road_links_from_graph(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One road link per node pair, id ``rd-osm-<u>-<v>`` with ``u < v``.

    Parallel links between the same two nodes are merged, keeping the
    shortest; self-loops are dropped.

    Parameters
    ----------
    graph
        Simplified road graph.

    Returns
    -------
    geopandas.GeoDataFrame
        The OSM part of the ``roads`` table, sorted by id.
    """
    best: dict[tuple[int, int], tuple[tuple, int, int, dict[str, Any]]] = {}
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        pair = (min(u, v), max(u, v))
        rank = (float(data["length"]), u != pair[0], str(data.get("osmid")))
        if pair not in best or rank < best[pair][0]:
            best[pair] = (rank, u, v, data)
    rows = [_link_row(graph, u, v, data) for _, u, v, data in best.values()]
    return _sorted(_frame(rows, ROAD_COLUMNS))


def access_links(
    points: pd.DataFrame,
    road_nodes: gpd.GeoDataFrame,
    *,
    max_snap_km: float = 5.0,
    access_circuity: float = 1.3,
    dropped: Dropped | None = None,
) -> tuple[gpd.GeoDataFrame, float]:
    """Join every point to its nearest road node with an ``access`` link.

    Distances are straight lines in the local UTM projection.

    Parameters
    ----------
    points
        DataFrame with columns id, lon, lat.
    road_nodes
        The ``road_nodes`` table.
    max_snap_km
        Largest allowed straight distance, km.
    access_circuity
        Link length = straight distance x this factor, at least 0.1 km.
    dropped
        What the largest-component cut removed (named in the error message).

    Returns
    -------
    links, max_snap
        The access links (id ``rd-access-<point id>``, sorted) and the largest
        straight snap distance, km (0 with no points).

    Raises
    ------
    RegionError
        Listing every point farther than ``max_snap_km`` from all road nodes.
    """
    _check_points(points)
    if points.empty:
        return _frame([], ROAD_COLUMNS), 0.0
    crs = utm_crs(float(road_nodes.geometry.x.mean()), float(road_nodes.geometry.y.mean()))
    node_xy = road_nodes.geometry.to_crs(crs)
    point_xy = _project(points["lon"].to_numpy(float), points["lat"].to_numpy(float), crs)
    tree = shapely.STRtree(node_xy.to_numpy())
    (src, dst), dist_m = tree.query_nearest(point_xy, return_distance=True, all_matches=False)
    order = np.argsort(src, kind="stable")
    nearest, dist_km = dst[order], dist_m[order] / 1000.0
    _check_snap(points["id"].tolist(), dist_km, max_snap_km, dropped)
    rows = [
        _access_row(pid, x, y, road_nodes.iloc[j], d, access_circuity)
        for pid, x, y, j, d in zip(points["id"], points["lon"], points["lat"], nearest, dist_km, strict=True)
    ]
    return _sorted(_frame(rows, ROAD_COLUMNS)), float(dist_km.max())


def utm_crs(lon: float, lat: float) -> str:
    """The WGS 84 / UTM zone CRS holding a point, e.g. ``EPSG:32650``.

    Parameters
    ----------
    lon, lat
        Degrees.

    Returns
    -------
    str
        ``EPSG:326zz`` (north) or ``EPSG:327zz`` (south).
    """
    zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


# --------------------------------------------------------------------------- #
# reading
# --------------------------------------------------------------------------- #


@contextmanager
def _osm_tags() -> Iterator[None]:
    """Make osmnx keep the way and node tags this module reads."""
    settings = ox.settings
    old_way, old_node = settings.useful_tags_way, settings.useful_tags_node
    settings.useful_tags_way = sorted(set(old_way) | set(_WAY_TAGS))
    settings.useful_tags_node = sorted(set(old_node) | set(_NODE_TAGS))
    try:
        yield
    finally:
        settings.useful_tags_way, settings.useful_tags_node = old_way, old_node


def _read_xml(path: Path, *, shown: Path) -> nx.MultiDiGraph:
    """Read an OSM XML file into an unsimplified graph with all components."""
    try:
        with _osm_tags():
            return ox.graph_from_xml(path, simplify=False, retain_all=True)
    except (ParseError, xml.sax.SAXException) as exc:
        raise RegionError(f"cannot read OSM file {shown}: {exc}") from exc


def _download_graph(
    bbox: tuple[float, float, float, float] | None,
    highways: tuple[str, ...],
    allow_download: bool,
) -> nx.MultiDiGraph:
    """Download the road graph of ``bbox`` from Overpass (opt-in only)."""
    if not allow_download:
        raise RegionError(
            'source "download" needs allow_download=True (it queries the Overpass '
            "API over the network); give a local .osm or .osm.pbf file instead"
        )
    if bbox is None or len(bbox) != 4:
        raise RegionError("source 'download' needs bbox=(min_lon, min_lat, max_lon, max_lat)")
    road_filter = f'["highway"~"^({"|".join(highways)})$"]'
    with _osm_tags():
        return ox.graph_from_bbox(
            tuple(float(b) for b in bbox),
            simplify=False,
            retain_all=True,
            custom_filter=road_filter,
        )


def _import_osmium() -> Any:
    """Import pyosmium, with a clear error when it is missing."""
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RegionError("reading .osm.pbf needs pyosmium: pip install osmium (or give an .osm XML file)") from exc
    return osmium


def _is_named_place(tags: Any) -> bool:
    """Whether OSM tags describe a named settlement."""
    return tags.get("place") in _PLACE_TYPES and bool(tags.get("name"))


def _check_highways(highway_filter: Iterable[str]) -> tuple[str, ...]:
    """Validate and normalise the highway filter."""
    if isinstance(highway_filter, str):
        highway_filter = [highway_filter]
    highways = tuple(sorted({str(h).strip() for h in highway_filter if str(h).strip()}))
    if not highways:
        raise RegionError("highway_filter is empty: name at least one OSM highway class")
    return highways


def _check_points(points: pd.DataFrame) -> None:
    """Validate the points table: columns, unique ids, finite coordinates."""
    missing = [c for c in ("id", "lon", "lat") if c not in points.columns]
    if missing:
        raise RegionError(f"points table lacks column(s) {missing}; needs id, lon, lat")
    ids = points["id"].astype(str)
    dupes = sorted(set(ids[ids.duplicated()]))
    if dupes:
        raise RegionError(f"points have duplicate ids: {dupes}")
    coords = points[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    bad = sorted(ids[~np.isfinite(coords.to_numpy(float)).all(axis=1)])
    if bad:
        raise RegionError(f"points without valid lon/lat: {bad}")


# --------------------------------------------------------------------------- #
# graph
# --------------------------------------------------------------------------- #


def _two_way_roads(raw: nx.MultiDiGraph, highways: frozenset[str]) -> nx.MultiDiGraph:
    """Keep the selected highway edges, each present in both directions once."""
    graph = nx.MultiDiGraph(**raw.graph)
    seen: set[tuple[int, int, Any]] = set()
    for u, v, data in raw.edges(data=True):
        if data.get("highway") not in highways:
            continue
        for a, b in ((u, v), (v, u)):
            if (a, b, data.get("osmid")) in seen:
                continue
            seen.add((a, b, data.get("osmid")))
            graph.add_node(a, **raw.nodes[a])
            graph.add_edge(a, b, **data)
    return graph


def _largest_component(graph: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, Dropped]:
    """Keep the largest weakly connected component; report the rest."""
    components = sorted(nx.weakly_connected_components(graph), key=lambda c: (-len(c), min(c)))
    rest = set().union(*components[1:]) if len(components) > 1 else set()
    dropped = Dropped(len(components) - 1, len(rest), _km(graph.subgraph(rest)))
    return graph.subgraph(components[0]).copy(), dropped


def _km(graph: nx.MultiDiGraph) -> float:
    """Road km of a two-way graph (each way counted once)."""
    seen: dict[tuple[int, int, Any], float] = {}
    for u, v, data in graph.edges(data=True):
        seen[(min(u, v), max(u, v), data.get("osmid"))] = float(data.get("length", 0.0))
    return sum(seen.values()) / 1000.0


# --------------------------------------------------------------------------- #
# rows
# --------------------------------------------------------------------------- #


def _node_id(osmid: int) -> str:
    return f"r-osm-{osmid}"


def _values(value: Any) -> list[str]:
    """Tag value(s) as a sorted list of distinct non-empty strings."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple | set) else [value]
    return sorted({str(v).strip() for v in items if str(v).strip()})


def _highway(data: dict[str, Any]) -> str:
    """The most important highway value of a (merged) link."""
    values = _values(data.get("highway")) or ["unclassified"]
    return min(values, key=lambda h: (_CLASS_RANK.get(h.removesuffix("_link"), 9), h))


def road_kind(highway: str) -> str:
    """Road layer kind of an OSM highway value.

    Parameters
    ----------
    highway
        OSM ``highway`` value, e.g. ``motorway_link``.

    Returns
    -------
    str
        ``expressway`` (motorway, trunk), ``national`` (primary) or
        ``provincial`` (anything else), ramps like their road.
    """
    return _KIND_OF_CLASS.get(highway.removesuffix("_link"), "provincial")


def _road_name(data: dict[str, Any]) -> str:
    """Route number (``ref``), else name, else ``unnamed``."""
    for tag in ("ref", "name"):
        values = _values(data.get(tag))
        if values:
            return ";".join(values)
    return "unnamed"


def _toll(data: dict[str, Any], highway: str) -> bool:
    """Toll tag if present (any ``yes`` wins), else tolled for motorways."""
    values = _values(data.get("toll"))
    if values:
        return any(v.lower() in _TOLL_YES for v in values)
    return highway.removesuffix("_link") in _TOLLED_CLASSES


def _link_geometry(graph: nx.MultiDiGraph, u: int, v: int, data: dict[str, Any]) -> LineString:
    """Edge geometry drawn from the lower to the higher osmid."""
    geom = data.get("geometry")
    if geom is None:
        geom = LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)])
    return geom if u < v else geom.reverse()


def _link_row(graph: nx.MultiDiGraph, u: int, v: int, data: dict[str, Any]) -> dict[str, Any]:
    lo, hi = min(u, v), max(u, v)
    highway = _highway(data)
    return {
        "id": f"rd-osm-{lo}-{hi}",
        "road": _road_name(data),
        "from_node": _node_id(lo),
        "to_node": _node_id(hi),
        "kind": road_kind(highway),
        "length_km": max(round(float(data["length"]) / 1000.0, 4), 0.001),
        "toll": _toll(data, highway),
        "source": OSM_SOURCE,
        "geometry": _link_geometry(graph, u, v, data),
    }


def _access_row(pid: Any, lon: float, lat: float, node: pd.Series, dist_km: float, circuity: float) -> dict[str, Any]:
    return {
        "id": f"rd-access-{pid}",
        "road": "access",
        "from_node": str(pid),
        "to_node": node["id"],
        "kind": "access",
        "length_km": max(round(dist_km * circuity, 4), 0.1),
        "toll": False,
        "source": f"straight line to nearest OSM road node x {circuity:g}",
        "geometry": LineString([(float(lon), float(lat)), (node.geometry.x, node.geometry.y)]),
    }


def _check_snap(ids: list[Any], dist_km: np.ndarray, max_snap_km: float, dropped: Dropped | None) -> None:
    """Raise one error naming every point beyond ``max_snap_km``."""
    far = [(str(i), d) for i, d in zip(ids, dist_km, strict=True) if d > max_snap_km]
    if not far:
        return
    lines = [f"  - {pid}: {d:.2f} km" for pid, d in sorted(far)]
    hint = (
        "Fix: use a larger OSM extract that covers these points, or raise the "
        f"limit with --max-snap-km (now {max_snap_km:g} km)."
    )
    if dropped and dropped.nodes:
        hint += (
            f" Note: {dropped.components} disconnected road fragment(s) "
            f"({dropped.nodes} nodes, {dropped.km:.1f} km) were dropped; "
            "only the largest connected network is used."
        )
    raise RegionError(
        "\n".join(
            [
                (f"{len(far)} point(s) lie farther than {max_snap_km:g} km from every road node of the OSM network:"),
                *lines,
                hint,
            ]
        )
    )


# --------------------------------------------------------------------------- #
# names
# --------------------------------------------------------------------------- #


def _place_table(raw: nx.MultiDiGraph) -> pd.DataFrame:
    """Named settlements among the raw graph's nodes (lon, lat, names)."""
    rows = [
        {
            "lon": data["x"],
            "lat": data["y"],
            "name_en": data.get("name:en") or data["name"],
            "name_zh": data.get("name:zh") or data["name"],
        }
        for _, data in sorted(raw.nodes(data=True), key=lambda item: item[0])
        if _is_named_place(data)
    ]
    return pd.DataFrame(rows, columns=["lon", "lat", "name_en", "name_zh"])


def _node_names(
    osmids: list[int],
    lon: np.ndarray,
    lat: np.ndarray,
    places: pd.DataFrame | None,
    radius_km: float,
) -> tuple[list[str], list[str]]:
    """Name each node after its nearest place within ``radius_km``."""
    fallback = [f"osm node {n}" for n in osmids]
    names_en, names_zh = list(fallback), list(fallback)
    if places is None or places.empty or not osmids:
        return names_en, names_zh
    crs = utm_crs(float(lon.mean()), float(lat.mean()))
    tree = shapely.STRtree(_project(places["lon"].to_numpy(float), places["lat"].to_numpy(float), crs))
    src, dst = tree.query_nearest(_project(lon, lat, crs), max_distance=radius_km * 1000.0, all_matches=False)
    for i, j in zip(src, dst, strict=True):
        names_en[i] = f"{places['name_en'].iat[j]} (osm node {osmids[i]})"
        names_zh[i] = f"{places['name_zh'].iat[j]} (osm node {osmids[i]})"
    return names_en, names_zh


# --------------------------------------------------------------------------- #
# frames
# --------------------------------------------------------------------------- #


def _project(lon: np.ndarray, lat: np.ndarray, crs: str) -> np.ndarray:
    """Shapely points of lon/lat projected to ``crs``."""
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """GeoDataFrame in EPSG:4326 with the given columns (also when empty)."""
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    if "toll" in frame.columns:
        frame["toll"] = frame["toll"].astype(bool)
    if "length_km" in frame.columns:
        frame["length_km"] = frame["length_km"].astype(float)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def _sorted(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.sort_values("id", kind="stable").reset_index(drop=True)


def _concat_sorted(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if not f.empty] or frames[:1]
    merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)
    merged["toll"] = merged["toll"].astype(bool)
    return _sorted(merged)


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
