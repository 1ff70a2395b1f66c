"""The child process of :mod:`aggregates.optimize.isolated`: solves MathOpt models sent on standard input.

Run by path (``python -P solver_child.py``) so that it imports only the solver, not the
``aggregates`` package. It reads requests (three frames: ``"<solver type> <1 to send the log>"``,
``ModelProto``, ``SolveParametersProto``) and answers each with ``L`` frames (log lines) and then one ``R``
frame (``SolveResultProto``) or ``E`` frame (``StatusProto``). It exits as soon as its
standard input closes, even in the middle of a solve: that is how its parent stops it, and
how it notices that its parent is gone.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Sequence
from typing import BinaryIO

from ortools.math_opt import callback_pb2, model_parameters_pb2, model_pb2, parameters_pb2, rpc_pb2
from ortools.math_opt.core.python import solver
from pybind11_abseil.status import StatusNotOk

HEADER = 9  # one byte of kind, eight of length
REQUEST, LOG, RESULT, ERROR = b"Q", b"L", b"R", b"E"


def write_frame(stream: BinaryIO, kind: bytes, payload: bytes) -> None:
    """Write one frame: its kind, its length and its payload (flushed)."""
    stream.write(kind + len(payload).to_bytes(HEADER - 1, "little") + payload)
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[bytes, bytes] | None:
    """The next frame as (kind, payload), or None at the end of the stream."""
    header = stream.read(HEADER)
    if len(header) < HEADER:
        return None
    size = int.from_bytes(header[1:], "little")
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return header[:1], payload


def _read_requests(stdin: BinaryIO, requests: queue.SimpleQueue) -> None:
    """Queue each request; exit the process when the parent closes the pipe."""
    while True:
        frames = [read_frame(stdin) for _ in range(4)]
        if any(frame is None for frame in frames):
            os._exit(0)  # the parent is done, or gone: stop at once, whatever is running
        requests.put([payload for _kind, payload in frames])


def _solve(header: bytes, model: bytes, params: bytes, model_params: bytes, send) -> None:
    solver_type, wants_log = (int(word) for word in header.split())

    def on_log(lines: Sequence[str]) -> None:
        send(LOG, "\n".join(lines).encode("utf-8", "replace"))

    try:
        result = solver.solve(
            model_pb2.ModelProto.FromString(model),
            solver_type,
            parameters_pb2.SolverInitializerProto(),
            parameters_pb2.SolveParametersProto.FromString(params),
            model_parameters_pb2.ModelSolveParametersProto.FromString(model_params),
            on_log if wants_log else None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )
    except StatusNotOk as exc:
        send(ERROR, rpc_pb2.StatusProto(code=exc.canonical_code, message=exc.message).SerializeToString())
    else:
        send(RESULT, result.SerializeToString())


def main() -> None:
    """Serve requests until standard input closes."""
    requests: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_read_requests, args=(sys.stdin.buffer, requests), daemon=True).start()
    lock = threading.Lock()

    def send(kind: bytes, payload: bytes) -> None:
        with lock:
            write_frame(sys.stdout.buffer, kind, payload)

    while True:
        _solve(*requests.get(), send)


if __name__ == "__main__":
    main()
