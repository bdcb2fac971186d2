"""Chapter 12, regularization: the mistakes students make in the L2 and L1 penalties, inverted
dropout (forward and backward) and early stopping.

Each function below is the worksheet's function with one real bug (see the package docstring).
``p`` is the probability of *dropping* a unit; the mask is ``rng.random(x.shape) >= p`` (True = keep).
"""

import math

import numpy as np

from . import mistake

PENALTIES = "L1, L2 and weight decay"
DROPOUT = "Dropout"
EARLY = "Early stopping"


# ----------------------------------------------------------------------------- l2_penalty


@mistake(
    "l2_penalty",
    "Keras's L2 convention, lam ||w||^2",
    "you use lam * sum(w^2) with gradient 2 lam w; this book (and PyTorch's weight_decay) "
    "uses lam/2 * sum(w^2), whose gradient is lam w: your penalty is twice as strong",
    section=PENALTIES,
)
def l2_keras(w, lam):
    return lam * float(np.sum(w * w)), 2 * lam * w


@mistake(
    "l2_penalty",
    "L2 value without the 1/2",
    "your gradient lam w is right but the value lam * sum(w^2) is twice the penalty; the value "
    "is lam/2 * sum(w^2), the function whose gradient is lam w",
    section=PENALTIES,
)
def l2_value_no_half(w, lam):
    return lam * float(np.sum(w * w)), lam * w


@mistake(
    "l2_penalty",
    "L2 gradient without the chain-rule 2",
    "the derivative of lam/2 * w^2 is lam w (the 2 of the square cancels the 1/2); your "
    "gradient lam/2 * w is half the answer",
    section=PENALTIES,
)
def l2_grad_half(w, lam):
    return 0.5 * lam * float(np.sum(w * w)), 0.5 * lam * w


@mistake(
    "l2_penalty",
    "the norm instead of the squared norm",
    "np.linalg.norm(w) is sqrt(sum(w^2)); the L2 penalty uses its square, sum(w^2)",
    section=PENALTIES,
)
def l2_norm_not_squared(w, lam):
    return 0.5 * lam * float(np.linalg.norm(w)), lam * w


@mistake(
    "l2_penalty",
    "L2 as a mean over the weights",
    "you average w^2 over the weights (np.mean); the penalty is a sum, lam/2 * sum(w^2), so "
    "yours is smaller by the number of weights",
    section=PENALTIES,
)
def l2_mean(w, lam):
    return 0.5 * lam * float(np.mean(w * w)), lam * w


# ----------------------------------------------------------------------------- l1_penalty


@mistake(
    "l1_penalty",
    "L2's gradient for the L1 penalty",
    "you return lam * w, the gradient of the L2 penalty; the (sub)gradient of lam * |w| is "
    "lam * sign(w), the same size for every nonzero weight",
    section=PENALTIES,
)
def l1_l2_gradient(w, lam):
    return lam * float(np.sum(np.abs(w))), lam * w


@mistake(
    "l1_penalty",
    "L1 value without the absolute value",
    "lam * sum(w) lets positive and negative weights cancel; the penalty is lam * sum(|w|)",
    section=PENALTIES,
)
def l1_no_abs(w, lam):
    return lam * float(np.sum(w)), lam * np.sign(w)


@mistake(
    "l1_penalty",
    "L1 as a mean over the weights",
    "you average |w| over the weights (np.mean); the penalty is a sum, lam * sum(|w|), so yours "
    "is smaller by the number of weights",
    section=PENALTIES,
)
def l1_mean(w, lam):
    return lam * float(np.mean(np.abs(w))), lam * np.sign(w)


@mistake(
    "l1_penalty",
    "w / |w| as the sign",
    "w / |w| is 0/0 = NaN for a weight that is exactly 0, and the NaN spreads through the "
    "whole network; np.sign(w) gives the subgradient 0 there",
    section=PENALTIES,
)
def l1_divide_by_abs(w, lam):
    return lam * float(np.sum(np.abs(w))), lam * w / np.abs(w)


