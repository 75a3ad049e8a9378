"""Natural variability, storms, plasma bubbles and instrument behaviour (all seeded; no global RNG).

Every function takes a :class:`numpy.random.Generator`; perturbations of densities and temperatures are
in natural-log units (``Ne_obs = Ne_background · exp(Σ dlog)``), drifts in m/s. The models and their
constants: ``docs/synthetic.md`` (section "Disturbances").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

__all__ = [
    "InstrumentModel",
    "NaturalVariability",
    "StormEffect",
    "apply_bad_records",
    "apply_fill_block",
    "bubble_probability",
    "gap_keep_mask",
    "instrument_off",
    "natural_variability",
    "plasma_bubbles",
    "red_noise",
    "storm_activity",
    "storm_boundary_mlat",
    "storm_perturbation",
    "white_noise",
]


def red_noise(rng: np.random.Generator, n: int, tau_s: float, dt_s: float = 1.0) -> np.ndarray:
    """Unit-variance AR(1) (discrete Ornstein–Uhlenbeck) series of ``n`` samples, correlation time
    ``tau_s`` seconds at spacing ``dt_s``; stationary from the first sample."""
    e = rng.standard_normal(n)
    if n == 0:
        return e
    phi = float(np.exp(-dt_s / tau_s))
    x0 = e[0]
    e = e * np.sqrt(1.0 - phi * phi)
    e[0] = x0
    return lfilter([1.0], [1.0, -phi], e)


# --------------------------------------------------------------------------------- natural variability


@dataclass(frozen=True)
class NaturalVariability:
    """ln-perturbations of Ne, Te, Ti along the master grid (docs/synthetic.md, "Disturbances")."""

    dlog_ne: np.ndarray
    dlog_te: np.ndarray
    dlog_ti: np.ndarray


#: Natural variability of ln Ne (docs/synthetic.md, "Disturbances"): day-to-day offset σ, large-scale σ and
#: correlation time (s), medium-scale σ and correlation time (s). The oracle (:mod:`core.oracle`) reads them.
NE_OFFSET_SIGMA = 0.10
NE_LARGE_SIGMA, NE_LARGE_TAU_S = 0.07, 150.0
NE_MEDIUM_SIGMA, NE_MEDIUM_TAU_S = 0.03, 20.0
#: White noise σ (relative) of the Langmuir probes' Ne (CSES LAP, DEMETER ISL).
NE_WHITE_SIGMA = 0.02


def natural_variability(rng: np.random.Generator, n: int) -> NaturalVariability:
    """Day-to-day offset + large- and medium-scale red noise on a 1 s grid of ``n`` samples."""
    offset = NE_OFFSET_SIGMA * rng.standard_normal()
    te_offset = 0.04 * rng.standard_normal()
    large = NE_LARGE_SIGMA * red_noise(rng, n, NE_LARGE_TAU_S)
    medium = NE_MEDIUM_SIGMA * red_noise(rng, n, NE_MEDIUM_TAU_S)
    te_red = 0.04 * red_noise(rng, n, 100.0)
    ti_red = 0.03 * red_noise(rng, n, 100.0)
    dne = offset + large + medium
    dte = -0.3 * (offset + large) + te_offset + te_red
    return NaturalVariability(dne, dte, ti_red)


# ------------------------------------------------------------------------------------------- storms


def storm_activity(kp: np.ndarray, rc_nt: np.ndarray) -> np.ndarray:
    """Storm activity ``A`` (0…0.9, dimensionless) from Kp and the Dst-like RC index (nT)."""
    kp = np.nan_to_num(np.asarray(kp, dtype=float), nan=0.0)
    rc = np.nan_to_num(np.asarray(rc_nt, dtype=float), nan=0.0)
    a = 0.07 * np.maximum(kp - 3.0, 0.0) + 0.003 * np.maximum(-rc - 30.0, 0.0)
    return np.clip(a, 0.0, 0.9)


def storm_boundary_mlat(kp: np.ndarray) -> np.ndarray:
    """Equatorward auroral boundary (deg magnetic latitude) for Kp: 62° quiet, 44° at Kp 9."""
    kp = np.nan_to_num(np.asarray(kp, dtype=float), nan=0.0)
    return 62.0 - 3.0 * np.maximum(kp - 3.0, 0.0)


@dataclass(frozen=True)
class StormEffect:
    """Storm-time ln-perturbations (Ne, Te, Ti), drift noise σ (m/s) and the activity ``A`` per sample."""

    dlog_ne: np.ndarray
    dlog_te: np.ndarray
    dlog_ti: np.ndarray
    drift_sigma: np.ndarray
    activity: np.ndarray


def storm_perturbation(
    rng: np.random.Generator, mlat: np.ndarray, kp: np.ndarray, rc_nt: np.ndarray
) -> StormEffect:
    """Storm-time perturbations along a 1 s grid (docs/synthetic.md); zero when quiet."""
    n = len(mlat)
    phase = -0.15 + 0.25 * rng.standard_normal()
    xi20 = red_noise(rng, n, 20.0)
    xi200 = red_noise(rng, n, 200.0)
    a = storm_activity(kp, rc_nt)
    w = 1.0 / (1.0 + np.exp(-(np.abs(mlat) - storm_boundary_mlat(kp)) / 4.0))
    hi = a * w
    dne = hi * (-0.6 + xi20) + a * (1.0 - w) * (phase + 0.4 * xi200)
    dte = 0.4 * hi * (1.0 + 0.5 * xi20)
    dti = 0.3 * hi
    return StormEffect(dne, dte, dti, 400.0 * hi, a)


# --------------------------------------------------------------------------------- plasma bubbles


def bubble_probability(doy: int, lon_eq: float, lt_eq: float, f107: float, sunlit_eq: float) -> float:
    """Probability that a night pass crossing the equator at ``lon_eq`` (deg), local time ``lt_eq`` (h),
    day of year ``doy`` and F10.7 (sfu) meets equatorial plasma bubbles."""
    w_season = 0.35 + 0.65 * np.cos(2.0 * np.pi * (doy - 80) / 365.0) ** 2
    w_lon = 0.4 + 0.6 * np.exp(-(((lon_eq + 20.0) / 50.0) ** 2))
    w_solar = float(np.clip(f107 / 150.0, 0.3, 1.5))
    if 12.0 <= lt_eq < 24.0:
        w_lt = 1.0 if lt_eq >= 19.0 else 0.0
    else:
        w_lt = float(np.clip(1.0 - 0.22 * lt_eq, 0.1, 1.0))
    p = 0.55 * w_season * w_lon * w_solar * w_lt * (1.0 - sunlit_eq)
    return float(np.clip(p, 0.0, 0.9))


def plasma_bubbles(
    rng: np.random.Generator, dip_lat: np.ndarray, probability: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equatorial plasma depletions along a 1 s grid.

    Returns ``(dlog_ne, shape, vz)``: the ln-perturbation of densities (≤ 0), the 0…1 bubble mask that
    scales the Te and drift effects, and the upward drift (m/s). A fixed number of random values is
    drawn whatever the outcome.
    """
    n = len(dip_lat)
    occurs = rng.random() < probability
    k = 1 + min(int(rng.poisson(1.2)), 4)
    centres = rng.uniform(-12.0, 12.0, 5)
    widths = rng.uniform(0.3, 2.5, 5)
    depths = rng.uniform(0.3, 1.7, 5)
    lifts = rng.uniform(50.0, 200.0, 5)
    texture = red_noise(rng, n, 3.0)
    dlog = np.zeros(n)
    shape = np.zeros(n)
    vz = np.zeros(n)
    if not occurs:
        return dlog, shape, vz
    for j in range(k):
        s = np.exp(-((np.abs(dip_lat - centres[j]) / widths[j]) ** 4))
        dlog += -depths[j] * np.log(10.0) * s * np.clip(1.0 + 0.3 * texture, 0.3, 1.7)
        shape = np.maximum(shape, s)
        vz += lifts[j] * s
    return dlog, shape, vz


