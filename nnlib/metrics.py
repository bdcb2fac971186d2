"""Classification metrics (chapter 13: single-number evaluation metrics).

For one class ``c`` treated as positive, with counts of true positives ``TP``, false positives
``FP`` and false negatives ``FN``:

    precision = TP / (TP + FP)      (of what we flagged, how much was right)
    recall    = TP / (TP + FN)      (of what was there, how much we found)
    F1        = 2 P R / (P + R) = 2 TP / (2 TP + FP + FN)   (harmonic mean)

``average="binary"`` reports the class ``pos_label``; ``average="macro"`` the unweighted mean of
the per-class values over ``labels`` (default: every label in ``y_true`` or ``y_pred``, sorted);
``average=None`` the per-class array. A ratio with a zero denominator (no predicted positives for
precision, no actual positives for recall, neither for F1) is 0, and macro averages include that
0: scikit-learn's ``zero_division=0`` (its default ``"warn"`` gives the same numbers plus a
warning; we stay silent). Labels may be integers or strings.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_lengths, check_ndim

__all__ = ["accuracy", "confusion_matrix", "precision_recall_f1", "precision", "recall", "f1"]


def _pair(y_true, y_pred, fn: str) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_ndim(y_true, 1, fn, "y_true", "(N,)")
    check_ndim(y_pred, 1, fn, "y_pred", "(N,)")
    check_lengths(y_true, y_pred, fn, "y_true", "y_pred")
    if y_true.size == 0:
        raise ValueError(f"{fn}: expected at least one sample, got empty y_true and y_pred")
    return y_true, y_pred


def accuracy(y_true, y_pred) -> float:
    """Fraction of exact matches, ``mean(y_true == y_pred)``.

    Shapes: ``(N,)``, ``(N,)`` -> float.

    >>> accuracy([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    y_true, y_pred = _pair(y_true, y_pred, "accuracy")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, labels=None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples with true label ``labels[i]`` predicted as ``labels[j]``.

    Rows are the truth, columns the prediction (scikit-learn's layout), so ``diag(C)`` holds the
    correct ones, a column sum minus the diagonal the false positives of that class and a row sum
    minus the diagonal its false negatives. ``labels`` defaults to the sorted labels present in
    either array; pass e.g. ``labels=range(10)`` to keep absent classes. Samples whose labels are
    not in ``labels`` are ignored.

    Shapes: ``(N,)``, ``(N,)`` -> ``(K, K)`` int64.

    >>> confusion_matrix([0, 1, 1], [0, 0, 1])
    array([[1, 0],
           [1, 1]])
    """
    y_true, y_pred = _pair(y_true, y_pred, "confusion_matrix")
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(list(labels))
    k = len(labels)
    if k == 0:
        raise ValueError("confusion_matrix: expected at least one label, got labels=[]")
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]

    def index(y):  # position of each y in `labels`, or -1 when absent
        pos = np.minimum(np.searchsorted(sorted_labels, y), k - 1)
        return np.where(sorted_labels[pos] == y, order[pos], -1)

    t, p = index(y_true), index(y_pred)
    keep = (t >= 0) & (p >= 0)
    return np.bincount(t[keep] * k + p[keep], minlength=k * k).reshape(k, k).astype(np.int64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (scikit-learn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def precision_recall_f1(y_true, y_pred, average: str | None = "binary", pos_label=1, labels=None):
    """Precision, recall and F1 together (see the module docstring for the formulas).

    Returns three floats, or three ``(K,)`` arrays (one entry per label) with ``average=None``.
    ``average="binary"`` requires at most two distinct labels, ``pos_label`` among them.

    >>> precision_recall_f1([1, 1, 0, 0], [1, 0, 1, 0])
    (0.5, 0.5, 0.5)
    """
    fn = "precision_recall_f1"
    y_true, y_pred = _pair(y_true, y_pred, fn)
    present = np.union1d(y_true, y_pred)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                f"{fn}: average='binary' needs 2 classes, got {len(present)} labels "
                f"{present.tolist()}; use average='macro'"
            )
        if len(present) == 2 and pos_label not in present:
            raise ValueError(
                f"{fn}: pos_label={pos_label!r} is not one of the labels {present.tolist()}"
            )
        labels = [pos_label]
    elif average not in ("macro", None):
        raise ValueError(f"{fn}: expected average 'binary', 'macro' or None, got {average!r}")
    labels = present if labels is None else np.asarray(list(labels))
    # count over every label, so that confusions with unlisted labels still count as FP/FN
    everything = np.union1d(present, labels)
    C = confusion_matrix(y_true, y_pred, labels=everything)
    rows = np.searchsorted(everything, labels)
    tp = np.diag(C)[rows].astype(np.float64)
    fp, fn_ = C.sum(axis=0)[rows] - tp, C.sum(axis=1)[rows] - tp
    p, r, f = _ratio(tp, tp + fp), _ratio(tp, tp + fn_), _ratio(2 * tp, 2 * tp + fp + fn_)
    if average is None:
        return p, r, f
    return float(p.mean()), float(r.mean()), float(f.mean())


def precision(y_true, y_pred, average: str | None = "binary", pos_label=1, labels=None):
    """Precision ``TP / (TP + FP)``; 0 when nothing was predicted positive.

    >>> precision([0, 1, 1], [1, 1, 1])
    0.6666666666666666
    """
    return precision_recall_f1(y_true, y_pred, average, pos_label, labels)[0]


def recall(y_true, y_pred, average: str | None = "binary", pos_label=1, labels=None):
    """Recall ``TP / (TP + FN)``; 0 when there are no actual positives.

    >>> recall([0, 1, 1], [1, 1, 0])
    0.5
    """
    return precision_recall_f1(y_true, y_pred, average, pos_label, labels)[1]


def f1(y_true, y_pred, average: str | None = "binary", pos_label=1, labels=None):
    """F1 ``= 2 TP / (2 TP + FP + FN)``, the harmonic mean of precision and recall.

    Macro F1 is the mean of per-class F1 values (not the F1 of the macro precision and recall).

    >>> f1([0, 1, 1], [1, 1, 0])
    0.5
    """
    return precision_recall_f1(y_true, y_pred, average, pos_label, labels)[2]
