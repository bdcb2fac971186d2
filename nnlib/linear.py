r"""Classical linear models (chapters 2-4): least squares, ridge, lasso, elastic net, logistic and softmax.

Plain functions work on a design matrix ``X (N, D)`` (add a column of ones yourself for a bias);
the estimators (``fit``/``predict``, ``coef_``/``intercept_``, like scikit-learn) handle the
intercept and never penalise it.

Objectives. We use the *sum* of squared errors for the regression models, so every penalty
weight is a ratio of variances from a MAP derivation (below).

==========  ============================================  ==============================================
model       our objective (minimised over w, b)           scikit-learn equivalent
==========  ============================================  ==============================================
OLS         ||y - Xw - b||^2                              LinearRegression()
Ridge       ||y - Xw - b||^2 + lam ||w||^2                Ridge(alpha=lam)
Lasso       ||y - Xw - b||^2 + lam ||w||_1                Lasso(alpha=lam / (2N))
ElasticNet  ||y - Xw - b||^2 + lam1 ||w||_1               ElasticNet(alpha=lam1 / (2N) + lam2 / N,
            + lam2 ||w||^2                                l1_ratio=lam1 / (lam1 + 2 lam2))
Logistic    mean(log-loss) + (lam / 2) ||w||^2            LogisticRegression(C=1 / (lam N)); C=inf: lam=0
Softmax     mean(cross-entropy) + (lam / 2) ||W||_F^2     the same, with K >= 3 classes
==========  ============================================  ==============================================

MAP. With noise ``y | w ~ N(Xw + b, s^2 I)`` and a prior ``p(w)``,
``-log p(w | y) = ||y - Xw - b||^2 / (2 s^2) - log p(w) + const``; multiply by ``2 s^2``:

* Gaussian prior ``w ~ N(0, t^2 I)``, ``-log p(w) = ||w||^2 / (2 t^2)``: ridge, ``lam = s^2 / t^2``.
* Laplace prior ``p(w_j) = exp(-|w_j| / b) / (2b)``: lasso, ``lam = 2 s^2 / b``.
* Both priors: elastic net, ``lam1 = 2 s^2 / b``, ``lam2 = s^2 / t^2``.
* Classifiers: ``sum(log-loss) + ||w||^2 / (2 t^2)``, divided by ``N``: ``lam = 1 / (N t^2)``.

No prior (a flat one) is maximum likelihood: OLS and unregularised logistic regression.

scikit-learn's own objectives: Ridge ``||y - Xw||^2 + alpha ||w||^2``; Lasso
``(1/(2N)) ||y - Xw||^2 + alpha ||w||_1``; ElasticNet ``(1/(2N)) ||y - Xw||^2 + alpha r ||w||_1
+ (alpha (1 - r) / 2) ||w||^2`` with ``r = l1_ratio``; LogisticRegression ``C sum(log-loss)
+ (1/2) ||w||^2``. The conversions above follow by multiplying through by ``2N`` (or ``1/(CN)``).

dtype: the estimators compute in float64 (the normal equations square the condition number,
which float32 cannot afford) and store ``coef_``/``intercept_`` in the dtype of ``X``, so float32
in gives float32 out. The course notes write ``w = (X^T X)^-1 + X^T y``; the ``+`` is a typo for a
product, and we never form the inverse: ``np.linalg.solve`` is cheaper and more accurate.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from itertools import combinations_with_replacement

import numpy as np

from . import functional as F
from ._validate import (
    as_float_array,
    check_int,
    check_lengths,
    check_ndim,
    check_positive,
    check_shape,
)
from .data import one_hot

__all__ = [
    "SingularMatrixError",
    "ConvergenceWarning",
    "normal_equations",
    "ridge_closed_form",
    "soft_threshold",
    "coordinate_descent",
    "lasso_lambda_max",
    "gradient_descent",
    "logistic_gradient",
    "logistic_gd",
    "polynomial_features",
    "LinearRegression",
    "LinearRegressionGD",
    "Ridge",
    "Lasso",
    "ElasticNet",
    "LogisticRegression",
    "SoftmaxRegression",
]

_EPS = np.finfo(np.float64).eps


class SingularMatrixError(np.linalg.LinAlgError):
    """``X^T X`` is (numerically) singular: the least-squares solution is not unique.

    A ``LinAlgError``, hence also a ``ValueError``.
    """


class ConvergenceWarning(RuntimeWarning):
    """An iterative solver diverged or stopped before reaching its tolerance."""


# ----------------------------------------------------------------------------- input handling
def _as_X(X, fn: str) -> np.ndarray:
    X = as_float_array(X, fn, "X")
    if X.ndim != 2:
        hint = " (use X.reshape(-1, 1) for a single feature)" if X.ndim == 1 else ""
        raise ValueError(f"{fn}: expected X of shape (N, D), got {X.shape} ({X.ndim}-D){hint}")
    return X


def _as_Xy(X, y, fn: str, labels: bool = False) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """``X (N, D)`` and ``y (N,)`` in float64 for fitting, and the dtype results should have.

    Results follow ``X``: float32 only for float32 ``X``. Class ``labels`` are kept as they are.
    """
    X = _as_X(X, fn)
    y = np.asarray(y) if labels else as_float_array(y, fn, "y").astype(np.float64)
    if y.ndim != 1:
        raise ValueError(f"{fn}: expected y of shape (N,), got {y.shape}")
    check_lengths(X, y, fn)
    return X.astype(np.float64), y, X.dtype


def _check_conditioning(X: np.ndarray, fn: str, centred: bool) -> None:
    """Raise ``SingularMatrixError`` when ``cond(X^T X) >= 1/eps``.

    ``cond(X^T X) = (s_max / s_min)^2`` with ``s`` the singular values of ``X``. Beyond ``1/eps``
    the normal equations cannot determine a single digit of ``w``: that is singular in practice,
    whether or not an LU factorisation happens to hit an exact zero pivot.
    """
    n, d = X.shape
    s = np.linalg.svd(X, compute_uv=False)
    rank = int(np.sum(s > s[0] * np.sqrt(_EPS))) if s.size else 0
    if rank == d:
        return
    null = np.linalg.svd(X, full_matrices=False)[2][-1] if n >= d else None  # X @ null ~ 0
    with np.errstate(over="ignore", divide="ignore"):
        cond = (s[0] / s[-1]) ** 2 if s.size == d else np.inf
    if null is None:
        cause = f"there are fewer samples (N={n}) than columns (D={d})"
    else:
        cols = np.flatnonzero(np.abs(null) > 1e-6 * np.abs(null).max())
        if cols.size == 1 and centred:
            cause = f"column {cols[0]} is constant, so it duplicates the intercept"
        elif cols.size == 1:
            cause = f"column {cols[0]} is all zeros"
        else:
            where = "after centring (which stands for the intercept)" if centred else "of X"
            cause = (
                f"columns {cols.tolist()} {where} are linearly dependent. Likely cause: the "
                "dummy-variable trap (all K one-hot columns of a categorical feature plus an "
                "intercept: the one-hot columns sum to the intercept column) or a duplicated column"
            )
    raise SingularMatrixError(
        f"{fn}: the matrix X^T X ({d} x {d}) is singular (rank {rank} < {d}, condition number "
        f"{cond:.1e}), so least squares has no unique solution: {cause}. Fix: drop one one-hot "
        "column (K-1 encoding) or the offending column, or use ridge (lam > 0 makes "
        "X^T X + lam I invertible)."
    )


# ----------------------------------------------------------------------------- closed forms
def normal_equations(X, y) -> np.ndarray:
    r"""Least squares (the maximum-likelihood ``w`` under Gaussian noise) from the normal equations.

    .. math:: J(w) = \|y - Xw\|^2,\quad \nabla J = 2X^T(Xw - y) = 0 \;\Rightarrow\; X^T X\, w = X^T y

    Solved with ``np.linalg.solve`` (never an explicit inverse). Raises ``SingularMatrixError``
    with the likely cause when ``X^T X`` is singular (see the module docstring).

    Shapes: ``X (N, D)``, ``y (N,)`` -> ``w (D,)``, in the dtype of ``X`` (computed in float64).

    >>> normal_equations(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 3.0, 5.0]))
    array([1., 2.])
    """
    return ridge_closed_form(X, y, 0.0, fn="normal_equations")


def ridge_closed_form(X, y, lam: float, fn: str = "ridge_closed_form") -> np.ndarray:
    r"""Ridge regression, the MAP estimate under a Gaussian prior ``w ~ N(0, t^2 I)``.

    .. math:: J(w) = \|y - Xw\|^2 + \lambda\|w\|^2 \;\Rightarrow\; (X^T X + \lambda I)\, w = X^T y

    ``lam = s^2 / t^2`` (noise variance over prior variance); scikit-learn's ``Ridge(alpha=lam,
    fit_intercept=False)``. For ``lam > 0`` the matrix is positive definite, so the dummy-variable
    trap is harmless. Every column of ``X`` is penalised, so do not include a column of ones
    (the :class:`Ridge` estimator centres the data instead).

    Shapes: ``X (N, D)``, ``y (N,)`` -> ``w (D,)``.

    >>> ridge_closed_form(np.eye(2), np.array([2.0, 4.0]), lam=1.0)
    array([1., 2.])
    """
    X, y, dtype = _as_Xy(X, y, fn)
    check_positive(lam, fn, "lam", allow_zero=True)
    if lam == 0:
        _check_conditioning(X, fn, centred=False)
    A = X.T @ X + float(lam) * np.eye(X.shape[1])
    return np.linalg.solve(A, X.T @ y).astype(dtype, copy=False)


# ----------------------------------------------------------------------------- coordinate descent
def soft_threshold(x, lam: float) -> np.ndarray:
    r"""The soft-thresholding operator ``S(x, lam) = sign(x) * max(|x| - lam, 0)``.

    It solves ``argmin_w (w - x)^2 / 2 + lam |w|``: values within ``lam`` of zero become *exactly*
    zero, the others shrink by ``lam``. This is why lasso gives sparse weights. Plain (sub)gradient
    descent on ``lam |w|`` does not: it steps by ``+-lam`` forever and oscillates around 0.

    Shapes: any -> same shape and dtype.

    >>> soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0)
    array([-2.,  0.,  1.])
    """
    x = as_float_array(x, "soft_threshold", "x")
    check_positive(lam, "soft_threshold", "lam", allow_zero=True)
    return np.sign(x) * np.maximum(np.abs(x) - x.dtype.type(lam), 0)


def coordinate_descent(
    X, y, lam1: float, lam2: float = 0.0, max_iter: int = 10_000, tol: float = 1e-10, w0=None
) -> tuple[np.ndarray, int]:
    r"""Elastic net / lasso by cyclic coordinate descent.

    .. math:: J(w) = \|y - Xw\|^2 + \lambda_1\|w\|_1 + \lambda_2\|w\|^2

    Holding every weight but ``w_j`` fixed, with ``rho_j = x_j^T (y - X w + x_j w_j)`` (the
    correlation of column ``j`` with the residual that excludes it), setting the subgradient to
    zero, ``-2 rho_j + 2 (x_j^T x_j + lam2) w_j + lam1 sign(w_j) = 0``, gives

    .. math:: w_j \leftarrow S(\rho_j, \lambda_1 / 2) / (x_j^T x_j + \lambda_2)

    (the threshold is ``lam1 / 2`` because our squared error has no 1/2 in front). ``rho_j`` is
    computed from the Gram matrix ``G = X^T X`` and ``c = X^T y``: ``rho_j = c_j - G_j w + G_jj w_j``.
    A sweep updates every coordinate once; it stops when no weight moved more than
    ``tol * max(1, max|w|)``. ``lam2 = 0`` is the lasso.

    Shapes: ``X (N, D)``, ``y (N,)`` -> ``(w (D,), sweeps)``.

    >>> coordinate_descent(np.eye(2), np.array([3.0, 0.5]), lam1=2.0)[0]
    array([2., 0.])
    """
    fn = "coordinate_descent"
    X, y, dtype = _as_Xy(X, y, fn)
    check_positive(lam1, fn, "lam1", allow_zero=True)
    check_positive(lam2, fn, "lam2", allow_zero=True)
    max_iter = check_int(max_iter, fn, "max_iter")
    G, c = X.T @ X, X.T @ y
    denom = np.diag(G) + float(lam2)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=np.float64)
    check_shape(w, (X.shape[1],), fn, "w0", "one weight per column of X")
    threshold = float(lam1) / 2
    for sweep in range(1, max_iter + 1):
        max_step = 0.0
        for j in range(w.size):
            if denom[j] == 0:  # an all-zero column and no L2 term: its weight cannot matter
                continue
            rho = c[j] - G[j] @ w + G[j, j] * w[j]
            new = np.sign(rho) * max(abs(rho) - threshold, 0.0) / denom[j]
            max_step = max(max_step, abs(new - w[j]))
            w[j] = new
        if max_step <= tol * max(1.0, np.abs(w).max(initial=0.0)):
            return w.astype(dtype, copy=False), sweep
    warnings.warn(
        f"{fn}: no convergence after max_iter={max_iter} sweeps (last step {max_step:.1e}); "
        "raise max_iter or tol",
        ConvergenceWarning,
        stacklevel=2,
    )
    return w.astype(dtype, copy=False), max_iter


def lasso_lambda_max(X, y, fit_intercept: bool = True) -> float:
    r"""The smallest ``lam`` for which the lasso solution is all zeros: ``lam_max = 2 max_j |x_j^T y|``.

    At ``w = 0`` the subgradient condition ``|2 x_j^T y| <= lam`` holds for every ``j`` exactly when
    ``lam >= lam_max`` (with an intercept, ``X`` and ``y`` are centred first). Useful for the
    start of a regularisation path.

    >>> lasso_lambda_max(np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]))
    4.0
    """
    X, y, _ = _as_Xy(X, y, "lasso_lambda_max")
    if fit_intercept:
        X, y = X - X.mean(axis=0), y - y.mean()
    return float(2 * np.abs(X.T @ y).max(initial=0.0))


# ----------------------------------------------------------------------------- gradient descent
def gradient_descent(
    loss_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    w0,
    lr: float,
    n_iters: int,
    tol: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Batch gradient descent ``w <- w - lr * grad J(w)``.

    ``loss_and_grad(w)`` returns ``(J(w), dJ/dw)``. Stops early when ``max|grad| <= tol``
    (``tol = 0`` runs all ``n_iters`` steps). If the loss explodes (the learning rate is too
    large: for a quadratic, ``lr > 2 / L`` with ``L`` the largest curvature) it stops with a
    ``ConvergenceWarning`` instead of overflowing.

    Returns ``(w, losses)``: ``losses[t]`` is ``J`` before step ``t``, plus the final loss, so
    ``len(losses) == steps taken + 1``. ``w`` keeps the shape and dtype of ``w0``.

    >>> w, losses = gradient_descent(lambda w: (float(w @ w), 2 * w), np.array([1.0]), 0.25, 2)
    >>> w, losses
    (array([0.25]), array([1.    , 0.25  , 0.0625]))
    """
    fn = "gradient_descent"
    check_positive(lr, fn, "lr")
    check_positive(tol, fn, "tol", allow_zero=True)
    n_iters = check_int(n_iters, fn, "n_iters")
    w = as_float_array(w0, fn, "w0").copy()
    lr_ = w.dtype.type(lr)
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below, not raised
        for _ in range(n_iters):
            loss, grad = loss_and_grad(w)
            losses.append(float(loss))
            if not np.isfinite(loss) or loss > 1e10 * max(losses[0], 1e-300):
                warnings.warn(
                    f"{fn}: the loss diverged ({losses[0]:.3g} -> {loss:.3g} after "
                    f"{len(losses) - 1} steps): lr={lr} is too large",
                    ConvergenceWarning,
                    stacklevel=2,
                )
                return w, np.array(losses)
            if np.max(np.abs(grad), initial=0.0) <= tol:
                return w, np.array(losses)
            w = w - lr_ * grad
        losses.append(float(loss_and_grad(w)[0]))
    return w, np.array(losses)


