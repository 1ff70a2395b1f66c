"""Flows aggregated into corridors for drawing.

A plan has one flow per base, demand node, product and chain, each drawn along
its route; hundreds of them share the same roads and rail sections. Drawing
them one by one piles lines on top of each other. Instead each route is cut
into its straight pieces, the pieces are summed per mode (rail, battery-electric
truck, diesel truck), and consecutive pieces carried by exactly the same flows
are merged back into one line: a corridor. Its width then says how many tonnes
move there, and its tooltip what they cost and emit on that stretch.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from aggregates.network.routes import great_circle_km
from aggregates.vocab import BET_CHAINS

ROUND = 5  # decimals of a degree (~1 m) that make two route vertices the same point
MODES = ("rail", "bet", "diesel")
CORRIDOR_COLUMNS = [
    "mode",
    "tonnes",
    "tkm",
    "transport_cost_yuan",
    "co2e_t",
    "nox_kg",
    "km",
    "flows",
    "bases",
    "nodes",
    "delivered_cost_yuan_per_t",
    "geometry",
]


def rail_pieces(rail_segments: gpd.GeoDataFrame) -> set[tuple]:
    """Undirected vertex pairs (rounded) of every rail section's line."""
    coords, owner = shapely.get_coordinates(rail_segments.geometry.to_numpy(), return_index=True)
    same = owner[:-1] == owner[1:]
    a, b = np.round(coords[:-1][same], ROUND), np.round(coords[1:][same], ROUND)
    return {_undirected(p, q) for p, q in zip(map(tuple, a), map(tuple, b), strict=True)}


def _undirected(p: tuple, q: tuple) -> tuple:
    return (p, q) if p <= q else (q, p)


def route_pieces(flows: gpd.GeoDataFrame, rail: set[tuple]) -> pd.DataFrame:
    """Each flow's route cut into straight pieces, with the mode that carries each.

    Returns
    -------
    pandas.DataFrame
        One row per piece: ``flow`` (row position in ``flows``), ``key`` (its
        undirected rounded end points), ``mode``, ``km``.
    """
    coords, owner = shapely.get_coordinates(flows.geometry.to_numpy(), return_index=True)
    same = owner[:-1] == owner[1:]
    a, b, flow = np.round(coords[:-1][same], ROUND), np.round(coords[1:][same], ROUND), owner[:-1][same]
    km = great_circle_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    keys = [_undirected(p, q) for p, q in zip(map(tuple, a), map(tuple, b), strict=True)]
    on_rail = np.array([k in rail for k in keys], dtype=bool)
    truck = np.where(flows["chain"].isin(BET_CHAINS).to_numpy()[flow], "bet", "diesel")
    pieces = pd.DataFrame({"flow": flow, "key": keys, "mode": np.where(on_rail, "rail", truck), "km": km})
    return pieces[pieces["km"] > 0].reset_index(drop=True)


def corridors(
    flows: gpd.GeoDataFrame, rail_segments: gpd.GeoDataFrame, *, simplify_deg: float = 0.0
) -> gpd.GeoDataFrame:
    """Aggregate one year's flows into corridors.

    Parameters
    ----------
    flows
        Flows of one year with route geometries (the ``flows`` layer of
        ``plan.gpkg``): needs ``base``, ``node``, ``chain``, ``tonnes``,
        ``transport_cost_yuan``, ``production_cost_yuan``, ``co2e_t``, ``nox_kg``.
    rail_segments
        The region's rail sections; a piece of route lying on one is rail.
    simplify_deg
        Douglas-Peucker tolerance for display, in degrees (0: keep every vertex).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per corridor (see ``CORRIDOR_COLUMNS``): the tonnes carried,
        the t-km, transport cost, CO2e and NOx on that stretch (each flow's
        totals apportioned to its pieces by distance), how many flows use it,
        which bases and nodes they join, and their average delivered cost.
        Sorted by mode and descending tonnes.
    """
    flows = flows[flows["tonnes"] > 0].reset_index(drop=True)
    if flows.empty:
        return gpd.GeoDataFrame(columns=CORRIDOR_COLUMNS, geometry="geometry", crs="EPSG:4326")
    pieces = route_pieces(flows, rail_pieces(rail_segments))
    share = pieces["km"] / pieces.groupby("flow")["km"].transform("sum")
    f = flows.iloc[pieces["flow"].to_numpy()].reset_index(drop=True)
    pieces = pieces.assign(
        tonnes=f["tonnes"].to_numpy(),
        tkm=f["tonnes"].to_numpy() * pieces["km"],
        transport_cost_yuan=f["transport_cost_yuan"].to_numpy() * share,
        co2e_t=f["co2e_t"].to_numpy() * share,
        nox_kg=f["nox_kg"].to_numpy() * share,
    )
    per_piece = pieces.groupby(["mode", "key"], sort=True).agg(
        tonnes=("tonnes", "sum"),
        tkm=("tkm", "sum"),
        transport_cost_yuan=("transport_cost_yuan", "sum"),
        co2e_t=("co2e_t", "sum"),
        nox_kg=("nox_kg", "sum"),
        km=("km", "first"),
        users=("flow", lambda s: tuple(sorted(set(s)))),
    )
    rows = [
        _corridor(mode, users, group, flows)
        for (mode, users), group in per_piece.reset_index().groupby(["mode", "users"])
    ]
    out = gpd.GeoDataFrame(rows, columns=CORRIDOR_COLUMNS, geometry="geometry", crs="EPSG:4326")
    if simplify_deg > 0:
        out["geometry"] = out.geometry.simplify(simplify_deg, preserve_topology=False)
    order = out["mode"].map({m: i for i, m in enumerate(MODES)})
    return (
        out.assign(_o=order)
        .sort_values(["_o", "tonnes"], ascending=[True, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _corridor(mode: str, users: tuple, group: pd.DataFrame, flows: gpd.GeoDataFrame) -> list:
    lines = [shapely.LineString(key) for key in group["key"]]
    line = shapely.line_merge(shapely.MultiLineString(lines))
    used = flows.iloc[list(users)]
    tonnes = float(used["tonnes"].sum())
    delivered = used["transport_cost_yuan"].sum() + used["production_cost_yuan"].sum()
    return [
        mode,
        tonnes,
        float(group["tkm"].sum()),
        float(group["transport_cost_yuan"].sum()),
        float(group["co2e_t"].sum()),
        float(group["nox_kg"].sum()),
        float(group["km"].sum()),
        len(users),
        ";".join(sorted(set(used["base"]))),
        ";".join(sorted(set(used["node"]))),
        float(delivered / tonnes) if tonnes else 0.0,
        line,
    ]
