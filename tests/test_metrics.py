"""nnlib.metrics against sklearn.metrics with zero_division=0 (and torch for accuracy)."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from nnlib import metrics as M

SK = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
OURS = {"precision": M.precision, "recall": M.recall, "f1": M.f1}

label_pairs = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
    )
)
binary_pairs = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


def _sk(name, y_true, y_pred, **kw):
    return SK[name](y_true, y_pred, zero_division=0, **kw)


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")  # sklearn's, not ours
@settings(max_examples=40, deadline=None)
@given(label_pairs)
def test_multiclass_metrics_match_sklearn(pair):
    y_true, y_pred = map(np.array, pair)
    assert M.accuracy(y_true, y_pred) == pytest.approx(
        skm.accuracy_score(y_true, y_pred), abs=1e-15
    )
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    for name in SK:
        assert OURS[name](y_true, y_pred, average="macro") == pytest.approx(
            _sk(name, y_true, y_pred, average="macro"), abs=1e-14
        ), name
        np.testing.assert_allclose(
            OURS[name](y_true, y_pred, average=None),
            _sk(name, y_true, y_pred, average=None),
            atol=1e-14,
        )


@settings(max_examples=40, deadline=None)
@given(binary_pairs)
def test_binary_metrics_match_sklearn(pair):
    y_true, y_pred = map(np.array, pair)
    for name in SK:
        for pos_label in (0, 1):
            if pos_label not in np.union1d(y_true, y_pred) and len(np.union1d(y_true, y_pred)) == 2:
                continue
            assert OURS[name](y_true, y_pred, pos_label=pos_label) == pytest.approx(
                _sk(name, y_true, y_pred, pos_label=pos_label), abs=1e-14
            ), (name, pos_label)


@pytest.mark.parametrize(
    "y_true, y_pred",
    [
        ([0, 0, 0], [0, 0, 0]),  # no positives anywhere: P, R, F1 all 0/0
        ([1, 1, 0], [0, 0, 0]),  # nothing predicted positive: precision 0/0
        ([0, 0, 0], [1, 0, 0]),  # no actual positives: recall 0/0
        ([1, 1, 1], [1, 1, 1]),  # perfect
    ],
)
def test_zero_division_cases_match_sklearn_zero_division_0(y_true, y_pred):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # we are silent where sklearn's default would warn
        ours = {name: OURS[name](y_true, y_pred) for name in SK}
        macro = {name: OURS[name](y_true, y_pred, average="macro") for name in SK}
    for name in SK:
        assert ours[name] == _sk(name, y_true, y_pred)
        assert macro[name] == pytest.approx(_sk(name, y_true, y_pred, average="macro"), abs=1e-15)


def test_explicit_labels_include_absent_classes():
    y_true, y_pred = [0, 1, 1, 2], [0, 1, 2, 2]
    labels = [0, 1, 2, 3]
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, y_pred, labels=labels),
        skm.confusion_matrix(y_true, y_pred, labels=labels),
    )
    for name in SK:
        assert OURS[name](y_true, y_pred, average="macro", labels=labels) == pytest.approx(
            _sk(name, y_true, y_pred, average="macro", labels=labels), abs=1e-15
        )
    # a subset of labels: confusions with the unlisted ones still count
    for name in SK:
        assert OURS[name](y_true, y_pred, average="macro", labels=[1, 2]) == pytest.approx(
            _sk(name, y_true, y_pred, average="macro", labels=[1, 2]), abs=1e-15
        )


def test_string_labels():
    y_true = np.array(["cat", "dog", "dog", "bird"])
    y_pred = np.array(["cat", "cat", "dog", "dog"])
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    assert M.f1(y_true, y_pred, average="macro") == pytest.approx(
        _sk("f1", y_true, y_pred, average="macro")
    )
    assert M.precision(y_true[1:3], y_pred[1:3], pos_label="dog") == _sk(
        "precision", y_true[1:3], y_pred[1:3], pos_label="dog"
    )


def test_accuracy_matches_torch_argmax(rng):
    logits = rng.standard_normal((50, 4))
    y = rng.integers(0, 4, 50)
    expected = (torch.tensor(logits).argmax(dim=1) == torch.tensor(y)).double().mean().item()
    assert M.accuracy(y, logits.argmax(axis=1)) == pytest.approx(expected, abs=1e-15)


def test_f1_is_the_harmonic_mean_of_precision_and_recall(rng):
    y_true, y_pred = rng.integers(0, 2, 100), rng.integers(0, 2, 100)
    p, r, f = M.precision_recall_f1(y_true, y_pred)
    assert f == pytest.approx(2 * p * r / (p + r), rel=1e-14)
    assert (p, r, f) == (
        M.precision(y_true, y_pred),
        M.recall(y_true, y_pred),
        M.f1(y_true, y_pred),
    )


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: M.accuracy([0, 1], [0, 1, 1]), r"accuracy: y_true has 2 samples but y_pred has 3"),
        (
            lambda: M.f1([0, 1, 2], [0, 1, 2]),
            r"precision_recall_f1: average='binary' needs 2 classes, got 3",
        ),
        (
            lambda: M.recall([0, 2], [2, 0]),
            r"precision_recall_f1: pos_label=1 is not one of the labels \[0, 2\]",
        ),
        (
            lambda: M.precision([0, 1], [0, 1], average="micro"),
            r"expected average 'binary', 'macro' or None",
        ),
        (
            lambda: M.confusion_matrix([[0, 1]], [[0, 1]]),
            r"confusion_matrix: expected y_true of shape \(N,\), got \(1, 2\)",
        ),
        (lambda: M.accuracy([], []), r"accuracy: expected at least one sample"),
    ],
)
def test_metric_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_metrics_do_not_modify_inputs():
    y_true, y_pred = np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])
    t0, p0 = y_true.copy(), y_pred.copy()
    M.confusion_matrix(y_true, y_pred)
    M.precision_recall_f1(y_true, y_pred, average="macro")
    np.testing.assert_array_equal(y_true, t0)
    np.testing.assert_array_equal(y_pred, p0)
