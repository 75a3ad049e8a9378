"""The archive scan and the dataset build on a real ``dask.distributed`` cluster (a LocalCluster of two
worker processes on loopback): the same results as the local path, a progress bar, and a clear error when
a worker cannot see the archive at the client's absolute path."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from geopandas.testing import assert_geodataframe_equal

from core.archive import scan_archive
from core.cluster import SharedPathError, check_shared_paths
from core.datasets import DatasetSettings, build_dataset
from core.io import write_pass
from core.testing import assert_valid_samples
from core.windows import WindowSettings
from tests.helpers import REPO_ROOT, make_catalog, stop_process_group, straight_pass, write_line_pass

distributed = pytest.importorskip("distributed")

T0 = np.datetime64("2021-03-01T00:00:00", "ns")
DAY = np.timedelta64(1, "D")
#: a guard against a hung cluster, not a performance limit
CONNECT_S = 120


def _local_cluster(n_workers: int) -> distributed.LocalCluster:
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,  # no dashboard; its bare HTTP server (health, metrics) on a free port:
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        memory_limit="1GiB",
    )


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a LocalCluster: 2 worker processes, 1 thread each, loopback only, no dashboard."""
    with _local_cluster(2) as cluster:
        with distributed.Client(cluster) as client:  # closed again: no default client during the tests
            client.wait_for_workers(2, timeout=CONNECT_S)
        yield cluster.scheduler_address


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """20 CSES-01 / DEMETER files, one crossing the antimeridian."""
    root = tmp_path / "archive"
    for i in range(18):
        write_pass(straight_pass(100 + i, T0 + i * np.timedelta64(6, "h"), -170.0 + 20 * i), root / "cses")
    write_pass(straight_pass(300, T0, 175.0, half="day"), root / "cses")
    write_pass(straight_pass(5000, T0 + DAY, 12.0, satellite="DEMETER"), root / "dmt")
    return root


def test_workers_import_this_checkout(scheduler) -> None:
    with distributed.Client(scheduler) as client:
        origins = client.run(lambda: importlib.util.find_spec("core").origin)
    assert len(origins) == 2
    assert set(origins.values()) == {importlib.util.find_spec("core").origin}


def test_cluster_scan_equals_the_local_scan(scheduler, archive, tmp_path, capsys) -> None:
    local, _ = scan_archive(archive, index_path=tmp_path / "local.parquet", workers=1, progress=False)
    remote, report = scan_archive(archive, index_path=tmp_path / "cluster.parquet", scheduler=scheduler)
    assert report.n_indexed == 20 and report.errors == {}
    key = ["path"]
    assert_geodataframe_equal(
        remote.sort_values(key, ignore_index=True), local.sort_values(key, ignore_index=True)
    )
    bar = capsys.readouterr().err
    assert "indexing" in bar and "20/20" in bar and "file" in bar


# ------------------------------------------------------------------------------------------ datasets

SPLITS = (("train", "2019-01-01", "2019-06-30"), ("validation", "2019-07-01", "2019-12-31"))


@pytest.fixture(scope="module")
def line_archive(tmp_path_factory) -> Path:
    """Passes over (0, 0) every 4 days of the train period, one over (0, 30) in the validation period."""
    root = tmp_path_factory.mktemp("line-archive")
    start, orbit = np.datetime64("2019-01-02T00:00:00", "ns"), 1000
    while start < np.datetime64("2019-06-28", "ns"):
        write_line_pass(root, start, orbit=orbit)
        start, orbit = start + 4 * DAY, orbit + 1
    write_line_pass(root, np.datetime64("2019-08-10T00:00:00", "ns"), orbit=2, lon0=30.0)
    scan_archive(root, workers=1, progress=False)
    return root


def test_cluster_dataset_equals_the_local_dataset(scheduler, line_archive, tmp_path, capsys) -> None:
    rows = [
        (f"e{i:02d}", f"2019-0{1 + i // 10}-{5 + 2 * (i % 10):02d}T00:00:00", 0.0, 0.0, 10.0, 5.0)
        for i in range(20)
    ]
    rows.append(("v1", "2019-08-11T00:00:00", 0.0, 30.0, 10.0, 5.2))
    catalog = make_catalog([(*r, "mw", "test", "earthquake") for r in rows])
    settings = DatasetSettings(
        name="tiny",
        window=WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, half="both"),
        splits=SPLITS,
        seed=3,
    )
    local, _ = build_dataset(
        settings, line_archive, catalog=catalog, out=tmp_path / "local.nc", workers=1, progress=False
    )
    remote, report = build_dataset(
        settings, line_archive, catalog=catalog, out=tmp_path / "cluster.nc", scheduler=scheduler, workers=2
    )
    assert not report.cached and local.sizes["sample"] > 20
    assert report.counts["train"]["positive"]["events"] == 20
    assert_valid_samples(remote)
    xr.testing.assert_identical(remote, local)
    bar = capsys.readouterr().err
    assert "windowing" in bar and "batch" in bar


# ---------------------------------------------------------------------------- the shared-path check


def test_a_path_no_worker_sees_is_named_with_every_worker(scheduler, tmp_path) -> None:
    gone = tmp_path / "not-here"
    with distributed.Client(scheduler) as client:
        check_shared_paths(client, [tmp_path])  # seen by every worker: no error
        with pytest.raises(SharedPathError) as err:
            check_shared_paths(client, [tmp_path, gone])
        workers = set(client.scheduler_info()["workers"])
    assert set(err.value.missing) == workers and len(workers) == 2
    assert all(paths == [str(gone)] for paths in err.value.missing.values())
    assert "2 of 2 dask workers" in str(err.value) and str(gone) in str(err.value)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or sys.platform != "linux":
        return False
    probe = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True, check=False
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs `unshare -Urm` (user and mount namespaces)")
def test_a_worker_that_cannot_see_the_archive_is_named(archive, tmp_path) -> None:
    """One worker runs in its own mount namespace with an empty tmpfs over the archive's parent folder — as
    a host without the shared file system would: the scan stops before submitting and names that worker."""
    log = tmp_path.parent / f"{tmp_path.name}-worker.log"
    with _local_cluster(1) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(1, timeout=CONNECT_S)
        seeing = set(client.scheduler_info()["workers"])
        hide = 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"'
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address]
        worker += ["--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                ["unshare", "-Urm", "sh", "-c", hide, "sh", str(tmp_path), *worker],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            client.wait_for_workers(2, timeout=CONNECT_S)
            (blind,) = set(client.scheduler_info()["workers"]) - seeing
            with pytest.raises(SharedPathError) as err:
                scan_archive(archive, index_path=tmp_path / "i.parquet", scheduler=cluster.scheduler_address)
        finally:
            stop_process_group(proc)
    assert set(err.value.missing) == {blind}
    message = str(err.value)
    assert "1 of 2 dask workers" in message and blind in message and str(archive.resolve()) in message
    assert all(w not in message for w in seeing)
    assert not (tmp_path / "i.parquet").exists()
