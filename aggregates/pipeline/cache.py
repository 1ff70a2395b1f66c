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
        self._given: dict[str, Path] = {}  # a folder as given -> its key, for a copy sent to another machine

    def region(self, folder: str | Path) -> Region:
        """The region in ``folder``, read and validated on first use."""
        key = self._key(folder)
        if key not in self._regions:
            self._regions[key] = read_region(folder)
        return self._regions[key]

    def _key(self, folder: str | Path) -> Path:
        """A folder's key: the resolved path, or the key it had where the cache was filled (if sent elsewhere)."""
        given = str(folder)
        if given not in self._given:
            self._given[given] = Path(folder).resolve()
        return self._given[given]

    def __getstate__(self) -> dict:
        """The cache to send to another process: the objects, and which regions the id keys stand for."""
        regions: dict[int, Region] = {id(r): r for r in self._regions.values()}
        for region, _network in self._networks.values():
            regions[id(region)] = region
        for whole, selected in self._paths.values():
            regions[id(whole)] = whole
            regions[id(selected)] = selected
        return {**self.__dict__, "_by_id": regions}

    def __setstate__(self, state: dict) -> None:
        """Re-key the entries keyed by a region's identity to the identity of its copy here."""
        now = {old: id(region) for old, region in state.pop("_by_id").items()}
        for name in ("_networks", "_options", "_quarry_options", "_paths"):
            state[name] = {(now[k[0]], *k[1:]): v for k, v in state[name].items() if k[0] in now}
        self.__dict__.update(state)

    def demand_path(self, region: Region, path: str) -> Region:
        """``region`` with only demand path ``path`` (the same object for every call, so networks are reused)."""
        key = (id(region), path)
        if key not in self._paths:
            self._paths[key] = (region, region.for_demand_path(path))
        return self._paths[key][1]

    def boundaries(self, folder: str | Path) -> gpd.GeoDataFrame:
        """The display boundaries of the region in ``folder`` (empty without the file), validated on first use."""
        key = self._key(folder)
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
