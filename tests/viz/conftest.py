from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Renderer, renderer_or_skip
from typer.testing import CliRunner

from aggregates.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def renderer() -> Iterator[Renderer]:
    """One headless Chromium for the session (see tests/browser.py); skips, or fails under CI, without it."""
    browser = renderer_or_skip()
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def default_map(tmp_path_factory) -> Path:
    """The default region solved and written by ``aggregates optimize`` (about 15 s), shared by the slow tests."""
    folder = tmp_path_factory.mktemp("defaultmap")
    out = folder / "run"
    args = [
        "optimize",
        str(ROOT / "configs" / "default.yaml"),
        "--out",
        str(out),
        "--set",
        f"outputs.maps_dir={folder}",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out
