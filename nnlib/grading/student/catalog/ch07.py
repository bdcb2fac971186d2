"""Chapter 7, activation functions: backward passes of ReLU, leaky ReLU, ELU, tanh, swish and softmax."""
from ..cases import elementwise_backward
from . import F, chapter, elementwise_kink

ex = chapter("07_activations")

EXERCISES = [
    ex(id="relu_backward", reference=f"{F}:relu_backward", points=1, kink=elementwise_kink,
       summary="dout where x > 0, else 0 (relu'(0) = 0)", **elementwise_backward()),
    ex(id="leaky_relu_backward", reference=f"{F}:leaky_relu_backward", points=1, kink=elementwise_kink,
       summary="dout where x > 0, alpha * dout elsewhere", **elementwise_backward({"alpha": 0.1})),
    ex(id="elu_backward", reference=f"{F}:elu_backward", points=1, kink=elementwise_kink, stable=True,
       summary="dout for x > 0, dout * alpha e^x elsewhere (no overflow)", **elementwise_backward({"alpha": 0.7})),
    ex(id="tanh_backward", reference=f"{F}:tanh_backward", points=1, stable=True,
       summary="dout * (1 - tanh(x)^2)", **elementwise_backward()),
    ex(id="swish_backward", reference=f"{F}:swish_backward", points=2, stable=True,
       summary="derivative of x sigmoid(beta x)", **elementwise_backward({"beta": 1.5})),
    ex(id="softmax_backward", reference=f"{F}:softmax_backward", points=2, stable=True,
       summary="s * (dout - sum(dout * s)) along the last axis", **elementwise_backward()),
]
