"""The headless-browser harness (tests/browser.py) on tiny pages written here; the tests that start Chromium are slow."""

from __future__ import annotations

from pathlib import Path

import browser
import pytest
from browser import blank_fraction, is_blank, render_page


def write(tmp_path: Path, name: str, body: str, head: str = "") -> Path:
    path = tmp_path / name
    path.write_text(f'<!doctype html><html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>')
    return path


SVG = '<svg width="600" height="400"><rect width="600" height="400" fill="#2a7"/><circle cx="300" cy="200" r="90" fill="#e52"/></svg>'


@pytest.mark.slow
def test_inline_svg_page_renders_without_requests(renderer, tmp_path, record_property):
    page = write(tmp_path, "svg.html", SVG, head="<style>body{margin:0;background:#fff}</style>")
    shot = renderer.render(page, tmp_path / "svg.png")
    record_property("render_seconds", shot.seconds)

    assert shot.requests == ()
    assert shot.console_errors == ()
    assert shot.screenshot.stat().st_size > 0
    # 600x400 of 1400x900 is drawn: about 0.81 of the page stays white.
    assert 0.7 < blank_fraction(shot.screenshot) < 0.9
    assert not is_blank(shot.screenshot)
    assert 0 < shot.seconds < 10  # measured, not a target: the 3 s goal is for real maps


@pytest.mark.slow
def test_blank_white_page_is_blank(renderer, tmp_path):
    shot = renderer.render(write(tmp_path, "white.html", ""), tmp_path / "white.png", settle_s=0)
    assert blank_fraction(shot.screenshot) == 1.0
    assert is_blank(shot.screenshot)


@pytest.mark.slow
def test_outside_requests_are_recorded_and_blocked(renderer, tmp_path):
    (tmp_path / "paint.js").write_text("document.body.style.background = 'red';")
    head = (
        '<script src="http://cdn.example.invalid/leaflet.js"></script>'
        '<link rel="stylesheet" href="https://cdn.example.invalid/leaflet.css">'
        '<script defer src="paint.js"></script>'
    )
    body = (
        '<img src="https://example.invalid/x.png">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==">'
        "<script>fetch('https://tiles.example.invalid/1/2/3.png').catch(() => {});"
        "new WebSocket('wss://live.example.invalid/feed');</script>"
    )
    page = write(tmp_path, "leaky.html", body, head=head)
    shot = renderer.render(page, tmp_path / "leaky.png", settle_s=0.1)

    assert set(shot.requests) == {
        "http://cdn.example.invalid/leaflet.js",
        "https://cdn.example.invalid/leaflet.css",
        (tmp_path / "paint.js").as_uri(),  # another local file is no more inlined than a CDN
        "https://example.invalid/x.png",
        "https://tiles.example.invalid/1/2/3.png",
        "wss://live.example.invalid/feed",
    }
    # Aborted inside the browser: each fetch says so, and the local script never ran.
    assert sum("ERR_BLOCKED_BY_CLIENT" in error for error in shot.console_errors) == 5
    assert is_blank(shot.screenshot)


@pytest.mark.slow
def test_unblocked_requests_are_still_recorded(renderer, tmp_path):
    (tmp_path / "paint.js").write_text("document.body.style.background = 'red';")
    page = write(tmp_path, "local.html", "", head='<script defer src="paint.js"></script>')
    shot = renderer.render(page, tmp_path / "local.png", block_network=False, settle_s=0)
    assert shot.requests == ((tmp_path / "paint.js").as_uri(),)
    assert blank_fraction(shot.screenshot) == 1.0  # all red now
    assert shot.console_errors == ()


@pytest.mark.slow
def test_ready_condition_is_waited_for_and_timed(renderer, tmp_path):
    script = "<script>setTimeout(() => document.body.classList.add('drawn'), 300);</script>"
    page = write(tmp_path, "slow.html", script)
    shot = renderer.render(page, tmp_path / "slow.png", ready="document.body.classList.contains('drawn')", settle_s=0)
    assert shot.seconds >= 0.3
    with pytest.raises(TimeoutError, match="never"):
        renderer.render(page, tmp_path / "never.png", ready="window.never === true", timeout_s=0.3)


@pytest.mark.slow
def test_chinese_text_has_glyphs(renderer, tmp_path):
    # Without a CJK font every character becomes the same empty box, so two names would look alike.
    style = "<style>body{margin:0;font-size:120px}</style>"
    shots = [
        renderer.render(write(tmp_path, f"{i}.html", text, head=style), tmp_path / f"{i}.png", settle_s=0)
        for i, text in enumerate(["北京市", "唐山港"])
    ]
    first, second = (shot.screenshot.read_bytes() for shot in shots)
    assert first != second
    assert not is_blank(shots[0].screenshot)


@pytest.mark.slow
def test_render_page_starts_its_own_browser(renderer, tmp_path):
    shot = render_page(write(tmp_path, "one.html", SVG), tmp_path / "one.png", width=640, height=480, settle_s=0)
    assert shot.requests == ()
    assert not is_blank(shot.screenshot)


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_chromium_skips_but_fails_in_ci(monkeypatch, ci, outcome):
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium not found"):
        browser.renderer_or_skip()
