"""Atomic, durable file writes: a temporary file in the target's folder, fsync, then ``os.replace``.

An interrupted write (an exception, or the process killed outright) leaves the previous version of the
file intact; readers never see half a file. The temporary file is flushed to disk before the rename and
the folder after it (POSIX), so a power cut cannot leave a renamed but empty file either
(``SEQNETQUAKE_FSYNC=0`` skips the two syncs, e.g. on a scratch disk). A process killed mid-write leaves
its hidden temporary file (``.<name>.<8 random chars>.tmp``) behind: nothing reads it, and the next
atomic write into the same folder removes those untouched for :data:`STALE_TEMP_AGE_S` seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "STALE_TEMP_AGE_S",
    "TEMP_FILE_RE",
    "atomic_path",
    "fsync_dir",
    "fsync_file",
    "remove_stale_temps",
    "write_text_atomic",
]

STALE_TEMP_AGE_S = 3600.0
"""A temporary file not modified for this long (s) belongs to a dead writer and may be removed."""

TEMP_FILE_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
"""Names :func:`atomic_path` gives its temporary files (``tempfile.mkstemp`` with our prefix/suffix)."""

FSYNC = os.environ.get("SEQNETQUAKE_FSYNC", "1").strip() not in ("0", "false", "no")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush ``path``'s data to disk (the file may have been written and closed by any library); a no-op
    when ``SEQNETQUAKE_FSYNC=0``."""
    if not FSYNC:
        return
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename into it) to disk; a no-op where folders cannot be synced (and
    when ``SEQNETQUAKE_FSYNC=0``)."""
    if not FSYNC or os.name == "nt":  # pragma: no cover - Windows has no directory handles to sync
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems (network mounts) refuse to sync a directory: nothing to do
        pass
    finally:
        os.close(fd)


def remove_stale_temps(
    folder: str | os.PathLike[str],
    *,
    max_age_s: float = STALE_TEMP_AGE_S,
    pattern: re.Pattern[str] = TEMP_FILE_RE,
    dirs: bool = False,
) -> list[Path]:
    """Remove the temporary files (``dirs=True``: folders) in ``folder`` whose names match ``pattern``
    and that were not modified for ``max_age_s`` seconds — what killed writers left behind. Returns the
    removed paths; never raises (a file another process removes first is skipped)."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = os.scandir(folder)
    except OSError:
        return removed
    with entries:
        for entry in entries:
            if not pattern.match(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False) != dirs or entry.is_symlink():
                    continue
                if now - entry.stat(follow_symlinks=False).st_mtime < max_age_s:
                    continue
                if dirs:
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success sync it and rename it onto ``path``.

    The caller writes the whole file to the yielded path (with any library) and closes it. On an
    exception the temporary file is removed and ``path`` is left untouched. Stale temporary files of
    killed writers in the same folder are removed first (see :func:`remove_stale_temps`).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the mode a plain open() would
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
