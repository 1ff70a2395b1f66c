"""Calibration of the road layer against reference road distances."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aggregates.network.graph import Network
from aggregates.network.paths import LinkGraph, path_sums, shortest_trees


def road_calibration(network: Network) -> pd.DataFrame:
    """Shortest road km between each reference pair of ``calibration_road.csv``.

    Reference distances are navigation (shortest-route) km, so the model side is
    the km-shortest path, not the cheapest one that trucks take to avoid tolls; one-way
    links only their way.

    Returns
    -------
    pandas.DataFrame
        origin, destination, reference_km, model_km, ratio (model / reference).
    """
    cal = network.region.calibration_road
    graph = network.road["diesel"]
    by_km = LinkGraph(graph.n, graph.u, graph.v, graph.attrs["km"], {"km": graph.attrs["km"]}, directed=graph.directed)
    trees = shortest_trees(by_km, network.road_index(cal["origin"]))
    model = path_sums(by_km, trees, "km")[np.arange(len(cal)), network.road_index(cal["destination"])]
    return pd.DataFrame(
        {
            "origin": cal["origin"].to_numpy(),
            "destination": cal["destination"].to_numpy(),
            "reference_km": cal["reference_km"].to_numpy(float),
            "model_km": model.round(1),
            "ratio": (model / cal["reference_km"].to_numpy(float)).round(3),
        }
    )
