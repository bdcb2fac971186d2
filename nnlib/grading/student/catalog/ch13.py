"""Chapter 13, practical methodology: k-fold indices, precision/recall/F1, a confusion matrix, log-uniform search."""

import numpy as np

from ..cases import case
from . import REF, chapter

ex = chapter("13_methodology")


def _kfold_public(rng):
    return [
        case("n 10, k 5, fold 0", n=10, k=5, fold=0),
        case("n 11, k 3, fold 1 (uneven)", n=11, k=3, fold=1),
        case("n 7, k 7, last fold (leave-one-out)", n=7, k=7, fold=6),
        case("n 10, k 4, last fold (sizes 3, 3, 2, 2)", n=10, k=4, fold=3),
    ]


def _kfold_hidden(rng):
    return [
        case("n 103, k 10, fold 9", n=103, k=10, fold=9),
        case("n 5, k 2, fold 0", n=5, k=2, fold=0),
        case("n 20, k 3, fold 2", n=20, k=3, fold=2),
    ]


def _binary(rng, n, flip=0.3):
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < flip, 1 - y, y)
    return y, pred


def _clf_public(rng):
    y, p = _binary(rng, 12)
    return [
        case("12 samples", y_true=y, y_pred=p),
        case("perfect", y_true=np.array([1, 0, 1, 1]), y_pred=np.array([1, 0, 1, 1])),
        case("no positive predicted", y_true=np.array([1, 0, 1]), y_pred=np.array([0, 0, 0])),
    ]


def _clf_hidden(rng):
    y, p = _binary(rng, 200, flip=0.1)
    return [
        case("200 samples", y_true=y, y_pred=p),
        case(
            "no positives at all",
            y_true=np.zeros(5, dtype=np.int64),
            y_pred=np.zeros(5, dtype=np.int64),
        ),
        case("one sample, wrong", y_true=np.array([1]), y_pred=np.array([0])),
        case(
            "all predicted positive",
            y_true=np.array([0, 1, 0, 1, 1]),
            y_pred=np.ones(5, dtype=np.int64),
        ),
    ]


def _cm_public(rng):
    return [
        case("3 classes", y_true=rng.integers(0, 3, 10), y_pred=rng.integers(0, 3, 10), k=3),
        case("class never seen", y_true=np.array([0, 0, 1]), y_pred=np.array([0, 1, 1]), k=4),
        case("one sample", y_true=np.array([2]), y_pred=np.array([0]), k=3),
    ]


def _cm_hidden(rng):
    return [
        case(
            "10 classes, 500 samples",
            y_true=rng.integers(0, 10, 500),
            y_pred=rng.integers(0, 10, 500),
            k=10,
        ),
        case("perfect", y_true=np.arange(4), y_pred=np.arange(4), k=4),
        case(
            "classes 4 and 5 never seen",
            y_true=rng.integers(0, 4, 20),
            y_pred=rng.integers(0, 4, 20),
            k=6,
        ),
    ]


def _lu_public(rng):
    return [
        case("1e-4 .. 1e-1, 5 samples", low=1e-4, high=1e-1, rng=1, size=5),
        case("1 .. 1000", low=1.0, high=1000.0, rng=2, size=3),
        case("one sample", low=0.5, high=2.0, rng=3, size=1),
        # size=None (the default) is one number, as rng.uniform gives, not an array of one
        case("size None: a single number", low=1e-3, high=1.0, rng=4, size=None),
    ]


def _lu_hidden(rng):
    return [
        case("1e-6 .. 1, 100 samples", low=1e-6, high=1.0, rng=int(rng.integers(2**31)), size=100),
        case("narrow range", low=0.01, high=0.011, rng=int(rng.integers(2**31)), size=4),
        case("size None", low=0.1, high=10.0, rng=int(rng.integers(2**31)), size=None),
    ]


EXERCISES = [
    ex(
        id="kfold_indices",
        reference=f"{REF}:kfold_indices",
        output="tuple",
        output_names=("train_idx", "val_idx"),
        points=2,
        summary="train and validation indices of one fold",
        public=_kfold_public,
        hidden=_kfold_hidden,
    ),
    ex(
        id="precision_recall",
        reference=f"{REF}:precision_recall",
        output="tuple",
        output_names=("precision", "recall"),
        points=1,
        summary="precision and recall of class 1",
        public=_clf_public,
        hidden=_clf_hidden,
    ),
    ex(
        id="f1_score",
        reference=f"{REF}:f1_score",
        output="scalar",
        points=1,
        summary="2 TP / (2 TP + FP + FN), 0 when undefined",
        public=_clf_public,
        hidden=_clf_hidden,
    ),
    ex(
        id="confusion_counts",
        reference=f"{REF}:confusion_counts",
        points=1,
        summary="C[i, j] = samples of class i predicted as j",
        public=_cm_public,
        hidden=_cm_hidden,
    ),
    ex(
        id="log_uniform",
        reference="nnlib.tuning:log_uniform",
        rng_args=("rng",),
        points=1,
        summary="exp(U(log low, log high)) samples for random search",
        public=_lu_public,
        hidden=_lu_hidden,
    ),
]
