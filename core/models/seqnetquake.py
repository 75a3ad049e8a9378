"""SeqNetQuake: the CNN-BiLSTM of Xiong et al. (2021), in PyTorch, with the scikit-learn face.

Input sequences (batch, L, F) are cut into chunks (L = 20 → 2 chunks of 10); every chunk goes through the
same Conv1D stack, a BiLSTM runs over the chunks, a dense head gives 2 logits. Layer groups for transfer
learning: ``conv``, ``lstm``, ``head``. The architecture and where it departs from the authors' Keras
code: ``docs/models.md`` (section "SeqNetQuake").
"""

from __future__ import annotations

import math

import torch
from torch import nn

from core.models.base import (
    MAX_EPOCHS,
    MIN_EPOCHS,
    PATIENCE,
    VAL_SMOOTHING,
    TorchSequenceClassifier,
    conv_same,
    dense_stack,
)

__all__ = ["SeqNetQuake", "SeqNetQuakeNet", "chunk_geometry"]


def chunk_geometry(seq_len: int, n_chunks: int = 2, chunk_len: int | None = None) -> tuple[int, int, int]:
    """(n_chunks, chunk_len, pad) for a sequence of ``seq_len`` steps: ``pad`` zeros are appended."""
    if seq_len < 2:
        raise ValueError(f"SeqNetQuake needs sequences of at least 2 steps, got {seq_len}")
    if chunk_len is None:
        n_chunks = max(1, min(int(n_chunks), seq_len // 2))
        chunk_len = math.ceil(seq_len / n_chunks)
    else:
        chunk_len = int(chunk_len)
        if chunk_len < 2:
            raise ValueError(f"chunk_len must be >= 2, got {chunk_len}")
        n_chunks = math.ceil(seq_len / chunk_len)
    pad = n_chunks * chunk_len - seq_len
    return n_chunks, chunk_len, pad


class SeqNetQuakeNet(nn.Module):
    """The CNN-BiLSTM network: (batch, L, F) → (batch, 2) logits. See docs/models.md, "SeqNetQuake"."""

    def __init__(
        self,
        n_features: int,
        seq_len: int,
        *,
        n_chunks: int = 2,
        chunk_len: int | None = None,
        conv_layers: int = 2,
        conv_filters: int = 4,
        kernel_size: int = 3,
        lstm_layers: int = 1,
        lstm_units: int = 64,
        dense_layers: int = 2,
        dense_units: int = 32,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.n_chunks, self.chunk_len, self.pad = chunk_geometry(seq_len, n_chunks, chunk_len)
        convs: list[nn.Module] = []
        width = n_features
        for _ in range(int(conv_layers)):
            convs += conv_same(width, int(conv_filters), int(kernel_size))
            width = int(conv_filters)
        self.conv = nn.Sequential(*convs, nn.Dropout(dropout), nn.MaxPool1d(2), nn.Flatten())
        per_chunk = width * (self.chunk_len // 2)
        self.lstm = nn.LSTM(
            per_chunk,
            int(lstm_units),
            num_layers=int(lstm_layers),
            batch_first=True,
            bidirectional=True,
            dropout=dropout if int(lstm_layers) > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = dense_stack(2 * int(lstm_units), [int(dense_units)] * int(dense_layers), dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, f = x.shape
        if self.pad:
            x = torch.cat([x, x.new_zeros(b, self.pad, f)], dim=1)
        chunks = x.reshape(b * self.n_chunks, self.chunk_len, f).transpose(1, 2)  # (b·c, F, chunk_len)
        feats = self.conv(chunks).reshape(b, self.n_chunks, -1)
        _, (h_n, _) = self.lstm(feats)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1)  # final forward and backward states of the top layer
        return self.head(self.dropout(last))


class SeqNetQuake(TorchSequenceClassifier):
    """SeqNetQuake with the scikit-learn face (``fit(X, y, X_val, y_val)``, ``predict_proba``).

    Architecture parameters as in :class:`SeqNetQuakeNet`; training parameters as in
    :class:`core.models.base.TorchSequenceClassifier`. Defaults are a small, fast configuration inside
    the authors' search space (2 conv layers × 4 filters, kernel 3; 1 BiLSTM layer × 64; 2 dense × 32).
    """

    layer_groups = ("conv", "lstm", "head")

    def __init__(
        self,
        *,
        n_chunks: int = 2,
        chunk_len: int | None = None,
        conv_layers: int = 2,
        conv_filters: int = 4,
        kernel_size: int = 3,
        lstm_layers: int = 1,
        lstm_units: int = 64,
        dense_layers: int = 2,
        dense_units: int = 32,
        dropout: float = 0.2,
        epochs: int = MAX_EPOCHS,
        batch_size: int | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = PATIENCE,
        min_epochs: int = MIN_EPOCHS,
        val_smoothing: float = VAL_SMOOTHING,
        class_weight: str | dict | None = "balanced",
        scaling: str = "standard",
        seed: int = 0,
        device: str = "auto",
        n_threads: int | None = 1,
        verbose: bool = False,
    ) -> None:
        self.n_chunks = n_chunks
        self.chunk_len = chunk_len
        self.conv_layers = conv_layers
        self.conv_filters = conv_filters
        self.kernel_size = kernel_size
        self.lstm_layers = lstm_layers
        self.lstm_units = lstm_units
        self.dense_layers = dense_layers
        self.dense_units = dense_units
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.min_epochs = min_epochs
        self.val_smoothing = val_smoothing
        self.class_weight = class_weight
        self.scaling = scaling
        self.seed = seed
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    def _build_module(self, n_features: int, seq_len: int) -> nn.Module:
        return SeqNetQuakeNet(
            n_features,
            seq_len,
            n_chunks=self.n_chunks,
            chunk_len=self.chunk_len,
            conv_layers=self.conv_layers,
            conv_filters=self.conv_filters,
            kernel_size=self.kernel_size,
            lstm_layers=self.lstm_layers,
            lstm_units=self.lstm_units,
            dense_layers=self.dense_layers,
            dense_units=self.dense_units,
            dropout=float(self.dropout),
        )
