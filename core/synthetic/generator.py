"""Write a synthetic archive of half-orbit pass files in the real CSES-01 / DEMETER formats.

:func:`generate_archive` writes every half-orbit of a span (optionally only those entering a region or
near some events) to ``out_dir/<satellite>/<YYYY>/<MM>/<DD>/`` and merges ``ground_truth.csv``; the same
seed gives byte-identical files whatever the span, region, event list or worker count. How a half-orbit
is made, speed, determinism and space weather outside the record: ``docs/synthetic.md`` (section
"generate_archive").
"""

from __future__ import annotations

import os
import time as _time
import warnings
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.geo import haversine_km
from core.synthetic import disturbances as dist
from core.synthetic import ionosphere as iono
from core.synthetic.orbit import HALF_CODES, HalfOrbit, Track, half_orbits, master_times, mission, position
from core.synthetic.precursors import (
    DEFAULT_DIFFICULTY,
    Precursor,
    PrecursorModel,
    draw_precursors,
    ground_truth_table,
    precursor_perturbation,
    select_events,
    write_ground_truth,
)

__all__ = [
    "EVENT_DAYS_AFTER",
    "EVENT_DAYS_BEFORE",
    "EVENT_RADIUS_FACTOR",
    "GenerationReport",
    "HalfOrbitTruth",
    "default_products",
    "generate_archive",
    "observe",
    "simulate_truth",
]

EVENT_DAYS_BEFORE: float = 5.0
"""``events=`` runs write passes starting up to this many days before each event …"""
EVENT_DAYS_AFTER: float = 1.0
"""… and up to this many days after it …"""
EVENT_RADIUS_FACTOR: float = 3.0
"""… whose track comes within this many Dobrovolsky radii of the epicentre."""
PRECURSOR_LOOKAHEAD_DAYS: float = 5.0
"""Events up to this many days after the span's end can still have precursors inside it."""

_NS_PER_DAY = 86_400 * 1_000_000_000
_GEO_STREAM = 0x47454F  # "GEO"


def _crc(text: str) -> int:
    return zlib.crc32(str(text).encode("utf-8"))


def default_products(satellite: str) -> tuple[str, ...]:
    """Default products: CSES-01 ``LAP_1``, ``PAP_0``; DEMETER ``1144`` (ISL), ``1140`` (IAP)."""
    return tuple(mission(satellite).products)


# ------------------------------------------------------------------------------------------------ truth


@dataclass
class HalfOrbitTruth:
    """The noise-free ("true") ionosphere along one half-orbit's 1 s master grid.

    Densities cm^-3, temperatures K, drifts m/s, angles deg, ``lt`` h. ``ne_background`` is PyIRI alone;
    ``storm_activity`` the storm activity A (0…0.9); ``precursor_dlog`` the precursor's ln-perturbation
    of Ne; ``precursor_events`` the ids of the events whose precursor reaches this pass.
    """

    ho: HalfOrbit
    time: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    lt: np.ndarray
    mlat: np.ndarray
    mlon: np.ndarray
    mlt: np.ndarray
    dip_lat: np.ndarray
    sunlit: np.ndarray
    f107: float
    ne_background: np.ndarray
    ne: np.ndarray
    te: np.ndarray
    ti: np.ndarray
    ni_o: np.ndarray
    ni_h: np.ndarray
    ni_he: np.ndarray
    vi: np.ndarray  # (n, 3): x (along track), y (cross track), z (up)
    storm_activity: np.ndarray
    bubble_shape: np.ndarray
    precursor_dlog: np.ndarray
    precursor_events: list[str]


def _index(name: str, times: np.ndarray) -> np.ndarray:
    from core import spaceweather

    fn = spaceweather.kp if name == "kp" else spaceweather.dst_like
    return np.asarray(fn(times, outside="nan"), dtype=float)


