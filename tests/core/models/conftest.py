"""Keep PyTorch to one thread in the model tests (the machine is shared)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _torch_threads() -> None:
    import torch

    torch.set_num_threads(1)
