"""Pure optimizer steps, clipping and penalties vs torch.optim / torch.nn.utils (float64 oracle)."""

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.functional import (
    adadelta_step,
    adagrad_step,
    adam_step,
    adamw_step,
    clip_by_norm,
    clip_by_value,
    l1_penalty,
    l2_penalty,
    momentum_step,
    nesterov_step,
    rmsprop_step,
    sgd_step,
)
from nnlib.gradcheck import numerical_gradient

from helpers import GRADCHECK_TOL, ORACLE_TOL, assert_close, strict_floats, t

STEPS = 100
SGD, ADAGRAD, ADADELTA = torch.optim.SGD, torch.optim.Adagrad, torch.optim.Adadelta
RMSPROP, ADAM, ADAMW = torch.optim.RMSprop, torch.optim.Adam, torch.optim.AdamW

# (pure step, its keyword arguments, torch optimizer, the same settings in torch's names)
CASES = [
    pytest.param(sgd_step, dict(lr=0.02), SGD, dict(lr=0.02), id="sgd"),
    pytest.param(momentum_step, dict(lr=0.01), SGD, dict(lr=0.01, momentum=0.9), id="momentum"),
    pytest.param(
        momentum_step, dict(lr=0.02, beta=0.5), SGD, dict(lr=0.02, momentum=0.5), id="momentum-b.5"
    ),
    pytest.param(
        nesterov_step, dict(lr=0.01), SGD, dict(lr=0.01, momentum=0.9, nesterov=True), id="nesterov"
    ),
    pytest.param(
        nesterov_step,
        dict(lr=0.02, beta=0.7),
        SGD,
        dict(lr=0.02, momentum=0.7, nesterov=True),
        id="nesterov-b.7",
    ),
    pytest.param(adagrad_step, dict(lr=0.1), ADAGRAD, dict(lr=0.1, eps=1e-8), id="adagrad"),
    pytest.param(
        adagrad_step, dict(lr=0.3, eps=1e-3), ADAGRAD, dict(lr=0.3, eps=1e-3), id="adagrad-eps"
    ),
    pytest.param(adadelta_step, dict(), ADADELTA, dict(), id="adadelta"),
    pytest.param(
        adadelta_step,
        dict(rho=0.95, eps=1e-4, lr=0.5),
        ADADELTA,
        dict(rho=0.95, eps=1e-4, lr=0.5),
        id="adadelta-custom",
    ),
    pytest.param(rmsprop_step, dict(lr=0.01), RMSPROP, dict(lr=0.01, alpha=0.9), id="rmsprop"),
    pytest.param(
        rmsprop_step,
        dict(lr=0.003, rho=0.99, eps=1e-4),
        RMSPROP,
        dict(lr=0.003, alpha=0.99, eps=1e-4),
        id="rmsprop-custom",
    ),
    pytest.param(adam_step, dict(lr=0.01), ADAM, dict(lr=0.01), id="adam"),
    pytest.param(
        adam_step,
        dict(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-4),
        ADAM,
        dict(lr=0.02, betas=(0.8, 0.99), eps=1e-4),
        id="adam-custom",
    ),
    pytest.param(adamw_step, dict(lr=0.01), ADAMW, dict(lr=0.01), id="adamw"),
    pytest.param(
        adamw_step,
        dict(lr=0.02, beta1=0.85, beta2=0.95, eps=1e-6, weight_decay=0.1),
        ADAMW,
        dict(lr=0.02, betas=(0.85, 0.95), eps=1e-6, weight_decay=0.1),
        id="adamw-custom",
    ),
]
STEP_FNS = [pytest.param(p.values[0], p.values[1], id=p.id) for p in CASES if "-" not in p.id]


def rosenbrock(x, lib=np):
    """Chained Rosenbrock-like objective on the flattened array (mild curvature, c = 2)."""
    x = x.reshape(-1)
    return lib.sum((1 - x[:-1]) ** 2 + 2 * (x[1:] - x[:-1] ** 2) ** 2)


def rosenbrock_grad(w):
    x = w.reshape(-1)
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -2 * (1 - x[:-1]) - 8 * x[:-1] * d
    g[1:] += 4 * d
    return g.reshape(w.shape)


def nnlib_trajectory(step, kwargs, w, steps=STEPS):
    state, out = {}, []
    for _ in range(steps):
        w, state = step(w, rosenbrock_grad(w), state, **kwargs)
        out.append(w)
    return np.array(out)


