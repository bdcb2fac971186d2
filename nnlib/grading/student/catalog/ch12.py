"""Chapter 12, regularization: L2 and L1 penalties, inverted dropout, early stopping."""

import numpy as np

from ..cases import case, randn, with_zeros
from . import REF, F, chapter

ex = chapter("12_regularization")


def _penalty(rng_w):
    def public(rng):
        return [
            case("(3, 4), lam 0.1", w=rng_w(rng, 3, 4), lam=0.1),
            case("1-D, lam 1", w=rng_w(rng, 5), lam=1.0),
            case("lam 0", w=rng_w(rng, 2, 2), lam=0.0),
        ]

    def hidden(rng):
        return [
            case("(20, 10), lam 0.01", w=rng_w(rng, 20, 10), lam=0.01),
            case("zeros", w=np.zeros((2, 3)), lam=0.5),
            case("large weights", w=randn(rng, 4, scale=1e4), lam=1e-3),
        ]

    return {"public": public, "hidden": hidden}


def _w_kink(args):
    return np.asarray(args["w"]) == 0


def _drop_fwd_public(rng):
    return [
        case("(4, 5), p 0.5", x=randn(rng, 4, 5), p=0.5, rng=7),
        case("p 0.2", x=randn(rng, 3, 3), p=0.2, rng=11),
        case("p 0: keep everything", x=randn(rng, 2, 3), p=0.0, rng=3),
    ]


def _drop_fwd_hidden(rng):
    return [
        case("(50, 8), p 0.9", x=randn(rng, 50, 8), p=0.9, rng=int(rng.integers(2**31))),
        case("batch size 1", x=randn(rng, 1, 6), p=0.5, rng=int(rng.integers(2**31))),
        case("1-D", x=randn(rng, 10), p=0.3, rng=int(rng.integers(2**31))),
    ]


def _mask(rng, shape, p):
    return rng.random(shape) >= p


def _drop_bwd_public(rng):
    return [
        case("(4, 5), p 0.5", dout=randn(rng, 4, 5), mask=_mask(rng, (4, 5), 0.5), p=0.5),
        case("p 0.2", dout=randn(rng, 3, 3), mask=_mask(rng, (3, 3), 0.2), p=0.2),
        case("p 0", dout=randn(rng, 2, 3), mask=np.ones((2, 3), dtype=bool), p=0.0),
    ]


def _drop_bwd_hidden(rng):
    return [
        case("(40, 6), p 0.75", dout=randn(rng, 40, 6), mask=_mask(rng, (40, 6), 0.75), p=0.75),
        case("everything dropped", dout=randn(rng, 2, 2), mask=np.zeros((2, 2), dtype=bool), p=0.5),
    ]


def _es_public(rng):
    return [
        case(
            "stops after patience 2",
            val_losses=np.array([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.6]),
            patience=2,
            min_delta=0.0,
        ),
        case("never stops", val_losses=np.array([3.0, 2.0, 1.5, 1.2]), patience=1, min_delta=0.0),
        case(
            "min_delta ignores tiny gains",
            val_losses=np.array([1.0, 0.999, 0.998, 0.5]),
            patience=2,
            min_delta=0.01,
        ),
        case(
            "a tie does not improve",
            val_losses=np.array([2.0, 1.0, 1.2, 0.9, 0.9, 0.95, 0.8]),
            patience=2,
            min_delta=0.0,
        ),
        # losses near 10: min_delta is an absolute gain, not a fraction of the best loss
        case(
            "losses near 10, min_delta 0.2",
            val_losses=np.array([12.0, 10.0, 9.85, 9.7, 9.5]),
            patience=2,
            min_delta=0.2,
        ),
    ]


def _es_hidden(rng):
    noisy = 1.0 / np.arange(1, 31) + randn(rng, 30, scale=0.02)
    scale = rng.uniform(0.5, 2.0, 2)  # the curves' shapes decide the answer, not their level
    return [
        case("noisy curve, patience 3", val_losses=noisy, patience=3, min_delta=0.0),
        case(
            "ties do not improve",
            val_losses=np.array([1.0, 1.0, 1.0, 1.0]),
            patience=2,
            min_delta=0.0,
        ),
        case(
            "patience 0 acts like 1",
            val_losses=np.array([2.0, 1.0, 1.5, 0.1]),
            patience=0,
            min_delta=0.0,
        ),
        case("one epoch", val_losses=np.array([0.3]), patience=5, min_delta=0.0),
        case(
            "min_delta 0.05, patience 2",
            val_losses=np.array([1.0, 1.1, 0.6, 0.58, 0.8, 0.3]) * scale[0],
            patience=2,
            min_delta=0.05,
        ),
        case(
            "a rebound is not an improvement",
            val_losses=np.array([1.0, 0.5, 0.9, 0.8, 0.7]) * scale[1],
            patience=3,
            min_delta=0.0,
        ),
        case(
            "losses near 25, min_delta 0.5",
            val_losses=np.array([30.0, 25.0, 24.8, 24.0, 23.9, 23.95]),
            patience=2,
            min_delta=0.5,
        ),
    ]


EXERCISES = [
    ex(
        id="l2_penalty",
        reference=f"{F}:l2_penalty",
        output="tuple",
        output_names=("value", "grad"),
        points=1,
        summary="lam / 2 ||w||^2 and its gradient lam w",
        **_penalty(randn),
    ),
    ex(
        id="l1_penalty",
        reference=f"{F}:l1_penalty",
        output="tuple",
        output_names=("value", "grad"),
        points=1,
        kink=_w_kink,
        kink_desc="w = 0, where the subgradient is 0",
        summary="lam ||w||_1 and its subgradient lam sign(w)",
        **_penalty(with_zeros),
    ),
    ex(
        id="dropout_forward",
        reference=f"{F}:dropout_forward",
        output="tuple",
        output_names=("out", "mask"),
        rng_args=("rng",),
        points=2,
        summary="inverted dropout: keep with prob 1 - p, scale by 1 / (1 - p)",
        public=_drop_fwd_public,
        hidden=_drop_fwd_hidden,
    ),
    ex(
        id="dropout_backward",
        reference=f"{F}:dropout_backward",
        points=1,
        summary="dout * mask / (1 - p)",
        public=_drop_bwd_public,
        hidden=_drop_bwd_hidden,
    ),
    ex(
        id="early_stopping",
        reference=f"{REF}:early_stopping",
        output="tuple",
        output_names=("best_epoch", "stopped_epoch"),
        points=2,
        summary="replay early stopping on a validation curve",
        public=_es_public,
        hidden=_es_hidden,
    ),
]
