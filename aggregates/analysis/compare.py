"""Plans side by side in one year: a row of figures per scenario and a table of corridors.

The numbers behind ``aggregates compare``: ``comparison.csv`` (:func:`comparison_table`),
``corridors.csv`` (:func:`corridor_table`) and ``comparison.json`` (:func:`comparison_json`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aggregates.config import Scenario
from aggregates.plan import Plan
from aggregates.vocab import CHAINS, TRUCK_OF_CHAIN

TABLE_KPIS = (
    "substitution_mt",
    "target_mt",
    "target_met",
    "cost_yuan",
    "cost_yuan_per_t",
    "co2e_t",
    "co2e_ttw_t",
    "nox_t",
    "pm_t",
    "rail_share_t",
    "tkm_road",
    "tkm_rail",
    "trains_per_day",
    "truck_trips_per_day",
)
FLEET_KPIS = ("nev_trucks", "diesel_trucks", "wagons", "containers")
CORRIDOR_SUMS = ["tonnes", "tkm", "transport_cost_yuan", "co2e_t", "nox_kg", "pm_kg"]


@dataclass(frozen=True)
class Failed:
    """A scenario that gave no plan: its config (or name), exit code and the reason."""

    config: str
    exit_code: int
    message: str


@dataclass(frozen=True)
class Comparison:
    """Solved scenarios side by side in one year.

    Attributes
    ----------
    plans
        The plans, in the order given.
    year
        The year compared.
    table
        One row per scenario (README, "aggregates compare").
    corridors
        One row per scenario, supply city, market city and chain.
    failed
        Scenarios that gave no plan.
    """

    plans: list[Plan]
    year: int
    table: pd.DataFrame
    corridors: pd.DataFrame
    failed: list[Failed] = field(default_factory=list)


def compare_plans(plans: Sequence[Plan], year: int | None = None, failed: list[Failed] | None = None) -> Comparison:
    """Compare plans in ``year`` (default: the first plan's headline year, which every plan must have).

    Raises
    ------
    InputError
        When ``year`` is not in every plan.
    """
    year = plans[0].headline_year(year)
    for plan in plans[1:]:
        plan.headline_year(year)
    return Comparison(list(plans), year, comparison_table(plans, year), corridor_table(plans, year), failed or [])


def comparison_table(plans: Sequence[Plan], year: int) -> pd.DataFrame:
    """One row per scenario: the year's KPIs, truck-km, swaps and fleet, tonnes by chain."""
    return pd.DataFrame([_row(plan, year) for plan in plans])


def _row(plan: Plan, year: int) -> dict:
    k = plan.year(year)
    flows = plan.flows[plan.flows["year"] == year]
    row = {"scenario": plan.name, "year": year, "status": plan.solve.status, "solver_limit": plan.solve.limit or ""}
    row |= {key: getattr(k, key) for key in TABLE_KPIS}
    row["truck_km"] = round(truck_km(flows, plan.scenario))
    row["swaps_per_day"] = round(swaps_per_day(plan, year), 1)
    row |= {key: getattr(k.fleet, key) if k.fleet is not None else np.nan for key in FLEET_KPIS}
    row |= {f"{chain}_mt": k.chain_mt(chain) for chain in CHAINS}
    return row


def truck_km(flows: pd.DataFrame, scenario: Scenario) -> float:
    """Truck vehicle-km per year, empty returns included: tonnes / payload x road km x 2.

    ``km_road`` of a rail chain is its first and last miles together, so this counts their trucks too.
    """
    payload = {truck: getattr(scenario.trucks, truck).payload_t for truck in ("diesel", "bet")}
    per_chain = flows["chain"].map(TRUCK_OF_CHAIN).map(payload)
    return float((flows["tonnes"] / per_chain * flows["km_road"] * 2).sum())


def swaps_per_day(plan: Plan, year: int) -> float:
    """Battery swaps per operating day at all stations."""
    r = plan.resources
    swaps = float(r.loc[(r["year"] == year) & (r["kind"] == "swap_station"), "load"].sum())
    return swaps / plan.scenario.trucks.operating_days


def corridor_table(plans: Sequence[Plan], year: int) -> pd.DataFrame:
    """Per scenario, supply city, market city and chain: tonnes, t-km, transport cost, CO2e, NOx, PM."""
    frames = [_corridors(plan, year) for plan in plans]
    frames = [f for f in frames if f is not None]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not table.empty:
        table["transport_yuan_per_t"] = (table["transport_cost_yuan"] / table["tonnes"]).round(2)
        table["co2e_kg_per_t"] = (table["co2e_t"] * 1000 / table["tonnes"]).round(3)
    return table


def _corridors(plan: Plan, year: int) -> pd.DataFrame | None:
    flows = plan.flows[plan.flows["year"] == year]
    if flows.empty:
        return None
    from_city = plan.bases.drop_duplicates("base").set_index("base")["city"]
    to_city = plan.demand.drop_duplicates("node").set_index("node")["city"]
    f = flows.assign(
        scenario=plan.name,
        from_city=flows["base"].map(from_city),
        to_city=flows["node"].map(to_city),
        tkm=flows["tkm_road"] + flows["tkm_rail"],
    )
    return f.groupby(["scenario", "from_city", "to_city", "chain"], sort=True)[CORRIDOR_SUMS].sum().reset_index()


def comparison_json(comparison: Comparison) -> list[dict]:
    """Per scenario: ``scenario``, ``run_dir`` (its folder's name) and its kpis.json keys; failures with their reason."""
    out = [
        {"scenario": plan.name, "run_dir": plan.name, **plan.to_json(), "compared_year": comparison.year}
        for plan in comparison.plans
    ]
    out += [
        {"config": f.config, "status": "no plan", "exit_code": f.exit_code, "error": f.message}
        for f in comparison.failed
    ]
    return out


# -- what changed between two plans ------------------------------------------------------------

FLOW_KEYS = ["base", "node", "chain"]
# How a flow or a base differs from one plan (a) to another (b).
FLOW_CHANGES = ("new", "gone", "grown", "shrunk", "same")
BASE_CHANGES = ("built", "not_built", "larger", "smaller", "same")


def flow_changes(a: Plan, b: Plan, year: int | None = None, tol_t: float = 1000.0) -> pd.DataFrame:
    """How each flow (base, node, chain; products summed) changes from plan ``a`` to plan ``b`` in ``year``.

    Parameters
    ----------
    a, b
        The reference plan and the plan compared with it.
    year
        The year (default: ``a``'s headline year; ``b`` must have it too).
    tol_t
        Tonnes a year below which a difference counts as none (solver noise).

    Returns
    -------
    pandas.DataFrame
        One row per flow in either plan: ``base``, ``node``, ``chain``, ``tonnes_a``, ``tonnes_b``,
        ``delta_t`` (b - a) and ``change``: ``new`` (only in b), ``gone`` (only in a), ``grown``,
        ``shrunk`` or ``same``; largest change first.
    """
    year = a.headline_year(year)
    b.headline_year(year)
    both = pd.concat({"a": _flow_tonnes(a, year), "b": _flow_tonnes(b, year)}, axis=1).fillna(0.0)
    both.columns = ["tonnes_a", "tonnes_b"]
    out = both.assign(delta_t=both["tonnes_b"] - both["tonnes_a"]).reset_index()
    a_has, b_has = out["tonnes_a"] > tol_t, out["tonnes_b"] > tol_t
    out["change"] = np.select(
        [~a_has & b_has, a_has & ~b_has, out["delta_t"] > tol_t, out["delta_t"] < -tol_t],
        ["new", "gone", "grown", "shrunk"],
        "same",
    )
    out = out[a_has | b_has]
    order = out["delta_t"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _flow_tonnes(plan: Plan, year: int) -> pd.Series:
    flows = plan.flows[plan.flows["year"] == year]
    return flows.groupby(FLOW_KEYS, sort=True)["tonnes"].sum()


def base_changes(a: Plan, b: Plan, year: int | None = None) -> pd.DataFrame:
    """How each base's capacity changes from plan ``a`` to plan ``b`` in ``year``.

    Returns
    -------
    pandas.DataFrame
        One row per base open in either plan: ``base``, ``name``, ``name_zh``, ``city``,
        ``capacity_a_t``, ``capacity_b_t`` (0 where not built) and ``change``: ``built`` (open in b
        only), ``not_built`` (open in a only), ``larger``, ``smaller`` or ``same``.
    """
    year = a.headline_year(year)
    b.headline_year(year)
    caps = pd.concat({"a": _capacity(a, year), "b": _capacity(b, year)}, axis=1).fillna(0.0)
    out = caps.rename(columns={"a": "capacity_a_t", "b": "capacity_b_t"})
    open_a, open_b = out["capacity_a_t"] > 0, out["capacity_b_t"] > 0
    out["change"] = np.select(
        [
            open_b & ~open_a,
            open_a & ~open_b,
            out["capacity_b_t"] > out["capacity_a_t"],
            out["capacity_b_t"] < out["capacity_a_t"],
        ],
        ["built", "not_built", "larger", "smaller"],
        "same",
    )
    out = out[open_a | open_b]
    names = pd.concat([a.bases, b.bases]).drop_duplicates("base").set_index("base")[["name", "name_zh", "city"]]
    return names.join(out, how="inner").rename_axis("base").reset_index()


def _capacity(plan: Plan, year: int) -> pd.Series:
    bases = plan.bases[plan.bases["year"] == year]
    built = bases["capacity_t"].where(bases["level"] >= 0, 0.0)
    return pd.Series(built.to_numpy(float), index=bases["base"].to_numpy()).groupby(level=0).sum()
