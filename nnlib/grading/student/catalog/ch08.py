"""Chapter 8, loss functions: MAE's gradient, Huber, hinge and KL divergence, with their gradients."""

import numpy as np

from ..cases import case, randn, regression_pair
from . import F, chapter

ex = chapter("08_losses")


def _pm1(rng, *shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _hinge_cases(kink: bool):
    """Cases ``(scores, y_pm1)``; margins of exactly 1 are labelled the kink for the gradient only."""
    margin_label = "kink: margin exactly 1" if kink else "margin exactly 1"

    def public(rng):
        y = _pm1(rng, 8)
        return [
            case("random (8,)", scores=randn(rng, 8, scale=2.0), y_pm1=y),
            case("batch size 1", scores=randn(rng, 1), y_pm1=np.ones(1)),
            case(
                margin_label,
                scores=np.array([1.0, -1.0, 0.5, 2.0]),
                y_pm1=np.array([1.0, -1.0, 1.0, 1.0]),
            ),
            # 2-D: the mean is over every entry, not over len(scores) rows
            case("2-D (3, 4)", scores=randn(rng, 3, 4, scale=2.0), y_pm1=_pm1(rng, 3, 4)),
        ]

    def hidden(rng):
        y = _pm1(rng, 5)
        margins = rng.permutation([1.0, 1.0, 0.5, 2.5, -0.5])  # y s exactly 1 twice
        return [
            case("(5, 3)", scores=randn(rng, 5, 3), y_pm1=_pm1(rng, 5, 3)),
            case("margins 1, 1, 0.5, 2.5, -0.5 (5,)", scores=y * margins, y_pm1=y),
            case(
                "all correct with margin", scores=np.array([3.0, -2.0]), y_pm1=np.array([1.0, -1.0])
            ),
            case("zeros", scores=np.zeros(4), y_pm1=_pm1(rng, 4)),
            case(
                "large scores", scores=np.array([1e4, -1e4, 1e4]), y_pm1=np.array([-1.0, -1.0, 1.0])
            ),
        ]

    return {"public": public, "hidden": hidden}


def _hinge_kink(args):
    return np.asarray(args["y_pm1"]) * np.asarray(args["scores"]) == 1


def _probs(rng, n, c, zeros=False):
    p = rng.random((n, c)) + 0.05
    if zeros:
        p[rng.random((n, c)) < 0.3] = 0.0
        p[0, -1] = 0.0  # at least one zero, whatever the draw
        p[:, 0] += 0.1
    return p / p.sum(axis=1, keepdims=True)


def _kl_cases():
    """Cases ``(pred, target)``: the model's probabilities first, the target distribution second.

    Targets have exact zeros in some cases (0 log 0 = 0, and the gradient is 0 there); predictions
    never do (a target class the model rules out is an infinite loss)."""

    def public(rng):
        same = _probs(rng, 2, 4)
        return [
            case("batch (4, 3)", pred=_probs(rng, 4, 3), target=_probs(rng, 4, 3)),
            case("one distribution (5,)", pred=_probs(rng, 1, 5)[0], target=_probs(rng, 1, 5)[0]),
            case("pred = target", pred=same, target=same.copy()),
            case(
                "zeros in target (0 log 0 = 0)",
                pred=_probs(rng, 3, 4),
                target=_probs(rng, 3, 4, zeros=True),
            ),
        ]

    def hidden(rng):
        return [
            case("(10, 6)", pred=_probs(rng, 10, 6), target=_probs(rng, 10, 6)),
            case("batch size 1", pred=_probs(rng, 1, 2), target=_probs(rng, 1, 2)),
            case("peaked pred", pred=np.array([[0.98, 0.01, 0.01]] * 3), target=_probs(rng, 3, 3)),
            case(
                "zeros in target (0 log 0 = 0)",
                pred=_probs(rng, 4, 5),
                target=_probs(rng, 4, 5, zeros=True),
            ),
            # a 1-D pred is one distribution (N = 1): dividing by its length is wrong
            case("one distribution (6,)", pred=_probs(rng, 1, 6)[0], target=_probs(rng, 1, 6)[0]),
        ]

    return {"public": public, "hidden": hidden}


def _mae_kink(args):
    return np.asarray(args["pred"]) == np.asarray(args["target"])


EXERCISES = [
    ex(
        id="mae_backward",
        reference=f"{F}:mae_backward",
        points=1,
        kink=_mae_kink,
        kink_desc="pred = target",
        summary="sign(pred - target) / n",
        **regression_pair(kink=True),
    ),
    ex(
        id="huber",
        reference=f"{F}:huber",
        output="scalar",
        points=1,
        summary="quadratic within delta, linear outside",
        **regression_pair({"delta": 1.5}),
    ),
    ex(
        id="huber_backward",
        reference=f"{F}:huber_backward",
        points=1,
        summary="clip(pred - target, -delta, delta) / n",
        **regression_pair({"delta": 1.5}),
    ),
    ex(
        id="hinge",
        reference=f"{F}:hinge",
        output="scalar",
        points=1,
        summary="mean of max(0, 1 - y s)",
        **_hinge_cases(kink=False),
    ),
    ex(
        id="hinge_backward",
        reference=f"{F}:hinge_backward",
        points=2,
        kink=_hinge_kink,
        kink_desc="margin y s = 1, where the gradient is 0",
        summary="-y / n where y s < 1, else 0",
        **_hinge_cases(kink=True),
    ),
    ex(
        id="kl_divergence",
        reference=f"{F}:kl_divergence",
        output="scalar",
        points=2,
        summary="KL(target || pred) = sum target log(target / pred), mean over the batch",
        **_kl_cases(),
    ),
    ex(
        id="kl_divergence_backward",
        reference=f"{F}:kl_divergence_backward",
        points=1,
        summary="-target / (N pred), the gradient with respect to pred",
        **_kl_cases(),
    ),
]
