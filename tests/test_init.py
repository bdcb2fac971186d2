"""Weight initialisers: fans and scales vs torch.nn.init, empirical moments within their standard errors."""

import math

import numpy as np
import pytest
import torch

from nnlib import init

# nnlib's dense W is (fan_in, fan_out); torch.nn.Linear's weight is its transpose. Conv shapes agree.
SHAPES = [(784, 256), (256, 64, 5, 5), (512, 16, 7)]


def torch_fans(shape):
    torch_shape = shape[::-1] if len(shape) == 2 else shape
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(torch_shape))


def expected_scale(name, shape):
    """(std, uniform bound or None) from torch's fans and calculate_gain, with the formulas of torch.nn.init."""
    fan_in, fan_out = torch_fans(shape)
    gain = torch.nn.init.calculate_gain
    std = {
        "lecun_normal": gain("linear")
        / math.sqrt(fan_in),  # kaiming_normal_(nonlinearity="linear")
        "xavier_normal": gain("linear") * math.sqrt(2.0 / (fan_in + fan_out)),
        "xavier_uniform": gain("linear") * math.sqrt(2.0 / (fan_in + fan_out)),
        "he_normal": gain("relu") / math.sqrt(fan_in),  # kaiming_normal_(mode="fan_in")
        "he_uniform": gain("relu") / math.sqrt(fan_in),
    }[name]
    return std, (math.sqrt(3.0) * std if name.endswith("uniform") else None)


TORCH_INIT = {
    "lecun_normal": lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="linear"),
    "xavier_normal": torch.nn.init.xavier_normal_,
    "xavier_uniform": torch.nn.init.xavier_uniform_,
    "he_normal": lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "he_uniform": lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
}
NAMES = list(TORCH_INIT)


def std_standard_error(std, n, uniform):
    """SE of a sample std: std * sqrt((kurtosis - 1) / (4 n)); kurtosis 3 (normal) or 9/5 (uniform)."""
    kurtosis = 1.8 if uniform else 3.0
    return std * math.sqrt((kurtosis - 1) / (4 * n))


@pytest.mark.parametrize("shape", SHAPES + [(3, 5), (8, 3, 3, 3)])
def test_fans_match_torch(shape):
    assert init.compute_fans(shape) == torch_fans(shape)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES)
def test_empirical_std_matches_formula_and_torch(name, shape):
    std, bound = expected_scale(name, shape)
    w = init.get_initializer(name)(shape, rng=np.random.default_rng(0))
    n = w.size
    se = std_standard_error(std, n, bound is not None)
    assert w.shape == shape and w.dtype == np.float64
    assert abs(w.mean()) < 5 * std / math.sqrt(n)
    assert abs(w.std() - std) < 5 * se, (w.std(), std)
    torch.manual_seed(0)
    torch_w = TORCH_INIT[name](torch.empty(shape[::-1] if len(shape) == 2 else shape))
    assert abs(w.std() - torch_w.std().item()) < 5 * math.sqrt(2) * se  # two independent samples
    if bound is not None:
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > bound * (1 - 1e-3)  # P(fail) ~ exp(-n / 1000)
        assert abs(torch_w.abs().max().item() - bound) < bound * 1e-3


@pytest.mark.parametrize("name", NAMES)
def test_scale_is_exactly_the_formula(name):
    """Same seed: the draw is a standard sample times the std (or a U(-a, a) sample): pins the constant."""
    shape = (20, 30)
    std, bound = expected_scale(name, shape)
    w = init.get_initializer(name)(shape, rng=np.random.default_rng(7))
    rng = np.random.default_rng(7)
    reference = (
        rng.standard_normal(shape) * std if bound is None else rng.uniform(-bound, bound, shape)
    )
    np.testing.assert_allclose(w, reference, rtol=1e-14)


@pytest.mark.parametrize("name", NAMES + ["normal"])
def test_dtype_and_reproducibility(name):
    f = init.get_initializer(name)
    w64 = f((30, 20), rng=np.random.default_rng(3))
    w32 = f((30, 20), rng=np.random.default_rng(3), dtype=np.float32)
    assert w32.dtype == np.float32
    np.testing.assert_array_equal(w32, w64.astype(np.float32))  # drawn in float64, then rounded
    np.testing.assert_array_equal(w64, f((30, 20), rng=np.random.default_rng(3)))
    assert not np.array_equal(w64, f((30, 20), rng=np.random.default_rng(4)))


def test_normal_and_zeros():
    w = init.normal((400, 500), 0.01, np.random.default_rng(1))
    assert abs(w.std() - 0.01) < 5 * std_standard_error(0.01, w.size, uniform=False)
    z = init.zeros((3, 2), dtype=np.float32)
    assert z.dtype == np.float32 and not z.any()
    assert init.zeros(4).shape == (4,)


def test_xavier_gain():
    gain = torch.nn.init.calculate_gain("tanh")
    shape = (400, 300)
    w = init.xavier_normal(shape, np.random.default_rng(2), gain=gain)
    std = gain * math.sqrt(2.0 / sum(torch_fans(shape)))
    assert abs(w.std() - std) < 5 * std_standard_error(std, w.size, uniform=False)
    u = init.xavier_uniform(shape, np.random.default_rng(2), gain=gain)
    assert np.abs(u).max() <= math.sqrt(3) * std


def test_get_initializer():
    assert init.get_initializer("He") is init.he_normal
    assert init.get_initializer("glorot_uniform") is init.xavier_uniform
    assert init.get_initializer("lecun") is init.lecun is init.lecun_normal
    custom = lambda shape, rng=None, dtype=np.float64: np.ones(shape, dtype)  # noqa: E731
    assert init.get_initializer(custom) is custom
    with pytest.raises(
        ValueError,
        match="get_initializer: unknown initializer 'kaiming'.*; valid names: .*he_normal.*zeros",
    ):
        init.get_initializer("kaiming")
    with pytest.raises(
        TypeError, match="get_initializer: expected the name of initializer .a str., got int"
    ):
        init.get_initializer(3)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: init.he_normal((3, 2), None),
            TypeError,
            "he_normal: expected rng to be a numpy.random.Generator",
        ),
        (
            lambda: init.xavier_uniform((3, 2), np.random.RandomState(0)),
            TypeError,
            "xavier_uniform: expected rng to be",
        ),
        (
            lambda: init.lecun_normal((3, 2), np.random.default_rng(), dtype=int),
            TypeError,
            "lecun_normal: dtype must be float32 or float64",
        ),
        (
            lambda: init.he_uniform((4,), np.random.default_rng()),
            ValueError,
            r"compute_fans: expected a weight shape .* got \(4,\) \(1-D\)",
        ),
        (
            lambda: init.xavier_normal((3, 0), np.random.default_rng()),
            ValueError,
            r"compute_fans: expected a shape of positive sizes, got \(3, 0\)",
        ),
        (
            lambda: init.normal((3, 2), -0.1, np.random.default_rng()),
            ValueError,
            "normal: expected std > 0",
        ),
        (
            lambda: init.xavier_normal((3, 2), np.random.default_rng(), gain=0),
            ValueError,
            "xavier_normal: expected gain > 0",
        ),
        (lambda: init.zeros("abc"), TypeError, "zeros: shape must be a tuple of ints"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
