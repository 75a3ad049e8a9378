"""Export figures (PNG, SVG, PDF, standalone HTML) and tables (CSV), with safe, descriptive file names.

Static images are rendered by kaleido with Debian's Chromium (``BROWSER_PATH``, default the ``chromium``
on ``PATH``). A persistent kaleido sync server makes repeated exports ~10× faster; it belongs to the
process that started it, so a forked background job never reuses its parent's server — it starts its own
(:func:`figure_bytes` checks the process id). Standalone HTML embeds plotly.js, so it opens offline.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import threading
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from core.atomic import atomic_path

__all__ = [
    "FIGURE_FORMATS",
    "TABLE_FORMATS",
    "ExportError",
    "export_name",
    "figure_bytes",
    "table_bytes",
    "write_export",
]

FIGURE_FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
}
TABLE_FORMATS: dict[str, str] = {"csv": "text/csv"}
IMAGE_SIZE: tuple[int, int, float] = (1100, 650, 2.0)
"""Width and height (CSS pixels) and pixel scale of exported images (:func:`figure_bytes`' defaults)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9.+-]+")
_lock = threading.Lock()
_server_pid: int | None = None


class ExportError(ValueError):
    """An unknown format, or a renderer that could not produce the file (the message says which)."""


def export_name(*parts: Any, ext: str, max_len: int = 180) -> str:
    """A file name from ``parts`` (event id, settings, model version …): letters, digits, ``.+-`` only,
    parts joined by ``_`` — never a path separator or ``..``, so it cannot leave its folder."""
    cleaned = [_UNSAFE.sub("-", str(p)).strip("-.") for p in parts if p not in (None, "")]
    stem = "_".join(c for c in cleaned if c)[:max_len] or "export"
    ext = _UNSAFE.sub("", ext).lower()
    if ext not in FIGURE_FORMATS and ext not in TABLE_FORMATS:
        raise ExportError(f"unknown export format {ext!r}; figures: {', '.join(FIGURE_FORMATS)}; tables: csv")
    return f"{stem}.{ext}"


def _ensure_server() -> None:
    """Start kaleido's sync server once per process (a forked child starts its own)."""
    global _server_pid
    import kaleido

    os.environ.setdefault("BROWSER_PATH", shutil.which("chromium") or "/usr/bin/chromium")
    pid = os.getpid()
    if _server_pid == pid:
        return
    if _server_pid is not None:  # inherited through fork: the parent's server is not ours to use
        try:
            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:  # the parent's server state may be half-copied; start afresh
            pass
    kaleido.start_sync_server(silence_warnings=True)
    _server_pid = pid
    atexit.register(_stop_server)


def _stop_server() -> None:
    global _server_pid
    if _server_pid == os.getpid():
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _server_pid = None


def _geo_assets_script(fig: Any, topojson_dir: Path) -> str:
    """A ``<script>`` that hands plotly.js the topojson its geo maps need (``window.PlotlyGeoAssets``), so
    a standalone HTML file never asks a CDN for it; empty when the figure has no geo map."""
    geos = [v for k, v in fig.to_plotly_json().get("layout", {}).items() if k.startswith("geo")]
    if not geos:
        return ""
    names = sorted({f"world_{g.get('resolution', 110)}m" for g in geos})
    assets = {name: json.loads((topojson_dir / f"{name}.json").read_text(encoding="utf-8")) for name in names}
    payload = json.dumps({"topojson": assets}, separators=(",", ":"))
    return f"<script>window.PlotlyGeoAssets = {payload};</script>"


def figure_bytes(
    fig: Any,
    fmt: str,
    *,
    width: int = IMAGE_SIZE[0],
    height: int = IMAGE_SIZE[1],
    scale: float = IMAGE_SIZE[2],
    topojson_dir: str | os.PathLike[str] | None = None,
) -> bytes:
    """Render a plotly figure as ``png``, ``svg``, ``pdf`` (kaleido; pixels at ``scale``) or standalone
    ``html`` (plotly.js embedded, works offline). ``topojson_dir`` holds plotly's ``world_110m.json`` /
    ``world_50m.json`` for geo maps (embedded into HTML, read by kaleido from disk): never a CDN."""
    import plotly.io as pio

    if fmt == "html":
        html = pio.to_html(fig, include_plotlyjs=True, full_html=True, config={"displaylogo": False})
        if topojson_dir is not None:
            html = html.replace("<body>", "<body>" + _geo_assets_script(fig, Path(topojson_dir)), 1)
        return html.encode()
    if fmt not in FIGURE_FORMATS:
        raise ExportError(f"unknown figure format {fmt!r}; use one of {', '.join(FIGURE_FORMATS)}")
    with _lock:
        _ensure_server()
        pio.defaults.topojson = Path(topojson_dir).resolve().as_uri() + "/" if topojson_dir else None
        try:
            with warnings.catch_warnings():  # plotly notes that per-call options go unused with a server
                warnings.simplefilter("ignore", UserWarning)
                return pio.to_image(
                    fig, format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1
                )
        except Exception as exc:  # a renderer failure becomes one clear error
            raise ExportError(f"{fmt.upper()} export failed: {type(exc).__name__}: {exc}") from exc


def table_bytes(table: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV (ISO 8601 times, no index)."""
    return table.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ").encode("utf-8")


def write_export(data: bytes, folder: str | os.PathLike[str], name: str) -> Path:
    """Write ``data`` atomically as ``folder/name``; ``name`` must be a bare file name."""
    if Path(name).name != name or name in (".", ".."):
        raise ExportError(f"export name {name!r} is not a bare file name")
    path = Path(folder) / name
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path
