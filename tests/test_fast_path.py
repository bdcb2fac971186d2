"""The fast training path (nnlib._fast) against the textbook path.

Same numbers, bit for bit; gradients a user saved keep their values."""

import copy

import numpy as np
import pytest

from nnlib import _fast, optim
from nnlib.grading import substitute
from nnlib.layers import BatchNorm, Dense, Dropout
from nnlib.model import Sequential


def _data(n=64, d=6, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


def _model(loss="cross_entropy", opt=lambda: optim.Adam(lr=1e-2), layers=None):
    model = Sequential(
        layers or [Dense(16, activation="relu"), Dense(8, activation="tanh", l2=1e-3), Dense(4)],
        seed=0,
    )
    model.compile(loss=loss, optimizer=opt())
    return model


def _train(model, X, y, steps=6):
    return [
        model.train_on_batch(X[8 * i : 8 * i + 16], y[8 * i : 8 * i + 16]) for i in range(steps)
    ]


def _train_textbook(model, X, y, steps=6):
    """``_train`` with the fast path switched off."""
    _fast.ENABLED = False
    try:
        return _train(model, X, y, steps)
    finally:
        _fast.ENABLED = True


@pytest.mark.parametrize(
    "opt",
    [
        lambda: optim.Adam(lr=1e-2),
        lambda: optim.SGD(lr=0.1),
        lambda: optim.Nesterov(lr=0.1),
        lambda: optim.Adagrad(),
        lambda: optim.Adadelta(),
        lambda: optim.RMSProp(lr=1e-2),
        lambda: optim.AdamW(lr=1e-2),
    ],
)
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_fast_and_textbook_paths_give_the_same_weights_bit_for_bit(opt, loss):
    X, y = _data()
    targets = y if loss == "cross_entropy" else np.eye(4)[y]
    fast, textbook = _model(loss, opt), _model(loss, opt)
    fast_losses = _train(fast, X, targets)
    textbook_losses = _train_textbook(textbook, X, targets)
    assert fast_losses == textbook_losses
    assert hasattr(fast, "_flat") and not hasattr(
        textbook, "_flat"
    )  # each really took its own path
    for a, b in zip(fast.get_weights(), textbook.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "keep",
    [
        lambda model: model.layers[0].grads["W"],
        lambda model: model.layers[1].grads["b"][:3],  # a slice: its base is the whole buffer
        lambda model: model.gradients()["2.W"],
        lambda model: np.asarray(model.layers[2].grads["b"]),
    ],
    ids=["layer.grads", "a slice", "model.gradients()", "np.asarray"],
)
def test_a_saved_gradient_keeps_its_values_after_the_next_step(keep):
    X, y = _data()
    model = _model()
    model.train_on_batch(X[:16], y[:16])
    saved = keep(model)
    copy_of_saved = saved.copy()
    model.train_on_batch(X[16:32], y[16:32])
    np.testing.assert_array_equal(saved, copy_of_saved)
    assert not np.array_equal(keep(model), saved)  # the model's own gradients did move on


def test_the_gradient_buffer_is_reused_while_nobody_holds_it():
    X, y = _data()
    model = _model()
    model.train_on_batch(X[:16], y[:16])
    first = id(model._flat.grads)
    model.train_on_batch(X[16:32], y[16:32])
    assert id(model._flat.grads) == first


def test_substitute_turns_the_fast_path_off_and_back_on():
    assert _fast.ENABLED
    with substitute(relu_backward=lambda dout, x: dout * (x > 0)):
        assert not _fast.ENABLED
        with substitute(relu=lambda x: np.maximum(x, 0)):
            assert not _fast.ENABLED
        assert not _fast.ENABLED
    assert _fast.ENABLED


def test_switching_paths_mid_training_keeps_the_optimizer_state():
    """Fast steps, then textbook steps (inside substitute), then fast again: the same weights as
    textbook steps all along (Adam's moments and step count carried across)."""
    X, y = _data()
    switching, reference = _model(), _model()
    _train(switching, X, y, steps=2)
    with substitute(relu_backward=lambda dout, x: dout * (x > 0)):
        assert list(_train(switching, X, y, steps=2))
        assert "all" not in switching.optimizer.state
    _train(switching, X, y, steps=2)
    assert list(switching.optimizer.state) == ["all"]
    for _ in range(3):  # the same three rounds of two batches
        _train_textbook(reference, X, y, steps=2)
    for a, b in zip(switching.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_layers_the_fast_path_does_not_fuse_train_through_their_own_backward():
    X, y = _data()
    layers = lambda: [Dense(16, activation="relu"), BatchNorm(), Dropout(0.2, seed=1), Dense(4)]  # noqa: E731
    fast, textbook = _model(layers=layers()), _model(layers=layers())
    _train(fast, X, y)
    _train_textbook(textbook, X, y)
    for a, b in zip(fast.get_weights(), textbook.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_deep_copy_trains_from_its_own_buffer():
    X, y = _data()
    model = _model()
    _train(model, X, y, steps=1)
    twin = copy.deepcopy(model)
    _train(twin, X, y, steps=1)
    assert all(np.shares_memory(w, twin._flat.weights) for w in twin.parameters().values())
    assert not any(np.shares_memory(w, model._flat.weights) for w in twin.parameters().values())


def test_state_that_cannot_be_joined_keeps_the_textbook_path():
    """Parameters at different step counts: the fast path declines rather than mix their states."""
    X, y = _data()
    model = _model()
    _train_textbook(model, X, y, steps=2)
    model.optimizer.state["0.W"]["t"] = 99  # as if this parameter had been trained longer
    assert _fast.train_step(model, X[:16], y[:16]) is None
    assert "all" not in model.optimizer.state and model.optimizer.state["0.W"]["t"] == 99


@pytest.mark.parametrize("bad", [-1, 4])
def test_labels_outside_the_classes_get_the_losss_error_and_change_nothing(bad):
    X, y = _data()
    model = _model(opt=lambda: optim.Momentum(lr=0.1))
    model.train_on_batch(X[:16], y[:16])
    before = [w.copy() for w in model.get_weights()]
    labels = y[:16].copy()
    labels[3] = bad
    with pytest.raises(ValueError, match=r"cross_entropy_with_grad: expected integer labels"):
        model.train_on_batch(X[:16], labels)
    assert model.optimizer.iterations == 1
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def _retrain_both(change, steps=3):
    """Fast and textbook twins: ``steps`` steps, ``change(model)``, ``steps`` more; their weights."""
    X, y = _data()
    fast = _model(opt=lambda: optim.Momentum(lr=0.1))
    textbook = _model(opt=lambda: optim.Momentum(lr=0.1))
    for model, train in ((fast, _train), (textbook, _train_textbook)):
        train(model, X, y, steps)
        change(model)
        train(model, X, y, steps)
    return fast, textbook


@pytest.mark.parametrize(
    "change",
    [
        lambda model: model.compile(optimizer=optim.Adam(lr=1e-2)),  # a new optimizer
        lambda model: setattr(model.optimizer, "clip_value", 0.01),
        lambda model: setattr(model.optimizer, "weight_decay", 0.5),
        lambda model: setattr(model.optimizer, "schedule", optim.step_decay(0.1, 0.5, 2)),
        lambda model: model.optimizer.reset(),
    ],
    ids=["compile", "clip_value", "weight_decay", "schedule", "reset"],
)
def test_a_changed_optimizer_is_seen_by_the_next_fast_step(change):
    """The fast step's plan and its direct update (no clipping, no decay) re-check the optimizer
    on every step."""
    fast, textbook = _retrain_both(change)
    assert "all" in fast.optimizer.state
    assert fast.optimizer.iterations == textbook.optimizer.iterations
    for a, b in zip(fast.get_weights(), textbook.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_custom_losss_gradient_is_not_written_into():
    """ReLU's mask is applied in place only to arrays the fast step made itself."""
    X, y = _data()
    targets = np.eye(4)[y[:16]]
    grad = np.linspace(-1.0, 1.0, 64).reshape(16, 4)
    kept = grad.copy()
    model = Sequential([Dense(8, activation="relu"), Dense(4, activation="relu")], seed=0)
    model.compile(loss=(lambda out, t: float(np.mean((out - t) ** 2)), lambda out, t: grad))
    model.train_on_batch(X[:16], targets)
    np.testing.assert_array_equal(grad, kept)
    assert hasattr(model, "_flat")  # the fast path ran


def test_a_penalty_set_mid_training_is_added_by_the_next_fast_step():
    X, y = _data()
    twins = []
    for train in (_train, _train_textbook):
        model = _model(layers=[Dense(16, activation="relu"), Dense(4)])
        train(model, X, y, 3)
        model.layers[0].l2 = 0.5  # the plan must not have decided "no penalties" once and for all
        twins.append((train(model, X, y, 3), model.get_weights()))
    (fast_losses, fast_weights), (textbook_losses, textbook_weights) = twins
    assert fast_losses == textbook_losses
    for a, b in zip(fast_weights, textbook_weights):
        np.testing.assert_array_equal(a, b)
