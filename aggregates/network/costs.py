"""Per-tonne cost, time, energy and emissions of one km of each kind of link.

Aggregates move one way, so every truck figure here is per *loaded* km and
includes the empty return over the same distance. Rail figures are per net
tonne-km with the empty return folded into the gross/net ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def rail_rates(rail: Rail) -> RailRates:
    """Tariff and traction rates of rail, per net tonne-km.

    The tariff is 基价1 + 基价2 x km by rate class, with the electrification
    surcharge on electrified km and the scenario's negotiated discount.
    """
    keep = 1.0 - rail.tariff_discount
    gross = rail.gross_per_net / 1e4  # per 10^4 gross t-km -> per net t-km
    diesel_kg = rail.diesel_kg_per_10k_gross_tkm * gross
    return RailRates(
        base_yuan=rail.tariff.base1_yuan_per_t * keep,
        cost_yuan=rail.tariff.base2_yuan_per_tkm * keep,
        electric_surcharge_yuan=rail.electrification_surcharge_yuan_per_tkm * keep,
        kwh_electric=rail.kwh_per_10k_gross_tkm * gross,
        diesel_kg=diesel_kg,
        nox_g_diesel=diesel_kg * rail.locomotive_nox_g_per_kg_fuel,
        pm_g_diesel=diesel_kg * rail.locomotive_pm_g_per_kg_fuel,
    )


def speed_kmh(trucks: Trucks, road_kind: str) -> float:
    """Average loaded speed of a heavy truck on a road class."""
    return trucks.speed_kmh[road_kind]
