"""Explorers and plots of chapters 4-6: logistic regression, perceptron, MLP playground, backprop stepper.

Headless: each explorer is driven with ``update(...)``; the state must change as the maths says
and the figure must change too. Numbers are checked against PyTorch (float64), never against
values copied from the implementation.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch

from nnlib.autograd import Value, trace
from nnlib.viz.graph import graph_layout, plot_graph
from nnlib.viz.linear import boundary_segment, plot_hyperplane
from nnlib.widgets import backprop, decision_boundary, logistic, perceptron

from helpers import ORACLE_TOL, assert_close, t

matplotlib.use("Agg")


def fingerprint(explorer) -> str:
    """``explorer.figure_fingerprint()``, with an Agg canvas attached first.

    ``Explorer.__init__`` calls ``plt.close(figure)``, which (matplotlib 3.11) swaps the figure's
    canvas for a bare ``FigureCanvasBase`` that has no ``buffer_rgba``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not hasattr(explorer.figure.canvas, "buffer_rgba"):
        FigureCanvasAgg(explorer.figure)
    return explorer.figure_fingerprint()


def changes_figure(explorer, **values):
    """Apply ``values``; assert the picture changed; return the new state."""
    before = fingerprint(explorer)
    state = explorer.update(**values)
    assert fingerprint(explorer) != before, (
        f"{type(explorer).__name__}: figure unchanged by {values}"
    )
    return state


