"""Benchmark: a bounded load test of the dashboard served by gunicorn (issue 8): ``--clients`` (default 20)
simulated users replay the user path over HTTP — no browser — against ``--workers`` (default 2) gunicorn
sync workers that share the on-disk caches, as the README's production command serves it.

One page visit, the way Dash's renderer does it: ``GET`` the page (its HTML carries the page-load token
``end_id``), ``GET /_dash-layout`` and ``/_dash-dependencies``, the page-content callback (``url.pathname`` →
``page.children``), then the callbacks the new layout fires on load, concurrently, and every callback that
their answers trigger in turn (an output that is another callback's input, new components inside returned
``children``; the one clientside callback that hands the page's pending analysis to its job,
:data:`CLIENTSIDE_PASSTHROUGH`, is done here), until nothing is left to fire. Payloads are built from the
dependencies and the layouts the server returns, so new inputs, outputs or chained callbacks of the app are
followed without editing this file. A background callback is polled as the renderer polls it: the first
POST starts a job and answers its signed ``cacheKey`` and ``job``; the client re-POSTs with ``endId``,
``cacheKey`` and ``job`` in the query string (inputs nulled) every ``interval`` ms (from the dependencies)
until the answer carries ``response``. A visit fails when a request fails or answers nonsense, when a
background result is lost (HTTP 204 while polling) or when a panel the page must show never gets its data
(map page: the map figure; event page: the tracks map and the analysis panel).

The user path: the map page (``/``), then an event page (``/event/<id>``). The events are the M ≥ 6
earthquakes of the demo archive (``bench_dashboard``'s choice), or those given with ``--event`` (any archive:
``tests/dashboard/test_load_celery.py`` runs it small on a tiny one). Phases: a warm-up pass over the events
that fills the caches (every user at once, user k opens event k mod the events: with 20 users and 10 events
two users open each not-yet-analysed event at about the same time), a single user alone (warm, unloaded: the
service times), then ``--passes`` timed passes of every user (user k sees event k + p in pass p, so each pass
covers the events evenly), with a short random pause before each page. Static JavaScript bundles are not
fetched (a browser caches them after its first visit). Latency is wall-clock in this process: per HTTP
request, per callback (a background one: first POST → result), per panel (page-content callback sent → the
panel's data received: in the page itself, drawn on the server, or from a later callback) and per visit
(``GET`` → every panel's data).

Bounded: loopback only (127.0.0.1, a free port), a fixed number of visits, a hard time limit
(``--time-limit``, whole run); the gunicorn process group (master, workers and their background-job
processes) is killed at the end, also on an error, Ctrl-C or SIGTERM. By default the server runs on a
temporary copy of the work dir (symbolic links to the archive, models and datasets, an empty ``cache/``), so
the run starts cold and leaves the real caches alone; ``--real-cache`` serves ``data/generated`` as it is.

Background jobs: by default as the README's command runs them, each forked by the gunicorn worker that got
the request (Dash ``DiskcacheManager``, ``dashboard.jobs.SharedJobs``). ``--celery``: as with ``REDIS_URL``
set — a ``redis-server`` on another free loopback port (no persistence), one Celery worker
(``celery -A dashboard.worker worker``, prefork, ``--celery-workers`` processes: default the cores) and
gunicorn with ``REDIS_URL`` pointing at it; the worker and Redis are stopped at the end like gunicorn, and
their figures go to ``bench.results`` as ``load-celery``.

The load generator shares the machine with the server (CPU seconds of both are printed per phase). Prints
figures, asserts nothing; headline figures also go to ``bench.results``. Usage::

    python -m bench.bench_load [--clients 20] [--passes 3] [--workers 2] [--time-limit 300] [--celery]
        [--event ID ...]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests

from bench.results import emit, metric

CLIENTS = 20
PASSES = 3
WORKERS = 2
TIME_LIMIT_S = 300.0  # the whole run: server start, warm-up and timed passes
BOOT_S = 150.0  # gunicorn workers import torch & co and build the app
REQUEST_TIMEOUT_S = 60.0  # one HTTP request
JOB_TIMEOUT_S = 90.0  # a background callback, first POST → result
MAX_CALLBACKS = 40  # callbacks one visit may fire (a loop in the app's callbacks stops here)
THINK_S = 0.5  # a user pauses 0 … THINK_S s (uniform) before each page
TARGET_CALLBACK_P95_S = 1.5  # issue 8: event-view callbacks, warm, 2 cores
SEED = 0

K_HTML, K_LAYOUT, K_DEPS = ("GET page HTML", "GET /_dash-layout", "GET /_dash-dependencies")
K_ROUTE_MAP = "cb: page content, map page"
K_ROUTE_EVENT = "cb: page content, event page"  # every panel drawn in it when cached
K_POLL = "  background: each POST (start + polls)"
K_MAP_VISIT, K_EVENT_VISIT = "visit: map page (GET → figure)", "visit: event page (GET → all panels)"
#: (first output's component id, background?) → kind of a callback; others: "cb: <id>"
CALLBACK_KINDS = {
    ("catalog-map", False): "cb: map figure",
    ("event-map", False): "cb: event tracks/passes/space weather (a setting changed)",
    ("an-summary", False): "cb: event analysis (cached path)",
    ("an-summary", True): "cb: event analysis job (background, start → result)",
}
#: the panels a page must fill: "id.prop" → kind of its "data received" timing
MAP_PANELS = {"catalog-map.figure": "panel: map figure"}
EVENT_PANELS = {
    "event-map.figure": "panel: event tracks map",
    "an-summary.children": "panel: event analysis",
}
#: clientside callbacks the renderer runs in the browser that pass a value on unchanged: input → output
CLIENTSIDE_PASSTHROUGH = {"an-pending.data": "an-request.data"}  # the event page's first analysis job
K_MAP = CALLBACK_KINDS[("catalog-map", False)]
K_ANALYSIS_PANEL = EVENT_PANELS["an-summary.children"]
REQUEST_ORDER = (K_HTML, K_LAYOUT, K_DEPS, K_ROUTE_MAP, K_ROUTE_EVENT, *CALLBACK_KINDS.values())
LATE_ORDER = (K_POLL, *MAP_PANELS.values(), *EVENT_PANELS.values(), K_MAP_VISIT, K_EVENT_VISIT)
VISIT_KINDS = (K_MAP_VISIT, K_EVENT_VISIT)
OVERALL = "overall: every HTTP request"
_CONFIG_RE = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


class LoadError(Exception):
    """A request that did not give the user what the page needs (HTTP error, bad answer, lost result)."""


class TimeLimit(LoadError):
    """The run's time limit stopped a request or a visit (not counted as an error)."""


