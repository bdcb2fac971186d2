"""2-D convolution (cross-correlation, as in every deep-learning library), NCHW. Book chapter 14.

For an input ``x`` of shape ``(N, C, H, W)`` zero-padded by ``pad`` and a kernel ``w`` of shape
``(F, C, kh, kw)``::

    out[n, f, i, j] = b[f] + sum_{c, p, q} xp[n, c, i*sh + p, j*sw + q] * w[f, c, p, q]
    H_out = (H + 2*ph - kh) // sh + 1,   W_out = (W + 2*pw - kw) // sw + 1

The forward pass is *im2col*: a strided view of every (kh, kw) window, shape
``(N, C, H_out, W_out, kh, kw)``, laid out as a matrix with one row per output pixel,
``(N*H_out*W_out, C*kh*kw)``, and multiplied by ``w`` flattened to ``(F, C*kh*kw)``: a
convolution is one matrix product. The backward pass is the same product read the other way round:

    db[f]          = sum_{n, i, j} dout[n, f, i, j]
    dw[f, c, p, q] = sum_{n, i, j} dout[n, f, i, j] * xp[n, c, i*sh + p, j*sw + q]
    dxp[n, c, i*sh + p, j*sw + q] += sum_f dout[n, f, i, j] * w[f, c, p, q]     (col2im)

col2im loops over the kh*kw kernel offsets only; each step is one vectorised strided add, and
overlapping windows (stride < kernel) accumulate as they must. The window helpers here are shared
with :mod:`.pooling`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._validate import as_float_array, check_ndim, check_shape

__all__ = ["conv2d_forward", "conv2d_backward", "conv2d_output_shape"]

_NCHW = "(N, C, H, W)"


def _pair(value, fn: str, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints (rows, cols), each >= ``minimum``, as a tuple of two ints."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    ok = len(pair) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair
    )
    if not ok or min(pair) < minimum:
        raise ValueError(
            f"{fn}: expected {name} to be an int >= {minimum} or a pair of them, got {value!r}"
        )
    return int(pair[0]), int(pair[1])


def _output_hw(
    fn: str, x_shape: tuple, kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> tuple[int, int]:
    """(H_out, W_out) of a sliding window, with a clear error when the window does not fit."""
    padded = (x_shape[2] + 2 * pad[0], x_shape[3] + 2 * pad[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        where = (
            f"the padded input {padded} (H + 2*pad, W + 2*pad; pad={pad})"
            if any(pad)
            else f"the input {padded}"
        )
        raise ValueError(
            f"{fn}: window {tuple(kernel)} is larger than {where}, x of shape {tuple(x_shape)}"
        )
    return ((padded[0] - kernel[0]) // stride[0] + 1, (padded[1] - kernel[1]) // stride[1] + 1)


def _windows(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Read-only strided view of the windows of ``x`` (N, C, H, W): shape (N, C, H_out, W_out, kh, kw)."""
    return sliding_window_view(x, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def _im2col(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """The windows as one matrix, a row per output pixel: (N*H_out*W_out, C*kh*kw), contiguous."""
    cols = _windows(xp, kernel, stride)
    n, c, h_out, w_out, kh, kw = cols.shape
    return cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, c * kh * kw)


def _col2im(dcols: np.ndarray, hw: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Adjoint of :func:`_windows`: add every window's gradient (N, C, H_out, W_out, kh, kw) back in place."""
    n, c, h_out, w_out, kh, kw = dcols.shape
    dcols = np.ascontiguousarray(
        dcols.transpose(4, 5, 0, 1, 2, 3)
    )  # one contiguous slab per offset
    dx = np.zeros((n, c) + tuple(hw), dtype=dcols.dtype)
    for p in range(kh):
        for q in range(kw):
            dx[
                :,
                :,
                p : p + stride[0] * (h_out - 1) + 1 : stride[0],
                q : q + stride[1] * (w_out - 1) + 1 : stride[1],
            ] += dcols[p, q]
    return dx


def _pad(x: np.ndarray, pad: tuple[int, int]) -> np.ndarray:
    if pad == (0, 0):
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))


