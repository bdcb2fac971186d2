"""A corpus of wrong implementations that were NOT in the mistake catalogue when it was written.

The catalogue (nnlib.grading.student.mistakes) is what the grader was built against; a reviewer
checks the grades with realistic submissions the grader has never seen. This file is that reviewer's
corpus: for every graded function, a few more wrong implementations that students really write
(an off-by-one loop, a wrong axis, an ignored argument, in-place modification of an input, a
hard-coded shape, precedence slips, a formula that is only right for one sign or one shape ...).

For each of them:

* the grader gives it no full marks, for every seed (``values`` ones: 0 points; ``unstable`` or
  ``kink`` ones: less than full), and check()'s public cases fail it;
* where it behaves exactly like a mistake the catalogue already had (``named=``), check() and the
  grader name that one;
* the ones whose feedback did not name them were added to the catalogue (their code lives there
  now, ``CATALOGUED`` lists them): check() and the grader must name them and give them 0 points.

What this corpus cannot catch: a result that aliases an input (the grader only sees values that
crossed the sandbox's pipe). Draws from the global ``np.random`` instead of the ``rng`` argument
have random outputs, so no catalogued mistake can match them; they lose their points and are
named by what the grader sees instead, a generator left untouched (tests/test_rng_unused.py).

The corpus guards the grader: a change to the cases that lets one of these through fails here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from test_mistake_feedback import REFS, SimulatedSession  # the grader's view, simulated in-process

from nnlib.grading import check
from nnlib.grading.autograder.sandbox import Limits
from nnlib.grading.autograder.scoring import grade_exercise
from nnlib.grading.student.mistakes import by_exercise
from nnlib.grading.student.registry import all_exercises, get

SEEDS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Unseen:
    """A wrong implementation of ``exercise``; ``named``: the catalogue key check() must name."""

    exercise: str
    key: str
    fn: Callable
    kind: str = "values"  # "values": 0 points; "unstable"/"kink": partial credit at most
    named: str | None = None


UNSEEN: list[Unseen] = []


def unseen(exercise: str, *, kind: str = "values", named: str | None = None):
    """Register the decorated function as a wrong implementation of ``exercise``."""

    def wrap(fn: Callable) -> Callable:
        UNSEEN.append(Unseen(exercise, fn.__name__, fn, kind, named))
        return fn

    return wrap


def _sig(x):
    """A right, stable sigmoid (for mistakes that are not about the sigmoid)."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ============================================================================= chapter 1


@unseen("one_hot_encode")
def oh_label_as_column(labels, categories):
    Y = np.zeros((len(labels), len(categories)))
    Y[np.arange(len(labels)), np.asarray(labels, dtype=int) % len(categories)] = 1.0
    return Y


@unseen("one_hot_encode")
def oh_three_columns(labels, categories):
    Y = np.zeros((len(labels), 3))  # the example's K = 3, hard-coded
    for i, lab in enumerate(labels):
        Y[i, categories.index(lab)] = 1.0
    return Y


@unseen("dummy_encode")
def de_baseline_as_index(labels, categories, baseline):
    Y = (np.asarray(labels)[:, None] == np.asarray(categories)[None, :]).astype(float)
    k = categories.index(baseline)
    return np.delete(Y, k - 1 if k else 0, axis=1)  # drops the column before the baseline


@unseen("dummy_encode")
def de_zeroes_baseline_column(labels, categories, baseline):
    Y = (np.asarray(labels)[:, None] == np.asarray(categories)[None, :]).astype(float)
    Y[:, categories.index(baseline)] = 0.0  # K columns, one of them empty
    return Y


@unseen("dummy_encode")
def de_removes_from_caller_list(labels, categories, baseline):
    categories.remove(baseline)  # modifies the caller's list
    return (np.asarray(labels)[:, None] == np.asarray(categories)[None, :]).astype(float)


@unseen("has_dummy_trap")
def trap_constant_column_only(X):
    return bool(np.any(np.ptp(X, axis=0) == 0))


@unseen("has_dummy_trap", named="trap_without_intercept")
def trap_rank_of_x(X):
    return bool(np.linalg.matrix_rank(X) < min(X.shape))


@unseen("train_test_split")
def split_sklearn_order(X, y, test_fraction, rng):
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    train, test = order[: len(X) - n_test], order[len(X) - n_test :]
    return X[train], y[train], X[test], y[test]  # (X_tr, y_tr, X_te, y_te)


@unseen("train_test_split")
def split_ceil(X, y, test_fraction, rng):
    order = rng.permutation(len(X))
    n_train = len(X) - math.ceil(test_fraction * len(X))
    return X[order[:n_train]], X[order[n_train:]], y[order[:n_train]], y[order[n_train:]]


# ============================================================================= chapter 2


@unseen("mse", named="mse_rows")
def mse_divides_by_rows(pred, target):
    return np.sum((pred - target) ** 2) / len(pred)


@unseen("mse")
def mse_axis0(pred, target):
    return np.mean((pred - target) ** 2, axis=0)


@unseen("mse_backward", named="mse_backward_rows")
def mse_backward_divides_by_rows(pred, target):
    return 2 * (pred - target) / len(pred)


@unseen("mse_backward")
def mse_backward_mean_scalar(pred, target):
    return np.mean(2 * (pred - target))


@unseen("mse_backward")
def mse_backward_in_place(pred, target):
    pred -= target
    pred *= 2 / pred.size
    return pred


@unseen("normal_equations")
def ne_forgets_xt_on_y(X, y):
    return np.linalg.solve(X.T @ X, y[: X.shape[1]])


@unseen("linear_gd_step")
def gd_in_place(w, X, y, lr):
    w -= lr * (2.0 / X.shape[0]) * X.T @ (X @ w - y)
    return w


