"""Chapter 5, neurons, perceptrons and MLPs: threshold units, the perceptron rule, dense layers, an MLP."""

import numpy as np

from ..cases import case, randn
from . import REF, F, chapter

ex = chapter("05_neurons_perceptrons")

_BITS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _mp_public(rng):
    return [
        case("AND (w = 1, 1; theta = 2)", x=_BITS.copy(), w=np.ones(2), theta=2.0),
        case("OR (theta = 1)", x=_BITS.copy(), w=np.ones(2), theta=1.0),
        case("random weights", x=randn(rng, 5, 3), w=randn(rng, 3), theta=0.5),
    ]


def _mp_hidden(rng):
    return [
        case("NOT x0 (w = -1, theta = 0)", x=_BITS[:, :1].copy(), w=-np.ones(1), theta=0.0),
        case("one sample", x=np.array([[1.0, 1.0, 0.0]]), w=np.array([2.0, -1.0, 5.0]), theta=1.0),
        case(
            "(20, 4)",
            x=rng.integers(0, 2, (20, 4)).astype(float),
            w=rng.integers(-2, 3, 4).astype(float),
            theta=1.0,
        ),
        case(
            "threshold between the sums",
            x=np.vstack([np.zeros((1, 3)), rng.integers(0, 2, (7, 3))]),
            w=np.ones(3),
            theta=1.5,
        ),
    ]


def _mp_kink(args):
    return np.asarray(args["x"]) @ np.asarray(args["w"]) == args["theta"]


def _perc_public(rng):
    return [
        case(
            "misclassified positive",
            w=np.array([-1.0, 0.5]),
            b=0.0,
            x=np.array([1.0, 0.5]),
            y=1,
            lr=0.5,
        ),
        case(
            "misclassified negative",
            w=randn(rng, 3) ** 2,
            b=1.0,
            x=np.abs(randn(rng, 3)),
            y=0,
            lr=1.0,
        ),
        case(
            "correct: no change",
            w=np.array([1.0, 1.0]),
            b=-1.5,
            x=np.array([1.0, 1.0]),
            y=1,
            lr=1.0,
        ),
        case(
            "on the boundary: w.x + b = 0 predicts 1",
            w=np.array([1.0, -1.0]),
            b=0.5,
            x=np.array([0.5, 1.0]),
            y=0,
            lr=1.0,
        ),
        # w.x = 0.5 > 0 but w.x + b < 0: a prediction that forgets the bias shows
        case(
            "the bias decides the prediction",
            w=np.array([1.0, 0.0]),
            b=-1.0,
            x=np.array([0.5, 2.0]),
            y=1,
            lr=0.5,
        ),
    ]


def _perc_hidden(rng):
    return [
        case(
            "tie w.x + b = 0 predicts 1",
            w=np.array([1.0, -1.0]),
            b=0.0,
            x=np.array([2.0, 2.0]),
            y=0,
            lr=0.1,
        ),
        case("zero weights", w=np.zeros(4), b=0.0, x=randn(rng, 4), y=0, lr=1.0),
        case("correct negative", w=np.array([-1.0]), b=-1.0, x=np.array([3.0]), y=0, lr=1.0),
        case(
            "the bias decides, negative example",
            w=np.array([-1.0, 0.5]),
            b=1.0,
            x=np.array([1.0, 1.0]),
            y=0,
            lr=0.3,
        ),
    ]


def _dense_public(rng):
    return [
        case("(4, 3) -> 2", x=randn(rng, 4, 3), W=randn(rng, 3, 2), b=randn(rng, 2)),
        case("batch size 1", x=randn(rng, 1, 5), W=randn(rng, 5, 3), b=randn(rng, 3)),
        case("zero bias", x=randn(rng, 3, 2), W=randn(rng, 2, 4), b=np.zeros(4)),
    ]


def _dense_hidden(rng):
    return [
        case("(16, 8) -> 1", x=randn(rng, 16, 8), W=randn(rng, 8, 1), b=randn(rng, 1)),
        case("square", x=randn(rng, 3, 3), W=randn(rng, 3, 3), b=randn(rng, 3)),
        case("zeros", x=np.zeros((2, 3)), W=randn(rng, 3, 2), b=randn(rng, 2)),
    ]


def _mlp_public(rng):
    return [
        case(
            "2 -> 4 -> 1",
            x=randn(rng, 5, 2),
            W1=randn(rng, 2, 4),
            b1=randn(rng, 4),
            W2=randn(rng, 4, 1),
            b2=randn(rng, 1),
        ),
        case(
            "batch size 1",
            x=randn(rng, 1, 3),
            W1=randn(rng, 3, 2),
            b1=randn(rng, 2),
            W2=randn(rng, 2, 3),
            b2=randn(rng, 3),
        ),
        case(
            "XOR net",
            x=np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
            W1=np.array([[1.0, 1.0], [1.0, 1.0]]),
            b1=np.array([0.0, -1.0]),
            W2=np.array([[1.0], [-2.0]]),
            b2=np.zeros(1),
        ),
    ]


def _mlp_hidden(rng):
    return [
        case(
            "(10, 6) -> 8 -> 3",
            x=randn(rng, 10, 6),
            W1=randn(rng, 6, 8),
            b1=randn(rng, 8),
            W2=randn(rng, 8, 3),
            b2=randn(rng, 3),
        ),
        case(
            "all hidden units off",
            x=np.abs(randn(rng, 4, 2)),
            W1=-np.ones((2, 3)),
            b1=-np.ones(3),
            W2=randn(rng, 3, 1),
            b2=randn(rng, 1),
        ),
    ]


EXERCISES = [
    ex(
        id="mcculloch_pitts",
        reference=f"{REF}:mcculloch_pitts",
        points=1,
        summary="threshold unit: 1 where x.w >= theta",
        public=_mp_public,
        hidden=_mp_hidden,
        kink=_mp_kink,
        kink_desc="x.w = theta, where the unit fires",
    ),
    ex(
        id="perceptron_update",
        reference=f"{REF}:perceptron_update",
        output="tuple",
        output_names=("w", "b"),
        points=2,
        summary="one step of the perceptron learning rule",
        public=_perc_public,
        hidden=_perc_hidden,
    ),
    ex(
        id="dense_forward",
        reference=f"{F}:dense_forward",
        points=1,
        summary="affine layer x W + b",
        public=_dense_public,
        hidden=_dense_hidden,
    ),
    ex(
        id="mlp_forward",
        reference=f"{REF}:mlp_forward",
        points=2,
        summary="relu(x W1 + b1) W2 + b2",
        public=_mlp_public,
        hidden=_mlp_hidden,
    ),
]
