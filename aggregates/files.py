"""Writing files and folders all at once: a temporary sibling, moved into place only when complete.

Every output of the package (run folders, maps, charts, reports, comparison and sweep
folders) goes through here, so a failure never leaves a half-written file or folder behind
and the previous good output stays where it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aggregates.errors import InputError


def check_out_dir(out_dir: str | Path) -> None:
    """Fail early, before any solving, when ``out_dir`` cannot be written.

    Raises
    ------
    InputError
        When a parent is a file or the nearest existing parent is not writable.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: --out must be a folder, and this is a file; choose another --out")
    parent = out_dir.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{out_dir}: cannot create the output folder: '{parent}' is a file; choose another --out")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{out_dir}: cannot create the output folder: '{parent}' is not writable")


@contextmanager
def atomic_folder(out_dir: str | Path) -> Iterator[Path]:
    """Yield a new temporary sibling folder of ``out_dir`` that replaces ``out_dir`` when the block succeeds.

    On any error the temporary folder is removed and ``out_dir`` is left as it was.

    Raises
    ------
    InputError
        When the folder cannot be created.
    """
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
        tmp.chmod(0o777 & ~_umask())
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder: {exc.strerror}") from None
    try:
        yield tmp
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary sibling, so a failure leaves no partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def copy_file(source: str | Path, target: str | Path) -> Path:
    """Copy ``source`` to ``target`` through a temporary sibling."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