def simulate_truth(
    ho: HalfOrbit,
    *,
    seed: int = 0,
    precursors: Sequence[Precursor] = (),
    precursor_model: PrecursorModel | None = None,
    cache_dir: str | Path | None = None,
    grid: iono.NeGrid | None = None,
    track: Track | None = None,
) -> HalfOrbitTruth:
    """The true ionosphere along half-orbit ``ho`` (docs/synthetic.md, "How one half-orbit is made",
    step 2). ``track``: its master-grid track ``position(ho.satellite, master_times(ho))`` when the caller
    already has it."""
    tr = track if track is not None else position(ho.satellite, master_times(ho))
    n = tr.time.size
    mlat, mlon, mlt = iono.magnetic_coordinates(tr.time, tr.lat, tr.lon, tr.alt)
    dip = iono.dip_latitude(tr.time, tr.lat, tr.lon, tr.alt)
    day = ho.t_start.astype("datetime64[D]")
    if grid is None:
        h0 = mission(ho.satellite).era_at(ho.t_start)[1]
        grid = iono.ne_grid(day, (h0 - 20.0, h0, h0 + 20.0), cache_dir=cache_dir)
    ne_bg = iono.background_ne(grid, tr.time, tr.lat, tr.lon, tr.alt)
    sza = iono.solar_zenith_deg(tr.time, tr.lat, tr.lt)
    sunlit = iono.sunlit_fraction(sza)

    rng = np.random.default_rng(
        np.random.SeedSequence([int(seed), _GEO_STREAM, _crc(ho.satellite), ho.orbit, HALF_CODES[ho.half]])
    )
    nat = dist.natural_variability(rng, n)
    storm = dist.storm_perturbation(rng, mlat, _index("kp", tr.time), _index("dst_like", tr.time))
    i_eq = int(np.argmin(np.abs(tr.lat)))
    doy = int((day - day.astype("datetime64[Y]")).astype(np.int64)) + 1
    p_epb = 0.0
    if ho.half == "night":
        p_epb = dist.bubble_probability(
            doy, float(tr.lon[i_eq]), float(tr.lt[i_eq]), grid.f107, float(sunlit[i_eq])
        )
    epb_dlog, epb_shape, epb_vz = dist.plasma_bubbles(rng, dip, p_epb)
    drift_x = 40.0 * dist.red_noise(rng, n, 120.0)
    drift_y = 40.0 * dist.red_noise(rng, n, 120.0)
    drift_z = 20.0 * dist.red_noise(rng, n, 300.0)
    storm_x = dist.red_noise(rng, n, 30.0)
    storm_y = dist.red_noise(rng, n, 30.0)

    model = precursor_model or PrecursorModel()
    prec_dlog, prec_ids = precursor_perturbation(
        precursors, ho, tr.time, tr.lat, tr.lon, seed=seed, model=model
    )
    dlog_ne = nat.dlog_ne + storm.dlog_ne + epb_dlog + prec_dlog
    ne = ne_bg * np.exp(dlog_ne)
    te0 = iono.electron_temperature(ne_bg, mlat, tr.alt, sunlit)
    te = te0 * np.exp(nat.dlog_te + storm.dlog_te + 0.05 * epb_shape - model.te_coupling * prec_dlog)
    ti0 = iono.ion_temperature(te0, grid.f107, sunlit)
    ti = ti0 * np.exp(nat.dlog_ti + storm.dlog_ti - model.ti_coupling * prec_dlog)
    ni_o, ni_h, ni_he = iono.ion_composition(ne, tr.alt, grid.f107, sunlit)
    vi = np.column_stack(
        [
            drift_x + storm.drift_sigma * storm_x,
            drift_y + storm.drift_sigma * storm_y,
            drift_z + epb_vz,
        ]
    )
    return HalfOrbitTruth(
        ho=ho,
        time=tr.time,
        lat=tr.lat,
        lon=tr.lon,
        alt=tr.alt,
        lt=tr.lt,
        mlat=mlat,
        mlon=mlon,
        mlt=mlt,
        dip_lat=dip,
        sunlit=sunlit,
        f107=grid.f107,
        ne_background=ne_bg,
        ne=ne,
        te=te,
        ti=ti,
        ni_o=ni_o,
        ni_h=ni_h,
        ni_he=ni_he,
        vi=vi,
        storm_activity=storm.activity,
        bubble_shape=epb_shape,
        precursor_dlog=prec_dlog,
        precursor_events=prec_ids,
    )


