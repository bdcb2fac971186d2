"""Backpropagation by hand on the 2-2-1 sigmoid network of the course notes (book chapter 6).

The network, in nnlib's row layout (a batch of rows ``x``; ``W1`` is ``(inputs, hidden)``, the
notes' ``W^1`` transposed)::

    z2 = x W1 + b1,   a2 = sigmoid(z2)          hidden layer (N, 2)
    z3 = a2 W2 + b2,  a3 = sigmoid(z3)          output (N, 1)
    J  = (1 / 2N) sum (a3 - y)^2

The chain rule, from the output back, reusing each layer's delta (the "N + P steps" of the
chapter instead of one derivative chain per parameter)::

    d3 = dJ/dz3 = (a3 - y) / N * sigmoid'(z3)
    d2 = dJ/dz2 = (d3 W2^T) * sigmoid'(z2)
    dW2 = a2^T d3,  db2 = sum_n d3;   dW1 = x^T d2,  db1 = sum_n d2

>>> import numpy as np
>>> x, y = np.array([[0.5, 0.8]]), np.array([[1.0]])
>>> W1, b1 = np.array([[0.2, 0.3], [0.4, 0.7]]), np.array([0.1, 0.2])
>>> g = backprop_221(x, y, W1, b1, np.array([[0.5], [0.6]]), np.array([0.3]))
>>> g["W1"].T.round(7).tolist()  # the notes' dJ/dW^1
[[-0.0029407, -0.0047052], [-0.0030882, -0.0049411]]
"""

from __future__ import annotations

from . import functional as F

__all__ = ["backprop_221"]


def backprop_221(x, y, W1, b1, W2, b2):
    """Gradients of J = (1/(2N)) sum (a3 - y)^2 for the 2-2-1 sigmoid network of the notes.

    ``a2 = sigmoid(x W1 + b1)``, ``a3 = sigmoid(a2 W2 + b2)`` (row convention: W1 (2, 2) is the
    notes' W^1 transposed). Returns ``{"W1", "b1", "W2", "b2"}``: the gradients, shaped like the
    parameters.
    """
    n = x.shape[0]
    z2 = x @ W1 + b1  # forward
    a2 = F.sigmoid(z2)
    z3 = a2 @ W2 + b2
    a3 = F.sigmoid(z3)
    d3 = F.sigmoid_backward((a3 - y) / n, z3)  # backward: dJ/dz3
    d2 = F.sigmoid_backward(d3 @ W2.T, z2)  # dJ/dz2, through W2
    return {"W1": x.T @ d2, "b1": d2.sum(axis=0), "W2": a2.T @ d3, "b2": d3.sum(axis=0)}
