"""CO2e, kWh and litres of a day, with the scenario's emission factors as the plan uses them."""

import pandas as pd
import pytest

from aggregates.dispatch import day_basis, dispatch_day
from tests.dispatch.days import flow, flows, scenario


def test_trucks_carry_energy_and_co2e_of_the_day_at_the_depots_grid_factor():
    # d-a: 2 diesel loads of 50 km: 200 km, 100 loaded at 35 l/100 km and 100 empty at 25 = 60 litres.
    # b-y: 1 electric load of 40 km: 40 x 1.7 + 40 x 1.15 = 114 kWh at the wheel, 114 / 0.92 at the plug.
    sc = scenario()
    places = pd.DataFrame({"id": ["b-x", "b-y"], "lon": [116.0, 117.0], "lat": [40.0, 39.0], "province": ["Hebei"] * 2})
    day = dispatch_day(
        flows(flow("b-x", "d-a", "diesel_truck", 2, 50.0), flow("b-y", "d-b", "bet_truck", 1, 40.0)),
        sc,
        day_basis(sc, "typical"),
        year=2022,
        places=places,
    )
    t = day.trucks().set_index("type")
    em = sc.emissions
    assert t.at["diesel", "litres"] == pytest.approx(60.0)
    assert t.at["diesel", "co2e_kg"] == pytest.approx(60.0 * em.diesel_wtw_kg_per_l)
    assert t.at["diesel", "co2e_ttw_kg"] == pytest.approx(60.0 * em.diesel_ttw_kg_per_l)
    plug = 114.0 / (1 - sc.trucks.bet.charging_loss)
    assert t.at["bet", "energy"] == pytest.approx(114.0)
    assert t.at["bet", "kwh_at_plug"] == pytest.approx(plug, abs=1e-3)
    assert t.at["bet", "co2e_kg"] == pytest.approx(plug * em.grid_factor("Hebei", 2022), abs=1e-3)
    assert (t.at["bet", "co2e_ttw_kg"], t.at["bet", "grid"]) == (0.0, "Hebei")
    s = day.summary()
    assert s["co2e_kg"] == pytest.approx(t["co2e_kg"].sum(), abs=0.1)
    assert (s["litres"], s["kwh"]) == (60.0, 114.0)


def test_a_depot_with_no_known_province_is_charged_the_regional_grid_factor():
    sc = scenario()
    day = dispatch_day(flows(flow("b-y", "d-b", "bet_truck", 1, 40.0)), sc, day_basis(sc, "typical"), year=2022)
    t = day.trucks()
    assert t["grid"].tolist() == ["North China"]
    assert t["co2e_kg"].iloc[0] == pytest.approx(
        t["kwh_at_plug"].iloc[0] * sc.emissions.grid_factor("North China", 2022), abs=1e-3
    )