# ------------------------------------------------------------------------------------------ instruments

_KINDS = {
    "Ne": "density",
    "Ni": "density",
    "Ni_O": "density",
    "Ni_H": "density",
    "Ni_He": "density",
    "Te": "temperature",
    "Ti": "temperature",
}


def _observe_arrays(truth: HalfOrbitTruth, product: str, idx: np.ndarray, rng: np.random.Generator) -> dict:
    w = dist.white_noise
    ne, te = truth.ne[idx], truth.te[idx]
    vi = truth.vi[idx]
    if product == "LAP_1":
        return {"Ne": w(rng, ne, dist.NE_WHITE_SIGMA), "Te": w(rng, te, 0.03, 20.0)}
    if product in ("PAP_0", "1140"):
        out = {
            "Ni_H": w(rng, truth.ni_h[idx], 0.10),
            "Ni_He": w(rng, truth.ni_he[idx], 0.15),
            "Ni_O": w(rng, truth.ni_o[idx], 0.03),
            "Ti": w(rng, truth.ti[idx], 0.04, 10.0),
        }
        vx = vi[:, 0] + 30.0 * rng.standard_normal(idx.size)
        vy = vi[:, 1] + 30.0 * rng.standard_normal(idx.size)
        vz = vi[:, 2] + 30.0 * rng.standard_normal(idx.size)
        if product == "PAP_0":
            out.update({"Vi_x": vx, "Vi_y": vy, "Vi_z": vz})
        else:
            speed = np.sqrt(vx * vx + vy * vy + vz * vz)
            out.update(
                {
                    "Vi_z": vz,
                    "Vi_theta": np.rad2deg(np.arccos(np.clip(vz / np.maximum(speed, 1e-9), -1.0, 1.0))),
                    "Vi_phi": np.mod(np.rad2deg(np.arctan2(vy, vx)), 360.0),
                    "V_sat": _sat_potential(truth, idx, rng),
                }
            )
        return out
    if product == "1144":
        kte = truth.te[idx] * 8.617e-5  # kTe/e, V
        return {
            "Ne": w(rng, ne, dist.NE_WHITE_SIGMA),
            "Te": w(rng, te, 0.03, 20.0),
            "Ni": w(rng, ne * 1.03, 0.03),
            "V_plasma": 0.3 + 0.5 * kte + 0.02 * rng.standard_normal(idx.size),
            "V_float": -3.0 * kte + 0.02 * rng.standard_normal(idx.size),
            "V_sat": _sat_potential(truth, idx, rng),
        }
    raise ValueError(f"unknown product {product!r}")


