"""Grade a batch of submissions: ``python -m nnlib.grading grade SUBMISSION_OR_DIR... --out DIR``.

Each submission (``<student>.ipynb`` or ``<student>.py``; a folder stands for the submissions
directly inside it) is read and converted here (:mod:`.convert`), matched to its assignment (the
notebook whose graded functions it defines most; ``--assignment`` forces one), then graded in its
own sandboxed child (:mod:`.scoring`) by one of ``--jobs`` worker threads. A finished student's
files are written atomically (:mod:`.reports`); a student whose ``report.json`` already matches
the submission and the settings is skipped, so an interrupted batch resumes where it stopped.
``gradebook.csv`` is rebuilt at the end from every student's ``report.json``. Timings go to the
console and to ``timings.json`` only, never into the graded files.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .convert import SUFFIXES, Submission, read_submission
from ..student.registry import Exercise, all_exercises, by_notebook, notebooks
from .reports import fmt, gradebook_csv, read_report, remove_stale_temporaries, write_atomic, write_student
from .sandbox import Isolation, Limits, add_limit_arguments, clean_stale_workdirs, isolation, limits_from_arguments
from .scoring import GraderError, References, grade_submission

GRADER_VERSION = 1
NOT_GRADED = "not graded"   # gradebook status of a student the sandbox failed on (retried on a re-run)
REPORT_KEYS = ("student", "assignment", "submission", "sha256", "status", "score", "max_score", "seed",
               "isolation", "notes", "exercises", "grader")


class UsageError(ValueError):
    """Bad command-line input (a missing file, two submissions for one student ...)."""


def discover(paths: list[str | Path]) -> list[Path]:
    """The submission files: each file given, and the ``.ipynb``/``.py`` files directly inside each folder."""
    found = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            found += sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"grade: no such file or folder: {arg}")
    return found


def detect_assignment(sub: Submission) -> str | None:
    """The notebook whose graded functions the submission defines most (ties: book order)."""
    best, best_count = None, 0
    for nb in notebooks():
        count = sum(ex.id in sub.names for ex in by_notebook(nb))
        if count > best_count:
            best, best_count = nb, count
    return best


@dataclass
class Settings:
    out: Path
    limits: Limits = field(default_factory=Limits)
    seed: int = 0
    jobs: int = 2
    force: bool = False
    assignment: str | None = None
    isolation: str = "auto"
    progress: bool = True


def fingerprint(sub: Submission, assignment: str | None, settings: Settings, iso: Isolation) -> dict:
    """What a finished report must match to be reused on a re-run (else the student is graded again)."""
    exercises = [[ex.id, ex.points] for ex in (by_notebook(assignment) if assignment else [])]
    return {"version": GRADER_VERSION, "sha256": sub.sha256, "assignment": assignment, "exercises": exercises,
            "seed": settings.seed, "timeout": settings.limits.timeout, "memory_mb": settings.limits.memory_mb,
            "isolation": iso.name}


def _unknown(sub: Submission, settings: Settings, iso: Isolation) -> dict:
    reason = sub.error or ("could not tell which assignment this is: it defines none of the graded functions "
                           "(use --assignment)")
    return {"student": sub.student, "submission": sub.path.name, "sha256": sub.sha256, "isolation": iso.name,
            "seed": settings.seed, "notes": [reason], "exercises": [], "status": "rejected", "score": 0.0,
            "max_score": 0.0}


def grade_one(sub: Submission, assignment: str | None, settings: Settings, iso: Isolation, refs: References,
              hidden: list[str]) -> dict:
    """Grade one submission and write its files; returns its report."""
    exercises: list[Exercise] = by_notebook(assignment) if assignment else []
    if exercises:
        report = grade_submission(sub, exercises, seed=settings.seed, limits=settings.limits, iso=iso,
                                  refs=refs, hidden=hidden)
    else:
        report = _unknown(sub, settings, iso)
    report["assignment"] = assignment
    report["grader"] = fingerprint(sub, assignment, settings, iso)
    ordered = {key: report[key] for key in REPORT_KEYS}
    write_student(settings.out, ordered)
    return ordered


def _assignments(subs: list[Submission], forced: str | None) -> dict[str, str | None]:
    if forced:
        if forced not in notebooks():
            raise UsageError(f"grade: unknown assignment {forced!r}; one of {', '.join(notebooks())}")
        return {s.student: forced for s in subs}
    detected = {s.student: detect_assignment(s) for s in subs}
    common = Counter(a for a in detected.values() if a).most_common(1)
    fallback = common[0][0] if common else None  # an unreadable file counts against the batch's assignment
    return {k: (v or fallback) for k, v in detected.items()}


def _summary(reports: list[dict], times: dict[str, float], iso: Isolation, skipped: int, failed: dict) -> str:
    rows = [("student", "assignment", "score", "status", "time")]
    for r in sorted(reports, key=lambda r: r["student"]):
        t = times.get(r["student"])
        rows.append((r["student"], r.get("assignment") or "-", f"{fmt(r['score'])} / {fmt(r['max_score'])}",
                     r["status"], f"{t:.2f} s" if t is not None else "resumed"))
    for student, why in sorted(failed.items()):
        rows.append((student, "-", "-", "NOT GRADED", why[:60]))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    graded = list(times.values())
    lines.append(f"\n{len(reports)} graded ({skipped} resumed from an earlier run), {len(failed)} not graded; "
                 f"isolation: {iso.description}")
    if graded:
        lines.append(f"mean {sum(graded) / len(graded):.2f} s per submission graded now")
    return "\n".join(lines)


def run(paths: list[str | Path], settings: Settings) -> int:
    """Grade a batch; returns the exit status (0 ok, 1 some student could not be graded)."""
    iso = isolation(settings.isolation)
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    settings.out = out
    remove_stale_temporaries(out)
    clean_stale_workdirs()
    subs = [read_submission(p) for p in discover(paths)]
    names = Counter(s.student for s in subs)
    clashes = sorted(n for n, c in names.items() if c > 1)
    if clashes:
        raise UsageError(f"grade: several submissions for {', '.join(clashes)}: keep one file per student")
    assignment = _assignments(subs, settings.assignment)
    hidden = sorted({str(out.resolve())} | {str(s.path.resolve().parent) for s in subs})
    todo, reports, times, failed = [], {}, {}, {}
    for sub in subs:
        done = None if settings.force else read_report(out, sub.student)
        if done and done.get("grader") == fingerprint(sub, assignment[sub.student], settings, iso):
            reports[sub.student] = done
        else:
            todo.append(sub)
    skipped = len(reports)
    refs = References()
    from tqdm import tqdm

    def task(sub):
        start = time.perf_counter()
        report = grade_one(sub, assignment[sub.student], settings, iso, refs, hidden)
        return report, time.perf_counter() - start

    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not settings.progress or not todo,
               file=sys.stderr)
    pool = ThreadPoolExecutor(max_workers=max(1, settings.jobs), thread_name_prefix="grader")
    try:
        futures = {pool.submit(task, sub): sub for sub in todo}
        for future in as_completed(futures):
            sub = futures[future]
            try:
                report, seconds = future.result()
                reports[sub.student], times[sub.student] = report, seconds
            except GraderError as exc:
                failed[sub.student] = str(exc)
            except Exception as exc:  # a bug here must not cost the rest of the batch
                failed[sub.student] = f"internal error ({type(exc).__name__}: {exc})"
            bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        print("\ninterrupted: finished students are saved; run the same command again to resume", file=sys.stderr)
        os._exit(130)  # children die with us (PR_SET_PDEATHSIG / --die-with-parent)
    pool.shutdown()
    bar.close()
    ids = [ex.id for ex in all_exercises() if any(r.get("assignment") == ex.notebook for r in reports.values())]
    missing = [{"student": s.student, "assignment": assignment[s.student], "exercises": [], "status": NOT_GRADED}
               for s in subs if s.student in failed]
    write_atomic(out / "gradebook.csv", gradebook_csv(list(reports.values()) + missing, ids))
    write_atomic(out / "timings.json", json.dumps({k: round(v, 3) for k, v in sorted(times.items())}, indent=1))
    print(_summary(list(reports.values()), times, iso, skipped, failed))
    for student, why in sorted(failed.items()):
        print(f"NOT GRADED {student}: {why}", file=sys.stderr)
    return 1 if failed else 0


# ----------------------------------------------------------------------------- command line

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = """\
Grade submitted notebooks in a sandbox.

