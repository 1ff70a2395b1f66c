"""Progress of a solve, reported through one callback that the CLI, the service and cluster workers share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from aggregates.interrupts import raise_if_interrupted

# Where each stage starts, as a share of a typical run (the solve takes most of it).
STAGES = {
    "reading the region": 0.0,
    "building the network": 0.05,
    "computing route options": 0.1,
    "assembling the model": 0.15,
    "solving": 0.2,
    "finding the binding limits": 0.9,
    "writing up the plan": 0.95,
    "done": 1.0,
}
# HiGHS's summary line: "Gap 0.0639% (tolerance: 0.1%)".
_SUMMARY_GAP = re.compile(r"^\s*Gap\s+([\d.]+)%")


@dataclass(frozen=True)
class Progress:
    """Where a solve stands.

    Attributes
    ----------
    stage
        What is being done, e.g. ``solving with highs``.
    fraction
        Rough share of the run done, 0 to 1 (stage starts; the solve's own progress is in ``gap``).
    gap
        The solver's latest relative gap between its best plan and its bound (None until known).
    detail
        The solver's latest log line while solving, else empty.
    """

    stage: str
    fraction: float
    gap: float | None = None
    detail: str = ""


class Reporter:
    """Turns stages and solver log lines into :class:`Progress` calls (nothing when no callback)."""

    def __init__(self, on_progress: Callable[[Progress], None] | None):
        self._callback = on_progress
        self._stage = Progress("starting", 0.0)

    def stage(self, name: str, key: str | None = None) -> None:
        """Report the start of a stage (``key`` picks its fraction from :data:`STAGES`, default ``name``).

        Raises
        ------
        KeyboardInterrupt
            When an interrupt arrived and its exception was dropped (see :mod:`aggregates.interrupts`).
        """
        raise_if_interrupted()
        self._stage = Progress(name, STAGES.get(key or name, self._stage.fraction))
        self._emit(self._stage)

    def solver_line(self, line: str) -> None:
        """Report one line of the solver's log, with the gap when the line carries one."""
        if not line.strip():
            return
        gap = solver_gap(line)
        self._stage = Progress(
            self._stage.stage, self._stage.fraction, gap if gap is not None else self._stage.gap, " ".join(line.split())
        )
        self._emit(self._stage)

    def _emit(self, progress: Progress) -> None:
        if self._callback is not None:
            self._callback(progress)


def solver_gap(line: str) -> float | None:
    """The relative gap in a HiGHS MIP log line (``12.5%`` -> 0.125), or None when the line has none.

    A row of HiGHS's MIP table reads ``Proc. InQueue | Leaves Expl.% | BestBound BestSol Gap | ...``:
    the gap is the third token after the explored percentage (``inf`` before a plan is found).
    """
    summary = _SUMMARY_GAP.match(line)
    if summary:
        return float(summary.group(1)) / 100.0
    tokens = line.split()
    explored = next((i for i, t in enumerate(tokens) if t.endswith("%")), None)
    if explored is None or explored + 3 >= len(tokens) or not tokens[explored + 3].endswith("%"):
        return None
    try:
        return float(tokens[explored + 3][:-1]) / 100.0
    except ValueError:
        return None
