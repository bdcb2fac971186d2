"""Chapter 9, optimizers: momentum, Adagrad, RMSProp, Adadelta and Adam steps; learning-rate schedules."""

import numpy as np

from ..cases import case, state_cases
from . import REF, F, chapter

ex = chapter("09_optimizers")

_STEP = dict(output="tuple", output_names=("new_w", "new_state"))


def _schedule(make_args, other: dict):
    """Cases ``make_args(t)`` over a range of steps, a single step 0 and a long horizon.

    ``other`` overrides the hyper-parameters in one public and one hidden case, so a value copied
    from the worked example (drop = 0.5 read as "1 - drop", a hard-coded k) shows.
    """

    def public(rng):
        return [
            case("t = 0 .. 9", **make_args(np.arange(10.0))),
            case("t = 0 only", **make_args(np.zeros(1))),
            case("sparse steps", **make_args(np.array([0.0, 5.0, 17.0, 25.0, 40.0]))),
            case("other hyper-parameters", **{**make_args(np.arange(12.0)), **other}),
        ]

    def hidden(rng):
        return [
            case("t = 0 .. 199", **make_args(np.arange(200.0))),
            case("unsorted steps", **make_args(rng.permutation(30).astype(float))),
            case("other hyper-parameters, t = 0 .. 79", **{**make_args(np.arange(80.0)), **other}),
        ]

    return {"public": public, "hidden": hidden}


EXERCISES = [
    ex(
        id="momentum_step",
        reference=f"{F}:momentum_step",
        points=2,
        **_STEP,
        summary="v = beta v + g; w = w - lr v (PyTorch's form)",
        **state_cases(("v",), {"lr": 0.1, "beta": 0.9}, other_hyper={"lr": 0.05, "beta": 0.5}),
    ),
    ex(
        id="adagrad_step",
        reference=f"{F}:adagrad_step",
        points=2,
        **_STEP,
        summary="accumulate g^2; w -= lr g / (sqrt(sum) + eps)",
        **state_cases(
            ("sum_sq",),
            {"lr": 0.1, "eps": 1e-8},
            nonneg=("sum_sq",),
            other_hyper={"lr": 0.5, "eps": 1e-3},
        ),
    ),
    ex(
        id="rmsprop_step",
        reference=f"{F}:rmsprop_step",
        points=2,
        **_STEP,
        summary="running mean of g^2; w -= lr g / (sqrt(avg) + eps)",
        **state_cases(
            ("square_avg",),
            {"lr": 0.01, "rho": 0.9, "eps": 1e-8},
            nonneg=("square_avg",),
            other_hyper={"lr": 0.05, "rho": 0.5, "eps": 1e-3},
        ),
    ),
    ex(
        id="adadelta_step",
        reference=f"{F}:adadelta_step",
        points=2,
        **_STEP,
        summary="Adadelta: units-corrected step from two running averages",
        **state_cases(
            ("square_avg", "acc_delta"),
            {"rho": 0.9, "eps": 1e-6, "lr": 1.0},
            nonneg=("square_avg", "acc_delta"),
            other_hyper={"lr": 0.5, "rho": 0.7, "eps": 1e-3},
        ),
    ),
    ex(
        id="adam_step",
        reference=f"{F}:adam_step",
        points=3,
        **_STEP,
        summary="Adam with bias correction (PyTorch's eps placement)",
        **state_cases(
            ("m", "v"),
            {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            nonneg=("v",),
            counter=True,
            other_hyper={"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3},
        ),
    ),
    ex(
        id="time_decay_lr",
        reference=f"{REF}:time_decay_lr",
        points=1,
        summary="lr0 / (1 + k t)",
        **_schedule(lambda t: {"lr0": 0.5, "k": 0.1, "t": t}, {"lr0": 2.0, "k": 0.5}),
    ),
    ex(
        id="step_decay_lr",
        reference=f"{REF}:step_decay_lr",
        points=1,
        summary="lr0 drop^floor(t / every)",
        **_schedule(
            lambda t: {"lr0": 0.1, "drop": 0.5, "every": 5, "t": t},
            {"lr0": 1.0, "drop": 0.1, "every": 3},
        ),
    ),
    ex(
        id="cosine_lr",
        reference=f"{REF}:cosine_lr",
        points=1,
        summary="cosine annealing from lr0 to lr_min over total steps, then flat",
        **_schedule(
            lambda t: {"lr0": 0.1, "total": 20, "t": t, "lr_min": 0.001},
            {"lr0": 0.3, "total": 50, "lr_min": 0.01},
        ),
    ),
]
