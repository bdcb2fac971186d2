"""``check(fn)``: instant feedback in a student's notebook. It never raises.

It runs the exercise's public cases in the student's own process, compares with the reference,
names the mistake (:mod:`~nnlib.grading.student.identify`: a catalogued mistake in a student's
words, else the generic diagnosis of :mod:`~nnlib.grading.student.diagnose`) and shows one
compact table: an HTML table in JupyterLab, plain text elsewhere. Cases with the same message
share a row, so an unimplemented function says "not implemented yet" once::

    relu_backward: 2/4 public cases passed
      FAIL  kink: x = 0 entries, large |x| up to 1e4
            ReLU's derivative at 0 taken as 1: ...
      ok    random (4, 3), batch size 1 (1, 5)
      Hint: check(relu_backward, hint=True) points to the section of the chapter that explains it.

The hint ladder: the diagnosis first; then, on request (``hint=True``, or the collapsed "Hint"
block of the HTML table), the chapter section that explains it. Never the solution.

Limits of running in-process (the autograder runs submissions in a separate, sandboxed process):

* an endless loop is interrupted after ``timeout`` seconds only when ``check`` runs in the main
  thread of a POSIX system (a ``SIGALRM`` timer), and only in Python code: a single huge NumPy call
  cannot be stopped. Interrupting the kernel (KeyboardInterrupt) stops the remaining cases;
* a student function can damage the process (``os._exit``, monkey-patching NumPy); ``check`` is
  feedback, not grading.
"""

from __future__ import annotations

import contextlib
import html
import signal
import sys
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .display import ShownOnce
from .identify import MistakeRuns, Outcome, explain, needs_hint, pointer, run_in_process
from .mistakes import Mistake
from .registry import Exercise, get

WIDTH = 92  # plain-text lines wrap (between words) at this width
_CELL = "text-align:left;vertical-align:top;padding:0.15em 0.6em"
_WORDS = (
    "white-space:normal;word-break:normal;overflow-wrap:normal;min-width:24em"  # no mid-word breaks
)


@dataclass(frozen=True)
class CaseResult:
    label: str
    passed: bool
    message: str = ""


