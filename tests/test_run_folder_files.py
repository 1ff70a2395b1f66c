"""Run-folder files written faster: plan.xlsx in openpyxl's write-only mode, cell for cell what
``DataFrame.to_excel`` wrote; plan.gpkg without SQLite waiting for the disk, read back the same."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from aggregates.io.run_folder import write_layers, write_workbook

ODD = pd.DataFrame(
    {
        "name": ["a", "", "北京"],
        "count": pd.array([1, None, 3], dtype="Int64"),
        "t": [1.5, math.nan, math.inf],
        "open": [True, False, True],
        "mix": [{"tkm": 1}, None, "x"],
    }
)


def read(path, sheet):
    return pd.read_excel(path, sheet_name=sheet)


def test_cells_are_those_to_excel_wrote(tmp_path):
    write_workbook({"odd": ODD, "empty": ODD.iloc[:0]}, tmp_path / "new.xlsx")
    with pd.ExcelWriter(tmp_path / "old.xlsx", engine="openpyxl") as xl:
        ODD.to_excel(xl, sheet_name="odd", index=False)
        ODD.iloc[:0].to_excel(xl, sheet_name="empty", index=False)
    for sheet in ("odd", "empty"):
        pd.testing.assert_frame_equal(read(tmp_path / "new.xlsx", sheet), read(tmp_path / "old.xlsx", sheet))
    book = openpyxl.load_workbook(tmp_path / "new.xlsx")
    assert book.sheetnames == ["odd", "empty"]
    rows = list(book["odd"].values)
    assert rows[0] == ("name", "count", "t", "open", "mix")
    assert book["odd"]["A1"].font.bold
    # Missing values are empty cells, infinity is text as pandas writes it, a dict its text.
    assert rows[1] == ("a", 1, 1.5, True, "{'tkm': 1}")
    assert rows[2] == (None, None, None, False, None)
    assert rows[3] == ("北京", 3, "inf", True, "x")


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(
    data_frames(
        [
            column("i", dtype=np.int64),
            column("f", dtype=float),
            column("s", elements=st.text(alphabet="ab 北-", max_size=4)),
            column("b", dtype=bool),
        ]
    )
)
def test_any_table_reads_back_as_to_excel_wrote_it(tmp_path_factory, table):
    folder = tmp_path_factory.mktemp("xlsx")
    write_workbook({"t": table}, folder / "new.xlsx")
    table.to_excel(folder / "old.xlsx", sheet_name="t", index=False)
    pd.testing.assert_frame_equal(read(folder / "new.xlsx", "t"), read(folder / "old.xlsx", "t"))


def test_layers_read_back_and_sqlite_is_left_as_it_was(tmp_path):
    points = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=gpd.points_from_xy([116.4, 117.2], [39.9, 39.1]), crs=4326)
    lines = gpd.GeoDataFrame({"t": [1.5]}, geometry=gpd.GeoSeries.from_wkt(["LINESTRING (116 39, 117 40)"]), crs=4326)
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "FULL"})
    try:
        write_layers({"points": points, "lines": lines}, tmp_path / "plan.gpkg")
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") == "FULL"
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "plan.gpkg")] == ["points", "lines"]
    pd.testing.assert_frame_equal(gpd.read_file(tmp_path / "plan.gpkg", layer="points"), points)
    pd.testing.assert_frame_equal(gpd.read_file(tmp_path / "plan.gpkg", layer="lines"), lines)
