r"""Batch normalisation, training mode (batch statistics) and inference mode. Book chapter 11.

Statistics are taken per feature for ``x`` of shape ``(N, D)`` and per channel, over the batch and
both spatial axes, for ``x`` of shape ``(N, C, H, W)``; ``gamma`` and ``beta`` have shape
``(D,)`` / ``(C,)``. With ``m`` the number of values per feature (``N`` or ``N*H*W``)::

    mu    = (1/m) sum_i x_i
    var   = (1/m) sum_i (x_i - mu)^2                 biased, as PyTorch normalises with
    s     = 1 / sqrt(var + eps)
    xhat  = (x - mu) * s
    out   = gamma * xhat + beta

Backward, compact form. Write ``g = dL/dxhat = gamma * dout``. Differentiating
``xhat_j = (x_j - mu) s`` w.r.t. ``x_i`` (with ``dmu/dx_i = 1/m`` and ``dvar/dx_i = 2 (x_i - mu)/m``)::

    dxhat_j/dx_i = s (delta_ij - 1/m) - s xhat_i xhat_j / m

and summing ``g_j dxhat_j/dx_i`` over j::

    dx_i   = s * (g_i - mean(g) - xhat_i * mean(g * xhat))
           = (gamma * s / m) * (m * dout_i - dbeta - xhat_i * dgamma)
    dbeta  = sum_i dout_i
    dgamma = sum_i dout_i * xhat_i

(The two correction terms say that shifting every x_i by the same amount, or scaling all of them
about the mean, leaves xhat unchanged, so dx is orthogonal to 1 and to xhat.)

Inference mode uses fixed (running) statistics instead, and is then just an affine map per feature.
Like PyTorch, the training-mode functions refuse a batch with a single value per feature: its
variance is 0 and the output would be ``beta`` whatever the input.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_ndim, check_positive, check_same_shape, check_shape

__all__ = [
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_stats",
    "batchnorm_inference",
    "update_running_stats",
]

_LAYOUT = "(N, D) or (N, C, H, W)"


def _check_x(fn: str, x, training: bool = True) -> np.ndarray:
    x = as_float_array(x, fn, "x")
    check_ndim(x, (2, 4), fn, "x", _LAYOUT)
    if training and x.size <= x.shape[1]:
        raise ValueError(
            f"{fn}: expected more than 1 value per feature/channel in training mode "
            f"(as torch), got x of shape {tuple(x.shape)}"
        )
    return x


def _check_param(fn: str, name: str, v, x: np.ndarray) -> np.ndarray:
    v = as_float_array(v, fn, name)
    check_shape(v, (x.shape[1],), fn, name, "one per feature/channel, x.shape[1]")
    return v


def _axes(x: np.ndarray) -> tuple[int, ...]:
    """Axes the statistics reduce over: the batch, plus height and width for NCHW."""
    return (0,) if x.ndim == 2 else (0, 2, 3)


def _per_feature(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Reshape a (C,) vector so it broadcasts along axis 1 of x."""
    return v if x.ndim == 2 else v.reshape(1, -1, 1, 1)


