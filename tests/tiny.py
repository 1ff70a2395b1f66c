"""A tiny region whose route options can be worked out by hand.

Map (lon/lat around 117E 40N; road km are given, not measured)::

    b-one --1-- r-a ==50== r-b ==50== r-c --1-- d-city
    b-two --2--/  |          |          | \\--20-- d-far
    t-load --2---/       s-b (0.5)      \\--5-- t-unl
      |                                        |
    st-l ------60------ st-m ------50------ st-u     (electrified rail)

``==`` tolled expressway, ``--`` access link. b-two has its own siding at
t-load. s-b is a battery-swap station at r-b. With the default rates:

* diesel truck per tonne and loaded km (empty return included):
  (0.35 + 0.25 L x 7.6 yuan + 2 x 2.0 operating) / 31 t = 0.276129 yuan,
  plus tolls 2 x 2.0 / 31 = 0.129032 on the expressway.
* battery-electric: (1.7 + 1.15) kWh / 0.92 x 1.0 yuan + 4.0 = 7.097826 / 28 t
  = 0.253494 yuan, plus tolls 4.0 / 28 = 0.142857.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

# The tiny region planned for 2021 with a 3 Mt target, as the sweep tests worked their optima out (tests/test_sweep.py):
# the wagon-load tariff keeps rail within reach of their carbon prices, free disposal keeps the old product
# balance, the import tier at the natural prices of then without transport CO2e of its own.
SWEEP_FEASIBLE = [
    "target.mt_per_yr=3",
    "target.from_year=2021",
    "rail.tariff_basis=wagon_load",
    "coproducts.free_disposal=true",
    "prices.natural_yuan_per_t.sand=150",
    "prices.natural_yuan_per_t.coarse=90",
    "natural.import_co2e_kg_per_t=0",
]

ROAD_NODES = [("r-a", 117.60, 40.00, "Hebei"), ("r-b", 117.00, 40.00, "Hebei"), ("r-c", 116.50, 40.00, "Beijing")]
STATIONS = [("st-l", 117.61, 40.00, "Hebei"), ("st-m", 117.00, 40.05, "Hebei"), ("st-u", 116.45, 40.00, "Beijing")]


def _point(lon, lat, props):
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def _line(coords, props):
    return {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}


def _names(i):
    return {"name_en": i.title(), "name_zh": f"测试{i}"}


def tiny_layers() -> dict:
    """The tiny region as plain data: {filename: FeatureCollection dict or list of CSV rows}."""
    coords = {i: (x, y) for i, x, y, _ in ROAD_NODES + STATIONS}
    bases = [
        ("b-one", 117.62, 40.02, "existing", False),
        ("b-two", 117.58, 40.05, "candidate", True),
    ]
    base_feats = []
    for i, x, y, status, siding in bases:
        coords[i] = (x, y)
        base_feats.append(
            _point(
                x,
                y,
                {
                    "id": i,
                    **_names(i),
                    "city": "Tangshan",
                    "county": "Qian'an",
                    "province": "Hebei",
                    "feedstock": "iron_tailings",
                    "status": status,
                    "stock_mt": 50.0,
                    "arising_mt_per_yr": 2.0,
                    "yield_sand": 0.55,
                    "yield_coarse": 0.4,
                    "production_cost_yuan_per_t": 30.0,
                    "loading_terminal": "t-load",
                    "first_mile_km": 0.0 if siding else 3.0,
                    "own_siding": siding,
                    "beijing_designated": i == "b-one",
                    "source": "test",
                },
            )
        )
    demand = [
        ("d-city", 116.40, 40.00, "beijing_5th_ring", True),
        ("d-far", 116.30, 39.90, "none", False),
    ]
    demand_feats = []
    for i, x, y, zone, restricted in demand:
        coords[i] = (x, y)
        demand_feats.append(
            _point(
                x,
                y,
                {
                    "id": i,
                    **_names(i),
                    "city": "Beijing",
                    "district": "Chaoyang",
                    "province": "Beijing",
                    "accepts": "sand;coarse",
                    "zone": zone,
                    "diesel_restricted": restricted,
                    "source": "test",
                },
            )
        )
    terminals = [
        ("t-load", 117.61, 40.00, "loading", "st-l", "Hebei", 5.0, 6.0),
        ("t-unl", 116.45, 40.00, "unloading", "st-u", "Beijing", 4.0, 4.0),
    ]
    term_feats = []
    for i, x, y, kind, st, prov, cost, hours in terminals:
        coords[i] = (x, y)
        term_feats.append(
            _point(
                x,
                y,
                {
                    "id": i,
                    **_names(i),
                    "kind": kind,
                    "station": st,
                    "province": prov,
                    "capacity_mt_per_yr": 10.0,
                    "handling_cost_yuan_per_t": cost,
                    "handling_hours": hours,
                    "source": "test",
                },
            )
        )
    coords["s-b"] = (117.00, 40.01)
    swap_feats = [
        _point(
            117.00,
            40.01,
            {
                "id": "s-b",
                **_names("s-b"),
                "road_node": "r-b",
                "province": "Hebei",
                "capacity_swaps_per_day": 150.0,
                "source": "test",
            },
        )
    ]
    roads = [
        ("rd-ab", "G1", "r-a", "r-b", "expressway", 50.0, True),
        ("rd-bc", "G1", "r-b", "r-c", "expressway", 50.0, True),
        ("rd-b1", "access", "b-one", "r-a", "access", 1.0, False),
        ("rd-b2", "access", "b-two", "r-a", "access", 2.0, False),
        ("rd-t1", "access", "t-load", "r-a", "access", 2.0, False),
        ("rd-t2", "access", "t-unl", "r-c", "access", 5.0, False),
        ("rd-d1", "access", "d-city", "r-c", "access", 1.0, False),
        ("rd-d2", "access", "d-far", "r-c", "access", 20.0, False),
        ("rd-s1", "access", "s-b", "r-b", "access", 0.5, False),
    ]
    road_feats = [
        _line(
            [coords[a], coords[b]],
            {
                "id": i,
                "road": r,
                "from_node": a,
                "to_node": b,
                "kind": k,
                "length_km": km,
                "toll": toll,
                "source": "test",
            },
        )
        for i, r, a, b, k, km, toll in roads
    ]
    segs = [("rs-1", "st-l", "st-m", 0.0, 60.0), ("rs-2", "st-m", "st-u", 60.0, 110.0)]
    seg_feats = [
        _line(
            [coords[a], coords[b]],
            {
                "id": i,
                "line_id": "test",
                "line_en": "Test line",
                "line_zh": "测试线",
                "from_station": a,
                "to_station": b,
                "km_from": k0,
                "km_to": k1,
                "length_km": k1 - k0,
                "electrified": True,
                "tracks": 2,
                "freight": True,
                "capacity_trains_per_day": 10.0,
                "source": "test",
            },
        )
        for i, a, b, k0, k1 in segs
    ]
    fc = lambda feats: {"type": "FeatureCollection", "features": feats}  # noqa: E731
    years = range(2021, 2026)
    return {
        "region.yaml": "name: tiny\nbbox: [115.0, 39.0, 119.0, 41.0]\nproducts: [sand, coarse]\n",
        "bases.geojson": fc(base_feats),
        "base_levels.csv": [
            {
                "base_id": "b-one",
                "level": 0,
                "capacity_mt_per_yr": 2.0,
                "fixed_cost_myuan_per_yr": 10.0,
                "source": "test",
            },
            {
                "base_id": "b-one",
                "level": 1,
                "capacity_mt_per_yr": 4.0,
                "fixed_cost_myuan_per_yr": 18.0,
                "source": "test",
            },
            {
                "base_id": "b-two",
                "level": 0,
                "capacity_mt_per_yr": 1.0,
                "fixed_cost_myuan_per_yr": 9.0,
                "source": "test",
            },
        ],
        "demand.geojson": fc(demand_feats),
        "demand_years.csv": [
            {"node_id": d, "year": y, "product": p, "demand_mt": q}
            for d, amounts in (("d-city", (1.0, 1.5)), ("d-far", (0.5, 0.5)))
            for y in years
            for p, q in zip(("sand", "coarse"), amounts, strict=False)
        ],
        "rail_stations.geojson": fc(
            [_point(x, y, {"id": i, **_names(i), "province": p, "source": "test"}) for i, x, y, p in STATIONS]
        ),
        "rail_segments.geojson": fc(seg_feats),
        "terminals.geojson": fc(term_feats),
        "road_nodes.geojson": fc(
            [_point(x, y, {"id": i, **_names(i), "province": p, "source": "test"}) for i, x, y, p in ROAD_NODES]
        ),
        "roads.geojson": fc(road_feats),
        "swap_stations.geojson": fc(swap_feats),
        "calibration_road.csv": [{"origin": "b-one", "destination": "d-city", "reference_km": 102.0, "source": "test"}],
    }


def write_region(folder: Path, layers: dict | None = None) -> Path:
    """Write layers (default: the tiny region) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (layers or tiny_layers()).items():
        path = folder / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif isinstance(content, list):
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(content[0]))
                writer.writeheader()
                writer.writerows(content)
        else:
            path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return folder


def mutated(change) -> dict:
    """The tiny layers after ``change(layers)`` edits a deep copy in place."""
    layers = copy.deepcopy(tiny_layers())
    change(layers)
    return layers


def feature(layers: dict, filename: str, fid: str) -> dict:
    """Properties of the feature with id ``fid`` in a layer."""
    return next(f for f in layers[filename]["features"] if f["properties"]["id"] == fid)["properties"]


def write_config(folder: Path, region: Path, extra: str = "") -> Path:
    """A scenario file pointing at ``region``; maps are published to ``folder/maps``, not the working folder."""
    path = folder / "scenario.yaml"
    maps = f"outputs:\n  maps_dir: {folder / 'maps'}\n" if "outputs:" not in extra else ""
    path.write_text(f"name: tiny\nregion: {region}\nyears: [2021, 2022]\n{maps}{extra}", encoding="utf-8")
    return path