@unseen("linear_gd_step", named="linear_gd_step_over_d")
def gd_over_len_w(w, X, y, lr):
    return w - lr * (2.0 / len(w)) * X.T @ (X @ w - y)


@unseen("linear_gd_step", named="linear_gd_step_ascent")
def gd_mean_squared_error_sign_in_residual(w, X, y, lr):
    return w - lr * (2.0 / X.shape[0]) * X.T @ (y - X @ w)


@unseen("standardize")
def std_in_place(X_train, *others):
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    sd = np.where(sd == 0, 1.0, sd)
    out = []
    for X in (X_train, *others):
        X -= mu
        X /= sd
        out.append(X)
    return tuple(out)


@unseen("standardize")
def std_ignores_others(X_train, *others):
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    return ((X_train - mu) / np.where(sd == 0, 1.0, sd),)


@unseen("standardize")
def std_axis1(X_train, *others):
    mu, sd = X_train.mean(axis=1, keepdims=True), X_train.std(axis=1, keepdims=True)
    sd = np.where(sd == 0, 1.0, sd)
    return tuple((X - mu.mean()) / sd.mean() for X in (X_train, *others))


@unseen("poly_features_1d")
def poly_no_column_axis(x, degree):
    return x ** np.arange(1, degree + 1)


@unseen("poly_features_1d")
def poly_hstack_flat(x, degree):
    return np.hstack([x**d for d in range(1, degree + 1)])


@unseen("poly_features_1d")
def poly_loop_stops_early(x, degree):
    return np.column_stack([x**d for d in range(1, degree)] or [x])


# ============================================================================= chapter 3


@unseen("gaussian_nll", named="gaussian_nll_sigma_not_squared")
def nll_log_sigma_not_squared(y, pred, sigma):
    r = y - pred
    return float(len(y) * 0.5 * np.log(2 * np.pi * sigma) + np.sum(r**2) / (2 * sigma**2))


@unseen("ridge_closed_form", named="ridge_lam_everywhere")
def ridge_scalar_added_everywhere(X, y, lam, fn="ridge_closed_form"):
    return np.linalg.solve(X.T @ X + lam, X.T @ y)


@unseen("ridge_closed_form")
def ridge_lam_squared(X, y, lam, fn="ridge_closed_form"):
    return np.linalg.lstsq(X.T @ X + lam**2 * np.eye(X.shape[1]), X.T @ y, rcond=None)[0]


@unseen("soft_threshold")
def st_in_place(x, lam):
    small = np.abs(x) <= lam
    x -= lam * np.sign(x)
    x[small] = 0.0
    return x


# ============================================================================= chapter 4


@unseen("sigmoid", kind="unstable", named="sigmoid_naive")
def sigmoid_where_both_branches(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


@unseen("sigmoid")
def sigmoid_clips_in_place(x):
    np.clip(x, -500, 500, out=x)
    return 1 / (1 + np.exp(-x))


@unseen("binary_cross_entropy_with_logits")
def bce_axis0(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=0)


@unseen("softmax")
def softmax_in_place_shift(x, axis=-1):
    x -= x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@unseen("softmax", named="softmax_no_keepdims")
def softmax_max_without_keepdims(x, axis=-1):
    e = np.exp(x - x.max(axis=axis))
    return e / e.sum(axis=axis, keepdims=True)


@unseen("cross_entropy_backward")
def ce_bwd_eye_of_batch(logits, y):
    return (_softmax(logits) - np.eye(len(y))[y][:, : logits.shape[1]]) / len(y)


@unseen("cross_entropy_backward")
def ce_bwd_in_place(logits, y):
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    logits[np.arange(len(y)), y] -= 1
    return logits / len(y)


@unseen("logistic_gradient", named="logistic_gradient_db_sum")
def lg_db_not_divided(w, b, X, y):
    r = _sig(X @ w + b) - y
    return X.T @ r / len(y), float(np.sum(r))


@unseen("softmax_backward")
def smb_plain_mean_of_dout(dout, x):
    s = _softmax(x)
    return s * (dout - dout.mean(axis=-1, keepdims=True))


# ============================================================================= chapter 5


@unseen("mcculloch_pitts")
def mp_sum_axis0(x, w, theta):
    return (np.sum(x * w, axis=0) >= theta).astype(float)


@unseen(
    "mcculloch_pitts", kind="kink"
)  # round(sigmoid(0), named="mcculloch_pitts_strict") = 0: the strict threshold
def mp_round_sigmoid(x, w, theta):
    return np.round(_sig(x @ w - theta))


@unseen("perceptron_update")
def pu_in_place(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    w += lr * (y - y_hat) * x
    return w, b + lr * (y - y_hat)


@unseen("dense_forward")
def df_bias_summed(x, W, b):
    return x @ W + b.sum()


@unseen("dense_forward")
def df_bias_first_row_only(x, W, b):
    out = x @ W
    out[0] += b
    return out


@unseen("dense_forward")
def df_loop_off_by_one(x, W, b):
    out = np.zeros((x.shape[0], W.shape[1]))
    for n in range(x.shape[0] - 1):
        out[n] = x[n] @ W + b
    return out


@unseen("mlp_forward")
def mlp_abs_for_relu(x, W1, b1, W2, b2):
    return np.abs(x @ W1 + b1) @ W2 + b2


# ============================================================================= chapter 6


@unseen("sigmoid_backward")
def sb_summed_over_batch(dout, x):
    s = _sig(x)
    return (dout * s * (1 - s)).sum(axis=0)


for _ex in ("dense_backward", "dense_backward_loops"):

    @unseen(_ex)
    def db_keepdims(dout, x, W):
        return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)

    @unseen(_ex)
    def db_global_sum(dout, x, W):
        return dout @ W.T, x.T @ dout, np.full(W.shape[1], dout.sum())

    @unseen(_ex)
    def dw_over_n_only(dout, x, W):
        return dout @ W.T, x.T @ dout / len(x), dout.sum(axis=0)

    @unseen(_ex)
    def dense_loops_skip_last_row(dout, x, W):
        dx, dW, db = np.zeros_like(x), np.zeros_like(W), np.zeros(W.shape[1])
        for n in range(x.shape[0] - 1):
            dx[n] = W @ dout[n]
            dW += np.outer(x[n], dout[n])
            db += dout[n]
        return dx, dW, db


@unseen("backprop_221")
def bp_bias_grads_mean(x, y, W1, b1, W2, b2):
    n = len(x)
    a2 = _sig(x @ W1 + b1)
    a3 = _sig(a2 @ W2 + b2)
    d3 = (a3 - y) / n * a3 * (1 - a3)
    d2 = d3 @ W2.T * a2 * (1 - a2)
    return {"W1": x.T @ d2, "b1": d2.mean(0), "W2": a2.T @ d3, "b2": d3.mean(0)}


@unseen("backprop_221", named="backprop_221_w1_transposed")
def bp_w1_grad_transposed(x, y, W1, b1, W2, b2):
    n = len(x)
    a2 = _sig(x @ W1 + b1)
    a3 = _sig(a2 @ W2 + b2)
    d3 = (a3 - y) / n * a3 * (1 - a3)
    d2 = d3 @ W2.T * a2 * (1 - a2)
    return {"W1": d2.T @ x, "b1": d2.sum(0), "W2": a2.T @ d3, "b2": d3.sum(0)}


# ============================================================================= chapter 7


@unseen("relu_backward")
def relu_bwd_in_place(dout, x):
    dout[x <= 0] = 0.0
    return dout


@unseen("relu_backward", kind="kink")
def relu_bwd_half_at_zero(dout, x):
    return dout * np.heaviside(x, 0.5)


@unseen("leaky_relu_backward")
def leaky_negative_slope_sign(dout, x, alpha=0.01):
    return dout * np.where(x > 0, 1.0, -alpha)


@unseen("elu_backward", named="elu_without_alpha")
def elu_hard_coded_alpha(dout, x, alpha=1.0):
    return np.where(x > 0, dout, dout * np.exp(np.minimum(x, 0)))


@unseen("elu_backward")
def elu_output_plus_one(dout, x, alpha=1.0):
    out = np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))
    return np.where(x > 0, dout, dout * (out + 1))


