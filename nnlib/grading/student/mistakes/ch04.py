"""Chapter 4, logistic and softmax regression: the mistakes students make in the sigmoid, the binary
cross-entropy from logits, the softmax, the cross-entropy and its gradient, the logistic gradient.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

import numpy as np

from . import mistake

_MODEL = "The model"
_STABLE = "Numerical stability: compute the loss from the logits"
_SOFTMAX = "Softmax regression: more than two classes"
_CE = "The loss and its gradient"
_GRAD = "The gradient, derived"


def _sigmoid(x):
    """A right, stable sigmoid: the mistakes below that are not about the sigmoid use it."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- sigmoid


@mistake(
    "sigmoid",
    "the notes' sigmoid 1/(1 + e^x)",
    "without the minus in the exponent you compute sigma(-x) = 1 - sigma(x), which decreases: "
    "large inputs give probabilities near 0 instead of near 1",
    section=_MODEL,
)
def sigmoid_notes_sign(x):
    return 1.0 / (1.0 + np.exp(x))


@mistake(
    "sigmoid",
    "stable sigmoid with e^(-x) instead of e^(-|x|)",
    "the two-branch form needs z = e^(-|x|) in both branches; with z = e^(-x) the branch for "
    "x < 0, z/(1 + z), gives sigma(-x), the wrong half of the curve (and overflows for large |x|)",
    section=_MODEL,
)
def sigmoid_no_abs(x):
    z = np.exp(-x)
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


@mistake(
    "sigmoid",
    "sigmoid from tanh without halving x",
    "(1 + tanh(x))/2 is sigma(2x): the identity is sigma(x) = (1 + tanh(x/2))/2, so your curve is "
    "twice as steep",
    section=_MODEL,
)
def sigmoid_tanh_no_half(x):
    return 0.5 * (1.0 + np.tanh(x))


@mistake(
    "sigmoid",
    "the direct formula 1/(1 + e^(-x))",
    "e^(-x) overflows to inf for x below about -710: NumPy warns, and the result is right only "
    "because 1/inf happens to be 0; evaluate each branch only where its exponent is <= 0",
    kind="unstable",
    section=_STABLE,
)
def sigmoid_naive(x):
    return 1.0 / (1.0 + np.exp(-x))


@mistake(
    "sigmoid",
    "sigmoid as e^x / (1 + e^x)",
    "e^x overflows for x above about 709 and inf/inf gives NaN; this form is only safe for x < 0",
    kind="unstable",
    section=_STABLE,
)
def sigmoid_exp_ratio(x):
    e = np.exp(x)
    return e / (1.0 + e)


# ----------------------------------------------------------------------------- binary_cross_entropy_with_logits


@mistake(
    "binary_cross_entropy_with_logits",
    "the log of a computed sigmoid",
    "you compute p = sigmoid(z) and then log(p) and log(1 - p): p rounds to exactly 0 or 1 for "
    "|z| above about 37, and log(0) gives inf or NaN; use the formula in the logits",
    kind="unstable",
    section=_STABLE,
)
def bce_logits_naive(z, y):
    p = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@mistake(
    "binary_cross_entropy_with_logits",
    "softplus computed as log(1 + e^z)",
    "log(1 + e^z) is the right softplus but e^z overflows for z above about 709; write it as "
    "max(z, 0) + log1p(e^(-|z|))",
    kind="unstable",
    section=_STABLE,
)
def bce_logits_naive_softplus(z, y):
    return float(np.mean(np.log1p(np.exp(z)) - z * y))


@mistake(
    "binary_cross_entropy_with_logits",
    "the notes' (1 + y) in the cross-entropy",
    "the second term of the Bernoulli log-likelihood is (1 - y) log(1 - p); with (1 + y) a correct, "
    "confident prediction (y = 1, p = 0.99) costs about 9.2 instead of 0.01",
    section="Cross-entropy is the negative log-likelihood",
)
def bce_logits_one_plus_y(z, y):
    log_p = -np.logaddexp(0.0, -z)  # log sigmoid(z), computed stably
    log_1mp = -np.logaddexp(0.0, z)  # log (1 - sigmoid(z))
    return float(-np.mean(y * log_p + (1 + y) * log_1mp))


