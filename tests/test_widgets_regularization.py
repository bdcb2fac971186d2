"""nnlib.widgets.regularization: the noisy-label split, the cached runs and the dropout/L2 explorer."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlib.functional import cross_entropy
from nnlib.layers import Dropout
from nnlib.widgets.regularization import (
    RegularizationExplorer,
    make_overfit_model,
    overfit_split,
    train_regularized,
)


def fingerprint(explorer) -> str:
    FigureCanvasAgg(
        explorer.figure
    )  # a figure closed by pyplot keeps a bare canvas that cannot render
    return explorer.figure_fingerprint()


def test_split_corrupts_a_quarter_of_the_training_labels_only():
    d = overfit_split()
    wrong = d["y_train"] != d["y_train_clean"]
    assert wrong.sum() == round(0.25 * len(wrong))
    assert set(np.unique(d["y_train"])) == set(range(10))
    assert len(d["X_train"]) + len(d["X_dev"]) + len(d["X_test"]) == 1797
    assert overfit_split() is d  # cached


@pytest.mark.parametrize("p, l2, l1", [(0.0, 0.0, 0.0), (0.3, 1e-2, 0.0), (0.0, 0.0, 1e-3)])
def test_measured_curves_are_the_data_term_in_inference_mode(p, l2, l1):
    run = train_regularized(p, l2, l1, epochs=3)
    d = overfit_split()
    model = run["model"]
    assert any(isinstance(layer, Dropout) for layer in model.layers) == (p > 0)
    logits = model.predict(d["X_dev"], logits=True)
    assert run["dev_ce"][-1] == pytest.approx(float(cross_entropy(logits, d["y_dev"])), rel=1e-12)
    train_logits = model.predict(d["X_train"], logits=True)
    assert run["train_ce"][-1] == pytest.approx(
        float(cross_entropy(train_logits, d["y_train"])), rel=1e-12
    )
    assert run["train_acc"][-1] == pytest.approx(
        np.mean(train_logits.argmax(axis=1) == d["y_train"])
    )
    penalty = run["val_loss"][-1] - run["dev_ce"][-1]
    assert (penalty > 0) == (l2 > 0 or l1 > 0)


def test_make_overfit_model_passes_the_penalties_to_both_dense_layers():
    model = make_overfit_model(0.2, l2=1e-3, l1=1e-4, hidden=16)
    dense = [model.layers[0], model.layers[2]]
    assert [(layer.l1, layer.l2) for layer in dense] == [(1e-4, 1e-3)] * 2
    assert model.layers[1].p == 0.2


def test_explorer_regularization_stops_the_memorization():
    e = RegularizationExplorer()
    base = e.state["baseline"]
    assert e.state["run"] is base and base["train_acc"][-1] > 0.98  # memorizes the wrong labels
    before = fingerprint(e)
    state = e.update(p=0.8)
    assert state["run"]["train_acc"][-1] < base["train_acc"][-1] - 0.1
    assert state["run"]["val_accuracy"][-1] > base["val_accuracy"][-1] + 0.05
    assert state["gap"] < base["train_acc"][-1] - base["val_accuracy"][-1]
    after_p = fingerprint(e)
    assert after_p != before
    state = e.update(p=0.0, l2=3e-2)  # strong L2: the wrong labels cannot be fitted any more
    assert state["run"]["train_acc"][-1] < 0.8
    assert fingerprint(e) != after_p
