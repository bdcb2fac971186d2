"""dense_forward / dense_backward against torch.nn.functional.linear (float64 autograd)."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import nnlib.functional as F

from layer_oracle import ORACLE_SETTINGS, assert_vjp_matches_torch


def torch_dense(x, W, b):
    return torch.nn.functional.linear(x, W.T, b)  # torch stores the weight as (D_out, D_in)


@ORACLE_SETTINGS
@given(
    n=st.integers(1, 5),
    d_in=st.integers(1, 6),
    d_out=st.integers(1, 6),
    scale=st.sampled_from([1.0, 1e4]),
    seed=st.integers(0, 2**32 - 1),
)
def test_dense_matches_torch_linear(n, d_in, d_out, scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d_in)) * scale
    W, b = rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out)
    dout = rng.standard_normal((n, d_out))
    assert_vjp_matches_torch(
        F.dense_forward(x, W, b),
        F.dense_backward(dout, x, W),
        torch_dense,
        [x, W, b],
        dout,
        f"dense {x.shape}x{W.shape}",
    )


def test_dense_accepts_lists_and_broadcasts_bias_over_the_batch():
    out = F.dense_forward([[1, 2], [3, 4]], [[1, 0], [0, 1]], [10, 20])
    np.testing.assert_array_equal(out, np.array([[11.0, 22.0], [13.0, 24.0]]))


@pytest.mark.parametrize(
    "x_dtype, w_dtype, b_dtype",
    [
        (np.float32, np.float32, np.float32),
        (np.float32, np.float32, np.float64),
        (np.float64, np.float32, np.float32),
        (np.float32, np.float64, np.float32),
        (np.float64, np.float64, np.float64),
        (np.float32, np.float32, np.int64),
    ],
)
def test_dense_forward_is_x_at_w_plus_b_bit_for_bit_in_every_dtype_mix(x_dtype, w_dtype, b_dtype):
    """The bias is added in place when that keeps NumPy's result dtype (a float64 bias still makes a
    float32 product float64, as x @ W + b does), so the output equals x @ W + b exactly."""
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((5, 3)).astype(x_dtype), rng.standard_normal((3, 4)).astype(w_dtype)
    b = (rng.standard_normal(4) * 10).astype(b_dtype)
    x0, W0, b0 = x.copy(), W.copy(), b.copy()
    out = F.dense_forward(x, W, b)
    expected = x @ W + b.astype(
        np.result_type(b_dtype, np.float16)
    )  # ints -> float64, as the contract says
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)
    for a, a0 in ((x, x0), (W, W0), (b, b0)):
        np.testing.assert_array_equal(a, a0)
