"""Background ionosphere along a track: PyIRI electron density, Te/Ti/O+ climatology, IGRF, magnetic latitude.

Units: densities cm^-3, temperatures K, F10.7 sfu, altitudes km, latitudes and longitudes degrees. The
models, their constants and the PyIRI grid cache: ``docs/synthetic.md`` (section "Background
ionosphere").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_path

__all__ = [
    "F107_FALLBACK",
    "GRID_LAT",
    "GRID_LON",
    "GRID_UT",
    "NeGrid",
    "background_ne",
    "daily_f107",
    "dip_latitude",
    "dipole_coordinates",
    "dipole_mlat",
    "electron_temperature",
    "ion_composition",
    "ion_temperature",
    "igrf_enu",
    "l_shell",
    "magnetic_coordinates",
    "magnetic_latitude",
    "ne_grid",
    "solar_zenith_deg",
    "sunlit_fraction",
]

F107_FALLBACK: float = 130.0
"""F10.7 (sfu) used when a day lies outside the observed record of :mod:`core.spaceweather`."""

GRID_LAT: np.ndarray = np.arange(-75.0, 75.0 + 1e-9, 5.0)
GRID_LON: np.ndarray = np.arange(-180.0, 180.0, 5.0)
GRID_UT: np.ndarray = np.arange(0.0, 24.0, 1.0)
_GRID_VERSION = 1
_NS_PER_DAY = 86_400 * 1_000_000_000


class NeGrid:
    """PyIRI electron density of one UTC day on the (UT, altitude, lat, lon) grid, as log10(cm^-3)."""

    def __init__(self, day: np.datetime64, alts: tuple[float, ...], f107: float, log10_ne: np.ndarray):
        self.day = day
        self.alts = np.asarray(alts, dtype=float)
        self.f107 = float(f107)
        self.log10_ne = log10_ne  # (n_ut, n_alt, n_lat, n_lon)

    def __call__(self, ut_h: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray) -> np.ndarray:
        """Ne (cm^-3) at UT hours (periodic over 24 h), lat/lon (deg), altitude (km)."""
        ut = np.mod(np.asarray(ut_h, dtype=float), 24.0)
        nu = GRID_UT.size
        iu = np.floor(ut).astype(np.int64) % nu
        fu = ut - np.floor(ut)
        ju = (iu + 1) % nu
        latc = np.clip(np.asarray(lat, dtype=float), GRID_LAT[0], GRID_LAT[-1])
        y = (latc - GRID_LAT[0]) / 5.0
        iy = np.clip(np.floor(y).astype(np.int64), 0, GRID_LAT.size - 2)
        fy = y - iy
        x = np.mod(np.asarray(lon, dtype=float) + 180.0, 360.0) / 5.0
        ix = np.floor(x).astype(np.int64) % GRID_LON.size
        fx = x - np.floor(x)
        jx = (ix + 1) % GRID_LON.size
        a = self.alts
        z = np.interp(alt, a, np.arange(a.size, dtype=float), left=np.nan, right=np.nan)
        za = (np.asarray(alt, dtype=float) - a[0]) / (a[1] - a[0])  # allow linear extrapolation
        z = np.where(np.isnan(z), za, z)
        iz = np.clip(np.floor(z).astype(np.int64), 0, a.size - 2)
        fz = z - iz
        g = self.log10_ne
        out = np.zeros(np.shape(ut))
        for uu, wu in ((iu, 1.0 - fu), (ju, fu)):
            for zz, wz in ((iz, 1.0 - fz), (iz + 1, fz)):
                for yy, wy in ((iy, 1.0 - fy), (iy + 1, fy)):
                    for xx, wx in ((ix, 1.0 - fx), (jx, fx)):
                        out += wu * wz * wy * wx * g[uu, zz, yy, xx]
        return 10.0**out


_MEMO: dict[tuple, NeGrid] = {}
_MEMO_LOCK = threading.Lock()
_MEMO_MAX = 8


def daily_f107(day: np.datetime64) -> tuple[float, bool]:
    """Observed F10.7 (sfu) of the UTC ``day`` and whether it was observed (False → fallback used)."""
    from core import spaceweather

    value = float(spaceweather.f107(np.datetime64(day, "ns"), outside="nan"))
    if np.isfinite(value):
        return value, True
    return F107_FALLBACK, False


def _seq_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` summed exactly as NumPy's object-dtype matmul does: the products of each row and column
    added one after another in index order, in float64, starting from the first product (no BLAS
    blocking, no FMA), so the result is bit-for-bit that of the object path, about 50× faster."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    acc = a[:, 0:1] * b[0:1, :]
    for k in range(1, a.shape[1]):
        acc = acc + a[:, k : k + 1] * b[k : k + 1, :]
    return acc


def _gamma_exact(D_f0f2, D_M3000, D_Es_median, G_fof2, G_M3000, G_Es_median, F_fof2, F_M3000, F_Es):
    """Drop-in for ``PyIRI.main_library.gamma`` (0.1.7): the same numbers, bit for bit. PyIRI reads the
    CCIR foF2/M3000 coefficients as ``object`` arrays of Python floats, so its ``np.matmul`` runs in the
    interpreter (≈ 1 s a call); :func:`_seq_matmul` reproduces that summation order in float64."""
    out = []
    for d, g, f in ((D_f0f2, G_fof2, F_fof2), (D_M3000, G_M3000, F_M3000), (D_Es_median, G_Es_median, F_Es)):
        res = np.zeros((d.shape[0], g.shape[1], 2))
        for isol in range(2):
            fi = f[:, :, isol]
            if fi.dtype == object:
                res[:, :, isol] = _seq_matmul(_seq_matmul(d, fi), g)
            else:
                res[:, :, isol] = np.matmul(np.matmul(d, fi), g)
        out.append(res)
    return tuple(out)


_PYIRI_LOCK = threading.RLock()
_MONTHLY: dict[tuple, tuple] = {}
_MONTHLY_MAX = 4


def _copy_monthly(res: tuple) -> tuple:
    # PyIRI updates the "month before" dictionaries in place (fractional_correction_of_dictionary)
    return tuple({k: np.array(v, copy=True) for k, v in d.items()} for d in res)


@contextlib.contextmanager
def _fast_pyiri(ml: Any) -> Any:
    """While active, ``ml.IRI_monthly_mean_par`` is memoised per (year, month, grid) in this process —
    it does not depend on the day or F10.7, and consecutive days share their two months — and
    ``ml.gamma`` is :func:`_gamma_exact`. Both give exactly PyIRI's numbers; only its speed changes."""
    orig_monthly, orig_gamma = ml.IRI_monthly_mean_par, ml.gamma

    def monthly(year, mth, aUT, alon, alat, coeff_dir, ccir_or_ursi=0):
        key = (
            int(year),
            int(mth),
            int(ccir_or_ursi),
            str(coeff_dir),
            *(np.asarray(x, dtype=float).tobytes() for x in (aUT, alon, alat)),
        )
        hit = _MONTHLY.get(key)
        if hit is None:
            hit = orig_monthly(year, mth, aUT, alon, alat, coeff_dir, ccir_or_ursi)
            if len(_MONTHLY) >= _MONTHLY_MAX:
                _MONTHLY.pop(next(iter(_MONTHLY)))
            _MONTHLY[key] = hit
        return _copy_monthly(hit)

    with _PYIRI_LOCK:
        ml.IRI_monthly_mean_par, ml.gamma = monthly, _gamma_exact
        try:
            yield
        finally:
            ml.IRI_monthly_mean_par, ml.gamma = orig_monthly, orig_gamma


