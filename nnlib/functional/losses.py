"""Loss functions and their gradients (book chapters 2, 4 and 8).

Every loss returns a scalar (a NumPy float of the input's dtype) with PyTorch's default ``'mean'``
reduction, and has a partner ``<name>_backward`` that takes the same arguments and returns the
gradient with respect to the FIRST argument (the prediction), shaped like it.

Conventions:

* ``pred`` and ``target`` must have exactly the same shape. NumPy would silently broadcast
  ``(N,)`` against ``(N, 1)`` into an ``(N, N)`` matrix and return a wrong number; here it is a
  ``ValueError`` that names both shapes.
* Targets given as integers, bools or lists take the dtype of the first argument, so
  ``float32`` predictions with integer labels stay ``float32``.
* Kinks follow ``torch.autograd``: ``mae'(0) = 0``, the hinge has gradient 0 at a margin of
  exactly 1 (like ``relu'(0) = 0``); Huber's derivative is continuous at ``|r| = delta``.
* Stable for logits up to at least ``|z| = 1e4`` (``*_with_logits`` and ``cross_entropy`` never
  exponentiate a large positive number). Underflow to 0 is intended and silenced.

``LOSSES`` maps names (PyTorch and Keras spellings) to ``(loss, backward)``; ``get_loss(name)``
looks one up. ``cross_entropy_with_grad`` returns the loss and its gradient together (one softmax
instead of two), for training loops.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import as_float_array, check_ndim, check_positive, check_same_shape, lookup_name
from ._numerics import underflow_ok as _underflow_ok
from .activations import _max_keepdims, _sigmoid

__all__ = [
    "mse",
    "mse_backward",
    "mae",
    "mae_backward",
    "huber",
    "huber_backward",
    "hinge",
    "hinge_backward",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "cross_entropy_with_grad",
    "kl_divergence",
    "kl_divergence_backward",
    "LOSSES",
    "get_loss",
]

# torch clamps log(p) at -100 in binary_cross_entropy, and divides its gradient by
# max(p(1 - p), EPSILON) where EPSILON is the C++ float 1e-12f, i.e. 9.99999996e-13.
_BCE_LOG_MIN = -100.0
_BCE_EPS = float(np.float32(1e-12))


# ----------------------------------------------------------------------------- input handling


def _adopt_dtype(b, like: np.ndarray, fn: str, name: str) -> np.ndarray:
    """``b`` as a float array; integer/bool/list targets take ``like``'s dtype."""
    arr = as_float_array(b, fn, name)
    if not (isinstance(b, np.ndarray) and b.dtype.kind == "f"):
        arr = arr.astype(like.dtype, copy=False)
    return arr


