"""Disk caches: a corrupt cache is set aside and rebuilt, a damaged entry is a miss, a sound one is kept."""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import threading
import time

import numpy as np
import pytest

from core.cache import SafeCache, cache_problem, open_cache

BIG = np.arange(20_000, dtype=np.float64)  # 160 kB pickled: stored in its own value file, not in cache.db


def _value_files(folder):
    return [p for p in folder.rglob("*.val")]


def test_healthy_cache_reopened_keeps_its_entries(tmp_path) -> None:
    folder = tmp_path / "cache" / "event-analysis"
    cache = open_cache(folder, work_dir=tmp_path, size_limit=2**30)
    assert isinstance(cache, SafeCache)
    cache.set("small", {"a": 1.5})
    cache.set("big", BIG)
    cache.close()
    assert cache_problem(folder) is None
    again = open_cache(folder, work_dir=tmp_path, size_limit=2**30)
    assert again.get("small") == {"a": 1.5}
    np.testing.assert_array_equal(again.get("big"), BIG)
    assert again.size_limit == 2**30
    assert [p.name for p in tmp_path.joinpath("cache").iterdir() if "corrupt" in p.name] == []
    again.close()


def test_garbage_over_cache_db_is_detected_and_rebuilt(tmp_path, caplog) -> None:
    folder = tmp_path / "cache" / "event-analysis"
    cache = open_cache(folder, work_dir=tmp_path)
    cache.set("key", "value")
    cache.close()
    (folder / "cache.db").write_bytes(np.random.default_rng(0).bytes(8192))
    assert "cache.db" in cache_problem(folder)
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        rebuilt = open_cache(folder, work_dir=tmp_path)
    assert rebuilt.get("key") is None and len(rebuilt) == 0  # empty, usable
    rebuilt.set("key", "new")
    assert rebuilt.get("key") == "new"
    aside = [p for p in folder.parent.iterdir() if p.name.startswith("event-analysis.corrupt-")]
    assert len(aside) == 1 and (aside[0] / "cache.db").read_bytes()[:16] != b"SQLite format 3\x00"
    message = caplog.text
    assert "cache/event-analysis" in message and str(tmp_path) not in message  # relative, not absolute
    rebuilt.close()


def test_cache_db_failing_the_integrity_check_is_rebuilt(tmp_path) -> None:
    folder = tmp_path / "jobs"
    cache = open_cache(folder)
    for k in range(300):
        cache.set(f"k{k}", "x" * 200)
    cache.close()
    db = folder / "cache.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, page):  # scribble over every page but the header page
        data[start + 8 : start + 200] = b"\xff" * 192
    db.write_bytes(bytes(data))
    assert cache_problem(folder) is not None
    rebuilt = open_cache(folder)
    assert len(rebuilt) == 0
    assert any(p.name.startswith("jobs.corrupt-") for p in tmp_path.iterdir())
    rebuilt.close()


def test_truncated_value_file_is_a_miss_not_an_exception(tmp_path, caplog) -> None:
    cache = open_cache(tmp_path / "c")
    cache.set("big", BIG)
    cache.set("other", BIG + 1)
    (path,) = [p for p in _value_files(tmp_path / "c") if pickle.loads(p.read_bytes())[0] == 0.0]
    path.write_bytes(path.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("big") is None
        assert cache.get("big", default="miss") == "miss"
    assert "big" not in cache  # the bad entry is gone, its file removed
    assert not path.exists()
    assert "unreadable entry" in caplog.text
    with pytest.raises(KeyError):
        cache["big"]
    np.testing.assert_array_equal(cache.get("other"), BIG + 1)  # the sound entry is untouched
    assert cache.get("gone", expire_time=True, tag=True) == (None, None, None)
    cache.close()


def test_missing_value_file_and_bad_pickle_are_misses(tmp_path) -> None:
    cache = open_cache(tmp_path / "c")
    cache.set("big", BIG)
    (path,) = _value_files(tmp_path / "c")
    path.unlink()
    assert cache.get("big", expire_time=True) == (None, None)
    assert "big" not in cache
    # a small value lives inside cache.db: a pickle naming a class that no longer exists
    cache.set("small", b"placeholder")
    cache._sql("UPDATE Cache SET mode = 4, value = ? WHERE mode = 1", (sqlite3.Binary(b"cnope\nGone\n."),))
    assert cache.get("small") is None and "small" not in cache
    cache.set("p", 1)
    cache._sql("UPDATE Cache SET mode = 4, value = ?", (sqlite3.Binary(b"\x80\x05garbage"),))
    assert cache.pop("p", default=-1) == -1
    cache.close()


def test_safe_cache_survives_pickling_like_dash_jobs_do(tmp_path) -> None:
    cache = open_cache(tmp_path / "dash-jobs")
    cache.set("k", [1, 2])
    clone = pickle.loads(pickle.dumps(cache))
    assert isinstance(clone, SafeCache) and clone.get("k") == [1, 2]
    clone.close()
    cache.close()


def test_a_process_forked_while_other_threads_use_the_cache_can_use_it(tmp_path) -> None:
    """The dashboard's local job manager forks its threaded server for each job: a child forked while
    another thread was inside SQLite used to hang on its first cache read (about every other fork)."""
    cache = open_cache(tmp_path / "jobs")
    cache.set("result", b"x" * 1000)
    stop = threading.Event()

    def serve() -> None:  # a threaded server: a short-lived thread per request (write progress, poll)
        i = 0
        while not stop.is_set():
            request = threading.Thread(
                target=lambda i=i: (cache.set(f"progress-{i % 50}", i), cache.get("result"))
            )
            request.start()
            request.join()
            i += 1

    threads = [threading.Thread(target=serve) for _ in range(2)]
    for thread in threads:
        thread.start()
    outcomes = []
    try:
        for _ in range(30):
            pid = os.fork()
            if pid == 0:  # the job: a fresh connection to the same cache, then the inherited handle
                code = 1
                try:
                    code = 0 if SafeCache(str(tmp_path / "jobs")).get("result") == cache.get("result") else 1
                finally:
                    os._exit(code)  # never back into pytest
            outcomes.append(_wait_or_kill(pid, timeout_s=10))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert outcomes == ["read the result"] * 30


def _wait_or_kill(pid: int, timeout_s: float) -> str:
    """What a forked child did: exit having read the result, exit otherwise, or hang (killed after
    ``timeout_s``: a deadlocked child never exits, a sound one exits in milliseconds)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "read the result" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        time.sleep(0.005)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return "hung"