# ------------------------------------------------------------- logistic regression by hand (chapter 4)
def logistic_gradient(w, b, X, y):
    """Gradient of the mean BCE of ``sigmoid(X w + b)`` against 0/1 labels ``y``.

    ``dw = X^T (sigmoid(X w + b) - y) / N`` and ``db = mean(sigmoid(X w + b) - y)``: the sigmoid's
    derivative cancels the cross-entropy's, leaving the error ``p - y`` (chapter 4).
    Shapes: w (D,), b float, X (N, D), y (N,) -> (dw (D,), db float).

    >>> logistic_gradient(np.zeros(1), 0.0, np.array([[1.0], [-1.0]]), np.array([1.0, 0.0]))
    (array([-0.5]), 0.0)
    """
    r = F.sigmoid(X @ w + b) - y
    return X.T @ r / X.shape[0], float(np.mean(r))


def logistic_gd(X, y, lr: float, steps: int, w0=None, b0: float = 0.0) -> dict[str, np.ndarray]:
    r"""Full-batch gradient descent on the mean binary cross-entropy of ``sigmoid(X w + b)``.

    .. math:: J = \frac1N \sum_n \ell(z_n, y_n),\ z = Xw + b,\quad
              \nabla_w J = \frac1N X^\top(\sigma(z) - y),\quad \partial_b J = \frac1N \sum_n (\sigma(z_n) - y_n)

    The loss and ``dJ/dz`` come from ``nnlib.functional.binary_cross_entropy_with_logits``
    and its backward pass (stable for any ``z``). Shapes: ``X (N, D)``, ``y (N,)``.
    Returns ``w (T+1, D)``, ``b (T+1,)`` and ``loss (T+1,)``: the start and every step.

    >>> logistic_gd(np.array([[1.0], [-1.0]]), np.array([1, 0]), lr=1.0, steps=1)["w"][1].tolist()
    [0.5]
    """
    fn = "logistic_gd"
    X = as_float_array(X, fn, "X").astype(np.float64)
    check_ndim(X, 2, fn, "X", "(N, D)")
    y = as_float_array(y, fn, "y").astype(np.float64)
    if y.shape != (X.shape[0],):
        raise ValueError(f"{fn}: expected y of shape ({X.shape[0]},), got {y.shape}")
    check_positive(lr, fn, "lr")
    steps = check_int(steps, fn, "steps")
    w = np.zeros(X.shape[1]) if w0 is None else as_float_array(w0, fn, "w0").astype(np.float64)
    b = float(b0)
    ws, bs, losses = [w], [b], []
    for _ in range(steps):
        z = X @ w + b
        losses.append(float(F.binary_cross_entropy_with_logits(z, y)))
        dz = F.binary_cross_entropy_with_logits_backward(z, y)  # (sigmoid(z) - y) / N
        w, b = w - lr * (X.T @ dz), b - lr * float(dz.sum())
        ws.append(w)
        bs.append(b)
    losses.append(float(F.binary_cross_entropy_with_logits(X @ w + b, y)))
    return {"w": np.array(ws), "b": np.array(bs), "loss": np.array(losses)}


