"""Chapter 15, the capstone: the mistakes students make in per-class accuracy and in the interface
of their ``train_and_predict`` (what it returns, for which images).

Each function below is the worksheet's function with one real bug (see the package docstring). The
capstone's wrong ``train_and_predict`` variants use the nearest class mean as their "network", so
they run in milliseconds; the bug is in what they do with its output.
"""

import numpy as np

from ..references import train_and_predict as _nearest_mean
from . import mistake

METRICS = "6. The test set, once"
CHECKS = "4. Sanity checks before the long run"


# ----------------------------------------------------------------------------- per_class_accuracy


def _hits_counts(y_true, y_pred, k):
    hits = np.bincount(y_true[y_pred == y_true], minlength=k).astype(np.float64)
    return hits, np.bincount(y_true, minlength=k)


@mistake(
    "per_class_accuracy",
    "divided by the predictions of each class (precision)",
    "that is each class's precision; its accuracy (recall) divides the right answers of class c by "
    "the number of samples whose *true* class is c",
    section=METRICS,
)
def pca_precision(y_true, y_pred, k):
    hits, _ = _hits_counts(y_true, y_pred, k)
    predicted = np.bincount(y_pred, minlength=k)[:k]
    return np.divide(hits, predicted, out=np.zeros(k), where=predicted > 0)


@mistake(
    "per_class_accuracy",
    "divided by the number of all samples",
    "dividing by N gives each class's share of the right answers (they sum to the accuracy); "
    "divide by the number of samples of that class",
    section=METRICS,
)
def pca_over_total(y_true, y_pred, k):
    hits, _ = _hits_counts(y_true, y_pred, k)
    return hits / len(y_true)


@mistake(
    "per_class_accuracy",
    "counts of right answers instead of fractions",
    "you return how many samples of each class are right; divide by how many samples the class has",
    section=METRICS,
)
def pca_counts(y_true, y_pred, k):
    return _hits_counts(y_true, y_pred, k)[0]


@mistake(
    "per_class_accuracy",
    "0/0 = NaN for a class without samples",
    "a class that never occurs has 0 right answers out of 0; define its accuracy as 0 "
    "(np.divide(..., out=np.zeros(k), where=counts > 0))",
    section=METRICS,
)
def pca_nan_absent(y_true, y_pred, k):
    hits, counts = _hits_counts(y_true, y_pred, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return hits / counts


@mistake(
    "per_class_accuracy",
    "the number of classes taken from the labels",
    "a class that never occurs still gets an entry: the result has shape (k,), not "
    "(largest label + 1,)",
    section=METRICS,
)
def pca_size_from_labels(y_true, y_pred, k):
    m = int(y_true.max()) + 1
    hits, counts = _hits_counts(y_true, y_pred, m)
    return np.divide(hits, counts, out=np.zeros(m), where=counts > 0)


# ----------------------------------------------------------------------------- train_and_predict


@mistake(
    "train_and_predict",
    "class probabilities instead of labels",
    "model.predict returns an (N, 10) matrix of probabilities; return one integer label per test "
    "image, its argmax along axis 1",
    section=METRICS,
)
def tp_probabilities(X_train, y_train, X_test):
    return np.eye(10)[_nearest_mean(X_train, y_train, X_test)]


@mistake(
    "train_and_predict",
    "predictions for the training images",
    "return labels for X_test (one per test image), not for X_train",
    section=METRICS,
)
def tp_predicts_train(X_train, y_train, X_test):
    return _nearest_mean(X_train, y_train, X_train)


@mistake(
    "train_and_predict",
    "argmax along the wrong axis",
    "probabilities have shape (N, 10): argmax(axis=1) picks a class per image; axis=0 picks an "
    "image per class",
    section=METRICS,
)
def tp_argmax_axis0(X_train, y_train, X_test):
    return np.eye(10)[_nearest_mean(X_train, y_train, X_test)].argmax(axis=0)


@mistake(
    "train_and_predict",
    "labels as floats",
    "labels are integers (argmax returns them); a float array (e.g. from np.zeros or a division) "
    "needs .astype(int)",
    section=METRICS,
)
def tp_float_labels(X_train, y_train, X_test):
    return _nearest_mean(X_train, y_train, X_test).astype(np.float64)


@mistake(
    "train_and_predict",
    "the same class for every image",
    "your network predicts one class for everything: it did not learn (a learning rate far too "
    "large or small, a softmax in front of cross_entropy, or the labels shuffled apart from the "
    "images); check that the training loss falls",
    section=CHECKS,
)
def tp_one_class(X_train, y_train, X_test):
    return np.full(len(X_test), np.bincount(y_train).argmax(), dtype=np.int64)


@mistake(
    "train_and_predict",
    "the training labels returned",
    "you return y_train (or a slice of it): predict the labels of X_test with the trained model",
    section=CHECKS,
)
def tp_training_labels(X_train, y_train, X_test):
    return np.resize(y_train, len(X_test)).astype(np.int64)


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "per_class_accuracy",
    "one-vs-rest accuracy instead of the class's recall",
    "per-class accuracy is the fraction of class c's samples predicted as c; mean((y_true == "
    "c) == (y_pred == c)) also counts the other classes' samples",
    section=METRICS,
)
def pca_one_vs_rest_accuracy(y_true, y_pred, k):
    return np.array([np.mean((y_true == c) == (y_pred == c)) for c in range(k)])


@mistake(
    "train_and_predict",
    "argmax of the distances",
    "the nearest class has the smallest distance: argmin",
    section=CHECKS,
)
def tp_argmax_distance(X_train, y_train, X_test):
    classes = np.unique(y_train)
    means = np.stack([X_train[y_train == c].mean(axis=0) for c in classes])
    d = ((X_test[:, None, :] - means[None]) ** 2).sum(axis=2)
    return classes[d.argmax(axis=1)]


@mistake(
    "train_and_predict",
    "the index of the nearest mean, not its class",
    "argmin gives a position among the classes; return classes[position] so the labels are "
    "the training labels",
    section=CHECKS,
)
def tp_index_not_class(X_train, y_train, X_test):
    classes = np.unique(y_train)
    means = np.stack([X_train[y_train == c].mean(axis=0) for c in classes])
    d = ((X_test[:, None, :] - means[None]) ** 2).sum(axis=2)
    return d.argmin(axis=1) + 1  # "classes are 1..K"
