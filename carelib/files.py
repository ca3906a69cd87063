"""Writing run outputs safely: whole files or nothing, unique temporary names, ordinary permissions.

Every file carelib writes under ``runs/``, ``out/`` and the step cache goes through here:

* a temporary file with a name no other process or thread can pick (``mkstemp``) in the
  target's folder, then ``os.replace``: readers see the old file or the new one, two runs
  never write into one temporary file, and a failed write (a full disk) leaves no partial
  file and no temporary one behind;
* the mode a plain ``open()`` would give, ``0666`` less the process's umask (``mkstemp``
  alone makes ``0600`` files that colleagues sharing a report folder cannot read).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["write_atomic", "copy_atomic", "append_line", "file_mode"]

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (``/proc``)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:  # elsewhere: read-and-restore (briefly 0 for this process)
        old = os.umask(0o022)
        os.umask(old)
    return old


def file_mode() -> int:
    """Mode of a new ordinary file: ``0o666`` less the umask (``0o644`` with the usual ``022``).

    Examples
    --------
    >>> oct(file_mode() & 0o600)
    '0o600'
    """
    return 0o666 & ~_umask()


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[int]:
    """A unique temporary file beside ``path`` (its descriptor); on success it gets ordinary
    permissions, is synced and replaces ``path``; on any failure it is removed and ``path`` kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        yield fd
        os.fchmod(fd, file_mode())
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` whole, or raise and leave ``path`` as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(d / "a.txt", "hello").read_text()
    'hello'
    >>> sorted(p.name for p in d.iterdir())  # no temporary file left
    ['a.txt']
    """
    path = Path(path)
    view = memoryview(data.encode("utf-8") if isinstance(data, str) else data)
    with _replacing(path) as fd:
        while view:
            view = view[os.write(fd, view):]
    return path


def copy_atomic(source: str | Path, target: str | Path) -> Path:
    """Copy ``source`` to ``target`` through a unique temporary file (see :func:`write_atomic`)."""
    target = Path(target)
    with _replacing(target) as fd, open(source, "rb") as src:
        while chunk := src.read(1 << 20):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
    return target


def append_line(path: str | Path, line: str) -> None:
    """Append one line with a single ``write`` on an ``O_APPEND`` descriptor (concurrent runs do not interleave)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)  # the umask applies
    try:
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        if os.write(fd, data) != len(data):
            raise OSError(f"short write appending to {path}")
    finally:
        os.close(fd)
