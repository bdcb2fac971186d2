"""nnlib.widgets.initialization: deep-stack statistics (against PyTorch and the variance algebra) and its explorer."""

import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlib.widgets.initialization import (
    InitializationExplorer,
    deep_stack_statistics,
    scheme_initializer,
)

from helpers import assert_close, t

SQUARE = [128] * 13  # 12 layers of width 128: fast, and deep enough for geometric trends


def fingerprint(explorer) -> str:
    FigureCanvasAgg(
        explorer.figure
    )  # a figure closed by pyplot keeps a bare canvas that cannot render
    return explorer.figure_fingerprint()


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_statistics_match_torch_autograd(activation):
    s = deep_stack_statistics([16, 12, 20, 8], "Xavier", activation, n=10, seed=3)
    h = t(s["x"], requires_grad=True)
    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "linear": lambda z: z}[
        activation
    ]
    inputs, weights, outs = [], [], []
    for layer in s["layers"]:
        inputs.append(h)
        W = t(layer.params["W"], requires_grad=True)
        weights.append(W)
        h = act(h @ W + t(layer.params["b"]))
        h.retain_grad()
        outs.append(h)
    for x in inputs:
        x.retain_grad()
    h.backward(t(s["top_grad"]))
    assert_close(s["act_std"], [o.detach().numpy().std() for o in outs], what="activation std")
    assert_close(s["grad_std"], [x.grad.numpy().std() for x in inputs], what="gradient std")
    assert_close(
        s["weight_grad_norm"], [np.linalg.norm(W.grad.numpy()) for W in weights], what="||dW||"
    )


def test_he_keeps_relu_signals_while_lecun_halves_the_variance_per_layer():
    he = deep_stack_statistics(SQUARE, "He", "relu", n=128, seed=0)
    lecun = deep_stack_statistics(SQUARE, "LeCun", "relu", n=128, seed=0)
    assert 0.4 < he["act_std"][-1] < 2.5 and 0.4 < he["grad_std"][0] < 2.5
    # the same draws, scaled by 1/sqrt(2): relu is positively homogeneous, so exactly 2^(-L/2)
    np.testing.assert_allclose(
        lecun["act_std"] / he["act_std"], 2.0 ** (-np.arange(1, 13) / 2), rtol=1e-10
    )
    np.testing.assert_allclose(
        lecun["grad_std"] / he["grad_std"], 2.0 ** (-np.arange(12, 0, -1) / 2), rtol=1e-10
    )


def test_fixed_small_scale_vanishes_and_square_xavier_equals_lecun():
    small = deep_stack_statistics(SQUARE, "normal 0.01", "tanh", seed=0)
    assert small["act_std"][-1] < 1e-10 and small["grad_std"][0] < 1e-10
    xavier = deep_stack_statistics(SQUARE, "Xavier", "tanh", seed=0)
    lecun = deep_stack_statistics(SQUARE, "LeCun", "tanh", seed=0)
    np.testing.assert_allclose(xavier["act_std"], lecun["act_std"], rtol=1e-12)  # 2/(D + D) = 1/D


def test_linear_gain_is_fan_in_times_variance_times_scale_squared():
    # a funnel with LeCun and a multiplier m: forward variance gain m^2 per layer, backward m^2 D_out/D_in
    widths, m = [512, 256, 128, 64], 1.3
    s = deep_stack_statistics(widths, "LeCun", "linear", scale=m, n=2000, seed=1)
    np.testing.assert_allclose(s["act_std"], m ** np.arange(1, 4), rtol=0.08)
    ratio = np.array(widths[1:]) / np.array(widths[:-1])
    np.testing.assert_allclose(
        s["grad_std"], np.sqrt(np.cumprod((m**2 * ratio)[::-1])[::-1]), rtol=0.08
    )


def test_scheme_initializer_scales_the_draws():
    rng_a, rng_b = np.random.default_rng(0), np.random.default_rng(0)
    base = scheme_initializer("He")((50, 40), rng=rng_a)
    np.testing.assert_array_equal(scheme_initializer("He", 3.0)((50, 40), rng=rng_b), 3.0 * base)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: deep_stack_statistics([64], "He"),
            r"deep_stack_statistics: expected widths .* got \[64\]",
        ),
        (
            lambda: deep_stack_statistics([8, 8], "He", "softmax"),
            r"deep_stack_statistics: expected activation in",
        ),
        (
            lambda: deep_stack_statistics([8, 8], "He", n=1),
            r"deep_stack_statistics: expected a batch of n >= 2",
        ),
        (lambda: scheme_initializer("Kaiming"), r"scheme_initializer: unknown scheme 'Kaiming'"),
        (lambda: scheme_initializer("He", 0.0), r"scheme_initializer: expected scale > 0, got 0.0"),
    ],
)
def test_bad_input_names_the_function(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_explorer_reacts_to_every_control():
    e = InitializationExplorer(width=64, n=16, depth=10)
    assert len(e.state["act_std"]) == 10
    before = fingerprint(e)
    state = e.update(scheme="normal 0.01")
    assert state["act_std"][-1] < 1e-8
    after_scheme = fingerprint(e)
    assert after_scheme != before
    state = e.update(scheme="He", depth=4, scale=2.0)  # relu: gain 4 per layer in variance
    assert len(state["act_std"]) == 4 and state["act_std"][-1] > 5
    assert fingerprint(e) != after_scheme
    state = e.update(activation="tanh")
    assert state["act_std"].max() < 1.0  # tanh is bounded
