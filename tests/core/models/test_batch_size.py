"""The batch a PyTorch model trains with: the device's default unless set (docs/models.md, "Batch size and
device")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.models.base import BATCH_SIZES
from core.models.inputs import as_arrays, select_split
from core.models.registry import load_model, save_model
from core.models.zoo import make_model
from tests.core.models.make_samples import make_samples


def _data() -> tuple[np.ndarray, ...]:
    ds = make_samples(60, 20, seed=3, signal=1.5, split_fractions=(0.6, 0.4, 0.0))
    return (*as_arrays(select_split(ds, "train")), *as_arrays(select_split(ds, "validation")))


def test_without_a_batch_size_a_cpu_fit_is_the_fit_at_the_cpu_batch() -> None:
    Xtr, ytr, Xv, yv = _data()
    common = dict(epochs=3, min_epochs=0, device="cpu", seed=1)
    default = make_model("cnn", **common).fit(Xtr, ytr, Xv, yv)
    explicit = make_model("cnn", batch_size=BATCH_SIZES["cpu"], **common).fit(Xtr, ytr, Xv, yv)
    other = make_model("cnn", batch_size=8, **common).fit(Xtr, ytr, Xv, yv)
    assert default.get_params()["batch_size"] is None and default.batch_size_ == BATCH_SIZES["cpu"] == 64
    assert np.array_equal(default.predict_proba(Xv), explicit.predict_proba(Xv))
    assert other.batch_size_ == 8 and not np.array_equal(default.predict_proba(Xv), other.predict_proba(Xv))
    summary = default.training_summary()
    assert summary["batch_size"] == 64 and summary["device"] == "cpu"


def test_the_batch_used_is_kept_by_the_registry(tmp_path) -> None:
    Xtr, ytr, Xv, yv = _data()
    model = make_model("lstm", epochs=2, min_epochs=0, device="cpu").fit(Xtr, ytr, Xv, yv)
    save_model(model, "lstm", root=tmp_path)
    assert load_model("lstm", root=tmp_path).estimator.batch_size_ == BATCH_SIZES["cpu"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (bench/gpu_check.sh runs it)")
def test_on_cuda_the_larger_batch_is_the_default() -> None:
    Xtr, ytr, Xv, yv = _data()
    model = make_model("seqnetquake", epochs=2, min_epochs=0, device="cuda").fit(Xtr, ytr, Xv, yv)
    assert model.device_.type == "cuda" and model.batch_size_ == BATCH_SIZES["cuda"] > BATCH_SIZES["cpu"]
    assert np.isfinite(model.predict_proba(Xv)).all()
