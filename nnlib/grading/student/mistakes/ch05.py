"""Chapter 5, neurons, perceptrons and MLPs: the mistakes students make in a threshold unit, the
perceptron rule, a dense layer and a two-layer perceptron.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

import numpy as np

from . import mistake
from .ch04 import _sigmoid  # a right, stable sigmoid for the mistakes not about it

_MP = "The McCulloch–Pitts neuron: logic with fixed weights"
_PERCEPTRON = "The perceptron: a threshold unit that learns"
_HIDDEN = "A hidden layer solves XOR"

# ----------------------------------------------------------------------------- mcculloch_pitts


@mistake(
    "mcculloch_pitts",
    "fires only above the threshold (the notes' h > theta)",
    "the unit fires when x.w >= theta: a weighted input exactly at the threshold fires, so AND "
    "(theta = 2) fires for (1, 1); with > it never fires there",
    kind="kink",
    section=_MP,
)
def mcculloch_pitts_strict(x, w, theta):
    return (x @ w > theta).astype(np.float64)


@mistake(
    "mcculloch_pitts",
    "booleans instead of 0.0 and 1.0",
    "the comparison gives an array of True/False; the unit's output is a number, 1.0 or 0.0 "
    "(convert with .astype(float))",
    section=_MP,
)
def mcculloch_pitts_bool(x, w, theta):
    return x @ w >= theta


@mistake(
    "mcculloch_pitts",
    "the threshold added as a bias",
    "firing when x.w >= theta means x.w - theta >= 0: as a bias the threshold enters with a minus "
    "sign, b = -theta; x.w + theta >= 0 fires far too often",
    section=_MP,
)
def mcculloch_pitts_plus_theta(x, w, theta):
    return (x @ w + theta >= 0).astype(np.float64)


@mistake(
    "mcculloch_pitts",
    "outputs -1 and +1",
    "the McCulloch–Pitts unit outputs 1 when it fires and 0 otherwise; -1/+1 is the sign "
    "convention of other models (the hinge loss)",
    section=_MP,
)
def mcculloch_pitts_bipolar(x, w, theta):
    return np.where(x @ w >= theta, 1.0, -1.0)


@mistake(
    "mcculloch_pitts",
    "one weighted sum for the whole batch",
    "np.sum(x * w) adds up the weighted inputs of every sample together, so you return one decision "
    "for the batch; each row is a sample and needs its own sum, x @ w",
    section=_MP,
)
def mcculloch_pitts_batch_sum(x, w, theta):
    return float(np.sum(x * w) >= theta)


# ----------------------------------------------------------------------------- perceptron_update


@mistake(
    "perceptron_update",
    "predicts 1 only when w.x + b > 0",
    "the perceptron predicts 1 when w.x + b >= 0; with > a sample exactly on the boundary is "
    "predicted 0, and a negative sample there is never corrected",
    kind="kink",
    section=_PERCEPTRON,
)
def perceptron_update_strict(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b > 0 else 0.0
    step = lr * (y - y_hat)
    return w + step * x, float(b + step)


@mistake(
    "perceptron_update",
    "update with the sign flipped",
    "the rule adds lr (y - y_hat) x: a missed positive pulls w towards x, a false alarm pushes it "
    "away; with (y_hat - y) every correction makes the mistake worse",
    section=_PERCEPTRON,
)
def perceptron_update_sign(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    step = lr * (y_hat - y)
    return w + step * x, float(b + step)


@mistake(
    "perceptron_update",
    "error from the raw score (the LMS rule)",
    "you use y - (w.x + b), the error of the score: that is the Widrow-Hoff (Adaline) rule, which "
    "changes w even on correct predictions; the perceptron uses the thresholded prediction y_hat",
    section=_PERCEPTRON,
)
def perceptron_update_lms(w, b, x, y, lr):
    step = lr * (y - float(w @ x + b))
    return w + step * x, float(b + step)


@mistake(
    "perceptron_update",
    "bias never updated",
    "the bias learns like a weight whose input is always 1: b += lr (y - y_hat); without it the "
    "boundary can never leave the origin",
    section=_PERCEPTRON,
)
def perceptron_update_fixed_bias(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    step = lr * (y - y_hat)
    return w + step * x, float(b)


@mistake(
    "perceptron_update",
    "the -1/+1 rule with 0/1 labels",
    "'if y (w.x + b) <= 0: w += lr y x' is the rule for labels -1 and +1; with y in {0, 1} a "
    "negative sample has y = 0, so a false alarm is never corrected",
    section=_PERCEPTRON,
)
def perceptron_update_pm1_rule(w, b, x, y, lr):
    if y * float(w @ x + b) <= 0:
        return w + lr * y * x, float(b + lr * y)
    return w.copy(), float(b)


@mistake(
    "perceptron_update",
    "learning rate left out",
    "started from zero the rate only rescales w and b, but one step from given weights moves them by "
    "lr (y - y_hat) x: without lr your step is 1/lr times too long",
    section=_PERCEPTRON,
)
def perceptron_update_no_lr(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    step = y - y_hat
    return w + step * x, float(b + step)


# ----------------------------------------------------------------------------- dense_forward


@mistake(
    "dense_forward",
    "W in the (D_out, D_in) layout",
    "nnlib stores W as (D_in, D_out), one column per neuron, so the layer is x @ W; x @ W.T is the "
    "notes' layout, which fails on these shapes (or, for a square W, computes another layer)",
    section=_HIDDEN,
)
def dense_forward_transposed_w(x, W, b):
    return x @ W.T + b


@mistake(
    "dense_forward",
    "outputs in the column layout",
    "W.T @ x.T + b[:, None] is the notes' z = W x + b with one column per sample, shape (D_out, N); "
    "the batch layout puts the samples in the rows, (N, D_out)",
    section=_HIDDEN,
)
def dense_forward_column_layout(x, W, b):
    return W.T @ x.T + b[:, None]


@mistake(
    "dense_forward",
    "bias forgotten",
    "without b every neuron's boundary passes through the origin; add b, broadcast over the batch",
    section=_HIDDEN,
)
def dense_forward_no_bias(x, W, b):
    return x @ W


@mistake(
    "dense_forward",
    "bias as a column",
    "b[:, None] has shape (D_out, 1) and broadcasts down the rows, not along them: it fails, or "
    "builds an array of the wrong shape; b of shape (D_out,) is added to every row as it is",
    section=_HIDDEN,
)
def dense_forward_bias_column(x, W, b):
    return x @ W + b[:, None]


@mistake(
    "dense_forward",
    "a ReLU inside the dense layer",
    "a dense layer is only the affine map x W + b; the activation is a separate step (and the last "
    "layer of a network has none)",
    section=_HIDDEN,
)
def dense_forward_relu(x, W, b):
    return np.maximum(x @ W + b, 0.0)


# ----------------------------------------------------------------------------- mlp_forward


@mistake(
    "mlp_forward",
    "ReLU on the output too",
    "the ReLU belongs to the hidden layer only; the output layer returns scores (logits), which may "
    "be negative",
    section=_HIDDEN,
)
def mlp_forward_relu_output(x, W1, b1, W2, b2):
    h = np.maximum(x @ W1 + b1, 0.0)
    return np.maximum(h @ W2 + b2, 0.0)


@mistake(
    "mlp_forward",
    "no ReLU between the layers",
    "without the nonlinearity two dense layers collapse into one linear map, (x W1 + b1) W2 + b2, "
    "which cannot compute XOR",
    section=_HIDDEN,
)
def mlp_forward_linear(x, W1, b1, W2, b2):
    return (x @ W1 + b1) @ W2 + b2


@mistake(
    "mlp_forward",
    "ReLU before the bias",
    "the hidden units compute relu(x W1 + b1): the bias shifts the input of the ReLU; relu(x W1) + b1 "
    "adds it afterwards, so a negative bias can no longer switch a unit off",
    section=_HIDDEN,
)
def mlp_forward_relu_before_bias(x, W1, b1, W2, b2):
    h = np.maximum(x @ W1, 0.0) + b1
    return h @ W2 + b2


@mistake(
    "mlp_forward",
    "np.max(z, 0) instead of np.maximum(z, 0)",
    "np.max(z, 0) is the largest entry of each column (a reduction over axis 0), not the elementwise "
    "ReLU; the batch axis disappears",
    section=_HIDDEN,
)
def mlp_forward_np_max(x, W1, b1, W2, b2):
    h = np.max(x @ W1 + b1, 0)
    return h @ W2 + b2


@mistake(
    "mlp_forward",
    "ReLU applied to the input",
    "the ReLU acts on the hidden pre-activations x W1 + b1, not on the input x: with relu(x) W1 + b1 "
    "the network is linear on inputs >= 0, such as XOR's, and cannot compute XOR",
    section=_HIDDEN,
)
def mlp_forward_relu_on_input(x, W1, b1, W2, b2):
    h = np.maximum(x, 0.0) @ W1 + b1
    return h @ W2 + b2


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "mcculloch_pitts",
    "the weights ignored (a count of active inputs)",
    "the unit compares the weighted sum x . w with theta; summing the inputs is right only "
    "when every weight is 1",
    section=_MP,
)
def mp_unit_weights(x, w, theta):
    return (x.sum(axis=-1) >= theta).astype(float)


@mistake(
    "perceptron_update",
    "the bias updated without lr",
    "the bias is a weight on a constant input 1, so it moves by lr (y - y_hat) like the others",
    section=_PERCEPTRON,
)
def pu_bias_without_lr(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    return w + lr * (y - y_hat) * x, float(b + (y - y_hat))


@mistake(
    "mlp_forward",
    "a sigmoid hidden layer instead of ReLU",
    "the worksheet's hidden layer is ReLU, max(0, x W1 + b1); the sigmoid squashes every unit "
    "into (0, 1)",
    section=_HIDDEN,
)
def mlp_sigmoid_hidden(x, W1, b1, W2, b2):
    return _sigmoid(x @ W1 + b1) @ W2 + b2


@mistake(
    "mlp_forward",
    "the output bias b2 forgotten",
    "the output layer is h W2 + b2: every output is off by b2",
    section=_HIDDEN,
)
def mlp_forgets_b2(x, W1, b1, W2, b2):
    return np.maximum(x @ W1 + b1, 0) @ W2


@mistake(
    "perceptron_update",
    "the bias left out of the prediction",
    "the perceptron predicts 1 when w.x + b >= 0: without b the prediction, and so the update, "
    "is wrong whenever the bias decides",
    section=_PERCEPTRON,
)
def pu_predicts_without_bias(w, b, x, y, lr):
    y_hat = 1.0 if w @ x >= 0 else 0.0
    err = lr * (y - y_hat)
    return w + err * x, float(b + err)
