"""Chapter 10, initialization: the mistakes students make in He and Xavier/Glorot, normal and uniform.

Each function below is the worksheet's initializer with one real bug (see the package docstring).
The worksheet draws ``rng.standard_normal(shape)`` once and scales it (normal), or calls
``rng.uniform(-a, a, shape)`` once (uniform), so every mistake here draws exactly the same random
numbers as the reference and only the scale (or the range) is wrong. A weight shape is
``(fan_in, fan_out)``.
"""

import numpy as np

from . import mistake

SYMMETRY = "Why not start from zeros? Symmetry"
HE = "The factor 2 for ReLU: He initialization"
XAVIER = "The backward pass, and the Xavier/Glorot compromise"
ONE_LAYER = "The variance of a signal through one layer"


def _normal(shape, rng, std):
    """The worksheet's draw: ``std * rng.standard_normal(shape)``."""
    return rng.standard_normal(shape) * std


def _uniform(shape, rng, a, low=None):
    """The worksheet's draw: one call ``rng.uniform(-a, a, shape)`` (or from ``low`` to ``a``)."""
    return rng.uniform(-a if low is None else low, a, shape)


# ----------------------------------------------------------------------------- he_normal


@mistake(
    "he_normal",
    "He without the factor 2 (LeCun's 1/fan_in)",
    "you use Var(w) = 1/fan_in, which keeps the variance of linear units; ReLU zeroes half of "
    "its inputs, so He doubles it: your weights are sqrt(2) times too small and the signal "
    "shrinks by that factor in every ReLU layer",
    section=HE,
)
def he_normal_lecun(shape, rng=None, dtype=np.float64):
    return _normal(shape, rng, np.sqrt(1.0 / shape[0]))


@mistake(
    "he_normal",
    "fan-out instead of fan-in",
    "a weight of shape (D_in, D_out) has fan_in = shape[0], the number of inputs each unit sums; "
    "you read shape[1], PyTorch's layout, so for a non-square layer your scale is "
    "sqrt(D_in / D_out) times the right one",
    section=XAVIER,
)
def he_normal_fan_out(shape, rng=None, dtype=np.float64):
    return _normal(shape, rng, np.sqrt(2.0 / shape[1]))


@mistake(
    "he_normal",
    "the variance used as the standard deviation",
    "you multiply the standard normal samples by the variance 2/fan_in; a sample times c has "
    "variance c^2, so the factor must be the standard deviation, the square root of the variance",
    section=ONE_LAYER,
)
def he_normal_variance_as_std(shape, rng=None, dtype=np.float64):
    return _normal(shape, rng, 2.0 / shape[0])


@mistake(
    "he_normal",
    "Xavier's variance in He's place",
    "you use 2/(fan_in + fan_out), Xavier's compromise for tanh-like units; He's variance for "
    "ReLU is 2/fan_in, which uses the fan-in only",
    section=HE,
)
def he_normal_xavier(shape, rng=None, dtype=np.float64):
    return _normal(shape, rng, np.sqrt(2.0 / (shape[0] + shape[1])))


@mistake(
    "he_normal",
    "dividing by the standard deviation",
    "you divide the standard normal samples by sqrt(2/fan_in) instead of multiplying by it, "
    "so the weights have variance fan_in/2 and the signal explodes through a deep stack",
    section=ONE_LAYER,
)
def he_normal_divides(shape, rng=None, dtype=np.float64):
    return rng.standard_normal(shape) / np.sqrt(2.0 / shape[0])


@mistake(
    "he_normal",
    "all weights zero",
    "with equal weights every unit of a layer computes the same function and receives the same "
    "gradient, so they stay copies of one unit (with zeros, nothing below the output moves at "
    "all); the weights must be random, only the biases may start at 0",
    section=SYMMETRY,
)
def he_normal_zeros(shape, rng=None, dtype=np.float64):
    return np.zeros(shape)


@mistake(
    "he_normal",
    "a fixed standard deviation of 0.01",
    "0.01 * standard normal ignores the layer's size: its variance gain fan_in * 1e-4 is far "
    "below 1, so the signal vanishes in a deep ReLU stack; He scales by sqrt(2/fan_in)",
    section=ONE_LAYER,
)
def he_normal_fixed_small(shape, rng=None, dtype=np.float64):
    return _normal(shape, rng, 0.01)


@mistake(
    "he_normal",
    "np.random.randn(shape) with a tuple",
    "np.random.randn takes the sizes as separate arguments, so randn((4, 3)) raises a TypeError "
    "(and it ignores rng anyway); draw with the generator you are given, "
    "rng.standard_normal(shape)",
    section=ONE_LAYER,
)
def he_normal_randn_tuple(shape, rng=None, dtype=np.float64):
    return np.random.randn(shape) * np.sqrt(2.0 / shape[0])


# ----------------------------------------------------------------------------- he_uniform


