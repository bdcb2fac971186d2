"""dense_forward / dense_backward against torch.nn.functional.linear (float64 autograd)."""
import numpy as np
import torch
from hypothesis import given, strategies as st

import nnlib.functional as F
from layer_oracle import ORACLE_SETTINGS, assert_vjp_matches_torch


def torch_dense(x, W, b):
    return torch.nn.functional.linear(x, W.T, b)  # torch stores the weight as (D_out, D_in)


@ORACLE_SETTINGS
@given(n=st.integers(1, 5), d_in=st.integers(1, 6), d_out=st.integers(1, 6),
       scale=st.sampled_from([1.0, 1e4]), seed=st.integers(0, 2**32 - 1))
def test_dense_matches_torch_linear(n, d_in, d_out, scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d_in)) * scale
    W, b = rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out)
    dout = rng.standard_normal((n, d_out))
    assert_vjp_matches_torch(F.dense_forward(x, W, b), F.dense_backward(dout, x, W),
                             torch_dense, [x, W, b], dout, f"dense {x.shape}x{W.shape}")


def test_dense_accepts_lists_and_broadcasts_bias_over_the_batch():
    out = F.dense_forward([[1, 2], [3, 4]], [[1, 0], [0, 1]], [10, 20])
    np.testing.assert_array_equal(out, np.array([[11.0, 22.0], [13.0, 24.0]]))
