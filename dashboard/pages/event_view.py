"""Event view (``/event/<id>``): the earthquake's facts and a regional map of its Dobrovolsky circle.

Satellite tracks, feature sequences and model scores join this page when the archive and models exist.
"""

from __future__ import annotations

from dash import dcc, html

from core.config import Settings
from dashboard.components.event_card import event_card
from dashboard.data import find_event
from dashboard.figures import event_region_figure
from dashboard.pages.map_explorer import GRAPH_CONFIG


def layout(event_id: str, settings: Settings) -> html.Div:
    """The page of ``event_id``; an unknown id gives a clear message and a way back."""
    event = find_event(settings, event_id)
    back = dcc.Link("← Back to the map", href=f"/?event={event_id}" if event else "/", className="back")
    if event is None:
        return html.Div([back, event_card(None, event_id)])
    return html.Div(
        [
            back,
            html.Div(
                [
                    html.Aside(event_card(event, event_id, link=False), className="details"),
                    dcc.Graph(
                        id="event-map",
                        figure=event_region_figure(event),
                        config=GRAPH_CONFIG,
                        className="map-graph",
                        style={"height": "72vh"},
                    ),
                ],
                className="event-layout",
            ),
        ]
    )