def _run_pyiri(day: np.datetime64, alts: tuple[float, ...], f107: float) -> np.ndarray:
    import PyIRI
    import PyIRI.main_library as ml

    d = day.astype("datetime64[D]").astype(dt.date)
    lo, la = np.meshgrid(GRID_LON, GRID_LAT)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), _fast_pyiri(ml):
        warnings.simplefilter("ignore")
        out = ml.IRI_density_1day(
            d.year,
            d.month,
            d.day,
            GRID_UT,
            lo.ravel(),
            la.ravel(),
            np.asarray(alts, dtype=float),
            float(f107),
            PyIRI.coeff_dir,
            0,
        )
    edp = np.asarray(out[-1], dtype=np.float64)  # (n_ut, n_alt, n_points), m^-3
    edp = edp.reshape(GRID_UT.size, len(alts), GRID_LAT.size, GRID_LON.size)
    return np.log10(np.maximum(edp * 1e-6, 1.0))  # cm^-3, floor 1 cm^-3


def ne_grid(
    day: Any, alts: tuple[float, ...], f107: float | None = None, cache_dir: str | Path | None = None
) -> NeGrid:
    """The PyIRI grid of one UTC ``day`` at ``alts`` (km) — from memory, the ``.npz`` cache, or PyIRI.

    ``f107`` (sfu) defaults to the observed value of that day (:func:`daily_f107`). ``cache_dir`` holds
    the ``.npz`` files (``None``: memory only).
    """
    d = np.datetime64(day, "D")
    if f107 is None:
        f107, _ = daily_f107(d)
    alts = tuple(float(a) for a in alts)
    key = (str(d), alts, round(float(f107), 3))
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
    if hit is not None:
        return hit
    path = None
    if cache_dir is not None:
        tag = "-".join(f"{a:g}" for a in alts)
        path = Path(cache_dir) / f"pyiri_v{_GRID_VERSION}_{str(d).replace('-', '')}_{tag}km_f{f107:.3f}.npz"
    grid = None
    if path is not None and path.exists():
        try:
            with np.load(path) as z:
                arr = z["log10_ne"]
            if arr.shape == (GRID_UT.size, len(alts), GRID_LAT.size, GRID_LON.size):
                grid = arr
        except (OSError, ValueError, KeyError):
            grid = None  # a damaged cache file is rebuilt
    if grid is None:
        grid = _run_pyiri(d, alts, float(f107))
        if path is not None:
            with atomic_path(path) as tmp:
                with open(tmp, "wb") as fh:
                    np.savez(fh, log10_ne=grid)
    result = NeGrid(d, alts, float(f107), grid)
    with _MEMO_LOCK:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = result
    return result


