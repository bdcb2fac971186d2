"""Chapter 13, practical methodology: the mistakes students make in k-fold indices, precision,
recall, F1, the confusion matrix and log-uniform sampling.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

import numpy as np

from . import mistake

CV = "Cross-validation"
METRIC = "One number to optimize"
SEARCH = "Hyper-parameter search: random, on a log scale"


# ----------------------------------------------------------------------------- kfold_indices


def _split(n, start, stop):
    """``(train, val)``: the indices outside and inside ``[start, stop)`` of ``range(n)``."""
    idx = np.arange(n)
    return np.concatenate([idx[:start], idx[stop:]]), idx[start:stop]


def _bounds(n, k, fold):
    """The right ``[start, stop)`` of fold ``fold``: the first ``n % k`` folds hold one extra sample."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    start = int(sizes[:fold].sum())
    return start, start + int(sizes[fold])


@mistake(
    "kfold_indices",
    "folds of n // k, the leftover samples never validated",
    "with folds of n // k samples the last n % k samples are in no fold and are never "
    "validated; the first n % k folds get one extra sample each",
    section=CV,
)
def kfold_floor_sizes(n, k, fold):
    size = n // k
    return _split(n, fold * size, (fold + 1) * size)


@mistake(
    "kfold_indices",
    "the leftover samples all in the last fold",
    "you give every fold n // k samples and the last one the rest, so the last fold can be up "
    "to k - 1 samples larger; spread the n % k extra samples over the first folds, one each",
    section=CV,
)
def kfold_remainder_last(n, k, fold):
    size = n // k
    return _split(n, fold * size, n if fold == k - 1 else (fold + 1) * size)


