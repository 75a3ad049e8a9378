"""Helpers shared by several test modules — small synthetic passes and pass archives, a tiny model
registry, catalog texts, a browser network log, and services in their own processes (the dashboard, a Redis
server, a Celery worker). Test modules import them from here, never from one another; fixtures live in the
``conftest.py`` files."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import psutil
import xarray as xr

from core.io import write_pass
from core.passes import make_pass

if TYPE_CHECKING:
    from playwright.sync_api import Page

# ------------------------------------------------------------------------ passes and a tiny archive


def straight_pass(
    orbit: int,
    start: np.datetime64,
    lon0: float,
    *,
    half: str = "night",
    satellite: str = "CSES-01",
    n: int = 200,
) -> xr.Dataset:
    """A straight south→north pass at longitude ``lon0`` drifting 0.1° per sample (3 s cadence)."""
    t = start + np.arange(n) * np.timedelta64(3, "s")
    lat = np.linspace(-60.0, 60.0, n)
    lon = lon0 + 0.1 * np.arange(n)
    lon = (lon + 180.0) % 360.0 - 180.0
    rng = np.random.default_rng(orbit)
    if satellite == "CSES-01":
        variables = {"Ne": (rng.uniform(1e4, 1e5, n), {}), "Te": (rng.uniform(900, 1500, n), {})}
        product, instrument = "LAP_1", "LAP"
    else:
        variables = {
            k: (rng.uniform(1, 10, n), {}) for k in ("Ne", "Te", "Ni", "V_plasma", "V_float", "V_sat")
        }
        product, instrument = "1144", "ISL"
    return make_pass(
        t,
        lat,
        lon,
        np.full(n, 507.0),
        lat - 5,
        variables,
        satellite=satellite,
        instrument=instrument,
        product=product,
        orbit=orbit,
        half=half,
        source_file="x",
    )


def pap_like(lap: xr.Dataset) -> xr.Dataset:
    """A LAP_1 Pass → the PAP_0 Pass of the same half-orbit (1 s)."""
    t0 = lap["time"].values[0]
    n = (len(lap["time"]) - 1) * 3 + 1
    t = t0 + np.arange(n) * np.timedelta64(1, "s")
    frac = np.linspace(0.0, 1.0, n)
    lat = np.interp(frac, np.linspace(0, 1, lap.sizes["time"]), lap["lat"].values)
    lon = np.interp(frac, np.linspace(0, 1, lap.sizes["time"]), lap["lon"].values)
    rng = np.random.default_rng(7)
    variables = {
        "Ni_H": (rng.uniform(1e2, 1e3, n), {}),
        "Ni_He": (rng.uniform(1, 1e2, n), {}),
        "Ni_O": (rng.uniform(2e4, 9e4, n), {}),
        "Ti": (rng.uniform(800, 1200, n), {}),
        "Vi_x": (rng.normal(0, 50, n), {}),
        "Vi_y": (rng.normal(0, 50, n), {}),
        "Vi_z": (rng.normal(0, 50, n), {}),
    }
    return make_pass(
        t,
        lat,
        lon,
        np.full(n, 507.0),
        lat - 5,
        variables,
        satellite="CSES-01",
        instrument="PAP",
        product="PAP_0",
        orbit=int(lap.attrs["orbit"]),
        half=lap.attrs["half"],
        source_file="x",
    )


def build_tiny_archive(work_dir: Path) -> None:
    """A tiny CSES-01 archive around the 2021-08-14 M7.2 Nippes (Haiti) event, indexed: a night pass over
    the epicentre 30 h before (LAP_1 and PAP_0), one starting 1 s after the shock, and a day pass far away."""
    from core.archive import scan_archive

    root = work_dir / "archive"
    origin = np.datetime64("2021-08-14T12:29:08", "ns")
    start = origin - np.timedelta64(30, "h") - np.timedelta64(300, "s")
    lap = straight_pass(1, start, -78.0)
    write_pass(lap, root)
    write_pass(pap_like(lap), root)  # the same half-orbit's PAP_0 file: O+ density and ion temperature
    write_pass(straight_pass(2, origin + np.timedelta64(1, "s"), -78.0), root)
    write_pass(straight_pass(3, origin - np.timedelta64(50, "h"), 60.0, half="day"), root)
    scan_archive(root, workers=1, progress=False)


def build_tiny_registry(work_dir: Path) -> None:
    """Two quickly trained default models (SeqNetQuake and SVM) on a small seeded Samples set (L = 20,
    the four protocol features) in ``work_dir/models``, and a second version of each trained on L = 10."""
    from core.training import train_default_models
    from tests.core.models.make_samples import make_samples

    for L in (20, 10):
        samples = make_samples(n_events=24, L=L, features=("Ne", "Te", "Ni_O", "Ti"), seed=1)
        train_default_models(
            samples, work_dir / "models", names=("seqnetquake", "svm"), n_boot=20, make_default=L == 20
        )


# ------------------------------------------------- straight line passes of known geometry (windows)

LINE_T0 = np.datetime64("2019-03-10T00:00:00", "ns")
SECOND = np.timedelta64(1, "s")

# CSES: the 1 s product and the 3 s product; DEMETER: the 1 s product and the 4 s product
LINE_PRODUCTS = {
    "CSES-01": (("PAP_0", 1, "PAP", ("Ni_O", "Ti", "Ni_H", "Ni_He")), ("LAP_1", 3, "LAP", ("Ne", "Te"))),
    "DEMETER": (("1144", 1, "ISL", ("Ne", "Te", "Ni")), ("1140", 4, "IAP", ("Ni_O", "Ti", "Ni_H", "Ni_He"))),
}
LINE_BASE_VALUES = {
    "Ne": 1.0e5,
    "Te": 1500.0,
    "Ni": 1.0e5,
    "Ni_O": 8.0e4,
    "Ti": 1200.0,
    "Ni_H": 1e3,
    "Ni_He": 1e2,
}


def write_line_pass(
    root: Path,
    start: np.datetime64,
    *,
    orbit: int = 100,
    half: str = "night",
    satellite: str = "CSES-01",
    n: int = 200,
    lat0: float = -4.975,
    dlat: float = 0.05,
    lon0: float = 0.0,
    dlon: float = 0.0,
    drop: Iterable[int] = (),
    fill: Mapping[str, Iterable[int]] | None = None,
    products: Iterable[str] | None = None,
    scale: float = 1.0,
) -> list[Path]:
    """Write the product files of one straight half-orbit; returns their paths.

    Second k (k = 0 … n-1) is at ``lat0 + dlat·k``, ``lon0 + dlon·k``; ``drop`` removes seconds from every
    product (a time gap); ``fill`` sets a variable to NaN (fill value) at the given seconds.
    """
    drop = set(int(k) for k in drop)
    fill = {k: set(int(x) for x in v) for k, v in (fill or {}).items()}
    paths = []
    for product, cadence, instrument, names in LINE_PRODUCTS[satellite]:
        if products is not None and product not in products:
            continue
        ks = np.array([k for k in range(0, n, cadence) if k not in drop], dtype=np.int64)
        lat = lat0 + dlat * ks
        lon = ((lon0 + dlon * ks) + 180.0) % 360.0 - 180.0
        variables = {}
        for name in names:
            v = np.full(ks.size, LINE_BASE_VALUES[name] * scale)
            v[np.isin(ks, list(fill.get(name, ())))] = np.nan
            variables[name] = (v, {})
        ds = make_pass(
            start + ks * SECOND,
            lat,
            lon,
            np.full(ks.size, 507.0),
            lat,
            variables,
            satellite=satellite,
            instrument=instrument,
            product=product,
            orbit=orbit,
            half=half,
            source_file="x",
        )
        paths.append(write_pass(ds, root))
    return paths


# ------------------------------------------------------- CSES-01 and DEMETER passes (file readers)

CSES_T0 = np.datetime64("2021-03-04T17:20:00.250", "ns")
CSES_ORBIT = 17321
CSES_FREQ = np.linspace(0.0, 25.0, 64)


def cses_pass(product: str, n: int = 20, *, times=None, half: str = "night", seed: int = 0):
    """A small synthetic CSES pass of ``product`` (positions crossing the antimeridian)."""
    rng = np.random.default_rng(seed)
    step = 3000 if product == "LAP_1" else 1000
    t = CSES_T0 + np.arange(n) * np.timedelta64(step, "ms") if times is None else times
    lat = np.linspace(-40.0, 40.0, n)
    lon = np.linspace(170.0, 190.0, n)
    alt = 507.0 + rng.normal(0, 0.5, n)
    extra = {}
    if product == "LAP_1":
        v = {"Ne": rng.uniform(1e4, 1e6, n), "Te": rng.uniform(800, 3000, n)}
    elif product == "PAP_0":
        v = {
            "Ni_H": rng.uniform(1e2, 1e4, n),
            "Ni_He": rng.uniform(1, 1e3, n),
            "Ni_O": rng.uniform(1e4, 1e6, n),
            "Ti": rng.uniform(700, 1500, n),
            "Vi_x": rng.normal(0, 200, n),
            "Vi_y": rng.normal(0, 200, n),
            "Vi_z": rng.normal(0, 200, n),
        }
    elif product == "HPM_5":
        b = rng.normal(0, 20000, (n, 3))
        v = {
            "B_x": b[:, 0],
            "B_y": b[:, 1],
            "B_z": b[:, 2],
            "B_fgm": b + 1.0,
            "flag_mt": rng.integers(0, 2, n),
            "flag_shw": np.zeros(n, int),
            "flag_tbb": np.ones(n, int),
        }
        extra["component"] = ("component", np.array(["x", "y", "z"]), {})
    elif product == "HPM_6":
        v = {"B": rng.uniform(2e4, 5e4, n)}
    elif product in ("EFD_1", "SCM_1"):
        name = "E_spectrum" if product == "EFD_1" else "B_spectrum"
        v = {name: rng.uniform(1e-6, 1e-2, (n, CSES_FREQ.size))}
        extra["freq_hz"] = ("freq", CSES_FREQ, {"units": "Hz"})
    else:  # pragma: no cover
        raise ValueError(product)
    variables = {k: (np.asarray(a), {}) for k, a in v.items()}
    return make_pass(
        t,
        lat,
        lon,
        alt,
        lat - 8.0,
        variables,
        satellite="CSES-01",
        instrument=product[:3],
        product=product,
        orbit=CSES_ORBIT,
        half=half,
        source_file="synthetic",
        extra_coords=extra,
    )


DEMETER_T0 = np.datetime64("2006-08-15T22:10:03.125", "ns")
DEMETER_ORBIT = 11250


def demeter_pass(apid: int, n: int = 15, *, times=None, half: str = "night", seed: int = 1):
    """A small synthetic DEMETER pass of APID 1144 (ISL) or 1140 (IAP)."""
    rng = np.random.default_rng(seed)
    t = DEMETER_T0 + np.arange(n) * np.timedelta64(2000, "ms") if times is None else times
    lat = np.linspace(10.0, -10.0, n)
    lon = np.linspace(-175.0, -185.0, n)
    if apid == 1144:
        v = {
            "Ne": rng.uniform(1e3, 1e6, n),
            "Te": rng.uniform(800, 3000, n),
            "Ni": rng.uniform(1e3, 1e6, n),
            "V_plasma": rng.normal(0, 1, n),
            "V_float": rng.normal(-1, 0.3, n),
            "V_sat": rng.normal(-0.5, 0.2, n),
        }
        instrument = "ISL"
    else:
        v = {
            "Ni_H": rng.uniform(1, 1e4, n),
            "Ni_He": rng.uniform(1, 1e3, n),
            "Ni_O": rng.uniform(1e4, 1e6, n),
            "Ti": rng.uniform(700, 1500, n),
            "Vi_z": rng.normal(0, 300, n),
            "Vi_theta": rng.uniform(0, 90, n),
            "Vi_phi": rng.uniform(-180, 180, n),
            "V_sat": rng.normal(-0.5, 0.2, n),
        }
        instrument = "IAP"
    variables = {k: (a.astype(np.float32), {}) for k, a in v.items()}
    return make_pass(
        t,
        lat,
        lon,
        np.full(n, 660.0) + rng.normal(0, 1, n),
        lat + 3,
        variables,
        satellite="DEMETER",
        instrument=instrument,
        product=str(apid),
        orbit=DEMETER_ORBIT,
        half=half,
        source_file="synthetic",
        lt=np.full(n, 22.5) + rng.normal(0, 0.1, n),
    )


# ------------------------------------------------------------------------------------------ catalogs

COMCAT_HEADER = (
    "time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,"
    "horizontalError,depthError,magError,magNst,status,locationSource,magSource"
)


def comcat_row(
    time: str,
    lat: object,
    lon: object,
    depth: object,
    mag: object,
    eid: str,
    place: str = "somewhere",
    mag_type: str = "mww",
    updated: str = "2020-01-01T00:00:00.000Z",
    etype: str = "earthquake",
) -> str:
    return (
        f'{time},{lat},{lon},{depth},{mag},{mag_type},100,30,,0.9,us,{eid},{updated},"{place}",{etype},'
        ",,,,reviewed,us,us"
    )


def _ms(iso: str) -> int:
    return int(pd.Timestamp(iso).value // 1_000_000)


COMCAT_GEOJSON = {
    "type": "FeatureCollection",
    "metadata": {"generated": 1700000000000, "count": 2},
    "features": [
        {
            "type": "Feature",
            "id": "us2000d7q6",
            "properties": {
                "mag": 7.5,
                "place": "89 km SW of Porgera, Papua New Guinea",
                "time": _ms("2018-02-25T17:44:44.070Z"),
                "updated": _ms("2022-01-01T00:00:00Z"),
                "type": "earthquake",
                "magType": "mww",
                "ids": ",us2000d7q6,",
                "net": "us",
                "code": "2000d7q6",
            },
            "geometry": {"type": "Point", "coordinates": [142.7536, -6.0699, 35.0]},
        },
        {
            "type": "Feature",
            "id": "us1000h3p4",
            "properties": {
                "mag": 7.5,
                "place": "78 km N of Palu, Indonesia",
                "time": _ms("2018-09-28T10:02:43.480Z"),
                "updated": _ms("2022-01-01T00:00:00Z"),
                "type": "earthquake",
                "magType": "mww",
                "ids": ",us1000h3p4,",
                "net": "us",
                "code": "1000h3p4",
            },
            "geometry": {"type": "Point", "coordinates": [119.8462, -0.2559, 20.0]},
        },
    ],
}

COMCAT_QUAKEML = """<?xml version="1.0" encoding="UTF-8"?>
<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"
    xmlns:catalog="http://anss.org/xmlns/catalog/0.1">
  <eventParameters publicID="quakeml:earthquake.usgs.gov/fdsnws/event/1/query">
    <event catalog:datasource="us" catalog:eventsource="us" catalog:eventid="2000d7q6"
        publicID="quakeml:earthquake.usgs.gov/realtime/product/origin/us2000d7q6/us/1/product.xml">
      <description><type>earthquake name</type><text>PNG quake</text></description>
      <description><type>region name</type><text>89 km SW of Porgera, Papua New Guinea</text></description>
      <origin publicID="quakeml:us/origin/1">
        <time><value>2018-02-25T17:44:44.070Z</value></time>
        <longitude><value>142.7536</value></longitude>
        <latitude><value>-6.0699</value></latitude>
        <depth><value>35000</value></depth>
      </origin>
      <magnitude publicID="quakeml:us/mag/1">
        <mag><value>7.5</value></mag><type>mww</type>
      </magnitude>
      <preferredOriginID>quakeml:us/origin/1</preferredOriginID>
      <preferredMagnitudeID>quakeml:us/mag/1</preferredMagnitudeID>
      <type>earthquake</type>
      <creationInfo><creationTime>2022-01-01T00:00:00.000Z</creationTime></creationInfo>
    </event>
    <event publicID="quakeml:earthquake.usgs.gov/fdsnws/event/1/query?eventid=us1000h3p4&amp;format=quakeml">
      <description><type>region name</type><text>78 km N of Palu, Indonesia</text></description>
      <origin publicID="quakeml:us/origin/early">
        <time><value>2018-09-28T10:02:40.000Z</value></time>
        <longitude><value>119.9</value></longitude>
        <latitude><value>-0.3</value></latitude>
        <depth><value>10000</value></depth>
      </origin>
      <origin publicID="quakeml:us/origin/final">
        <time><value>2018-09-28T10:02:43.480Z</value></time>
        <longitude><value>119.8462</value></longitude>
        <latitude><value>-0.2559</value></latitude>
        <depth><value>20000</value></depth>
      </origin>
      <magnitude publicID="quakeml:us/mag/mb"><mag><value>6.9</value></mag><type>mb</type></magnitude>
      <magnitude publicID="quakeml:us/mag/mww"><mag><value>7.5</value></mag><type>mww</type></magnitude>
      <preferredOriginID>quakeml:us/origin/final</preferredOriginID>
      <preferredMagnitudeID>quakeml:us/mag/mww</preferredMagnitudeID>
      <type>earthquake</type>
    </event>
  </eventParameters>