# ------------------------------------------------------------------------------------------ instruments


@dataclass(frozen=True)
class InstrumentModel:
    """Instrument imperfections (probabilities per product pass or per record)."""

    p_off: float = 0.01
    p_gap: float = 0.04
    gap_s: tuple[float, float] = (30.0, 300.0)
    p_fill: float = 0.02
    fill_records: tuple[int, int] = (5, 60)
    p_bad_record: float = 2e-4


def white_noise(
    rng: np.random.Generator, values: np.ndarray, rel_sigma: float, abs_sigma: float = 0.0
) -> np.ndarray:
    """``values`` with Gaussian noise of relative σ ``rel_sigma`` plus absolute σ ``abs_sigma``."""
    n = len(values)
    return values * (1.0 + rel_sigma * rng.standard_normal(n)) + abs_sigma * rng.standard_normal(n)


def instrument_off(rng: np.random.Generator, model: InstrumentModel) -> bool:
    """Whether the instrument recorded nothing for this pass."""
    return bool(rng.random() < model.p_off)


def gap_keep_mask(rng: np.random.Generator, n: int, cadence_s: float, model: InstrumentModel) -> np.ndarray:
    """Boolean mask of records kept after a possible data gap (rows removed, not filled)."""
    has_gap = rng.random() < model.p_gap
    length_s = rng.uniform(*model.gap_s)
    where = rng.random()
    keep = np.ones(n, dtype=bool)
    if has_gap and n > 10:
        m = min(int(round(length_s / cadence_s)), n - 5)
        start = int(where * (n - m))
        keep[start : start + m] = False
    return keep


def apply_fill_block(rng: np.random.Generator, arrays: dict[str, np.ndarray], model: InstrumentModel) -> int:
    """Set a block of records to NaN in every array (in place) with probability ``p_fill``; returns its
    length (0 when none)."""
    has = rng.random() < model.p_fill
    m = int(rng.integers(model.fill_records[0], model.fill_records[1] + 1))
    where = rng.random()
    n = len(next(iter(arrays.values()))) if arrays else 0
    if not has or n <= m:
        return 0
    start = int(where * (n - m))
    for a in arrays.values():
        a[start : start + m] = np.nan
    return m


def apply_bad_records(
    rng: np.random.Generator,
    arrays: dict[str, np.ndarray],
    kinds: dict[str, str],
    model: InstrumentModel,
) -> int:
    """Spike random records in place (density × or ÷ 10^U(1,2); temperature + U(5000, 20000) K; other
    quantities × 10). ``kinds`` maps a name to ``"density"``, ``"temperature"`` or ``"other"``. Returns the
    number of bad records."""
    names = list(arrays)
    n = len(arrays[names[0]]) if names else 0
    hit = rng.random(n) < model.p_bad_record
    which = rng.integers(0, max(len(names), 1), n)
    mags = rng.uniform(1.0, 2.0, n)
    up = rng.random(n) < 0.5
    jumps = rng.uniform(5000.0, 20000.0, n)
    for i in np.flatnonzero(hit):
        name = names[which[i]]
        kind = kinds.get(name, "other")
        if kind == "density":
            arrays[name][i] *= 10.0 ** (mags[i] if up[i] else -mags[i])
        elif kind == "temperature":
            arrays[name][i] += jumps[i]
        else:
            arrays[name][i] *= 10.0
    return int(hit.sum())
