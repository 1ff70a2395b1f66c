from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import Renderer, renderer_or_skip


@pytest.fixture(scope="module")
def renderer() -> Iterator[Renderer]:
    """One headless Chromium for the module (see tests/browser.py); skips, or fails under CI, without it.

    Module-scoped: Playwright runs one browser per thread at a time, and the modules after this one
    (tests/service, tests/viz) start their own."""
    browser = renderer_or_skip()
    yield browser
    browser.close()
