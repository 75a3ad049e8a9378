"""The protocol-scale synthetic testbed in one resumable call: generate, index, build every dataset.

:func:`build_testbed` writes ``archive/``, ``datasets/<config>.nc``, ``manifest.json`` and ``testbed.json``
under ``out``, one calendar month per generation chunk: a rerun skips finished chunks, and a rerun with
another specification stops with :class:`TestbedSpecError`. Spans, region, layout and resumption:
``docs/synthetic.md`` (section "The protocol-scale testbed"); calibration: ``docs/testbed.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core.atomic import write_text_atomic

__all__ = [
    "MANIFEST_NAME",
    "PROTOCOL_SPANS",
    "REPORT_NAME",
    "WESTERN_PACIFIC",
    "Chunk",
    "TestbedReport",
    "TestbedSpec",
    "TestbedSpecError",
    "build_testbed",
    "plan_chunks",
    "testbed_datasets",
]

WESTERN_PACIFIC: tuple[float, float, float, float] = (95.0, -50.0, 180.0, 55.0)
"""Default region (lon_min, lat_min, lon_max, lat_max), degrees: the demo's (``core.demo.DemoSpec``)."""

PROTOCOL_SPANS: tuple[tuple[str, str, str], ...] = (
    ("CSES-01", "2018-02-02", "2023-11-04"),
    ("CSES-01", "2025-01-01", "2025-12-31"),
    ("DEMETER", "2004-07-01", "2010-11-30"),
)
"""(satellite, first day, last day) UTC, days inclusive: what the protocol's datasets span."""

MANIFEST_NAME = "manifest.json"
REPORT_NAME = "testbed.json"
ARCHIVE_DIR = "archive"
DATASETS_DIR = "datasets"
CHUNKING = "calendar month ∩ span"
"""How spans are cut into chunks; part of the manifest's spec (another chunking = another testbed)."""
_SPEC_FIELDS = ("seed", "region", "difficulty", "products", "chunking")
_MANIFEST_VERSION = 1


