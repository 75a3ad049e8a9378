"""Real-browser tests of the map explorer (Playwright driving Debian's Chromium, headless)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import NetworkLog

pytestmark = pytest.mark.browser

#: 2016-11-13 M7.8 Kaikōura, New Zealand (ComCat id us1000778i) — a place text unique in the catalog.
PLACE = "53 km NNE of Amberley"


def _map_ready(page: Page) -> None:
    page.wait_for_function(
        """() => { const gd = document.querySelector('#catalog-map .js-plotly-plot');
                   const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
                   return m && m.map && m.map.loaded() && m.map.areTilesLoaded(); }""",
        timeout=30_000,
    )


def _click_event(page: Page, lat: float, lon: float) -> None:
    """Click the map at the screen position of (lat, lon), as a person would."""
    x, y = page.evaluate(
        """([lat, lon]) => { const gd = document.querySelector('#catalog-map .js-plotly-plot');
                             const m = gd._fullLayout.map._subplot.map;
                             const p = m.project([lon, lat]); const r = m.getCanvas().getBoundingClientRect();
                             return [r.left + p.x, r.top + p.y]; }""",
        [lat, lon],
    )
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def test_map_filter_click_share(page: Page, live_server: str) -> None:
    net = NetworkLog(page, live_server)
    with page.expect_response("**/basemap/110m/land.geojson") as land:
        page.goto(live_server + "/?cov=all")
    assert land.value.ok
    _map_ready(page)
    expect(page.locator("#map-summary")).to_contain_text("earthquakes shown")

    # Geography comes from the vendored topojson: both basemap layers are loaded into the WebGL map.
    n_features = page.evaluate(
        """() => { const gd = document.querySelector('#catalog-map .js-plotly-plot');
                   const m = gd._fullLayout.map._subplot.map;
                   const ids = Object.keys(m.getStyle().sources).filter(s => m.isSourceLoaded(s));
                   return ids.map(s => m.querySourceFeatures(s).length); }"""
    )
    assert sum(n_features) > 100

    # Filter by place text: the map, summary and URL follow.
    page.fill("#f-place", PLACE)
    page.press("#f-place", "Enter")
    expect(page.locator("#map-summary")).to_contain_text("1 earthquake shown")
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("q") == [PLACE])
    _map_ready(page)

    _click_event(page, -42.737, 173.054)
    expect(page.locator("#event-title")).to_contain_text("7.8")
    expect(page.locator("#event-facts")).to_contain_text("Dobrovolsky radius")
    page.wait_for_url("**event=us1000778i**")
    query = parse_qs(urlparse(page.url).query)
    assert query["event"] == ["us1000778i"] and query["q"] == [PLACE]

    # A shared link restores filters and selection.
    page.goto(page.url)
    expect(page.locator("#event-title")).to_contain_text("7.8")
    expect(page.locator("#f-place")).to_have_value(PLACE)
    expect(page.locator("#map-summary")).to_contain_text("1 earthquake shown")
    _map_ready(page)
    assert net.failed == [] and net.external == []


def test_unknown_event_and_bad_url_values(page: Page, live_server: str) -> None:
    page.goto(live_server + "/?event=no-such-id&mmin=banana")
    expect(page.locator("#event-unknown")).to_contain_text("no-such-id")
    expect(page.locator("#url-messages")).to_contain_text("mmin")
    page.goto(live_server + "/event/no-such-id")
    expect(page.locator("#event-unknown")).to_contain_text("not in the catalog")
    page.goto(live_server + "/nowhere")
    expect(page.locator("#not-found")).to_be_visible()


def test_coverage_toggle_and_era_timeline(page: Page, live_server: str) -> None:
    page.goto(live_server + "/?start=2021-01-01&end=2021-12-31&cov=all")
    expect(page.locator("#timeline-summary")).to_contain_text("CSES-01 2021-01-01 … 2021-12-31")
    expect(page.locator("#events-timeline .bars path").first).to_be_attached()  # monthly bars are drawn
    page.get_by_label("In a satellite era").check()
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("cov") == ["era"])
    page.get_by_label("With passes in the archive").check()
    expect(page.locator("#map-summary")).to_contain_text("1 earthquake shown")  # the tiny archive's Haiti
    # with an archive, "with passes" is the map's default: the URL leaves it out, a reload keeps it
    page.wait_for_url(lambda url: "cov" not in parse_qs(urlparse(url).query))
    page.goto(page.url)
    expect(page.get_by_label("With passes in the archive")).to_be_checked()
    expect(page.locator("#map-summary")).to_contain_text("1 earthquake shown")


def _view(page: Page) -> dict:
    """The WebGL map's live view: centre (lat, lon) and zoom, as MapLibre shows it."""
    return page.evaluate(
        """() => { const gd = document.querySelector('#catalog-map .js-plotly-plot');
                   const m = gd._fullLayout.map._subplot.map; const c = m.getCenter();
                   return {lat: c.lat, lon: c.lng, zoom: m.getZoom()}; }"""
    )


