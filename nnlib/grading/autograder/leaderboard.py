"""Leaderboards: an assignment that trains a model may report a metric (held-out accuracy) to Gradescope.

A :class:`Leaderboard` names the student's function that drives training and a *driver*: trusted code
in the grader's process that runs the training loop and calls the student's function through the
sandbox (plain arrays in, plain arrays out, like any graded call), then computes the metric on data
the child never sees. The student's code never runs here, and the held-out labels never leave.

Declared for ``04_logistic_softmax``: logistic regression on the moons data, trained by gradient
descent with the student's ``logistic_gradient``, scored by held-out accuracy. Declared for
``15_capstone``: :func:`digits_heldout_accuracy` sends the digits' ``X_train, y_train, X_test`` once to
the student's ``train_and_predict`` and scores the returned labels against ``y_test``.

A leaderboard with ``bands`` also gives points: :func:`apply_bands` turns the metric into a fraction
of its exercise's points (full points at the first threshold reached, and so on), added to the
report as one more hidden case of that exercise. The capstone's bands are stated in its worksheet.

A limit the capstone cannot close: the digits ship with scikit-learn, which the child can import, so a
student who looks the test images up in the full data set gets their labels. The worksheet forbids
it; a course that needs a secret test set gives the driver data of its own.

Each report gets ``"leaderboard": [{"name", "value", "order"}]`` (empty when the assignment has none or
the student's function failed); Gradescope's ``results.json`` carries it at its top level.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

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
    bands: tuple[
        tuple[float, float], ...
    ] = ()  # ((threshold, fraction of the points), ...), best first
    # packages whose bundled data holds the held-out labels (the digits ship with scikit-learn):
    # their data folders are hidden from the sandbox while this assignment is graded
    heldout_in: tuple[str, ...] = ()


def heldout_folders(assignment: str | None) -> list[str]:
    """The folders to hide from the child of ``assignment``: the bundled datasets its leaderboard scores
    on. Without this a submission could read the held-out labels (``sklearn.datasets.load_digits``)
    and return them; with it, loading them fails inside the sandbox (bwrap; the fallback isolation
    hides nothing, see sandbox.py)."""
    board = LEADERBOARDS.get(assignment or "")
    if board is None:
        return []
    found = []
    for package in board.heldout_in:
        folder = Path(import_module(package).__file__).resolve().parent / "data"
        if folder.is_dir():
            found.append(str(folder))
    return found


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


def digits_heldout_accuracy(call: Callable, seed: int) -> float:
    """Held-out accuracy of the student's ``train_and_predict`` on the digits: one call, 80/20 split.

    The split is drawn from ``seed`` (the course's seed of the assignment); the child receives the
    training images, their labels and the test images, never the test labels."""
    from nnlib.data import load_digits, train_dev_test_split

    X, y = load_digits()
    X_train, _, X_test, y_train, _, y_test = train_dev_test_split(X, y, (0.8, 0.0, 0.2), rng=seed)
    labels = call(X_train, y_train, X_test)
    if not isinstance(labels, np.ndarray) or labels.shape != y_test.shape:
        raise DriverError(
            f"train_and_predict should return labels of shape {y_test.shape}, got "
            f"{type(labels).__name__} {np.shape(labels)}"
        )
    if labels.dtype.kind not in "iu":
        raise DriverError(
            f"train_and_predict should return integer labels, got dtype {labels.dtype}"
        )
    return round(float(np.mean(labels == y_test)), 4)


#: the capstone's score bands (its worksheet states them): full points from a plain MLP's accuracy
CAPSTONE_BANDS = ((0.96, 1.0), (0.93, 0.5))

LEADERBOARDS: dict[str, Leaderboard] = {
    "04_logistic_softmax": Leaderboard(
        "04_logistic_softmax", "held-out accuracy", "logistic_gradient", moons_logistic_accuracy
    ),
    "15_capstone": Leaderboard(
        "15_capstone",
        "held-out accuracy",
        "train_and_predict",
        digits_heldout_accuracy,
        bands=CAPSTONE_BANDS,
        heldout_in=("sklearn.datasets",),
    ),
}


def band_fraction(bands, value: float | None) -> float:
    """The fraction of the points ``value`` earns: that of the first band whose threshold it reaches.

    >>> band_fraction(CAPSTONE_BANDS, 0.97), band_fraction(CAPSTONE_BANDS, 0.95), band_fraction(CAPSTONE_BANDS, 0.5)
    (1.0, 0.5, 0.0)
    """
    if value is None or not math.isfinite(value):
        return 0.0
    return next((fraction for threshold, fraction in bands if value >= threshold), 0.0)


def apply_bands(report: dict, assignment: str | None) -> dict:
    """Score the leaderboard's exercise by its metric, when the leaderboard declares ``bands``.

    The metric becomes one more hidden case of the exercise. Its points: 0 unless every other case
    passed (the interface works), else the band's fraction of the points. Totals are updated."""
    board = LEADERBOARDS.get(assignment or "")
    entry = next(
        (e for e in report.get("exercises", []) if board and e["id"] == board.exercise), None
    )
    if board is None or not board.bands or entry is None:
        return report
    value = next(
        (e["value"] for e in report.get("leaderboard", []) if e["name"] == board.name), None
    )
    fraction = band_fraction(board.bands, value)
    bands = ", ".join(f"{f:g} of the points from {t:g}" for t, f in board.bands)
    interface_ok = entry["status"] == "passed"
    if not interface_ok:
        message = "not scored: the cases above must pass first"
    elif value is None:
        message = (
            "training or predicting on the digits failed (an error, a time-out or wrong labels)"
        )
    else:
        message = f"{board.name} {value:.4f}: {fraction:g} of the points ({bands})"
    passed = interface_ok and fraction == 1.0
    entry["cases"].append(
        {
            "label": board.name + " on the digits",
            "hidden": True,
            "passed": passed,
            "message": "" if passed else message,
        }
    )
    entry["total"] += 1
    entry["passed"] += int(passed)
    entry["score"] = round(entry["points"] * fraction, 4) if interface_ok else 0.0
    entry["status"] = "passed" if passed else "partial" if entry["score"] else "failed"
    if not passed and interface_ok:
        entry["reason"] = message
    report["score"] = round(sum(e["score"] for e in report["exercises"]), 4)
    return report


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
