"""Column-level validation of one layer table against its schema.

Each check appends readable problems of the form
``"bases.geojson row 'b-qianan': capacity_mt_per_yr must be > 0, got -5"``
and returns a table with the column converted to its type. Nothing raises here:
the reader gathers every problem of every file and raises once.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import pandas as pd

from aggregates.data.schema import BOOL, FLOAT, INT, STR, Column, Layer

if TYPE_CHECKING:
    from aggregates.data.region import RegionMeta

_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n"}


def row_label(layer: Layer, table: pd.DataFrame, index: int) -> str:
    """How a row is named in messages: its id, or its line number in a CSV."""
    if layer.id_column and layer.id_column in table.columns:
        value = table.at[index, layer.id_column]
        if isinstance(value, str) and value:
            return f"row '{value}'"
    if layer.geometry is None:
        return f"row {index + 2}"  # header is line 1
    return f"feature {index + 1}"


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _to_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _to_int(value: object) -> int | None:
    number = _to_float(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _to_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


# Control characters (tabs and line breaks included) in a name or id break the tables, maps and
# spreadsheets written from it, and are never meant.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_CONVERTERS = {FLOAT: _to_float, INT: _to_int, BOOL: _to_bool, STR: lambda v: str(v).strip()}
_EXPECTED = {FLOAT: "a number", INT: "a whole number", BOOL: "true or false", STR: "text"}


def _range_problem(column: Column, value: float) -> str | None:
    if column.positive and value <= 0:
        return f"must be > 0, got {value:g}"
    if column.minimum is not None and value < column.minimum:
        return f"must be >= {column.minimum:g}, got {value:g}"
    if column.maximum is not None and value > column.maximum:
        return f"must be <= {column.maximum:g}, got {value:g}"
    return None


def _value_problem(column: Column, raw: object, choices: tuple[str, ...] | None) -> tuple[object, str | None]:
    """Convert one cell; return (value, problem or None)."""
    if _is_blank(raw):
        return None, ("is empty; give " + _EXPECTED[column.kind]) if column.required else None
    value = _CONVERTERS[column.kind](raw)
    if value is None:
        return None, f"expected {_EXPECTED[column.kind]}, got {raw!r}"
    if column.kind in (FLOAT, INT):
        return value, _range_problem(column, value)
    control = CONTROL.search(value) if column.kind == STR else None
    if control:
        return value, f"contains the control character U+{ord(control.group()):04X}; remove it (got {value!r})"
    if choices and value not in choices:
        key = {"zone_names": "zones"}.get(column.choices_from, column.choices_from)
        where = f" (region.yaml {key})" if key else ""
        return value, f"must be one of {', '.join(choices)}{where}; got {value!r}"
    return value, None


def allowed_values(column: Column, meta: RegionMeta | None) -> tuple[str, ...] | None:
    """The values a text column may take: its own choices, or the region's list it names (None: any)."""
    if column.choices_from is not None:
        return getattr(meta, column.choices_from) or None if meta is not None else None
    return column.choices


def check_columns(
    layer: Layer, table: pd.DataFrame, problems: list[str], meta: RegionMeta | None = None
) -> pd.DataFrame:
    """Check that the columns are exactly the schema's, then every cell (text choices from ``meta``).

    Returns the table with each schema column converted to its type (missing
    columns are added empty so later checks can run).
    """
    present = [c for c in table.columns if c != "geometry"]
    missing = [c.name for c in layer.columns if c.name not in present and not c.omittable]
    extra = [c for c in present if c not in layer.column_names]
    if missing:
        problems.append(
            f"{layer.filename}: missing column(s) {', '.join(missing)} (expected: {', '.join(layer.column_names)})"
        )
    if extra:
        problems.append(
            f"{layer.filename}: unexpected column(s) {', '.join(extra)}; remove or rename them "
            f"(expected: {', '.join(layer.column_names)})"
        )
    out = table.copy()
    for column in layer.columns:
        if column.name not in out.columns:
            out[column.name] = None
            continue
        converted = []
        choices = allowed_values(column, meta)
        for index, raw in zip(out.index, out[column.name], strict=True):
            value, problem = _value_problem(column, raw, choices)
            if problem:
                problems.append(f"{layer.filename} {row_label(layer, out, index)}: {column.name} {problem}")
            converted.append(value)
        out[column.name] = pd.Series(converted, index=out.index, dtype=object)
    return out[[*layer.column_names, *(["geometry"] if "geometry" in out.columns else [])]]


def check_unique_ids(layer: Layer, table: pd.DataFrame, problems: list[str]) -> None:
    """Ids must be unique within the layer."""
    if not layer.id_column:
        return
    ids = table[layer.id_column].dropna()
    for value, count in ids.value_counts().items():
        if count > 1:
            problems.append(f"{layer.filename} row '{value}': id appears {count} times; ids must be unique")
