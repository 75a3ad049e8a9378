"""A row of download links for one figure or table (plain links to the app's export route)."""

from __future__ import annotations

from dash import html

from dashboard.exports import EXPORTS, export_href


def export_bar(item: str, query: str, *, label: str = "Export") -> html.Div:
    """Links ``PNG · SVG · PDF · HTML`` (figures) or ``CSV`` (tables) for ``item`` in the state ``query``."""
    links = [
        html.A(
            fmt.upper(),
            href=export_href(item, fmt, query),
            download="",
            className="export-link",
            id=f"export-{item}-{fmt}",
        )
        for fmt in EXPORTS[item].formats
    ]
    return html.Div([html.Span(f"{label}:", className="export-label"), *links], className="export-bar")
