"""The tables behind the trade-off charts: pure functions, the tables of :mod:`aggregates.sweep` in, rows out.

Columns they read:

* Pareto points: ``point``, ``kind``, ``cap_kt``, ``status``, ``on_front``, ``system_cost_yuan``,
  ``cost_yuan``, ``co2e_t``, ``nox_t``, ``rail_share_t``, ``substitution_mt``,
  ``mac_yuan_per_t`` and ``mt_<chain>`` per chain; only the points on the front are drawn.
* Sensitivity: ``param``, ``value``, ``status``, the same figures and ``mt_<chain>``.
* Tornado: ``param``, ``low``, ``high``, ``metric``, ``base``, ``delta_low``, ``delta_high``.

Tonnes, money and CO2e are in the chart units of the language (:mod:`aggregates.viz.charts.units`).
"""

from __future__ import annotations

import pandas as pd

from aggregates.viz.charts.style import CHAIN_COLOURS
from aggregates.viz.charts.units import metric_unit, unit
from aggregates.viz.labels import Lang, text
from aggregates.vocab import MT


def chains_with_tonnes(frame: pd.DataFrame) -> list[str]:
    """Chains with a ``mt_<chain>`` column carrying tonnes, in the run charts' drawing order."""
    present = [c for c in CHAIN_COLOURS if f"mt_{c}" in frame and frame[f"mt_{c}"].fillna(0).gt(0).any()]
    return present or [c for c in CHAIN_COLOURS if f"mt_{c}" in frame]


def mix_data(frame: pd.DataFrame, at: str, lang: Lang) -> pd.DataFrame:
    """Long table of tonnes by chain: one row per row of ``frame`` and chain with tonnes.

    Columns: ``at`` (copied from ``frame[at]``), ``chain``, ``label``, ``order``, ``tonnes`` (in
    ``unit("tonnes", lang)``), ``share`` (of the row's solid-waste tonnes), ``rail_share_t``.
    """
    tonnes = unit("tonnes", lang)
    chains = chains_with_tonnes(frame)
    rows = []
    for _, r in frame.iterrows():
        total = sum(float(r[f"mt_{c}"]) for c in chains)
        for order, chain in enumerate(chains):
            mt = float(r[f"mt_{chain}"])
            if mt > 0:
                rows.append(
                    {
                        at: r[at],
                        "chain": chain,
                        "label": text(chain, lang),
                        "order": order,
                        "tonnes": tonnes.of(mt * MT),
                        "share": mt / total if total else 0.0,
                        "rail_share_t": float(r["rail_share_t"]),
                    }
                )
    return pd.DataFrame(rows, columns=[at, "chain", "label", "order", "tonnes", "share", "rail_share_t"])


def pareto_data(points: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """The points on the front, CO2e decreasing, in the chart's units.

    Columns: ``point``, ``name`` (e.g. ``P2 961 kt``), ``kind`` (in ``lang``), ``cap``, ``co2e``
    (``unit("co2e", lang)``), ``system_cost``, ``cost`` (``unit("money", lang)``), ``mac``
    (yuan per t CO2e), ``rail_share_t``, ``rail_label``, ``nox_t``, ``substitution_mt`` and
    ``mt_<chain>``.
    """
    front = points[points["on_front"].astype(bool)].sort_values("co2e_t", ascending=False, kind="mergesort")
    co2e, money = unit("co2e", lang), unit("money", lang)
    data = pd.DataFrame(
        {
            "point": front["point"].astype(int),
            "name": [
                f"P{p} {co2e.of(c):,.{co2e.decimals(1)}f} {co2e.name}"
                for p, c in zip(front["point"], front["co2e_t"], strict=True)
            ],
            "kind": [text(k, lang) for k in front["kind"]],
            "cap": [co2e.of(c * 1000) if pd.notna(c) else None for c in front["cap_kt"]],
            "co2e": co2e.of(front["co2e_t"]),
            "system_cost": money.of(front["system_cost_yuan"]),
            "cost": money.of(front["cost_yuan"]),
            "mac": front["mac_yuan_per_t"],
            "rail_share_t": front["rail_share_t"],
            "rail_label": [f"{text('rail', lang)} {s:.0%}" for s in front["rail_share_t"]],
            "nox_t": front["nox_t"],
            "substitution_mt": front["substitution_mt"],
        }
    )
    return _with_chain_tonnes(data, front)


def sensitivity_data(table: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """One row per value with a plan: ``value`` (as text, in the order given), ``system_cost``,
    ``cost`` (``unit("money", lang)``), ``co2e`` (``unit("co2e", lang)``), ``nox_t``,
    ``rail_share_t``, ``substitution_mt`` and ``mt_<chain>``."""
    solved = table[table["status"] != "infeasible"]
    money, co2e = unit("money", lang), unit("co2e", lang)
    data = pd.DataFrame(
        {
            "value": [_value_text(v) for v in solved["value"]],
            "system_cost": money.of(solved["system_cost_yuan"]),
            "cost": money.of(solved["cost_yuan"]),
            "co2e": co2e.of(solved["co2e_t"]),
            "nox_t": solved["nox_t"],
            "rail_share_t": solved["rail_share_t"],
            "substitution_mt": solved["substitution_mt"],
        }
    )
    return _with_chain_tonnes(data, solved)


def _with_chain_tonnes(data: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the ``mt_<chain>`` columns of ``rows`` that are present, index reset."""
    for chain in CHAIN_COLOURS:
        if f"mt_{chain}" in rows:
            data[f"mt_{chain}"] = rows[f"mt_{chain}"].to_numpy()
    return data.reset_index(drop=True)


def _value_text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def tornado_data(table: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """Two rows per parameter (its low and its high end), in the table's order (widest swing first).

    Columns: ``param``, ``label`` (the parameter in ``lang``), ``end`` (``low`` or ``high``),
    ``end_label``, ``setting`` (the parameter's value there), ``delta`` (change of the metric
    from the base run, in :func:`metric_unit`), ``at`` (the metric there) and ``base``.
    """
    rows = []
    for r in table.itertuples():
        shown = metric_unit(r.metric, lang)
        for end in ("low", "high"):
            delta = getattr(r, f"delta_{end}")
            rows.append(
                {
                    "param": r.param,
                    "label": text(r.param, lang),
                    "end": end,
                    "end_label": text(end, lang),
                    "setting": _value_text(getattr(r, end)),
                    "delta": delta * shown.factor if pd.notna(delta) else None,
                    "at": (r.base + delta) * shown.factor if pd.notna(delta) else None,
                    "base": r.base * shown.factor,
                }
            )
    columns = ["param", "label", "end", "end_label", "setting", "delta", "at", "base"]
    return pd.DataFrame(rows, columns=columns)
