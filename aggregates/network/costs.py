"""Per-tonne cost, time, energy and emissions of one km of each kind of link.

Aggregates move one way, so every truck figure here is per *loaded* km and
includes the empty return over the same distance. Rail figures are per net
tonne-km with the empty return folded into the gross/net ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aggregates.config import Rail, Trucks


@dataclass(frozen=True)
class TruckRates:
    """Per tonne per loaded km (empty return included) for one truck type."""

    truck: str
    payload_t: float
    cost_yuan: float  # without tolls
    toll_yuan: float  # extra on tolled links
    diesel_l: float
    kwh: float  # at the plug, charging losses included
    nox_g: float
    pm_g: float
    minimum_charge_yuan: float


def truck_rates(trucks: Trucks, truck: str) -> TruckRates:
    """Cost and emission rates of a truck type, per tonne and loaded km.

    Parameters
    ----------
    trucks
        The scenario's truck parameters and toll rate.
    truck
        ``"diesel"`` or ``"bet"``.
    """
    spec = trucks.diesel if truck == "diesel" else trucks.bet
    payload = spec.payload_t
    both_ways = 2.0 * spec.operating_cost_yuan_per_km
    toll = 2.0 * trucks.toll_yuan_per_km / payload
    if truck == "diesel":
        litres = (spec.fuel_l_per_100km_loaded + spec.fuel_l_per_100km_empty) / 100.0
        energy_cost = litres * spec.fuel_price_yuan_per_l
        diesel_l, kwh = litres / payload, 0.0
    else:
        at_plug = (spec.kwh_per_km_loaded + spec.kwh_per_km_empty) / (1.0 - spec.charging_loss)
        energy_cost = at_plug * spec.electricity_price_yuan_per_kwh
        diesel_l, kwh = 0.0, at_plug / payload
    return TruckRates(
        truck=truck,
        payload_t=payload,
        cost_yuan=(energy_cost + both_ways) / payload,
        toll_yuan=toll,
        diesel_l=diesel_l,
        kwh=kwh,
        nox_g=2.0 * spec.nox_g_per_km / payload,
        pm_g=2.0 * spec.pm_g_per_km / payload,
        minimum_charge_yuan=trucks.minimum_charge_yuan_per_t,
    )


@dataclass(frozen=True)
class RailRates:
    """Per net tonne-km of rail haul (empty return included)."""

    base_yuan: float  # charged once per shipment
    cost_yuan: float  # per tonne-km
    electric_surcharge_yuan: float  # per tonne-km on electrified sections
    kwh_electric: float  # per tonne-km, electric traction
    diesel_kg: float  # per tonne-km, diesel traction
    nox_g_diesel: float
    pm_g_diesel: float
    handling_yuan: float | None = None  # per tonne at each terminal; None: the terminal's own figure


def tariff_per_t(rail: Rail) -> tuple[float, float, float | None]:
    """(once per tonne, per tonne-km, handling per tonne at each terminal) of the tariff basis.

    Container: a box pays 基价1 + 基价2 x km, and its empty return the share
    ``container.empty_return_share`` of that; both over the net tonnes of a box, less
    the discount and times ``tariff_factor``; a lift per box at each terminal. Wagon-load: the class's per-tonne rates
    and the terminals' own handling costs.
    """
    keep = (1.0 - rail.tariff_discount) * rail.tariff_factor
    if rail.tariff_basis == "wagon_load":
        return rail.tariff.base1_yuan_per_t * keep, rail.tariff.base2_yuan_per_tkm * keep, None
    box = rail.container
    per_t = (1.0 + box.empty_return_share) * keep / rail.net_t_per_box
    lift = None if box.lift_fee_yuan_per_box is None else box.lift_fee_yuan_per_box / rail.net_t_per_box
    return box.base_yuan_per_box * per_t, box.yuan_per_box_km * per_t, lift


def rail_rates(rail: Rail) -> RailRates:
    """Tariff and traction rates of rail, per net tonne-km.

    The tariff follows ``rail.tariff_basis`` (:func:`tariff_per_t`), with the
    electrification surcharge on electrified km and the scenario's negotiated discount.
    """
    keep = 1.0 - rail.tariff_discount
    gross = rail.gross_per_net / 1e4  # per 10^4 gross t-km -> per net t-km
    diesel_kg = rail.diesel_kg_per_10k_gross_tkm * gross
    base, per_km, handling = tariff_per_t(rail)
    return RailRates(
        base_yuan=base,
        cost_yuan=per_km,
        handling_yuan=handling,
        electric_surcharge_yuan=rail.electrification_surcharge_yuan_per_tkm * keep,
        kwh_electric=rail.kwh_per_10k_gross_tkm * gross,
        diesel_kg=diesel_kg,
        nox_g_diesel=diesel_kg * rail.locomotive_nox_g_per_kg_fuel,
        pm_g_diesel=diesel_kg * rail.locomotive_pm_g_per_kg_fuel,
    )


def terminal_handling(rates: RailRates, terminals) -> np.ndarray:
    """Handling cost per tonne at each terminal: the lift per box of the basis, else the terminal's own."""
    own = terminals["handling_cost_yuan_per_t"].to_numpy(float)
    return own if rates.handling_yuan is None else np.full(len(own), rates.handling_yuan)


def speed_kmh(trucks: Trucks, road_kind: str) -> float:
    """Average loaded speed of a heavy truck on a road class."""
    return trucks.speed_kmh[road_kind]
