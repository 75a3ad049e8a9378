"""Real-browser tests of the data and experiments pages, and of batch scoring on the map."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import NetworkLog

pytestmark = pytest.mark.browser


def test_data_page(page: Page, live_server: str) -> None:
    net = NetworkLog(page, live_server)
    page.goto(live_server + "/data")
    expect(page.locator("#archive-summary")).to_contain_text("4 files indexed (4 readable, 0 unreadable)")
    expect(page.locator("#unreadable-none")).to_be_visible()
    expect(page.locator("#catalog-gaps")).to_contain_text("2023-11-05")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 4")
    assert net.failed == [] and net.external == []


def test_experiments_page(page: Page, live_server: str) -> None:
    net = NetworkLog(page, live_server)
    page.goto(live_server + "/experiments")
    expect(page.locator("#report-md")).to_contain_text("synthetic testbed")
    expect(page.locator("#report-md table")).to_contain_text("SeqNetQuake")
    image = page.locator("#report-md img")
    expect(image).to_have_attribute("src", "/reports/tiny-run/figures/roc.png")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
    with page.expect_download() as download:
        page.click("text=e_benchmarks.csv")
    assert download.value.suggested_filename == "e_benchmarks.csv"
    assert net.failed == [] and net.external == []


def test_batch_scoring_colours_the_map(page: Page, live_server: str) -> None:
    page.goto(live_server + "/?q=Nippes")
    expect(page.locator("#map-summary")).to_contain_text("shown")
    page.click("#score-run")
    expect(page.locator("#score-done")).to_contain_text("1 have sequences", timeout=90_000)
    page.get_by_role("radio", name="SeqNetQuake score").check()
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("color") == ["score"])
    page.wait_for_function(  # the coloured events are trace 1 (dashboard.figures.EVENTS_TRACE)
        "() => { const gd = document.querySelector('#catalog-map .js-plotly-plot');"
        " const c = gd && gd.data && gd.data[1] && gd.data[1].marker.color;"
        " if (!c || typeof c === 'string' || gd.data[1].marker.cmin !== -0.1) return false;"  # score colours
        " const v = Array.from(c._inputArray || c); return v.some(x => x >= 0); }"
    )


def test_exported_html_map_draws_offline(page: Page, live_server: str, tmp_path) -> None:
    """The standalone HTML export of a map opens from disk with every network request refused."""
    query = "mmin=8&start=2021-01-01&end=2021-12-31"
    body = page.request.get(f"{live_server}/export/catalog-map.html?{query}").body()
    path = tmp_path / "map.html"
    path.write_bytes(body)
    requested: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file:")
            else (requested.append(route.request.url), route.abort())
        ),
    )
    page.goto(path.as_uri())
    expect(page.locator(".geo .layer.land path").first).to_be_attached()
    expect(page.locator(".scattergeo .point")).to_have_count(3)  # the three M ≥ 8 earthquakes of 2021
    assert requested == []
