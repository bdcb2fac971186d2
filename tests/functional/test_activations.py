"""nnlib.functional activations: PyTorch oracle, centred differences, exact tails, kinks, stability.

Oracle ranges: torch computes sigmoid'/tanh' as s(1-s) and 1-tanh^2 and GELU as x(1+erf)/2, which
lose relative precision for large |x| (GELU: x < -4). Against torch we therefore use |x| <= 6
(GELU: x >= -4); the tails are checked against 50-digit mpmath instead, where nnlib must be exact.
"""

import re

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib.functional as F
from nnlib.functional.activations import SELU_ALPHA, SELU_SCALE
from nnlib.gradcheck import numerical_gradient_array, rel_error

from helpers import GRADCHECK_TOL, ORACLE_TOL, assert_close, strict_floats, torch_vjp

# id: (nnlib name, hyper-parameters, torch reference). Torch's defaults are used where ours
# should equal them, so a wrong default fails too.
ELEMENTWISE = {
    "identity": ("identity", {}, lambda x: x * 1),
    "sigmoid": ("sigmoid", {}, torch.sigmoid),
    "tanh": ("tanh", {}, torch.tanh),
    "relu": ("relu", {}, TF.relu),
    "leaky_relu": ("leaky_relu", {}, TF.leaky_relu),
    "leaky_relu-0.2": ("leaky_relu", {"alpha": 0.2}, lambda x: TF.leaky_relu(x, 0.2)),
    "elu": ("elu", {}, TF.elu),
    "elu-1.7": ("elu", {"alpha": 1.7}, lambda x: TF.elu(x, 1.7)),
    "selu": ("selu", {}, TF.selu),
    "softplus": ("softplus", {}, TF.softplus),  # torch's threshold=20 is outside the oracle range
    "swish": ("swish", {}, TF.silu),
    "swish-1.7": ("swish", {"beta": 1.7}, lambda x: x * torch.sigmoid(1.7 * x)),
    "gelu": ("gelu", {}, TF.gelu),
}
ALONG_AXIS = {
    "softmax": ("softmax", {}, lambda x: torch.softmax(x, -1)),
    "log_softmax": ("log_softmax", {}, lambda x: torch.log_softmax(x, -1)),
}
CASES = {**ELEMENTWISE, **ALONG_AXIS}

# The same functions in mpmath, evaluated with enough digits to resolve their tails.
_MP = {
    "identity": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "tanh": mpmath.tanh,
    "relu": lambda x: max(x, 0),
    "leaky_relu": lambda x: x if x > 0 else 0.01 * x,
    "leaky_relu-0.2": lambda x: x if x > 0 else 0.2 * x,
    "elu": lambda x: x if x > 0 else mpmath.expm1(x),
    "elu-1.7": lambda x: x if x > 0 else 1.7 * mpmath.expm1(x),
    "selu": lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mpmath.expm1(x)),
    "softplus": lambda x: mpmath.log1p(mpmath.exp(x)),
    "swish": lambda x: x / (1 + mpmath.exp(-x)),
    "swish-1.7": lambda x: x / (1 + mpmath.exp(-1.7 * x)),
    "gelu": lambda x: x * mpmath.erfc(-x / mpmath.sqrt(2)) / 2,
}
TAIL_POINTS = [-1e4, -745.0, -300.0, -40.0, -20.0, -9.0, 9.0, 20.0, 40.0, 300.0, 745.0, 1e4]
LARGE = np.array([-1e4, -1e3, -745.0, -100.0, -1.0, 0.0, 1.0, 100.0, 745.0, 1e3, 1e4])

H = 1e-5  # centred-difference step
SETTINGS = settings(max_examples=30, deadline=None, database=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)


def forward(case, x):
    name, kw, _ = CASES[case]
    return getattr(F, name)(x, **kw)


def backward(case, dout, x):
    name, kw, _ = CASES[case]
    return getattr(F, name + "_backward")(dout, x, **kw)


def check_against_torch(case, x, dout, tol=ORACLE_TOL):
    expected, (dx_expected,) = torch_vjp(CASES[case][2], [x], dout)
    assert_close(forward(case, x), expected, tol, f"{case} value")
    assert_close(backward(case, dout, x), dx_expected, tol, f"{case} gradient")


# ------------------------------------------------------------------------------ torch oracle


@pytest.mark.parametrize("case", CASES)
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_matches_torch(case, data, seed):
    lo = -4.0 if case == "gelu" else -6.0  # see the module docstring
    x = data.draw(
        hnp.arrays(np.float64, SHAPES, elements=st.floats(lo, 6.0, allow_subnormal=False))
    )
    dout = np.random.default_rng(seed).standard_normal(x.shape)
    check_against_torch(case, x, dout)


