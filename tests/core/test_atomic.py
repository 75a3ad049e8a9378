"""Atomic writes: all or nothing, and ordinary file modes."""

from __future__ import annotations

import os
import stat

import pytest

from core.atomic import atomic_path, write_text_atomic


def test_interrupted_write_keeps_the_previous_version(tmp_path) -> None:
    path = write_text_atomic(tmp_path / "a.json", "good")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert path.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary file left behind


def test_written_files_get_the_umask_mode(tmp_path) -> None:
    mask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "b.csv", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044  # readable by group and others


def test_the_file_is_synced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch) -> None:
    import core.atomic

    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(core.atomic, "FSYNC", True)
    monkeypatch.setattr(
        os, "fsync", lambda fd: (events.append("dir" if _is_dir(fd) else "file"), real_fsync(fd))
    )
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b)))
    write_text_atomic(tmp_path / "c.txt", "x")
    assert events == ["file", "replace", "dir"]

    events.clear()
    monkeypatch.setattr(core.atomic, "FSYNC", False)  # SEQNETQUAKE_FSYNC=0
    write_text_atomic(tmp_path / "c.txt", "y")
    assert events == ["replace"] and (tmp_path / "c.txt").read_text() == "y"


def _is_dir(fd: int) -> bool:
    return stat.S_ISDIR(os.fstat(fd).st_mode)
