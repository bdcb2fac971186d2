"""Step 3 of a batch: the batch's own files, written from the plan (:mod:`.plan`) and the students'
``report.json`` files, the same way after one run and after ``merge`` (so the bytes are the same).

* ``gradebook.csv``: the batch's assignment, a column for every one of its exercises, then ``total``,
  ``max_score``, ``status`` and ``reason``; with a roster, a ``not submitted`` row per student without a file;
* ``gradebook-<assignment>.csv``: students who handed in a notebook of another assignment;
* ``submissions.csv``: every file found, whose it is, and what became of it (graded, superseded);
* with ``--roster``: ``canvas.csv`` or ``moodle.csv`` (:mod:`.lms`) and ``roster-report.csv``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..student.registry import by_notebook
from .convert import student_name
from .lms import Roster, canvas_csv, moodle_csv, report_csv
from .plan import Plan
from .reports import fmt, gradebook_csv, read_report, write_atomic

NOT_GRADED = (
    "not graded"  # the sandbox failed on this student (the grader's fault; retried on a re-run)
)
NOT_SUBMITTED = "not submitted"
BATCH_FILES = (
    "gradebook.csv",
    "gradebook-*.csv",
    "submissions.csv",
    "canvas.csv",
    "moodle.csv",
    "roster-report.csv",
)


def _lms_feedback(report: dict | None) -> str:
    """One line for the LMS's feedback column (the full feedback is the student's feedback.md)."""
    if report is None:
        return "no submission"
    missed = [
        f"{e['id']} {fmt(e['score'])}/{fmt(e['points'])}"
        for e in report["exercises"]
        if e["score"] < e["points"]
    ]
    text = f"{fmt(report['score'])} / {fmt(report['max_score'])} ({report['status']})"
    return text + (f"; not full marks: {', '.join(missed)}" if missed else "")


def _lms_files(plan: Plan, rows: dict[str, dict]) -> dict[str, str]:
    """The LMS import file and the roster report, from the batch assignment's rows."""
    roster = Roster.from_json(plan.roster)
    by_index = {s["roster"]: s for s in plan.students if s["roster"] is not None}
    scores, feedback, missing, unmatched = (
        [],
        [],
        [],
        [(u["file"], u["reason"]) for u in plan.unmatched],
    )
    for i, who in enumerate(roster.students):
        entry = by_index.get(i)
        report = rows[entry["student"]] if entry else None
        if entry is None:
            missing.append(who.display)
        elif (
            entry["assignment"] != plan.main
        ):  # handed in another assignment: no score for this one
            unmatched.append(
                (
                    entry["file"],
                    f"a notebook for {entry['assignment']}, not {plan.main}: "
                    f"see gradebook-{entry['assignment']}.csv",
                )
            )
            report = None
        usable = report is not None and "score" in report
        scores.append(fmt(report["score"]) if usable else "")
        feedback.append(_lms_feedback(report) if usable else "no submission")
    column = plan.options.get("lms_column") or plan.main or "grade"
    points = fmt(sum(ex.points for ex in by_notebook(plan.main))) if plan.main else ""
    name, text = (
        ("canvas.csv", canvas_csv(roster, column, points, scores))
        if roster.kind == "canvas"
        else ("moodle.csv", moodle_csv(roster, column, scores, feedback))
    )
    return {name: text, "roster-report.csv": report_csv(sorted(unmatched), missing)}


def _submissions_csv(plan: Plan, rows: dict[str, dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "student", "assignment", "outcome"])
    lines = [
        [
            s["file"],
            s["student"],
            rows[s["student"]].get("assignment") or "",
            rows[s["student"]]["status"],
        ]
        for s in plan.students
    ]
    lines += [
        [d["file"], d["student"], "", f"superseded by {d['kept']} (the later submission)"]
        for d in plan.superseded
    ]
    writer.writerows(sorted(lines))
    return buf.getvalue()


def finish(out: Path, plan: Plan, failed: dict[str, str]) -> dict[str, dict]:
    """Write the batch's files from the plan and the students' reports in ``out``; returns the rows."""
    rows: dict[str, dict] = {}
    for s in plan.students:
        report = None if s["student"] in failed else read_report(out, s["student"])
        rows[s["student"]] = report or {
            "student": s["student"],
            "assignment": s["assignment"],
            "exercises": [],
            "status": NOT_GRADED,
            "reason": failed.get(s["student"], "no report was written"),
        }
    if plan.roster:
        roster = Roster.from_json(plan.roster)
        taken = {s["roster"] for s in plan.students}
        for i, who in enumerate(roster.students):
            if i not in taken:
                key = student_name(Path(who.display + ".ipynb"))
                rows.setdefault(
                    key,
                    {
                        "student": key,
                        "assignment": plan.main,
                        "exercises": [],
                        "status": NOT_SUBMITTED,
                        "reason": "no submission",
                    },
                )
    files = {}
    if plan.main is None:  # no file could be told apart: one gradebook without exercise columns
        files["gradebook.csv"] = gradebook_csv(list(rows.values()), [])
    for nb in sorted(
        {r["assignment"] for r in rows.values() if r.get("assignment")} | {plan.main} - {None}
    ):
        name = "gradebook.csv" if nb == plan.main else f"gradebook-{nb}.csv"
        files[name] = gradebook_csv(
            [r for r in rows.values() if r.get("assignment") == nb],
            [ex.id for ex in by_notebook(nb)],
        )
    files["submissions.csv"] = _submissions_csv(plan, rows)
    if plan.roster:
        files.update(_lms_files(plan, rows))
    for (
        pattern
    ) in BATCH_FILES:  # an earlier run's files that this batch does not write would mislead
        for stale in out.glob(pattern):
            if stale.name not in files:
                stale.unlink()
    for name, text in sorted(files.items()):
        write_atomic(out / name, text)
    return rows