def _normalize(x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``xhat`` and ``s = 1/sqrt(var + eps)`` (keepdims), with the batch statistics of x."""
    axes = _axes(x)
    xc = x - x.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(
        (xc * xc).mean(axis=axes, keepdims=True) + eps
    )  # eps > 0: finite when var = 0
    return xc * inv_std, inv_std


def _check_eps(fn: str, eps) -> float:
    check_positive(eps, fn, "eps")
    return float(eps)  # a Python float keeps float32 arrays float32


def batchnorm_stats(x, unbiased: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Batch mean and variance per feature/channel, each of shape (D,) / (C,).

    ``unbiased=False`` (default) is the variance batchnorm_forward normalises with (divide by m);
    ``unbiased=True`` divides by m - 1, which is what ``torch.nn.BatchNorm*`` puts into its
    ``running_var`` (running = (1 - momentum) * running + momentum * batch, momentum = 0.1).

    >>> batchnorm_stats(np.array([[1.0], [3.0]]))
    (array([2.]), array([1.]))
    """
    x = _check_x("batchnorm_stats", x, training=unbiased)
    axes = _axes(x)
    return x.mean(axis=axes), x.var(axis=axes, ddof=int(bool(unbiased)))


def batchnorm_forward(x, gamma, beta, eps=1e-5) -> np.ndarray:
    """Training-mode batch norm: ``out = gamma * (x - mu) / sqrt(var + eps) + beta`` with batch statistics.

    Like ``torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)``.
    Shapes: x (N, D) with gamma, beta (D,); or x (N, C, H, W) with gamma, beta (C,) -> out (shape of x).

    >>> batchnorm_forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1), eps=1e-12)
    array([[-1.],
           [ 1.]])
    """
    fn = "batchnorm_forward"
    x = _check_x(fn, x)
    gamma = _check_param(fn, "gamma", gamma, x)
    beta = _check_param(fn, "beta", beta, x)
    xhat, _ = _normalize(x, _check_eps(fn, eps))
    return _per_feature(gamma, x) * xhat + _per_feature(beta, x)


def batchnorm_backward(dout, x, gamma, eps=1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`batchnorm_forward`: ``(dx, dgamma, dbeta)``, recomputing the batch statistics.

    dbeta = sum dout, dgamma = sum dout * xhat (sums over the batch, and H, W for NCHW), and
    dx = gamma / (m sqrt(var + eps)) * (m dout - dbeta - xhat dgamma), m = values per feature
    (derivation in the module docstring). Shapes: dout and x as in the forward pass, gamma (D,)/(C,).

    >>> dx, dgamma, dbeta = batchnorm_backward(np.ones((2, 1)), np.array([[1.0], [3.0]]), np.ones(1))
    >>> dx.ravel(), dbeta  # shifting every output equally cannot be reached by moving x
    (array([0., 0.]), array([2.]))
    """
    fn = "batchnorm_backward"
    x = _check_x(fn, x)
    gamma = _check_param(fn, "gamma", gamma, x)
    dout = as_float_array(dout, fn, "dout")
    check_same_shape(x, dout, fn, "x", "dout")
    xhat, inv_std = _normalize(x, _check_eps(fn, eps))
    axes = _axes(x)
    m = x.size // x.shape[1]
    dbeta = dout.sum(axis=axes, keepdims=True)
    dgamma = (dout * xhat).sum(axis=axes, keepdims=True)
    dx = (_per_feature(gamma, x) * inv_std / m) * (m * dout - dbeta - xhat * dgamma)
    return dx, dgamma.reshape(-1), dbeta.reshape(-1)


def batchnorm_inference(x, gamma, beta, mean, var, eps=1e-5) -> np.ndarray:
    """Inference-mode batch norm with fixed statistics: ``gamma * (x - mean) / sqrt(var + eps) + beta``.

    ``mean`` and ``var`` are usually the running averages kept by the BatchNorm layer. Like
    ``torch.nn.functional.batch_norm(x, mean, var, gamma, beta, training=False, eps=eps)``.
    Shapes: x (N, D) or (N, C, H, W); gamma, beta, mean, var (D,) / (C,) -> out (shape of x).

    >>> batchnorm_inference(np.array([[4.0]]), np.ones(1), np.zeros(1), np.array([2.0]), np.array([4.0]), 1e-12)
    array([[1.]])
    """
    fn = "batchnorm_inference"
    x = _check_x(fn, x, training=False)
    gamma, beta, mean, var = (
        _check_param(fn, name, v, x)
        for name, v in (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var))
    )
    scale = gamma / np.sqrt(var + _check_eps(fn, eps))
    return (x - _per_feature(mean, x)) * _per_feature(scale, x) + _per_feature(beta, x)


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    """The running averages a BatchNorm layer keeps for inference, PyTorch's way.

    ``new = (1 - momentum) * running + momentum * batch``, with the batch mean and the *unbiased*
    batch variance (divide by m - 1: the running variance estimates the population's). Pure: the
    inputs are not modified; the layer copies the result into its state. Like the update inside
    ``torch.nn.BatchNorm1d/2d`` in training mode (``momentum=0.1``).
    Shapes: running_mean, running_var (D,) / (C,); x (N, D) or (N, C, H, W) -> two arrays (D,) / (C,).

    >>> update_running_stats(np.zeros(1), np.ones(1), np.array([[1.0], [3.0]]))
    (array([0.2]), array([1.1]))
    """
    fn = "update_running_stats"
    x = _check_x(fn, x)
    running_mean = _check_param(fn, "running_mean", running_mean, x)
    running_var = _check_param(fn, "running_var", running_var, x)
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"{fn}: expected momentum in [0, 1], got {momentum!r}")
    mean, var = batchnorm_stats(x, unbiased=True)
    return (
        (1 - momentum) * running_mean + momentum * mean,
        (1 - momentum) * running_var + momentum * var,
    )
