"""Exercises and grading: ``check()`` for students, the registry and the release tool for authors.

In an exercise notebook::

    from nnlib.grading import check, substitute
    def relu_backward(dout, x): ...
    check(relu_backward)                      # public cases, a table of diagnoses; never raises
    with substitute(relu_backward=relu_backward):
        model.fit(X, y)                       # nnlib trains with your function
    compare(train, relu_backward=relu_backward)  # train() with yours and with nnlib's own, side by side

For authors and the autograder: :mod:`.registry` (one :class:`~.registry.Exercise` per graded
function), :mod:`.diagnose` (pure verdicts), :mod:`.codec` (plain-data transport), :mod:`.release`
(solutions -> exercises: ``from nnlib.grading.authoring.release import release``; not imported here
because nbformat is slow to import). Command line: ``python -m nnlib.grading --help``.
"""

from .student.check import CheckResult, check
from .student.diagnose import diagnose, diagnose_exception
from .student.registry import Case, Exercise, all_exercises, by_notebook, get, notebooks
from .student.substitute import compare, substitute

__all__ = [
    "check",
    "CheckResult",
    "substitute",
    "compare",
    "diagnose",
    "diagnose_exception",
    "Case",
    "Exercise",
    "all_exercises",
    "by_notebook",
    "get",
    "notebooks",
]
