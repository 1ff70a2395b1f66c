"""Random bad values in configs and region cells: exit 0, 2 or 3, never a traceback, nothing half-written.

Hypothesis replaces one config value (any key of the scenario, nested ones included) or one region
cell (any column of any layer) by a value of the wrong type, sign or size: NaN, infinities, 1e308,
negatives, empty text, words, lists, null. ``validate`` must answer with a clean exit; ``optimize``
(a few examples, slow) must also leave either a complete run folder or none. Derandomized, so a
run is reproducible.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import tiny_layers, write_region
from typer.testing import CliRunner

from aggregates.cli import app
from aggregates.config import Scenario, set_paths
from aggregates.io.run_folder import RUN_FILES

runner = CliRunner()
BASE = {"name": "fuzz", "years": [2021, 2022], "target": {"mt_per_yr": 3.0, "from_year": 2021}}
FAST = {"outputs": {"charts": False, "report": False}}


def _leaves(data: object, prefix: str = "") -> list[str]:
    if isinstance(data, dict) and data:
        return [p for k, v in data.items() for p in _leaves(v, f"{prefix}{k}.")]
    return [prefix.rstrip(".")]


# Every key of a scenario as written out, nested mappings (prices per product, grid factors) included.
CONFIG_KEYS = sorted(k for k in _leaves(Scenario(name="x", region=Path(".")).model_dump(mode="json")) if k != "region")
BAD_VALUES = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, -1, -0.5, 0, 1e13, "", "abc", None]),
    st.sampled_from([True, [], [1, 2], {"a": 1}, "1e308", ".nan", 10**30, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=6),
)

# Values that often pass validation, so that some fuzzed scenarios reach the solver.
ODD_VALUES = st.sampled_from([0, 0.001, 0.5, 1, 2, 10, 1e6, 1e11, True, False])


def _cells() -> list[tuple[str, int, str]]:
    """(file, row, column) of every cell of the tiny region's layers."""
    cells = []
    for name, content in tiny_layers().items():
        if isinstance(content, list):
            cells += [(name, i, c) for i in range(len(content)) for c in content[0]]
        elif isinstance(content, dict):
            feats = content["features"]
            cells += [(name, i, c) for i in range(len(feats)) for c in feats[i]["properties"]]
    return cells


CELLS = _cells()


def _write_config(folder: Path, region: Path, key: str | None, value: object) -> Path:
    data = {**BASE, **FAST, "region": str(region), "outputs": {**FAST["outputs"], "maps_dir": str(folder / "maps")}}
    if key is not None:
        data = set_paths(data, {key: value})
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _mutated_region(folder: Path, cell: tuple[str, int, str] | None, value: object) -> Path:
    layers = tiny_layers()
    if cell is not None:
        name, row, column = cell
        content = layers[name]
        if isinstance(content, list):
            content[row][column] = "" if value is None else value
        else:
            content["features"][row]["properties"][column] = value
    region = write_region(folder / "region", {k: v for k, v in layers.items() if not isinstance(v, dict)})
    for name, content in layers.items():  # GeoJSON written as a careless tool would: NaN, Infinity, huge ints
        if isinstance(content, dict):
            (region / name).write_text(json.dumps(content, ensure_ascii=False, default=str), encoding="utf-8")
    return region


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _clean_exit(args: list[str], cwd: Path) -> int:
    with contextlib.chdir(cwd):  # a fuzzed relative path (outputs.maps_dir) must land in the temporary folder
        result = runner.invoke(app, args)
    assert result.exit_code in (0, 2, 3), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code


def _fuzz(examples: int):
    return settings(
        derandomize=True,
        deadline=None,
        max_examples=examples,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )


# Examples in the fast suite, and in the slow one (validate builds the network, about 0.1 s each).
QUICK_EXAMPLES, THOROUGH_EXAMPLES = 20, 300


def _config_case(key, value) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _write_config(folder, write_region(folder / "region"), key, value)
        before = _snapshot(folder)
        _clean_exit(["validate", str(config)], folder)
        assert _snapshot(folder) == before


def _cell_case(cell, value) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _write_config(folder, _mutated_region(folder, cell, value), None, None)
        before = _snapshot(folder)
        _clean_exit(["validate", str(config)], folder)
        assert _snapshot(folder) == before


@pytest.mark.slow
@_fuzz(QUICK_EXAMPLES)
@given(key=st.sampled_from(CONFIG_KEYS), value=BAD_VALUES)
def test_validate_survives_any_config_value(key, value):
    _config_case(key, value)


@pytest.mark.slow
@_fuzz(QUICK_EXAMPLES)
@given(cell=st.sampled_from(CELLS), value=BAD_VALUES)
def test_validate_survives_any_region_cell(cell, value):
    _cell_case(cell, value)


@pytest.mark.slow
@_fuzz(THOROUGH_EXAMPLES)
@given(key=st.sampled_from(CONFIG_KEYS), value=BAD_VALUES)
def test_validate_survives_any_config_value_thoroughly(key, value):
    _config_case(key, value)


@pytest.mark.slow
@_fuzz(THOROUGH_EXAMPLES)
@given(cell=st.sampled_from(CELLS), value=BAD_VALUES)
def test_validate_survives_any_region_cell_thoroughly(cell, value):
    _cell_case(cell, value)


def _whole_or_nothing(run: Path, code: int) -> None:
    if code == 0:
        assert all((run / name).is_file() for name in RUN_FILES), sorted(p.name for p in run.iterdir())
    else:
        assert not run.exists()
    leftovers = [p.name for p in run.parent.iterdir() if p.name.startswith(f".{run.name}")]
    assert not leftovers, leftovers


@pytest.mark.slow
@settings(derandomize=True, deadline=None, max_examples=16, database=None)
@given(
    change=st.one_of(
        st.tuples(st.just("config"), st.sampled_from(CONFIG_KEYS), st.one_of(ODD_VALUES, BAD_VALUES)),
        st.tuples(st.just("region"), st.sampled_from(CELLS), st.one_of(ODD_VALUES, BAD_VALUES)),
    )
)
def test_optimize_survives_bad_values_and_writes_all_or_nothing(change):
    kind, where, value = change
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        region = _mutated_region(folder, where if kind == "region" else None, value)
        config = _write_config(folder, region, where if kind == "config" else None, value)
        run = folder / "run"
        code = _clean_exit(["optimize", str(config), "--out", str(run)], folder)
        _whole_or_nothing(run, code)


def test_the_fuzzed_inputs_are_valid_unchanged(tmp_path):
    """Without a change the fuzzed config and region validate, so a clean exit 2 above is the change's doing."""
    config = _write_config(tmp_path, _mutated_region(tmp_path, None, None), None, None)
    assert _clean_exit(["validate", str(config)], tmp_path) == 0
    assert len(CONFIG_KEYS) > 100 and len(CELLS) > 300
