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