# --------------------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------------------


@dataclass
class Record:
    phase: str
    kind: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Recorder:
    """Thread-safe list of timings; nothing is recorded after ``close()`` (the run's time limit)."""

    records: list[Record] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False

    def add(self, phase: str, kind: str, seconds: float, ok: bool, error: str = "") -> None:
        with self.lock:
            if not self.closed:
                self.records.append(Record(phase, kind, seconds, ok, error))

    def close(self) -> list[Record]:
        with self.lock:
            self.closed = True
            return list(self.records)


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:160]}"


# --------------------------------------------------------------------------------------------------------
# Dash protocol
# --------------------------------------------------------------------------------------------------------


def _stringify_id(id_: Any) -> str:
    """A component id as Dash's renderer writes it (dict ids: JSON with sorted keys)."""
    return id_ if isinstance(id_, str) else json.dumps(id_, sort_keys=True, separators=(",", ":"))


def _components(tree: Any, out: dict[str, dict] | None = None) -> dict[str, dict]:
    """Every component of a layout tree (JSON as Dash serves it) by its stringified id."""
    out = {} if out is None else out
    if isinstance(tree, list):
        for item in tree:
            _components(item, out)
    elif isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            props = tree["props"] or {}
            if props.get("id") is not None:
                out[_stringify_id(props["id"])] = tree
            for value in props.values():
                _components(value, out)
        else:
            for value in tree.values():
                _components(value, out)
    return out


def _outputs(spec: str) -> list[dict[str, Any]]:
    """``..a.b...c.d@hash..`` (or ``a.b``) → ``[{"id": "a", "property": "b"}, …]``; ``@hash`` stays."""
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    outs = []
    for part in parts:
        id_, _, prop = part.rpartition(".")
        outs.append({"id": json.loads(id_) if id_.startswith("{") else id_, "property": prop})
    return outs


def _keys(deps: list[dict[str, Any]]) -> list[str]:
    """``id.prop`` of dependency entries (a ``@hash`` of allow_duplicate dropped)."""
    return [f"{_stringify_id(d['id'])}.{d['property'].split('@')[0]}" for d in deps]


def _callback_kind(cb: dict[str, Any]) -> str:
    outputs = _outputs(cb["output"])
    first = _stringify_id(outputs[0]["id"])
    background = bool(cb.get("background"))
    if (first, background) in CALLBACK_KINDS:
        return CALLBACK_KINDS[(first, background)]
    if len(outputs) == 1 and outputs[0]["property"] == "id":  # what Dash registers for a `cancel` input
        return f"cb: {first} (cancels a background job)"
    return f"cb: {first}" + (" (background)" if background else "")


def _value(comps: dict[str, dict], dep: dict[str, Any], url: str) -> dict[str, Any]:
    """An input/state entry of a callback payload with its value from the layout (a ``dcc.Location`` gets
    the visited URL; a property the layout does not set is left out, as the renderer leaves it undefined)."""
    entry = {"id": dep["id"], "property": dep["property"]}
    node = comps.get(_stringify_id(dep["id"]))
    if node is None:
        return entry
    if node.get("type") == "Location":
        parts = urlsplit(url)
        entry["value"] = {
            "pathname": parts.path,
            "search": f"?{parts.query}" if parts.query else "",
            "hash": "",
            "href": url,
        }.get(dep["property"])
        return entry
    props = node.get("props") or {}
    if dep["property"] in props:
        entry["value"] = props[dep["property"]]
    return entry


def _payload(cb: dict[str, Any], comps: dict[str, dict], url: str, changed: list[str]) -> dict[str, Any]:
    outputs = _outputs(cb["output"])
    payload = {
        "output": cb["output"],
        "outputs": outputs if cb["output"].startswith("..") else outputs[0],
        "inputs": [_value(comps, d, url) for d in cb["inputs"]],
        "changedPropIds": changed,
    }
    if cb["state"]:  # the renderer leaves "state" out (undefined) when a callback has none
        payload["state"] = [_value(comps, d, url) for d in cb["state"]]
    return payload


