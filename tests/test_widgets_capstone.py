"""nnlib.widgets.capstone: the prediction explorer, with a fake model and with a trained Sequential."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlib.data import load_digits
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.widgets.capstone import PredictionExplorer


def fingerprint(explorer) -> str:
    FigureCanvasAgg(
        explorer.figure
    )  # a figure closed by pyplot keeps a bare canvas that cannot render
    return explorer.figure_fingerprint()


class CountingModel:
    """Predicts class (sum of the inputs) mod 10 with probability 0.8; counts the samples it sees."""

    def __init__(self):
        self.seen = 0

    def predict(self, X):
        self.seen += len(X)
        cls = np.asarray(X).sum(axis=1).astype(int) % 10
        P = np.full((len(X), 10), 0.2 / 9)
        P[np.arange(len(X)), cls] = 0.8
        return P


def make_data():
    X = np.zeros((6, 64))
    X[:, 0] = [0, 1, 2, 3, 4, 5]  # the model predicts 0, 1, ..., 5
    y = np.array([0, 7, 2, 9, 4, 1])  # wrong for samples 1, 3 and 5
    return X.reshape(6, 8, 8) / 5, X, y


def test_explorer_finds_and_steps_through_the_mistakes():
    images, X, y = make_data()
    model = CountingModel()
    e = PredictionExplorer(model, images, X, y)
    np.testing.assert_array_equal(e.wrong, [1, 3, 5])
    assert e.state["sample"] == 0 and e.state["predicted"] == 0 and e.state["true"] == 0
    before = fingerprint(e)
    state = e.update(show="misclassified", index=1)
    assert (state["sample"], state["true"], state["predicted"]) == (3, 9, 3) and state[
        "pool_size"
    ] == 3
    np.testing.assert_allclose(state["probs"], model.predict(X[3:4])[0])
    np.testing.assert_allclose(state["image"], images[3])
    assert fingerprint(e) != before
    assert e.update(index=5)["sample"] == 5  # past the end of a shorter pool: the last one
    assert e.update(show="all", index=4)["sample"] == 4


def test_explorer_predicts_one_sample_per_update():
    images, X, y = make_data()
    model = CountingModel()
    e = PredictionExplorer(model, images, X, y)
    seen = model.seen  # the whole set once, plus the first sample
    assert seen == len(X) + 1
    e.update(index=2)
    e.update(index=3)
    assert model.seen == seen + 2


def test_explorer_with_a_trained_network():
    X, y = load_digits()
    model = Sequential([Dense(16, activation="relu", input_dim=64), Dense(10)], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(X[:300], y[:300], epochs=2, batch_size=32, verbose=0, seed=0)
    e = PredictionExplorer(model, X[300:360], X[300:360], y[300:360])
    np.testing.assert_array_equal(e.predicted, model.predict(X[300:360]).argmax(axis=1))
    state = e.update(index=7)
    np.testing.assert_allclose(state["probs"], model.predict(X[307:308])[0])
    assert state["probs"].sum() == pytest.approx(1.0)


def test_explorer_rejects_mismatched_lengths():
    images, X, y = make_data()
    with pytest.raises(ValueError, match=r"PredictionExplorer: .* got 6, 6 and 5"):
        PredictionExplorer(CountingModel(), images, X, y[:5])