@unseen("elu_backward", kind="unstable", named="elu_exp_both_branches")
def elu_exp_everywhere(dout, x, alpha=1.0):
    return dout * np.where(x > 0, 1.0, alpha * np.exp(x))


@unseen("tanh_backward", kind="unstable")
def tanh_over_cosh(dout, x):
    return dout / np.cosh(x) ** 2


@unseen("swish_backward", named="swish_no_inner_beta")
def swish_beta_one_identity(dout, x, beta=1.0):
    s = _sig(beta * x)
    f = x * s
    return dout * (f + s * (1 - f))  # f + s(1 - f) holds for beta = 1 only


@unseen("swish_backward")
def swish_outer_beta(dout, x, beta=1.0):
    s = _sig(beta * x)
    return dout * beta * (s + x * s * (1 - s))


@unseen("softmax_backward")
def smb_jacobian_of_one_vector(dout, x):
    s = _softmax(x)
    return (np.diag(s) - np.outer(s, s)) @ dout  # the Jacobian of one vector; a batch breaks it


@unseen("softmax_backward")
def smb_sum_over_dout_only(dout, x, axis=-1):
    s = _softmax(x, axis)
    return s * dout - s * dout.sum(axis=axis, keepdims=True) * s.sum(axis=axis, keepdims=True)


# ============================================================================= chapter 8


@unseen("mae_backward")
def mae_bwd_mean_scalar(pred, target):
    return np.mean(np.sign(pred - target))


@unseen("mae_backward", kind="kink")
def mae_bwd_ratio(pred, target):
    r = pred - target
    return r / np.abs(r) / r.size


@unseen("mae_backward", kind="kink")
def mae_bwd_where_minus_one(pred, target):
    return np.where(pred > target, 1.0, -1.0) / pred.size


@unseen("hinge")
def hinge_label_minus_score(scores, y_pm1):
    return np.mean(np.maximum(0, 1 - (y_pm1 - scores)))


@unseen("hinge_backward")
def hinge_bwd_times_score(scores, y_pm1):
    return np.where(y_pm1 * scores < 1, -y_pm1 * scores, 0.0) / scores.size


@unseen("hinge_backward", named="hinge_grad_misclassified_only")
def hinge_bwd_margin_zero(scores, y_pm1):
    return np.where(y_pm1 * scores < 0, -y_pm1, 0.0) / scores.size


@unseen("kl_divergence")
def kl_mean_over_columns(pred, target):
    t = np.where(target > 0, target, 1.0)
    terms = np.where(target > 0, target * np.log(t / pred), 0.0)
    return float(np.mean(np.atleast_2d(terms).sum(axis=0)))


@unseen("kl_divergence_backward")
def kl_bwd_generalised(pred, target):
    n = pred.shape[0] if pred.ndim == 2 else 1
    return (1 - target / pred) / n


@unseen("kl_divergence_backward")
def kl_bwd_log_ratio(pred, target):
    n = pred.shape[0] if pred.ndim == 2 else 1
    t = np.where(target > 0, target, 1.0)
    return np.where(target > 0, -np.log(t / pred), 0.0) / n


# ============================================================================= chapter 9


@unseen("momentum_step")
def momentum_mutates_state(w, dw, state, lr, beta=0.9):
    state["v"] = beta * state.get("v", 0.0) + dw
    return w - lr * state["v"], state


