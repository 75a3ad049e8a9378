"""A newcomer's walk in a real browser, on a generated archive that lacks the chosen event's passes:
generate them from the event view (a background job with progress), then read the sequences, the scores
with their model cards — one model flagged as having seen the event — and export a PNG."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from core.archive import scan_archive
from core.model_cards import RegistryInfo, write_registry_info
from core.training import train_model
from tests.core.models.make_samples import make_samples

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVENT_ID = "us7000dl6y"  # 2021-03-20 M7.0 off Miyagi, Japan


def _registry(root) -> None:
    """SVM trained with the event in its training split (its card must flag it), SeqNetQuake without."""
    for name, seen in (("svm", True), ("seqnetquake", False)):
        samples = make_samples(n_events=24, seed=5)
        if seen:
            ids = np.asarray(samples["event_id"].values).astype(object)
            train_event = ids[np.asarray(samples["split"].values).astype(str) == "train"][0]
            ids[ids == train_event] = EVENT_ID
            samples = samples.assign_coords(event_id=("sample", ids.astype(str)))
        train_model(name, samples, quick=True, n_boot=20, registry_root=root, make_default=True)
    write_registry_info(root, RegistryInfo(title="browser-test run", synthetic=True))


@pytest.fixture(scope="module")
def generated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard in its own process (Dash registers background callbacks process-wide: a second app
    in the test process would take over the session server's jobs) on a generated archive that is empty."""
    work_dir = tmp_path_factory.mktemp("work")
    archive = work_dir / "archive"
    archive.mkdir()
    (archive / "demo.json").write_text(json.dumps({"seed": 0}))  # a generated archive, still empty
    scan_archive(archive, workers=1, progress=False)
    _registry(work_dir / "models")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "SEQNETQUAKE_WORK_DIR": str(work_dir),
        "SEQNETQUAKE_REPORTS_DIR": str(tmp_path_factory.mktemp("reports")),
    }
    env.pop("SEQNETQUAKE_REGISTRY", None)
    server = subprocess.Popen([sys.executable, "-m", "dashboard", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # the app imports and builds its layout first
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_generate_passes_then_scores_with_cards_and_export(
    page: Page, generated_server: str, tmp_path
) -> None:
    page.goto(generated_server + f"/event/{EVENT_ID}")
    expect(page.locator("#event-title")).to_contain_text("Japan")
    expect(page.locator("#no-passes")).to_be_visible()
    expect(page.locator("#generate-note")).to_contain_text("generated synthetic testbed (seed 0)")

    page.click("#gen-run")
    expect(page.locator("#gen-cancel")).to_be_enabled()  # a background job, cancellable
    expect(page.locator("#passes-count")).to_contain_text("cross the circle", timeout=180_000)
    page.wait_for_function(
        "() => { const gd = document.querySelector('#event-map .js-plotly-plot');"
        " return gd && gd.data && gd.data.length >= 4; }"
    )
    expect(page.locator("#sequences-count")).to_contain_text("sequences of L = 20", timeout=120_000)
    # the sequences chart's legend stays clear of the first subplot's title (and of the x axis's title)
    page.wait_for_selector("#seq-graph .legend")
    legend_bottom, title_top = page.evaluate(
        "() => { const g = document.querySelector('#seq-graph');"
        " return [g.querySelector('.legend').getBoundingClientRect().bottom,"
        " g.querySelector('.annotation-text').getBoundingClientRect().top]; }"
    )
    assert legend_bottom < title_top

    # the model cards: each score beside its test MCC and how far to trust it for this event
    expect(page.locator("#scores-source")).to_contain_text("browser-test run")
    svm = page.locator("#card-svm")
    expect(svm.locator("[data-trust]")).to_have_attribute("data-trust", "seen")
    expect(svm).to_contain_text("seen in training (train split) — this score is not a prediction")
    seq = page.locator("#card-seqnetquake")
    expect(seq.locator("[data-trust]")).not_to_have_attribute("data-trust", "seen")
    expect(seq).to_contain_text("95 % CI")

    with page.expect_download() as download:
        page.click("#export-event-tracks-png")
    png = tmp_path / download.value.suggested_filename
    download.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
