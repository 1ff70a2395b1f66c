"""Read a run folder written by ``aggregates optimize`` back into memory.

A run folder is self-contained: its ``plan.gpkg`` carries, next to the plan's
bases, demand nodes and flows, the region layers a map draws (rail sections,
terminals, battery-swap stations, boundaries), so a map can be made from the
folder alone, on another machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import yaml

from aggregates.errors import InputError
from aggregates.optimize.plan import CSV_TABLES, Plan

RUN_FILES = (*(f"{name}.csv" for name in CSV_TABLES), "kpis.json", "plan.gpkg", "scenario.yaml")
GPKG_LAYERS = ("bases", "demand", "flows", "rail_segments", "terminals", "swap_stations", "boundaries")


@dataclass(frozen=True)
class Run:
    """A finished optimisation run.

    Attributes
    ----------
    folder
        Where it was read from.
    plan
        The plan's tables and KPIs.
    scenario
        The resolved scenario, as written to ``scenario.yaml``.
    layers
        GeoDataFrames (EPSG:4326) by ``plan.gpkg`` layer name (see ``GPKG_LAYERS``).
    """

    folder: Path
    plan: Plan
    scenario: dict
    layers: dict[str, gpd.GeoDataFrame]

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.plan.scenario

    @property
    def years(self) -> list[int]:
        """Planning years, ascending."""
        return sorted(int(y) for y in self.plan.kpis["years"])


def read_run(folder: str | Path) -> Run:
    """Read a run folder written by ``aggregates optimize``.

    Raises
    ------
    InputError
        When the folder or one of its files is missing or unreadable, saying
        which and how to make it again.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such run folder; run 'aggregates optimize CONFIG --out {folder}' first")
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(
            f"{folder}: not a complete run folder, missing {', '.join(missing)}; "
            "re-run 'aggregates optimize' to write it again"
        )
    kpis = _read_json(folder / "kpis.json")
    tables = {name: pd.read_csv(folder / f"{name}.csv") for name in CSV_TABLES}
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")) or {}
    plan = Plan(
        kpis.get("scenario", scenario.get("name", folder.name)), kpis["status"], kpis["detail"], **tables, kpis=kpis
    )
    return Run(folder, plan, scenario, _read_layers(folder / "plan.gpkg"))


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}): re-run 'aggregates optimize'") from None
    for key in ("status", "detail", "years"):
        if key not in data:
            raise InputError(f"{path}: field '{key}' is missing; re-run 'aggregates optimize' to write it again")
    return data


def _read_layers(path: Path) -> dict[str, gpd.GeoDataFrame]:
    present = {name for name, _kind in pyogrio.list_layers(path)}
    missing = [name for name in GPKG_LAYERS if name not in present]
    if missing:
        raise InputError(
            f"{path}: layer(s) {', '.join(missing)} missing (written by an older version); "
            "re-run 'aggregates optimize' to write the run again"
        )
    return {name: gpd.read_file(path, layer=name).to_crs("EPSG:4326") for name in GPKG_LAYERS}
