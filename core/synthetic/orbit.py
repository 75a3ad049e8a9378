"""Orbits of the real missions: sun-synchronous circular orbits, half-orbits and ground tracks.

Analytic, no propagation: the local time of the ascending node is fixed (CSES-01 02:00 LT, DEMETER
22:30 LT); the ascending half-orbit is the night side, the descending one the day side; instruments are on
within ±65° latitude (:data:`INSTRUMENT_LAT_LIMIT_DEG`). Positions in degrees, altitudes in km. The
model, orbit numbering and assumed cadences: ``docs/synthetic.md`` (section "Orbits").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "HALF_CODES",
    "INSTRUMENT_LAT_LIMIT_DEG",
    "MISSIONS",
    "HalfOrbit",
    "Mission",
    "Track",
    "half_orbit_at",
    "half_orbits",
    "master_times",
    "mission",
    "position",
    "revolutions",
    "track",
]

INSTRUMENT_LAT_LIMIT_DEG: float = 65.0
"""Instruments record only within ±65° geographic latitude (both missions; docs/synthetic.md, "Orbits")."""

HALF_CODES: dict[str, int] = {"day": 0, "night": 1}
"""Half-orbit code used in file names (CSES ``<orbit5><0|1>``; DEMETER orbit type): 0 = day, 1 = night."""

_NS = 1_000_000_000
_ALT_VARIATION_KM = 8.0
_ALT_PHASE_RAD = np.deg2rad(10.0)


@dataclass(frozen=True)
class Mission:
    """Orbit and payload facts of one satellite.

    ``eras`` is a tuple of ``(start, altitude_km, period_min)``: the first start is the launch (the
    model epoch, an ascending-node crossing). ``products`` maps a product name to
    ``(instrument, cadence_s)``.
    """

    name: str
    inclination_deg: float
    ltan_h: float
    eras: tuple[tuple[np.datetime64, float, float], ...]
    products: dict[str, tuple[str, int]]
    end: np.datetime64 | None = None

    @property
    def launch(self) -> np.datetime64:
        """Launch time (UTC, ``datetime64[ns]``), the epoch of the orbit numbering."""
        return self.eras[0][0]

    def era_at(self, t: np.datetime64) -> tuple[np.datetime64, float, float]:
        """The ``(start, altitude_km, period_min)`` era in force at time ``t``."""
        era = self.eras[0]
        for e in self.eras:
            if t >= e[0]:
                era = e
        return era


def _t(s: str) -> np.datetime64:
    return np.datetime64(s, "ns")


MISSIONS: dict[str, Mission] = {
    "CSES-01": Mission(
        name="CSES-01",
        inclination_deg=97.4,
        ltan_h=2.0,  # ascending node 02:00 LT (night), descending 14:00 LT (day)
        eras=((_t("2018-02-02T07:51:33"), 507.0, 94.6),),
        products={"LAP_1": ("LAP", 3), "PAP_0": ("PAP", 1)},
    ),
    "DEMETER": Mission(
        name="DEMETER",
        inclination_deg=98.23,
        ltan_h=22.5,  # upward (ascending) node 22:30 LT (night), downward 10:30 LT (day)
        eras=(
            (_t("2004-06-29T06:30:00"), 710.0, 98.3),
            # lowered in December 2005; period scaled with Kepler's third law: 98.3·(7038/7088)^1.5
            (_t("2005-12-15T00:00:00"), 660.0, 97.26),
        ),
        products={"1144": ("ISL", 1), "1140": ("IAP", 4)},
        end=_t("2010-12-09T00:00:00"),
    ),
}


def mission(satellite: str) -> Mission:
    """The :class:`Mission` of ``satellite`` (``"CSES-01"`` or ``"DEMETER"``)."""
    try:
        return MISSIONS[satellite]
    except KeyError:
        raise ValueError(f"unknown satellite {satellite!r}: expected one of {sorted(MISSIONS)}") from None


def _ns(times: Any) -> np.ndarray:
    """Times → int64 ns since 1970 (naive UTC)."""
    arr = np.asarray(times)
    if arr.dtype.kind in "iu":  # already ns since 1970 (what pandas would read them as, without its cost)
        return arr.astype(np.int64)
    if arr.dtype.kind != "M":
        idx = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(arr), utc=True)).tz_convert(None)
        arr = idx.to_numpy().reshape(np.shape(arr))
    return arr.astype("datetime64[ns]").astype(np.int64)


def _era_table(m: Mission) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Era start (ns), revolutions at era start, period (ns) per era."""
    return _era_table_of(m.name)