@mistake(
    "he_uniform",
    "He uniform without the factor 2",
    "your bound sqrt(3/fan_in) gives Var(w) = 1/fan_in (LeCun); He's variance is 2/fan_in, so "
    "a = sqrt(6/fan_in): your weights are sqrt(2) times too small",
    section=HE,
)
def he_uniform_lecun(shape, rng=None, dtype=np.float64):
    return _uniform(shape, rng, np.sqrt(3.0 / shape[0]))


@mistake(
    "he_uniform",
    "the standard deviation used as the uniform bound",
    "you draw from U(-s, s) with s = sqrt(2/fan_in), He's standard deviation; U(-a, a) has "
    "variance a^2/3, so its bound must be sqrt(3) times the standard deviation: your variance "
    "is 3 times too small",
    section=XAVIER,
)
def he_uniform_std_as_bound(shape, rng=None, dtype=np.float64):
    return _uniform(shape, rng, np.sqrt(2.0 / shape[0]))


@mistake(
    "he_uniform",
    "fan-out instead of fan-in",
    "a weight of shape (D_in, D_out) has fan_in = shape[0]; you read shape[1], so for a "
    "non-square layer your bound is sqrt(D_in / D_out) times the right one",
    section=XAVIER,
)
def he_uniform_fan_out(shape, rng=None, dtype=np.float64):
    return _uniform(shape, rng, np.sqrt(6.0 / shape[1]))


@mistake(
    "he_uniform",
    "bound without the square root",
    "you use a = 6/fan_in; the bound is the square root, a = sqrt(6/fan_in), so that "
    "Var(w) = a^2/3 = 2/fan_in",
    section=XAVIER,
)
def he_uniform_no_root(shape, rng=None, dtype=np.float64):
    return _uniform(shape, rng, 6.0 / shape[0])


@mistake(
    "he_uniform",
    "uniform on (0, a) instead of (-a, a)",
    "you draw from U(0, a): every weight is positive, with mean a/2 instead of 0 and a quarter "
    "of the intended variance, so the sums of a layer are no longer centred on 0",
    section=XAVIER,
)
def he_uniform_one_sided(shape, rng=None, dtype=np.float64):
    return _uniform(shape, rng, np.sqrt(6.0 / shape[0]), low=0.0)


# ----------------------------------------------------------------------------- xavier_normal


@mistake(
    "xavier_normal",
    "Xavier without the 2",
    "you use Var(w) = 1/(fan_in + fan_out); Xavier makes the average of the forward and "
    "backward gains 1, which gives 2/(fan_in + fan_out): your weights are sqrt(2) times too small",
    section=XAVIER,
)
def xavier_normal_no_two(shape, rng=None, dtype=np.float64, gain=1.0):
    return _normal(shape, rng, np.sqrt(1.0 / (shape[0] + shape[1])))


@mistake(
    "xavier_normal",
    "He's variance in Xavier's place",
    "you use 2/fan_in, He's variance for ReLU; Xavier's compromise between the forward and "
    "the backward pass uses both fans, 2/(fan_in + fan_out)",
    section=XAVIER,
)
def xavier_normal_he(shape, rng=None, dtype=np.float64, gain=1.0):
    return _normal(shape, rng, np.sqrt(2.0 / shape[0]))


@mistake(
    "xavier_normal",
    "the variance used as the standard deviation",
    "you multiply the standard normal samples by the variance 2/(fan_in + fan_out); a sample "
    "times c has variance c^2, so the factor must be the square root of the variance",
    section=ONE_LAYER,
)
def xavier_normal_variance_as_std(shape, rng=None, dtype=np.float64, gain=1.0):
    return _normal(shape, rng, 2.0 / (shape[0] + shape[1]))


@mistake(
    "xavier_normal",
    "the uniform bound used as the standard deviation",
    "sqrt(6/(fan_in + fan_out)) is the bound a of the uniform version, whose variance is "
    "a^2/3; as the standard deviation of a normal it makes the variance 3 times too large",
    section=XAVIER,
)
def xavier_normal_uniform_bound(shape, rng=None, dtype=np.float64, gain=1.0):
    return _normal(shape, rng, np.sqrt(6.0 / (shape[0] + shape[1])))


@mistake(
    "xavier_normal",
    "a fixed standard deviation of 0.01",
    "0.01 * standard normal ignores the layer's size: its variance gain fan_in * 1e-4 is far "
    "below 1, so the signal vanishes in a deep network; Xavier scales by "
    "sqrt(2/(fan_in + fan_out))",
    section=ONE_LAYER,
)
def xavier_normal_fixed_small(shape, rng=None, dtype=np.float64, gain=1.0):
    return _normal(shape, rng, 0.01)


# ----------------------------------------------------------------------------- xavier_uniform


@mistake(
    "xavier_uniform",
    "Xavier uniform without the 2",
    "your bound sqrt(3/(fan_in + fan_out)) gives Var(w) = 1/(fan_in + fan_out); Xavier's "
    "variance is 2/(fan_in + fan_out), so a = sqrt(6/(fan_in + fan_out))",
    section=XAVIER,
)
def xavier_uniform_no_two(shape, rng=None, dtype=np.float64, gain=1.0):
    return _uniform(shape, rng, np.sqrt(3.0 / (shape[0] + shape[1])))


