"""Planners' own data: a region exported as an Excel workbook or CSV folder, edited, and read back.

The tiny region (tests/tiny.py) goes out and comes back with equal tables; a bad cell is
reported by sheet (or CSV file), the row number the user sees and the column; a file that
is not a workbook is one line and exit 2.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli import app
from aggregates.data import schema
from aggregates.data.boundaries import BOUNDARIES, read_boundaries
from aggregates.data.reading import read_region
from aggregates.data.workbook import HEADER_ROWS, write_csv_folder, write_workbook
from aggregates.errors import RegionError

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_every_column_has_a_chinese_header_and_a_unit():
    missing = [f"{layer.name}.{c.name}" for layer in schema.LAYERS for c in layer.columns if not c.zh or c.unit is None]
    assert not missing, (
        f"columns without a workbook label: {missing}; add each to schema.LABELS in aggregates/data/schema.py "
        f"as 'column': ('中文表头', 'unit') (unit '' for ids and text)"
    )


def _assert_same_region(a, b):
    assert a.meta == b.meta
    for layer in schema.LAYERS:
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(a, layer.name)), pd.DataFrame(getattr(b, layer.name)))


def test_tiny_region_round_trips_through_a_workbook_and_a_csv_folder(tiny_region, tmp_path):
    region = read_region(tiny_region)
    write_workbook(region, tmp_path / "tiny.xlsx")
    write_csv_folder(region, tmp_path / "csv")
    _assert_same_region(region, read_region(tmp_path / "tiny.xlsx"))
    _assert_same_region(region, read_region(tmp_path / "csv"))
    assert {p.name for p in (tmp_path / "csv").iterdir()} == {"region.yaml"} | {
        f"{layer.name}.csv" for layer in schema.LAYERS
    }


def test_display_boundaries_travel_as_one_more_sheet_or_csv(tiny_region, tmp_path):
    outlines = read_boundaries(ROOT / "geodata" / "jingjinji")
    region = read_region(tiny_region)
    write_workbook(region, tmp_path / "tiny.xlsx", [(BOUNDARIES, outlines)])
    write_csv_folder(region, tmp_path / "csv", [(BOUNDARIES, outlines)])
    for path in (tmp_path / "tiny.xlsx", tmp_path / "csv"):
        pd.testing.assert_frame_equal(pd.DataFrame(read_boundaries(path)), pd.DataFrame(outlines))
    assert read_boundaries(tmp_path / "tiny.xlsx").crs.to_epsg() == 4326
    book = openpyxl.load_workbook(tmp_path / "tiny.xlsx")
    book["boundaries"].cell(HEADER_ROWS + 2, 6).value = "POLYGON ((1 2, 3 4"
    book.save(tmp_path / "tiny.xlsx")
    with pytest.raises(RegionError, match=r"sheet 'boundaries' row 6 \('bd-[a-z]+'\): wkt is not valid WKT"):
        read_boundaries(tmp_path / "tiny.xlsx")


def test_workbook_sheets_carry_keys_labels_units_and_a_readme(tiny_region, tmp_path):
    write_workbook(read_region(tiny_region), tmp_path / "tiny.xlsx")
    book = openpyxl.load_workbook(tmp_path / "tiny.xlsx")
    assert book.sheetnames == ["README", "region", *(layer.name for layer in schema.LAYERS)]
    sheet = book["base_levels"]
    header = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=HEADER_ROWS)]
    assert header[0][:3] == ["base_id", "level", "capacity_mt_per_yr"]
    assert header[1][2] == "年能力" and header[3][2] == "Mt/yr"
    assert sheet.cell(HEADER_ROWS + 1, 1).value == "b-one"  # data start at row 5
    assert [c.value for c in book["bases"][1]][-2:] == ["lon", "lat"]
    assert [c.value for c in book["roads"][1]][-1] == "wkt"
    region_rows = {row[0]: row[1] for row in book["region"].iter_rows(min_row=2, values_only=True)}
    assert region_rows["bbox"].startswith("[") and "products" in region_rows
    readme = " ".join(str(c.value) for row in book["README"].iter_rows() for c in row if c.value)
    assert "assumed" in readme and "derived" in readme and "row 5" in readme


def test_a_scenario_on_a_workbook_validates_and_a_broken_file_is_one_line(tiny_region, tmp_path):
    book = tmp_path / "mine.xlsx"
    result = runner.invoke(app, ["region", "export", str(tiny_region), "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    config = write_config(tmp_path, book)
    result = runner.invoke(app, ["validate", str(config), "--set", "target.mt_per_yr=3"])
    assert result.exit_code == 0, result.output
    book.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert "cannot be read as an Excel workbook" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2  # one message (the console may wrap it once)


def test_export_needs_a_target_and_keeps_the_previous_file_on_failure(tiny_region, tmp_path, monkeypatch):
    assert runner.invoke(app, ["region", "export", str(tiny_region)]).exit_code == 2
    book = tmp_path / "out.xlsx"
    assert runner.invoke(app, ["region", "export", str(tiny_region), "--xlsx", str(book)]).exit_code == 0
    before = book.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("aggregates.files.os.replace", broken)
    result = runner.invoke(app, ["region", "export", str(tiny_region), "--xlsx", str(book)])
    assert result.exit_code == 2 and "no space left" in result.output.lower()
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx", "tiny"]  # no temporary left


def test_a_csv_folder_names_the_file_line_and_column(tiny_region, tmp_path):
    write_csv_folder(read_region(tiny_region), tmp_path / "csv")
    path = tmp_path / "csv" / "bases.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("lat")] = "north"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(RegionError) as caught:
        read_region(tmp_path / "csv")
    assert f"bases.csv row 2 ('{cells[0]}'): lat expected a number of degrees, got 'north'" in caught.value.message


# One cell of the tiny workbook set to a bad value: the error names that sheet, row and column.
BAD = {"float": "lots", "int": "2.5x", "bool": "maybe", "str": "no-such-value"}
CHECKED = [
    (layer.name, column.name, BAD[column.kind])
    for layer in schema.LAYERS
    for column in layer.columns
    if column.kind != "str" or column.choices or column.references
]


@pytest.fixture(scope="module")
def tiny_book() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        region = read_region(write_region(Path(tmp) / "tiny"))
        write_workbook(region, Path(tmp) / "tiny.xlsx")
        return (Path(tmp) / "tiny.xlsx").read_bytes()


@settings(
    derandomize=True,
    database=None,
    max_examples=12,
    deadline=None,
)
@pytest.mark.slow
@given(cell=st.sampled_from(CHECKED), pick=st.integers(min_value=0, max_value=10_000))
def test_a_bad_cell_is_named_by_sheet_row_and_column(tiny_book, cell, pick):
    sheet_name, column, bad = cell
    book = openpyxl.load_workbook(io.BytesIO(tiny_book))
    sheet = book[sheet_name]
    keys = [c.value for c in sheet[1]]
    if sheet.max_row <= HEADER_ROWS:
        return  # an empty optional sheet has no cell to break
    row = HEADER_ROWS + 1 + pick % (sheet.max_row - HEADER_ROWS)
    sheet.cell(row, keys.index(column) + 1).value = bad
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edited.xlsx"
        book.save(path)
        with pytest.raises(RegionError) as caught:
            read_region(path)
    lines = caught.value.message.splitlines()
    assert any(f"sheet '{sheet_name}' row {row}" in line and column in line for line in lines), lines


@pytest.mark.slow
def test_default_region_plans_the_same_from_its_workbook(tmp_path):
    scenario = ag.load_scenario(ROOT / "configs" / "default.yaml")
    write_workbook(read_region(scenario.region), tmp_path / "jingjinji.xlsx")
    folder = ag.solve(scenario).plan
    book = ag.solve(scenario, tmp_path / "jingjinji.xlsx").plan
    assert book.solve.objective_yuan == pytest.approx(folder.solve.objective_yuan, rel=1e-9, abs=1e-9)
    pd.testing.assert_frame_equal(folder.flows, book.flows, rtol=1e-9, atol=1e-9)  # flows come sorted by their keys
    assert len(folder.flows) > 100