@lru_cache(maxsize=8)
def _era_table_of(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = MISSIONS[name]
    starts = np.array([int(e[0].astype(np.int64)) for e in m.eras], dtype=np.int64)
    periods = np.array([e[2] * 60.0 * _NS for e in m.eras], dtype=np.float64)
    n0 = np.zeros(len(starts))
    for k in range(1, len(starts)):
        n0[k] = n0[k - 1] + (starts[k] - starts[k - 1]) / periods[k - 1]
    return starts, n0, periods


def revolutions(satellite: str, times: Any) -> np.ndarray:
    """Revolutions since the model epoch (float; 0 at launch, an ascending node) at each time."""
    m = mission(satellite)
    ns = _ns(times)
    starts, n0, periods = _era_table(m)
    k = np.clip(np.searchsorted(starts, ns, side="right") - 1, 0, len(starts) - 1)
    return n0[k] + (ns - starts[k]) / periods[k]


def _time_of_rev(m: Mission, n: float) -> int:
    """Inverse of :func:`revolutions` (ns since 1970) for one revolution count."""
    starts, n0, periods = _era_table(m)
    k = int(np.clip(np.searchsorted(n0, n, side="right") - 1, 0, len(starts) - 1))
    return int(starts[k] + round((n - n0[k]) * periods[k]))


class Track(NamedTuple):
    """Sub-satellite positions: UTC ``time`` (datetime64[ns]), ``lat``/``lon`` (deg, lon in [-180, 180)),
    ``alt`` (km above a 6371.2 km sphere), ``lt`` (local mean solar time, h in [0, 24))."""

    time: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    lt: np.ndarray


def position(satellite: str, times: Any) -> Track:
    """Sub-satellite point of ``satellite`` at arbitrary UTC ``times`` (vectorised; the model:
    docs/synthetic.md, "Orbits")."""
    m = mission(satellite)
    ns = np.atleast_1d(_ns(times))
    n = revolutions(satellite, ns)
    u = 2.0 * np.pi * (n - np.floor(n))
    inc = np.deg2rad(m.inclination_deg)
    lat = np.rad2deg(np.arcsin(np.sin(inc) * np.sin(u)))
    delta = np.arctan2(np.cos(inc) * np.sin(u), np.cos(u))
    lt = np.mod(m.ltan_h + np.rad2deg(delta) / 15.0, 24.0)
    ut_h = np.mod(ns, 86_400 * _NS) / (3600.0 * _NS)
    lon = np.mod(15.0 * (lt - ut_h) + 180.0, 360.0) - 180.0
    lon = np.where(lon >= 180.0, lon - 360.0, lon)
    lt = np.where(lt >= 24.0, lt - 24.0, lt)
    starts, _, _ = _era_table(m)
    k = np.clip(np.searchsorted(starts, ns, side="right") - 1, 0, len(starts) - 1)
    h0 = np.array([e[1] for e in m.eras])[k]
    alt = h0 + _ALT_VARIATION_KM * np.cos(u + _ALT_PHASE_RAD)
    return Track(ns.astype("datetime64[ns]"), lat, lon, alt, lt)


@dataclass(frozen=True)
class HalfOrbit:
    """One half-orbit of a satellite, bounded by its instrument-on interval.

    ``orbit``: revolutions since launch (1-based); ``half``: ``"night"`` (ascending) or ``"day"``
    (descending); ``t_start``/``t_end``: first and last whole UTC second with the instruments on
    (``datetime64[ns]``, inclusive).
    """

    satellite: str
    orbit: int
    half: str
    t_start: np.datetime64
    t_end: np.datetime64

    @property
    def duration_s(self) -> int:
        """Seconds from ``t_start`` to ``t_end``."""
        return int((self.t_end - self.t_start) // np.timedelta64(1, "s"))

    @property
    def ascending(self) -> bool:
        """True for the northbound half (the night side for both missions)."""
        return self.half == "night"

    @property
    def key(self) -> tuple[str, int, str]:
        """``(satellite, orbit, half)``."""
        return (self.satellite, self.orbit, self.half)


def _on_fraction(m: Mission) -> float:
    """Half-width of the instrument-on arc around a node, in revolutions."""
    s = np.sin(np.deg2rad(INSTRUMENT_LAT_LIMIT_DEG)) / np.sin(np.deg2rad(m.inclination_deg))
    return float(np.arcsin(min(s, 1.0)) / (2.0 * np.pi))


def _make_half(m: Mission, orbit: int, half: str) -> HalfOrbit:
    if MISSIONS.get(m.name) is m:  # memoised (HalfOrbit is immutable): screens revisit the same halves
        return _make_half_of(m.name, int(orbit), half)
    return _compute_half(m, orbit, half)


@lru_cache(maxsize=65536)
def _make_half_of(name: str, orbit: int, half: str) -> HalfOrbit:
    return _compute_half(MISSIONS[name], orbit, half)


def _compute_half(m: Mission, orbit: int, half: str) -> HalfOrbit:
    node = (orbit - 1) + (0.0 if half == "night" else 0.5)  # revolutions at the node crossing
    f = _on_fraction(m)
    a = _time_of_rev(m, node - f)
    b = _time_of_rev(m, node + f)
    a = -(-a // _NS) * _NS  # round inwards to whole seconds
    b = (b // _NS) * _NS
    return HalfOrbit(m.name, int(orbit), half, np.datetime64(a, "ns"), np.datetime64(b, "ns"))


def half_orbits(satellite: str, start: Any, end: Any) -> Iterator[HalfOrbit]:
    """Half-orbits whose instrument-on interval *starts* in ``[start, end)`` (UTC), in time order.

    Times before launch (or after a mission's end) yield nothing. Each half is unique to the day it
    starts on, so per-day work units partition an interval without overlaps.
    """
    m = mission(satellite)
    t0 = int(_ns(start))
    t1 = int(_ns(end))
    t0 = max(t0, int(m.launch.astype(np.int64)))
    if m.end is not None:
        t1 = min(t1, int(m.end.astype(np.int64)))
    if t1 <= t0:
        return
    n_a = float(revolutions(satellite, np.int64(t0).astype("datetime64[ns]")))
    n_b = float(revolutions(satellite, np.int64(t1).astype("datetime64[ns]")))
    first = max(int(np.floor(n_a)), 0)
    for k in range(first, int(np.floor(n_b)) + 2):
        for half in ("night", "day"):
            ho = _make_half(m, k + 1, half)
            ts = int(ho.t_start.astype(np.int64))
            if t0 <= ts < t1:
                yield ho


def half_orbit_at(satellite: str, orbit: int, half: str) -> HalfOrbit:
    """The :class:`HalfOrbit` with this orbit number and half (``"day"``/``"night"``)."""
    if half not in HALF_CODES:
        raise ValueError(f"half must be 'day' or 'night', got {half!r}")
    return _make_half(mission(satellite), int(orbit), half)


def master_times(ho: HalfOrbit) -> np.ndarray:
    """The 1 s master grid of a half-orbit: ``t_start, t_start + 1 s, …, t_end`` (datetime64[ns])."""
    n = ho.duration_s + 1
    return ho.t_start + np.arange(n, dtype=np.int64).astype("timedelta64[s]").astype("timedelta64[ns]")


def track(ho: HalfOrbit, cadence_s: float = 1.0) -> Track:
    """Ground track of a half-orbit sampled every ``cadence_s`` seconds from ``t_start`` to ``t_end``.

    Returns :class:`Track` ``(time, lat, lon, alt, lt)``: UTC ``datetime64[ns]``, degrees, km, hours.
    """
    if cadence_s <= 0:
        raise ValueError(f"cadence_s must be > 0, got {cadence_s!r}")
    step = int(round(cadence_s * _NS))
    n = (int((ho.t_end - ho.t_start).astype(np.int64)) // step) + 1
    times = ho.t_start + (np.arange(n, dtype=np.int64) * step).astype("timedelta64[ns]")
    return position(ho.satellite, times)
