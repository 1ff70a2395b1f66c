"""Small hand-made days: a scenario and flows whose best schedules are worked out in the tests."""

from __future__ import annotations

import pandas as pd

from aggregates.config import Scenario

PAYLOAD = {"diesel": 31.0, "bet": 28.0}


def scenario(**values) -> Scenario:
    """The default scenario with a fast, fixed routing effort; ``values`` as ``key.path`` changes."""
    base = Scenario(name="day", region="geodata/jingjinji", years=[2022])
    return base.with_values({"dispatch.time_limit_s": 0.5, **values})


def flow(base, node, chain, loads, km_road, *, window="00:00-24:00", station="", **rail) -> dict:
    """One flow row carrying ``loads`` truckloads a typical day (300 truck days a year)."""
    truck = "bet" if "bet" in chain else "diesel"
    return {
        "year": 2022,
        "base": base,
        "node": node,
        "chain": chain,
        "tonnes": loads * PAYLOAD[truck] * 300.0,
        "km_road": km_road,
        "km_rail": rail.get("km_rail", 0.0),
        "loading_terminal": rail.get("loading", ""),
        "unloading_terminal": rail.get("unloading", ""),
        "route": 0,
        "window": window,
        "station": station,
        "first_mile_km": rail.get("first_mile_km", 0.0),
    }


def flows(*rows: dict) -> pd.DataFrame:
    """The rows as a day's flows table."""
    return pd.DataFrame(list(rows))
