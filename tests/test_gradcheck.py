"""Tests of nnlib.gradcheck: the finite differences every other gradient test relies on."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlib.gradcheck import check_layer, numerical_gradient, numerical_gradient_array, rel_error

# --- numerical_gradient ---------------------------------------------------------------------------


def test_gradient_of_sum_sin_is_cos(rng):
    x = rng.uniform(-3, 3, (4, 5))
    grad = numerical_gradient(lambda v: np.sin(v).sum(), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, np.cos(x), rtol=0, atol=1e-9)  # h^2/6 * |sin'''| <= 2e-11


def test_gradient_of_quadratic_form_is_a_plus_a_transpose_x(rng):
    A, x = rng.standard_normal((5, 5)), rng.standard_normal(5)
    grad = numerical_gradient(lambda v: v @ A @ v, x)
    np.testing.assert_allclose(grad, (A + A.T) @ x, rtol=0, atol=1e-8)


def test_x_is_restored_exactly_and_f_may_close_over_it(rng):
    x = rng.standard_normal((3, 2))
    before = x.copy()
    grad = numerical_gradient(lambda _: float((x**3).sum()), x)  # reads the closed-over x
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_centred_difference_error_shrinks_like_h_squared():
    x = np.array([0.3, -1.2])

    def error(h):
        return np.abs(numerical_gradient(lambda v: np.exp(v).sum(), x.copy(), h) - np.exp(x)).max()

    ratio = error(1e-2) / error(1e-3)
    assert 70 < ratio < 130  # O(h^2): a one-sided difference would give ~10


def test_integer_and_zero_dimensional_inputs():
    np.testing.assert_allclose(
        numerical_gradient(lambda v: (v**2).sum(), np.array([1, 2])), [2.0, 4.0]
    )
    assert numerical_gradient(lambda v: float(v**3), np.array(2.0)) == pytest.approx(12.0, rel=1e-9)


def test_numerical_gradient_array_is_the_vector_jacobian_product(rng):
    x, A, dout = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((4, 2)),
        rng.standard_normal((3, 2)),
    )
    np.testing.assert_allclose(
        numerical_gradient_array(lambda v: v @ A, x, dout), dout @ A.T, rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(
        numerical_gradient_array(np.tanh, x, dout[:, :1]),
        dout[:, :1] * (1 - np.tanh(x) ** 2),
        rtol=0,
        atol=1e-9,
    )


# --- rel_error ------------------------------------------------------------------------------------

finite = arrays(np.float64, st.integers(1, 6), elements=st.floats(-1e6, 1e6))


@settings(max_examples=50, deadline=None)
@given(a=finite, data=st.data())
def test_rel_error_properties(a, data):
    b = data.draw(arrays(np.float64, a.shape, elements=st.floats(-1e6, 1e6)))
    assert rel_error(a, a) == 0.0
    assert rel_error(a, b) == rel_error(b, a)
    assert 0.0 <= rel_error(a, b) <= 1.0


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([1.0], [1.0 + 1e-9], 1e-9 / (2 + 1e-9)),
        ([1.0, 1.0], [1.0, 2.0], 1 / 3),  # the largest elementwise error, not an average
        ([3.0], [-3.0], 1.0),  # opposite signs: the maximum
        ([0.0], [1e-3], 1.0),
        ([0.0, 0.0], [0.0, 0.0], 0.0),  # eps keeps 0/0 out
        ([1e-13], [2e-13], 1e-13 / 1e-12),  # below eps the denominator is eps, not |a| + |b|
    ],
)
def test_rel_error_values(a, b, expected):
    assert rel_error(np.array(a), np.array(b)) == pytest.approx(expected, rel=1e-12)


def test_rel_error_is_scale_invariant(rng):
    a, b = rng.standard_normal(10), rng.standard_normal(10)
    assert rel_error(1e5 * a, 1e5 * b) == pytest.approx(rel_error(a, b), rel=1e-12)


def test_rel_error_never_lets_nan_pass_and_handles_empty_arrays():
    assert not rel_error(np.array([1.0, np.nan]), np.array([1.0, 1.0])) < 1.0
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def test_rel_error_refuses_different_shapes():
    with pytest.raises(
        ValueError, match=r"rel_error: expected arrays of the same shape, got \(2, 3\) and \(3, 2\)"
    ):
        rel_error(np.zeros((2, 3)), np.zeros((3, 2)))


# --- check_layer ----------------------------------------------------------------------------------


class TanhDense:
    """out = tanh(x W + b), with an optional deliberate bug in its backward pass."""

    def __init__(self, rng, d_in=4, d_out=3, bug=None):
        self.params = {"W": rng.standard_normal((d_in, d_out)), "b": rng.standard_normal(d_out)}
        self.grads = {}
        self.bug = bug

    def forward(self, x, training=False):
        self.x = x
        self.out = np.tanh(x @ self.params["W"] + self.params["b"])
        return self.out

    def backward(self, dout):
        dz = dout * (1 - self.out**2)
        self.grads["W"] = self.x.T @ dz * (2.0 if self.bug == "dW doubled" else 1.0)
        self.grads["b"] = (dout if self.bug == "db ignores tanh'" else dz).sum(axis=0)
        dx = dz @ self.params["W"].T
        return -dx if self.bug == "dx sign flipped" else dx


class Square:
    """A layer without parameters: out = x^2."""

    params, grads = {}, {}

    def forward(self, x, training=False):
        self.x = x
        return x**2

    def backward(self, dout):
        return 2 * self.x * dout


def test_check_layer_passes_a_correct_layer_and_leaves_everything_unchanged(rng):
    layer, x = TanhDense(rng), rng.standard_normal((5, 4))
    x_before, params_before = x.copy(), {k: v.copy() for k, v in layer.params.items()}
    errors = check_layer(layer, x)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7, errors
    np.testing.assert_array_equal(x, x_before)
    for k, v in layer.params.items():
        np.testing.assert_array_equal(v, params_before[k])


def test_check_layer_without_parameters(rng):
    errors = check_layer(Square(), rng.standard_normal((3, 2)))
    assert set(errors) == {"x"} and errors["x"] < 1e-7


@pytest.mark.parametrize(
    "bug, broken", [("dW doubled", "W"), ("db ignores tanh'", "b"), ("dx sign flipped", "x")]
)
def test_check_layer_flags_a_wrong_gradient(bug, broken, rng):
    errors = check_layer(TanhDense(rng, bug=bug), rng.standard_normal((5, 4)))
    assert errors[broken] > 1e-2, errors
    assert all(err < 1e-7 for name, err in errors.items() if name != broken), errors
