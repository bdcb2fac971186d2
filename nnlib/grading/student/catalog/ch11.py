"""Chapter 11, batch normalization: training-mode forward and backward, inference, running averages."""

import numpy as np

from ..cases import case, randn
from . import REF, F, chapter

ex = chapter("11_batchnorm")


def _params(rng, d):
    return dict(gamma=1.0 + randn(rng, d, scale=0.5), beta=randn(rng, d))


def _fwd_public(rng):
    return [
        case("(8, 3)", x=randn(rng, 8, 3, scale=3.0) + 2, **_params(rng, 3), eps=1e-5),
        case("batch of 2", x=randn(rng, 2, 4), **_params(rng, 4), eps=1e-5),
        case(
            "constant feature",
            x=np.column_stack([np.full(5, 3.0), randn(rng, 5)]),
            **_params(rng, 2),
            eps=1e-5,
        ),
        case(
            "tiny spread (var ~ eps)",
            x=1.0 + randn(rng, 6, 2, scale=3e-3),
            **_params(rng, 2),
            eps=1e-5,
        ),
    ]


def _fwd_hidden(rng):
    return [
        case("(64, 10)", x=randn(rng, 64, 10, scale=10.0), **_params(rng, 10), eps=1e-5),
        case("large eps", x=randn(rng, 6, 2), **_params(rng, 2), eps=0.5),
        case("large values", x=randn(rng, 7, 3, scale=1e4), **_params(rng, 3), eps=1e-5),
    ]


def _bwd_public(rng):
    return [
        case(
            "(8, 3)",
            dout=randn(rng, 8, 3),
            x=randn(rng, 8, 3, scale=3.0),
            gamma=1.0 + randn(rng, 3),
            eps=1e-5,
        ),
        case("batch of 2", dout=randn(rng, 2, 4), x=randn(rng, 2, 4), gamma=np.ones(4), eps=1e-5),
        case(
            "constant upstream gradient",
            dout=np.ones((5, 2)),
            x=randn(rng, 5, 2),
            gamma=randn(rng, 2),
            eps=1e-5,
        ),
        case(
            "tiny spread (var ~ eps)",
            dout=randn(rng, 6, 2),
            x=1.0 + randn(rng, 6, 2, scale=3e-3),
            gamma=1.0 + randn(rng, 2, scale=0.5),
            eps=1e-5,
        ),
    ]


def _bwd_hidden(rng):
    return [
        case(
            "(50, 6)",
            dout=randn(rng, 50, 6),
            x=randn(rng, 50, 6, scale=5.0),
            gamma=randn(rng, 6),
            eps=1e-5,
        ),
        case("large eps", dout=randn(rng, 4, 3), x=randn(rng, 4, 3), gamma=randn(rng, 3), eps=0.3),
        case(
            "constant feature",
            dout=randn(rng, 6, 2),
            x=np.column_stack([np.zeros(6), randn(rng, 6)]),
            gamma=randn(rng, 2),
            eps=1e-5,
        ),
    ]


def _inf_public(rng):
    return [
        case(
            "(4, 3)",
            x=randn(rng, 4, 3),
            **_params(rng, 3),
            mean=randn(rng, 3),
            var=np.abs(randn(rng, 3)) + 0.1,
            eps=1e-5,
        ),
        case(
            "one sample",
            x=randn(rng, 1, 2),
            **_params(rng, 2),
            mean=np.zeros(2),
            var=np.ones(2),
            eps=1e-5,
        ),
        case(
            "variance near eps",
            x=randn(rng, 3, 2, scale=0.01),
            **_params(rng, 2),
            mean=np.zeros(2),
            var=np.array([1e-5, 4e-5]),
            eps=1e-5,
        ),
    ]


def _inf_hidden(rng):
    return [
        case(
            "(10, 5)",
            x=randn(rng, 10, 5),
            **_params(rng, 5),
            mean=randn(rng, 5),
            var=np.abs(randn(rng, 5)) + 0.01,
            eps=1e-3,
        ),
        case(
            "zero variance",
            x=randn(rng, 3, 2),
            **_params(rng, 2),
            mean=randn(rng, 2),
            var=np.zeros(2),
            eps=1e-5,
        ),
    ]


def _run_public(rng):
    return [
        case(
            "(8, 3)",
            running_mean=np.zeros(3),
            running_var=np.ones(3),
            x=randn(rng, 8, 3) + 1,
            momentum=0.1,
        ),
        case(
            "batch of 2",
            running_mean=randn(rng, 2),
            running_var=np.abs(randn(rng, 2)),
            x=randn(rng, 2, 2),
            momentum=0.1,
        ),
    ]


def _run_hidden(rng):
    return [
        case(
            "momentum 1",
            running_mean=randn(rng, 4),
            running_var=np.ones(4),
            x=randn(rng, 5, 4),
            momentum=1.0,
        ),
        case(
            "(30, 3), momentum 0.01",
            running_mean=randn(rng, 3),
            running_var=np.abs(randn(rng, 3)),
            x=randn(rng, 30, 3, scale=4.0),
            momentum=0.01,
        ),
    ]


EXERCISES = [
    ex(
        id="batchnorm_forward",
        reference=f"{F}:batchnorm_forward",
        points=2,
        summary="normalise with the batch mean and (biased) variance, then scale and shift",
        public=_fwd_public,
        hidden=_fwd_hidden,
    ),
    ex(
        id="batchnorm_backward",
        reference=f"{F}:batchnorm_backward",
        output="tuple",
        output_names=("dx", "dgamma", "dbeta"),
        points=3,
        summary="the full backward pass of batch norm",
        public=_bwd_public,
        hidden=_bwd_hidden,
    ),
    ex(
        id="batchnorm_inference",
        reference=f"{F}:batchnorm_inference",
        points=1,
        summary="normalise with the running mean and variance",
        public=_inf_public,
        hidden=_inf_hidden,
    ),
    ex(
        id="update_running_stats",
        reference=f"{REF}:update_running_stats",
        output="tuple",
        output_names=("running_mean", "running_var"),
        points=1,
        summary="PyTorch's running averages (unbiased batch variance)",
        public=_run_public,
        hidden=_run_hidden,
    ),
]
