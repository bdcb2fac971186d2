"""Chapter 8, loss functions: the mistakes students make in MAE's gradient, Huber, hinge and KL.

Each function below is the reference with one real bug: the mean forgotten or taken over the wrong
count, a sign, the kink's convention, a piece of a piecewise formula, the neighbouring loss's
formula (MSE's gradient, the perceptron criterion, the squared hinge, the cross-entropy), or the
arguments of an asymmetric divergence swapped.
"""

import numpy as np

from . import mistake

_REGRESSION = "Regression: L2, L1 and Huber"
_HINGE = "Hinge loss: a margin, not a likelihood"
_KL = "Cross-entropy and KL divergence differ by the entropy of the target"


def _batch(p):
    """N for KL: the rows of a batch, 1 for a single distribution."""
    return 1 if p.ndim == 1 else p.shape[0]


# ----------------------------------------------------------------------------- MAE's gradient


@mistake(
    "mae_backward",
    "MAE's gradient with sign(0) = 1",
    "where pred = target you return +1/n (a test like pred >= target); |r| has no slope at r = 0 and "
    "PyTorch uses sign(0) = 0 there",
    kind="kink",
    section=_REGRESSION,
)
def mae_sign_zero_is_one(pred, target):
    return np.where(pred >= target, 1.0, -1.0) / pred.size


@mistake(
    "mae_backward",
    "MAE's gradient without the mean's 1/n",
    "the loss is a mean over the n entries, so each entry's slope is sign(r)/n; yours is n times too large",
    section=_REGRESSION,
)
def mae_no_mean(pred, target):
    return np.sign(pred - target)


@mistake(
    "mae_backward",
    "MAE's gradient with the sign flipped",
    "the residual is pred - target; with target - pred gradient descent moves the predictions away "
    "from the targets",
    section=_REGRESSION,
)
def mae_sign_flipped(pred, target):
    return np.sign(target - pred) / pred.size


@mistake(
    "mae_backward",
    "the MSE's gradient for the MAE",
    "2 (pred - target)/n is the squared error's gradient; the absolute error's slope is sign(pred - target)/n, "
    "bounded by 1/n whatever the size of the residual",
    section=_REGRESSION,
)
def mae_mse_gradient(pred, target):
    return 2.0 * (pred - target) / pred.size


@mistake(
    "mae_backward",
    "MAE's gradient divided by the number of rows",
    "the mean runs over all n entries (rows times columns); for a 2-D batch you divided by the rows only",
    section=_REGRESSION,
)
def mae_rows_only(pred, target):
    return np.sign(pred - target) / pred.shape[0]


# ----------------------------------------------------------------------------- Huber


def _huber_terms(a, delta):
    return np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))


@mistake(
    "huber",
    "Huber without the 1/2 in the quadratic part",
    "within delta the loss is r^2 / 2; with r^2 the quadratic part is twice too large and the pieces no "
    "longer meet at |r| = delta",
    section=_REGRESSION,
)
def huber_no_half(pred, target, delta=1.0):
    a = np.abs(pred - target)
    return float(np.mean(np.where(a <= delta, a * a, delta * (a - 0.5 * delta))))


@mistake(
    "huber",
    "Huber's linear part without the offset",
    "beyond delta the loss is delta (|r| - delta / 2); delta |r| is larger by delta^2 / 2, so the "
    "pieces jump at |r| = delta",
    section=_REGRESSION,
)
def huber_linear_no_offset(pred, target, delta=1.0):
    a = np.abs(pred - target)
    return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * a)))


@mistake(
    "huber",
    "Huber's linear part with delta^2 instead of delta^2 / 2",
    "delta (|r| - delta / 2) expands to delta |r| - delta^2 / 2; you subtract delta^2, so the linear "
    "part is too small by delta^2 / 2 and the pieces do not meet",
    section=_REGRESSION,
)
def huber_full_delta_squared(pred, target, delta=1.0):
    a = np.abs(pred - target)
    return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * a - delta * delta)))


@mistake(
    "huber",
    "Huber summed instead of averaged",
    "the loss is the mean over the n entries; a sum is n times larger (and rescales the learning rate)",
    section=_REGRESSION,
)
def huber_sum(pred, target, delta=1.0):
    return float(np.sum(_huber_terms(np.abs(pred - target), delta)))