@mistake(
    "l1_penalty",
    "subgradient +lam at w = 0",
    "you give a weight that is exactly 0 the gradient +lam (a test like w >= 0); the "
    "subgradient this book and PyTorch use there is 0, which leaves a zero weight at zero",
    kind="kink",
    section=PENALTIES,
)
def l1_positive_at_zero(w, lam):
    return lam * float(np.sum(np.abs(w))), np.where(w >= 0, lam, -lam)


# ----------------------------------------------------------------------------- dropout_forward


def _keep_mask(x, p, rng):
    """The worksheet's mask: one call ``rng.random(x.shape)``, keep where it is ``>= p``."""
    return rng.random(x.shape) >= p


@mistake(
    "dropout_forward",
    "p read as the keep probability",
    "p is the probability of dropping a unit (PyTorch's convention); you keep with probability "
    "p and divide by p, as the notes' keep-prob does, so Dropout(0.2) drops 80% of the units",
    section=DROPOUT,
)
def dropout_keep_prob(x, p, rng):
    mask = rng.random(x.shape) < p
    return x * mask / p, mask


@mistake(
    "dropout_forward",
    "dropout without the 1/(1 - p) scaling",
    "you zero the dropped units but do not divide the kept ones by 1 - p; inverted dropout "
    "scales at training time so that the expected output equals the input and the test-time "
    "network is the plain one",
    section=DROPOUT,
)
def dropout_not_inverted(x, p, rng):
    mask = _keep_mask(x, p, rng)
    return x * mask, mask


@mistake(
    "dropout_forward",
    "multiplying by 1 - p instead of dividing",
    "you scale the kept units by 1 - p, the original paper's test-time factor; inverted "
    "dropout divides by 1 - p during training, so your outputs are (1 - p)^2 times too small",
    section=DROPOUT,
)
def dropout_times_keep(x, p, rng):
    mask = _keep_mask(x, p, rng)
    return x * mask * (1 - p), mask


@mistake(
    "dropout_forward",
    "dividing by p instead of 1 - p",
    "the kept units are scaled by 1 / (keep probability) = 1/(1 - p); you divide by p, the drop "
    "probability, so the expected output is no longer the input (and p = 0 divides by zero)",
    section=DROPOUT,
)
def dropout_divide_by_p(x, p, rng):
    mask = _keep_mask(x, p, rng)
    return x * mask / p, mask


@mistake(
    "dropout_forward",
    "a mask from other random numbers (rng.binomial)",
    "your mask has the right distribution but is drawn with another call, so it differs from "
    "the reference's: draw it with one call rng.random(x.shape) and keep where it is >= p",
    section=DROPOUT,
)
def dropout_binomial(x, p, rng):
    mask = rng.binomial(1, 1 - p, x.shape).astype(bool)
    return x * mask / (1 - p), mask


# ----------------------------------------------------------------------------- dropout_backward


@mistake(
    "dropout_backward",
    "dropout backward without the 1/(1 - p)",
    "the forward pass multiplies by mask / (1 - p), so the backward pass multiplies dout by the "
    "same constant; you only apply the mask",
    section=DROPOUT,
)
def dropout_backward_no_scale(dout, mask, p):
    return dout * mask


@mistake(
    "dropout_backward",
    "multiplying by 1 - p instead of dividing",
    "the forward pass divides by 1 - p, so its gradient does too; your gradients are "
    "(1 - p)^2 times too small",
    section=DROPOUT,
)
def dropout_backward_times_keep(dout, mask, p):
    return dout * mask * (1 - p)


@mistake(
    "dropout_backward",
    "dividing by p instead of 1 - p",
    "the scale of inverted dropout is 1/(1 - p), one over the keep probability; you divide by "
    "the drop probability p",
    section=DROPOUT,
)
def dropout_backward_divide_by_p(dout, mask, p):
    return dout * mask / p


@mistake(
    "dropout_backward",
    "dropout backward without the mask",
    "a dropped unit did not reach the output, so its gradient is 0; you scale every entry of "
    "dout by 1/(1 - p), dropped or not",
    section=DROPOUT,
)
def dropout_backward_no_mask(dout, mask, p):
    return dout / (1 - p)


