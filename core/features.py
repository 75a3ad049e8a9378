"""Feature vocabulary of the windowing layer: which physics variable comes from which product, and the
transforms that put CSES-01 and DEMETER on comparable scales.

Default features: ``Ne`` (cm^-3), ``Te`` (K), ``Ni_O`` (cm^-3), ``Ti`` (K). Densities become log10 of
cm^-3, optionally deviations from a quiet background (a log10 ratio, or K for temperatures). Sources per
satellite and the transforms: ``docs/windows.md`` (sections "One time base per satellite" and
"Transforms").
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from core.passes import FEATURE_UNITS, LONG_NAMES

__all__ = [
    "DEFAULT_CADENCE_S",
    "DEFAULT_FEATURES",
    "DENSITY_FEATURES",
    "PRODUCT_FEATURES",
    "Background",
    "feature_long_name",
    "feature_units",
    "products_for",
    "transform_values",
]

DEFAULT_FEATURES: tuple[str, ...] = ("Ne", "Te", "Ni_O", "Ti")
"""Electron density and temperature (Langmuir probe), O+ density and ion temperature (plasma analyser)."""

DENSITY_FEATURES: frozenset[str] = frozenset({"Ne", "Ni", "Ni_H", "Ni_He", "Ni_O"})
"""Features that ``log_density`` turns into log10(cm^-3)."""

PRODUCT_FEATURES: dict[str, dict[str, tuple[str, ...]]] = {
    "CSES-01": {
        "LAP_1": ("Ne", "Te"),
        "PAP_0": ("Ni_O", "Ti", "Ni_H", "Ni_He", "Vi_x", "Vi_y", "Vi_z"),
    },
    "DEMETER": {
        "1144": ("Ne", "Te", "Ni", "V_plasma", "V_float", "V_sat"),
        "1140": ("Ni_O", "Ti", "Ni_H", "Ni_He", "Vi_z", "Vi_theta", "Vi_phi", "V_sat"),
    },
}
"""Per satellite: product → the scalar features it carries (first product listed wins a shared name)."""

DEFAULT_CADENCE_S: dict[str, float] = {"CSES-01": 1.0, "DEMETER": 1.0}
"""Common time base per satellite, seconds (see :mod:`core.windows` for why 1 s)."""


def products_for(satellite: str, features: Sequence[str]) -> dict[str, str]:
    """Feature → the product of ``satellite`` that provides it; ``ValueError`` naming what is unknown."""
    if satellite not in PRODUCT_FEATURES:
        raise ValueError(f"unknown satellite {satellite!r} (known: {sorted(PRODUCT_FEATURES)})")
    out: dict[str, str] = {}
    for f in features:
        for product, names in PRODUCT_FEATURES[satellite].items():
            if f in names:
                out[f] = product
                break
        else:
            known = sorted({n for names in PRODUCT_FEATURES[satellite].values() for n in names})
            raise ValueError(f"feature {f!r} is not provided by {satellite} (available: {known})")
    return out


def feature_units(name: str, *, log_density: bool, background: str) -> str:
    """Units of a feature after the transforms, as a UDUNITS string (the Samples ``feature_units``).

    log10 of a density is ``lg(re 1 cm^-3)`` (UDUNITS' logarithmic unit); a log10 ratio to the background
    is ``1``; a deviation from the background keeps the variable's unit (a temperature difference is K).
    What was done to the values is said by :func:`feature_long_name`.
    """
    dens = name in DENSITY_FEATURES
    if dens and log_density:
        return "1" if background != "none" else "lg(re 1 cm^-3)"
    return FEATURE_UNITS.get(name, "1")


def feature_long_name(name: str, *, log_density: bool = False, background: str = "none") -> str:
    """Human-readable name of a feature (from the Pass vocabulary), with the transforms applied to it."""
    base = LONG_NAMES.get(name, name)
    dens = name in DENSITY_FEATURES and log_density
    if background != "none":
        return f"{base}, {'log10 ratio to' if dens else 'deviation from'} the quiet background"
    return f"{base}, log10" if dens else base


def transform_values(values: np.ndarray, names: Sequence[str], *, log_density: bool) -> np.ndarray:
    """Step 1 of the transforms on an ``(..., n_features)`` float array: log10 of the density columns
    (≤ 0 → NaN) when ``log_density``; a new float64 array, input untouched."""
    out = np.array(values, dtype=np.float64, copy=True)
    if log_density:
        for j, n in enumerate(names):
            if n in DENSITY_FEATURES:
                col = out[..., j]
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[..., j] = np.where(col > 0, np.log10(np.where(col > 0, col, 1.0)), np.nan)
    return out


class Background:
    """Quiet background of one place: per-feature medians by latitude bin, from (already transformed)
    background observations ``values`` (n, n_features) at latitudes ``lat`` (n,), degrees.

    :meth:`subtract` returns ``x - background(lat)``: the median of the step's latitude bin, or the
    feature's overall median where that bin holds no finite value; NaN where the feature has no
    background value at all.
    """

    def __init__(self, values: np.ndarray, lat: np.ndarray, bin_deg: float = 1.0):
        if not bin_deg > 0:
            raise ValueError(f"background latitude bin must be > 0 deg, got {bin_deg!r}")
        values = np.asarray(values, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        self.bin_deg = float(bin_deg)
        self.n_features = values.shape[1] if values.ndim == 2 else 0
        self.n_values = int(values.shape[0]) if values.ndim == 2 else 0
        bins = np.floor(lat / self.bin_deg).astype(np.int64)
        self._overall = np.full(self.n_features, np.nan)
        self._by_bin: dict[int, np.ndarray] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices → NaN
            if self.n_values:
                self._overall = np.nanmedian(values, axis=0)
            for b in np.unique(bins):
                self._by_bin[int(b)] = np.nanmedian(values[bins == b], axis=0)

    @property
    def empty(self) -> bool:
        """True when no feature has any finite background value."""
        return not np.isfinite(self._overall).any()

    def reference(self, lat: np.ndarray) -> np.ndarray:
        """Background values (n, n_features) at latitudes ``lat`` (degrees)."""
        lat = np.asarray(lat, dtype=np.float64)
        bins = np.floor(lat / self.bin_deg).astype(np.int64).ravel()
        ref = np.tile(self._overall, (bins.size, 1))
        for i, b in enumerate(bins):
            row = self._by_bin.get(int(b))
            if row is not None:
                ok = np.isfinite(row)
                ref[i, ok] = row[ok]
        return ref.reshape(*lat.shape, self.n_features)

    def subtract(self, x: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """``x`` (..., n_features) minus the background at the matching latitudes ``lat`` (...)."""
        return np.asarray(x, dtype=np.float64) - self.reference(lat)