def load_callbacks(deps: list[dict[str, Any]], known: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    """The server-side callbacks that new components fire on load, as the renderer picks them: not
    ``prevent_initial_call``, every input in the layout, an input or output among the new components, an
    output in the layout. (The page-content callback lives in the shell, so a new page does not refire it.)"""
    every = {**known, **new}
    picked = []
    for cb in deps:
        if cb.get("prevent_initial_call") or cb.get("clientside_function"):
            continue
        inputs = [_stringify_id(d["id"]) for d in cb["inputs"]]
        outputs = [_stringify_id(o["id"]) for o in _outputs(cb["output"])]
        if not inputs or not all(i in every for i in inputs):
            continue
        if not any(o in every for o in outputs) or not any(x in new for x in inputs + outputs):
            continue
        picked.append(cb)
    return picked


def triggered_callbacks(deps: list[dict[str, Any]], changed: set[str], comps: dict[str, dict]) -> list[dict]:
    """Server-side callbacks with an input among ``changed`` (``id.prop``), every input in the layout."""
    picked = []
    for cb in deps:
        if cb.get("clientside_function") or not cb["inputs"]:
            continue
        keys = _keys(cb["inputs"])
        if changed.intersection(keys) and all(k.rpartition(".")[0] in comps for k in keys):
            picked.append(cb)
    return picked


def _filled(comps: dict[str, dict], key: str) -> bool:
    """Whether the component of ``key`` (``id.prop``) has a value other than None / empty in ``comps``."""
    id_, _, prop = key.rpartition(".")
    value = (comps.get(id_) or {}).get("props", {}).get(prop)
    return value not in (None, {}, [], "")


def _passed_on(page: dict[str, dict]) -> dict[str, Any]:
    """What :data:`CLIENTSIDE_PASSTHROUGH` callbacks set in the browser when ``page`` (its components by
    id) is inserted: output ``id.prop`` → value, for each input of theirs that holds a value."""
    out = {}
    for src, dst in CLIENTSIDE_PASSTHROUGH.items():
        id_, _, prop = src.rpartition(".")
        if _filled(page, src) and dst.rpartition(".")[0] in page:
            out[dst] = page[id_]["props"][prop]
    return out


def _updates(body: dict[str, Any] | None) -> dict[str, Any]:
    """``id.prop`` → value of a callback answer: its ``response`` and ``sideUpdate`` (``set_props``)."""
    out: dict[str, Any] = {}
    for part in ("response", "sideUpdate"):
        for id_, props in ((body or {}).get(part) or {}).items():
            for prop, value in (props or {}).items():
                out[f"{id_}.{prop}"] = value
    return out


# --------------------------------------------------------------------------------------------------------
# A simulated user
# --------------------------------------------------------------------------------------------------------


class User:
    """One user: its own HTTP sessions (one per thread), pages visited one after the other, a page's
    callbacks sent concurrently as the renderer sends them."""

    def __init__(self, base: str, rec: Recorder, deadline: float) -> None:
        self.base, self.rec, self.deadline = base, rec, deadline
        self._local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="user-cb")
        self.cut = 0  # visits the time limit cut short

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def _request(
        self, phase: str, kind: str, method: str, path: str, check: Any = None, **kw: Any
    ) -> tuple[requests.Response, Any]:
        """One timed HTTP request and its JSON body (None when not JSON). A transport error, a status other
        than 200/204 or ``check(response, body)`` returning a reason is a recorded failure (LoadError);
        running into the time limit is not recorded (TimeLimit)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeLimit("time limit reached")
        t0 = time.perf_counter()
        try:
            resp = self.session.request(method, self.base + path, timeout=min(REQUEST_TIMEOUT_S, left), **kw)
            _ = resp.content  # the whole body is read inside the timing
        except requests.RequestException as exc:
            if time.monotonic() >= self.deadline - 0.1:
                raise TimeLimit("time limit reached") from exc
            self.rec.add(phase, kind, time.perf_counter() - t0, False, _why(exc))
            raise LoadError(_why(exc)) from exc
        elapsed = time.perf_counter() - t0
        why, body = None, None
        if resp.status_code not in (200, 204):
            why = f"HTTP {resp.status_code} {method} {path.split('?')[0]}: {resp.text[:120]!r}"
        else:
            try:
                if resp.status_code == 200 and "json" in resp.headers.get("Content-Type", ""):
                    body = resp.json()
                why = check(resp, body) if check is not None else None
            except Exception as exc:  # a malformed answer is a failed request
                why = f"bad answer to {method} {path.split('?')[0]}: {_why(exc)}"
        self.rec.add(phase, kind, elapsed, why is None, why or "")
        if why is not None:
            raise LoadError(why)
        return resp, body

    # ---- one callback ----------------------------------------------------------------------------------

    def callback(
        self, phase: str, cb: dict[str, Any], payload: dict[str, Any], end_id: str
    ) -> dict[str, Any]:
        """POST one callback (a background one: start + polls until its result); the props it set."""
        kind = _callback_kind(cb)
        post = "/_dash-update-component"
        params = {"endId": end_id}
        if not cb.get("background"):
            _, body = self._request(phase, kind, "POST", post, params=params, json=payload)
            return _updates(body)
        t0 = time.perf_counter()
        try:
            updates = self._poll(phase, cb, payload, params)
        except TimeLimit:
            raise
        except Exception as exc:
            self.rec.add(phase, kind, time.perf_counter() - t0, False, _why(exc))
            raise
        self.rec.add(phase, kind, time.perf_counter() - t0, True)
        return updates

    def _poll(self, phase: str, cb: dict, payload: dict, params: dict) -> dict[str, Any]:
        """The renderer's background-callback loop: POST, then every ``interval`` re-POST with the job's
        handles (inputs and state nulled) until the answer carries ``response``."""
        interval = (cb["background"].get("interval") or 1000) / 1000.0
        end = time.monotonic() + JOB_TIMEOUT_S
        post = "/_dash-update-component"
        resp, body = self._request(phase, K_POLL, "POST", post, params=params, json=payload)
        polls = json.loads(json.dumps(payload))
        for entry in polls["inputs"] + polls.get("state", []):
            entry["value"] = None
        handles: dict[str, str] = {}
        updates: dict[str, Any] = {}
        while True:
            if resp.status_code == 204:
                raise LoadError("background result lost: HTTP 204 (no update) while polling")
            updates.update(_updates({"sideUpdate": body.get("sideUpdate")}))
            if "response" in body:
                return {**updates, **_updates(body)}
            if not handles:
                if not body.get("cacheKey") or not body.get("job"):
                    raise LoadError(f"background start answered no cacheKey/job: {str(body)[:120]}")
                handles = {"cacheKey": body["cacheKey"], "job": body["job"]}
            if time.monotonic() > end:
                raise LoadError(f"background job gave no result in {JOB_TIMEOUT_S:.0f} s")
            time.sleep(interval)
            resp, body = self._request(phase, K_POLL, "POST", post, params={**params, **handles}, json=polls)

    # ---- one page ----------------------------------------------------------------------------------------

    def visit(self, phase: str, path: str, panels: dict[str, str]) -> None:
        """Load ``path`` as the browser does and run its callbacks until they settle; records the visit."""
        visit_kind = K_MAP_VISIT if path.split("?")[0] == "/" else K_EVENT_VISIT
        t0 = time.perf_counter()
        try:
            self._visit(phase, path, panels)
        except TimeLimit:
            self.cut += 1
            return
        except Exception as exc:  # every failure is counted, the run goes on
            self.rec.add(phase, visit_kind, time.perf_counter() - t0, False, f"{path}: {exc}")
            return
        self.rec.add(phase, visit_kind, time.perf_counter() - t0, True)

    def _visit(self, phase: str, path: str, panels: dict[str, str]) -> None:
        def has_config(resp: requests.Response, _body: Any) -> str | None:
            return None if _CONFIG_RE.search(resp.text) else "no _dash-config in the page"

        resp, _ = self._request(phase, K_HTML, "GET", path, has_config)
        end_id = json.loads(_CONFIG_RE.search(resp.text).group(1)).get("end_id", "")
        _, layout = self._request(phase, K_LAYOUT, "GET", "/_dash-layout")
        shell = _components(layout)

        def route_of(deps: list[dict[str, Any]]) -> dict[str, Any] | None:
            for cb in deps:
                for d in cb["inputs"]:
                    node = shell.get(_stringify_id(d["id"]), {})
                    if node.get("type") == "Location" and d["property"] == "pathname":
                        return cb
            return None

        _, deps = self._request(
            phase,
            K_DEPS,
            "GET",
            "/_dash-dependencies",
            lambda _r, body: None if route_of(body) else "no callback takes the URL's pathname",
        )
        route = route_of(deps)
        url = self.base + path
        out = _outputs(route["output"])[0]
        found: dict[str, Any] = {}

        def page_of(_resp: requests.Response, body: Any) -> str | None:
            content = (body or {}).get("response", {}).get(_stringify_id(out["id"]), {}).get(out["property"])
            if content is None:
                return "the page-content callback answered no content"
            found["page"] = _components(content)
            missing = [k for k in panels if k.rpartition(".")[0] not in found["page"]]
            return f"the page has no {', '.join(missing)}" if missing else None

        t_route = time.perf_counter()
        self._request(
            phase,
            K_ROUTE_MAP if path.split("?")[0] == "/" else K_ROUTE_EVENT,
            "POST",
            "/_dash-update-component",
            page_of,
            params={"endId": end_id},
            json=_payload(route, shell, url, []),
        )
        comps = {**shell, **found["page"]}
        # panels the page arrives with (drawn on the server), timed from the page-content callback sent
        t_layout = time.perf_counter() - t_route
        delivered = {key: t_layout for key in panels if _filled(found["page"], key)}
        first = load_callbacks(deps, shell, found["page"])
        passed_on = _passed_on(found["page"])
        for key, value in passed_on.items():
            id_, _, prop = key.rpartition(".")
            comps[id_].setdefault("props", {})[prop] = value
        first += [cb for cb in triggered_callbacks(deps, set(passed_on), comps) if cb not in first]
        t_settle = time.perf_counter() - t_route
        received, errors, cut = self._settle(phase, deps, comps, first, url, end_id)
        received = {**{k: t_settle + v for k, v in received.items()}, **delivered}
        if cut:  # the time limit stopped a callback: the visit is not judged
            raise TimeLimit("time limit reached")
        for key, kind in panels.items():
            if key in received:
                self.rec.add(phase, kind, received[key], True)
            else:
                self.rec.add(phase, kind, 0.0, False, f"{key} never received")
        missing = [k for k in panels if k not in received]
        if missing:
            errors.append(f"no data for {', '.join(missing)}")
        if errors:
            raise LoadError("; ".join(errors))

    def _settle(
        self,
        phase: str,
        deps: list[dict[str, Any]],
        comps: dict[str, dict],
        first: list[dict[str, Any]],
        url: str,
        end_id: str,
    ) -> tuple[dict[str, float], list[str], bool]:
        """Send ``first`` concurrently, then every callback their answers trigger, until none is left.
        Returns ``id.prop`` → seconds from the start until its first value arrived, the failures, and
        whether the time limit stopped a callback."""
        t0 = time.perf_counter()
        received: dict[str, float] = {}
        fired = len(first)
        futures: set[Future] = {
            self.pool.submit(self.callback, phase, cb, _payload(cb, comps, url, []), end_id) for cb in first
        }
        errors, cut = [], False
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    updates = fut.result()
                except TimeLimit:
                    cut = True
                    continue
                except Exception as exc:  # collected, the other callbacks go on
                    errors.append(_why(exc))
                    continue
                now = time.perf_counter() - t0
                new: dict[str, dict] = {}
                for key, value in updates.items():
                    received.setdefault(key, now)
                    id_, _, prop = key.rpartition(".")
                    if id_ in comps:
                        comps[id_].setdefault("props", {})[prop] = value
                    if isinstance(value, dict | list):
                        _components(value, new)
                comps.update(new)
                changed = set(updates)
                chained = triggered_callbacks(deps, changed, comps) + load_callbacks(deps, comps, new)
                for cb in {id(c): c for c in chained}.values():
                    if fired >= MAX_CALLBACKS:
                        errors.append(f"more than {MAX_CALLBACKS} callbacks fired: a loop?")
                        break
                    fired += 1
                    trigger = sorted(changed.intersection(_keys(cb["inputs"])))
                    payload = _payload(cb, comps, url, trigger)
                    futures.add(self.pool.submit(self.callback, phase, cb, payload, end_id))
        return received, errors, cut

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_cpu(pid: int) -> float:
    """CPU seconds so far of process ``pid``, its live descendants and the children it reaped."""
    import psutil

    try:
        proc = psutil.Process(pid)
        t = proc.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in proc.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.Error:
                continue
        return total
    except psutil.Error:
        return 0.0


def _worker_problems(log: Path) -> list[str]:
    """Lines of the Celery worker's log that tell of trouble (errors, lost or unregistered tasks)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    keys = ("ERROR", "CRITICAL", "WorkerLostError", "unregistered task", "Traceback")
    return [line for line in lines if any(k in line for k in keys)]


