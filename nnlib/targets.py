"""What a model's inputs and targets must look like for its loss, and what its outputs mean.

**Output and loss pairing.** The last layer outputs *logits* (no activation) and the loss works on
them, which is numerically stable (book chapters 4 and 8). ``predict`` then applies the matching
link function, so it returns probabilities::

    loss                               last layer outputs                  predict() returns
    cross_entropy                      logits (N, K), no activation        softmax(logits)
    binary_cross_entropy_with_logits   a logit (N, 1), no activation       sigmoid(logit)
    binary_cross_entropy               a probability (activation=sigmoid)  the output unchanged
    kl_divergence                      probabilities (activation=softmax)  the output unchanged
    mse, mae, huber, hinge, ...        any values                          the output unchanged

Labels for ``cross_entropy`` are integer classes ``(N,)`` or one-hot ``(N, K)``; for the binary
losses ``(N,)`` or ``(N, 1)``; for the others, the output's shape (for ``kl_divergence``, the
target distributions: ``evaluate`` then reports KL(target || output)).

>>> check_targets(np.array([0, 2, 1]), 3, "fit", "cross_entropy", (3,), np.dtype("float64"))
array([0, 2, 1])
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, shape_str

__all__ = ["LINK", "THRESHOLD", "check_inputs", "check_targets", "count_correct"]

#: losses whose input is a logit: predict() applies this link to return probabilities
LINK = {"cross_entropy": "softmax", "binary_cross_entropy_with_logits": "sigmoid"}
#: the decision threshold of a single-output model, per loss
#: (0.5 otherwise: probabilities, 0/1 targets)
THRESHOLD = {"binary_cross_entropy_with_logits": 0.0, "hinge": 0.0}
#: losses whose labels are classes: integers (N,) or one-hot (N, K)
_CLASS_LOSSES = {"cross_entropy"}


def check_inputs(X, fn: str, input_shape: tuple | None, dtype) -> np.ndarray:
    """``X`` as a float array of shape ``(N, *input_shape)`` (any when None), cast to ``dtype``.

    >>> check_inputs([[1, 2]], "predict", (2,), np.dtype("float32")).dtype
    dtype('float32')
    """
    if type(X) is not np.ndarray or dtype is None or X.dtype != dtype:
        X = as_float_array(X, fn, "X")
    if X.ndim < 2:
        raise ValueError(f"{fn}: expected X of shape (N, features...), got {X.shape}")
    if input_shape is not None and X.shape[1:] != input_shape:
        raise ValueError(
            f"{fn}: expected X of shape {shape_str((None,) + input_shape)} "
            f"(the model's input shape), got {X.shape}"
        )
    return X if dtype is None or X.dtype == dtype else X.astype(dtype)


def check_targets(
    y, n: int, fn: str, loss_name: str | None, out_shape: tuple, dtype, values: bool = True
) -> np.ndarray:
    """Targets in the form the loss expects: int labels or one-hot for cross_entropy, else floats
    shaped like the output (``(N,)`` becomes ``(N, 1)`` for a single output). ``loss_name`` None:
    a custom loss, whose conventions are its own (only the count is checked).

    ``values=False`` skips the O(N) label checks (integral, in range): ``train_on_batch`` leaves
    them to the loss function, which checks them anyway; ``fit`` checks the whole ``y`` once."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: y must hold numbers, got dtype {y.dtype}")
    if y.ndim == 0 or len(y) != n:
        raise ValueError(
            f"{fn}: X and y must have the same number of samples, got X with {n} and "
            f"y of shape {y.shape}"
        )
    if loss_name is None:
        return y
    if loss_name in _CLASS_LOSSES:
        return _check_labels(y, n, fn, loss_name, out_shape[0], dtype, values)
    if y.shape[1:] != out_shape:
        if out_shape == (1,) and y.ndim == 1:
            y = y.reshape(-1, 1)
        else:
            raise ValueError(
                f"{fn}: loss {loss_name!r} expects y of shape "
                f"{shape_str((None,) + out_shape)} (the model's output shape), got {y.shape}"
            )
    return y.astype(dtype, copy=False)


def _check_labels(y, n, fn, loss_name, k, dtype, values) -> np.ndarray:
    """Class labels ``(N,)`` in ``[0, k)`` (int64), or one-hot ``(N, k)`` (in ``dtype``)."""
    if y.ndim == 1:
        if y.dtype.kind in "iu" and not values:
            return y
        if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
            _label_error(fn, loss_name, y, k, "non-integer labels")
        if n and (y.min() < 0 or y.max() >= k):
            _label_error(fn, loss_name, y, k, f"labels from {y.min()} to {y.max()}")
        return y.astype(np.int64, copy=False)
    if y.shape[1:] != (k,):
        _label_error(fn, loss_name, y, k, None)
    return y.astype(dtype, copy=False)


def _label_error(fn, loss_name, y, k, detail):
    got = f"y of shape {y.shape}" + (f" with {detail}" if detail else "")
    raise ValueError(
        f"{fn}: loss {loss_name!r} expects y of shape (N,) with integer class labels "
        f"in [0, {k}) or one-hot of shape (N, {k}), got {got}"
    )


def count_correct(out: np.ndarray, y: np.ndarray, threshold: float) -> int:
    """Number of correct predictions: arg-max for K > 1 outputs, ``out > threshold`` for one output.

    >>> count_correct(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]), 0.5)
    1
    """
    if out.shape[1] > 1:
        true = y if y.ndim == 1 else y.argmax(axis=1)
        return int(np.count_nonzero(out.argmax(axis=1) == true))
    return int(np.count_nonzero((out > threshold) == (y > threshold)))
