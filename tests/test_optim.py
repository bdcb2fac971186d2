"""Optimizer classes, schedules and gradient accumulation vs torch.optim (float64 oracle)."""

import math

import numpy as np
import pytest
import torch

from nnlib import functional as F
from nnlib.gradcheck import numerical_gradient
from nnlib.optim import (
    OPTIMIZERS,
    SGD,
    Accumulate,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    Optimizer,
    RMSProp,
    cosine,
    exponential_decay,
    get_optimizer,
    inverse_sqrt,
    l2_penalty,
    step_decay,
    time_decay,
)

from helpers import GRADCHECK_TOL, ORACLE_TOL, assert_close, t

STEPS = 100
TO = torch.optim

# --- a two-parameter objective: least squares plus a Rosenbrock-like coupling between rows of W -------

DATA = np.random.default_rng(10)
X, Y = DATA.standard_normal((8, 3)), DATA.standard_normal((8, 4))


def loss(W, b, lib=np):
    r = X @ W + b - Y if lib is np else t(X) @ W + b - t(Y)
    return (r**2).mean() + 0.5 * ((W[1:] - W[:-1] ** 2) ** 2).sum()


def grads_of(params):
    W, b = params["W"], params["b"]
    dr = 2 * (X @ W + b - Y) / Y.size
    d = W[1:] - W[:-1] ** 2
    dW = X.T @ dr
    dW[1:] += d
    dW[:-1] -= 2 * W[:-1] * d
    return {"W": dW.astype(W.dtype), "b": dr.sum(axis=0).astype(b.dtype)}


def fresh_params(dtype=np.float64):
    rng = np.random.default_rng(11)
    return {"W": rng.uniform(-1, 1, (3, 4)).astype(dtype), "b": rng.uniform(-1, 1, 4).astype(dtype)}


def run(opt, steps=STEPS, dtype=np.float64):
    params = fresh_params(dtype)
    out = []
    for _ in range(steps):
        opt.step(params, grads_of(params))
        out.append(np.concatenate([params["W"].ravel(), params["b"]]))
    return np.array(out), params


def torch_run(cls, kwargs, steps=STEPS, lr_lambda=None, clip_norm=None, clip_value=None):
    W, b = (t(v, requires_grad=True) for v in fresh_params().values())
    opt = cls([W, b], foreach=False, **kwargs)
    sched = None if lr_lambda is None else TO.lr_scheduler.LambdaLR(opt, lr_lambda)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss(W, b, torch).backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([W, b], clip_norm, foreach=False)
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_([W, b], clip_value, foreach=False)
        opt.step()
        if sched is not None:
            sched.step()
        out.append(np.concatenate([W.detach().numpy().ravel(), b.detach().numpy()]))
    return np.array(out)


def test_objective_gradient_is_right():
    params = fresh_params()
    flat = np.concatenate([params["W"].ravel(), params["b"]])
    numeric = numerical_gradient(lambda v: loss(v[:12].reshape(3, 4), v[12:]), flat)
    g = grads_of(params)
    assert_close(np.concatenate([g["W"].ravel(), g["b"]]), numeric, GRADCHECK_TOL, "objective grad")


