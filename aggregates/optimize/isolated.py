"""MathOpt solves in a child process, so that Ctrl-C or SIGTERM stops the solver at once.

HiGHS under MathOpt ignores MathOpt's solve interrupter, and an exception raised in its log
callback aborts the process, so a solve in this process cannot be stopped before it reaches a
limit, which can be minutes. :func:`solver_process` lends a child process
(:mod:`aggregates.optimize.solver_child`) that solves each model it is sent while this process
waits for the answer; an interrupt while waiting (``KeyboardInterrupt``, or any other
exception) kills the child at once and propagates.

The child runs in its own process group, so a terminal's Ctrl-C reaches only this process,
which decides; and it exits as soon as its standard input closes, so it never outlives this
process, however this process ends (even ``kill -9``). A child that answered is kept for the
next solve of this process: starting one costs about 0.15 s, more than a small solve.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ortools.math_opt import model_parameters_pb2, model_pb2, result_pb2, rpc_pb2
from ortools.math_opt.python import mathopt
from ortools.math_opt.python.errors import status_proto_to_exception

from aggregates.errors import SolverError
from aggregates.interrupts import raise_if_interrupted
from aggregates.optimize import solver_child
from aggregates.optimize.solver_child import ERROR, LOG, REQUEST, RESULT, read_frame, write_frame

_CHILD = Path(solver_child.__file__)
_idle: list[SolverProcess] = []  # children that answered and wait for the next solve of this process
_idle_lock = threading.Lock()


@contextlib.contextmanager
def solver_process() -> Iterator[SolverProcess]:
    """A child process ready to solve: an idle one of this process, or a new one.

    It goes back to the idle ones when the block ends normally, and is killed when the block
    ends with an exception (an interrupt above all).
    """
    with _idle_lock:
        process = _idle.pop() if _idle else None
    if process is None or not process.usable():
        process = SolverProcess()
    try:
        yield process
    except BaseException:
        process.kill()
        raise
    with _idle_lock:
        _idle.append(process)


@atexit.register
def _close_idle() -> None:
    with _idle_lock:
        while _idle:
            _idle.pop().close()


class SolverProcess:
    """A child process that solves MathOpt models one after another (see :func:`solver_process`)."""

    def __init__(self) -> None:
        self._owner = os.getpid()  # a forked copy of this object must not talk to the child
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the child, in kill)
        self._child = subprocess.Popen(
            [sys.executable, "-P", str(_CHILD)],  # -P: the solver's folder is not put on sys.path
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            **({"process_group": 0} if os.name == "posix" else {}),
        )

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._child.pid

    def usable(self) -> bool:
        """Whether the child belongs to this process and is still running."""
        return self._owner == os.getpid() and self._child.poll() is None

    def solve(
        self,
        model: mathopt.Model,
        solver_type: mathopt.SolverType,
        params: mathopt.SolveParameters,
        on_log: Callable[[Sequence[str]], None] | None = None,
    ) -> mathopt.SolveResult:
        """``mathopt.solve(model, solver_type, params=params, msg_cb=on_log)``, run in the child.

        Parameters
        ----------
        model, solver_type, params
            As for :func:`ortools.math_opt.python.mathopt.solve`.
        on_log
            Called in this thread with the solver's log lines as they come.

        Returns
        -------
        mathopt.SolveResult
            The result an in-process solve gives.

        Raises
        ------
        KeyboardInterrupt
            When interrupted while waiting; the child is killed before it propagates.
        RuntimeError, ValueError
            When the solver rejects the model or its parameters (as MathOpt raises them).
        SolverError
            When the child ended without an answer (killed, e.g. for lack of memory, or crashed).
        """
        result = self.solve_proto(model.export_model(), solver_type, params, on_log)
        return mathopt.parse_solve_result(result, model, validate=False)

    def solve_proto(
        self,
        model: model_pb2.ModelProto,
        solver_type: mathopt.SolverType,
        params: mathopt.SolveParameters,
        on_log: Callable[[Sequence[str]], None] | None = None,
        model_params: model_parameters_pb2.ModelSolveParametersProto | None = None,
    ) -> result_pb2.SolveResultProto:
        """Solve a ``ModelProto`` in the child; the solver's ``SolveResultProto`` (see :meth:`solve`).

        ``model_params`` carries what is said of this model's variables, e.g. a solution hint (a warm start).
        """
        raise_if_interrupted()  # before a solve that may take minutes
        request = [
            f"{solver_type.value} {int(on_log is not None)}".encode(),
            model.SerializeToString(),
            params.to_proto().SerializeToString(),
            model_params.SerializeToString() if model_params is not None else b"",
        ]
        try:
            for blob in request:
                write_frame(self._child.stdin, REQUEST, blob)
        except BrokenPipeError:
            self._ended()
        return self._answer(on_log)

    def close(self) -> None:
        """Let the child end (it exits when its input closes), reap it; kill it if it lingers."""
        if self._owner != os.getpid():
            return  # a forked copy: the child is the original process's to stop
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self._child.stdin.close()
            self._child.wait(timeout=5)
        self.kill()

    def kill(self) -> None:
        """Kill the child unless it has ended, reap it and close the pipes (idempotent)."""
        if self._owner != os.getpid():
            return
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        for stream in (self._child.stdin, self._child.stdout, self._stderr):
            with contextlib.suppress(OSError):  # a flush into the pipe of a dead child has nowhere to go
                stream.close()

    def _answer(self, on_log) -> result_pb2.SolveResultProto:
        while (frame := read_frame(self._child.stdout)) is not None:
            kind, payload = frame
            raise_if_interrupted()
            if kind == LOG and on_log is not None:
                on_log(payload.decode("utf-8", "replace").split("\n"))
            elif kind == RESULT:
                return result_pb2.SolveResultProto.FromString(payload)
            elif kind == ERROR:
                raise status_proto_to_exception(rpc_pb2.StatusProto.FromString(payload))
        self._ended()

    def _ended(self):
        code = self._child.wait()
        self._stderr.seek(0)
        last = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-1:]
        raise SolverError(ended_message(code, " ".join(last)))


def ended_message(code: int, last_words: str = "") -> str:
    """Why a solver process that ended without an answer ended, for the user: its signal or exit code."""
    if code < 0:
        try:
            why = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            why = f"killed by signal {-code}"
        if -code == signal.SIGKILL:
            why += (
                " (most often the system running out of memory: plan fewer years (e.g. --set years=[2022]), a smaller "
                "scenario, or use a machine with more memory)"
            )
    else:
        why = f"exit code {code}"
    return f"the solver process ended without an answer: {why}" + (f"; it said: {last_words}" if last_words else "")
