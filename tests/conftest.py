from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tiny import write_config, write_region


@pytest.fixture
def tiny_region(tmp_path) -> Path:
    """Folder with the tiny hand-checkable region (see tests/tiny.py)."""
    return write_region(tmp_path / "tiny")


@pytest.fixture
def tiny_config(tmp_path, tiny_region) -> Path:
    """A scenario file on the tiny region."""
    return write_config(tmp_path, tiny_region)
