"""Sweep variants are scenarios; a process builds the network once for every variant that does not change it."""

from __future__ import annotations

import pickle

from tiny import write_config

import aggregates as ag
from aggregates.sweep import Variant, process_cache, run_variants


def test_variants_share_one_network_per_process(tmp_path, tiny_region):
    base = ag.load_scenario(write_config(tmp_path, tiny_region, "target:\n  mt_per_yr: 1.0\n"))
    prices = [0, 100, 200]
    variants = [Variant(f"carbon={p}", base.with_values({"prices.carbon_yuan_per_t_co2e": p}), 2022) for p in prices]
    assert pickle.loads(pickle.dumps(variants[1])).scenario == variants[1].scenario
    built = len(process_cache())
    rows = run_variants(variants, workers=1)
    assert len(process_cache()) == built + 1  # one network for the three prices
    assert [row["year"] for row in rows] == [2022] * 3
    # A higher carbon price never raises CO2e (the same rows as one solve each).
    assert rows[0]["co2e_t"] >= rows[1]["co2e_t"] >= rows[2]["co2e_t"]
    single = ag.solve(variants[2].scenario).plan.year(2022)
    assert rows[2]["co2e_t"] == single.co2e_t