@mistake(
    "huber",
    "Huber's pieces swapped",
    "the quadratic piece is for small residuals (|r| <= delta) and the linear one for large residuals; "
    "you test the other way round, which punishes outliers quadratically",
    section=_REGRESSION,
)
def huber_swapped_pieces(pred, target, delta=1.0):
    a = np.abs(pred - target)
    return float(np.mean(np.where(a > delta, 0.5 * a * a, delta * (a - 0.5 * delta))))


# ----------------------------------------------------------------------------- Huber's gradient


@mistake(
    "huber_backward",
    "Huber's gradient without the mean's 1/n",
    "the loss is a mean over the n entries, so each slope carries 1/n; yours is n times too large",
    section=_REGRESSION,
)
def huber_grad_no_mean(pred, target, delta=1.0):
    return np.clip(pred - target, -delta, delta)


@mistake(
    "huber_backward",
    "Huber's gradient with slope 1 beyond delta",
    "beyond delta the loss is delta (|r| - delta / 2), whose slope is delta sign(r), not sign(r): the "
    "gradient is clipped at +-delta",
    section=_REGRESSION,
)
def huber_grad_unit_slope(pred, target, delta=1.0):
    r = pred - target
    return np.where(np.abs(r) <= delta, r, np.sign(r)) / pred.size


@mistake(
    "huber_backward",
    "Huber's gradient with the sign flipped",
    "the residual is pred - target; with target - pred gradient descent moves the predictions away "
    "from the targets",
    section=_REGRESSION,
)
def huber_grad_sign_flipped(pred, target, delta=1.0):
    return np.clip(target - pred, -delta, delta) / pred.size


@mistake(
    "huber_backward",
    "Huber's gradient of r^2 in the quadratic part",
    "within delta the loss is r^2 / 2, whose slope is r; 2r is the slope of r^2 (and no longer meets "
    "the linear part's slope delta at |r| = delta)",
    section=_REGRESSION,
)
def huber_grad_twice_quadratic(pred, target, delta=1.0):
    r = pred - target
    return np.where(np.abs(r) <= delta, 2.0 * r, delta * np.sign(r)) / pred.size


@mistake(
    "huber_backward",
    "Huber's gradient without the clip (the MSE's, halved)",
    "r/n is the gradient of the quadratic part only; beyond delta the slope stays at +-delta/n, which "
    "is what makes Huber robust to outliers",
    section=_REGRESSION,
)
def huber_grad_not_clipped(pred, target, delta=1.0):
    return (pred - target) / pred.size


# ----------------------------------------------------------------------------- hinge


@mistake(
    "hinge",
    "hinge loss without max(0, .)",
    "a point with margin y s above 1 must contribute 0; without the max it contributes 1 - y s < 0 and "
    "rewards ever larger margins",
    section=_HINGE,
)
def hinge_no_max(scores, y_pm1):
    return float(np.mean(1.0 - y_pm1 * scores))


@mistake(
    "hinge",
    "hinge loss summed instead of averaged",
    "the loss is the mean over the n points; a sum is n times larger",
    section=_HINGE,
)
def hinge_sum(scores, y_pm1):
    return float(np.sum(np.maximum(0.0, 1.0 - y_pm1 * scores)))


@mistake(
    "hinge",
    "hinge loss without the label",
    "the margin is y s: a score of -2 is right for y = -1; with 1 - s every negative example is "
    "punished for being negative",
    section=_HINGE,
)
def hinge_no_label(scores, y_pm1):
    return float(np.mean(np.maximum(0.0, 1.0 - scores)))


@mistake(
    "hinge",
    "the perceptron criterion max(0, -y s) for the hinge",
    "without the 1 a point on the right side with a small margin costs nothing; the hinge asks for a "
    "margin of at least 1",
    section=_HINGE,
)
def hinge_no_margin(scores, y_pm1):
    return float(np.mean(np.maximum(0.0, -y_pm1 * scores)))


@mistake(
    "hinge",
    "the squared hinge for the hinge",
    "you square max(0, 1 - y s); the (plain) hinge loss is linear in the margin",
    section=_HINGE,
)
def hinge_squared(scores, y_pm1):
    return float(np.mean(np.maximum(0.0, 1.0 - y_pm1 * scores) ** 2))


