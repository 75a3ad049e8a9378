"""The demo that ``make run`` prepares: generated CSES-01 and DEMETER archives, their index, datasets, the
paper suite in quick mode (five families, transfer included, 3 seeds) and its models with their cards.

Every step is skipped when its output already exists for the same specification, so the second
``make run`` starts at once. Everything lands under ``Settings().work_dir`` (``data/generated/``) and the
report under ``reports/demo``. The demo archive is a **synthetic testbed** (see :mod:`core.synthetic`),
not real satellite data; ``docs/demo.md`` says what it holds.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.archive import INDEX_NAME, load_index, scan_archive
from core.atomic import write_text_atomic
from core.config import Settings, default_settings
from core.datasets import build_dataset, get_config
from core.models.registry import default_registry_root
from core.synthetic.precursors import GROUND_TRUTH_NAME

__all__ = ["DEMO", "DemoSpec", "demo_dataset_path", "prepare_demo"]


@dataclass(frozen=True)
class DemoSpec:
    """What the demo generates: UTC spans [start, end) of CSES-01 and DEMETER, the region (lon_min,
    lat_min, lon_max, lat_max in degrees; the western Pacific holds many shallow M ≥ 5 events), seed,
    dataset configurations and the suite's training seeds."""

    start: str = "2022-07-01"
    end: str = "2023-05-01"
    demeter_start: str = "2008-01-01"
    demeter_end: str = "2008-07-01"
    region: tuple[float, float, float, float] = (95.0, -50.0, 180.0, 55.0)
    seed: int = 0
    dataset_config: str = "demo"
    demeter_config: str = "demo-demeter"
    #: the event view's other sequence lengths: SeqNetQuake is also trained on these (experiment (b))
    other_lengths: tuple[int, ...] = (10, 30, 40)
    #: one variant of each other family: (a) a circle of 2 Dobrovolsky radii, (c) day-time passes
    variants: tuple[tuple[str, str, Any], ...] = (
        ("cses-2R", "radius_value", 2.0),
        ("cses-day", "half", "day"),
    )
    #: training seeds of the demo suite: every figure is mean ± sd over them
    seeds: tuple[int, ...] = (0, 1, 2)
    #: a 9-month demo has two-month validation and test splits: fewer events per class than the
    #: protocol's 50 (core.models.inputs.MIN_EVENTS_PER_CLASS) are allowed, and its report says so
    min_events_per_class: int = 15


DEMO = DemoSpec()
_ARCHIVE_FIELDS = ("start", "end", "demeter_start", "demeter_end", "region", "seed")


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
    """Generate and index the demo archives under ``settings.work_dir / "archive"``, build the suite's
    datasets, run the paper suite (quick, ``spec.seeds``) into ``reports/demo`` and register its models
    in ``settings.work_dir / "models"``; each step is skipped when its output is already there."""
    from core.synthetic import generate_archive

    settings = settings or default_settings()
    report = DemoReport()
    archive = settings.work_dir / "archive"
    stamp = archive / "demo.json"
    # what the archive depends on (datasets and the suite are cached by their own settings)
    wanted = {k: v for k, v in json.loads(json.dumps(asdict(spec))).items() if k in _ARCHIVE_FIELDS}
    if _stamp_matches(stamp, wanted) and (archive / INDEX_NAME).exists():
        report.steps["archive"] = "reused"
    else:
        if stamp.exists():  # an older demo's archive: its files and ground truth must not linger
            shutil.rmtree(archive)
        lines = []
        for satellite, start, end in (
            ("CSES-01", spec.start, spec.end),
            ("DEMETER", spec.demeter_start, spec.demeter_end),
        ):
            generated = generate_archive(
                satellite,
                start,
                end,
                archive,
                region=spec.region,
                seed=spec.seed,
                workers=workers,
                progress=progress,
            )
            lines.append(f"{satellite}: {generated.summary()}")
        _, scan = scan_archive(archive, workers=workers, progress=progress)
        write_text_atomic(stamp, json.dumps(wanted, indent=2))
        report.steps["archive"] = " | ".join([*lines, f"index: {scan.summary()}"])
    # the suite's keys: its main CSES dataset, the DEMETER source, SeqNetQuake's other lengths (b)
    configs = {
        "cses-default": get_config(spec.dataset_config),
        "demeter-default": get_config(spec.demeter_config),
    }
    base = configs["cses-default"]
    for length in spec.other_lengths:
        configs[f"cses-L{length}"] = base.with_(name=f"{base.name}-L{length}", length=length, stride=length)
    for key, field_name, value in spec.variants:
        configs[key] = base.with_(name=f"{base.name}-{key.removeprefix('cses-')}", **{field_name: value})
    paths = {}
    for key, config in configs.items():
        paths[key] = demo_dataset_path(settings, key)
        _, built = build_dataset(
            config, archive, index=load_index(archive), out=paths[key], workers=workers, progress=progress
        )
        report.steps[f"dataset {key}"] = "reused" if built.cached else built.summary()
    report.steps["experiments"] = _demo_experiments(
        settings, spec, paths, archive / GROUND_TRUTH_NAME, progress
    )
    return report


def _demo_experiments(
    settings: Settings, spec: DemoSpec, datasets: dict[str, Path], ground_truth: Path, progress: bool
) -> str:
    """The paper suite (quick, ``spec.seeds``) on the demo datasets → ``reports/demo/`` (the experiments
    page shows it) and its models → the demo registry (the dashboard's models when no protocol-scale
    registry exists); skipped when the report is newer than every dataset and the registry is there."""
    from core.experiments import run_paper_suite

    out = settings.reports_dir / "demo"
    registry = default_registry_root(settings)
    report_md = out / "report.md"
    newest = max(p.stat().st_mtime for p in datasets.values())
    if report_md.exists() and report_md.stat().st_mtime >= newest and (registry / "defaults.json").exists():
        return "reused"
    run_paper_suite(
        dict(datasets),
        out,
        quick=True,
        seeds=spec.seeds,
        fractions=(),
        ground_truth=ground_truth if ground_truth.exists() else None,
        min_events_per_class=spec.min_events_per_class,
        registry=registry,
        registry_title="demo",
        command="python -m core prepare",
        progress=(lambda msg: print(f"  {msg}", flush=True)) if progress else None,
    )
    return f"report written to {out}, models to {registry}"


def demo_dataset_path(settings: Settings, key: str = "cses-default") -> Path:
    """The demo's samples file (NetCDF) under ``settings.work_dir`` for a suite key (``cses-default``,
    ``demeter-default``, ``cses-L10`` …)."""
    return settings.work_dir / "datasets" / f"demo-{key}.nc"
