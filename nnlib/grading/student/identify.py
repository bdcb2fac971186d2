"""Name the mistake: when a student's function fails, find the catalogued mistake it behaves like.

One engine serves ``check()`` (the student's own process) and the autograder (the grader's process,
with the student's outputs sent back by the sandboxed child). Both hand it what the student's
function did on every case (an :class:`Outcome`); the catalogued mistakes of the exercise
(:mod:`nnlib.grading.student.mistakes`, trusted code) run on the same cases in *this* process.

A mistake is named when it behaves like the student's function on every case: the same outputs
(within the exercise's tolerances) and the same verdict (both right, or both wrong), or the same
error where the student's function raised, with at least one case wrong. Then each failing case
reads the mistake's message, in a student's words, and takes its kind (``values``, ``kink`` or
``unstable``, which the score uses). Otherwise the generic diagnosis of
:mod:`~nnlib.grading.student.diagnose` stays.

>>> from nnlib.grading.student.registry import get
>>> ex = get("adam_step")
>>> def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):  # no bias correction
...     t = state.get("t", 0) + 1
...     m = beta1 * state.get("m", 0 * w) + (1 - beta1) * dw
...     v = beta2 * state.get("v", 0 * w) + (1 - beta2) * dw * dw
...     return w - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}
>>> cases = ex.public_cases()
>>> student = [run_in_process(ex, adam_step, c, ex.expected(c)) for c in cases]
>>> named, messages = explain(ex, student, MistakeRuns(ex, cases))
>>> named.name
'Adam without bias correction'
"""

from __future__ import annotations

import contextlib
import copy
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .diagnose import (
    NOT_IMPLEMENTED,
    blame_unused_rng,
    diagnose_exception,
    kind_of,
    tagged,
    unused_generators,
)
from .mistakes import Mistake, by_exercise
from .registry import Case, Exercise, normalize


@dataclass(frozen=True)
class Outcome:
    """What a function did on one case: it returned ``value`` (judged: ``verdict``, ``None`` = right),
    or it did not return (``error``: it raised, timed out, crashed, or was not run)."""

    value: Any = None
    verdict: str | None = None
    error: str | None = None

    @property
    def returned(self) -> bool:
        return self.error is None

    @property
    def passed(self) -> bool:
        return self.message is None

    @property
    def message(self) -> str | None:
        """The case's diagnosis: ``None`` when right."""
        return self.error if self.error is not None else self.verdict


def run_in_process(
    ex: Exercise,
    fn: Callable,
    case: Case,
    expected: Any,
    *,
    reveal: bool = True,
    limit: Callable[[], Any] = contextlib.nullcontext,
) -> Outcome:
    """Call ``fn`` on fresh copies of the case's arguments here, and judge it against ``expected``.

    ``limit()`` is a context manager around the call (``check()`` passes its time limit); warnings
    are recorded (overflow, 0/0 and x/0 count; underflow to 0 is harmless). Exceptions become
    messages; ``KeyboardInterrupt`` is not caught.
    """
    args = ex.materialize(case)
    before = {k: copy.deepcopy(v) for k, v in args.items() if k not in ex.rng_args}
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            with limit():
                got = fn(*args.values())
        except TimeoutError as exc:
            return Outcome(error=diagnose_exception("TimeoutError", str(exc)))
        except Exception as exc:
            return Outcome(error=diagnose_exception(type(exc).__name__, str(exc)))
    runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    try:
        verdict = ex.judge(
            case, expected, got, inputs=args, before=before, warnings=runtime, reveal=reveal
        )
    except Exception as exc:
        verdict = f"could not compare the output ({type(exc).__name__}: {exc})"
    unused = unused_generators({n: args[n] for n in ex.rng_args}, case.args)
    return Outcome(got, blame_unused_rng(verdict, unused))


