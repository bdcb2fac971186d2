"""Reference implementations of graded functions that nnlib does not offer under the same signature.

The teaching algorithms (the perceptron rule, logistic gradient, MLP forward, the 2-2-1 backprop)
live in the library (:mod:`nnlib.neurons`, :mod:`nnlib.linear`, :mod:`nnlib.backprop`) and are
imported here under their exercise names.

Each is the trusted answer for one exercise (see :mod:`nnlib.grading.student.catalog`). Where nnlib has
the computation in another form, the reference delegates to it, so the book and the grader agree.
The tests check the others against PyTorch, scikit-learn or nnlib's classes.
"""

from __future__ import annotations

import math

import numpy as np

from ... import functional as F

# The teaching algorithms are nnlib's own (the book teaches them from the library); the grader
# compares against them under these names.
from ...backprop import backprop_221  # noqa: F401
from ...linear import logistic_gradient  # noqa: F401
from ...neurons import mcculloch_pitts, mlp_forward, perceptron_update  # noqa: F401

# ----------------------------------------------------------------------------- chapter 1
# Plain NumPy, not delegated to nnlib.data: worksheet 1 draws its data and its explorer with
# nnlib.data, which the grader must leave working (tests/test_worksheets_01_15.py checks agreement).


def one_hot_encode(labels, categories):
    """``(N, K)`` floats: ``Y[i, k] = 1`` where ``labels[i] == categories[k]``; columns in ``categories`` order.

    >>> one_hot_encode(["b", "a"], ["a", "b", "c"]).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    return (np.asarray(labels)[:, None] == np.asarray(categories)[None, :]).astype(np.float64)


def dummy_encode(labels, categories, baseline):
    """K-1 encoding: :func:`one_hot_encode` without the column of the ``baseline`` category. ``(N, K-1)``."""
    keep = [k for k, c in enumerate(categories) if c != baseline]
    return one_hot_encode(labels, categories)[:, keep]


def has_dummy_trap(X):
    """Whether ``[1 | X]`` (an intercept column beside the features ``X``, ``(N, D)``) is rank-deficient."""
    design = np.column_stack([np.ones(len(X)), X])
    return bool(np.linalg.matrix_rank(design) < design.shape[1])


def train_test_split(X, y, test_fraction, rng):
    """Shuffle with ``rng.permutation(N)``; the last ``round(test_fraction * N)`` of that order are the test set.

    Returns ``(X_train, X_test, y_train, y_test)``; the same as
    ``nnlib.data.train_dev_test_split(X, y, (1 - f, 0, f), rng)`` without its empty dev part.
    """
    order = rng.permutation(len(X))
    n_train = len(X) - int(round(test_fraction * len(X)))
    train, test = order[:n_train], order[n_train:]
    return X[train], X[test], y[train], y[test]


# ----------------------------------------------------------------------------- chapter 15


def per_class_accuracy(y_true, y_pred, k):
    """``(k,)``: the fraction of class ``c``'s samples predicted as ``c`` (its recall); 0 for an absent class."""
    hits = np.bincount(y_true[y_pred == y_true], minlength=k).astype(np.float64)
    counts = np.bincount(y_true, minlength=k)
    return np.divide(hits, counts, out=np.zeros(k), where=counts > 0)


