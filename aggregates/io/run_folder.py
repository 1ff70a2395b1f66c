"""Run folders: a plan and its map layers written to files, and read back into the same types.

Files (README, "Outputs"): ``flows.csv``, ``bases.csv``, ``demand.csv``, ``resources.csv``,
``fleet.csv``, ``kpis.json``, ``scenario.yaml`` (the config as resolved), ``plan.gpkg`` (the
map layers) and ``plan.xlsx`` (the same tables). :func:`write_plan_files` writes them into a
folder the caller makes (e.g. with :func:`aggregates.files.atomic_folder`); :func:`read_run_folder`
reads them back.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyogrio.errors
import yaml
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from aggregates.config import Scenario, scenario_from_dict
from aggregates.errors import AggregatesError, InputError
from aggregates.plan import TABLES, Plan, SolveInfo, YearKPIs
from aggregates.textio import read_json, read_text, read_yaml_mapping
from aggregates.viz.layers import LATER_LAYERS, LAYER_NAMES, MapLayers
from aggregates.vocab import CHAINS, MT, PRODUCTS

# Tables that came later than the others: a run folder written before them lacks their files.
LATER_TABLES = ("fleet", "quarries", "natural_flows")
RUN_FILES = (*(f"{name}.csv" for name in TABLES if name not in LATER_TABLES), "kpis.json", "plan.gpkg", "scenario.yaml")
# Text columns of each table: read back as text (an empty cell is "", not a missing number).
TEXT_COLUMNS = {
    "flows": ("base", "node", "product", "chain", "loading_terminal", "unloading_terminal"),
    "bases": ("base", "name", "name_zh", "city", "feedstock", "status"),
    "demand": ("node", "name", "name_zh", "city", "product", "suppliers"),
    "resources": ("resource", "kind", "name", "unit"),
    "fleet": ("kind", "id", "name", "truck", "unit"),
    "quarries": ("quarry", "name", "name_zh", "city"),
    "natural_flows": ("quarry", "node", "product", "chain"),
    "periods": ("period",),
    "terminal_yards": ("period", "terminal", "name"),
}
OPTIONAL_TEXT = {"fleet": ("period",)}  # only in a run with periods of the year (its busiest period)
_BOLD = Font(bold=True)
COUNT_COLUMNS = {"fleet": ("wagons", "containers", "tracks", "trucks", "driver_shifts", "drivers")}


def write_plan_files(plan: Plan, layers: MapLayers, folder: str | Path) -> Path:
    """Write a plan's tables, ``kpis.json``, ``scenario.yaml``, ``plan.gpkg`` and ``plan.xlsx`` into ``folder``."""
    folder = Path(folder)
    for name, table in plan.tables().items():
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    if len(plan.periods):  # only a plan with periods of the year has the file
        plan.periods.to_csv(folder / "periods.csv", index=False, lineterminator="\n")
    if len(plan.terminal_yards):  # and only one whose terminal yards held tonnes
        plan.terminal_yards.to_csv(folder / "terminal_yards.csv", index=False, lineterminator="\n")
    text = json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n"
    (folder / "kpis.json").write_text(text, encoding="utf-8")
    write_scenario(plan.scenario, folder / "scenario.yaml")
    write_layers(layers, folder / "plan.gpkg")
    _write_xlsx(plan, folder / "plan.xlsx")
    return folder


