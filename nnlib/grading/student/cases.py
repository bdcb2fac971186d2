"""Building blocks for case generators: random arrays, edge-case inputs, common case families.

A generator is a function ``rng -> list[Case]``. Every array is drawn from the ``rng`` it is given,
so the lists are reproducible. The families below cover the usual edge cases: batch size 1,
zeros, ties, the kink ``x = 0``, and large magnitudes up to ``+-1e4``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .registry import Case

Gen = Callable[[np.random.Generator], list]

#: inputs spanning the whole range, including both signs of 1e4 (overflow tests) and the kink 0
LARGE = np.array([-1e4, -800.0, -50.0, -1.0, 0.0, 0.5, 50.0, 800.0, 1e4])


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Standard normal samples times ``scale``."""
    return scale * rng.standard_normal(shape)


def with_zeros(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Normal samples with about a third of the entries set to exactly 0 (at least one)."""
    x = randn(rng, *shape)
    mask = rng.random(shape) < 1 / 3
    mask.flat[0] = True
    x[mask] = 0.0
    return x


def case(label: str, **args) -> Case:
    return Case(label, dict(args))


def labels01(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2, n).astype(np.float64)


# ----------------------------------------------------------------------------- families


def elementwise_backward(
    extra: dict | None = None, large: bool = True, kink: bool = False
) -> dict[str, Gen]:
    """Cases ``(dout, x, *extra)`` for an activation's backward pass (``public``, ``hidden``).

    ``kink=True`` (ReLU-like functions) labels the case with exact zeros in ``x`` as the kink;
    for smooth functions it is just a case with zeros.
    """
    extra = extra or {}
    zeros_label = "kink: x = 0 entries" if kink else "exact zeros in x"

    def public(rng):
        cases = [
            case("random (4, 3)", dout=randn(rng, 4, 3), x=randn(rng, 4, 3, scale=2.0), **extra),
            case("batch size 1 (1, 5)", dout=randn(rng, 1, 5), x=randn(rng, 1, 5), **extra),
            case(zeros_label, dout=randn(rng, 3, 4), x=with_zeros(rng, 3, 4), **extra),
        ]
        if large:
            cases.append(
                case("large |x| up to 1e4", dout=randn(rng, LARGE.size), x=LARGE.copy(), **extra)
            )
        return cases

    def hidden(rng):
        cases = [
            case("random (7, 2)", dout=randn(rng, 7, 2), x=randn(rng, 7, 2, scale=3.0), **extra),
            case("1-D (6,)", dout=randn(rng, 6), x=randn(rng, 6), **extra),
            case("3-D (2, 3, 4)", dout=randn(rng, 2, 3, 4), x=randn(rng, 2, 3, 4), **extra),
            case("all zeros", dout=randn(rng, 2, 3), x=np.zeros((2, 3)), **extra),
            case("zero upstream gradient", dout=np.zeros((3, 2)), x=randn(rng, 3, 2), **extra),
        ]
        if large:
            cases.append(
                case(
                    "large |x| (5, 9)",
                    dout=randn(rng, 5, LARGE.size),
                    x=np.tile(LARGE, (5, 1)) * rng.uniform(0.5, 1.0, (5, 1)),
                    **extra,
                )
            )
        return cases

    return {"public": public, "hidden": hidden}


def regression_pair(
    extra: dict | None = None, large: bool = True, ties: bool = True, kink: bool = False
) -> dict[str, Gen]:
    """Cases ``(pred, target, *extra)`` for a regression loss or its gradient.

    ``ties`` adds a case where some entries have ``pred == target``; ``kink=True`` (MAE's gradient)
    labels it as the kink.
    """
    extra = extra or {}
    ties_label = "kink: pred = target entries" if kink else "ties: pred = target entries"

    def public(rng):
        cases = [
            case("random (8,)", pred=randn(rng, 8), target=randn(rng, 8), **extra),
            case("2-D (4, 3)", pred=randn(rng, 4, 3, scale=2.0), target=randn(rng, 4, 3), **extra),
            case("batch size 1", pred=randn(rng, 1), target=randn(rng, 1), **extra),
        ]
        if ties:
            p = randn(rng, 6)
            t = p.copy()
            t[::2] += randn(rng, 3, scale=3.0)
            cases.append(case(ties_label, pred=p, target=t, **extra))
        if large:
            cases.append(
                case("large values", pred=LARGE.copy(), target=randn(rng, LARGE.size), **extra)
            )
        return cases

    def hidden(rng):
        cases = [
            case("random (32,)", pred=randn(rng, 32, scale=3.0), target=randn(rng, 32), **extra),
            case("2-D (5, 2)", pred=randn(rng, 5, 2), target=randn(rng, 5, 2), **extra),
            case("equal inputs", pred=np.full(4, 0.5), target=np.full(4, 0.5), **extra),
            case("zeros", pred=np.zeros(3), target=np.zeros(3), **extra),
        ]
        if large:
            cases.append(
                case(
                    "large (2, 9)",
                    pred=np.vstack([LARGE, -LARGE]),
                    target=randn(rng, 2, 9),
                    **extra,
                )
            )
        return cases

    return {"public": public, "hidden": hidden}


#: the size of a "tiny" gradient: small enough that where epsilon sits (1e-8 inside or outside a
#: square root, next to a corrected or an uncorrected second moment) changes the step visibly
TINY = 1e-6


def first_gradient(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Normal gradients with one exact 0 and one tiny (``~1e-6``) entry at random places.

    From an empty state the zero entry has running squares of exactly 0 (0/0 without an
    epsilon), and the tiny one makes epsilon's placement matter.
    """
    g = randn(rng, *shape)
    zero, tiny = rng.choice(g.size, size=2, replace=False)
    g.flat[zero] = 0.0
    g.flat[tiny] = TINY * rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)
    return g


def state_cases(
    keys: tuple[str, ...],
    hyper: dict,
    nonneg: tuple[str, ...] = (),
    counter: bool = False,
    other_hyper: dict | None = None,
) -> dict[str, Gen]:
    """Cases ``(w, dw, state, *hyper)`` for an optimizer step: first steps from ``{}`` and later ones.

    ``keys`` are the state's arrays (``nonneg`` ones hold running squares, so they are >= 0);
    ``counter`` adds the step count ``"t"``. The cases separate the usual mistakes: a first step
    with an exact zero and a tiny gradient (epsilon's placement, 0/0, the first step's size at
    t = 1), a second step from the state of a tiny first one, a zero gradient, batch shapes that
    are not square, and one case with ``other_hyper`` (e.g. ``lr != 1``) where it is given.
    """

    def state(rng, shape, t, scale=1.0):
        s = {"t": t} if counter else {}
        for k in keys:
            v = randn(rng, *shape, scale=0.1 * scale)
            s[k] = np.abs(v) * scale if k in nonneg else v
        return s

    def public(rng):
        cases = [
            case(
                "first step from {}: a 0 and a tiny gradient",
                w=randn(rng, 4),
                dw=first_gradient(rng, 4),
                state={},
                **hyper,
            ),
            case(
                "later step (3, 2)",
                w=randn(rng, 3, 2),
                dw=randn(rng, 3, 2),
                state=state(rng, (3, 2), 4),
                **hyper,
            ),
            case(
                "zero gradient", w=randn(rng, 5), dw=np.zeros(5), state=state(rng, (5,), 2), **hyper
            ),
            case(
                "second step, tiny gradients (2, 3)",
                w=randn(rng, 2, 3),
                dw=randn(rng, 2, 3, scale=TINY),
                state=state(rng, (2, 3), 1, scale=TINY),
                **hyper,
            ),
        ]
        if other_hyper:
            cases.append(
                case(
                    "later step, other hyper-parameters",
                    w=randn(rng, 4),
                    dw=randn(rng, 4),
                    state=state(rng, (4,), 3),
                    **{**hyper, **other_hyper},
                )
            )
        return cases

    def hidden(rng):
        cases = [
            case(
                "first step (2, 3)",
                w=randn(rng, 2, 3),
                dw=first_gradient(rng, 2, 3),
                state={},
                **hyper,
            ),
            case(
                "step 10 (6,)",
                w=randn(rng, 6),
                dw=randn(rng, 6, scale=5.0),
                state=state(rng, (6,), 10),
                **hyper,
            ),
            case(
                "single weight (1,)",
                w=randn(rng, 1),
                dw=randn(rng, 1),
                state=state(rng, (1,), 1),
                **hyper,
            ),
            case(
                "large gradient",
                w=randn(rng, 4),
                dw=randn(rng, 4, scale=1e4),
                state=state(rng, (4,), 3),
                **hyper,
            ),
            case(
                "second step, tiny gradients (3, 4)",
                w=randn(rng, 3, 4),
                dw=randn(rng, 3, 4, scale=TINY),
                state=state(rng, (3, 4), 1, scale=TINY),
                **hyper,
            ),
        ]
        if other_hyper:
            cases.append(
                case(
                    "step 5, other hyper-parameters (5, 2)",
                    w=randn(rng, 5, 2),
                    dw=randn(rng, 5, 2),
                    state=state(rng, (5, 2), 5),
                    **{**hyper, **other_hyper},
                )
            )
        return cases

    return {"public": public, "hidden": hidden}
