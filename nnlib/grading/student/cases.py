"""Building blocks for case generators: random arrays, edge-case inputs, common case families.

A generator is a function ``rng -> list[Case]``. Every array is drawn from the ``rng`` it is given,
so the lists are reproducible. The families below cover the usual edge cases: batch size 1,
zeros, ties, the kink ``x = 0``, and large magnitudes up to ``+-1e4``.
"""
from __future__ import annotations

from typing import Callable

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

def elementwise_backward(extra: dict | None = None, large: bool = True) -> dict[str, Gen]:
    """Cases ``(dout, x, *extra)`` for an activation's backward pass (``public``, ``hidden``)."""
    extra = extra or {}

    def public(rng):
        cases = [case("random (4, 3)", dout=randn(rng, 4, 3), x=randn(rng, 4, 3, scale=2.0), **extra),
                 case("batch size 1 (1, 5)", dout=randn(rng, 1, 5), x=randn(rng, 1, 5), **extra),
                 case("kink: x = 0 entries", dout=randn(rng, 3, 4), x=with_zeros(rng, 3, 4), **extra)]
        if large:
            cases.append(case("large |x| up to 1e4", dout=randn(rng, LARGE.size), x=LARGE.copy(), **extra))
        return cases

    def hidden(rng):
        cases = [case("random (7, 2)", dout=randn(rng, 7, 2), x=randn(rng, 7, 2, scale=3.0), **extra),
                 case("1-D (6,)", dout=randn(rng, 6), x=randn(rng, 6), **extra),
                 case("3-D (2, 3, 4)", dout=randn(rng, 2, 3, 4), x=randn(rng, 2, 3, 4), **extra),
                 case("all zeros", dout=randn(rng, 2, 3), x=np.zeros((2, 3)), **extra),
                 case("zero upstream gradient", dout=np.zeros((3, 2)), x=randn(rng, 3, 2), **extra)]
        if large:
            cases.append(case("large |x| (5, 9)", dout=randn(rng, 5, LARGE.size),
                              x=np.tile(LARGE, (5, 1)) * rng.uniform(0.5, 1.0, (5, 1)), **extra))
        return cases

    return {"public": public, "hidden": hidden}


def regression_pair(extra: dict | None = None, large: bool = True, ties: bool = True) -> dict[str, Gen]:
    """Cases ``(pred, target, *extra)`` for a regression loss or its gradient."""
    extra = extra or {}

    def public(rng):
        cases = [case("random (8,)", pred=randn(rng, 8), target=randn(rng, 8), **extra),
                 case("2-D (4, 3)", pred=randn(rng, 4, 3, scale=2.0), target=randn(rng, 4, 3), **extra),
                 case("batch size 1", pred=randn(rng, 1), target=randn(rng, 1), **extra)]
        if ties:
            p = randn(rng, 6)
            t = p.copy()
            t[::2] += randn(rng, 3, scale=3.0)
            cases.append(case("kink: pred = target entries", pred=p, target=t, **extra))
        if large:
            cases.append(case("large values", pred=LARGE.copy(), target=randn(rng, LARGE.size), **extra))
        return cases

    def hidden(rng):
        cases = [case("random (32,)", pred=randn(rng, 32, scale=3.0), target=randn(rng, 32), **extra),
                 case("2-D (5, 2)", pred=randn(rng, 5, 2), target=randn(rng, 5, 2), **extra),
                 case("equal inputs", pred=np.full(4, 0.5), target=np.full(4, 0.5), **extra),
                 case("zeros", pred=np.zeros(3), target=np.zeros(3), **extra)]
        if large:
            cases.append(case("large (2, 9)", pred=np.vstack([LARGE, -LARGE]), target=randn(rng, 2, 9), **extra))
        return cases

    return {"public": public, "hidden": hidden}


def state_cases(keys: tuple[str, ...], hyper: dict, nonneg: tuple[str, ...] = (),
                counter: bool = False) -> dict[str, Gen]:
    """Cases ``(w, dw, state, *hyper)`` for an optimizer step: a first step from ``{}`` and later ones.

    ``keys`` are the state's arrays (``nonneg`` ones hold running squares, so they are >= 0);
    ``counter`` adds the step count ``"t"``.
    """

    def state(rng, shape, t):
        s = {"t": t} if counter else {}
        for k in keys:
            v = randn(rng, *shape, scale=0.1)
            s[k] = np.abs(v) if k in nonneg else v
        return s

    def public(rng):
        return [case("first step, state = {}", w=randn(rng, 4), dw=randn(rng, 4), state={}, **hyper),
                case("later step (3, 2)", w=randn(rng, 3, 2), dw=randn(rng, 3, 2),
                     state=state(rng, (3, 2), 4), **hyper),
                case("zero gradient", w=randn(rng, 5), dw=np.zeros(5), state=state(rng, (5,), 2), **hyper)]

    def hidden(rng):
        return [case("first step (2, 3)", w=randn(rng, 2, 3), dw=randn(rng, 2, 3), state={}, **hyper),
                case("step 10 (6,)", w=randn(rng, 6), dw=randn(rng, 6, scale=5.0), state=state(rng, (6,), 10),
                     **hyper),
                case("single weight (1,)", w=randn(rng, 1), dw=randn(rng, 1), state=state(rng, (1,), 1), **hyper),
                case("large gradient", w=randn(rng, 4), dw=randn(rng, 4, scale=1e4), state=state(rng, (4,), 3),
                     **hyper)]

    return {"public": public, "hidden": hidden}