@mistake(
    "hinge",
    "hinge with the labels mapped by 2y - 1 a second time",
    "the labels are already -1 and +1; 2y - 1 is the map for 0/1 labels and turns -1 into -3, "
    "so negative examples get three times their margin",
    section=_HINGE,
)
def hinge_labels_remapped(scores, y_pm1):
    return float(np.mean(np.maximum(0.0, 1.0 - (2 * y_pm1 - 1) * scores)))


# ----------------------------------------------------------------------------- hinge's gradient


@mistake(
    "hinge_backward",
    "hinge's gradient active at a margin of exactly 1",
    "at y s = 1 you return -y/n (a test y s <= 1); PyTorch's relu(1 - y s) and nnlib use 0 there",
    kind="kink",
    section=_HINGE,
)
def hinge_grad_active_at_one(scores, y_pm1):
    return np.where(y_pm1 * scores <= 1, -y_pm1, 0.0) / scores.size


@mistake(
    "hinge_backward",
    "hinge's gradient without the mean's 1/n",
    "the loss is a mean over the n points, so the slope of an active point is -y/n; yours is n times "
    "too large",
    section=_HINGE,
)
def hinge_grad_no_mean(scores, y_pm1):
    return np.where(y_pm1 * scores < 1, -y_pm1, 0.0)


@mistake(
    "hinge_backward",
    "hinge's gradient with the sign flipped",
    "the derivative of 1 - y s with respect to s is -y; with +y gradient descent shrinks the margins",
    section=_HINGE,
)
def hinge_grad_sign_flipped(scores, y_pm1):
    return np.where(y_pm1 * scores < 1, y_pm1, 0.0) / scores.size


@mistake(
    "hinge_backward",
    "hinge's gradient without the label",
    "the slope of 1 - y s is -y, which is +1 for the negative examples; you return -1/n for every active "
    "point",
    section=_HINGE,
)
def hinge_grad_no_label(scores, y_pm1):
    return np.where(y_pm1 * scores < 1, -1.0, 0.0) / scores.size


@mistake(
    "hinge_backward",
    "hinge's gradient only for misclassified points",
    "you test y s < 0 (the perceptron's rule); a point on the right side with margin below 1 is still "
    "inside the margin and gets -y/n",
    section=_HINGE,
)
def hinge_grad_misclassified_only(scores, y_pm1):
    return np.where(y_pm1 * scores < 0, -y_pm1, 0.0) / scores.size


@mistake(
    "hinge_backward",
    "hinge's gradient with the labels mapped by 2y - 1 a second time",
    "the labels are already -1 and +1; 2y - 1 is the map for 0/1 labels and turns -1 into -3, which "
    "changes both which points are inside the margin and their slope",
    section=_HINGE,
)
def hinge_grad_labels_remapped(scores, y_pm1):
    y = 2 * y_pm1 - 1
    return np.where(y * scores < 1, -y, 0.0) / scores.size


# ----------------------------------------------------------------------------- KL divergence
# kl_divergence(pred, target) = KL(target || pred) = (1/N) sum target log(target / pred)


def _kl_terms(a, b):
    """a log(a / b) entrywise, with 0 where a = 0 (the limit of a log a)."""
    pos = a > 0
    terms = np.zeros(np.broadcast(a, b).shape)
    terms[pos] = a[pos] * np.log(a[pos] / b[pos])
    return terms


@mistake(
    "kl_divergence",
    "KL(pred || target): the arguments of the divergence swapped",
    "you compute sum pred log(pred / target); KL is not symmetric, and the loss is the divergence "
    "of the TARGET from the prediction, KL(target || pred) = sum target log(target / pred), as "
    "torch.nn.KLDivLoss computes it (the model's output comes first in the call, second in KL)",
    section=_KL,
)
def kl_swapped(pred, target):
    return float(np.sum(_kl_terms(pred, target)) / _batch(pred))


@mistake(
    "kl_divergence",
    "KL summed over the batch instead of averaged",
    "the divergence is summed over the classes and averaged over the N rows of a batch; you also summed "
    "over the rows, N times too large",
    section=_KL,
)
def kl_no_batch_mean(pred, target):
    return float(np.sum(_kl_terms(target, pred)))


