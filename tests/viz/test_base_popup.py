"""A base's popup says how full it is (made / capacity) and where every tonne it made went."""

from __future__ import annotations

from types import SimpleNamespace

from aggregates.viz.maps.popups import base_popup


def shougang(**changes) -> SimpleNamespace:
    # 33 Mt/yr level, 33 Mt made: 24.4 shipped (16.0 sand, 8.4 coarse), 2.0 sold locally, 0.5 in stock, 6.1 disposed.
    row = dict(
        name="Qian'an Shougang", name_zh="迁安首钢", city="Tangshan", feedstock="iron_tailings", status="existing",
        level=2, capacity_t=33.0e6, made_t=33.0e6, utilisation=1.0, output_sand_t=16.0e6, output_coarse_t=8.4e6,
        local_t=2.0e6, stock_t=0.5e6, disposed_t=6.1e6, feedstock_left_t=400.0e6, shadow_price_yuan_per_t=0.0,
    )  # fmt: skip
    return SimpleNamespace(**(row | changes))


def test_popup_shows_made_utilisation_and_every_destination():
    html = base_popup(shougang(), None, "en")
    for label, value in [
        ("utilisation", "100%"),
        ("made", "33.00 Mt"),
        ("shipped: manufactured sand", "16.00 Mt"),
        ("shipped: crushed stone", "8.40 Mt"),
        ("sold locally", "2.00 Mt"),
        ("stockpiled (year end)", "0.50 Mt"),
        ("disposed", "6.10 Mt"),
    ]:
        assert f"<th>{label}</th><td>{value}</td>" in html, label
    zh = base_popup(shougang(), None, "zh")
    assert "本地销售" in zh and "处置" in zh and "堆存" in zh
