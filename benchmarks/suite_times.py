"""Time the test suite: the fast part (``-m "not slow"``) and the whole of it, as the README reports them.

Run from the repository root with the test extra installed::

    python benchmarks/suite_times.py [--repeat 1]

Prints the wall-clock seconds of ``pytest -m "not slow"`` and of ``pytest`` (each run in a fresh
process, without pytest's cache), the number of tests each ran, and the share of the full run the
fast part takes. The times include interpreter start, imports and collection.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time


def timed(args: list[str]) -> tuple[float, str]:
    """Seconds a pytest run took and its last line."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0:
        sys.exit(f"pytest {' '.join(args)} failed:\n" + "\n".join(lines[-20:]))
    return seconds, lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each suite; the fastest counts")
    args = parser.parse_args()
    results = {}
    for name, extra in (("fast (-m 'not slow')", ["-m", "not slow"]), ("full", [])):
        runs = [timed(extra) for _ in range(args.repeat)]
        seconds, summary = min(runs)
        count = re.search(r"(\d+) passed", summary)
        results[name] = seconds
        print(f"{name:22s} {seconds:7.1f} s  {count.group(1) if count else '?'} passed  ({summary})")
    fast, full = results.values()
    print(f"fast / full: {fast / full:.2f}")


if __name__ == "__main__":
    main()
