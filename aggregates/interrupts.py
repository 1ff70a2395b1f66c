"""Ctrl-C and SIGTERM that are never lost on the way.

Python raises ``KeyboardInterrupt`` for a signal at the next instruction of the main thread.
When that instruction runs inside a callback from C code (GDAL's error handler in pyogrio, a
``__del__``, a weakref callback, an extension module's import), the interpreter prints
"Exception ignored" and drops the exception: the command would carry on and publish its output
as if nobody had pressed Ctrl-C. So while :func:`watch` is active the handler also records the
signal, and the places that must not go on after one (the start of every stage of a run, each
message from the solver, and the moment an output replaces the previous one) call
:func:`raise_if_interrupted`, which raises it again.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_received: list[int] = []  # the signals received while watched; empty when none or not watched


def _record_and_raise(signum: int, _frame) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


@contextmanager
def watch() -> Iterator[None]:
    """While the block runs, SIGINT, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` and are remembered.

    SIGINT is taken over only where it would raise ``KeyboardInterrupt`` anyway (not where the
    process was started with it ignored, as a shell starts background jobs), SIGHUP (the terminal
    closed) only where it would end the process at once (not under ``nohup``). Only the main thread
    can handle signals: elsewhere nothing is installed. The previous handlers come back after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watched = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        watched.append(signal.SIGINT)
    hangup = getattr(signal, "SIGHUP", None)  # not on Windows
    if hangup is not None and signal.getsignal(hangup) is signal.SIG_DFL:
        watched.append(hangup)
    previous = {sig: signal.signal(sig, _record_and_raise) for sig in watched}
    _received.clear()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _received.clear()


def interrupted() -> bool:
    """Whether a watched signal has arrived."""
    return bool(_received)


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` when a watched signal has arrived, even one whose exception was dropped.

    Raises
    ------
    KeyboardInterrupt
        When :func:`interrupted`.
    """
    if _received:
        raise KeyboardInterrupt


def ignore() -> None:
    """From now on SIGINT, SIGTERM and SIGHUP do nothing (in the main thread): a second Ctrl-C must not cut
    a closing message short."""
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
