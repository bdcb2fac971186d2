"""Chapter 3, ML vs MAP: Gaussian likelihood, ridge (Gaussian prior), soft-thresholding and lasso (Laplace prior)."""

import numpy as np

from ..cases import case, randn, with_zeros
from . import REF, chapter

ex = chapter("03_ml_vs_map")


def _nll_public(rng):
    return [
        case("random (8,), sigma 1", y=randn(rng, 8), pred=randn(rng, 8), sigma=1.0),
        case("sigma 0.5", y=randn(rng, 5), pred=randn(rng, 5), sigma=0.5),
        case("one sample", y=randn(rng, 1), pred=randn(rng, 1), sigma=2.0),
    ]


def _nll_hidden(rng):
    y = randn(rng, 4)
    return [
        case("perfect fit", y=y, pred=y.copy(), sigma=1.0),
        case("(40,), sigma 3", y=randn(rng, 40, scale=3.0), pred=randn(rng, 40), sigma=3.0),
        case("large residuals", y=randn(rng, 6, scale=1e4), pred=randn(rng, 6), sigma=10.0),
    ]


def _ridge_public(rng):
    return [
        case("(10, 3), lam 1", X=randn(rng, 10, 3), y=randn(rng, 10), lam=1.0),
        case("lam 0 (least squares)", X=randn(rng, 8, 2), y=randn(rng, 8), lam=0.0),
        case("more features than samples", X=randn(rng, 3, 5), y=randn(rng, 3), lam=0.1),
    ]


def _ridge_hidden(rng):
    X = randn(rng, 6, 2)
    return [
        case("(50, 6), lam 10", X=randn(rng, 50, 6), y=randn(rng, 50), lam=10.0),
        case("duplicated column", X=np.column_stack([X, X[:, :1]]), y=randn(rng, 6), lam=0.5),
        case("huge lam", X=randn(rng, 5, 2), y=randn(rng, 5), lam=1e6),
    ]


def _soft_public(rng):
    x = randn(rng, 8, scale=2.0)
    return [
        case("random, lam 1", x=x, lam=1.0),
        case("2-D, lam 0.5", x=randn(rng, 3, 4), lam=0.5),
        case("kink: |x| = lam", x=np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0]), lam=1.0),
        # S(0, 0) = 0: a formula that divides by |x| (x (1 - lam/|x|)_+) gives 0/0 here
        case("lam 0 with zeros", x=np.array([0.0, -2.0, 0.0, 1.5]), lam=0.0),
    ]


def _soft_hidden(rng):
    return [
        case("lam 0 (identity)", x=with_zeros(rng, 6), lam=0.0),
        case("zeros", x=with_zeros(rng, 5), lam=0.3),
        case("large", x=np.array([-1e4, -3.0, 3.0, 1e4]), lam=5.0),
        case("lam larger than all", x=randn(rng, 7), lam=100.0),
    ]


def _soft_kink(args):
    return np.abs(np.asarray(args["x"])) == args["lam"]


def _lasso_public(rng):
    X = randn(rng, 20, 4)
    y = X @ np.array([3.0, 0.0, -2.0, 0.0]) + randn(rng, 20, scale=0.1)
    return [
        case("sparse truth, 1 sweep", X=X, y=y, lam=5.0, n_sweeps=1),
        case("sparse truth, 50 sweeps", X=X, y=y, lam=5.0, n_sweeps=50),
        case("lam 0: least squares", X=randn(rng, 10, 2), y=randn(rng, 10), lam=0.0, n_sweeps=100),
    ]


def _lasso_hidden(rng):
    X = randn(rng, 15, 3)
    y = randn(rng, 15)
    return [
        case(
            "lam above lam_max: all zero",
            X=X,
            y=y,
            lam=2 * float(np.max(np.abs(X.T @ y))) + 1,
            n_sweeps=3,
        ),
        case("(30, 6), 20 sweeps", X=randn(rng, 30, 6), y=randn(rng, 30), lam=3.0, n_sweeps=20),
        case("one feature", X=randn(rng, 8, 1), y=randn(rng, 8), lam=1.0, n_sweeps=2),
        _correlated_columns(rng),
    ]


def _correlated_columns(rng):
    """Two sweeps over correlated columns: each update must use the weights updated before it."""
    X = randn(rng, 10, 3)
    X[:, 1] += X[:, 0]
    y = X @ np.array([2.0, -1.0, 1.0]) + randn(rng, 10, scale=0.1)
    return case("correlated columns, 2 sweeps", X=X, y=y, lam=1.0, n_sweeps=2)


EXERCISES = [
    ex(
        id="gaussian_nll",
        reference=f"{REF}:gaussian_nll",
        output="scalar",
        points=1,
        summary="negative log-likelihood of Gaussian noise (the ML view of least squares)",
        public=_nll_public,
        hidden=_nll_hidden,
    ),
    ex(
        id="ridge_closed_form",
        reference="nnlib.linear:ridge_closed_form",
        points=2,
        summary="MAP with a Gaussian prior: (X^T X + lam I) w = X^T y",
        public=_ridge_public,
        hidden=_ridge_hidden,
    ),
    ex(
        id="soft_threshold",
        reference="nnlib.linear:soft_threshold",
        points=1,
        summary="S(x, lam) = sign(x) max(|x| - lam, 0)",
        public=_soft_public,
        hidden=_soft_hidden,
        kink=_soft_kink,
        kink_desc="|x| = lam",
    ),
    ex(
        id="lasso_cd",
        reference=f"{REF}:lasso_cd",
        points=3,
        summary="lasso by cyclic coordinate descent",
        public=_lasso_public,
        hidden=_lasso_hidden,
    ),
]
