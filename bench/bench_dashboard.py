"""Benchmark: the dashboard in a real browser (Playwright driving Debian's Chromium, headless) on the demo
data, against issue 7's targets (measured on 2 cores): first map render with the whole catalog; event
view → all panels drawn ≤ 1 s p95 warm (analysis cached), ≤ 5 s cold; PNG export of one figure ≤ 1 s warm.

Times are wall-clock in this Python process (``time.perf_counter``) around ``page.goto`` and the Playwright
waits that follow it, so they include navigation, Dash's callbacks (the background analysis job too), the
server, drawing in the browser and Playwright's polling (about one frame). Exports are timed around
``page.request.get`` with the body read. The app is served on loopback by werkzeug in a thread of this
process; the catalog and the pass index are loaded in-process before it starts (one-time per-process
costs, which ``bench_map`` measures; loading the index first also keeps a request thread from importing
pyarrow while Dash forks a background job, which can leave the job deadlocked on the import lock).
Prints figures, asserts nothing; stops by itself within a few minutes (``BUDGET_S``, ``VISIT_S``).

The event visits and their floors run in a browser with a profile on disk (Playwright's persistent
context in a temporary folder), as a user's browser: its HTTP cache and V8's code cache keep the scripts
compiled between page loads. A private (incognito) context, which the map renders and exports use, keeps
no compiled code: Chromium compiles the app's 3.5 MB of scripts again on every page load; the warm visit by
URL and the floors are measured there too (rows ``private context``), so the difference is printed.

Floors, measured on the same machine in the same run (rows ``floor: …``): a page load by URL of the app's
scripts alone and of an empty Dash page (the not-found page: same scripts, Dash's start-up requests and
routing callback), warm like the event visits; kaleido alone on the catalog map as exported (its markers
painted as one image, timed apart) and with one SVG marker per event, on that map without its markers, on
the same markers without a map, and on an empty figure. The event visits by URL also report
when the browser had run every script (DOMContentLoaded).

Run ``python -m bench.bench_dashboard [--events 10] [--map-repeats 3] [--export-repeats 5]`` after
``make run`` (or ``python -m core prepare``). Headline figures also go to ``bench.results``.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.results import emit, metric
from core.catalog import filter_catalog, load_default_catalog
from core.config import Settings, default_settings
from core.demo import DEMO

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
#: The demo archive's CSES-01 span and region (``core.demo.DEMO``); events of M ≥ 6 inside it.
DEMO_SPAN = (DEMO.start, DEMO.end)
DEMO_BBOX = DEMO.region
N_EVENTS = 10
MAP_REPEATS = 3
EXPORT_REPEATS = 5
VISIT_S = 45.0  # one page visit or request, all its waits together; a slower one counts as failed
BUDGET_S = 420.0  # no new measurement starts after this many seconds
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: a page only this bench serves: the app's own HTML (same script and style tags) without the line that
#: starts Dash's renderer, so loading it costs the browser what every page costs before Dash starts
SCRIPTS_ONLY_PATH = "/__bench/scripts-only"
STEPS = ("shell", "passes", "map", "all")  # of an event visit, cumulative from goto
KINDS = ("cold", "warm", "warm, click from the map")  # the last: in-app navigation, no page load

_DCL_JS = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
_MAP_READY_JS = """(sel) => { const gd = document.querySelector(sel + ' .js-plotly-plot');
    const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return !!(m && m.map && m.map.loaded() && m.map.areTilesLoaded()); }"""


class Budget:
    """The run's time budget: ``left()`` is False once ``BUDGET_S`` has passed (later steps are skipped)."""

    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds
        self.skipped: list[str] = []

    def left(self, what: str) -> bool:
        if time.perf_counter() < self.end:
            return True
        self.skipped.append(what)
        return False


def _stats(values: list[float], failures: int = 0, note: str = "") -> dict[str, Any]:
    """n, p50, p95 (linear interpolation: with 10 values it lies between the two largest), max; seconds."""
    arr = np.asarray(values, dtype=float)
    nan = float("nan")
    return {
        "n": len(arr),
        "p50": float(np.percentile(arr, 50)) if len(arr) else nan,
        "p95": float(np.percentile(arr, 95)) if len(arr) else nan,
        "max": float(arr.max()) if len(arr) else nan,
        "failures": failures,
        "note": note,
    }