@mistake(
    "xavier_uniform",
    "the standard deviation used as the uniform bound",
    "you draw from U(-s, s) with s = sqrt(2/(fan_in + fan_out)), Xavier's standard deviation; "
    "U(-a, a) has variance a^2/3, so your variance is 3 times too small",
    section=XAVIER,
)
def xavier_uniform_std_as_bound(shape, rng=None, dtype=np.float64, gain=1.0):
    return _uniform(shape, rng, np.sqrt(2.0 / (shape[0] + shape[1])))


@mistake(
    "xavier_uniform",
    "He's bound in Xavier's place",
    "you use a = sqrt(6/fan_in), He's uniform bound for ReLU; Xavier's uses both fans, "
    "sqrt(6/(fan_in + fan_out))",
    section=XAVIER,
)
def xavier_uniform_he(shape, rng=None, dtype=np.float64, gain=1.0):
    return _uniform(shape, rng, np.sqrt(6.0 / shape[0]))


@mistake(
    "xavier_uniform",
    "bound without the square root",
    "you use a = 6/(fan_in + fan_out); the bound is its square root, so that "
    "Var(w) = a^2/3 = 2/(fan_in + fan_out)",
    section=XAVIER,
)
def xavier_uniform_no_root(shape, rng=None, dtype=np.float64, gain=1.0):
    return _uniform(shape, rng, 6.0 / (shape[0] + shape[1]))


@mistake(
    "xavier_uniform",
    "uniform on (0, a) instead of (-a, a)",
    "you draw from U(0, a): every weight is positive, with mean a/2 instead of 0 and a quarter "
    "of the intended variance, so the sums of a layer are no longer centred on 0",
    section=XAVIER,
)
def xavier_uniform_one_sided(shape, rng=None, dtype=np.float64, gain=1.0):
    return _uniform(shape, rng, np.sqrt(6.0 / (shape[0] + shape[1])), low=0.0)


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "he_uniform",
    "a normal draw with the uniform's bound as std",
    "He uniform draws U(-a, a) with a = sqrt(6 / fan_in), whose variance is a^2/3 = 2/fan_in; "
    "a normal with std a has three times that variance",
    section=HE,
)
def he_uniform_normal_draw(shape, rng=None, dtype=np.float64):
    return rng.standard_normal(shape) * np.sqrt(6.0 / shape[0])


@mistake(
    "xavier_uniform",
    "a normal draw with the uniform's bound as std",
    "Xavier uniform draws U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); a normal with std a "
    "has three times the variance",
    section=XAVIER,
)
def xavier_uniform_normal_draw(shape, rng=None, dtype=np.float64, gain=1.0):
    return rng.standard_normal(shape) * np.sqrt(6.0 / (shape[0] + shape[1]))


@mistake(
    "he_normal",
    "sqrt(2) / fan_in instead of sqrt(2 / fan_in)",
    "the square root covers the whole ratio: std = sqrt(2 / fan_in)",
    section=HE,
)
def he_normal_precedence(shape, rng=None, dtype=np.float64):
    return rng.standard_normal(shape) * np.sqrt(2.0) / shape[0]


@mistake(
    "xavier_uniform",
    "sqrt(6) / (fan_in + fan_out) instead of sqrt(6 / (fan_in + fan_out))",
    "the square root covers the whole ratio: a = sqrt(6 / (fan_in + fan_out))",
    section=XAVIER,
)
def xavier_uniform_precedence(shape, rng=None, dtype=np.float64, gain=1.0):
    a = np.sqrt(6.0) / (shape[0] + shape[1])
    return rng.uniform(-a, a, shape)


@mistake(
    "xavier_normal",
    "1 / fan_in (LeCun) in Xavier's place",
    "Xavier's variance averages both fans: 2 / (fan_in + fan_out); 1 / fan_in is LeCun's",
    section=XAVIER,
)
def xavier_normal_fan_in_only(shape, rng=None, dtype=np.float64, gain=1.0):
    return rng.standard_normal(shape) * np.sqrt(1.0 / shape[0])


@mistake(
    "xavier_normal",
    "sqrt(2 / fan_in + fan_out): the parentheses of fan_in + fan_out lost",
    "the whole sum is the denominator: std = sqrt(2 / (fan_in + fan_out))",
    section=XAVIER,
)
def xavier_normal_precedence(shape, rng=None, dtype=np.float64, gain=1.0):
    return rng.standard_normal(shape) * np.sqrt(2.0 / shape[0] + shape[1])


@mistake(
    "he_uniform",
    "sqrt(6) / fan_in instead of sqrt(6 / fan_in)",
    "the square root covers the whole ratio: a = sqrt(6 / fan_in)",
    section=HE,
)
def he_uniform_precedence(shape, rng=None, dtype=np.float64):
    a = np.sqrt(6.0) / shape[0]
    return rng.uniform(-a, a, shape)