@unseen("momentum_step")
def momentum_in_place_w(w, dw, state, lr, beta=0.9):
    v = beta * state.get("v", 0.0) + dw
    w -= lr * v
    return w, {**state, "v": v}


@unseen("momentum_step")
def momentum_lr_in_velocity(w, dw, state, lr, beta=0.9):
    v = beta * state.get("v", 0.0) + lr * dw
    return w - v, {**state, "v": v}


@unseen("adagrad_step")
def adagrad_mutates_state(w, dw, state, lr, eps=1e-8):
    state["sum_sq"] = state.get("sum_sq", 0.0) + dw * dw
    return w - lr * dw / (np.sqrt(state["sum_sq"]) + eps), state


@unseen("adadelta_step")
def adadelta_plus_sign(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    sq = rho * state.get("square_avg", 0.0) + (1 - rho) * dw * dw
    acc = state.get("acc_delta", np.zeros_like(w))
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * dw
    acc = rho * acc + (1 - rho) * delta * delta
    return w + lr * delta, {**state, "square_avg": sq, "acc_delta": acc}


@unseen("adadelta_step")
def adadelta_acc_without_one_minus_rho(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    sq = rho * state.get("square_avg", 0.0) + (1 - rho) * dw * dw
    acc = state.get("acc_delta", np.zeros_like(w))
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * dw
    acc = rho * acc + delta * delta
    return w - lr * delta, {**state, "square_avg": sq, "acc_delta": acc}


@unseen("adam_step")
def adam_mutates_state(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] = state.get("t", 0) + 1
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
    state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * dw * dw
    m_hat = state["m"] / (1 - beta1 ** state["t"])
    v_hat = state["v"] / (1 - beta2 ** state["t"])
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state


@unseen("adam_step", named="adam_eps_on_weights")
def adam_precedence_eps(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat) + eps, {**state, "t": t, "m": m, "v": v}


@unseen("step_decay_lr")
def step_decay_every_over_t(lr0, drop, every, t):
    return lr0 * drop ** np.floor(np.asarray(t) / (every + 1))


@unseen("step_decay_lr", named="step_decay_no_floor")
def step_decay_exponential(lr0, drop, every, t):
    return lr0 * drop ** (np.asarray(t) / every)


# ============================================================================= chapter 10


@unseen("he_normal", named="he_normal_xavier")
def he_normal_fan_sum(shape, rng=None, dtype=np.float64):
    return rng.standard_normal(shape) * np.sqrt(2.0 / (shape[0] + shape[1]))


@unseen("xavier_uniform")
def xavier_uniform_fan_average_wrong(shape, rng=None, dtype=np.float64, gain=1.0):
    a = np.sqrt(6.0 / ((shape[0] + shape[1]) / 2))
    return rng.uniform(-a, a, shape)


# ============================================================================= chapter 11


@unseen("batchnorm_forward")
def bn_in_place(x, gamma, beta, eps=1e-5):
    x -= x.mean(axis=0)
    x /= np.sqrt((x * x).mean(axis=0) + eps)
    return gamma * x + beta


@unseen("bn_scale_shift_backward")
def ss_dgamma_global(dout, xhat, gamma):
    return dout * gamma, np.full(gamma.shape, (dout * xhat).sum()), dout.sum(axis=0)


@unseen("bn_scale_shift_backward")
def ss_keepdims(dout, xhat, gamma):
    return dout * gamma, (dout * xhat).sum(0, keepdims=True), dout.sum(0, keepdims=True)


@unseen("bn_divide_backward")
def dv_product_of_sums(dxhat, xc, std):
    return dxhat / std, -(dxhat.sum(0) * xc.sum(0)) / std**2


@unseen("bn_divide_backward")
def dv_dstd_over_std_cubed(dxhat, xc, std):
    return dxhat / std, -(dxhat * xc).sum(axis=0) / std**3


@unseen("bn_sqrt_backward", named="stage_sqrt_square")
def sq_times_two(dstd, std):
    return 2 * dstd * std


@unseen("bn_variance_backward")
def var_divides_by_features(dvar, xc):
    return 2 * xc * dvar / len(dvar)


@unseen("bn_variance_backward")
def var_uses_mean_of_xc(dvar, xc):
    return np.broadcast_to(2 * xc.mean(0) * dvar, xc.shape).copy()


@unseen("bn_center_backward", named="stage_center_no_mean")
def center_minus_sum(dxc):
    return dxc - dxc.sum(axis=0)


@unseen("bn_center_backward")
def center_in_place(dxc):
    dxc -= dxc.mean(axis=0)
    return dxc


@unseen("batchnorm_inference")
def bni_in_place(x, gamma, beta, mean, var, eps=1e-5):
    x -= mean
    x *= gamma / np.sqrt(var + eps)
    x += beta
    return x


@unseen("update_running_stats")
def rs_in_place(running_mean, running_var, x, momentum=0.1):
    running_mean *= 1 - momentum
    running_mean += momentum * x.mean(0)
    running_var *= 1 - momentum
    running_var += momentum * x.var(0, ddof=1)
    return running_mean, running_var


# ============================================================================= chapter 12


@unseen("l2_penalty")
def l2_in_place_grad(w, lam):
    value = 0.5 * lam * float(np.sum(w * w))
    w *= lam
    return value, w


@unseen("l2_penalty")
def l2_grad_over_size(w, lam):
    return 0.5 * lam * float(np.sum(w * w)), lam * w / w.size


@unseen("dropout_forward")
def dropout_rows(x, p, rng):
    mask = np.broadcast_to(
        (rng.random(x.shape[:1]) >= p)[:, None] if x.ndim > 1 else rng.random(x.shape) >= p, x.shape
    )
    return x * mask / (1 - p), mask.copy()


@unseen("dropout_forward")
def dropout_in_place(x, p, rng):
    mask = rng.random(x.shape) >= p
    x *= mask / (1 - p)
    return x, mask


@unseen("dropout_backward")
def dropout_bwd_in_place(dout, mask, p):
    dout *= mask / (1 - p)
    return dout


@unseen("dropout_backward")
def dropout_bwd_divides_by_mask_mean(dout, mask, p):
    return dout * mask / max(mask.mean(), 1e-12)


# ============================================================================= chapter 13


@unseen("kfold_indices")
def kfold_train_unsorted(n, k, fold):
    parts = np.array_split(np.arange(n), k)
    val = parts[fold]
    train = np.concatenate([np.arange(val[-1] + 1, n), np.arange(0, val[0])])
    return train, val


@unseen("kfold_indices")
def kfold_round_size(n, k, fold):
    size = round(n / k)
    start, stop = fold * size, min((fold + 1) * size, n) if fold < k - 1 else n
    val = np.arange(start, stop)
    return np.setdiff1d(np.arange(n), val), val


@unseen("confusion_counts")
def cm_bincount_no_minlength(y_true, y_pred, k):
    return np.bincount(y_true * k + y_pred).reshape(k, k)


@unseen("log_uniform")
def lu_size_none_as_one(low, high, rng, size=None):
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size or 1))


