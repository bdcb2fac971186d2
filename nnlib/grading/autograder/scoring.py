"""Grade one submission: run every case of every exercise in its sandboxed child and judge it here.

For each exercise of the assignment, each case (public, then hidden from ``seed``) is sent to the
child as plain arrays; the child calls the student's function and sends back the output and the
arguments after the call. This process computes the reference and judges with the same engine as ``check()``
(:mod:`~nnlib.grading.student.identify`: the catalogued mistakes run here, on the same cases, and
name the student's when its outputs match). The score of an exercise is :func:`exercise_score`:

* every case right: full points;
* right values, wrong only at the kink and/or unstable on large inputs (NaN/inf, overflow
  warnings): ``PARTIAL`` of the points (the same for every seed);
* any other failure (a wrong value, a wrong shape, an exception, a timeout) on any case: 0;

and 0, with the reason, if its code uses nnlib's reference (static or traced at run time). Hidden
cases are judged with ``reveal=False``: their messages never show an expected value.

One child serves the whole submission. A cell that hangs or kills the child is skipped on the
restart; a call that hangs or kills it fails that case and the rest of that exercise only, and
the next exercise gets a fresh child.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ..student.diagnose import blame_unused_rng, diagnose_exception
from ..student.identify import MistakeRuns, Outcome, explain, kinds, needs_hint, pointer
from ..student.registry import Case, Exercise
from . import budget, standins
from .codec import pack, unpack
from .convert import Submission
from .integrity import static_use
from .sandbox import Child, ChildError, ChildOverBudget, ChildTimeout, Isolation, Limits

DEFAULT_TIMEOUT = 10.0  # seconds per cell when --timeout is not given
STARTUP_TIMEOUT = 60.0  # Python + NumPy start in the sandbox (generous: loaded CI machines)


class GraderError(RuntimeError):
    """The sandbox itself failed (not the student's code): the student is not graded, the batch says so."""


def _fmt_cell_error(index: int, err: dict) -> str:
    line = f", line {err['line']}" if err.get("line") else ""
    return f"cell {index}{line}: {diagnose_exception(err.get('type', 'Error'), err.get('message', ''))}"


@dataclass
class CallResult:
    status: str  # ok | raised | missing | reference | timeout | crash
    value: object = None
    after: object = None
    warnings: tuple = ()
    detail: str = ""
    rng_unused: tuple = ()  # the generator arguments the function never drew from


class Session:
    """The live child of one submission, restarted (skipping guilty cells) after a hang or crash.

    It owns the submission's budgets: one :class:`~.budget.Group` for all its children (memory,
    processes, CPU), a wall-clock deadline (``limits.wall_s``) and at most ``limits.restarts``
    restarts. ``exercises`` (the assignment) decides which references the child's copy of nnlib
    lacks (default: the notebook whose graded functions the submission defines most).
    """

    def __init__(
        self,
        sub: Submission,
        limits: Limits,
        iso: Isolation,
        hidden: list[str],
        exercises: list[Exercise] | None = None,
    ):
        self.sub, self.limits, self.iso, self.hidden = sub, limits, iso, hidden
        self.exercises = exercises if exercises is not None else _likely_assignment(sub)
        self.child: Child | None = None
        self.group: budget.Group | None = None
        self.skip: set[int] = set()
        self.cell_errors: dict[int, str] = {}
        self.names: set[str] = set()
        self.loaded = False
        self.restarts = 0
        self.max_restarts = limits.restarts
        self.deadline = time.monotonic() + limits.wall_s
        self.spent = ""  # why the submission may not run any more (a budget used up), else ""

    @property
    def cell_timeout(self) -> float:
        return self.limits.timeout or DEFAULT_TIMEOUT

    def _left(self, timeout: float) -> float:
        """``timeout``, shortened to what is left of the submission's wall-clock budget."""
        return max(0.0, min(timeout, self.deadline - time.monotonic()))

    def _out_of_time(self) -> bool:
        if not self.spent and time.monotonic() >= self.deadline:
            self.spent = f"the submission used its {self.limits.wall_s:g} s of wall-clock time"
        return bool(self.spent)

    def _start(self) -> Child:
        if self.group is None:
            kind = self.iso.budget if self.iso.budget in ("cgroup1", "cgroup2") else "rlimits"
            self.group = budget.Group(self.limits.memory_mb, self.limits.nproc, kind=kind)
        return Child(
            list(self.sub.cells),
            self.limits,
            self.iso,
            self.hidden,
            self.skip,
            group=self.group,
            grading_copy=standins.build(self.exercises),
        )

    def _loaded(self, meta: dict) -> None:
        """Record the load report (validated: the child is not trusted)."""
        errors, names = meta.get("errors", {}), meta.get("names", [])
        if not isinstance(errors, dict) or not isinstance(names, list):
            raise ChildError("the process sent a malformed load report")
        if not self.loaded:
            for key, err in errors.items():
                if isinstance(key, str) and key.isdigit() and isinstance(err, dict):
                    self.cell_errors.setdefault(int(key), _fmt_cell_error(int(key), err))
            self.cell_errors = dict(sorted(self.cell_errors.items()))
            self.loaded = True
        self.names = {n for n in names if isinstance(n, str)}

    def ensure(self) -> bool:
        """A loaded child, starting one if needed; ``False`` if restarts or budgets are exhausted."""
        while self.child is None:
            if self.restarts > self.max_restarts:
                self.spent = (
                    self.spent
                    or f"the submission crashed or hung its process {self.restarts} times"
                )
                return False
            if self.spent or self._out_of_time():
                return False
            child, current = None, None
            try:
                child = self._start()
                while True:
                    wait = STARTUP_TIMEOUT if current is None else self._left(self.cell_timeout)
                    meta, _ = child.receive(wait)
                    if meta.get("event") == "cell" and type(meta.get("index")) is int:
                        current = meta["index"]
                    elif meta.get("event") == "loaded":
                        self._loaded(meta)
                        break
                    else:
                        raise ChildError("the process sent an unexpected message while loading")
            except ChildError as exc:
                tail = child.stderr_tail() if child else ""
                if child:
                    child.close()
                self.restarts += 1
                if current is None:  # no student code has run yet: the sandbox is broken
                    raise GraderError(
                        f"the sandbox did not start ({exc.reason}); its stderr: {tail[-800:]}"
                    ) from None
                if isinstance(exc, ChildOverBudget) and exc.final:
                    self.spent = f"cell {current}: {exc.reason}"
                    self.cell_errors[current] = f"cell {current} was stopped: {exc.reason}"
                    return False
                why = (
                    f"did not finish in {self.cell_timeout:g} s"
                    if isinstance(exc, ChildTimeout)
                    else f"ended the process: {exc.reason}"
                )
                self.cell_errors[current] = f"cell {current} {why}; it was skipped"
                self.skip.add(current)
                continue
            self.child = child
        return True

    def kill(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None
            self.restarts += 1

    def close(self) -> None:
        if self.child is not None:
            try:
                self.child.send({"op": "exit"}, timeout=1.0)
            except ChildError:
                pass
            self.child.close()
            self.child = None
        if self.group is not None:
            self.group.close()
            self.group = None

    def call(self, ex: Exercise, case: Case, timeout: float) -> CallResult:
        if not self.ensure():
            return CallResult("crash", detail=self.spent or "the submission could not be loaded")
        meta = {"op": "call", "fn": ex.id, "names": list(case.args), "rng_args": list(ex.rng_args)}
        wait = self._left(timeout)
        try:
            self.child.send(meta, pack(list(case.args.values())), timeout=max(wait, 0.1))
            reply, flat = self.child.receive(wait)
        except ChildTimeout:
            self.kill()
            if self._out_of_time():
                return CallResult("timeout", detail=self.spent)
            return CallResult("timeout", detail=f"stopped after {timeout:g} s")
        except ChildOverBudget as exc:
            self.kill()
            if exc.final:
                self.spent = exc.reason
            return CallResult("crash", detail=f"stopped: {exc.reason}")
        except ChildError as exc:
            self.kill()
            return CallResult("crash", detail=exc.reason)
        try:
            return _reply(reply, flat)
        except (
            Exception
        ) as exc:  # the child is hostile or broken: that function gets 0, with the reason
            self.kill()
            return CallResult("crash", detail=f"the process sent a malformed reply ({_short(exc)})")


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:200] + "..."


def _reply(reply: dict, flat: dict) -> CallResult:
    """The child's answer to a call, read defensively (any surprise raises; the caller reports it)."""
    status = reply.get("status")
    if status == "ok":
        data = unpack(flat)
        if (
            not isinstance(data, dict)
            or "result" not in data
            or not isinstance(data.get("after"), list)
        ):
            raise ValueError("the answer is not {'result': ..., 'after': [...]}")
        warnings = reply.get("warnings", [])
        if not isinstance(warnings, list):
            raise ValueError("warnings is not a list")
        unused = reply.get("rng_unused", [])
        if not isinstance(unused, list):
            raise ValueError("rng_unused is not a list")
        return CallResult(
            "ok",
            data["result"],
            data["after"],
            tuple(w for w in warnings if isinstance(w, str)),
            rng_unused=tuple(n for n in unused if isinstance(n, str)),
        )
    if status == "raised":
        return CallResult(
            "raised",
            detail=diagnose_exception(
                str(reply.get("type", "Exception")), str(reply.get("message", ""))
            ),
        )
    if status == "reference":
        return CallResult("reference", detail=str(reply.get("what", "")))
    if status == "unsendable":
        return CallResult(
            "raised",
            detail=f"returned a value that cannot be sent back "
            f"({reply.get('type', '?')}): return plain arrays and numbers",
        )
    if status == "missing":
        return CallResult("missing")
    raise ValueError(f"unknown status {str(status)[:40]!r}")


def _likely_assignment(sub: Submission) -> list[Exercise]:
    """The exercises of the notebook whose graded functions ``sub`` defines most (none: [])."""
    from ..student.registry import by_notebook, notebooks

    best = max(notebooks(), key=lambda nb: sum(ex.id in sub.names for ex in by_notebook(nb)))
    return by_notebook(best) if any(ex.id in sub.names for ex in by_notebook(best)) else []


PARTIAL = (
    0.5  # the share of the points for right values that fail only at the kink or on large inputs
)
SCORING_RULE = (
    f"Scoring: full points when every case is right; {PARTIAL:g} of the points when the values are "
    "right but wrong only at the kink or unstable on large inputs (NaN/inf, overflow); otherwise 0."
)


def exercise_score(points: float, messages: list) -> float:
    """The scoring rule, in one place: ``points`` if every case passed (``None`` messages),
    ``PARTIAL * points`` if every failure is of kind ``kink`` or ``unstable``, else 0.

    >>> from nnlib.grading.student.diagnose import tagged
    >>> kink = tagged("wrong only at the kink", "kink")
    >>> exercise_score(2, [None, None]), exercise_score(2, [None, kink]), exercise_score(2, [kink, "wrong"])
    (2, 1.0, 0.0)
    """
    found = kinds(messages)
    if not found:
        return points
    if found <= {"kink", "unstable"}:
        return round(points * PARTIAL, 4)
    return 0.0


class References:
    """Reference outputs, computed once per (exercise, seed) and shared by the worker threads; and the
    catalogued mistakes' outputs on the same cases (:meth:`mistakes`), computed when a student first
    needs them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cases: dict = {}
        self._mistakes: dict = {}

    def cases(self, ex: Exercise, seed: int) -> list[tuple[Case, bool, object]]:
        """``(case, hidden, expected)`` for every public and hidden case."""
        key = (ex.id, seed)
        with self._lock:
            if key not in self._cases:
                rows = [(c, False) for c in ex.public_cases()] + [
                    (c, True) for c in ex.hidden_cases(seed)
                ]
                out = []
                for case, hidden in rows:
                    try:
                        expected = ex.expected(case)
                    except Exception as exc:  # a bug on our side must not look like the student's
                        expected = RuntimeError(
                            f"internal error in the reference ({type(exc).__name__}: {exc})"
                        )
                    out.append((case, hidden, expected))
                self._cases[key] = out
            return self._cases[key]

    def mistakes(self, ex: Exercise, seed: int) -> MistakeRuns:
        """The catalogued mistakes of ``ex`` on the cases of :meth:`cases` (run lazily, kept)."""
        rows = self.cases(ex, seed)
        with self._lock:
            key = (ex.id, seed)
            if key not in self._mistakes:
                self._mistakes[key] = MistakeRuns(
                    ex, [c for c, _, _ in rows], [e for _, _, e in rows]
                )
            return self._mistakes[key]


def _judge(ex: Exercise, case: Case, expected, result: CallResult, hidden: bool) -> Outcome:
    """The child's answer to one case as an :class:`Outcome` (the generic diagnosis, no values if hidden)."""
    if isinstance(expected, RuntimeError):
        return Outcome(error=str(expected))
    if result.status == "raised":
        return Outcome(error=result.detail)
    after = result.after
    names = list(case.args)
    inputs = (
        dict(zip(names, after))
        if isinstance(after, (list, tuple)) and len(after) == len(names)
        else case.args
    )
    before = {k: v for k, v in case.args.items() if k not in ex.rng_args}
    try:
        verdict = ex.judge(
            case,
            expected,
            result.value,
            inputs=inputs,
            before=before,
            warnings=result.warnings,
            reveal=not hidden,
        )
    except Exception as exc:
        verdict = f"could not compare the output ({type(exc).__name__}: {exc})"
    unused = [n for n in result.rng_unused if n in ex.rng_args]  # names the child may not invent
    return Outcome(result.value, blame_unused_rng(verdict, unused))


def _missing_reason(ex: Exercise, session: Session) -> str:
    cells = [c["index"] for c in session.sub.cells if f"def {ex.id}" in c["source"]]
    errors = [session.cell_errors[i] for i in cells if i in session.cell_errors]
    if errors:
        return f"{ex.id} is not defined: {errors[0]}"
    return f"{ex.id} is not defined (no function of that name in the notebook)"


def grade_exercise(
    ex: Exercise, session: Session, refs: References, seed: int, limits: Limits
) -> dict:
    """Run the cases of one exercise; a dict for the report."""
    rows = refs.cases(ex, seed)
    cases = [
        {"label": ex.label(c), "hidden": hidden, "passed": False, "message": ""}
        for c, hidden, _ in rows
    ]
    entry = {
        "id": ex.id,
        "points": ex.points,
        "score": 0.0,
        "passed": 0,
        "total": len(rows),
        "status": "failed",
        "reason": "",
        "cases": cases,
    }
    flagged = static_use([c["source"] for c in session.sub.cells], ex)
    if flagged:
        return _zero(entry, flagged, "not run: the code uses nnlib's answer")
    if not session.ensure():
        return _zero(entry, session.spent or "the submission could not be loaded", "not run")
    if ex.id not in session.names:
        return _zero(entry, _missing_reason(ex, session), "not run: the function is not defined")
    timeout = limits.timeout or ex.timeout
    outcomes: list[Outcome] = []
    for i, (case, hidden, expected) in enumerate(rows):
        result = session.call(ex, case, timeout)
        if result.status == "reference":
            what = result.detail.replace(".py:", ".").replace("/", ".")
            return _zero(
                entry,
                f"{ex.id} ran nnlib.{what} (nnlib's answer) during case '{case.label}': 0 points",
                "not counted: the code uses nnlib's answer",
            )
        if result.status == "missing":
            return _zero(
                entry, _missing_reason(ex, session), "not run: the function is not defined"
            )
        if result.status in ("timeout", "crash"):
            msg = (
                diagnose_exception("TimeoutError", result.detail)
                if result.status == "timeout"
                else f"crashed: {result.detail}"
            )
            why = "timed out" if result.status == "timeout" else "crashed"
            outcomes.append(Outcome(error=msg))
            outcomes += [
                Outcome(error=f"not run: case '{ex.label(case)}' {why}") for _ in rows[i + 1 :]
            ]
            break
        outcomes.append(_judge(ex, case, expected, result, hidden))
    named, messages = explain(ex, outcomes, refs.mistakes(ex, seed))
    for row, msg in zip(cases, messages):
        row["passed"], row["message"] = msg is None, str(msg or "")
    entry["passed"] = sum(c["passed"] for c in cases)
    entry["score"] = exercise_score(ex.points, messages) if cases else 0.0
    entry["status"] = (
        "passed" if entry["passed"] == len(cases) else "partial" if entry["score"] else "failed"
    )
    entry["reason"] = str(next((m for m in messages if m is not None), ""))
    if needs_hint(messages):
        entry["hint"] = pointer(ex, named)
    return entry


def _zero(entry: dict, reason: str, case_message: str) -> dict:
    for c in entry["cases"]:
        c["passed"], c["message"] = False, case_message
    entry.update(score=0.0, passed=0, status="failed", reason=reason)
    return entry


def grade_submission(
    sub: Submission,
    exercises: list[Exercise],
    *,
    seed: int,
    limits: Limits,
    iso: Isolation,
    refs: References,
    hidden: list[str] = (),
) -> dict:
    """The report of one submission (see :mod:`nnlib.grading.autograder.reports` for its layout)."""
    report = {
        "student": sub.student,
        "submission": sub.path.name,
        "sha256": sub.sha256,
        "isolation": iso.name,
        "seed": seed,
        "notes": [],
        "exercises": [],
    }
    if sub.error:
        report["notes"].append(sub.error)
        for ex in exercises:
            n = len(refs.cases(ex, seed))
            entry = {
                "id": ex.id,
                "points": ex.points,
                "score": 0.0,
                "passed": 0,
                "total": n,
                "status": "failed",
                "reason": sub.error,
                "cases": [],
            }
            report["exercises"].append(entry)
        report["status"] = "rejected"
        return _totals(report)
    session = Session(sub, limits, iso, list(hidden), exercises)
    try:
        for ex in exercises:
            report["exercises"].append(grade_exercise(ex, session, refs, seed, limits))
    finally:
        session.close()
    report["notes"] = [session.cell_errors[i] for i in sorted(session.cell_errors)]
    crashed = any(
        c["message"].startswith(("crashed", "did not finish"))
        for e in report["exercises"]
        for c in e["cases"]
    )
    flagged = any("nnlib's answer" in e["reason"] for e in report["exercises"])
    report["status"] = "flagged" if flagged else ("errors" if crashed else "ok")
    return _totals(report)


def _totals(report: dict) -> dict:
    report["score"] = round(sum(e["score"] for e in report["exercises"]), 4)
    report["max_score"] = round(sum(e["points"] for e in report["exercises"]), 4)
    return report
