"""Chapter 7, activation functions: backward passes of ReLU, leaky ReLU, ELU, tanh, swish and softmax."""

from ..cases import case, elementwise_backward, randn
from . import F, chapter, elementwise_kink

ex = chapter("07_activations")


def _softmax_cases():
    """The elementwise family plus a square batch, where a sum without keepdims broadcasts silently."""
    family = elementwise_backward()

    def public(rng):
        return family["public"](rng) + [
            case("square batch (3, 3)", dout=randn(rng, 3, 3), x=randn(rng, 3, 3)),
            case("one vector (5,)", dout=randn(rng, 5), x=randn(rng, 5)),
        ]

    def hidden(rng):
        return family["hidden"](rng) + [
            case("square batch (4, 4)", dout=randn(rng, 4, 4), x=randn(rng, 4, 4))
        ]

    return {"public": public, "hidden": hidden}


EXERCISES = [
    ex(
        id="relu_backward",
        reference=f"{F}:relu_backward",
        points=1,
        kink=elementwise_kink,
        summary="dout where x > 0, else 0 (relu'(0) = 0)",
        **elementwise_backward(kink=True),
    ),
    ex(
        id="leaky_relu_backward",
        reference=f"{F}:leaky_relu_backward",
        points=1,
        kink=elementwise_kink,
        summary="dout where x > 0, alpha * dout elsewhere",
        **elementwise_backward({"alpha": 0.1}, kink=True),
    ),
    ex(
        id="elu_backward",
        reference=f"{F}:elu_backward",
        points=1,
        kink=elementwise_kink,
        stable=True,
        summary="dout for x > 0, dout * alpha e^x elsewhere (no overflow)",
        **elementwise_backward({"alpha": 0.7}, kink=True),
    ),
    ex(
        id="tanh_backward",
        reference=f"{F}:tanh_backward",
        points=1,
        stable=True,
        summary="dout * (1 - tanh(x)^2)",
        **elementwise_backward(),
    ),
    ex(
        id="swish_backward",
        reference=f"{F}:swish_backward",
        points=2,
        stable=True,
        summary="derivative of x sigmoid(beta x)",
        **elementwise_backward({"beta": 1.5}),
    ),
    ex(
        id="softmax_backward",
        reference=f"{F}:softmax_backward",
        points=2,
        stable=True,
        summary="s * (dout - sum(dout * s)) along the last axis",
        **_softmax_cases(),
    ),
]
