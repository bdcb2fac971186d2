"""Step 1 of a batch: the plan. Find the files, tell whose they are, keep each student's latest, read them,
and give each its assignment.

The plan is computed the same way by every shard (it reads every kept file, not only the shard's, so all
shards agree on the batch's assignment) and is all the batch's files depend on besides the students'
reports: :func:`~.finish.finish` writes them from it, in one run or after ``merge``.

* Whose: :mod:`.intake` (LMS download names), then ``--roster`` (:mod:`.lms`) when given, so that
  ``jdoe.ipynb`` and Canvas's ``doejane_4242_...`` for the same student count as one student twice.
* Which assignment: the batch's own (``--assignment``, else the one most readable files are for; ties
  go to the first in book order). A file that defines some of its graded functions, or cannot be read,
  is graded as it; a notebook that defines only another assignment's functions is graded as that one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..student.registry import by_notebook, notebooks
from .convert import Submission
from .intake import NoSubmissions, discover, identify, keep_latest, safe_read
from .lms import RosterError, match, read_roster

if TYPE_CHECKING:
    from .grader import Settings


class UsageError(ValueError):
    """Bad command-line input (a missing file, a folder without submissions, a bad roster ...)."""


@dataclass
class Plan:
    """Everything the batch's outputs depend on besides the reports; JSON-able, equal in every shard."""

    main: str | None  # the batch's assignment (its gradebook is gradebook.csv)
    students: list[dict]  # {"student", "file", "assignment", "roster"} per kept file
    superseded: list[dict]  # {"file", "student", "kept"}: an older copy of a kept file
    unmatched: list[dict]  # {"file", "student", "reason"}: not found in the roster
    roster: dict | None = None  # lms.Roster.as_json()
    options: dict = field(default_factory=dict)  # the settings the outputs depend on

    def as_json(self) -> dict:
        return asdict(self)


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _counts(sub: Submission) -> dict[str, int]:
    """Per assignment, how many of its graded functions the submission defines."""
    return {nb: sum(ex.id in sub.names for ex in by_notebook(nb)) for nb in notebooks()}


def _best(counts: dict[str, int]) -> str | None:
    best = max(notebooks(), key=lambda nb: (counts[nb], -notebooks().index(nb)))
    return best if counts[best] else None


def _assign(
    subs: dict[str, Submission], forced: str | None
) -> tuple[str | None, dict[str, str | None]]:
    """The batch's assignment and each student's: a notebook for another assignment is graded as that one."""
    counts = {k: _counts(s) for k, s in subs.items() if not s.error}
    if forced:
        main = forced
    else:
        common = Counter(b for b in map(_best, counts.values()) if b)
        main = min(common, key=lambda nb: (-common[nb], notebooks().index(nb))) if common else None
    chosen = {}
    for student in subs:
        c = counts.get(student)
        if c is None or (main and c[main]):
            chosen[student] = main  # unreadable, or defines some of the batch's functions
        else:
            chosen[student] = _best(c) or main
    return main, chosen


def make_plan(paths: list[str | Path], settings: Settings) -> tuple[Plan, dict[str, Submission]]:
    """Find, identify, de-duplicate, read and assign every submission (see the module docstring)."""
    try:
        files = discover(paths)
    except (FileNotFoundError, NoSubmissions) as exc:
        raise UsageError(str(exc)) from None
    roster = None
    if settings.roster is not None:
        try:
            roster = read_roster(settings.roster)
        except RosterError as exc:
            raise UsageError(str(exc)) from None
    found = [identify(p) for p in files]
    matched = {
        f.path: match(roster, f.lms, f.user_id, f.name) if roster else (None, "") for f in found
    }

    def group(f):  # one student: the same roster row, else the same name
        return f"roster:{matched[f.path][0]}" if matched[f.path][0] is not None else f.student

    kept, superseded = keep_latest(found, key=group)
    kept, clashes = keep_latest(
        kept, key=lambda f: f.student
    )  # and one output folder per student, always
    superseded.update(clashes)
    subs = {f.student: safe_read(f) for f in kept}
    main, assignment = _assign(subs, settings.assignment)
    plan = Plan(
        main=main,
        students=[
            {
                "student": f.student,
                "file": _display(f.path),
                "assignment": assignment[f.student],
                "roster": matched[f.path][0],
            }
            for f in kept
        ],
        superseded=sorted(
            (
                {"file": _display(p), "student": k.student, "kept": _display(k.path)}
                for p, k in superseded.items()
            ),
            key=lambda r: r["file"],
        ),
        unmatched=[
            {"file": _display(f.path), "student": f.student, "reason": matched[f.path][1]}
            for f in kept
            if roster and matched[f.path][0] is None
        ],
        roster=roster.as_json() if roster else None,
        options={
            "lms_column": settings.lms_column,
            "seed": settings.seed,  # what the outputs depend on:
            "hidden_visibility": settings.hidden_visibility,  # shards must agree on it
            "timeout": settings.limits.timeout,
            "memory_mb": settings.limits.memory_mb,
            "isolation": settings.isolation,
        },
    )
    return plan, subs