</q:quakeml>
"""


def make_catalog(rows: list[dict]) -> pd.DataFrame:
    """A tiny catalog in the shape of :func:`core.catalog.load_default_catalog` (no geometry needed)."""
    cols = ["event_id", "time", "lat", "lon", "depth_km", "mag", "mag_type", "place", "type"]
    df = pd.DataFrame(rows, columns=cols)
    df["time"] = pd.to_datetime(df["time"], utc=True)
    return df


def empty_catalog() -> pd.DataFrame:
    """A catalog without events (no precursor anywhere)."""
    return make_catalog([])


# ------------------------------------------------------------------------------------------ browser


class NetworkLog:
    """Records failed requests, HTTP errors, uncaught JavaScript errors of the page and any request that
    leaves the loopback host."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.failed: list[str] = []
        self.external: list[str] = []
        host = urlparse(base_url).netloc
        page.on("pageerror", lambda exc: self.failed.append(f"JavaScript error: {exc}"))
        page.on(
            "requestfailed",
            # a reload cancels the favicon request still in flight: not a failure of the page
            lambda r: (
                (r.failure == "net::ERR_ABORTED" and "/_favicon.ico" in r.url)
                or self.failed.append(f"{r.url} {r.failure}")
            ),
        )
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"))
        page.on(
            "request",
            lambda r: (
                urlparse(r.url).scheme in ("http", "https")
                and urlparse(r.url).netloc != host
                and self.external.append(r.url)
            ),
        )


