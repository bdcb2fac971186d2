"""Chapter 7, activation functions: the mistakes students make in the backward passes.

Each function below is the reference with one real bug: the derivative at the kink from the notes'
table, a forward value where the derivative belongs, a factor or a branch forgotten, the output's
formula applied to the input, the neighbouring function's derivative, or an overflow in a branch
that ``np.where`` discards.
"""

import numpy as np

from . import mistake

_RELU = "ReLU and leaky ReLU"
_RELU0 = r"$\operatorname{relu}'(0)$: a choice, not a fact"
_ELU = "ELU and SELU"
_TANH = "tanh"
_SWISH = "Swish (SiLU)"
_SOFTMAX = "Softmax"


def _sigmoid(z):
    """A stable sigmoid (the mistakes below are wrong elsewhere, not here)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ----------------------------------------------------------------------------- ReLU


@mistake(
    "relu_backward",
    "relu'(0) = 1 (the notes' table)",
    "at x = 0 you pass the gradient through (slope 1); PyTorch and nnlib use slope 0 there, so the "
    "test x > 0 must be strict",
    kind="kink",
    section=_RELU0,
)
def relu_slope_one_at_zero(dout, x):
    return dout * (x >= 0)


@mistake(
    "relu_backward",
    "ReLU's derivative without the upstream gradient",
    "you return relu'(x), the 0/1 mask, but the chain rule multiplies it by dout: dL/dx = dout * relu'(x)",
    section=_RELU,
)
def relu_mask_only(dout, x):
    return (x > 0).astype(float)


@mistake(
    "relu_backward",
    "ReLU's output in place of its derivative",
    "you multiply dout by relu(x) = max(x, 0), the forward value; the derivative is 1 where x > 0 "
    "and 0 elsewhere, whatever the size of x",
    section=_RELU,
)
def relu_times_forward(dout, x):
    return dout * np.maximum(x, 0)


@mistake(
    "relu_backward",
    "ReLU applied to the upstream gradient",
    "you keep the positive entries of dout; which entries pass depends on the sign of the input x, "
    "not on the sign of dout",
    section=_RELU,
)
def relu_of_dout(dout, x):
    return np.maximum(dout, 0)


# ----------------------------------------------------------------------------- leaky ReLU


@mistake(
    "leaky_relu_backward",
    "leaky ReLU with slope 1 at x = 0 (the notes' table)",
    "at x = 0 you use slope 1; PyTorch and nnlib use alpha there (the test x > 0 is strict)",
    kind="kink",
    section=_RELU0,
)
def leaky_slope_one_at_zero(dout, x, alpha=0.01):
    return np.where(x >= 0, dout, alpha * dout)


@mistake(
    "leaky_relu_backward",
    "leaky ReLU's backward pass with ReLU's zero slope",
    "for x <= 0 you return 0, as for ReLU; leaky ReLU has slope alpha there, so the gradient is alpha * dout",
    section=_RELU,
)
def leaky_zero_slope(dout, x, alpha=0.01):
    return dout * (x > 0)


@mistake(
    "leaky_relu_backward",
    "leaky ReLU: the negative branch without dout",
    "for x <= 0 you return alpha, the slope alone; the chain rule multiplies the slope by dout there too",
    section=_RELU,
)
def leaky_alpha_without_dout(dout, x, alpha=0.01):
    return np.where(x > 0, dout, alpha)


@mistake(
    "leaky_relu_backward",
    "leaky ReLU with the slopes swapped",
    "you scale the positive side by alpha and pass the negative side through; the slope is 1 for "
    "x > 0 and alpha for x <= 0",
    section=_RELU,
)
def leaky_swapped_branches(dout, x, alpha=0.01):
    return np.where(x > 0, alpha * dout, dout)


@mistake(
    "leaky_relu_backward",
    "leaky ReLU's forward value in the negative branch",
    "for x <= 0 you multiply dout by alpha * x, the function's value; its derivative there is the "
    "constant alpha",
    section=_RELU,
)
def leaky_forward_value(dout, x, alpha=0.01):
    return np.where(x > 0, dout, dout * alpha * x)


# ----------------------------------------------------------------------------- ELU


@mistake(
    "elu_backward",
    "ELU: np.exp(x) overflows in the branch np.where discards",
    "np.where evaluates both branches everywhere, so exp(x) overflows for large positive x even though "
    "that value is thrown away (NumPy warns of an overflow); exponentiate only non-positive values",
    kind="unstable",
    section=_ELU,
)
def elu_exp_both_branches(dout, x, alpha=1.0):
    return np.where(x > 0, dout, dout * alpha * np.exp(x))


@mistake(
    "elu_backward",
    "ELU with slope 1 at x = 0 (the notes' table)",
    "at x = 0 you use slope 1; PyTorch and nnlib use alpha e^0 = alpha there (the test x > 0 is strict)",
    kind="kink",
    section=_ELU,
)
def elu_slope_one_at_zero(dout, x, alpha=1.0):
    return np.where(x >= 0, dout, dout * alpha * np.exp(np.minimum(x, 0)))


@mistake(
    "elu_backward",
    "ELU's derivative without alpha",
    "for x <= 0 the derivative of alpha (e^x - 1) is alpha e^x; you dropped the factor alpha",
    section=_ELU,
)
def elu_without_alpha(dout, x, alpha=1.0):
    return np.where(x > 0, dout, dout * np.exp(np.minimum(x, 0)))


@mistake(
    "elu_backward",
    "ELU's forward value in place of its derivative",
    "for x <= 0 you multiply dout by alpha (e^x - 1), the function's value; its derivative is "
    "alpha e^x (the value plus alpha)",
    section=_ELU,
)
def elu_forward_value(dout, x, alpha=1.0):
    return np.where(x > 0, dout, dout * alpha * (np.exp(np.minimum(x, 0)) - 1))


@mistake(
    "elu_backward",
    "ELU: the negative branch without dout",
    "for x <= 0 you return the slope alpha e^x alone; the chain rule multiplies it by dout",
    section=_ELU,
)
def elu_slope_without_dout(dout, x, alpha=1.0):
    return np.where(x > 0, dout, alpha * np.exp(np.minimum(x, 0)))


# ----------------------------------------------------------------------------- tanh


@mistake(
    "tanh_backward",
    "tanh's derivative 1 - a^2 applied to the input",
    "1 - a^2 holds for the output a = tanh(x); this function receives the input x, so square "
    "tanh(x), not x",
    section=_TANH,
)
def tanh_output_formula_on_input(dout, x):
    return dout * (1.0 - x * x)


@mistake(
    "tanh_backward",
    "1 - sigmoid(x)^2 for tanh (the notes' table)",
    "the notes' table writes tanh' as 1 - sigma(z)^2, with the sigmoid's symbol; the derivative is "
    "1 - tanh(x)^2",
    section=_TANH,
)
def tanh_with_sigmoid(dout, x):
    s = _sigmoid(x)
    return dout * (1.0 - s * s)


@mistake(
    "tanh_backward",
    "tanh's derivative without the square",
    "you use 1 - tanh(x); the quotient rule gives 1 - tanh(x)^2 (cosh^2 - sinh^2 over cosh^2)",
    section=_TANH,
)
def tanh_no_square(dout, x):
    return dout * (1.0 - np.tanh(x))


@mistake(
    "tanh_backward",
    "tanh's derivative with the sign flipped",
    "you use tanh(x)^2 - 1, which is never positive; tanh increases, its slope is 1 - tanh(x)^2",
    section=_TANH,
)
def tanh_sign_flipped(dout, x):
    t = np.tanh(x)
    return dout * (t * t - 1.0)


@mistake(
    "tanh_backward",
    "tanh from its exponential formula",
    "(e^x - e^-x) / (e^x + e^-x) is inf/inf = NaN once |x| passes about 710; use np.tanh (or a form "
    "with only e^(-2|x|))",
    kind="unstable",
    section=_TANH,
)
def tanh_naive_exponentials(dout, x):
    t = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return dout * (1.0 - t * t)


# ----------------------------------------------------------------------------- swish


@mistake(
    "swish_backward",
    "swish: the inner beta of the chain rule forgotten",
    "d/dx sigma(beta x) = beta sigma(beta x)(1 - sigma(beta x)); without the beta the second term "
    "is too small by a factor beta",
    section=_SWISH,
)
def swish_no_inner_beta(dout, x, beta=1.0):
    s = _sigmoid(beta * x)
    return dout * (s + x * s * (1.0 - s))


@mistake(
    "swish_backward",
    "swish's derivative as sigma(beta x) alone",
    "you treat the factor x as a constant; the product rule adds beta x sigma(beta x)(1 - sigma(beta x))",
    section=_SWISH,
)
def swish_sigmoid_only(dout, x, beta=1.0):
    return dout * _sigmoid(beta * x)


@mistake(
    "swish_backward",
    "swish's derivative without the first product-rule term",
    "you differentiate only the sigmoid factor; the product rule also gives sigma(beta x) times "
    "the derivative of x, which is 1",
    section=_SWISH,
)
def swish_product_term_only(dout, x, beta=1.0):
    s = _sigmoid(beta * x)
    return dout * beta * x * s * (1.0 - s)


@mistake(
    "swish_backward",
    "swish with sigma(x) instead of sigma(beta x)",
    "the gate is sigma(beta x); you dropped beta inside the sigmoid (the two agree only for beta = 1)",
    section=_SWISH,
)
def swish_sigmoid_of_x(dout, x, beta=1.0):
    s = _sigmoid(x)
    return dout * (s + beta * x * s * (1.0 - s))


@mistake(
    "swish_backward",
    "swish with the notes' sigmoid 1 / (1 + e^(beta x))",
    "without the minus sign in the exponent the gate is sigma(-beta x) = 1 - sigma(beta x), a decreasing "
    "function; the sigmoid is 1 / (1 + e^(-z))",
    section=_SWISH,
)
def swish_sigmoid_sign_slip(dout, x, beta=1.0):
    s = _sigmoid(-beta * x)
    return dout * (s + beta * x * s * (1.0 - s))


@mistake(
    "swish_backward",
    "swish with the naive sigmoid 1 / (1 + exp(-beta x))",
    "exp(-beta x) overflows for large negative x (NumPy warns); compute the sigmoid from e^(-|beta x|) "
    "as in chapter 4",
    kind="unstable",
    section=_SWISH,
)
def swish_naive_sigmoid(dout, x, beta=1.0):
    s = 1.0 / (1.0 + np.exp(-beta * x))
    return dout * (s + beta * x * s * (1.0 - s))


# ----------------------------------------------------------------------------- softmax


@mistake(
    "softmax_backward",
    "softmax treated as elementwise: s (1 - s)",
    "you keep only the diagonal of the Jacobian; every output depends on every input of its row, "
    "so the off-diagonal terms -s_i s_j add - s * sum(dout * s)",
    section=_SOFTMAX,
)
def softmax_diagonal_only(dout, x, axis=-1):
    s = _softmax(x)
    return dout * s * (1.0 - s)


@mistake(
    "softmax_backward",
    "softmax's backward sum over the wrong axis",
    "sum(dout * s) belongs to each row (the last axis, where softmax normalises); you summed over "
    "axis 0, mixing the samples of the batch",
    section=_SOFTMAX,
)
def softmax_sum_axis0(dout, x, axis=-1):
    s = _softmax(x)
    return s * (dout - (dout * s).sum(axis=0, keepdims=True))


@mistake(
    "softmax_backward",
    "softmax normalised over the whole batch",
    "you divide by the sum over every entry; softmax normalises each row (the last axis) on its own",
    section=_SOFTMAX,
)
def softmax_over_everything(dout, x, axis=-1):
    e = np.exp(x - x.max())
    s = e / e.sum()
    return s * (dout - (dout * s).sum(axis=-1, keepdims=True))


@mistake(
    "softmax_backward",
    "softmax's backward sum without keepdims",
    "sum(dout * s, axis=-1) has shape (N,) and broadcasts against the columns, not the rows "
    "(an error, or silently wrong values for a square batch); keep the summed axis",
    section=_SOFTMAX,
)
def softmax_sum_no_keepdims(dout, x, axis=-1):
    s = _softmax(x)
    return s * (dout - (dout * s).sum(axis=-1))


@mistake(
    "softmax_backward",
    "softmax's backward pass without the factor s",
    "the vector-Jacobian product is s * (dout - sum(dout * s)); you dropped the leading s",
    section=_SOFTMAX,
)
def softmax_missing_s(dout, x, axis=-1):
    s = _softmax(x)
    return dout - (dout * s).sum(axis=-1, keepdims=True)


@mistake(
    "softmax_backward",
    "softmax's backward pass with x taken for the output s",
    "s (dout - sum(dout * s)) needs s = softmax(x); this function receives the scores x, so compute the "
    "softmax first instead of using x in place of s",
    section=_SOFTMAX,
)
def softmax_input_as_output(dout, x, axis=-1):
    return x * (dout - (dout * x).sum(axis=-1, keepdims=True))


@mistake(
    "softmax_backward",
    "softmax without subtracting the row maximum",
    "exp(x) overflows for scores above about 709 and inf / inf is NaN; subtract each row's maximum "
    "first (it cancels)",
    kind="unstable",
    section=_SOFTMAX,
)
def softmax_naive_exp(dout, x, axis=-1):
    e = np.exp(x)
    s = e / e.sum(axis=-1, keepdims=True)
    return s * (dout - (dout * s).sum(axis=-1, keepdims=True))


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "relu_backward",
    "dout * sign(x)",
    "sign(x) is -1 for negative x, so the gradient comes back with its sign flipped where it "
    "should be 0; the mask is (x > 0)",
    section=_RELU,
)
def relu_bwd_sign(dout, x):
    return dout * np.sign(x)


@mistake(
    "leaky_relu_backward",
    "alpha hard-coded as 0.01",
    "alpha is an argument: use it, 0.01 is only the default",
    section=_RELU,
)
def leaky_hard_coded_alpha(dout, x, alpha=0.01):
    return np.where(x > 0, dout, 0.01 * dout)


@mistake(
    "leaky_relu_backward",
    "np.maximum(alpha * dout, dout)",
    "the slope is chosen by the sign of x, not by which of dout and alpha dout is larger; "
    "with dout < 0 your maximum picks the wrong branch",
    section=_RELU,
)
def leaky_maximum(dout, x, alpha=0.01):
    return np.maximum(alpha * dout, dout)


@mistake(
    "tanh_backward",
    "(1 - tanh(x))^2 instead of 1 - tanh(x)^2",
    "the square belongs to tanh(x) only: 1 - tanh(x)**2",
    section=_TANH,
)
def tanh_square_of_difference(dout, x):
    return dout * (1 - np.tanh(x)) ** 2


@mistake(
    "tanh_backward",
    "tanh's local derivative without dout",
    "1 - tanh(x)^2 is only the local derivative; the chain rule multiplies it by the upstream "
    "gradient dout",
    section=_TANH,
)
def tanh_without_dout(dout, x):
    return 1 - np.tanh(x) ** 2


@mistake(
    "swish_backward",
    "beta ignored (beta = 1)",
    "beta is an argument: s = sigmoid(beta x) and the derivative is s + beta x s (1 - s)",
    section=_SWISH,
)
def swish_hard_coded_beta(dout, x, beta=1.0):
    s = _sigmoid(x)
    return dout * (s + x * s * (1 - s))
