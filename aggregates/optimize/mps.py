"""The model as the solver receives it, in free MPS format (``aggregates optimize --export-model``).

Written from the very ``ModelProto`` that is sent to the solver, with every number in full precision
(shortest round-trip decimal; OR-Tools' own exporter keeps 6 significant digits). Each variable and row
is named after its block and its id (``x_0``, ``z_812``, ``demand_40``, ``resource_3311``; the ids are
the solver's), so that a reader can tell the blocks apart.
"""

from __future__ import annotations

import numpy as np
from ortools.math_opt import model_pb2

from aggregates.optimize.model import Built

OBJECTIVE = "obj"


def block_names(families: list[tuple[str, int, int]], n: int) -> np.ndarray:
    """``<block>_<id>`` for ids 0 .. n-1 from the (block, first, end) ranges; ``v_<id>`` outside them."""
    prefix = np.full(n, "v", dtype=object)
    for name, first, end in families:
        prefix[first:end] = name
    return prefix + "_" + np.arange(n).astype(str).astype(object)


def model_mps(built: Built) -> str:
    """The free-MPS text of a built model, named by block.

    Parameters
    ----------
    built
        From :func:`aggregates.optimize.model.build_model`.

    Returns
    -------
    str
        The MPS file's text.
    """
    return proto_mps(
        built.proto, block_names(built.families, built.n_variables), block_names(built.row_families, built.n_rows)
    )


def _numbers(values) -> np.ndarray:
    return np.array([repr(v) for v in np.asarray(values, float).tolist()], dtype=object)


def proto_mps(proto: model_pb2.ModelProto, columns: np.ndarray, rows: np.ndarray) -> str:
    """Free MPS of a linear ``ModelProto`` (minimisation) with these column and row names."""
    v, c = proto.variables, proto.linear_constraints
    lb, ub = np.array(v.lower_bounds, float), np.array(v.upper_bounds, float)
    integer = np.array(v.integers, bool)
    row_lb, row_ub = np.array(c.lower_bounds, float), np.array(c.upper_bounds, float)
    lines = [f"NAME {proto.name or 'model'}", "ROWS", f" N  {OBJECTIVE}"]
    kind = np.where(row_lb == row_ub, "E", np.where(np.isinf(row_lb), np.where(np.isinf(row_ub), "N", "L"), "G"))
    lines += list(" " + kind.astype(object) + "  " + rows)
    lines.append("COLUMNS")
    lines += _columns(proto, columns, rows, integer)
    lines.append("RHS")
    rhs = np.where(kind == "L", row_ub, np.where(kind == "N", 0.0, row_lb))
    has = np.flatnonzero(rhs != 0)
    lines += list("    RHS  " + rows[has] + "  " + _numbers(rhs[has]))
    ranged = np.flatnonzero((kind == "G") & np.isfinite(row_ub))
    if len(ranged):
        lines.append("RANGES")
        lines += list("    RNG  " + rows[ranged] + "  " + _numbers(row_ub[ranged] - row_lb[ranged]))
    lines.append("BOUNDS")
    lines += _bounds(columns, lb, ub, integer)
    lines.append("ENDATA")
    return "\n".join(lines) + "\n"


def _columns(proto, columns: np.ndarray, rows: np.ndarray, integer: np.ndarray) -> list[str]:
    """COLUMNS lines, column by column (objective entry first), integer columns between markers."""
    m = proto.linear_constraint_matrix
    n = len(columns)
    row_ids = np.array(m.row_ids, np.int64)
    col_ids = np.array(m.column_ids, np.int64)
    values = np.array(m.coefficients, float)
    obj = proto.objective.linear_coefficients
    obj_ids = np.array(obj.ids, np.int64)
    # The objective as row -1; a column used nowhere gets an objective entry of 0, so that it is declared.
    unused = np.setdiff1d(np.arange(n), np.concatenate([col_ids, obj_ids]))
    all_cols = np.concatenate([obj_ids, unused, col_ids])
    all_rows = np.concatenate([np.full(len(obj_ids) + len(unused), -1), row_ids])
    all_values = np.concatenate([np.array(obj.values, float), np.zeros(len(unused)), values])
    order = np.lexsort((all_rows, all_cols))
    all_cols, all_rows, all_values = all_cols[order], all_rows[order], all_values[order]
    row_names = np.concatenate([[OBJECTIVE], rows]).astype(object)[all_rows + 1]
    text = "    " + columns[all_cols] + "  " + row_names + "  " + _numbers(all_values)
    out: list[str] = []
    starts = np.searchsorted(all_cols, np.arange(n + 1))
    marker = 0
    for first, end in _runs(integer):
        if not integer[first]:
            out += list(text[starts[first] : starts[end]])
            continue
        out.append(f"    MARKER{marker}  'MARKER'  'INTORG'")
        out += list(text[starts[first] : starts[end]])
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


def _bounds(columns: np.ndarray, lb: np.ndarray, ub: np.ndarray, integer: np.ndarray) -> list[str]:
    """BOUNDS lines for bounds other than [0, inf); integer columns always get both (readers differ)."""
    out = []
    fixed = lb == ub
    free = np.isinf(lb) & np.isinf(ub) & (lb < 0)
    for j in np.flatnonzero(fixed):
        out.append(f" FX BND  {columns[j]}  {float(lb[j])!r}")
    for j in np.flatnonzero(free & ~fixed):
        out.append(f" FR BND  {columns[j]}")
    rest = ~fixed & ~free
    low = rest & ((lb != 0) | integer)
    for j in np.flatnonzero(low):
        out.append(f" MI BND  {columns[j]}" if np.isinf(lb[j]) else f" LO BND  {columns[j]}  {float(lb[j])!r}")
    for j in np.flatnonzero(rest & np.isfinite(ub)):
        out.append(f" UP BND  {columns[j]}  {float(ub[j])!r}")
    return out
