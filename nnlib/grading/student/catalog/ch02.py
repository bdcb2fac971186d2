"""Chapter 2, linear regression: MSE and its gradient, normal equations, a GD step, scaling, features."""

import numpy as np

from ..cases import case, randn, regression_pair
from . import REF, F, chapter

ex = chapter("02_linear_regression")


def _ls_public(rng):
    X = np.column_stack([np.ones(6), randn(rng, 6)])
    return [
        case("line fit (6, 2)", X=X, y=X @ np.array([1.0, -2.0]) + randn(rng, 6, scale=0.1)),
        case("square system (3, 3)", X=randn(rng, 3, 3), y=randn(rng, 3)),
        case("tall (20, 4)", X=randn(rng, 20, 4), y=randn(rng, 20)),
    ]


def _ls_hidden(rng):
    return [
        case("one feature (5, 1)", X=randn(rng, 5, 1), y=randn(rng, 5)),
        case("(50, 6)", X=randn(rng, 50, 6), y=randn(rng, 50)),
        case("exact fit", X=np.eye(4), y=np.arange(4.0)),
        case("large scale", X=randn(rng, 10, 3, scale=100.0), y=randn(rng, 10, scale=1e4)),
    ]


def _gd_public(rng):
    return [
        case("(6, 2), lr 0.1", w=randn(rng, 2), X=randn(rng, 6, 2), y=randn(rng, 6), lr=0.1),
        case("batch size 1", w=randn(rng, 3), X=randn(rng, 1, 3), y=randn(rng, 1), lr=0.05),
        case("at zero weights", w=np.zeros(2), X=randn(rng, 8, 2), y=randn(rng, 8), lr=0.5),
    ]


def _gd_hidden(rng):
    X = randn(rng, 10, 3)
    w = randn(rng, 3)
    return [
        case("(30, 4)", w=randn(rng, 4), X=randn(rng, 30, 4), y=randn(rng, 30), lr=0.01),
        case("at the optimum (zero step)", w=w, X=X, y=X @ w, lr=0.3),
        case("lr 1", w=randn(rng, 2), X=randn(rng, 5, 2), y=randn(rng, 5), lr=1.0),
    ]


def _std_public(rng):
    return [
        case("(6, 3) and (2, 3)", X_train=randn(rng, 6, 3, scale=5.0) + 3, X_test=randn(rng, 2, 3)),
        case(
            "constant column",
            X_train=np.column_stack([np.full(5, 7.0), randn(rng, 5)]),
            X_test=randn(rng, 3, 2),
        ),
        case("one test row", X_train=randn(rng, 4, 2), X_test=randn(rng, 1, 2)),
    ]


def _std_hidden(rng):
    return [
        case(
            "(50, 5)",
            X_train=randn(rng, 50, 5, scale=100.0) - 20,
            X_test=randn(rng, 10, 5, scale=100.0),
        ),
        case("one feature", X_train=randn(rng, 7, 1), X_test=randn(rng, 2, 1)),
        case("all zeros", X_train=np.zeros((3, 2)), X_test=randn(rng, 2, 2)),
    ]


def _poly_public(rng):
    return [
        case("degree 3", x=randn(rng, 5), degree=3),
        case("degree 1", x=randn(rng, 4), degree=1),
        case("one sample", x=np.array([2.0]), degree=4),
    ]


def _poly_hidden(rng):
    return [
        case("degree 5", x=randn(rng, 10), degree=5),
        case("zeros", x=np.zeros(3), degree=2),
        case("negative values", x=-np.abs(randn(rng, 6)), degree=4),
    ]


EXERCISES = [
    ex(
        id="mse",
        reference=f"{F}:mse",
        output="scalar",
        points=1,
        summary="mean squared error (1/n) sum (pred - target)^2",
        **regression_pair(ties=False),
    ),
    ex(
        id="mse_backward",
        reference=f"{F}:mse_backward",
        points=1,
        summary="gradient of the MSE with respect to pred",
        **regression_pair(ties=False),
    ),
    ex(
        id="normal_equations",
        reference="nnlib.linear:normal_equations",
        points=2,
        summary="least squares by solving X^T X w = X^T y",
        public=_ls_public,
        hidden=_ls_hidden,
    ),
    ex(
        id="linear_gd_step",
        reference=f"{REF}:linear_gd_step",
        points=1,
        summary="one gradient-descent step on the MSE of a linear model",
        public=_gd_public,
        hidden=_gd_hidden,
    ),
    ex(
        id="standardize",
        reference="nnlib.data:standardize",
        output="tuple",
        output_names=("Z_train", "Z_test"),
        points=2,
        summary="standardise with the training mean and std",
        public=_std_public,
        hidden=_std_hidden,
    ),
    ex(
        id="poly_features_1d",
        reference=f"{REF}:poly_features_1d",
        points=1,
        summary="columns x, x^2, ..., x^degree",
        public=_poly_public,
        hidden=_poly_hidden,
    ),
]
