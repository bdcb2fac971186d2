"""Grade a batch of submissions: ``python -m nnlib.grading grade SUBMISSION_OR_DIR... --out DIR``.

A batch runs in three steps:

1. **Plan** (:func:`~.plan.make_plan`, the same in every shard): find the files (:mod:`.intake`), tell whose
   they are (LMS download names, ``--roster``), keep each student's latest file, read every kept file
   (a file that cannot be read becomes that student's refused row, never an abort), and give each one
   its assignment: the batch's own (``--assignment``, else the one most files are for) or, for a
   notebook of another assignment, that one (graded as it and reported apart).
2. **Grade** the students of this shard (``--shard k/N``; all of them by default), each in its own
   sandboxed child (:mod:`.scoring`), ``--jobs`` at a time, with the assignment's seed
   (:mod:`.course`, or ``--seed``). A finished student's files are written atomically
   (:mod:`.reports`); one whose ``report.json`` matches the file and the settings is reused, so an
   interrupted batch resumes. Any exception while grading one student becomes that student's row.
3. **Finish** (:func:`~.finish.finish`): one gradebook per assignment with fixed columns, ``submissions.csv``
   (every file found and what became of it) and, with ``--roster``, the LMS import file. A shard of
   several writes ``shard.json`` instead, and ``merge`` (:mod:`.merge`) finishes the union: the same
   bytes as one unsharded run.

Exit status: 0 when every submission got a row; 1 when the sandbox failed for some student (the
grader's fault: listed, retried on a re-run); 2 for bad arguments or a folder without submissions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..student.registry import Exercise, by_notebook, notebooks
from .convert import Submission
from .course import seed_for
from .finish import NOT_GRADED, finish
from .intake import in_shard, parse_shard
from .leaderboard import apply_bands, heldout_folders
from .leaderboard import entries as leaderboard_entries
from .plan import Plan, UsageError, make_plan
from .reports import (
    VISIBILITIES,
    fmt,
    read_report,
    remove_stale_temporaries,
    status_of,
    write_atomic,
    write_student,
)
from .sandbox import (
    Isolation,
    Limits,
    add_limit_arguments,
    clean_stale_workdirs,
    isolation,
    limits_from_arguments,
)
from .scoring import GraderError, References, grade_submission

GRADER_VERSION = 3
REPORT_KEYS = (
    "student",
    "assignment",
    "submission",
    "sha256",
    "status",
    "score",
    "max_score",
    "seed",
    "isolation",
    "notes",
    "exercises",
    "leaderboard",
    "grader",
)
SHARD_FILE = "shard.json"
__all__ = [
    "Settings",
    "UsageError",
    "run",
    "grade_one",
    "add_arguments",
    "run_command",
]  # UsageError: from plan


@dataclass
class Settings:
    out: Path
    limits: Limits = field(default_factory=Limits)
    seed: int | None = None  # None: each assignment's seed from course.SEEDS
    jobs: int = 2
    force: bool = False
    assignment: str | None = None
    isolation: str = "auto"
    progress: bool = True
    shard: tuple[int, int] = (1, 1)
    roster: Path | None = None
    lms_column: str | None = None  # the assignment's column title in the LMS (default: its name)
    hidden_visibility: str = "after_due_date"


# ----------------------------------------------------------------------------- 2. grade (1: plan.py, 3: finish.py)


def fingerprint(
    sub: Submission, assignment: str | None, seed: int, settings: Settings, iso: Isolation
) -> dict:
    """What a finished report must match to be reused on a re-run (else the student is graded again)."""
    exercises = [[ex.id, ex.points] for ex in (by_notebook(assignment) if assignment else [])]
    return {
        "version": GRADER_VERSION,
        "sha256": sub.sha256,
        "assignment": assignment,
        "exercises": exercises,
        "seed": seed,
        "timeout": settings.limits.timeout,
        "memory_mb": settings.limits.memory_mb,
        "isolation": iso.name,
        "hidden_visibility": settings.hidden_visibility,
    }


def _zero_row(
    sub: Submission, exercises: list[Exercise], seed: int, iso: Isolation, status: str, why: str
) -> dict:
    """A report scoring 0 for every exercise, with one reason (a refused file, a grading that stopped)."""
    rows = [
        {
            "id": ex.id,
            "points": ex.points,
            "score": 0.0,
            "passed": 0,
            "total": 0,
            "status": "failed",
            "reason": why,
            "cases": [],
        }
        for ex in exercises
    ]
    return {
        "student": sub.student,
        "submission": sub.path.name,
        "sha256": sub.sha256,
        "isolation": iso.name,
        "seed": seed,
        "notes": [why],
        "exercises": rows,
        "status": status,
        "score": 0.0,
        "max_score": round(sum(ex.points for ex in exercises), 4),
    }


def grade_one(
    sub: Submission,
    assignment: str | None,
    settings: Settings,
    iso: Isolation,
    refs: References,
    hidden: list[str],
) -> dict:
    """Grade one submission and write its files; returns its report. Only a sandbox failure raises."""
    exercises: list[Exercise] = by_notebook(assignment) if assignment else []
    seed = seed_for(assignment, settings.seed) if assignment else (settings.seed or 0)
    stamp = fingerprint(sub, assignment, seed, settings, iso)
    try:
        if not exercises:
            why = sub.error or (
                "could not tell which assignment this is: it defines none of the graded "
                "functions (use --assignment)"
            )
            report = _zero_row(sub, [], seed, iso, "rejected", why)
        else:
            hidden = hidden + heldout_folders(assignment)  # a leaderboard's held-out labels
            report = grade_submission(
                sub, exercises, seed=seed, limits=settings.limits, iso=iso, refs=refs, hidden=hidden
            )
            report["leaderboard"] = leaderboard_entries(
                sub, assignment, seed=seed, limits=settings.limits, iso=iso, hidden=hidden
            )
            report = apply_bands(report, assignment)  # a leaderboard with score bands gives points
        report["status"] = status_of(report)
    except GraderError:
        raise
    except Exception as exc:  # noqa: BLE001 - RecursionError, MemoryError, a protocol violation: this student only
        why = (
            f"grading stopped on this submission ({type(exc).__name__}: {str(exc)[:200]}); 0 points"
        )
        report = _zero_row(sub, exercises, seed, iso, "errors", why)
        stamp = dict(stamp, retry=True)  # never reused: a re-run tries this student again
    report.setdefault("leaderboard", [])
    report["assignment"], report["grader"] = assignment, stamp
    ordered = {key: report[key] for key in REPORT_KEYS}
    write_student(settings.out, ordered, settings.hidden_visibility)
    return ordered


def _grade_all(
    todo: list[Submission], assignment: dict, settings: Settings, iso: Isolation, hidden: list[str]
) -> tuple[dict, dict, dict]:
    """Grade ``todo`` on ``--jobs`` threads: (reports, seconds, failed) by student."""
    from tqdm import tqdm

    refs, reports, times, failed = References(), {}, {}, {}

    def task(sub):
        start = time.perf_counter()
        report = grade_one(sub, assignment[sub.student], settings, iso, refs, hidden)
        return report, time.perf_counter() - start

    bar = tqdm(
        total=len(todo),
        desc="grading",
        unit="submission",
        disable=not settings.progress or not todo,
        file=sys.stderr,
    )
    pool = ThreadPoolExecutor(max_workers=max(1, settings.jobs), thread_name_prefix="grader")
    try:
        futures = {pool.submit(task, sub): sub for sub in todo}
        for future in as_completed(futures):
            sub = futures[future]
            try:
                reports[sub.student], times[sub.student] = future.result()
            except GraderError as exc:
                failed[sub.student] = str(exc)
            except Exception as exc:  # noqa: BLE001 - e.g. the output folder is not writable: the grader's fault
                failed[sub.student] = f"internal error ({type(exc).__name__}: {exc})"
            bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        print(
            "\ninterrupted: finished students are saved; run the same command again to resume",
            file=sys.stderr,
        )
        os._exit(130)  # children die with us (PR_SET_PDEATHSIG / --die-with-parent)
    pool.shutdown()
    bar.close()
    return reports, times, failed


# ----------------------------------------------------------------------------- the batch


def _summary(
    rows: dict[str, dict],
    times: dict[str, float],
    plan: Plan,
    iso: Isolation,
    skipped: int,
    failed: dict,
) -> str:
    table = [("student", "assignment", "score", "status", "time")]
    for student, r in sorted(rows.items()):
        score = f"{fmt(r['score'])} / {fmt(r['max_score'])}" if "score" in r else "-"
        t = times.get(student)
        table.append(
            (
                student,
                r.get("assignment") or "-",
                score,
                r["status"].upper() if r["status"] == NOT_GRADED else r["status"],
                f"{t:.2f} s" if t is not None else "-",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for d in plan.superseded:
        lines.append(
            f"superseded: {d['file']} (kept {d['kept']}, the later submission of {d['student']})"
        )
    for u in plan.unmatched:
        lines.append(f"not in the roster: {u['file']}: {u['reason']}")
    graded = list(times.values())
    lines.append(
        f"\n{len(graded) + skipped} graded ({skipped} resumed from an earlier run), {len(failed)} not graded; "
        f"isolation: {iso.description}"
    )
    if graded:
        lines.append(f"mean {sum(graded) / len(graded):.2f} s per submission graded now")
    return "\n".join(lines)


def run(paths: list[str | Path], settings: Settings) -> int:
    """Grade a batch (or one shard of it); returns the exit status (see the module docstring)."""
    iso = isolation(settings.isolation)
    if settings.assignment is not None and settings.assignment not in notebooks():
        raise UsageError(
            f"grade: unknown assignment {settings.assignment!r}; one of {', '.join(notebooks())}"
        )
    plan, subs = make_plan(paths, settings)
    out = settings.out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    clean_stale_workdirs()
    k, n = settings.shard
    mine = sorted(in_shard([s["student"] for s in plan.students], k, n))
    assignment = {s["student"]: s["assignment"] for s in plan.students}
    hidden = sorted({str(out.resolve())} | {str(s.path.resolve().parent) for s in subs.values()})
    todo, skipped = [], 0
    for student in mine:
        sub, nb = subs[student], assignment[student]
        done = None if settings.force else read_report(out, student)
        seed = seed_for(nb, settings.seed) if nb else (settings.seed or 0)
        if done and done.get("grader") == fingerprint(sub, nb, seed, settings, iso):
            skipped += 1
        else:
            todo.append(sub)
    reports, times, failed = _grade_all(todo, assignment, settings, iso, hidden)
    write_atomic(
        out / "timings.json",
        json.dumps({k_: round(v, 3) for k_, v in sorted(times.items())}, indent=1),
    )
    if n == 1:
        rows = finish(out, plan, failed)
    else:
        manifest = {
            "format": 1,
            "shard": [k, n],
            "students": mine,
            "failed": failed,
            "plan": plan.as_json(),
        }
        write_atomic(
            out / SHARD_FILE,
            json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        )
        rows = {
            s: reports.get(s) or read_report(out, s) or {"status": NOT_GRADED, "exercises": []}
            for s in mine
        }
        print(
            f"shard {k}/{n}: {len(mine)} of {len(plan.students)} students; "
            f"finish with: python -m nnlib.grading merge OUT_1 ... OUT_{n} --out OUT"
        )
    print(_summary(rows, times, plan, iso, skipped, failed))
    for student, why in sorted(failed.items()):
        print(f"NOT GRADED {student}: {why}", file=sys.stderr)
    return 1 if failed else 0


# ----------------------------------------------------------------------------- command line


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = """\
Grade submitted notebooks in a sandbox.

