"""Bad inputs at every reader of the boundary: one message naming the file, exit 2, no traceback, nothing written.

One table per class of issue 12: configs and ``--set`` (encoding, syntax, duplicate keys, tags),
numbers (NaN, infinity, huge, negative) in configs and regions, region and sites files (encoding,
binary junk, truncated JSON), run folders read back by ``map`` and ``coverage --plan``, and
OpenStreetMap files and downloads. Each case edits a fresh copy of the tiny region, its config or
a run folder, runs the command in-process and checks the exit code, the message, that nothing
escaped as an exception, and that no file appeared or changed.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import osmnx as ox
import pytest
from tiny import tiny_layers, write_config, write_region
from typer.testing import CliRunner

import aggregates as ag
from aggregates.cli import app
from aggregates.cli.app import finite_json, print_json
from aggregates.data.osm.reading import load_osm_graph
from aggregates.errors import InputError, RegionError
from aggregates.textio import parse_yaml

runner = CliRunner()
FEASIBLE = ["--set", "target.mt_per_yr=3", "--set", "target.from_year=2021"]


@dataclass(frozen=True)
class Case:
    """A bad input: ``make(tmp)`` prepares files under ``tmp`` and returns the command's arguments."""

    name: str
    make: Callable[[Path], list[str]]
    expected: tuple[str, ...]
    code: int = 2


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _check(case: Case, tmp: Path) -> None:
    args = case.make(tmp)
    before = _snapshot(tmp)
    result = runner.invoke(app, args)
    assert result.exit_code == case.code, (case.name, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (case.name, result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output, (case.name, result.output)
    text = " ".join(result.output.split())  # the console wraps long lines
    for part in case.expected:
        assert part in text, (case.name, part, result.output)
    assert _snapshot(tmp) == before, f"{case.name}: files were written or changed"


# --- inputs ----------------------------------------------------------------------------------------------------------


def _region(tmp: Path) -> Path:
    return write_region(tmp / "tiny") if not (tmp / "tiny").is_dir() else tmp / "tiny"


def _config(tmp: Path, text: str | bytes) -> list[str]:
    """``validate`` of a config file whose whole content is ``text`` (region: the tiny region)."""
    _region(tmp)
    path = tmp / "c.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return ["validate", str(path)]


def _with(extra: str, *sets: str) -> Callable[[Path], list[str]]:
    """``validate`` of the tiny config with ``extra`` YAML appended and ``--set`` options."""

    def make(tmp: Path) -> list[str]:
        args = _config(tmp, f"name: tiny\nregion: tiny\nyears: [2021, 2022]\n{extra}")
        return [*args, *(a for s in sets for a in ("--set", s))]

    return make


def _raw(content: str | bytes) -> Callable[[Path], list[str]]:
    return lambda tmp: _config(tmp, content)


# Nine levels of nine aliases: 387 million values in eleven lines ("billion laughs").
_BOMB = (
    "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    + "years: *a8\n"
)

CONFIG_CASES = [
    Case("config not UTF-8", _raw(b"name: t\xe9st\nregion: tiny\n"), ("c.yaml: not UTF-8 text", "byte offset 7")),
    Case("config binary", _raw(b"\x89PNG\r\n\x1a\n\x00\x00"), ("c.yaml: is a binary file", "NUL byte")),
    Case("config YAML syntax", _raw("name: t\nregion: tiny\nyears: [2021, 2022\n"), ("c.yaml: line 4, column 1",)),
    Case(
        "config duplicate key",
        _raw("name: t\nregion: tiny\nyears: [2021]\nyears: [2022]\n"),
        ("c.yaml: line 4, column 1: key 'years' first given on line 3 is given again on line 4",),
    ),
    Case(
        "config duplicate nested key",
        _with("trucks:\n  diesel:\n    payload_t: 30\n    payload_t: 31\n"),
        ("key 'payload_t' first given on line 6",),
    ),
    Case(
        "config python tag",
        _raw("name: t\nregion: !!python/object/apply:os.system ['true']\n"),
        ("c.yaml: line 2, column 9: tag !!python/object/apply:os.system is not allowed",),
    ),
    Case(
        "config name with an escape",
        _raw('name: "t\\e[31m"\nregion: tiny\n'),
        ("name: text must not hold control characters", "got 't\\x1b[31m'"),
    ),
    Case(
        "config alias bomb",
        _raw("name: t\nregion: tiny\n" + _BOMB),
        ("c.yaml: expands to more than 100,000 values through its aliases",),
    ),
    Case(
        "config is a list", _raw("- name: t\n- region: tiny\n"), ("expected a mapping of scenario keys", "got a list")
    ),
    Case("config extends a number", _with("extends: 5\n"), ("extends: expected the path of a parent config",)),
    Case("--set not YAML", _with("", "years=[2021"), ("--set 'years=[2021': value: line 1, column 6",)),
    Case(
        "--set python tag",
        _with("", "name=!!python/name:os.system"),
        ("--set 'name=!!python/name:os.system'", "tag !!python/name:os.system is not allowed"),
    ),
    Case("--set no value", _with("", "trucks.bet.range_km"), ("--set 'trucks.bet.range_km': expected key.path=value",)),
    Case("--set empty key part", _with("", "trucks..range_km=1"), ("--set 'trucks..range_km=1': expected",)),
]

CONFIG_NUMBER_CASES = [
    Case(
        "NaN carbon price",
        _with("prices:\n  carbon_yuan_per_t_co2e: .nan\n"),
        ("prices.carbon_yuan_per_t_co2e: Input should be a finite number",),
    ),
    Case(
        "NaN carbon price of a year",
        _with("prices:\n  carbon_yuan_per_t_co2e: {2022: .nan}\n"),
        ("prices.carbon_yuan_per_t_co2e.2022: Input should be a finite number",),
    ),
    Case(
        "inf fuel price",
        _with("trucks:\n  diesel:\n    fuel_price_yuan_per_l: .inf\n"),
        ("trucks.diesel.fuel_price_yuan_per_l: Input should be a finite number",),
    ),
    Case(
        "-inf grid factor",
        _with("", "emissions.grid_kg_per_kwh.Beijing.2021=-.inf"),
        ("emissions.grid_kg_per_kwh.Beijing.2021: Input should be a finite number",),
    ),
    Case(
        "1e308 time limit",
        _with("solver:\n  time_limit_s: 1.0e+308\n"),
        ("solver.time_limit_s: numbers must be within +-1e+12",),
    ),
    Case("1e308 demand factor", _with("", "demand.by_city.Beijing=1.0e+308"), ("demand.by_city: numbers must be",)),
    Case(
        "negative emissions cap",
        _with("policies:\n  emissions_cap_kt_co2e: -5\n"),
        ("policies.emissions_cap_kt_co2e: Input should be greater than or equal to 0, got -5",),
    ),
    Case(
        "negative carbon price of a year",
        _with("", "prices.carbon_yuan_per_t_co2e={2022: -10}"),
        ("prices.carbon_yuan_per_t_co2e.2022: Input should be greater than or equal to 0",),
    ),
    Case("huge thread count", _with("", "solver.threads=100000"), ("solver.threads: Input should be less than",)),
    Case(
        "text for a number", _with("", "target.mt_per_yr=lots"), ("target.mt_per_yr: Input should be a valid number",)
    ),
]


# --- regions ---------------------------------------------------------------------------------------------------------


def _region_edit(edit: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    """``validate`` of the tiny config after ``edit(region folder)``."""

    def make(tmp: Path) -> list[str]:
        region = _region(tmp)
        edit(region)
        return ["validate", str(write_config(tmp, region))]

    return make


def _set_feature(filename: str, fid: str, key: str, value) -> Callable[[Path], None]:
    def edit(region: Path) -> None:
        layer = tiny_layers()[filename]
        next(f for f in layer["features"] if f["properties"]["id"] == fid)["properties"][key] = value
        (region / filename).write_text(json.dumps(layer), encoding="utf-8")  # inf and NaN as JS words

    return edit


def _csv_cell(filename: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    def edit(region: Path) -> None:
        path = region / filename
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return edit


def _write(filename: str, content: bytes) -> Callable[[Path], None]:
    return lambda region: (region / filename).write_bytes(content)


def _truncate(filename: str, keep: int) -> Callable[[Path], None]:
    return lambda region: (region / filename).write_bytes((region / filename).read_bytes()[:keep])


def _latin1(filename: str) -> Callable[[Path], None]:
    """A Latin-1 byte (é) at the start of the file's second line."""

    def edit(folder: Path) -> None:
        data = (folder / filename).read_bytes()
        cut = data.find(b"\n") + 1  # 0 for a file on one line
        (folder / filename).write_bytes(data[:cut] + b"\xe9" + data[cut:])

    return edit


REGION_CASES = [
    Case(
        "road link of 1e308 km",
        _region_edit(_set_feature("roads.geojson", "rd-ab", "length_km", 1e308)),
        ("roads.geojson row 'rd-ab': length_km must be <= 5000, got 1e+308",),
    ),
    Case(
        "demand of 1e308 Mt",
        _region_edit(_csv_cell("demand_years.csv", 2, "demand_mt", "1e308")),
        ("demand_years.csv row 2: demand_mt must be <= 10000",),
    ),
    Case(
        "NaN demand",
        _region_edit(_csv_cell("demand_years.csv", 3, "demand_mt", "nan")),
        ("demand_years.csv row 3: demand_mt expected a number, got 'nan'",),
    ),
    Case(
        "inf capacity",
        _region_edit(_csv_cell("base_levels.csv", 2, "capacity_mt_per_yr", "inf")),
        ("base_levels.csv row 2: capacity_mt_per_yr expected a number, got 'inf'",),
    ),
    Case(
        "Infinity in GeoJSON",
        _region_edit(_set_feature("terminals.geojson", "t-load", "capacity_mt_per_yr", float("inf"))),
        ("terminals.geojson: cannot be read: not valid JSON: Infinity is not a JSON number",),
    ),
    Case(
        "control character in a name",
        _region_edit(_set_feature("bases.geojson", "b-one", "name_en", "B\x1bone")),
        ("bases.geojson row 'b-one': name_en contains the control character U+001B",),
    ),
    Case(
        "negative stock",
        _region_edit(_set_feature("bases.geojson", "b-one", "stock_mt", -1)),
        ("bases.geojson row 'b-one': stock_mt must be >= 0, got -1",),
    ),
    Case(
        "infinite bbox",
        _region_edit(_write("region.yaml", b"name: tiny\nbbox: [-.inf, 39.0, .inf, 41.0]\n")),
        ("region.yaml: bbox must be [min_lon, min_lat, max_lon, max_lat]",),
    ),
    Case(
        "region.yaml duplicate key",
        _region_edit(_write("region.yaml", b"name: tiny\nbbox: [115.0, 39.0, 119.0, 41.0]\nname: other\n")),
        ("region.yaml: line 3, column 1: key 'name' first given on line 1",),
    ),
    Case(
        "region.yaml not UTF-8",
        _region_edit(_write("region.yaml", b"name: t\xe9st\nbbox: [115.0, 39.0, 119.0, 41.0]\n")),
        ("region.yaml: not UTF-8 text: byte 0xe9 at byte offset 7 (line 1)",),
    ),
    Case(
        "CSV not UTF-8",
        _region_edit(_latin1("base_levels.csv")),
        ("base_levels.csv: not UTF-8 text: byte 0xe9", "(line 2)"),
    ),
    Case("CSV empty", _region_edit(_write("base_levels.csv", b"")), ("base_levels.csv: is empty; expected a header",)),
    Case(
        "GeoJSON truncated",
        _region_edit(_truncate("bases.geojson", 500)),
        ("bases.geojson: cannot be read: not valid JSON: line 1, column",),
    ),
    Case(
        "GeoJSON binary junk",
        _region_edit(_write("roads.geojson", bytes(range(256)))),
        ("roads.geojson: is a binary file", "NUL byte at byte offset 0"),
    ),
    Case("GeoJSON not UTF-8", _region_edit(_latin1("demand.geojson")), ("demand.geojson: not UTF-8 text",)),
]


# --- sites -----------------------------------------------------------------------------------------------------------


def _sites(name: str, content: bytes) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        config = write_config(tmp, _region(tmp))
        (tmp / name).write_bytes(content)
        return ["coverage", str(config), "--sites", str(tmp / name), "--out", str(tmp / "cov")]

    return make


def _site(*options: str) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        config = write_config(tmp, _region(tmp))
        return ["coverage", str(config), "--lat", "40", "--lon", "116.4", "--product", "sand", *options]

    return make


SITES_CASES = [
    Case("site of 1e308 t", _site("--tonnes", "1e308"), ("tonnes must be > 0 and at most 1e+09", "got 1e+308")),
    Case("site at NaN latitude", _site("--tonnes", "1000", "--lat", "nan"), ("lat must be a number, got nan",)),
    Case(
        "sites CSV not UTF-8",
        _sites("s.csv", b"name,lat,lon,tonnes,product\nS\xe9,40,117,1,sand\n"),
        ("s.csv: not UTF-8",),
    ),
    Case("sites CSV empty", _sites("s.csv", b"\n"), ("s.csv: is empty; expected a header line",)),
    Case("sites CSV binary", _sites("s.csv", b"PK\x03\x04\x00\x00"), ("s.csv: is a binary file",)),
    Case(
        "sites GeoJSON truncated",
        _sites("s.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feat'),
        ("s.geojson: not valid JSON: line 1, column",),
    ),
]


# --- run folders -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A run folder of the tiny region written by ``aggregates optimize`` (no charts or report)."""
    folder = tmp_path_factory.mktemp("run")
    config = write_config(folder, write_region(folder / "region"))
    out = folder / "run"
    extra = ["--set", "outputs.charts=false", "--set", "outputs.report=false"]
    result = runner.invoke(app, ["optimize", str(config), "--out", str(out), *FEASIBLE, *extra])
    assert result.exit_code == 0, result.output
    return out


def _run_edit(edit: Callable[[Path], None], command: str = "map") -> Callable[[Path], list[str]]:
    """``map`` (or ``coverage --plan``) of a copy of the tiny run after ``edit(run folder)``."""

    def make(tmp: Path) -> list[str]:
        run = tmp / "run"
        shutil.copytree(tmp / "_source", run)
        shutil.rmtree(tmp / "_source")
        edit(run)
        if command == "map":
            return ["map", str(run), "--out", str(tmp / "m.html")]
        config = write_config(tmp, _region(tmp))
        return [
            "coverage",
            str(config),
            "--plan",
            str(run),
            "--lat",
            "40",
            "--lon",
            "116.4",
            "--tonnes",
            "1000",
            "--product",
            "sand",
        ]

    return make


def _kpi(key: str, value) -> Callable[[Path], None]:
    def edit(run: Path) -> None:
        data = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
        data["years"]["2021"][key] = value
        (run / "kpis.json").write_text(json.dumps(data), encoding="utf-8")

    return edit


AGAIN = "re-run 'aggregates optimize' to write it again"
RUN_CASES = [
    Case(
        "plan.gpkg garbage", _run_edit(_write("plan.gpkg", b"not a geopackage")), ("plan.gpkg: not a readable", AGAIN)
    ),
    Case("plan.gpkg truncated", _run_edit(_truncate("plan.gpkg", 4096)), ("plan.gpkg: not a readable GeoPackage",)),
    Case("flows.csv empty", _run_edit(_write("flows.csv", b"")), ("flows.csv: is empty", AGAIN)),
    Case(
        "flows.csv without columns",
        _run_edit(_write("flows.csv", b"a,b\n1,2\n")),
        ("flows.csv: missing column(s) year",),
    ),
    Case(
        "flows.csv text for a number",
        _run_edit(_csv_cell("flows.csv", 2, "tonnes", "lots")),
        ("flows.csv line 2: tonnes must be a number, got 'lots'",),
    ),
    # Tables that no longer agree with each other (edited by hand): the first row that disagrees is named.
    Case(
        "flows.csv from a base bases.csv lacks",
        _run_edit(_csv_cell("flows.csv", 2, "base", "b-nowhere")),
        ("flows.csv line 2: base 'b-nowhere' is not in bases.csv", AGAIN),
    ),
    Case(
        "flows.csv to a node demand.csv lacks",
        _run_edit(_csv_cell("flows.csv", 2, "node", "d-nowhere")),
        ("flows.csv line 2: node 'd-nowhere' is not in demand.csv",),
    ),
    Case(
        "flows.csv by an unknown chain",
        _run_edit(_csv_cell("flows.csv", 2, "chain", "by_air")),
        ("flows.csv line 2: chain 'by_air' is not one of diesel_truck, bet_truck, rail_bet, rail_diesel",),
    ),
    Case(
        "flows.csv negative tonnes",
        _run_edit(_csv_cell("flows.csv", 2, "tonnes", "-5")),
        ("flows.csv line 2: tonnes -5.0 must be a number, 0 or more",),
    ),
    Case(
        "bases.csv year not planned",
        _run_edit(_csv_cell("bases.csv", 2, "year", "1999")),
        ("bases.csv line 2: year 1999 is not a year of scenario.yaml (2021, 2022)",),
    ),
    Case("demand.csv not UTF-8", _run_edit(_latin1("demand.csv")), ("demand.csv: not UTF-8 text", AGAIN)),
    Case(
        "scenario.yaml a list",
        _run_edit(_write("scenario.yaml", b"- a\n- b\n")),
        ("scenario.yaml: expected a mapping of scenario keys", "got a list"),
    ),
    Case("scenario.yaml not YAML", _run_edit(_write("scenario.yaml", b"name: [\n")), ("scenario.yaml: line 2",)),
    Case("kpis.json not JSON", _run_edit(_truncate("kpis.json", 100)), ("kpis.json: not valid JSON: line",)),
    Case("kpis.json a list", _run_edit(_write("kpis.json", b"[]")), ("kpis.json: expected a JSON object",)),
    Case("kpis.json text figure", _run_edit(_kpi("co2e_t", "x")), ("kpis.json: years.2021.co2e_t must be a number",)),
    Case("kpis.json missing", _run_edit(lambda run: (run / "kpis.json").unlink()), ("missing kpis.json", AGAIN)),
    Case(
        "coverage --plan with a corrupt plan.gpkg",
        _run_edit(_write("plan.gpkg", b"\x00" * 100), "coverage"),
        ("plan.gpkg: not a readable GeoPackage",),
    ),
]


# --- OpenStreetMap ---------------------------------------------------------------------------------------------------


def _osm(name: str, content: bytes) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        (tmp / name).write_bytes(content)
        return ["network", str(write_config(tmp, _region(tmp))), "--osm", str(tmp / name)]

    return make


def _download(*flags: str) -> Callable[[Path], list[str]]:
    return lambda tmp: ["network", str(write_config(tmp, _region(tmp))), "--osm", "download", *flags]


XML = b'<?xml version="1.0"?><osm version="0.6">'
OSM_CASES = [
    Case("OSM not XML", _osm("x.osm", b"garbage"), ("cannot read OSM file", "x.osm: syntax error")),
    Case("OSM binary", _osm("x.osm", b"\x89\xff\x00junk"), ("cannot read OSM file", "x.osm")),
    Case("OSM empty", _osm("x.osm", b""), ("x.osm: no element found",)),
    Case(
        "OSM without roads",
        _osm("x.osm", XML + b"</osm>"),
        (
            "OSM file",
            "x.osm has no roads",
        ),
    ),
    Case(
        "OSM way without its nodes",
        _osm("x.osm", XML + b'<way id="5"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>'),
        ("cannot read OSM file", "way 5 uses node 1, which is not in the file"),
    ),
    Case("OSM pbf damaged", _osm("x.osm.pbf", b"\x00\x00\xff\xffjunk" * 20), ("cannot read OSM file", "x.osm.pbf")),
    Case("OSM file missing", lambda tmp: [*_osm("x.osm", b"")(tmp)[:-1], str(tmp / "no.osm")], ("OSM file not found",)),
    Case("OSM download without the flag", _download(), ("--osm download needs --allow-download",)),
]

CASES = CONFIG_CASES + CONFIG_NUMBER_CASES + REGION_CASES + SITES_CASES + OSM_CASES


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_message_and_exit_2(case: Case, tmp_path):
    _check(case, tmp_path)


@pytest.mark.parametrize("case", RUN_CASES, ids=[c.name for c in RUN_CASES])
def test_bad_run_folder_is_one_message_and_exit_2(case: Case, tiny_run, tmp_path):
    shutil.copytree(tiny_run, tmp_path / "_source")
    _check(case, tmp_path)


def test_download_without_network_fails_fast_in_one_line(tmp_path, monkeypatch):
    """No network (an unreachable proxy) is one line within seconds, not osmnx's 60-second pause and retries."""
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    case = Case("download, no network", _download("--allow-download"), ("OpenStreetMap download: cannot reach",))
    start = time.monotonic()
    _check(case, tmp_path)
    assert time.monotonic() - start < 20


def test_json_output_has_no_nan_or_infinity(capsys):
    data = {"a": float("nan"), "b": [1.5, float("inf"), (float("-inf"),)], "c": {"d": 2}}
    assert finite_json(data) == {"a": None, "b": [1.5, None, [None]], "c": {"d": 2}}
    print_json(data)
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [1.5, None, [None]], "c": {"d": 2}}


class _Overpass(http.server.BaseHTTPRequestHandler):
    """A stand-in Overpass server: ``mode`` picks its answer (status page down, HTTP error, nothing found)."""

    mode = "empty"

    def do_GET(self):  # the status page
        if self.mode == "status 500":
            self._send(500, b"down")
        else:
            self._send(
                200,
                b"Connected as: 1\nCurrent time: x\nAnnounced endpoint: none\nRate limit: 2\n2 slots available now.\n",
            )

    def do_POST(self):  # the query
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "query 400":
            self._send(400, b"<html>bad request</html>")
        else:
            self._send(200, json.dumps({"elements": []}).encode())

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("status 500", "OpenStreetMap download: cannot reach http://127.0.0.1:"),
        ("query 400", "OpenStreetMap download from http://127.0.0.1:"),
        ("empty", "OpenStreetMap download: no roads of the classes motorway"),
    ],
)
def test_download_failures_are_one_region_error(mode, expected, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # osmnx's response cache would go to ./cache
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # osmnx pins the host's address globally
    monkeypatch.setattr(_Overpass, "mode", mode)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Overpass)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{server.server_port}/api")
        monkeypatch.setattr(ox.settings, "use_cache", False)
        start = time.monotonic()
        with pytest.raises(RegionError) as info:
            load_osm_graph("download", allow_download=True, bbox=(116.0, 39.0, 117.0, 40.0))
    finally:
        server.shutdown()
        server.server_close()
    assert expected in info.value.message and "\n" not in info.value.message
    assert time.monotonic() - start < 10
    assert list(tmp_path.iterdir()) == []


def test_yaml_merge_keys_may_be_overridden_without_a_duplicate_error():
    text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n"
    assert parse_yaml(text, "t.yaml") == {"base": {"x": 1, "y": 2}, "other": {"x": 3, "y": 2}}
    with pytest.raises(InputError, match=r"t.yaml: line 3, column 1: key 'a' first given on line 1"):
        parse_yaml("a: 1\nb: 2\na: 3\n", "t.yaml")


# --- an output folder that would replace an input ---------------------------------------------------------------------
# Writing a folder replaces it whole, so --out must be neither an input of the command nor a folder holding one.


@pytest.mark.parametrize(("out", "named"), [("region", "is"), (".", "holds")])
def test_optimize_refuses_an_out_that_would_replace_its_region_or_config(tmp_path, out, named):
    config = write_config(tmp_path, write_region(tmp_path / "region"))
    before = _snapshot(tmp_path)
    result = runner.invoke(app, ["optimize", str(config), "--out", str(tmp_path / out), *FEASIBLE])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"--out {tmp_path / out}: {named}" in text and "which this command reads" in text
    assert _snapshot(tmp_path) == before


def test_dispatch_refuses_an_out_that_is_its_run_folder(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    before = _snapshot(run)
    result = runner.invoke(app, ["dispatch", str(run), "--out", str(run)])
    assert result.exit_code == 2, result.output
    assert f"--out {run}: is {run}, which this command reads" in " ".join(result.output.split())
    assert _snapshot(run) == before


def test_a_result_is_not_written_over_its_region(tmp_path):
    region = write_region(tmp_path / "region")
    scenario = ag.load_scenario(write_config(tmp_path, region), [a for a in FEASIBLE if a != "--set"])
    with pytest.raises(InputError, match="which this command reads"):
        ag.solve(scenario).write(region)
    assert (region / "bases.geojson").is_file()


def test_map_refuses_a_file_name_of_another_kind(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    before = _snapshot(run)
    result = runner.invoke(app, ["map", str(run), "--out", str(run / "flows.csv")])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"{run / 'flows.csv'}: not a .html file name; give --out a name ending in .html" in text
    assert _snapshot(run) == before