@pytest.mark.parametrize("name", ALONG_AXIS)
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_softmax_any_axis_matches_torch(name, data, seed):
    # Logits spread > ~15 make s_i (dout_i - <dout, s>) cancel for the dominant class, in torch
    # as here, so both are only ~1e-9 accurate there; +-6 keeps the comparison well-conditioned.
    x = data.draw(hnp.arrays(np.float64, SHAPES, elements=st.floats(-6, 6, allow_subnormal=False)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    dout = np.random.default_rng(seed).standard_normal(x.shape)
    expected, (dx_expected,) = torch_vjp(lambda v: getattr(torch, name)(v, axis), [x], dout)
    assert_close(getattr(F, name)(x, axis=axis), expected, ORACLE_TOL, f"{name} axis={axis}")
    assert_close(
        getattr(F, name + "_backward")(dout, x, axis=axis),
        dx_expected,
        ORACLE_TOL,
        f"{name}_backward axis={axis}",
    )


@pytest.mark.parametrize("case", CASES)
def test_kinks_match_torch(case):
    # Exact zeros (both signs) are where relu, leaky_relu and elu choose a one-sided derivative.
    x = np.array([[-1.0, -0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    check_against_torch(case, x, np.array([[0.3, -1.7, 2.1, 0.9], [1.0, -2.0, 0.5, 3.0]]))


def test_kink_values_spelled_out():
    zero = np.zeros(1)
    assert F.relu_backward(np.ones(1), zero)[0] == 0.0
    assert F.leaky_relu_backward(np.ones(1), zero, alpha=0.2)[0] == 0.2
    assert F.elu_backward(np.ones(1), zero, alpha=1.7)[0] == 1.7
    assert F.selu_backward(np.ones(1), zero)[0] == pytest.approx(SELU_SCALE * SELU_ALPHA, rel=1e-15)


# ------------------------------------------------------------------- centred differences


@pytest.mark.parametrize("case", CASES)
def test_gradcheck(case):
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    numeric = numerical_gradient_array(lambda v: forward(case, v), x, dout, h=H)
    err = rel_error(backward(case, dout, x), numeric)
    assert err < GRADCHECK_TOL, f"{case}: relative error {err:.2e}"


@pytest.mark.parametrize("case", CASES)
def test_gradcheck_large_inputs(case):
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 1.0], (3, 4)) * rng.uniform(5, 40, (3, 4))
    dout = rng.standard_normal(x.shape)
    numeric = numerical_gradient_array(lambda v: forward(case, v), x, dout, h=H)
    analytic = backward(case, dout, x)
    # A centred difference of L = sum(f(x) * dout) cannot resolve less than ~eps * |L| / h, so a
    # saturated slope (sigmoid'(20) ~ 2e-9) is checked to that absolute floor here, and to full
    # relative precision against mpmath in test_tails_match_high_precision.
    floor = 4 * np.finfo(float).eps * np.abs(forward(case, x) * dout).sum() / H
    bad = np.abs(analytic - numeric) > GRADCHECK_TOL * (np.abs(analytic) + np.abs(numeric)) + floor
    assert not bad.any(), f"{case} at x={x[bad]}: analytic {analytic[bad]}, numeric {numeric[bad]}"


# --------------------------------------------------------------------- exact tails (mpmath)


def _exact_value_and_slope(f, v):
    # sigmoid(300) = 1 - 5e-131: telling its slope from 0 needs well over 131 digits.
    with mpmath.workdps(50 + int(min(abs(v), 800))):
        x = mpmath.mpf(v)
        return float(f(x)), float(mpmath.diff(f, x))


@pytest.mark.parametrize("case", ELEMENTWISE)
def test_tails_match_high_precision(case):
    f = _MP[case]
    x = np.array(TAIL_POINTS)
    exact, exact_grad = np.array([_exact_value_and_slope(f, v) for v in TAIL_POINTS]).T
    for what, got, want in [
        ("value", forward(case, x), exact),
        ("gradient", backward(case, np.ones_like(x), x), exact_grad),
    ]:
        # Relative error, down to the smallest normal float (beyond it, 0 is the right answer).
        bad = np.abs(got - want) > ORACLE_TOL * np.abs(want) + 1e-300
        assert not bad.any(), f"{case} {what} at x={x[bad]}: got {got[bad]}, exact {want[bad]}"


# ---------------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES)
def test_large_inputs_are_finite_and_silent(case, dtype):
    x = LARGE.astype(dtype)
    dout = np.linspace(-1, 1, x.size).astype(dtype)
    with strict_floats():
        out, dx = forward(case, x), backward(case, dout, x)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx)), f"{case}: {out}, {dx}"
    if dtype == np.float64:
        check_against_torch(case, x, dout)


TINY = {
    np.float64: np.array([-1e-310, -5e-324, 0.0, 5e-324, 1e-310, -1e-300, 2.2e-308]),
    np.float32: np.array([-1e-40, -1e-45, 0.0, 1e-45, 1e-40, -1e-37, 1.2e-38], dtype=np.float32),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES)
def test_subnormal_inputs_and_gradients_are_silent(case, dtype):
    """Underflow is flushed without a warning everywhere; relu and identity (which skip the
    np.errstate context) must not underflow at all, leaky_relu's alpha * x does (hence its context)."""
    x = TINY[dtype]
    with strict_floats():
        out = forward(case, x)
        dx = backward(case, x[::-1].copy(), x)
    assert (
        out.dtype == dtype
        and dx.dtype == dtype
        and np.all(np.isfinite(out))
        and np.all(np.isfinite(dx))
    )
    if case in ("relu", "identity"):
        np.testing.assert_array_equal(out, np.maximum(x, 0) if case == "relu" else x)


def test_softmax_rows_of_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
    dout = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.5], [1.0, -1.5, 0.0]])
    with strict_floats():
        for case in ALONG_AXIS:
            check_against_torch(case, x, dout)