@mistake(
    "kl_divergence",
    "KL averaged over every entry",
    "the divergence of one row is a sum over its classes; np.mean over everything also divides by the "
    "number of classes C",
    section=_KL,
)
def kl_mean_over_entries(pred, target):
    return float(np.mean(_kl_terms(target, pred)))


@mistake(
    "kl_divergence",
    "KL without the target = 0 convention",
    "where target = 0, target log(target / pred) is 0 * (-inf) = NaN in NumPy; the limit is 0, so "
    "leave those terms out",
    section=_KL,
)
def kl_no_zero_mask(pred, target):
    return float(np.sum(target * np.log(target / pred)) / _batch(pred))


@mistake(
    "kl_divergence",
    "KL with the ratio upside down",
    "you compute sum target log(pred / target), the negative of the divergence (it is never "
    "positive); KL(target || pred) uses log(target / pred)",
    section=_KL,
)
def kl_ratio_inverted(pred, target):
    return float(-np.sum(_kl_terms(target, pred)) / _batch(pred))


@mistake(
    "kl_divergence",
    "the cross-entropy for the KL divergence",
    "-sum target log pred is the cross-entropy H(target, pred) = KL(target || pred) + H(target); it "
    "is not 0 when pred = target unless the target is one-hot: subtract the target's entropy",
    section=_KL,
)
def kl_cross_entropy(pred, target):
    pos = target > 0
    return float(-np.sum(target[pos] * np.log(pred[pos])) / _batch(pred))


# ----------------------------------------------------------------------------- KL's gradient


@mistake(
    "kl_divergence_backward",
    "KL's gradient with respect to the target",
    "log(target / pred) + 1 is the slope in the target; the loss is minimised over the model's "
    "output pred, and only -target log pred depends on it: the slope is -target / pred (over N)",
    section=_KL,
)
def kl_grad_wrt_target(pred, target):
    with np.errstate(divide="ignore"):
        return (np.log(target / pred) + 1.0) / _batch(pred)


@mistake(
    "kl_divergence_backward",
    "the gradient of KL(pred || target) (the old, swapped convention)",
    "log(pred / target) + 1 differentiates sum pred log(pred / target), the divergence with its "
    "arguments swapped; the loss is KL(target || pred), whose slope in pred is -target / pred",
    section=_KL,
)
def kl_grad_swapped(pred, target):
    with np.errstate(divide="ignore"):
        return (np.log(pred / target) + 1.0) / _batch(pred)


@mistake(
    "kl_divergence_backward",
    "KL's gradient without the batch mean",
    "the loss averages over the N rows of a batch, so the gradient carries 1/N; yours is N times too "
    "large",
    section=_KL,
)
def kl_grad_no_batch_mean(pred, target):
    return -target / pred


@mistake(
    "kl_divergence_backward",
    "KL's gradient divided by every entry",
    "the loss divides by the number of rows N only (a row's classes are summed); you divided by N "
    "times C",
    section=_KL,
)
def kl_grad_mean_over_entries(pred, target):
    return -target / pred / pred.size


@mistake(
    "kl_divergence_backward",
    "KL's gradient with the ratio upside down",
    "d/dpred of -target log pred is -target / pred; you wrote -pred / target",
    section=_KL,
)
def kl_grad_ratio_inverted(pred, target):
    with np.errstate(divide="ignore"):
        return -pred / target / _batch(pred)


@mistake(
    "kl_divergence_backward",
    "KL's gradient with the sign flipped",
    "the derivative of log pred is 1 / pred, and the term is -target log pred: the slope is "
    "-target / pred (raising pred lowers the loss)",
    section=_KL,
)
def kl_grad_sign_flipped(pred, target):
    return target / pred / _batch(pred)


@mistake(
    "kl_divergence_backward",
    "the logits' gradient (pred - target) / N for the probabilities'",
    "(pred - target) / N is the gradient with respect to the LOGITS after the softmax's Jacobian; "
    "this function is the gradient with respect to the probabilities pred themselves",
    section=_KL,
)
def kl_grad_logit_form(pred, target):
    return (pred - target) / _batch(pred)


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "huber",
    "delta hard-coded as 1",
    "delta is an argument: the quadratic piece ends at |r| = delta and the linear piece is "
    "delta (|r| - delta/2)",
    section=_REGRESSION,
)
def huber_hard_coded_delta(pred, target, delta=1.0):
    a = np.abs(pred - target)
    return np.mean(np.where(a <= 1.0, 0.5 * a * a, a - 0.5))


