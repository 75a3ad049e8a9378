"""Benchmark: build the default night-time Dobrovolsky dataset (``cses-default``) over a generated CSES-01
archive against every M ≥ 5 (depth ≤ 40 km) event of the archive's span; prints events/s and peak memory
(issue 5 target: ≥ 20 events/s on 2 cores, peak ≤ 4 GB).

Steps: (1) generate the archive (LAP_1 + PAP_0, both halves, real cadences) unless it exists — it is kept
under ``data/generated/bench/`` and reused by later runs, since generating is far slower than windowing
(~4 s per day per core); (2) index it (timed apart); (3) build the dataset from scratch with ``workers``
local dask processes: positives = the span's events, negatives 1:1 "same place, other time" drawn in the
span, the built-in catalog for exclusions; (4) build it again — the cached path.

The issue asks for one year; ``--months`` (default 12) sets the span. Peak memory: the largest resident
set of the main process and of any one worker process (``getrusage``), and their sum with ``workers``
workers as an upper bound of the whole. Headline figures also go to ``bench.results`` (targets judged for
a year or more only). Usage::

    python -m bench.bench_dataset [--start 2019-01-01] [--months 12] [--workers 2] [--archive DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

import pandas as pd

from bench.results import emit, metric

TARGET_EVENTS_PER_S = 20.0  # issue 5, 2 cores
TARGET_PEAK_MB = 4096.0


def _peak_mb() -> tuple[float, float]:
    """Peak RSS (MB) of this process and of the largest finished child process (Linux: ru_maxrss in kB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return own, child


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", default="2019-01-01", help="first UTC day of the archive (default 2019-01-01)")
    ap.add_argument("--months", type=int, default=12, help="span in months (default 12 = the issue's year)")
    ap.add_argument(
        "--workers", type=int, default=2, help="processes for generation and windowing (default 2)"
    )
    ap.add_argument("--archive", type=Path, default=None, help="use this archive instead of generating one")
    ap.add_argument("--config", default="cses-default", help="dataset configuration (default cses-default)")
    args = ap.parse_args()

    from core.catalog import default_events, load_default_catalog
    from core.config import Settings
    from core.datasets import build_dataset, get_config

    start = pd.Timestamp(args.start)
    end = start + pd.DateOffset(months=args.months)
    print(
        f"machine: {platform.machine()} cores={os.cpu_count()} load={os.getloadavg()[0]:.1f} "
        f"(shared with other jobs: timings are indicative); workers={args.workers}"
    )
    catalog = load_default_catalog()
    root = args.archive or Settings().work_dir / "bench" / f"cses_{start:%Y%m%d}_{args.months}m"
    if args.archive is None and not (root / "CSES-01").is_dir():
        from core.synthetic import generate_archive

        t0 = time.perf_counter()
        rep = generate_archive(
            "CSES-01", start, end, root, catalog=catalog, workers=args.workers, progress=True
        )
        dt = time.perf_counter() - t0
        print(
            f"generated {rep.n_files} files, {rep.bytes / 1e6:.0f} MB in {dt:.0f} s "
            f"({dt / rep.days:.1f} s/day)"
        )
    from core.archive import scan_archive

    t0 = time.perf_counter()
    index, scan = scan_archive(root, workers=args.workers, progress=False)
    print(f"index: {scan.summary()} — {time.perf_counter() - t0:.1f} s")
    ok = index[index["error"].isna() & (index["satellite"] == "CSES-01")]
    span0, span1 = ok["start"].min(), ok["end"].max()
    days = (span1 - span0).total_seconds() / 86400.0
    print(f"archive span: {span0:%Y-%m-%d %H:%M} … {span1:%Y-%m-%d %H:%M} UTC ({days:.1f} days)")

    # one split over the archive's span: events outside it are not windowed (they could only say
    # "no coverage")
    first, last = f"{span0:%Y-%m-%d}", f"{(span1 - pd.Timedelta(days=1)):%Y-%m-%d}"
    settings = get_config(args.config).with_(name=f"bench-{args.config}", splits=(("train", first, last),))
    events = default_events(catalog)
    in_span = events[(events["time"] >= pd.Timestamp(first, tz="UTC"))
                     & (events["time"] < pd.Timestamp(last, tz="UTC") + pd.Timedelta(days=1))]  # fmt: skip
    print(f"events M>=5, depth<=40 km in the span: {len(in_span)}")
    out = Settings().work_dir / "bench" / f"{settings.name}.nc"

    t0 = time.perf_counter()
    ds, rep = build_dataset(
        settings,
        root,
        catalog=catalog,
        index=index,
        out=out,
        force=True,
        workers=args.workers,
        progress=False,
    )
    dt = time.perf_counter() - t0
    n_pos = sum(rep.counts[s]["positive"]["events"] for s in rep.splits)
    n_neg = sum(rep.counts[s]["negative"]["events"] for s in rep.splits)
    print(rep.summary())
    own, child = _peak_mb()
    print(
        f"build (from scratch): {dt:.1f} s — {n_pos / dt:.1f} catalog events/s, "
        f"{(n_pos + n_neg) / dt:.1f} windowed events/s (positives + pseudo-events, {n_pos + n_neg}); "
        f"{ds.sizes['sample']} samples"
    )
    print(
        f"peak memory: main {own:.0f} MB, largest worker {child:.0f} MB; "
        f"upper bound main + {args.workers} workers = {own + args.workers * child:.0f} MB"
    )
    t0 = time.perf_counter()
    _, rep2 = build_dataset(settings, root, catalog=catalog, out=out, workers=args.workers, progress=False)
    rebuild = time.perf_counter() - t0
    print(f"rebuild (cached={rep2.cached}, incl. index re-scan and hashing): {rebuild:.2f} s")
    judged = args.months >= 12  # the year: a shorter span's fixed costs weigh more
    what = f"{args.config}, {args.months} month(s) of CSES-01 from {start:%Y-%m}, {args.workers} workers"
    emit(
        "dataset",
        [
            metric(
                "dataset build, catalog events/s",
                n_pos / dt,
                "events/s",
                target=TARGET_EVENTS_PER_S if judged else None,
                better="higher",
                note=f"{what}: {n_pos} events in {dt:.1f} s",
            ),
            metric(
                "dataset build, windowed events/s (positives + pseudo-events)",
                (n_pos + n_neg) / dt,
                "events/s",
            ),
            metric(
                "dataset build, peak memory (main + workers, upper bound)",
                own + args.workers * child,
                "MB",
                target=TARGET_PEAK_MB if judged else None,
            ),
            metric("dataset rebuild, unchanged (cache)", rebuild, "s"),
        ],
    )


if __name__ == "__main__":
    main()