def train_and_predict(X_train, y_train, X_test):
    """A trusted, simple classifier for the capstone's interface cases: the nearest class mean.

    The cases (well separated classes) have one right answer that any working classifier finds;
    the capstone's accuracy is measured on the digits by its leaderboard driver instead.
    """
    classes = np.unique(y_train)
    means = np.stack([X_train[y_train == c].mean(axis=0) for c in classes])
    distances = ((X_test[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)
    return classes[distances.argmin(axis=1)].astype(np.int64)


# ----------------------------------------------------------------------------- chapter 2


def linear_gd_step(w, X, y, lr):
    """One gradient-descent step on J(w) = (1/N) ||X w - y||^2: ``w - lr * (2/N) X^T (X w - y)``.

    Shapes: w (D,), X (N, D), y (N,) -> (D,).

    >>> linear_gd_step(np.zeros(1), np.ones((2, 1)), np.ones(2), 0.25)
    array([0.5])
    """
    return w - lr * (2.0 / X.shape[0]) * (X.T @ (X @ w - y))


def poly_features_1d(x, degree):
    """Columns ``x, x^2, ..., x^degree`` of a single feature. Shapes: x (N,) -> (N, degree).

    >>> poly_features_1d(np.array([2.0]), 3)
    array([[2., 4., 8.]])
    """
    return x[:, None] ** np.arange(1, degree + 1)


# ----------------------------------------------------------------------------- chapter 3


def gaussian_nll(y, pred, sigma):
    """Negative log-likelihood of ``y`` under N(pred, sigma^2), summed over the samples.

    ``sum_i [ log(2 pi sigma^2) / 2 + (y_i - pred_i)^2 / (2 sigma^2) ]``. Shapes: y, pred (N,) -> float.

    >>> round(gaussian_nll(np.zeros(1), np.zeros(1), 1.0), 6)
    0.918939
    """
    r = y - pred
    return float(y.size * 0.5 * math.log(2 * math.pi * sigma**2) + np.sum(r * r) / (2 * sigma**2))


def lasso_cd(X, y, lam, n_sweeps):
    """``n_sweeps`` cyclic coordinate-descent sweeps from w = 0 on ||y - X w||^2 + lam ||w||_1.

    ``w_j <- S(rho_j, lam / 2) / (x_j^T x_j)`` with ``rho_j = x_j^T (y - X w + x_j w_j)``, updated in
    place so later coordinates see the new w_j. Shapes: X (N, D), y (N,) -> w (D,).

    >>> lasso_cd(np.eye(2), np.array([3.0, 0.5]), 2.0, 5)
    array([2., 0.])
    """
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ w + xj * w[j])
            w[j] = np.sign(rho) * max(abs(rho) - lam / 2, 0.0) / (xj @ xj)
    return w


# ----------------------------------------------------------------------------- chapter 9


def _schedule_value(schedule, t):
    return np.asarray(schedule(np.asarray(t, dtype=np.float64)), dtype=np.float64)


def time_decay_lr(lr0, k, t):
    """``lr0 / (1 + k t)`` for every step in ``t``. Shapes: t (T,) -> (T,)."""
    from ... import optim

    return _schedule_value(optim.time_decay(lr0, k), t)


def step_decay_lr(lr0, drop, every, t):
    """``lr0 * drop ** floor(t / every)``. Shapes: t (T,) -> (T,)."""
    from ... import optim

    return _schedule_value(optim.step_decay(lr0, drop, every), t)


def cosine_lr(lr0, total, t, lr_min=0.0):
    """``lr_min + (lr0 - lr_min) (1 + cos(pi min(t, total) / total)) / 2``. Shapes: t (T,) -> (T,)."""
    from ... import optim

    return _schedule_value(optim.cosine(lr0, total, lr_min), t)


# ----------------------------------------------------------------------------- chapter 11


# update_running_stats is nnlib's own (the BatchNorm layer calls it, so substitute() can swap it).
update_running_stats = F.update_running_stats

# The staged batch-norm backward of worksheet 11: one function per node of the graph
#     x -> mu -> xc = x - mu -> var = mean(xc^2) -> std = sqrt(var + eps) -> xhat = xc / std
#       -> out = gamma * xhat + beta,
# each taking the upstream gradient of its node's output. Composed (worksheet 11, and
# tests/test_worksheet_stages.py) they give F.batchnorm_backward. Shapes: per-batch arrays
# (N, D), per-feature arrays (D,).


def bn_scale_shift_backward(dout, xhat, gamma):
    """Back through ``out = gamma * xhat + beta``: ``(dxhat, dgamma, dbeta)``.

    ``dxhat = gamma * dout``; gamma and beta are shared by the N rows, so their gradients sum
    over the batch: ``dgamma = sum_n dout_n xhat_n``, ``dbeta = sum_n dout_n``.

    >>> [a.tolist() for a in bn_scale_shift_backward(np.ones((2, 1)), np.array([[-1.0], [1.0]]), np.array([3.0]))]
    [[[3.0], [3.0]], [0.0], [2.0]]
    """
    return dout * gamma, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def bn_divide_backward(dxhat, xc, std):
    """Back through ``xhat = xc / std``: ``(dxc, dstd)``, dxc along this edge only.

    ``dxc = dxhat / std``; std is shared by the rows, so ``dstd = -sum_n dxhat_n xc_n / std^2``.

    >>> [a.tolist() for a in bn_divide_backward(np.ones((2, 1)), np.array([[-1.0], [3.0]]), np.array([2.0]))]
    [[[0.5], [0.5]], [-0.5]]
    """
    return dxhat / std, -(dxhat * xc).sum(axis=0) / std**2


def bn_sqrt_backward(dstd, std):
    """Back through ``std = sqrt(var + eps)``: ``dvar = dstd / (2 std)`` (d sqrt(u)/du = 1/(2 sqrt(u))).

    >>> bn_sqrt_backward(np.array([1.0]), np.array([2.0]))
    array([0.25])
    """
    return dstd / (2.0 * std)


def bn_variance_backward(dvar, xc):
    """Back through ``var = (1/N) sum_n xc_n^2``: the edge xc -> var gives ``dxc = (2/N) xc dvar``.

    >>> bn_variance_backward(np.array([1.0]), np.array([[-1.0], [3.0]]))
    array([[-1.],
           [ 3.]])
    """
    return 2.0 * xc * dvar / xc.shape[0]


def bn_center_backward(dxc):
    """Back through ``xc = x - mu`` with ``mu = (1/N) sum_n x_n``: ``dx = dxc - mean_n(dxc)``.

    The direct edge gives ``dxc``; ``dmu = -sum_n dxc_n`` reaches every x_n with weight 1/N.

    >>> bn_center_backward(np.array([[1.0], [3.0]]))
    array([[-1.],
           [ 1.]])
    """
    return dxc - dxc.mean(axis=0)


# ----------------------------------------------------------------------------- chapter 12


def early_stopping(val_losses, patience, min_delta=0.0):
    """Replay :class:`nnlib.callbacks.EarlyStopping` (mode "min") over a list of validation losses.

    An epoch improves when ``loss < best - min_delta``. Training stops at the epoch where
    ``patience`` epochs in a row (at least 1) have not improved. Returns
    ``(best_epoch, stopped_epoch)``, 0-based, with ``stopped_epoch = -1`` if it never stops.

    >>> early_stopping(np.array([3.0, 2.0, 2.5, 2.4, 1.0]), 2)
    (1, 3)
    """
    best, best_epoch, wait = math.inf, -1, 0
    for epoch, loss in enumerate(np.asarray(val_losses, dtype=np.float64).tolist()):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
            continue
        wait += 1
        if wait >= max(patience, 1):
            return best_epoch, epoch
    return best_epoch, -1


# ----------------------------------------------------------------------------- chapter 13


def kfold_indices(n, k, fold):
    """``(train_idx, val_idx)`` of fold ``fold`` for unshuffled k-fold CV over ``range(n)``.

    The first ``n % k`` folds hold ``n // k + 1`` samples, the others ``n // k`` (scikit-learn).
    """
    from ...data import kfold

    train, val = list(kfold(n, k, shuffle=False))[fold]
    return train.astype(np.int64), val.astype(np.int64)


def f1_score(y_true, y_pred):
    """Binary F1 of the positive class 1: ``2 TP / (2 TP + FP + FN)``, 0 when that is 0/0."""
    from ...metrics import f1

    return (
        float(f1(y_true, y_pred, average="binary", pos_label=1, labels=None))
        if np.any((y_true == 1) | (y_pred == 1))
        else 0.0
    )


def precision_recall(y_true, y_pred):
    """Binary ``(precision, recall)`` of class 1, each 0 when its denominator is 0."""
    from ...metrics import precision_recall_f1

    if not np.any((y_true == 1) | (y_pred == 1)):
        return 0.0, 0.0
    p, r, _ = precision_recall_f1(y_true, y_pred, average="binary", pos_label=1)
    return float(p), float(r)


def confusion_counts(y_true, y_pred, k):
    """``C[i, j]`` = number of samples of class i predicted as j, for classes ``0..k-1``. (k, k) int."""
    from ...metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=range(k)).astype(np.int64)


# ----------------------------------------------------------------------------- chapter 14


def conv_output_size(n, k, stride=1, pad=0):
    """``(n + 2 pad - k) // stride + 1``: the output length of a convolution or pooling window.

    >>> conv_output_size(8, 3, 1, 1)
    8
    """
    return (n + 2 * pad - k) // stride + 1