Each submission is a notebook (or a .py file, cells split at "# %%") named after the student,
e.g. ana.ipynb; a folder stands for the .ipynb/.py files directly inside it. The assignment (which
notebook it is) is detected from the graded functions the submission defines, or forced with
--assignment. Every graded function runs on the public cases of check() and on hidden cases drawn
from --seed; each case earns its share of the exercise's points. Code that uses nnlib's own answer
for the function being graded scores 0 for it, with the reason.

The student's code runs in a child process, never in the grader: bwrap where it works (no network,
own PID namespace, read-only filesystem, an unprivileged uid of its own), always a scrubbed environment,
a temporary working folder, rlimits (memory, CPU, file size, processes) and a wall-clock timeout.
A cell that hangs or crashes is skipped; a call that does costs only the exercise in flight."""
    p.epilog = """\
output (OUT/):
  gradebook.csv               one row per student, one column per exercise, total, max_score, status
  <student>/report.json       every case, its verdict and reason (status: ok, errors, flagged, rejected)
  <student>/feedback.md       the student's feedback
  <student>/results.json      Gradescope's results format
  timings.json                seconds per student (the only file that differs between runs)

Files are written atomically. A re-run skips students already graded with the same file and
settings (--force grades them again), so an interrupted batch resumes; the same --seed gives
byte-identical files. Exit status: 0 all graded, 1 some student could not be graded (sandbox
failure, listed at the end), 2 bad usage."""
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION_OR_DIR",
                   help="notebooks/.py files, or folders holding them")
    p.add_argument("--out", required=True, type=Path, help="output folder (created if needed)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default: 2)")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="wall-clock seconds per notebook cell and per call (default: each exercise's own, 10)")
    p.add_argument("--memory", type=int, default=Limits.memory_mb, metavar="MB",
                   help=f"memory of a submission's processes together, in MB (default: {Limits.memory_mb})")
    add_limit_arguments(p)
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seed of the hidden cases; the same seed gives the same bytes (default: 0)")
    p.add_argument("--force", action="store_true", help="grade again students already graded")
    p.add_argument("--assignment", default=None, metavar="NOTEBOOK",
                   help="grade every submission as this notebook, e.g. 07_activations (default: detected)")
    p.add_argument("--isolation", choices=("auto", "bwrap", "rlimits"), default="auto",
                   help="auto: bwrap if it works here, else rlimits only (default: auto)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_command(args) -> int:
    if args.jobs < 1 or (args.timeout is not None and args.timeout <= 0) or args.memory < 64 or args.seed < 0:
        print("grade: --jobs >= 1, --timeout > 0, --memory >= 64 and --seed >= 0 are required", file=sys.stderr)
        return 2
    limits = limits_from_arguments(args, timeout=args.timeout, memory_mb=args.memory)
    settings = Settings(out=args.out, limits=limits, seed=args.seed, jobs=args.jobs, force=args.force,
                        assignment=args.assignment, isolation=args.isolation, progress=not args.no_progress)
    try:
        return run(args.submissions, settings)
    except (UsageError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 2
