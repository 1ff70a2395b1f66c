"""Writing files and folders all at once: a temporary sibling, moved into place only when complete.

Every output of the package (run folders, maps, charts, reports, comparison and sweep
folders) goes through here, so a failure never leaves a half-written file or folder behind
and the previous good output stays where it was:

- a folder is written as a hidden sibling ``.<name>.<pid>-<random>.tmp`` and exchanged with
  the old one in one step (Linux ``renameat2(RENAME_EXCHANGE)``), so there is no moment in
  which the folder does not exist, and two writers to one folder leave one complete output;
- a file is written as ``.<name>.<pid>-<random>.tmp`` and renamed over the old one;
- an error of the operating system (a full disk, a read-only place) becomes an
  :class:`~aggregates.errors.OutputError` naming the path as the user gave it and the reason;
- temporary siblings left by a run that crashed or was killed are removed at the next write
  to the same place; those of a process still running are left alone (the PID in the name).
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from aggregates.errors import AggregatesError, InputError, OutputError
from aggregates.interrupts import raise_if_interrupted

log = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "ppc64le": 357, "s390x": 347, "riscv64": 276}
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP)
_LOW_SPACE = 256 * 1024  # bytes free below which a library's write error is taken for a full disk
_LEGACY_AGE = 3600.0  # seconds after which a temporary name without a PID (older versions) is stale


def check_out_dir(out_dir: str | Path, option: str = "--out") -> None:
    """Fail early, before any solving, when the folder ``out_dir`` cannot be written.

    Really tries: creates and removes a temporary file where the folder would go, which
    catches read-only mounts and permissions even for root, for whom ``os.access`` says yes.

    Parameters
    ----------
    out_dir
        The output folder, existing or not.
    option
        How the user gave it, named in the message (``--out``, ``outputs.maps_dir``).

    Raises
    ------
    OutputError
        When ``out_dir`` is a file, a parent is a file, or the place is not writable.
    """
    shown = Path(out_dir)
    if shown.exists() and not shown.is_dir():
        raise OutputError(shown, "is a file, not a folder", f"choose another {option}")
    _check_place(shown, option)


def check_keeps_inputs(out_dir: str | Path, inputs: Iterable[str | Path | None], option: str = "--out") -> None:
    """Fail early when writing the folder ``out_dir`` would destroy an input of the command.

    A folder is written whole and replaces what was there, so ``out_dir`` must be neither one of
    ``inputs`` (a run folder, a region folder, a config file) nor a folder that holds one.

    Raises
    ------
    InputError
        Naming the input that would be lost.
    """
    target = _target(Path(out_dir)).resolve()
    for given in inputs:
        if given is None:
            continue
        path = Path(given).resolve()
        if path == target or target in path.parents:
            held = "is" if path == target else "holds"
            raise InputError(
                f"{option} {out_dir}: {held} {given}, which this command reads, and writing the output replaces "
                "that folder whole; give another folder"
            )


def check_out_file(path: str | Path, option: str = "--out", example: str = "map.html") -> None:
    """Fail early, before any solving, when the file ``path`` cannot be written (``example``: a file name to suggest).

    The file must end as ``example`` does (``.html``, ``.mps``, ...): a name of another kind, such as a
    run folder's ``flows.csv``, would be overwritten with something else.

    Raises
    ------
    OutputError
        When ``path`` is a folder, ends otherwise than ``example``, a parent is a file, or the place is not
        writable.
    """
    shown = Path(path)
    if shown.is_dir():
        raise OutputError(shown, "is a folder, not a file", f"give {option} a file name, e.g. {shown / example}")
    wanted = _KINDS.get(Path(example).suffix, (Path(example).suffix,))
    if shown.suffix.lower() not in wanted:
        raise OutputError(
            shown, f"not a {wanted[0]} file name", f"give {option} a name ending in {wanted[0]}, e.g. {example}"
        )
    _check_place(shown, option)


_KINDS = {".yaml": (".yaml", ".yml"), ".html": (".html", ".htm")}  # the endings a kind of file may have


def _check_place(shown: Path, option: str) -> None:
    target = _target(shown)
    clean_stale(target)
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(shown, f"cannot be created: {parent} is a file", f"choose another {option}")
    try:
        fd, probe = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(shown, f"cannot write in {parent}: {_reason(exc)}", f"choose another {option}") from None


@contextmanager
def atomic_folder(out_dir: str | Path) -> Iterator[Path]:
    """Yield a new temporary sibling folder of ``out_dir`` that replaces ``out_dir`` when the block succeeds.

    On any error, or an interrupt, the temporary folder (and any parent folder made for it)
    is removed and ``out_dir`` is left as it was.

    Raises
    ------
    OutputError
        When the folder cannot be written (an ``OSError`` in the block, or a library's write
        error on a full disk), naming the file as it would lie in ``out_dir`` and the reason.
    """
    shown = Path(out_dir)
    if _target(shown).exists() and not _target(shown).is_dir():
        raise OutputError(shown, "is a file, not a folder", "choose another output folder")
    with _in_place(shown, _new_folder, _swap_into_place, _remove) as tmp:
        yield tmp


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of the file ``path`` to write, moved over ``path`` when the block succeeds.

    For libraries that write to a path themselves; on any error the temporary file is removed
    and ``path`` is left as it was.

    Raises
    ------
    OutputError
        As for :func:`atomic_folder`; also when ``path`` is a folder.
    """
    shown = Path(path)
    target = _target(shown)
    if target.is_dir():
        raise OutputError(shown, "is a folder, not a file", f"give a file name, e.g. {shown / target.name}.html")
    with _in_place(shown, _new_file, os.replace, lambda tmp: tmp.unlink(missing_ok=True)) as tmp:
        yield tmp


