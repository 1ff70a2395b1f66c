"""coverage.html in a real browser: title, site and base labels visible, routes drawn, nothing fetched."""

from __future__ import annotations

import pytest
from browser import is_blank
from handmade import FEASIBLE, SITE, plan_2021
from tiny import write_config

from aggregates.analysis.coverage import check_coverage
from aggregates.config import load_scenario
from aggregates.data.reading import read_region
from aggregates.pipeline.coverage import write_coverage

# Truthy once the title, the site's label and its base's label are laid out inside the window.
VISIBLE = """(() => {
  const inside = el => { if (!el) return false; const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight; };
  const labels = [...document.querySelectorAll('.agg-cov-label')];
  const title = document.querySelector('#agg-title');
  return inside(title) && title.innerText.includes(%r)
    && labels.some(l => l.innerText.includes(%r) && inside(l))
    && labels.some(l => l.innerText.includes(%r) && inside(l))
    && document.querySelectorAll('path.leaflet-interactive').length > 0;
})()"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "title", "status", "base"),
    [("zh", "工地砂石供应核查", "可以供应", "测试b-one"), ("en", "Can the site be supplied?", "covered", "B-One")],
)
def test_coverage_map_is_readable_offline(tmp_path, tiny_region, renderer, lang, title, status, base):
    scenario = load_scenario(write_config(tmp_path, tiny_region, FEASIBLE))
    region = read_region(scenario.region)
    report = check_coverage(scenario, region, [("site", SITE)], plan=plan_2021(scenario, 0.0))
    folder = write_coverage(report, region, tmp_path / "cov", lang)
    ready = VISIBLE % (title, f"{SITE.name} · {status}", base)
    shot = renderer.render(folder / "coverage.html", tmp_path / f"coverage-{lang}.png", ready=ready, timeout_s=15)
    assert shot.requests == () and shot.console_errors == ()
    assert not is_blank(shot.screenshot)
