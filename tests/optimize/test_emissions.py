"""Emissions by leg in the plan: flows columns and the per-leg intensities."""

from __future__ import annotations

from dataclasses import asdict

import pytest

import aggregates as ag

# The tiny region (tests/tiny.py); see tests/optimize/test_pipeline.py.
FEASIBLE = ["target.mt_per_yr=3", "target.from_year=2021"]
LEG_KEYS = {"tkm", "co2e_g_per_tkm", "co2e_ttw_g_per_tkm", "nox_g_per_tkm", "pm_g_per_tkm"}


def _plan(config, overrides=()):
    return ag.solve(ag.load_scenario(config, [*FEASIBLE, *overrides])).plan


def test_flow_legs_sum_to_totals_on_the_tiny_region(tiny_config):
    plan = _plan(tiny_config)
    f = plan.flows
    tol = 2e-3  # each column is rounded to 3 decimals
    assert (f["co2e_road_t"] + f["co2e_rail_t"] + f["co2e_hub_t"] - f["co2e_t"]).abs().max() <= tol
    assert (f["co2e_ttw_road_t"] + f["co2e_ttw_rail_t"] - f["co2e_ttw_t"]).abs().max() <= tol
    assert (f["nox_road_kg"] + f["nox_rail_kg"] - f["nox_kg"]).abs().max() <= tol
    assert (f["pm_road_kg"] + f["pm_rail_kg"] - f["pm_kg"]).abs().max() <= tol
    direct = ~f["chain"].str.startswith("rail")
    assert (f.loc[direct, ["co2e_rail_t", "co2e_hub_t", "nox_rail_kg"]] == 0).all().all()
    rail = f[~direct]
    assert rail["co2e_hub_t"].to_numpy() == pytest.approx(rail["tonnes"].to_numpy() * 2 * 0.75 / 1000, abs=1e-3)
    for year in plan.years:
        legs = plan.year(year).intensity_by_leg
        assert set(legs) <= {"road_diesel", "road_bet", "rail"}
        for figures in legs.values():
            assert set(asdict(figures)) == LEG_KEYS
        g = f[f["year"] == year]
        if "rail" in legs:
            assert legs["rail"].tkm == round(g["tkm_rail"].sum())
            expected = g["co2e_rail_t"].sum() * 1e6 / g["tkm_rail"].sum()
            assert legs["rail"].co2e_g_per_tkm == pytest.approx(expected, abs=0.01)


def test_green_power_zeroes_electric_legs_in_the_plan(tiny_config):
    plan = _plan(tiny_config, ["emissions.green_power_share=1", "chains=[bet_truck,rail_bet]"])
    f = plan.flows
    # BET road legs and the all-electric tiny rail line draw only grid power.
    assert (f[["co2e_road_t", "co2e_rail_t"]] == 0).all().all()
    assert f["co2e_t"].sum() == pytest.approx(f["co2e_hub_t"].sum())
