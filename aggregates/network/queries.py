"""Questions a user asks the network directly: the route options between one base and one node."""

from __future__ import annotations

import pandas as pd

from aggregates.config import Scenario
from aggregates.data.places import find_place
from aggregates.errors import InputError
from aggregates.network.graph import Network
from aggregates.network.routes import route_options
from aggregates.vocab import is_rail


def routes_between(network: Network, scenario: Scenario, base: str, node: str, year: int | None = None) -> pd.DataFrame:
    """Route options of every chain between one base and one demand node, cheapest first.

    Parameters
    ----------
    network
        The network.
    scenario
        Its chains, and its emission factors for CO2e.
    base, node
        Id, English or Chinese name of a base and a demand node.
    year
        Year of the grid factor for CO2e: one of the scenario's years (default: its first).

    Returns
    -------
    pandas.DataFrame
        The route-options rows of that pair with ``co2e_kg_per_t``, ``co2e_ttw_kg_per_t``
        and ``year`` added.

    Raises
    ------
    InputError
        For a year the scenario does not plan.
    NetworkError
        For a base or node that is not in the region.
    """
    if year is not None and year not in scenario.years:
        raise InputError(f"--year {year} is not planned; the scenario's years are {scenario.years}")
    region = network.region
    base_id = find_place(region.bases, base, "base")
    node_id = find_place(region.demand, node, "demand node")
    options = route_options(network, list(scenario.chains), nodes=[node_id])
    pair = options.take((options.table["base"] == base_id).to_numpy())
    year = year or min(scenario.years)
    table = pair.table.assign(
        co2e_kg_per_t=pair.co2e_kg_per_t(scenario.emissions, year),
        co2e_ttw_kg_per_t=pair.co2e_kg_per_t(scenario.emissions, year, basis="ttw"),
        year=year,
    )
    return table.sort_values("cost_yuan_per_t", kind="mergesort").reset_index(drop=True)


def missing_chain_reason(network: Network, scenario: Scenario, chain: str) -> str:
    """Why a chain has no route option between a pair (for messages)."""
    if chain not in scenario.chains:
        return "not enabled in the scenario's chains"
    if chain == "bet_truck":
        r = network.trucks.bet.range_km
        return (
            f"beyond the battery range: each hop between charging points must be <= {r:g} km and the last "
            f"hop to a site without charging <= {r / 2:g} km (there and back), and no chain of swap "
            f"stations connects them"
        )
    if is_rail(chain):
        return (
            f"no loading station within {network.rail_spec.max_first_mile_km:g} km by road (rail.max_first_mile_km), "
            f"no rail path between terminals, or a truck leg beyond battery range"
        )
    return "no road path"
