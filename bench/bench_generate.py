"""Benchmark: synthetic archive generation, seconds and MB per day (issue 4 target: ≤ 10 s/day on 2 cores).

Generates the default products (CSES-01 LAP_1 + PAP_0; DEMETER ISL 1144 + IAP 1140), day and night
half-orbits, at the real cadences with the built-in catalog (precursors injected), into a temporary
folder:

1. CSES-01, one day, whole globe, cold PyIRI cache (the model grid of that day is computed);
2. the same day again, warm cache (grid read back from the ``.npz``);
3. CSES-01 and DEMETER over the protocol testbed's region :data:`REGION` for ``--days`` days with
   ``--workers`` processes (one UTC day per process), cold PyIRI cache — the figure that sizes a
   testbed run (CSES-01 2018-02…2023-11 + 2025, DEMETER 2004-07…2010-11);
4. two whole-globe CSES-01 days with ``--workers`` processes, and a byte comparison with steps 1–2.

``--demeter`` is accepted for compatibility (step 3 always includes DEMETER).
One-time costs (imports, loading the space-weather tables and the catalog) are paid before timing.
Not a test: figures only (headline figures also to ``bench.results`` for ``python -m bench.suite``).
Usage: ``python -m bench.bench_generate [--workers 2] [--days 6] [--quick]`` (``--quick``: steps 1–2 only).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.results import emit, metric

TARGET_S_PER_DAY = 10.0  # issue 4, 2 cores
REGION = (95.0, -50.0, 180.0, 55.0)  # the protocol testbed's region (lon_min, lat_min, lon_max, lat_max)
REGION_START = {"CSES-01": "2021-06-01", "DEMETER": "2008-03-01"}


def _run(
    label: str,
    satellite: str,
    start: str,
    days: int,
    out: Path,
    cache: Path,
    workers: int,
    catalog,
    region: tuple[float, float, float, float] | None = None,
):
    from core.synthetic.generator import generate_archive

    end = str(np.datetime64(start) + np.timedelta64(days, "D"))
    t0 = time.perf_counter()
    rep = generate_archive(
        satellite,
        start,
        end,
        out,
        seed=0,
        catalog=catalog,
        progress=False,
        workers=workers,
        cache_dir=cache,
        region=region,
    )
    dt = time.perf_counter() - t0
    mb = rep.bytes / 1e6
    print(
        f"{label:<44} {dt / days:6.2f} s/day  {mb / days:6.1f} MB/day  "
        f"({rep.n_files} files, {rep.n_half_orbits} half-orbits, {days} day(s), workers={workers})"
    )
    return dt, rep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2, help="processes for the multi-day line (default 2)")
    ap.add_argument("--start", default="2021-03-01", help="first UTC day (default 2021-03-01)")
    ap.add_argument("--days", type=int, default=6, help="days per satellite of the region lines (default 6)")
    ap.add_argument(
        "--demeter", action="store_true", help="(compatibility: the region lines include DEMETER)"
    )
    ap.add_argument("--quick", action="store_true", help="only the one-day cold and warm CSES-01 runs")
    args = ap.parse_args()
    metrics = []

    def record(name: str, days: int, timed: tuple, target: float | None = None) -> None:
        dt, rep = timed
        note = f"{rep.bytes / 1e6 / days:.1f} MB/day, {rep.n_files} files"
        metrics.append(metric(name, dt / days, "s/day", target=target, note=note))

    from core import spaceweather
    from core.catalog import load_default_catalog

    t0 = time.perf_counter()
    catalog = load_default_catalog()
    spaceweather.coverage()
    import aacgmv2  # noqa: F401
    import PyIRI.main_library  # noqa: F401

    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
        f"(affinity {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'})"
    )
    print(f"one-time loads (catalog, space weather, imports): {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory(prefix="bench_generate_") as tmp:
        root = Path(tmp)
        cache = root / "cache"
        day2 = str(np.datetime64(args.start) + np.timedelta64(1, "D"))
        for label, sub in (("cold", "a"), ("warm", "b")):
            name = f"CSES-01 LAP+PAP, 1 day, {label} PyIRI cache"
            timed = _run(name, "CSES-01", args.start, 1, root / sub, cache, 1, catalog)
            record(f"generate {name}", 1, timed, TARGET_S_PER_DAY if label == "cold" else None)
        if args.quick:
            emit("generate", metrics)
            return
        for sat in ("CSES-01", "DEMETER"):
            name = f"{sat} default products, region, {args.workers} workers, cold PyIRI cache"
            sub = f"region_{sat}"
            timed = _run(
                name,
                sat,
                REGION_START[sat],
                args.days,
                root / sub,
                root / f"cache_{sat}",
                args.workers,
                catalog,
                REGION,
            )
            record(f"generate {name}", args.days, timed)
        name = f"CSES-01 LAP+PAP, 2 days, {args.workers} workers (day 2 cold)"
        timed = _run(name, "CSES-01", args.start, 2, root / "c", cache, args.workers, catalog)
        record(f"generate {name}", 2, timed)

        def same(x: str, y: str) -> bool:
            return all(
                (root / y / f.relative_to(root / x)).read_bytes() == f.read_bytes()
                for f in (root / x).rglob("*.h5")
            )

        print(
            f"byte-identical: cold vs warm {same('a', 'b')}, 1 worker vs {args.workers} (day 1) "
            f"{same('a', 'c')}; day 2 = {day2}"
        )
    emit("generate", metrics)


if __name__ == "__main__":
    main()
