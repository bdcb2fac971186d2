"""The fully connected (dense, affine) layer: ``out = x W + b``. Book chapters 5-6.

``W`` has shape ``(D_in, D_out)``, so a batch is one matrix product. (PyTorch's ``nn.Linear``
stores the transpose, ``(D_out, D_in)``, and computes ``x W^T + b``: same maths.)

Backward, for an upstream gradient ``dout = dL/dout`` of shape ``(N, D_out)``:

    dx = dout W^T     (N, D_in)
    dW = x^T dout     (D_in, D_out)    the sum over the batch of the outer products x_n dout_n^T
    db = sum_n dout_n (D_out,)         b is broadcast over the batch, so its gradient is summed
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_ndim, check_shape

__all__ = ["dense_forward", "dense_backward"]


def _check_xw(fn: str, x, W) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, fn, "x")
    W = as_float_array(W, fn, "W")
    # Direct comparisons on the hot path; the helpers build the message only when one fails.
    if x.ndim != 2 or W.ndim != 2 or W.shape[0] != x.shape[1]:
        check_ndim(x, 2, fn, "x", "(N, D_in)")
        check_ndim(W, 2, fn, "W", "(D_in, D_out)")
        check_shape(W, (x.shape[1], W.shape[1]), fn, "W", "D_in = x.shape[1]")
    return x, W


def dense_forward(x, W, b) -> np.ndarray:
    """Affine map ``out = x @ W + b``.

    Shapes: x (N, D_in), W (D_in, D_out), b (D_out,) -> out (N, D_out).

    >>> dense_forward(np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]]), np.array([0.5]))
    array([[3.5]])
    """
    fn = "dense_forward"
    x, W = _check_xw(fn, x, W)
    b = as_float_array(b, fn, "b")
    if b.shape != W.shape[1:]:
        check_shape(b, (W.shape[1],), fn, "b", "D_out = W.shape[1]")
    out = x @ W
    if b.dtype.itemsize > out.dtype.itemsize:  # float64 b with float32 x, W: the sum is float64
        return out + b
    out += b  # in place: out is a fresh array, so no input is touched
    return out


def dense_backward(dout, x, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`dense_forward`: ``dx = dout @ W.T``, ``dW = x.T @ dout``, ``db = dout.sum(0)``.

    Shapes: dout (N, D_out), x (N, D_in), W (D_in, D_out) -> dx (N, D_in), dW (D_in, D_out), db (D_out,).

    >>> dx, dW, db = dense_backward(np.ones((2, 1)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 1)))
    >>> dW.ravel(), db
    (array([4., 6.]), array([2.]))
    """
    fn = "dense_backward"
    x, W = _check_xw(fn, x, W)
    dout = as_float_array(dout, fn, "dout")
    if dout.shape != (x.shape[0], W.shape[1]):
        check_shape(
            dout,
            (x.shape[0], W.shape[1]),
            fn,
            "dout",
            "(N, D_out), the shape of dense_forward's output",
        )
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
