"""nnlib.layers: gradient checks of every layer, PyTorch oracles, shapes, dtypes and error messages."""

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib import functional as F
from nnlib.gradcheck import check_layer, numerical_gradient
from nnlib.layers import (
    Activation,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
)

from helpers import GRADCHECK_TOL, ORACLE_TOL, assert_close, t, torch_vjp


def separated(rng, shape):
    """Random values at least 1e-2 apart, so max pooling has no near-ties for h = 1e-5 to flip."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 1e-2 + rng.uniform(-1e-3, 1e-3, shape)


GRADCHECK_CASES = {
    "dense": (lambda: Dense(5, seed=0), (4, 3)),
    "dense_tanh": (lambda: Dense(5, activation="tanh", seed=0), (4, 3)),
    "dense_no_bias": (lambda: Dense(2, use_bias=False, seed=0), (3, 4)),
    "dense_l2": (lambda: Dense(4, activation="sigmoid", l2=0.3, seed=0), (5, 3)),
    "activation_gelu": (lambda: Activation("gelu"), (3, 4)),
    "activation_softmax": (lambda: Activation("softmax"), (3, 4)),
    "activation_leaky": (lambda: Activation("leaky_relu", alpha=0.2), (3, 4)),
    "batchnorm_2d": (lambda: BatchNorm(), (6, 3)),
    "batchnorm_4d": (lambda: BatchNorm(), (3, 2, 3, 3)),
    "flatten": (lambda: Flatten(), (2, 3, 2, 2)),
    "conv": (lambda: Conv2D(3, 3, seed=0), (2, 2, 5, 5)),
    "conv_stride_pad": (
        lambda: Conv2D(2, (3, 2), stride=2, pad=1, activation="tanh", seed=0),
        (2, 3, 6, 5),
    ),
    "avgpool": (lambda: AvgPool2D(2), (2, 3, 4, 4)),
    "avgpool_overlap": (lambda: AvgPool2D(3, stride=1), (1, 2, 5, 5)),
}


@pytest.mark.parametrize("case", sorted(GRADCHECK_CASES))
def test_gradcheck(case):
    make, shape = GRADCHECK_CASES[case]
    rng = np.random.default_rng(1)
    layer = make()
    errors = check_layer(layer, rng.standard_normal(shape), rng=rng)
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) < GRADCHECK_TOL, errors


@pytest.mark.parametrize(
    "layer", [MaxPool2D(2), MaxPool2D(3, stride=2)], ids=["maxpool", "maxpool_overlap"]
)
def test_gradcheck_maxpool(layer):
    rng = np.random.default_rng(2)
    errors = check_layer(layer, separated(rng, (2, 2, 7, 7)), rng=rng)
    assert errors["x"] < GRADCHECK_TOL, errors


def test_gradcheck_dropout_with_a_fixed_mask():
    """Dropout draws a mask per forward; re-seeding before each call fixes it for the check."""
    layer = Dropout(0.4)
    x = np.random.default_rng(3).standard_normal((6, 5))
    layer.forward(x)  # builds it

    class FixedMask:
        params, grads = layer.params, layer.grads

        def forward(self, x, training):
            layer.rng = np.random.default_rng(7)
            return layer.forward(x, training)

        def backward(self, dout):
            return layer.backward(dout)

    assert check_layer(FixedMask(), x)["x"] < GRADCHECK_TOL
    assert 0 < layer.mask.sum() < layer.mask.size


def test_dense_penalty_gradient_matches_its_value():
    layer = Dense(3, l1=0.2, l2=0.5, seed=0)
    layer.forward(np.ones((2, 4)))
    W = layer.params["W"]
    numeric = numerical_gradient(lambda _: layer.penalty(), W)
    assert_close(layer.penalty_grads()["W"], numeric, 1e-8, "penalty gradient")
    assert layer.penalty() == pytest.approx(0.2 * np.abs(W).sum() + 0.25 * (W**2).sum(), rel=1e-12)


# ------------------------------------------------------------------------------ torch oracles
TORCH_ACTIVATIONS = {
    None: lambda z: z,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "elu": torch.nn.functional.elu,
    "softmax": lambda z: torch.softmax(z, dim=-1),
}


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 6),
    d_in=st.integers(1, 5),
    units=st.integers(1, 5),
    activation=st.sampled_from(sorted(TORCH_ACTIVATIONS, key=str)),
    seed=st.integers(0, 2**16),
)
def test_dense_matches_torch_linear(n, d_in, units, activation, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(units, activation=activation, seed=seed)
    # |z| < ~6: beyond that torch's 1 - tanh^2 loses digits that nnlib keeps (see activations.py)
    x, dout = rng.uniform(-1, 1, (n, d_in)), rng.standard_normal((n, units))
    out = layer.forward(x, training=True)
    dx = layer.backward(dout)
    W, b = layer.params["W"], layer.params["b"]
    expected, grads = torch_vjp(
        lambda x, W, b: TORCH_ACTIVATIONS[activation](x @ W + b), [x, W, b], dout
    )
    for what, a, e in (
        ("out", out, expected),
        ("dx", dx, grads[0]),
        ("dW", layer.grads["W"], grads[1]),
        ("db", layer.grads["b"], grads[2]),
    ):
        assert_close(a, e, ORACLE_TOL, what)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 2, 2)])
def test_batchnorm_running_statistics_match_torch(shape):
    """Three training batches, then inference: output and running mean / unbiased var as torch."""
    rng = np.random.default_rng(5)
    layer = BatchNorm(momentum=0.2)
    torch_bn = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(3, momentum=0.2)
    for step in range(3):
        x = rng.normal(step, 2.0, shape)
        out = layer.forward(x, training=True)
        assert_close(out, torch_bn(t(x)).detach().numpy(), ORACLE_TOL, "training output")
    assert_close(
        layer.state["running_mean"], torch_bn.running_mean.numpy(), ORACLE_TOL, "running_mean"
    )
    assert_close(
        layer.state["running_var"], torch_bn.running_var.numpy(), ORACLE_TOL, "running_var"
    )
    torch_bn.eval()
    x = rng.standard_normal(shape)
    assert_close(
        layer.forward(x, training=False), torch_bn(t(x)).detach().numpy(), ORACLE_TOL, "inference"
    )


def test_conv_and_pools_match_torch():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 8, 8))
    conv = Conv2D(4, 3, stride=1, pad=1, seed=0)
    out = conv.forward(x)
    expected = torch.nn.functional.conv2d(t(x), t(conv.params["W"]), t(conv.params["b"]), padding=1)
    assert_close(out, expected.numpy(), ORACLE_TOL, "conv")
    assert_close(
        MaxPool2D(2).forward(out),
        torch.nn.functional.max_pool2d(expected, 2).numpy(),
        ORACLE_TOL,
        "max",
    )
    assert_close(
        AvgPool2D(2).forward(out),
        torch.nn.functional.avg_pool2d(expected, 2).numpy(),
        ORACLE_TOL,
        "avg",
    )


# ---------------------------------------------------------------------- behaviour of each layer
def test_dropout_is_inverted_and_identity_at_inference():
    layer = Dropout(0.25, seed=0)
    x = np.ones((400, 50))
    out = layer.forward(x, training=True)
    kept = out != 0
    np.testing.assert_array_equal(kept, layer.mask)
    assert np.allclose(out[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01  # 20 000 draws: std of the mean ~0.003
    assert np.array_equal(layer.backward(np.ones_like(x)), out)
    assert layer.forward(x, training=False) is x


def test_flatten_round_trip():
    layer = Flatten()
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out = layer.forward(x)
    assert out.shape == (2, 12) and layer.output_shape == (12,)
    np.testing.assert_array_equal(layer.backward(out), x)


def test_shapes_are_inferred_and_output_shapes_reported():
    x = np.zeros((2, 1, 12, 12))
    layers = [
        Conv2D(4, 3, pad=1, seed=0),
        MaxPool2D(2),
        Conv2D(6, 3, stride=2, seed=0),
        AvgPool2D(2),
        Flatten(),
        Dense(7, seed=0),
    ]
    for layer in layers:
        x = layer.forward(x)
        assert x.shape[1:] == layer.output_shape
    assert [layer.output_shape for layer in layers] == [
        (4, 12, 12),
        (4, 6, 6),
        (6, 2, 2),
        (6, 1, 1),
        (6,),
        (7,),
    ]
    assert layers[0].params["W"].shape == (4, 1, 3, 3) and layers[-1].params["W"].shape == (6, 7)


def test_seed_makes_initial_weights_reproducible():
    a, b, c = Dense(4, seed=3), Dense(4, seed=3), Dense(4, seed=4)
    for layer in (a, b, c):
        layer.build((5,))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], c.params["W"])
    assert a.params["W"].std() == pytest.approx(np.sqrt(2 / 5), rel=0.5)  # He: Var = 2 / fan_in


@pytest.mark.parametrize(
    "make",
    [
        lambda: Dense(3, activation="relu"),
        BatchNorm,
        lambda: Conv2D(2, 3),
        lambda: Dropout(0.5, seed=0),
    ],
)
def test_float32_in_float32_out(make):
    layer = make()
    shape = (4, 3, 5, 5) if isinstance(layer, Conv2D) else (4, 6)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = layer.forward(x, training=True)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == np.float32
    assert all(
        p.dtype == np.float32
        for p in (*layer.params.values(), *layer.grads.values(), *layer.state.values())
    )


def test_first_layer_can_skip_the_input_gradient():
    layer = Dense(3, seed=0)
    x, dout = np.random.default_rng(1).standard_normal((4, 5)), np.ones((4, 3))
    layer.forward(x, training=True)
    dx = layer.backward(dout)
    full = {k: v.copy() for k, v in layer.grads.items()}
    assert dx is not None and layer.backward(dout, input_grad=False) is None
    for k in full:
        np.testing.assert_array_equal(layer.grads[k], full[k])


def test_layers_call_functional_at_call_time(monkeypatch):
    """nnlib.grading.student.substitute swaps attributes of nnlib.functional: the layers must see the swap."""
    calls = []

    def spy(name):
        original = getattr(F, name)

        def wrapper(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        wrapper.__module__ = "student"
        monkeypatch.setattr(F, name, wrapper)

    layer = Dense(3, activation="relu", seed=0)  # created before the swap
    for name in ("relu", "relu_backward", "dense_forward", "dense_backward", "batchnorm_forward"):
        spy(name)
    layer.forward(np.ones((2, 4)), training=True)
    layer.backward(
        np.ones((2, 3)), input_grad=False
    )  # a substitute is used even where dx is not needed
    BatchNorm().forward(np.ones((2, 3)), training=True)
    assert calls == [
        "dense_forward",
        "relu",
        "relu_backward",
        "dense_backward",
        "batchnorm_forward",
    ]


# ------------------------------------------------------------------------------------- errors
def test_dense_names_the_layer_and_both_shapes():
    layer = Dense(64, input_dim=20)
    with pytest.raises(
        ValueError, match=r"Dense\(64\): expected input of shape \(N, 20\), got \(32, 21\)"
    ):
        layer.forward(np.zeros((32, 21)))
    layer = Dense(8)
    layer.forward(np.zeros((3, 5)))  # built for 5 features
    with pytest.raises(
        ValueError, match=r"Dense\(8\): expected input of shape \(N, 5\), got \(3, 4\)"
    ):
        layer.forward(np.zeros((3, 4)))
    with pytest.raises(
        ValueError, match=r"Dense\(8\): expected input of shape \(N, D\), got \(N, 2, 3\)"
    ):
        Dense(8).forward(np.zeros((4, 2, 3)))


def test_conv_rejects_flat_input():
    with pytest.raises(
        ValueError, match=r"Conv2D\(4, 3x3\): expected input of shape \(N, C, H, W\), got \(N, 10\)"
    ):
        Conv2D(4, 3).forward(np.zeros((2, 10)))


@pytest.mark.parametrize(
    "make", [lambda: Dense(3, activation="relux"), lambda: Activation("sigmod")]
)
def test_unknown_activation_lists_valid_names(make):
    with pytest.raises(ValueError, match=r"unknown activation .*valid names: .*relu.*sigmoid"):
        make()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Dense(0), r"Dense: expected units to be a positive integer, got 0"),
        (lambda: Dense(3, l2=-1.0), r"Dense: expected l2 >= 0, got -1.0"),
        (
            lambda: Dropout(1.0),
            r"Dropout: expected p \(the drop probability\) in \[0, 1\), got 1.0",
        ),
        (lambda: BatchNorm(momentum=2.0), r"BatchNorm: expected momentum in \[0, 1\], got 2.0"),
        (lambda: Dense(3, kernel_initializer="hee"), r"unknown initializer 'hee'.*valid names"),
    ],
)
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_activation_keyword_fails_at_construction():
    with pytest.raises(TypeError, match="aplha"):
        Activation("leaky_relu", aplha=0.2)
    with pytest.raises(TypeError, match=r"Dense: unexpected keyword arguments \['alpha'\]"):
        Dense(3, alpha=0.2)


# --------------------------------------------------------------- Dense's shortcut path
def test_dense_relu_shortcut_gives_the_functional_results_exactly():
    rng = np.random.default_rng(4)
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    layer = Dense(3, activation="relu", seed=0)
    out = layer.forward(x, training=True)
    x_before = x.copy()
    dx = layer.backward(dout)
    W, b = layer.params["W"], layer.params["b"]
    z = F.dense_forward(x, W, b)
    dz = F.relu_backward(dout, z)
    ref_dx, ref_dW, ref_db = F.dense_backward(dz, x, W)
    np.testing.assert_array_equal(out, F.relu(z))
    for got, want in ((dx, ref_dx), (layer.grads["W"], ref_dW), (layer.grads["b"], ref_db)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x, x_before)
    assert layer.backward(dout, input_grad=False) is None


def test_dense_never_runs_relu_in_place_on_a_substituted_dense_forwards_output():
    from nnlib.grading import substitute

    cached = np.array([[-1.0, 2.0]])

    def dense_forward(x, W, b):  # a student's function that returns an array it keeps
        return cached

    with substitute(dense_forward=dense_forward):
        out = Dense(2, seed=0).forward(np.ones((1, 3)))
        out_relu = Dense(2, activation="relu", seed=0).forward(np.ones((1, 3)))
    np.testing.assert_array_equal(cached, [[-1.0, 2.0]])
    np.testing.assert_array_equal(out_relu, [[0.0, 2.0]])
    assert out is cached


@pytest.mark.parametrize(
    "layer", [Dense(3, activation="relu", seed=0), Dense(3, seed=0), Activation("relu")]
)
def test_backward_checks_dout_and_the_call_order(layer):
    name = layer.label
    with pytest.raises(
        RuntimeError,
        match=re.escape(f"{name}.backward: call forward(x, training=True) before backward"),
    ):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 3)), training=True)
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{name}.backward: expected dout of shape (2, 3) (the shape "
            "of the forward output), got (3, 2)"
        ),
    ):
        layer.backward(np.ones((3, 2)))
    assert layer.backward([[1, 1, 1], [1, 1, 1]]).shape == (2, 3)  # lists of ints are converted
