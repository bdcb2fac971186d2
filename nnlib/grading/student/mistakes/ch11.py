"""Chapter 11, batch normalization: the mistakes students make in the forward pass, in each stage of
the backward pass and in the assembled one, in inference mode and in the running averages.

Each function below is the worksheet's function with one real bug (see the package docstring).
Inputs are batches ``x`` of shape (N, D); the statistics are per feature, over the batch (axis 0).
"""

import numpy as np

from . import mistake

FORWARD = "The forward pass (training mode)"
GAMMA_BETA = r"What $\gamma$ and $\beta$ are for"
BACKWARD = "The backward pass"
MODES = "Training mode and inference mode"


def _parts(dout, x, eps):
    """The right ``x_hat``, ``s = 1/sqrt(var + eps)``, ``dgamma`` and ``dbeta`` (each mistake breaks one step)."""
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) * inv_std
    return xhat, inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# ----------------------------------------------------------------------------- batchnorm_forward


@mistake(
    "batchnorm_forward",
    "statistics over the wrong axis (per example)",
    "you take the mean and variance of each row, over the features of one example (axis=1): "
    "that is layer normalization; batch norm normalises each feature over the examples of the "
    "batch (axis=0)",
    section=FORWARD,
)
def bn_forward_wrong_axis(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@mistake(
    "batchnorm_forward",
    "one mean and variance for the whole batch",
    "x.mean() and x.var() without an axis pool every feature together; batch norm keeps one "
    "mean and one variance per feature (axis=0), so features on different scales are each "
    "brought to mean 0 and variance 1",
    section=FORWARD,
)
def bn_forward_whole_batch(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean()) / np.sqrt(x.var() + eps) + beta


@mistake(
    "batchnorm_forward",
    "dividing by the variance instead of the standard deviation",
    "you divide x - mu by var + eps; standardising divides by the square root, "
    "sqrt(var + eps), otherwise a feature of standard deviation sigma ends with standard "
    "deviation 1/sigma instead of 1",
    section=FORWARD,
)
def bn_forward_divides_by_variance(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    return gamma * (x - mu) / (x.var(axis=0) + eps) + beta


@mistake(
    "batchnorm_forward",
    "eps outside the square root",
    "you divide by sqrt(var) + eps; batch norm adds eps to the variance, inside the root, "
    "sqrt(var + eps). The two differ most for a feature whose variance is as small as eps",
    section=FORWARD,
)
def bn_forward_eps_outside(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    return gamma * (x - mu) / (np.sqrt(x.var(axis=0)) + eps) + beta


@mistake(
    "batchnorm_forward",
    "no eps in the denominator",
    "you divide by sqrt(var) alone: a feature that is constant over the batch gives 0/0 = NaN, "
    "and a feature with a variance near eps is scaled differently; add eps inside the root",
    section=FORWARD,
)
def bn_forward_no_eps(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    return gamma * (x - mu) / np.sqrt(x.var(axis=0)) + beta


@mistake(
    "batchnorm_forward",
    "unbiased batch variance (ddof=1)",
    "you divide the squared deviations by N - 1; the forward pass normalises with the spread "
    "the batch actually has, the biased variance (divide by N, NumPy's default ddof=0). The "
    "unbiased one belongs in the running average only",
    section=FORWARD,
)
def bn_forward_unbiased(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    return gamma * (x - mu) / np.sqrt(x.var(axis=0, ddof=1) + eps) + beta


@mistake(
    "batchnorm_forward",
    "gamma and beta left out",
    "you return the normalised x-hat; the layer then scales and shifts it, gamma * x_hat + beta, "
    "so that the network can give each feature the mean and spread it needs",
    section=GAMMA_BETA,
)
def bn_forward_no_scale_shift(x, gamma, beta, eps=1e-5):
    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)


# ----------------------------------------------------------------------------- the staged backward
# One node of x -> mu -> xc -> var -> std -> xhat -> out at a time (worksheet 11, section 2).


@mistake(
    "bn_scale_shift_backward",
    "dgamma and dbeta as means over the batch",
    "gamma and beta are shared by every row of the batch, so each row adds its contribution: "
    "the gradients are sums over axis 0; your means are N times too small",
    section=BACKWARD,
)
def stage_scale_shift_means(dout, xhat, gamma):
    return dout * gamma, (dout * xhat).mean(axis=0), dout.mean(axis=0)


@mistake(
    "bn_scale_shift_backward",
    "dxhat without the factor gamma",
    "out = gamma * xhat + beta, so the local derivative d out / d xhat is gamma: dxhat is "
    "gamma times dout, not dout",
    section=BACKWARD,
)
def stage_scale_shift_no_gamma(dout, xhat, gamma):
    return dout.copy(), (dout * xhat).sum(axis=0), dout.sum(axis=0)


@mistake(
    "bn_scale_shift_backward",
    "dgamma and dbeta not summed over the batch",
    "you return one gradient per example, shape (N, D); gamma and beta have shape (D,) and are "
    "used by every row, so sum the rows (axis 0)",
    section=BACKWARD,
)
def stage_scale_shift_not_summed(dout, xhat, gamma):
    return dout * gamma, dout * xhat, dout.copy()


@mistake(
    "bn_scale_shift_backward",
    "dgamma with gamma in place of xhat",
    "d out / d gamma is xhat (what gamma multiplies), so dgamma = sum over the batch of "
    "dout * xhat; you multiplied by gamma",
    section=BACKWARD,
)
def stage_scale_shift_gamma_for_xhat(dout, xhat, gamma):
    return dout * gamma, (dout * gamma).sum(axis=0), dout.sum(axis=0)


@mistake(
    "bn_scale_shift_backward",
    "dgamma and dbeta returned in the wrong order",
    "return (dxhat, dgamma, dbeta) in this order; you swapped the two parameter gradients",
    section=BACKWARD,
)
def stage_scale_shift_swapped(dout, xhat, gamma):
    return dout * gamma, dout.sum(axis=0), (dout * xhat).sum(axis=0)


@mistake(
    "bn_divide_backward",
    "dstd without the minus sign",
    "d(xc/std)/d std = -xc/std^2: dividing by a larger std makes xhat smaller, so the sign is "
    "negative",
    section=BACKWARD,
)
def stage_divide_sign(dxhat, xc, std):
    return dxhat / std, (dxhat * xc).sum(axis=0) / std**2


@mistake(
    "bn_divide_backward",
    "dstd with 1/std instead of 1/std^2",
    "the derivative of xc/std with respect to std is -xc/std^2 (the derivative of 1/u is "
    "-1/u^2); yours has std to the first power",
    section=BACKWARD,
)
def stage_divide_first_power(dxhat, xc, std):
    return dxhat / std, -(dxhat * xc).sum(axis=0) / std


@mistake(
    "bn_divide_backward",
    "dstd not summed over the batch",
    "std is one number per feature, used by every row of the batch, so its gradient sums the "
    "rows' contributions (axis 0); yours has shape (N, D)",
    section=BACKWARD,
)
def stage_divide_not_summed(dxhat, xc, std):
    return dxhat / std, -(dxhat * xc) / std**2


@mistake(
    "bn_divide_backward",
    "dxc multiplied by std",
    "xhat = xc / std, so d xhat / d xc = 1/std: divide the upstream gradient by std",
    section=BACKWARD,
)
def stage_divide_times_std(dxhat, xc, std):
    return dxhat * std, -(dxhat * xc).sum(axis=0) / std**2


@mistake(
    "bn_divide_backward",
    "dstd as a mean over the batch",
    "every row of the batch contributes to the loss through std, so the contributions add up; "
    "a mean divides by N once too often",
    section=BACKWARD,
)
def stage_divide_mean(dxhat, xc, std):
    return dxhat / std, -(dxhat * xc).mean(axis=0) / std**2


@mistake(
    "bn_sqrt_backward",
    "the derivative of sqrt without the 1/2",
    "d sqrt(u)/du = 1/(2 sqrt(u)) = 1/(2 std); yours is twice as large",
    section=BACKWARD,
)
def stage_sqrt_no_half(dstd, std):
    return dstd / std


@mistake(
    "bn_sqrt_backward",
    "the derivative of the square, 2 std",
    "2 std is d(std^2)/d std, the derivative of the inverse function; the node computes "
    "std = sqrt(var + eps), whose derivative is 1/(2 std)",
    section=BACKWARD,
)
def stage_sqrt_square(dstd, std):
    return dstd * 2.0 * std


@mistake(
    "bn_sqrt_backward",
    "sqrt's derivative evaluated at std instead of at var + eps",
    "1/(2 sqrt(u)) is evaluated at the node's input u = var + eps, where sqrt(u) = std: "
    "1/(2 std), not 1/(2 sqrt(std))",
    section=BACKWARD,
)
def stage_sqrt_at_output(dstd, std):
    return dstd / (2.0 * np.sqrt(std))


@mistake(
    "bn_sqrt_backward",
    "the local derivative without dstd",
    "1/(2 std) is only the local derivative; the chain rule multiplies it by the upstream "
    "gradient dstd",
    section=BACKWARD,
)
def stage_sqrt_no_upstream(dstd, std):
    return 1.0 / (2.0 * std)


@mistake(
    "bn_variance_backward",
    "the derivative of xc^2 without the 2",
    "var = (1/N) sum xc^2 and d(xc^2)/d xc = 2 xc; yours is half as large",
    section=BACKWARD,
)
def stage_variance_no_two(dvar, xc):
    return xc * dvar / xc.shape[0]


@mistake(
    "bn_variance_backward",
    "the 1/N of the mean left out",
    "var is a mean over the batch, (1/N) sum xc^2, so each xc_n reaches it with weight 1/N; "
    "yours is N times too large",
    section=BACKWARD,
)
def stage_variance_no_mean(dvar, xc):
    return 2.0 * xc * dvar


@mistake(
    "bn_variance_backward",
    "1/(N - 1): the unbiased variance",
    "the forward pass normalises with the biased variance, (1/N) sum xc^2, so its derivative "
    "has 1/N; N - 1 belongs to the running average only",
    section=BACKWARD,
)
def stage_variance_unbiased(dvar, xc):
    return 2.0 * xc * dvar / (xc.shape[0] - 1)


@mistake(
    "bn_variance_backward",
    "dvar summed into one number per example",
    "dvar is one number per feature; it multiplies 2 xc_n / N elementwise (broadcast over the "
    "rows), it is not summed over the features",
    section=BACKWARD,
)
def stage_variance_summed(dvar, xc):
    return 2.0 * (xc @ dvar)[:, None] / xc.shape[0] * np.ones_like(xc)


@mistake(
    "bn_center_backward",
    "the mean treated as a constant: dx = dxc",
    "mu = mean(x) depends on every x_n, so there is a second path x_n -> mu -> xc: it adds "
    "dmu/N with dmu = -sum of dxc over the batch",
    section=BACKWARD,
)
def stage_center_constant_mean(dxc):
    return dxc.copy()


@mistake(
    "bn_center_backward",
    "the mean's path with the wrong sign",
    "xc = x - mu, so d xc / d mu = -1 and dmu = -sum of dxc; you added the mean of dxc "
    "instead of subtracting it",
    section=BACKWARD,
)
def stage_center_sign(dxc):
    return dxc + dxc.mean(axis=0)


@mistake(
    "bn_center_backward",
    "dmu passed back without the 1/N",
    "mu = (1/N) sum x_n, so each x_n receives dmu/N, not dmu; you subtracted the sum of dxc "
    "instead of its mean",
    section=BACKWARD,
)
def stage_center_no_mean(dxc):
    return dxc - dxc.sum(axis=0)


@mistake(
    "bn_center_backward",
    "the mean over the wrong axis",
    "mu is a mean over the examples of the batch (axis 0), one per feature; you took the mean "
    "over the features of each example (axis 1)",
    section=BACKWARD,
)
def stage_center_wrong_axis(dxc):
    return dxc - dxc.mean(axis=1, keepdims=True)


# ----------------------------------------------------------------------------- batchnorm_backward


@mistake(
    "batchnorm_backward",
    "dx as if the mean and variance were constants",
    "you return dout * gamma / sqrt(var + eps), which ignores that mu and sigma depend on every "
    "example of the batch; dx also has the two correction terms (the mean of dout, and x_hat "
    "times the mean of dout * x_hat)",
    section=BACKWARD,
)
def bn_backward_constant_stats(dout, x, gamma, eps=1e-5):
    _, inv_std, dgamma, dbeta = _parts(dout, x, eps)
    return dout * gamma * inv_std, dgamma, dbeta


@mistake(
    "batchnorm_backward",
    "dx without the variance term",
    "your dx subtracts the mean of the upstream gradient but not x_hat * dgamma, the path "
    "through the variance; the gradient then still moves x along x_hat, a direction that "
    "cannot change the output",
    section=BACKWARD,
)
def bn_backward_no_variance_term(dout, x, gamma, eps=1e-5):
    xhat, inv_std, dgamma, dbeta = _parts(dout, x, eps)
    n = x.shape[0]
    return gamma * inv_std / n * (n * dout - dbeta), dgamma, dbeta


@mistake(
    "batchnorm_backward",
    "dx without the mean term",
    "your dx subtracts x_hat * dgamma but not dbeta, the path through the batch mean; the "
    "entries of dx of one feature should add up to 0 (shifting every x equally changes nothing)",
    section=BACKWARD,
)
def bn_backward_no_mean_term(dout, x, gamma, eps=1e-5):
    xhat, inv_std, dgamma, dbeta = _parts(dout, x, eps)
    n = x.shape[0]
    return gamma * inv_std / n * (n * dout - xhat * dgamma), dgamma, dbeta


@mistake(
    "batchnorm_backward",
    "dgamma and dbeta as means over the batch",
    "dbeta and dgamma are sums over the examples of the batch (every example contributes to "
    "the loss); your means are N times too small",
    section=BACKWARD,
)
def bn_backward_mean_param_grads(dout, x, gamma, eps=1e-5):
    xhat, inv_std, dgamma_sum, dbeta_sum = _parts(dout, x, eps)
    dbeta, dgamma = dbeta_sum / x.shape[0], dgamma_sum / x.shape[0]
    return gamma * inv_std * (dout - dbeta - xhat * dgamma), dgamma, dbeta


@mistake(
    "batchnorm_backward",
    "dx without the factor gamma",
    "the output is gamma * x_hat + beta, so the gradient reaching x_hat is gamma * dout; your "
    "dx is the gradient of x_hat alone, wrong by the factor gamma for each feature",
    section=BACKWARD,
)
def bn_backward_no_gamma(dout, x, gamma, eps=1e-5):
    xhat, inv_std, dgamma, dbeta = _parts(dout, x, eps)
    n = x.shape[0]
    return inv_std / n * (n * dout - dbeta - xhat * dgamma), dgamma, dbeta


@mistake(
    "batchnorm_backward",
    "dgamma and dbeta returned in the wrong order",
    "return (dx, dgamma, dbeta) in this order; you swapped the two parameter gradients",
    section=BACKWARD,
)
def bn_backward_swapped(dout, x, gamma, eps=1e-5):
    xhat, inv_std, dgamma, dbeta = _parts(dout, x, eps)
    n = x.shape[0]
    return gamma * inv_std / n * (n * dout - dbeta - xhat * dgamma), dbeta, dgamma


@mistake(
    "batchnorm_backward",
    "no eps in the backward pass",
    "you use 1/sqrt(var) where the forward pass used 1/sqrt(var + eps): a constant feature "
    "gives NaN, and a feature with a variance near eps gets a gradient of the wrong size",
    section=BACKWARD,
)
def bn_backward_no_eps(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    inv_std = 1.0 / np.sqrt(x.var(axis=0))
    xhat = (x - x.mean(axis=0)) * inv_std
    dbeta, dgamma = dout.sum(axis=0), (dout * xhat).sum(axis=0)
    return gamma * inv_std / n * (n * dout - dbeta - xhat * dgamma), dgamma, dbeta


# ----------------------------------------------------------------------------- batchnorm_inference


@mistake(
    "batchnorm_inference",
    "batch statistics at test time",
    "you normalise with the mean and variance of the batch you are given (training mode); at "
    "inference the layer uses the fixed running mean and var, so a prediction does not depend "
    "on the other examples (with batch statistics a single example always comes out as beta)",
    section=MODES,
)
def bn_inference_batch_stats(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


@mistake(
    "batchnorm_inference",
    "dividing by the variance instead of the standard deviation",
    "you divide x - mean by var + eps; standardising divides by its square root, sqrt(var + eps)",
    section=MODES,
)
def bn_inference_divides_by_variance(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * (x - mean) / (var + eps) + beta


@mistake(
    "batchnorm_inference",
    "eps outside the square root",
    "you divide by sqrt(var) + eps; batch norm adds eps inside the root, sqrt(var + eps). "
    "The two differ most for a variance as small as eps",
    section=MODES,
)
def bn_inference_eps_outside(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * (x - mean) / (np.sqrt(var) + eps) + beta


@mistake(
    "batchnorm_inference",
    "no eps in the denominator",
    "you divide by sqrt(var) alone: a running variance of 0 gives a division by zero, and a "
    "small one is scaled differently from training; add eps inside the root",
    section=MODES,
)
def bn_inference_no_eps(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * (x - mean) / np.sqrt(var) + beta


@mistake(
    "batchnorm_inference",
    "gamma and beta left out",
    "you return the normalised x; inference mode applies the same learned scale and shift as "
    "training, gamma * x_hat + beta",
    section=GAMMA_BETA,
)
def bn_inference_no_scale_shift(x, gamma, beta, mean, var, eps=1e-5):
    return (x - mean) / np.sqrt(var + eps)


# ----------------------------------------------------------------------------- update_running_stats


@mistake(
    "update_running_stats",
    "a biased running variance",
    "you feed the running average the biased batch variance (divide by N); it has to estimate "
    "the population variance, so PyTorch feeds it the unbiased one (ddof=1, divide by N - 1), "
    "N/(N - 1) times larger",
    section=MODES,
)
def running_biased_var(running_mean, running_var, x, momentum=0.1):
    return (
        (1 - momentum) * running_mean + momentum * x.mean(axis=0),
        (1 - momentum) * running_var + momentum * x.var(axis=0),
    )


@mistake(
    "update_running_stats",
    "Keras's momentum in PyTorch's formula",
    "you weight the old running value by momentum and the new batch by 1 - momentum; in "
    "PyTorch's convention momentum (0.1) is the weight of the new batch, so your average "
    "follows every batch almost completely",
    section=MODES,
)
def running_keras_momentum(running_mean, running_var, x, momentum=0.1):
    return (
        momentum * running_mean + (1 - momentum) * x.mean(axis=0),
        momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1),
    )


@mistake(
    "update_running_stats",
    "batch statistics over the wrong axis",
    "you average over the features of each example (axis=1); the running statistics are per "
    "feature, averaged over the examples of the batch (axis=0)",
    section=MODES,
)
def running_wrong_axis(running_mean, running_var, x, momentum=0.1):
    return (
        (1 - momentum) * running_mean + momentum * x.mean(axis=1),
        (1 - momentum) * running_var + momentum * x.var(axis=1, ddof=1),
    )


@mistake(
    "update_running_stats",
    "the standard deviation in the running variance",
    "you average the batch standard deviation into running_var; it must average the "
    "(unbiased) variance, because inference divides by sqrt(running_var + eps)",
    section=MODES,
)
def running_std(running_mean, running_var, x, momentum=0.1):
    return (
        (1 - momentum) * running_mean + momentum * x.mean(axis=0),
        (1 - momentum) * running_var + momentum * x.std(axis=0, ddof=1),
    )


@mistake(
    "update_running_stats",
    "no moving average: the batch statistics alone",
    "you return this batch's mean and variance; the running statistics are exponential moving "
    "averages, (1 - momentum) * running + momentum * batch, which remember about the last "
    "1/momentum batches",
    section=MODES,
)
def running_no_average(running_mean, running_var, x, momentum=0.1):
    return x.mean(axis=0), x.var(axis=0, ddof=1)


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "batchnorm_forward",
    "eps hard-coded as 1e-5",
    "eps is an argument: use it in sqrt(var + eps); 1e-5 is only the default",
    section=FORWARD,
)
def bn_hard_coded_eps(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) + beta


@mistake(
    "batchnorm_forward",
    "gamma * (xhat + beta)",
    "the shift is added after the scale: gamma * xhat + beta",
    section=GAMMA_BETA,
)
def bn_beta_inside(x, gamma, beta, eps=1e-5):
    return gamma * ((x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta)


@mistake(
    "bn_sqrt_backward",
    "dstd / 2 * std: the parentheses of 2 std lost",
    "/ and * bind left to right, so dstd / 2 * std multiplies by std; divide by the whole 2 * std",
    section=BACKWARD,
)
def sq_precedence(dstd, std):
    return dstd / 2 * std


@mistake(
    "bn_sqrt_backward",
    "eps added a second time",
    "std already is sqrt(var + eps): d std / d var = 1 / (2 std), with no further eps",
    section=BACKWARD,
)
def sq_adds_eps_again(dstd, std):
    return dstd / (2 * np.sqrt(std**2 + 1e-5))


@mistake(
    "batchnorm_backward",
    "eps hard-coded as 1e-5",
    "eps is an argument: recompute std = sqrt(var + eps) with it",
    section=BACKWARD,
)
def bnb_hard_coded_eps(dout, x, gamma, eps=1e-5):
    inv = 1 / np.sqrt(x.var(0) + 1e-5)
    xhat = (x - x.mean(0)) * inv
    dbeta, dgamma = dout.sum(0), (dout * xhat).sum(0)
    dx = gamma * inv / len(x) * (len(x) * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


@mistake(
    "batchnorm_backward",
    "the unbiased variance (ddof=1) in the backward pass",
    "the forward pass normalised with the biased variance (1/N); the backward pass must "
    "recompute the same statistics",
    section=BACKWARD,
)
def bnb_unbiased_variance(dout, x, gamma, eps=1e-5):
    inv = 1 / np.sqrt(x.var(0, ddof=1) + eps)
    xhat = (x - x.mean(0)) * inv
    dbeta, dgamma = dout.sum(0), (dout * xhat).sum(0)
    dx = gamma * inv / len(x) * (len(x) * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


@mistake(
    "batchnorm_inference",
    "eps hard-coded as 1e-5",
    "eps is an argument: use it in sqrt(var + eps); 1e-5 is only the default",
    section=MODES,
)
def bni_hard_coded_eps(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * (x - mean) / np.sqrt(var + 1e-5) + beta


@mistake(
    "update_running_stats",
    "one variance over the whole batch",
    "the running variance is per feature: x.var(axis=0, ddof=1), not one number for every feature",
    section=MODES,
)
def rs_global_variance(running_mean, running_var, x, momentum=0.1):
    return (
        (1 - momentum) * running_mean + momentum * x.mean(0),
        (1 - momentum) * running_var + momentum * x.var(ddof=1),
    )


@mistake(
    "bn_scale_shift_backward",
    "dgamma as the product of two sums",
    "dgamma sums the products over the batch, sum_n dout_n xhat_n; (sum dout)(sum xhat) is "
    "another number",
    section=BACKWARD,
)
def ss_dgamma_product_of_sums(dout, xhat, gamma):
    return dout * gamma, dout.sum(0) * xhat.sum(0), dout.sum(axis=0)


@mistake(
    "bn_divide_backward",
    "dxc = dxhat / std^2",
    "along the edge xc -> xhat = xc / std the local derivative is 1 / std, so dxc = dxhat / std",
    section=BACKWARD,
)
def dv_dxc_over_std_squared(dxhat, xc, std):
    return dxhat / std**2, -(dxhat * xc).sum(axis=0) / std**2


@mistake(
    "bn_variance_backward",
    "divided by every entry, not by the batch size",
    "var = (1/N) sum_n xc_n^2 is a mean over the N rows of each column: divide by "
    "xc.shape[0], not xc.size",
    section=BACKWARD,
)
def var_divides_by_size(dvar, xc):
    return 2 * xc * dvar / xc.size


@mistake(
    "bn_center_backward",
    "only the own row's share of the mean, dxc (1 - 1/N)",
    "every x_n moves mu, which moves every xc_m: subtract the mean of dxc over the batch, dxc "
    "- mean_n(dxc)",
    section=BACKWARD,
)
def center_diagonal_only(dxc):
    return dxc * (1 - 1 / dxc.shape[0])


@mistake(
    "batchnorm_backward",
    "N dout written as dout in the compact formula",
    "dx = gamma / (N std) (N dout - sum dout - xhat sum(dout xhat)): the first term is N dout",
    section=BACKWARD,
)
def bnb_forgets_n(dout, x, gamma, eps=1e-5):
    xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)
    dbeta, dgamma = dout.sum(0), (dout * xhat).sum(0)
    dx = gamma / np.sqrt(x.var(0) + eps) / len(x) * (dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


@mistake(
    "batchnorm_inference",
    "gamma * (xhat + beta)",
    "the shift is added after the scale: gamma * xhat + beta",
    section=GAMMA_BETA,
)
def bni_beta_inside(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * ((x - mean) / np.sqrt(var + eps) + beta)


@mistake(
    "update_running_stats",
    "the batch variance around the running mean",
    "the running variance averages the batch's own (unbiased) variance, around the batch mean",
    section=MODES,
)
def rs_var_around_running_mean(running_mean, running_var, x, momentum=0.1):
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(0)
    var = ((x - new_mean) ** 2).sum(0) / (len(x) - 1)
    return new_mean, (1 - momentum) * running_var + momentum * var
