"""Activation functions and their backward passes (book chapters 5-7).

A neuron computes a weighted sum ``z`` and passes it through a nonlinearity ``f``; without one, a
stack of layers collapses into a single linear map. Every elementwise activation ``f(x)`` here
has a partner ``f_backward(dout, x, ...)`` that returns the vector-Jacobian product
``dL/dx = dout * f'(x)``; ``softmax`` and ``log_softmax`` work along an axis and return the full
VJP. They are pure functions: ``x`` and ``dout`` are never modified.

>>> relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0]))
array([0., 0., 1.])

Name look-up for layers and models: ``ACTIVATIONS`` maps a name to ``(forward, backward)`` and
``get_activation(name)`` returns that pair, with a helpful error for a misspelled name.

Conventions (all checked against PyTorch in float64, see ``tests/functional/test_activations.py``):

* At a kink the derivative is the one ``torch.autograd`` uses: ``relu'(0) = 0``,
  ``leaky_relu'(0) = alpha``, ``elu'(0) = alpha``, ``selu'(0) = scale * alpha``.
* ``float32`` in gives ``float32`` out; integers and bools are promoted to ``float64``.

Numerics, last:

* Stable for any finite input up to at least ``|x| = 1e4``: no ``exp`` of a large positive number
  is ever formed. Results smaller than ~1e-308 are flushed to 0 on purpose, silently even when the
  caller raises on underflow (the ``@_underflow_ok`` decorator, :mod:`._numerics`). ``identity``,
  ``relu`` and their backward passes cannot underflow (they copy, select, or multiply by 0 or 1)
  and go without it.
* The derivatives of ``sigmoid`` and ``tanh`` are computed from ``z = exp(-|x|)`` instead of the
  textbook ``s(1 - s)`` and ``1 - tanh^2``: the two are equal, but ``1 - s`` cancels to 0 for
  ``x > 37`` and loses most digits long before. PyTorch uses the textbook forms, so the two agree
  to ~1e-12 only where those forms are accurate (|x| < ~8); beyond that ours is the correct one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import erfc

from .._validate import as_float_array, check_same_shape, lookup_name
from ._numerics import underflow_ok as _underflow_ok

__all__ = [
    "identity",
    "identity_backward",
    "linear",
    "linear_backward",
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "relu",
    "relu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "elu",
    "elu_backward",
    "selu",
    "selu_backward",
    "softplus",
    "softplus_backward",
    "swish",
    "swish_backward",
    "gelu",
    "gelu_backward",
    "softmax",
    "softmax_backward",
    "log_softmax",
    "log_softmax_backward",
    "ACTIVATIONS",
    "get_activation",
]

# SELU constants from Klambauer et al. (2017), the values torch.nn.functional.selu uses.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2 pi)


# ----------------------------------------------------------------------------- input handling


def _input(x, fn: str) -> np.ndarray:
    return as_float_array(x, fn, "x")


def _grad_inputs(dout, x, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a backward call: both arrays real, ``dout`` shaped like ``x``."""
    x = as_float_array(x, fn, "x")
    dout = as_float_array(dout, fn, "dout")
    if dout.shape != x.shape:
        check_same_shape(x, dout, fn, "x", "dout")
    return dout, x


def _check_axis(x: np.ndarray, axis: int, fn: str) -> None:
    if (
        isinstance(axis, bool)
        or not isinstance(axis, (int, np.integer))
        or not -x.ndim <= axis < x.ndim
    ):
        raise ValueError(
            f"{fn}: axis {axis!r} is out of range for x of shape {tuple(x.shape)} "
            f"(expected an int in [{-x.ndim}, {x.ndim}))"
        )


# ---------------------------------------------------- unvalidated kernels shared with losses.py


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Two branches so that exp never sees a positive argument: z = exp(-|x|) lies in (0, 1].
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _sigmoid_grad(x: np.ndarray) -> np.ndarray:
    # s(1 - s) = s(x) s(-x) = z / (1 + z)^2 with z = exp(-|x|): no cancellation for large |x|.
    z = np.exp(-np.abs(x))
    return z / (1 + z) ** 2


def _elu(x: np.ndarray, alpha: float) -> np.ndarray:
    # min(x, 0) keeps exp away from overflow on the branch np.where discards.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_grad(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))


