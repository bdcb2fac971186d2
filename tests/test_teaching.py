"""The teaching algorithms live in the library; widgets and the grader use them from there."""

import numpy as np

from nnlib import backprop, linear, neurons
from nnlib.gradcheck import numerical_gradient, rel_error
from nnlib.grading.student import references
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.widgets import logistic as logistic_widget
from nnlib.widgets import perceptron as perceptron_widget

GATES = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def test_widgets_and_references_use_the_library_functions():
    assert perceptron_widget.perceptron_trace is neurons.perceptron_trace
    assert logistic_widget.logistic_gd is linear.logistic_gd
    assert references.perceptron_update is neurons.perceptron_update
    assert references.mcculloch_pitts is neurons.mcculloch_pitts
    assert references.mlp_forward is neurons.mlp_forward
    assert references.backprop_221 is backprop.backprop_221
    assert references.logistic_gradient is linear.logistic_gradient


def test_the_perceptron_learns_and_but_never_xor():
    assert neurons.perceptron_trace(GATES, np.array([0, 0, 0, 1]))["converged"]
    xor = neurons.perceptron_trace(GATES, np.array([0, 1, 1, 0]), max_epochs=30)
    assert not xor["converged"] and min(xor["errors"]) >= 1


def test_the_trace_replays_the_update_rule():
    trace = neurons.perceptron_trace(GATES, np.array([0, 1, 1, 1]), lr=0.5)
    for u, i in enumerate(trace["sample"]):
        w, b = neurons.perceptron_update(
            trace["w"][u], trace["b"][u], GATES[i], [0, 1, 1, 1][i], 0.5
        )
        np.testing.assert_array_equal(w, trace["w"][u + 1])
        assert b == trace["b"][u + 1]


def test_mlp_forward_is_a_two_layer_sequential():
    model = Sequential([Dense(5, activation="relu", input_dim=3), Dense(2)], seed=0)
    x = np.random.default_rng(1).standard_normal((4, 3))
    (W1, b1), (W2, b2) = [(layer.params["W"], layer.params["b"]) for layer in model.layers]
    np.testing.assert_allclose(neurons.mlp_forward(x, W1, b1, W2, b2), model.forward(x), rtol=1e-14)


def test_backprop_221_matches_numerical_gradients():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((5, 2)), rng.uniform(size=(5, 1))
    params = {
        "W1": rng.standard_normal((2, 2)),
        "b1": rng.standard_normal(2),
        "W2": rng.standard_normal((2, 1)),
        "b2": rng.standard_normal(1),
    }

    def loss(_):
        a2 = 1 / (1 + np.exp(-(x @ params["W1"] + params["b1"])))
        a3 = 1 / (1 + np.exp(-(a2 @ params["W2"] + params["b2"])))
        return float(np.sum((a3 - y) ** 2) / (2 * len(x)))

    grads = backprop.backprop_221(x, y, **params)
    for name, p in params.items():
        assert rel_error(grads[name], numerical_gradient(loss, p)) < 1e-7, name


def test_logistic_gd_steps_along_the_logistic_gradient():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 2)), (rng.uniform(size=20) > 0.5).astype(float)
    run = linear.logistic_gd(X, y, lr=0.5, steps=3)
    dw, db = linear.logistic_gradient(run["w"][0], run["b"][0], X, y)
    np.testing.assert_allclose(run["w"][1], run["w"][0] - 0.5 * dw, rtol=1e-13)
    np.testing.assert_allclose(run["b"][1], run["b"][0] - 0.5 * db, rtol=1e-13)
    assert np.all(np.diff(run["loss"]) < 0)
