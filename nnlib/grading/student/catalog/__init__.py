"""The graded exercises, one module per chapter (``ch01`` ... ``ch15``), each with a list ``EXERCISES``.

Order within a module is the order of the notebook. :mod:`nnlib.grading.student.registry` collects them.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..registry import Exercise

F = "nnlib.functional"
REF = "nnlib.grading.student.references"


def chapter(notebook: str):
    """``Exercise`` with ``notebook`` filled in: ``ex = chapter("07_activations")``."""
    return partial(Exercise, notebook=notebook)


def elementwise_kink(args) -> np.ndarray:
    """The kink of ReLU-like functions: where ``x == 0``."""
    return np.asarray(args["x"]) == 0
