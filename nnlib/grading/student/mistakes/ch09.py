"""Chapter 9, optimizers: the mistakes students make in the update rules and the schedules.

Each function below is the reference with one real bug: a formula from a neighbouring method (the
moving-average momentum, Adagrad without the root, the paper's "eps-hat" Adam), epsilon in the
wrong place or missing, bias correction missing or with the wrong t, the state handled wrongly
(a wrong first step from ``{}``, the old value used where the new one belongs, t not stored), a
sign, or an off-by-one in a schedule. Several come from the course notes (chapter 9 lists them).
"""

import numpy as np

from . import mistake

_SIGN = "Gradient descent, and a sign to check"
_MOMENTUM = "Momentum"
_NESTEROV = "Nesterov momentum"
_ADAPTIVE = "Adaptive step sizes: Adagrad, RMSProp, Adadelta"
_ADAM = "Adam, and where its bias correction comes from"
_SCHEDULES = "Learning-rate schedules"


def _zeros(state, key, w):
    return state.get(key, np.zeros_like(w))


# ----------------------------------------------------------------------------- momentum


@mistake(
    "momentum_step",
    "momentum in its moving-average form (1 - beta) g",
    "v = beta v + (1 - beta) g is the moving-average form, which needs a learning rate 1/(1 - beta) "
    "times larger; with PyTorch's lr every step is 1 - beta = 10 times too small at first, and v is "
    "not PyTorch's velocity",
    section=_MOMENTUM,
)
def momentum_moving_average(w, dw, state, lr, beta=0.9):
    v = beta * _zeros(state, "v", w) + (1 - beta) * dw
    return w - lr * v, {"v": v}


@mistake(
    "momentum_step",
    "the notes' momentum v = beta v - lr g, w = w + v",
    "that velocity is -lr times PyTorch's: the first step agrees, but the v you store (and read back) "
    "is on another scale and has the other sign, so every later step is wrong",
    section=_MOMENTUM,
)
def momentum_notes_form(w, dw, state, lr, beta=0.9):
    v = beta * _zeros(state, "v", w) - lr * dw
    return w + v, {"v": v}


@mistake(
    "momentum_step",
    "momentum with a plus sign in the update",
    "w + lr v climbs the loss (gradient ascent); descent subtracts the step",
    section=_SIGN,
)
def momentum_plus_sign(w, dw, state, lr, beta=0.9):
    v = beta * _zeros(state, "v", w) + dw
    return w + lr * v, {"v": v}


@mistake(
    "momentum_step",
    "momentum's update without the learning rate",
    "PyTorch's velocity v = beta v + g has no lr in it (the notes' form has), so the update must "
    "multiply it by lr: your steps are 1/lr times too large",
    section=_MOMENTUM,
)
def momentum_no_lr(w, dw, state, lr, beta=0.9):
    v = beta * _zeros(state, "v", w) + dw
    return w - v, {"v": v}


@mistake(
    "momentum_step",
    "momentum's velocity started at the gradient",
    "from an empty state v starts at 0, so the first velocity is g; starting it at g gives "
    "(1 + beta) g, a first step 1.9 times too large",
    section=_MOMENTUM,
)
def momentum_starts_at_gradient(w, dw, state, lr, beta=0.9):
    v = beta * state.get("v", dw) + dw
    return w - lr * v, {"v": v}


@mistake(
    "momentum_step",
    "momentum stepping with the old velocity",
    "you move w with the velocity from before this step, then update it; the step uses the new "
    "v = beta v + g (from an empty state your first step is 0)",
    section=_MOMENTUM,
)
def momentum_old_velocity(w, dw, state, lr, beta=0.9):
    v_old = _zeros(state, "v", w)
    return w - lr * v_old, {"v": beta * v_old + dw}


@mistake(
    "momentum_step",
    "Nesterov's update for plain momentum",
    "w - lr (g + beta v) is Nesterov's look-ahead step; plain momentum moves by lr v",
    section=_NESTEROV,
)
def momentum_nesterov(w, dw, state, lr, beta=0.9):
    v = beta * _zeros(state, "v", w) + dw
    return w - lr * (dw + beta * v), {"v": v}


