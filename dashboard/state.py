"""Page state that lives in the URL: parse a query string into validated settings and back.

Pure functions (no Dash import), so a shared link restores exactly the same view and bad values in a
hand-edited URL fall back to defaults with a message instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

import pandas as pd

from core.datasets import get_config
from core.windows import KM_PER_DEG

MAG_RANGE: tuple[float, float] = (4.5, 9.5)
DEPTH_RANGE_KM: tuple[float, float] = (0.0, 700.0)
DATE_RANGE: tuple[str, str] = ("2004-07-01", "2025-12-30")
COLOR_BY: tuple[str, ...] = ("mag", "depth", "era", "score")
#: Which events the map shows: all, those inside a satellite era, those with passes in the loaded archive.
COVERAGE: tuple[str, ...] = ("all", "era", "passes")


@dataclass(frozen=True)
class MapState:
    """Filters and selection of the map explorer. Magnitudes in catalog units, depths in km, dates UTC."""

    start: str = DATE_RANGE[0]
    end: str = DATE_RANGE[1]
    mag_min: float = 5.0
    mag_max: float = MAG_RANGE[1]
    depth_min: float = DEPTH_RANGE_KM[0]
    depth_max: float = 40.0
    q: str = ""
    color: str = "mag"
    coverage: str = "all"
    event: str | None = None

    @property
    def filtered(self) -> bool:
        """Whether a filter differs from :class:`MapState` ``()`` — all events; the colour and the
        selection are no filters — so the map fits the events shown instead of showing the world (also
        on an archive's default view, which shows only the events with passes)."""
        return replace(self, color=MapState.color, event=None) != MapState()


_QUERY_KEYS: dict[str, str] = {
    "start": "start",
    "end": "end",
    "mag_min": "mmin",
    "mag_max": "mmax",
    "depth_min": "dmin",
    "depth_max": "dmax",
    "q": "q",
    "color": "color",
    "coverage": "cov",
    "event": "event",
}


def _date(value: str) -> str:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError("not a date")
    return ts.strftime("%Y-%m-%d")


def _in_range(value: str, lo: float, hi: float) -> float:
    number = float(value)
    if not lo <= number <= hi:
        raise ValueError(f"outside {lo:g}…{hi:g}")
    return number


def _choice_of(choices: tuple) -> Callable[[str], object]:
    def parse(value: str) -> object:
        for choice in choices:
            if value == str(choice):
                return choice
        raise ValueError(f"not one of {', '.join(map(str, choices))}")

    return parse


def parse_map_query(search: str | None, defaults: MapState | None = None) -> tuple[MapState, list[str]]:
    """Parse ``?start=…&mmin=…`` into a :class:`MapState`; a value the URL does not give (or gives wrong,
    with a message) is taken from ``defaults`` (:class:`MapState` ``()`` when None)."""
    raw = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?"), keep_blank_values=False).items()}
    state, problems = defaults or MapState(), []
    parsers = {
        "start": _date,
        "end": _date,
        "mag_min": lambda v: _in_range(v, *MAG_RANGE),
        "mag_max": lambda v: _in_range(v, *MAG_RANGE),
        "depth_min": lambda v: _in_range(v, *DEPTH_RANGE_KM),
        "depth_max": lambda v: _in_range(v, *DEPTH_RANGE_KM),
        "q": lambda v: v.strip()[:100],
        "color": _choice_of(COLOR_BY),
        "coverage": _choice_of(COVERAGE),
        "event": lambda v: v.strip()[:64] or None,
    }
    values = {}
    for name, key in _QUERY_KEYS.items():
        if key not in raw:
            continue
        try:
            values[name] = parsers[name](raw[key])
        except (ValueError, TypeError) as exc:
            problems.append(f"URL parameter {key}={raw[key]!r} ignored ({exc}).")
    state = replace(state, **values)
    if state.mag_min > state.mag_max or state.depth_min > state.depth_max or state.start > state.end:
        problems.append("URL ranges were reversed; they were swapped.")
        state = replace(
            state,
            mag_min=min(state.mag_min, state.mag_max),
            mag_max=max(state.mag_min, state.mag_max),
            depth_min=min(state.depth_min, state.depth_max),
            depth_max=max(state.depth_min, state.depth_max),
            start=min(state.start, state.end),
            end=max(state.start, state.end),
        )
    return state, problems


def map_query(state: MapState, defaults: MapState | None = None) -> str:
    """The query string (with ``?``, or empty) holding the values of ``state`` that differ from
    ``defaults`` (:class:`MapState` ``()`` when None)."""
    default = asdict(defaults or MapState())
    pairs = {}
    for f in fields(MapState):
        value = getattr(state, f.name)
        if value not in (None, "") and value != default[f.name]:
            pairs[_QUERY_KEYS[f.name]] = f"{value:g}" if isinstance(value, float) else value
    return f"?{urlencode(pairs)}" if pairs else ""


#: The dataset configuration (core/configs/datasets.toml) whose window is the event view's default window.
DEFAULT_WINDOW_CONFIG = "cses-default"
#: The radius (km) the ``km`` rule starts from while the default window uses the Dobrovolsky rule.
FIXED_RADIUS_KM = 500.0


def _window_defaults() -> dict[str, Any]:
    """The event view's default window: :data:`DEFAULT_WINDOW_CONFIG`'s satellite, half-orbit, circle rule
    (a ``km`` or ``deg`` radius becomes the ``km`` rule in km; the Dobrovolsky rule is shown at 1 R),
    days before and L — so changing the TOML's ``[defaults]`` changes the view's."""
    w = get_config(DEFAULT_WINDOW_CONFIG).window
    fixed_km = {"km": float(w.radius_value), "deg": float(w.radius_value) * KM_PER_DEG}
    return {
        "satellite": w.satellites[0],
        "half": w.half,
        "rule": "dobrovolsky" if w.radius_rule == "dobrovolsky" else "km",
        "radius_km": fixed_km.get(w.radius_rule, FIXED_RADIUS_KM),
        "days": float(w.days_before),
        "L": int(w.length),
    }


_WINDOW_DEFAULTS = _window_defaults()

SATELLITE_CHOICES: tuple[str, ...] = ("CSES-01", "DEMETER")
HALF_CHOICES: tuple[str, ...] = ("night", "day", "both")
RADIUS_RULES: tuple[str, ...] = ("dobrovolsky", "km")
DAYS_RANGE: tuple[float, float] = (1.0, 30.0)
RADIUS_KM_RANGE: tuple[float, float] = (10.0, 5000.0)
#: L choices of the event view (the default window's L among them)
L_CHOICES: tuple[int, ...] = tuple(sorted({10, 20, 30, 40, _WINDOW_DEFAULTS["L"]}))


@dataclass(frozen=True)
class EventState:
    """Window settings of the event view: satellite, half-orbit, circle rule and radius (km, for the
    ``km`` rule), days before the origin time, sequence length L (observations). The defaults are the
    window of :data:`DEFAULT_WINDOW_CONFIG` (the protocol's, docs/windows.md)."""

    satellite: str = _WINDOW_DEFAULTS["satellite"]
    half: str = _WINDOW_DEFAULTS["half"]
    rule: str = _WINDOW_DEFAULTS["rule"]
    radius_km: float = _WINDOW_DEFAULTS["radius_km"]
    days: float = _WINDOW_DEFAULTS["days"]
    L: int = _WINDOW_DEFAULTS["L"]

    def __post_init__(self) -> None:
        # one value, one type: a state that went through the browser's JSON comes back with 500 for 500.0,
        # and the cache keys made of it (dashboard.data.analysis_key) must not differ
        for name, kind in (("radius_km", float), ("days", float), ("L", int)):
            object.__setattr__(self, name, kind(getattr(self, name)))


_EVENT_PARSERS = {
    "satellite": _choice_of(SATELLITE_CHOICES),
    "half": _choice_of(HALF_CHOICES),
    "rule": _choice_of(RADIUS_RULES),
    "radius_km": lambda v: _in_range(v, *RADIUS_KM_RANGE),
    "days": lambda v: _in_range(v, *DAYS_RANGE),
    "L": _choice_of(L_CHOICES),
}


def parse_event_query(search: str | None, defaults: EventState | None = None) -> tuple[EventState, list[str]]:
    """Parse the event view's query (``?half=day&days=3&L=30``); a value the URL does not give (or gives
    wrong, with a message) is taken from ``defaults`` (:class:`EventState` ``()`` when None)."""
    raw = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, parse in _EVENT_PARSERS.items():
        if name in raw:
            try:
                values[name] = parse(raw[name])
            except (ValueError, TypeError) as exc:
                problems.append(f"URL parameter {name}={raw[name]!r} ignored ({exc}).")
    return replace(defaults or EventState(), **values), problems


def event_query(state: EventState, defaults: EventState | None = None) -> str:
    """The query string (with ``?``, or empty) holding the values of ``state`` that differ from
    ``defaults`` (:class:`EventState` ``()`` when None)."""
    default = asdict(defaults or EventState())
    pairs = {
        f.name: (f"{v:g}" if isinstance(v, float) else v)
        for f in fields(EventState)
        if (v := getattr(state, f.name)) != default[f.name]
    }
    return f"?{urlencode(pairs)}" if pairs else ""
