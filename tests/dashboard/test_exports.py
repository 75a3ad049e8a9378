"""The export route: every page item downloads with a descriptive name; bad requests get a clear 404."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.exports import EXPORTS, export_href


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


def test_catalog_exports(client) -> None:
    r = client.get(export_href("catalog", "csv", "?mmin=8&start=2021-01-01"))
    assert r.status_code == 200
    assert (
        'filename="seqnetquake_catalog_2021-01-01--2025-12-30_M8-9.5_0-40km.csv"'
        in r.headers["Content-Disposition"]
    )
    table = pd.read_csv(io.BytesIO(r.data))
    assert len(table) > 0 and (table["mag"] >= 8).all() and "event_id" in table
    r = client.get(export_href("catalog-map", "png", "?mmin=8&event=us6000f65h"))
    assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "us6000f65h" in r.headers["Content-Disposition"]
    # SVG is a vector map: land and coastlines as paths, one path per event
    year = "?mmin=8&start=2021-01-01&end=2021-12-31"
    svg = client.get(export_href("catalog-map", "svg", year)).data.decode()
    assert 'class="layer land"' in svg and 'class="layer coastlines"' in svg
    assert svg.count('class="point"') == 3  # 2021's three M ≥ 8 earthquakes (Kermadec, Alaska, S. Sandwich)
    # standalone HTML carries the topojson so that it draws offline (test_browser_pages.py opens one)
    html = client.get(export_href("catalog-map", "html", "?mmin=8")).data.decode()
    assert "window.PlotlyGeoAssets" in html and '"world_110m"' in html


def test_event_exports_name_event_and_settings(client) -> None:
    r = client.get(export_href("space-weather", "svg", "event=us6000f65h&days=3"))
    assert r.status_code == 200 and b"<svg" in r.data[:200]
    assert "seqnetquake_event-us6000f65h_space-weather_3d.svg" in r.headers["Content-Disposition"]
    r = client.get(export_href("space-weather-table", "csv", "event=us6000f65h"))
    assert list(pd.read_csv(io.BytesIO(r.data)).columns) == ["time", "kp", "ap", "f107", "dst_like"]


@pytest.mark.parametrize(
    "url, text",
    [
        ("/export/nothing.png", "nothing called"),
        ("/export/catalog.png", "exports as csv"),
        ("/export/space-weather.png?event=nope", "not in the catalog"),
    ],
)
def test_bad_export_requests_are_clear(client, url, text) -> None:
    r = client.get(url)
    assert r.status_code == 404 and text in r.data.decode()


def test_every_item_lists_its_formats() -> None:
    assert all(spec.formats for spec in EXPORTS.values())
    assert EXPORTS["event-tracks"].formats == ("png", "svg", "pdf", "html")


def test_a_figure_exported_again_comes_from_the_cache(tmp_path, monkeypatch) -> None:
    from core.config import Settings
    from dashboard import exports

    settings = Settings(work_dir=tmp_path / "work", reports_dir=tmp_path / "reports")
    rendered: list[str] = []
    real = exports.figure_bytes

    def counting(fig, fmt, **kwargs):
        rendered.append(fmt)
        assert all(t.hovertext is None and t.customdata is None for t in fig.data)  # images: no hover
        return real(fig, fmt, **kwargs)

    monkeypatch.setattr(exports, "figure_bytes", counting)
    query = {"mmin": "8", "start": "2021-01-01", "end": "2021-12-31"}
    first, name = exports.export_file(settings, "catalog-map", "svg", query)
    again, name_again = exports.export_file(settings, "catalog-map", "svg", query)
    assert rendered == ["svg"] and again == first and name_again == name
    other, _ = exports.export_file(settings, "catalog-map", "svg", {**query, "color": "depth"})
    assert rendered == ["svg", "svg"] and other != first  # another figure is rendered anew
