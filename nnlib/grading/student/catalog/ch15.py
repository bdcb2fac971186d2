"""Chapter 15, the capstone: per-class accuracy, and the student's own ``train_and_predict``.

``train_and_predict``'s cases check the interface on digit-shaped data whose ten classes are far
apart, so every working classifier labels them all correctly (the reference is the nearest class
mean); its accuracy on the real digits is measured by the leaderboard driver
(:mod:`nnlib.grading.autograder.leaderboard`), which turns it into points with the worksheet's bands.
"""

import numpy as np

from ..cases import case
from . import REF, chapter

ex = chapter("15_capstone")


def _pca_public(rng):
    y = rng.integers(0, 3, 12)
    pred = np.where(rng.random(12) < 0.3, (y + 1) % 3, y)
    return [
        case("3 classes, 12 samples", y_true=y, y_pred=pred, k=3),
        case(
            "class 3 never occurs",
            y_true=np.array([0, 0, 1, 2, 2, 2]),
            y_pred=np.array([0, 1, 1, 2, 0, 3]),
            k=4,
        ),
        case(
            "class 1 never predicted",
            y_true=np.array([1, 1, 0, 0, 0]),
            y_pred=np.array([0, 0, 0, 0, 1]),
            k=2,
        ),
    ]


def _pca_hidden(rng):
    y = rng.integers(0, 10, 300)
    pred = np.where(rng.random(300) < 0.1, rng.integers(0, 10, 300), y)
    return [
        case("10 classes, 300 samples", y_true=y, y_pred=pred, k=10),
        case(
            "classes 4 and 5 never occur",
            y_true=np.array([0, 1, 2, 3, 3, 1]),
            y_pred=np.array([0, 1, 3, 3, 4, 5]),
            k=6,
        ),
        case("one sample, wrong", y_true=np.array([2]), y_pred=np.array([0]), k=3),
    ]


def separable_digits(rng, n_train: int, n_test: int, k: int = 10):
    """Digit-shaped data, ``(n, 64)`` in [0, 1], whose ``k`` classes are far apart.

    Each class is a random black-and-white 8x8 pattern; an example is its pattern with 10% noise
    per pixel. Patterns differ in about 32 pixels, the noise moves an example by about 0.5: a
    network (or the nearest class mean) labels every test example right. Every class is in the
    training set, in a shuffled order.
    """
    patterns = (rng.random((k, 64)) < 0.5).astype(np.float64)

    def draw(n, first):
        y = (
            np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
            if first
            else rng.integers(0, k, n)
        )
        y = rng.permutation(y)
        return np.clip(patterns[y] + 0.1 * rng.standard_normal((n, 64)), 0.0, 1.0), y

    X_train, y_train = draw(n_train, True)
    X_test, _ = draw(n_test, False)
    return X_train, y_train, X_test


def _tp_public(rng):
    return [
        case(
            "300 training and 100 test digits, 10 classes",
            **dict(zip(("X_train", "y_train", "X_test"), separable_digits(rng, 300, 100))),
        ),
        case(
            "200 training and 37 test digits",
            **dict(zip(("X_train", "y_train", "X_test"), separable_digits(rng, 200, 37))),
        ),
    ]


def _tp_hidden(rng):
    return [
        case(
            "400 training and 150 test digits",
            **dict(zip(("X_train", "y_train", "X_test"), separable_digits(rng, 400, 150))),
        ),
        case(
            "250 training digits, a single test digit",
            **dict(zip(("X_train", "y_train", "X_test"), separable_digits(rng, 250, 1))),
        ),
    ]


EXERCISES = [
    ex(
        id="per_class_accuracy",
        reference=f"{REF}:per_class_accuracy",
        points=1,
        summary="per class, the fraction of its samples predicted right (its recall)",
        public=_pca_public,
        hidden=_pca_hidden,
    ),
    ex(
        id="train_and_predict",
        reference=f"{REF}:train_and_predict",
        points=4,
        timeout=30.0,
        summary="your network, trained on (X_train, y_train): integer labels for X_test",
        public=_tp_public,
        hidden=_tp_hidden,
    ),
]
