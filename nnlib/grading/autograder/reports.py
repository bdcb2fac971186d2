"""What the grader writes: per student ``report.json``, ``feedback.md`` and Gradescope ``results.json``;
per batch ``gradebook.csv``. Every file is written atomically (a temporary file, then ``os.replace``).

All of it is a pure function of the report dict of :func:`nnlib.grading.autograder.scoring.grade_submission`
(no timestamps, no durations), so a re-run with the same ``--seed`` writes the same bytes.

report.json::

    {"student", "submission", "sha256", "isolation", "seed", "assignment", "status", "score",
     "max_score", "notes": [...], "grader": {fingerprint},
     "exercises": [{"id", "points", "score", "passed", "total", "status", "reason",
                    "cases": [{"label", "hidden", "passed", "message"}]}]}

``status`` is ``ok``, ``errors`` (a cell or a call hung or crashed), ``flagged`` (nnlib's answer was
used) or ``rejected`` (the file could not be read as a notebook).

>>> fmt(0.5), fmt(2.0), fmt(1 / 3)
('0.5', '2', '0.3333')
"""
from __future__ import annotations

import csv
import io
import json
import os
import threading
from pathlib import Path

from .scoring import SCORING_RULE

TMP_MARK = ".tmp-"           # temporary files are ".<name>.tmp-<pid>-<thread>"
FILES = ("results.json", "feedback.md", "report.json")  # report.json last: it marks a finished student


def fmt(x: float) -> str:
    """A score as short, stable text: at most 4 decimals, no trailing zeros."""
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{threading.get_ident()}")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def remove_stale_temporaries(out: str | Path) -> int:
    """Delete temporary files a killed grader left in ``out`` and its student folders."""
    count = 0
    for pattern in (f".*{TMP_MARK}*", f"*/.*{TMP_MARK}*"):
        for path in Path(out).glob(pattern):
            if path.is_file():
                path.unlink()
                count += 1
    return count


def report_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _failure_lines(exercise: dict) -> list[str]:
    """What failed, one line per distinct message (cases with the same message merged), messages
    already given as the exercise's reason left out; then the hint (the chapter section to read).

    Hidden cases' messages never contain an expected value (the grader judges them with
    ``reveal=False``), so these lines can go to the student as they are.
    """
    merged: dict[str, list[dict]] = {}
    for c in exercise["cases"]:
        if not c["passed"]:
            merged.setdefault(c["message"], []).append(c)
    lines = []
    for message, cases in merged.items():
        if message.startswith(("not run", "not counted")):
            lines.append(f"{len(cases)} case(s) {message}")
            continue
        if message == exercise["reason"]:
            where = [f"{'hidden' if c['hidden'] else 'public'} case '{c['label']}'" for c in cases]
            lines.append(f"failed on {len(cases)} case(s): " + ", ".join(where))
            continue
        where = ", ".join(f"{'hidden' if c['hidden'] else 'public'} case '{c['label']}'" for c in cases)
        lines.append(f"{where}: {message}")
    if exercise.get("hint"):
        lines.append(f"Hint: read {exercise['hint']}.")
    return lines


def _safe(text: str) -> str:
    """Student-controlled text made inert in Markdown (no HTML, no table breaks)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def feedback_md(report: dict) -> str:
    """The student's feedback: the score, a table of exercises, then what failed and why."""
    lines = [f"# Feedback for {_safe(report['student'])}: {_safe(report.get('assignment') or 'unknown assignment')}",
             "", f"**Score: {fmt(report['score'])} / {fmt(report['max_score'])}** (status: {report['status']})", ""]
    if report["exercises"]:
        lines += ["| exercise | points | cases passed |", "|---|---|---|"]
        for e in report["exercises"]:
            lines.append(f"| `{e['id']}` | {fmt(e['score'])} / {fmt(e['points'])} | {e['passed']} / {e['total']} |")
        lines.append("")
    if report["notes"]:
        lines += ["## Notes", ""] + [f"- {_safe(n)}" for n in report["notes"]] + [""]
    for e in report["exercises"]:
        if e["status"] == "passed":
            continue
        lines += [f"## `{e['id']}`: {fmt(e['score'])} / {fmt(e['points'])}", "", f"{_safe(e['reason'])}", ""]
        failed = _failure_lines(e)
        lines += [f"- {_safe(line)}" for line in failed] + ([""] if failed else [])
    lines.append("Hidden cases use other inputs than check(): passing check() does not guarantee full marks. "
                 + SCORING_RULE)
    return "\n".join(lines) + "\n"


def gradescope_results(report: dict) -> dict:
    """Gradescope's results.json: one test per exercise, with partial credit and the reasons."""
    tests = []
    for number, e in enumerate(report["exercises"], start=1):
        out = [f"{e['passed']} / {e['total']} cases passed"]
        if e["reason"]:
            out.append(e["reason"])
        out += _failure_lines(e)
        tests.append({"name": e["id"], "number": str(number), "score": e["score"], "max_score": e["points"],
                      "status": "passed" if e["status"] == "passed" else "failed",
                      "output": "\n".join(out), "visibility": "visible"})
    output = [f"Assignment {report.get('assignment') or 'unknown'}: {fmt(report['score'])} / "
              f"{fmt(report['max_score'])} ({report['status']}). Sandbox: {report['isolation']}."]
    output += report["notes"]
    return {"score": report["score"], "max_score": report["max_score"], "output": "\n".join(output),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def write_student(out: str | Path, report: dict) -> Path:
    """Write the three files of one student into ``out/<student>/``; report.json last."""
    folder = Path(out) / report["student"]
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"results.json": json.dumps(gradescope_results(report), indent=2, ensure_ascii=False) + "\n",
                "feedback.md": feedback_md(report), "report.json": report_json(report)}
    for name in FILES:
        write_atomic(folder / name, contents[name])
    return folder


def read_report(out: str | Path, student: str) -> dict | None:
    """The finished report of ``student`` in ``out``, or ``None``."""
    try:
        return json.loads((Path(out) / student / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def gradebook_csv(reports: list[dict], exercise_ids: list[str]) -> str:
    """One row per student (sorted by name), one column per exercise, then total, max_score, status.

    A report without ``score`` (a student who could not be graded) gets blank totals."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "assignment", *exercise_ids, "total", "max_score", "status"])
    for r in sorted(reports, key=lambda r: r["student"]):
        scores = {e["id"]: fmt(e["score"]) for e in r["exercises"]}
        totals = [fmt(r["score"]), fmt(r["max_score"])] if "score" in r else ["", ""]  # not graded: blank
        writer.writerow([r["student"], r.get("assignment") or "", *[scores.get(i, "") for i in exercise_ids],
                         *totals, r["status"]])
    return buf.getvalue()