@unseen("log_uniform")
def lu_ignores_size(low, high, rng, size=None):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


@unseen("log_uniform")
def lu_geometric_interpolation_wrong(low, high, rng, size=None):
    u = rng.uniform(0, 1, size)
    return low * (high / low) ** (u * u)


# ============================================================================= chapter 14


@unseen("conv_output_size")
def size_stride_in_numerator(n, k, stride=1, pad=0):
    return (n + 2 * pad - k + stride) // stride + 1 - (stride > 1)


def _conv_loop(x, w, b, stride, pad, *, first_channel_only=False, pad_all=False):
    xp = np.pad(x, pad) if pad_all else np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = xp.shape
    f, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            if first_channel_only:
                out[:, :, i, j] = np.einsum("nhw,fhw->nf", win[:, 0], w[:, 0])
            else:
                out[:, :, i, j] = np.einsum("nchw,fchw->nf", win, w)
    return out + b[None, :, None, None]


@unseen("conv2d_forward")
def conv_first_channel_only(x, w, b, stride=1, pad=0):
    return _conv_loop(x, w, b, stride, pad, first_channel_only=True)


@unseen("conv2d_forward")
def conv_pads_every_axis(x, w, b, stride=1, pad=0):
    return _conv_loop(x, w, b, stride, pad, pad_all=True)


@unseen("conv2d_forward")
def conv_bias_on_last_axis(x, w, b, stride=1, pad=0):
    out = _conv_loop(x, w, np.zeros_like(b), stride, pad)
    try:
        return out + b
    except ValueError:
        return out + b[None, :, None, None]


def _conv_bwd_loop(dout, x, w, stride, pad, *, dw_unpadded=False, dx_overwrite=False):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    f, c, kh, kw = w.shape
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    src = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad))) if dw_unpadded else xp
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rs, cs = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], src[:, :, rs, cs])
            contrib = np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
            if dx_overwrite:
                dxp[:, :, rs, cs] = contrib
            else:
                dxp[:, :, rs, cs] += contrib
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


@unseen("conv2d_backward")
def conv_bwd_dw_from_unpadded_x(dout, x, w, stride=1, pad=0):
    return _conv_bwd_loop(dout, x, w, stride, pad, dw_unpadded=True)


@unseen("conv2d_backward")
def conv_bwd_dx_overwrites(dout, x, w, stride=1, pad=0):
    return _conv_bwd_loop(dout, x, w, stride, pad, dx_overwrite=True)


@unseen("conv2d_backward")
def conv_bwd_db_wrong_axes(dout, x, w, stride=1, pad=0):
    dx, dw, _ = _conv_bwd_loop(dout, x, w, stride, pad)
    return dx, dw, dout.sum(axis=(0, 2, 3)) / (dout.shape[2] * dout.shape[3])


