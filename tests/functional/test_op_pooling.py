"""Max and average pooling against torch.nn.functional.max_pool2d / avg_pool2d, including ties."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import nnlib.functional as F

from layer_oracle import ORACLE_SETTINGS, assert_vjp_matches_torch

TORCH = {"max": torch.nn.functional.max_pool2d, "avg": torch.nn.functional.avg_pool2d}


def check_pool(kind, x, size, stride, rng):
    forward, backward = getattr(F, f"{kind}pool2d_forward"), getattr(F, f"{kind}pool2d_backward")
    out = forward(x, size, stride)
    dout = rng.standard_normal(out.shape)
    assert_vjp_matches_torch(
        out,
        [backward(dout, x, size, stride)],
        lambda xt: TORCH[kind](xt, kernel_size=size, stride=stride),
        [x],
        dout,
        f"{kind}pool x{x.shape} size={size} stride={stride}",
    )


KINDS = pytest.mark.parametrize("kind", ["max", "avg"])
GEOMETRIES = [
    ((2, 3, 4, 4), 2, 2),
    ((1, 2, 5, 7), 2, 2),  # batch 1, odd sizes: the last row/column is dropped
    ((2, 1, 6, 6), 3, 1),  # overlapping windows accumulate
    ((2, 2, 7, 5), 3, 2),
    ((1, 1, 5, 8), (2, 3), (1, 2)),  # non-square window and stride
    ((1, 1, 3, 3), 3, 1),  # window = input
]


@KINDS
@pytest.mark.parametrize("shape, size, stride", GEOMETRIES)
def test_pool_matches_torch(kind, shape, size, stride, rng):
    check_pool(kind, rng.standard_normal(shape), size, stride, rng)


@KINDS
@pytest.mark.parametrize("shape, size, stride", GEOMETRIES)
@pytest.mark.parametrize("values", ["zeros", "few-integers"])
def test_ties_route_the_gradient_like_torch(kind, shape, size, stride, values, rng):
    x = np.zeros(shape) if values == "zeros" else rng.integers(0, 3, shape).astype(float)
    check_pool(kind, x, size, stride, rng)


def test_max_tie_goes_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    dx = F.maxpool2d_backward(np.array([[[[5.0]]]]), x)
    np.testing.assert_array_equal(dx, [[[[0.0, 5.0], [0.0, 0.0]]]])


def test_overlapping_max_windows_sharing_a_winner_accumulate():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0  # the centre is the max of all four 2x2 windows (stride 1)
    dx = F.maxpool2d_backward(np.ones((1, 1, 2, 2)), x, size=2, stride=1)
    assert dx[0, 0, 1, 1] == 4.0 and dx.sum() == 4.0


@ORACLE_SETTINGS
@given(
    kind=st.sampled_from(["max", "avg"]),
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    size=st.integers(1, 4),
    stride=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool_matches_torch_random_shapes(kind, n, c, h, w, size, stride, seed):
    assume(size <= min(h, w))
    rng = np.random.default_rng(seed)
    check_pool(kind, rng.standard_normal((n, c, h, w)) * 1e4, size, stride, rng)