# ----------------------------------------------------------------------------- features
def polynomial_features(X, degree: int, include_bias: bool = False) -> np.ndarray:
    """All monomials of the features of ``X`` up to ``degree``.

    Column order (the same as scikit-learn's ``PolynomialFeatures``): by total degree, and within a
    degree in lexicographic order of the feature indices, e.g. for two features and degree 2:
    ``[1,] x0, x1, x0^2, x0 x1, x1^2``. The bias column ``1`` is left out by default (unlike
    scikit-learn), because our estimators fit their own intercept, and a constant column next to
    an intercept makes ``X^T X`` singular.

    Shapes: ``X (N, D)`` -> ``(N, C(D + degree, degree) - 1)`` (+1 with the bias column).

    >>> polynomial_features(np.array([[2.0, 3.0]]), 2)
    array([[2., 3., 4., 6., 9.]])
    """
    fn = "polynomial_features"
    X = _as_X(X, fn)
    check_int(degree, fn, "degree", 1)
    columns = [np.ones(X.shape[0], dtype=X.dtype)] if include_bias else []
    for deg in range(1, degree + 1):
        for combo in combinations_with_replacement(range(X.shape[1]), deg):
            columns.append(np.prod(X[:, list(combo)], axis=1))
    return np.column_stack(columns) if columns else np.empty((X.shape[0], 0), X.dtype)


