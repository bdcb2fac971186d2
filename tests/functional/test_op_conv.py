"""conv2d_forward / conv2d_backward against torch.nn.functional.conv2d (float64 autograd)."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import nnlib.functional as F

from layer_oracle import ORACLE_SETTINGS, assert_vjp_matches_torch


def check_conv(x_shape, w_shape, stride, pad, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape) * scale, rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    out = F.conv2d_forward(x, w, b, stride, pad)
    assert out.shape == F.conv2d_output_shape(x_shape, w_shape, stride, pad)
    dout = rng.standard_normal(out.shape)
    assert_vjp_matches_torch(
        out,
        F.conv2d_backward(dout, x, w, stride, pad),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=stride, padding=pad),
        [x, w, b],
        dout,
        f"conv x{x_shape} w{w_shape} stride={stride} pad={pad}",
    )


@pytest.mark.parametrize(
    "x_shape, w_shape, stride, pad",
    [
        ((2, 3, 6, 6), (4, 3, 3, 3), 1, 0),
        ((2, 3, 6, 6), (4, 3, 3, 3), 1, 1),
        ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
        ((1, 2, 5, 8), (3, 2, 2, 3), 2, 2),  # batch 1, non-square input and kernel
        ((3, 1, 8, 8), (8, 1, 3, 3), 1, 1),  # the digits CNN
        ((2, 2, 4, 5), (1, 2, 4, 5), 1, 0),  # kernel = input: one output pixel
        ((2, 2, 4, 5), (3, 2, 1, 1), 1, 0),  # 1x1 convolution
        ((1, 1, 3, 3), (1, 1, 5, 5), 1, 1),  # kernel fits only thanks to padding
        ((2, 2, 7, 6), (2, 2, 3, 2), (2, 1), (1, 0)),  # per-axis stride and padding
        ((1, 1, 6, 6), (1, 1, 3, 3), 3, 0),  # stride = kernel: no overlap
        ((1, 1, 7, 7), (1, 1, 2, 2), 3, 0),  # stride > kernel: rows/cols skipped
    ],
)
def test_conv_matches_torch(x_shape, w_shape, stride, pad):
    check_conv(x_shape, w_shape, stride, pad, seed=sum(x_shape) + sum(w_shape))


def test_conv_large_inputs_match_torch():
    check_conv((2, 2, 5, 5), (3, 2, 3, 3), 1, 1, seed=5, scale=1e4)


@ORACLE_SETTINGS
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    f=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv_matches_torch_random_shapes(n, c, f, h, w, kh, kw, stride, pad, seed):
    assume(kh <= h + 2 * pad and kw <= w + 2 * pad)
    check_conv((n, c, h, w), (f, c, kh, kw), stride, pad, seed)