def _work_copy(work_dir: Path, into: Path) -> Path:
    """``into/work``: symbolic links to everything of ``work_dir`` except its ``cache/`` (left empty)."""
    root = into / "work"
    (root / "cache").mkdir(parents=True)
    for entry in work_dir.iterdir():
        if entry.name != "cache":
            (root / entry.name).symlink_to(entry.resolve())
    return root


class Gunicorn:
    """``gunicorn -w N -b 127.0.0.1:PORT dashboard.app:server`` in its own process group."""

    def __init__(self, tmp: Path, workers: int, threads: int, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.ready_dir = tmp / "ready"
        self.ready_dir.mkdir()
        self.log_path = tmp / "gunicorn.log"
        conf = tmp / "gunicorn_conf.py"
        conf.write_text(
            "import os, pathlib\n\n\n"
            "def post_worker_init(worker):  # the app is built: say so to the load test\n"
            f"    pathlib.Path({str(self.ready_dir)!r}, str(os.getpid())).touch()\n"
        )
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}"]
        if threads > 1:
            cmd += ["--threads", str(threads)]
        cmd += ["--no-control-socket", "-c", str(conf), "dashboard.app:server"]
        self.cmd = cmd
        self.workers = workers
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.proc = subprocess.Popen(
            cmd,
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole, untouched by Ctrl-C
        )
        self.pgid = self.proc.pid
        self.stopped = False
        atexit.register(self.stop)  # a last resort: normally stop() runs in main()'s finally

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def n_ready(self) -> int:
        return sum(1 for _ in self.ready_dir.iterdir())

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the master and the live workers, and of the workers' background-job
        processes (finished ones reaped by a worker, plus those still running)."""
        import psutil

        own = jobs = 0.0
        pids = [self.proc.pid] + [int(p.name) for p in self.ready_dir.iterdir()]
        for pid in pids:
            try:
                proc = psutil.Process(pid)
                t = proc.cpu_times()
                own += t.user + t.system
                if pid == self.proc.pid:
                    continue  # its children are the workers
                jobs += t.children_user + t.children_system
                for child in proc.children(recursive=True):
                    c = child.cpu_times()
                    jobs += c.user + c.system
            except psutil.Error:
                continue
        return own, jobs

    def wait_ready(self, deadline: float) -> None:
        while self.n_ready() < self.workers:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn workers not ready in time:\n{self.log_tail()}")
            time.sleep(0.2)
        requests.get(self.base + "/_dash-dependencies", timeout=30).raise_for_status()

    def log_tail(self, n: int = 15) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def log_problems(self) -> tuple[list[str], list[str]]:
        """Lines of the gunicorn log that tell of trouble (worker timeouts, kills, errors), and the last
        traceback in full."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return [], []
        keys = ("WORKER TIMEOUT", "was sent", "[ERROR]", "[CRITICAL]", "ERROR in app", "Exception")
        trouble = [line for line in lines if any(k in line for k in keys)]
        starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
        last: list[str] = []
        if starts:
            for line in lines[starts[-1] :]:
                if last and line.startswith("["):
                    break
                last.append(line)
        return trouble, last[-40:]

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after 10 s, then SIGKILL to anything left in it
        (background-job processes the workers forked). Idempotent; Ctrl-C is ignored while it runs."""
        if self.stopped:
            return
        main_thread = threading.current_thread() is threading.main_thread()
        old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            if self.proc.poll() is None:
                os.killpg(self.pgid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.pgid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        finally:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._log.close()
            self.stopped = True
            if old is not None:
                signal.signal(signal.SIGINT, old)


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt (so ``finally`` blocks run) while inside."""

    def raise_interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = {s: signal.signal(s, raise_interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


# --------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------


def _run_users(jobs: list[list[tuple[str, dict[str, str]]]], base: str, rec: Recorder, deadline: float,
               phase: str, seed: int) -> tuple[float, int]:  # fmt: skip
    """One thread per user, each running its list of (path, panels to fill) visits with a random
    pause before each; returns the wall time and how many visits the time limit cut or left unstarted."""
    cut = [0]
    lock = threading.Lock()

    def run(k: int, visits: list[tuple[str, dict[str, str]]]) -> None:
        rng = random.Random(seed * 1000 + k)
        user = User(base, rec, deadline)
        try:
            for n, (path, panels) in enumerate(visits):
                time.sleep(rng.uniform(0.0, THINK_S))
                if time.monotonic() >= deadline:
                    with lock:
                        cut[0] += len(visits) - n
                    return
                user.visit(phase, path, panels)
        finally:
            user.close()
            with lock:
                cut[0] += user.cut

    threads = [
        threading.Thread(target=run, args=(k, v), name=f"user-{k}", daemon=True) for k, v in enumerate(jobs)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + 2.0)
    alive = sum(t.is_alive() for t in threads)
    if alive:
        print(
            f"  time limit reached with {alive} user(s) still busy: their unfinished visits are not counted"
        )
    return time.perf_counter() - t0, cut[0]


def _stats(records: list[Record]) -> dict[str, Any]:
    arr = np.asarray([r.seconds for r in records if r.ok], dtype=float)
    nan = float("nan")
    return {
        "n": len(records),
        "p50": float(np.percentile(arr, 50)) if len(arr) else nan,
        "p95": float(np.percentile(arr, 95)) if len(arr) else nan,
        "max": float(arr.max()) if len(arr) else nan,
        "errors": sum(not r.ok for r in records),
    }


def summarise(records: list[Record], phase: str) -> dict[str, dict[str, Any]]:
    """Statistics per kind, and overall: latency of every single HTTP request, errors = failed requests and
    lost background results (a panel without data or a failed visit repeats one of those, or is counted in
    its own row)."""
    mine = [r for r in records if r.phase == phase]
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for r in mine:
        by_kind[r.kind].append(r)
    known = REQUEST_ORDER + LATE_ORDER
    order = [*REQUEST_ORDER, *sorted(k for k in by_kind if k not in known), *LATE_ORDER]
    rows = {k: _stats(by_kind[k]) for k in order if k in by_kind}
    single = [r for r in mine if _is_request(r.kind)]
    overall = _stats(single)
    overall["errors"] = sum(not r.ok for r in mine if _is_step(r.kind))
    rows[OVERALL] = overall
    return rows


def _is_request(kind: str) -> bool:
    """A kind timed per HTTP request (not a background chain, a panel or a visit)."""
    return kind == K_POLL or (
        not kind.endswith("(background)")
        and not kind.startswith(("panel: ", "visit: "))
        and kind != CALLBACK_KINDS[("an-summary", True)]
    )


def _is_step(kind: str) -> bool:
    """A kind whose failures are counted once as errors (requests, callbacks, background chains)."""
    return kind != K_POLL and not kind.startswith(("panel: ", "visit: "))


def _fmt(x: float) -> str:
    return "—" if np.isnan(x) else f"{x:.3f}"


def print_table(title: str, rows: dict[str, dict[str, Any]], wall: float) -> None:
    n_req = rows.get(OVERALL, {}).get("n", 0)
    print(f"\n{title} — {n_req} HTTP requests in {wall:.1f} s ({n_req / max(wall, 1e-9):.1f} req/s)")
    head = f"{'kind':<52} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'errors':>6}"
    print(head)
    print("-" * len(head))
    for kind, r in rows.items():
        print(
            f"{kind:<52} {r['n']:>5} {_fmt(r['p50']):>7} {_fmt(r['p95']):>7} {_fmt(r['max']):>7} "
            f"{r['errors']:>6}"
        )


def _error_examples(records: list[Record], limit: int = 8) -> list[str]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in records:
        if not r.ok and not r.kind.startswith("visit: "):  # a failed visit repeats its step's error
            counts[(r.kind, r.error)] += 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    return [f"{n} × {kind}: {error}" for (kind, error), n in ranked]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=CLIENTS, help=f"simulated users (default {CLIENTS})")
    ap.add_argument("--passes", type=int, default=PASSES, help=f"timed passes per user (default {PASSES})")
    ap.add_argument("--workers", type=int, default=WORKERS, help=f"gunicorn workers (default {WORKERS})")
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1: sync)")
    ap.add_argument("--events", type=int, default=10, help="M ≥ 6 demo events to visit (default 10)")
    ap.add_argument(
        "--event", action="append", default=None, help="an event id to visit instead (repeatable)"
    )
    ap.add_argument(
        "--time-limit", type=float, default=TIME_LIMIT_S, help=f"whole run, s (default {TIME_LIMIT_S:.0f})"
    )
    ap.add_argument(
        "--baseline", type=int, default=5, help="event pages of the single-user phase (default 5; 0: skip)"
    )
    ap.add_argument("--real-cache", action="store_true", help="serve data/generated with its own caches")
    ap.add_argument(
        "--celery", action="store_true", help="background jobs on a Celery worker through a new redis-server"
    )
    ap.add_argument(
        "--celery-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes of the Celery worker's prefork pool (default: the cores)",
    )
    args = ap.parse_args(argv)
    bench_name = "load-celery" if args.celery else "load"

    from bench import bench_dashboard
    from core.config import default_settings

    started = time.monotonic()
    deadline = started + args.time_limit
    settings = default_settings()
    index = settings.work_dir / "archive" / "pass_index.parquet"
    if not index.exists():
        print(f"No demo archive at {index.parent}: `make run` (or `python -m core prepare`) must run first.")
        emit(bench_name, [], skipped="no demo archive")
        return 0
    if args.celery and shutil.which("redis-server") is None:
        print("--celery needs Debian's redis-server: `make redis-server` installs it.")
        emit(bench_name, [], skipped="no redis-server")
        return 0
    bench_dashboard.N_EVENTS = args.events
    events = args.event or [str(e["event_id"]) for e in bench_dashboard._pick_events(settings)]
    print(
        f"load test {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} — {platform.node()} "
        f"{platform.machine()}, {os.cpu_count()} cores, load avg {os.getloadavg()[0]:.2f} — "
        f"{args.clients} users, {args.passes} timed passes, gunicorn -w {args.workers}"
        + (f" --threads {args.threads}" if args.threads > 1 else " (sync workers)")
        + f", time limit {args.time_limit:.0f} s"
    )
    print(
        f"background jobs: Celery worker (prefork -c {args.celery_workers}) through redis-server"
        if args.celery
        else "background jobs: forked by the gunicorn workers (DiskcacheManager)"
    )
    which = "given" if args.event else "M ≥ 6 of the demo archive"
    print(f"{len(events)} events ({which}): {', '.join(events)}")
    rec = Recorder()
    server: Gunicorn | None = None
    walls: dict[str, float] = {}
    skipped: dict[str, int] = {}
    problems: list[str] = []
    traceback: list[str] = []
    restarts = 0
    cpu: dict[str, tuple[float, float, float]] = {}
    loads: dict[str, float] = {}
    worker_problems: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench_load_") as tmp,
        _signals_raise(),
        contextlib.ExitStack() as services,  # redis-server and the Celery worker (--celery), closed last
    ):
        tmp_path = Path(tmp)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("REDIS_URL", None)  # the default mode forks its jobs whatever the environment says
        if not args.real_cache:
            env["SEQNETQUAKE_WORK_DIR"] = str(_work_copy(settings.work_dir, tmp_path))
        worker_log = tmp_path / "celery-worker.log"
        worker_pid: int | None = None
        try:
            if args.celery:
                from tests.helpers import redis_server

                env["REDIS_URL"] = services.enter_context(redis_server(tmp_path))
                print(f"redis-server at {env['REDIS_URL']}")
            server = Gunicorn(tmp_path, args.workers, args.threads, env)
            t0 = time.perf_counter()
            if args.celery:  # booting beside gunicorn's workers
                from tests.helpers import celery_worker

                n = args.celery_workers
                worker = services.enter_context(celery_worker(env, worker_log, concurrency=n))
                worker_pid = worker.pid
                print(f"celery -A dashboard.worker worker -c {args.celery_workers}: ready in "
                      f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
            server.wait_ready(min(deadline, time.monotonic() + BOOT_S))
            print(
                f"{' '.join(server.cmd[2:])}\n  {args.workers} workers ready in "
                f"{time.perf_counter() - t0:.1f} s"
            )

            def cpu_now() -> tuple[float, float]:
                own, jobs_cpu = server.cpu()
                return own, jobs_cpu + (_tree_cpu(worker_pid) if worker_pid is not None else 0.0)

            for phase, jobs, seed in _phases(events, args):
                n_visits = sum(len(v) for v in jobs)
                print(f"{phase}: {PHASES[phase]} — {len(jobs)} user(s), {n_visits} page visits …")
                cpu_before = (time.process_time(), cpu_now())
                walls[phase], skipped[phase] = _run_users(jobs, server.base, rec, deadline, phase, seed)
                client, (own, jobs_cpu) = time.process_time(), cpu_now()
                cpu[phase] = (client - cpu_before[0], own - cpu_before[1][0], jobs_cpu - cpu_before[1][1])
                loads[phase] = os.getloadavg()[0]
        except KeyboardInterrupt:
            print("\ninterrupted: stopping gunicorn" + (", Celery and redis-server" if args.celery else ""))
            raise
        except Exception as exc:  # reported; the figures so far are still printed
            print(f"load test stopped: {_why(exc)}")
        finally:
            records = rec.close()
            if server is not None:
                restarts = max(0, server.n_ready() - args.workers)
                problems, traceback = server.log_problems()
                server.stop()
            if worker_pid is not None:
                worker_problems = _worker_problems(worker_log)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    cores = os.cpu_count() or 1
    for phase in PHASES:
        if phase not in walls:
            continue
        results[phase] = summarise(records, phase)
        print_table(f"{phase.upper()}: {PHASES[phase]}", results[phase], walls[phase])
        client, own, jobs_cpu = cpu[phase]
        where = "the Celery worker's jobs" if args.celery else "their background jobs"
        print(
            f"CPU in this phase: gunicorn workers {own:.0f} s + {where} {jobs_cpu:.0f} s, load "
            f"generator {client:.0f} s — of {walls[phase] * cores:.0f} core-seconds ({cores} cores); load "
            f"average at its end {loads[phase]:.2f}"
        )
        if skipped.get(phase):
            print(f"  {skipped[phase]} visit(s) cut short or not started: time limit")
    print(f"\ngunicorn: {restarts} worker restart(s); {len(problems)} log line(s) of trouble")
    for line in problems[:10]:
        print(f"  {line[:200]}")
    if traceback:
        print("the last traceback in the gunicorn log:")
        for line in traceback:
            print(f"  | {line[:200]}")
    if args.celery:
        print(f"Celery worker: {len(worker_problems)} log line(s) of trouble")
        for line in worker_problems[:10]:
            print(f"  {line[:200]}")
    examples = _error_examples(records)
    if examples:
        print("errors (count × kind: first line):")
        for line in examples:
            print(f"  {line}")
    timed = results.get("timed", {})
    for kind in (K_ROUTE_EVENT, K_ANALYSIS_PANEL):
        r = timed.get(kind)
        if r:
            ok = r["p95"] <= TARGET_CALLBACK_P95_S
            print(f"target p95 ≤ {TARGET_CALLBACK_P95_S} s warm, {kind}: {_fmt(r['p95'])} s — "
                  f"{'met' if ok else 'MISSED'}")  # fmt: skip
    emit(
        bench_name,
        _metrics(results, args),
        tables=results,
        cpu_s={k: dict(zip(("load generator", "workers", "jobs"), v, strict=True)) for k, v in cpu.items()},
        restarts=restarts,
        log_problems=problems[:20],
        last_traceback=traceback,
        worker_log_problems=worker_problems[:20],
    )
    return 0


#: phase → what it is
PHASES = {
    "warm-up": "every user (at least one per event), map page + one event page, concurrently (cold caches)",
    "single user": "one user alone, map page + event pages one after the other (warm, unloaded)",
    "timed": "every user, each pass: map page + an event page (warm)",
}


def _phases(
    events: list[str], args: argparse.Namespace
) -> list[tuple[str, list[list[tuple[str, dict[str, str]]]], int]]:
    """(phase, one list of (path, panels to fill) visits per user, seed) in running order."""
    the_map = ("/", MAP_PANELS)

    def event(e: str) -> tuple[str, dict[str, str]]:
        return f"/event/{e}", EVENT_PANELS

    # warm-up: every user, user k opens event k (mod the events): with 20 users two users open each new event
    warm = [[the_map, event(events[k % len(events)])] for k in range(max(args.clients, len(events)))]
    single = [[the_map] + [event(e) for e in events[: args.baseline]]]
    # pass p: user k sees event k + p, so each pass covers the events evenly
    timed = [
        [v for p in range(args.passes) for v in (the_map, event(events[(k + p) % len(events)]))]
        for k in range(args.clients)
    ]
    phases = [("warm-up", warm, SEED), ("single user", single, SEED + 1), ("timed", timed, SEED + 2)]
    return [ph for ph in phases if ph[0] != "single user" or args.baseline > 0]


def _metrics(results: dict[str, dict[str, dict[str, Any]]], args: argparse.Namespace) -> list[dict[str, Any]]:
    celery = f", jobs on Celery -c {args.celery_workers}" if args.celery else ""
    setup = f"{args.clients} users, gunicorn -w {args.workers}{celery}, warm"
    timed, cold = results.get("timed", {}), results.get("warm-up", {})
    out = []
    if cold.get(OVERALL):
        visits = [cold[k] for k in VISIT_KINDS if k in cold]
        failed = sum(v["errors"] for v in visits)
        how = f"cold caches, every user at once{celery}"
        note = f"of {sum(v['n'] for v in visits)}; {how}"
        out.append(metric("load test, warm-up: failed page visits", failed, "count", 0, note=note))
        if K_ANALYSIS_PANEL in cold:
            r = cold[K_ANALYSIS_PANEL]
            out.append(metric(f"load test, warm-up: {K_ANALYSIS_PANEL} (cold), p95", r["p95"], "s", note=how))
    overall = timed.get(OVERALL)
    if overall:
        visits = [timed[k] for k in VISIT_KINDS if k in timed]
        failed = sum(v["errors"] for v in visits)
        out += [
            metric("load test: every HTTP request, p50", overall["p50"], "s", note=setup),
            metric("load test: every HTTP request, p95", overall["p95"], "s", note=setup),
            metric("load test: failed requests", overall["errors"], "count", 0, note=f"of {overall['n']}"),
            metric(
                "load test: failed page visits", failed, "count", 0, note=f"of {sum(v['n'] for v in visits)}"
            ),
        ]
    for kind, target in (
        (K_MAP, None),
        (K_ROUTE_EVENT, TARGET_CALLBACK_P95_S),
        (K_ANALYSIS_PANEL, TARGET_CALLBACK_P95_S),
        (K_EVENT_VISIT, None),
    ):
        r = timed.get(kind)
        if r:
            out.append(metric(f"load test: {kind}, p50", r["p50"], "s", note=setup))
            out.append(metric(f"load test: {kind}, p95", r["p95"], "s", target=target, note=setup))
    return out


if __name__ == "__main__":
    sys.exit(main())