def _check_conv(fn: str, x, w, stride, pad):
    """Validate the shared arguments; return float arrays, (sh, sw), (ph, pw) and (H_out, W_out)."""
    x = as_float_array(x, fn, "x")
    w = as_float_array(w, fn, "w")
    check_ndim(x, 4, fn, "x", _NCHW)
    check_ndim(w, 4, fn, "w", "(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"{fn}: expected w of shape (F, {x.shape[1]}, kh, kw) (in_channels = x.shape[1] = {x.shape[1]}), "
            f"got {tuple(w.shape)}"
        )
    stride = _pair(stride, fn, "stride", 1)
    pad = _pair(pad, fn, "pad", 0)
    out_hw = _output_hw(fn, x.shape, w.shape[2:], stride, pad)
    return x, w, stride, pad, out_hw


def conv2d_output_shape(x_shape, w_shape, stride=1, pad=0) -> tuple[int, int, int, int]:
    """Shape ``(N, F, H_out, W_out)`` of :func:`conv2d_forward`, with ``H_out = (H + 2 pad - kh) // stride + 1``.

    >>> conv2d_output_shape((2, 1, 8, 8), (4, 1, 3, 3), stride=1, pad=1)
    (2, 4, 8, 8)
    """
    fn = "conv2d_output_shape"
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(
            f"{fn}: expected x of shape {_NCHW} and w of shape (F, C, kh, kw), "
            f"got {tuple(x_shape)} and {tuple(w_shape)}"
        )
    h_out, w_out = _output_hw(
        fn,
        tuple(x_shape),
        tuple(w_shape[2:]),
        _pair(stride, fn, "stride", 1),
        _pair(pad, fn, "pad", 0),
    )
    return (x_shape[0], w_shape[0], h_out, w_out)


def conv2d_forward(x, w, b, stride=1, pad=0) -> np.ndarray:
    """2-D convolution (cross-correlation, like ``torch.nn.functional.conv2d``) with zero padding.

    out[n, f, i, j] = b[f] + sum_{c,p,q} xp[n, c, i*stride + p, j*stride + q] * w[f, c, p, q]

    Shapes: x (N, C, H, W), w (F, C, kh, kw), b (F,) -> out (N, F, H_out, W_out) with
    H_out = (H + 2 pad - kh) // stride + 1 (likewise W_out). ``stride`` and ``pad`` are an int or a
    pair (rows, cols).

    >>> conv2d_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.zeros(1))
    array([[[[4., 4.],
             [4., 4.]]]])
    """
    fn = "conv2d_forward"
    x, w, stride, pad, out_hw = _check_conv(fn, x, w, stride, pad)
    b = as_float_array(b, fn, "b")
    check_shape(b, (w.shape[0],), fn, "b", "out_channels = w.shape[0]")
    n, (h_out, w_out) = x.shape[0], out_hw
    out = (
        _im2col(_pad(x, pad), w.shape[2:], stride) @ w.reshape(w.shape[0], -1).T + b
    )  # (N*Ho*Wo, F)
    return np.ascontiguousarray(out.reshape(n, h_out, w_out, -1).transpose(0, 3, 1, 2))


def conv2d_backward(dout, x, w, stride=1, pad=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d_forward`: ``(dx, dw, db)`` with the shapes of x, w and b.

    db[f] = sum_{n,i,j} dout[n,f,i,j]
    dw[f,c,p,q] = sum_{n,i,j} dout[n,f,i,j] * xp[n, c, i*stride + p, j*stride + q]
    dx = the padding cropped from dxp, dxp[n, c, i*stride + p, j*stride + q] += sum_f dout[n,f,i,j] w[f,c,p,q]

    Shapes: dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, kh, kw).

    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    fn = "conv2d_backward"
    x, w, stride, pad, out_hw = _check_conv(fn, x, w, stride, pad)
    dout = as_float_array(dout, fn, "dout")
    check_shape(
        dout, (x.shape[0], w.shape[0]) + out_hw, fn, "dout", "the shape of conv2d_forward's output"
    )
    xp = _pad(x, pad)
    dout_mat = dout.transpose(0, 2, 3, 1).reshape(-1, w.shape[0])  # (N*Ho*Wo, F)
    dw = (dout_mat.T @ _im2col(xp, w.shape[2:], stride)).reshape(w.shape)
    dcols = (dout_mat @ w.reshape(w.shape[0], -1)).reshape(x.shape[:1] + out_hw + w.shape[1:])
    dxp = _col2im(dcols.transpose(0, 3, 1, 2, 4, 5), xp.shape[2:], stride)
    db = dout.sum(axis=(0, 2, 3))
    dx = np.ascontiguousarray(dxp[:, :, pad[0] : pad[0] + x.shape[2], pad[1] : pad[1] + x.shape[3]])
    return dx, dw, db
