"""``check(fn)``: instant feedback in a student's notebook. It never raises.

It runs the exercise's public cases in the student's own process, compares with the reference and
prints one line per case with the diagnosis (see :mod:`nnlib.grading.student.diagnose`)::

    relu_backward: 4/5 public cases passed
      case                   result  message
      random (4, 3)          ok
      kink x = 0             FAIL    wrong only at the kink (x = 0): ...

Limits of running in-process (the autograder runs submissions in a separate, sandboxed process):

* an endless loop is interrupted after ``timeout`` seconds only when ``check`` runs in the main
  thread of a POSIX system (a ``SIGALRM`` timer), and only in Python code: a single huge NumPy call
  cannot be stopped. Interrupting the kernel (KeyboardInterrupt) stops the remaining cases;
* a student function can damage the process (``os._exit``, monkey-patching NumPy); ``check`` is
  feedback, not grading.
"""
from __future__ import annotations

import contextlib
import copy
import signal
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .diagnose import diagnose_exception
from .registry import Case, Exercise, get


@dataclass(frozen=True)
class CaseResult:
    label: str
    passed: bool
    message: str = ""


@dataclass
class CheckResult:
    """What ``check`` found: ``passed`` of ``total`` cases, and one :class:`CaseResult` per case."""
    id: str
    passed: int = 0
    total: int = 0
    cases: list[CaseResult] = field(default_factory=list)
    error: str = ""  # set when no case could run (unknown id, not a function ...)

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def messages(self) -> list[str]:
        return [c.message for c in self.cases if not c.passed]

    def table(self) -> str:
        if self.error:
            return f"check: {self.error}"
        head = f"{self.id}: {self.passed}/{self.total} public cases passed"
        width = max([len("case")] + [len(c.label) for c in self.cases])
        lines = [head, f"  {'case':<{width}}  result  message"]
        for c in self.cases:
            lines.append(f"  {c.label:<{width}}  {'ok' if c.passed else 'FAIL':<6}  {c.message}".rstrip())
        if self.ok:
            lines.append("  All public cases pass. The autograder also runs hidden cases.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckResult {self.id}: {self.passed}/{self.total} passed>"


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise ``_Timeout`` in the running Python code after ``seconds`` (main thread, POSIX only)."""
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(ex: Exercise, fn: Callable, case: Case, timeout: float | None = None) -> CaseResult:
    """Run one case in-process and judge it; exceptions from ``fn`` become messages."""
    try:
        expected = ex.expected(case)
    except Exception as exc:  # a bug on our side must not look like the student's
        return CaseResult(case.label, False, f"internal error in the reference ({type(exc).__name__}: {exc})")
    args = ex.materialize(case)
    before = {k: copy.deepcopy(v) for k, v in args.items() if k not in ex.rng_args}
    # underflow to 0 is harmless (and silent by default); overflow, 0/0 and x/0 are reported
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            with _time_limit(timeout if timeout is not None else ex.timeout):
                got = fn(*args.values())
        except _Timeout:
            limit = timeout if timeout is not None else ex.timeout
            return CaseResult(case.label, False, diagnose_exception("TimeoutError", f"stopped after {limit:g} s"))
        except Exception as exc:
            return CaseResult(case.label, False, diagnose_exception(type(exc).__name__, str(exc)))
    runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    try:
        msg = ex.judge(case, expected, got, inputs=args, before=before, warnings=runtime)
    except Exception as exc:
        msg = f"could not compare the output ({type(exc).__name__}: {exc})"
    return CaseResult(case.label, msg is None, msg or "")


def _resolve(fn: Any, exercise_id: str | None) -> tuple[Exercise, Callable]:
    if isinstance(fn, str):  # check("relu_backward"): look the function up in the caller's globals
        frame = sys._getframe(2)
        name = fn
        fn = frame.f_globals.get(name)
        if fn is None:
            raise LookupError(f"no function named {name!r} is defined yet: run its cell first")
        exercise_id = exercise_id or name
    if not callable(fn):
        raise TypeError(f"expected a function, got {type(fn).__name__}")
    name = exercise_id or getattr(fn, "__name__", "")
    try:
        return get(name), fn
    except KeyError as exc:
        raise LookupError(f"{exc.args[0]} Pass the exercise id: check(my_fn, \"relu_backward\")") from None


def check(fn, exercise_id: str | None = None, *, timeout: float | None = None, verbose: bool = True) -> CheckResult:
    """Run the public cases of the exercise named ``fn.__name__`` (or ``exercise_id``) and print a table.

    ``fn`` is the student's function (or its name as a string). Never raises; returns a
    :class:`CheckResult` (``.passed``, ``.total``, ``.ok``, ``.cases``).

    >>> import numpy as np
    >>> def relu_backward(dout, x):
    ...     return dout * (x > 0)
    >>> check(relu_backward, verbose=False).ok
    True
    """
    result = CheckResult(id=str(exercise_id or getattr(fn, "__name__", fn)))
    try:
        ex, func = _resolve(fn, exercise_id)
        result.id = ex.id
        cases = ex.public_cases()
        result.total = len(cases)
        for case in cases:
            try:
                outcome = run_case(ex, func, case, timeout)
            except KeyboardInterrupt:
                result.cases.append(CaseResult(case.label, False, "interrupted: the remaining cases were skipped"))
                break
            result.cases.append(outcome)
        result.passed = sum(c.passed for c in result.cases)
    except Exception as exc:  # never raise in a student's notebook
        result.error = str(exc) or type(exc).__name__
    if verbose:
        print(result.table())
    return result
