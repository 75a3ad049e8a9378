"""Benchmark: the map explorer's server-side work for the whole built-in catalog (~42k events).

Prints the cold catalog load, the filter step, and building + serialising the map figure (what one
filter change costs the server), with the payload size before and after gzip. Not a test: figures only.
Its headline figures go to ``bench.results`` (for ``python -m bench.suite``).
"""

from __future__ import annotations

import gzip
import platform
import time

import plotly.io as pio

from bench.results import emit, metric
from core.catalog import load_default_catalog
from core.config import default_settings
from dashboard.data import catalog_table, filtered_events
from dashboard.figures import catalog_map_figure
from dashboard.state import MapState


def _best(fn, repeat: int = 5) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    settings = default_settings()
    t0 = time.perf_counter()
    load_default_catalog(settings)
    cold = time.perf_counter() - t0
    catalog_table(settings)
    print(f"machine: {platform.machine()} {platform.processor() or ''} cores={__import__('os').cpu_count()}")
    print(f"catalog cold load (3 ComCat CSV, 42k rows): {cold * 1000:.0f} ms")
    metrics = [metric("catalog cold load (3 ComCat CSV, 42k rows)", cold * 1000, "ms")]
    cases = {
        "default filters (M>=5, depth<=40 km)": MapState(),
        "whole catalog (M>=4.5, all depths)": MapState(mag_min=4.5, depth_max=700.0),
    }
    for label, state in cases.items():
        t_filter, events = _best(lambda s=state: filtered_events(settings, s))
        t_fig, payload = _best(lambda e=events: pio.to_json(catalog_map_figure(e)), repeat=3)
        gz = len(gzip.compress(payload.encode(), 6))
        print(
            f"{label}: {len(events):,} events | filter {t_filter * 1000:.1f} ms | figure+JSON "
            f"{t_fig * 1000:.0f} ms | payload {len(payload) / 1e6:.2f} MB, gzip {gz / 1e6:.2f} MB"
        )
        short = label.split(" (")[0]
        size = f"{len(events):,} events; {len(payload) / 1e6:.1f} MB JSON, {gz / 1e6:.2f} MB gzip"
        metrics += [
            metric(f"map filter, {short}", t_filter * 1000, "ms", note=f"{len(events):,} events"),
            metric(f"map figure build + JSON, {short}", t_fig * 1000, "ms", note=size),
        ]
    emit("map", metrics)


if __name__ == "__main__":
    main()
