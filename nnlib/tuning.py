"""Hyper-parameter search and cross-validation (chapter 13).

Random search beats a grid: with ``n`` trials every hyper-parameter gets ``n`` distinct values,
while a grid spends most of its trials repeating the values of the ones that matter. Scale
parameters (learning rate, L2 strength) are sampled on a log scale, so that 1e-4..1e-3 gets as
many trials as 1e-2..1e-1.

A search *space* maps each name to a sampler spec:

==========================  ================================================================
spec                        draws
==========================  ================================================================
``"log_uniform(a, b)"``     ``exp(U(log a, log b))``, a float (``0 < a < b``)
``"uniform(a, b)"``         ``U(a, b)``, a float
``"int(a, b)"``             an integer in ``a..b``, both ends included, uniformly
``[v1, v2, ...]``           one of the listed values (a choice; tuples too)
``range(a, b, step)``       one of the range's integers
a callable ``f(rng)``       whatever ``f`` returns (anything custom)
any other non-string value  that value, every time (a fixed setting)
==========================  ================================================================

Any other string is an error, so that a typo cannot silently become a constant; fix a string
setting with a one-element list, ``["adam"]`` (likewise a fixed callable, such as a model class,
which would otherwise be called as a sampler).

>>> space = {"lr": "log_uniform(1e-4, 1e-1)", "hidden": [32, 64], "layers": "int(1, 3)"}
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import as_rng, check_int, check_lengths
from .data import kfold
from .metrics import accuracy

__all__ = ["log_uniform", "make_sampler", "Trial", "random_search", "cross_val_score"]


def _check_bounds(low, high, fn: str, positive: bool = False) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high) and low < high) or (positive and low <= 0):
        need = "0 < low < high" if positive else "low < high"
        raise ValueError(f"{fn}: expected {need}, got low={low!r}, high={high!r}")
    return low, high


def log_uniform(low: float, high: float, rng, size=None):
    """Sample ``x = exp(u)``, ``u ~ U(log low, log high)``: uniform in log space.

    Each decade between ``low`` and ``high`` gets the same share of samples. Returns a float, or
    an array of shape ``size``.

    >>> x = log_uniform(1e-4, 1e-1, rng=0, size=3); bool(np.all((1e-4 <= x) & (x <= 1e-1)))
    True
    """
    low, high = _check_bounds(low, high, "log_uniform", positive=True)
    u = as_rng(rng, "log_uniform").uniform(math.log(low), math.log(high), size=size)
    return float(np.exp(u)) if size is None else np.exp(u)


_SPEC = re.compile(r"^\s*(log_uniform|uniform|int)\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*$")


def make_sampler(spec) -> Callable[[np.random.Generator], Any]:
    """Turn one entry of a search space into a function ``rng -> value`` (table in the module doc).

    >>> make_sampler("int(1, 3)")(np.random.default_rng(0)) in (1, 2, 3)
    True
    """
    if callable(spec):
        return spec
    if isinstance(spec, str):
        match = _SPEC.match(spec)
        if not match:
            raise ValueError(
                f"make_sampler: expected 'log_uniform(a, b)', 'uniform(a, b)' or "
                f"'int(a, b)', got {spec!r}"
            )
        kind, a, b = match.groups()
        try:
            low, high = float(a), float(b)
        except ValueError:
            raise ValueError(f"make_sampler: the bounds in {spec!r} must be numbers") from None
        if kind == "log_uniform":
            _check_bounds(low, high, "make_sampler", positive=True)
            return lambda rng: log_uniform(low, high, rng)
        if kind == "uniform":
            _check_bounds(low, high, "make_sampler")
            return lambda rng: float(rng.uniform(low, high))
        if low != int(low) or high != int(high) or low > high:
            raise ValueError(f"make_sampler: expected integer bounds low <= high in {spec!r}")
        return lambda rng: int(rng.integers(int(low), int(high), endpoint=True))
    if isinstance(spec, (list, tuple, range)):
        if len(spec) == 0:
            raise ValueError("make_sampler: expected a non-empty list of choices, got an empty one")
        return lambda rng: spec[int(rng.integers(len(spec)))]
    return lambda rng: spec


@dataclass(frozen=True)
class Trial:
    """One evaluated configuration: the sampled ``params`` and the objective's ``score``."""

    params: dict
    score: float


def random_search(
    objective: Callable[..., float], space: dict, n_trials: int, rng=0, maximize: bool = True
) -> list[Trial]:
    """Evaluate ``objective(**params)`` at ``n_trials`` random points of ``space``.

    Returns every :class:`Trial`, best first (highest score, or lowest with ``maximize=False``);
    a NaN score (a diverged run) sorts last. Parameters are drawn in the order of ``space``'s
    keys, so a seed reproduces the search.

    >>> trials = random_search(lambda x: -(x - 3) ** 2, {"x": "uniform(0, 10)"}, 50)
    >>> abs(trials[0].params["x"] - 3) < 0.5
    True
    """
    fn = "random_search"
    check_int(n_trials, fn, "n_trials", 1)
    if not isinstance(space, dict) or not space:
        raise ValueError(
            f"{fn}: expected space to be a non-empty dict name -> sampler spec, got {space!r}"
        )
    rng = as_rng(rng, fn)
    samplers = {name: make_sampler(spec) for name, spec in space.items()}
    trials = []
    for _ in range(n_trials):
        params = {name: sample(rng) for name, sample in samplers.items()}
        trials.append(Trial(params, float(objective(**params))))
    return sorted(trials, key=lambda t: (math.isnan(t.score), -t.score if maximize else t.score))


def cross_val_score(
    make_model: Callable[[], Any],
    X,
    y,
    k: int = 5,
    rng=0,
    metric: Callable[[np.ndarray, np.ndarray], float] = accuracy,
    shuffle: bool = True,
) -> np.ndarray:
    """k-fold cross-validation: ``metric(y_val, model.predict(X_val))`` for every fold.

    ``make_model()`` must return a fresh, unfitted model with ``fit(X, y)`` and ``predict(X)``
    (a new one per fold, so no fold sees another's training). Folds come from
    :func:`nnlib.data.kfold`. Report ``scores.mean()`` and ``scores.std()``: the estimate and how
    much it varies between folds.

    Shapes: ``X (N, ...)``, ``y (N,)`` -> scores ``(k,)``.

    >>> from nnlib.linear import LinearRegression
    >>> from nnlib.data import make_linear
    >>> X, y = make_linear(20, noise=0.0)
    >>> neg_mse = lambda t, p: -float(np.mean((t - p) ** 2))
    >>> bool(np.allclose(cross_val_score(LinearRegression, X, y, k=4, metric=neg_mse), 0))
    True
    """
    check_lengths(X, y, "cross_val_score")
    X, y = np.asarray(X), np.asarray(y)
    scores = []
    for train, val in kfold(len(X), k, rng, shuffle):
        model = make_model()
        model.fit(X[train], y[train])
        scores.append(float(metric(y[val], model.predict(X[val]))))
    return np.array(scores)