def torch_trajectory(cls, kwargs, w0, steps=STEPS):
    p = t(w0, requires_grad=True)
    opt = cls([p], foreach=False, **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        rosenbrock(p, torch).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.fixture
def w0():
    return np.random.default_rng(1).uniform(-0.5, 1.5, size=(3, 4))


def test_rosenbrock_grad_is_right(w0):
    assert_close(
        rosenbrock_grad(w0),
        numerical_gradient(rosenbrock, w0.copy()),
        GRADCHECK_TOL,
        "rosenbrock grad",
    )


@pytest.mark.parametrize("step, kwargs, torch_cls, torch_kwargs", CASES)
def test_trajectory_matches_torch(step, kwargs, torch_cls, torch_kwargs, w0):
    ours = nnlib_trajectory(step, kwargs, w0)
    assert_close(ours, torch_trajectory(torch_cls, torch_kwargs, w0), ORACLE_TOL, step.__name__)
    assert rosenbrock(ours[-1]) < rosenbrock(
        w0
    )  # the comparison is not between two standing-still runs


def test_momentum_notes_form_equals_torch_form(w0):
    """Notes: v' = beta v' - lr g; w += v'. Same path as v = beta v + g; w -= lr v (constant lr)."""
    lr, beta, w, v = 0.01, 0.9, w0.copy(), np.zeros_like(w0)
    notes = []
    for _ in range(STEPS):
        v = beta * v - lr * rosenbrock_grad(w)
        w = w + v
        notes.append(w)
    assert_close(
        nnlib_trajectory(momentum_step, dict(lr=lr, beta=beta), w0), np.array(notes), ORACLE_TOL
    )


def test_nesterov_lookahead_form_equals_torch_form(w0):
    """Sutskever's look-ahead form; its look-ahead points u = w + beta v' follow PyTorch's path."""
    lr, beta, w, v = 0.01, 0.9, w0.copy(), np.zeros_like(w0)
    lookahead = []
    for _ in range(STEPS):
        v = beta * v - lr * rosenbrock_grad(w + beta * v)
        w = w + v
        lookahead.append(w + beta * v)
    assert_close(
        nnlib_trajectory(nesterov_step, dict(lr=lr, beta=beta), w0), np.array(lookahead), ORACLE_TOL
    )


@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_adam_eps_is_added_to_sqrt_of_bias_corrected_v(eps):
    """With gradients ~ eps the three textbook placements of eps differ by O(1); torch's is the reference."""
    w0, dw = np.array([1.0, -1.0, 0.5]), np.array([1e-8, -3e-3, 2e-4])
    ours, _ = adam_step(w0, dw, {}, lr=0.1, eps=eps)
    p = t(w0, requires_grad=True)
    p.grad = t(dw)
    torch.optim.Adam([p], lr=0.1, eps=eps, foreach=False).step()
    assert_close(ours, p.detach().numpy(), ORACLE_TOL, "adam first step")


def _adam_one_liners(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam as written in the adam_step docstring (torch's order of operations), one temporary per term."""
    w = w * (1.0 - lr * weight_decay) if weight_decay else w
    m = beta1 * m + (1.0 - beta1) * g
    v = beta2 * v + (1.0 - beta2) * g * g
    return w - (lr / (1.0 - beta1**t)) * m / (np.sqrt(v) / math.sqrt(1.0 - beta2**t) + eps), m, v


@pytest.mark.parametrize(
    "step, kwargs", [(adam_step, dict(lr=0.01)), (adamw_step, dict(lr=0.02, weight_decay=0.1))]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (33, 5)])
def test_adam_kernel_gives_the_one_line_formulas_bit_for_bit(step, kwargs, dtype, shape):
    """The kernel reuses scratch buffers; every rounding must still be that of the plain formulas."""
    rng = np.random.default_rng(5)
    w, state = rng.standard_normal(shape).astype(dtype), {}
    ref_w, m, v = w, np.zeros(shape, dtype), np.zeros(shape, dtype)
    for t_ in range(1, 31):
        g = (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 2)).astype(dtype)
        w, state = step(w, g, state, **kwargs)
        ref_w, m, v = _adam_one_liners(ref_w, g, m, v, t_, **kwargs)
        assert w.dtype == dtype and np.asarray(ref_w).dtype == dtype
        for got, want in ((w, ref_w), (state["m"], m), (state["v"], v)):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (2, 3, 2)])
