"""Chart files: one Vega runtime per folder (charts/vega.js), the bundle cached on disk, PNGs only when asked."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest
from small import small_plan

from aggregates.viz.charts import CHART_NAMES, write_charts
from aggregates.viz.charts import page as chart_files

STUB = "window.vegaEmbed=function(){return Promise.resolve()};"


@pytest.fixture
def bundle_cache(tmp_path, monkeypatch):
    """An empty bundle cache and a counting stand-in for vl-convert's build; the real bundle is back afterwards."""
    builds = []
    monkeypatch.setenv("AGGREGATES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(chart_files.vlc, "javascript_bundle", lambda **kw: builds.append(kw) or STUB + "</script>")
    chart_files.vega_bundle.cache_clear()
    yield builds
    chart_files.vega_bundle.cache_clear()


def test_bundle_is_built_once_per_machine_and_read_back_by_each_process(bundle_cache, tmp_path):
    first = chart_files.vega_bundle()
    assert first.startswith(STUB) and "<\\/script>" in first and "</script" not in first
    cached = chart_files.bundle_cache()
    assert cached.parent == tmp_path / "cache" and cached.read_text(encoding="utf-8") == first
    assert cached.name == f"vega-{chart_files.vlc.__version__}-vl{chart_files.vegalite_version()}.js"
    chart_files.vega_bundle.cache_clear()  # a new process
    assert chart_files.vega_bundle() == first and len(bundle_cache) == 1


def test_a_bundle_cut_short_is_built_again(bundle_cache):
    cached = chart_files.bundle_cache()
    cached.parent.mkdir(parents=True)
    cached.write_text(STUB[:20], encoding="utf-8")  # e.g. written by a version without the end mark
    assert chart_files.vega_bundle().startswith(STUB) and len(bundle_cache) == 1
    assert cached.read_text(encoding="utf-8").startswith(STUB)


def test_an_unwritable_cache_only_costs_the_build(bundle_cache, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("", encoding="utf-8")
    monkeypatch.setenv("AGGREGATES_CACHE", str(tmp_path / "file" / "below"))  # a file where a folder would be
    assert chart_files.vega_bundle().startswith(STUB) and len(bundle_cache) == 1


def bars(lang, note) -> dict[str, alt.Chart]:
    data = pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    return {name: alt.Chart(data, title=f"{name} {lang}{note}").mark_bar().encode(x="x", y="y") for name in "pq"}


def test_chart_files_load_the_runtime_beside_them(bundle_cache, tmp_path):
    written = chart_files.write_chart_files(tmp_path, bars, {"p": "P", "q": "Q"}, "en", png=False)
    assert [p.name for p in written] == ["vega.js", "p.html", "q.html"]
    page = (tmp_path / "charts" / "q.html").read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*>", page) == ['<script src="vega.js">', "<script>"]
    assert '"title":"q en"' in page and STUB not in page


@pytest.mark.slow
def test_pages_share_one_runtime_and_pngs_are_drawn_only_when_asked(bundle_cache, tmp_path):
    written = write_charts(small_plan(), tmp_path, "en")
    charts = tmp_path / "charts"
    assert [p.name for p in written] == ["vega.js", *(f"{name}.html" for name in CHART_NAMES)]
    assert (charts / "vega.js").read_text(encoding="utf-8") == chart_files.vega_bundle()
    for name in CHART_NAMES:
        page = (charts / f"{name}.html").read_text(encoding="utf-8")
        assert re.findall(r"<script[^>]*>", page) == ['<script src="vega.js">', "<script>"], name
        assert STUB not in page and 'vegaEmbed("#chart"' in page
    assert not list(charts.glob("*.png"))
    again = write_charts(small_plan(), tmp_path / "png", "en", png=True)
    assert [p.name for p in again][:3] == ["vega.js", f"{CHART_NAMES[0]}.png", f"{CHART_NAMES[0]}.html"]
    assert len(again) == 1 + 2 * len(CHART_NAMES)


def test_a_page_without_a_runtime_file_inlines_it(bundle_cache):
    page = chart_files.chart_page("t", {}, "zh")
    assert f"<script>{chart_files.vega_bundle()}</script>" in page and 'src="' not in page


@pytest.mark.slow
def test_a_chart_page_draws_from_disk_with_its_runtime_and_nothing_else(renderer, tmp_path):
    write_charts(small_plan(), tmp_path, "zh")
    page = tmp_path / "charts" / "cost.html"
    shot = renderer.render(
        page, tmp_path / "cost.png", block_network=False, ready="document.querySelector('svg.marks')"
    )
    assert shot.requests == ((tmp_path / "charts" / "vega.js").resolve().as_uri(),)
    assert shot.console_errors == ()