def _ms_left(deadline: float) -> float:
    """Milliseconds until ``deadline`` (a ``time.perf_counter`` value), at least 1: a Playwright timeout."""
    return max(1.0, (deadline - time.perf_counter()) * 1000)


def _wait_map(page: Any, selector: str, deadline: float) -> None:
    """The Plotly WebGL map inside ``selector`` is drawn: style, sources and tiles loaded."""
    page.wait_for_function(_MAP_READY_JS, arg=selector, timeout=_ms_left(deadline))


def _wait_geo(page: Any, selector: str, deadline: float) -> None:
    """The Plotly SVG (geo) map inside ``selector`` is drawn: land paths and the epicentre marker."""
    for part in (".geo .layer.land path", ".scattergeo .point"):
        page.locator(f"{selector} {part}").first.wait_for(state="attached", timeout=_ms_left(deadline))


def _wait_plot(page: Any, selector: str, deadline: float) -> None:
    """The Plotly (SVG) chart inside ``selector`` has drawn its data: a trace group in its plot area."""
    page.locator(f"{selector} .main-svg g.trace").first.wait_for(state="attached", timeout=_ms_left(deadline))


def _wait_visible(page: Any, selectors: str, deadline: float) -> str:
    """Wait until one of the comma-separated CSS ``selectors`` is visible; its element id."""
    found = page.locator(selectors).first
    found.wait_for(state="visible", timeout=_ms_left(deadline))
    return found.get_attribute("id") or "?"


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"


def _pick_events(settings: Settings) -> list[dict[str, Any]]:
    """``N_EVENTS`` M ≥ 6 earthquakes of the demo span and region, evenly spread over time."""
    cat = load_default_catalog(settings)
    events = filter_catalog(cat, min_mag=6.0, start=DEMO_SPAN[0], end=DEMO_SPAN[1], bbox=DEMO_BBOX)
    events = events.sort_values("time").reset_index(drop=True)
    picks = np.unique(np.linspace(0, len(events) - 1, min(N_EVENTS, len(events))).round().astype(int))
    return [events.iloc[int(i)].to_dict() for i in picks]


def _clear_analysis_cache(settings: Settings) -> int:
    """Empty the app's on-disk analysis and export caches (so first visits and first exports are cold)
    but keep the map's batch scores."""
    from dashboard.data import MAP_SCORES_KEY, analysis_cache
    from dashboard.exports import export_cache

    export_cache(settings).clear()
    cache = analysis_cache(settings)
    scores = cache.get(MAP_SCORES_KEY)
    n = len(cache)
    cache.clear()
    if scores is not None:
        cache.set(MAP_SCORES_KEY, scores)
    return n