def _max_keepdims(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.max(axis=axis, keepdims=True)``, faster for a batch of short rows (logits of a few classes).

    NumPy reduces short contiguous rows one by one (10 classes, 256 rows: ~19 us); reducing a
    contiguous copy of ``x.T`` along its first axis runs over whole rows at once (~3 us). A max is
    exact, so both give the same array.
    """
    if x.ndim == 2 and axis in (1, -1) and x.shape[1] <= 32:
        return np.ascontiguousarray(x.T).max(axis=0)[:, None]
    return x.max(axis=axis, keepdims=True)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - _max_keepdims(x, axis))  # shift by the max: every exponent <= 0
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - _max_keepdims(x, axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# ---------------------------------------------------------------------------------- identity


def identity(x) -> np.ndarray:
    """Identity (linear) activation, f(x) = x. Returns a copy, never ``x`` itself.

    Shapes: any -> same.

    >>> identity([1, -2])
    array([ 1., -2.])
    """
    return _input(x, "identity").copy()


def identity_backward(dout, x) -> np.ndarray:
    """f'(x) = 1, so dL/dx = dout (a copy). Shapes: dout and x alike -> same.

    >>> identity_backward([0.5, 2.0], [1.0, -2.0])
    array([0.5, 2. ])
    """
    dout, x = _grad_inputs(dout, x, "identity_backward")
    return np.array(dout, copy=True)


linear, linear_backward = identity, identity_backward  # the Keras name


# ----------------------------------------------------------------------------------- sigmoid


@_underflow_ok
def sigmoid(x) -> np.ndarray:
    """Logistic sigmoid, s(x) = 1 / (1 + e^{-x}), in (0, 1).

    Computed as 1/(1+z) for x >= 0 and z/(1+z) for x < 0, with z = e^{-|x|}, so it never
    overflows. Shapes: any -> same.

    >>> sigmoid([0.0, 1e4, -1e4])
    array([0.5, 1. , 0. ])
    """
    return _sigmoid(_input(x, "sigmoid"))


@_underflow_ok
def sigmoid_backward(dout, x) -> np.ndarray:
    """dL/dx = dout * s(x)(1 - s(x)).

    s(1 - s) = s(x) s(-x) = z/(1+z)^2 with z = e^{-|x|}; this form keeps full relative precision
    in the tails, where 1 - s(x) would cancel. Shapes: dout and x alike -> same.

    >>> sigmoid_backward([1.0], [0.0])
    array([0.25])
    """
    dout, x = _grad_inputs(dout, x, "sigmoid_backward")
    return dout * _sigmoid_grad(x)


# -------------------------------------------------------------------------------------- tanh


@_underflow_ok
def tanh(x) -> np.ndarray:
    """Hyperbolic tangent, tanh(x) = (e^x - e^{-x}) / (e^x + e^{-x}), in (-1, 1).

    ``np.tanh`` is already stable for large |x|. Shapes: any -> same.

    >>> tanh([0.0, 1e4])
    array([0., 1.])
    """
    return np.tanh(_input(x, "tanh"))


@_underflow_ok
def tanh_backward(dout, x) -> np.ndarray:
    """dL/dx = dout * (1 - tanh(x)^2) = dout * sech(x)^2.

    Computed as 4z/(1+z)^2 with z = e^{-2|x|} (equal to 1 - tanh^2, without its cancellation
    for large |x|). Shapes: dout and x alike -> same.

    >>> tanh_backward([2.0], [0.0])
    array([2.])
    """
    dout, x = _grad_inputs(dout, x, "tanh_backward")
    z = np.exp(-2 * np.abs(x))
    return dout * (4 * z / (1 + z) ** 2)


# -------------------------------------------------------------------------------------- relu


def relu(x) -> np.ndarray:
    """Rectified linear unit, relu(x) = max(0, x). Shapes: any -> same.

    >>> relu([-1.0, 0.0, 2.0])
    array([0., 0., 2.])
    """
    return np.maximum(_input(x, "relu"), 0)


def relu_backward(dout, x) -> np.ndarray:
    """dL/dx = dout * [x > 0]; relu'(0) = 0 as in PyTorch (the notes' table uses 1).

    Shapes: dout and x alike -> same.

    >>> relu_backward([1.0, 1.0, 1.0], [-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    """
    dout, x = _grad_inputs(dout, x, "relu_backward")
    return dout * (x > 0)


# -------------------------------------------------------------------------------- leaky relu


@_underflow_ok
def leaky_relu(x, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU, f(x) = x for x > 0 and alpha * x otherwise (torch's ``negative_slope``).

    Shapes: any -> same.

    >>> leaky_relu([-2.0, 3.0], alpha=0.1)
    array([-0.2,  3. ])
    """
    x = _input(x, "leaky_relu")
    return np.where(x > 0, x, float(alpha) * x)


@_underflow_ok
def leaky_relu_backward(dout, x, alpha: float = 0.01) -> np.ndarray:
    """dL/dx = dout for x > 0, alpha * dout otherwise; f'(0) = alpha as in PyTorch.

    Shapes: dout and x alike -> same.

    >>> leaky_relu_backward([1.0, 1.0, 1.0], [-2.0, 0.0, 3.0], alpha=0.1)
    array([0.1, 0.1, 1. ])
    """
    dout, x = _grad_inputs(dout, x, "leaky_relu_backward")
    return np.where(x > 0, dout, float(alpha) * dout)


# --------------------------------------------------------------------------------- elu, selu


@_underflow_ok
def elu(x, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit, f(x) = x for x > 0 and alpha * (e^x - 1) otherwise.

    Uses ``expm1`` (accurate for small |x|, like torch). Shapes: any -> same.

    >>> elu([0.0, 2.0])
    array([0., 2.])
    """
    return _elu(_input(x, "elu"), float(alpha))


@_underflow_ok
def elu_backward(dout, x, alpha: float = 1.0) -> np.ndarray:
    """dL/dx = dout for x > 0, dout * alpha * e^x otherwise; f'(0) = alpha as in PyTorch.

    Shapes: dout and x alike -> same.

    >>> elu_backward([1.0, 1.0], [0.0, 2.0], alpha=0.5)
    array([0.5, 1. ])
    """
    dout, x = _grad_inputs(dout, x, "elu_backward")
    return dout * _elu_grad(x, float(alpha))


@_underflow_ok
def selu(x) -> np.ndarray:
    """Scaled ELU, f(x) = scale * elu(x, alpha), with scale ~ 1.0507 and alpha ~ 1.6733.

    The constants make zero-mean, unit-variance activations a fixed point (Klambauer et al. 2017).
    Shapes: any -> same.

    >>> selu([0.0])
    array([0.])
    """
    return SELU_SCALE * _elu(_input(x, "selu"), SELU_ALPHA)


@_underflow_ok
def selu_backward(dout, x) -> np.ndarray:
    """dL/dx = dout * scale * (1 if x > 0 else alpha * e^x); f'(0) = scale * alpha as in PyTorch.

    Shapes: dout and x alike -> same.

    >>> selu_backward([1.0], [1.0])
    array([1.05070099])
    """
    dout, x = _grad_inputs(dout, x, "selu_backward")
    return dout * (SELU_SCALE * _elu_grad(x, SELU_ALPHA))


# ---------------------------------------------------------------------------------- softplus


@_underflow_ok
def softplus(x) -> np.ndarray:
    """Softplus, f(x) = log(1 + e^x), a smooth ReLU. Computed as ``logaddexp(0, x)``.

    Differs from torch's ``F.softplus`` by design: torch returns x itself when x > 20 (its
    ``threshold``), an error of at most e^{-20} ~ 2e-9; this function is exact there.
    Shapes: any -> same.

    >>> softplus([0.0, 1e4])
    array([6.93147181e-01, 1.00000000e+04])
    """
    return np.logaddexp(0, _input(x, "softplus"))


@_underflow_ok
def softplus_backward(dout, x) -> np.ndarray:
    """dL/dx = dout * sigmoid(x) (torch uses exactly 1 for x > 20, see ``softplus``).

    Shapes: dout and x alike -> same.

    >>> softplus_backward([2.0], [0.0])
    array([1.])
    """
    dout, x = _grad_inputs(dout, x, "softplus_backward")
    return dout * _sigmoid(x)


# ----------------------------------------------------------------------------- swish (SiLU)


@_underflow_ok
def swish(x, beta: float = 1.0) -> np.ndarray:
    """Swish, f(x) = x * sigmoid(beta * x); beta = 1 is torch's ``F.silu``.

    Shapes: any -> same.

    >>> swish([0.0, 1e4])
    array([    0., 10000.])
    """
    x = _input(x, "swish")
    return x * _sigmoid(float(beta) * x)


@_underflow_ok
def swish_backward(dout, x, beta: float = 1.0) -> np.ndarray:
    """dL/dx = dout * (s + beta x s(1 - s)), s = sigmoid(beta x).

    Equivalently beta f(x) + s(1 - beta f(x)), the form in the notes' table.
    Shapes: dout and x alike -> same.

    >>> swish_backward([1.0], [0.0])
    array([0.5])
    """
    dout, x = _grad_inputs(dout, x, "swish_backward")
    bx = float(beta) * x
    return dout * (_sigmoid(bx) + bx * _sigmoid_grad(bx))


# -------------------------------------------------------------------------------------- gelu


@_underflow_ok
def gelu(x) -> np.ndarray:
    """Gaussian error linear unit (exact form, torch's default ``approximate='none'``).

    f(x) = x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2.
    The erfc form keeps full relative precision for x < -3, where 1 + erf cancels (torch's
    float64 ``gelu(-10)`` is exactly 0; the true value is -7.6e-23). Shapes: any -> same.

    >>> gelu([0.0, 1.0, -10.0])
    array([ 0.00000000e+00,  8.41344746e-01, -7.61985302e-23])
    """
    x = _input(x, "gelu")
    return 0.5 * x * erfc(-_SQRT1_2 * x)


@_underflow_ok
def gelu_backward(dout, x) -> np.ndarray:
    """dL/dx = dout * (Phi(x) + x phi(x)), phi(x) = e^{-x^2/2} / sqrt(2 pi).

    Shapes: dout and x alike -> same.

    >>> gelu_backward([1.0], [0.0])
    array([0.5])
    """
    dout, x = _grad_inputs(dout, x, "gelu_backward")
    return dout * (0.5 * erfc(-_SQRT1_2 * x) + _INV_SQRT_2PI * x * np.exp(-0.5 * x * x))


# ------------------------------------------------------------------------ softmax, log_softmax


@_underflow_ok
def softmax(x, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, s_i = e^{x_i} / sum_j e^{x_j}.

    The max along ``axis`` is subtracted first (s is unchanged, every exponent is <= 0), so
    logits of 1e4 are fine. Shapes: (..., C) -> same; each slice along ``axis`` sums to 1.

    >>> softmax([[0.0, 0.0], [1e4, 0.0]])
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    x = _input(x, "softmax")
    _check_axis(x, axis, "softmax")
    e = np.exp(x - _max_keepdims(x, axis))  # shift by the max: every exponent <= 0
    return e / e.sum(axis=axis, keepdims=True)


@_underflow_ok
def softmax_backward(dout, x, axis: int = -1) -> np.ndarray:
    """VJP of softmax: dL/dx_i = s_i (dout_i - sum_j dout_j s_j).

    This is J^T dout with the Jacobian ds_i/dx_j = s_i ([i = j] - s_j), without forming J.
    Shapes: dout and x alike -> same.

    >>> softmax_backward([[1.0, 1.0]], [[0.3, -0.2]])  # a constant dout changes nothing
    array([[0., 0.]])
    """
    dout, x = _grad_inputs(dout, x, "softmax_backward")
    _check_axis(x, axis, "softmax_backward")
    s = _softmax(x, axis)
    return s * (dout - (dout * s).sum(axis=axis, keepdims=True))


@_underflow_ok
def log_softmax(x, axis: int = -1) -> np.ndarray:
    """Log-softmax along ``axis``: x_i - m - log sum_j e^{x_j - m}, m = max_j x_j.

    Finite even where softmax underflows to 0. Shapes: (..., C) -> same.

    >>> log_softmax([[0.0, 0.0]])
    array([[-0.69314718, -0.69314718]])
    """
    x = _input(x, "log_softmax")
    _check_axis(x, axis, "log_softmax")
    return _log_softmax(x, axis)


@_underflow_ok
def log_softmax_backward(dout, x, axis: int = -1) -> np.ndarray:
    """VJP of log-softmax: dL/dx_i = dout_i - s_i sum_j dout_j, s = softmax(x).

    Shapes: dout and x alike -> same.

    >>> log_softmax_backward([[1.0, 0.0]], [[0.0, 0.0]])
    array([[ 0.5, -0.5]])
    """
    dout, x = _grad_inputs(dout, x, "log_softmax_backward")
    _check_axis(x, axis, "log_softmax_backward")
    return dout - _softmax(x, axis) * dout.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------- registry

ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    f.__name__: (f, b)
    for f, b in [
        (identity, identity_backward),
        (sigmoid, sigmoid_backward),
        (tanh, tanh_backward),
        (relu, relu_backward),
        (leaky_relu, leaky_relu_backward),
        (elu, elu_backward),
        (selu, selu_backward),
        (softplus, softplus_backward),
        (swish, swish_backward),
        (gelu, gelu_backward),
        (softmax, softmax_backward),
        (log_softmax, log_softmax_backward),
    ]
}
ACTIVATIONS["linear"] = ACTIVATIONS["identity"]  # Keras
ACTIVATIONS["silu"] = ACTIVATIONS["swish"]  # PyTorch


def get_activation(name: str | None) -> tuple[Callable, Callable]:
    """Look up ``(forward, backward)`` by name, e.g. for ``Dense(10, activation="relu")``.

    Names are case-insensitive; ``None`` means identity (as in Keras). The forward takes
    ``x`` (plus optional hyper-parameters) and the backward ``(dout, x)``.

    >>> get_activation("relu") == (relu, relu_backward)
    True
    """
    if name is None:
        return ACTIVATIONS["identity"]
    return lookup_name(ACTIVATIONS, name, "activation", "get_activation")
