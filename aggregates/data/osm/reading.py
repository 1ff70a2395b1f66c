"""Reading OpenStreetMap: a local .osm / .osm.pbf file, or (only when allowed) an Overpass download."""

from __future__ import annotations

import tempfile
import xml.sax
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx
import osmium
import osmnx as ox
import requests
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

from aggregates.data.osm.arrays import FIX_FILE, OsmWays, is_named_place, read_osm_file, ways_from_graph
from aggregates.errors import RegionError

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

_WAY_TAGS = ("highway", "ref", "name", "toll", "oneway")

_NODE_TAGS = ("place", "name", "name:en", "name:zh")


def read_osm(
    source: str | Path,
    *,
    highway_filter: Iterable[str] = DEFAULT,
    allow_download: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> OsmWays:
    """Read the selected highway ways of an OSM file (streamed) or of a download, as arrays.

    Parameters
    ----------
    source
        ``.osm`` / ``.osm.pbf`` path, or ``"download"``.
    highway_filter
        Highway values to keep.
    allow_download
        Whether ``"download"`` may touch the network.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` for a download.

    Returns
    -------
    OsmWays

    Raises
    ------
    RegionError
        Download not allowed or failed, file missing or unreadable.
    """
    highways = check_highways(highway_filter)
    if isinstance(source, str) and source == DOWNLOAD:
        return ways_from_graph(_download_graph(bbox, highways, allow_download), highways)
    path = Path(source)
    if not path.is_file():
        raise RegionError(f"OSM file not found: {path}")
    return read_osm_file(path, highways)


def load_osm_graph(
    source: str | Path,
    *,
    highway_filter: Iterable[str] = DEFAULT,
    allow_download: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> nx.MultiDiGraph:
    """Read the raw (unsimplified, all components) OSM graph with osmnx (the former import path).

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
    highways = check_highways(highway_filter)
    if isinstance(source, str) and source == DOWNLOAD:
        return _download_graph(bbox, highways, allow_download)
    path = Path(source)
    if not path.is_file():
        raise RegionError(f"OSM file not found: {path}")
    if path.name.lower().endswith(".pbf"):
        with tempfile.TemporaryDirectory(prefix="aggregates-osm-") as tmp:
            try:
                xml_path = pbf_to_xml(path, Path(tmp) / "extract.osm", highways)
            except RuntimeError as exc:  # pyosmium reports a damaged file as a RuntimeError
                raise RegionError(f"cannot read OSM file {path}: {exc}; {_FIX_FILE}") from None
            return _read_xml(xml_path, shown=path)
    return _read_xml(path, shown=path)


_FIX_FILE = FIX_FILE


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
    highways = frozenset(highway_filter)
    used: set[int] = set()
    for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
        if way.tags.get("highway") in highways:
            used.update(ref.ref for ref in way.nodes)
    entities = osmium.osm.NODE | osmium.osm.WAY
    with osmium.SimpleWriter(str(xml_path), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf), entities):
            if obj.is_node() and (obj.id in used or is_named_place(obj.tags)):
                writer.add_node(obj)
            elif obj.is_way() and obj.tags.get("highway") in highways:
                writer.add_way(obj)
    return xml_path


@contextmanager
def osm_tags() -> Iterator[None]:
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
        with osm_tags():
            return ox.graph_from_xml(path, simplify=False, retain_all=True)
    except InsufficientResponseError:
        raise RegionError(f"OSM file {shown} has no roads (no ways with their nodes); {_FIX_FILE}") from None
    except (ParseError, xml.sax.SAXException, UnicodeDecodeError) as exc:
        raise RegionError(f"cannot read OSM file {shown}: {exc}; {_FIX_FILE}") from None
    except (ValueError, KeyError, TypeError) as exc:  # osmnx's complaints about the elements it found
        raise RegionError(f"cannot read OSM file {shown}: {type(exc).__name__}: {exc}; {_FIX_FILE}") from None


def _download_graph(
    bbox: tuple[float, float, float, float] | None,
    highways: tuple[str, ...],
    allow_download: bool,
) -> nx.MultiDiGraph:
    """Download the road graph of ``bbox`` from Overpass (opt-in only)."""
    if not allow_download:
        raise RegionError(
            "--osm download needs --allow-download (allow_download=True in Python): it queries the Overpass "
            "API over the network; or give a local .osm or .osm.pbf file"
        )
    if bbox is None or len(bbox) != 4:
        raise RegionError("source 'download' needs bbox=(min_lon, min_lat, max_lon, max_lat)")
    _check_reachable(ox.settings.overpass_url)
    road_filter = f'["highway"~"^({"|".join(highways)})$"]'
    try:
        with osm_tags():
            return ox.graph_from_bbox(
                tuple(float(b) for b in bbox),
                simplify=False,
                retain_all=True,
                custom_filter=road_filter,
            )
    except InsufficientResponseError:
        raise RegionError(
            f"OpenStreetMap download: no roads of the classes {', '.join(highways)} in the bbox {list(bbox)}"
        ) from None
    except (requests.RequestException, ResponseStatusCodeError, OSError) as exc:
        raise RegionError(f"OpenStreetMap download from {ox.settings.overpass_url} failed: {_reason(exc)}") from None


PROBE_TIMEOUT_S = (5, 15)  # connect, read: fail in seconds, not after osmnx's 60-second pause and retries


def _check_reachable(url: str) -> None:
    """Ask the Overpass status page first, so no network or a refusing server is one quick error."""
    try:
        requests.get(url.rstrip("/") + "/status", timeout=PROBE_TIMEOUT_S).raise_for_status()
    except requests.RequestException as exc:
        raise RegionError(
            f"OpenStreetMap download: cannot reach {url} ({_reason(exc)}); check the network connection "
            "(or a proxy setting), or give a local .osm or .osm.pbf file"
        ) from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "no connection"
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def check_highways(highway_filter: Iterable[str]) -> tuple[str, ...]:
    """Validate and normalise the highway filter."""
    if isinstance(highway_filter, str):
        highway_filter = [highway_filter]
    highways = tuple(sorted({str(h).strip() for h in highway_filter if str(h).strip()}))
    if not highways:
        raise RegionError("highway_filter is empty: name at least one OSM highway class")
    return highways