def _wait_for_view(page: Page, condition: str) -> None:
    """Wait until the live view ``v`` (centre lat, lon and zoom) meets ``condition`` (a JS expression)."""
    page.wait_for_function(
        f"""() => {{ const gd = document.querySelector('#catalog-map .js-plotly-plot');
                    const m = gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
                    if (!m) return false; const c = m.getCenter();
                    const v = {{lat: c.lat, lon: c.lng, zoom: m.getZoom()}}; return {condition}; }}"""
    )


def test_archive_events_stand_out_and_filters_fit_the_map(page: Page, live_server: str) -> None:
    net = NetworkLog(page, live_server)
    page.set_viewport_size({"width": 1440, "height": 960})
    page.goto(live_server + "/?cov=all")
    _map_ready(page)
    # the tiny archive's one event with passes (Haiti) is named in a legend, apart from all the others
    legend = page.locator("#catalog-map .legendtext")
    expect(legend.filter(has_text="with passes in the archive (1)")).to_be_visible()
    expect(legend.filter(has_text="no passes in the archive (")).to_be_visible()
    expect(page.locator("#map-summary")).to_contain_text("1 with passes in the archive")
    expect(page.locator("#covered-hint")).to_be_hidden()
    world = _view(page)
    assert world["zoom"] < 1  # nothing filtered: the world

    # A place text with no event of the archive: the map fits Japan, a notice says why nothing has
    # passes and offers the events that do.
    page.fill("#f-place", "Japan")
    page.press("#f-place", "Enter")
    hint = page.locator("#covered-hint")
    expect(hint).to_contain_text("None of the")
    expect(hint).to_contain_text("The archive holds CSES-01 passes of 2021-08-1")
    _wait_for_view(page, "v.zoom > 2.5 && v.lat > 25 && v.lat < 45 && v.lon > 125 && v.lon < 145")
    expect(legend.filter(has_text="no passes in the archive (")).to_be_visible()  # (none with: no entry)

    page.get_by_role("button", name="Show the 1 earthquake with passes").click()
    expect(page.locator("#map-summary")).to_contain_text("1 earthquake shown")
    expect(page.locator("#f-place")).to_have_value("")
    expect(page.get_by_label("With passes in the archive")).to_be_checked()
    expect(hint).to_be_hidden()
    page.wait_for_url(lambda url: "cov" not in parse_qs(urlparse(url).query))  # the default again
    _wait_for_view(page, "v.zoom > 4 && Math.abs(v.lat - 18.4) < 1 && Math.abs(v.lon + 73.5) < 1")  # Haiti
    assert net.failed == [] and net.external == []


def test_with_an_archive_the_map_opens_on_its_events(page: Page, live_server: str) -> None:
    """A newcomer's first view: only the events with passes in the loaded archive, the map fitted to them;
    "All events" shows the others, greyed."""
    page.set_viewport_size({"width": 1440, "height": 960})
    page.goto(live_server + "/")
    _map_ready(page)
    expect(page.get_by_label("With passes in the archive")).to_be_checked()
    expect(page.locator("#map-summary")).to_contain_text("1 earthquake shown")
    _wait_for_view(page, "v.zoom > 4 && Math.abs(v.lat - 18.4) < 1 && Math.abs(v.lon + 73.5) < 1")  # Haiti
    page.get_by_label("All events").check()
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("cov") == ["all"])
    expect(
        page.locator("#catalog-map .legendtext").filter(has_text="no passes in the archive (")
    ).to_be_visible()
