"""Benchmark: training throughput (samples/s) of every model on a seeded synthetic array of realistic shape.

Input: ``--samples`` sequences (default N = 4,000) of ``--length`` steps (L = 20) × 4 features, half of
them carrying a Gaussian bump (a learnable signal, as the test helper's), with a random walk and 2 % NaN;
a held-out 1,000 for the neural models' validation loss. Each model has its quick hyper-parameters
(``core.training.QUICK_PARAMS``). Figures:

- neural models (seqnetquake, cnn, lstm, bilstm): ``--epochs`` epochs (default 5) *without* early
  stopping (a fixed amount of work), after an untimed one-epoch warm-up fit on 2,048 sequences;
  samples/s = N × epochs / fit seconds, i.e. training samples pushed through forward + backward per
  second. The validation pass of early stopping, when used, adds about
  a forward pass over the validation set per epoch (not counted here). One epoch of a full fit costs
  N / (samples/s) seconds; a default fit runs 15–60 epochs.
- scikit-learn models (random_forest, svm, hist_gradient_boosting ("hgb")): one fit; samples/s = N / fit
  seconds.

Torch runs on ``--threads`` intra-op threads (default 1, the estimators' ``n_threads`` default, measured
fastest on a shared 2-core machine). Not a test: figures only; the machine may be shared. Headline figures
also go to ``bench.results``.

Usage::

    python -m bench.bench_training [--samples 4000] [--length 20] [--epochs 5] [--threads 1] [--models ...]
        [--device auto|cpu|cuda] [--batch-size N]

Torch models run on ``--device`` (default ``auto``: CUDA when a GPU is present, else the CPU), which each
row's note names with the batch size.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from bench.results import emit, metric

ALIASES = {"hgb": "hist_gradient_boosting", "rf": "random_forest"}


def synthetic(n: int, L: int, n_features: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (X, y): X (n, L, F) float32 with a random walk, a Gaussian bump on feature 0 (and half of it
    on feature 1) for the positives (half the samples), physical-looking scales and 2 % NaN."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int64)
    t = np.arange(L)
    X = rng.normal(0.0, 1.0, (n, L, n_features)) + np.cumsum(rng.normal(0.0, 0.3, (n, L, n_features)), axis=1)
    bump = 1.5 * np.exp(-0.5 * ((t - L / 2) / max(L / 6, 1.0)) ** 2)
    X[y == 1, :, 0] -= bump
    if n_features > 1:
        X[y == 1, :, 1] += 0.5 * bump
    scales = np.resize(np.array([1e5, 2000.0, 5e4, 1200.0]), n_features)
    offsets = np.resize(np.array([3e5, 2500.0, 2e5, 1000.0]), n_features)
    X = (X * scales * 0.1 + offsets).astype(np.float32)
    X[rng.random(X.shape) < 0.02] = np.nan
    return X, y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=4000, help="training sequences N (default 4000)")
    ap.add_argument("--length", type=int, default=20, help="sequence length L (default 20)")
    ap.add_argument("--epochs", type=int, default=5, help="epochs per neural model (default 5)")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--device", default="auto", help="torch device: auto (CUDA when present), cpu, cuda")
    ap.add_argument("--batch-size", type=int, default=None, help="torch batch size (default: the device's)")
    ap.add_argument("--models", default="", help="comma-separated subset (default all 7; 'hgb' allowed)")
    args = ap.parse_args()

    from sklearn.metrics import roc_auc_score

    from core.models.zoo import MODEL_NAMES, TORCH_MODELS, make_model
    from core.training import QUICK_PARAMS

    names = [ALIASES.get(n.strip(), n.strip()) for n in args.models.split(",") if n.strip()] or list(
        MODEL_NAMES
    )
    X, y = synthetic(args.samples + 1000, args.length, seed=0)
    Xtr, ytr, Xte, yte = X[: args.samples], y[: args.samples], X[args.samples :], y[args.samples :]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared?); torch threads {args.threads}")
    print(f"data: N={len(Xtr):,} training sequences, L={args.length}, 4 features (seeded synthetic)")
    print(f"{'model':24s} {'fit s':>8s} {'epochs':>7s} {'samples/s':>11s} {'held-out AUC':>13s}")
    metrics = []
    for name in names:
        params = dict(QUICK_PARAMS.get(name, {}))
        if name in TORCH_MODELS:
            params.update(epochs=args.epochs, min_epochs=0, n_threads=args.threads, device=args.device)
            if args.batch_size:
                params["batch_size"] = args.batch_size
            # a one-epoch fit on a few batches first: the device's start-up (CUDA context, kernel
            # selection) stays out of the timing
            make_model(name, **{**params, "epochs": 1}, seed=0).fit(Xtr[:2048], ytr[:2048])
        model = make_model(name, **params, seed=0)
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)  # no validation data: neural models run exactly ``epochs`` epochs
        seconds = time.perf_counter() - t0
        epochs = len(model.history_) if name in TORCH_MODELS else 1
        rate = len(Xtr) * epochs / seconds
        auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
        print(f"{name:24s} {seconds:8.2f} {epochs:7d} {rate:11,.0f} {auc:13.3f}")
        unit = "samples/s (per epoch)" if name in TORCH_MODELS else "samples/s (one fit)"
        note = f"N={len(Xtr)}, L={args.length}, F=4, {epochs} epoch(s), {args.threads} torch thread(s)"
        if name in TORCH_MODELS:
            note += f", {model.device_} batch {model.batch_size_}"
        metrics.append(metric(f"training throughput, {name}", rate, unit, better="higher", note=note))
    emit("training", metrics)


if __name__ == "__main__":
    main()
