"""Neurons, the perceptron rule and the forward pass of an MLP (book chapter 5).

A McCulloch-Pitts unit fires when the weighted sum of its inputs reaches a threshold. The
perceptron is that unit with a learned line: it predicts ``y_hat = [w . x + b >= 0]`` and, on a
mistake, moves the line towards the missed point::

    w <- w + lr (y - y_hat) x,        b <- b + lr (y - y_hat)

On linearly separable data it stops making mistakes after finitely many updates (Novikoff: at
most ``(R / gamma)^2``); on XOR it never does, which is why depth helps: a two-layer perceptron
``relu(x W1 + b1) W2 + b2`` draws more than one line.

>>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
>>> t = perceptron_trace(X, np.array([0, 0, 0, 1]))  # AND
>>> t["converged"], int(t["errors"][-1])
(True, 0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import functional as F
from ._validate import as_float_array, check_int, check_ndim, check_positive

__all__ = ["mcculloch_pitts", "perceptron_update", "perceptron_trace", "mlp_forward"]


def mcculloch_pitts(x, w, theta):
    """Threshold unit: 1.0 where ``x @ w >= theta``, else 0.0. Shapes: x (N, D), w (D,) -> (N,).

    >>> mcculloch_pitts(np.array([[1.0, 1.0], [1.0, 0.0]]), np.array([1.0, 1.0]), 2.0)  # AND
    array([1., 0.])
    """
    return (x @ w >= theta).astype(np.float64)


def perceptron_update(w, b, x, y, lr):
    """One perceptron step on one sample: ``y_hat = [w.x + b >= 0]``, then
    ``w += lr (y - y_hat) x`` and ``b += lr (y - y_hat)``.

    A correct prediction changes nothing (``y - y_hat = 0``). Shapes: w (D,), b float, x (D,),
    y in {0, 1} -> (new w (D,), new b float).

    >>> perceptron_update(np.zeros(2), 0.0, np.ones(2), 0, 1.0)
    (array([-1., -1.]), -1.0)
    """
    y_hat = 1.0 if float(w @ x + b) >= 0 else 0.0
    err = lr * (y - y_hat)
    return w + err * x, float(b + err)


def perceptron_trace(X, y, lr: float = 1.0, max_epochs: int = 100) -> dict[str, Any]:
    """Run the perceptron rule from ``w = 0, b = 0`` and record every update.

    Samples are visited in order, epoch after epoch, until an epoch makes no mistake
    (``converged``) or ``max_epochs`` have run. Shapes: ``X (N, D)``, ``y (N,)`` in {0, 1}.

    Returns a dict with, for ``U`` updates:

    - ``w (U+1, D)``, ``b (U+1,)``: the weights before the first update and after each one;
    - ``sample (U,)``: the index of the sample that caused each update, ``epoch (U,)`` its epoch;
    - ``errors (U+1,)``: training mistakes of each weight vector on the whole set;
    - ``mistakes_per_epoch (E,)`` and ``converged`` (bool).

    >>> perceptron_trace(np.array([[1.0], [-1.0]]), np.array([1, 0]))["w"].tolist()
    [[0.0], [1.0]]
    """
    fn = "perceptron_trace"
    X = as_float_array(X, fn, "X").astype(np.float64)
    check_ndim(X, 2, fn, "X", "(N, D)")
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.all(np.isin(y, (0, 1))):
        raise ValueError(
            f"{fn}: expected y of shape ({X.shape[0]},) with labels 0/1, got shape {y.shape}"
        )
    check_positive(lr, fn, "lr")
    max_epochs = check_int(max_epochs, fn, "max_epochs", 0)
    w, b = np.zeros(X.shape[1]), 0.0
    ws, bs, samples, epochs, per_epoch = [w], [b], [], [], []
    for epoch in range(max_epochs):
        mistakes = 0
        for i in range(X.shape[0]):
            new_w, new_b = perceptron_update(w, b, X[i], float(y[i]), float(lr))
            if new_b != b or not np.array_equal(new_w, w):  # a mistake: the rule moved the line
                w, b = new_w, new_b
                ws.append(w)
                bs.append(b)
                samples.append(i)
                epochs.append(epoch)
                mistakes += 1
        per_epoch.append(mistakes)
        if mistakes == 0:
            break
    W, B = np.array(ws), np.array(bs)
    errors = np.count_nonzero((X @ W.T + B >= 0) != y[:, None].astype(bool), axis=0)
    return {
        "w": W,
        "b": B,
        "sample": np.array(samples, dtype=int),
        "epoch": np.array(epochs, dtype=int),
        "errors": errors,
        "mistakes_per_epoch": np.array(per_epoch),
        "converged": bool(per_epoch) and per_epoch[-1] == 0,
    }


def mlp_forward(x, W1, b1, W2, b2):
    """Two-layer perceptron ``relu(x W1 + b1) W2 + b2`` (logits). Shapes: x (N, D) -> (N, K).

    >>> mlp_forward(np.ones((1, 2)), np.eye(2), np.array([0.0, -2.0]), np.ones((2, 1)), np.zeros(1))
    array([[1.]])
    """
    return F.relu(x @ W1 + b1) @ W2 + b2