# ----------------------------------------------------------------------------- estimators
class _LinearModel:
    """Shared ``predict`` and intercept handling for the regression estimators."""

    fit_intercept: bool

    def _store(self, w: np.ndarray, b, dtype: np.dtype) -> _LinearModel:
        self.coef_ = np.asarray(w, dtype=dtype)
        self.intercept_ = np.asarray(b, dtype=dtype)[()]  # a NumPy scalar, or (K,) for softmax
        self.n_features_in_ = self.coef_.shape[0]
        return self

    def _fit_centred(self, X, y, solve: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        """Fit ``w`` on centred data, then ``b = mean(y) - mean(X) w``.

        Minimising over ``b`` first gives exactly that ``b``; putting it back leaves
        ``||y_c - X_c w||^2``. So centring fits the intercept without penalising it.
        """
        X64, y64, dtype = _as_Xy(X, y, f"{type(self).__name__}.fit")
        if self.fit_intercept:
            x_mean, y_mean = X64.mean(axis=0), y64.mean()
            w = solve(X64 - x_mean, y64 - y_mean)
            return self._store(w, y_mean - x_mean @ w, dtype)
        return self._store(solve(X64, y64), 0.0, dtype)

    def _check_predict_X(self, X, fn: str) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError(f"{fn}: call fit(X, y) first")
        X = _as_X(X, fn)
        check_shape(X, (None, self.n_features_in_), fn, "X", "the number of features seen in fit")
        return X

    def decision_function(self, X) -> np.ndarray:
        """``X @ coef_ + intercept_``: shape ``(N,)`` (``(N, K)`` for softmax)."""
        X = self._check_predict_X(X, f"{type(self).__name__}.predict")
        return X @ self.coef_ + self.intercept_

    def predict(self, X) -> np.ndarray:
        """Predicted targets ``X @ coef_ + intercept_``, shape ``(N,)``."""
        return self.decision_function(X)


class LinearRegression(_LinearModel):
    """Ordinary least squares by the normal equations (chapter 2).

    Minimises ``||y - X w - b||^2``; with ``fit_intercept`` the data are centred, then
    :func:`normal_equations` runs on ``X - mean(X)``. A singular ``X^T X`` (the dummy-variable
    trap, a duplicated or constant column) raises ``SingularMatrixError`` naming the columns.
    Matches scikit-learn's ``LinearRegression``, except that scikit-learn (lstsq) silently
    returns the minimum-norm solution in the singular case.

    >>> LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]).coef_
    array([2.])
    """

    def __init__(self, fit_intercept: bool = True):
        self.fit_intercept = fit_intercept

    def fit(self, X, y) -> LinearRegression:
        fn = "LinearRegression.fit"

        def solve(Xc, yc):
            _check_conditioning(Xc, fn, centred=self.fit_intercept)
            return np.linalg.solve(Xc.T @ Xc, Xc.T @ yc)

        return self._fit_centred(X, y, solve)


class Ridge(_LinearModel):
    """Ridge regression: ``||y - X w - b||^2 + lam ||w||^2``, closed form, intercept not penalised.

    MAP with a Gaussian prior ``w ~ N(0, t^2 I)`` and noise ``N(0, s^2)``: ``lam = s^2 / t^2``.
    scikit-learn: ``Ridge(alpha=lam)``. See :func:`ridge_closed_form`.

    >>> Ridge(lam=0.0).fit([[0.0], [1.0]], [1.0, 3.0]).intercept_
    np.float64(1.0)
    """

    def __init__(self, lam: float = 1.0, fit_intercept: bool = True):
        self.lam, self.fit_intercept = lam, fit_intercept

    def fit(self, X, y) -> Ridge:
        return self._fit_centred(
            X, y, lambda Xc, yc: ridge_closed_form(Xc, yc, self.lam, fn="Ridge.fit")
        )


class ElasticNet(_LinearModel):
    """Elastic net: ``||y - X w - b||^2 + lam1 ||w||_1 + lam2 ||w||^2`` by coordinate descent.

    MAP with the product of a Laplace(0, b) and a N(0, t^2) prior: ``lam1 = 2 s^2 / b``,
    ``lam2 = s^2 / t^2``. scikit-learn: ``ElasticNet(alpha=lam1/(2N) + lam2/N,
    l1_ratio=lam1/(lam1 + 2 lam2))``; conversely ``lam1 = 2 N alpha l1_ratio``,
    ``lam2 = N alpha (1 - l1_ratio)``. (The notes' ``J + lam|w| + lam|w|^2`` uses one lambda
    for both; two are needed.) ``n_iter_`` is the number of sweeps. See :func:`coordinate_descent`.

    >>> ElasticNet(lam1=0.0, lam2=0.0).fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]).coef_
    array([1.])
    """

    _PENALTIES = ("lam1", "lam2")

    def __init__(
        self,
        lam1: float = 1.0,
        lam2: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 10_000,
        tol: float = 1e-10,
    ):
        self.lam1, self.lam2 = lam1, lam2
        self.fit_intercept, self.max_iter, self.tol = fit_intercept, max_iter, tol

    def fit(self, X, y) -> ElasticNet:
        for name in self._PENALTIES:
            check_positive(getattr(self, name), f"{type(self).__name__}.fit", name, allow_zero=True)

        def solve(Xc, yc):
            w, self.n_iter_ = coordinate_descent(
                Xc, yc, self.lam1, self.lam2, self.max_iter, self.tol
            )
            return w

        return self._fit_centred(X, y, solve)


class Lasso(ElasticNet):
    """Lasso: ``||y - X w - b||^2 + lam ||w||_1`` by coordinate descent with soft-thresholding.

    MAP with a Laplace prior ``p(w_j) ~ exp(-|w_j| / b)``: ``lam = 2 s^2 / b``. scikit-learn:
    ``Lasso(alpha=lam / (2N))``. For ``lam >= lasso_lambda_max(X, y)`` every weight is exactly 0.

    >>> Lasso(lam=100.0).fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]).coef_
    array([0.])
    """

    _PENALTIES = ("lam",)

    def __init__(
        self,
        lam: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 10_000,
        tol: float = 1e-10,
    ):
        super().__init__(lam, 0.0, fit_intercept, max_iter, tol)

    @property
    def lam(self) -> float:
        """The L1 weight; an alias of ``lam1`` (so setting either one works)."""
        return self.lam1

    @lam.setter
    def lam(self, value: float) -> None:
        self.lam1 = value


class _GDModel(_LinearModel):
    """Gradient-descent fitting on ``[X, 1]`` (the intercept is a weight on a ones column).

    Subclasses give the unpenalised ``_loss_and_grad(Xa, target, theta) -> (J, dJ/dtheta)`` and
    the curvature bound ``_CURVATURE``, with ``L <= _CURVATURE * lambda_max(Xa^T Xa) / N + lam``,
    for ``lr="auto"``: ``lr = 1/L`` guarantees that every step lowers the loss.
    """

    _CURVATURE = 1.0
    lam = 0.0

    def _gd_fit(
        self, X64: np.ndarray, target: np.ndarray, dtype: np.dtype, n_outputs: int | None = None
    ):
        fn = f"{type(self).__name__}.fit"
        n = X64.shape[0]
        Xa = np.column_stack([X64, np.ones(n)]) if self.fit_intercept else X64
        shape = (Xa.shape[1],) if n_outputs is None else (Xa.shape[1], n_outputs)
        penalty = np.ones(shape)
        if self.fit_intercept:
            penalty[-1] = 0.0  # the intercept is not penalised
        lam = float(self.lam)
        if self.lr == "auto":
            lr = 1.0 / (self._CURVATURE * np.linalg.norm(Xa, 2) ** 2 / n + lam)
        else:
            lr = self.lr

        def loss_and_grad(theta):
            loss, grad = self._loss_and_grad(Xa, target, theta)
            return loss + 0.5 * lam * np.sum(penalty * theta**2), grad + lam * penalty * theta

        theta, self.loss_history_ = gradient_descent(
            loss_and_grad, np.zeros(shape), lr, self.n_iters, self.tol
        )
        self.n_iter_ = len(self.loss_history_) - 1
        if self.tol > 0 and self.n_iter_ == self.n_iters:
            warnings.warn(
                f"{fn}: max|grad| still above tol={self.tol} after n_iters={self.n_iters}",
                ConvergenceWarning,
                stacklevel=3,
            )
        if self.fit_intercept:
            return self._store(theta[:-1], theta[-1], dtype)
        return self._store(theta, np.zeros(shape[1:]), dtype)


class LinearRegressionGD(_GDModel):
    r"""Least squares by batch gradient descent on the mean squared error (chapter 2).

    .. math:: J(w, b) = \frac1N \|Xw + b - y\|^2,\quad \nabla_w J = \frac2N X^T(\hat y - y),\quad
              \partial_b J = \frac2N \sum (\hat y - y)

    (The notes drop the constant ``2/N``; it only rescales the learning rate.) Starts from zero.
    ``lr="auto"`` uses ``1/L`` with ``L = 2 lambda_max(X^T X) / N``; GD diverges for
    ``lr > 2/L``. After ``fit``: ``loss_history_`` (MSE before each step, plus the final one) and
    ``n_iter_``. With enough steps it converges to the :class:`LinearRegression` solution.

    >>> m = LinearRegressionGD(lr=0.1, n_iters=500).fit([[0.0], [1.0]], [1.0, 3.0])
    >>> np.round(m.coef_, 6), round(float(m.intercept_), 6)
    (array([2.]), 1.0)
    """

    _CURVATURE = 2.0

    def __init__(
        self,
        lr: float | str = 0.01,
        n_iters: int = 1000,
        tol: float = 0.0,
        fit_intercept: bool = True,
    ):
        self.lr, self.n_iters, self.tol, self.fit_intercept = lr, n_iters, tol, fit_intercept

    def fit(self, X, y) -> LinearRegressionGD:
        return self._gd_fit(*_as_Xy(X, y, "LinearRegressionGD.fit"))

    @staticmethod
    def _loss_and_grad(Xa, y, theta):
        residual = Xa @ theta - y
        return residual @ residual / len(y), (2.0 / len(y)) * (Xa.T @ residual)


class _Classifier(_GDModel):
    def __init__(
        self,
        lam: float = 0.0,
        lr: float | str = 0.1,
        n_iters: int = 1000,
        tol: float = 0.0,
        fit_intercept: bool = True,
    ):
        self.lam, self.lr, self.n_iters, self.tol, self.fit_intercept = (
            lam,
            lr,
            n_iters,
            tol,
            fit_intercept,
        )

    def _classes(self, X, y, fn: str) -> tuple[np.ndarray, np.ndarray, np.dtype]:
        """Store ``classes_`` (sorted unique labels); return ``X``, ``y`` as indices into it, dtype."""
        X, y, dtype = _as_Xy(X, y, fn, labels=True)
        check_positive(self.lam, fn, "lam", allow_zero=True)
        self.classes_, index = np.unique(y, return_inverse=True)
        return X, index, dtype

    def predict(self, X) -> np.ndarray:
        """The most probable class label for every row, shape ``(N,)``."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


class LogisticRegression(_Classifier):
    r"""Binary logistic regression by gradient descent, with optional L2 (chapter 4).

    .. math:: p = \sigma(z),\ z = Xw + b,\quad
              J = \frac1N \sum_i \left[\log(1 + e^{z_i}) - y_i z_i\right] + \frac\lambda2 \|w\|^2

    which is the mean binary cross-entropy written in logits (stable: no ``log(0)``).
    ``grad_w = X^T (p - y) / N + lam w``, ``grad_b = mean(p - y)``. MAP with ``w ~ N(0, t^2 I)``:
    ``lam = 1 / (N t^2)``. scikit-learn: ``LogisticRegression(C=1 / (lam N))``
    (``C=np.inf`` for ``lam = 0``).

    ``y`` may hold any two labels; ``classes_[1]`` is the positive one. Differences from
    scikit-learn: ``coef_`` has shape ``(D,)`` (not ``(1, D)``), ``predict_proba`` returns
    ``P(y = classes_[1])`` of shape ``(N,)``. ``lr="auto"`` uses ``1/L``, ``L = lambda_max(X^T X)/(4N) + lam``.

    >>> m = LogisticRegression(lam=0.1, lr="auto", n_iters=200).fit([[-1.0], [1.0]], [0, 1])
    >>> m.predict([[-2.0], [2.0]])
    array([0, 1])
    """

    _CURVATURE = 0.25  # sigma' <= 1/4

    def fit(self, X, y) -> LogisticRegression:
        fn = "LogisticRegression.fit"
        X, index, dtype = self._classes(X, y, fn)
        if len(self.classes_) != 2:
            raise ValueError(
                f"{fn}: expected exactly 2 classes in y, got {len(self.classes_)} "
                "(use SoftmaxRegression for more)"
            )
        return self._gd_fit(X, index.astype(np.float64), dtype)

    @staticmethod
    def _loss_and_grad(Xa, y, theta):
        z = Xa @ theta  # the mean log-loss is BCE on the logits: stable for any z
        return F.binary_cross_entropy_with_logits(
            z, y
        ), Xa.T @ F.binary_cross_entropy_with_logits_backward(z, y)

    def predict_proba(self, X) -> np.ndarray:
        """``P(y = classes_[1] | x) = sigmoid(x w + b)``, shape ``(N,)``."""
        return F.sigmoid(self.decision_function(X))


class SoftmaxRegression(_Classifier):
    r"""Multiclass (multinomial) logistic regression by gradient descent, with optional L2.

    .. math:: P = \mathrm{softmax}(XW + b),\quad
              J = -\frac1N \sum_i \log P_{i, y_i} + \frac\lambda2 \|W\|_F^2,\quad
              \nabla_W J = X^T (P - Y) / N + \lambda W,\ \nabla_b J = \mathrm{mean}(P - Y)

    with ``Y`` one-hot. scikit-learn: ``LogisticRegression(C=1 / (lam N))`` with ``K >= 3``
    classes (always multinomial there). ``coef_`` has shape ``(D, K)`` like a dense layer's
    ``W`` (the transpose of scikit-learn's). Starting from zero, each row of ``W`` (summed over the
    ``K`` classes) and the entries of ``b`` keep summing to zero, the same normalisation scikit-learn's solution has.
    ``lr="auto"`` uses ``L = lambda_max(X^T X)/(2N) + lam`` (the softmax Hessian is at most 1/2).

    >>> m = SoftmaxRegression(lr="auto", lam=0.01, n_iters=300).fit([[0.0], [5.0], [10.0]], [0, 1, 2])
    >>> m.predict([[0.0], [10.0]])
    array([0, 2])
    """

    _CURVATURE = 0.5

    def fit(self, X, y) -> SoftmaxRegression:
        X, index, dtype = self._classes(X, y, "SoftmaxRegression.fit")
        return self._gd_fit(X, one_hot(index, len(self.classes_)), dtype, len(self.classes_))

    @staticmethod
    def _loss_and_grad(Xa, Y, theta):
        loss, dlogits = F.cross_entropy_with_grad(Xa @ theta, Y)  # one-hot Y; dlogits = (P - Y) / N
        return loss, Xa.T @ dlogits

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``softmax(X W + b)``, shape ``(N, K)`` (columns follow ``classes_``)."""
        return F.softmax(self.decision_function(X), axis=1)
