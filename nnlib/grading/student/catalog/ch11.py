"""Chapter 11, batch normalization: the training-mode forward pass, the backward pass stage by stage
along its graph and then assembled, inference, running averages."""

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
        # eps is an argument: the default 1e-5 copied into the formula shows here
        case("eps 0.1", x=randn(rng, 5, 3), **_params(rng, 3), eps=0.1),
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
        case("eps 0.2", dout=randn(rng, 5, 3), x=randn(rng, 5, 3), gamma=randn(rng, 3), eps=0.2),
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
        case(
            "eps 0.01",
            x=randn(rng, 3, 3),
            **_params(rng, 3),
            mean=randn(rng, 3),
            var=np.abs(randn(rng, 3)) + 0.05,
            eps=0.01,
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


# ----------------------------------------------------------------------------- the staged backward
# One exercise per node of x -> mu -> xc -> var -> std -> xhat -> out. The cases give each stage
# the quantities its node saw in a real forward pass (xc centred, std > 0), and a batch size that
# is not the number of features, so a sum over the wrong axis has the wrong shape.


def _graph(rng, n, d, scale=1.0):
    """The forward nodes of batch norm for a random batch: xc, std, xhat, gamma."""
    x = randn(rng, n, d, scale=scale) + randn(rng, d)
    xc = x - x.mean(axis=0)
    std = np.sqrt((xc * xc).mean(axis=0) + 1e-5)
    return dict(xc=xc, std=std, xhat=xc / std, gamma=1.0 + randn(rng, d, scale=0.5))


def _scale_shift(rng, n, d):
    g = _graph(rng, n, d)
    return dict(dout=randn(rng, n, d), xhat=g["xhat"], gamma=g["gamma"])


def _divide(rng, n, d, scale=1.0):
    g = _graph(rng, n, d, scale)
    return dict(dxhat=randn(rng, n, d), xc=g["xc"], std=g["std"])


def _sqrt(rng, d, scale=1.0):
    return dict(dstd=randn(rng, d), std=np.abs(randn(rng, d, scale=scale)) + 0.1)


def _variance(rng, n, d):
    return dict(dvar=randn(rng, d), xc=_graph(rng, n, d)["xc"])


def _center(rng, n, d):
    return dict(dxc=randn(rng, n, d) + randn(rng, d))


def _stage_cases(make, public_shapes, hidden_shapes):
    """public/hidden case generators for a stage, one case per (label, arguments of make)."""

    def public(rng):
        return [case(label, **make(rng, *args)) for label, args in public_shapes]

    def hidden(rng):
        return [case(label, **make(rng, *args)) for label, args in hidden_shapes]

    return {"public": public, "hidden": hidden}


_BATCH_PUBLIC = [("(8, 3)", (8, 3)), ("batch of 2", (2, 4)), ("(5, 2)", (5, 2))]
_BATCH_HIDDEN = [("(40, 6)", (40, 6)), ("(3, 7)", (3, 7)), ("(9, 1)", (9, 1))]


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
        id="bn_scale_shift_backward",
        reference=f"{REF}:bn_scale_shift_backward",
        output="tuple",
        output_names=("dxhat", "dgamma", "dbeta"),
        points=1,
        summary="back through out = gamma * xhat + beta",
        **_stage_cases(_scale_shift, _BATCH_PUBLIC, _BATCH_HIDDEN),
    ),
    ex(
        id="bn_divide_backward",
        reference=f"{REF}:bn_divide_backward",
        output="tuple",
        output_names=("dxc", "dstd"),
        points=1,
        summary="back through xhat = xc / std",
        **_stage_cases(_divide, _BATCH_PUBLIC, _BATCH_HIDDEN + [("large spread", (6, 2, 30.0))]),
    ),
    ex(
        id="bn_sqrt_backward",
        reference=f"{REF}:bn_sqrt_backward",
        points=1,
        summary="back through std = sqrt(var + eps)",
        **_stage_cases(
            _sqrt,
            [("3 features", (3,)), ("1 feature", (1,))],
            [("10 features", (10,)), ("large std", (4, 20.0))],
        ),
    ),
    ex(
        id="bn_variance_backward",
        reference=f"{REF}:bn_variance_backward",
        points=1,
        summary="back through var = mean(xc^2), the edge xc -> var",
        **_stage_cases(_variance, _BATCH_PUBLIC, _BATCH_HIDDEN),
    ),
    ex(
        id="bn_center_backward",
        reference=f"{REF}:bn_center_backward",
        points=1,
        summary="back through xc = x - mu, mu = mean(x)",
        **_stage_cases(_center, _BATCH_PUBLIC, _BATCH_HIDDEN),
    ),
    ex(
        id="batchnorm_backward",
        reference=f"{F}:batchnorm_backward",
        output="tuple",
        output_names=("dx", "dgamma", "dbeta"),
        points=3,
        summary="the full backward pass of batch norm, assembled from the stages",
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
        reference=f"{F}:update_running_stats",
        output="tuple",
        output_names=("running_mean", "running_var"),
        points=1,
        summary="PyTorch's running averages (unbiased batch variance)",
        public=_run_public,
        hidden=_run_hidden,
    ),
]
