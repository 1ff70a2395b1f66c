import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("vrp_benchmarks", ROOT / "benchmarks" / "vrp_benchmarks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("vrp_benchmarks", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_engine_as_dispatch_configures_it_finds_c101_best_known():
    # C101 (clustered, tight windows): best known 10 vehicles, 828.94; PyVRP finds it in well under a second.
    bench = _bench()
    inst = bench.read_instance(ROOT / "tests" / "data" / "vrp", "C101")
    row = bench.run(inst, "pyvrp", 0.5)
    assert (row.vehicles, row.bks_vehicles) == (10, 10)
    assert abs(row.gap_pct) < 0.1
