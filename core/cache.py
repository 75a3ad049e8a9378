"""Disk caches that survive damage: a corrupt cache is set aside and rebuilt, a bad entry is a miss.

The dashboard keeps rebuildable results in :mod:`diskcache` folders (``<cache_dir>/event-analysis``, the
background-job store ``<cache_dir>/dash-jobs``). :func:`open_cache` opens one of them after checking it:
when its SQLite file ``cache.db`` cannot be opened, is not a database or fails ``PRAGMA
integrity_check``, the folder is renamed to ``<folder>.corrupt-<UTC time>`` (kept for inspection; a
warning names it relative to the work directory) and an empty cache is created in its place.

The returned :class:`SafeCache` never serves a damaged value: a read whose value file is missing or
truncated, or whose pickle cannot be loaded (e.g. a class that no longer exists), deletes the key and
counts as a miss. A database that goes bad while the process runs makes reads misses and writes no-ops
(with a warning) until the next :func:`open_cache` rebuilds it.

SQLite is not fork-safe: a process forked while another of its threads is inside SQLite inherits that
thread's SQLite mutexes locked, and its first SQLite call hangs for ever. The dashboard's local job
manager forks the threaded server for every job, so a :class:`SafeCache` keeps one connection per process
(not diskcache's one per thread, which a finishing request thread closes at any moment), and every SQLite
call of this module runs under one process-wide lock, which :func:`os.fork` also takes: a fork waits until
no thread is inside SQLite. A transaction holds the lock from ``BEGIN`` to ``COMMIT``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import diskcache

__all__ = ["CorruptValueError", "SafeCache", "cache_problem", "open_cache"]

log = logging.getLogger(__name__)

DB_NAME = "cache.db"  # diskcache.core.DBNAME
_CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")

#: held by every SQLite call of this module's caches, and by ``os.fork`` (see the module docstring)
_SQLITE_LOCK = threading.RLock()


def _reset_lock_in_child() -> None:
    global _SQLITE_LOCK
    _SQLITE_LOCK = threading.RLock()  # the forking thread held it; the child has no other thread


os.register_at_fork(
    before=lambda: _SQLITE_LOCK.acquire(),
    after_in_parent=lambda: _SQLITE_LOCK.release(),
    after_in_child=_reset_lock_in_child,
)


class _Rows:
    """The rows of a statement, fetched while the lock was held (diskcache only calls ``fetchall``)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows


class CorruptValueError(Exception):
    """A cached value that cannot be read back (missing/truncated file, bad pickle). Deliberately not an
    ``OSError``: diskcache swallows those and would keep the bad key."""


class CheckedDisk(diskcache.Disk):
    """diskcache's default serialisation, with every failure to read a value raised as
    :class:`CorruptValueError`."""

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        try:
            return super().fetch(mode, filename, value, read)
        except Exception as exc:  # missing file, EOFError, UnpicklingError, ImportError …
            raise CorruptValueError(f"{type(exc).__name__}: {exc}") from exc