@contextmanager
def _in_place(
    shown: Path,
    make: Callable[[Path], Path],
    install: Callable[[Path, Path], None],
    discard: Callable[[Path], None],
) -> Iterator[Path]:
    """The one write protocol: stale siblings cleaned, a temporary made next to the target, installed
    over it when the block succeeds, discarded (with the parents made for it) when anything fails."""
    target = _target(shown)
    note = f"{shown} left as it was" if target.exists() else "nothing written"
    clean_stale(target)
    made, tmp = [], None
    try:
        made = _make_parents(target.parent)
        tmp = make(target)
        yield tmp
        raise_if_interrupted()  # an interrupt whose exception a library dropped must not publish
        install(tmp, target)
    except BaseException as exc:
        error = _output_error(exc, tmp or target.parent, shown, note)
        if tmp is not None:
            discard(tmp)
        _unmake(made)
        if error is not None:
            raise error from None
        raise


def _new_folder(target: Path) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent))
    tmp.chmod(0o777 & ~_umask())
    return tmp


def _new_file(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.chmod(0o666 & ~_umask())
    return tmp


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary sibling, so a failure leaves no partial file."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary sibling, so a failure leaves no partial file."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def copy_file(source: str | Path, target: str | Path) -> Path:
    """Copy ``source`` to ``target`` through a temporary sibling."""
    with atomic_file(target) as tmp:
        shutil.copyfile(source, tmp)
    return Path(target)


def clean_stale(target: str | Path) -> list[Path]:
    """Remove the temporary siblings of ``target`` left by runs that crashed or were killed.

    A sibling named with the PID of a process still running is another writer at work and is
    kept; names without a PID (written by older versions) are removed once an hour old.

    Returns
    -------
    list of Path
        What was removed.
    """
    target = Path(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []
    removed = []
    for entry in entries:
        if _is_stale(entry, target.name):
            _remove(Path(entry.path))
            removed.append(Path(entry.path))
    if removed:
        log.info("removed %d temporary leftovers of %s", len(removed), target)
    return removed


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}-"


def _is_stale(entry: os.DirEntry, name: str) -> bool:
    stem = re.escape(name)
    owned = re.fullmatch(rf"\.{stem}\.(\d+)-[a-z0-9_]{{8}}\.tmp|\.{stem}\.old-(\d+)", entry.name)
    if owned:
        return not _alive(int(owned.group(1) or owned.group(2)))
    if re.fullmatch(rf"\.{stem}(\.[a-z0-9_]{{8}})?\.tmp", entry.name):
        try:
            return time.time() - entry.stat(follow_symlinks=False).st_mtime > _LEGACY_AGE
        except OSError:
            return False
    return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except (OverflowError, ValueError):
        return False
    return True


def _target(path: Path) -> Path:
    # Resolve the parent (symlinks, ..) but not the last part: the output replaces what is named.
    absolute = Path(os.path.abspath(path))
    return absolute.parent.resolve() / absolute.name


def _make_parents(folder: Path) -> list[Path]:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    made = []
    try:
        for each in reversed(missing):
            each.mkdir()
            made.append(each)
    except BaseException:
        _unmake(made)
        raise
    return made


def _unmake(made: list[Path]) -> None:
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            return


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__).lower()


