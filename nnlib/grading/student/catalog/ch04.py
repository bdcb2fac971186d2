"""Chapter 4, logistic and softmax regression: stable sigmoid, BCE with logits, softmax, cross-entropy."""

import numpy as np

from ..cases import LARGE, case, labels01, randn
from . import REF, F, chapter

ex = chapter("04_logistic_softmax")


def _unary_public(rng):
    return [
        case("random (4, 3)", x=randn(rng, 4, 3, scale=3.0)),
        case("batch size 1", x=randn(rng, 1, 5)),
        case("large |x| up to 1e4", x=np.vstack([LARGE, -LARGE])),
    ]


def _unary_hidden(rng):
    return [
        case("1-D", x=randn(rng, 7)),
        case("zeros", x=np.zeros((2, 3))),
        case("ties", x=np.full((3, 4), 2.5)),
        case("very large", x=np.array([[1e4, -1e4, 1e4], [-1e4, -1e4, -1e4]])),
    ]


def _rows_public(rng):  # softmax works on rows
    return [
        case("random (4, 3)", x=randn(rng, 4, 3, scale=3.0)),
        case("batch size 1", x=randn(rng, 1, 5)),
        case("large logits up to 1e4", x=np.vstack([LARGE, -LARGE, LARGE[::-1]])),
        case("rows 2000 apart", x=np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]])),
    ]


def _rows_hidden(rng):
    """The unary cases plus rows whose maxima lie far apart (each row needs its own max)."""
    far = randn(rng, 3, 4) + np.array([[1500.0], [0.0], [-1500.0]])
    return _unary_hidden(rng) + [case("rows far apart", x=far)]


def _bce_public(rng):
    return [
        case("random (8,)", z=randn(rng, 8, scale=2.0), y=labels01(rng, 8)),
        case("batch size 1", z=randn(rng, 1), y=np.ones(1)),
        case("large logits up to 1e4", z=LARGE.copy(), y=labels01(rng, LARGE.size)),
        # 2-D: a mean over axis 0 (or len(z) for the count) is wrong here and right for 1-D
        case("2-D (3, 2)", z=randn(rng, 3, 2), y=labels01(rng, 6).reshape(3, 2)),
    ]


def _bce_hidden(rng):
    return [
        case("(6, 1)", z=randn(rng, 6, 1), y=labels01(rng, 6).reshape(6, 1)),
        case("z = 0", z=np.zeros(4), y=labels01(rng, 4)),
        case("soft labels", z=randn(rng, 5), y=rng.random(5)),
        case("confidently wrong", z=np.array([1e4, -1e4]), y=np.array([0.0, 1.0])),
    ]


def _ce_public(rng):
    return [
        case("random (5, 3)", logits=randn(rng, 5, 3), y=rng.integers(0, 3, 5)),
        case("batch size 1", logits=randn(rng, 1, 4), y=np.array([2])),
        case("large logits up to 1e4", logits=np.vstack([LARGE, -LARGE]), y=np.array([0, 4])),
        case(
            "logits near +-1000",
            logits=np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]]),
            y=np.array([2, 0]),
        ),
    ]


def _ce_hidden(rng):
    return [
        case("(20, 10)", logits=randn(rng, 20, 10, scale=3.0), y=rng.integers(0, 10, 20)),
        case("two classes", logits=randn(rng, 6, 2), y=rng.integers(0, 2, 6)),
        case("ties", logits=np.zeros((3, 4)), y=np.array([0, 1, 3])),
        case("confidently wrong", logits=np.array([[1e4, 0.0, -1e4]]), y=np.array([2])),
    ]


def _logreg_public(rng):
    return [
        case("(6, 2)", w=randn(rng, 2), b=0.5, X=randn(rng, 6, 2), y=labels01(rng, 6)),
        case("batch size 1", w=randn(rng, 3), b=-1.0, X=randn(rng, 1, 3), y=np.ones(1)),
        case("zero weights", w=np.zeros(2), b=0.0, X=randn(rng, 5, 2), y=labels01(rng, 5)),
    ]


def _logreg_hidden(rng):
    return [
        case("(40, 5)", w=randn(rng, 5), b=0.1, X=randn(rng, 40, 5), y=labels01(rng, 40)),
        case(
            "saturated",
            w=np.array([100.0]),
            b=0.0,
            X=np.array([[50.0], [-50.0]]),
            y=np.array([1.0, 0.0]),
        ),
        case("one feature", w=randn(rng, 1), b=2.0, X=randn(rng, 7, 1), y=labels01(rng, 7)),
    ]


EXERCISES = [
    ex(
        id="sigmoid",
        reference=f"{F}:sigmoid",
        points=1,
        stable=True,
        summary="numerically stable logistic sigmoid",
        public=_unary_public,
        hidden=_unary_hidden,
    ),
    ex(
        id="binary_cross_entropy_with_logits",
        reference=f"{F}:binary_cross_entropy_with_logits",
        output="scalar",
        points=2,
        stable=True,
        summary="mean BCE computed from logits, stable for |z| up to 1e4",
        public=_bce_public,
        hidden=_bce_hidden,
    ),
    ex(
        id="softmax",
        reference=f"{F}:softmax",
        points=1,
        stable=True,
        summary="row-wise softmax with the max subtracted",
        public=_rows_public,
        hidden=_rows_hidden,
    ),
    ex(
        id="cross_entropy",
        reference=f"{F}:cross_entropy",
        output="scalar",
        points=2,
        stable=True,
        summary="softmax cross-entropy of logits and integer labels (log-sum-exp)",
        public=_ce_public,
        hidden=_ce_hidden,
    ),
    ex(
        id="cross_entropy_backward",
        reference=f"{F}:cross_entropy_backward",
        points=2,
        stable=True,
        summary="(softmax(z) - one_hot(y)) / N",
        public=_ce_public,
        hidden=_ce_hidden,
    ),
    ex(
        id="logistic_gradient",
        reference=f"{REF}:logistic_gradient",
        output="tuple",
        output_names=("dw", "db"),
        points=2,
        summary="gradient of the logistic-regression loss",
        public=_logreg_public,
        hidden=_logreg_hidden,
    ),
]
