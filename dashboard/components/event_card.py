"""The facts panel of one earthquake: what, where, when, and its Dobrovolsky circle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from dash import dcc, html

from core.geo import dobrovolsky_radius_km
from dashboard.routes import event_path


def message(text: str, kind: str = "info", **kwargs: Any) -> html.Div:
    """A short notice (``kind``: info, warning, error) shown in place of content."""
    return html.Div(text, className=f"notice notice-{kind}", role="status", **kwargs)


def event_card(event: Mapping[str, Any] | None, event_id: str | None, *, link: bool = True) -> html.Div:
    """Facts of ``event`` (a catalog row), or a clear message when ``event_id`` is not in the catalog."""
    if event_id is None:
        return message(
            "Click an earthquake on the map to see its facts and its Dobrovolsky circle.", id="event-empty"
        )
    if event is None:
        return message(
            f"Event {event_id!r} is not in the catalog. Check the id, or pick an event on the map.",
            "error",
            id="event-unknown",
        )
    radius = float(dobrovolsky_radius_km(event["mag"]))
    time = (
        pd.Timestamp(event["time"]).tz_convert("UTC")
        if pd.Timestamp(event["time"]).tzinfo
        else pd.Timestamp(event["time"]).tz_localize("UTC")
    )
    rows = [
        ("Event id", str(event["event_id"])),
        ("Origin time", time.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("Magnitude", f"{event['mag']:.1f} {event.get('mag_type') or ''}".strip()),
        ("Depth", f"{event['depth_km']:.1f} km"),
        ("Epicentre", f"{event['lat']:.3f}°, {event['lon']:.3f}°"),
        ("Place", str(event.get("place") or "—")),
        ("Dobrovolsky radius", f"{radius:,.0f} km (10^(0.43·M))"),
        ("Satellite era", str(event.get("era") or "no satellite (DEMETER 2004–2010, CSES-01 2018–)")),
    ]
    children: list[Any] = [
        html.H3(f"M{event['mag']:.1f} — {event.get('place') or event['event_id']}", id="event-title"),
        html.Dl(
            [item for label, value in rows for item in (html.Dt(label), html.Dd(value))], className="facts"
        ),
    ]
    if link:
        children.append(dcc.Link("Open event view →", href=event_path(event["event_id"]), id="event-link"))
    return html.Div(children, id="event-facts", className="event-card")
