"""WGS-84 <-> GCJ-02 for the maps: the one implementation is :mod:`aggregates.data.gcj02` (sites use it too)."""

from aggregates.data.gcj02 import gcj02_to_wgs84, in_china, shift_geometry, wgs84_to_gcj02

__all__ = ["gcj02_to_wgs84", "in_china", "shift_geometry", "wgs84_to_gcj02"]
