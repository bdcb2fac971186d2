"""Leaderboards: an assignment that trains a model may report a metric (held-out accuracy) to Gradescope.

A :class:`Leaderboard` names the student's function that drives training and a *driver*: trusted code
in the grader's process that runs the training loop and calls the student's function through the
sandbox (plain arrays in, plain arrays out, like any graded call), then computes the metric on data
the child never sees. The student's code never runs here, and the held-out labels never leave.

Declared for ``04_logistic_softmax``: logistic regression on the moons data, trained by gradient
descent with the student's ``logistic_gradient``, scored by held-out accuracy. A capstone would declare
its own, e.g. ``Leaderboard("15_capstone", "held-out accuracy", "train_and_predict", driver)`` with a
driver that sends ``X_train, y_train, X_test`` once and scores the returned labels against ``y_test``.

Each report gets ``"leaderboard": [{"name", "value", "order"}]`` (empty when the assignment has none or
the student's function failed); Gradescope's ``results.json`` carries it at its top level.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..student.registry import Case, by_notebook, get
from .convert import Submission
from .sandbox import Isolation, Limits
from .scoring import Session


class DriverError(Exception):
    """The student's function failed or returned something unusable while the driver trained."""


@dataclass(frozen=True)
class Leaderboard:
    assignment: str
    name: str  # the leaderboard's column on Gradescope
    exercise: str  # the student's function the driver calls
    driver: Callable[
        [Callable, int], float
    ]  # driver(call, seed) -> metric; call(*args) -> student's output
    order: str = "desc"  # "desc": higher is better


def _array(value, shape: tuple, what: str) -> np.ndarray:
    if not isinstance(value, (np.ndarray, float, int)) or np.shape(value) != shape:
        raise DriverError(
            f"{what} should have shape {shape}, got {type(value).__name__} {np.shape(value)}"
        )
    out = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise DriverError(f"{what} is not finite")
    return out


def moons_logistic_accuracy(call: Callable, seed: int, steps: int = 30, lr: float = 3.0) -> float:
    """Held-out accuracy of logistic regression on moons, trained with the student's gradient.

    30 full-batch steps at a large rate: as accurate as 100 at 1.0 here (0.84-0.87), at a third of the calls."""
    from nnlib.data import make_moons, train_dev_test_split

    X, y = make_moons(400, noise=0.25, rng=seed)
    X_train, _, X_test, y_train, _, y_test = train_dev_test_split(X, y, (0.7, 0.0, 0.3), rng=seed)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        grads = call(w, b, X_train, y_train.astype(np.float64))
        if not isinstance(grads, tuple) or len(grads) != 2:
            raise DriverError("logistic_gradient should return (dw, db)")
        w = w - lr * _array(grads[0], w.shape, "dw")
        b = b - lr * float(_array(grads[1], (), "db"))
    return round(float(np.mean((X_test @ w + b >= 0) == y_test)), 4)


LEADERBOARDS: dict[str, Leaderboard] = {
    "04_logistic_softmax": Leaderboard(
        "04_logistic_softmax", "held-out accuracy", "logistic_gradient", moons_logistic_accuracy
    ),
}


def entries(
    sub: Submission,
    assignment: str | None,
    *,
    seed: int,
    limits: Limits,
    iso: Isolation,
    hidden: list[str],
) -> list[dict]:
    """The submission's leaderboard entries (``[]`` if the assignment has none or the function failed)."""
    board = LEADERBOARDS.get(assignment or "")
    if board is None or sub.error or board.exercise not in sub.names:
        return []
    ex = get(board.exercise)
    arg_names = list(ex.public_cases()[0].args)
    session = Session(sub, limits, iso, list(hidden), by_notebook(board.assignment))

    def call(*args):
        result = session.call(
            ex, Case("leaderboard", dict(zip(arg_names, args))), limits.timeout or ex.timeout
        )
        if result.status != "ok":
            raise DriverError(result.detail or result.status)
        return result.value

    try:
        value = board.driver(call, seed)
    except (DriverError, ValueError, TypeError, ArithmeticError):
        return []
    finally:
        session.close()
    return (
        [{"name": board.name, "value": value, "order": board.order}] if math.isfinite(value) else []
    )