# ----------------------------------------------------------------------------- Adagrad


@mistake(
    "adagrad_step",
    "Adagrad without the square root",
    "Adagrad divides by the root of the sum of squared gradients; dividing by the sum itself gives steps "
    "with the units of 1/g that shrink like 1/t",
    section=_ADAPTIVE,
)
def adagrad_no_root(w, dw, state, lr, eps=1e-8):
    sum_sq = _zeros(state, "sum_sq", w) + dw * dw
    return w - lr * dw / (sum_sq + eps), {"sum_sq": sum_sq}


@mistake(
    "adagrad_step",
    "Adagrad with eps inside the square root (the notes' table)",
    "sqrt(G + eps) instead of sqrt(G) + eps: for a tiny gradient (G ~ eps) the step is far too small; "
    "PyTorch adds eps after the root",
    section=_ADAPTIVE,
)
def adagrad_eps_inside(w, dw, state, lr, eps=1e-8):
    sum_sq = _zeros(state, "sum_sq", w) + dw * dw
    return w - lr * dw / np.sqrt(sum_sq + eps), {"sum_sq": sum_sq}


@mistake(
    "adagrad_step",
    "Adagrad dividing by the sum before adding this gradient",
    "add g^2 to the sum first, then divide; with the old sum the first step divides by eps alone and is "
    "enormous",
    section=_ADAPTIVE,
)
def adagrad_old_sum(w, dw, state, lr, eps=1e-8):
    old = _zeros(state, "sum_sq", w)
    return w - lr * dw / (np.sqrt(old) + eps), {"sum_sq": old + dw * dw}


@mistake(
    "adagrad_step",
    "Adagrad that forgets the past gradients",
    "you divide by this step's |g| only (the state is ignored), so every step has size lr; Adagrad "
    "accumulates all past squares, G = G + g^2, so its steps shrink",
    section=_ADAPTIVE,
)
def adagrad_no_history(w, dw, state, lr, eps=1e-8):
    sum_sq = dw * dw
    return w - lr * dw / (np.sqrt(sum_sq) + eps), {"sum_sq": sum_sq}


@mistake(
    "adagrad_step",
    "Adagrad with a moving average (RMSProp) instead of a sum",
    "G = 0.9 G + 0.1 g^2 is RMSProp's average; Adagrad adds the squares up: G = G + g^2",
    section=_ADAPTIVE,
)
def adagrad_moving_average(w, dw, state, lr, eps=1e-8):
    sum_sq = 0.9 * _zeros(state, "sum_sq", w) + 0.1 * dw * dw
    return w - lr * dw / (np.sqrt(sum_sq) + eps), {"sum_sq": sum_sq}


# ----------------------------------------------------------------------------- RMSProp


@mistake(
    "rmsprop_step",
    "RMSProp without eps (the notes)",
    "a weight whose gradients have all been exactly 0 has S = 0, and 0/0 is NaN; for tiny gradients "
    "the step is also too large. Add eps to the root",
    section=_ADAPTIVE,
)
def rmsprop_no_eps(w, dw, state, lr, rho=0.9, eps=1e-8):
    square_avg = rho * _zeros(state, "square_avg", w) + (1 - rho) * dw * dw
    return w - lr * dw / np.sqrt(square_avg), {"square_avg": square_avg}


@mistake(
    "rmsprop_step",
    "RMSProp with eps inside the square root (the notes' table)",
    "sqrt(S + eps) instead of sqrt(S) + eps: while S is as small as eps (tiny gradients) the step is "
    "far too small; PyTorch adds eps after the root",
    section=_ADAPTIVE,
)
def rmsprop_eps_inside(w, dw, state, lr, rho=0.9, eps=1e-8):
    square_avg = rho * _zeros(state, "square_avg", w) + (1 - rho) * dw * dw
    return w - lr * dw / np.sqrt(square_avg + eps), {"square_avg": square_avg}