# ------------------------------------- services: the dashboard, Redis and the dashboard's Celery worker

REPO_ROOT = Path(__file__).resolve().parents[1]
#: how long a service may take to come up before the helper gives up (a guard against a hang, not a
#: performance limit: a worker imports torch and builds the app, slow on 2 shared cores)
SERVICE_START_S = 300.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(proc: subprocess.Popen, grace_s: float = 20.0) -> None:
    """SIGTERM to ``proc``'s process group (started with ``start_new_session=True``), SIGKILL after
    ``grace_s``, then SIGKILL to anything left in the group (e.g. a Celery pool process); ``proc`` is
    reaped. Safe to call twice."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace_s)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


def _wait_until(ready: Callable[[], bool], proc: subprocess.Popen, what: str, log: Path) -> None:
    """Poll ``ready()`` until it is true; RuntimeError with the log's tail when ``proc`` exits first or
    :data:`SERVICE_START_S` pass."""
    deadline = time.monotonic() + SERVICE_START_S
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}):\n{_log_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready in {SERVICE_START_S:.0f} s:\n{_log_tail(log)}")
        time.sleep(0.1)


def _log_tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Debian's ``redis-server`` on 127.0.0.1 and a free port, in ``folder``, without persistence
    (``--save '' --appendonly no``); yields its URL ``redis://127.0.0.1:PORT/0`` once it answers PING, and
    stops it on exit. Raises FileNotFoundError when ``redis-server`` is not installed."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise FileNotFoundError("redis-server is not installed (`make redis-server` installs it)")
    port = free_port()
    log = folder / "redis.log"
    cmd = [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(folder), "--logfile", str(log), "--daemonize", "no"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until(lambda: _redis_answers(port), proc, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process_group(proc)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def celery_worker(
    env: Mapping[str, str], log: Path, *, pool: str = "prefork", concurrency: int = 1
) -> Iterator[subprocess.Popen]:
    """``celery -A dashboard.worker worker`` (``env`` must hold ``REDIS_URL`` and the ``SEQNETQUAKE_*``
    folders of the app it serves) in its own process group, its output in ``log``; yields the process once
    the worker says it is ready, and stops the whole group (pool processes included) on exit."""
    cmd = [sys.executable, "-m", "celery", "-A", "dashboard.worker", "worker", "--pool", pool]
    cmd += ["--concurrency", str(concurrency), "--loglevel", "INFO", "--hostname", f"test-{os.getpid()}@%h"]
    cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until(lambda: " ready." in log.read_text(errors="replace"), proc, "the Celery worker", log)
        yield proc
    finally:
        stop_process_group(proc)


@contextmanager
def dashboard_server(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """``python -m dashboard`` on 127.0.0.1 and a free port with ``env`` (its own process: Dash registers
    background callbacks process-wide, so a second app in the test process would take over another app's
    jobs), its output in ``log``; yields its URL once ``/`` answers, and stops it on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "dashboard", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until(lambda: _answers(url + "/"), proc, "the dashboard", log)
        yield url
    finally:
        stop_process_group(proc)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except OSError:
        return False


def services_left(worker_pgid: int | None = None) -> list[str]:
    """Live children of this process that run redis-server, Celery, gunicorn or the dashboard, and every
    live process of ``worker_pgid`` (a Celery worker's process group: its pool processes too, were they
    orphaned)."""
    left = []
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            text = " ".join(proc.info["cmdline"] or [])
            services = ("redis-server", "celery", "gunicorn", "dashboard")
            ours = proc.pid in children and any(k in text for k in services)
            if ours or (worker_pgid is not None and os.getpgid(proc.pid) == worker_pgid):
                left.append(f"{proc.pid} {text[:120]}")
        except (ProcessLookupError, psutil.Error):
            continue
    return left