class TestbedSpecError(ValueError):
    """The testbed folder was made with another spec (the message names the manifest and the fields)."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class TestbedSpec:
    """What the testbed holds. ``spans``: (satellite, first day, last day) UTC inclusive; ``region``:
    (lon_min, lat_min, lon_max, lat_max) degrees or ``None`` = the whole Earth; ``seed``: generator seed;
    ``difficulty``: ``None`` = the generator's own default; ``products``: ``None`` = each satellite's
    defaults; ``satellites``/``start``/``end`` (UTC day, ``end`` excluded) select the chunks to generate
    now (a chunk overlapping [start, end) is generated whole); ``datasets``: configuration names of
    ``core/configs/datasets.toml`` (``None`` = :func:`testbed_datasets`, ``()`` = none)."""

    __test__ = False  # not a pytest test class

    spans: tuple[tuple[str, str, str], ...] = PROTOCOL_SPANS
    region: tuple[float, float, float, float] | None = WESTERN_PACIFIC
    seed: int = 0
    difficulty: float | None = None
    products: tuple[str, ...] | None = None
    satellites: tuple[str, ...] | None = None
    start: str | None = None
    end: str | None = None
    datasets: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", tuple(tuple(str(x) for x in s) for s in self.spans))
        if self.region is not None:
            region = tuple(float(v) for v in self.region)
            if len(region) != 4 or region[1] > region[3]:
                raise ValueError(f"region must be (lon_min, lat_min, lon_max, lat_max), got {self.region!r}")
            object.__setattr__(self, "region", region)
        if self.difficulty is not None and not float(self.difficulty) > 0:
            raise ValueError(f"difficulty must be > 0, got {self.difficulty!r}")
        for name in ("products", "satellites", "datasets"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(str(v) for v in value))
        if self.satellites is not None:
            known = {s for s, _, _ in self.spans}
            unknown = [s for s in self.satellites if s not in known]
            if unknown:
                raise ValueError(
                    f"satellite(s) {', '.join(unknown)} not in the spans ({', '.join(sorted(known))})"
                )
        if (
            self.start is not None
            and self.end is not None
            and pd.Timestamp(self.end) <= pd.Timestamp(self.start)
        ):
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")

    def identity(self) -> dict[str, Any]:
        """The fields a testbed folder is bound to (seed, region, effective difficulty, products per
        satellite, chunking) as JSON-able values — what the manifest stores and compares."""
        from core.synthetic.generator import default_products

        sats = list(dict.fromkeys(s for s, _, _ in self.spans))
        return {
            "seed": int(self.seed),
            "region": None if self.region is None else list(self.region),
            "difficulty": float(self.difficulty if self.difficulty is not None else _generator_difficulty()),
            "products": {s: list(self.products or default_products(s)) for s in sats},
            "chunking": CHUNKING,
        }


def _generator_difficulty() -> float:
    """The default ``difficulty`` of :func:`core.synthetic.generate_archive` (read from its signature, so
    a recalibrated default is what the manifest records)."""
    from core.synthetic import generate_archive

    return float(inspect.signature(generate_archive).parameters["difficulty"].default)


def testbed_datasets() -> tuple[str, ...]:
    """The dataset configurations the testbed builds: every one of the paper suite
    (:data:`core.experiments.PAPER_SUITE_CONFIGS`) plus ``cses-background`` and ``demeter-background``."""
    from core.experiments import PAPER_SUITE_CONFIGS

    return tuple(dict.fromkeys((*PAPER_SUITE_CONFIGS, "cses-background", "demeter-background")))


@dataclass(frozen=True)
class Chunk:
    """One ``generate_archive`` call: ``satellite`` over UTC days [start, end) (``end`` excluded)."""

    satellite: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def key(self) -> str:
        """Manifest key, e.g. ``CSES-01/2021-07-01/2021-08-01``."""
        return f"{self.satellite}/{self.start:%Y-%m-%d}/{self.end:%Y-%m-%d}"

    @property
    def days(self) -> int:
        """Length in whole days."""
        return int((self.end - self.start) / pd.Timedelta(days=1))

    def day_dirs(self, archive: Path) -> list[Path]:
        """The day folders (``archive/<satellite>/YYYY/MM/DD``) the chunk writes into."""
        days = pd.date_range(self.start, self.end - pd.Timedelta(days=1), freq="D")
        return [archive / self.satellite / f"{d:%Y}" / f"{d:%m}" / f"{d:%d}" for d in days]


def plan_chunks(spec: TestbedSpec) -> list[Chunk]:
    """Every chunk of ``spec.spans`` (each calendar month ∩ span), then those ``spec.satellites`` /
    ``spec.start`` / ``spec.end`` select, in span order."""
    lo = pd.Timestamp(spec.start) if spec.start is not None else None
    hi = pd.Timestamp(spec.end) if spec.end is not None else None
    out: list[Chunk] = []
    for sat, first, last in spec.spans:
        if spec.satellites is not None and sat not in spec.satellites:
            continue
        a, b = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
        month = a.to_period("M").to_timestamp()
        while month < b:
            nxt = month + pd.offsets.MonthBegin(1)
            c0, c1 = max(a, month), min(b, nxt)
            if (lo is None or c1 > lo) and (hi is None or c0 < hi):
                out.append(Chunk(sat, c0, c1))
            month = nxt
    return out


# ------------------------------------------------------------------------------------------ manifest


def _read_manifest(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TestbedSpecError(
            f"cannot read the testbed manifest {path}: {exc} (--force starts over)"
        ) from exc
    if not isinstance(data, dict) or "spec" not in data or "chunks" not in data:
        raise TestbedSpecError(f"{path} is not a testbed manifest (--force starts over)")
    return data


def _spec_differences(stored: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    return [
        f"{name}: manifest {json.dumps(stored.get(name))}, this run {json.dumps(wanted.get(name))}"
        for name in _SPEC_FIELDS
        if stored.get(name) != wanted.get(name)
    ]


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(manifest, indent=1, sort_keys=False) + "\n")


def _start_over(out: Path) -> None:
    """Remove what a testbed writes under ``out`` (and nothing else)."""
    for name in (ARCHIVE_DIR, DATASETS_DIR):
        if (out / name).is_dir():
            shutil.rmtree(out / name)
    for name in (MANIFEST_NAME, REPORT_NAME):
        (out / name).unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------ report


@dataclass
class TestbedReport:
    """What :func:`build_testbed` did. Seconds are wall time; ``bytes`` the archive's size on disk."""

    __test__ = False  # not a pytest test class

    out: Path
    spec: dict[str, Any] = field(default_factory=dict)
    chunks_planned: int = 0
    chunks_skipped: int = 0
    chunks: list[dict[str, Any]] = field(default_factory=list)
    """The chunks generated by this run (key, satellite, days, files, bytes, seconds)."""
    days_total: float = 0.0
    files_total: int = 0
    bytes_total: int = 0
    dataset_bytes: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per configuration: path, cached, seconds, samples, counts (split → class → events, events with
    samples, samples)."""
    skipped_datasets: dict[str, str] = field(default_factory=dict)
    failed_datasets: dict[str, str] = field(default_factory=dict)

    @property
    def days_generated(self) -> float:
        """Days generated by this run (all satellites)."""
        return float(sum(c["days"] for c in self.chunks))

    def seconds_per_day(self) -> dict[str, float]:
        """Generation wall time per generated day (s/day), per satellite, over this run's chunks."""
        out: dict[str, float] = {}
        for sat in dict.fromkeys(c["satellite"] for c in self.chunks):
            rows = [c for c in self.chunks if c["satellite"] == sat]
            days = sum(c["days"] for c in rows)
            out[sat] = sum(c["seconds"] for c in rows) / days if days else float("nan")
        return out

    def class_counts(self, name: str = "cses-default", what: str = "events") -> dict[str, dict[str, int]]:
        """Per split of dataset ``name``, per class (``positive``/``negative``): ``what`` = ``events``,
        ``events_with_samples`` or ``samples``."""
        counts = self.datasets.get(name, {}).get("counts", {})
        order = ("train", "validation", "test", "test2")
        counts = dict(sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
        return {split: {cls: int(c.get(what, 0)) for cls, c in by.items()} for split, by in counts.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (what ``testbed.json`` holds)."""
        data = dataclasses.asdict(self)
        data["out"] = str(self.out)
        data["days_generated"] = self.days_generated
        data["seconds_per_day"] = self.seconds_per_day()
        data["gb_total"] = self.bytes_total / 1e9
        return data

    def summary(self) -> str:
        """Lines for a terminal."""
        lines = [
            f"testbed {self.out}: {self.chunks_planned} chunks selected, {self.chunks_skipped} already done, "
            f"{len(self.chunks)} generated now ({self.days_generated:g} days)",
            f"archive: {self.days_total:g} days, {self.files_total:,} pass files, "
            f"{self.bytes_total / 1e9:.3f} GB; datasets {self.dataset_bytes / 1e9:.3f} GB",
            "wall time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.stage_seconds.items()),
        ]
        for sat, spd in self.seconds_per_day().items():
            lines.append(f"  {sat}: {spd:.2f} s per generated day")
        for name, d in self.datasets.items():
            how = "cached" if d["cached"] else f"built in {d['seconds']:.1f} s"
            lines.append(f"  dataset {name}: {how}, {d['samples']:,} samples")
        for name, why in self.skipped_datasets.items():
            lines.append(f"  dataset {name}: skipped ({why})")
        for name, why in self.failed_datasets.items():
            lines.append(f"  dataset {name}: FAILED ({why})")
        if "cses-default" in self.datasets:
            used = self.class_counts("cses-default", "events_with_samples")
            parts = [
                f"{split} {c.get('positive', 0):,} positive / {c.get('negative', 0):,} negative "
                f"({used[split].get('positive', 0):,} / {used[split].get('negative', 0):,} with samples)"
                for split, c in self.class_counts("cses-default").items()
            ]
            lines.append("cses-default events per class: " + "; ".join(parts))
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------ build


def _fmt_s(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # NaN / unknown
        return "?"
    return str(dt.timedelta(seconds=round(seconds)))


def _tree_size(folder: Path) -> tuple[int, int]:
    """(number of pass files, bytes of every file) under ``folder``."""
    from core.archive import PASS_FILE_PATTERNS

    n_bytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    n_files = sum(1 for pat in PASS_FILE_PATTERNS for _ in folder.rglob(pat)) if folder.is_dir() else 0
    return n_files, n_bytes


def build_testbed(
    spec: TestbedSpec,
    out: str | Path,
    *,
    workers: int = 2,
    progress: bool = True,
    force: bool = False,
    log: Callable[[str], None] | None = None,
    on_dataset: Callable[[Any], None] | None = None,
    catalog: pd.DataFrame | None = None,
) -> TestbedReport:
    """Generate (resumably), index and build the datasets of the testbed ``spec`` under ``out``.

    - ``workers``: processes for generation (one UTC day each), indexing and dataset builds;
    - ``progress``: the generator's per-day bar and one line per finished chunk / dataset (elapsed, ETA);
    - ``force``: start over when ``out`` holds a testbed of another spec (else :class:`TestbedSpecError`);
    - ``log``: where the progress lines go (default :func:`tqdm.tqdm.write`);
    - ``on_dataset``: called with each :class:`core.datasets.DatasetReport` (e.g. to print its counts);
    - ``catalog``: events table for generation and datasets (default the built-in ComCat catalog).

    Datasets of a satellite with no generated chunk are skipped; a dataset whose build raises
    ``ValueError`` is recorded in ``failed_datasets``. Writes ``out/testbed.json``; returns the report.
    """
    from tqdm.auto import tqdm

    from core.synthetic import generate_archive

    emit = log or (tqdm.write if progress else (lambda _line: None))
    out = Path(out)
    archive = out / ARCHIVE_DIR
    manifest_path = out / MANIFEST_NAME
    wanted = spec.identity()
    manifest = _read_manifest(manifest_path) if not force else None
    if force and manifest_path.exists():
        emit(f"--force: starting over in {out}")
        _start_over(out)
    if manifest is not None:
        diffs = _spec_differences(manifest["spec"], wanted)
        if diffs:
            raise TestbedSpecError(
                f"{manifest_path} was written for another testbed spec — "
                + "; ".join(diffs)
                + " (use another --out, or --force to start over)"
            )
    else:
        manifest = {"version": _MANIFEST_VERSION, "spec": wanted, "chunks": {}}
        out.mkdir(parents=True, exist_ok=True)
        _write_manifest(manifest_path, manifest)
    if catalog is None:
        from core.catalog import load_default_catalog

        catalog = load_default_catalog()

    report = TestbedReport(out=out, spec=wanted)
    t_run = time.perf_counter()

    # 1. generation, chunk by chunk
    chunks = plan_chunks(spec)
    todo = [c for c in chunks if c.key not in manifest["chunks"]]
    report.chunks_planned, report.chunks_skipped = len(chunks), len(chunks) - len(todo)
    if report.chunks_skipped:
        emit(f"{report.chunks_skipped} of {len(chunks)} chunks already generated ({manifest_path}): skipped")
    t_gen = time.perf_counter()
    days_left = sum(c.days for c in todo)
    extra = {} if spec.difficulty is None else {"difficulty": float(spec.difficulty)}
    for i, chunk in enumerate(todo, start=1):
        for day_dir in chunk.day_dirs(archive):  # a chunk cut short: regenerate its days from scratch
            if day_dir.is_dir():
                shutil.rmtree(day_dir)
        products = wanted["products"][chunk.satellite]
        rep = generate_archive(
            chunk.satellite,
            chunk.start,
            chunk.end,
            archive,
            products=products,
            region=spec.region,
            seed=spec.seed,
            catalog=catalog,
            progress=progress,
            workers=workers,
            **extra,
        )
        row = {
            "satellite": chunk.satellite,
            "start": f"{chunk.start:%Y-%m-%d}",
            "end": f"{chunk.end:%Y-%m-%d}",
            "days": chunk.days,
            "files": rep.n_files,
            "bytes": int(rep.bytes),
            "half_orbits": rep.n_half_orbits,
            "seconds": round(rep.seconds, 3),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        manifest["chunks"][chunk.key] = row
        _write_manifest(manifest_path, manifest)
        report.chunks.append({"key": chunk.key, **row})
        days_left -= chunk.days
        elapsed = time.perf_counter() - t_gen
        done_days = report.days_generated
        eta = elapsed / done_days * days_left if done_days else float("nan")
        last_day = chunk.end - pd.Timedelta(days=1)
        emit(
            f"[{i}/{len(todo)}] {chunk.satellite} {chunk.start:%Y-%m-%d}…{last_day:%Y-%m-%d}: "
            f"{rep.n_files} files, {rep.bytes / 1e6:.1f} MB in {rep.seconds:.1f} s "
            f"({rep.seconds / max(chunk.days, 1):.2f} s/day) — elapsed {_fmt_s(elapsed)}, ETA {_fmt_s(eta)}"
        )
    report.stage_seconds["generate"] = time.perf_counter() - t_gen

    # 2. index (incremental)
    t_idx = time.perf_counter()
    index = None
    if archive.is_dir():
        from core.archive import scan_archive

        index, scan = scan_archive(archive, workers=workers, progress=progress)
        emit(f"index: {scan.summary()}")
    report.stage_seconds["index"] = time.perf_counter() - t_idx

    # 3. datasets
    t_ds = time.perf_counter()
    names = spec.datasets if spec.datasets is not None else testbed_datasets()
    if names:
        _build_datasets(
            spec, names, archive, index, catalog, manifest, report, workers, progress, emit, on_dataset
        )
    report.stage_seconds["datasets"] = time.perf_counter() - t_ds
    report.stage_seconds["total"] = time.perf_counter() - t_run

    # 4. summary
    report.days_total = float(sum(c["days"] for c in manifest["chunks"].values()))
    report.files_total, report.bytes_total = _tree_size(archive)
    report.dataset_bytes = _tree_size(out / DATASETS_DIR)[1]
    write_text_atomic(out / REPORT_NAME, json.dumps(report.to_dict(), indent=1, default=str) + "\n")
    return report


def _build_datasets(
    spec: TestbedSpec,
    names: Sequence[str],
    archive: Path,
    index: Any,
    catalog: pd.DataFrame,
    manifest: dict[str, Any],
    report: TestbedReport,
    workers: int,
    progress: bool,
    emit: Callable[[str], None],
    on_dataset: Callable[[Any], None] | None,
) -> None:
    from core.datasets import build_dataset, load_configs

    configs = load_configs()
    unknown = [n for n in names if n not in configs]
    if unknown:
        raise ValueError(
            f"unknown dataset configuration(s) {', '.join(unknown)}; known: {', '.join(configs)}"
        )
    generated = {row["satellite"] for row in manifest["chunks"].values()}
    folder = archive.parent / DATASETS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, name in enumerate(names, start=1):
        settings = configs[name]
        missing = [s for s in settings.window.satellites if s not in generated]
        if missing or index is None:
            report.skipped_datasets[name] = (
                f"no {', '.join(missing or settings.window.satellites)} data generated"
            )
            emit(f"[{i}/{len(names)}] dataset {name}: skipped ({report.skipped_datasets[name]})")
            continue
        settings = settings.with_(bbox=spec.region, splits=None)  # the protocol's default splits
        try:
            _, rep = build_dataset(
                settings,
                archive,
                catalog=catalog,
                index=index,
                out=folder / f"{name}.nc",
                workers=workers,
                progress=progress,
            )
        except ValueError as exc:
            report.failed_datasets[name] = str(exc)
            emit(f"[{i}/{len(names)}] dataset {name}: FAILED: {exc}")
            continue
        report.datasets[name] = {
            "path": rep.path,
            "cached": rep.cached,
            "seconds": round(rep.seconds, 3),
            "samples": rep.n_samples(),
            "counts": rep.counts,
        }
        if on_dataset is not None:
            on_dataset(rep)
        elapsed = time.perf_counter() - t0
        eta = elapsed / i * (len(names) - i)
        how = "cached" if rep.cached else f"built in {rep.seconds:.1f} s"
        emit(
            f"[{i}/{len(names)}] dataset {name}: {how}, {rep.n_samples():,} samples — "
            f"elapsed {_fmt_s(elapsed)}, ETA {_fmt_s(eta)}"
        )
