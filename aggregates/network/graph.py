"""The multimodal network: one graph in the NODUS style.

Every physical node is split into one virtual node per mode layer: road nodes
and sites get a ``|diesel`` and a ``|bet`` copy, rail stations a ``|rail`` copy.
Links are

* road links, once per truck type, with that truck's cost, time and emissions;
* rail links, per line section that freight may use (``freight`` true), with
  electric or diesel traction; passenger-dedicated sections stay in the region
  and on the map but carry no aggregate;
* transfer links at terminals (load: road layer -> rail, unload: rail -> road
  layer) with the terminal's handling cost and time, and swap links at battery
  swap stations in the ``|bet`` layer.

:func:`build_network` returns a :class:`Network` holding the link table and the
per-layer :class:`~aggregates.network.paths.LinkGraph` objects that route
options are computed on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from aggregates.config import Rail, Scenario, Trucks
from aggregates.data.region import Region
from aggregates.network.costs import RailRates, TruckRates, rail_rates, speed_kmh, terminal_handling, truck_rates
from aggregates.network.paths import LinkGraph
from aggregates.vocab import TRUCKS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Network:
    """The multimodal network of a region under a scenario's rates.

    Attributes
    ----------
    region
        What it was built on.
    trucks, rail_spec
        The scenario sections it was built with (rates, range, speeds): a network serves
        every scenario with the same two sections.
    road_ids
        Ids of the road graph's nodes (road nodes and every site on a road link).
    road
        Per truck type, the road :class:`LinkGraph` weighted by yuan per tonne
        with attributes ``km``, ``toll_km`` and ``hours``; directed when some
        road links are one-way (the ``roads`` column ``oneway``).
    station_ids
        Ids of the rail graph's nodes.
    rail
        Rail :class:`LinkGraph` weighted by tariff yuan per tonne, with
        attributes ``km``, ``electric_km`` and ``hours``.
    links
        The NODUS link table: one row per directed-layer link with columns
        ``u``, ``v``, ``kind`` (road, rail, transfer), ``mode``, ``ref``,
        ``km``, ``cost_yuan_per_t``, ``hours``. With one-way roads, a road
        row runs from ``u`` to ``v`` only, and a two-way road has two rows.
    """

    region: Region
    trucks: Trucks
    rail_spec: Rail
    road_ids: tuple[str, ...]
    road: dict[str, LinkGraph]
    truck_rates: dict[str, TruckRates]
    station_ids: tuple[str, ...]
    rail: LinkGraph
    rail_rates: RailRates
    links: pd.DataFrame

    def road_index(self, ids) -> np.ndarray:
        """Road-graph positions of point ids (-1 where not on the road graph)."""
        lookup = {k: i for i, k in enumerate(self.road_ids)}
        return np.array([lookup.get(i, -1) for i in ids], dtype=int)

    def station_index(self, ids) -> np.ndarray:
        """Rail-graph positions of station ids."""
        lookup = {k: i for i, k in enumerate(self.station_ids)}
        return np.array([lookup[i] for i in ids], dtype=int)

    def summary(self, year: int) -> dict:
        """Counts a user checks first: nodes, links by kind, sites, components; demand by city in ``year``."""
        region = self.region
        dy = region.demand_years[region.demand_years["year"] == year]
        by_city = dy.merge(region.demand[["id", "city"]], left_on="node_id", right_on="id")
        demand_by_city = by_city.groupby("city")["demand_mt"].sum().round(3)
        nodes = pd.unique(pd.concat([self.links["u"], self.links["v"]]))
        return {
            "region": region.meta.name,
            "nodes": len(nodes),
            "edges": {k: int(v) for k, v in self.links["kind"].value_counts().sort_index().items()},
            "bases": len(region.bases),
            "demand_nodes": len(region.demand),
            "terminals": len(region.terminals),
            "swap_stations": len(region.swap_stations),
            "rail_segments": len(region.rail_segments),
            "road_links": len(region.roads),
            "road_km": round(float(region.roads["length_km"].sum()), 1),
            "rail_km": round(float(region.rail_segments["length_km"].sum()), 1),
            "bases_by_city": {k: int(v) for k, v in region.bases["city"].value_counts().sort_index().items()},
            "demand_mt_by_city": {k: float(v) for k, v in demand_by_city.items()},
            "demand_year": year,
            "components": component_count(self.links),
        }


def component_count(links: pd.DataFrame) -> int:
    """Number of connected components of the whole multimodal graph."""
    names = pd.Index(pd.unique(pd.concat([links["u"], links["v"]])))
    u, v = names.get_indexer(links["u"]), names.get_indexer(links["v"])
    matrix = csr_matrix((np.ones(len(u)), (u, v)), shape=(len(names), len(names)))
    return int(connected_components(matrix, directed=False)[0])


def _road_graph(region: Region, trucks: Trucks, ids: tuple[str, ...], rates: TruckRates) -> LinkGraph:
    roads = region.roads
    index = {k: i for i, k in enumerate(ids)}
    km = roads["length_km"].to_numpy(float)
    toll = roads["toll"].to_numpy(bool)
    hours = km / np.array([speed_kmh(trucks, k) for k in roads["kind"]])
    cost = km * rates.cost_yuan + np.where(toll, km * rates.toll_yuan, 0.0)
    return LinkGraph.build(
        len(ids),
        [index[a] for a in roads["from_node"]],
        [index[b] for b in roads["to_node"]],
        cost,
        {"km": km, "toll_km": np.where(toll, km, 0.0), "hours": hours},
        oneway=road_directions(roads),
    )


def road_directions(roads: pd.DataFrame) -> np.ndarray:
    """Per road link: 0 both ways, 1 only from ``from_node`` to ``to_node``, -1 only back.

    A missing ``oneway`` column or an empty cell is both ways.
    """
    if "oneway" not in roads.columns:
        return np.zeros(len(roads), int)
    return pd.to_numeric(roads["oneway"], errors="raise").fillna(0).to_numpy(int)


def freight_rows(region: Region) -> np.ndarray:
    """Positions of the rail sections freight may use (passenger-dedicated ones left out)."""
    return np.flatnonzero(region.rail_segments["freight"].to_numpy(bool))


def _rail_graph(region: Region, spec: Rail, rates: RailRates) -> tuple[tuple[str, ...], LinkGraph]:
    rows = freight_rows(region)
    seg = region.rail_segments.iloc[rows]
    ids = tuple(sorted(region.rail_stations["id"]))
    index = {k: i for i, k in enumerate(ids)}
    km = seg["length_km"].to_numpy(float)
    electric = seg["electrified"].to_numpy(bool)
    cost = km * rates.cost_yuan + np.where(electric, km * rates.electric_surcharge_yuan, 0.0)
    graph = LinkGraph.build(
        len(ids),
        [index[a] for a in seg["from_station"]],
        [index[b] for b in seg["to_station"]],
        cost,
        {"km": km, "electric_km": np.where(electric, km, 0.0), "hours": km / spec.speed_kmh},
    )
    # link_index points into the whole section table, so ids and sections stay those of the region.
    return ids, replace(graph, link_index=rows[graph.link_index])


def _road_links(region: Region, graphs: dict[str, LinkGraph], ids: tuple[str, ...]) -> list[pd.DataFrame]:
    frames = []
    for truck, graph in graphs.items():
        refs = region.roads["id"].to_numpy()[graph.link_index]
        frames.append(
            pd.DataFrame(
                {
                    "u": [f"{ids[i]}|{truck}" for i in graph.u],
                    "v": [f"{ids[i]}|{truck}" for i in graph.v],
                    "kind": "road",
                    "mode": f"{truck}_truck",
                    "ref": refs,
                    "km": graph.attrs["km"],
                    "cost_yuan_per_t": graph.weight,
                    "hours": graph.attrs["hours"],
                }
            )
        )
    return frames


def _rail_links(region: Region, graph: LinkGraph, ids: tuple[str, ...]) -> pd.DataFrame:
    refs = region.rail_segments["id"].to_numpy()[graph.link_index]
    electric = graph.attrs["electric_km"] > 0
    return pd.DataFrame(
        {
            "u": [f"{ids[i]}|rail" for i in graph.u],
            "v": [f"{ids[i]}|rail" for i in graph.v],
            "kind": "rail",
            "mode": np.where(electric, "rail_electric", "rail_diesel"),
            "ref": refs,
            "km": graph.attrs["km"],
            "cost_yuan_per_t": graph.weight,
            "hours": graph.attrs["hours"],
        }
    )


def _transfer_links(region: Region, rates: RailRates) -> pd.DataFrame:
    rows = []
    handling = terminal_handling(rates, region.terminals)
    for t, cost in zip(region.terminals.itertuples(), handling, strict=True):
        for truck in TRUCKS:
            road_side, rail_side = f"{t.id}|{truck}", f"{t.station}|rail"
            if t.kind in ("loading", "both"):
                rows.append((road_side, rail_side, "load", t.id, cost, t.handling_hours))
            if t.kind in ("unloading", "both"):
                rows.append((rail_side, road_side, "unload", t.id, cost, t.handling_hours))
    for s in region.swap_stations.itertuples():
        rows.append((f"{s.id}|bet", f"{s.id}|bet", "swap", s.id, 0.0, 0.0))
    table = pd.DataFrame(rows, columns=["u", "v", "mode", "ref", "cost_yuan_per_t", "hours"])
    table.insert(2, "kind", "transfer")
    table.insert(5, "km", 0.0)
    return table


def road_node_ids(region: Region) -> tuple[str, ...]:
    """Every id that appears on the road layer, sorted."""
    ends = pd.concat([region.roads["from_node"], region.roads["to_node"], region.road_nodes["id"]])
    return tuple(sorted(set(ends)))


def build_network(region: Region, scenario: Scenario) -> Network:
    """Build the multimodal network of a region under a scenario's rates.

    Parameters
    ----------
    region
        A validated region (:func:`aggregates.data.reading.read_region`).
    scenario
        Supplies truck, rail and handling rates (its ``trucks`` and ``rail`` sections).

    Returns
    -------
    Network
        The graph, ready for :func:`aggregates.network.routes.route_options`.
    """
    trucks, spec = scenario.trucks, scenario.rail
    ids = road_node_ids(region)
    truck = {t: truck_rates(trucks, t) for t in TRUCKS}
    road = {t: _road_graph(region, trucks, ids, truck[t]) for t in TRUCKS}
    rail_rate = rail_rates(spec)
    station_ids, rail = _rail_graph(region, spec, rail_rate)
    links = pd.concat(
        [*_road_links(region, road, ids), _rail_links(region, rail, station_ids), _transfer_links(region, rail_rate)],
        ignore_index=True,
    )
    network = Network(region, trucks, spec, ids, road, truck, station_ids, rail, rail_rate, links)
    log.info(
        "network: %d road nodes, %d rail stations, %d links (%s)",
        len(ids),
        len(station_ids),
        len(links),
        ", ".join(f"{k} {v}" for k, v in links["kind"].value_counts().sort_index().items()),
    )
    return network