@mistake(
    "dropout_backward",
    "the mask read the wrong way round",
    "mask is True where a unit was kept; you pass the gradient through the dropped units and "
    "block the kept ones",
    section=DROPOUT,
)
def dropout_backward_inverted_mask(dout, mask, p):
    return dout * np.logical_not(mask) / (1 - p)


# ----------------------------------------------------------------------------- early_stopping


def _replay(val_losses, patience, min_delta=0.0, *, improves=None, stop=None, reset=True):
    """The early-stopping loop of the worksheet, with one step replaceable by a mistake.

    ``improves(loss, best, previous, min_delta)`` decides whether an epoch improves, ``stop(wait,
    patience)`` whether to stop; ``reset=False`` forgets to reset the counter after an improvement.
    """
    improves = improves or (lambda loss, best, previous, md: loss < best - md)
    stop = stop or (lambda wait, patience: wait >= max(patience, 1))
    best, best_epoch, wait, previous = np.inf, -1, 0, np.inf
    for epoch, loss in enumerate(val_losses):
        if improves(loss, best, previous, min_delta):
            best, best_epoch = loss, epoch
            wait = 0 if reset else wait
        else:
            wait += 1
            if stop(wait, patience):
                return best_epoch, epoch
        previous = loss
    return best_epoch, -1


@mistake(
    "early_stopping",
    "a tie counts as an improvement",
    "you test loss <= best; an epoch improves only when its loss is strictly below "
    "best - min_delta, so a flat curve must run out of patience",
    section=EARLY,
)
def early_ties_improve(val_losses, patience, min_delta=0.0):
    return _replay(
        val_losses, patience, min_delta, improves=lambda loss, best, prev, md: loss <= best - md
    )


@mistake(
    "early_stopping",
    "stopping one epoch late (wait > patience)",
    "training stops at the epoch where patience epochs in a row have not improved, when the "
    "count reaches patience; you stop only when it exceeds it",
    section=EARLY,
)
def early_off_by_one(val_losses, patience, min_delta=0.0):
    return _replay(
        val_losses, patience, min_delta, stop=lambda wait, patience: wait > max(patience, 1)
    )


@mistake(
    "early_stopping",
    "min_delta ignored",
    "an epoch improves only when its loss is below best - min_delta; you compare with best "
    "alone, so tiny gains reset the patience",
    section=EARLY,
)
def early_min_delta_ignored(val_losses, patience, min_delta=0.0):
    return _replay(
        val_losses, patience, min_delta, improves=lambda loss, best, prev, md: loss < best
    )


@mistake(
    "early_stopping",
    "the patience counter never reset",
    "after an improvement the count of epochs without improvement starts again at 0; you keep "
    "counting, so training stops too early",
    section=EARLY,
)
def early_no_reset(val_losses, patience, min_delta=0.0):
    return _replay(val_losses, patience, min_delta, reset=False)


@mistake(
    "early_stopping",
    "comparing with the previous epoch instead of the best",
    "an epoch improves when it beats the best loss so far; you compare with the epoch before, "
    "so a rebound after a bad epoch counts as an improvement",
    section=EARLY,
)
def early_compare_previous(val_losses, patience, min_delta=0.0):
    return _replay(
        val_losses, patience, min_delta, improves=lambda loss, best, prev, md: loss < prev - md
    )


@mistake(
    "early_stopping",
    "epochs counted from 1",
    "the epochs are numbered from 0 (the index in val_losses); your best and stopping epochs "
    "are one too large",
    section=EARLY,
)
def early_one_based(val_losses, patience, min_delta=0.0):
    best_epoch, stopped = _replay(val_losses, patience, min_delta)
    return best_epoch + 1, stopped + 1 if stopped >= 0 else -1


