"""nnlib.callbacks: History logging, EarlyStopping (patience, modes, restoring the best weights)."""

import numpy as np
import pytest

from nnlib import optim
from nnlib.callbacks import Callback, EarlyStopping, History
from nnlib.layers import BatchNorm, Dense
from nnlib.model import Sequential


class Recorder(Callback):
    """Keeps a copy of the weights at the end of every epoch, and the order of the hooks."""

    def __init__(self):
        self.weights, self.events = [], []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(f"epoch_begin {epoch}")

    def on_batch_end(self, batch, logs=None):
        self.events.append(f"batch {batch}")

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())
        self.events.append(f"epoch_end {epoch}")

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def overfitting_run(*callbacks, epochs=30):
    """30 noisy training samples and a wide net: the validation loss falls for 3 epochs, then rises."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((230, 8))
    y = (X[:, :4].argmax(axis=1) + (rng.random(230) < 0.3)) % 4
    model = Sequential([Dense(64, activation="relu"), BatchNorm(), Dense(4)], seed=0)
    model.compile(loss="cross_entropy", optimizer=optim.Adam(lr=2e-2))
    history = model.fit(
        X[:30],
        y[:30],
        epochs=epochs,
        batch_size=10,
        validation_data=(X[30:], y[30:]),
        callbacks=callbacks,
        verbose=0,
        seed=0,
    )
    return model, history


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("patience", [2, 4])
def test_early_stopping_restores_the_best_weights(patience):
    recorder, stopper = Recorder(), EarlyStopping(monitor="val_loss", patience=patience)
    model, history = overfitting_run(recorder, stopper)
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert (
        0 < best < len(val) - 1 and val[-1] > val[best]
    )  # the scenario: it improved, then got worse
    assert stopper.best_epoch == best and stopper.best == val[best]
    assert len(val) == best + patience + 1 and stopper.stopped_epoch == len(val) - 1
    assert history.epoch == list(range(len(val)))
    assert_same(model.get_weights(), recorder.weights[best])  # parameters and running statistics
    assert not np.array_equal(model.get_weights()[0], recorder.weights[-1][0])


def test_without_restore_the_last_weights_stay():
    recorder = Recorder()
    model, history = overfitting_run(recorder, EarlyStopping(patience=1, restore_best=False))
    assert_same(model.get_weights(), recorder.weights[-1])


def test_min_delta_and_max_mode():
    stopper = EarlyStopping(monitor="val_accuracy", min_delta=0.05, patience=2)
    assert stopper.mode == "max"

    class Stub:
        stop_training = False

        def get_weights(self):
            return []

    stopper.set_model(Stub())
    stopper.on_train_begin()
    for epoch, acc in enumerate(
        [0.5, 0.54, 0.56, 0.57, 0.58]
    ):  # +0.04 is not an improvement, +0.06 is
        stopper.on_epoch_end(epoch, {"val_accuracy": acc})
        assert stopper.model.stop_training == (epoch == 4)
    assert stopper.best_epoch == 2 and stopper.best == 0.56


def test_missing_monitor_explains_itself():
    with pytest.raises(
        KeyError,
        match=r"EarlyStopping: monitor 'val_loss' is not in the epoch logs \['accuracy', "
        r"'loss'\]; pass validation_data",
    ):
        model = Sequential([Dense(2)], seed=0)
        model.compile(loss="cross_entropy", optimizer="sgd")
        model.fit(np.zeros((4, 3)), np.zeros(4, int), callbacks=[EarlyStopping()], verbose=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode": "up"}, r"EarlyStopping: expected mode 'auto', 'min' or 'max', got 'up'"),
        ({"patience": -1}, r"EarlyStopping: expected patience to be an integer >= 0, got -1"),
        ({"min_delta": -0.1}, r"EarlyStopping: expected min_delta >= 0, got -0.1"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EarlyStopping(**kwargs)


def test_callback_hooks_order_and_stop_training():
    class StopAfterSecond(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 1

    recorder = Recorder()
    model = Sequential([Dense(2)], seed=0)
    model.compile(loss="cross_entropy", optimizer="sgd")
    history = model.fit(
        np.zeros((6, 3)),
        np.zeros(6, int),
        epochs=5,
        batch_size=4,
        callbacks=[recorder, StopAfterSecond()],
        verbose=0,
    )
    assert recorder.events == [
        "train_begin",
        "epoch_begin 0",
        "batch 0",
        "batch 1",
        "epoch_end 0",
        "epoch_begin 1",
        "batch 0",
        "batch 1",
        "epoch_end 1",
        "train_end",
    ]
    assert history.epoch == [0, 1] and model.history is history


def test_history_collects_logs_per_epoch():
    history = History()
    history.on_train_begin()
    for epoch, logs in enumerate([{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5}]):
        history.on_epoch_end(epoch, logs)
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5]} and history.epoch == [
        0,
        1,
    ]
    assert "epochs=2" in repr(history)
    with pytest.raises(
        TypeError, match=r"Sequential.fit: expected callbacks to be nnlib.callbacks.Callback"
    ):
        model = Sequential([Dense(2)], seed=0)
        model.compile(loss="cross_entropy", optimizer="sgd")
        model.fit(np.zeros((4, 3)), np.zeros(4, int), callbacks=[print], verbose=0)