# --------------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("case", CASES)
def test_float32_stays_float32(case):
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.standard_normal(6) * 3, [-1e4, 1e4]]).astype(np.float32)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    out, dx = forward(case, x), backward(case, dout, x)
    assert out.dtype == np.float32 and dx.dtype == np.float32, (out.dtype, dx.dtype)
    # ... and is the float64 answer rounded, not something else computed in low precision.
    assert_close(out, forward(case, x.astype(np.float64)), 1e-5, f"{case} float32 value")
    assert_close(
        dx,
        backward(case, dout.astype(np.float64), x.astype(np.float64)),
        1e-5,
        f"{case} float32 gradient",
    )


@pytest.mark.parametrize("case", CASES)
def test_integers_promote_to_float64(case):
    x = np.array([-2, 0, 3])
    assert forward(case, x).dtype == np.float64
    assert backward(case, np.array([1, 1, 1]), x).dtype == np.float64


# ------------------------------------------------------------------------------- purity


@pytest.mark.parametrize("case", CASES)
def test_inputs_not_modified_nor_aliased(case):
    rng = np.random.default_rng(3)
    x, dout = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    x0, dout0 = x.copy(), dout.copy()
    out, dx = forward(case, x), backward(case, dout, x)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, dout0)
    assert not np.shares_memory(out, x) and not np.shares_memory(dx, dout)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("case", CASES)
def test_backward_shape_mismatch_names_both_shapes(case):
    name = CASES[case][0] + "_backward"
    msg = re.escape(f"{name}: expected dout of shape (3, 4) (the shape of x), got (4, 3)")
    with pytest.raises(ValueError, match=msg):
        backward(case, np.ones((4, 3)), np.ones((3, 4)))


@pytest.mark.parametrize("case", CASES)
def test_complex_input_is_a_type_error(case):
    name = CASES[case][0]
    z = np.ones(3, dtype=complex)
    with pytest.raises(TypeError, match=rf"^{name}: x must hold real numbers.*complex128"):
        forward(case, z)
    with pytest.raises(TypeError, match=rf"^{name}_backward: x must hold real numbers"):
        backward(case, np.ones(3), z)
    with pytest.raises(TypeError, match=rf"^{name}_backward: dout must hold real numbers"):
        backward(case, z, np.ones(3))


@pytest.mark.parametrize("name", ALONG_AXIS)
@pytest.mark.parametrize("axis", [2, -3, 1.0])
def test_softmax_bad_axis(name, axis):
    x = np.ones((3, 4))
    msg = re.escape(f"{name}: axis {axis!r} is out of range for x of shape (3, 4)")
    with pytest.raises(ValueError, match=msg):
        getattr(F, name)(x, axis=axis)
    with pytest.raises(ValueError, match=re.escape(f"{name}_backward: axis {axis!r}")):
        getattr(F, name + "_backward")(x, x, axis=axis)


# ------------------------------------------------------------------------------ registry


def test_registry_pairs_each_forward_with_its_backward():
    assert {spec[0] for spec in CASES.values()} <= set(F.ACTIVATIONS)
    for name, (fwd, bwd) in F.ACTIVATIONS.items():
        assert bwd is getattr(F, fwd.__name__ + "_backward"), name
        assert fwd is getattr(F, fwd.__name__), name
    assert F.ACTIVATIONS["linear"] == F.ACTIVATIONS["identity"]
    assert F.ACTIVATIONS["silu"] == F.ACTIVATIONS["swish"]


@pytest.mark.parametrize("name", ["relu", "ReLU", " gelu ", "linear", None])
def test_get_activation(name):
    expected = "identity" if name in (None, "linear") else name.strip().lower()
    assert F.get_activation(name) == (getattr(F, expected), getattr(F, expected + "_backward"))


def test_get_activation_unknown_lists_valid_names():
    with pytest.raises(
        ValueError,
        match=r"unknown activation 'rleu' \(did you mean 'relu'\?\); "
        r"valid names: elu, gelu, identity, ",
    ) as info:
        F.get_activation("rleu")
    assert all(name in str(info.value) for name in F.ACTIVATIONS)
    with pytest.raises(TypeError, match="get_activation: expected the name of activation"):
        F.get_activation(3)
