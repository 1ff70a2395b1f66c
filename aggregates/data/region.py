"""The region in memory: :class:`RegionMeta` (``region.yaml``) and :class:`Region` (one table per layer).

These are plain types; :func:`aggregates.data.reading.read_region` builds them from a folder and
validates everything on the way in. This module imports no GIS library, so the optimisation
core may use the types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aggregates.data import schema
from aggregates.vocab import DEMAND_PATHS, PRODUCTS

if TYPE_CHECKING:
    import geopandas as gpd

# A zone policy that needs no zone in region.yaml: the nodes whose diesel_restricted flag is set.
DIESEL_RESTRICTED = "diesel_restricted"


@dataclass(frozen=True)
class RegionMeta:
    """Contents of ``region.yaml``.

    Attributes
    ----------
    name, description
        The region's name and title.
    bbox
        (min_lon, min_lat, max_lon, max_lat): every geometry lies inside.
    products
        Products the region's bases make and its nodes demand.
    provinces
        Province-level divisions the points lie in, in the order energy is reported (each
        selects its grid emission factor); empty: whatever the layers say.
    supply_cities, demand_cities
        The cities bases and demand nodes may belong to; empty: any.
    zones
        Truck-restriction zones: each zone and the zones nested inside it, which a policy on
        the zone also covers (a 6th ring contains the 5th).
    extra
        Any other key of ``region.yaml``, kept as read.
    """

    name: str
    bbox: tuple[float, float, float, float]
    products: tuple[str, ...] = PRODUCTS
    description: str = ""
    provinces: tuple[str, ...] = ()
    supply_cities: tuple[str, ...] = ()
    demand_cities: tuple[str, ...] = ()
    zones: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def zone_names(self) -> tuple[str, ...]:
        """Values a demand node's ``zone`` may take (``none`` and the declared zones); empty: any."""
        return ("none", *self.zones) if self.zones else ()

    def zone_members(self, zone: str) -> tuple[str, ...]:
        """The zones a policy on ``zone`` covers: itself and those nested inside it."""
        return (zone, *self.zones.get(zone, ()))


@dataclass(frozen=True)
class Region:
    """A validated region: one table per layer (see :mod:`aggregates.data.schema`).

    Point and line layers are GeoDataFrames in EPSG:4326; the others are
    DataFrames. Build with :func:`aggregates.data.reading.read_region`.
    """

    path: Path
    meta: RegionMeta
    bases: gpd.GeoDataFrame
    base_levels: pd.DataFrame
    demand: gpd.GeoDataFrame
    demand_years: pd.DataFrame
    rail_stations: gpd.GeoDataFrame
    rail_segments: gpd.GeoDataFrame
    terminals: gpd.GeoDataFrame
    road_nodes: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    swap_stations: gpd.GeoDataFrame
    calibration_road: pd.DataFrame
    access_rules: pd.DataFrame
    quarries: gpd.GeoDataFrame
    quarry_years: pd.DataFrame

    def points(self) -> pd.DataFrame:
        """Every point of every point layer: id, layer, lon, lat, province (built once per region; do not
        modify the frame)."""
        return self._points

    @cached_property
    def _points(self) -> pd.DataFrame:
        frames = []
        for name in schema.POINT_LAYERS:
            table = getattr(self, name)
            frames.append(
                pd.DataFrame(
                    {
                        "id": table["id"].to_numpy(),
                        "layer": name,
                        "lon": table.geometry.x.to_numpy(),
                        "lat": table.geometry.y.to_numpy(),
                        "province": table["province"].to_numpy(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    @property
    def provinces(self) -> tuple[str, ...]:
        """Provinces in reporting order: ``region.yaml``'s, else those the points lie in, sorted."""
        if self.meta.provinces:
            return self.meta.provinces
        return tuple(sorted(set(self.points()["province"])))

    def with_roads(self, road_nodes: gpd.GeoDataFrame, roads: gpd.GeoDataFrame) -> Region:
        """A copy with another road layer (e.g. one built from OpenStreetMap)."""
        return replace(self, road_nodes=road_nodes, roads=roads)

    def demand_paths(self) -> tuple[str, ...]:
        """Demand paths ``demand_years.csv`` names, in :data:`~aggregates.vocab.DEMAND_PATHS` order (empty: one path)."""
        named = set(self.demand_years["path"].dropna()) if "path" in self.demand_years else set()
        return tuple(p for p in DEMAND_PATHS if p in named)

    def for_demand_path(self, path: str) -> Region:
        """A copy whose ``demand_years`` holds only ``path``'s rows and those for every path (itself if nothing drops).

        A region without paths has one demand, which every path takes.
        """
        table = self.demand_years
        if "path" not in table:
            return self
        keep = table["path"].isna() | (table["path"] == path)
        if keep.all():
            return self
        return replace(self, demand_years=table[keep].reset_index(drop=True))

    def years(self) -> list[int]:
        """Years for which the region has demand."""
        return sorted(int(y) for y in self.demand_years["year"].unique())

    def quarry_capacity(self, years: list[int], closure_rate_per_yr: float = 0.0) -> pd.DataFrame:
        """Design capacity of every quarry in each year, Mt/yr (rows: quarry ids in layer order; columns: years).

        ``quarry_years.csv`` gives a year's capacity where it lists one; other years take
        ``capacity_mt_per_yr`` falling by ``closure_rate_per_yr`` a year after ``capacity_year``
        (the capacity itself up to that year).
        """
        q = self.quarries
        after = np.maximum(np.array(years, float)[None, :] - q["capacity_year"].to_numpy(float)[:, None], 0.0)
        base = q["capacity_mt_per_yr"].to_numpy(float)[:, None] * (1.0 - closure_rate_per_yr) ** after
        table = pd.DataFrame(base.reshape(len(q), len(years)), index=pd.Index(q["id"], name="quarry"), columns=years)
        for row in self.quarry_years.itertuples():
            if row.quarry_id in table.index and int(row.year) in table.columns:
                table.loc[row.quarry_id, int(row.year)] = float(row.capacity_mt_per_yr)
        return table

    def zone_nodes(self, zone: str) -> set[str]:
        """Ids of the demand nodes a policy on ``zone`` covers (``diesel_restricted``: the flagged nodes)."""
        demand = self.demand
        if zone == DIESEL_RESTRICTED:
            return set(demand.loc[demand["diesel_restricted"].astype(bool), "id"])
        return set(demand.loc[demand["zone"].isin(self.meta.zone_members(zone)), "id"])

    def policy_zones(self) -> tuple[str, ...]:
        """Zone names a scenario's ``zero_emission_zones`` may list."""
        declared = tuple(self.meta.zones) or tuple(sorted(set(self.demand["zone"]) - {"none"}))
        return (*declared, DIESEL_RESTRICTED)
