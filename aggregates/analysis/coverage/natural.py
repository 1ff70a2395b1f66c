"""What natural sand or gravel would cost a site, priced as the model prices it.

The model supplies a market with natural aggregate two ways: by truck from one of the region's
quarries (ex-quarry price x ``natural.price_factor`` + the haul) or imported by rail at
``prices.natural_yuan_per_t``. The site's natural price is the cheaper of the two; the quarry's
own capacity left is not checked, so it is what natural aggregate costs at best.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aggregates.config import Scenario
from aggregates.network.graph import Network
from aggregates.network.routes import quarry_options


@dataclass(frozen=True)
class NaturalPrice:
    """Natural aggregate delivered at a site.

    Attributes
    ----------
    yuan_per_t
        Delivered cost per tonne (price + transport).
    source
        ``quarry`` (by truck from ``quarry``) or ``import`` (by rail from outside the region).
    quarry, name_zh, name_en
        The quarry's id and names (empty for an import).
    price_yuan_per_t, transport_yuan_per_t, km
        Ex-quarry price, haul and road km (the import price, 0 and 0 for an import).
    """

    yuan_per_t: float
    source: str
    quarry: str = ""
    name_zh: str = ""
    name_en: str = ""
    price_yuan_per_t: float = math.nan
    transport_yuan_per_t: float = 0.0
    km: float = 0.0


def _cheapest_quarry(network: Network, scenario: Scenario, node: str, product: str) -> NaturalPrice | None:
    if not (scenario.natural.quarries and scenario.prices.natural_allowed) or network.region.quarries.empty:
        return None
    table = quarry_options(network, list(scenario.chains), nodes=[node]).table
    if table.empty:
        return None
    quarries = network.region.quarries.set_index("id")
    price = table["base"].map(quarries[f"price_{product}_yuan_per_t"]).to_numpy(float) * scenario.natural.price_factor
    delivered = price + table["cost_yuan_per_t"].to_numpy(float)
    i = int(delivered.argmin())
    row, q = table.iloc[i], quarries.loc[table["base"].iloc[i]]
    return NaturalPrice(
        float(delivered[i]),
        "quarry",
        str(row["base"]),
        str(q["name_zh"]),
        str(q["name_en"]),
        float(price[i]),
        float(row["cost_yuan_per_t"]),
        float(row["km_road"]),
    )


def natural_price(network: Network, scenario: Scenario, node: str, product: str) -> NaturalPrice | None:
    """The cheaper of the best quarry haul and the import price at ``node``; None when neither is allowed.

    Parameters
    ----------
    network
        The network with the site as a demand node.
    scenario
        Its ``natural`` and ``prices`` sections.
    node, product
        The site's node id and product.
    """
    quarry = _cheapest_quarry(network, scenario, node, product)
    prices = scenario.prices
    imported = None
    if prices.natural_allowed and scenario.natural.import_allowed and product in prices.natural_yuan_per_t:
        cost = float(prices.natural_yuan_per_t[product])
        imported = NaturalPrice(cost, "import", price_yuan_per_t=cost)
    found = [p for p in (quarry, imported) if p is not None]
    return min(found, key=lambda p: p.yuan_per_t) if found else None
