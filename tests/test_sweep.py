"""Trade-offs on the tiny region (aggregates.sweep, aggregates.analysis.tradeoffs): Pareto front, sensitivity,
tornado, charts.

The tiny region (tests/tiny.py) planned for 2021 alone with a 3 Mt target (FEASIBLE):
b-one (existing, 2 or 4 Mt/yr) and b-two (candidate, 1 Mt/yr, own siding) supply d-city
(2.5 Mt: 1.0 sand, 1.5 coarse) and d-far (1.0 Mt). CO2e per tonne (WTW, 2021 grid):

=============  ============  =============  ===========  =============
route          diesel truck  rail + diesel  rail + BET   BET truck
=============  ============  =============  ===========  =============
b-one -> city  6.416 kg      3.804 kg       3.878 kg     9.004 kg
b-one -> far   7.611 kg      5.000 kg       5.074 kg     -
b-two -> city  6.479 kg      3.616 kg       3.616 kg     9.091 kg
=============  ============  =============  ===========  =============

* Least cost: b-one at its 4 Mt level ships all it makes by diesel truck, 3.18 Mt (coarse
  is cheaper than natural gravel, so it ships beyond the target):
  2.5 Mt x 6.416 + 0.684 Mt x 7.611 = 16,040 + 5,208 = 21,248 t CO2e.
* Least CO2e: exactly the 3 Mt target, all by rail with a diesel last mile: b-two's 1.0 Mt to
  d-city, b-one's 1.5 Mt to d-city and 0.5 Mt to d-far:
  1.0 x 3.616 + 1.5 x 3.804 + 0.5 x 5.000 = 11,822 t CO2e (11,821.9 from the unrounded factors).

These optima are worked out with free disposal (``coproducts.free_disposal: true``: what a base makes and
does not ship leaves at no cost, production is charged per t shipped), which the sweeps here keep; where
co-products go is tested in tests/optimize/test_coproducts.py and test_pipeline.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import SWEEP_FEASIBLE, write_config, write_region

import aggregates as ag
from aggregates import sweep
from aggregates.analysis import tradeoffs
from aggregates.analysis.tradeoffs.params import _lookup
from aggregates.config import load_scenario
from aggregates.errors import InfeasibleError, InputError
from aggregates.network.costs import tariff_per_t
from aggregates.viz import charts as tradeoff_charts

# The wagon-load tariff keeps rail within reach of the carbon prices below (the figures were worked out with
# it); free disposal keeps the old product balance they assume; the import tier at the natural prices these
# plans were worked out with (sand 150, coarse 90 yuan/t) and without transport CO2e of its own: the tiny
# region has no quarries, so its plans are those of before.
FEASIBLE = SWEEP_FEASIBLE
MIN_COST_CO2E_T = 21_248.0
MIN_CO2E_T = 11_821.9


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    return write_config(folder, write_region(folder / "tiny"))


@pytest.fixture(scope="module")
def scenario(config):
    """The tiny scenario with the feasible target: what every sweep varies."""
    return load_scenario(config, FEASIBLE)


@pytest.fixture(scope="module")
def front(scenario):
    return sweep.pareto_front(scenario, points=6, workers=1)


def solved(config, overrides):
    return ag.solve(load_scenario(config, overrides))


# -- Pareto front ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_front_is_monotone(front):
    f = front.front
    assert front.year == 2021  # the first year with a target
    assert len(f) == 6 and f["status"].eq("optimal").all()
    assert (np.diff(f["co2e_t"]) < 0).all()  # CO2e strictly decreasing along the points
    assert (np.diff(f["system_cost_yuan"]) >= 0).all()  # cost non-decreasing
    assert np.isnan(f["mac_yuan_per_t"].iloc[0]) and (f["mac_yuan_per_t"].iloc[1:] > 0).all()
    assert list(f["kind"]) == ["min_cost", "cap", "cap", "cap", "cap", "min_co2e"]


def test_front_runs_from_least_cost_to_least_co2e(front):
    f = front.front
    assert f["co2e_t"].iloc[0] == pytest.approx(MIN_COST_CO2E_T, abs=0.1)
    assert f["mt_diesel_truck"].iloc[0] == pytest.approx(3.1842, abs=1e-4)
    # The low end may use the 1 t of headroom over the least CO2e its cap allows.
    assert MIN_CO2E_T - 0.1 <= f["co2e_t"].iloc[-1] <= MIN_CO2E_T + tradeoffs.CAP_HEADROOM_T
    assert f["substitution_mt"].iloc[-1] == pytest.approx(3.0, abs=1e-4)
    assert f["rail_share_t"].iloc[-1] == pytest.approx(1.0, abs=1e-3)
    # Caps evenly spaced: (21,248.0 - 11,822.9) / 5 = 1,885.0 t apart.
    caps = f["cap_kt"].iloc[1:-1].to_numpy() * 1000
    assert np.diff(caps) == pytest.approx([-1885.0] * 3, abs=0.5)
    # Each plan keeps to its cap (CO2e is reported to 0.1 t).
    assert (f["co2e_t"].iloc[1:].to_numpy() <= f["cap_kt"].iloc[1:].to_numpy() * 1000 + 0.05 + 1e-6).all()


def test_no_point_meets_its_cap_by_leaving_demand_unmet(scenario):
    # Imports emit 50 kg CO2e/t and unmet demand costs only 200 yuan/t, while unmet tonnes emit
    # nothing: priced as the scenario prices it, the least-CO2e probe (10^6 yuan/t CO2e, so 50,000
    # yuan per imported t) would leave the imported demand unmet. On the front unmet costs 10^6 yuan/t.
    greedy = scenario.with_values({"natural.import_co2e_kg_per_t": 50, "prices.unmet_penalty_yuan_per_t": 200})
    points = sweep.pareto_front(greedy, points=3, workers=1).points
    assert len(points) == 3 and (points["status"] != "infeasible").all()
    assert points["unmet_mt"].abs().max() < 1e-9


def test_endpoints_equal_the_unconstrained_and_the_least_co2e_solves(config, front):
    year_alone = [*FEASIBLE, "years=[2021]", "solver.relative_gap=0.00001"]
    cheapest = tradeoffs.summarise(solved(config, year_alone).plan, 2021)
    greenest = tradeoffs.summarise(solved(config, [*year_alone, "prices.carbon_yuan_per_t_co2e=1000000"]).plan, 2021)
    f = front.front
    assert f["system_cost_yuan"].iloc[0] == cheapest["system_cost_yuan"]
    assert f["co2e_t"].iloc[0] == cheapest["co2e_t"]
    assert greenest["co2e_t"] == pytest.approx(MIN_CO2E_T, abs=0.1)
    assert f["co2e_t"].iloc[-1] <= greenest["co2e_t"] + tradeoffs.CAP_HEADROOM_T


def test_system_cost_is_what_the_solver_minimises_for_a_year_alone(config):
    result = solved(config, [*FEASIBLE, "years=[2021]"])
    row = tradeoffs.summarise(result.plan, 2021)
    # Rounding: cost and natural purchase are each rounded to the yuan.
    assert row["system_cost_yuan"] == pytest.approx(result.plan.solve.objective_yuan, abs=2)
    assert row["penalty_cost_yuan"] == 0


def test_marginal_abatement_cost_is_the_slope_between_points(front):
    f = front.front
    slope = -np.diff(f["system_cost_yuan"]) / np.diff(f["co2e_t"])
    assert f["mac_yuan_per_t"].iloc[1:].to_numpy() == pytest.approx(slope, abs=0.01)
    # Cheaper abatement is used first: the slopes rise towards the low end.
    assert (np.diff(f["mac_yuan_per_t"].iloc[1:]) >= -0.01).all()


def test_cap_below_the_least_co2e_is_reported_not_raised(scenario):
    # 5 kt is below the 11.8 kt that 3 Mt need at best; 15 kt lies inside the front.
    result = sweep.pareto_front(scenario, caps_kt=[5.0, 15.0], workers=1)
    p = result.points
    assert list(p["kind"]) == ["min_cost", "cap", "min_co2e", "cap"]  # loosest cap first
    below = p[p["cap_kt"] == 5.0].iloc[0]
    assert below["status"] == "infeasible" and not below["on_front"]
    assert "emissions cap 2021 of 5 kt CO2e too tight" in below["message"]
    inside = p[p["cap_kt"] == 15.0].iloc[0]
    assert inside["on_front"] and inside["co2e_t"] <= 15_000.0
    assert len(result.front) == 3


def test_a_plan_that_cannot_meet_the_target_raises(config):
    with pytest.raises(InfeasibleError, match="unreachable"):
        sweep.pareto_front(load_scenario(config, ["target.mt_per_yr=50", "target.from_year=2021"]), points=2, workers=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"points": 1}, "at least 2"),
        ({"year": 2030}, "year 2030 is not planned"),
        ({"caps_kt": [-1.0]}, "positive numbers"),
        ({"caps_kt": []}, "positive numbers"),
    ],
)
def test_pareto_rejects_bad_requests(scenario, kwargs, message):
    with pytest.raises(InputError, match=message):
        sweep.pareto_front(scenario, workers=1, **kwargs)


@pytest.mark.slow
def test_two_workers_give_the_same_rows_in_the_same_order(scenario, front):
    again = sweep.pareto_front(scenario, points=6, workers=2)
    pd.testing.assert_frame_equal(again.points.drop(columns="seconds"), front.points.drop(columns="seconds"))


# -- sensitivity -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_higher_carbon_price_never_raises_co2e(scenario):
    # For exact optima x_p (price p) and x_q (q > p): cost(x_p) + p e(x_p) <= cost(x_q) + p e(x_q) and
    # cost(x_q) + q e(x_q) <= cost(x_p) + q e(x_p); adding them gives (q - p)(e(x_q) - e(x_p)) <= 0.
    table = sweep.sensitivity(scenario, param="carbon_price", values=[0, 500, 1000, 2000, 5000], workers=1)
    assert list(table["value"]) == [0, 500, 1000, 2000, 5000]
    assert table["key"].eq("prices.carbon_yuan_per_t_co2e").all()
    assert (np.diff(table["co2e_t"]) <= 1e-6).all()
    assert table["co2e_t"].iloc[0] == pytest.approx(MIN_COST_CO2E_T, abs=0.1)
    # At 5,000 yuan/t, 1 kg CO2e/t costs 5 yuan/t more than any saving of a dearer chain: the least-CO2e plan.
    assert table["co2e_t"].iloc[-1] == pytest.approx(MIN_CO2E_T, abs=0.1)
    assert table["carbon_cost_yuan"].iloc[-1] == pytest.approx(5000 * MIN_CO2E_T, rel=1e-5)


@pytest.mark.slow
def test_dearer_diesel_never_adds_diesel_truck_tonnes(scenario):
    table = sweep.sensitivity(scenario, param="diesel_price", values=[5.0, 7.6, 10.0, 12.0], workers=1)
    assert (np.diff(table["mt_diesel_truck"]) <= 1e-6).all()
    assert table["mt_diesel_truck"].iloc[0] == pytest.approx(3.1842, abs=1e-4)
    assert table["mt_diesel_truck"].iloc[-1] < 3.0
    assert (np.diff(table["cost_yuan_per_t"].iloc[:2]) > 0).all()  # same plan, dearer fuel


def test_single_year_plans_only_that_year(scenario):
    both = sweep.sensitivity(scenario, param="demand_growth", values=[1.0], year=2022, workers=1)
    alone = sweep.sensitivity(scenario, param="demand_growth", values=[1.0], year=2022, single_year=True, workers=1)
    assert both["year"].iloc[0] == alone["year"].iloc[0] == 2022
    assert alone["status"].iloc[0] == "optimal"


def test_an_infeasible_value_is_a_row_not_an_error(scenario):
    # Demand x 0.8 = 2.8 Mt, below the 3 Mt target.
    table = sweep.sensitivity(scenario, param="demand_growth", values=[0.8, 1.0], workers=1)
    assert list(table["status"]) == ["infeasible", "optimal"]
    assert math.isnan(table["co2e_t"].iloc[0]) and "unreachable" in table["message"].iloc[0]


# -- parameters ------------------------------------------------------------------------------------


def test_every_alias_names_a_key_of_the_scenario(scenario):
    for name, param in tradeoffs.PARAM_ALIASES.items():
        assert tradeoffs.resolve_param(name, scenario) == param
        found, _ = _lookup(scenario.model_dump(), param.key.split("."))
        assert found, name


def test_key_paths_resolve_and_tables_are_scaled(scenario):
    assert tradeoffs.resolve_param("trucks.bet.range_km", scenario) == tradeoffs.Param("trucks.bet.range_km")
    assert tradeoffs.resolve_param("prices.natural_yuan_per_t", scenario).scaled
    assert not tradeoffs.resolve_param("prices.natural_yuan_per_t.sand", scenario).scaled
    assert tradeoffs.resolve_param("demand.by_city.Beijing", scenario).key == "demand.by_city.Beijing"


def test_scaled_parameters_multiply_every_number_of_their_table(scenario):
    half_grid = tradeoffs.param_value(tradeoffs.PARAM_ALIASES["grid_factor"], 0.5, scenario)
    dear_rail = tradeoffs.param_value(tradeoffs.PARAM_ALIASES["rail_tariff"], 1.2, scenario)
    changed = scenario.with_values({**half_grid, **dear_rail})
    assert changed.emissions.grid_kg_per_kwh["Hebei"][2021] == pytest.approx(0.7901 / 2)
    assert changed.emissions.grid_kg_per_kwh["North China"][2022] == pytest.approx(0.6776 / 2)
    # The rail tariff is a multiplier of the line haul on either basis (rail.tariff_factor).
    assert changed.rail.tariff_factor == pytest.approx(1.2)
    base, per_km, _ = tariff_per_t(changed.rail)
    plain_base, plain_per_km, _ = tariff_per_t(scenario.rail)
    assert (base, per_km) == pytest.approx((plain_base * 1.2, plain_per_km * 1.2))


@pytest.mark.parametrize(
    ("param", "values", "error"),
    [
        ("diesel", [7.0], "not a parameter: use one of diesel_price"),
        ("trucks.diesel.price", [7.0], "not a parameter"),
        ("grid_factor", ["high"], "must be a number >= 0"),
        ("grid_factor", [-1.0], "must be a number >= 0"),
        ("diesel_price", [], "at least one value"),
        ("diesel_price", [-1.0], "fuel_price_yuan_per_l"),
    ],
)
def test_sensitivity_rejects_bad_parameters_before_solving(scenario, param, values, error):
    with pytest.raises(InputError, match=error):
        sweep.sensitivity(scenario, param=param, values=values, workers=1)


def test_values_are_read_as_yaml():
    assert tradeoffs.parse_values("0, 100,2.5e2 ,true,x") == [0, 100, 250.0, True, "x"]
    assert isinstance(tradeoffs.parse_values("100")[0], int)
    with pytest.raises(InputError, match="comma-separated"):
        tradeoffs.parse_values(" , ")
    with pytest.raises(InputError, match="cannot read '\\[1'"):
        tradeoffs.parse_values("[1")


# -- tornado ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_tornado_ranks_parameters_by_swing(scenario):
    table = sweep.tornado(
        scenario,
        params={"diesel_price": (5.0, 12.0), "carbon_price": (0.0, 5000.0)},
        metric="co2e_t",
        workers=1,
    )
    # Carbon price 5,000: 21,248.0 -> 11,821.9 t (swing 9,426.1); dearer diesel moves some tonnes to rail and
    # BET trucks but ships more, so CO2e rises a little; cheaper diesel keeps the plan.
    assert list(table["param"]) == ["carbon_price", "diesel_price"]
    carbon = table.iloc[0]
    assert carbon["base"] == pytest.approx(MIN_COST_CO2E_T, abs=0.1)
    assert carbon["swing"] == pytest.approx(MIN_COST_CO2E_T - MIN_CO2E_T, abs=0.2)
    assert carbon["delta_low"] == 0 and carbon["at_high"] == pytest.approx(MIN_CO2E_T, abs=0.1)
    assert (table["at_low"] - table["base"] == table["delta_low"]).all()
    assert (table["swing"] >= table[["delta_low", "delta_high"]].abs().max(axis=1) - 1e-9).all()


def test_tornado_default_ranges_are_the_scenario_values_plus_minus_a_fifth(scenario):
    ranges = tradeoffs.default_ranges(scenario)
    assert ranges["diesel_price"] == pytest.approx((7.6 * 0.8, 7.6 * 1.2))
    assert ranges["rail_tariff"] == ranges["grid_factor"] == pytest.approx((0.8, 1.2))
    assert ranges["carbon_price"] == (0.0, 200.0)  # no carbon price in the scenario
    assert set(ranges) == set(tradeoffs.PARAM_ALIASES)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"metric": "cost"}, "not a figure of the plan"), ({"params": {"diesel_price": (7.0,)}}, "needs \\(low, high\\)")],
)
def test_tornado_rejects_bad_requests(scenario, kwargs, error):
    with pytest.raises(InputError, match=error):
        sweep.tornado(scenario, workers=1, **kwargs)


# -- the front's bookkeeping (pure) ----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 40)),
        min_size=1,
        max_size=12,
    )
)
@pytest.mark.slow
def test_points_on_the_front_are_strictly_monotone_and_undominated(points):
    table = pd.DataFrame(
        {
            "status": ["optimal" if ok else "infeasible" for ok, _, _ in points],
            "co2e_t": [float(c) for _, c, _ in points],
            "system_cost_yuan": [float(y) for _, _, y in points],
        }
    )
    marked = tradeoffs.with_front(table)
    front = marked[marked["on_front"]].sort_values("co2e_t", ascending=False)
    assert (marked.loc[marked["on_front"], "status"] != "infeasible").all()
    assert len(front) >= 1 or (table["status"] == "infeasible").all()
    assert (np.diff(front["co2e_t"]) < 0).all()
    assert (np.diff(front["system_cost_yuan"]) > 0).all()
    assert (front["mac_yuan_per_t"].iloc[1:] > 0).all() and marked.loc[
        ~marked["on_front"], "mac_yuan_per_t"
    ].isna().all()
    for _, p in marked[~marked["on_front"] & (marked["status"] != "infeasible")].iterrows():
        others = marked[(marked["point"] != p["point"]) & (marked["status"] != "infeasible")]
        no_worse = (others["co2e_t"] <= p["co2e_t"] + 0.5) & (others["system_cost_yuan"] <= p["system_cost_yuan"] + 1)
        assert no_worse.any()


# -- charts and files ------------------------------------------------------------------------------


def test_charts_draw_the_front_the_mix_and_the_tornado(front):
    tornado = pd.DataFrame(
        [
            {"param": "carbon_price", "low": 0.0, "high": 5000.0, "metric": "co2e_t", "base": 21_248.0}
            | {"delta_low": 0.0, "delta_high": -9_426.1},
        ]
    )
    specs = {
        lang: tradeoff_charts.tradeoff_specs(pareto=front.points, tornado=tornado, lang=lang) for lang in ("zh", "en")
    }
    assert set(specs["en"]) == {"pareto", "tornado"}
    data = tradeoff_charts.pareto_data(front.points, "en")
    # English CO2e in kt: 21,248.0 t -> 21.248 kt; money in billion yuan.
    assert data["co2e"].iloc[0] == pytest.approx(21.248)
    assert data["system_cost"].iloc[0] == pytest.approx(front.front["system_cost_yuan"].iloc[0] / 1e9)
    assert data["rail_label"].iloc[-1] == "rail 100%"
    mix = tradeoff_charts.mix_data(data, "name", "en")
    assert mix.groupby("name", sort=False)["tonnes"].sum().to_numpy() == pytest.approx(data["substitution_mt"])
    # Chinese: 9,426.1 t = 0.94261 万吨.
    bars = tradeoff_charts.tornado_data(tornado, "zh")
    assert list(bars["end"]) == ["low", "high"] and bars["delta"].iloc[1] == pytest.approx(-0.94261)
    assert specs["zh"]["pareto"].to_dict()["title"]["text"] != specs["en"]["pareto"].to_dict()["title"]["text"]


@pytest.mark.slow
def test_write_sweep_writes_tables_and_charts(scenario, front, tmp_path):
    sens = sweep.sensitivity(scenario, param="carbon_price", values=[0, 5000], workers=1)
    out = tmp_path / "tiny-pareto"
    (out / "stale.txt").parent.mkdir()
    (out / "stale.txt").write_text("old run")
    written = sweep.write_sweep(out, pareto=front, sensitivity=sens, lang="en")
    names = sorted(p.relative_to(out).as_posix() for p in written)
    assert names == [
        "charts/pareto.html",
        "charts/pareto.png",
        "charts/sensitivity.html",
        "charts/sensitivity.png",
        "charts/vega.js",
        "points.csv",
        "sensitivity.csv",
    ]
    assert not (out / "stale.txt").exists()
    points = pd.read_csv(out / "points.csv")
    assert "seconds" not in points and len(points) == len(front.points)
    assert (out / "charts" / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script>" in (out / "charts" / "pareto.html").read_text(encoding="utf-8")


def test_json_records_have_no_nan(front):
    rows = tradeoffs.json_records(front.points)
    assert rows[0]["cap_kt"] is None and rows[0]["mac_yuan_per_t"] is None
    assert all("seconds" not in r for r in rows)


def test_ranges_are_read_as_param_low_high():
    assert tradeoffs.parse_ranges(["diesel_price=6.5,8.5", "rail.speed_kmh = 30,40"]) == {
        "diesel_price": (6.5, 8.5),
        "rail.speed_kmh": (30, 40),
    }
    for bad in ("diesel_price", "diesel_price=1", "=1,2", "diesel_price=1,2,3"):
        with pytest.raises(InputError, match="PARAM=LOW,HIGH"):
            tradeoffs.parse_ranges([bad])