# (our class and kwargs, torch class and kwargs); "defaults" rows use each side's defaults
CASES = [
    pytest.param(SGD, {}, TO.SGD, {}, id="sgd-defaults"),
    pytest.param(
        SGD, dict(lr=0.05, weight_decay=0.1), TO.SGD, dict(lr=0.05, weight_decay=0.1), id="sgd-wd"
    ),
    pytest.param(Momentum, {}, TO.SGD, dict(momentum=0.9), id="momentum-defaults"),
    pytest.param(
        Momentum,
        dict(lr=0.02, beta=0.8, weight_decay=0.05),
        TO.SGD,
        dict(lr=0.02, momentum=0.8, weight_decay=0.05),
        id="momentum-wd",
    ),
    pytest.param(Nesterov, {}, TO.SGD, dict(momentum=0.9, nesterov=True), id="nesterov-defaults"),
    pytest.param(
        Nesterov,
        dict(lr=0.02, beta=0.7, weight_decay=0.01),
        TO.SGD,
        dict(lr=0.02, momentum=0.7, nesterov=True, weight_decay=0.01),
        id="nesterov-wd",
    ),
    pytest.param(Adagrad, {}, TO.Adagrad, {}, id="adagrad-defaults"),
    pytest.param(
        Adagrad,
        dict(lr=0.2, eps=1e-3, weight_decay=0.01),
        TO.Adagrad,
        dict(lr=0.2, eps=1e-3, weight_decay=0.01),
        id="adagrad-wd",
    ),
    pytest.param(Adadelta, {}, TO.Adadelta, {}, id="adadelta-defaults"),
    pytest.param(
        Adadelta,
        dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.1),
        TO.Adadelta,
        dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.1),
        id="adadelta-wd",
    ),
    pytest.param(RMSProp, {}, TO.RMSprop, {}, id="rmsprop-defaults"),
    pytest.param(
        RMSProp,
        dict(lr=0.005, rho=0.9, eps=1e-4, weight_decay=0.01),
        TO.RMSprop,
        dict(lr=0.005, alpha=0.9, eps=1e-4, weight_decay=0.01),
        id="rmsprop-wd",
    ),
    pytest.param(Adam, {}, TO.Adam, {}, id="adam-defaults"),
    pytest.param(
        Adam,
        dict(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-4, weight_decay=0.1),
        TO.Adam,
        dict(lr=0.02, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1),
        id="adam-wd",
    ),
    pytest.param(AdamW, {}, TO.AdamW, {}, id="adamw-defaults"),
    pytest.param(
        AdamW,
        dict(lr=0.02, beta1=0.85, beta2=0.95, weight_decay=0.2),
        TO.AdamW,
        dict(lr=0.02, betas=(0.85, 0.95), weight_decay=0.2),
        id="adamw-wd",
    ),
]


@pytest.mark.parametrize("cls, kwargs, torch_cls, torch_kwargs", CASES)
def test_trajectory_matches_torch(cls, kwargs, torch_cls, torch_kwargs):
    opt = cls(**kwargs)
    ours, _ = run(opt)
    assert_close(ours, torch_run(torch_cls, torch_kwargs), ORACLE_TOL, repr(opt))
    assert opt.iterations == STEPS
    assert np.max(np.abs(ours[-1] - ours[0])) > 1e-4  # it moved


@pytest.mark.parametrize(
    "cls, kwargs, torch_cls, torch_kwargs", [p for p in CASES if "defaults" in p.id]
)
def test_defaults_are_torch_defaults(cls, kwargs, torch_cls, torch_kwargs):
    torch_defaults = torch_cls([torch.zeros(1, requires_grad=True)], **torch_kwargs).defaults
    opt = cls()
    expected = {
        "lr": torch_defaults["lr"],
        "eps": torch_defaults.get("eps"),
        "rho": torch_defaults.get("rho", torch_defaults.get("alpha")),
        "beta": torch_defaults.get("momentum"),
    }
    expected["beta1"], expected["beta2"] = torch_defaults.get("betas", (None, None))
    assert opt.lr == expected["lr"]
    assert opt.weight_decay == torch_defaults["weight_decay"]
    for name, value in opt.hyper.items():
        assert value == expected[name], name


