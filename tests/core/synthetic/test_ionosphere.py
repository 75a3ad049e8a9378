"""Background ionosphere: PyIRI grid and cache, day/night contrast, physical ranges, magnetic coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.synthetic import ionosphere as iono
from core.synthetic.orbit import half_orbits, track


@pytest.fixture(scope="module")
def grid(pyiri_cache: Path) -> iono.NeGrid:
    return iono.ne_grid("2020-03-10", (487.0, 507.0, 527.0), cache_dir=pyiri_cache)


def test_grid_uses_observed_f107_and_caches_losslessly(grid: iono.NeGrid, pyiri_cache: Path) -> None:
    f107, observed = iono.daily_f107(np.datetime64("2020-03-10"))
    assert observed and grid.f107 == f107 and 60 < f107 < 90  # solar minimum
    files = list(pyiri_cache.glob("pyiri_v1_20200310_*.npz"))
    assert len(files) == 1
    iono._MEMO.clear()
    again = iono.ne_grid("2020-03-10", (487.0, 507.0, 527.0), cache_dir=pyiri_cache)
    assert np.array_equal(again.log10_ne, grid.log10_ne)


def test_night_density_below_day_density_at_same_place(grid: iono.NeGrid) -> None:
    lat, lon = np.array([20.0, -30.0, 45.0]), np.array([30.0, 100.0, -120.0])
    day0 = np.datetime64("2020-03-10T00:00", "ns")

    def at_lt(lt_h: float) -> np.ndarray:
        ut = np.mod(lt_h - lon / 15.0, 24.0)
        t = day0 + (ut * 3.6e12).astype("timedelta64[ns]")
        return iono.background_ne(grid, t, lat, lon, np.full(3, 507.0))

    night, day = at_lt(2.0), at_lt(14.0)
    assert (night < day).all()
    assert ((night > 1e3) & (night < 1e7)).all() and ((day > 1e3) & (day < 1e7)).all()


def test_profiles_along_tracks_are_physical(grid: iono.NeGrid) -> None:
    halves = list(half_orbits("CSES-01", "2020-03-10", "2020-03-10T04:00"))
    by_half = {}
    for ho in halves:
        tr = track(ho, 5)
        ne = iono.background_ne(grid, tr.time, tr.lat, tr.lon, tr.alt)
        mlat = iono.magnetic_latitude(tr.time, tr.lat, tr.lon, tr.alt)
        s = iono.sunlit_fraction(iono.solar_zenith_deg(tr.time, tr.lat, tr.lt))
        te = iono.electron_temperature(ne, mlat, tr.alt, s)
        ti = iono.ion_temperature(te, grid.f107, s)
        o, h, he = iono.ion_composition(ne, tr.alt, grid.f107, s)
        assert ((ne > 1e3) & (ne < 1e7)).all()
        assert ((te > 600) & (te <= 5000)).all() and (ti <= te + 1e-9).all() and (ti > 500).all()
        assert np.allclose(o + h + he, ne)
        by_half.setdefault(ho.half, []).append((np.median(ne), np.median(te), np.median(o / ne)))
    night, day = np.array(by_half["night"]), np.array(by_half["day"])
    assert night[:, 0].max() < day[:, 0].min()  # Ne
    assert 900 < night[:, 1].mean() < 1800 and 1800 < day[:, 1].mean() < 3500  # Te
    assert 0.8 < night[:, 2].mean() < 0.97  # O+ share ~0.9 at night at 500 km, solar minimum


def test_magnetic_coordinates_and_dipole_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    ho = next(half_orbits("CSES-01", "2020-03-10", "2020-03-11"))
    tr = track(ho, 1)
    mlat, mlon, mlt = iono.magnetic_coordinates(tr.time, tr.lat, tr.lon, tr.alt)
    assert np.isfinite(mlat).all() and np.isfinite(mlon).all() and np.isfinite(mlt).all()
    dip = iono.dipole_mlat(tr.lat, tr.lon, tr.time[0])
    assert np.abs(mlat - dip).max() < 20.0  # AACGM at altitude vs. a centred dipole
    far = np.abs(dip) > 25
    assert (np.sign(mlat[far]) == np.sign(dip[far])).all()
    rising = np.diff(mlat) > 0
    assert rising.mean() > 0.95 if ho.half == "night" else rising.mean() < 0.05  # follows the track

    import aacgmv2

    def broken(*args, **kwargs):
        raise RuntimeError("no coefficients")

    monkeypatch.setattr(aacgmv2, "get_aacgm_coord_arr", broken)
    fallback = iono.magnetic_latitude(tr.time, tr.lat, tr.lon, tr.alt)
    assert np.allclose(fallback, iono.dipole_mlat(tr.lat, tr.lon, tr.time[tr.time.size // 2]))


def test_dipole_pole_and_dip_equator() -> None:
    # IGRF-13 2020 geomagnetic north pole: 80.65 N, 72.68 W
    assert iono.dipole_mlat(np.array([80.65]), np.array([-72.68]), np.datetime64("2020-01-01"))[0] > 89.9
    lat = np.array([-10.0, 0.0, 10.0, 12.0])
    lon = np.array([-40.0, 0.0, 80.0, 100.0])
    dip = iono.dip_latitude(np.full(4, np.datetime64("2020-06-01", "ns")), lat, lon, np.full(4, 507.0))
    assert (np.abs(dip) < 20).all()  # the dip equator meanders within about ±12° of the equator
    shell, inv = iono.l_shell(np.array([0.0, 60.0]), np.array([660.0, 660.0]))
    assert shell[0] == pytest.approx(1.1036, abs=1e-3) and inv[1] > 60.0


def test_fast_pyiri_gives_pyiri_s_numbers_bit_for_bit() -> None:
    """_run_pyiri memoises the monthly means and replaces PyIRI's object-dtype matmul (ionosphere
    ``_fast_pyiri``): the grid must be exactly what plain PyIRI gives, also on a memo hit (PyIRI updates
    the month-before dictionaries in place, so the memo must hand out copies)."""
    import contextlib
    import datetime as dt
    import io
    import warnings

    import PyIRI
    import PyIRI.main_library as ml

    alts = (487.0, 507.0, 527.0)
    iono._run_pyiri(np.datetime64("2020-04-20"), alts, 70.0)  # fills the memo (April and May)
    fast = iono._run_pyiri(np.datetime64("2020-04-21"), alts, 71.5)  # memo hit for both months
    assert ml.gamma is not iono._gamma_exact  # the patch is undone
    lo, la = np.meshgrid(iono.GRID_LON, iono.GRID_LAT)
    d = dt.date(2020, 4, 21)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ml.IRI_density_1day(
            d.year,
            d.month,
            d.day,
            iono.GRID_UT,
            lo.ravel(),
            la.ravel(),
            np.array(alts),
            71.5,
            PyIRI.coeff_dir,
            0,
        )
    edp = np.asarray(out[-1], dtype=np.float64).reshape(fast.shape)
    plain = np.log10(np.maximum(edp * 1e-6, 1.0))
    assert fast.tobytes() == plain.tobytes()


def test_seq_matmul_sums_like_object_matmul() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((5, 40)) * 1e3, rng.standard_normal((40, 7))
    expected = np.matmul(a.astype(object), b.astype(object)).astype(float)
    assert iono._seq_matmul(a, b).tobytes() == expected.tobytes()
