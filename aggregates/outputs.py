"""Write an optimisation run to a folder, all or nothing.

Files (README, "Outputs"): ``flows.csv``, ``bases.csv``, ``demand.csv``,
``resources.csv``, ``fleet.csv`` (when given a fleet table), ``kpis.json``,
``plan.gpkg`` (bases, demand nodes and flows drawn along their routes),
``plan.xlsx`` (the same tables) and
``scenario.yaml`` (the config as resolved). Everything is written to a
temporary sibling folder first and moved into place at the end, so a failed
run never leaves a half-written folder behind.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml
from shapely.geometry import LineString

from aggregates.config import Scenario
from aggregates.errors import InputError
from aggregates.optimize.plan import Plan

log = logging.getLogger(__name__)


def check_out_dir(out_dir: str | Path) -> None:
    """Fail early, before any solving, when ``out_dir`` cannot be written.

    Raises
    ------
    InputError
        When a parent is a file or the nearest existing parent is not writable.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: --out must be a folder, and this is a file; choose another --out")
    parent = out_dir.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{out_dir}: cannot create the output folder: '{parent}' is a file; choose another --out")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{out_dir}: cannot create the output folder: '{parent}' is not writable")


def write_run(
    plan: Plan,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    points: pd.DataFrame,
    flow_geometry: Callable[[pd.DataFrame], list] | None = None,
    display_layers: dict[str, gpd.GeoDataFrame] | None = None,
    extras: Callable[[Path], None] | None = None,
    fleet: pd.DataFrame | None = None,
) -> Path:
    """Write a plan's files to ``out_dir`` atomically.

    Parameters
    ----------
    plan
        The solved plan.
    scenario
        Written back as ``scenario.yaml``.
    out_dir
        Target folder; replaced as a whole if it exists.
    points
        Point ids with ``lon``/``lat`` columns (``Region.points()``) to place
        bases and demand nodes.
    flow_geometry
        Returns one LineString per row of the flows table, along the route;
        default: straight lines from base to node.
    display_layers
        Region layers copied into ``plan.gpkg`` for maps (rail sections,
        terminals, swap stations, boundaries), so the folder is self-contained.
    extras
        Called with the temporary folder once the plan's files are in it, to
        add files made from them (map, charts, report) before the folder is
        moved into place.
    fleet
        The fleet table (:func:`aggregates.fleet.sizing.size_fleet`), written as
        ``fleet.csv`` and a ``fleet`` sheet of ``plan.xlsx``; its summary belongs in
        ``plan.kpis`` already.

    Returns
    -------
    Path
        The folder written.
    """
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        _write_all(plan, scenario, tmp, points, flow_geometry, fleet)
        for name, layer in (display_layers or {}).items():
            layer.to_file(tmp / "plan.gpkg", layer=name, driver="GPKG")
        if extras is not None:
            extras(tmp)
    log.info("wrote %s", out_dir)
    return out_dir


@contextmanager
def atomic_folder(out_dir: str | Path) -> Iterator[Path]:
    """Yield a new temporary sibling folder of ``out_dir`` that replaces ``out_dir`` when the block succeeds.

    On any error the temporary folder is removed and ``out_dir`` is left as it was.

    Raises
    ------
    InputError
        When the folder cannot be created.
    """
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
        tmp.chmod(0o777 & ~_umask())
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder: {exc.strerror}") from None
    try:
        yield tmp
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_all(
    plan: Plan, scenario: Scenario, folder: Path, points: pd.DataFrame, flow_geometry, fleet: pd.DataFrame | None
) -> None:
    for name, table in _tables(plan, fleet).items():
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    (folder / "kpis.json").write_text(json.dumps(plan.kpis, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _write_scenario(scenario, folder / "scenario.yaml")
    _write_gpkg(plan, folder / "plan.gpkg", points, flow_geometry)
    _write_xlsx(plan, folder / "plan.xlsx", fleet)


def _tables(plan: Plan, fleet: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    tables = plan.tables()
    return tables if fleet is None else {**tables, "fleet": fleet}


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_scenario(scenario: Scenario, path: Path) -> None:
    data = scenario.model_dump(mode="json")
    header = (
        f"# Scenario '{scenario.name}' as resolved from {scenario.source_file} (extends and --set applied).\n"
        "# Re-run it with: aggregates optimize <this file>\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _points(table: pd.DataFrame, key: str, points: pd.DataFrame) -> gpd.GeoDataFrame:
    where = points.set_index("id").loc[table[key], ["lon", "lat"]].to_numpy()
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(where[:, 0], where[:, 1]), crs="EPSG:4326")


def _straight_lines(flows: pd.DataFrame, points: pd.DataFrame) -> list:
    xy = points.set_index("id")[["lon", "lat"]]
    a, b = xy.loc[flows["base"]].to_numpy(), xy.loc[flows["node"]].to_numpy()
    return [LineString([p, q]) for p, q in zip(a, b, strict=True)]


def _write_gpkg(plan: Plan, path: Path, points: pd.DataFrame, flow_geometry) -> None:
    _points(plan.bases, "base", points).to_file(path, layer="bases", driver="GPKG")
    _points(plan.demand, "node", points).to_file(path, layer="demand", driver="GPKG")
    flows = plan.flows
    lines = flow_geometry(flows) if flow_geometry is not None else _straight_lines(flows, points)
    gpd.GeoDataFrame(flows, geometry=lines, crs="EPSG:4326").to_file(path, layer="flows", driver="GPKG")


def kpi_table(kpis: dict) -> pd.DataFrame:
    """Per-year KPIs as a table: one row per KPI, one column per year (nested mappings flattened)."""
    rows: dict[str, dict] = {}
    for year, values in kpis["years"].items():
        for key, value in values.items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    rows.setdefault(f"{key}.{sub}", {})[year] = v
            else:
                rows.setdefault(key, {})[year] = value
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("kpi").reset_index()


def _write_xlsx(plan: Plan, path: Path, fleet: pd.DataFrame | None = None) -> None:
    solver = {k: v for k, v in plan.kpis.items() if not isinstance(v, dict)}
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        kpi_table(plan.kpis).to_excel(xl, sheet_name="kpis", index=False)
        pd.DataFrame(list(solver.items()), columns=["field", "value"]).to_excel(xl, sheet_name="run", index=False)
        for name, table in _tables(plan, fleet).items():
            table.to_excel(xl, sheet_name=name, index=False)
