"""Experiments page: lists report runs, renders report.md with working figure links, serves files safely."""

from __future__ import annotations

import json

import pytest

from core.config import Settings
from dashboard.app import create_app
from dashboard.pages.experiments import layout, report_runs, rewrite_links


@pytest.fixture()
def settings(tmp_path) -> Settings:
    run = tmp_path / "reports" / "quick-1"
    (run / "figures").mkdir(parents=True)
    (run / "report.md").write_text(
        "# Suite\n\n> synthetic testbed\n\n![ROC](figures/roc.png)\n\n[table](e.csv)\n"
    )
    (run / "figures" / "roc.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (run / "e.csv").write_text("model,mcc\nseqnetquake,0.4\n")
    (tmp_path / "secret.txt").write_text("no")
    return Settings(work_dir=tmp_path / "work", reports_dir=tmp_path / "reports")


def test_report_is_listed_and_links_point_at_the_route(settings) -> None:
    assert report_runs(settings) == ["quick-1"]
    text = json.dumps(layout("", settings).to_plotly_json(), default=str)
    assert "/reports/quick-1/figures/roc.png" in text and "/reports/quick-1/e.csv" in text
    assert "synthetic testbed" in text
    assert rewrite_links("![a](https://x/y.png)", "r") == "![a](https://x/y.png)"


def test_missing_reports_and_unknown_run(tmp_path, settings) -> None:
    empty = Settings(work_dir=tmp_path / "w", reports_dir=tmp_path / "none")
    assert "no-reports" in json.dumps(layout("", empty).to_plotly_json(), default=str)
    assert "No report named" in json.dumps(layout("?run=nope", settings).to_plotly_json(), default=str)


def test_report_files_are_served_and_cannot_escape(settings) -> None:
    client = create_app(settings).server.test_client()
    assert client.get("/reports/quick-1/figures/roc.png").data.startswith(b"\x89PNG")
    assert client.get("/reports/quick-1/e.csv").status_code == 200
    assert client.get("/reports/quick-1/../../secret.txt").status_code == 404
    assert client.get("/reports/..%2F..%2F/secret.txt").status_code == 404
