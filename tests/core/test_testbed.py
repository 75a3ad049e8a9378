"""core.testbed: chunk plan, chunks recorded and skipped on rerun, interrupted chunk regenerated, spec
mismatch error, atomic manifest, the CLI command; one real (tiny) generate + index run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

import core.synthetic.generator as generator
from core import testbed as tb
from core.cli import app
from core.testbed import TestbedSpec, TestbedSpecError, build_testbed, plan_chunks

TINY = (("CSES-01", "2021-06-29", "2021-07-02"),)  # two chunks: 2 days of June, 2 days of July


class _Default(float):
    """The fake generator's default difficulty (told apart from a value passed explicitly)."""


DEFAULT_DIFFICULTY = _Default(0.4)


class FakeGenerator:
    """Stands in for generate_archive: one small file per UTC day, every call recorded."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[tuple[str, pd.Timestamp, pd.Timestamp, dict]] = []
        self.fail_on = fail_on

    def __call__(self, satellite, start, end, out_dir, *, difficulty=DEFAULT_DIFFICULTY, **kw):
        if difficulty is not DEFAULT_DIFFICULTY:
            kw["difficulty"] = difficulty
        self.calls.append((satellite, pd.Timestamp(start), pd.Timestamp(end), kw))
        n = 0
        for day in pd.date_range(start, pd.Timestamp(end) - pd.Timedelta(days=1), freq="D"):
            folder = Path(out_dir) / satellite / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "pass.bin").write_bytes(b"x" * 10)
            n += 1
            if self.fail_on is not None and len(self.calls) == self.fail_on:
                raise KeyboardInterrupt  # killed half-way through the chunk
        return SimpleNamespace(n_files=n, bytes=10 * n, seconds=0.01, n_half_orbits=n)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeGenerator:
    gen = FakeGenerator()
    monkeypatch.setattr(generator, "generate_archive", gen)
    return gen


def _spec(**kw: object) -> TestbedSpec:
    return TestbedSpec(spans=TINY, datasets=(), **kw)


def _build(spec: TestbedSpec, out: Path, **kw: object) -> tb.TestbedReport:
    return build_testbed(spec, out, workers=1, progress=False, catalog=pd.DataFrame(), **kw)


def test_protocol_chunks_are_calendar_months_clipped_to_the_spans() -> None:
    chunks = plan_chunks(TestbedSpec())
    cses = [c for c in chunks if c.satellite == "CSES-01"]
    demeter = [c for c in chunks if c.satellite == "DEMETER"]
    assert (cses[0].start, cses[0].end) == (pd.Timestamp("2018-02-02"), pd.Timestamp("2018-03-01"))
    assert cses[-1].key == "CSES-01/2025-12-01/2026-01-01"
    assert any(c.end == pd.Timestamp("2023-11-05") for c in cses)  # 2023-11-04 included
    assert len(cses) == 70 + 12 and len(demeter) == 6 * 12 - 6 + 11
    assert demeter[-1].key == "DEMETER/2010-11-01/2010-12-01"
    picked = plan_chunks(TestbedSpec(satellites=("CSES-01",), start="2021-07-01", end="2021-08-01"))
    assert [c.key for c in picked] == ["CSES-01/2021-07-01/2021-08-01"]
    assert sum(c.days for c in plan_chunks(TestbedSpec(spans=TINY))) == 4


def test_defaults_region_and_datasets() -> None:
    from core.datasets import load_configs
    from core.demo import DemoSpec
    from core.experiments import PAPER_SUITE_CONFIGS

    assert TestbedSpec().region == tb.WESTERN_PACIFIC == DemoSpec().region
    assert load_configs()["demo"].bbox == tb.WESTERN_PACIFIC
    names = tb.testbed_datasets()
    assert set(PAPER_SUITE_CONFIGS) <= set(names) and {"cses-background", "demeter-background"} <= set(names)
    with pytest.raises(ValueError, match="satellite"):
        TestbedSpec(satellites=("SWARM",))


def test_chunks_recorded_then_skipped_on_rerun(tmp_path: Path, fake: FakeGenerator) -> None:
    report = _build(_spec(), tmp_path)
    assert [(c[1], c[2]) for c in fake.calls] == [
        (pd.Timestamp("2021-06-29"), pd.Timestamp("2021-07-01")),
        (pd.Timestamp("2021-07-01"), pd.Timestamp("2021-07-03")),
    ]
    assert all(c[3]["region"] == tb.WESTERN_PACIFIC and c[3]["seed"] == 0 for c in fake.calls)
    assert all("difficulty" not in c[3] for c in fake.calls)  # the generator's own default applies
    manifest = json.loads((tmp_path / tb.MANIFEST_NAME).read_text())
    assert sorted(manifest["chunks"]) == ["CSES-01/2021-06-29/2021-07-01", "CSES-01/2021-07-01/2021-07-03"]
    assert manifest["spec"]["difficulty"] == 0.4 and manifest["spec"]["seed"] == 0
    assert report.days_generated == 4 and report.chunks_skipped == 0
    saved = json.loads((tmp_path / tb.REPORT_NAME).read_text())
    assert set(saved["stage_seconds"]) >= {"generate", "index", "datasets", "total"}

    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "archive").rglob("pass.bin")}
    again = _build(_spec(), tmp_path)
    assert len(fake.calls) == 2  # nothing generated again
    assert again.chunks_skipped == 2 and again.days_generated == 0 and again.days_total == 4
    assert mtimes == {p: p.stat().st_mtime_ns for p in (tmp_path / "archive").rglob("pass.bin")}


def test_interrupted_chunk_is_regenerated_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = FakeGenerator(fail_on=2)
    monkeypatch.setattr(generator, "generate_archive", killed)
    with pytest.raises(KeyboardInterrupt):
        _build(_spec(), tmp_path)
    manifest = json.loads((tmp_path / tb.MANIFEST_NAME).read_text())
    assert list(manifest["chunks"]) == ["CSES-01/2021-06-29/2021-07-01"]
    stale = tmp_path / "archive" / "CSES-01" / "2021" / "07" / "01" / "half-written.bin"
    stale.write_bytes(b"?")
    rerun = FakeGenerator()
    monkeypatch.setattr(generator, "generate_archive", rerun)
    report = _build(_spec(), tmp_path)
    assert [c[1] for c in rerun.calls] == [pd.Timestamp("2021-07-01")]  # only the unfinished chunk
    assert not stale.exists()  # its day folders were cleared first
    assert report.chunks_skipped == 1 and report.days_total == 4


def test_other_spec_stops_with_a_clear_error_and_force_starts_over(
    tmp_path: Path, fake: FakeGenerator
) -> None:
    _build(_spec(), tmp_path)
    with pytest.raises(TestbedSpecError) as info:
        _build(_spec(seed=3, region=None), tmp_path)
    message = str(info.value)
    assert str(tmp_path / tb.MANIFEST_NAME) in message
    assert "seed" in message and "region" in message and "difficulty" not in message
    with pytest.raises(TestbedSpecError, match="difficulty"):
        _build(_spec(difficulty=0.9), tmp_path)
    assert len(fake.calls) == 2
    report = _build(_spec(seed=3, difficulty=0.9), tmp_path, force=True)
    assert len(fake.calls) == 4 and report.chunks_skipped == 0
    assert all(c[3]["difficulty"] == 0.9 and c[3]["seed"] == 3 for c in fake.calls[2:])
    manifest = json.loads((tmp_path / tb.MANIFEST_NAME).read_text())
    assert manifest["spec"]["seed"] == 3 and manifest["spec"]["difficulty"] == 0.9


def test_manifest_is_written_atomically(
    tmp_path: Path, fake: FakeGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Path] = []
    real = tb.write_text_atomic

    def spy(path: Path, text: str) -> Path:
        written.append(Path(path))
        return real(path, text)

    monkeypatch.setattr(tb, "write_text_atomic", spy)
    _build(_spec(satellites=("CSES-01",), end="2021-07-01"), tmp_path)  # the June chunk only
    assert written.count(tmp_path / tb.MANIFEST_NAME) == 2  # created, then after the chunk
    before = (tmp_path / tb.MANIFEST_NAME).read_text()

    def crash(*_args: object) -> None:  # the process dies at the rename of the July chunk's manifest
        raise OSError("killed")

    real_replace = os.replace
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed"):
        _build(_spec(), tmp_path)
    assert (tmp_path / tb.MANIFEST_NAME).read_text() == before  # the previous version, whole
    monkeypatch.setattr(os, "replace", real_replace)
    _build(_spec(), tmp_path)
    # June once; July twice: the run that died before recording it, then the rerun
    assert [f"{c[1]:%m-%d}" for c in fake.calls] == ["06-29", "07-01", "07-01"]


def test_unreadable_manifest_is_an_error(tmp_path: Path, fake: FakeGenerator) -> None:
    (tmp_path / tb.MANIFEST_NAME).write_text("{ not json")
    with pytest.raises(TestbedSpecError, match="manifest"):
        _build(_spec(), tmp_path)
    assert fake.calls == []


def test_cli_testbed_runs_resumes_and_reports_spec_mismatch(tmp_path: Path, fake: FakeGenerator) -> None:
    args = ["testbed", "--out", str(tmp_path), "--workers", "1", "--no-datasets", "--satellite", "CSES-01"]
    args += ["--start", "2021-07-01", "--end", "2021-08-01"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [(f"{c[1]:%F}", f"{c[2]:%F}") for c in fake.calls] == [("2021-07-01", "2021-08-01")]
    assert "31 days" in result.output
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and len(fake.calls) == 1
    result = CliRunner().invoke(app, [*args, "--seed", "1"])
    assert result.exit_code == 2 and "manifest.json" in result.output and "seed" in result.output


def test_real_generation_then_index(tmp_path: Path) -> None:
    """One real day over a small box, empty catalog: pass files, manifest and index, then a skip."""
    spec = TestbedSpec(
        spans=(("CSES-01", "2020-03-10", "2020-03-10"),), region=(100.0, -10.0, 120.0, 10.0), datasets=()
    )
    empty = pd.DataFrame(columns=["event_id", "time", "lat", "lon", "depth_km", "mag"])
    empty["time"] = pd.to_datetime(empty["time"], utc=True)
    report = build_testbed(spec, tmp_path, workers=1, progress=False, catalog=empty)
    assert report.files_total > 0 and report.bytes_total > 0 and report.days_total == 1
    assert (tmp_path / "archive" / "pass_index.parquet").exists()
    again = build_testbed(spec, tmp_path, workers=1, progress=False, catalog=empty)
    assert again.chunks_skipped == 1 and again.files_total == report.files_total
