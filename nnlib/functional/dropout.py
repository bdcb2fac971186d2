"""Inverted dropout. Book chapter 12.

``p`` is the probability of *dropping* a unit (PyTorch's convention; some notes use the keep
probability instead). At training time each unit is kept with probability ``1 - p`` and the kept
ones are scaled by ``1 / (1 - p)``::

    mask = rng.random(x.shape) >= p          (True = keep)
    out  = x * mask / (1 - p)                E[out] = x

so nothing has to change at test time (the layer is the identity in inference mode). The backward
pass is the same elementwise scaling: ``dx = dout * mask / (1 - p)``. Randomness comes in through
``rng`` and the mask is returned, so a forward/backward pair (and a grader) can reuse it.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_rng, check_probability, check_same_shape

__all__ = ["dropout_forward", "dropout_backward"]


def _scale(mask: np.ndarray, p: float, dtype) -> np.ndarray:
    """mask / (1 - p) in ``dtype``; p is a Python float, so float32 stays float32 (NEP 50)."""
    return mask.astype(dtype) / (1.0 - p)


def dropout_forward(x, p, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout: ``out = x * mask / (1 - p)`` with ``mask = rng.random(x.shape) >= p``.

    ``p`` in [0, 1) is the drop probability. ``p = 0`` returns a copy of x (and an all-True mask)
    without consuming random numbers. Shapes: x (any) -> out (same), mask (same, bool).

    >>> out, mask = dropout_forward(np.array([1.0, 2.0, 3.0, 4.0]), 0.5, np.random.default_rng(1))
    >>> out, mask
    (array([2., 4., 0., 8.]), array([ True,  True, False,  True]))
    """
    fn = "dropout_forward"
    x = as_float_array(x, fn, "x")
    check_probability(p, fn, "p (the drop probability)")
    rng = as_rng(rng, fn, int_seed=False)
    p = float(p)
    if p == 0.0:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) >= p
    return x * _scale(mask, p, x.dtype), mask


def dropout_backward(dout, mask, p) -> np.ndarray:
    """Gradient of :func:`dropout_forward`: ``dx = dout * mask / (1 - p)`` (dropped units get 0).

    ``mask`` is the keep mask returned by the forward pass (bool; a 0/1 array is accepted).
    Shapes: dout (any), mask (same) -> dx (same).

    >>> dropout_backward(np.ones(3), np.array([True, False, True]), 0.5)
    array([2., 0., 2.])
    """
    fn = "dropout_backward"
    dout = as_float_array(dout, fn, "dout")
    mask = np.asarray(mask)
    check_same_shape(dout, mask, fn, "dout", "mask")
    check_probability(p, fn, "p (the drop probability)")
    return dout * _scale(mask != 0, float(p), dout.dtype)
