"""Chapter 6, backpropagation: the mistakes students make in the sigmoid's backward pass, a dense
layer's backward pass (element by element and vectorised) and the notes' 2-2-1 sigmoid network.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

from dataclasses import replace

import numpy as np

from . import mistake
from .ch04 import (
    _sigmoid,  # a right, stable sigmoid for the mistakes that are not about the sigmoid
)

_GRAPHS = "Computational graphs"
_BATCH = "Backpropagation in matrix form, for a batch"
_EXAMPLE = "The worked example of the notes, number for number"
_CHAIN = "The chain rule"


# ----------------------------------------------------------------------------- sigmoid_backward


@mistake(
    "sigmoid_backward",
    "x in place of sigmoid(x) in s (1 - s)",
    "the derivative is s (1 - s) with s = sigmoid(x), the layer's output; you put the input x in "
    "its place, x (1 - x), which is negative for x < 0 or x > 1",
    section=_GRAPHS,
)
def sigmoid_backward_uses_x(dout, x):
    return dout * x * (1.0 - x)


@mistake(
    "sigmoid_backward",
    "the local derivative without dout",
    "s (1 - s) is only the sigmoid's local derivative; the chain rule multiplies it by the upstream "
    "gradient dout",
    section=_CHAIN,
)
def sigmoid_backward_no_dout(dout, x):
    s = _sigmoid(x)
    return s * (1.0 - s)


@mistake(
    "sigmoid_backward",
    "tanh's derivative 1 - s^2",
    "1 - s^2 is the derivative of tanh written in its output; the sigmoid's is s (1 - s)",
    section=_GRAPHS,
)
def sigmoid_backward_tanh(dout, x):
    s = _sigmoid(x)
    return dout * (1.0 - s * s)


@mistake(
    "sigmoid_backward",
    "an extra 1/N in the backward pass",
    "the 1/N of a mean loss is already in dout (it enters once, in dJ/dA of the last layer); "
    "dividing again makes every gradient N times too small",
    section=_BATCH,
)
def sigmoid_backward_over_n(dout, x):
    s = _sigmoid(x)
    return dout * s * (1.0 - s) / len(x)


@mistake(
    "sigmoid_backward",
    "s from the direct formula 1/(1 + e^(-x))",
    "e^(-x) overflows for x below about -710: NumPy warns, and the result is right only because "
    "1/inf happens to be 0; compute s with e^(-|x|)",
    kind="unstable",
    section=_GRAPHS,
)
def sigmoid_backward_naive(dout, x):
    s = 1.0 / (1.0 + np.exp(-x))
    return dout * s * (1.0 - s)


@mistake(
    "sigmoid_backward",
    "e^(-x) / (1 + e^(-x))^2 without the absolute value",
    "the identity s (1 - s) = z/(1 + z)^2 holds for z = e^(-x) and z = e^(-|x|) alike, but e^(-x) "
    "overflows for x below about -710 and inf/inf gives NaN; use z = e^(-|x|)",
    kind="unstable",
    section=_GRAPHS,
)
def sigmoid_backward_naive_ratio(dout, x):
    z = np.exp(-x)
    return dout * z / (1.0 + z) ** 2


# ----------------------------------------------------------------------------- dense_backward


@mistake(
    "dense_backward",
    "db = dout, not summed over the batch",
    "the bias was broadcast to every row of the batch, so its gradient collects every row: "
    "db = dout.sum(axis=0), of shape (D_out,)",
    section=_BATCH,
)
def dense_backward_db_not_summed(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.copy()


@mistake(
    "dense_backward",
    "db as a mean over the batch",
    "db sums the rows of dout; the 1/N of a mean loss is already inside dout, so averaging divides "
    "by N a second time and db is N times too small",
    section=_BATCH,
)
def dense_backward_db_mean(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


@mistake(
    "dense_backward",
    "db summed over the wrong axis",
    "dout.sum(axis=1) adds up the outputs of each example (shape (N,)); the bias gradient sums over "
    "the examples, axis 0, one entry per output",
    section=_BATCH,
)
def dense_backward_db_axis1(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)


@mistake(
    "dense_backward",
    "an extra 1/N in every gradient",
    "the 1/N of a mean loss enters once, in dJ/dA of the last layer; dividing again in "
    "dense_backward makes dx, dW and db N times too small",
    section=_BATCH,
)
def dense_backward_over_n(dout, x, W):
    n = x.shape[0]
    return dout @ W.T / n, x.T @ dout / n, dout.sum(axis=0) / n


@mistake(
    "dense_backward",
    "dW = dout^T x, the other layout",
    "dW must have the shape of W, (D_in, D_out): x^T dout. dout^T x is its transpose, the gradient "
    "in the notes' (D_out, D_in) layout",
    section=_BATCH,
)
def dense_backward_dw_transposed(dout, x, W):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


@mistake(
    "dense_backward",
    "dx = W dout^T, the column layout",
    "W dout^T is the notes' W^T delta with one column per example, shape (D_in, N); in the batch "
    "layout dx has the shape of x, (N, D_in): dout W^T",
    section=_BATCH,
)
def dense_backward_dx_transposed(dout, x, W):
    return W @ dout.T, x.T @ dout, dout.sum(axis=0)


@mistake(
    "dense_backward",
    "gradients overwritten in a loop over the examples",
    "W and b are shared by every example, so each example adds its own contribution (+=); "
    "overwriting keeps only the last example's dW and db",
    section=_CHAIN,
)
def dense_backward_overwrite(dout, x, W):
    for n in range(x.shape[0]):
        dW = np.outer(x[n], dout[n])
        db = dout[n].copy()
    return dout @ W.T, dW, db


# ----------------------------------------------------------------------------- dense_backward_loops
# The loop version computes the same three gradients element by element, and students make the
# same mistakes in it (overwriting instead of accumulating above all), so each mistake of
# dense_backward is also catalogued for dense_backward_loops.

_DENSE_MISTAKES = [
    dense_backward_db_not_summed,
    dense_backward_db_mean,
    dense_backward_db_axis1,
    dense_backward_over_n,
    dense_backward_dw_transposed,
    dense_backward_dx_transposed,
    dense_backward_overwrite,
]
globals().update(
    {f"loops_{m.key}": replace(m, exercise="dense_backward_loops") for m in _DENSE_MISTAKES}
)


# ----------------------------------------------------------------------------- backprop_221


def _forward(x, W1, b1, W2, b2):
    a2 = _sigmoid(x @ W1 + b1)
    return a2, _sigmoid(a2 @ W2 + b2)


def _grads(x, a2, d3, d2):
    return {"W1": x.T @ d2, "b1": d2.sum(axis=0), "W2": a2.T @ d3, "b2": d3.sum(axis=0)}


@mistake(
    "backprop_221",
    "output delta without the sigmoid's derivative",
    "delta3 = dJ/dz3 = (1/N)(a3 - y) a3 (1 - a3): the output is a sigmoid, so its derivative stays "
    "in; (a3 - y)/N alone is the delta of a cross-entropy loss, not of this squared error",
    section=_EXAMPLE,
)
def backprop_221_no_output_derivative(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (a3 - y) / x.shape[0]
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return _grads(x, a2, d3, d2)


@mistake(
    "backprop_221",
    "the notes' delta (y - a3) a3 (1 - a3)",
    "with delta = (t - y) y (1 - y), as in the notes, every gradient has the wrong sign and a "
    "descent step climbs; dJ/da3 is a3 - y",
    section=_EXAMPLE,
)
def backprop_221_notes_sign(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (y - a3) / x.shape[0] * a3 * (1 - a3)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return _grads(x, a2, d3, d2)


@mistake(
    "backprop_221",
    "dJ/dW1 in the notes' layout",
    "here W1 has one row per input (it is the notes' W^1 transposed), so its gradient is x^T delta2; "
    "delta2^T x is the gradient of the notes' W^1, the transpose",
    section=_EXAMPLE,
)
def backprop_221_w1_transposed(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (a3 - y) / x.shape[0] * a3 * (1 - a3)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return {**_grads(x, a2, d3, d2), "W1": d2.T @ x}


@mistake(
    "backprop_221",
    "gradients of the sum, not the mean",
    "J = (1/(2N)) sum (a3 - y)^2 is a mean over the batch, so delta3 carries 1/N; without it every "
    "gradient is N times too large",
    section=_BATCH,
)
def backprop_221_no_mean(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (a3 - y) * a3 * (1 - a3)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return _grads(x, a2, d3, d2)


@mistake(
    "backprop_221",
    "dJ/da3 = 2 (a3 - y)/N, the MSE's gradient",
    "J has a 1/2 in front, (1/(2N)) sum (a3 - y)^2, which cancels the 2 of the square: "
    "dJ/da3 = (a3 - y)/N; yours is twice as large",
    section=_EXAMPLE,
)
def backprop_221_factor_two(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = 2 * (a3 - y) / x.shape[0] * a3 * (1 - a3)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return _grads(x, a2, d3, d2)


@mistake(
    "backprop_221",
    "hidden delta without the sigmoid's derivative",
    "delta2 = (delta3 W2^T) * a2 (1 - a2): the hidden units are sigmoids too, so their derivative "
    "multiplies the back-propagated error",
    section="Gradient checking",
)
def backprop_221_no_hidden_derivative(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (a3 - y) / x.shape[0] * a3 * (1 - a3)
    d2 = d3 @ W2.T
    return _grads(x, a2, d3, d2)


@mistake(
    "backprop_221",
    "bias gradients not summed over the batch",
    "the biases are shared by every example, so db1 and db2 sum the deltas over the rows; the deltas "
    "themselves have one row per example and the wrong shape",
    section=_BATCH,
)
def backprop_221_db_not_summed(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (a3 - y) / x.shape[0] * a3 * (1 - a3)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return {**_grads(x, a2, d3, d2), "b1": d2, "b2": d3}


@mistake(
    "backprop_221",
    "gradients overwritten in a loop over the examples",
    "each example contributes to the shared weights, and the contributions must be added (+=); "
    "overwriting keeps only the last example's gradients",
    section=_CHAIN,
)
def backprop_221_overwrite(x, y, W1, b1, W2, b2):
    a2, a3 = _forward(x, W1, b1, W2, b2)
    d3 = (a3 - y) / x.shape[0] * a3 * (1 - a3)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    grads = {}
    for n in range(x.shape[0]):
        grads = _grads(x[n : n + 1], a2[n : n + 1], d3[n : n + 1], d2[n : n + 1])
    return grads


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "sigmoid_backward",
    "dout * s - s * s: the parentheses of s (1 - s) lost",
    "the chain rule multiplies dout by the whole local derivative: dout * (s * (1 - s))",
    section=_CHAIN,
)
def sb_precedence(dout, x):
    s = _sigmoid(x)
    return dout * s - s * s


@mistake(
    "backprop_221",
    "dW2 from z2 instead of the activation a2",
    "W2 multiplies the hidden layer's output a2 = sigmoid(z2), so dJ/dW2 = a2^T d3, not z2^T d3",
    section=_EXAMPLE,
)
def bp_pre_activation_in_dw2(x, y, W1, b1, W2, b2):
    n = len(x)
    z2 = x @ W1 + b1
    a2 = _sigmoid(z2)
    a3 = _sigmoid(a2 @ W2 + b2)
    d3 = (a3 - y) / n * a3 * (1 - a3)
    d2 = d3 @ W2.T * a2 * (1 - a2)
    return {"W1": x.T @ d2, "b1": d2.sum(0), "W2": z2.T @ d3, "b2": d3.sum(0)}


@mistake(
    "backprop_221",
    "sigma'(a) instead of sigma'(z)",
    "sigma' is evaluated at the pre-activation: sigma'(z) = a (1 - a); sigmoid_backward(., a) "
    "takes the sigmoid of a again",
    section=_EXAMPLE,
)
def bp_derivative_at_activation(x, y, W1, b1, W2, b2):
    n = len(x)
    a2 = _sigmoid(x @ W1 + b1)
    a3 = _sigmoid(a2 @ W2 + b2)
    s3, s2 = _sigmoid(a3), _sigmoid(a2)  # sigma' evaluated at the activation, not at z
    d3 = (a3 - y) / n * s3 * (1 - s3)
    d2 = d3 @ W2.T * s2 * (1 - s2)
    return {"W1": x.T @ d2, "b1": d2.sum(0), "W2": a2.T @ d3, "b2": d3.sum(0)}


@mistake(
    "sigmoid_backward",
    "sigmoid of dout instead of x",
    "the local derivative is evaluated at the layer's input x: s = sigmoid(x); dout only "
    "multiplies it",
    section=_CHAIN,
)
def sb_sigmoid_of_dout(dout, x):
    s = _sigmoid(dout)
    return dout * s * (1 - s)
