"""Nothing lost: a writer killed (SIGKILL) halfway through a file leaves the previous version readable.

For each file the product writes, a good version is written first; then a separate Python process
starts writing a new version and is killed with SIGKILL while the file is half written (inside that
process the library writer — GeoParquet, NetCDF, joblib, HDF5, CSV, text — is wrapped so that once it
has written it cuts the file to half its size, reports the path and sleeps). The test then checks that
the half-written file was a hidden temporary file beside the target (never the target itself), that the
product's own reader returns the previous version unchanged, and that the leftover temporary file
breaks neither the next read nor the next write; a later write removes it once it is stale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from core.atomic import STALE_TEMP_AGE_S, TEMP_FILE_RE, atomic_path, remove_stale_temps, write_text_atomic

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

REPO = Path(__file__).resolve().parents[2]
T0 = np.datetime64("2021-03-01T00:00:00", "ns")

# Run in the child before the test's own lines: `patch(owner, name, path_of, target)` wraps a library
# writer so that, once it has written a file named `target` (or a temporary file for it), the file is cut
# to half its size, its path is reported through the READY file and the process waits to be killed.
CHILD_PRELUDE = """
import os, sys, time
from pathlib import Path

READY = Path(sys.argv[1])


def _hang_half_written(path):
    path = Path(path)
    os.truncate(path, path.stat().st_size // 2)
    tmp = READY.with_name(READY.name + ".part")
    with open(tmp, "w") as fh:
        fh.write(str(path.resolve()))
    os.replace(tmp, READY)
    time.sleep(120)
    os._exit(3)  # not killed: the parent has given up


def patch(owner, name, path_of, target):
    original = getattr(owner, name)

    def writer(*args, **kwargs):
        path = Path(path_of(*args, **kwargs))
        result = original(*args, **kwargs)
        if path.name == target or path.name.startswith("." + target + "."):
            _hang_half_written(path)
        return result

    setattr(owner, name, writer)

"""


def kill_mid_write(tmp_path: Path, body: str, timeout: float = 60.0) -> Path:
    """Run ``body`` in a fresh Python process (after :data:`CHILD_PRELUDE`), SIGKILL it once its patched
    writer has left a half-written file, and return that file's path."""
    ready = tmp_path / "child.ready"
    ready.unlink(missing_ok=True)
    log = tmp_path / "child.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    code = CHILD_PRELUDE + textwrap.dedent(body)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(ready)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        try:
            while not ready.exists():
                if proc.poll() is not None:
                    pytest.fail(f"the writer finished without being caught mid-write:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"the writer did not reach its write in {timeout} s:\n{log.read_text()}")
                time.sleep(0.02)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, log.read_text()
    return Path(ready.read_text())


def assert_left_temp(partial: Path, target: Path) -> None:
    """The killed write was a hidden temporary file beside ``target`` (``.<name>.<random>.tmp``)."""
    assert partial != target.resolve()
    assert partial.parent == target.resolve().parent
    assert TEMP_FILE_RE.match(partial.name) and partial.name.startswith(f".{target.name}."), partial.name
    assert partial.exists() and partial.stat().st_size > 0  # what a killed writer leaves behind


def make_stale(path: Path) -> None:
    old = time.time() - STALE_TEMP_AGE_S - 60
    os.utime(path, (old, old))


# --------------------------------------------------------------------------------------------- writers


def test_pass_index_survives_a_killed_rescan(tmp_path) -> None:
    from geopandas.testing import assert_geodataframe_equal

    from core.archive import INDEX_NAME, load_index, scan_archive
    from core.io import write_pass
    from tests.helpers import straight_pass

    root = tmp_path / "archive"
    write_pass(straight_pass(100, T0, 10.0, n=50), root)
    scan_archive(root, workers=1, progress=False)
    good = load_index(root)
    # the re-scan has news to write
    write_pass(straight_pass(101, T0 + np.timedelta64(2, "D"), 30.0, n=50), root)

    partial = kill_mid_write(
        tmp_path,
        f"""
        import geopandas as gpd
        from core.archive import scan_archive

        patch(gpd.GeoDataFrame, "to_parquet", lambda self, path, *a, **k: path, {INDEX_NAME!r})
        scan_archive({str(root)!r}, workers=1, progress=False)
        """,
    )
    assert_left_temp(partial, root / INDEX_NAME)
    assert_geodataframe_equal(load_index(root), good)  # the reader sees the previous index, whole

    index, report = scan_archive(root, workers=1, progress=False)  # the next write, beside the leftover
    assert report.n_files == 2 and report.n_reused == 1 and report.n_indexed == 1 and not report.errors
    assert len(load_index(root)) == 2 and partial.exists()  # a fresh leftover may be a live writer's
    make_stale(partial)
    scan_archive(root, workers=1, progress=False)
    assert not partial.exists()  # once stale, the next write into the folder removes it


def test_pass_file_survives_a_killed_rewrite(tmp_path) -> None:
    from core.io import read_pass, write_pass
    from tests.helpers import straight_pass

    out = tmp_path / "archive"
    path = write_pass(straight_pass(7, T0, 10.0, n=50), out)
    good = read_pass(path)

    partial = kill_mid_write(
        tmp_path,
        f"""
        import h5py
        import numpy as np
        from core.io import write_pass
        from tests.helpers import straight_pass

        patch(h5py.File, "__exit__", lambda self, *a: self.filename, {path.name!r})
        ds = straight_pass(7, np.datetime64({str(T0)!r}, "ns"), 10.0, n=50)
        ds["Ne"] = ds["Ne"] * 2.0
        write_pass(ds, {str(out)!r})
        """,
    )
    assert_left_temp(partial, path)
    xr.testing.assert_identical(read_pass(path), good)
    from core.archive import find_pass_files

    assert find_pass_files(out) == [path]  # the leftover is not taken for a pass file
    again = straight_pass(7, T0, 10.0, n=50)
    again["Ne"] = again["Ne"] * 2.0
    assert write_pass(again, out) == path
    np.testing.assert_allclose(read_pass(path)["Ne"].values, 2.0 * good["Ne"].values, rtol=1e-6)


def test_dataset_survives_a_killed_rewrite(tmp_path) -> None:
    from core.datasets import load_samples, write_samples
    from tests.core.models.make_samples import make_samples

    path = tmp_path / "datasets" / "cses-tiny.nc"
    write_samples(make_samples(6, 5, features=("Ne", "Te"), seed=1), path)
    good = load_samples(path)

    partial = kill_mid_write(
        tmp_path,
        f"""
        import xarray as xr
        from core.datasets import write_samples
        from tests.core.models.make_samples import make_samples

        patch(xr.Dataset, "to_netcdf", lambda self, path, *a, **k: path, {path.name!r})
        write_samples(make_samples(6, 5, features=("Ne", "Te"), seed=2), {str(path)!r})
        """,
    )
    assert_left_temp(partial, path)
    xr.testing.assert_identical(load_samples(path), good)

    newer = make_samples(6, 5, features=("Ne", "Te"), seed=2)
    write_samples(newer, path)
    np.testing.assert_array_equal(load_samples(path)["X"].values, newer["X"].values)


def test_registry_survives_a_killed_save(tmp_path) -> None:
    from sklearn.linear_model import LogisticRegression

    from core.models.registry import default_models, list_models, load_model, save_model

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.r_[np.zeros(20), np.ones(20)]
    root = tmp_path / "models"
    save_model(LogisticRegression().fit(X, y), "logreg", root=root, make_default=True)
    good = load_model("logreg", root=root).estimator

    partial = kill_mid_write(
        tmp_path,
        f"""
        import joblib
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from core.models.registry import save_model

        patch(joblib, "dump", lambda value, filename, *a, **k: filename, "estimator.joblib")
        X = np.random.default_rng(1).normal(size=(40, 3))
        est = LogisticRegression().fit(X, np.r_[np.zeros(20), np.ones(20)])
        save_model(est, "logreg", root={str(root)!r}, make_default=True)
        """,
    )
    # the half-written file sits inside the hidden folder the new version is assembled in
    assert partial.parent.parent == (root / "logreg").resolve() and partial.parent.name.startswith(".tmp-")
    assert TEMP_FILE_RE.match(partial.name) and partial.stat().st_size > 0
    models = list_models(root)
    assert list(models["version"]) == ["v001"] and default_models(root) == {"logreg": "v001"}
    loaded = load_model("logreg", root=root)
    assert loaded.version == "v001"
    np.testing.assert_array_equal(loaded.estimator.coef_, good.coef_)

    est = LogisticRegression().fit(X + 1.0, y)
    record = save_model(est, "logreg", root=root, make_default=True)  # the next save, beside the leftover
    assert record.version == "v002" and default_models(root) == {"logreg": "v002"}
    np.testing.assert_array_equal(load_model("logreg", root=root).estimator.coef_, est.coef_)
    leftover = partial.parent
    assert leftover.exists()
    make_stale(leftover)
    save_model(est, "logreg", root=root)
    assert not leftover.exists()  # a stale half-built version folder is removed by a later save
    assert list(list_models(root)["version"]) == ["v001", "v002", "v003"]


def test_report_survives_a_killed_rerun(tmp_path) -> None:
    from core.config import Settings
    from core.experiments import run_paper_suite
    from dashboard.pages.experiments import report_runs
    from tests.core.models.make_samples import make_samples

    reports = tmp_path / "reports"
    out = reports / "tiny"
    kwargs = {"quick": True, "n_boot": 5, "models": ("svm",), "figures": False, "placebo_modes": ()}
    data = make_samples(8, 5, features=("Ne", "Te"), seed=1)
    # no protocol dataset: a fast, all-skipped run
    run_paper_suite({"first": data}, out, seeds=(0,), **kwargs)
    good = (out / "report.md").read_text(encoding="utf-8")
    assert "training seeds 0 " in good

    partial = kill_mid_write(
        tmp_path,
        f"""
        import pathlib
        from core.experiments import run_paper_suite
        from tests.core.models.make_samples import make_samples

        patch(pathlib.Path, "write_text", lambda self, *a, **k: self, "report.md")
        data = make_samples(8, 5, features=("Ne", "Te"), seed=1)
        run_paper_suite({{"second": data}}, {str(out)!r}, seeds=(1,), **{kwargs!r})
        """,
    )
    assert_left_temp(partial, out / "report.md")
    settings = Settings(work_dir=tmp_path / "work", reports_dir=reports)
    assert report_runs(settings) == ["tiny"]  # the experiments page still lists the run …
    assert (out / "report.md").read_text(encoding="utf-8") == good  # … and reads the previous report

    run_paper_suite({"second": data}, out, seeds=(1,), **kwargs)
    assert "training seeds 1 " in (out / "report.md").read_text(encoding="utf-8")
    assert report_runs(settings) == ["tiny"]


def test_catalog_csv_survives_a_killed_rewrite(tmp_path) -> None:
    from core.catalog import load_catalog, to_csv

    cat = pd.DataFrame(
        {
            "event_id": ["a1", "a2", "a3"],
            "time": pd.to_datetime(["2021-01-01T00:00:00Z", "2021-02-01T12:00:00Z", "2021-03-01T06:30:00Z"]),
            "lat": [10.0, -20.5, 35.25],
            "lon": [120.0, -70.0, 179.5],
            "depth_km": [10.0, 35.0, 5.5],
            "mag": [5.1, 6.3, 7.0],
            "mag_type": ["mww", "mww", "mb"],
            "place": ["here", "there", "far"],
            "type": ["earthquake"] * 3,
        }
    )
    path = to_csv(cat, tmp_path / "selection.csv")
    good = load_catalog(path)

    partial = kill_mid_write(
        tmp_path,
        f"""
        import pandas as pd
        from core.catalog import load_catalog, to_csv

        patch(pd.DataFrame, "to_csv", lambda self, path, *a, **k: path, "selection.csv")
        cat = load_catalog({str(path)!r})
        to_csv(cat.assign(mag=cat["mag"] + 1.0), {str(path)!r})
        """,
    )
    assert_left_temp(partial, path)
    pd.testing.assert_frame_equal(load_catalog(path), good)
    to_csv(cat.assign(mag=cat["mag"] + 1.0), path)
    np.testing.assert_allclose(load_catalog(path)["mag"].to_numpy(), good["mag"].to_numpy() + 1.0)


# ------------------------------------------------------------------------------- leftovers and cleanup


def test_stale_temp_files_are_removed_fresh_ones_kept(tmp_path) -> None:
    target = write_text_atomic(tmp_path / "a.json", "v1")
    stale = tmp_path / ".a.json.abcd_123.tmp"
    fresh = tmp_path / ".b.csv.zz99zz99.tmp"
    other = tmp_path / ".notes.tmp"  # not a name atomic_path makes: never touched
    for p in (stale, fresh, other):
        p.write_text("half")
    make_stale(stale)
    make_stale(other)
    stale_dir = tmp_path / ".a.json.dir12345.tmp"  # a folder with a temp-like name is not a temp file
    stale_dir.mkdir()
    make_stale(stale_dir)

    with atomic_path(target) as tmp:
        assert TEMP_FILE_RE.match(tmp.name)
        tmp.write_text("v2")
    assert target.read_text() == "v2"
    assert not stale.exists() and fresh.exists() and other.exists() and stale_dir.exists()
    assert remove_stale_temps(tmp_path, max_age_s=0) == [fresh]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.json.dir12345.tmp", ".notes.tmp", "a.json"]