def _sat_potential(truth: HalfOrbitTruth, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Satellite potential (V): about −0.6 V in shadow, −1.0 V sunlit (photoemission vs. collection)."""
    return -0.6 - 0.4 * truth.sunlit[idx] + 0.02 * rng.standard_normal(idx.size)


def observe(
    truth: HalfOrbitTruth,
    product: str,
    *,
    seed: int = 0,
    instrument_model: dist.InstrumentModel | None = None,
    source_file: str | None = None,
) -> Any:
    """The Pass (``xarray.Dataset``, docs/data-contracts.md) one product records of ``truth``; ``None``
    when the instrument recorded nothing for this pass."""
    from core.passes import make_pass

    ho = truth.ho
    m = mission(ho.satellite)
    if product not in m.products:
        raise ValueError(f"{ho.satellite} has no product {product!r} (products: {sorted(m.products)})")
    instrument, cadence = m.products[product]
    model = instrument_model or dist.InstrumentModel()
    rng = np.random.default_rng(
        np.random.SeedSequence(
            [int(seed), _GEO_STREAM, _crc(ho.satellite), ho.orbit, HALF_CODES[ho.half], _crc(product) + 1]
        )
    )
    if dist.instrument_off(rng, model):
        return None
    idx = np.arange(0, truth.time.size, cadence)
    arrays = _observe_arrays(truth, product, idx, rng)
    dist.apply_bad_records(rng, arrays, _KINDS, model)
    dist.apply_fill_block(rng, arrays, model)
    keep = dist.gap_keep_mask(rng, idx.size, float(cadence), model)
    sel = idx[keep]
    variables: dict[str, tuple] = {k: (v[keep], {}) for k, v in arrays.items()}
    extra = {
        "mlon": ("time", truth.mlon[sel], {"units": "deg", "long_name": "magnetic longitude"}),
        "mlt": ("time", truth.mlt[sel], {"units": "h", "long_name": "magnetic local time"}),
    }
    if ho.satellite == "DEMETER":
        dip_mlat = iono.dipole_mlat(truth.lat[sel], truth.lon[sel], truth.time[truth.time.size // 2])
        shell, inv = iono.l_shell(dip_mlat, truth.alt[sel])
        extra["l_shell"] = ("time", shell, {"units": "1", "long_name": "McIlwain L (dipole)"})
        extra["inv_lat"] = ("time", inv, {"units": "deg", "long_name": "invariant latitude"})
    name = source_file or f"synthetic_{ho.satellite}_{ho.orbit:05d}_{ho.half}_{product}"
    return make_pass(
        truth.time[sel],
        truth.lat[sel],
        truth.lon[sel],
        truth.alt[sel],
        truth.mlat[sel],
        variables,
        satellite=ho.satellite,
        instrument=instrument,
        product=product,
        orbit=ho.orbit,
        half=ho.half,
        source_file=name,
        lt=truth.lt[sel],
        extra_coords=extra,
        attrs={"time_resolution_s": float(cadence)},
    )


# ---------------------------------------------------------------------------------------------- archive


@dataclass
class GenerationReport:
    """What :func:`generate_archive` did. ``seconds`` is wall time; ``bytes`` the size of the pass files."""

    satellite: str
    start: np.datetime64
    end: np.datetime64
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    bytes: int = 0
    n_half_orbits: int = 0
    n_missing: int = 0
    n_events: int = 0
    n_events_with_precursor: int = 0
    ground_truth: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def n_files(self) -> int:
        """Number of pass files written."""
        return len(self.files)

    @property
    def days(self) -> float:
        """Length of the generated span in days."""
        return float((self.end - self.start) / np.timedelta64(1, "D"))

    def summary(self) -> str:
        """One line for a CLI."""
        mb = self.bytes / 1e6
        return (
            f"{self.satellite}: {self.n_files} files, {mb:.1f} MB in {self.seconds:.1f} s "
            f"({self.n_half_orbits} half-orbits, {self.n_missing} instrument-off) — "
            f"{self.n_events_with_precursor}/{self.n_events} events carry a precursor; "
            f"ground truth: {self.ground_truth}"
        )


@dataclass(frozen=True)
class _Target:
    time: np.datetime64
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class _DayTask:
    satellite: str
    t0: np.datetime64
    t1: np.datetime64
    products: tuple[str, ...]
    out_dir: str
    region: tuple[float, float, float, float] | None
    targets: tuple[_Target, ...] | None
    precursors: tuple[Precursor, ...]
    seed: int
    precursor_model: PrecursorModel
    instrument_model: dist.InstrumentModel
    cache_dir: str | None


def _in_region(lat: np.ndarray, lon: np.ndarray, region: tuple[float, float, float, float]) -> bool:
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in region)
    in_lat = (lat >= lat_min) & (lat <= lat_max)
    if lon_min <= lon_max:
        in_lon = (lon >= lon_min) & (lon <= lon_max)
    else:  # crosses the antimeridian
        in_lon = (lon >= lon_min) | (lon <= lon_max)
    return bool((in_lat & in_lon).any())


_SCREEN_STEP_S = 30


def _may_enter_region(ho: HalfOrbit, region: tuple[float, float, float, float]) -> bool:
    """Cheap screen before the exact test on the 1 s track: False only when no 1 s sample can be in
    ``region``. The track is taken every 30 s (and at ``t_end``), so every 1 s sample lies within 15 s of
    one of those; the region is widened by the largest lat/lon step between them (30 s of track, twice
    what 15 s can move) plus 0.5°."""
    n = ho.duration_s + 1
    idx = np.arange(0, n, _SCREEN_STEP_S, dtype=np.int64)
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    times = ho.t_start + (idx * 1_000_000_000).astype("timedelta64[ns]")
    tr = position(ho.satellite, times)
    if idx.size > 1:
        pad_lat = float(np.abs(np.diff(tr.lat)).max()) + 0.5
        pad_lon = float(np.abs(np.mod(np.diff(tr.lon) + 180.0, 360.0) - 180.0).max()) + 0.5
    else:
        pad_lat = pad_lon = 0.5
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in region)
    in_lat = (tr.lat >= lat_min - pad_lat) & (tr.lat <= lat_max + pad_lat)
    width = lon_max - lon_min if lon_min <= lon_max else lon_max - lon_min + 360.0
    if width + 2.0 * pad_lon >= 360.0:
        return bool(in_lat.any())
    in_lon = np.mod(tr.lon - (lon_min - pad_lon), 360.0) <= width + 2.0 * pad_lon
    return bool((in_lat & in_lon).any())


def _near_target(ho: HalfOrbit, lat: np.ndarray, lon: np.ndarray, targets: Sequence[_Target]) -> bool:
    for t in targets:
        lo = t.time - np.timedelta64(int(EVENT_DAYS_BEFORE * _NS_PER_DAY), "ns")
        hi = t.time + np.timedelta64(int(EVENT_DAYS_AFTER * _NS_PER_DAY), "ns")
        if lo <= ho.t_start <= hi:
            if haversine_km(t.lat, t.lon, lat, lon).min() <= EVENT_RADIUS_FACTOR * t.radius_km:
                return True
    return False


def _run_day(task: _DayTask) -> tuple[list[tuple[str, int]], int, int, list[str]]:
    """Generate the half-orbits starting in ``[task.t0, task.t1)``; returns (files with sizes,
    n half-orbits written, n instrument-off product passes, warnings)."""
    from core.io import write_pass

    files: list[tuple[str, int]] = []
    notes: list[str] = []
    selected: list[HalfOrbit] = []
    tracks: dict[tuple, Track] = {}
    for ho in half_orbits(task.satellite, task.t0, task.t1):
        if task.region is not None or task.targets is not None:
            if task.region is not None and not _may_enter_region(ho, task.region):
                continue
            tr = position(task.satellite, master_times(ho))
            if task.region is not None and not _in_region(tr.lat, tr.lon, task.region):
                continue
            if task.targets is not None and not _near_target(ho, tr.lat, tr.lon, task.targets):
                continue
            tracks[ho.key] = tr
        selected.append(ho)
    if not selected:
        return files, 0, 0, notes
    n_off = 0
    grids: dict[tuple, iono.NeGrid] = {}
    for ho in selected:
        day = ho.t_start.astype("datetime64[D]")
        h0 = mission(ho.satellite).era_at(ho.t_start)[1]
        key = (str(day), h0)
        if key not in grids:
            f107, observed = iono.daily_f107(day)
            if not observed:
                notes.append(f"{day}: no observed F10.7, used {f107:g} sfu")
            grids[key] = iono.ne_grid(day, (h0 - 20.0, h0, h0 + 20.0), f107, cache_dir=task.cache_dir)
        truth = simulate_truth(
            ho,
            seed=task.seed,
            precursors=task.precursors,
            precursor_model=task.precursor_model,
            grid=grids[key],
            track=tracks.get(ho.key),
        )
        day_dir = Path(task.out_dir) / ho.satellite / str(day).replace("-", os.sep)
        day_dir.mkdir(parents=True, exist_ok=True)
        for product in task.products:
            ds = observe(truth, product, seed=task.seed, instrument_model=task.instrument_model)
            if ds is None:
                n_off += 1
                continue
            path = write_pass(ds, day_dir)
            files.append((str(path), path.stat().st_size))
    ends = np.array([task.t0, task.t1 - np.timedelta64(1, "s")], dtype="datetime64[ns]")
    for index, label in (("kp", "Kp"), ("dst_like", "Dst-like RC")):
        if not np.isfinite(_index(index, ends)).all():
            notes.append(f"{task.t0.astype('datetime64[D]')}: no observed {label} index, treated as quiet")
    return files, len(selected), n_off, notes


def _as_ns(value: Any) -> np.datetime64:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return np.datetime64(ts.to_datetime64(), "ns")


def generate_archive(
    satellite: str,
    start: Any,
    end: Any,
    out_dir: str | os.PathLike[str],
    *,
    products: Sequence[str] | None = None,
    region: tuple[float, float, float, float] | None = None,
    events: Sequence[str] | None = None,
    seed: int = 0,
    difficulty: float = DEFAULT_DIFFICULTY,
    catalog: pd.DataFrame | None = None,
    progress: bool = True,
    workers: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    precursor_model: PrecursorModel | None = None,
    instrument_model: dist.InstrumentModel | None = None,
) -> GenerationReport:
    """Generate a synthetic archive of ``satellite`` half-orbits starting in ``[start, end)`` (UTC).

    - ``satellite``: ``"CSES-01"`` or ``"DEMETER"``; ``products``: default all (:func:`default_products`).
    - ``start``/``end``: anything :class:`pandas.Timestamp` accepts (naive = UTC); a span outside the
      mission's life is clipped (with a warning). With ``events``, either may be ``None``: the span is
      then ``EVENT_DAYS_BEFORE`` days before the first event to ``EVENT_DAYS_AFTER`` after the last.
    - ``out_dir``: files go to ``out_dir/<satellite>/<YYYY>/<MM>/<DD>/<real file name>``; the ground truth
      to ``out_dir/ground_truth.csv`` (merged with what is there).
    - ``region``: ``(lon_min, lat_min, lon_max, lat_max)`` deg (``lon_min > lon_max`` crosses the
      antimeridian): only half-orbits whose instrument-on track enters it are written.
    - ``events``: catalog event ids: only half-orbits starting from 5 days before to 1 day after an event
      and coming within 3 R (Dobrovolsky) of it are written — quick demos.
    - ``seed``: everything random derives from it; ``difficulty`` > 0 divides precursor amplitudes.
    - ``catalog``: events table (columns ``event_id, time, lat, lon, depth_km, mag`` and optionally
      ``type``); default :func:`core.catalog.load_default_catalog`. The protocol's selection (earthquakes,
      M ≥ 5, depth ≤ 40 km) decides which events may carry a precursor.
    - ``workers``: processes (one UTC day per task; the output does not depend on it);
      ``cache_dir``: PyIRI grid cache (default ``Settings().cache_dir / "pyiri"``).
    - ``precursor_model`` / ``instrument_model``: override the documented defaults.

    Returns a :class:`GenerationReport` (files, seconds, bytes, event counts, warnings).
    """
    t_begin = _time.perf_counter()
    m = mission(satellite)
    products = tuple(products) if products else default_products(satellite)
    for p in products:
        if p not in m.products:
            raise ValueError(f"{satellite} has no product {p!r} (products: {sorted(m.products)})")
    if not difficulty > 0:
        raise ValueError(f"difficulty must be > 0, got {difficulty!r}")
    if region is not None:
        region = tuple(float(v) for v in region)  # type: ignore[assignment]
        if len(region) != 4 or region[1] > region[3]:
            raise ValueError(f"region must be (lon_min, lat_min, lon_max, lat_max), got {region!r}")
    if catalog is None:
        from core.catalog import load_default_catalog

        catalog = load_default_catalog()
    notes: list[str] = []

    targets: tuple[_Target, ...] | None = None
    if events is not None:
        ids = [str(e) for e in events]
        table = catalog.loc[catalog["event_id"].astype(str).isin(ids)]
        missing = sorted(set(ids) - set(table["event_id"].astype(str)))
        if missing:
            raise ValueError(f"event id(s) not in the catalog: {', '.join(missing)}")
        times = pd.DatetimeIndex(pd.to_datetime(table["time"], utc=True)).tz_convert(None)
        targets = tuple(
            _Target(np.datetime64(t.to_datetime64(), "ns"), float(la), float(lo), float(10 ** (0.43 * mg)))
            for t, la, lo, mg in zip(times, table["lat"], table["lon"], table["mag"], strict=True)
        )
        if start is None:
            start = min(t.time for t in targets) - np.timedelta64(int(EVENT_DAYS_BEFORE * 86400), "s")
        if end is None:
            end = max(t.time for t in targets) + np.timedelta64(int(EVENT_DAYS_AFTER * 86400) + 1, "s")
    if start is None or end is None:
        raise ValueError("start and end are required unless events are given")
    t0, t1 = _as_ns(start), _as_ns(end)
    if t1 <= t0:
        raise ValueError(f"end ({end}) must be after start ({start})")
    life_end = m.end if m.end is not None else np.datetime64("2100-01-01", "ns")
    if t0 < m.launch or t1 > life_end:
        notes.append(f"span clipped to the {satellite} mission ({m.launch} … {m.end or 'now'})")
        t0, t1 = max(t0, m.launch), min(t1, life_end)
    report = GenerationReport(satellite, t0, t1, Path(out_dir))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if cache_dir is None:
        from core.config import Settings

        cache_dir = Settings().cache_dir / "pyiri"
    Path(cache_dir).mkdir(parents=True, exist_ok=True)

    model = precursor_model or PrecursorModel()
    imodel = instrument_model or dist.InstrumentModel()
    eligible = select_events(catalog, t0, t1 + np.timedelta64(int(PRECURSOR_LOOKAHEAD_DAYS * 86400), "s"))
    precursors = draw_precursors(eligible, seed=seed, difficulty=difficulty, model=model)
    report.n_events = len(precursors)
    report.n_events_with_precursor = sum(p.injected for p in precursors)
    injected = [p for p in precursors if p.injected]

    day_starts = np.arange(t0.astype("datetime64[D]"), t1, np.timedelta64(1, "D")).astype("datetime64[ns]")
    tasks = []
    for d in day_starts:
        a, b = max(d, t0), min(d + np.timedelta64(1, "D"), t1)
        rel = tuple(p for p in injected if p.time > a and p.window_start < b)
        tasks.append(
            _DayTask(
                satellite,
                a,
                b,
                products,
                str(out_dir),
                region,
                targets,
                rel,
                int(seed),
                model,
                imodel,
                str(cache_dir),
            )
        )
    if targets is not None:  # skip days no target window touches (cheap pre-filter)
        keep = []
        for task in tasks:
            for t in targets:
                lo = t.time - np.timedelta64(int(EVENT_DAYS_BEFORE * _NS_PER_DAY), "ns")
                hi = t.time + np.timedelta64(int(EVENT_DAYS_AFTER * _NS_PER_DAY), "ns")
                if task.t0 <= hi and task.t1 > lo:
                    keep.append(task)
                    break
        tasks = keep

    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), unit="day", desc=f"generate {satellite}", disable=not progress)
    results: list[tuple[list[tuple[str, int]], int, int, list[str]]] = []
    try:
        if workers > 1 and len(tasks) > 1:
            import multiprocessing as mp

            # fork where the platform has it: workers inherit the loaded tables and PyIRI memo (spawn
            # would re-import and reload them, ~4 s per worker); the output is the same either way
            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            ctx = mp.get_context(method)
            with ProcessPoolExecutor(max_workers=int(workers), mp_context=ctx) as pool:
                futures = [pool.submit(_run_day, t) for t in tasks]
                for fut in as_completed(futures):
                    results.append(fut.result())
                    bar.update(1)
        else:
            for task in tasks:
                results.append(_run_day(task))
                bar.update(1)
    finally:
        bar.close()
    for files, n_ho, n_off, day_notes in results:
        report.files.extend(Path(f) for f, _ in files)
        report.bytes += sum(s for _, s in files)
        report.n_half_orbits += n_ho
        report.n_missing += n_off
        notes.extend(day_notes)
    report.files.sort()

    gt = ground_truth_table(precursors, satellite, seed=int(seed), difficulty=float(difficulty))
    report.ground_truth = write_ground_truth(gt, out_dir)
    report.warnings = notes
    for note in notes:
        warnings.warn(note, stacklevel=2)
    report.seconds = _time.perf_counter() - t_begin
    return report
