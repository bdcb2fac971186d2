"""Chapter 3, ML vs MAP: the mistakes students make in the Gaussian negative log-likelihood, ridge
regression, soft-thresholding and the lasso by coordinate descent.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

import math

import numpy as np

from . import mistake

_ML = "Maximum likelihood with Gaussian noise gives least squares"
_RIDGE = "A Gaussian prior gives ridge regression"
_LASSO = "A Laplace prior gives the lasso"

# ----------------------------------------------------------------------------- gaussian_nll


@mistake(
    "gaussian_nll",
    "NLL averaged instead of summed",
    "the likelihood of the data set is a product over the samples, so its negative log is a sum; "
    "you divide by N, which gives the NLL per sample",
    section=_ML,
)
def gaussian_nll_mean(y, pred, sigma):
    r = y - pred
    return float(0.5 * math.log(2 * math.pi * sigma**2) + np.mean(r * r) / (2 * sigma**2))


@mistake(
    "gaussian_nll",
    "NLL without the normalising constant",
    "you keep only the squared errors, sum (y - pred)^2 / (2 sigma^2); they are all that matters "
    "for the best fit, but the NLL also has N/2 log(2 pi sigma^2), which depends on sigma",
    section=_ML,
)
def gaussian_nll_no_constant(y, pred, sigma):
    r = y - pred
    return float(np.sum(r * r) / (2 * sigma**2))


@mistake(
    "gaussian_nll",
    "log(2 pi sigma) instead of log(2 pi sigma^2)",
    "the Gaussian's normalising constant is 1/sqrt(2 pi sigma^2), so its log carries sigma squared; "
    "with log(2 pi sigma) the constant term is wrong whenever sigma is not 1",
    section=_ML,
)
def gaussian_nll_sigma_not_squared(y, pred, sigma):
    r = y - pred
    return float(0.5 * y.size * math.log(2 * math.pi * sigma) + np.sum(r * r) / (2 * sigma**2))


@mistake(
    "gaussian_nll",
    "squared errors without the 1/2",
    "the Gaussian's exponent is -(y - pred)^2 / (2 sigma^2); without the 2 your squared-error term "
    "is twice the answer",
    section=_ML,
)
def gaussian_nll_no_half(y, pred, sigma):
    r = y - pred
    return float(0.5 * y.size * math.log(2 * math.pi * sigma**2) + np.sum(r * r) / sigma**2)


@mistake(
    "gaussian_nll",
    "the constant counted once, not once per sample",
    "every sample contributes its own log(2 pi sigma^2)/2, so the constant is multiplied by N; you "
    "add it only once",
    section=_ML,
)
def gaussian_nll_constant_once(y, pred, sigma):
    r = y - pred
    return float(0.5 * math.log(2 * math.pi * sigma**2) + np.sum(r * r) / (2 * sigma**2))


@mistake(
    "gaussian_nll",
    "the log-likelihood instead of its negative",
    "you return log p(y | pred); the function asks for -log p, which is what least squares minimises",
    section=_ML,
)
def gaussian_nll_sign(y, pred, sigma):
    r = y - pred
    return -float(0.5 * y.size * math.log(2 * math.pi * sigma**2) + np.sum(r * r) / (2 * sigma**2))


# ----------------------------------------------------------------------------- ridge_closed_form
# nnlib's ridge_closed_form has a trailing ``fn`` argument (the name its error messages use); the
# mistakes take it too, so their signatures match the reference's. Students' functions have 3 arguments.


@mistake(
    "ridge_closed_form",
    "lam added to every entry of X^T X",
    "X^T X + lam adds lam to all D x D entries; the prior adds lam only on the diagonal (lam times "
    "the identity)",
    section=_RIDGE,
)
def ridge_lam_everywhere(X, y, lam, fn="ridge_closed_form"):
    return np.linalg.solve(X.T @ X + lam, X.T @ y)


@mistake(
    "ridge_closed_form",
    "identity of the wrong size",
    "the penalty matrix must be D x D like X^T X (one entry per weight); np.eye(N) has one entry "
    "per sample",
    section=_RIDGE,
)
def ridge_eye_n(X, y, lam, fn="ridge_closed_form"):
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[0]), X.T @ y)


@mistake(
    "ridge_closed_form",
    "2 lam on the diagonal",
    "you differentiated (1/2)||y - Xw||^2 + lam||w||^2, which gives X^T X + 2 lam I; for the "
    "worksheet's J = ||y - Xw||^2 + lam||w||^2 the factors 2 cancel and the diagonal is lam",
    section=_RIDGE,
)
def ridge_two_lam(X, y, lam, fn="ridge_closed_form"):
    return np.linalg.solve(X.T @ X + 2 * lam * np.eye(X.shape[1]), X.T @ y)


@mistake(
    "ridge_closed_form",
    "lam scaled by N (a mean loss)",
    "you solve (X^T X / N + lam I) w = X^T y / N, the ridge of a mean squared error: the same as "
    "an N times larger lam for the summed loss the worksheet uses",
    section=_RIDGE,
)
def ridge_mean_loss(X, y, lam, fn="ridge_closed_form"):
    n = X.shape[0]
    return np.linalg.solve(X.T @ X / n + lam * np.eye(X.shape[1]), X.T @ y / n)


@mistake(
    "ridge_closed_form",
    "lam subtracted from the diagonal",
    "the Gaussian prior adds lam ||w||^2 to the loss, so lam I is added to X^T X; subtracting it "
    "pushes the weights away from 0 and can make the matrix singular",
    section=_RIDGE,
)
def ridge_minus_lam(X, y, lam, fn="ridge_closed_form"):
    return np.linalg.solve(X.T @ X - lam * np.eye(X.shape[1]), X.T @ y)


# ----------------------------------------------------------------------------- soft_threshold


@mistake(
    "soft_threshold",
    "hard thresholding",
    "you zero the values within lam of 0 but keep the others unchanged; soft-thresholding also "
    "moves every surviving value lam closer to 0",
    section=_LASSO,
)
def soft_threshold_hard(x, lam):
    return np.where(np.abs(x) > lam, x, 0.0)


@mistake(
    "soft_threshold",
    "soft-thresholding without the sign",
    "max(|x| - lam, 0) is the shrunk magnitude; multiply by sign(x), or every negative input "
    "comes out positive",
    section=_LASSO,
)
def soft_threshold_no_sign(x, lam):
    return np.maximum(np.abs(x) - lam, 0.0)


@mistake(
    "soft_threshold",
    "shrinking without clipping at 0",
    "sign(x) (|x| - lam) shrinks every value by lam, but values within lam of 0 cross zero and "
    "change sign; they must become exactly 0 (the max with 0)",
    section=_LASSO,
)
def soft_threshold_no_clip(x, lam):
    return np.sign(x) * (np.abs(x) - lam)


@mistake(
    "soft_threshold",
    "one-sided threshold max(x - lam, 0)",
    "you shift and clip like a ReLU: every negative input becomes 0; soft-thresholding is "
    "symmetric, negative values shrink towards 0 by lam as well",
    section=_LASSO,
)
def soft_threshold_one_sided(x, lam):
    return np.maximum(x - lam, 0.0)


@mistake(
    "soft_threshold",
    "threshold lam/2",
    "the lasso's coordinate update uses S(rho, lam/2), but the operator itself thresholds at lam: "
    "your values are shrunk by half as much and fewer become 0",
    section=_LASSO,
)
def soft_threshold_half(x, lam):
    return np.sign(x) * np.maximum(np.abs(x) - lam / 2, 0.0)


# ----------------------------------------------------------------------------- lasso_cd


@mistake(
    "lasso_cd",
    "lasso threshold lam instead of lam/2",
    "with J = ||y - Xw||^2 + lam||w||_1 (no 1/2 in front) the subgradient gives S(rho, lam/2); "
    "thresholding at lam is the update for (1/2)||y - Xw||^2, so your weights shrink twice as much",
    section=_LASSO,
)
def lasso_cd_full_lam(X, y, lam, n_sweeps):
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ w + xj * w[j])
            w[j] = np.sign(rho) * max(abs(rho) - lam, 0.0) / (xj @ xj)
    return w


@mistake(
    "lasso_cd",
    "rho from the full residual",
    "rho_j must correlate x_j with the residual that leaves w_j out, y - Xw + x_j w_j; with the full "
    "residual y - Xw the update only agrees while w_j is still 0 (the first sweep)",
    section=_LASSO,
)
def lasso_cd_full_residual(X, y, lam, n_sweeps):
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ w)
            w[j] = np.sign(rho) * max(abs(rho) - lam / 2, 0.0) / (xj @ xj)
    return w


@mistake(
    "lasso_cd",
    "every coordinate from the old weights",
    "you compute all D updates from the weights at the start of the sweep (a Jacobi step); cyclic "
    "coordinate descent uses the newest value of every weight as soon as it is updated",
    section=_LASSO,
)
def lasso_cd_jacobi(X, y, lam, n_sweeps):
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        old = w.copy()
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ old + xj * old[j])
            w[j] = np.sign(rho) * max(abs(rho) - lam / 2, 0.0) / (xj @ xj)
    return w


@mistake(
    "lasso_cd",
    "no division by x_j^T x_j",
    "the coordinate's minimiser is S(rho_j, lam/2) / (x_j^T x_j); without the division the update "
    "is only right for columns of unit length",
    section=_LASSO,
)
def lasso_cd_no_norm(X, y, lam, n_sweeps):
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ w + xj * w[j])
            w[j] = np.sign(rho) * max(abs(rho) - lam / 2, 0.0)
    return w


@mistake(
    "lasso_cd",
    "hard threshold in the coordinate update",
    "you set w_j to 0 when |rho_j| <= lam/2 but otherwise keep rho_j / x_j^T x_j unshrunk; the "
    "lasso's update soft-thresholds, shrinking every surviving rho_j by lam/2",
    section=_LASSO,
)
def lasso_cd_hard(X, y, lam, n_sweeps):
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ w + xj * w[j])
            w[j] = (rho if abs(rho) > lam / 2 else 0.0) / (xj @ xj)
    return w


@mistake(
    "lasso_cd",
    "shrinking rho_j without clipping at 0",
    "sign(rho_j)(|rho_j| - lam/2) is the subgradient step that ignores the region |rho_j| <= lam/2: "
    "there the weight crosses zero and changes sign instead of becoming exactly 0, so the lasso "
    "loses its exact zeros (as gradient descent on an L1 penalty does)",
    section=_LASSO,
)
def lasso_cd_no_clip(X, y, lam, n_sweeps):
    w = np.zeros(X.shape[1])
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            rho = xj @ (y - X @ w + xj * w[j])
            w[j] = np.sign(rho) * (abs(rho) - lam / 2) / (xj @ xj)
    return w


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


def _soft(rho, threshold):
    return np.sign(rho) * max(abs(rho) - threshold, 0.0)


def _cyclic(X, y, n_sweeps, update, w=None):
    """Cyclic coordinate descent: ``w_j <- update(rho_j, x_j^T x_j)``, newest weights first."""
    w = np.zeros(X.shape[1]) if w is None else w
    for _ in range(n_sweeps):
        for j in range(X.shape[1]):
            xj = X[:, j]
            w[j] = update(xj @ (y - X @ w + xj * w[j]), xj @ xj)
    return w


@mistake(
    "gaussian_nll",
    "sigma used as the variance",
    "sigma is the standard deviation: the variance is sigma^2, both in log(2 pi sigma^2) and "
    "in the denominator 2 sigma^2",
    section=_ML,
)
def nll_sigma_is_variance(y, pred, sigma):
    r = y - pred
    return float(len(y) * 0.5 * np.log(2 * np.pi * sigma) + np.sum(r**2) / (2 * sigma))


@mistake(
    "gaussian_nll",
    "log10 in place of the natural log",
    "the Gaussian's log-likelihood uses the natural logarithm (np.log): log10 shrinks the "
    "constant term by ln(10)",
    section=_ML,
)
def nll_log10(y, pred, sigma):
    r = y - pred
    return float(len(y) * 0.5 * np.log10(2 * np.pi * sigma**2) + np.sum(r**2) / (2 * sigma**2))


@mistake(
    "ridge_closed_form",
    "the first weight left out of the penalty",
    "here lam I penalises every weight, the first one too (the worksheet's X has no special "
    "intercept column); zeroing I[0, 0] solves another problem",
    section=_RIDGE,
)
def ridge_intercept_unpenalised(X, y, lam, fn="ridge_closed_form"):
    eye = np.eye(X.shape[1])
    eye[0, 0] = 0.0
    return np.linalg.lstsq(X.T @ X + lam * eye, X.T @ y, rcond=None)[0]


@mistake(
    "soft_threshold",
    "x - lam on the negative side too",
    "below -lam the soft threshold moves x towards 0: x + lam, not x - lam; sign(x) * max(|x| "
    "- lam, 0) handles both sides at once",
    section=_LASSO,
)
def st_negative_branch_sign(x, lam):
    return np.where(x > lam, x - lam, np.where(x < -lam, x - lam, 0.0))


@mistake(
    "soft_threshold",
    "clipping to [-lam, lam] instead of shrinking",
    "np.clip(x, -lam, lam) caps large values at lam and keeps small ones; the soft threshold "
    "does the opposite: it sets |x| <= lam to 0 and moves the others lam closer to 0",
    section=_LASSO,
)
def st_clip(x, lam):
    return np.clip(x, -lam, lam)


@mistake(
    "lasso_cd",
    "one sweep too few",
    "range(1, n_sweeps) runs n_sweeps - 1 sweeps (none at all for n_sweeps = 1): loop "
    "range(n_sweeps)",
    section=_LASSO,
)
def lasso_one_sweep_short(X, y, lam, n_sweeps):
    return _cyclic(X, y, n_sweeps - 1, lambda rho, norm: _soft(rho, lam / 2) / norm)


@mistake(
    "lasso_cd",
    "the threshold applied after dividing by x_j^T x_j",
    "the update is S(rho_j, lam/2) / (x_j^T x_j): threshold rho_j first, then divide; "
    "thresholding rho_j / (x_j^T x_j) at lam/2 is right only for columns of unit norm",
    section=_LASSO,
)
def lasso_threshold_after_normalising(X, y, lam, n_sweeps):
    return _cyclic(X, y, n_sweeps, lambda rho, norm: _soft(rho / norm, lam / 2))


@mistake(
    "lasso_cd",
    "scikit-learn's scaling of lam (N lam)",
    "scikit-learn's Lasso minimises (1/2N)||y - Xw||^2 + alpha ||w||_1, so its threshold is N "
    "alpha; the worksheet's objective is ||y - Xw||^2 + lam ||w||_1, whose threshold is lam/2",
    section=_LASSO,
)
def lasso_sklearn_scaling(X, y, lam, n_sweeps):
    return _cyclic(X, y, n_sweeps, lambda rho, norm: _soft(rho, lam * len(y)) / norm)


@mistake(
    "lasso_cd",
    "started from least squares, not from w = 0",
    "the sweeps start from w = 0; after a few sweeps a warm start from least squares gives "
    "other weights",
    section=_LASSO,
)
def lasso_starts_from_least_squares(X, y, lam, n_sweeps):
    w0 = np.linalg.lstsq(X, y, rcond=None)[0]
    return _cyclic(X, y, n_sweeps, lambda rho, norm: _soft(rho, lam / 2) / norm, w=w0)