@mistake(
    "rmsprop_step",
    "RMSProp with rho and 1 - rho swapped",
    "the average keeps rho of the old value and adds (1 - rho) g^2; swapped, it forgets the past almost "
    "at once",
    section=_ADAPTIVE,
)
def rmsprop_swapped_rho(w, dw, state, lr, rho=0.9, eps=1e-8):
    square_avg = (1 - rho) * _zeros(state, "square_avg", w) + rho * dw * dw
    return w - lr * dw / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}


@mistake(
    "rmsprop_step",
    "RMSProp without the square root",
    "divide by the root of the average of squares (an RMS, with the units of g), not by the average "
    "itself",
    section=_ADAPTIVE,
)
def rmsprop_no_root(w, dw, state, lr, rho=0.9, eps=1e-8):
    square_avg = rho * _zeros(state, "square_avg", w) + (1 - rho) * dw * dw
    return w - lr * dw / (square_avg + eps), {"square_avg": square_avg}


@mistake(
    "rmsprop_step",
    "RMSProp dividing by the average before updating it",
    "update S with this gradient first, then divide; with the old S the first step divides by eps alone "
    "and is enormous",
    section=_ADAPTIVE,
)
def rmsprop_old_average(w, dw, state, lr, rho=0.9, eps=1e-8):
    old = _zeros(state, "square_avg", w)
    return w - lr * dw / (np.sqrt(old) + eps), {"square_avg": rho * old + (1 - rho) * dw * dw}


@mistake(
    "rmsprop_step",
    "RMSProp's average without the (1 - rho)",
    "S = rho S + g^2 is a sum that grows to g^2/(1 - rho), ten times too large for rho = 0.9; the "
    "moving average weights the new square by 1 - rho",
    section=_ADAPTIVE,
)
def rmsprop_no_one_minus_rho(w, dw, state, lr, rho=0.9, eps=1e-8):
    square_avg = rho * _zeros(state, "square_avg", w) + dw * dw
    return w - lr * dw / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}


# ----------------------------------------------------------------------------- Adadelta


def _adadelta_averages(w, dw, state, rho):
    """The right first half of a step: S updated with this gradient, and D as it was."""
    return rho * _zeros(state, "square_avg", w) + (1 - rho) * dw * dw, _zeros(state, "acc_delta", w)


def _adadelta_update(w, delta, square_avg, acc_delta, rho, lr):
    """The right second half: D averages delta^2 in, and w moves by lr * delta."""
    return w - lr * delta, {
        "square_avg": square_avg,
        "acc_delta": rho * acc_delta + (1 - rho) * delta * delta,
    }