Each submission is a notebook (or a .py file) named after the student (ana.ipynb) or as the LMS
downloaded it (Canvas: lastfirst_userid_submissionid_name.ipynb; Moodle: a folder per student,
Full Name_participantid_assignsubmission_file_/name.ipynb). The same student twice keeps the latest
(LMS submission id, else file time). The batch's assignment is --assignment, else the one most files
are for; a notebook for another assignment is graded as that one and gets its own gradebook. Every
graded function runs on the public cases of check() and on hidden cases drawn from the assignment's
seed (one per assignment, in nnlib/grading/autograder/course.py; --seed overrides it). Code that uses
nnlib's own answer for the function being graded scores 0 for it, with the reason.

The student's code runs in a child process, never in the grader: bwrap where it works (no network,
own PID namespace, read-only filesystem, an unprivileged uid of its own), always a scrubbed environment,
a temporary working folder, rlimits (memory, CPU, file size, processes) and a wall-clock timeout.
A cell that hangs or crashes is skipped; a call that does costs only the exercise in flight. A file
that cannot be read, or that breaks the grading of its own submission, becomes that student's row."""
    p.epilog = """\
output (OUT/):
  gradebook.csv               the batch's assignment: one row per student, a column for every exercise,
                              total, max_score, status (ok, errors, timeout, flagged, rejected,
                              not submitted) and reason
  gradebook-<assignment>.csv  students who handed in a notebook of another assignment
  submissions.csv             every file found: whose, which assignment, graded or superseded
  canvas.csv | moodle.csv     with --roster: ready to import (empty score: no submission)
  roster-report.csv           with --roster: submissions not matched, students without one
  <student>/report.json       every case, its verdict and reason
  <student>/feedback.md       the student's feedback
  <student>/results.json      Gradescope's results format (hidden cases after the due date)
  timings.json                seconds per student (the only file that differs between runs)

Files are written atomically. A re-run skips students already graded with the same file and
settings (--force grades them again), so an interrupted batch resumes; the same seed gives
byte-identical files. --shard k/N grades every N-th student from the k-th and writes shard.json;
`python -m nnlib.grading merge OUT_1 ... OUT_N --out OUT` then writes what one run would.
Exit status: 0 every submission got a row; 1 the sandbox failed for some student (listed at the
end; a re-run retries them); 2 bad usage, a bad roster, or no submissions in the folder."""
    p.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSION_OR_DIR",
        help="notebooks/.py files, or folders holding them",
    )
    p.add_argument("--out", required=True, type=Path, help="output folder (created if needed)")
    p.add_argument(
        "--jobs", type=int, default=2, help="submissions graded in parallel (default: 2)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="wall-clock seconds per notebook cell and per call (default: each exercise's own, 10)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=Limits.memory_mb,
        metavar="MB",
        help=f"memory of a submission's processes together, in MB (default: {Limits.memory_mb})",
    )
    add_limit_arguments(p)
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the hidden cases (default: the assignment's, from course.py)",
    )
    p.add_argument("--force", action="store_true", help="grade again students already graded")
    p.add_argument(
        "--assignment",
        default=None,
        metavar="NOTEBOOK",
        help="the batch's assignment, e.g. 07_activations (default: the one most files are for)",
    )
    p.add_argument(
        "--isolation",
        choices=("auto", "bwrap", "rlimits"),
        default="auto",
        help="auto: bwrap if it works here, else rlimits only (default: auto)",
    )
    p.add_argument(
        "--roster",
        type=Path,
        default=None,
        metavar="CSV",
        help="a Canvas or Moodle gradebook export: match students, write canvas.csv or moodle.csv",
    )
    p.add_argument(
        "--lms-column",
        default=None,
        metavar="TITLE",
        help="the assignment's column in the LMS import file, e.g. 'Homework 6 (4242)' "
        "(default: the assignment's name)",
    )
    p.add_argument(
        "--shard",
        default="1/1",
        metavar="k/N",
        help="grade only the k-th of N slices (default: 1/1)",
    )
    p.add_argument(
        "--hidden-visibility",
        choices=VISIBILITIES,
        default="after_due_date",
        help="Gradescope visibility of the hidden-case tests (default: after_due_date)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_command(args) -> int:
    if (
        args.jobs < 1
        or (args.timeout is not None and args.timeout <= 0)
        or args.memory < 64
        or (args.seed is not None and args.seed < 0)
    ):
        print(
            "grade: --jobs >= 1, --timeout > 0, --memory >= 64 and --seed >= 0 are required",
            file=sys.stderr,
        )
        return 2
    try:
        shard = parse_shard(args.shard)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    limits = limits_from_arguments(args, timeout=args.timeout, memory_mb=args.memory)
    settings = Settings(
        out=args.out,
        limits=limits,
        seed=args.seed,
        jobs=args.jobs,
        force=args.force,
        assignment=args.assignment,
        isolation=args.isolation,
        progress=not args.no_progress,
        shard=shard,
        roster=args.roster,
        lms_column=args.lms_column,
        hidden_visibility=args.hidden_visibility,
    )
    try:
        return run(args.submissions, settings)
    except (UsageError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 2
