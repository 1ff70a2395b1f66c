"""Construction sites asking for aggregate: the :class:`Site` type and the sites files people bring (CSV, GeoJSON)."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from aggregates.data.gcj02 import gcj02_to_wgs84
from aggregates.errors import InputError
from aggregates.textio import parse_json, read_text

SITE_FIELDS = ("name", "lat", "lon", "tonnes", "product", "years")
# Datums a site's lat/lon may be given in: WGS 84 (GPS, our layers) or GCJ-02 (Gaode, Tencent and other Chinese web maps).
CRS_NAMES = ("wgs84", "gcj02")


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


def _read_table(path: Path) -> pd.DataFrame:
    """The rows of a sites file; encoding and JSON syntax are checked first, to name byte or line."""
    geo = path.suffix.lower() in (".geojson", ".json", ".gpkg")
    text = "" if path.suffix.lower() == ".gpkg" else read_text(path)
    if not geo and not text.strip():
        raise InputError(f"{path}: is empty; expected a header line name,lat,lon,tonnes,product[,years] and rows")
    if path.suffix.lower() in (".geojson", ".json"):
        parse_json(text, str(path))
    try:
        if geo:
            table = gpd.read_file(path)
            if "lat" not in table.columns and len(table):
                table["lon"], table["lat"] = table.geometry.x, table.geometry.y
            return pd.DataFrame(table.drop(columns="geometry")).astype(object)
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, comment="#")
    except Exception as exc:  # any parser failure becomes a message naming the file
        raise InputError(f"{path}: cannot be read as CSV or GeoJSON ({type(exc).__name__}: {exc})") from None


def read_sites(path: str | Path, default_years: tuple[int, ...]) -> list[tuple[int, Site]]:
    """Sites from a CSV or GeoJSON file with columns name, lat, lon, tonnes, product[, years].

    GeoJSON points may give lat/lon by their geometry. Returns (row number, site) pairs; rows are
    numbered from 1 as a spreadsheet shows them below the header (CSV) or as features (GeoJSON).

    Raises
    ------
    InputError
        For a file that is not UTF-8 text, not valid JSON (with line and column), unreadable,
        empty or missing columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: sites file not found")
    table = _read_table(path)
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


def to_wgs84(lat: float, lon: float, crs: str = "wgs84") -> tuple[float, float]:
    """``(lat, lon)`` in WGS 84 from coordinates given in ``crs`` (``wgs84`` or ``gcj02``).

    Raises
    ------
    InputError
        For another ``crs``.
    """
    crs = crs.strip().lower().replace("-", "").replace("_", "")
    if crs not in CRS_NAMES:
        raise InputError(f"--crs: expected one of {', '.join(CRS_NAMES)}, got {crs!r} (gcj02 for Gaode/Tencent maps)")
    if crs == "wgs84":
        return lat, lon
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    return round(float(wlat), 7), round(float(wlon), 7)
