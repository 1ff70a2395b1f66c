"""The model as the solver receives it, in free MPS format (``aggregates optimize --export-model``).

Written from the arrays the solver's ``ModelProto`` is made of, with every number in full precision
(shortest round-trip decimal; OR-Tools' own exporter keeps 6 significant digits). Each variable and row
is named after its block and its id (``x_0``, ``z_812``, ``demand_40``, ``resource_3311``; the ids are
the solver's), so that a reader can tell the blocks apart.
"""

from __future__ import annotations

import numpy as np

from aggregates.optimize.model import Built, ModelArrays

OBJECTIVE = "obj"


def block_names(families: list[tuple[str, int, int]], n: int) -> list[str]:
    """``<block>_<id>`` for ids 0 .. n-1 from the (block, first, end) ranges; ``v_<id>`` outside them."""
    prefix = ["v"] * n
    for name, first, end in families:
        prefix[first:end] = [name] * (end - first)
    return [f"{p}_{i}" for i, p in enumerate(prefix)]


def model_mps(built: Built) -> str:
    """The free-MPS text of a built model, named by block.

    Parameters
    ----------
    built
        From :func:`aggregates.optimize.model.build_model` (with its arrays).

    Returns
    -------
    str
        The MPS file's text.
    """
    a = built.arrays
    columns, rows = block_names(a.families, len(a.cost)), block_names(a.row_families, len(a.row_lower))
    return arrays_mps(a, columns, rows, built.proto.name)


def _numbers(values: np.ndarray) -> list[str]:
    """Shortest round-trip decimals (Python's repr of each float, made in one C call)."""
    if not len(values):
        return []
    return repr(np.asarray(values, float).tolist())[1:-1].split(", ")


def _pick(names: list[str], ids: np.ndarray) -> list[str]:
    return [names[i] for i in ids.tolist()]


def arrays_mps(a: ModelArrays, columns: list[str], rows: list[str], name: str = "model") -> str:
    """Free MPS of a minimisation model in arrays, with these column and row names."""
    lo, hi = a.row_lower, a.row_upper
    kind = np.where(lo == hi, "E", np.where(np.isinf(lo), np.where(np.isinf(hi), "N", "L"), "G"))
    lines = [f"NAME {name or 'model'}", "ROWS", f" N  {OBJECTIVE}"]
    lines += [f" {k}  {r}" for k, r in zip(kind.tolist(), rows, strict=True)]
    lines.append("COLUMNS")
    lines += _columns(a, columns, rows)
    lines.append("RHS")
    rhs = np.where(kind == "L", hi, np.where(kind == "N", 0.0, lo))
    has = np.flatnonzero(rhs != 0)
    lines += [f"    RHS  {r}  {v}" for r, v in zip(_pick(rows, has), _numbers(rhs[has]), strict=True)]
    ranged = np.flatnonzero((kind == "G") & np.isfinite(hi))
    if len(ranged):
        lines.append("RANGES")
        widths = _numbers(hi[ranged] - lo[ranged])
        lines += [f"    RNG  {r}  {v}" for r, v in zip(_pick(rows, ranged), widths, strict=True)]
    lines.append("BOUNDS")
    lines += _bounds(columns, a.upper, a.integer)
    lines.append("ENDATA")
    return "\n".join(lines) + "\n"


def _columns(a: ModelArrays, columns: list[str], rows: list[str]) -> list[str]:
    """COLUMNS lines, column by column (objective entry first), integer columns between markers."""
    n = len(columns)
    obj_ids = np.flatnonzero(a.cost)
    # The objective as row -1; a column used nowhere gets an objective entry of 0, so that it is declared.
    used = np.zeros(n, bool)
    used[a.columns] = True
    used[obj_ids] = True
    unused = np.flatnonzero(~used)
    all_cols = np.concatenate([obj_ids, unused, a.columns])
    all_rows = np.concatenate([np.full(len(obj_ids) + len(unused), -1), a.rows])
    all_values = np.concatenate([a.cost[obj_ids], np.zeros(len(unused)), a.values])
    order = np.lexsort((all_rows, all_cols))
    all_cols, all_rows, all_values = all_cols[order], all_rows[order], all_values[order]
    row_names = [OBJECTIVE, *rows]
    text = [
        f"    {c}  {r}  {v}"
        for c, r, v in zip(_pick(columns, all_cols), _pick(row_names, all_rows + 1), _numbers(all_values), strict=True)
    ]
    starts = np.searchsorted(all_cols, np.arange(n + 1)).tolist()
    out: list[str] = []
    marker = 0
    for first, end in _runs(a.integer):
        if not a.integer[first]:
            out += text[starts[first] : starts[end]]
            continue
        out.append(f"    MARKER{marker}  'MARKER'  'INTORG'")
        out += text[starts[first] : starts[end]]
        out.append(f"    MARKER{marker + 1}  'MARKER'  'INTEND'")
        marker += 2
    return out


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of the runs of equal values of ``flags``."""
    if not len(flags):
        return []
    cut = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    edges = np.concatenate([[0], cut, [len(flags)]])
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def _bounds(columns: list[str], upper: np.ndarray, integer: np.ndarray) -> list[str]:
    """BOUNDS lines (every variable is >= 0): finite upper bounds; integer columns get both (readers differ)."""
    out = [f" LO BND  {columns[j]}  0.0" for j in np.flatnonzero(integer).tolist()]
    finite = np.flatnonzero(np.isfinite(upper))
    out += [f" UP BND  {c}  {v}" for c, v in zip(_pick(columns, finite), _numbers(upper[finite]), strict=True)]
    return out
