"""A region as one Excel workbook, or as a folder of CSV files: written from a region, read back as tables.

The workbook holds a ``README`` sheet, a ``region`` sheet (the keys of ``region.yaml``) and
one sheet per layer of :mod:`aggregates.data.schema`, named after the layer. A layer sheet's
row 1 holds the column keys the reader needs, rows 2-4 the Chinese header, the English
meaning and the unit; data start at row 5. Points carry ``lon``/``lat``, lines ``wkt``
(see :mod:`aggregates.data.tabular`). :func:`aggregates.data.reading.read_region` reads a
workbook or a CSV folder and validates it like a region folder.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import yaml
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from aggregates.data import schema
from aggregates.data.region import Region
from aggregates.data.tabular import labels, meta_mapping, rows
from aggregates.errors import RegionError
from aggregates.files import atomic_folder, write_bytes
from aggregates.textio import parse_yaml

HEADER_ROWS = 4  # key, Chinese header, English meaning, unit
README, REGION = "README", "region"
Extra = Sequence[tuple[schema.Layer, pd.DataFrame]]
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_BOLD = Font(bold=True)
_LABEL_FILL = PatternFill("solid", fgColor="DDEBF7")

REGION_KEYS = (
    ("name", "区域代号", "short name of the region"),
    ("title", "区域名称", "full name, shown in titles"),
    ("bbox", "范围", "[min_lon, min_lat, max_lon, max_lat] in degrees: every point and line lies inside"),
    ("products", "产品", "products the bases make and the nodes demand, e.g. [sand, coarse]"),
    ("years", "年份", "years the data cover (for reference; a scenario names the years it plans)"),
    ("provinces", "省级行政区", "provinces the points lie in, in the order energy is reported"),
    ("supply_cities", "供应城市", "cities bases may belong to (empty: any)"),
    ("demand_cities", "需求城市", "markets demand nodes may belong to (empty: any)"),
    ("zones", "限行区", "truck-restriction zones, each with the zones nested inside it: {outer: [inner], inner: []}"),
)

HOW_TO = (
    "This workbook is a whole region of the aggregates planner: one sheet per layer, plus 'region' "
    "(the keys of region.yaml). 本工作簿是一个完整的规划区域：每个图层一张表，另有 region 表。",
    "Edit values in place, add rows below the last row, delete rows you do not need. Do not rename sheets "
    "or change row 1 (the column keys the reader needs); rows 2-4 (中文表头, meaning, unit) are for reading only "
    "and data start at row 5.",
    "Points: lon and lat in WGS-84 degrees (EPSG:4326), e.g. lon 116.40, lat 39.90. Lines: wkt, e.g. "
    "LINESTRING (116.1 39.9, 116.4 39.8), also in WGS-84 degrees.",
    "Ids are unique across all point sheets (bases, demand, terminals, road_nodes, swap_stations, rail_stations); "
    "columns such as loading_terminal, station, from_node name ids of other sheets.",
    "True/false columns take TRUE or FALSE. An empty cell is an error unless the column allows it. "
    "A formula is read as the value Excel last computed and saved.",
    "Source tags (column 'source'): every figure says where it comes from, separated by ';': a source key "
    "such as S8 or W4 (listed in the region's SOURCES.md), 'derived' (computed from sourced figures), or "
    "'assumed' (no source found: replace it with your own figure and your own tag).",
    "Region sheet: one key per row; a value starting with [ or { is a YAML list or mapping.",
    "Use it: point a scenario at the workbook (region: my-region.xlsx) and run "
    "'aggregates validate scenario.yaml'; every problem names the sheet, the row and the column.",
)


def write_workbook(region: Region, path: str | Path, extra: Extra = ()) -> Path:
    """Write ``region`` as one Excel workbook (README, region, one sheet per layer, then ``extra``).

    Parameters
    ----------
    region
        A validated region (:func:`aggregates.data.reading.read_region`).
    path
        The ``.xlsx`` file; written whole or not at all (the previous file stays on failure).
    extra
        Further (layer, table) pairs, each a sheet when its table has rows: the display
        outlines of :mod:`aggregates.data.boundaries`.

    Returns
    -------
    Path
        ``path``.
    """
    pairs = _pairs(region, extra)
    book = openpyxl.Workbook()
    _readme_sheet(book.active, region, pairs)
    _region_sheet(book.create_sheet(REGION), meta_mapping(region.meta))
    for layer, table in pairs:
        _layer_sheet(book.create_sheet(layer.name), layer, table)
    buffer = io.BytesIO()
    book.save(buffer)
    return write_bytes(path, buffer.getvalue())


def _pairs(region: Region, extra: Extra) -> list[tuple[schema.Layer, pd.DataFrame]]:
    """Every layer of the region with its table, then the ``extra`` ones that have rows."""
    return [(layer, getattr(region, layer.name)) for layer in schema.LAYERS] + [p for p in extra if len(p[1])]


def _readme_sheet(sheet, region: Region, pairs: list[tuple[schema.Layer, pd.DataFrame]]) -> None:
    sheet.title = README
    sheet.append([f"{region.meta.description or region.meta.name}: region workbook / 区域数据工作簿"])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in HOW_TO:
        sheet.append([line])
    sheet.append([])
    sheet.append(["sheet", "rows", "what one row is", "geometry columns"])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    sheet.append([REGION, len(meta_mapping(region.meta)), "one key of region.yaml", ""])
    for layer, table in pairs:
        geometry = ", ".join(lab.name for lab in labels(layer)[len(layer.columns) :])
        optional = " (optional)" if layer.optional else ""
        sheet.append([layer.name, len(table), layer.description + optional, geometry])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["C"].width = 90


def _region_sheet(sheet, data: dict) -> None:
    sheet.append(["key", "value", "中文", "meaning"])
    for cell in sheet[1]:
        cell.font = _BOLD
    known = {key: (zh, meaning) for key, zh, meaning in REGION_KEYS}
    for key, value in data.items():
        zh, meaning = known.get(key, ("", ""))
        sheet.append([key, _yaml_cell(value), zh, meaning])
    for letter, width in zip("ABCD", (16, 60, 12, 80), strict=True):
        sheet.column_dimensions[letter].width = width


def _yaml_cell(value: object) -> object:
    if isinstance(value, list | dict):
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000).strip()
    return value


def _layer_sheet(sheet, layer: schema.Layer, table: pd.DataFrame) -> None:
    columns = labels(layer)
    for row in zip(*[(c.name, c.zh, c.description, c.unit) for c in columns], strict=True):
        sheet.append(list(row))
    for values in rows(layer, table):
        sheet.append(values)
    for number in range(1, HEADER_ROWS + 1):
        for cell in sheet[number]:
            cell.font = _BOLD if number == 1 else Font(italic=True, color="555555")
            cell.fill = _LABEL_FILL
            cell.alignment = Alignment(wrap_text=number == 3, vertical="top")
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(column.name) + 4))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=2)


def write_csv_folder(region: Region, folder: str | Path, extra: Extra = ()) -> Path:
    """Write ``region`` as a folder of CSV files (one ``<layer>.csv`` each, header = column keys) and ``region.yaml``.

    ``extra`` (layer, table) pairs are written the same way when their table has rows.
    """
    with atomic_folder(folder) as tmp:
        text = yaml.safe_dump(meta_mapping(region.meta), allow_unicode=True, sort_keys=False)
        (tmp / "region.yaml").write_text(text, encoding="utf-8")
        for layer, table in _pairs(region, extra):
            names = [lab.name for lab in labels(layer)]
            frame = pd.DataFrame(rows(layer, table), columns=names, dtype=object)
            frame.to_csv(tmp / f"{layer.name}.csv", index=False, encoding="utf-8")
    return Path(folder)


# ---- reading -----------------------------------------------------------------------------------


def open_workbook(path: Path):
    """The workbook at ``path``, read-only, or one clear line when it is not an Excel workbook."""
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RegionError(
            f"{path}: cannot be read as an Excel workbook ({reason}); save it from Excel as .xlsx "
            f"or give a region folder"
        ) from None


def sheet_table(book, layer: schema.Layer, problems: list[str]) -> tuple[pd.DataFrame, list[int]] | None:
    """A layer's sheet as raw cells (column keys from row 1) and each row's number, or None if absent."""
    if layer.name not in book.sheetnames:
        if not layer.optional:
            problems.append(
                f"{layer.filename}: missing; add a sheet named '{layer.name}' (the workbook has {book.sheetnames})"
            )
        return None
    values = list(book[layer.name].iter_rows(values_only=True))
    header = [str(v).strip() if v is not None else "" for v in (values[0] if values else ())]
    while header and not header[-1]:
        header.pop()
    blank = [get_column_letter(i + 1) for i, name in enumerate(header) if not name]
    if blank or len(set(header)) != len(header):
        problems.append(f"{layer.filename}: row 1 must hold one unique column key per column (got {header})")
        return None
    records, numbers = [], []
    for number, row in enumerate(values[HEADER_ROWS:], start=HEADER_ROWS + 1):
        cells = list(row[: len(header)]) + [None] * max(0, len(header) - len(row))
        if any(not _blank(v) for v in cells):
            records.append(cells)
            numbers.append(number)
    return pd.DataFrame(records, columns=header, dtype=object), numbers


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def region_mapping(book, problems: list[str]) -> dict | None:
    """The ``region`` sheet as the mapping ``region.yaml`` would hold, or None with the problem noted."""
    if REGION not in book.sheetnames:
        problems.append("region.yaml: missing; add a sheet named 'region' with the keys name, bbox, products, ...")
        return None
    data = {}
    for number, row in enumerate(book[REGION].iter_rows(min_row=2, values_only=True), start=2):
        key, value = [*row, None, None][:2]
        if _blank(key):
            continue
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                value = parse_yaml(value, f"sheet '{REGION}' row {number} ({key})", RegionError)
            except RegionError as exc:
                problems.append(exc.message)
        data[str(key).strip()] = value
    return data
