"""SeqNetQuake: chunk geometry, output shapes for several L, learning, determinism, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from core.models.seqnetquake import SeqNetQuake, SeqNetQuakeNet, chunk_geometry


@pytest.mark.parametrize(
    ("L", "n_chunks", "chunk_len", "expected"),
    [
        (20, 2, None, (2, 10, 0)),  # the paper's setting
        (10, 2, None, (2, 5, 0)),
        (23, 2, None, (2, 12, 1)),  # padded at the end
        (40, 4, None, (4, 10, 0)),
        (30, 2, 8, (4, 8, 2)),
        (3, 2, None, (1, 3, 0)),  # too short for two chunks of >= 2 steps
    ],
)
def test_chunk_geometry(L, n_chunks, chunk_len, expected) -> None:
    assert chunk_geometry(L, n_chunks, chunk_len) == expected


def test_chunk_geometry_rejects_too_short() -> None:
    with pytest.raises(ValueError):
        chunk_geometry(1)
    with pytest.raises(ValueError):
        chunk_geometry(20, chunk_len=1)


@pytest.mark.parametrize("L", [10, 20, 23, 30, 40])
@pytest.mark.parametrize("conv_layers,kernel_size,lstm_layers", [(2, 3, 1), (4, 2, 2)])
def test_network_output_shape(L: int, conv_layers: int, kernel_size: int, lstm_layers: int) -> None:
    net = SeqNetQuakeNet(
        4, L, conv_layers=conv_layers, kernel_size=kernel_size, lstm_layers=lstm_layers, lstm_units=16
    )
    out = net(torch.randn(5, L, 4))
    assert out.shape == (5, 2)
    assert set(dict(net.named_children())) >= {"conv", "lstm", "head"}


def _separable(n: int = 32, L: int = 20, F: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.array([0, 1] * (n // 2))
    X = rng.normal(size=(n, L, F)).astype(np.float32)
    X[y == 1, L // 4 : L // 2, 0] += 3.0
    return X, y


@pytest.mark.parametrize("L", [10, 20, 30])
def test_predict_proba_shape_and_sum(L: int) -> None:
    X, y = _separable(L=L)
    model = SeqNetQuake(epochs=2, lstm_units=16).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(model.predict(X)) <= {0, 1}
    with pytest.raises(ValueError, match="steps"):
        model.predict_proba(X[:, :-1])


def test_overfits_tiny_separable_dataset() -> None:
    X, y = _separable(n=24)
    model = SeqNetQuake(epochs=150, lr=1e-2, dropout=0.0, lstm_units=16, dense_units=16, batch_size=8).fit(
        X, y
    )
    assert (model.predict(X) == y).all()
    assert model.history_[-1]["train_loss"] < 0.1


def test_fit_is_deterministic_on_cpu_and_leaves_global_rng_alone() -> None:
    X, y = _separable()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = SeqNetQuake(epochs=3, lstm_units=16, device="cpu", seed=7).fit(X, y, X[:8], y[:8])
    after = torch.rand(1)
    b = SeqNetQuake(epochs=3, lstm_units=16, device="cpu", seed=7).fit(X, y, X[:8], y[:8])
    assert torch.equal(before, after)  # the fit used a forked generator
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = SeqNetQuake(epochs=3, lstm_units=16, device="cpu", seed=8).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_early_stopping_restores_best_epoch() -> None:
    X, y = _separable(n=40)
    model = SeqNetQuake(epochs=30, patience=2, lstm_units=16, lr=5e-3).fit(X[:24], y[:24], X[24:], y[24:])
    val = [h["val_loss"] for h in model.history_]
    assert model.best_epoch_ == int(np.argmin(val)) + 1
    assert len(model.history_) <= model.best_epoch_ + 2 or len(model.history_) == 30


def test_threads_are_restored() -> None:
    X, y = _separable()
    before = torch.get_num_threads()
    model = SeqNetQuake(epochs=1, lstm_units=8, n_threads=1).fit(X, y)
    model.predict_proba(X)
    assert torch.get_num_threads() == before


def test_pickle_round_trip() -> None:
    X, y = _separable()
    model = SeqNetQuake(epochs=2, lstm_units=16).fit(X, y)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model.predict_proba(X), clone.predict_proba(X))
