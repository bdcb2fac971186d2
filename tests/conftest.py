"""Shared fixtures. The PyTorch oracle is a hard requirement: a missing torch fails, never skips."""

import numpy as np
import pytest
import torch  # noqa: F401  (fail loudly at collection if the oracle is missing)

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)  # xdist already uses both cores


@pytest.fixture
def rng():
    return np.random.default_rng(0)