def _is_corrupt_db(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = str(getattr(exc, "sqlite_errorname", ""))
    if name:
        return name.startswith(_CORRUPT_CODES)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


class SafeCache(diskcache.Cache):
    """A :class:`diskcache.Cache` whose reads treat damaged entries (and a damaged database) as misses.

    Same constructor as ``diskcache.Cache`` (it pickles the same way: Dash hands it to job processes);
    the default ``disk`` is :class:`CheckedDisk`.
    """

    def __init__(
        self, directory: str | None = None, timeout: float = 60, disk: type = CheckedDisk, **settings: Any
    ) -> None:
        self._shared_con: sqlite3.Connection | None = None
        self._con_pid: int | None = None
        super().__init__(directory, timeout, disk, **settings)

    @property
    def _con(self) -> sqlite3.Connection:
        """One connection per process, shared by its threads under the lock (diskcache opens one per
        thread, and a thread that ends closes its connection outside any lock)."""
        with _SQLITE_LOCK:
            if self._con_pid != os.getpid():  # first use, or a forked child: it opens its own
                self._shared_con = sqlite3.connect(
                    os.path.join(self.directory, DB_NAME),
                    timeout=self._timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
                self._con_pid = os.getpid()
                self._apply_sqlite_settings()
            assert self._shared_con is not None
            return self._shared_con

    def _apply_sqlite_settings(self) -> None:
        """Re-apply the per-connection ``sqlite_*`` pragmas stored in the Settings table (as diskcache does
        for each new connection); before the table exists there are none."""
        try:
            rows = self._sql("SELECT key, value FROM Settings").fetchall()
        except sqlite3.OperationalError:
            return
        for key, value in rows:
            if key.startswith("sqlite_"):
                self.reset(key, value, update=False)

    @property
    def _sql(self) -> Callable[..., _Rows]:
        con = self._con

        def execute(*args: Any, **kwargs: Any) -> _Rows:
            with _SQLITE_LOCK:
                return _Rows(con.execute(*args, **kwargs).fetchall())

        return execute

    @contextlib.contextmanager
    def _transact(self, retry: bool = False, filename: str | None = None) -> Iterator[Any]:
        with _SQLITE_LOCK, super()._transact(retry, filename) as transaction:
            yield transaction

    def close(self) -> None:
        """Close this process's connection (the next use opens a new one)."""
        with _SQLITE_LOCK:
            if self._shared_con is not None and self._con_pid == os.getpid():
                self._shared_con.close()
            self._shared_con = None
            self._con_pid = None

    def _miss(self, default: Any, expire_time: bool, tag: bool) -> Any:
        if expire_time and tag:
            return (default, None, None)
        if expire_time or tag:
            return (default, None)
        return default

    def _drop(self, key: Any, exc: BaseException) -> None:
        log.warning("cache %s: dropped an unreadable entry (%s)", Path(self.directory).name, exc)
        with contextlib.suppress(Exception):
            self.delete(key)

    def get(
        self,
        key: Any,
        default: Any = None,
        read: bool = False,
        expire_time: bool = False,
        tag: bool = False,
        retry: bool = False,
    ) -> Any:
        """``diskcache.Cache.get``; an unreadable value is deleted and returned as ``default``."""
        try:
            return super().get(key, default, read, expire_time, tag, retry)
        except CorruptValueError as exc:
            self._drop(key, exc)
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt_db(exc):
                raise
            log.warning("cache %s: database damaged (%s); reads miss until reopened", self._name, exc)
        return self._miss(default, expire_time, tag)

    def pop(
        self,
        key: Any,
        default: Any = None,
        expire_time: bool = False,
        tag: bool = False,
        retry: bool = False,
    ) -> Any:
        """``diskcache.Cache.pop``; an unreadable value is deleted and returned as ``default``."""
        try:
            return super().pop(key, default, expire_time, tag, retry)
        except CorruptValueError as exc:
            self._drop(key, exc)
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt_db(exc):
                raise
            log.warning("cache %s: database damaged (%s); reads miss until reopened", self._name, exc)
        return self._miss(default, expire_time, tag)

    def set(self, key: Any, value: Any, *args: Any, **kwargs: Any) -> bool:
        """``diskcache.Cache.set``; False (nothing stored) when the database is damaged."""
        try:
            return super().set(key, value, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt_db(exc):
                raise
            log.warning("cache %s: database damaged (%s); value not stored", self._name, exc)
            return False

    @property
    def _name(self) -> str:
        return Path(self.directory).name


def _shown(folder: Path, work_dir: str | os.PathLike[str] | None) -> str:
    """``folder`` relative to the work directory (never an absolute path in a log)."""
    if work_dir is not None:
        with contextlib.suppress(ValueError):
            return Path(os.path.abspath(folder)).relative_to(os.path.abspath(work_dir)).as_posix()
    return folder.name


def cache_problem(folder: str | os.PathLike[str], timeout: float = 60) -> str | None:
    """Why the diskcache at ``folder`` cannot be used (its ``cache.db`` is unreadable, not a database or
    fails ``PRAGMA integrity_check``), or None when it is sound or absent. A busy (locked) database is
    not a problem."""
    folder = Path(folder)
    db = folder / DB_NAME
    if folder.exists() and not folder.is_dir():
        return f"{folder.name} is not a folder"
    if not db.exists():
        return None
    if not db.is_file():
        return f"{DB_NAME} is not a file"
    with _SQLITE_LOCK:
        return _db_problem(db, timeout)


def _db_problem(db: Path, timeout: float) -> str | None:
    try:
        con = sqlite3.connect(str(db), timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        return f"{DB_NAME} cannot be opened ({exc})"
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if _is_corrupt_db(exc) or not isinstance(exc, sqlite3.OperationalError):
            return f"{DB_NAME}: {exc}"
        return None  # locked / busy: another process is writing a sound cache
    finally:
        con.close()
    if rows != [("ok",)]:
        detail = "; ".join(str(r[0]) for r in rows[:3])
        return f"{DB_NAME} fails the integrity check ({detail})"
    return None


def _set_aside(folder: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = folder.with_name(f"{folder.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = folder.with_name(f"{folder.name}.corrupt-{stamp}-{n}")
    folder.rename(aside)
    return aside


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Serialise check-and-rebuild between processes opening the same cache (POSIX; elsewhere a no-op)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def open_cache(
    folder: str | os.PathLike[str],
    *,
    work_dir: str | os.PathLike[str] | None = None,
    timeout: float = 60,
    **settings: Any,
) -> SafeCache:
    """Open (creating it when absent) the diskcache at ``folder`` as a :class:`SafeCache`; a corrupt one
    is renamed to ``<folder>.corrupt-<UTC time>`` and replaced by an empty cache, with a warning naming
    the folder relative to ``work_dir``. ``settings`` are diskcache settings (``size_limit`` …)."""
    folder = Path(folder)
    with _folder_lock(folder):
        problem = cache_problem(folder, timeout)
        if problem is None:
            try:
                return SafeCache(str(folder), timeout, **settings)
            except sqlite3.DatabaseError as exc:
                if not _is_corrupt_db(exc):
                    raise
                problem = f"{DB_NAME}: {exc}"
        aside = _set_aside(folder)
        log.warning(
            "disk cache %s is corrupt (%s): moved aside to %s and rebuilt empty",
            _shown(folder, work_dir),
            problem,
            _shown(aside, work_dir),
        )
        return SafeCache(str(folder), timeout, **settings)