def _output_error(exc: BaseException, tmp: Path, shown: Path, note: str) -> OutputError | None:
    """The error to report for ``exc`` raised while writing ``tmp`` (to become ``shown``), or None to re-raise."""
    if isinstance(exc, OutputError):
        return OutputError(_shown(exc.path, tmp, shown), exc.reason, note)
    if isinstance(exc, OSError):
        return OutputError(_shown(exc.filename, tmp, shown), _reason(exc), note)
    if isinstance(exc, Exception) and not isinstance(exc, AggregatesError) and _disk_full(exc, tmp):
        return OutputError(shown, "no space left on device", note)
    return None


def _shown(path, tmp: Path, shown: Path) -> Path:
    """``path`` as the user will know it: inside ``shown`` rather than its temporary sibling."""
    if path is None:
        return shown
    path = Path(os.fsdecode(path))
    try:
        rest = _target(path).relative_to(tmp)
    except ValueError:
        return path
    return shown / rest if rest.parts else shown


def _disk_full(exc: Exception, tmp: Path) -> bool:
    # Libraries that write through C (GDAL, SQLite) raise their own errors on a full disk.
    text = str(exc).lower()
    if "no space left" in text or "disk is full" in text:
        return True
    try:
        usage = shutil.disk_usage(tmp if tmp.exists() else tmp.parent)
    except OSError:
        return False
    return usage.free < _LOW_SPACE


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Put the complete folder ``tmp`` at ``target`` in one step, then remove what was there."""
    while True:
        try:
            _renameat2(tmp, target, _RENAME_EXCHANGE)
        except FileNotFoundError:
            try:
                _renameat2(tmp, target, _RENAME_NOREPLACE)
                return
            except FileExistsError:
                continue  # another writer put one there meanwhile: exchange with it
            except OSError as exc:
                if exc.errno not in _UNSUPPORTED:
                    raise
                tmp.rename(target)
                return
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED:
                raise
            _two_renames(tmp, target)
            return
        else:
            _remove(tmp)  # now holds the previous output
            return


def _two_renames(tmp: Path, target: Path) -> None:
    # Filesystems without an exchange (some network ones): a short moment without ``target``.
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    _remove(old)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    _remove(old)


def _renameat2(source: Path, target: Path, flags: int) -> None:
    call = _renameat2_call()
    if call is None:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS), str(source), None, str(target))
    result = call(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(source), None, str(target))


@cache
def _renameat2_call():
    """libc's ``renameat2`` (glibc 2.28+), else the raw system call; None off Linux."""
    if platform.system() != "Linux":
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    arguments = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    wrapper = getattr(libc, "renameat2", None)
    if wrapper is not None:
        wrapper.argtypes, wrapper.restype = arguments, ctypes.c_int
        return wrapper
    number = _SYS_RENAMEAT2.get(platform.machine())
    if number is None:
        return None
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    return lambda *args: syscall(
        ctypes.c_long(number), *(kind(value) for kind, value in zip(arguments, args, strict=True))
    )
