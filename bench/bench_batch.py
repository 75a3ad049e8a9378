"""Benchmark: does a larger batch keep validation results? The evidence behind the CUDA default batch.

For each PyTorch model × batch size × training seed, fit on the **train** split of a Samples dataset with
early stopping on its **validation** split (the protocol's fit: :func:`core.training.fit_model` with the
quick hyper-parameters), choose the decision rule on validation and report, on validation only (the test
splits are never read):

- event ROC-AUC (events scored by their rule, threshold-free) and event MCC under the rule chosen on
  validation, each as the mean over seeds with its 95 % event-bootstrap interval
  (:func:`core.evaluation.seed_mean_draws`);
- the paired difference of each against the reference batch (``--reference``, default 64: the CPU default),
  mean over seeds with its 95 % event-bootstrap interval (same events resampled for both): an interval
  that holds 0 is *no difference*;
- epochs run, fit seconds and training samples/s (train samples × epochs / fit s; the validation pass per
  epoch is inside the fit time).

Fits run in ``--jobs`` worker processes (spawned, so each may hold a CUDA context); with ``--jobs`` > 1
the timings are shared-machine figures. Each fit's scores are kept in ``--out`` (one pickle per fit,
written atomically), so a killed run resumes where it stopped. Figures only, not a test.

Usage::

    python -m bench.bench_batch DATASET.nc [--models seqnetquake,cnn,lstm,bilstm] [--batches 64,256,1024]
        [--lr-rule none|sqrt|linear] [--seeds 0,1,2] [--device auto] [--jobs 1] [--n-boot 1000]
        [--out bench-batch]

See docs/models.md, "Batch size and device".
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from bench.results import emit, metric

DEFAULT_MODELS = "seqnetquake,cnn,lstm,bilstm"


def _fit_one(
    dataset: str, name: str, batch: int, seed: int, device: str, threads: int, lr_factor: float
) -> dict[str, Any]:
    """One fit and its validation evaluation (in a worker); the quick learning rate × ``lr_factor``."""
    import torch

    from core.datasets import load_samples
    from core.evaluation import select_and_evaluate
    from core.models.inputs import feature_names, select_split
    from core.models.zoo import model_class
    from core.training import fit_model

    torch.set_num_threads(threads)
    samples = load_samples(dataset)
    train, validation = select_split(samples, "train"), select_split(samples, "validation")
    feats = feature_names(samples)
    params = {**_quick(name), "batch_size": batch, "device": device, "n_threads": threads}
    params["lr"] = params.get("lr", model_class(name)().lr) * lr_factor
    t0 = time.perf_counter()
    model = fit_model(name, train, validation, params, seed=seed, features=feats)
    seconds = time.perf_counter() - t0
    pipe = select_and_evaluate(model, validation, {}, features=feats, n_boot=0, seed=0)
    return {
        "model": name,
        "batch": batch,
        "seed": seed,
        "lr": params["lr"],
        "device": str(model.device_),
        "fit_s": seconds,
        "epochs": model.stop_epoch_,
        "best_epoch": model.best_epoch_,
        "n_train": int(train.sizes["sample"]),
        "validation": pipe.validation,
    }


def _quick(name: str) -> dict[str, Any]:
    from core.training import QUICK_PARAMS

    return dict(QUICK_PARAMS.get(name, {}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", help="a Samples NetCDF with train and validation splits")
    ap.add_argument("--models", default=DEFAULT_MODELS, help=f"PyTorch models (default {DEFAULT_MODELS})")
    ap.add_argument("--batches", default="64,256,1024", help="batch sizes (default 64,256,1024)")
    ap.add_argument("--reference", type=int, default=64, help="batch the others are compared with (64)")
    ap.add_argument(
        "--lr-rule",
        choices=("none", "sqrt", "linear"),
        default="none",
        help="learning rate of batch B: the quick one (none), × sqrt(B/reference) or × B/reference",
    )
    ap.add_argument("--seeds", default="0,1,2", help="training seeds (default 0,1,2)")
    ap.add_argument("--device", default="auto", help="torch device: auto (CUDA when present), cpu, cuda")
    ap.add_argument("--jobs", type=int, default=1, help="fits at once, one process each (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per fit (default 1)")
    ap.add_argument("--n-boot", type=int, default=1000, help="event-bootstrap draws (default 1000)")
    ap.add_argument("--out", default="bench-batch", help="folder of per-fit results (resumable)")
    args = ap.parse_args()

    from core.atomic import atomic_path
    from core.evaluation import percentile_intervals, seed_mean_draws

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    batches = sorted({int(b) for b in args.batches.split(",")} | {args.reference})
    seeds = [int(s) for s in args.seeds.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = [(m, b, s) for m in models for b in batches for s in seeds]
    power = {"none": 0.0, "sqrt": 0.5, "linear": 1.0}[args.lr_rule]
    factor = {b: (b / args.reference) ** power for b in batches}
    path = {r: out / f"{r[0]}-b{r[1]}-lr{factor[r[1]]:.3g}-s{r[2]}-{args.device}.pkl" for r in runs}
    todo = [r for r in runs if not path[r].exists()]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; device {args.device}; jobs {args.jobs}")
    print(f"dataset: {args.dataset}; {len(runs)} fits, {len(runs) - len(todo)} already in {out}")
    t_all = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs), mp_context=get_context("spawn")) as pool:
        futures = {
            pool.submit(_fit_one, args.dataset, m, b, s, args.device, args.threads, factor[b]): (m, b, s)
            for m, b, s in todo
        }
        for fut, run in futures.items():
            result = fut.result()
            with atomic_path(path[run]) as tmp:
                tmp.write_bytes(pickle.dumps(result))
            done = f"{result['fit_s']:.1f} s, {result['epochs']} epochs"
            print(f"  {run[0]} batch {run[1]} seed {run[2]}: {done}", flush=True)
    print(f"fits took {time.perf_counter() - t_all:.0f} s wall\n")

    results = {r: pickle.loads(path[r].read_bytes()) for r in runs}
    head = (
        f"{'model':12s} {'batch':>5s} {'event AUC [95 %]':>22s} {'Δ AUC vs ref [95 %]':>24s} "
        f"{'event MCC [95 %]':>22s} {'Δ MCC vs ref [95 %]':>24s} "
        f"{'epochs':>7s} {'fit s':>6s} {'samples/s':>10s}"
    )
    print(
        f"validation split only; mean over seeds {seeds}; learning rate rule {args.lr_rule}; "
        "intervals: 95 % event bootstrap"
    )
    print(head)
    metrics = []
    for m in models:
        ref_evals = [results[(m, args.reference, s)]["validation"] for s in seeds]
        ref = seed_mean_draws(ref_evals, n_boot=args.n_boot)
        for b in batches:
            rs = [results[(m, b, s)] for s in seeds]
            evals = [r["validation"] for r in rs]
            auc = np.mean([e.event["roc_auc"] for e in evals])
            mcc = np.mean([e.event["mcc"] for e in evals])
            draws = seed_mean_draws(evals, n_boot=args.n_boot)
            d_auc = auc - np.mean([e.event["roc_auc"] for e in ref_evals])
            d_mcc = mcc - np.mean([e.event["mcc"] for e in ref_evals])
            ci = percentile_intervals(draws)
            dci = percentile_intervals({k: draws[k] - ref[k] for k in draws})
            epochs = np.mean([r["epochs"] for r in rs])
            fit_s = np.mean([r["fit_s"] for r in rs])
            rate = np.mean([r["n_train"] * r["epochs"] / r["fit_s"] for r in rs])
            print(
                f"{m:12s} {b:5d} {auc:6.3f} [{ci['roc_auc'][0]:.3f}, {ci['roc_auc'][1]:.3f}]   "
                f"{d_auc:+6.3f} [{dci['roc_auc'][0]:+.3f}, {dci['roc_auc'][1]:+.3f}]   "
                f"{mcc:6.3f} [{ci['mcc'][0]:.3f}, {ci['mcc'][1]:.3f}]   "
                f"{d_mcc:+6.3f} [{dci['mcc'][0]:+.3f}, {dci['mcc'][1]:+.3f}] "
                f"{epochs:7.1f} {fit_s:6.1f} {rate:10,.0f}"
            )
            note = f"validation event AUC {auc:.3f}, Δ vs batch {args.reference} {d_auc:+.3f} " + (
                f"[{dci['roc_auc'][0]:+.3f}, {dci['roc_auc'][1]:+.3f}], {rs[0]['device']}, {len(seeds)} seeds"
            )
            metrics.append(
                metric(f"training throughput, {m}, batch {b}", rate, "samples/s", better="higher", note=note)
            )
    emit("batch", metrics, dataset=str(args.dataset))


if __name__ == "__main__":
    main()
