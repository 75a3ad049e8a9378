"""The passes an event needs: predicted from the orbit model, or generated into a synthetic archive.

When an archive holds no pass for an event, :func:`needed_passes` lists the half-orbits (satellite,
product, orbit, half, UTC times, a file-name pattern) that would fill its window — what to fetch from a
real archive — and, for a generated archive (:func:`generated_archive_spec`), :func:`generate_event_passes`
writes them with the testbed's own seed and difficulty and re-indexes the archive. See
``docs/testbed.md`` for the generator.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.geo import haversine_km
from core.io.names import DIGIT_OF_HALF

__all__ = [
    "GeneratedArchive",
    "generate_event_passes",
    "generated_archive_spec",
    "needed_passes",
]

#: file-name patterns of one half-orbit's product file (``{orbit}`` 5 digits, ``{digit}`` of its half)
_PATTERNS = {
    "CSES-01": "CSES_01_{product}_L02_*_{orbit:05d}{digit}_*.h5",
    "DEMETER": "DMT_N1_{product}_{orbit:05d}{digit}_*.DAT",
}
_TRACK_CADENCE_S = 10.0


def needed_passes(
    event: Mapping[str, Any],
    *,
    satellite: str,
    days_before: float,
    radius_km: float,
    half: str | None = "night",
) -> pd.DataFrame:
    """Half-orbits of ``satellite`` (orbit model of :mod:`core.synthetic.orbit`) starting in the
    ``days_before`` days before the event's origin and crossing its circle (``radius_km``), one row per
    product: ``satellite, product, orbit, half, start, end`` (UTC), ``closest_km`` (closest approach of
    the ground track to the epicentre) and ``pattern`` (the file name to look for). ``half``: ``night``,
    ``day`` or None (both)."""
    from core.synthetic.generator import default_products
    from core.synthetic.orbit import half_orbits, track

    origin = pd.Timestamp(event["time"])
    origin = origin.tz_convert("UTC").tz_localize(None) if origin.tzinfo else origin
    t0 = origin - pd.Timedelta(days=float(days_before))
    rows = []
    for ho in half_orbits(satellite, t0.to_datetime64(), origin.to_datetime64()):
        if half is not None and ho.half != half:
            continue
        tr = track(ho, _TRACK_CADENCE_S)
        dist = haversine_km(float(event["lat"]), float(event["lon"]), tr.lat, tr.lon)
        closest = float(np.min(dist))
        if closest > radius_km:
            continue
        for product in default_products(satellite):
            code = product.split("_")[0] if satellite == "DEMETER" else product
            rows.append(
                {
                    "satellite": satellite,
                    "product": product,
                    "orbit": ho.orbit,
                    "half": ho.half,
                    "start": pd.Timestamp(ho.t_start),
                    "end": pd.Timestamp(ho.t_end),
                    "closest_km": closest,
                    "pattern": _PATTERNS[satellite].format(
                        product=code, orbit=ho.orbit, digit=DIGIT_OF_HALF[ho.half]
                    ),
                }
            )
    columns = ["satellite", "product", "orbit", "half", "start", "end", "closest_km", "pattern"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class GeneratedArchive:
    """The generator settings of a synthetic archive: its ``seed`` and precursor ``difficulty``."""

    seed: int
    difficulty: float | None


def generated_archive_spec(archive: str | os.PathLike[str]) -> GeneratedArchive | None:
    """The settings a synthetic archive was generated with — from the demo's ``demo.json`` in it, or the
    ``manifest.json`` (``spec`` + ``chunks``) of the testbed folder whose ``archive/`` it is — or None when
    there is no such stamp (real files, or an archive of ``python -m core generate`` whose seed was not
    recorded): then nothing is ever generated into it."""
    root = Path(archive)
    stamps = [(root / "demo.json", False)]
    if root.name == "archive":
        stamps.append((root.parent / "manifest.json", True))
    for path, is_manifest in stamps:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        if is_manifest and not ("spec" in data and "chunks" in data):
            continue
        spec = data["spec"] if is_manifest else data
        if not isinstance(spec, dict) or "seed" not in spec:
            continue
        difficulty = spec.get("difficulty")
        return GeneratedArchive(int(spec["seed"]), float(difficulty) if difficulty is not None else None)
    return None


def generate_event_passes(
    archive: str | os.PathLike[str],
    event: Mapping[str, Any],
    *,
    satellite: str = "CSES-01",
    days_before: float = 5.0,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
) -> str:
    """Generate the passes around one catalog ``event`` (a row with ``event_id`` and ``time``) into a
    synthetic ``archive``: the generator's ``events`` mode (half-orbits within 3 Dobrovolsky radii) from
    ``days_before`` days (at least the generator's own 5) before the origin to a day after, with the
    archive's own seed and difficulty, its ground truth merged; then the archive is re-indexed (only new
    files are read). One job at a time per archive (a lock file): two at once could lose each other's
    ground-truth rows or index entries. ``progress(step, n_steps, text)`` between the steps. Returns a
    one-line summary. Raises ValueError for an archive of real files."""
    from core.archive import scan_archive
    from core.synthetic import generate_archive

    spec = generated_archive_spec(archive)
    if spec is None:
        raise ValueError(
            f"{archive} is not a generated archive (no demo.json or testbed manifest): nothing to generate"
        )
    from core.synthetic.generator import EVENT_DAYS_AFTER, EVENT_DAYS_BEFORE

    say = progress or (lambda *_: None)
    origin = pd.Timestamp(event["time"])
    origin = origin.tz_convert("UTC").tz_localize(None) if origin.tzinfo else origin
    start = origin - pd.Timedelta(days=max(float(days_before), EVENT_DAYS_BEFORE))
    end = origin + pd.Timedelta(days=EVENT_DAYS_AFTER)
    kwargs: dict[str, Any] = {} if spec.difficulty is None else {"difficulty": spec.difficulty}
    lock_path = Path(archive) / ".generate.lock"
    with open(lock_path, "a") as lock:
        if _locked(lock):
            say(1, 3, "waiting for another generation into this archive to finish")
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            say(1, 3, f"generating {satellite} passes around event {event['event_id']}")
            report = generate_archive(
                satellite,
                start,
                end,
                archive,
                events=[str(event["event_id"])],
                seed=spec.seed,
                progress=False,
                workers=workers,
                **kwargs,
            )
            say(2, 3, f"{report.n_files} files written; indexing the archive")
            _, scan = scan_archive(archive, workers=workers, progress=False)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    say(3, 3, "done")
    return f"{report.summary()} | index: {scan.summary()}"


def _locked(lock: Any) -> bool:
    """Whether another process holds ``lock`` (a non-blocking try, released at once)."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(lock, fcntl.LOCK_UN)
    return False
