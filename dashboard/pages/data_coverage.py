"""Data page (``/data``): what the workbench has — archive coverage, catalog coverage, space weather."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from core.catalog import CATALOG_GAPS, SATELLITE_ERAS, coverage_gaps
from core.config import Settings
from dashboard.components.event_card import message
from dashboard.data import archive_root, catalog_table, pass_index, space_weather_daily
from dashboard.figures import (
    catalog_coverage_figure,
    passes_per_day_figure,
    space_weather_timeline_figure,
    track_density_figure,
)
from dashboard.state import DATE_RANGE

_CONFIG: dcc.Graph.Config = {"displaylogo": False}


def _archive_section(settings: Settings) -> list:
    index = pass_index(settings)
    if index is None:
        return [
            message(
                f"No pass archive at {archive_root(settings).name}/ yet: `make run` generates the demo "
                "archive; `python -m core index <folder>` indexes your own files.",
                "warning",
                id="no-archive",
            )
        ]
    ok = index[index["error"].isna()]
    bad = index[index["error"].notna()]
    counts = ok.groupby(["satellite", "product", "half"]).size().rename("files").reset_index()
    start, end = pd.to_datetime(ok["start"], utc=True).min(), pd.to_datetime(ok["start"], utc=True).max()
    span = f"{start:%Y-%m-%d} … {end:%Y-%m-%d}" if len(ok) else "—"
    children = [
        html.P(
            f"{len(index):,} files indexed ({len(ok):,} readable, {len(bad):,} unreadable), "
            f"passes from {span}.",
            id="archive-summary",
        ),
        html.Table(
            [
                html.Thead(html.Tr([html.Th(c) for c in counts.columns])),
                html.Tbody(
                    [html.Tr([html.Td(str(v)) for v in row]) for row in counts.itertuples(index=False)]
                ),
            ],
            className="table",
        ),
        dcc.Graph(id="passes-per-day", figure=passes_per_day_figure(index), config=_CONFIG),
        dcc.Graph(id="track-density", figure=track_density_figure(index), config=_CONFIG),
        html.H4("Unreadable files"),
    ]
    if bad.empty:
        children.append(html.P("None: every file in the archive was read.", id="unreadable-none"))
    else:
        children.append(
            html.Table(
                [
                    html.Thead(html.Tr([html.Th("file"), html.Th("error")])),
                    html.Tbody([html.Tr([html.Td(r.path), html.Td(r.error)]) for r in bad.itertuples()]),
                ],
                className="table",
                id="unreadable-table",
            )
        )
    return children


def layout(settings: Settings) -> html.Div:
    """The data-coverage page."""
    cat = catalog_table(settings)
    earthquakes = cat[(cat["type"] == "earthquake") & (cat["mag"] >= settings.min_mag)]
    gaps = coverage_gaps(pd.Timestamp(DATE_RANGE[0]), pd.Timestamp(DATE_RANGE[1]))
    eras = [(e.name, e.start, e.end) for e in SATELLITE_ERAS]
    gap_text = "; ".join(
        f"{g.start:%Y-%m-%d} … {g.end:%Y-%m-%d}" if g.end is not None else f"from {g.start:%Y-%m-%d}"
        for g in CATALOG_GAPS
    )
    sw = space_weather_daily(DATE_RANGE[0], DATE_RANGE[1])
    return html.Div(
        [
            html.H2("Data coverage"),
            html.Section([html.H3("Pass archive"), *_archive_section(settings)], className="panel"),
            html.Section(
                [
                    html.H3(f"Earthquake catalog (M ≥ {settings.min_mag:g}, all depths)"),
                    message(
                        f"Catalog gaps inside the satellite eras: {gap_text}. No events are shown there — "
                        "that is missing data, not a quiet Earth.",
                        "warning",
                        id="catalog-gaps",
                    ),
                    dcc.Graph(
                        id="catalog-coverage",
                        figure=catalog_coverage_figure(earthquakes, gaps, eras),
                        config=_CONFIG,
                    ),
                ],
                className="panel",
            ),
            html.Section(
                [
                    html.H3(
                        "Space weather (quiet-time filter: Kp ≤ 3, Dst-like ≥ −30 nT over the preceding 24 h)"
                    ),
                    dcc.Graph(id="sw-timeline", figure=space_weather_timeline_figure(sw), config=_CONFIG),
                ],
                className="panel",
            ),
        ]
    )
