"""The oracle (physical limit) on a tiny generated archive: it sees the injected precursor, its amplitude
re-scaling equals regenerating at another difficulty, and it refuses data that are not generated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.datasets import DatasetSettings, build_dataset
from core.oracle import noise_covariance, oracle_inputs, oracle_pipeline, oracle_statistic
from core.synthetic.generator import generate_archive
from core.synthetic.orbit import half_orbits, track
from core.synthetic.precursors import PrecursorModel
from core.windows import WindowSettings
from tests.core.models.make_samples import ground_truth_table, make_samples
from tests.helpers import make_catalog

SEED = 4
MODEL = PrecursorModel(p_min=1.0, p_max=1.0, amp_min=0.4, amp_max=0.4, lead_beta_a=50.0)  # strong, ≈5 days


def _catalog() -> pd.DataFrame:
    ho = next(h for h in half_orbits("CSES-01", "2020-03-14T00:00", "2020-03-15") if h.half == "night")
    tr = track(ho, 1)
    i = int(np.argmin(np.abs(tr.lat - 20.0)))
    return make_catalog(
        [
            {
                "event_id": "q1",
                "time": pd.Timestamp(ho.t_start) + pd.Timedelta(hours=2),
                "lat": float(tr.lat[i]),
                "lon": float(tr.lon[i]),
                "depth_km": 10.0,
                "mag": 6.5,
                "mag_type": "mww",
                "place": "",
                "type": "earthquake",
            }
        ]
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The same event generated at difficulty 1 and 2 (same seed), and its night samples for each."""
    root = tmp_path_factory.mktemp("oracle")
    cache = root / "pyiri"
    cat = _catalog()
    settings = DatasetSettings(
        name="oracle-test",
        window=WindowSettings(quiet=False, half="night"),
        splits=(("validation", "2020-03-01", "2020-03-31"),),
        negatives="none",
        seed=0,
    )
    out = {}
    for difficulty in (1.0, 2.0):
        arch = root / f"d{difficulty:g}"
        generate_archive(
            "CSES-01",
            None,
            None,
            arch,
            events=["q1"],
            seed=SEED,
            difficulty=difficulty,
            catalog=cat,
            progress=False,
            cache_dir=cache,
            precursor_model=MODEL,
        )
        ds, _ = build_dataset(
            settings, arch, catalog=cat, out=root / f"d{difficulty:g}.nc", workers=1, progress=False
        )
        out[difficulty] = (ds, arch)
    return out, cat, cache


def test_rescaling_equals_regenerating_and_the_precursor_is_seen(built) -> None:
    data, cat, cache = built
    (ds1, _), (ds2, _) = data[1.0], data[2.0]
    assert ds1.sizes["sample"] >= 2 and ds1.sizes["sample"] == ds2.sizes["sample"]
    kw = dict(seed=SEED, catalog=cat, precursor_model=MODEL, cache_dir=cache)
    in1 = oracle_inputs(ds1, difficulty=1.0, **kw)
    in2 = oracle_inputs(ds2, difficulty=2.0, **kw)
    assert np.abs(in1.precursor_rel).max() > 0.05  # the event's precursor reaches its samples
    # halving the amplitude of archive 1 gives what archive 2 holds (up to the probe's 3 s interpolation)
    np.testing.assert_allclose(oracle_statistic(in1, 0.5), oracle_statistic(in2, 1.0), rtol=0.05, atol=0.05)
    # without the precursor the statistic is much smaller on the samples it reaches
    hit = np.abs(in1.precursor_rel).max(axis=1) > 0.2
    assert hit.any()
    assert np.mean(oracle_statistic(in1, 1.0)[hit]) > 3 * np.mean(oracle_statistic(in1, 0.0)[hit])


def test_pipeline_runs_the_models_protocol(built) -> None:
    data, cat, cache = built
    ds, arch = data[1.0]
    truth = pd.read_csv(arch / "ground_truth.csv", dtype={"event_id": str})
    res = oracle_pipeline(
        ds, ground_truth=truth, n_boot=20, catalog=cat, precursor_model=MODEL, cache_dir=cache
    )
    assert res.model is None and res.tests == {}  # no test split in this archive
    assert 0.0 <= res.rule.sample_threshold <= 1.0


def test_noise_covariance_is_the_generators() -> None:
    cov = noise_covariance(np.arange(3.0))
    assert cov.shape == (3, 3) and np.allclose(cov, cov.T)
    # variance: offset 0.10², large 0.07², medium 0.03², white 0.02²
    assert cov[0, 0] == pytest.approx(0.01 + 0.0049 + 0.0009 + 0.0004)
    assert np.all(np.linalg.eigvalsh(cov) > 0)


def test_refuses_samples_that_are_not_generated() -> None:
    fake = make_samples(10, 20, seed=1)
    with pytest.raises(ValueError, match="oracle"):
        oracle_pipeline(fake, ground_truth=ground_truth_table(fake).assign(seed=0, difficulty=1.0))


def test_refuses_deviation_features(built) -> None:
    import json

    data, cat, cache = built
    ds, arch = data[1.0]
    settings = json.loads(ds.attrs["settings"])
    settings["window"]["background"] = "median"  # as a cses-background dataset stores it
    deviation = ds.assign_attrs(settings=json.dumps(settings))
    with pytest.raises(ValueError, match="background = 'median'"):
        oracle_inputs(
            deviation, seed=SEED, difficulty=1.0, catalog=cat, precursor_model=MODEL, cache_dir=cache
        )