@mistake(
    "early_stopping",
    "the last epoch as the stopping epoch when it never stops",
    "when patience never runs out, training is not stopped: return -1 as stopped_epoch, not "
    "the index of the last epoch",
    section=EARLY,
)
def early_never_stops_last(val_losses, patience, min_delta=0.0):
    best_epoch, stopped = _replay(val_losses, patience, min_delta)
    return best_epoch, stopped if stopped >= 0 else len(val_losses) - 1


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "l1_penalty",
    "lam * (w > 0) as the gradient",
    "d|w|/dw is sign(w): -1 for negative weights too, not 0",
    section=PENALTIES,
)
def l1_grad_positive_only(w, lam):
    return lam * float(np.abs(w).sum()), lam * (w > 0)


@mistake(
    "l1_penalty",
    "the L2 norm in the L1 penalty",
    "the L1 penalty sums the absolute values, lam * sum |w|; np.linalg.norm(w) is the L2 norm",
    section=PENALTIES,
)
def l1_value_l2_norm(w, lam):
    return lam * float(np.linalg.norm(w)), lam * np.sign(w)


@mistake(
    "early_stopping",
    "the best loss updated by gains smaller than min_delta",
    "only an improvement by more than min_delta counts: keep best (and best_epoch) unchanged "
    "when loss >= best - min_delta",
    section=EARLY,
)
def es_best_always_updated(val_losses, patience, min_delta=0.0):
    best, best_epoch, wait = math.inf, -1, 0
    for epoch, loss in enumerate(val_losses):
        improved = loss < best - min_delta
        if loss < best:
            best, best_epoch = loss, epoch
        if improved:
            wait = 0
            continue
        wait += 1
        if wait >= max(patience, 1):
            return best_epoch, epoch
    return best_epoch, -1


@mistake(
    "early_stopping",
    "best_epoch from np.argmin over every epoch",
    "best_epoch is the last epoch that improved by more than min_delta before stopping; "
    "argmin looks at epochs after the stop and ignores min_delta",
    section=EARLY,
)
def es_argmin_of_all(val_losses, patience, min_delta=0.0):
    best, wait = math.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, wait = loss, 0
            continue
        wait += 1
        if wait >= max(patience, 1):
            return int(np.argmin(val_losses)), epoch
    return int(np.argmin(val_losses)), -1


@mistake(
    "early_stopping",
    "min_delta as a fraction of the best loss",
    "min_delta is an absolute gain: an epoch improves when loss < best - min_delta, not loss "
    "< best (1 - min_delta)",
    section=EARLY,
)
def es_relative_delta(val_losses, patience, min_delta=0.0):
    best, best_epoch, wait = math.inf, -1, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best * (1 - min_delta):
            best, best_epoch, wait = loss, epoch, 0
            continue
        wait += 1
        if wait >= max(patience, 1):
            return best_epoch, epoch
    return best_epoch, -1


@mistake(
    "dropout_backward",
    "p hard-coded as 0.5",
    "p is an argument: the kept units are scaled by 1 / (1 - p) with the p you are given",
    section=DROPOUT,
)
def dropout_bwd_hard_coded_p(dout, mask, p):
    return dout * mask / 0.5


@mistake(
    "l2_penalty",
    "the square of the sum, (sum w)^2",
    "||w||^2 is the sum of the squares, sum w^2: squaring the sum mixes the weights and lets "
    "them cancel",
    section=PENALTIES,
)
def l2_square_of_sum(w, lam):
    return 0.5 * lam * float(np.sum(w)) ** 2, lam * w


@mistake(
    "l1_penalty",
    "the gradient without lam",
    "the penalty is lam * sum |w|, so its gradient is lam * sign(w)",
    section=PENALTIES,
)
def l1_grad_without_lam(w, lam):
    return lam * float(np.abs(w).sum()), np.sign(w)


@mistake(
    "l2_penalty",
    "np.linalg.norm(w, 2) for a matrix",
    "for a 2-D w, norm(w, 2) is the largest singular value, not the Frobenius norm; ||w||^2 "
    "is np.sum(w**2)",
    section=PENALTIES,
)
def l2_spectral_norm(w, lam):
    return 0.5 * lam * float(np.linalg.norm(w, 2) ** 2), lam * w
