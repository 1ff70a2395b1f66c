"""What an official sees on the default plan's map in Chromium: labels, a small legend, the supply matrix,
and on a comparison the layer of what changed. Slow: the default region is solved once for the session."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from probe import probe

from aggregates import comparison_map, read_run, save_html
from aggregates.analysis.compare import flow_changes

READY = "document.querySelectorAll('path').length > 50"
LABELS = """() => {
  const shown = Array.from(document.querySelectorAll('.agg-lbl')).filter(e => getComputedStyle(e).visibility === 'visible');
  const boxes = shown.map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
  let overlaps = 0;
  boxes.forEach((a, i) => boxes.slice(0, i).forEach(b => {
    if (a.left < b.right - 1 && a.right > b.left + 1 && a.top < b.bottom - 1 && a.bottom > b.top + 1) overlaps++;
  }));
  const legend = document.getElementById('agg-legend').getBoundingClientRect();
  const fontPx = shown.filter(e => e.classList.contains('agg-lbl-base')).map(e => parseFloat(getComputedStyle(e).fontSize));
  return {
    bases: shown.filter(e => e.classList.contains('agg-lbl-base')).map(e => e.textContent),
    demand: shown.filter(e => e.classList.contains('agg-lbl-demand')).length,
    towns: shown.filter(e => e.classList.contains('agg-lbl-town')).length,
    overlaps, minFont: Math.min(...fontPx),
    legend: legend.width * legend.height, view: innerWidth * innerHeight,
  };
}"""
MATRIX = """() => {
  document.querySelector('#agg-matrix details').open = true;
  const total = document.querySelector('#agg-matrix tr.total');
  return Array.from(total.querySelectorAll('td')).map(td => td.textContent);
}"""


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1400, 900), (1000, 700)])
def test_labels_show_without_overlap_and_the_legend_is_small(default_map, renderer, size):
    seen, requests = probe(renderer, default_map / "map.html", LABELS, ready=READY, width=size[0], height=size[1])
    assert not requests, requests
    assert len(seen["bases"]) >= 5 and seen["demand"] >= 5 and seen["towns"] >= 3, seen
    assert "迁安首矿" in seen["bases"]  # the largest base is always labelled
    assert seen["overlaps"] == 0 and seen["minFont"] >= 11
    assert seen["legend"] < seen["view"] / 8, seen


@pytest.mark.slow
def test_matrix_panel_sums_to_the_plans_flows(default_map, renderer):
    run = read_run(default_map)
    year = run.plan.headline_year()
    cells, requests = probe(renderer, default_map / "map.html", MATRIX, ready=READY)
    assert not requests
    flows = run.plan.flows[run.plan.flows["year"] == year]
    # The total row: 合计, '', one cell per chain, the total; in 万吨.
    assert float(cells[-1].replace(",", "")) == pytest.approx(flows["tonnes"].sum() / 1e4, abs=0.5)
    by_chain = flows.groupby("chain")["tonnes"].sum() / 1e4
    shown = [float(c.replace(",", "")) for c in cells[2:-1]]
    assert sum(shown) == pytest.approx(by_chain.sum(), abs=len(shown))
    assert sorted(shown) == pytest.approx(sorted(by_chain.round()), abs=0.5)


@pytest.mark.slow
def test_comparison_shows_what_changed_with_the_right_counts(default_map, renderer, tmp_path):
    a = read_run(default_map)
    year = a.plan.headline_year()
    f = a.plan.flows
    keys = f[f["year"] == year][["base", "node", "chain"]].drop_duplicates().head(2).to_numpy()
    gone = (f["base"] == keys[0][0]) & (f["node"] == keys[0][1]) & (f["chain"] == keys[0][2])
    doubled = (f["base"] == keys[1][0]) & (f["node"] == keys[1][1]) & (f["chain"] == keys[1][2])
    tonnes = f["tonnes"].where(~gone, 0.0).where(~doubled, f["tonnes"] * 2)
    b = replace(a, plan=replace(a.plan, flows=f.assign(tonnes=tonnes)))
    page = save_html(comparison_map([a, b]), tmp_path / "compare.html")
    expected = flow_changes(a.plan, b.plan, year)["change"].value_counts()
    script = "() => Object.fromEntries(['new', 'gone', 'grown', 'shrunk'].map(k => [k, document.querySelectorAll('path.agg-chg-' + k).length]))"
    drawn, requests = probe(renderer, page, script, ready=READY)
    assert not requests
    assert drawn == {k: int(expected.get(k, 0)) for k in ("new", "gone", "grown", "shrunk")}
    assert drawn["gone"] == 1 and drawn["grown"] == 1
    text = page.read_text(encoding="utf-8")
    assert re.search(r"相对A的变化:运量增加 1 · 流向取消 1", text)
