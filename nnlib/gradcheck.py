"""Gradient checking: compare an analytic gradient with a centred finite difference.

The centred difference has error O(h^2) instead of O(h) for the one-sided one:

    df/dx_i ~= (f(x + h e_i) - f(x - h e_i)) / (2h)

In float64 with h = 1e-5 a correct backward pass agrees to a relative error around 1e-9 or
better; a wrong one is usually off by 1e-2 or more. The book introduces this in chapter 6.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import as_float_array


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at ``x`` (any shape).

    ``x`` is perturbed in place and restored, so ``f`` may close over it.

    >>> numerical_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    x = as_float_array(x, "numerical_gradient", "x")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i].item()
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` w.r.t. ``x``: the vector-Jacobian product a backward pass returns.

    >>> numerical_gradient_array(np.tanh, np.zeros(2), np.ones(2))
    array([1., 1.])
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(
        lambda v: float(np.sum(np.asarray(f(v), dtype=np.float64) * dout)), x, h
    )


def rel_error(a, b, eps: float = 1e-12) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, eps)``.

    >>> rel_error(np.array([1.0]), np.array([1.0 + 1e-9]))  # doctest: +ELLIPSIS
    5.0...e-10
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error: expected arrays of the same shape, got {a.shape} and {b.shape}"
        )
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def check_layer(
    layer, x: np.ndarray, rng: np.random.Generator | None = None, h: float = 1e-5
) -> dict[str, float]:
    """Gradient-check a layer object (``forward(x, training)``, ``backward(dout)``, ``params``, ``grads``).

    Uses a random upstream gradient so that every output element matters. Returns the relative
    error for ``x`` and for every parameter, e.g. ``{"x": 3e-10, "W": 1e-10, "b": 8e-12}``.
    Layers with randomness (dropout) must reuse their mask across the calls, which
    ``training=True`` layers do when given a fixed ``rng``; pass ``training`` deterministic layers only.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x, training=True)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{k: np.array(v, copy=True) for k, v in layer.grads.items()}}

    def loss(_perturbed: np.ndarray) -> float:
        # numerical_gradient perturbs x or a parameter in place, so forward sees the change.
        return float(np.sum(layer.forward(x, training=True) * dout))

    errors = {"x": rel_error(analytic["x"], numerical_gradient(loss, x, h))}
    for name, param in layer.params.items():
        errors[name] = rel_error(analytic[name], numerical_gradient(loss, param, h))
    return errors
