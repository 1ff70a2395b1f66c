"""Render a generated HTML page in headless Chromium: screenshot, requests attempted, render time.

The pages the project writes (folium maps, the report) must be self-contained: every script,
style sheet, font and image inlined. This harness opens one from its file in Debian's
``chromium`` (driven by Playwright's Python package; no browser download) and tells what a
person would see and what the page tried to fetch::

    with Renderer() as browser:
        shot = browser.render(html, tmp_path / "map.png", ready="document.querySelector('.leaflet-container')")
    assert shot.requests == ()
    assert not is_blank(shot.screenshot)

Every request other than the page's own file URL is recorded, and by default aborted before it
leaves the browser; ``data:`` and ``blob:`` URLs are not requests. Whatever the settings, the
browser resolves no host name but ``localhost``, so a page reaches no named host even through a
request the routes cannot see (only a bare IP address with ``block_network=False`` could).

Tests get a browser through :func:`renderer_or_skip`: without chromium (or Playwright) it skips
with the reason on a developer's machine and fails when the ``CI`` variable is set, so CI
cannot go green without the browser tests.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, Request, WebSocketRoute

__all__ = [
    "BrowserUnavailable",
    "Rendered",
    "Renderer",
    "blank_fraction",
    "find_chromium",
    "is_blank",
    "render_page",
    "renderer_or_skip",
]

CHROMIUM_ARGS = (
    "--no-sandbox",  # needed as root; the pages are our own
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # Belt and braces: even a request the routes cannot see (preconnect, DNS prefetch)
    # gets no address for any host but localhost.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
)
_NOT_REQUESTS = ("data:", "blob:", "about:")


class BrowserUnavailable(RuntimeError):
    """Headless Chromium or Playwright's Python package is not installed."""


@dataclass(frozen=True)
class Rendered:
    """What one page showed and did.

    ``requests``: every URL the page (its frames, workers, web sockets) tried to fetch, in order,
    except its own file URL; blocked ones included. ``console_errors``: console messages of
    level error (a blocked request adds one) and uncaught exceptions (prefixed ``uncaught:``).
    ``seconds``: from navigation start until a frame was painted after the load event and the
    ``ready`` condition; the settle time before the screenshot is not counted.
    """

    screenshot: Path
    requests: tuple[str, ...]
    console_errors: tuple[str, ...]
    seconds: float


def find_chromium() -> str:
    """Path of the ``chromium`` executable; raises BrowserUnavailable when there is none."""
    path = shutil.which("chromium")
    if path is None:
        raise BrowserUnavailable(
            "chromium not found on PATH: install Debian's package (apt-get install chromium, as .ci/run does)"
        )
    try:
        # Deferred: without Playwright the browser tests skip (or fail under CI) with this message.
        import playwright.sync_api  # noqa: F401, PLC0415
    except ImportError as exc:
        raise BrowserUnavailable(f"Playwright's Python package is missing: pip install -e '.[test]' ({exc})") from exc
    return path