@dataclass(repr=False)
class CheckResult(ShownOnce):
    """What ``check`` found: ``passed`` of ``total`` cases, one :class:`CaseResult` per case, and the
    catalogued mistake it recognised (``mistake``, or ``None``)."""

    id: str
    passed: int = 0
    total: int = 0
    cases: list[CaseResult] = field(default_factory=list)
    error: str = ""  # set when no case could run (unknown id, not a function ...)
    mistake: Mistake | None = None
    pointer: str = ""  # the chapter section for the hint (see identify.pointer)
    show_hint: bool = False

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def messages(self) -> list[str]:
        return [c.message for c in self.cases if not c.passed]

    def groups(self) -> list[tuple[bool, str, list[str]]]:
        """``(passed, message, labels)``: cases with the same message merged, failures first."""
        merged: dict[tuple[bool, str], list[str]] = {}
        for c in self.cases:
            merged.setdefault((c.passed, c.message), []).append(c.label)
        rows = [(passed, msg, labels) for (passed, msg), labels in merged.items()]
        return sorted(rows, key=lambda row: row[0])  # stable: failures first, each in case order

    def hint(self) -> str:
        """Where the chapter explains the failure (never the solution); empty when everything passed."""
        return "" if self.ok or self.error else self.pointer

    def headline(self) -> str:
        if self.error:
            return f"check: {self.error}"
        return f"{self.id}: {self.passed}/{self.total} public cases passed"

    def text(self) -> str:
        """The plain-text table."""
        lines = [self.headline()]
        if self.error:
            return lines[0]
        for passed, msg, labels in self.groups():
            lines += textwrap.wrap(
                "; ".join(labels),
                WIDTH,
                initial_indent=f"  {'ok' if passed else 'FAIL':<4}  ",
                subsequent_indent=" " * 8,
                break_long_words=False,
                break_on_hyphens=False,
            )
            if msg:
                lines += textwrap.wrap(
                    msg,
                    WIDTH,
                    initial_indent=" " * 8,
                    subsequent_indent=" " * 8,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
        if self.ok:
            lines.append("  All public cases pass. The autograder also runs hidden cases.")
        elif self.hint():
            lines.append(
                f"  Hint: read {self.hint()}."
                if self.show_hint
                else f"  Hint: check({self.id}, hint=True) points to the section of the chapter that explains it."
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        if self.error:
            return f'<div style="color:#b00020">{esc(self.headline())}</div>'
        colour = "#1b5e20" if self.ok else "#b00020"
        rows = []
        for passed, msg, labels in self.groups():
            badge = (
                '<span style="color:#1b5e20">&#10003; ok</span>'
                if passed
                else '<span style="color:#b00020;font-weight:bold">&#10007; FAIL</span>'
            )
            shade = "" if passed else ' style="background:rgba(176,0,32,0.07)"'
            rows.append(
                f'<tr{shade}><td style="{_CELL};white-space:nowrap">{badge}</td>'
                f'<td style="{_CELL};white-space:nowrap">{"<br>".join(esc(label) for label in labels)}</td>'
                f'<td style="{_CELL};{_WORDS}">{esc(msg)}</td></tr>'
            )
        note = "All public cases pass. The autograder also runs hidden cases." if self.ok else ""
        hint = (
            f'<details{" open" if self.show_hint else ""} style="margin-top:0.3em"><summary>Hint</summary>'
            f"Read {esc(self.hint())}.</details>"
            if self.hint()
            else ""
        )
        return (
            f'<div class="nnlib-check"><div style="font-weight:bold;color:{colour}">{esc(self.headline())}</div>'
            f'<table style="border-collapse:collapse;margin:0.3em 0">'
            f'<tr><th style="{_CELL}">result</th><th style="{_CELL}">cases</th>'
            f'<th style="{_CELL}">what is wrong</th></tr>{"".join(rows)}</table>'
            f"{f'<div>{note}</div>' if note else ''}{hint}</div>"
        )


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise ``TimeoutError`` in the running Python code after ``seconds`` (main thread, POSIX only)."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _alarm(signum, frame):
        raise TimeoutError(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(ex: Exercise, fn: Callable, case, timeout: float | None = None) -> Outcome:
    """Run one public case in-process and judge it (the generic diagnosis); exceptions become messages."""
    try:
        expected = ex.expected(case)
    except Exception as exc:  # a bug on our side must not look like the student's
        return Outcome(error=f"internal error in the reference ({type(exc).__name__}: {exc})")
    limit = timeout if timeout is not None else ex.timeout
    return run_in_process(ex, fn, case, expected, limit=lambda: _time_limit(limit))


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
        raise LookupError(
            f'{exc.args[0]} Pass the exercise id: check(my_fn, "relu_backward")'
        ) from None


def check(
    fn,
    exercise_id: str | None = None,
    *,
    timeout: float | None = None,
    verbose: bool = True,
    hint: bool = False,
) -> CheckResult:
    """Run the public cases of the exercise named ``fn.__name__`` (or ``exercise_id``) and show a table.

    ``fn`` is the student's function (or its name as a string). ``hint=True`` adds where the chapter
    explains the failure. Never raises; returns a :class:`CheckResult` (``.passed``, ``.total``,
    ``.ok``, ``.cases``, ``.mistake``).

    >>> import numpy as np
    >>> def relu_backward(dout, x):
    ...     return dout * (x > 0)
    >>> check(relu_backward, verbose=False).ok
    True
    """
    result = CheckResult(id=str(exercise_id or getattr(fn, "__name__", fn)), show_hint=hint)
    try:
        ex, func = _resolve(fn, exercise_id)
        result.id = ex.id
        cases = ex.public_cases()
        result.total = len(cases)
        outcomes = []
        for case in cases:
            try:
                outcomes.append(run_case(ex, func, case, timeout))
            except KeyboardInterrupt:
                break
        result.mistake, messages = explain(ex, outcomes, MistakeRuns(ex, cases[: len(outcomes)]))
        result.pointer = pointer(ex, result.mistake) if needs_hint(messages) else ""
        result.cases = [
            CaseResult(ex.label(c), m is None, m or "") for c, m in zip(cases, messages)
        ]
        if len(outcomes) < len(cases):
            result.cases.append(
                CaseResult(
                    ex.label(cases[len(outcomes)]),
                    False,
                    "interrupted: the remaining cases were skipped",
                )
            )
        result.passed = sum(c.passed for c in result.cases)
    except Exception as exc:  # never raise in a student's notebook
        result.error = str(exc) or type(exc).__name__
    if verbose:
        result.show()
    return result