@mistake(
    "binary_cross_entropy_with_logits",
    "BCE summed instead of averaged",
    "PyTorch's binary_cross_entropy_with_logits returns the mean over all entries; your sum is n "
    "times too large",
    section=_STABLE,
)
def bce_logits_sum(z, y):
    return float(np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


@mistake(
    "binary_cross_entropy_with_logits",
    "a sigmoid applied before the logits formula",
    "the function receives logits; you turn them into probabilities first and apply the logits "
    "formula to p, which optimises a different, flattened loss",
    section=_STABLE,
)
def bce_logits_sigmoid_first(z, y):
    p = _sigmoid(z)
    return float(np.mean(np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))))


@mistake(
    "binary_cross_entropy_with_logits",
    "log1p(e^(-z)) without the absolute value",
    "the stable form is max(z, 0) - z y + log(1 + e^(-|z|)); with e^(-z) the loss of every negative "
    "logit is too large by -z (and e^(-z) overflows for very negative z)",
    section=_STABLE,
)
def bce_logits_no_abs(z, y):
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z))))


# ----------------------------------------------------------------------------- softmax
# nnlib's softmax has an ``axis`` argument (default -1, the rows); the worksheet's has only ``x``.


@mistake(
    "softmax",
    "softmax without subtracting the max",
    "e^x overflows for x above about 709 and inf/inf gives NaN; subtract each row's maximum first "
    "(it cancels, so the result is unchanged)",
    kind="unstable",
    section=_SOFTMAX,
)
def softmax_naive(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@mistake(
    "softmax",
    "softmax over the columns (axis=0)",
    "each row of the batch is one example, so the softmax normalises along the last axis; with "
    "axis=0 each column sums to 1 instead of each row",
    section=_SOFTMAX,
)
def softmax_axis0(x, axis=-1):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@mistake(
    "softmax",
    "row sums without keepdims",
    "e.sum(axis=-1) has shape (N,), which broadcasts against the columns of an (N, C) array, not "
    "the rows: it fails or divides by the wrong sums; use keepdims=True",
    section=_SOFTMAX,
)
def softmax_no_keepdims(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis)


@mistake(
    "softmax",
    "one sum over the whole batch",
    "without an axis, e.sum() adds up every entry of the batch, so the whole array sums to 1; each "
    "row must sum to 1 on its own",
    section=_SOFTMAX,
)
def softmax_global_sum(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum()


@mistake(
    "softmax",
    "the batch's max subtracted from every row",
    "x.max() without an axis is the largest logit of the whole batch; a row whose logits are all "
    "far below it underflows to 0/0 = NaN. Subtract each row's own maximum",
    kind="unstable",
    section=_SOFTMAX,
)
def softmax_global_max(x, axis=-1):
    e = np.exp(x - x.max())
    return e / e.sum(axis=axis, keepdims=True)


# ----------------------------------------------------------------------------- cross_entropy


@mistake(
    "cross_entropy",
    "log of the softmax",
    "np.log(softmax(z)) gives log(0) = -inf as soon as a probability underflows to 0 (a logit "
    "about 745 below the row's max); use the log-sum-exp form of the log-probabilities",
    kind="unstable",
    section=_CE,
)
def cross_entropy_log_of_softmax(logits, y):
    return float(-np.mean(np.log(_softmax(logits))[np.arange(len(y)), y]))


@mistake(
    "cross_entropy",
    "log-sum-exp without the max",
    "log(sum(e^z)) overflows to inf for logits above about 709; subtract the row's max m first and "
    "add it back: m + log(sum(e^(z - m)))",
    kind="unstable",
    section=_CE,
)
def cross_entropy_naive_lse(logits, y):
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-np.mean(log_probs[np.arange(len(y)), y]))


@mistake(
    "cross_entropy",
    "cross-entropy summed instead of averaged",
    "PyTorch's cross_entropy is the mean over the N examples; your sum is N times too large",
    section=_CE,
)
def cross_entropy_sum(logits, y):
    return float(-np.sum(_log_softmax(logits)[np.arange(len(y)), y]))


@mistake(
    "cross_entropy",
    "softmax applied twice",
    "cross_entropy takes logits: you turn them into probabilities and take the log-softmax of those, "
    "a flattened loss that stays within 1 of log(C) whatever the logits",
    section=_CE,
)
def cross_entropy_softmax_twice(logits, y):
    return float(-np.mean(_log_softmax(_softmax(logits))[np.arange(len(y)), y]))


@mistake(
    "cross_entropy",
    "log_probs[:, y] instead of log_probs[arange(N), y]",
    "indexing with [:, y] picks, for every example, the columns of all N labels (an N x N array), "
    "so you average over every pair instead of each example's own label",
    section=_CE,
)
def cross_entropy_all_labels(logits, y):
    return float(-np.mean(_log_softmax(logits)[:, y]))


@mistake(
    "cross_entropy",
    "mean over the classes too",
    "-mean(one_hot * log_probs) divides by N times C, the number of entries, not by N: the loss is C "
    "times too small",
    section=_CE,
)
def cross_entropy_mean_over_classes(logits, y):
    one_hot = np.eye(logits.shape[1])[y]
    return float(-np.mean(one_hot * _log_softmax(logits)))


@mistake(
    "cross_entropy",
    "cross-entropy without the minus",
    "the log-probabilities are <= 0, so the loss is minus their mean; without the minus the loss is "
    "negative and minimising it makes the predictions worse",
    section=_CE,
)
def cross_entropy_sign(logits, y):
    return float(np.mean(_log_softmax(logits)[np.arange(len(y)), y]))


# ----------------------------------------------------------------------------- cross_entropy_backward


@mistake(
    "cross_entropy_backward",
    "cross-entropy gradient without the 1/N",
    "the loss is a mean over the N examples, so the gradient is (softmax - one_hot)/N; without the "
    "1/N it is N times too large",
    section=_CE,
)
def cross_entropy_backward_no_mean(logits, y):
    grad = _softmax(logits)
    grad[np.arange(len(y)), y] -= 1.0
    return grad


@mistake(
    "cross_entropy_backward",
    "one_hot - softmax",
    "the gradient is softmax(z) - one_hot(y), prediction minus target; the other order points uphill",
    section=_CE,
)
def cross_entropy_backward_sign(logits, y):
    grad = -_softmax(logits)
    grad[np.arange(len(y)), y] += 1.0
    return grad / len(y)


@mistake(
    "cross_entropy_backward",
    "a softmax without the max in the gradient",
    "e^z overflows for logits above about 709 and inf/inf gives NaN; compute the softmax with the "
    "row's max subtracted",
    kind="unstable",
    section=_SOFTMAX,
)
def cross_entropy_backward_naive(logits, y):
    e = np.exp(logits)
    grad = e / e.sum(axis=1, keepdims=True)
    grad[np.arange(len(y)), y] -= 1.0
    return grad / len(y)


@mistake(
    "cross_entropy_backward",
    "grad[:, y] -= 1 instead of grad[arange(N), y] -= 1",
    "[:, y] selects, in every row, the columns of all the labels of the batch; the one-hot target "
    "has a single 1 per row, at that example's own label",
    section=_CE,
)
def cross_entropy_backward_all_labels(logits, y):
    grad = _softmax(logits)
    grad[:, y] -= 1.0
    return grad / len(y)


@mistake(
    "cross_entropy_backward",
    "divided by N times C",
    "you divide by the number of entries (np.mean-style), N times C; the loss averages over the N "
    "examples only, so the gradient is C times too small",
    section=_CE,
)
def cross_entropy_backward_over_size(logits, y):
    grad = _softmax(logits)
    grad[np.arange(len(y)), y] -= 1.0
    return grad / grad.size


@mistake(
    "cross_entropy_backward",
    "the labels subtracted instead of their one-hot",
    "softmax(z) - y[:, None] subtracts the class number from every entry of the row; the target is "
    "the one-hot row, 1 at the label and 0 elsewhere",
    section=_CE,
)
def cross_entropy_backward_raw_labels(logits, y):
    return (_softmax(logits) - y[:, None]) / len(y)


# ----------------------------------------------------------------------------- logistic_gradient


@mistake(
    "logistic_gradient",
    "logistic gradient without the 1/N",
    "the loss is the mean BCE, so both gradients carry 1/N; your sums are N times too large",
    section=_GRAD,
)
def logistic_gradient_sum(w, b, X, y):
    r = _sigmoid(X @ w + b) - y
    return X.T @ r, float(np.sum(r))


@mistake(
    "logistic_gradient",
    "y - p instead of p - y",
    "the gradient of the cross-entropy is prediction minus target, p - y; with y - p the step goes "
    "uphill",
    section=_GRAD,
)
def logistic_gradient_sign(w, b, X, y):
    r = y - _sigmoid(X @ w + b)
    return X.T @ r / X.shape[0], float(np.mean(r))


@mistake(
    "logistic_gradient",
    "the squared error's gradient through the sigmoid",
    "(p - y) p (1 - p) is the gradient of the squared error on a sigmoid; for the cross-entropy the "
    "sigmoid's derivative cancels and the residual is just p - y",
    section="Cross-entropy is the negative log-likelihood",
)
def logistic_gradient_mse(w, b, X, y):
    p = _sigmoid(X @ w + b)
    r = (p - y) * p * (1 - p)
    return X.T @ r / X.shape[0], float(np.mean(r))


@mistake(
    "logistic_gradient",
    "the linear-regression residual Xw + b - y",
    "the prediction is p = sigmoid(X w + b), not the score X w + b: without the sigmoid you compute "
    "the gradient of a (halved) squared error of a linear model",
    section=_GRAD,
)
def logistic_gradient_no_sigmoid(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / X.shape[0], float(np.mean(r))


@mistake(
    "logistic_gradient",
    "db left as a vector",
    "the bias is added to every example, so its gradient collects them: the mean of the residuals, "
    "one number, not the (N,) vector of residuals / N",
    section=_GRAD,
)
def logistic_gradient_db_vector(w, b, X, y):
    r = _sigmoid(X @ w + b) - y
    return X.T @ r / X.shape[0], r / X.shape[0]


@mistake(
    "logistic_gradient",
    "db as a sum, dw as a mean",
    "both gradients come from the same mean loss, so db is the mean of the residuals too; your sum is "
    "N times too large",
    section=_GRAD,
)
def logistic_gradient_db_sum(w, b, X, y):
    r = _sigmoid(X @ w + b) - y
    return X.T @ r / X.shape[0], float(np.sum(r))


@mistake(
    "logistic_gradient",
    "p as a column (N, 1) minus y (N,)",
    "p of shape (N, 1) minus y of shape (N,) silently broadcasts to an (N, N) matrix of every "
    "prediction minus every label, and the gradient comes out with the wrong shape; keep p and y "
    "one-dimensional",
    section=_GRAD,
)
def logistic_gradient_column_p(w, b, X, y):
    p = _sigmoid(X @ w + b)[:, None]
    r = p - y
    return X.T @ r / X.shape[0], float(np.mean(r))


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "sigmoid",
    "1/(1 + e^(-|x|)) for every x",
    "e^(-|x|) is only half of the stable formula: for x < 0 the sigmoid is e^(-|x|)/(1 + "
    "e^(-|x|)); yours is symmetric and always >= 1/2",
    section=_MODEL,
)
def sigmoid_abs_everywhere(x):
    return 1 / (1 + np.exp(-np.abs(x)))


@mistake(
    "binary_cross_entropy_with_logits",
    "the max(z, 0) term missing from the stable formula",
    "log(1 + e^z) = max(z, 0) + log(1 + e^(-|z|)): without max(z, 0) the loss is wrong for "
    "every positive logit",
    section=_STABLE,
)
def bce_no_max_term(z, y):
    return np.mean(-z * y + np.log1p(np.exp(-np.abs(z))))


@mistake(
    "binary_cross_entropy_with_logits",
    "probabilities clipped to [1e-7, 1 - 1e-7]",
    "clipping sigmoid(z) keeps the loss finite but caps it near 16: a confidently wrong logit "
    "of 1e4 costs 1e4; compute the loss from z, max(z, 0) - z y + log(1 + e^(-|z|))",
    section=_STABLE,
)
def bce_clipped_probabilities(z, y):
    p = np.clip(_sigmoid(z), 1e-7, 1 - 1e-7)  # the Keras way: finite, but wrong for large |z|
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@mistake(
    "cross_entropy",
    "p[:, y] instead of p[range(N), y]",
    "p[:, y] takes the columns y for every row (an N x N table); each row needs only its own "
    "label's probability, p[np.arange(N), y]",
    section=_CE,
)
def ce_labels_index_columns(logits, y):
    p = _softmax(logits)
    return float(-np.mean(np.log(p[:, y])))


@mistake(
    "cross_entropy",
    "log(p + 1e-12) instead of the log-sum-exp",
    "the epsilon hides log(0) but caps the loss at -log(1e-12) = 27.6, where a logit gap of "
    "1e4 costs 1e4; compute log p as z_y - logsumexp(z) from shifted logits",
    kind="unstable",
    section=_STABLE,
)
def ce_log_p_plus_eps(logits, y):
    p = _softmax(logits)
    return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))