class Renderer:
    """One headless Chromium for many pages; each page gets a fresh browser context.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, executable: str | None = None) -> None:
        executable = executable or find_chromium()
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 (optional; find_chromium checked it)

        self._playwright: Playwright = sync_playwright().start()
        try:
            self._browser: Browser = self._playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
        except BaseException:
            self._playwright.stop()
            raise

    @property
    def version(self) -> str:
        return self._browser.version

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()

    def render(
        self,
        html_path: str | os.PathLike[str],
        png_path: str | os.PathLike[str],
        *,
        width: int = 1400,
        height: int = 900,
        block_network: bool = True,
        ready: str | None = None,
        settle_s: float = 0.25,
        timeout_s: float = 30.0,
    ) -> Rendered:
        """Open ``html_path``, wait for it to render, screenshot the viewport to ``png_path``.

        ``ready`` is a JavaScript expression that must turn truthy before the page counts as
        rendered (for a folium map: ``"document.querySelector('.leaflet-container')"``).
        ``block_network=False`` lets requests go on instead of aborting them (they are still
        recorded, and host names still resolve to nothing but localhost).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415 (optional, as above)

        page_url = Path(html_path).resolve().as_uri()
        png = Path(png_path)
        requests: list[str] = []
        errors: list[str] = []
        timeout_ms = timeout_s * 1000

        def is_outside(url: str) -> bool:
            return url.split("#", 1)[0] != page_url

        def on_request(request: Request) -> None:
            if is_outside(request.url) and not request.url.startswith(_NOT_REQUESTS):
                requests.append(request.url)

        def abort_socket(ws: WebSocketRoute) -> None:
            requests.append(ws.url)
            ws.close(code=1008, reason="blocked by the test harness")

        context = self._browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        try:
            context.on("request", on_request)
            if block_network:
                context.route(is_outside, lambda route: route.abort("blockedbyclient"))
                context.route_web_socket("**/*", abort_socket)
            page = context.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
            if not block_network:
                page.on("websocket", lambda ws: requests.append(ws.url))
            page.set_default_timeout(timeout_ms)

            page.goto(page_url, wait_until="load")
            if ready is not None:
                try:
                    page.wait_for_function(ready, polling="raf")
                except PlaywrightTimeout as exc:
                    raise TimeoutError(
                        f"{html_path}: {ready!r} did not hold within {timeout_s} s; console errors: {errors}"
                    ) from exc
            seconds = page.evaluate(
                "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
                "() => done(performance.now() / 1000))))"
            )
            if settle_s > 0:
                page.wait_for_timeout(settle_s * 1000)
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=png)
        finally:
            context.close()
        return Rendered(screenshot=png, requests=tuple(requests), console_errors=tuple(errors), seconds=seconds)

    def follow(self, html_path: str | os.PathLike[str], selector: str, *, timeout_s: float = 30.0) -> str:
        """Open a local page, click ``selector`` and return the URL of the page it leads to."""
        context = self._browser.new_context(service_workers="block")
        try:
            page = context.new_page()
            page.set_default_timeout(timeout_s * 1000)
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            with page.expect_navigation():
                page.click(selector)
            return page.url
        finally:
            context.close()


def render_page(html_path: str | os.PathLike[str], png_path: str | os.PathLike[str], **options: object) -> Rendered:
    """:meth:`Renderer.render` in a browser started for this one page (about 0.3 s more).

    It runs in a thread of its own: Playwright's sync API allows one instance per thread, and
    this way a one-off render works beside an open Renderer (the ``renderer`` test fixture).
    """

    def run() -> Rendered:
        with Renderer() as browser:
            return browser.render(html_path, png_path, **options)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def renderer_or_skip() -> Renderer:
    """A started Renderer; without chromium, skip the test, or fail it when ``CI`` is set."""
    try:
        return Renderer()
    except BrowserUnavailable as exc:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser tests cannot run in CI: {exc}", pytrace=False)
        pytest.skip(f"browser tests need headless Chromium: {exc}")


def blank_fraction(png_path: str | os.PathLike[str], *, tolerance: int = 4) -> float:
    """Share of pixels within ``tolerance`` (per RGB channel, 0-255) of the most common colour.

    1.0 is a uniform image; a 300x200 coloured box on a white 1400x900 page gives 0.95.
    """
    with Image.open(png_path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int32).reshape(-1, 3)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    dominant = values[np.argmax(counts)]
    colour = np.array([(dominant >> 16) & 255, (dominant >> 8) & 255, dominant & 255])
    near = np.all(np.abs(pixels - colour) <= tolerance, axis=1)
    return float(near.mean())


def is_blank(png_path: str | os.PathLike[str], *, max_fraction: float = 0.995, tolerance: int = 4) -> bool:
    """True when at least ``max_fraction`` of the screenshot is one colour (see :func:`blank_fraction`)."""
    return blank_fraction(png_path, tolerance=tolerance) >= max_fraction
