"""Dataset settings: :class:`DatasetSettings` (the window settings plus event selection, negatives,
splits and seed), the satellites' default split periods, and the named configurations of
``core/configs/datasets.toml`` (:func:`load_configs`, :func:`get_config`).

Every key and the configuration file's layout: ``docs/datasets.md``. Magnitudes in catalog units, depths
km, days in days; split periods whole UTC days, inclusive.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.windows import WindowSettings

__all__ = [
    "CONFIG_PATH",
    "DEFAULT_SPLITS",
    "NEGATIVE_MODES",
    "DatasetSettings",
    "UnknownConfigError",
    "get_config",
    "load_configs",
]


CONFIG_PATH: Path = Path(__file__).resolve().parents[1] / "configs" / "datasets.toml"  # package data


NEGATIVE_MODES: tuple[str, ...] = ("same_place", "random_place", "none")


DEFAULT_SPLITS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "CSES-01": (
        ("train", "2018-02-01", "2021-06-30"),
        ("validation", "2021-07-01", "2022-06-30"),
        ("test", "2022-07-01", "2023-11-30"),
        ("test2", "2025-01-01", "2025-12-31"),
    ),
    "DEMETER": (
        ("train", "2004-07-01", "2009-06-30"),
        ("validation", "2009-07-01", "2010-12-31"),
    ),
}
"""Chronological split periods per satellite: (name, first day, last day), UTC, inclusive
(docs/datasets.md)."""


@dataclass(frozen=True)
class DatasetSettings:
    """A named dataset: the window settings plus event selection, negatives, splits and seed (frozen).

    ``splits``: ((name, first day, last day), …) UTC inclusive; ``None`` = :data:`DEFAULT_SPLITS` of the
    window's satellites. ``bbox``: keep only epicentres in (lon_min, lat_min, lon_max, lat_max) degrees
    (e.g. the region an archive covers); ``None`` = the whole globe. Magnitudes in catalog units, depths
    km, days in days.
    """

    name: str = "cses-default"
    description: str = ""
    window: WindowSettings = field(default_factory=WindowSettings)
    event_types: tuple[str, ...] = ("earthquake",)
    min_mag: float = 5.0
    max_depth_km: float | None = 40.0
    mainshocks_only: bool = False
    negatives: str = "same_place"
    negative_ratio: float = 1.0
    exclusion_radius_factor: float = 3.0
    exclusion_radius_of: str = "pseudo_event"
    exclusion_days: float = 10.0
    exclusion_mag_margin: float = 0.5
    random_place_max_lat: float = 60.0
    random_place_season_days: float = 15.0
    negative_time_window_days: float | None = 90.0
    negative_max_tries: int = 100
    splits: tuple[tuple[str, str, str], ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_types", tuple(self.event_types))
        if self.splits is not None:
            object.__setattr__(self, "splits", tuple(tuple(str(x) for x in s) for s in self.splits))
        if self.bbox is not None:
            if len(self.bbox) != 4:
                raise ValueError(f"bbox must be (lon_min, lat_min, lon_max, lat_max), got {self.bbox!r}")
            object.__setattr__(self, "bbox", tuple(float(v) for v in self.bbox))
        if self.exclusion_radius_of not in ("larger", "pseudo_event"):
            raise ValueError(
                f"exclusion_radius_of must be 'larger' or 'pseudo_event', got {self.exclusion_radius_of!r}"
            )
        if self.negatives not in NEGATIVE_MODES:
            raise ValueError(f"negatives must be one of {NEGATIVE_MODES}, got {self.negatives!r}")
        if not float(self.negative_ratio) >= 0:
            raise ValueError(f"negative_ratio must be >= 0, got {self.negative_ratio!r}")
        for name in ("min_mag", "exclusion_radius_factor", "exclusion_days", "exclusion_mag_margin"):
            value = getattr(self, name)
            lowest = -math.inf if name == "min_mag" else 0.0
            if isinstance(value, bool) or not (math.isfinite(float(value)) and float(value) >= lowest):
                raise ValueError(f"{name} must be a finite number{' >= 0' * (lowest == 0)}, got {value!r}")
        if isinstance(self.negative_max_tries, bool) or int(self.negative_max_tries) < 1:
            tries = self.negative_max_tries
            raise ValueError(f"negative_max_tries must be a whole number >= 1, got {tries!r}")
        win = self.negative_time_window_days
        if win is False:  # TOML has no null: `negative_time_window_days = false` means no window
            object.__setattr__(self, "negative_time_window_days", None)
        elif win is not None:
            if isinstance(win, bool) or not (math.isfinite(float(win)) and float(win) > 0):
                raise ValueError(f"negative_time_window_days must be > 0, false or None, got {win!r}")
            object.__setattr__(self, "negative_time_window_days", float(win))
        if not 0 < float(self.random_place_max_lat) <= 90:
            raise ValueError(f"random_place_max_lat must be in (0, 90], got {self.random_place_max_lat!r}")
        periods = self.split_periods()
        for name, lo, hi in periods:
            if hi <= lo:
                raise ValueError(f"split {name!r} ends before it starts")
        ordered = sorted(periods, key=lambda p: p[1])
        for (n1, _, hi1), (n2, lo2, _) in zip(ordered, ordered[1:], strict=False):
            if lo2 < hi1:
                raise ValueError(f"split periods {n1!r} and {n2!r} overlap")

    def split_table(self) -> tuple[tuple[str, str, str], ...]:
        """The split periods used (explicit or the satellites' defaults)."""
        if self.splits is not None:
            return self.splits
        return tuple(s for sat in self.window.satellites for s in DEFAULT_SPLITS.get(sat, ()))

    def split_periods(self) -> list[tuple[str, int, int]]:
        """(name, start ns, end ns) half-open, from :meth:`split_table` (whole UTC days)."""
        out = []
        for name, first, last in self.split_table():
            lo = pd.Timestamp(first).as_unit("ns").value
            hi = (pd.Timestamp(last) + pd.Timedelta(days=1)).as_unit("ns").value
            out.append((name, int(lo), int(hi)))
        return out

    def split_names(self) -> list[str]:
        """Split names in table order, without repeats."""
        return list(dict.fromkeys(name for name, _, _ in self.split_table()))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; the window settings nested under ``window``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "window":
                out["window"] = v.to_dict()
            elif f.name == "splits":
                out["splits"] = None if v is None else [list(s) for s in v]
            else:
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetSettings:
        """From :meth:`to_dict`'s shape, or a flat mapping mixing dataset and window keys (TOML configs).
        Unknown keys raise ``ValueError`` naming them."""
        own = {f.name for f in dataclasses.fields(cls)}
        win_names = {f.name for f in dataclasses.fields(WindowSettings)}
        window = dict(data.get("window") or {})
        kwargs: dict[str, Any] = {}
        unknown = []
        for k, v in data.items():
            if k == "window":
                continue
            if k in own:
                kwargs[k] = tuple(v) if isinstance(v, list) and k != "splits" else v
            elif k in win_names:
                window[k] = v
            else:
                unknown.append(k)
        if unknown:
            raise ValueError(f"unknown dataset setting(s): {', '.join(sorted(unknown))}")
        if "splits" in kwargs and kwargs["splits"] is not None:
            kwargs["splits"] = tuple(tuple(s) for s in kwargs["splits"])
        return cls(window=WindowSettings.from_dict(window), **kwargs)

    def with_(self, **changes: Any) -> DatasetSettings:
        """A copy with dataset and/or window fields changed (window fields by their own names)."""
        win_names = {f.name for f in dataclasses.fields(WindowSettings)}
        win = {k: v for k, v in changes.items() if k in win_names}
        own = {k: v for k, v in changes.items() if k not in win_names}
        if win:
            own["window"] = dataclasses.replace(self.window, **win)
        return dataclasses.replace(self, **own)

    def radius_km(self, mag: Any) -> np.ndarray:
        """Window radius (km) per magnitude (vectorised :meth:`WindowSettings.radius_km`)."""
        m = np.atleast_1d(np.asarray(mag, dtype=np.float64))
        return np.array([self.window.radius_km(x) for x in m]) if m.size else np.zeros(0)


def load_configs(path: str | os.PathLike[str] | None = None) -> dict[str, DatasetSettings]:
    """Named configurations from a TOML file (default :data:`CONFIG_PATH`).

    Layout: a ``[defaults]`` table, then one ``[config.<name>]`` table per configuration with the keys
    it changes (flat: dataset and window settings mixed) and optionally ``base = "<other name>"`` to start
    from another configuration. ``ValueError`` names the configuration with a bad key or base.
    """
    path = Path(path) if path is not None else CONFIG_PATH
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    defaults = dict(data.get("defaults", {}))
    raw = dict(data.get("config", {}))
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        if name in chain:
            raise ValueError(f"configuration {name!r}: circular base chain {' → '.join((*chain, name))}")
        if name not in raw:
            raise ValueError(f"configuration {chain[-1]!r}: unknown base {name!r}")
        entry = dict(raw[name])
        base = entry.pop("base", None)
        merged = dict(resolve(base, (*chain, name))) if base else dict(defaults)
        merged.update(entry)
        resolved[name] = merged
        return merged

    out: dict[str, DatasetSettings] = {}
    for name in raw:
        try:
            out[name] = DatasetSettings.from_dict({**resolve(name), "name": name})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"configuration {name!r} in {path.name}: {exc}") from exc
    return out


class UnknownConfigError(ValueError):
    """A configuration name that the TOML file does not define (the message lists the known names)."""


def get_config(name: str, path: str | os.PathLike[str] | None = None) -> DatasetSettings:
    """One named configuration; :class:`UnknownConfigError` listing the known names when it does not exist."""
    configs = load_configs(path)
    if name not in configs:
        raise UnknownConfigError(
            f"unknown dataset configuration {name!r}; known: {', '.join(sorted(configs))}"
        )
    return configs[name]