def test_pure_step_does_not_modify_inputs(step, kwargs, shape):
    rng = np.random.default_rng(2)
    w, state = rng.standard_normal(shape), {}
    for _ in range(3):  # a state with every entry present
        w, state = step(w, rng.standard_normal(shape), state, **kwargs)
    dw = rng.standard_normal(shape)
    saved = copy.deepcopy((w, dw, state))
    new_w, new_state = step(w, dw, state, **kwargs)
    np.testing.assert_equal((w, dw, state), saved)
    assert new_state is not state and new_state.keys() == state.keys()
    for key, value in new_state.items():
        if isinstance(value, np.ndarray):
            assert not np.shares_memory(value, state[key]), key
    assert not np.shares_memory(new_w, w) and new_w.shape == w.shape


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
def test_float32_stays_float32_for_100_steps(step, kwargs, w0):
    # np.float64 hyper-parameters are the NEP 50 trap: they must not promote the update
    kwargs = {name: np.float64(value) for name, value in kwargs.items()}
    w, state = w0.astype(np.float32), {}
    for _ in range(STEPS):
        w, state = step(w, rosenbrock_grad(w), state, **kwargs)
        assert w.dtype == np.float32
        assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))
    assert np.all(np.isfinite(w))
    assert_close(w, nnlib_trajectory(step, kwargs, w0)[-1], 1e-3, "float32 vs float64 path")


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
def test_dtype_rules(step, kwargs):
    w32, dw64 = np.ones(3, dtype=np.float32), np.ones(3)
    assert (
        step(w32, dw64, {}, **kwargs)[0].dtype == np.float32
    )  # dw is cast to the parameter's dtype
    new_w, state = step(np.array([1, 2, 3]), np.array([1, 0, -1]), {}, **kwargs)  # ints promote
    assert new_w.dtype == np.float64


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_for_large_and_zero_gradients(step, kwargs, dtype):
    rng = np.random.default_rng(3)
    w, state = rng.uniform(-1e4, 1e4, size=(5, 4)).astype(dtype), {}
    with strict_floats():
        for dw in [
            rng.uniform(-1e4, 1e4, size=(5, 4)),
            np.zeros((5, 4)),
            rng.uniform(-1e4, 1e4, size=(5, 4)),
        ]:
            w, state = step(w, dw.astype(dtype), state, **kwargs)
            assert np.all(np.isfinite(w)), step.__name__


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
def test_shape_mismatch_names_function_and_shapes(step, kwargs):
    with pytest.raises(
        ValueError, match=rf"{step.__name__}: expected dw of shape \(2, 3\).*got \(3, 2\)"
    ):
        step(np.zeros((2, 3)), np.zeros((3, 2)), {}, **kwargs)


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
def test_state_of_another_parameter_is_rejected(step, kwargs):
    _, state = step(np.zeros(4), np.ones(4), {}, **kwargs)
    if state:  # sgd has no state
        with pytest.raises(
            ValueError, match=rf"{step.__name__}: expected state\[.*of shape \(2, 3\).*got \(4,\)"
        ):
            step(np.zeros((2, 3)), np.ones((2, 3)), state, **kwargs)
    with pytest.raises(TypeError, match=f"{step.__name__}: state must be a dict"):
        step(np.zeros(4), np.ones(4), None, **kwargs)


@pytest.mark.parametrize("step, kwargs", STEP_FNS)
@pytest.mark.parametrize("bad", [0.0, -0.1, np.inf])
def test_lr_must_be_positive(step, kwargs, bad):
    with pytest.raises(ValueError, match=f"{step.__name__}: expected lr > 0"):
        step(np.zeros(2), np.ones(2), {}, **{**kwargs, "lr": bad})
    with pytest.raises(TypeError, match=f"{step.__name__}: lr must be a real number"):
        step(np.zeros(2), np.ones(2), {}, **{**kwargs, "lr": "0.1"})


@pytest.mark.parametrize(
    "step, name, bad",
    [
        (momentum_step, "beta", 1.0),
        (nesterov_step, "beta", -0.1),
        (rmsprop_step, "rho", 1.5),
        (adadelta_step, "rho", 1.0),
        (adam_step, "beta1", 1.0),
        (adam_step, "beta2", -1e-3),
        (adam_step, "eps", 0.0),
        (adagrad_step, "eps", -1e-8),
        (adamw_step, "weight_decay", -0.1),
    ],
)
def test_bad_hyper_parameters(step, name, bad):
    with pytest.raises(ValueError, match=f"{step.__name__}: expected {name}"):
        step(np.zeros(2), np.ones(2), {}, **{"lr": 0.1, name: bad})


def test_non_numeric_input():
    with pytest.raises(TypeError, match="adam_step: w must hold real numbers"):
        adam_step(np.array(["a", "b"]), np.ones(2), {}, lr=0.1)


# --- clipping vs torch.nn.utils ------------------------------------------------------------------------


def _random_grads(rng, scale):
    return {
        "W": scale * rng.standard_normal((4, 3)),
        "b": scale * rng.standard_normal(3),
        "k": scale * rng.standard_normal((2, 1, 3, 3)),
    }


def _torch_params(grads):
    params = []
    for g in grads.values():
        p = torch.zeros(g.shape, requires_grad=True)
        p.grad = t(g)
        params.append(p)
    return params