def background_ne(
    grid: NeGrid, times: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray
) -> np.ndarray:
    """PyIRI Ne (cm^-3) along a track from a day's grid; UT is taken from ``times`` (periodic in 24 h)."""
    ns = np.asarray(times, dtype="datetime64[ns]").astype(np.int64)
    day0 = grid.day.astype("datetime64[ns]").astype(np.int64)
    ut_h = (ns - day0) / 3.6e12
    return grid(ut_h, lat, lon, alt)


# ----------------------------------------------------------------------------------------- sun and Te/Ti


def solar_zenith_deg(times: np.ndarray, lat: np.ndarray, lt_h: np.ndarray) -> np.ndarray:
    """Solar zenith angle (deg) from day of year, latitude (deg) and local solar time (h); ±1° accuracy."""
    t = np.asarray(times, dtype="datetime64[ns]")
    doy = (t - t.astype("datetime64[Y]")).astype("timedelta64[D]").astype(np.int64) + 1
    decl = np.deg2rad(-23.44) * np.cos(2.0 * np.pi * (doy + 10) / 365.25)
    phi = np.deg2rad(np.asarray(lat, dtype=float))
    hour_angle = np.deg2rad(15.0 * (np.asarray(lt_h, dtype=float) - 12.0))
    cosz = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    return np.rad2deg(np.arccos(np.clip(cosz, -1.0, 1.0)))


def sunlit_fraction(sza_deg: np.ndarray) -> np.ndarray:
    """Smooth 0 (night) … 1 (day) factor; the terminator at 500–700 km sits near χ = 105°."""
    return 1.0 / (1.0 + np.exp((np.asarray(sza_deg, dtype=float) - 105.0) / 4.0))


def electron_temperature(ne: np.ndarray, mlat: np.ndarray, alt: np.ndarray, sunlit: np.ndarray) -> np.ndarray:
    """Climatological Te (K) from Ne (cm^-3), magnetic latitude (deg), altitude (km), sunlit fraction."""
    m2 = np.minimum(np.abs(mlat) / 60.0, 1.5) ** 2
    dh = np.asarray(alt, dtype=float) - 500.0
    te_n = 1050.0 + 500.0 * m2 + 0.6 * dh
    te_d = 2200.0 + 900.0 * m2 + 1.0 * dh
    te0 = te_n + (te_d - te_n) * sunlit
    log_ref = np.log(3e4) + (np.log(1.5e5) - np.log(3e4)) * sunlit
    te = te0 * np.exp(-0.15 * (np.log(np.maximum(ne, 1.0)) - log_ref))
    return np.clip(te, 600.0, 5000.0)


def ion_temperature(te: np.ndarray, f107: float, sunlit: np.ndarray) -> np.ndarray:
    """Ion temperature (K) from Te (K), F10.7 (sfu) and the sunlit fraction."""
    tn = (650.0 + 3.0 * float(f107)) * (0.85 + 0.30 * sunlit)
    return np.maximum(tn + 0.2 * (te - tn), tn)