@pytest.mark.parametrize("cls", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
def test_class_equals_pure_step_exactly(cls):
    """The class runs the in-place kernel; the pure step runs it on copies. Bit-for-bit the same path."""
    opt = cls(lr=0.01)
    step = getattr(F, f"{cls.name}_step")
    extra = {"weight_decay": opt.weight_decay} if opt.decoupled_weight_decay else {}
    ours, params = run(opt)
    pure, state = fresh_params(), {"W": {}, "b": {}}
    for _ in range(STEPS):
        g = grads_of(pure)
        for name in pure:
            pure[name], state[name] = step(
                pure[name], g[name], state[name], lr=0.01, **opt.hyper, **extra
            )
    np.testing.assert_array_equal(params["W"], pure["W"])
    np.testing.assert_array_equal(params["b"], pure["b"])
    np.testing.assert_equal(opt.state, state)


@pytest.mark.parametrize("cls", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
def test_step_updates_in_place_and_leaves_grads_alone(cls):
    opt = cls(lr=0.01, clip_norm=0.5, weight_decay=0.1)
    params = fresh_params()
    arrays = dict(params)
    before = {k: v.copy() for k, v in params.items()}
    grads = grads_of(params)
    saved = {k: v.copy() for k, v in grads.items()}
    opt.step(params, grads)
    for name in params:
        assert params[name] is arrays[name]  # the layer's own array was updated
        assert not np.array_equal(params[name], before[name])
        np.testing.assert_array_equal(grads[name], saved[name])


@pytest.mark.parametrize("cls", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
def test_float32_stays_float32(cls):
    opt = cls(
        lr=np.float64(0.01),
        clip_norm=np.float64(1.0),
        clip_value=5.0,
        weight_decay=np.float64(0.01),
    )
    params = fresh_params(np.float32)
    for _ in range(STEPS):
        grads = {
            k: g.astype(np.float64) for k, g in grads_of(params).items()
        }  # float64 grads: cast down
        opt.step(params, grads)
    assert all(p.dtype == np.float32 for p in params.values())
    assert all(
        v.dtype == np.float32
        for s in opt.state.values()
        for v in s.values()
        if isinstance(v, np.ndarray)
    )
    assert all(np.all(np.isfinite(p)) for p in params.values())
    ours64, _ = run(cls(lr=0.01, clip_norm=1.0, clip_value=5.0, weight_decay=0.01))
    assert_close(
        np.concatenate([params["W"].ravel(), params["b"]]), ours64[-1], 1e-3, "float32 vs float64"
    )


GRAD_FORMS = {  # other forms of the same float64 gradient, each cast to the parameter's dtype
    "float32": lambda g: g.astype(np.float32),
    "list": lambda g: g.tolist(),
    "non-contiguous": lambda g: np.asfortranarray(g),
    "subclass": lambda g: g.view(np.matrix) if g.ndim == 2 else g,
}


@pytest.mark.parametrize("form", GRAD_FORMS)
def test_gradients_in_other_forms_give_the_same_update(form):
    """Gradients that are not float ndarrays of the parameter's dtype take the checked path, same result."""
    opt, ref = Adam(lr=0.01), Adam(lr=0.01)
    params, ref_params = fresh_params(), fresh_params()
    for _ in range(5):
        grads = grads_of(params)
        opt.step(params, {k: GRAD_FORMS[form](g) for k, g in grads.items()})
        ref.step(
            ref_params,
            {
                k: g.astype(np.float32).astype(np.float64) if form == "float32" else g
                for k, g in grads_of(ref_params).items()
            },
        )
    for name in params:
        assert type(params[name]) is np.ndarray and params[name].dtype == np.float64
        np.testing.assert_array_equal(params[name], ref_params[name])


def test_integer_parameters_are_rejected_even_with_integer_gradients():
    with pytest.raises(
        TypeError, match=r"Adam.step: params\['w'\] must be a float32/float64 ndarray .*got int64"
    ):
        Adam().step({"w": np.zeros(2, dtype=np.int64)}, {"w": np.zeros(2, dtype=np.int64)})


# --- options: clipping and schedules inside the optimizer, vs torch ----------------------------------------

OPTION_CASES = [
    pytest.param(
        Adam,
        dict(lr=0.05, clip_norm=0.5),
        TO.Adam,
        dict(lr=0.05),
        dict(clip_norm=0.5),
        id="adam-clipnorm",
    ),
    pytest.param(
        Momentum,
        dict(lr=0.02, clip_norm=0.3, weight_decay=0.1),
        TO.SGD,
        dict(lr=0.02, momentum=0.9, weight_decay=0.1),
        dict(clip_norm=0.3),
        id="momentum-clipnorm-wd",
    ),
    pytest.param(
        RMSProp,
        dict(lr=0.01, clip_value=0.05),
        TO.RMSprop,
        dict(lr=0.01),
        dict(clip_value=0.05),
        id="rmsprop-clipvalue",
    ),
    pytest.param(
        Momentum,
        dict(schedule=time_decay(0.05, 0.1)),
        TO.SGD,
        dict(lr=0.05, momentum=0.9),
        dict(lr_lambda=lambda s: 1 / (1 + 0.1 * s)),
        id="momentum-time-decay",
    ),
    pytest.param(
        Adam,
        dict(schedule=inverse_sqrt(0.05), weight_decay=0.01),
        TO.Adam,
        dict(lr=0.05, weight_decay=0.01),
        dict(lr_lambda=lambda s: 1 / math.sqrt(1 + s)),
        id="adam-inverse-sqrt",
    ),
    pytest.param(
        AdamW,
        dict(schedule=cosine(0.05, STEPS, lr_min=0.001), clip_norm=1.0),
        TO.AdamW,
        dict(lr=0.05),
        dict(
            lr_lambda=lambda s: (0.001 + 0.049 * (1 + math.cos(math.pi * s / STEPS)) / 2) / 0.05,
            clip_norm=1.0,
        ),
        id="adamw-cosine-clipnorm",
    ),
]


@pytest.mark.parametrize("cls, kwargs, torch_cls, torch_kwargs, torch_options", OPTION_CASES)
def test_options_match_torch(cls, kwargs, torch_cls, torch_kwargs, torch_options):
    opt = cls(**kwargs)
    ours, _ = run(opt)
    assert_close(ours, torch_run(torch_cls, torch_kwargs, **torch_options), ORACLE_TOL, repr(opt))


def test_lr_follows_the_schedule_and_clip_norm_reports_the_norm():
    schedule = step_decay(0.1, drop=0.5, every=10)
    opt = SGD(schedule=schedule, clip_norm=1e-3)
    params = fresh_params()
    assert opt.lr == 0.1
    for i in range(25):
        grads = grads_of(params)
        opt.step(params, grads)
        assert opt.lr == schedule(i + 1)  # lr is the rate the next step will use
    assert opt.last_grad_norm == pytest.approx(
        np.sqrt(sum((g**2).sum() for g in grads.values())), rel=1e-12
    )
    assert opt.lr == 0.025 and opt.iterations == 25
    opt.reset()
    assert (opt.lr, opt.iterations, opt.state) == (0.1, 0, {})


def test_lr_can_be_set_by_hand():
    opt = Adam()
    opt.lr = np.float64(0.5)  # e.g. by a callback; stored as a Python float (NEP 50)
    assert type(opt.lr) is float and opt.lr == 0.5
    params = fresh_params(np.float32)
    opt.step(params, grads_of(params))
    assert params["W"].dtype == np.float32
    with pytest.raises(ValueError, match="Adam: expected lr >= 0"):
        opt.lr = -0.1


def test_weight_decay_is_the_l2_penalty_gradient():
    """SGD(weight_decay=lam) on the loss == SGD on loss + l2_penalty(lam) (lam/2 ||w||^2 convention)."""
    lam, decayed, penalised = 0.3, SGD(lr=0.05, weight_decay=0.3), SGD(lr=0.05)
    p1, p2 = fresh_params(), fresh_params()
    for _ in range(20):
        decayed.step(p1, grads_of(p1))
        penalised.step(p2, {k: g + l2_penalty(p2[k], lam)[1] for k, g in grads_of(p2).items()})
    for name in p1:
        assert_close(p1[name], p2[name], 1e-14, name)


# --- schedules ------------------------------------------------------------------------------------------------

STEPS_T = np.arange(0, 120)


@pytest.mark.parametrize(
    "schedule, formula",
    [
        (time_decay(0.2, 0.5), lambda s: 0.2 / (1 + 0.5 * s)),
        (exponential_decay(0.1, 0.95), lambda s: 0.1 * 0.95**s),
        (exponential_decay(0.1, 0.5, decay_steps=20), lambda s: 0.1 * 0.5 ** (s / 20)),
        (
            exponential_decay(0.1, 0.5, decay_steps=20, staircase=True),
            lambda s: 0.1 * 0.5 ** (s // 20),
        ),
        (step_decay(0.3, 0.1, 30), lambda s: 0.3 * 0.1 ** (s // 30)),
        (inverse_sqrt(0.4), lambda s: 0.4 / math.sqrt(s + 1)),
        (cosine(0.1, 100), lambda s: 0.05 * (1 + math.cos(math.pi * min(s, 100) / 100))),
        (
            cosine(0.1, 50, lr_min=0.01),
            lambda s: 0.01 + 0.045 * (1 + math.cos(math.pi * min(s, 50) / 50)),
        ),
    ],
    ids=lambda x: repr(x) if hasattr(x, "params") else None,
)
def test_schedule_formula(schedule, formula):
    expected = np.array([formula(int(s)) for s in STEPS_T])
    assert_close(schedule(STEPS_T), expected, 1e-14, repr(schedule))  # vectorised
    assert all(
        isinstance(schedule(int(s)), float)
        and abs(schedule(int(s)) - e) <= 1e-15 * max(e, 1e-300) + 1e-18
        for s, e in zip(STEPS_T[::7], expected[::7])
    )


@pytest.mark.parametrize(
    "schedule, make_torch, horizon",
    [
        (exponential_decay(0.1, 0.95), lambda o: TO.lr_scheduler.ExponentialLR(o, gamma=0.95), 120),
        (
            exponential_decay(0.1, 0.5, decay_steps=7, staircase=True),
            lambda o: TO.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
            120,
        ),
        (
            step_decay(0.1, 0.3, 10),
            lambda o: TO.lr_scheduler.StepLR(o, step_size=10, gamma=0.3),
            120,
        ),
        (
            cosine(0.1, 100, lr_min=0.002),
            lambda o: TO.lr_scheduler.CosineAnnealingLR(o, T_max=100, eta_min=0.002),
            101,
        ),
        (
            time_decay(0.1, 0.2),
            lambda o: TO.lr_scheduler.LambdaLR(o, lambda s: 1 / (1 + 0.2 * s)),
            120,
        ),
        (
            inverse_sqrt(0.1),
            lambda o: TO.lr_scheduler.LambdaLR(o, lambda s: 1 / math.sqrt(1 + s)),
            120,
        ),
    ],
    ids=[
        "ExponentialLR",
        "StepLR-staircase",
        "StepLR",
        "CosineAnnealingLR",
        "LambdaLR-time",
        "LambdaLR-isqrt",
    ],
)
def test_schedule_matches_torch_scheduler(schedule, make_torch, horizon):
    opt = TO.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_torch(opt)
    torch_lrs = []
    for _ in range(horizon):
        torch_lrs.append(scheduler.get_last_lr()[0])
        opt.step()
        scheduler.step()
    assert_close(schedule(np.arange(horizon)), np.array(torch_lrs), 1e-12, repr(schedule))


def test_cosine_stays_at_lr_min_after_total():
    assert cosine(0.1, 10, lr_min=0.01)(np.array([10, 11, 50])).tolist() == [0.01] * 3


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: time_decay(0.0, 1.0), "time_decay: expected lr0 > 0"),
        (lambda: time_decay(0.1, -1.0), "time_decay: expected k >= 0"),
        (lambda: exponential_decay(0.1, 0.0), "exponential_decay: expected rate > 0"),
        (lambda: step_decay(0.1, 0.5, 0), "step_decay: expected every > 0"),
        (
            lambda: exponential_decay(0.1, 0.5, decay_steps=-2),
            "exponential_decay: expected decay_steps > 0",
        ),
        (lambda: cosine(0.1, 10, lr_min=0.2), "cosine: expected lr_min <= lr0"),
        (lambda: inverse_sqrt(0.1)(-1), "inverse_sqrt: expected t >= 0"),
    ],
)
def test_schedule_bad_input(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# --- gradient accumulation -----------------------------------------------------------------------------------


def linear_grads(params, Xb, yb):
    """Gradient of the mean squared error of the linear model Xb @ w + c."""
    r = Xb @ params["w"] + params["c"] - yb
    return {"w": 2 * Xb.T @ r / len(yb), "c": np.array([2 * r.mean()])}


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(lr=0.1),
        lambda: Adam(lr=0.05, weight_decay=0.1, clip_norm=0.5),
        lambda: "momentum",
    ],
    ids=["sgd", "adam-wd-clip", "momentum-by-name"],
)
@pytest.mark.parametrize("k", [1, 3, 4])
def test_accumulation_equals_full_batch_step(make, k):
    rng = np.random.default_rng(12)
    Xa, ya = rng.standard_normal((12, 3)), rng.standard_normal(12)
    full = get_optimizer(make())
    acc = Accumulate(get_optimizer(make()), steps=k)
    p_full = {"w": rng.standard_normal(3), "c": np.zeros(1)}
    p_acc = {name: v.copy() for name, v in p_full.items()}
    for cycle in range(5):
        full.step(p_full, linear_grads(p_full, Xa, ya))
        for i, (Xb, yb) in enumerate(zip(np.split(Xa, k), np.split(ya, k))):
            before = {name: v.copy() for name, v in p_acc.items()}
            applied = acc.step(p_acc, linear_grads(p_acc, Xb, yb))
            assert applied == (i == k - 1)
            if not applied:  # micro-batches all see the same weights
                np.testing.assert_equal(p_acc, before)
        for name in p_full:
            assert_close(p_acc[name], p_full[name], 1e-14, f"cycle {cycle} {name}")
    assert acc.iterations == full.iterations == 5 and acc.pending == 0


def test_accumulate_interface():
    acc = Accumulate("adam", steps=2)
    assert acc.lr == 1e-3
    acc.lr = 0.01
    assert acc.optimizer.lr == 0.01
    assert get_optimizer(acc) is acc
    params = {"w": np.ones(2, dtype=np.float32)}
    assert acc.step(params, {"w": np.ones(2)}) is False and acc.pending == 1
    assert acc.step(params, {"w": np.ones(2)}) is True and params["w"].dtype == np.float32
    with pytest.raises(ValueError, match="Accumulate: expected steps to be an integer >= 1"):
        Accumulate("sgd", steps=0)
    with pytest.raises(TypeError, match="Accumulate: expected an optimizer"):
        Accumulate(acc, steps=2)
    with pytest.raises(
        ValueError, match=r"Accumulate.step: expected grads\['w'\] of shape \(2,\).*got \(3,\)"
    ):
        acc.step(params, {"w": np.ones(3)})


# --- get_optimizer and bad input -------------------------------------------------------------------------------


def test_get_optimizer():
    for name, cls in OPTIMIZERS.items():
        assert type(get_optimizer(name.upper())) is cls
    opt = get_optimizer("rmsprop", lr=0.5, rho=0.8)
    assert (opt.lr, opt.hyper["rho"]) == (0.5, 0.8)
    assert get_optimizer(opt) is opt
    assert type(get_optimizer(Nesterov, beta=0.5)) is Nesterov
    assert sorted(OPTIMIZERS) == sorted(
        ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamw"]
    )
    with pytest.raises(
        ValueError,
        match="get_optimizer: unknown optimizer 'adamax' .did you mean 'adam'..; valid names: "
        "adadelta, adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd",
    ):
        get_optimizer("adamax")
    with pytest.raises(TypeError, match="get_optimizer: keyword arguments"):
        get_optimizer(opt, lr=0.1)
    with pytest.raises(
        TypeError, match="get_optimizer: expected the name of optimizer .a str., got float"
    ):
        get_optimizer(0.1)
    with pytest.raises(
        TypeError, match="Optimizer: Optimizer is a base class; use one of sgd, momentum"
    ):
        Optimizer()


@pytest.mark.parametrize("cls", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
def test_class_bad_input(cls):
    name = cls.__name__
    for bad in (0.0, -1e-3):
        with pytest.raises(ValueError, match=f"{name}: expected lr > 0"):
            cls(lr=bad)
    with pytest.raises(ValueError, match=f"{name}: give lr or schedule, not both"):
        cls(lr=0.1, schedule=cosine(0.1, 10))
    with pytest.raises(ValueError, match=f"{name}: expected clip_norm > 0"):
        cls(clip_norm=0.0)
    with pytest.raises(ValueError, match=f"{name}: expected weight_decay >= 0"):
        cls(weight_decay=-0.1)
    opt = cls()
    with pytest.raises(
        ValueError,
        match=rf"{name}.step: expected grads\['0.W'\] of shape \(3, 2\) "
        rf"\(the shape of params\['0.W'\]\), got \(2, 3\)",
    ):
        opt.step({"0.W": np.zeros((3, 2))}, {"0.W": np.zeros((2, 3))})
    with pytest.raises(
        ValueError,
        match=rf"{name}.step: params and grads must have the same names; "
        r"no grads for \['0.b'\], grads for unknown params \['1.b'\]",
    ):
        opt.step({"0.W": np.zeros(2), "0.b": np.zeros(2)}, {"0.W": np.zeros(2), "1.b": np.zeros(2)})
    with pytest.raises(
        TypeError, match=rf"{name}.step: params\['w'\] must be a float32/float64 ndarray"
    ):
        opt.step({"w": np.zeros(2, dtype=int)}, {"w": np.zeros(2)})
    assert opt.iterations == 0 and opt.state == {}  # failed steps change nothing
