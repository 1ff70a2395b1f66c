"""What a day needs beyond the plan's flows: delivery windows, first-mile km and swap stations per flow."""

from __future__ import annotations

import pandas as pd

from aggregates.errors import InputError


def day_flows(flows: pd.DataFrame, year: int, routes: pd.DataFrame, bases: pd.DataFrame) -> pd.DataFrame:
    """One year's flows with the day inputs: ``window``, ``first_mile_km`` and ``station``.

    Parameters
    ----------
    flows
        The plan's flows table; ``route`` is a row of ``routes``.
    year
        The plan year dispatched.
    routes
        The route options the plan was solved on (``window`` of the last truck leg under the access
        rules, ``resources``: the swap stations, terminals and sections used, in order).
    bases
        The region's bases: ``id``, ``first_mile_km`` (road km to its loading station) and ``own_siding``.

    Raises
    ------
    InputError
        When the year has no flows, or the flows name routes the options do not have.
    """
    f = flows[flows["year"] == year].reset_index(drop=True)
    if not len(f):
        years = sorted(set(flows["year"]))
        raise InputError(f"the plan has no flows in {year}; its years are {years}")
    if int(f["route"].max()) >= len(routes):
        raise InputError("the plan's flows name route options the scenario no longer builds; run optimize again")
    at = routes.iloc[f["route"].to_numpy(int)]
    b = bases.set_index("id")
    own = f["base"].map(b["own_siding"].astype(bool)).fillna(False).astype(bool)
    first = f["base"].map(b["first_mile_km"]).fillna(0.0).astype(float).where(~own, 0.0)
    return f.assign(
        window=at["window"].fillna("").to_numpy(object),
        station=[_station(r) for r in at["resources"]],
        first_mile_km=first.clip(upper=f["km_road"] - 1.0).clip(lower=0.0),
    )


def _station(resources: object) -> str:
    """The first swap station a route uses (ids ``s-...``), or empty."""
    items = resources if isinstance(resources, (list, tuple)) else str(resources or "").replace(",", " ").split()
    return next((str(r) for r in items if str(r).startswith("s-")), "")
