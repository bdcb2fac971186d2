"""Max and average pooling over (size x size) windows, NCHW, no padding. Book chapter 14.

Both reuse the strided window view of :mod:`.conv`: ``windows`` has shape
``(N, C, H_out, W_out, kh, kw)`` with ``H_out = (H - kh) // stride + 1``::

    maxpool: out[n, c, i, j] = max_{p,q}  x[n, c, i*stride + p, j*stride + q]
    avgpool: out[n, c, i, j] = mean_{p,q} x[n, c, i*stride + p, j*stride + q]

Backward: average pooling spreads ``dout / (kh*kw)`` evenly over its window; max pooling sends all
of ``dout`` to the one input that won the max. When several inputs tie, PyTorch's CPU kernel picks
the *first* in row-major order within the window (``np.argmax`` does the same), so the sub-gradient
matches ``torch.nn.functional.max_pool2d``. When windows overlap (stride < size) one input can
receive gradient from several windows; the contributions add up.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_ndim, check_shape
from .conv import _NCHW, _col2im, _output_hw, _pair, _windows

__all__ = ["maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward"]


def _check_pool(fn: str, x, size, stride):
    """Validate x, size and stride; return x as floats, (kh, kw), (sh, sw) and (H_out, W_out)."""
    x = as_float_array(x, fn, "x")
    check_ndim(x, 4, fn, "x", _NCHW)
    kernel = _pair(size, fn, "size", 1)
    stride = _pair(stride, fn, "stride", 1)
    return x, kernel, stride, _output_hw(fn, x.shape, kernel, stride, (0, 0))


def _check_dout(fn: str, dout, x: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    dout = as_float_array(dout, fn, "dout")
    check_shape(dout, x.shape[:2] + out_hw, fn, "dout", "the shape of the pooled output")
    return dout


def maxpool2d_forward(x, size=2, stride=2) -> np.ndarray:
    """Max pooling: out[n, c, i, j] = max over the (size x size) window at (i*stride, j*stride).

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - size) // stride + 1. ``size`` and
    ``stride`` are an int or a pair (rows, cols). Like ``torch.nn.functional.max_pool2d(x, size, stride)``.

    >>> maxpool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    x, kernel, stride, _ = _check_pool("maxpool2d_forward", x, size, stride)
    return _windows(x, kernel, stride).max(axis=(4, 5))


def maxpool2d_backward(dout, x, size=2, stride=2) -> np.ndarray:
    """Gradient of :func:`maxpool2d_forward` w.r.t. x: each window's ``dout`` goes to its arg-max.

    Ties go to the first maximum in row-major order within the window, as in PyTorch; overlapping
    windows accumulate. Shapes: dout (N, C, H_out, W_out), x (N, C, H, W) -> dx (N, C, H, W).

    >>> maxpool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[1.0, 3.0], [3.0, 0.0]]]]))
    array([[[[0., 1.],
             [0., 0.]]]])
    """
    fn = "maxpool2d_backward"
    x, kernel, stride, out_hw = _check_pool(fn, x, size, stride)
    dout = _check_dout(fn, dout, x, out_hw)
    flat = _windows(x, kernel, stride).reshape(
        x.shape[:2] + out_hw + (-1,)
    )  # (N, C, Ho, Wo, kh*kw)
    winner = flat.argmax(axis=-1)[..., None]  # first max wins ties
    dflat = np.zeros(flat.shape, dtype=np.result_type(x, dout))
    np.put_along_axis(dflat, winner, dout[..., None], axis=-1)
    return _col2im(dflat.reshape(flat.shape[:-1] + kernel), x.shape[2:], stride)


def avgpool2d_forward(x, size=2, stride=2) -> np.ndarray:
    """Average pooling: out[n, c, i, j] = mean over the (size x size) window at (i*stride, j*stride).

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - size) // stride + 1. Like
    ``torch.nn.functional.avg_pool2d(x, size, stride)`` (no padding, so ``count_include_pad`` is moot).

    >>> avgpool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    x, kernel, stride, _ = _check_pool("avgpool2d_forward", x, size, stride)
    return _windows(x, kernel, stride).mean(axis=(4, 5))


def avgpool2d_backward(dout, x, size=2, stride=2) -> np.ndarray:
    """Gradient of :func:`avgpool2d_forward` w.r.t. x: every input of a window gets dout / (kh*kw).

    Overlapping windows accumulate. Shapes: dout (N, C, H_out, W_out), x (N, C, H, W) -> dx (N, C, H, W).

    >>> avgpool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)))
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """
    fn = "avgpool2d_backward"
    x, kernel, stride, out_hw = _check_pool(fn, x, size, stride)
    dout = _check_dout(fn, dout, x, out_hw)
    share = (dout / (kernel[0] * kernel[1])).astype(np.result_type(x, dout), copy=False)
    return _col2im(
        np.broadcast_to(share[..., None, None], share.shape + kernel), x.shape[2:], stride
    )
