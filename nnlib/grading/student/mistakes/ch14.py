"""Chapter 14, convolution and pooling: the mistakes students make in the output size, the forward
and backward convolution, max and average pooling and the max-pool backward pass.

Each function below is the worksheet's function with one real bug (see the package docstring).
Images are NCHW: ``x`` (N, C, H, W), kernels ``w`` (F, C, kh, kw).
"""

import numpy as np

from . import mistake

KERNELS = "Kernels as feature detectors"
CORRELATION = "Cross-correlation or convolution?"
SIZE = "Stride, padding and the output size"
POOLING = "Pooling"
BACKWARD = "The backward pass is a convolution too"


def _size(n, k, stride=1, pad=0):
    """The right output length, ``(n + 2 pad - k) // stride + 1``."""
    return (n + 2 * pad - k) // stride + 1


# ----------------------------------------------------------------------------- conv_output_size


@mistake(
    "conv_output_size",
    "output size without the + 1",
    "(n + 2p - k) // s counts the steps between the first and the last window; the number of "
    "windows is one more, (n + 2p - k) // s + 1",
    section=SIZE,
)
def size_no_plus_one(n, k, stride=1, pad=0):
    return (n + 2 * pad - k) // stride


@mistake(
    "conv_output_size",
    "padding counted once",
    "pad zeros are added on both sides, so the padded length is n + 2 pad, not n + pad",
    section=SIZE,
)
def size_pad_once(n, k, stride=1, pad=0):
    return (n + pad - k) // stride + 1


@mistake(
    "conv_output_size",
    "padding left out",
    "the window slides over the padded input, of length n + 2 pad; (n - k) // s + 1 is the "
    "size without padding",
    section=SIZE,
)
def size_no_padding(n, k, stride=1, pad=0):
    return (n - k) // stride + 1


@mistake(
    "conv_output_size",
    "true division / instead of //",
    "(n + 2p - k) / s is a float (3.5 windows when s does not divide); the number of windows "
    "is an int and needs the floor, //",
    section=SIZE,
)
def size_true_division(n, k, stride=1, pad=0):
    return (n + 2 * pad - k) / stride + 1


@mistake(
    "conv_output_size",
    "rounding up instead of down",
    "when the stride does not divide n + 2p - k, the last partial window does not fit and is "
    "dropped: take the floor, not the ceiling",
    section=SIZE,
)
def size_ceil(n, k, stride=1, pad=0):
    return -(-(n + 2 * pad - k) // stride) + 1


# ----------------------------------------------------------------------------- conv2d_forward


def _correlate(xp, w, out_hw, step):
    """sum over c, p, q of xp[n, c, i*step + p, j*step + q] * w[f, c, p, q]: (N, F, H_out, W_out)."""
    h_out, w_out = out_hw
    out = np.zeros((xp.shape[0], w.shape[0], h_out, w_out))
    for p in range(w.shape[2]):
        for q in range(w.shape[3]):
            patch = xp[
                :, :, p : p + step * (h_out - 1) + 1 : step, q : q + step * (w_out - 1) + 1 : step
            ]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])
    return out


