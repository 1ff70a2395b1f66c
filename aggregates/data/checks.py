"""Rules that span rows or layers: references, uniqueness across layers, sums."""

from __future__ import annotations

import itertools

import pandas as pd

from aggregates.data import schema
from aggregates.data.access import parse_window
from aggregates.data.region import RegionMeta
from aggregates.data.schema import Layer
from aggregates.data.validate import row_label
from aggregates.vocab import PRODUCTS

_BY_NAME = {layer.name: layer for layer in schema.LAYERS}


def _known_ids(tables: dict[str, pd.DataFrame], target: str) -> set[str]:
    names = schema.POINT_LAYERS if target == "point" else (target,)
    return {i for name in names for i in tables[name]["id"].dropna()}


def _check_references(tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    for layer in schema.LAYERS:
        table = tables[layer.name]
        for column in layer.columns:
            if not column.references:
                continue
            known = _known_ids(tables, column.references)
            what = "any point layer" if column.references == "point" else _BY_NAME[column.references].filename
            for index, value in zip(table.index, table[column.name], strict=True):
                if isinstance(value, str) and value and value not in known:
                    problems.append(
                        f"{layer.filename} {row_label(layer, table, index)}: {column.name} "
                        f"'{value}' is not an id in {what}"
                    )


def _check_ids_across_layers(tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    owner: dict[str, str] = {}
    for name in schema.POINT_LAYERS:
        for value in tables[name]["id"].dropna():
            if value in owner and owner[value] != name:
                problems.append(
                    f"{_BY_NAME[name].filename} row '{value}': id is also used in "
                    f"{_BY_NAME[owner[value]].filename}; ids must be unique across point layers"
                )
            owner.setdefault(value, name)


def _check_yields(bases: pd.DataFrame, problems: list[str]) -> None:
    layer = schema.BASES
    for index, row in bases.iterrows():
        sand, coarse = row["yield_sand"], row["yield_coarse"]
        if isinstance(sand, float) and isinstance(coarse, float) and sand + coarse > 1 + 1e-9:
            problems.append(
                f"{layer.filename} {row_label(layer, bases, index)}: yield_sand + yield_coarse must be <= 1, "
                f"got {sand:g} + {coarse:g} = {sand + coarse:g}"
            )


def _check_levels(tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    levels = tables["base_levels"].dropna(subset=["base_id", "level", "capacity_mt_per_yr"])
    for base_id in tables["bases"]["id"].dropna():
        if base_id not in set(levels["base_id"]):
            problems.append(f"base_levels.csv: base '{base_id}' has no capacity level; add at least level 0")
    for base_id, group in levels.groupby("base_id", sort=True):
        group = group.sort_values("level")
        numbers = [int(v) for v in group["level"]]
        if numbers != list(range(len(numbers))):
            problems.append(f"base_levels.csv base '{base_id}': levels must be 0, 1, 2, ... once each; got {numbers}")
            continue
        caps = [float(v) for v in group["capacity_mt_per_yr"]]
        if any(b <= a for a, b in itertools.pairwise(caps)):
            problems.append(
                f"base_levels.csv base '{base_id}': capacity_mt_per_yr must increase with level, got {caps}"
            )


def _check_loading_terminals(tables: dict[str, pd.DataFrame], problems: list[str]) -> None:
    kinds = dict(zip(tables["terminals"]["id"], tables["terminals"]["kind"], strict=True))
    bases = tables["bases"]
    for index, ref in zip(bases.index, bases["loading_terminal"], strict=True):
        if kinds.get(ref) == "unloading":
            problems.append(
                f"bases.geojson {row_label(schema.BASES, bases, index)}: loading_terminal '{ref}' is an "
                f"unloading yard; name a terminal of kind loading or both"
            )


def _check_demand(tables: dict[str, pd.DataFrame], meta: RegionMeta | None, problems: list[str]) -> None:
    products = set(meta.products) if meta else set(PRODUCTS)
    demand = tables["demand"]
    accepts: dict[str, set[str]] = {}
    for index, row in demand.iterrows():
        tokens = {t.strip() for t in str(row["accepts"] or "").split(";") if t.strip()}
        unknown = tokens - products
        if not tokens or unknown:
            problems.append(
                f"demand.geojson {row_label(schema.DEMAND, demand, index)}: accepts must list products from "
                f"{sorted(products)} separated by ';', got {row['accepts']!r}"
            )
        accepts[row["id"]] = tokens
    years = tables["demand_years"].dropna(subset=["node_id", "year", "product"])
    _check_demand_rows(years, problems)
    for index, row in years.iterrows():
        allowed = accepts.get(row["node_id"])
        if allowed and row["product"] not in allowed and (row["demand_mt"] or 0) > 0:
            problems.append(
                f"demand_years.csv row {index + 2}: node '{row['node_id']}' demands {row['product']} "
                f"but its accepts is {';'.join(sorted(allowed))}"
            )


def _check_demand_rows(years: pd.DataFrame, problems: list[str]) -> None:
    """One row per node, product, year and path; a row for every path (path empty) excludes per-path rows."""
    key = ["node_id", "year", "product"]
    paths = years["path"].fillna("")
    dup = years.assign(path=paths).duplicated(subset=[*key, "path"], keep=False)
    for _, row in years[dup].drop_duplicates(subset=key).iterrows():
        problems.append(
            f"demand_years.csv: node '{row['node_id']}' has more than one row for {row['product']} in {row['year']}"
            + (f" on path {row['path']}" if isinstance(row["path"], str) else "")
        )
    shared = years[paths == ""].set_index(key).index
    both = years[(paths != "") & years.set_index(key).index.isin(shared)]
    for _, row in both.drop_duplicates(subset=key).iterrows():
        problems.append(
            f"demand_years.csv: node '{row['node_id']}' has a row for every path and one for path {row['path']} "
            f"for {row['product']} in {row['year']}; keep either the row with an empty path or the per-path rows"
        )


def _check_links(layer: Layer, table: pd.DataFrame, a: str, b: str, problems: list[str]) -> None:
    for index, row in table.iterrows():
        if row[a] is not None and row[a] == row[b]:
            problems.append(f"{layer.filename} {row_label(layer, table, index)}: {a} and {b} are the same node")


def _check_access_rules(rules: pd.DataFrame, problems: list[str]) -> None:
    layer = schema.ACCESS_RULES
    for index, row in rules.iterrows():
        if isinstance(row["window"], str) and parse_window(row["window"]) is None:
            problems.append(
                f"{layer.filename} {row_label(layer, rules, index)}: window must be HH:MM-HH:MM "
                f"(e.g. 23:00-06:00, 00:00-24:00) or closed, got {row['window']!r}"
            )
    dup = rules.dropna(subset=["zone", "truck"]).duplicated(subset=["zone", "truck"], keep="first")
    for index in dup[dup].index:
        problems.append(
            f"{layer.filename} {row_label(layer, rules, index)}: a second rule for zone '{rules.at[index, 'zone']}' "
            f"and truck '{rules.at[index, 'truck']}'; keep one row per zone and truck type"
        )


def check_region(tables: dict[str, pd.DataFrame], meta: RegionMeta | None, problems: list[str]) -> None:
    """Append every cross-layer problem of a region's tables to ``problems``."""
    _check_ids_across_layers(tables, problems)
    _check_references(tables, problems)
    _check_yields(tables["bases"], problems)
    _check_levels(tables, problems)
    _check_loading_terminals(tables, problems)
    _check_demand(tables, meta, problems)
    _check_links(schema.ROADS, tables["roads"], "from_node", "to_node", problems)
    _check_links(schema.RAIL_SEGMENTS, tables["rail_segments"], "from_station", "to_station", problems)
    _check_access_rules(tables["access_rules"], problems)