def write_layers(layers: MapLayers, path: Path) -> None:
    """Write the map layers into the GeoPackage ``path``, one layer each.

    SQLite's synchronous writes are off meanwhile (``OGR_SQLITE_SYNCHRONOUS``): each layer's commit
    otherwise waits for the disk, about 1 s of the default run's 1.3 s on a busy machine. The file
    is no less safe: it is written into a temporary folder that replaces the run folder only when
    complete, like every other file of the run, none of which waits for the disk either.
    """
    previous = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        for name, layer in layers.items():
            layer.to_file(path, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": previous})


def write_scenario(scenario: Scenario, path: Path) -> None:
    """The scenario as resolved (``extends`` and ``--set`` applied), ready to run again."""
    data = scenario.model_dump(mode="json")
    if not data["seasons"]["periods"]:  # one period per year: the file reads as before seasons existed
        data.pop("seasons")
    header = (
        f"# Scenario '{scenario.name}' as resolved from {scenario.source_file} (extends and --set applied).\n"
        "# Re-run it with: aggregates optimize <this file>\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def kpi_table(plan: Plan) -> pd.DataFrame:
    """Per-year KPIs as a table: one row per KPI, one column per year (nested mappings flattened)."""
    rows: dict[str, dict] = {}
    for year, values in plan.to_json()["years"].items():
        for key, value in values.items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    rows.setdefault(f"{key}.{sub}", {})[year] = v
            else:
                rows.setdefault(key, {})[year] = value
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("kpi").reset_index()


def _write_xlsx(plan: Plan, path: Path) -> None:
    solver = {k: v for k, v in plan.to_json().items() if not isinstance(v, dict)}
    sheets = {
        "kpis": kpi_table(plan),
        "run": pd.DataFrame(list(solver.items()), columns=["field", "value"]),
        **plan.tables(),
    }
    write_workbook(sheets, path)


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write each table as a sheet: a bold header row of its column names, then its rows.

    openpyxl's write-only mode, row by row: about 2.5x faster than ``DataFrame.to_excel``, with the
    same cells (missing values left empty, infinities as ``inf``, other objects as their text).
    """
    book = openpyxl.Workbook(write_only=True)
    for name, table in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append([_header(sheet, column) for column in table.columns])
        for row in table.itertuples(index=False, name=None):
            sheet.append([_cell(value) for value in row])
    book.save(path)


def _header(sheet, column: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=str(column))
    cell.font = _BOLD
    return cell


def _cell(value: object) -> object:
    """A table value as ``DataFrame.to_excel`` writes it: Python numbers, empty for missing, else text."""
    if isinstance(value, str | bool | np.bool_):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return float(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


# -- reading -------------------------------------------------------------------------------------


def read_run_folder(folder: str | Path) -> tuple[Plan, MapLayers]:
    """Read a run folder written by ``aggregates optimize`` (or :meth:`aggregates.Result.write`).

    Raises
    ------
    InputError
        When the folder or one of its files is missing or unreadable (not UTF-8, not valid
        YAML, JSON, CSV or GeoPackage, or missing columns or fields), naming the file and what
        is wrong, and saying how to make it again.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such run folder; run 'aggregates optimize CONFIG --out {folder}' first")
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"{folder}: not a complete run folder, missing {', '.join(missing)}; {AGAIN}")
    scenario = _read_scenario(folder / "scenario.yaml")
    kpis = _read_json(folder / "kpis.json")
    tables = {name: _read_table(folder, name) for name in TABLES}
    tables["periods"] = _read_table(folder, "periods")
    tables["terminal_yards"] = _read_table(folder, "terminal_yards")
    _check_agreement(folder, scenario, tables)
    plan = _plan(scenario, kpis, tables, folder / "kpis.json")
    return plan, _read_layers(folder / "plan.gpkg")


FATE_COLUMNS = ("local_t", "stock_t", "disposed_t")  # where the tonnes a base made went, besides shipped
AGAIN = "re-run 'aggregates optimize' to write it again"
# Columns every reader of a table relies on (its text columns, year and the quantities).
NEEDED_COLUMNS = {
    "flows": ("year", *TEXT_COLUMNS["flows"], "tonnes", "route"),
    "bases": (
        "year",
        *TEXT_COLUMNS["bases"],
        "level",
        "capacity_t",
        "output_t",
        "made_t",
        "utilisation",
        *FATE_COLUMNS,
    ),
    "demand": ("year", *TEXT_COLUMNS["demand"], "demand_t", "unmet_t"),
    "resources": ("year", *TEXT_COLUMNS["resources"], "load", "capacity"),
    "fleet": ("year", *TEXT_COLUMNS["fleet"]),
    "quarries": ("year", *TEXT_COLUMNS["quarries"], "available_t", "shipped_t"),
    "natural_flows": ("year", *TEXT_COLUMNS["natural_flows"], "tonnes", "route"),
    "periods": ("year", "period", "demand_t", "shipped_t", "stock_t"),
    "terminal_yards": ("year", "period", "terminal", "railed_in_t", "delivered_t", "stock_t"),
}


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.is_file():  # LATER_TABLES came later than the other tables
        return pd.DataFrame()
    text = _again(read_text, path)
    if not text.strip():
        raise InputError(f"{path}: is empty; {AGAIN}")
    columns = TEXT_COLUMNS.get(name, ())
    try:
        table = pd.read_csv(io.StringIO(text), dtype=dict.fromkeys(columns, object))
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a valid CSV table ({exc}); {AGAIN}") from None
    _check_table(path, name, table)
    for column in (*columns, *(c for c in OPTIONAL_TEXT.get(name, ()) if c in table)):
        table[column] = table[column].fillna("")
    for column in COUNT_COLUMNS.get(name, ()):
        if column in table:
            table[column] = table[column].astype("Int64")
    return table


def _check_table(path: Path, name: str, table: pd.DataFrame) -> None:
    missing = [c for c in NEEDED_COLUMNS[name] if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; {AGAIN}")
    for column in table.columns:
        text = column in TEXT_COLUMNS[name] or column in OPTIONAL_TEXT.get(name, ())
        if text or pd.api.types.is_numeric_dtype(table[column]):
            continue
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = table[column].notna() & numbers.isna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise InputError(
                f"{path} line {row + 2}: {column} must be a number, got {table[column].iloc[row]!r}; {AGAIN}"
            )


# What a table's column must hold for the folder to agree with itself (a hand-edited flows.csv, for one):
# ids of another table, or words of the vocabulary; and quantities that cannot be negative.
REFERENCES = {
    ("flows", "base"): ("bases", "base"),
    ("flows", "node"): ("demand", "node"),
    ("natural_flows", "quarry"): ("quarries", "quarry"),
    ("natural_flows", "node"): ("demand", "node"),
}
VOCABULARY = {
    ("flows", "product"): PRODUCTS,
    ("flows", "chain"): CHAINS,
    ("natural_flows", "product"): PRODUCTS,
    ("natural_flows", "chain"): CHAINS,
}
NOT_NEGATIVE = {"flows": ("tonnes",), "natural_flows": ("tonnes",), "demand": ("demand_t",), "bases": ("capacity_t",)}


def _check_agreement(folder: Path, scenario: Scenario, tables: dict[str, pd.DataFrame]) -> None:
    """Raise InputError at the first row whose ids, words, year or quantity the rest of the folder does not know.

    A table of a later version that the folder lacks is empty and has nothing to check.
    """
    for (name, column), (other, key) in REFERENCES.items():
        known = set(tables[other][key]) if key in tables[other] else set()
        _first_not_in(folder, name, tables[name], column, known, f"is not in {other}.csv")
    for (name, column), words in VOCABULARY.items():
        _first_not_in(folder, name, tables[name], column, set(words), f"is not one of {', '.join(words)}")
    years = ", ".join(str(y) for y in scenario.years)
    for name, table in tables.items():
        _first_not_in(folder, name, table, "year", set(scenario.years), f"is not a year of scenario.yaml ({years})")
    for name, columns in NOT_NEGATIVE.items():
        for column in (c for c in columns if c in tables[name]):
            numbers = pd.to_numeric(tables[name][column], errors="coerce")
            bad = ~(np.isfinite(numbers) & (numbers >= 0))
            _first_bad(folder, name, tables[name], column, bad, "must be a number, 0 or more")


def _first_not_in(folder: Path, name: str, table: pd.DataFrame, column: str, allowed: set, why: str) -> None:
    if column in table:
        _first_bad(folder, name, table, column, ~table[column].isin(allowed), why)


def _first_bad(folder: Path, name: str, table: pd.DataFrame, column: str, bad: pd.Series, why: str) -> None:
    """Raise InputError naming the first row of ``table`` that ``bad`` marks, its ``column``'s value and why."""
    if bad.any():
        row = int(bad.to_numpy().argmax())
        value = table[column].iloc[row]
        value = value.item() if isinstance(value, np.generic) else value  # 2031, not np.int64(2031)
        raise InputError(f"{folder / f'{name}.csv'} line {row + 2}: {column} {value!r} {why}; {AGAIN}")


def _plan(scenario: Scenario, kpis: dict, tables: dict[str, pd.DataFrame], path: Path) -> Plan:
    solve_fields = ("status", "detail", "objective_yuan", "bound_yuan", "mip_gap", "build_seconds", "solve_seconds")
    limits = ("requested_gap", "time_limit_s")
    bad = _not_a_number(kpis["years"], "years") or _not_a_number(
        {k: kpis.get(k) for k in (*solve_fields[2:], *limits)}, ""
    )
    if bad:
        raise InputError(f"{path}: {bad}; {AGAIN}")
    try:
        figures = {int(y): YearKPIs.from_dict(v) for y, v in kpis["years"].items()}
        info = SolveInfo(
            **{k: kpis[k] for k in solve_fields},
            model_size=kpis.get("model_size", {}),
            # Run folders written before the limits were stored: the scenario's own.
            requested_gap=kpis.get("requested_gap", scenario.solver.relative_gap),
            time_limit_s=kpis.get("time_limit_s", scenario.solver.time_limit_s),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: {exc}; {AGAIN}") from None
    penalties = {year: _penalty(scenario, tables["demand"], k, year) for year, k in figures.items()}
    return Plan(scenario, info, kpis=figures, penalty_yuan=penalties, **tables)


def _penalty(scenario: Scenario, demand: pd.DataFrame, k: YearKPIs, year: int) -> float:
    """Unmet demand and soft-target shortfall at their penalties, from the written tables (to the t)."""
    unmet = float(demand.loc[demand["year"] == year, "unmet_t"].sum()) if len(demand) else 0.0
    penalty = unmet * scenario.prices.unmet_penalty_yuan_per_t
    if not scenario.target.hard:
        penalty += max(k.target_mt - k.substitution_mt, 0.0) * MT * scenario.target.shortfall_penalty_yuan_per_t
    return round(penalty)


def _not_a_number(data: object, where: str) -> str | None:
    """``"<key.path> must be a number, got ..."`` for the first figure that is not a number (None: all are)."""
    if isinstance(data, dict):
        for key, value in data.items():
            bad = _not_a_number(value, f"{where}.{key}".lstrip("."))
            if bad:
                return bad
        return None
    if data is None or isinstance(data, int | float):
        return None
    return f"{where} must be a number, got {data!r}"


def _read_scenario(path: Path) -> Scenario:
    data = _again(read_yaml_mapping, path, "scenario keys")
    try:
        return scenario_from_dict(data, str(path))
    except AggregatesError as exc:
        raise InputError(exc.message) from None


def _read_json(path: Path) -> dict:
    data = _again(read_json, path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of solver facts and figures; {AGAIN}")
    for key in ("status", "detail", "years"):
        if key not in data:
            raise InputError(f"{path}: field '{key}' is missing; {AGAIN}")
    if not isinstance(data["years"], dict) or not all(isinstance(v, dict) for v in data["years"].values()):
        raise InputError(f"{path}: field 'years' must map each year to its figures; {AGAIN}")
    return data


def _read_layers(path: Path) -> MapLayers:
    try:
        present = {name for name, _kind in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as exc:
        raise InputError(f"{path}: not a readable GeoPackage ({_first_line(exc)}); {AGAIN}") from None
    missing = [name for name in LAYER_NAMES if name not in present and name not in LATER_LAYERS]
    if missing:
        raise InputError(
            f"{path}: layer(s) {', '.join(missing)} missing (written by an older version); "
            "re-run 'aggregates optimize' to write the run again"
        )
    try:
        layers = {name: gpd.read_file(path, layer=name) for name in LAYER_NAMES if name in present}
        return MapLayers(**{name: layer.to_crs("EPSG:4326") for name, layer in layers.items()})
    except Exception as exc:  # a damaged file fails in GDAL, pyproj or shapely, each in its own way
        raise InputError(f"{path}: cannot be read ({type(exc).__name__}: {_first_line(exc)}); {AGAIN}") from None


def _again(read, path: Path, *args):
    """``read(path, *args)``, its error saying how to make the file again."""
    try:
        return read(path, *args)
    except InputError as exc:
        raise InputError(f"{exc.message}; or {AGAIN}") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
