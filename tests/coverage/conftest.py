from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import Renderer, renderer_or_skip


@pytest.fixture(scope="session")
def renderer() -> Iterator[Renderer]:
    """One headless Chromium for the session (see tests/browser.py); skips, or fails under CI, without it."""
    browser = renderer_or_skip()
    yield browser
    browser.close()