@mistake(
    "cross_entropy",
    "divided by the number of classes",
    "the loss is the mean over the N examples of the batch: divide the summed -log p by "
    "logits.shape[0], not by C",
    section=_CE,
)
def ce_divides_by_classes(logits, y):
    p = _softmax(logits)
    return float(-np.sum(np.log(p[np.arange(len(y)), y])) / logits.shape[1])


@mistake(
    "logistic_gradient",
    "the bias left out of z",
    "the model is sigmoid(X w + b): without b every prediction, so dw and db too, is wrong",
    section=_GRAD,
)
def lg_forgets_bias(w, b, X, y):
    r = _sigmoid(X @ w) - y
    return X.T @ r / len(y), float(np.mean(r))


@mistake(
    "logistic_gradient",
    "dw divided by the number of features",
    "the loss is a mean over the N examples: divide X^T (p - y) by X.shape[0], not by X.shape[1]",
    section=_GRAD,
)
def lg_divides_by_features(w, b, X, y):
    r = _sigmoid(X @ w + b) - y
    return X.T @ r / X.shape[1], float(np.mean(r))


@mistake(
    "binary_cross_entropy_with_logits",
    "min(z, 0) in place of max(z, 0)",
    "log(1 + e^z) = max(z, 0) + log(1 + e^(-|z|)): with min the positive logits lose their "
    "linear part",
    section=_STABLE,
)
def bce_min_not_max(z, y):
    return np.mean(np.minimum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


@mistake(
    "cross_entropy_backward",
    "divided by the number of classes",
    "the loss is the mean over the N examples, so its gradient is (softmax - onehot) / N, N = "
    "logits.shape[0]",
    section=_CE,
)
def ce_bwd_divides_by_classes(logits, y):
    g = _softmax(logits)
    g[np.arange(len(y)), y] -= 1
    return g / logits.shape[1]


@mistake(
    "cross_entropy",
    "one log-sum-exp over the whole batch",
    "each example has its own normaliser: log sum_c e^(z_nc) over the classes of row n "
    "(axis=1, keepdims=True), not one sum over every entry of the batch",
    section=_STABLE,
)
def ce_global_lse(logits, y):
    m = logits.max()
    lse = m + np.log(np.exp(logits - m).sum())
    return float(-np.mean(logits[np.arange(len(y)), y] - lse))


@mistake(
    "softmax",
    "the max subtracted in the numerator only",
    "e^(x - m) / sum e^x is e^(-m) times the softmax: subtract the same row maximum in the "
    "numerator and in the sum, e = np.exp(x - m); e / e.sum(...)",
    section=_STABLE,
)
def softmax_shift_numerator_only(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / np.exp(x).sum(axis=axis, keepdims=True)