def _pool_loop(x, size, stride, reduce, *, out_hw=None, all_channels=False):
    n, c, h, wd = x.shape
    ho, wo = out_hw or ((h - size) // stride + 1, (wd - size) // stride + 1)
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
            if all_channels:
                out[:, :, i, j] = reduce(win, axis=(1, 2, 3))[:, None]
            else:
                out[:, :, i, j] = reduce(win, axis=(2, 3))
    return out


@unseen("maxpool2d_forward")
def maxpool_size_from_stride(x, size=2, stride=2):
    return _pool_loop(x, size, stride, np.max, out_hw=(x.shape[2] // stride, x.shape[3] // stride))


@unseen("maxpool2d_forward")
def maxpool_over_channels(x, size=2, stride=2):
    return _pool_loop(x, size, stride, np.max, all_channels=True)


@unseen("avgpool2d_forward")
def avgpool_size_from_stride(x, size=2, stride=2):
    return _pool_loop(x, size, stride, np.mean, out_hw=(x.shape[2] // stride, x.shape[3] // stride))


def _maxpool_bwd_loop(dout, x, size, stride, *, unravel_with_stride=False, last_max=False):
    dx = np.zeros_like(x)
    n, c, ho, wo = dout.shape
    for a in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    win = x[a, ch, i * stride : i * stride + size, j * stride : j * stride + size]
                    flat = win.ravel()
                    k = (
                        len(flat) - 1 - int(np.argmax(flat[::-1]))
                        if last_max
                        else int(np.argmax(flat))
                    )
                    if unravel_with_stride:
                        r, s = divmod(k, stride)
                    else:
                        r, s = divmod(k, size)
                    if i * stride + r < x.shape[2] and j * stride + s < x.shape[3]:
                        dx[a, ch, i * stride + r, j * stride + s] += dout[a, ch, i, j]
    return dx


@unseen("maxpool2d_backward")
def maxpool_bwd_reshape_2x2(dout, x, size=2, stride=2):
    n, c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    win = x[:, :, : 2 * h2, : 2 * w2].reshape(n, c, h2, 2, w2, 2)
    mask = win == win.max(axis=(3, 5), keepdims=True)
    dx = np.zeros_like(x)
    dx[:, :, : 2 * h2, : 2 * w2] = (mask * dout[:, :, :, None, :, None]).reshape(
        n, c, 2 * h2, 2 * w2
    )
    return dx


# ============================================================================= chapter 15


@unseen("per_class_accuracy")
def pca_integer_division(y_true, y_pred, k):
    hits = np.bincount(y_true[y_true == y_pred], minlength=k)
    counts = np.bincount(y_true, minlength=k)
    return np.where(counts > 0, hits // np.maximum(counts, 1), 0)


@unseen("per_class_accuracy")
def pca_loop_misses_last_class(y_true, y_pred, k):
    out = np.zeros(k)
    for c in range(k - 1):
        m = y_true == c
        out[c] = np.mean(y_pred[m] == c) if m.any() else 0.0
    return out


@unseen("train_and_predict")
def tp_feature_means(X_train, y_train, X_test):
    classes = np.unique(y_train)
    means = np.stack(
        [X_train[y_train == c].mean(axis=1).mean() * np.ones(X_train.shape[1]) for c in classes]
    )
    d = ((X_test[:, None, :] - means[None]) ** 2).sum(axis=2)
    return classes[d.argmin(axis=1)]


@unseen("he_normal")  # not named: random outputs cannot be matched
def he_normal_global_rng(shape, rng=None, dtype=np.float64):
    return np.random.randn(*shape) * np.sqrt(2.0 / shape[0])


@unseen("he_uniform")  # not named: random outputs cannot be matched
def he_uniform_global_rng(shape, rng=None, dtype=np.float64):
    a = np.sqrt(6.0 / shape[0])
    return np.random.uniform(-a, a, shape)


@unseen("xavier_normal")  # not named: random outputs cannot be matched
def xavier_normal_global_rng(shape, rng=None, dtype=np.float64, gain=1.0):
    return np.random.normal(0, np.sqrt(2.0 / sum(shape)), shape)


@unseen("dropout_forward")  # not named: random outputs cannot be matched
def dropout_global_rng(x, p, rng):
    mask = np.random.random(x.shape) >= p
    return x * mask / (1 - p), mask


@unseen("log_uniform")  # not named: random outputs cannot be matched
def lu_global_rng(low, high, rng, size=None):
    return np.exp(np.random.uniform(np.log(low), np.log(high), size))


# ============================================================================= a second round: types, keys, edges


@unseen("one_hot_encode")
def oh_list_of_lists(labels, categories):
    return [[1.0 if lab == c else 0.0 for c in categories] for lab in labels]


@unseen("one_hot_encode")
def oh_int_dtype(labels, categories):
    return (np.asarray(labels)[:, None] == np.asarray(categories)[None, :]).astype(int)


@unseen("train_test_split")
def split_shuffles_in_place(X, y, test_fraction, rng):
    rng.shuffle(X)
    rng.shuffle(y)
    n_train = len(X) - int(round(test_fraction * len(X)))
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


@unseen("linear_gd_step")
def gd_mean_over_wrong_axis(w, X, y, lr):
    return w - lr * 2 * np.mean(X * (X @ w - y)[:, None], axis=1)[: len(w)]


@unseen("gaussian_nll")
def nll_mean_residual_term(y, pred, sigma):
    r = y - pred
    return float(len(y) * 0.5 * np.log(2 * np.pi * sigma**2) + np.mean(r**2) / (2 * sigma**2))


@unseen("soft_threshold")
def st_ratio_form(x, lam):
    return x * np.maximum(1 - lam / np.abs(x), 0)


@unseen("mcculloch_pitts")
def mp_int_output(x, w, theta):
    return np.where(x @ w >= theta, 1, 0)


@unseen("dense_forward")
def df_first_bias_only(x, W, b):
    return x @ W + b[0]


@unseen("momentum_step")
def momentum_wrong_key(w, dw, state, lr, beta=0.9):
    v = beta * state.get("velocity", 0.0) + dw
    return w - lr * v, {**state, "velocity": v}


@unseen("adagrad_step")
def adagrad_wrong_key(w, dw, state, lr, eps=1e-8):
    G = state.get("G", 0.0) + dw * dw
    return w - lr * dw / (np.sqrt(G) + eps), {**state, "G": G}


@unseen("adam_step")
def adam_in_place_moments(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m, v = state.get("m"), state.get("v")
    if m is None:
        m, v = np.zeros_like(w), np.zeros_like(w)
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw * dw
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w - step, {**state, "t": t, "m": m, "v": v}


@unseen("time_decay_lr")
def time_decay_list(lr0, k, t):
    return [lr0 / (1 + k * step) for step in t]


@unseen("kfold_indices")
def kfold_lists(n, k, fold):
    parts = np.array_split(np.arange(n), k)
    val = parts[fold].tolist()
    return [i for i in range(n) if i not in val], val


@unseen("conv2d_forward")
def conv_pads_one_side(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))
    return _conv_loop(xp, w, b, stride, 0)


@unseen("maxpool2d_forward")
def maxpool_over_batch_and_channels(x, size=2, stride=2):
    out = _pool_loop(x, size, stride, np.max)
    return np.broadcast_to(out.max(axis=(0, 1), keepdims=True), out.shape).copy()


@unseen("per_class_accuracy")
def pca_bincount_without_minlength(y_true, y_pred, k):
    hits = np.bincount(y_true[y_true == y_pred]).astype(float)
    counts = np.bincount(y_true)
    return np.divide(hits, counts, out=np.zeros(len(counts)), where=counts > 0)


@unseen("conv_output_size")
def size_float(n, k, stride=1, pad=0):
    return (n + 2 * pad - k) // stride + 1.0


#: the wrong implementations of this audit that were added to the catalogue (their code is there)
CATALOGUED = [
    ("perceptron_update", "pu_predicts_without_bias"),
    ("one_hot_encode", "oh_last_row_missed"),
    ("has_dummy_trap", "trap_duplicate_columns_only"),
    ("train_test_split", "split_choice"),
    ("mse", "mse_precedence"),
    ("normal_equations", "ne_small_ridge"),
    ("linear_gd_step", "gd_sum_not_mean"),
    ("gaussian_nll", "nll_sigma_is_variance"),
    ("gaussian_nll", "nll_log10"),
    ("ridge_closed_form", "ridge_intercept_unpenalised"),
    ("soft_threshold", "st_negative_branch_sign"),
    ("soft_threshold", "st_clip"),
    ("lasso_cd", "lasso_one_sweep_short"),
    ("lasso_cd", "lasso_threshold_after_normalising"),
    ("lasso_cd", "lasso_sklearn_scaling"),
    ("lasso_cd", "lasso_starts_from_least_squares"),
    ("sigmoid", "sigmoid_abs_everywhere"),
    ("binary_cross_entropy_with_logits", "bce_no_max_term"),
    ("binary_cross_entropy_with_logits", "bce_clipped_probabilities"),
    ("cross_entropy", "ce_labels_index_columns"),
    ("cross_entropy", "ce_log_p_plus_eps"),
    ("cross_entropy", "ce_divides_by_classes"),
    ("logistic_gradient", "lg_forgets_bias"),
    ("logistic_gradient", "lg_divides_by_features"),
    ("mcculloch_pitts", "mp_unit_weights"),
    ("perceptron_update", "pu_bias_without_lr"),
    ("mlp_forward", "mlp_sigmoid_hidden"),
    ("mlp_forward", "mlp_forgets_b2"),
    ("sigmoid_backward", "sb_precedence"),
    ("backprop_221", "bp_pre_activation_in_dw2"),
    ("backprop_221", "bp_derivative_at_activation"),
    ("relu_backward", "relu_bwd_sign"),
    ("leaky_relu_backward", "leaky_hard_coded_alpha"),
    ("leaky_relu_backward", "leaky_maximum"),
    ("tanh_backward", "tanh_square_of_difference"),
    ("tanh_backward", "tanh_without_dout"),
    ("swish_backward", "swish_hard_coded_beta"),
    ("huber", "huber_hard_coded_delta"),
    ("huber", "huber_signed_residual"),
    ("huber_backward", "huber_bwd_loses_sign"),
    ("hinge", "hinge_clipped_above"),
    ("kl_divergence", "kl_log2"),
    ("rmsprop_step", "rmsprop_gradient_not_squared"),
    ("rmsprop_step", "rmsprop_warm_start"),
    ("adadelta_step", "adadelta_updates_acc_first"),
    ("adam_step", "adam_correction_precedence"),
    ("adam_step", "adam_v_not_squared"),
    ("time_decay_lr", "time_decay_geometric"),
    ("step_decay_lr", "step_decay_drop_is_loss"),
    ("cosine_lr", "cosine_lr_min_added"),
    ("he_uniform", "he_uniform_normal_draw"),
    ("xavier_uniform", "xavier_uniform_normal_draw"),
    ("he_normal", "he_normal_precedence"),
    ("xavier_uniform", "xavier_uniform_precedence"),
    ("batchnorm_forward", "bn_hard_coded_eps"),
    ("batchnorm_forward", "bn_beta_inside"),
    ("bn_sqrt_backward", "sq_precedence"),
    ("bn_sqrt_backward", "sq_adds_eps_again"),
    ("batchnorm_backward", "bnb_hard_coded_eps"),
    ("batchnorm_backward", "bnb_unbiased_variance"),
    ("batchnorm_inference", "bni_hard_coded_eps"),
    ("update_running_stats", "rs_global_variance"),
    ("l1_penalty", "l1_grad_positive_only"),
    ("l1_penalty", "l1_value_l2_norm"),
    ("early_stopping", "es_best_always_updated"),
    ("early_stopping", "es_argmin_of_all"),
    ("early_stopping", "es_relative_delta"),
    ("kfold_indices", "kfold_one_based_fold"),
    ("precision_recall", "pr_tp_counts_negatives"),
    ("precision_recall", "pr_fp_includes_tp"),
    ("f1_score", "f1_macro"),
    ("confusion_counts", "cm_loop_off_by_one"),
    ("conv_output_size", "size_ignores_stride"),
    ("conv_output_size", "size_plus_one_inside"),
    ("maxpool2d_forward", "maxpool_reshape_2x2"),
    ("avgpool2d_forward", "avgpool_reshape_2x2"),
    ("avgpool2d_forward", "avgpool_divides_by_stride"),
    ("maxpool2d_backward", "maxpool_bwd_unravel_with_stride"),
    ("maxpool2d_backward", "maxpool_bwd_last_max"),
    ("per_class_accuracy", "pca_one_vs_rest_accuracy"),
    ("train_and_predict", "tp_argmax_distance"),
    ("momentum_step", "momentum_hard_coded_beta"),
    ("adagrad_step", "adagrad_hard_coded_eps"),
    ("rmsprop_step", "rmsprop_hard_coded_rho"),
    ("adadelta_step", "adadelta_hard_coded_rho"),
    ("adam_step", "adam_hard_coded_betas"),
    ("adagrad_step", "adagrad_precedence"),
    ("rmsprop_step", "rmsprop_precedence"),
    ("time_decay_lr", "time_decay_hard_coded_k"),
    ("time_decay_lr", "time_decay_linear"),
    ("time_decay_lr", "time_decay_integer_division"),
    ("cosine_lr", "cosine_hard_coded_total"),
    ("cosine_lr", "cosine_integer_division"),
    ("huber_backward", "huber_bwd_hard_coded_delta"),
    ("huber", "huber_divides_by_rows"),
    ("huber_backward", "huber_bwd_divides_by_rows"),
    ("hinge", "hinge_divides_by_rows"),
    ("hinge_backward", "hinge_bwd_divides_by_rows"),
    ("kl_divergence", "kl_divides_by_len_1d"),
    ("kl_divergence_backward", "kl_bwd_divides_by_len_1d"),
    ("dropout_backward", "dropout_bwd_hard_coded_p"),
    ("l2_penalty", "l2_square_of_sum"),
    ("l1_penalty", "l1_grad_without_lam"),
    ("l2_penalty", "l2_spectral_norm"),
    ("binary_cross_entropy_with_logits", "bce_min_not_max"),
    ("cross_entropy_backward", "ce_bwd_divides_by_classes"),
    ("sigmoid_backward", "sb_sigmoid_of_dout"),
    ("xavier_normal", "xavier_normal_fan_in_only"),
    ("xavier_normal", "xavier_normal_precedence"),
    ("he_uniform", "he_uniform_precedence"),
    ("bn_scale_shift_backward", "ss_dgamma_product_of_sums"),
    ("bn_divide_backward", "dv_dxc_over_std_squared"),
    ("bn_variance_backward", "var_divides_by_size"),
    ("bn_center_backward", "center_diagonal_only"),
    ("batchnorm_backward", "bnb_forgets_n"),
    ("batchnorm_inference", "bni_beta_inside"),
    ("update_running_stats", "rs_var_around_running_mean"),
    ("kfold_indices", "kfold_strided"),
    ("precision_recall", "pr_accuracy_as_precision"),
    ("f1_score", "f1_tp_counts_negatives"),
    ("f1_score", "f1_geometric_mean"),
    ("confusion_counts", "cm_histogram2d"),
    ("train_and_predict", "tp_index_not_class"),
    ("normal_equations", "ne_centres_data"),
    ("standardize", "std_with_eps"),
    ("cross_entropy", "ce_global_lse"),
    ("maxpool2d_backward", "maxpool_bwd_split_ties"),
    ("cosine_lr", "cosine_restarts"),
    ("softmax", "softmax_shift_numerator_only"),
]


# ============================================================================= the grader's view


def grade(u: Unseen, seed: int) -> dict:
    ex = get(u.exercise)
    return grade_exercise(ex, SimulatedSession(ex.id, u.fn), REFS, seed, Limits())


IDS = [f"{u.exercise}.{u.key}" for u in UNSEEN]


@pytest.mark.parametrize("u", UNSEEN, ids=IDS)
def test_the_grader_gives_no_full_marks(u):
    ex = get(u.exercise)
    entries = [grade(u, seed) for seed in SEEDS]
    scores = [e["score"] for e in entries]
    if u.kind == "values":
        assert scores == [0.0] * len(SEEDS), f"{u.key} earns {scores} of {ex.points}"
    else:
        assert max(scores) < ex.points, f"{u.key} earns full marks: {scores}"
    if u.named is not None:  # it behaves as a catalogued mistake: the grader names that one
        message = _catalogued(u.exercise, u.named).message
        assert all(e["reason"] == message for e in entries), [e["reason"] for e in entries]


@pytest.mark.parametrize("u", UNSEEN, ids=IDS)
def test_check_fails_it(u):
    result = check(u.fn, u.exercise, verbose=False)
    assert result.total and not result.ok, f"check() passes {u.key}"
    if u.named is not None:
        assert result.mistake is not None and result.mistake.key == u.named, (
            f"check() names {result.mistake.key if result.mistake else None}, not {u.named}"
        )


def _catalogued(exercise_id: str, key: str):
    found = [m for m in by_exercise(exercise_id) if m.key == key]
    assert found, f"{exercise_id}.{key} is not in the catalogue"
    return found[0]


@pytest.mark.parametrize("exercise_id, key", CATALOGUED, ids=[f"{e}.{k}" for e, k in CATALOGUED])
def test_the_catalogued_ones_score_zero_and_are_named(exercise_id, key):
    m = _catalogued(exercise_id, key)
    result = check(m.fn, exercise_id, verbose=False)
    assert not result.ok and result.mistake is m, (
        f"check() names {result.mistake.key if result.mistake else None}, not {key}"
    )
    entries = [grade(Unseen(exercise_id, key, m.fn, m.kind), seed) for seed in SEEDS]
    scores = [e["score"] for e in entries]
    if m.kind == "values":
        assert scores == [0.0] * len(SEEDS), scores
    else:
        assert max(scores) < get(exercise_id).points, scores
    assert all(e["reason"] == m.message for e in entries), [e["reason"] for e in entries]


def test_the_corpus_covers_every_graded_function():
    covered = {u.exercise for u in UNSEEN} | {e for e, _ in CATALOGUED}
    missing = [ex.id for ex in all_exercises() if ex.id not in covered]
    assert not missing, missing
    keys = [(u.exercise, u.key) for u in UNSEEN] + CATALOGUED
    assert len(keys) == len(set(keys))
    assert len(keys) >= 3 * len(all_exercises())
