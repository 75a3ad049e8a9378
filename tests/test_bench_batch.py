"""bench/bench_batch.py: validation-only comparison of batch sizes, resumable (docs/models.md, "Batch size
and device")."""

from __future__ import annotations

import sys

from bench import bench_batch
from core.datasets import write_samples
from tests.core.models.make_samples import make_samples


def _table(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("cnn ")]


def _run(monkeypatch, capsys, *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["bench_batch", *args])
    bench_batch.main()
    return capsys.readouterr().out


def test_batches_are_compared_on_validation_and_a_rerun_reuses_the_fits(tmp_path, monkeypatch, capsys):
    data = tmp_path / "samples.nc"
    ds = make_samples(40, 20, seed=2, signal=1.5)
    write_samples(ds, data)
    args = [str(data), "--models", "cnn", "--batches", "16", "--seeds", "0", "--device", "cpu"]
    args += ["--n-boot", "50", "--out", str(tmp_path / "fits")]
    out = _run(monkeypatch, capsys, *args)
    assert "2 fits, 0 already" in out and "validation split only" in out
    rows = {line.split()[1]: line.split() for line in out.splitlines() if line.startswith("cnn ")}
    assert set(rows) == {"16", "64"}  # the reference batch is always fitted
    assert rows["64"][5] == "+0.000"  # the reference against itself: no difference
    assert len(list((tmp_path / "fits").glob("*.pkl"))) == 2
    again = _run(monkeypatch, capsys, *args)
    assert "2 fits, 2 already" in again
    assert _table(again) == _table(out)  # the stored fits give the same figures
