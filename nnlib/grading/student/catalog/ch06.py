"""Chapter 6, backpropagation: the sigmoid's backward pass, a dense layer's backward pass (element by element,
then vectorised), the 2-2-1 network."""

import numpy as np

from ..cases import case, elementwise_backward, randn
from . import REF, F, chapter

ex = chapter("06_backpropagation")


def _dense_public(rng):
    return [
        case("(4, 3) -> 2", dout=randn(rng, 4, 2), x=randn(rng, 4, 3), W=randn(rng, 3, 2)),
        case("batch size 1", dout=randn(rng, 1, 3), x=randn(rng, 1, 5), W=randn(rng, 5, 3)),
        case("wide (2, 6) -> 4", dout=randn(rng, 2, 4), x=randn(rng, 2, 6), W=randn(rng, 6, 4)),
    ]


def _dense_hidden(rng):
    return [
        case("(32, 8) -> 1", dout=randn(rng, 32, 1), x=randn(rng, 32, 8), W=randn(rng, 8, 1)),
        case("square", dout=randn(rng, 3, 3), x=randn(rng, 3, 3), W=randn(rng, 3, 3)),
        case(
            "zero upstream gradient", dout=np.zeros((2, 2)), x=randn(rng, 2, 4), W=randn(rng, 4, 2)
        ),
    ]


def _notes_example():
    """The notes' worked example; W1 here is the notes' W^1 transposed (rows are inputs)."""
    return dict(
        x=np.array([[0.5, 0.8]]),
        y=np.array([[1.0]]),
        W1=np.array([[0.2, 0.3], [0.4, 0.7]]),
        b1=np.array([0.1, 0.2]),
        W2=np.array([[0.5], [0.6]]),
        b2=np.array([0.3]),
    )


def _net(rng, n):
    return dict(
        x=randn(rng, n, 2),
        y=rng.random((n, 1)),
        W1=randn(rng, 2, 2),
        b1=randn(rng, 2),
        W2=randn(rng, 2, 1),
        b2=randn(rng, 1),
    )


def _bp_public(rng):
    return [
        case("the notes' example", **_notes_example()),
        case("batch of 4", **_net(rng, 4)),
        case("batch size 1", **_net(rng, 1)),
    ]


def _bp_hidden(rng):
    return [
        case("batch of 16", **_net(rng, 16)),
        case(
            "target reached (zero gradient)",
            **{
                **_notes_example(),
                "y": np.array([[0.0]]),
                "W2": np.zeros((2, 1)),
                "b2": np.array([-40.0]),
            },
        ),
        case("large weights", **{**_net(rng, 3), "W1": randn(rng, 2, 2, scale=20.0)}),
    ]


EXERCISES = [
    ex(
        id="sigmoid_backward",
        reference=f"{F}:sigmoid_backward",
        points=1,
        stable=True,
        summary="dout * s (1 - s) with s = sigmoid(x)",
        **elementwise_backward(),  # smooth at 0: no kink label
    ),
    ex(
        id="dense_backward_loops",
        reference=f"{F}:dense_backward",
        output="tuple",
        output_names=("dx", "dW", "db"),
        points=1,
        summary="gradients of x W + b, one element at a time by the scalar chain rule",
        public=_dense_public,
        hidden=_dense_hidden,
    ),
    ex(
        id="dense_backward",
        reference=f"{F}:dense_backward",
        output="tuple",
        output_names=("dx", "dW", "db"),
        points=2,
        summary="gradients of x W + b",
        public=_dense_public,
        hidden=_dense_hidden,
    ),
    ex(
        id="backprop_221",
        reference=f"{REF}:backprop_221",
        output="dict",
        points=3,
        rtol=1e-6,
        atol=1e-10,
        summary="all gradients of the notes' 2-2-1 sigmoid network",
        public=_bp_public,
        hidden=_bp_hidden,
    ),
]