@mistake(
    "kfold_indices",
    "folds of ceil(n / k)",
    "with folds of ceil(n/k) samples the last folds come out too small (or empty); the first "
    "n % k folds have n // k + 1 samples and the others n // k",
    section=CV,
)
def kfold_ceil_sizes(n, k, fold):
    size = -(-n // k)
    return _split(n, min(fold * size, n), min((fold + 1) * size, n))


@mistake(
    "kfold_indices",
    "train and validation indices swapped",
    "return (train_idx, val_idx): the training indices (all the other folds) first, then "
    "fold number `fold`",
    section=CV,
)
def kfold_swapped(n, k, fold):
    train, val = _split(n, *_bounds(n, k, fold))
    return val, train


@mistake(
    "kfold_indices",
    "the fold's end taken as inclusive",
    "a fold from start to stop covers idx[start:stop], the end excluded; your slice "
    "idx[start:stop + 1] moves the first sample of the next fold into validation",
    section=CV,
)
def kfold_inclusive_end(n, k, fold):
    start, stop = _bounds(n, k, fold)
    return _split(n, start, stop + 1)


# ----------------------------------------------------------------------------- precision_recall


def _counts(y_true, y_pred, positive=1):
    """True positives, false positives and false negatives of class ``positive``."""
    tp = int(np.sum((y_pred == positive) & (y_true == positive)))
    fp = int(np.sum((y_pred == positive) & (y_true != positive)))
    fn = int(np.sum((y_pred != positive) & (y_true == positive)))
    return tp, fp, fn


def _ratio(a, b):
    """a / b, and 0 when b is 0 (scikit-learn's zero_division=0)."""
    return a / b if b > 0 else 0.0


@mistake(
    "precision_recall",
    "precision and recall swapped",
    "precision divides TP by everything predicted positive (TP + FP), recall by everything that "
    "is positive (TP + FN); you return them the other way round",
    section=METRIC,
)
def pr_swapped(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    return float(_ratio(tp, tp + fn)), float(_ratio(tp, tp + fp))


@mistake(
    "precision_recall",
    "0/0 when nothing is predicted (or is) positive",
    "with no predicted positives TP + FP = 0 and precision is 0/0 = NaN (likewise recall when "
    "there are no positives); define it as 0 there, as scikit-learn's zero_division=0",
    section=METRIC,
)
def pr_no_zero_division(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(tp) / (tp + fp)), float(np.float64(tp) / (tp + fn))


@mistake(
    "precision_recall",
    "class 0 as the positive class",
    "you count class 0 as positive; class 1 is the positive class (TP: predicted 1 and truly 1)",
    section=METRIC,
)
def pr_class0(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred, positive=0)
    return float(_ratio(tp, tp + fp)), float(_ratio(tp, tp + fn))


@mistake(
    "precision_recall",
    "integer division //",
    "tp // (tp + fp) rounds down to 0 unless the score is perfect; divide with /",
    section=METRIC,
)
def pr_integer_division(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    return float(tp // (tp + fp) if tp + fp else 0), float(tp // (tp + fn) if tp + fn else 0)


# ----------------------------------------------------------------------------- f1_score


@mistake(
    "f1_score",
    "the arithmetic mean of precision and recall",
    "F1 is the harmonic mean 2PR/(P + R), which stays low unless both are high; (P + R)/2 "
    "gives a classifier with recall 1 and precision near 0 a score near 1/2",
    section=METRIC,
)
def f1_arithmetic_mean(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    return float((_ratio(tp, tp + fp) + _ratio(tp, tp + fn)) / 2)


@mistake(
    "f1_score",
    "F1 from precision and recall without the 0/0 case",
    "when nothing is predicted positive, precision is 0/0 = NaN and so is 2PR/(P + R); F1 is "
    "0 there (use 2 TP / (2 TP + FP + FN), which is defined whenever a positive exists)",
    section=METRIC,
)
def f1_nan_when_undefined(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        p, r = np.float64(tp) / (tp + fp), np.float64(tp) / (tp + fn)
        return float(2 * p * r / (p + r))


@mistake(
    "f1_score",
    "TP / (TP + FP + FN) (the Jaccard index)",
    "F1 counts the true positives twice, 2 TP / (2 TP + FP + FN); without the 2s you compute "
    "the Jaccard index (intersection over union), which is smaller",
    section=METRIC,
)
def f1_jaccard(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    return float(_ratio(tp, tp + fp + fn))


@mistake(
    "f1_score",
    "2 TP / (TP + FP + FN)",
    "the denominator counts the true positives twice too, 2 TP + FP + FN; without it F1 can "
    "exceed 1 (a perfect classifier gets 2)",
    section=METRIC,
)
def f1_half_denominator(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    return float(_ratio(2 * tp, tp + fp + fn))


@mistake(
    "f1_score",
    "accuracy instead of F1",
    "the fraction of right predictions rewards a classifier that never predicts the rare class "
    '("never a 9" is 91% accurate); F1 = 2 TP / (2 TP + FP + FN) looks at the positive class '
    "only",
    section=METRIC,
)
def f1_accuracy(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


# ----------------------------------------------------------------------------- confusion_counts


@mistake(
    "confusion_counts",
    "confusion matrix transposed",
    "rows are the true class and columns the prediction, C[true, predicted]; you count "
    "C[predicted, true]",
    section=METRIC,
)
def cm_transposed(y_true, y_pred, k):
    return np.bincount(k * y_pred + y_true, minlength=k * k).reshape(k, k)


@mistake(
    "confusion_counts",
    "C[y_true, y_pred] += 1 counts repeated pairs once",
    "with fancy indexing, += adds 1 only once for a (true, predicted) pair that occurs several "
    "times; use np.add.at(C, (y_true, y_pred), 1) or np.bincount",
    section=METRIC,
)
def cm_fancy_index(y_true, y_pred, k):
    counts = np.zeros((k, k), dtype=np.int64)
    counts[y_true, y_pred] += 1
    return counts


@mistake(
    "confusion_counts",
    "the size taken from the labels instead of k",
    "a class that never occurs still has a row and a column: the matrix is (k, k), not "
    "(largest label + 1) squared",
    section=METRIC,
)
def cm_size_from_labels(y_true, y_pred, k):
    m = int(max(y_true.max(), y_pred.max())) + 1
    return np.bincount(m * y_true + y_pred, minlength=m * m).reshape(m, m)


@mistake(
    "confusion_counts",
    "counts stored as floats",
    "np.zeros((k, k)) is a float array; counts are integers (dtype=int)",
    section=METRIC,
)
def cm_float_counts(y_true, y_pred, k):
    counts = np.zeros((k, k))
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


@mistake(
    "confusion_counts",
    "fractions instead of counts",
    "you divide by the number of samples; the confusion matrix counts samples (integers)",
    section=METRIC,
)
def cm_normalized(y_true, y_pred, k):
    return np.bincount(k * y_true + y_pred, minlength=k * k).reshape(k, k) / len(y_true)


# ----------------------------------------------------------------------------- log_uniform


@mistake(
    "log_uniform",
    "uniform on the linear scale",
    "U(low, high) puts 90% of the samples in the last decade (between 1e-2 and 1e-1 for "
    "1e-4 .. 1e-1); sample the exponent uniformly, u ~ U(log low, log high), and return e^u",
    section=SEARCH,
)
def lu_linear(low, high, rng, size=None):
    return rng.uniform(low, high, size)


@mistake(
    "log_uniform",
    "log10 for the bounds but e^u for the sample",
    "you sample u between log10(low) and log10(high) but return e^u; the logarithm and its "
    "inverse must have the same base (np.log with np.exp, or np.log10 with 10**u)",
    section=SEARCH,
)
def lu_log10_exp(low, high, rng, size=None):
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size))


@mistake(
    "log_uniform",
    "natural log for the bounds but 10**u for the sample",
    "you sample u between ln(low) and ln(high) but return 10**u; the logarithm and its "
    "inverse must have the same base (np.log with np.exp)",
    section=SEARCH,
)
def lu_ln_pow10(low, high, rng, size=None):
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size)


@mistake(
    "log_uniform",
    "exp of a uniform sample between low and high",
    "you return e^u with u ~ U(low, high); the exponent must be drawn between log(low) and "
    "log(high), so that e^u lands between low and high",
    section=SEARCH,
)
def lu_no_log_bounds(low, high, rng, size=None):
    return np.exp(rng.uniform(low, high, size))


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "kfold_indices",
    "fold counted from 1",
    "folds are numbered 0 .. k-1 like Python indices: fold 0 is the first block",
    section=CV,
)
def kfold_one_based_fold(n, k, fold):
    parts = np.array_split(np.arange(n), k)
    val = parts[fold - 1]
    return np.setdiff1d(np.arange(n), val), val


@mistake(
    "precision_recall",
    "true positives counted as all correct predictions",
    "TP counts only y_true = 1 and y_pred = 1; y_true == y_pred also counts the true negatives",
    section=METRIC,
)
def pr_tp_counts_negatives(y_true, y_pred):
    tp = np.sum(y_true == y_pred)
    p_den, r_den = np.sum(y_pred == 1), np.sum(y_true == 1)
    return (tp / p_den if p_den else 0.0), (tp / r_den if r_den else 0.0)


@mistake(
    "precision_recall",
    "FP counted as every predicted positive",
    "FP are predicted 1 with y_true = 0; counting every y_pred = 1 adds TP twice to the "
    "denominator",
    section=METRIC,
)
def pr_fp_includes_tp(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fp, fn = np.sum(y_pred == 1), np.sum((y_true == 1) & (y_pred == 0))
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


@mistake(
    "f1_score",
    "macro F1 (the mean over both classes)",
    "the binary F1 is the F1 of class 1 only: 2 TP / (2 TP + FP + FN)",
    section=METRIC,
)
def f1_macro(y_true, y_pred):
    scores = []
    for c in (0, 1):
        tp = np.sum((y_true == c) & (y_pred == c))
        den = np.sum(y_true == c) + np.sum(y_pred == c)
        scores.append(2 * tp / den if den else 0.0)
    return float(np.mean(scores))


@mistake(
    "confusion_counts",
    "the loop stops one sample early",
    "range(len(y_true) - 1) skips the last sample: count every sample",
    section=METRIC,
)
def cm_loop_off_by_one(y_true, y_pred, k):
    C = np.zeros((k, k), dtype=int)
    for i in range(len(y_true) - 1):
        C[y_true[i], y_pred[i]] += 1
    return C


@mistake(
    "kfold_indices",
    "every k-th sample as a fold",
    "the worksheet's folds are contiguous blocks (the first n % k of size n // k + 1); "
    "x[fold::k] interleaves them",
    section=CV,
)
def kfold_strided(n, k, fold):
    val = np.arange(n)[fold::k]
    return np.setdiff1d(np.arange(n), val), val


@mistake(
    "precision_recall",
    "accuracy in place of precision",
    "precision is TP / (TP + FP), among the predicted positives only; mean(y_true == y_pred) "
    "is the accuracy",
    section=METRIC,
)
def pr_accuracy_as_precision(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    return float(np.mean(y_true == y_pred)), (tp / (tp + fn) if tp + fn else 0.0)


@mistake(
    "f1_score",
    "true positives counted as all correct predictions",
    "TP counts only y_true = 1 and y_pred = 1; y_true == y_pred also counts the true negatives",
    section=METRIC,
)
def f1_tp_counts_negatives(y_true, y_pred):
    tp = np.sum(y_true == y_pred)
    fp = np.sum((y_true == 0) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0


@mistake(
    "f1_score",
    "the geometric mean of precision and recall",
    "F1 is their harmonic mean, 2 p r / (p + r); sqrt(p r) is the geometric mean",
    section=METRIC,
)
def f1_geometric_mean(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    pp, ap = np.sum(y_pred == 1), np.sum(y_true == 1)
    p, r = (tp / pp if pp else 0.0), (tp / ap if ap else 0.0)
    return float(np.sqrt(p * r))


@mistake(
    "confusion_counts",
    "np.histogram2d with k bins",
    "histogram2d spreads its k bins over the range of the labels present, not over 0 .. k-1, "
    "so absent classes shift the bins; count with np.add.at or a loop",
    section=METRIC,
)
def cm_histogram2d(y_true, y_pred, k):
    return np.histogram2d(y_true, y_pred, bins=k)[0].astype(int)
