"""Real-browser test of the event view: tracks in the circle, settings in the URL, downloads."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import NetworkLog

pytestmark = pytest.mark.browser

#: records, in ``window.__analysisLog``, each time the analysis' cancel button is enabled (a job runs)
_ANALYSIS_LOG_JS = """
window.__analysisLog = [];
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.id === 'an-cancel' && !r.target.disabled) window.__analysisLog.push('cancel enabled');
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['disabled']});
"""


def test_event_view_tracks_settings_exports(page: Page, live_server: str, tmp_path) -> None:
    net = NetworkLog(page, live_server)
    page.add_init_script(_ANALYSIS_LOG_JS)
    page.goto(live_server + "/event/us6000f65h")
    expect(page.locator("#event-title")).to_contain_text("Nippes, Haiti")
    expect(page.locator("#passes-count")).to_contain_text("1 pass crosses the circle (R = 1,247 km)")
    expect(page.locator("#passes-table")).to_contain_text("30.1")  # hours before
    page.wait_for_function(
        "() => { const gd = document.querySelector('#event-map .js-plotly-plot');"
        " return gd && gd.data && gd.data.length >= 4; }"
    )

    # the background analysis: sequences and every default model's score, with the label
    expect(page.locator("#sequences-count")).to_contain_text(
        "sequences of L = 20 observations", timeout=60_000
    )
    expect(page.locator("#background-note")).to_contain_text("No quiet background")  # one pass only
    expect(page.locator("#scores-table-rows")).to_contain_text("SeqNetQuake", timeout=60_000)
    expect(page.locator("#scores-table-rows")).to_contain_text("SVM")
    expect(page.locator("#scores-truth")).to_contain_text("label: pre-earthquake")

    # a setting changes the window and the URL; the day pass far away never enters the circle
    page.get_by_label("both").check()
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("half") == ["both"])
    expect(page.locator("#passes-count")).to_contain_text("1 pass crosses")
    page.fill("#ev-days", "1")
    page.press("#ev-days", "Enter")
    expect(page.locator("#no-passes")).to_contain_text("No CSES-01")

    # downloads: the figure as PNG and the passes as CSV, named after the event and the settings
    page.fill("#ev-days", "5")
    page.press("#ev-days", "Enter")
    expect(page.locator("#passes-count")).to_be_visible()
    # models trained on L = 20 cannot score L = 30 sequences, and the page says so
    page.get_by_label("30", exact=True).check()
    expect(page.locator("#no-models")).to_contain_text("L = 30", timeout=60_000)
    # L = 10: recomputed as a background job (cancel enabled while it runs, progress to the end), scored
    # by the models' versions trained on L = 10
    page.evaluate("() => { window.__analysisLog = []; }")
    page.get_by_label("10", exact=True).check()
    expect(page.locator("#sequences-count")).to_contain_text("of L = 10 observations", timeout=60_000)
    expect(page.locator("#scores-table-rows")).to_contain_text("SeqNetQuake")
    expect(page.locator("#an-status")).to_have_text("done")
    expect(page.locator("#an-progress")).to_have_attribute("value", "3")
    assert "cancel enabled" in page.evaluate("() => window.__analysisLog")
    probabilities = page.locator("#scores-table-rows tbody tr td:nth-child(2)").all_inner_texts()
    assert len(probabilities) == 2 and all(0 <= float(p.split()[0]) <= 1 for p in probabilities)
    page.get_by_label("20", exact=True).check()
    with page.expect_download() as download:
        page.click("#export-event-tracks-png")
    png = tmp_path / download.value.suggested_filename
    download.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert download.value.suggested_filename.startswith("seqnetquake_event-us6000f65h_tracks_CSES-01_both")
    with page.expect_download() as download:
        page.click("#export-event-passes-csv")
    csv = tmp_path / download.value.suggested_filename
    download.value.save_as(csv)
    header = csv.read_text().splitlines()[0].split(",")
    assert {"orbit", "half", "start", "hours_before", "in_circle_km"} <= set(header)

    # the shared URL restores the settings
    page.goto(page.url)
    expect(page.get_by_label("both")).to_be_checked()
    expect(page.locator("#passes-count")).to_be_visible()
    assert net.failed == [] and net.external == []


def test_bad_url_value_is_reported_and_dropped_from_the_url(page: Page, live_server: str) -> None:
    page.goto(live_server + "/event/us6000f65h?L=abc&days=3")
    expect(page.locator("#url-messages")).to_contain_text("L")
    expect(page.locator("#passes-count")).to_be_visible()
    # the page shows the defaults for L and keeps days = 3; the shared URL now says exactly that
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query) == {"days": ["3"]})
    expect(page.get_by_label("20", exact=True)).to_be_checked()


def test_a_second_visit_loads_scripts_and_map_data_from_the_browser_cache(
    page: Page, live_server: str
) -> None:
    """Scripts, style sheets and the map's coastlines come over the network once per browser, not once
    per page load (the plotly bundle alone is ~1 MB compressed)."""
    for _ in range(2):
        page.goto(live_server + "/event/us6000f65h")
        expect(page.locator("#passes-count")).to_be_visible()
        page.locator("#event-map .scattergeo .point").first.wait_for(state="attached")
    fetched = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(r => !r.name.includes('/_dash-') || r.name.includes('/_dash-component-suites/'))"
        ".map(r => [r.name, r.transferSize])"
    )
    assert any("plotly-dashboard.min.js" in name for name, _ in fetched)
    assert any(".json" in name for name, _ in fetched)  # the coastlines of the event map
    assert [name for name, size in fetched if size > 0] == []