# ----------------------------------------------------------------------------- chapter 4: logistic
def torch_bce(X, y, w, b):
    wt, bt = t(w, requires_grad=True), t(b, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(t(X) @ wt + bt, t(y))
    loss.backward()
    return loss.item(), wt.grad.numpy(), bt.grad.item()


@pytest.mark.parametrize("data", ["overlapping", "separable"])
def test_logistic_gd_steps_follow_the_torch_gradient(data):
    X, y = logistic.logistic_data(data)
    X0, y0 = X.copy(), y.copy()
    run = logistic.logistic_gd(X, y, lr=0.7, steps=5)
    assert np.array_equal(X, X0) and np.array_equal(y, y0), "logistic_gd modified its inputs"
    for k in range(5):
        loss, dw, db = torch_bce(X, y, run["w"][k], run["b"][k])
        assert_close(run["loss"][k], loss, what=f"loss at step {k}")
        assert_close(run["w"][k + 1], run["w"][k] - 0.7 * dw, what=f"w after step {k + 1}")
        # balanced classes make db ~ 0 at the start: compare b absolutely, not relatively
        np.testing.assert_allclose(run["b"][k + 1], run["b"][k] - 0.7 * db, rtol=1e-10, atol=1e-14)


def test_logistic_gd_rejects_mismatched_labels():
    with pytest.raises(ValueError, match=r"logistic_gd: expected y of shape \(3,\), got \(2,\)"):
        logistic.logistic_gd(np.zeros((3, 2)), np.zeros(2), lr=1.0, steps=1)


def test_hyperplane_explorer_distance_sharpness_and_loss():
    e = logistic.HyperplaneExplorer()
    s = changes_figure(e, w1=3.0, w2=-4.0, b=2.5)
    assert s["distance"] == pytest.approx(0.5)  # |b| / ||w|| = 2.5 / 5
    loss, _, _ = torch_bce(s["X"], s["y"], s["w"], s["b"])
    assert_close(s["loss"], loss, what="HyperplaneExplorer loss")
    # scaling (w, b) keeps the line (same predictions) but makes p more extreme
    s2 = e.update(w1=1.5, w2=-2.0, b=1.25)
    assert s2["accuracy"] == s["accuracy"] and s2["distance"] == pytest.approx(0.5)
    assert np.all(np.abs(s2["p"] - 0.5) <= np.abs(s["p"] - 0.5) + 1e-15)


def test_logistic_explorer_descends_and_weights_grow_on_separable_data():
    e = logistic.LogisticExplorer()
    s = changes_figure(e, data="overlapping", lr=1.0, step=300)
    X = np.column_stack([s["X"], np.ones(len(s["X"]))])
    smoothness = np.linalg.eigvalsh(X.T @ X / len(X)).max() / 4  # sigma' <= 1/4
    assert 1.0 < 2 / smoothness  # so every GD step must lower the loss
    assert np.all(np.diff(s["losses"]) < 0)
    sep = changes_figure(e, data="separable", step=300)
    assert sep["accuracy"] == 1.0
    assert np.all(np.diff(sep["norms"][1:]) > 0), (
        "||w|| should grow without bound on separable data"
    )
    assert sep["losses"][-1] < 0.01


def test_boundary_segment_lies_on_the_line_inside_the_box():
    w, b = np.array([1.0, 2.0]), -0.5
    seg = boundary_segment(w, b, (-3, 3), (-2, 2))
    np.testing.assert_allclose(seg @ w + b, 0.0, atol=1e-12)
    assert np.all((seg[:, 0] >= -3) & (seg[:, 0] <= 3) & (seg[:, 1] >= -2) & (seg[:, 1] <= 2))
    assert boundary_segment(np.zeros(2), 1.0, (0, 1), (0, 1)) is None
    assert (
        boundary_segment(np.array([1.0, 0.0]), -5.0, (0, 1), (0, 1)) is None
    )  # x = 5 misses the box
    with pytest.raises(
        ValueError, match=r"boundary_segment: expected w of shape \(2,\), got \(3,\)"
    ):
        boundary_segment(np.ones(3), 0.0, (0, 1), (0, 1))
    ax = plot_hyperplane(w, b)
    assert len(ax.get_lines()) == 1


# ----------------------------------------------------------------------------- chapter 5: perceptron
def test_perceptron_updates_follow_the_rule_and_obey_novikoff():
    X, y = perceptron.perceptron_data("separable")
    X0 = X.copy()
    tr = perceptron.perceptron_trace(X, y, lr=1.0)
    assert np.array_equal(X, X0)
    assert tr["converged"] and tr["errors"][-1] == 0
    for k, i in enumerate(tr["sample"]):
        y_hat = float(X[i] @ tr["w"][k] + tr["b"][k] >= 0)
        assert y_hat != y[i], "an update without a mistake"
        np.testing.assert_allclose(tr["w"][k + 1] - tr["w"][k], (y[i] - y_hat) * X[i])
        assert tr["b"][k + 1] - tr["b"][k] == y[i] - y_hat
    # Novikoff: updates <= (R / gamma)^2 for any unit separator u of the augmented points [x, 1]
    Xa = np.column_stack([X, np.ones(len(X))])
    u = np.array([0.8, 0.6, -0.5])
    u /= np.linalg.norm(u)
    gamma = np.min((2 * y - 1) * (Xa @ u))
    assert gamma > 0
    assert len(tr["sample"]) <= (np.linalg.norm(Xa, axis=1).max() / gamma) ** 2


def test_perceptron_learning_rate_only_rescales_from_zero():
    X, y = perceptron.perceptron_data("separable")
    a, b = perceptron.perceptron_trace(X, y, lr=1.0), perceptron.perceptron_trace(X, y, lr=0.1)
    assert np.array_equal(a["sample"], b["sample"])
    np.testing.assert_allclose(b["w"], 0.1 * a["w"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("gate", ["AND", "OR", "XOR"])
def test_perceptron_learns_and_or_but_never_xor(gate):
    X, y = perceptron.perceptron_data(gate)
    tr = perceptron.perceptron_trace(X, y, max_epochs=50)
    if gate == "XOR":
        assert not tr["converged"] and tr["errors"].min() >= 1
    else:
        assert tr["converged"]
        np.testing.assert_array_equal((X @ tr["w"][-1] + tr["b"][-1] >= 0).astype(int), y)


def test_perceptron_rejects_bad_labels():
    with pytest.raises(
        ValueError,
        match=r"perceptron_trace: expected y of shape \(4,\) with labels 0/1, "
        r"got shape \(3,\)",
    ):
        perceptron.perceptron_trace(np.zeros((4, 2)), np.zeros(3))


def test_perceptron_explorer_replays_the_trace():
    e = perceptron.PerceptronExplorer()
    s0 = e.update(dataset="separable", update=0)
    assert s0["k"] == 0 and np.all(s0["w"] == 0) and s0["next_sample"] is not None
    s = changes_figure(e, update=40)
    assert s["k"] == s["n_updates"] and s["errors"] == 0 and s["next_sample"] is None
    x = changes_figure(e, dataset="XOR", update=40)
    assert x["errors"] > 0 and x["next_sample"] is not None


# ----------------------------------------------------------------------------- chapter 5: playground
def test_train_mlp_cached_continuation_equals_a_fresh_run():
    decision_boundary._RUNS.clear()
    decision_boundary.train_mlp("moons", 4, "tanh", 40)
    continued = decision_boundary.train_mlp("moons", 4, "tanh", 90)
    decision_boundary._RUNS.clear()
    fresh = decision_boundary.train_mlp("moons", 4, "tanh", 90)
    np.testing.assert_allclose(continued["loss"], fresh["loss"], rtol=1e-12)
    X, _ = decision_boundary.load_dataset("moons")
    np.testing.assert_allclose(continued["model"].predict(X), fresh["model"].predict(X), rtol=1e-12)


def test_train_mlp_rejects_bad_settings():
    with pytest.raises(ValueError, match="load_dataset: unknown data set 'circles'"):
        decision_boundary.train_mlp("circles", 4, "tanh", 10)
    with pytest.raises(ValueError, match="train_mlp: unknown activation 'cube'"):
        decision_boundary.train_mlp("xor", 4, "cube", 10)
    with pytest.raises(
        ValueError, match="train_mlp: expected hidden to be a positive integer, got 0"
    ):
        decision_boundary.train_mlp("xor", 0, "tanh", 10)


def test_playground_nonlinearity_is_what_solves_xor():
    e = decision_boundary.DecisionBoundaryExplorer(
        dataset="xor", activation="identity", hidden=8, epochs=300
    )
    assert (
        e.state["accuracy"] < 0.75
    )  # a composition of affine maps is affine: no line separates XOR
    s = changes_figure(e, activation="tanh")
    assert s["accuracy"] >= 0.95
    assert s["loss"][-1] < s["loss"][0]


def test_playground_spirals_has_three_outputs():
    e = decision_boundary.DecisionBoundaryExplorer(dataset="moons", hidden=16, epochs=200)
    s = changes_figure(e, dataset="spirals")
    assert s["model"].output_shape == (3,) and set(np.unique(s["y"])) == {0, 1, 2}
    assert s["accuracy"] > 1 / 3 + 0.2


# ----------------------------------------------------------------------------- chapter 6: backprop
def torch_221(loss: str):
    p = backprop.NOTES_221
    W1, b1 = t(p["W1"], True), t(p["b1"], True)
    W2, b2 = t(p["W2"], True), t(p["b2"], True)
    a2 = torch.sigmoid(W1 @ t(p["x"]) + b1)
    a3 = torch.sigmoid(W2 @ a2 + b2)
    y = torch.tensor(p["y"])
    J = 0.5 * (a3 - y) ** 2 if loss == "mse" else torch.nn.functional.binary_cross_entropy(a3, y)
    J.backward()
    return {
        "a3": a3.item(),
        "J": J.item(),
        "dW1": W1.grad.numpy(),
        "db1": b1.grad.numpy(),
        "dW2": W2.grad.numpy(),
        "db2": b2.grad.item(),
    }


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_network_221_matches_torch(loss):
    net, ref = backprop.network_221(loss), torch_221(loss)
    for key, value in ref.items():
        assert_close(net[key], value, ORACLE_TOL, f"{loss} {key}")


def test_network_221_reproduces_the_notes_and_corrects_j():
    net = backprop.network_221()
    assert abs(net["a3"] - 0.739) < 5e-4 and abs(net["d3"] + 0.0503) < 5e-5
    assert round(net["J"], 5) == 0.03403  # the notes' 0.03406 squares the rounded 0.739
    assert round(0.5 * (1 - 0.739) ** 2, 5) == 0.03406
    np.testing.assert_allclose(net["dW1"], np.outer(net["d2"], net["x"]), rtol=1e-12)


def test_network_221_rejects_unknown_names():
    with pytest.raises(ValueError, match="network_221: unknown loss 'hinge'"):
        backprop.network_221("hinge")
    with pytest.raises(ValueError, match=r"network_221: unknown parameter\(s\) \['W3'\]"):
        backprop.network_221(W3=1.0)


def test_backprop_stepper_reveals_forward_then_backward():
    e = backprop.BackpropStepper()
    shown = set()
    for k in range(len(backprop.STEPS)):
        s = e.update(step=k)
        assert set(s["active"]) <= s["shown"] and shown <= s["shown"]
        shown = s["shown"]
    assert {"J", "d3", "dW1", "db1"} <= shown
    before = e.update(step=7)
    assert "-0.0503" in before["formula"]
    ce = changes_figure(e, loss="cross_entropy")
    assert ce["net"]["d3"] == pytest.approx(
        ce["net"]["a3"] - 1.0, rel=1e-12
    )  # sigmoid + BCE: a - y
    changes_figure(e, step=11)


def test_graph_layout_puts_inputs_left_of_their_users():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    root = (a * b + a).tanh()
    root.backward()
    pos = graph_layout(root)
    nodes, edges = trace(root)
    assert all(pos[child][0] < pos[parent][0] for child, parent in edges)
    assert pos[root][0] == max(p[0] for p in pos.values())
    ax = plot_graph(root)
    assert len(ax.texts) == 2 * len(nodes) + len(
        edges
    )  # a box and a gradient per node, an arrow per edge
