"""WGS-84 to GCJ-02, the obfuscated datum Chinese web maps such as Gaode/AutoNavi use.

Gaode's tiles are drawn in GCJ-02, which differs from WGS-84 by a few hundred
metres that vary with place. Our geometry is WGS-84, so it must be shifted by
the same published transform before it is drawn over those tiles, or every
line and marker sits beside its road. Outside mainland China the transform is
the identity.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_A = 6378245.0  # semi-major axis of Krasovsky 1940, as the transform defines it
_EE = 0.00669342162296594323  # its first eccentricity squared
# The rough box inside which the transform is applied (the published convention).
_LON_RANGE = (72.004, 137.8347)
_LAT_RANGE = (0.8293, 55.8271)


def _lat_term(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    out += (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)) * 2.0 / 3.0
    out += (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0
    return out


def _lon_term(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    out += (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)) * 2.0 / 3.0
    out += (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0
    return out


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether points fall inside the box where GCJ-02 differs from WGS-84."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return (lon > _LON_RANGE[0]) & (lon < _LON_RANGE[1]) & (lat > _LAT_RANGE[0]) & (lat < _LAT_RANGE[1])


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS-84 longitudes and latitudes (degrees) to GCJ-02.

    Parameters
    ----------
    lon, lat
        Scalars or arrays of the same shape.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude; points outside China are returned as given.
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    x, y = lon - 105.0, lat - 35.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = _lat_term(x, y) * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = _lon_term(x, y) * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon, lat, *, iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (error < 1e-9 degrees after 6 steps)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    guess_lon, guess_lat = lon.copy(), lat.copy()
    for _ in range(iterations):
        shifted_lon, shifted_lat = wgs84_to_gcj02(guess_lon, guess_lat)
        guess_lon, guess_lat = guess_lon - (shifted_lon - lon), guess_lat - (shifted_lat - lat)
    return guess_lon, guess_lat


def shift_geometry(geometry: BaseGeometry) -> BaseGeometry:
    """A shapely geometry with every vertex moved from WGS-84 to GCJ-02."""

    def move(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, move)