@settings(max_examples=30, deadline=None)
@given(
    scale=st.sampled_from([0.0, 1e-3, 0.3, 1.0, 10.0, 1e4]),
    max_norm=st.floats(0.05, 50.0),
    seed=st.integers(0, 2**31),
)
def test_clip_by_norm_matches_torch(scale, max_norm, seed):
    grads = _random_grads(np.random.default_rng(seed), scale)
    saved = copy.deepcopy(grads)
    clipped, total = clip_by_norm(grads, max_norm)
    params = _torch_params(grads)
    torch_total = torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
    np.testing.assert_equal(grads, saved)  # pure
    assert_close(total, torch_total.item(), ORACLE_TOL, "total norm")
    for (name, g), p in zip(clipped.items(), params):
        assert_close(g, p.grad.numpy(), ORACLE_TOL, name)
    new_norm = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert new_norm <= max_norm * (1 + 1e-12)


@settings(max_examples=30, deadline=None)
@given(
    scale=st.sampled_from([0.0, 0.3, 1.0, 1e4]),
    clip=st.floats(1e-3, 10.0),
    seed=st.integers(0, 2**31),
)
def test_clip_by_value_matches_torch(scale, clip, seed):
    grads = _random_grads(np.random.default_rng(seed), scale)
    saved = copy.deepcopy(grads)
    clipped = clip_by_value(grads, clip)
    params = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(params, clip, foreach=False)
    np.testing.assert_equal(grads, saved)
    for (name, g), p in zip(clipped.items(), params):
        np.testing.assert_array_equal(g, p.grad.numpy(), err_msg=name)


def test_clipping_keeps_float32_and_rejects_bad_input():
    grads = {"W": np.full((2, 2), 3.0, dtype=np.float32)}
    assert clip_by_norm(grads, 1.0)[0]["W"].dtype == np.float32
    assert clip_by_value(grads, 1.0)["W"].dtype == np.float32
    with pytest.raises(ValueError, match="clip_by_norm: expected max_norm > 0"):
        clip_by_norm(grads, 0.0)
    with pytest.raises(ValueError, match="clip_by_value: expected clip_value > 0"):
        clip_by_value(grads, -1.0)
    with pytest.raises(TypeError, match="clip_by_norm: grads must be a dict"):
        clip_by_norm([np.ones(2)], 1.0)


# --- penalties -------------------------------------------------------------------------------------------

PENALTIES = [
    pytest.param(l2_penalty, lambda w, lam: 0.5 * lam * (w**2).sum(), id="l2"),
    pytest.param(l1_penalty, lambda w, lam: lam * w.abs().sum(), id="l1"),
]


@pytest.mark.parametrize("penalty, torch_fn", PENALTIES)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("lam", [0.0, 1e-3, 0.7])
def test_penalty_value_and_grad_match_torch(penalty, torch_fn, shape, lam):
    w = np.random.default_rng(4).standard_normal(shape)
    w.flat[0] = 0.0  # the kink of |w|: subgradient 0, as torch
    saved = w.copy()
    value, grad = penalty(w, lam)
    tw = t(w, requires_grad=True)
    torch_value = torch_fn(tw, lam)
    torch_value.backward()
    np.testing.assert_array_equal(w, saved)
    assert isinstance(value, float)
    assert_close(value, torch_value.item(), ORACLE_TOL, "value")
    assert_close(grad, tw.grad.numpy(), ORACLE_TOL, "grad")


@pytest.mark.parametrize("penalty", [l2_penalty, l1_penalty])
def test_penalty_grad_is_the_numerical_gradient(penalty):
    w = np.random.default_rng(5).uniform(0.1, 2.0, size=(3, 4)) * np.array(
        [1, -1, 1, -1]
    )  # away from 0
    _, grad = penalty(w, 0.3)
    assert_close(
        grad,
        numerical_gradient(lambda v: penalty(v, 0.3)[0], w.copy()),
        GRADCHECK_TOL,
        "penalty grad",
    )


def test_l2_convention_is_half_lambda_norm_squared():
    """lam/2 ||w||^2: for w = (3, 4), lam = 2 the value is 25 and the gradient 2 w."""
    value, grad = l2_penalty(np.array([3.0, 4.0]), 2.0)
    assert value == 25.0
    np.testing.assert_array_equal(grad, [6.0, 8.0])


@pytest.mark.parametrize("penalty", [l2_penalty, l1_penalty])
def test_penalty_bad_input(penalty):
    with pytest.raises(ValueError, match=f"{penalty.__name__}: expected lam >= 0"):
        penalty(np.ones(2), -0.1)
    assert penalty(np.ones(2, dtype=np.float32), 0.5)[1].dtype == np.float32