@mistake(
    "adadelta_step",
    "Adadelta dividing by the old average of squared gradients",
    "update S with this gradient before computing the step; with the old S the first step is "
    "sqrt(eps)/sqrt(eps) g = g itself instead of about sqrt(10 eps) sign(g) = 0.003 sign(g)",
    section=_ADAPTIVE,
)
def adadelta_old_square_avg(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    old = _zeros(state, "square_avg", w)
    acc_delta = _zeros(state, "acc_delta", w)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(old + eps) * dw
    return _adadelta_update(w, delta, rho * old + (1 - rho) * dw * dw, acc_delta, rho, lr)


@mistake(
    "adadelta_step",
    "Adadelta's RMS without eps (the notes)",
    "with D = 0 at the start, sqrt(D) / sqrt(S) g is 0 (and 0/0 = NaN where g = 0): Adadelta never "
    "moves, because D only grows from the steps it takes. eps inside both roots starts it",
    section=_ADAPTIVE,
)
def adadelta_no_eps(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    square_avg, acc_delta = _adadelta_averages(w, dw, state, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.sqrt(acc_delta) / np.sqrt(square_avg) * dw
    return _adadelta_update(w, delta, square_avg, acc_delta, rho, lr)


@mistake(
    "adadelta_step",
    "Adadelta's ratio upside down",
    "the step is RMS of past updates over RMS of gradients, sqrt(D + eps) / sqrt(S + eps), so that it "
    "has the units of w; you divide the other way round",
    section=_ADAPTIVE,
)
def adadelta_inverted_ratio(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    square_avg, acc_delta = _adadelta_averages(w, dw, state, rho)
    delta = np.sqrt(square_avg + eps) / np.sqrt(acc_delta + eps) * dw
    return _adadelta_update(w, delta, square_avg, acc_delta, rho, lr)


@mistake(
    "adadelta_step",
    "Adadelta without the learning rate",
    "the paper has no learning rate, but PyTorch (and this function) multiplies the step by lr; you "
    "ignore it, so any lr other than 1 is wrong",
    section=_ADAPTIVE,
)
def adadelta_ignores_lr(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    square_avg, acc_delta = _adadelta_averages(w, dw, state, rho)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * dw
    return _adadelta_update(w, delta, square_avg, acc_delta, rho, 1.0)


@mistake(
    "adadelta_step",
    "Adadelta averaging squared gradients into acc_delta",
    "acc_delta is the running average of the squared *updates* Delta^2, not of g^2; with g^2 it "
    "copies square_avg and the step loses its units of w",
    section=_ADAPTIVE,
)
def adadelta_acc_gradient(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    square_avg, acc_delta = _adadelta_averages(w, dw, state, rho)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * dw
    acc_delta = rho * acc_delta + (1 - rho) * dw * dw
    return w - lr * delta, {"square_avg": square_avg, "acc_delta": acc_delta}


# ----------------------------------------------------------------------------- Adam


def _adam_moments(w, dw, state, beta1, beta2):
    t = state.get("t", 0) + 1
    m = beta1 * _zeros(state, "m", w) + (1 - beta1) * dw
    v = beta2 * _zeros(state, "v", w) + (1 - beta2) * dw * dw
    return t, m, v


@mistake(
    "adam_step",
    "Adam without bias correction",
    "m and v start at 0, so divide them by 1 - beta1^t and 1 - beta2^t; without that the first steps "
    "are too large (at t = 1 by (1 - beta1)/sqrt(1 - beta2), about 3.2 for the defaults)",
    section=_ADAM,
)
def adam_uncorrected(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    return w - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


@mistake(
    "adam_step",
    "Adam with eps inside the square root",
    "sqrt(v_hat + eps) instead of sqrt(v_hat) + eps: for tiny gradients (v_hat ~ eps) the step "
    "becomes far too small; PyTorch adds eps after the root",
    section=_ADAM,
)
def adam_eps_inside(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), {"t": t, "m": m, "v": v}


@mistake(
    "adam_step",
    "Adam with the paper's eps-hat (eps next to the uncorrected sqrt(v))",
    "folding the corrections into the learning rate, lr sqrt(1 - beta2^t)/(1 - beta1^t) m/(sqrt(v) + eps), "
    "puts eps next to the uncorrected sqrt(v): early on eps acts 1/sqrt(1 - beta2^t) times larger "
    "(about 32 times at t = 1), so tiny gradients take too small steps; add eps to sqrt(v_hat)",
    section=_ADAM,
)
def adam_eps_hat(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return w - lr_t * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}


@mistake(
    "adam_step",
    "Adam with eps added to the weights (the notes' parentheses)",
    "w - lr m_hat / sqrt(v_hat) + eps adds eps to every weight and divides by sqrt(v_hat) alone: a "
    "weight whose gradient is exactly 0 gets 0/0 = NaN. eps belongs in the denominator, next to "
    "sqrt(v_hat)",
    section=_ADAM,
)
def adam_eps_on_weights(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    with np.errstate(divide="ignore", invalid="ignore"):
        return w - lr * m_hat / np.sqrt(v_hat) + eps, {"t": t, "m": m, "v": v}


@mistake(
    "adam_step",
    "Adam's bias correction with the step count before incrementing",
    "t counts this step too (t = 1 on the first step); with the old t the first correction divides by "
    "1 - beta^0 = 0 and every later one is off by a step",
    section=_ADAM,
)
def adam_correction_old_t(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = m / (1 - beta1 ** (t - 1)), v / (1 - beta2 ** (t - 1))
        return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}


@mistake(
    "adam_step",
    "Adam that does not store the new step count",
    "the update is right, but the returned state keeps the old t, so the next call repeats the same "
    "bias correction (the first step's, forever)",
    section=_ADAM,
)
def adam_t_not_stored(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": state.get("t", 0), "m": m, "v": v}


@mistake(
    "adam_step",
    "Adam storing the bias-corrected moments",
    "the state keeps the raw averages m and v; storing m_hat and v_hat corrects them again at every "
    "step, so the later steps drift",
    section=_ADAM,
)
def adam_stores_corrected(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = _adam_moments(w, dw, state, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m_hat, "v": v_hat}


# ----------------------------------------------------------------------------- schedules


@mistake(
    "time_decay_lr",
    "exponential decay for time-based decay",
    "lr0 e^(-k t) shrinks geometrically; time-based decay divides: lr0 / (1 + k t)",
    section=_SCHEDULES,
)
def time_decay_exponential(lr0, k, t):
    return lr0 * np.exp(-k * t)


@mistake(
    "time_decay_lr",
    "time-based decay without the 1 (lr0 / (k t))",
    "at t = 0 lr0 / (k t) divides by zero; the 1 in 1 + k t makes the first rate lr0",
    section=_SCHEDULES,
)
def time_decay_no_one(lr0, k, t):
    with np.errstate(divide="ignore"):
        return lr0 / (k * t)


@mistake(
    "time_decay_lr",
    "time-based decay counting steps from 1",
    "the first step is t = 0 and must use lr0; lr0 / (1 + k (t + 1)) is one step ahead",
    section=_SCHEDULES,
)
def time_decay_off_by_one(lr0, k, t):
    return lr0 / (1.0 + k * (t + 1))


@mistake(
    "time_decay_lr",
    "time-based decay without parentheses (lr0 / 1 + k t)",
    "lr0 / 1 + k * t is lr0 + k t, a rate that grows; the whole 1 + k t is the divisor",
    section=_SCHEDULES,
)
def time_decay_precedence(lr0, k, t):
    return lr0 / 1.0 + k * t


@mistake(
    "time_decay_lr",
    "inverse-square-root decay for time-based decay",
    "lr0 / sqrt(1 + k t) decays more slowly; time-based decay is lr0 / (1 + k t), without the root",
    section=_SCHEDULES,
)
def time_decay_sqrt(lr0, k, t):
    return lr0 / np.sqrt(1.0 + k * t)


@mistake(
    "step_decay_lr",
    "step decay without the floor",
    "drop^(t / every) decays smoothly (an exponential schedule); step decay keeps the rate constant "
    "for `every` steps: drop^floor(t / every)",
    section=_SCHEDULES,
)
def step_decay_no_floor(lr0, drop, every, t):
    return lr0 * drop ** (t / every)


@mistake(
    "step_decay_lr",
    "step decay multiplied instead of raised to a power",
    "lr0 * drop * floor(t / every) is 0 for the first steps and then grows; the rate is multiplied by "
    "drop once per period: drop ** floor(t / every)",
    section=_SCHEDULES,
)
def step_decay_times(lr0, drop, every, t):
    return lr0 * drop * np.floor(t / every)


@mistake(
    "step_decay_lr",
    "step decay with ceil instead of floor",
    "ceil(t / every) drops the rate already at t = 1; the first drop comes at t = every",
    section=_SCHEDULES,
)
def step_decay_ceil(lr0, drop, every, t):
    return lr0 * drop ** np.ceil(t / every)


@mistake(
    "step_decay_lr",
    "step decay counting steps from 1",
    "the first step is t = 0; floor((t + 1) / every) drops the rate one step early",
    section=_SCHEDULES,
)
def step_decay_off_by_one(lr0, drop, every, t):
    return lr0 * drop ** np.floor((t + 1) / every)


@mistake(
    "step_decay_lr",
    "step decay with round instead of floor",
    "round(t / every) drops the rate half a period early; the drop comes at each multiple of `every`",
    section=_SCHEDULES,
)
def step_decay_round(lr0, drop, every, t):
    return lr0 * drop ** np.round(t / every)


def _cosine(lr0, lr_min, phase):
    return lr_min + 0.5 * (lr0 - lr_min) * (1.0 + np.cos(phase))


@mistake(
    "cosine_lr",
    "cosine annealing that restarts after `total` steps",
    "without min(t, total) the cosine rises again after t = total; the schedule stays at lr_min from "
    "then on",
    section=_SCHEDULES,
)
def cosine_no_clamp(lr0, total, t, lr_min=0.0):
    return _cosine(lr0, lr_min, np.pi * t / total)


@mistake(
    "cosine_lr",
    "cosine annealing to 0 instead of lr_min",
    "0.5 lr0 (1 + cos) ends at 0 and ignores lr_min; the cosine spans lr0 - lr_min and lr_min is added",
    section=_SCHEDULES,
)
def cosine_ignores_lr_min(lr0, total, t, lr_min=0.0):
    return 0.5 * lr0 * (1.0 + np.cos(np.pi * np.minimum(t, total) / total))


@mistake(
    "cosine_lr",
    "cosine annealing without the 1/2",
    "1 + cos goes from 2 to 0, so without the 1/2 the schedule starts at 2 lr0 - lr_min instead of lr0",
    section=_SCHEDULES,
)
def cosine_no_half(lr0, total, t, lr_min=0.0):
    return lr_min + (lr0 - lr_min) * (1.0 + np.cos(np.pi * np.minimum(t, total) / total))


@mistake(
    "cosine_lr",
    "cosine annealing over a full period (2 pi)",
    "cos(2 pi t / total) comes back up to lr0 at t = total; annealing uses half a period, pi t / total",
    section=_SCHEDULES,
)
def cosine_full_period(lr0, total, t, lr_min=0.0):
    return _cosine(lr0, lr_min, 2 * np.pi * np.minimum(t, total) / total)


@mistake(
    "cosine_lr",
    "cosine annealing upside down (1 - cos)",
    "with 1 - cos the rate starts at lr_min and rises to lr0; annealing starts high: 1 + cos",
    section=_SCHEDULES,
)
def cosine_rising(lr0, total, t, lr_min=0.0):
    return lr_min + 0.5 * (lr0 - lr_min) * (1.0 - np.cos(np.pi * np.minimum(t, total) / total))


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "rmsprop_step",
    "a running average of |g|, not of g^2",
    "RMSProp averages the squared gradients, rho s + (1 - rho) g^2, and divides by the root "
    "of that",
    section=_ADAPTIVE,
)
def rmsprop_gradient_not_squared(w, dw, state, lr, rho=0.9, eps=1e-8):
    s = rho * state.get("square_avg", 0.0) + (1 - rho) * np.abs(dw)
    return w - lr * dw / (np.sqrt(s) + eps), {**state, "square_avg": s}


@mistake(
    "rmsprop_step",
    "the first average started at g^2",
    "the running average starts at 0: the first step from {} is s = (1 - rho) g^2, not g^2",
    section=_ADAPTIVE,
)
def rmsprop_warm_start(w, dw, state, lr, rho=0.9, eps=1e-8):
    s = rho * state["square_avg"] + (1 - rho) * dw * dw if state else dw * dw
    return w - lr * dw / (np.sqrt(s) + eps), {**state, "square_avg": s}


@mistake(
    "adadelta_step",
    "acc_delta updated before the step, with g^2",
    "the step uses the old acc_delta; acc_delta then averages the squared updates delta^2, "
    "not the squared gradients",
    section=_ADAPTIVE,
)
def adadelta_updates_acc_first(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    sq = rho * state.get("square_avg", 0.0) + (1 - rho) * dw * dw
    acc = state.get("acc_delta", np.zeros_like(w))
    acc = rho * acc + (1 - rho) * dw * dw
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * dw
    return w - lr * delta, {**state, "square_avg": sq, "acc_delta": acc}


@mistake(
    "adam_step",
    "(1 - beta)^t instead of 1 - beta^t",
    "the bias correction is 1 - beta1**t (the power binds to beta only); (1 - beta1)**t is a "
    "tiny number that blows the step up",
    section=_ADAM,
)
def adam_correction_precedence(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1) ** t, v / (1 - beta2) ** t
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {**state, "t": t, "m": m, "v": v}


@mistake(
    "adam_step",
    "the second moment of |g|, not of g^2",
    "v averages the squared gradients: v = beta2 v + (1 - beta2) g^2",
    section=_ADAM,
)
def adam_v_not_squared(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * np.abs(dw)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {**state, "t": t, "m": m, "v": v}


@mistake(
    "time_decay_lr",
    "lr0 / (1 + k)^t: geometric decay",
    "time-based decay divides by 1 + k t, which grows linearly in t; (1 + k)^t grows exponentially",
    section=_SCHEDULES,
)
def time_decay_geometric(lr0, k, t):
    return lr0 / (1 + k) ** t


@mistake(
    "step_decay_lr",
    "drop read as the fraction lost",
    "drop is the factor kept at every step down: lr0 * drop ** floor(t / every), not (1 - drop)",
    section=_SCHEDULES,
)
def step_decay_drop_is_loss(lr0, drop, every, t):
    return lr0 * (1 - drop) ** np.floor(t / every)


@mistake(
    "cosine_lr",
    "lr_min added on top of lr0",
    "the cosine runs from lr0 down to lr_min: lr_min + (lr0 - lr_min) (1 + cos(pi t / total)) "
    "/ 2; yours starts at lr0 + lr_min",
    section=_SCHEDULES,
)
def cosine_lr_min_added(lr0, total, t, lr_min=0.0):
    return lr_min + lr0 * (1 + np.cos(np.pi * np.minimum(t, total) / total)) / 2


@mistake(
    "momentum_step",
    "beta hard-coded as 0.9",
    "beta is an argument: v = beta v + g with the beta you are given; 0.9 is only the default",
    section=_MOMENTUM,
)
def momentum_hard_coded_beta(w, dw, state, lr, beta=0.9):
    v = 0.9 * state.get("v", 0.0) + dw
    return w - lr * v, {**state, "v": v}


@mistake(
    "adagrad_step",
    "eps hard-coded as 1e-8",
    "eps is an argument: divide by sqrt(sum) + eps with the eps you are given",
    section=_ADAPTIVE,
)
def adagrad_hard_coded_eps(w, dw, state, lr, eps=1e-8):
    G = state.get("sum_sq", 0.0) + dw * dw
    return w - lr * dw / (np.sqrt(G) + 1e-8), {**state, "sum_sq": G}


@mistake(
    "rmsprop_step",
    "rho hard-coded as 0.9",
    "rho is an argument: the running average is rho s + (1 - rho) g^2 with the rho you are given",
    section=_ADAPTIVE,
)
def rmsprop_hard_coded_rho(w, dw, state, lr, rho=0.9, eps=1e-8):
    s = 0.9 * state.get("square_avg", 0.0) + 0.1 * dw * dw  # the default, not rho
    return w - lr * dw / (np.sqrt(s) + eps), {**state, "square_avg": s}


@mistake(
    "adadelta_step",
    "rho hard-coded as 0.9",
    "rho is an argument: both running averages use the rho you are given",
    section=_ADAPTIVE,
)
def adadelta_hard_coded_rho(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    sq = 0.9 * state.get("square_avg", 0.0) + 0.1 * dw * dw
    acc = state.get("acc_delta", np.zeros_like(w))
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * dw
    acc = 0.9 * acc + 0.1 * delta * delta
    return w - lr * delta, {**state, "square_avg": sq, "acc_delta": acc}


@mistake(
    "adam_step",
    "beta1 and beta2 hard-coded (0.9, 0.999)",
    "beta1 and beta2 are arguments: the moments and their bias corrections use the values you "
    "are given",
    section=_ADAM,
)
def adam_hard_coded_betas(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = 0.9 * state.get("m", 0.0) + 0.1 * dw
    v = 0.999 * state.get("v", 0.0) + 0.001 * dw * dw
    m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {**state, "t": t, "m": m, "v": v}


@mistake(
    "adagrad_step",
    "eps added to the weights: lr g / sqrt(sum) + eps",
    "the parentheses are missing: eps belongs in the denominator, lr g / (sqrt(sum) + eps); "
    "as written a zero history gives 0/0",
    section=_ADAPTIVE,
)
def adagrad_precedence(w, dw, state, lr, eps=1e-8):
    G = state.get("sum_sq", 0.0) + dw * dw
    return w - lr * dw / np.sqrt(G) + eps, {**state, "sum_sq": G}


@mistake(
    "rmsprop_step",
    "eps added to the weights: lr g / sqrt(avg) + eps",
    "the parentheses are missing: eps belongs in the denominator, lr g / (sqrt(avg) + eps)",
    section=_ADAPTIVE,
)
def rmsprop_precedence(w, dw, state, lr, rho=0.9, eps=1e-8):
    s = rho * state.get("square_avg", 0.0) + (1 - rho) * dw * dw
    return w - lr * dw / np.sqrt(s) + eps, {**state, "square_avg": s}


@mistake(
    "time_decay_lr",
    "k hard-coded as 0.1",
    "k is an argument: lr0 / (1 + k t) with the k you are given",
    section=_SCHEDULES,
)
def time_decay_hard_coded_k(lr0, k, t):
    return lr0 / (1 + 0.1 * t)


@mistake(
    "time_decay_lr",
    "linear decay lr0 (1 - k t)",
    "time-based decay divides, lr0 / (1 + k t), which stays positive; lr0 (1 - k t) reaches 0 "
    "at t = 1/k and then goes negative",
    section=_SCHEDULES,
)
def time_decay_linear(lr0, k, t):
    return lr0 * (1 - k * t)


@mistake(
    "time_decay_lr",
    "// in place of /",
    "lr0 // (1 + k t) is a floor division: it rounds the learning rate down to a whole number "
    "(0 here); use /",
    section=_SCHEDULES,
)
def time_decay_integer_division(lr0, k, t):
    return lr0 // (1 + k * t)


@mistake(
    "cosine_lr",
    "total hard-coded as 20",
    "total is an argument: the cosine reaches lr_min at t = total, whatever the worked "
    "example used",
    section=_SCHEDULES,
)
def cosine_hard_coded_total(lr0, total, t, lr_min=0.0):
    frac = np.minimum(t, 20) / 20
    return lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * frac)) / 2


@mistake(
    "cosine_lr",
    "t // total: an integer division in the phase",
    "t // total is 0 until the end, so the rate stays at lr0; the phase is the fraction "
    "min(t, total) / total",
    section=_SCHEDULES,
)
def cosine_integer_division(lr0, total, t, lr_min=0.0):
    frac = np.minimum(t, total).astype(int) // total
    return lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * frac)) / 2


@mistake(
    "cosine_lr",
    "warm restarts: t % total",
    "after total steps the rate stays at lr_min; t % total starts the cosine again from lr0 "
    "(SGDR's warm restarts, another schedule): use min(t, total)",
    section=_SCHEDULES,
)
def cosine_restarts(lr0, total, t, lr_min=0.0):
    frac = (np.asarray(t) % total) / total  # warm restarts instead of staying at lr_min
    return lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * frac)) / 2