def _conv(x, w, b, stride, pad, *, step=None):
    """The right convolution, except that the windows may move ``step`` apart instead of ``stride``."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_hw = (
        _size(x.shape[2], w.shape[2], stride, pad),
        _size(x.shape[3], w.shape[3], stride, pad),
    )
    return _correlate(xp, w, out_hw, stride if step is None else step) + b[None, :, None, None]


@mistake(
    "conv2d_forward",
    "kernel flipped (a true convolution)",
    "deep-learning libraries compute a cross-correlation: the kernel is not flipped. Your "
    "w[:, :, ::-1, ::-1] (or scipy's convolve2d) matches only symmetric kernels",
    section=CORRELATION,
)
def conv_flipped(x, w, b, stride=1, pad=0):
    return _conv(x, w[:, :, ::-1, ::-1], b, stride, pad)


@mistake(
    "conv2d_forward",
    "bias left out",
    "every filter f has one bias b[f], added at every position of its output map",
    section=KERNELS,
)
def conv_no_bias(x, w, b, stride=1, pad=0):
    return _conv(x, w, np.zeros_like(b), stride, pad)


@mistake(
    "conv2d_forward",
    "padding left out",
    "the input is padded with pad zeros on each side before the kernel slides over it; "
    "without it the output is smaller and the border pixels are under-used",
    section=SIZE,
)
def conv_no_padding(x, w, b, stride=1, pad=0):
    return _conv(x, w, b, stride, 0)


@mistake(
    "conv2d_forward",
    "stride ignored",
    "the window moves stride pixels at a time; you always move it by 1, so the output has the "
    "size of a stride-1 convolution",
    section=SIZE,
)
def conv_ignores_stride(x, w, b, stride=1, pad=0):
    return _conv(x, w, b, 1, pad)


@mistake(
    "conv2d_forward",
    "windows 1 apart in an output of the strided size",
    "your output has the right size, but its windows start 1 pixel apart: output (i, j) reads "
    "the window at (i * stride, j * stride), so slice the patches with step stride",
    section=SIZE,
)
def conv_stride_only_in_size(x, w, b, stride=1, pad=0):
    return _conv(x, w, b, stride, pad, step=1)


# ----------------------------------------------------------------------------- conv2d_backward


def _conv_backward(
    dout, x, w, stride, pad, *, dx_step=None, dx_kernel=None, dw_reduce=None, db=None, crop=True
):
    """The right (dx, dw, db), except for the piece a mistake replaces:

    ``dx_step`` - how far apart the windows are when dout is scattered back (default ``stride``);
    ``dx_kernel`` - the kernel used for dx (default ``w``);
    ``dw_reduce`` - how dout * patch, per example (N, F, C), is reduced for dw (default a sum over n);
    ``db`` - dout -> the bias gradient (default a sum over n, i, j);
    ``crop=False`` - return the gradient of the padded input."""
    stride, pad = _as_int(stride), _as_int(pad)
    dx_step = stride if dx_step is None else dx_step
    dx_kernel = w if dx_kernel is None else dx_kernel
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_out, w_out = dout.shape[2:]
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    for p in range(w.shape[2]):
        for q in range(w.shape[3]):
            patch = xp[
                :,
                :,
                p : p + stride * (h_out - 1) + 1 : stride,
                q : q + stride * (w_out - 1) + 1 : stride,
            ]
            per_example = np.einsum("nfhw,nchw->nfc", dout, patch)
            dw[:, :, p, q] = (
                per_example.sum(axis=0) if dw_reduce is None else dw_reduce(per_example)
            )
            rows = slice(p, p + dx_step * (h_out - 1) + 1, dx_step)
            cols = slice(q, q + dx_step * (w_out - 1) + 1, dx_step)
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, dx_kernel[:, :, p, q])
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]] if crop else dxp
    return dx, dw, dout.sum(axis=(0, 2, 3)) if db is None else db(dout)


def _as_int(value):
    """The worksheet's as_int: nnlib's layers pass (rows, cols) pairs."""
    return int(np.unique(value)[0])


@mistake(
    "conv2d_backward",
    "dx with the padding left on",
    "the forward pass read the padded input xp, so your gradient is the gradient of xp, of shape "
    "(N, C, H + 2 pad, W + 2 pad); the pad zeros are not inputs: crop pad rows and columns from "
    "each side",
    section=BACKWARD,
)
def conv_bwd_no_crop(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, crop=False)


@mistake(
    "conv2d_backward",
    "dx scattered with the kernel flipped",
    "output (i, j) read input (i s + p, j s + q) times w[f, c, p, q], so that input gets "
    "dout[n, f, i, j] * w[f, c, p, q] back, with the same (p, q); the 180-degree rotation belongs to "
    "the 'full convolution' way of writing dx, not to this scatter",
    section=BACKWARD,
)
def conv_bwd_dx_flipped(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, dx_kernel=w[:, :, ::-1, ::-1])


@mistake(
    "conv2d_backward",
    "dw flipped",
    "w[f, c, p, q] multiplied the input at offset (p, q) of every window, so its gradient sums "
    "dout times the input at that same offset; flipping dw turns it into the gradient of a flipped "
    "kernel",
    section=BACKWARD,
)
def conv_bwd_dw_flipped(dout, x, w, stride=1, pad=0):
    dx, dw, db = _conv_backward(dout, x, w, stride, pad)
    return dx, dw[:, :, ::-1, ::-1], db


@mistake(
    "conv2d_backward",
    "stride ignored in dx",
    "output (i, j) read the window that starts at (i * stride, j * stride); you send dout back to "
    "windows 1 pixel apart, so with stride > 1 the gradient lands on the wrong inputs",
    section=BACKWARD,
)
def conv_bwd_dx_ignores_stride(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, dx_step=1)


@mistake(
    "conv2d_backward",
    "db not summed over the batch and the positions",
    "b[f] is added at every position of every image's map f, so each of those outputs sends its "
    "dout to b[f]: sum dout over n, i and j (axis=(0, 2, 3)), giving shape (F,)",
    section=BACKWARD,
)
def conv_bwd_db_per_example(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, db=lambda d: d.sum(axis=(2, 3)))


@mistake(
    "conv2d_backward",
    "db averaged instead of summed",
    "the loss already carries its 1/N inside dout; b[f] receives the SUM of dout over n, i and j, "
    "not the mean",
    section=BACKWARD,
)
def conv_bwd_db_mean(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, db=lambda d: d.mean(axis=(0, 2, 3)))


@mistake(
    "conv2d_backward",
    "dw from the last example only",
    "every image of the batch used the same kernel, so dw adds the contributions of all N images; "
    "yours keeps only one (an assignment instead of += in a loop over n?)",
    section=BACKWARD,
)
def conv_bwd_dw_last_example(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, dw_reduce=lambda per_n: per_n[-1])


@mistake(
    "conv2d_backward",
    "dw averaged over the batch",
    "the loss already carries its 1/N inside dout; the kernel's gradient is the SUM over the batch "
    "of each image's contribution, not the mean",
    section=BACKWARD,
)
def conv_bwd_dw_mean(dout, x, w, stride=1, pad=0):
    return _conv_backward(dout, x, w, stride, pad, dw_reduce=lambda per_n: per_n.mean(axis=0))


# ----------------------------------------------------------------------------- pooling


def _pool(x, size, stride, reduce, *, out_hw=None, step=None):
    """``reduce`` (N, C, size, size) -> (N, C) over every window, ``step`` apart (default ``stride``).

    ``out_hw`` overrides the right output size, ``(H - size) // stride + 1`` per side.
    """
    step = stride if step is None else step
    h_out, w_out = out_hw or (_size(x.shape[2], size, stride), _size(x.shape[3], size, stride))
    out = np.empty(x.shape[:2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i, j] = reduce(
                x[:, :, i * step : i * step + size, j * step : j * step + size]
            )
    return out


def _windows_of_size(x, size):
    """Output size when the windows are assumed not to overlap (``H // size``)."""
    return x.shape[2] // size, x.shape[3] // size


def _ceil_hw(x, size, stride):
    """Output size rounded up: a last, partial window is kept."""
    return tuple(-(-(n - size) // stride) + 1 for n in x.shape[2:])


def _max(window):
    return window.max(axis=(2, 3))


def _mean(window):
    return window.mean(axis=(2, 3))


@mistake(
    "maxpool2d_forward",
    "stride ignored (windows assumed not to overlap)",
    "you step by size and make H // size windows; the windows start stride apart, and there "
    "are (H - size) // stride + 1 of them (overlapping when stride < size)",
    section=POOLING,
)
def maxpool_ignores_stride(x, size=2, stride=2):
    return _pool(x, size, stride, _max, out_hw=_windows_of_size(x, size), step=size)


@mistake(
    "maxpool2d_forward",
    "maximum started from 0",
    "you start the running maximum at 0 (np.zeros), so a window of negative values gives 0; "
    "start from -inf or from the first entry of the window",
    section=POOLING,
)
def maxpool_zero_init(x, size=2, stride=2):
    return _pool(x, size, stride, lambda window: np.maximum(_max(window), 0.0))


@mistake(
    "maxpool2d_forward",
    "average instead of maximum",
    "max pooling keeps the largest value of each window; the mean is average pooling",
    section=POOLING,
)
def maxpool_average(x, size=2, stride=2):
    return _pool(x, size, stride, _mean)


@mistake(
    "maxpool2d_forward",
    "maximum over the whole batch and all channels",
    "window.max() without an axis takes one maximum over every image and channel at that "
    "position; pooling works channel by channel: reduce over the window's two axes only "
    "(axis=(2, 3))",
    section=POOLING,
)
def maxpool_no_axis(x, size=2, stride=2):
    return _pool(x, size, stride, lambda window: window.max())


@mistake(
    "maxpool2d_forward",
    "a partial window kept at the border",
    "you round the output size up and pool the rows and columns that do not fill a window; "
    "they are dropped, H_out = (H - size) // stride + 1",
    section=POOLING,
)
def maxpool_ceil(x, size=2, stride=2):
    return _pool(x, size, stride, _max, out_hw=_ceil_hw(x, size, stride))


@mistake(
    "maxpool2d_forward",
    "the NHWC layout (Keras's) read for NCHW",
    "x is (N, C, H, W), as in nnlib and PyTorch; reading it as (N, H, W, C) pools over the "
    "channels and the rows instead of the rows and the columns",
    section=POOLING,
)
def maxpool_nhwc(x, size=2, stride=2):
    return _pool(x.transpose(0, 3, 1, 2), size, stride, _max).transpose(0, 2, 3, 1)


@mistake(
    "avgpool2d_forward",
    "sum instead of mean",
    "you add up each window without dividing by its size * size entries",
    section=POOLING,
)
def avgpool_sum(x, size=2, stride=2):
    return _pool(x, size, stride, lambda window: window.sum(axis=(2, 3)))


@mistake(
    "avgpool2d_forward",
    "divided by size instead of size * size",
    "a size x size window has size^2 entries; you divide its sum by size",
    section=POOLING,
)
def avgpool_divide_by_size(x, size=2, stride=2):
    return _pool(x, size, stride, lambda window: window.sum(axis=(2, 3)) / size)


@mistake(
    "avgpool2d_forward",
    "stride ignored (windows assumed not to overlap)",
    "you step by size and make H // size windows; the windows start stride apart, and there "
    "are (H - size) // stride + 1 of them (overlapping when stride < size)",
    section=POOLING,
)
def avgpool_ignores_stride(x, size=2, stride=2):
    return _pool(x, size, stride, _mean, out_hw=_windows_of_size(x, size), step=size)


@mistake(
    "avgpool2d_forward",
    "mean over the whole batch and all channels",
    "window.mean() without an axis averages every image and channel at that position; pool "
    "channel by channel: reduce over the window's two axes only (axis=(2, 3))",
    section=POOLING,
)
def avgpool_no_axis(x, size=2, stride=2):
    return _pool(x, size, stride, lambda window: window.mean())


@mistake(
    "avgpool2d_forward",
    "maximum instead of mean",
    "average pooling takes the mean of each window; the maximum is max pooling",
    section=POOLING,
)
def avgpool_max(x, size=2, stride=2):
    return _pool(x, size, stride, _max)


@mistake(
    "avgpool2d_forward",
    "a partial window kept at the border",
    "you round the output size up and average the rows and columns that do not fill a window; "
    "they are dropped, H_out = (H - size) // stride + 1",
    section=POOLING,
)
def avgpool_ceil(x, size=2, stride=2):
    return _pool(x, size, stride, _mean, out_hw=_ceil_hw(x, size, stride))


# ----------------------------------------------------------------------------- maxpool2d_backward


def _route(dout, x, size, stride, share):
    """dx from ``share(window, g) -> (N, C, size, size)``: the part of each window's gradient g per input."""
    dx = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            dx[:, :, rows, cols] += share(x[:, :, rows, cols], dout[:, :, i, j, None, None])
    return dx


def _first_max(window):
    """One-hot (N, C, size, size) mask of the first maximum of each window, in row-major order."""
    flat = window.reshape(window.shape[:2] + (-1,))
    return (np.arange(flat.shape[-1]) == flat.argmax(axis=-1)[..., None]).reshape(window.shape)


@mistake(
    "maxpool2d_backward",
    "gradient routed to every input of the window",
    "only the input that won the maximum influenced the output, so it alone receives the "
    "window's gradient; the other inputs get 0",
    section=POOLING,
)
def maxpool_backward_every_input(dout, x, size=2, stride=2):
    return _route(dout, x, size, stride, lambda window, g: np.broadcast_to(g, window.shape))


@mistake(
    "maxpool2d_backward",
    "average pooling's backward pass",
    "you spread dout / size^2 over the window, which is the gradient of average pooling; for "
    "max pooling the whole gradient goes to the window's maximum",
    section=POOLING,
)
def maxpool_backward_average(dout, x, size=2, stride=2):
    return _route(
        dout, x, size, stride, lambda window, g: np.broadcast_to(g / size**2, window.shape)
    )


@mistake(
    "maxpool2d_backward",
    "every tied maximum gets the gradient",
    "a mask window == window.max() is True at every tied maximum, so each of them receives the "
    "whole gradient; give it to the first maximum only (argmax), as PyTorch does",
    section=POOLING,
)
def maxpool_backward_all_ties(dout, x, size=2, stride=2):
    return _route(
        dout,
        x,
        size,
        stride,
        lambda window, g: (window == window.max(axis=(2, 3), keepdims=True)) * g,
    )


@mistake(
    "maxpool2d_backward",
    "overlapping windows overwrite instead of adding up",
    "you assign each window's gradient (dx[...] = dout) instead of adding it (+=); an input that "
    "wins several overlapping windows must receive the sum",
    section=POOLING,
)
def maxpool_backward_overwrite(dout, x, size=2, stride=2):
    dx = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            part = dx[:, :, rows, cols]
            winner = _first_max(x[:, :, rows, cols])
            part[winner] = np.broadcast_to(dout[:, :, i, j, None, None], part.shape)[winner]
    return dx


@mistake(
    "maxpool2d_backward",
    "row and column of the maximum swapped",
    "np.argmax over a flattened window gives p * size + q (row p, column q); you decode it as "
    "column, row, so the gradient lands on the mirror image of the maximum in its window",
    section=POOLING,
)
def maxpool_backward_transposed(dout, x, size=2, stride=2):
    return _route(
        dout, x, size, stride, lambda window, g: np.swapaxes(_first_max(window), 2, 3) * g
    )


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "conv_output_size",
    "the stride ignored",
    "the window moves stride pixels at a time: divide n + 2 pad - k by stride (floor) before "
    "adding 1",
    section=SIZE,
)
def size_ignores_stride(n, k, stride=1, pad=0):
    return n + 2 * pad - k + 1


@mistake(
    "conv_output_size",
    "the + 1 inside the floor division",
    "(n + 2 pad - k) // stride counts the steps after the first window; add 1 after the division",
    section=SIZE,
)
def size_plus_one_inside(n, k, stride=1, pad=0):
    return (n + 2 * pad - k + 1) // stride


@mistake(
    "maxpool2d_forward",
    "the 2x2 reshape trick for any size and stride",
    "reshape(N, C, H/2, 2, W/2, 2) pools 2x2 windows with stride 2 only; size and stride are "
    "arguments",
    section=POOLING,
)
def maxpool_reshape_2x2(x, size=2, stride=2):
    n, c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    return x[:, :, : 2 * h2, : 2 * w2].reshape(n, c, h2, 2, w2, 2).max(axis=(3, 5))


@mistake(
    "avgpool2d_forward",
    "the 2x2 reshape trick for any size and stride",
    "reshape(N, C, H/2, 2, W/2, 2) pools 2x2 windows with stride 2 only; size and stride are "
    "arguments",
    section=POOLING,
)
def avgpool_reshape_2x2(x, size=2, stride=2):
    n, c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    return x[:, :, : 2 * h2, : 2 * w2].reshape(n, c, h2, 2, w2, 2).mean(axis=(3, 5))


@mistake(
    "avgpool2d_forward",
    "divided by stride^2, not size^2",
    "the average is over the size x size window, whatever the stride",
    section=POOLING,
)
def avgpool_divides_by_stride(x, size=2, stride=2):
    return _pool(x, size, stride, lambda window: window.sum(axis=(2, 3))) / stride**2


@mistake(
    "maxpool2d_backward",
    "the window's argmax unravelled with the stride",
    "the argmax k of a flattened size x size window is at row k // size, column k % size; the "
    "stride only moves the window",
    section=BACKWARD,
)
def maxpool_bwd_unravel_with_stride(dout, x, size=2, stride=2):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(dout.shape):
        window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
        r, s = divmod(int(window.argmax()), stride)  # should be divmod(k, size)
        if i * stride + r < x.shape[2] and j * stride + s < x.shape[3]:
            dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
    return dx


@mistake(
    "maxpool2d_backward",
    "ties routed to the last maximum",
    "on ties the gradient goes to the first maximum of the window (np.argmax's choice, the "
    "forward pass's convention): use >, not >=",
    section=BACKWARD,
)
def maxpool_bwd_last_max(dout, x, size=2, stride=2):
    def last_max(window):
        flat = window.reshape(window.shape[:2] + (-1,))
        last = flat.shape[-1] - 1 - flat[..., ::-1].argmax(axis=-1)
        return (np.arange(flat.shape[-1]) == last[..., None]).reshape(window.shape)

    return _route(dout, x, size, stride, lambda window, g: last_max(window) * g)


@mistake(
    "maxpool2d_backward",
    "the gradient split among tied maxima",
    "the forward pass picked one input, the first maximum (np.argmax): it alone receives the "
    "window's gradient, even when other inputs tie with it",
    section=BACKWARD,
)
def maxpool_bwd_split_ties(dout, x, size=2, stride=2):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(dout.shape):
        rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
        window = x[n, c, rows, cols]
        mask = window == window.max()
        dx[n, c, rows, cols] += mask / mask.sum() * dout[n, c, i, j]
    return dx
