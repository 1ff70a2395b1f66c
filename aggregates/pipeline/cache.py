"""Inputs built once and reused: regions by folder, networks and route options by the settings they depend on.

A sweep solves many variants of one scenario; most change prices or policies, not the region
or the transport rates. :class:`InputCache` keeps what such variants share, so a process
builds the network and the route options once and every variant that does not change them
reuses them.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from aggregates.config import Scenario
from aggregates.data.boundaries import read_boundaries
from aggregates.data.reading import read_region
from aggregates.data.region import Region
from aggregates.network.graph import Network, build_network
from aggregates.network.options import RouteOptions
from aggregates.network.routes import quarry_options, route_options


def transport_key(scenario: Scenario) -> str:
    """What a network depends on besides its region: the ``trucks`` and ``rail`` sections."""
    data = {"trucks": scenario.trucks.model_dump(mode="json"), "rail": scenario.rail.model_dump(mode="json")}
    return json.dumps(data, sort_keys=True)


class InputCache:
    """Regions, networks and route options, each built at most once per key.

    Keys: a region by its resolved folder; its demand path by (region, path); a network by
    (region, :func:`transport_key`); route options by (region, transport key, chains). A region
    object given by the caller is keyed by identity and kept alive by the cache.
    """

    def __init__(self) -> None:
        self._regions: dict[Path, Region] = {}
        self._networks: dict[tuple[int, str], tuple[Region, Network]] = {}
        self._options: dict[tuple[int, str, tuple[str, ...]], RouteOptions] = {}
        self._quarry_options: dict[tuple[int, str, tuple[str, ...]], RouteOptions] = {}
        self._boundaries: dict[Path, gpd.GeoDataFrame] = {}
        self._paths: dict[tuple[int, str], tuple[Region, Region]] = {}

    def region(self, folder: str | Path) -> Region:
        """The region in ``folder``, read and validated on first use."""
        key = Path(folder).resolve()
        if key not in self._regions:
            self._regions[key] = read_region(folder)
        return self._regions[key]

    def demand_path(self, region: Region, path: str) -> Region:
        """``region`` with only demand path ``path`` (the same object for every call, so networks are reused)."""
        key = (id(region), path)
        if key not in self._paths:
            self._paths[key] = (region, region.for_demand_path(path))
        return self._paths[key][1]

    def boundaries(self, folder: str | Path) -> gpd.GeoDataFrame:
        """The display boundaries of the region in ``folder`` (empty without the file), validated on first use."""
        key = Path(folder).resolve()
        if key not in self._boundaries:
            self._boundaries[key] = read_boundaries(key)
        return self._boundaries[key]

    def network(self, region: Region, scenario: Scenario) -> Network:
        """The network of ``region`` under the scenario's transport sections."""
        key = (id(region), transport_key(scenario))
        if key not in self._networks:
            self._networks[key] = (region, build_network(region, scenario))
        return self._networks[key][1]

    def route_options(self, region: Region, scenario: Scenario) -> tuple[Network, RouteOptions]:
        """The network and the route options of every chain the scenario enables."""
        network = self.network(region, scenario)
        key = (id(region), transport_key(scenario), tuple(scenario.chains))
        if key not in self._options:
            self._options[key] = route_options(network, list(scenario.chains))
        return network, self._options[key]

    def quarry_options(self, region: Region, scenario: Scenario) -> RouteOptions:
        """The truck routes from the region's quarries for the scenario's chains."""
        network = self.network(region, scenario)
        key = (id(region), transport_key(scenario), tuple(scenario.chains))
        if key not in self._quarry_options:
            self._quarry_options[key] = quarry_options(network, list(scenario.chains))
        return self._quarry_options[key]

    def __len__(self) -> int:
        """Networks built so far (for tests and logs)."""
        return len(self._networks)
