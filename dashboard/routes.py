"""Routes and page titles in one place, and the path parser the router uses."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

APP_TITLE = "SeqNetQuake workbench"


@dataclass(frozen=True)
class Route:
    """One page: its URL path (``{event_id}`` marks a variable part), title and nav label."""

    name: str
    path: str
    title: str
    nav: str | None


ROUTES: tuple[Route, ...] = (
    Route("map", "/", "Earthquake map", "Map"),
    Route("event", "/event/{event_id}", "Event", None),
    Route("experiments", "/experiments", "Experiments", "Experiments"),
    Route("data", "/data", "Data coverage", "Data"),
)


def resolve(pathname: str | None) -> tuple[str, dict[str, str]]:
    """Match a URL path to a route name and its variables; ``("not_found", {})`` when nothing matches."""
    path = (pathname or "/").rstrip("/") or "/"
    if path == "/":
        return "map", {}
    if path in ("/data", "/experiments"):
        return path.strip("/"), {}
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "event" and parts[1]:
        return "event", {"event_id": unquote(parts[1])}
    return "not_found", {}


def event_path(event_id: str) -> str:
    """URL path of an event's page."""
    return f"/event/{quote(str(event_id), safe='')}"
