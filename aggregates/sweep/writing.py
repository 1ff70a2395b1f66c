"""Writing a sweep's tables and charts to a folder, all at once."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from aggregates.analysis.tradeoffs import VOLATILE, ParetoFront
from aggregates.files import atomic_folder
from aggregates.viz.charts import write_tradeoff_charts

log = logging.getLogger(__name__)

TABLE_FILES = {"pareto": "points.csv", "sensitivity": "sensitivity.csv", "tornado": "tornado.csv"}


def write_sweep(
    out_dir: str | Path,
    *,
    pareto: ParetoFront | None = None,
    sensitivity: pd.DataFrame | None = None,
    tornado: pd.DataFrame | None = None,
    lang: str = "zh",
    charts: bool = True,
) -> list[Path]:
    """Write the tables given (``points.csv``, ``sensitivity.csv``, ``tornado.csv``) and their charts.

    The files go to a temporary sibling folder that replaces ``out_dir`` only when all are
    written, so a failure leaves an earlier ``out_dir`` as it was.

    Parameters
    ----------
    out_dir
        The folder; replaced as a whole if it exists.
    pareto, sensitivity, tornado
        What :func:`~aggregates.sweep.pareto_front`, :func:`~aggregates.sweep.sensitivity` and
        :func:`~aggregates.sweep.tornado` returned.
    lang
        Language of the charts, ``zh`` or ``en``.
    charts
        Also write ``charts/<name>.png`` and ``.html``.

    Returns
    -------
    list of Path
        The files written, as they lie in ``out_dir``.
    """
    out_dir = Path(out_dir)
    tables = {"pareto": pareto.points if pareto else None, "sensitivity": sensitivity, "tornado": tornado}
    tables = {name: table for name, table in tables.items() if table is not None}
    written = []
    with atomic_folder(out_dir) as tmp:
        for name, table in tables.items():
            path = tmp / TABLE_FILES[name]
            table.drop(columns=[c for c in VOLATILE if c in table]).to_csv(path, index=False, lineterminator="\n")
            written.append(path)
        if charts:
            written += write_tradeoff_charts(tmp, **tables, lang=lang, year=pareto.year if pareto else None)
    log.info("sweep: %d files written to %s", len(written), out_dir)
    return [out_dir / p.relative_to(tmp) for p in written]