def _serve(settings: Settings) -> tuple[str, Callable[[], None]]:
    """The dashboard on a free loopback port; returns its URL and a stop function."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    flask_app = create_app(settings).server
    page = flask_app.test_client().get("/nowhere").get_data(as_text=True)
    start = (
        '<script id="_dash-renderer" type="application/javascript">'
        + "var renderer = new DashRenderer();</script>"
    )
    if start not in page:
        raise RuntimeError("Dash's page no longer starts its renderer as bench_dashboard expects")
    scripts_only = page.replace(start, "").encode()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == SCRIPTS_ONLY_PATH:  # the floor of bench_page_floor, bench-only
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [scripts_only]
        return flask_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.server_port}", stop


def _end_leftover_jobs() -> int:
    """Terminate Dash background-job processes this process forked that are still running (a stuck job
    would otherwise hold Playwright's driver pipe open and keep this script from exiting). Only processes
    that multiprocess started here and that are still children of this process are touched."""
    try:
        import multiprocess
        import psutil
    except ImportError:  # pragma: no cover - Dash's DiskcacheManager needs both
        return 0
    started_here = {p.pid for p in multiprocess.active_children()}
    left = [
        c for c in psutil.Process().children() if c.pid in started_here and c.status() != psutil.STATUS_ZOMBIE
    ]
    for proc in left:
        proc.terminate()
    _, alive = psutil.wait_procs(left, timeout=5)
    for proc in alive:
        proc.kill()
    return len(left)


# --------------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------------


def bench_map(browser: Any, base: str, budget: Budget) -> dict[str, dict[str, Any]]:
    """First map render: a fresh browser context (empty HTTP cache) per repeat, goto → the summary says
    "earthquakes shown" and the WebGL map has loaded (style, sources, tiles)."""
    cases = {"map, default filters": "/", "map, whole catalog (/?mmin=4.5&dmax=700)": "/?mmin=4.5&dmax=700"}
    out: dict[str, dict[str, Any]] = {}
    for label, path in cases.items():
        times: list[float] = []
        shown, failures = "", 0
        for _ in range(MAP_REPEATS):
            if not budget.left(label):
                break
            context = browser.new_context()
            page = context.new_page()
            try:
                t0 = time.perf_counter()
                deadline = t0 + VISIT_S
                page.goto(base + path, timeout=_ms_left(deadline))
                summary = page.locator("#map-summary").filter(has_text="earthquakes shown")
                summary.wait_for(state="visible", timeout=_ms_left(deadline))
                _wait_map(page, "#catalog-map", deadline)
                times.append(time.perf_counter() - t0)
                shown = summary.inner_text().split(" shown")[0]
            except Exception as exc:  # a slow or broken page is reported, not raised
                failures += 1
                print(f"  {label}: FAILED {_why(exc)}")
            finally:
                context.close()
        out[label] = _stats(times, failures, shown)
        print(f"  {label} ({shown}): " + ", ".join(f"{t:.2f} s" for t in times))
    return out


def _visit_event(context: Any, base: str, event_id: str, *, from_map: bool = False) -> dict[str, Any]:
    """goto ``/event/<id>`` (or, ``from_map``, click "Open event view" on the map page of the selected
    event once that page is drawn: the app's own navigation, no page load) → page shell (the settings
    bar) → passes summary visible → event map drawn → analysis finished and every chart drawn (sequences
    count or no-sequences note; with sequences, the sequences chart and the scores table and chart or the
    no-models note; the space-weather chart). Seconds to each step (cumulative from
    the goto or the click) and what the page showed."""
    page = context.new_page()
    try:
        if from_map:
            deadline = time.perf_counter() + VISIT_S
            page.goto(f"{base}/?event={event_id}", timeout=_ms_left(deadline))
            _wait_map(page, "#catalog-map", deadline)
            _wait_visible(page, "#event-link", deadline)
        t0 = time.perf_counter()
        deadline = t0 + VISIT_S
        if from_map:
            page.click("#event-link", timeout=_ms_left(deadline))
        else:
            page.goto(f"{base}/event/{event_id}", timeout=_ms_left(deadline))
        _wait_visible(page, "#ev-half", deadline)
        t_shell = time.perf_counter() - t0
        passes = _wait_visible(page, "#passes-count, #no-passes, #no-archive", deadline)
        t_passes = time.perf_counter() - t0
        _wait_geo(page, "#event-map", deadline)
        t_map = time.perf_counter() - t0
        analysis = _wait_visible(page, "#sequences-count, #no-sequences", deadline)
        scores = ""
        if analysis == "sequences-count":
            scores = _wait_visible(page, "#scores-table-rows, #no-models", deadline)
            _wait_plot(page, "#seq-graph", deadline)
            if scores == "scores-table-rows":
                _wait_plot(page, "#scores-graph", deadline)
        _wait_plot(page, "#sw-graph", deadline)
        t_all = time.perf_counter() - t0
        scripts = float("nan")
        if not from_map:  # the browser's clock: navigation start → DOMContentLoaded (every script run)
            scripts = page.evaluate(_DCL_JS) / 1000.0
        n_passes = 0
        if passes == "passes-count":
            n_passes = int(page.locator("#passes-count").inner_text().split(" ")[0])
        n_seq = page.locator("#sequences-count").inner_text().split(" ")[0] if scores else "0"
        shown = f"{n_passes} passes, {n_seq} sequences" + (
            ", scores" if scores == "scores-table-rows" else ", no models" if scores else ""
        )
        return {
            "shell": t_shell,
            "passes": t_passes,
            "map": t_map,
            "all": t_all,
            "scripts": scripts,
            "n_passes": n_passes,
            "shown": shown,
        }
    finally:
        page.close()


def bench_events(
    context: Any, base: str, events: list[dict[str, Any]], budget: Budget
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Each event three times in ``context`` (the browser with a profile, see the module docstring; a
    fresh page each time): first visit cold (the analysis cache was emptied before the server started), then
    warm (analysis cached) by URL, then warm by a click on the map page's "Open event view" link (in-app
    navigation, the user's path)."""
    times: dict[tuple[str, str], list[float]] = {(k, s): [] for k in KINDS for s in (*STEPS, "scripts")}
    failures = dict.fromkeys(KINDS, 0)
    n_passes: dict[str, int] = {}
    for event in events:
        event_id = str(event["event_id"])
        if not budget.left(f"event {event_id}"):
            break
        line = f"  {event_id} M{event['mag']:.1f} {str(event['time'])[:10]} {event['place'] or '?'}:"
        shown = ""
        for kind in KINDS:
            try:
                visit = _visit_event(context, base, event_id, from_map=kind == KINDS[2])
            except Exception as exc:  # reported, not raised
                failures[kind] += 1
                line += f" {kind} FAILED ({_why(exc)});"
                continue
            for step in (*STEPS, "scripts"):
                times[kind, step].append(visit[step])
            n_passes[event_id], shown = visit["n_passes"], visit["shown"]
            steps = ", ".join(f"{step} {visit[step]:.2f}" for step in STEPS[:-1])
            line += f" {kind} {visit['all']:.2f} s ({steps});"
        print(f"{line} {shown}")
    rows: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        rows[f"event view, {kind}: all panels"] = _stats(times[kind, "all"], failures[kind])
        if kind != KINDS[2]:
            rows[f"  {kind}: scripts run (DOMContentLoaded)"] = _stats(
                times[kind, "scripts"], note="same visits; the browser's clock from navigation start"
            )
        rows[f"  {kind}: page shell (#ev-half)"] = _stats(times[kind, "shell"], note="same visits")
        rows[f"  {kind}: + passes summary shown"] = _stats(times[kind, "passes"], note="same visits")
        rows[f"  {kind}: + event map drawn"] = _stats(times[kind, "map"], note="same visits")
    return rows, n_passes


def bench_page_floor(context: Any, base: str, budget: Budget, browser_name: str) -> dict[str, dict[str, Any]]:
    """The floor under a page load by URL on this machine, warm like the event visits (``context``, its
    HTTP cache filled by a first load that is not timed; a fresh page each time), ``N_EVENTS`` loads
    each: (1) the app's scripts alone (``SCRIPTS_ONLY_PATH``: the same script tags, Dash never started):
    goto → load event; (2) the app's not-found page (``/nowhere``): those scripts, Dash's start-up requests
    (layout, dependencies) and the routing callback, goto → its message visible — an empty Dash page."""
    cases = {
        f"floor: the app's scripts alone, warm, {browser_name}": (SCRIPTS_ONLY_PATH, None),
        f"floor: empty Dash page by URL, warm, {browser_name}": ("/nowhere", "#not-found"),
    }
    out: dict[str, dict[str, Any]] = {}
    for label, (path, selector) in cases.items():
        times: list[float] = []
        failures = 0
        for k in range(N_EVENTS + 1):
            if not budget.left(label):
                break
            page = context.new_page()
            try:
                t0 = time.perf_counter()
                deadline = t0 + VISIT_S
                page.goto(base + path, timeout=_ms_left(deadline))
                if selector:
                    _wait_visible(page, selector, deadline)
                if k:  # the first load fills the HTTP cache
                    times.append(time.perf_counter() - t0)
            except Exception as exc:  # reported, not raised
                failures += 1
                print(f"  {label}: FAILED {_why(exc)}")
            finally:
                page.close()
        out[label] = _stats(times, failures, "fresh page each")
        print(f"  {label}: " + ", ".join(f"{t:.2f} s" for t in times))
    return out


def bench_private_warm(
    browser: Any, base: str, events: list[dict[str, Any]], budget: Budget
) -> dict[str, Any]:
    """The warm visit by URL in a private (incognito) browser context instead: each event once untimed
    (fills the context's HTTP cache), then once timed. Such a context keeps no compiled code between page
    loads, so the browser compiles its scripts again on every load."""
    label = "private context: event view by URL, warm"
    context = browser.new_context()
    times: list[float] = []
    failures = 0
    try:
        for event in events:
            if not budget.left(label):
                break
            try:
                _visit_event(context, base, str(event["event_id"]))
                times.append(_visit_event(context, base, str(event["event_id"]))["all"])
            except Exception as exc:  # reported, not raised
                failures += 1
                print(f"  {label}: FAILED {_why(exc)}")
    finally:
        context.close()
    print(f"  {label}: " + ", ".join(f"{t:.2f} s" for t in times))
    out = {label: _stats(times, failures, "all panels; incognito: no code cache")}
    context = browser.new_context()
    try:
        out.update(bench_page_floor(context, base, budget, "private context"))
    finally:
        context.close()
    return out


def bench_export_floor(settings: Settings, budget: Budget) -> dict[str, dict[str, Any]]:
    """The catalog map's PNG (M ≥ 5) in this process, without the export cache or HTTP, at the exports'
    size and scale, ``EXPORT_REPEATS`` times each: painting its markers as one image (numpy, as the export
    route does) and kaleido rendering the result; kaleido on the same map with one SVG marker per event
    (the export before), on that map without its markers (same basemap, legend, colour bar: the floor of
    that map), on the same markers alone as a plain SVG scatter (no map: what that many SVG markers cost
    kaleido, the floor of any vector rendering of them), and on an empty figure (kaleido's round trip)."""
    import plotly.graph_objects as go

    from core.export import figure_bytes
    from dashboard.basemap import TOPOJSON_DIR
    from dashboard.exports import EXPORTS, image_figure
    from dashboard.figures import EVENT_TRACES

    export = EXPORTS["catalog-map"]
    vector = image_figure(export.build(settings, {"mmin": "5"})[0])
    n_points = sum(len(vector.data[i].lat) for i in EVENT_TRACES)
    painted = export.png(vector) if export.png else vector
    no_points = go.Figure(vector)
    for i in EVENT_TRACES:
        no_points.data[i].update(lat=[], lon=[])
    markers_only = go.Figure(
        [
            go.Scatter(
                x=vector.data[i].lon,
                y=vector.data[i].lat,
                mode="markers",
                marker=vector.data[i].marker.to_plotly_json(),
            )
            for i in EVENT_TRACES
        ]
    )

    def png(fig: Any) -> Callable[[], int]:
        return lambda: len(figure_bytes(fig, "png", topojson_dir=TOPOJSON_DIR))

    cases: dict[str, Callable[[], int]] = {
        f"paint {n_points:,} markers as one image (numpy)": lambda: len(
            (export.png or (lambda f: f))(vector).layout.images
        ),
        "kaleido alone: catalog-map.png, markers painted": png(painted),
        "kaleido alone: catalog-map.png, one SVG marker each": png(vector),
        "floor: kaleido, catalog map without its event markers": png(no_points),
        "floor: kaleido, the same markers alone (SVG scatter, no map)": png(markers_only),
        "floor: kaleido, empty figure": png(go.Figure()),
    }
    out: dict[str, dict[str, Any]] = {}
    for label, work in cases.items():
        times: list[float] = []
        size = 0
        for _ in range(EXPORT_REPEATS):
            if not budget.left(label):
                break
            t0 = time.perf_counter()
            size = work()
            times.append(time.perf_counter() - t0)
        out[label] = _stats(times, note=f"{size / 1e3:.0f} kB" if size > 1000 else "")
        print(f"  {label}: " + ", ".join(f"{t:.2f} s" for t in times))
    return out


def bench_exports(browser: Any, base: str, event_id: str | None, budget: Budget) -> dict[str, dict[str, Any]]:
    """PNG exports through the page's request context, the export server warm (one warm-up export first):
    ``EXPORT_REPEATS`` figures never rendered before (each a slightly different query: kaleido renders
    it), then the last of them ``EXPORT_REPEATS`` times again (the rendering comes from the export cache)."""
    context = browser.new_context()
    page = context.new_page()
    # (label, path of the k-th distinct figure)
    items: list[tuple[str, Callable[[int], str]]] = [
        (
            "export catalog-map.png (M ≥ 5.0x, 24k events)",
            lambda k: f"/export/catalog-map.png?mmin={5 + k / 100:g}",
        )
    ]
    if event_id is not None:
        items.insert(
            0,
            (
                f"export event-tracks.png ({event_id})",
                lambda k: f"/export/event-tracks.png?event={event_id}&days={5 - k / 10:g}",
            ),
        )
    out: dict[str, dict[str, Any]] = {}

    def fetch(path: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        resp = page.request.get(base + path, timeout=VISIT_S * 1000)
        body = resp.body()
        elapsed = time.perf_counter() - t0
        if not resp.ok or body[:8] != PNG_SIGNATURE:
            raise RuntimeError(f"HTTP {resp.status}: {body[:120]!r}")
        return elapsed, len(body)

    try:
        page.goto(base + "/nowhere", timeout=VISIT_S * 1000)  # a light page of the app's origin
        first = fetch("/export/space-weather.png?event=" + (event_id or "us6000f65h"))[0]  # starts kaleido
        print(f"  warm-up (starts the export server): {first:.2f} s")
        for label, path in items:
            for kind, paths in (
                ("first rendering", [path(k) for k in range(EXPORT_REPEATS)]),
                ("again, cached", [path(EXPORT_REPEATS - 1)] * EXPORT_REPEATS),
            ):
                times: list[float] = []
                failures, size = 0, 0
                for p in paths:
                    if not budget.left(f"{label}, {kind}"):
                        break
                    try:
                        elapsed, size = fetch(p)
                    except Exception as exc:  # reported, not raised
                        failures += 1
                        print(f"  {label}, {kind}: FAILED {_why(exc)}")
                        continue
                    times.append(elapsed)
                name = f"{label.split(' (')[0]}, {kind} ({label.split(' (')[1]}"
                out[name] = _stats(times, failures, f"{size / 1e3:.0f} kB")
                print(f"  {name}: " + ", ".join(f"{t:.2f} s" for t in times))
    finally:
        context.close()
    return out


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------

#: label prefix → (target text, statistic judged, limit in seconds)
TARGETS = {
    "map, whole catalog": ("measured, no limit set", "", float("nan")),
    "event view, warm": ("≤ 1 s p95", "p95", 1.0),
    "event view, cold": ("≤ 5 s (p95 judged)", "p95", 5.0),
    "export": ("≤ 1 s warm (max judged)", "max", 1.0),  # "warm": the export server, not the cache
}


def _fmt(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.2f}"


def print_table(rows: dict[str, dict[str, Any]], started: float, budget: Budget, n_jobs_ended: int) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(
        f"Dashboard in a real browser — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} — "
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, load avg {load} — "
        f"Python {platform.python_version()} — total {time.perf_counter() - started:.0f} s"
    )
    print("seconds, wall-clock in Python around page.goto + Playwright waits (exports: page.request.get)")
    head = (
        f"{'measurement':<46} {'n':>2} {'p50':>6} {'p95':>6} {'max':>6} {'fail':>4}  "
        f"{'target':<24} {'verdict':<7}  note"
    )
    print(head)
    print("-" * len(head))
    for label, r in rows.items():
        target, stat, limit = next((t for k, t in TARGETS.items() if label.startswith(k)), ("", "", 0.0))
        verdict = ""
        if stat:
            verdict = "—" if np.isnan(r[stat]) else ("met" if r[stat] <= limit else "MISSED")
        print(
            f"{label:<46} {r['n']:>2} {_fmt(r['p50']):>6} {_fmt(r['p95']):>6} {_fmt(r['max']):>6} "
            f"{r['failures']:>4}  {target:<24} {verdict:<7}  {r['note']}"
        )
    print("p50 of the 3 map repeats is their median; p95 by linear interpolation; indented rows are steps")
    print("of the same visits (cumulative from goto).")
    if budget.skipped:
        print(f"skipped after the {BUDGET_S:.0f} s budget: {', '.join(budget.skipped)}")
    if n_jobs_ended:
        print(f"{n_jobs_ended} Dash background job process(es) still alive at the end were terminated.")


def _metrics(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The headline figures of the table for ``bench.results``: p95 of each row that has a target or is a
    first map render (exports: the max, as judged)."""
    out = []
    for label, r in rows.items():
        if label.startswith(" "):
            continue  # steps of the same visits
        target, stat, limit = next((t for k, t in TARGETS.items() if label.startswith(k)), ("", "p95", None))
        stat = stat or "p95"
        limit = None if limit is None or np.isnan(limit) else limit
        name = label.split(" (")[0] if label.startswith("export") else label
        note = f"n={r['n']}, {r['failures']} failed" + (f"; {r['note']}" if r["note"] else "")
        out.append(metric(f"browser: {name}, {stat}", r[stat], "s", target=limit, note=note))
    return out


def main(argv: list[str] | None = None) -> int:
    global N_EVENTS, MAP_REPEATS, EXPORT_REPEATS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=N_EVENTS, help=f"events visited (default {N_EVENTS})")
    ap.add_argument("--map-repeats", type=int, default=MAP_REPEATS, help=f"default {MAP_REPEATS}")
    ap.add_argument("--export-repeats", type=int, default=EXPORT_REPEATS, help=f"default {EXPORT_REPEATS}")
    args = ap.parse_args(argv)
    N_EVENTS, MAP_REPEATS, EXPORT_REPEATS = args.events, args.map_repeats, args.export_repeats
    started = time.perf_counter()
    settings = default_settings()
    index = settings.work_dir / "archive" / "pass_index.parquet"
    if not index.exists():
        print(
            f"No demo archive at {index.parent}: `make run` (or `python -m core prepare`) must run first. "
            "Nothing measured."
        )
        emit("dashboard", [], skipped="no demo archive")
        return 0
    executable = shutil.which("chromium")
    if executable is None:
        print("Debian's chromium is not on PATH (`make test` installs it with apt-get). Nothing measured.")
        emit("dashboard", [], skipped="no chromium on PATH")
        return 0
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright is not installed (requirements-test.txt). Nothing measured.")
        emit("dashboard", [], skipped="playwright not installed")
        return 0

    from dashboard.data import catalog_table, pass_index

    events = _pick_events(settings)
    catalog_table(settings)  # one-time per-process loads, out of the timings (see the module docstring)
    pass_index(settings)
    n_cleared = _clear_analysis_cache(settings)
    print(f"work dir {settings.work_dir}; analysis cache cleared ({n_cleared} entries, map scores kept)")
    print(f"{len(events)} events (M ≥ 6, {DEMO_SPAN[0]}..{DEMO_SPAN[1]}, lon/lat box {DEMO_BBOX})")
    base, stop = _serve(settings)
    budget = Budget(BUDGET_S)
    rows: dict[str, dict[str, Any]] = {}
    n_jobs_ended = 0
    try:
        with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            # the event visits: a browser with a profile on disk, as a user's (see the module docstring)
            user = pw.chromium.launch_persistent_context(
                profile, executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            try:
                print("first map render (fresh private browser context each):")
                rows.update(bench_map(browser, base, budget))
                print("event view (browser with a profile; cold, warm, warm by a click on the map):")
                event_rows, n_passes = bench_events(user, base, events, budget)
                rows.update(event_rows)
                print("floor of a page load by URL (warm), browser with a profile:")
                rows.update(bench_page_floor(user, base, budget, "browser with a profile"))
                print("the same in a private browser context (no code cache):")
                rows.update(bench_private_warm(browser, base, events, budget))
                # the event with the most passes: the heaviest tracks figure of the set
                export_event = max(n_passes, key=lambda e: n_passes[e]) if n_passes else None
                print("PNG exports (one warm-up, then timed):")
                rows.update(bench_exports(browser, base, export_event, budget))
                print("kaleido alone, in this process (no export cache, no HTTP):")
                rows.update(bench_export_floor(settings, budget))
            finally:
                user.close()
                browser.close()
                n_jobs_ended = _end_leftover_jobs()
    finally:
        stop()
    print_table(rows, started, budget, n_jobs_ended)
    emit("dashboard", _metrics(rows), skipped_steps=budget.skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