@mistake(
    "huber",
    "r <= delta on the signed residual",
    "the pieces depend on |r|: a large negative residual belongs to the linear piece, not the "
    "quadratic one",
    section=_REGRESSION,
)
def huber_signed_residual(pred, target, delta=1.0):
    r = pred - target
    return np.mean(np.where(r <= delta, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta)))


@mistake(
    "huber_backward",
    "delta instead of delta * sign(r) beyond delta",
    "beyond |r| = delta the gradient is -delta for a negative residual: clip(r, -delta, delta) / n",
    section=_REGRESSION,
)
def huber_bwd_loses_sign(pred, target, delta=1.0):
    r = pred - target
    return np.where(np.abs(r) <= delta, r, delta) / r.size


@mistake(
    "hinge",
    "the hinge clipped at 1",
    "max(0, 1 - y s) has no upper bound: a badly misclassified point costs more than 1",
    section=_HINGE,
)
def hinge_clipped_above(scores, y_pm1):
    return np.mean(np.clip(1 - y_pm1 * scores, 0, 1))


@mistake(
    "kl_divergence",
    "log2 in place of the natural log",
    "KL here is in nats: use np.log; np.log2 gives bits, 1/ln(2) = 1.44 times more",
    section=_KL,
)
def kl_log2(pred, target):
    t = np.where(target > 0, target, 1.0)
    n = pred.shape[0] if pred.ndim == 2 else 1
    return float(np.sum(np.where(target > 0, target * np.log2(t / pred), 0.0)) / n)


@mistake(
    "huber_backward",
    "delta hard-coded as 1",
    "delta is an argument: the gradient is clip(r, -delta, delta) / n",
    section=_REGRESSION,
)
def huber_bwd_hard_coded_delta(pred, target, delta=1.0):
    return np.clip(pred - target, -1.0, 1.0) / pred.size


@mistake(
    "huber",
    "the mean over rows, not over every entry",
    "the loss is the mean over all n entries (r.size); len(pred) counts only the rows of a "
    "2-D batch",
    section=_REGRESSION,
)
def huber_divides_by_rows(pred, target, delta=1.0):
    a = np.abs(pred - target)
    return np.sum(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))) / len(pred)


@mistake(
    "huber_backward",
    "divided by the rows, not by every entry",
    "the loss is a mean over all n entries, so its gradient is divided by pred.size; "
    "len(pred) counts only the rows",
    section=_REGRESSION,
)
def huber_bwd_divides_by_rows(pred, target, delta=1.0):
    return np.clip(pred - target, -delta, delta) / len(pred)


@mistake(
    "hinge",
    "the mean over rows, not over every entry",
    "the loss is the mean over all n scores (scores.size); len(scores) counts only the rows "
    "of a 2-D batch",
    section=_HINGE,
)
def hinge_divides_by_rows(scores, y_pm1):
    return np.sum(np.maximum(0, 1 - y_pm1 * scores)) / len(scores)


@mistake(
    "hinge_backward",
    "divided by the rows, not by every entry",
    "the loss is a mean over all n scores, so its gradient is divided by scores.size; "
    "len(scores) counts only the rows",
    section=_HINGE,
)
def hinge_bwd_divides_by_rows(scores, y_pm1):
    return np.where(y_pm1 * scores < 1, -y_pm1, 0.0) / len(scores)


@mistake(
    "kl_divergence",
    "a single distribution divided by its length",
    "KL sums over the classes and averages over the distributions (rows): one 1-D "
    "distribution is one row, so nothing to divide by",
    section=_KL,
)
def kl_divides_by_len_1d(pred, target):
    t = np.where(target > 0, target, 1.0)
    return float(np.sum(np.where(target > 0, target * np.log(t / pred), 0.0)) / len(pred))


@mistake(
    "kl_divergence_backward",
    "a single distribution divided by its length",
    "the loss averages over the distributions (rows); a 1-D pred is one distribution, so its "
    "gradient is -target / pred",
    section=_KL,
)
def kl_bwd_divides_by_len_1d(pred, target):
    return -target / pred / len(pred)