def ion_composition(
    ne: np.ndarray, alt: np.ndarray, f107: float, sunlit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Ni_O, Ni_H, Ni_He) in cm^-3 from Ne (cm^-3), altitude (km), F10.7 (sfu), sunlit fraction."""
    h_t = 750.0 + 250.0 * sunlit + 2.0 * (float(f107) - 100.0)
    f_o = 1.0 / (1.0 + np.exp((np.asarray(alt, dtype=float) - h_t) / 80.0))
    rest = (1.0 - f_o) * ne
    return f_o * ne, 0.85 * rest, 0.15 * rest


# ----------------------------------------------------------------------------------- geomagnetic field


@lru_cache(maxsize=1)
def _shc() -> tuple[Any, Any]:
    import ppigrf.ppigrf as p

    return p.read_shc()


def _dipole_coeffs(t: np.datetime64) -> tuple[float, float, float]:
    """IGRF g10, g11, h11 (nT) linearly interpolated to time ``t``."""
    g, h = _shc()
    epochs = g.index.values.astype("datetime64[ns]").astype(np.int64).astype(float)
    x = float(np.datetime64(t, "ns").astype(np.int64))
    g10 = float(np.interp(x, epochs, g[(1, 0)].to_numpy(float)))
    g11 = float(np.interp(x, epochs, g[(1, 1)].to_numpy(float)))
    h11 = float(np.interp(x, epochs, h[(1, 1)].to_numpy(float)))
    return g10, g11, h11


def dipole_coordinates(lat: np.ndarray, lon: np.ndarray, t: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Centred-dipole magnetic latitude and longitude (deg) from the IGRF dipole terms at time ``t``."""
    g10, g11, h11 = _dipole_coeffs(t)
    b0 = np.sqrt(g10**2 + g11**2 + h11**2)
    pole_lat = np.pi / 2.0 - np.arccos(-g10 / b0)  # boreal geomagnetic pole
    pole_lon = np.arctan2(-h11, -g11)
    phi = np.deg2rad(np.asarray(lat, dtype=float))
    lam = np.deg2rad(np.asarray(lon, dtype=float))
    s = np.sin(phi) * np.sin(pole_lat) + np.cos(phi) * np.cos(pole_lat) * np.cos(lam - pole_lon)
    mlat = np.arcsin(np.clip(s, -1.0, 1.0))
    # longitude: angle around the dipole axis, 0 on the meridian through the geographic south pole
    y = np.cos(phi) * np.sin(lam - pole_lon)
    x = -(np.cos(pole_lat) * np.sin(phi) - np.sin(pole_lat) * np.cos(phi) * np.cos(lam - pole_lon))
    mlon = np.mod(np.rad2deg(np.arctan2(y, x)) + 180.0, 360.0) - 180.0
    return np.rad2deg(mlat), mlon


def dipole_mlat(lat: np.ndarray, lon: np.ndarray, t: np.datetime64) -> np.ndarray:
    """Centred-dipole magnetic latitude (deg) from the IGRF dipole terms at time ``t``."""
    return dipole_coordinates(lat, lon, t)[0]


def igrf_enu(lat: np.ndarray, lon: np.ndarray, alt: np.ndarray, t: np.datetime64) -> tuple[np.ndarray, ...]:
    """IGRF field (Be, Bn, Bu) in nT at lat/lon (deg), altitude (km), one epoch ``t`` (ppigrf)."""
    import ppigrf

    when = np.datetime64(t, "s").astype(dt.datetime)
    be, bn, bu = ppigrf.igrf(np.asarray(lon, float), np.asarray(lat, float), np.asarray(alt, float), when)
    return np.asarray(be).reshape(-1), np.asarray(bn).reshape(-1), np.asarray(bu).reshape(-1)


def _subsample_idx(n: int, step: int) -> np.ndarray:
    idx = np.arange(0, n, step)
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    return idx


_DIP_LAT = np.arange(-80.0, 80.0 + 1e-9, 2.0)
_DIP_LON = np.arange(-180.0, 180.0, 5.0)


@lru_cache(maxsize=16)
def _dip_grid(month: str, alt_km: float) -> np.ndarray:
    """IGRF dip latitude (deg) on a 2° × 5° grid at ``alt_km`` for the middle of ``month`` (YYYY-MM)."""
    lo, la = np.meshgrid(_DIP_LON, _DIP_LAT)
    epoch = np.datetime64(month, "M").astype("datetime64[D]") + np.timedelta64(14, "D")
    be, bn, bu = igrf_enu(la.ravel(), lo.ravel(), np.full(la.size, alt_km), epoch)
    incl = np.arctan2(-bu, np.hypot(be, bn))
    return np.rad2deg(np.arctan(np.tan(incl) / 2.0)).reshape(la.shape)


