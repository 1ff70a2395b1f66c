"""Open a page in the shared headless Chromium and evaluate a script in it, every outside request blocked.

The harness in tests/browser.py renders and screenshots; a test that asks what is on the page (which labels
show, how big the legend is) opens it here with the same browser and the same blocking of requests.
"""

from __future__ import annotations

from pathlib import Path

from browser import Renderer


def probe(renderer: Renderer, html_path: Path, script: str, *, ready: str, width: int = 1400, height: int = 900):
    """``script`` (a JavaScript function) evaluated once ``ready`` holds and the labels had a moment to settle.

    Returns
    -------
    (object, list of str)
        What the script returned, and the outside requests the page tried (all aborted).
    """
    page_url = Path(html_path).resolve().as_uri()
    requests: list[str] = []
    context = renderer._browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
    try:
        outside = lambda url: url.split("#", 1)[0] != page_url and not url.startswith(("data:", "blob:"))  # noqa: E731
        context.on("request", lambda r: requests.append(r.url) if outside(r.url) else None)
        context.route(outside, lambda route: route.abort("blockedbyclient"))
        page = context.new_page()
        page.goto(page_url, wait_until="load")
        page.wait_for_function(ready, polling="raf")
        page.wait_for_timeout(1300)  # the label declutter runs on view changes and every 600 ms
        return page.evaluate(script), requests
    finally:
        context.close()
