"""The one set of validators: integers (bool refused everywhere) and random generators."""

import numpy as np
import pytest

from nnlib import callbacks, optim
from nnlib._validate import as_rng, check_int
from nnlib.layers import Conv2D, Dense, Dropout
from nnlib.model import Sequential


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Dense(True), r"Dense: expected units to be a positive integer, got True"),
        (lambda: Dense(2.0), r"Dense: expected units to be a positive integer, got 2.0"),
        (lambda: Conv2D(True), r"Conv2D: expected filters to be a positive integer, got True"),
        (
            lambda: Conv2D(2, kernel_size=(True, 3)),
            r"Conv2D kernel_size: expected an int or a pair of ints",
        ),
        (
            lambda: optim.Accumulate("sgd", steps=True),
            r"Accumulate: expected steps to be an integer >= 1, got True",
        ),
        (
            lambda: callbacks.EarlyStopping(patience=False),
            r"EarlyStopping: expected patience to be an integer >= 0",
        ),
    ],
)
def test_bool_and_float_counts_are_refused_by_every_constructor(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": True}, r"Sequential.fit: expected epochs to be an integer >= 0, got True"),
        (
            {"batch_size": False},
            r"Sequential.fit: expected batch_size to be a positive integer, got False",
        ),
        ({"epochs": 1.0}, r"Sequential.fit: expected epochs to be an integer >= 0, got 1.0"),
    ],
)
def test_fit_refuses_bool_and_float_counts(kwargs, match):
    model = Sequential([Dense(3, input_dim=2)], seed=0)
    model.compile(loss="cross_entropy", optimizer="sgd")
    with pytest.raises(ValueError, match=match):
        model.fit(np.zeros((4, 2)), np.zeros(4, int), verbose=0, **kwargs)


def test_check_int_returns_a_python_int():
    value = check_int(np.int32(4), "f", "n", 1)
    assert value == 4 and type(value) is int


def test_one_rng_helper_for_seeds_generators_and_defaults():
    gen = np.random.default_rng(0)
    assert as_rng(gen, "f") is gen
    assert as_rng(3, "f").random() == np.random.default_rng(3).random()
    assert as_rng(None, "f", seed=3).random() == np.random.default_rng(3).random()
    assert as_rng(None, "f", optional=True) is None
    with pytest.raises(ValueError, match="f: give either rng or seed, not both"):
        as_rng(gen, "f", seed=1)
    with pytest.raises(
        TypeError, match=r"f: expected rng to be a numpy.random.Generator \(np.random"
    ):
        as_rng(3, "f", int_seed=False)
    with pytest.raises(TypeError, match="Dropout: expected rng to be a numpy.random.Generator"):
        Dropout(0.5, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="Sequential: give either rng or seed, not both"):
        Sequential(seed=0, rng=gen)


def test_softmax_refuses_a_bool_axis():
    from nnlib import functional as F

    with pytest.raises(ValueError, match=r"softmax: axis True is out of range"):
        F.softmax(np.zeros((2, 3)), axis=True)
