"""Machine-readable headline figures of the bench scripts, for ``python -m bench.suite``.

Each bench script builds a list of :func:`metric` dicts and passes it to :func:`emit`. When the environment
variable ``SEQNETQUAKE_BENCH_RESULTS`` names a folder (the suite sets it), ``emit`` writes
``<folder>/<bench>.json``; otherwise it does nothing, so running a script alone prints exactly what it did
before. A metric::

    {"name": "...", "value": 4.7, "unit": "s/day", "target": 10.0, "better": "lower", "note": "..."}

``target`` is the limit the value is judged against (None: measured, no target); ``better`` says which side
of it meets the target ("lower": value ≤ target, "higher": value ≥ target).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

RESULTS_ENV = "SEQNETQUAKE_BENCH_RESULTS"


def metric(
    name: str,
    value: float | None,
    unit: str,
    target: float | None = None,
    better: str = "lower",
    note: str = "",
) -> dict[str, Any]:
    """One headline figure; ``value`` None or NaN means "not measured" (kept in the table as —)."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")
    number = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    return {"name": name, "value": number, "unit": unit, "target": target, "better": better, "note": note}


def verdict(m: dict[str, Any]) -> str:
    """ "met" / "MISSED" against the metric's target, "" when it has none, "—" when it was not measured."""
    if m.get("target") is None:
        return ""
    if m.get("value") is None:
        return "—"
    ok = m["value"] <= m["target"] if m.get("better", "lower") == "lower" else m["value"] >= m["target"]
    return "met" if ok else "MISSED"


def emit(bench: str, metrics: list[dict[str, Any]], **info: Any) -> Path | None:
    """Write ``{"bench": bench, "metrics": metrics, **info}`` to ``$SEQNETQUAKE_BENCH_RESULTS/<bench>.json``
    when that variable is set; returns the file written (None when not asked for)."""
    folder = os.environ.get(RESULTS_ENV)
    if not folder:
        return None
    path = Path(folder) / f"{bench}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"bench": bench, "metrics": metrics, **info}, indent=1, default=str))
    tmp.replace(path)
    return path
