"""Experiments page (``/experiments?run=<name>``): a paper-suite report from ``reports/<run>/`` — the
paper's tables regenerated from our runs, ROC/PR curves, confusion matrices, learning curve, placebo —
with the paper's numbers beside ours. Files are served by the app's ``/reports/<run>/<file>`` route."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote

from dash import dcc, html

from core.config import Settings
from dashboard.components.event_card import message

_LINK = re.compile(r"(!?\[[^\]]*\]\()(?!https?:|/)([^)\s]+)\)")


def report_runs(settings: Settings) -> list[str]:
    """Run folders under ``settings.reports_dir`` that hold a ``report.md``, newest first."""
    root = settings.reports_dir
    if not root.is_dir():
        return []
    runs = [p for p in root.iterdir() if (p / "report.md").is_file()]
    return [p.name for p in sorted(runs, key=lambda p: (p / "report.md").stat().st_mtime, reverse=True)]


def rewrite_links(markdown: str, run: str) -> str:
    """Point the report's relative links and images (``figures/x.png``) at the app's report route."""
    return _LINK.sub(lambda m: f"{m[1]}/reports/{quote(run)}/{m[2]})", markdown)


def layout(search: str | None, settings: Settings) -> html.Div:
    """The report of the run named in ``?run=`` (default: the newest), or how to make one."""
    runs = report_runs(settings)
    if not runs:
        return html.Div(
            [
                html.H2("Experiments"),
                message(
                    "No experiment report yet. `make run` writes the demo's under reports/; "
                    "`python -m core experiments --suite paper --archive …` writes a full one.",
                    "warning",
                    id="no-reports",
                ),
            ]
        )
    wanted = (parse_qs((search or "").lstrip("?")).get("run") or [runs[0]])[-1]
    problems = []
    if wanted not in runs:
        problems.append(message(f"No report named {wanted!r}; showing {runs[0]!r}.", "warning"))
        wanted = runs[0]
    folder: Path = settings.reports_dir / wanted
    text = (folder / "report.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in folder.glob("*.csv"))
    return html.Div(
        [
            html.H2("Experiments"),
            *problems,
            html.Div(
                [html.Span("Run:", className="export-label")]
                + [
                    dcc.Link(r, href=f"/experiments?run={quote(r)}", className="export-link", id=f"run-{i}")
                    for i, r in enumerate(runs)
                ],
                className="export-bar",
            ),
            html.Div(
                [html.Span("Tables:", className="export-label")]
                + [
                    html.A(
                        f, href=f"/reports/{quote(wanted)}/{quote(f)}", download="", className="export-link"
                    )
                    for f in files
                ],
                className="export-bar",
            ),
            html.Section(
                dcc.Markdown(rewrite_links(text, wanted), id="report-md", className="report"),
                className="panel",
            ),
        ]
    )
