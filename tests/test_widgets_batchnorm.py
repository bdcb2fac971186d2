"""nnlib.widgets.batchnorm: the cached training runs and the BN on/off explorer."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlib.layers import BatchNorm, Dense
from nnlib.model import Sequential
from nnlib.widgets import batchnorm as bnw

from helpers import strict_floats


def fingerprint(explorer) -> str:
    FigureCanvasAgg(
        explorer.figure
    )  # a figure closed by pyplot keeps a bare canvas that cannot render
    return explorer.figure_fingerprint()


@pytest.mark.parametrize("batchnorm", [False, True])
def test_make_mlp_layout(batchnorm):
    model = bnw.make_mlp(batchnorm, "tanh", depth=3, width=8)
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    assert len(dense) == 4 and dense[-1].units == 10
    assert sum(isinstance(layer, BatchNorm) for layer in model.layers) == (3 if batchnorm else 0)
    assert all(layer.use_bias != batchnorm for layer in dense[:-1])  # beta replaces the bias


def test_runs_are_cached_whatever_the_call_style():
    a = bnw.train_digits_mlp(True, 0.3, "relu", epochs=2)
    b = bnw.train_digits_mlp(batchnorm=1, lr=0.3, epochs=2)
    assert a is b
    assert a["val_accuracy"].shape == (2,) and not a["diverged"]
    X_dev, y_dev = bnw.digits_split()[1], bnw.digits_split()[4]
    assert a["model"].evaluate(X_dev, y_dev)["accuracy"] == pytest.approx(
        a["val_accuracy"][-1], abs=1e-12
    )


def test_a_diverging_run_is_reported_without_warnings(monkeypatch):
    def exploding(batchnorm, activation, seed):
        huge = lambda shape, rng=None, dtype=np.float64: np.full(shape, 1e307, dtype=dtype)  # noqa: E731
        return Sequential([Dense(10, kernel_initializer=huge)], seed=seed)

    monkeypatch.setattr(bnw, "make_mlp", exploding)
    bnw._train.cache_clear()
    try:
        with strict_floats():
            run = bnw.train_digits_mlp(False, 0.1, "relu", epochs=3, seed=987)
    finally:
        bnw._train.cache_clear()
    assert run["diverged"] and np.all(np.isnan(run["loss"]))


def test_explorer_shows_batchnorm_tolerating_a_large_learning_rate():
    e = bnw.BatchNormExplorer(lr=0.1, activation="relu")
    before = fingerprint(e)
    state = e.update(lr=3.0)
    assert state["with"]["val_accuracy"][-1] > 0.9
    assert state["without"]["val_accuracy"][-1] < 0.3
    after_lr = fingerprint(e)
    assert after_lr != before
    state = e.update(activation="sigmoid", lr=1.0)
    assert state["without"]["val_accuracy"][-1] < 0.2 < 0.8 < state["with"]["val_accuracy"][-1]
    assert fingerprint(e) != after_lr