def dip_latitude(times: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Dip latitude ``atan(tan I / 2)`` (deg) from the IGRF inclination. IGRF is evaluated once per
    (month, altitude rounded to 10 km) on a 2° × 5° grid and interpolated bilinearly — the dip equator
    moves by a fraction of a degree per year, far below what the bubbles it places resolve."""
    t = np.asarray(times)[len(times) // 2]
    month = str(np.datetime64(t, "M"))
    h = float(np.round(np.nanmean(alt) / 10.0) * 10.0)
    g = _dip_grid(month, h)
    y = (np.clip(np.asarray(lat, dtype=float), _DIP_LAT[0], _DIP_LAT[-1]) - _DIP_LAT[0]) / 2.0
    iy = np.clip(np.floor(y).astype(np.int64), 0, _DIP_LAT.size - 2)
    fy = y - iy
    x = np.mod(np.asarray(lon, dtype=float) + 180.0, 360.0) / 5.0
    ix = np.floor(x).astype(np.int64) % _DIP_LON.size
    fx = x - np.floor(x)
    jx = (ix + 1) % _DIP_LON.size
    return (
        (1 - fy) * (1 - fx) * g[iy, ix]
        + (1 - fy) * fx * g[iy, jx]
        + fy * (1 - fx) * g[iy + 1, ix]
        + fy * fx * g[iy + 1, jx]
    )


def magnetic_coordinates(
    times: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray, step: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Magnetic latitude (deg), longitude (deg, [-180, 180)) and MLT (h) along a track: AACGM-v2,
    computed every ``step`` samples, gaps filled along track, centred-dipole fallback (docs/synthetic.md;
    the fallback's MLT is NaN). One AACGM epoch per call (the middle sample's time)."""
    n = len(lat)
    idx = _subsample_idx(n, step)
    t_mid = np.datetime64(np.asarray(times)[n // 2], "s").astype(dt.datetime)
    res = None
    try:
        import aacgmv2

        logger = logging.getLogger("aacgmv2")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = aacgmv2.get_aacgm_coord_arr(lat[idx], lon[idx], alt[idx], t_mid)
        finally:
            logger.setLevel(level)
        res = tuple(np.asarray(r, dtype=float) for r in res)
    except Exception:  # any failure of the optional model falls back to the dipole
        res = None
    k = np.arange(n)
    if res is not None:
        m, mlon, mlt = res
        ok = np.isfinite(m) & np.isfinite(mlon) & np.isfinite(mlt)
        if ok.sum() >= 2:
            mlat_i = np.interp(k, idx[ok], m[ok])
            lon_u = np.rad2deg(np.unwrap(np.deg2rad(mlon[ok])))
            mlon_i = np.mod(np.interp(k, idx[ok], lon_u) + 180.0, 360.0) - 180.0
            mlt_u = np.unwrap(mlt[ok] * (2.0 * np.pi / 24.0)) * (24.0 / (2.0 * np.pi))
            mlt_i = np.mod(np.interp(k, idx[ok], mlt_u), 24.0)
            return mlat_i, mlon_i, mlt_i
    t_ns = np.datetime64(np.asarray(times)[n // 2], "ns")
    mlat_d, mlon_d = dipole_coordinates(lat, lon, t_ns)
    return mlat_d, mlon_d, np.full(n, np.nan)


def magnetic_latitude(
    times: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray, step: int = 10
) -> np.ndarray:
    """Magnetic latitude (deg) along a track (see :func:`magnetic_coordinates`)."""
    return magnetic_coordinates(times, lat, lon, alt, step)[0]


def l_shell(dipole_lat: np.ndarray, alt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dipole McIlwain L (Earth radii) and invariant latitude (deg) from dipole latitude (deg) and
    altitude (km above 6371.2 km)."""
    c = np.cos(np.deg2rad(np.asarray(dipole_lat, dtype=float)))
    shell = (1.0 + np.asarray(alt, dtype=float) / 6371.2) / np.maximum(c * c, 1e-6)
    inv = np.rad2deg(np.arccos(np.clip(1.0 / np.sqrt(shell), 0.0, 1.0)))
    return shell, np.sign(dipole_lat) * inv
