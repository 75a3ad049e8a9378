"""Exports: safe names, CSV tables, standalone HTML and kaleido images (Debian's Chromium)."""

from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go
import pytest

from core.export import ExportError, export_name, figure_bytes, table_bytes, write_export


@pytest.mark.parametrize("parts", [("../../etc", "passwd"), ("a/b\\c", "..", "."), ("event-us1", "L20")])
def test_export_names_never_leave_their_folder(parts, tmp_path) -> None:
    name = export_name(*parts, ext="png")
    assert "/" not in name and "\\" not in name and ".." not in name and name.endswith(".png")
    assert write_export(b"x", tmp_path, name).parent == tmp_path


def test_export_name_keeps_settings_and_rejects_unknown_formats(tmp_path) -> None:
    assert export_name("seqnetquake", "event-us6000f65h", "CSES-01", "night", "L20", ext="csv") == (
        "seqnetquake_event-us6000f65h_CSES-01_night_L20.csv"
    )
    with pytest.raises(ExportError, match="unknown export format"):
        export_name("x", ext="exe")
    with pytest.raises(ExportError, match="bare file name"):
        write_export(b"x", tmp_path, "../escape.csv")


def test_table_csv_round_trip() -> None:
    table = pd.DataFrame(
        {
            "event_id": ["a", "b"],
            "mag": [5.1, 6.2],
            "time": pd.to_datetime(["2021-01-01T00:00:00", "2021-02-03T04:05:06"], utc=True),
        }
    )
    back = pd.read_csv(io.BytesIO(table_bytes(table)))
    assert list(back.columns) == ["event_id", "mag", "time"] and back["mag"].tolist() == [5.1, 6.2]
    assert back["time"][1].startswith("2021-02-03T04:05:06")


def test_figures_export_in_every_format() -> None:
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    assert figure_bytes(fig, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure_bytes(fig, "svg").lstrip()[:4] == b"<svg"
    assert figure_bytes(fig, "pdf")[:5] == b"%PDF-"
    html = figure_bytes(fig, "html")
    assert b"<html" in html and b"plotly" in html and b'<script src="http' not in html  # plotly.js embedded
    with pytest.raises(ExportError):
        figure_bytes(fig, "bmp")
