"""The cheapest mix of near options a site's residual room allows, and the answer it gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from aggregates.analysis.coverage.residuals import option_residuals
from aggregates.config import CoverageCheck
from aggregates.data.sites import Site

STATUSES = ("covered", "partly", "not")


def cheapest_mix(cost: np.ndarray, groups: list[tuple[np.ndarray, float]], tonnes: float) -> np.ndarray:
    """Tonnes per option of the cheapest mix delivering as much of ``tonnes`` as the limits allow.

    Parameters
    ----------
    cost
        Delivered cost per tonne of each option.
    groups
        (option indices, tonnes) limits shared by options: a base's or a resource's residual.
    tonnes
        What the site needs.

    Returns
    -------
    numpy.ndarray
        Tonnes per option: first the most that can be delivered, then the least cost for that.
    """
    n = len(cost)
    if n == 0:
        return np.zeros(0)
    rows = [np.ones(n)]
    caps = [tonnes]
    for index, cap in groups:
        row = np.zeros(n)
        row[index] = 1.0
        rows.append(row)
        caps.append(cap)
    a_ub, b_ub = np.array(rows), np.array(caps)
    most = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    deliver = -most.fun if most.status == 0 else 0.0
    if deliver <= 1e-9:
        return np.zeros(n)
    floor = deliver * (1 - 1e-9)  # keep the first stage's tonnes up to rounding
    best = linprog(
        cost,
        A_ub=np.vstack([a_ub, -np.ones(n)]),
        b_ub=np.append(b_ub, -floor),
        bounds=(0, None),
        method="highs",
    )
    return np.clip(best.x, 0, None) if best.status == 0 else np.zeros(n)


def _groups(options: pd.DataFrame, base_room: dict, resource_room: dict) -> list[tuple[np.ndarray, float]]:
    groups = []
    for base, index in options.groupby("base").indices.items():
        groups.append((index, base_room.get(base, 0.0)))
    used: dict[str, list[int]] = {}
    for i, items in enumerate(options["resources"]):
        for e in set(items):
            if e in resource_room:
                used.setdefault(e, []).append(i)
    groups += [(np.array(ix), resource_room[e]) for e, ix in sorted(used.items())]
    return groups


def assess(
    site: Site, node: str, options: pd.DataFrame, base_room: dict, resource_room: dict, rule: CoverageCheck
) -> tuple[pd.DataFrame, pd.DataFrame, float, str]:
    """Rank a site's options, find its cheapest near mix and the share it covers.

    Returns (ranked options, mix, share covered, reason).
    """
    options = options.copy()
    options["within_rule"] = rule.nearness.of_routes(options)
    options["residual_capacity_t"] = option_residuals(options["base"], options["resources"], base_room, resource_room)
    options = options.sort_values(["delivered_cost_yuan_per_t", "base", "chain"], kind="mergesort", ignore_index=True)
    near = options[options["within_rule"]].reset_index(drop=True)
    x = cheapest_mix(
        near["delivered_cost_yuan_per_t"].to_numpy(float), _groups(near, base_room, resource_room), site.tonnes
    )
    mix = near.assign(tonnes=x)[x > 1e-6 * site.tonnes].reset_index(drop=True)
    share = min(float(mix["tonnes"].sum()) / site.tonnes, 1.0)  # solver dust below the mix's cut-off is not supply
    return options, mix, share, _reason(site, options, share, rule)


def _reason(site: Site, options: pd.DataFrame, share: float, rule: CoverageCheck) -> str:
    if share >= rule.share - 1e-9:
        return ""
    if not len(options):
        return f"no route from any base reaches {site.name} (check the road layer near it)"
    near = options[options["within_rule"]]
    if not len(near):
        km = options["km_road"] + options["km_rail"]
        best = options.loc[km.idxmin()]
        return (
            f"no base is {rule.nearness.text()}: the nearest option is {best['base']} by {best['chain']}, "
            f"{km.min():.0f} km, {options['hours'].min():.1f} h"
        )
    got = share * site.tonnes
    return (
        f"the bases {rule.nearness.text()} have {got:,.0f} t/yr of {site.product} left for this site after the plan "
        f"({share:.0%} of {site.tonnes:,.0f} t/yr; the rule asks {rule.share:.0%}): their capacity or the rail "
        f"sections and yards on the way are taken"
    )


def coverage_status(share: float, rule: CoverageCheck) -> str:
    if share >= rule.share - 1e-9:
        return "covered"
    return "partly" if share > 1e-9 else "not"
