"""The demo that ``make run`` prepares: a generated CSES-01 archive, its index, a dataset, default models.

Every step is skipped when its output already exists for the same specification, so the second
``make run`` starts at once. Everything lands under ``Settings().work_dir`` (``data/generated/``).
The demo archive is a **synthetic testbed** (see :mod:`core.synthetic`), not real CSES data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.archive import INDEX_NAME, load_index, scan_archive
from core.atomic import write_text_atomic
from core.config import Settings, default_settings
from core.datasets import build_dataset, get_config, load_samples
from core.models.inputs import samples_hash
from core.models.registry import default_registry_root, list_models
from core.models.zoo import MODEL_NAMES
from core.training import TrainResult, train_default_models

__all__ = ["DEMO", "DemoSpec", "prepare_demo"]


@dataclass(frozen=True)
class DemoSpec:
    """What the demo generates: satellite, UTC span [start, end), region (lon_min, lat_min, lon_max,
    lat_max in degrees), products and seed. The western Pacific holds many shallow M ≥ 5 events."""

    satellite: str = "CSES-01"
    start: str = "2021-01-01"
    end: str = "2021-10-01"
    region: tuple[float, float, float, float] = (95.0, -50.0, 180.0, 55.0)
    products: tuple[str, ...] = ("LAP_1", "PAP_0")
    seed: int = 0
    dataset_config: str = "demo"
    #: the event view's other sequence lengths: every model is also trained on these (not as default)
    other_lengths: tuple[int, ...] = (10, 30, 40)
    #: a 9-month demo has two-month validation and test splits: fewer events per class than the
    #: protocol's 50 (core.models.inputs.MIN_EVENTS_PER_CLASS) are allowed, and its report says so
    min_events_per_class: int = 15


DEMO = DemoSpec()


@dataclass
class DemoReport:
    """What :func:`prepare_demo` did, step by step (``"reused"`` or a one-line summary)."""

    steps: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Lines for a terminal."""
        return "\n".join(f"{step}: {what}" for step, what in self.steps.items())


def _stamp_matches(path: Path, spec: dict[str, Any]) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")) == spec
    except (OSError, json.JSONDecodeError):
        return False


def prepare_demo(
    settings: Settings | None = None, *, spec: DemoSpec = DEMO, workers: int = 2, progress: bool = True
) -> DemoReport:
    """Generate and index the demo archive under ``settings.work_dir / "archive"`` and build its samples
    dataset (config ``spec.dataset_config``); each step is skipped when its output is already there."""
    from core.synthetic import generate_archive

    settings = settings or default_settings()
    report = DemoReport()
    archive = settings.work_dir / "archive"
    stamp = archive / "demo.json"
    wanted = json.loads(json.dumps(asdict(spec)))
    if _stamp_matches(stamp, wanted) and (archive / INDEX_NAME).exists():
        report.steps["archive"] = "reused"
    else:
        generated = generate_archive(
            spec.satellite,
            spec.start,
            spec.end,
            archive,
            products=list(spec.products),
            region=spec.region,
            seed=spec.seed,
            workers=workers,
            progress=progress,
        )
        _, scan = scan_archive(archive, workers=workers, progress=progress)
        write_text_atomic(stamp, json.dumps(wanted, indent=2))
        report.steps["archive"] = f"{generated.summary()} | index: {scan.summary()}"
    dataset_path = demo_dataset_path(settings)
    _, built = build_dataset(
        spec.dataset_config,
        archive,
        index=load_index(archive),
        out=dataset_path,
        workers=workers,
        progress=progress,
    )
    report.steps["dataset"] = "reused" if built.cached else built.summary()
    truth = archive / "ground_truth.csv"
    report.steps["models"] = _train_demo_models(settings, dataset_path, truth, progress)
    for length in spec.other_lengths:
        path = demo_dataset_path(settings, length)
        config = get_config(spec.dataset_config)
        _, built = build_dataset(
            config.with_(name=f"{config.name}-L{length}", length=length, stride=length),
            archive,
            index=load_index(archive),
            out=path,
            workers=workers,
            progress=progress,
        )
        step = f"L = {length}"
        report.steps[f"dataset {step}"] = "reused" if built.cached else built.summary()
        report.steps[f"models {step}"] = _train_demo_models(settings, path, truth, progress, default=False)
    report.steps["experiments"] = _demo_experiments(settings, dataset_path, truth, progress)
    return report


def _demo_experiments(settings: Settings, dataset_path: Path, ground_truth: Path, progress: bool) -> str:
    """SeqNetQuake vs the benchmarks (+ placebo) on the demo dataset → ``reports/demo/`` (the experiments
    page shows it); skipped when the report is newer than the dataset."""
    from core.experiments import run_paper_suite

    out = settings.reports_dir / "demo"
    report_md = out / "report.md"
    if report_md.exists() and report_md.stat().st_mtime >= dataset_path.stat().st_mtime:
        return "reused"
    run_paper_suite(
        {"cses-default": dataset_path},
        out,
        quick=True,
        ground_truth=ground_truth if ground_truth.exists() else None,
        min_events_per_class=DEMO.min_events_per_class,
        progress=(lambda msg: print(f"  {msg}", flush=True)) if progress else None,
    )
    return f"report written to {out}"


def _train_demo_models(
    settings: Settings, dataset_path: Path, ground_truth: Path, progress: bool, *, default: bool = True
) -> str:
    """Train every default model (fixed good hyper-parameters, no search) on the dataset — as the
    dashboard's defaults, or (``default=False``) as extra versions for another L — unless the registry
    already holds them trained on this very dataset."""
    root = default_registry_root(settings)
    samples = load_samples(dataset_path)
    wanted = samples_hash(samples)
    models = list_models(root)
    if default:
        defaults = models[models["default"]]
        if len(defaults) and (defaults["dataset_hash"] == wanted).all():
            return "reused"
    elif set(MODEL_NAMES) <= set(models.loc[models["dataset_hash"] == wanted, "name"]):
        return "reused"
    lines = []

    def done(name: str, result: TrainResult) -> None:
        lines.append(f"{name} {result.fit_seconds:.1f} s")
        if progress:
            print(f"  trained {name} in {result.fit_seconds:.1f} s", flush=True)

    train_default_models(
        samples,
        root,
        ground_truth=ground_truth if ground_truth.exists() else None,
        make_default=default,
        progress=done,
        min_events_per_class=DEMO.min_events_per_class,
    )
    return "trained " + ", ".join(lines)


def demo_dataset_path(settings: Settings, length: int | None = None) -> Path:
    """The demo's samples file (NetCDF) under ``settings.work_dir`` (``length``: its variant for that L)."""
    return settings.work_dir / "datasets" / ("demo.nc" if length is None else f"demo-L{length}.nc")
