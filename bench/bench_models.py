"""Benchmark: training time of SeqNetQuake and every benchmark model, and the per-event scoring latency.

On a Samples dataset of the default CSES size: a real one (``--dataset FILE``, e.g. the ``cses-default``
NetCDF written by ``python -m core dataset``) or, by default, a **synthetic Samples dataset of realistic
shape** (the figures are then timings only: its signal is the test helper's Gaussian bump, not the
physics testbed). Default size: ~5,600 events × ~2.8 sequences (≈ 16,000 samples, L = 20, 4 features) —
the 3-month generated CSES-01 archive gives 479 samples for 171 events, ≈ 11,000 over the 70 months of
train + validation + test at the observed negative yield, ≈ 16,000 when every positive gets its negative.

Prints, per model (quick hyper-parameters, ``core.training.QUICK_PARAMS``): fit seconds (train split,
early stopping on validation), epochs run, test sample ROC-AUC; then the total of the demo path
(train + register every model); then the warm latency of :func:`core.scoring.score_event` for one event
(median of ``--repeat`` calls, result cache off) — all models and per model. Torch runs on
``--threads`` intra-op threads (default 1, the estimators' ``n_threads`` default). Not a test: figures
only; the machine may be shared. Headline figures also go to ``bench.results``.

Usage::

    python -m bench.bench_models [--dataset FILE] [--events 5600] [--threads 1] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from bench.results import emit, metric

TARGET_SCORE_MS = 200.0  # score_event, one event, all models, warm


def _dataset(args: argparse.Namespace):
    if args.dataset:
        from core.datasets import load_samples

        return load_samples(args.dataset), f"{args.dataset}"
    from tests.core.models.make_samples import make_samples

    ds = make_samples(
        n_events=args.events,
        L=args.length,
        seed=0,
        signal=1.0,
        injected_fraction=0.75,
        samples_per_event=(1, 5),
    )
    return ds, "synthetic Samples of realistic shape (tests.core.models.make_samples; timings only)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", help="a Samples NetCDF file (default: synthetic of realistic size)")
    ap.add_argument("--events", type=int, default=5600, help="synthetic: number of events (default 5600)")
    ap.add_argument("--length", type=int, default=20, help="synthetic: sequence length L (default 20)")
    ap.add_argument(
        "--threads", type=int, default=1, help="torch threads per model (default 1, the models' own)"
    )
    ap.add_argument("--repeat", type=int, default=30, help="scoring repetitions (default 30)")
    ap.add_argument("--models", default="", help="comma-separated subset of models (default all)")
    args = ap.parse_args()

    import torch

    from core.models.inputs import select_split, split_names
    from core.models.zoo import MODEL_NAMES, TORCH_MODELS
    from core.scoring import score_event, scoring_models
    from core.training import train_model

    torch.set_num_threads(max(args.threads, 1))
    ds, source = _dataset(args)
    names = [n for n in args.models.split(",") if n] or list(MODEL_NAMES)
    counts = {s: int((np.asarray(ds["split"].values).astype(str) == s).sum()) for s in split_names(ds)}
    n_events = len(np.unique(ds["event_id"].values))
    cores = os.cpu_count()
    print(
        f"machine: {platform.machine()}, {cores} cores (shared with other jobs); torch threads {args.threads}"
    )
    print(f"dataset: {source}")
    print(
        f"  {ds.sizes['sample']:,} samples, {n_events:,} events, L={ds.sizes['step']}, "
        f"{ds.sizes['feature']} features, splits {counts}"
    )
    root = tempfile.mkdtemp(prefix="bench-models-")
    total = 0.0
    size = f"{ds.sizes['sample']:,} samples, L={ds.sizes['step']}, {args.threads} torch thread(s)"
    metrics = []
    print(f"{'model':24s} {'fit s':>8s} {'epochs':>7s} {'test AUC':>9s} {'train+eval+save s':>18s}")
    for name in names:
        t0 = time.perf_counter()
        params = {"n_threads": args.threads} if name in TORCH_MODELS else None
        res = train_model(
            name, ds, quick=True, params=params, n_boot=200, registry_root=root, make_default=True
        )
        wall = time.perf_counter() - t0
        total += wall
        ev = res.tests.get("test")
        auc = ev.sample["roc_auc"] if ev else float("nan")
        epochs = len(getattr(res.model, "history_", [])) or "-"
        print(f"{name:24s} {res.fit_seconds:8.1f} {epochs!s:>7s} {auc:9.3f} {wall:18.1f}")
        metrics.append(
            metric(f"training time, {name}", res.fit_seconds, "s", note=f"{size}; epochs {epochs}")
        )
    print(f"demo path (train + evaluate + register all {len(names)} models): {total:.1f} s")
    metrics.append(metric(f"train + evaluate + register all {len(names)} models", total, "s", note=size))

    models = scoring_models(root)
    test = select_split(ds, "test") if "test" in split_names(ds) else ds
    ids, sizes = np.unique(test["event_id"].values, return_counts=True)
    event_id = ids[np.argsort(sizes)[len(sizes) // 2]]
    event = test.isel(sample=np.flatnonzero(test["event_id"].values == event_id))
    score_event(event, models, use_cache=False)  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        score_event(event, models, use_cache=False)
        times.append(time.perf_counter() - t0)
    print(
        f"score_event, one event ({event.sizes['sample']} samples), all {len(models)} models, warm: "
        f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
    )
    metrics.append(
        metric(
            f"inference: score_event, one event, all {len(models)} models, median",
            statistics.median(times) * 1000,
            "ms/event",
            target=TARGET_SCORE_MS,
            note=f"{event.sizes['sample']} sequences, warm, result cache off",
        )
    )
    score_event(event, models)  # fills the result cache
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        score_event(event, models)
    print(f"score_event, cached repeat: {(time.perf_counter() - t0) / args.repeat * 1000:.2f} ms")
    X = event["X"].values
    for name, model in models.items():
        per = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model.predict_proba(X)
            per.append(time.perf_counter() - t0)
        print(f"  {name:24s} predict_proba {statistics.median(per) * 1000:7.2f} ms/event")
        metrics.append(
            metric(f"inference: {name} predict_proba, median", statistics.median(per) * 1000, "ms/event")
        )
    emit("models", metrics)


if __name__ == "__main__":
    main()