def _pair(a, b, fn: str, name_a: str, name_b: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate (prediction, target): real, non-empty, identical shapes."""
    a = as_float_array(a, fn, name_a)
    b = _adopt_dtype(b, a, fn, name_b)
    check_same_shape(a, b, fn, name_a, name_b)
    if a.size == 0:
        raise ValueError(f"{fn}: expected a non-empty {name_a}, got shape {tuple(a.shape)}")
    return a, b


def _value_range(arr: np.ndarray) -> str:
    return f"[{arr.min():.6g}, {arr.max():.6g}]"


def _check_in_range(arr: np.ndarray, lo: float, hi: float, fn: str, name: str, what: str) -> None:
    """Require lo <= arr <= hi (hi may be inf); the message gives the range actually received."""
    if arr.min() < lo or arr.max() > hi:
        raise ValueError(f"{fn}: expected {name} {what}, got values in {_value_range(arr)}")


# ---------------------------------------------------------------------------- regression


@_underflow_ok
def mse(pred, target):
    """Mean squared error, L = (1/n) sum_i (pred_i - target_i)^2 (torch ``F.mse_loss``).

    Shapes: pred and target alike, any shape with n elements -> scalar.

    >>> mse([1.0, 2.0], [1.0, 4.0])
    np.float64(2.0)
    """
    p, t = _pair(pred, target, "mse", "pred", "target")
    return np.mean((p - t) ** 2)


@_underflow_ok
def mse_backward(pred, target) -> np.ndarray:
    """dL/dpred = 2 (pred - target) / n. Shapes: like pred.

    >>> mse_backward([1.0, 2.0], [1.0, 4.0])
    array([ 0., -2.])
    """
    p, t = _pair(pred, target, "mse_backward", "pred", "target")
    return 2 * (p - t) / p.size


@_underflow_ok
def mae(pred, target):
    """Mean absolute error (L1), L = (1/n) sum_i |pred_i - target_i| (torch ``F.l1_loss``).

    Shapes: pred and target alike -> scalar.

    >>> mae([1.0, 2.0], [1.0, 4.0])
    np.float64(1.0)
    """
    p, t = _pair(pred, target, "mae", "pred", "target")
    return np.mean(np.abs(p - t))


@_underflow_ok
def mae_backward(pred, target) -> np.ndarray:
    """dL/dpred = sign(pred - target) / n, with sign(0) = 0 as in PyTorch. Shapes: like pred.

    >>> mae_backward([1.0, 2.0], [1.0, 4.0])
    array([ 0. , -0.5])
    """
    p, t = _pair(pred, target, "mae_backward", "pred", "target")
    return np.sign(p - t) / p.size


@_underflow_ok
def huber(pred, target, delta: float = 1.0):
    """Huber loss (torch ``F.huber_loss``), with r = pred - target:

        L = (1/n) sum_i { r_i^2 / 2               if |r_i| <= delta
                        { delta (|r_i| - delta/2) otherwise

    Quadratic near 0, linear (robust to outliers) beyond delta. Not torch's ``smooth_l1_loss``,
    which is this divided by delta. Shapes: pred and target alike -> scalar.

    >>> huber([0.0, 0.0], [0.5, 3.0])
    np.float64(1.3125)
    """
    p, t = _pair(pred, target, "huber", "pred", "target")
    check_positive(delta, "huber", "delta")
    delta = float(delta)
    a = np.abs(p - t)
    return np.mean(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta)))


@_underflow_ok
def huber_backward(pred, target, delta: float = 1.0) -> np.ndarray:
    """dL/dpred = clip(r, -delta, delta) / n, continuous at |r| = delta. Shapes: like pred.

    >>> huber_backward([0.0, 0.0], [0.5, 3.0])
    array([-0.25, -0.5 ])
    """
    p, t = _pair(pred, target, "huber_backward", "pred", "target")
    check_positive(delta, "huber_backward", "delta")
    delta = float(delta)
    return np.clip(p - t, -delta, delta) / p.size


# ---------------------------------------------------------------------------------- hinge


def _hinge_inputs(scores, y_pm1, fn: str) -> tuple[np.ndarray, np.ndarray]:
    s, y = _pair(scores, y_pm1, fn, "scores", "y_pm1")
    if not np.all(np.abs(y) == 1):
        raise ValueError(
            f"{fn}: expected y_pm1 with values in {{-1, +1}} (map 0/1 labels with "
            f"2*y - 1), got values in {_value_range(y)}"
        )
    return s, y


@_underflow_ok
def hinge(scores, y_pm1):
    """Binary hinge loss (SVM), L = (1/n) sum_i max(0, 1 - y_i s_i), y_i in {-1, +1}.

    Equals ``torch.relu(1 - y * s).mean()``. Shapes: scores and y_pm1 alike -> scalar.

    >>> hinge([2.0, 0.5, -1.0], [1, 1, 1])
    np.float64(0.8333333333333334)
    """
    s, y = _hinge_inputs(scores, y_pm1, "hinge")
    return np.mean(np.maximum(0, 1 - y * s))


@_underflow_ok
def hinge_backward(scores, y_pm1) -> np.ndarray:
    """dL/ds_i = -y_i / n where the margin y_i s_i < 1, else 0.

    At a margin of exactly 1 the gradient is 0, as for ``torch.relu`` (``torch.clamp(.., min=0)``
    would give -y_i / n there). Shapes: like scores.

    >>> hinge_backward([2.0, 0.0, 1.0, -1.0], [1, 1, 1, 1])
    array([ 0.  , -0.25,  0.  , -0.25])
    """
    s, y = _hinge_inputs(scores, y_pm1, "hinge_backward")
    return np.where(1 - y * s > 0, -y, 0) / s.size


# ------------------------------------------------------------------- binary cross-entropy


def _bce_inputs(p, y, fn: str) -> tuple[np.ndarray, np.ndarray]:
    p, y = _pair(p, y, fn, "p", "y")
    _check_in_range(
        p,
        0,
        1,
        fn,
        "p",
        "in [0, 1] (probabilities; for logits use binary_cross_entropy_with_logits)",
    )
    return p, y


@_underflow_ok
def binary_cross_entropy(p, y):
    """Binary cross-entropy on probabilities (torch ``F.binary_cross_entropy``):

        L = -(1/n) sum_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ]

    Like torch, each log is clamped at -100, so p = 0 or 1 gives a finite loss (at most 100).
    ``y`` may be soft (any value in [0, 1]). Shapes: p and y alike -> scalar.

    >>> binary_cross_entropy([0.5, 1.0], [1, 1])
    np.float64(0.34657359027997264)
    """
    p, y = _bce_inputs(p, y, "binary_cross_entropy")
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
        log_p = np.maximum(np.log(p), _BCE_LOG_MIN)
        log_1mp = np.maximum(np.log1p(-p), _BCE_LOG_MIN)
    return -np.mean(y * log_p + (1 - y) * log_1mp)


@_underflow_ok
def binary_cross_entropy_backward(p, y) -> np.ndarray:
    """dL/dp = (p - y) / (p (1 - p)) / n, with the denominator floored at 1e-12 like torch.

    The floor keeps p = 0 and p = 1 finite (|grad| <= ~1e12 / n); this is torch's gradient, not
    the derivative of the clamped loss. Shapes: like p.

    >>> binary_cross_entropy_backward([0.5], [1.0])
    array([-2.])
    """
    p, y = _bce_inputs(p, y, "binary_cross_entropy_backward")
    return (p - y) / np.maximum(p * (1 - p), _BCE_EPS) / p.size


@_underflow_ok
def binary_cross_entropy_with_logits(z, y):
    """BCE on logits, L = mean BCE(sigmoid(z), y) (torch ``F.binary_cross_entropy_with_logits``).

    Written as max(z, 0) - z y + log(1 + e^{-|z|}) per element, which is exact and never
    overflows: no clamping needed, unlike BCE on probabilities. Shapes: z and y alike -> scalar.

    >>> binary_cross_entropy_with_logits([0.0, 1e4], [1, 1])
    np.float64(0.34657359027997264)
    """
    z, y = _pair(z, y, "binary_cross_entropy_with_logits", "z", "y")
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


@_underflow_ok
def binary_cross_entropy_with_logits_backward(z, y) -> np.ndarray:
    """dL/dz = (sigmoid(z) - y) / n. Shapes: like z.

    >>> binary_cross_entropy_with_logits_backward([0.0], [1.0])
    array([-0.5])
    """
    z, y = _pair(z, y, "binary_cross_entropy_with_logits_backward", "z", "y")
    return (_sigmoid(z) - y) / z.size


# --------------------------------------------------------------------------- cross-entropy


def _ce_inputs(logits, y, fn: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(logits, target, is_labels): integer labels of shape (N,) or probabilities of shape (N, C)."""
    z = as_float_array(logits, fn, "logits")
    # The training loop's case first: an integer label array of shape (N,) with labels in [0, C).
    if (
        type(y) is np.ndarray
        and y.dtype.kind in "iu"
        and z.ndim == 2
        and y.shape == z.shape[:1]
        and z.shape[0]
        and 0 <= y.min()
        and y.max() < z.shape[1]
    ):
        return z, y.astype(np.intp, copy=False), True  # intp, never copied here: y is only read
    if z.ndim != 2:
        check_ndim(z, 2, fn, "logits", "(N, C)")
    n, c = z.shape
    if n == 0 or c == 0:
        raise ValueError(f"{fn}: expected logits of shape (N, C) with N, C >= 1, got {z.shape}")
    try:
        y_arr = np.asarray(y)
    except ValueError as exc:  # ragged lists
        raise TypeError(f"{fn}: y must be array-like of numbers, got {type(y).__name__}") from exc
    if y_arr.shape == z.shape:  # one-hot or probabilities
        return z, _adopt_dtype(y, z, fn, "y"), False
    if y_arr.shape != (n,):
        raise ValueError(
            f"{fn}: expected y of shape ({n},) (integer labels) or {z.shape} "
            f"(one-hot/probabilities), got {y_arr.shape}"
        )
    if y_arr.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: expected integer labels y in [0, {c}), got dtype {y_arr.dtype}")
    # Keras-style float labels such as 2.0 are accepted; 1.5 (or nan) is not.
    if y_arr.dtype.kind == "f" and not (
        np.all(np.isfinite(y_arr)) and np.all(y_arr == np.round(y_arr))
    ):
        raise ValueError(
            f"{fn}: expected integer labels y in [0, {c}), got non-integer values "
            f"in {_value_range(y_arr)}"
        )
    if y_arr.min() < 0 or y_arr.max() >= c:
        raise ValueError(
            f"{fn}: expected integer labels y in [0, {c}) (C = logits.shape[1] = {c}), "
            f"got values in {_value_range(y_arr)}"
        )
    return z, y_arr.astype(np.intp), True  # intp: bool labels must index, not mask


# The three functions below share these steps, so that cross_entropy_with_grad gives the very same
# numbers as cross_entropy and cross_entropy_backward. ``rows`` is np.arange(N) for integer labels
# and None for one-hot/probability targets.


def _ce_exp(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``shifted = z - max_c z``, ``e = exp(shifted)`` (every exponent <= 0) and its row sums (N, 1)."""
    shifted = z - _max_keepdims(z, 1)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=1, keepdims=True)


def _ce_loss(shifted: np.ndarray, total: np.ndarray, y: np.ndarray, rows):
    """-(1/N) sum_n sum_c y_nc log softmax(z_n)_c, with log softmax = shifted - log(total)."""
    n = shifted.shape[0]
    log_total = np.log(total)
    if rows is not None:  # only the log-probability of each label; sum / N is np.mean's arithmetic
        return -((shifted[rows, y] - log_total[:, 0]).sum() / n)
    return -np.sum(y * (shifted - log_total)) / n


def _ce_grad(e: np.ndarray, total: np.ndarray, y: np.ndarray, rows) -> np.ndarray:
    """(softmax(z) sum_c y_nc - y) / N, built in ``e`` (a fresh array, free to overwrite)."""
    n = e.shape[0]
    e /= total  # now softmax(z)
    if rows is None:
        return (e * y.sum(axis=1, keepdims=True) - y) / n
    e[rows, y] -= 1
    e /= n
    return e


@_underflow_ok
def cross_entropy(logits, y):
    """Softmax cross-entropy on logits (torch ``F.cross_entropy``), mean over the batch:

        L = -(1/N) sum_n sum_c y_nc log softmax(z_n)_c

    ``y`` is either integer labels of shape (N,) (then y_nc is one-hot) or one-hot/probability
    targets of shape (N, C). Uses log_softmax, so logits of +-1e4 are fine. Apply it to the
    logits, not to softmax outputs. Shapes: logits (N, C), y (N,) or (N, C) -> scalar.

    >>> cross_entropy([[0.0, 0.0]], [1])
    np.float64(0.6931471805599453)
    """
    z, y, is_labels = _ce_inputs(logits, y, "cross_entropy")
    shifted, _, total = _ce_exp(z)
    return _ce_loss(shifted, total, y, np.arange(z.shape[0]) if is_labels else None)


@_underflow_ok
def cross_entropy_backward(logits, y) -> np.ndarray:
    """dL/dz_n = (softmax(z_n) sum_c y_nc - y_n) / N, i.e. (softmax(z) - y) / N when rows of y sum to 1.

    Shapes: like logits, (N, C).

    >>> cross_entropy_backward([[0.0, 0.0]], [1])
    array([[ 0.5, -0.5]])
    """
    z, y, is_labels = _ce_inputs(logits, y, "cross_entropy_backward")
    _, e, total = _ce_exp(z)
    return _ce_grad(e, total, y, np.arange(z.shape[0]) if is_labels else None)


@_underflow_ok
def cross_entropy_with_grad(logits, y) -> tuple:
    """``(cross_entropy(logits, y), cross_entropy_backward(logits, y))`` in one pass.

    Both need softmax(z)_c = exp(z_c - m) / sum_j exp(z_j - m), with m = max_j z_j per row; this
    computes it (and checks ``y``) once, so a training step pays for one softmax, not two:

        L = -(1/N) sum_n sum_c y_nc log softmax(z_n)_c
        dL/dz_n = (softmax(z_n) sum_c y_nc - y_n) / N

    The results are identical, bit for bit, to the two separate calls (the same operations in
    the same order). ``nnlib.model.Sequential`` uses it for ``loss="cross_entropy"`` unless
    ``cross_entropy`` or ``cross_entropy_backward`` has been replaced (``nnlib.grading.student.substitute``).
    Shapes: logits (N, C), y (N,) or (N, C) -> (scalar, array (N, C)).

    >>> cross_entropy_with_grad([[0.0, 0.0]], [1])
    (np.float64(0.6931471805599453), array([[ 0.5, -0.5]]))
    """
    z, y, is_labels = _ce_inputs(logits, y, "cross_entropy_with_grad")
    return _ce_fused(z, y, np.arange(z.shape[0]) if is_labels else None)


def _ce_fused(z: np.ndarray, y: np.ndarray, rows) -> tuple:
    """The loss and its gradient from one softmax, on checked inputs (``rows``: None for (N, C) targets)."""
    shifted, e, total = _ce_exp(z)
    return _ce_loss(shifted, total, y, rows), _ce_grad(e, total, y, rows)


# --------------------------------------------------------------------------- KL divergence


def _kl_inputs(pred, target, fn: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate (pred, target): same shape (C,) or (N, C), no negative probabilities; N."""
    pred, target = _pair(pred, target, fn, "pred", "target")
    check_ndim(pred, (1, 2), fn, "pred", "(C,) or (N, C)")
    _check_in_range(pred, 0, np.inf, fn, "pred", ">= 0 (probabilities)")
    _check_in_range(target, 0, np.inf, fn, "target", ">= 0 (probabilities)")
    return pred, target, (1 if pred.ndim == 1 else pred.shape[0])


@_underflow_ok
def kl_divergence(pred, target):
    """Kullback-Leibler divergence KL(target || pred) of the model's probabilities ``pred`` from
    the ``target`` distribution, summed over classes, mean over the batch:

        L = (1/N) sum_n sum_c target_nc (log target_nc - log pred_nc),   with 0 log 0 = 0

    The model's output comes first, as in every nnlib loss; as a loss this is what
    ``torch.nn.KLDivLoss(reduction='batchmean')(pred.log(), target)`` computes (torch takes the
    *log* of the prediction). It differs from the cross-entropy -(1/N) sum target log pred only by
    the target's entropy, which does not depend on the model (book chapter 8).

    A 1-D input is one distribution (N = 1; torch's 'batchmean' would divide by C). Terms with
    target = 0 are 0, also where pred = 0 (torch gives NaN there); target > 0 with pred = 0 gives
    inf. Shapes: pred, target alike, (C,) or (N, C) -> scalar.

    >>> kl_divergence([0.9, 0.1], [0.5, 0.5])  # KL(target || pred) = 0.5 log(0.5 / 0.9) + ...
    np.float64(0.5108256237659905)
    """
    pred, target, n = _kl_inputs(pred, target, "kl_divergence")
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0; the target = 0 terms become 0
        terms = np.where(target > 0, target * (np.log(target) - np.log(pred)), 0)
    return np.sum(terms) / n


@_underflow_ok
def kl_divergence_backward(pred, target) -> np.ndarray:
    """dL/dpred = -target / (N pred): only the term -target_nc log pred_nc depends on pred_nc.

    Where target = 0 the gradient is 0 (torch: NaN where pred = 0 too); target > 0 with pred = 0,
    or a ratio beyond the float range (pred below ~1e-308 target), gives -inf, as torch does.
    Shapes: like pred.

    >>> kl_divergence_backward([0.8, 0.2], [0.4, 0.6])
    array([-0.5, -3. ])
    """
    pred, target, n = _kl_inputs(pred, target, "kl_divergence_backward")
    with np.errstate(divide="ignore", over="ignore"):  # -inf for pred = 0 < target, as torch
        ratio = np.divide(target, pred, out=np.zeros_like(pred), where=target > 0)
    return -ratio / n


# ---------------------------------------------------------------------------------- registry

LOSSES: dict[str, tuple[Callable, Callable]] = {
    f.__name__: (f, b)
    for f, b in [
        (mse, mse_backward),
        (mae, mae_backward),
        (huber, huber_backward),
        (hinge, hinge_backward),
        (binary_cross_entropy, binary_cross_entropy_backward),
        (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_backward),
        (cross_entropy, cross_entropy_backward),
        (kl_divergence, kl_divergence_backward),
    ]
}
_ALIASES = {  # Keras and PyTorch spellings
    "mean_squared_error": "mse",
    "l2": "mse",
    "mean_absolute_error": "mae",
    "l1": "mae",
    "huber_loss": "huber",
    "bce": "binary_cross_entropy",
    "binary_crossentropy": "binary_cross_entropy",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "categorical_crossentropy": "cross_entropy",
    "sparse_categorical_crossentropy": "cross_entropy",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
}
LOSSES.update({alias: LOSSES[name] for alias, name in _ALIASES.items()})


def get_loss(name: str) -> tuple[Callable, Callable]:
    """Look up ``(loss, backward)`` by name (case-insensitive), e.g. ``compile(loss="mse")``.

    Caution for Keras users: ``"categorical_crossentropy"`` here is ``cross_entropy`` and takes
    LOGITS (Keras' default expects softmax outputs), and ``"binary_crossentropy"`` takes
    probabilities. ``"kl_divergence"`` takes the model's probabilities first and computes
    KL(target || pred), as ``torch.nn.KLDivLoss`` does.

    >>> get_loss("mean_squared_error") == (mse, mse_backward)
    True
    """
    return lookup_name(LOSSES, name, "loss", "get_loss")
