"""Who supplies which market by which chain: the supply matrix of one year of a plan.

``supply_matrix(plan)`` is the table an official reads beside the map (supply city x market city x
chain, Mt); the map's panel, the report and later web pages draw it from the same DataFrame.
"""

from __future__ import annotations

import pandas as pd

from aggregates.plan import Plan
from aggregates.vocab import CHAINS, MT

MATRIX_COLUMNS = ["supply_city", "market", "chain", "mt"]


def supply_matrix(plan: Plan, year: int | None = None) -> pd.DataFrame:
    """Solid-waste aggregate delivered in ``year``, summed by supply city, market city and chain.

    Parameters
    ----------
    plan
        The plan.
    year
        The year; default: the plan's headline year (:meth:`aggregates.plan.Plan.headline_year`).

    Returns
    -------
    pandas.DataFrame
        Columns ``supply_city``, ``market``, ``chain`` and ``mt`` (megatonnes), one row per
        triple that carries tonnes, sorted by supply city, market and chain (in ``CHAINS`` order);
        its ``mt`` sums to the year's delivered solid-waste tonnes (``plan.flows``).
    """
    year = plan.headline_year(year)
    flows = plan.flows[(plan.flows["year"] == year) & (plan.flows["tonnes"] > 0)]
    if flows.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "mt" else object) for c in MATRIX_COLUMNS})
    from_city = plan.bases.drop_duplicates("base").set_index("base")["city"]
    to_city = plan.demand.drop_duplicates("node").set_index("node")["city"]
    table = (
        flows.assign(supply_city=flows["base"].map(from_city), market=flows["node"].map(to_city))
        .groupby(["supply_city", "market", "chain"], sort=True)["tonnes"]
        .sum()
        .div(MT)
        .rename("mt")
        .reset_index()
    )
    order = {chain: i for i, chain in enumerate(CHAINS)}
    table = table.assign(_order=table["chain"].map(order).fillna(len(order)))
    return table.sort_values(["supply_city", "market", "_order"]).drop(columns="_order").reset_index(drop=True)


def matrix_wide(matrix: pd.DataFrame) -> pd.DataFrame:
    """:func:`supply_matrix` as one row per (supply city, market) and one column per chain present, plus ``total``."""
    chains = [c for c in CHAINS if c in set(matrix["chain"])] + sorted(set(matrix["chain"]) - set(CHAINS))
    wide = matrix.pivot_table(
        index=["supply_city", "market"], columns="chain", values="mt", aggfunc="sum", fill_value=0.0
    )
    wide = wide.reindex(columns=chains, fill_value=0.0)
    wide.columns.name = None
    return wide.assign(total=wide.sum(axis=1)).reset_index()
