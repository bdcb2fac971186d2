"""Inverted dropout: the mask comes from rng, the values match torch's formula and autograd."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlib.functional as F

from helpers import t
from layer_oracle import ORACLE_SETTINGS, assert_vjp_matches_torch


@ORACLE_SETTINGS
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple),
    p=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_dropout_matches_torch_formula_with_the_same_mask(shape, p, seed):
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    out, mask = F.dropout_forward(x, p, np.random.default_rng(seed + 1))
    expected_mask = (
        np.random.default_rng(seed + 1).random(shape) >= p if p > 0 else np.ones(shape, bool)
    )
    np.testing.assert_array_equal(mask, expected_mask)
    assert mask.dtype == bool
    assert_vjp_matches_torch(
        out,
        [F.dropout_backward(dout, mask, p)],
        lambda xt: xt * t(mask) / (1 - p),
        [x],
        dout,
        f"dropout p={p}",
    )


def test_p_zero_returns_a_copy_and_draws_nothing():
    x, rng = np.arange(6.0).reshape(2, 3), np.random.default_rng(3)
    out, mask = F.dropout_forward(x, 0, rng)
    np.testing.assert_array_equal(out, x)
    assert out is not x and not np.shares_memory(out, x)
    assert mask.all() and mask.shape == x.shape
    assert rng.random() == np.random.default_rng(3).random()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_keep_rate_is_one_minus_p_and_expectation_is_preserved(p):
    out, mask = F.dropout_forward(np.ones(200_000), p, np.random.default_rng(0))
    assert abs(mask.mean() - (1 - p)) < 0.01
    assert abs(out.mean() - 1.0) < 0.02
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / (1 - p)])


def test_backward_accepts_a_numeric_mask():
    mask = np.array([[True, False], [False, True]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        F.dropout_backward(dout, mask.astype(int), 0.2), F.dropout_backward(dout, mask, 0.2)
    )