class MistakeRuns:
    """The catalogued mistakes of ``ex`` run on ``cases``, computed on first use and kept (thread-safe).

    ``runs[i]`` is a list of ``(Mistake, Outcome)`` for case ``i``, in catalogue order.
    """

    def __init__(self, ex: Exercise, cases: Sequence[Case], expected: Sequence[Any] | None = None):
        self.ex, self.cases = ex, list(cases)
        self._expected = list(expected) if expected is not None else None
        self._runs: dict[int, list[tuple[Mistake, Outcome]]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, i: int) -> list[tuple[Mistake, Outcome]]:
        with self._lock:
            if i not in self._runs:
                case = self.cases[i]
                expected = (
                    self._expected[i] if self._expected is not None else self.ex.expected(case)
                )
                self._runs[i] = [
                    (m, run_in_process(self.ex, m.fn, case, expected))
                    for m in by_exercise(self.ex.id)
                ]
            return self._runs[i]


def _alike(ex: Exercise, student: Outcome, mistake: Outcome) -> bool:
    """Both raised the same error; or both returned, both right or both wrong, with the same outputs."""
    if not student.returned:
        return mistake.error == student.error
    if not mistake.returned or (student.verdict is None) != (mistake.verdict is None):
        return False
    if kind_of(student.verdict) != kind_of(mistake.verdict):
        # the same outputs, but one failure is of another kind (an input modified in place is
        # not a formula that overflows): naming the mistake would hide the real failure
        return False
    try:
        mine, theirs = normalize(mistake.value), student.value
        # equal values of another type (ints where the mistake returns booleans) are another
        # mistake: its name would mislead ("a boolean matrix" said of an integer one)
        return _types(mine) == _types(normalize(theirs)) and ex.same_output(mine, theirs)
    except Exception:  # an output the comparison cannot read is not alike
        return False


def _types(value):
    """The structure of an output with the kind of every leaf: "b", "i", "u", "f" (dtype kinds) ..."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _types(v)) for k, v in value.items()))
    if isinstance(value, (tuple, list)):
        return tuple(_types(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind
    if isinstance(value, (bool, np.bool_)):
        return "b"
    if isinstance(value, (int, np.integer)):
        return "i"
    if isinstance(value, (float, np.floating)):
        return "f"
    return type(value).__name__


def name_mistake(ex: Exercise, student: Sequence[Outcome], runs: MistakeRuns) -> Mistake | None:
    """The first catalogued mistake that behaves like the student's function on every case."""
    failing = [i for i, o in enumerate(student) if o.message is not None]
    if not failing:
        return None
    order = failing + [
        i for i in range(len(student)) if i not in failing
    ]  # most mistakes drop out early
    for k, m in enumerate(by_exercise(ex.id)):
        if all(_alike(ex, student[i], runs[i][k][1]) for i in order):
            return m
    return None


def explain(
    ex: Exercise, student: Sequence[Outcome], runs: MistakeRuns
) -> tuple[Mistake | None, list[str | None]]:
    """The mistake named (or ``None``) and the final message of every case (``None`` = passed).

    A named mistake replaces the message of every failing case (a wrong value, or the same error the
    mistake raises there), with its own kind.
    """
    named = name_mistake(ex, student, runs)
    messages = [o.message for o in student]
    if named is not None:
        messages = [
            tagged(named.message, named.kind) if msg is not None else None for msg in messages
        ]
    return named, messages


def needs_hint(messages: Sequence[str | None]) -> bool:
    """Whether a chapter pointer helps: something failed, and not only "not implemented yet"."""
    failed = [m for m in messages if m is not None]
    return bool(failed) and any(
        m != NOT_IMPLEMENTED and not m.startswith("not run") for m in failed
    )


def pointer(ex: Exercise, named: Mistake | None) -> str:
    """The hint ladder's second rung: the chapter section that explains the failure (never the answer).

    >>> from nnlib.grading.student.registry import get
    >>> pointer(get("relu_backward"), None)
    'chapter 7, section “Common mistakes” (book/07_activations.ipynb)'
    """
    section = named.section if named is not None and named.section else "Common mistakes"
    section = re.sub(r"\\operatorname\{(\w+)\}", r"\1", section).replace(
        "$", ""
    )  # a heading's TeX, as text
    return f"chapter {ex.chapter}, section \u201c{section}\u201d (book/{ex.notebook}.ipynb)"


def kinds(messages: Sequence[str | None]) -> set[str]:
    """The kinds of the failures among ``messages`` (an empty set: everything passed)."""
    return {kind_of(m) for m in messages if m is not None}
