"""What the grader writes: per student ``report.json``, ``feedback.md`` and Gradescope ``results.json``;
per batch ``gradebook.csv``. Every file is written atomically (a temporary file, then ``os.replace``).

All of it is a pure function of the report dict of :func:`nnlib.grading.autograder.scoring.grade_submission`
(no timestamps, no durations), so a re-run with the same ``--seed`` writes the same bytes.

report.json::

    {"student", "submission", "sha256", "isolation", "seed", "assignment", "status", "score",
     "max_score", "notes": [...], "leaderboard": [...], "grader": {fingerprint},
     "exercises": [{"id", "points", "score", "passed", "total", "status", "reason",
                    "cases": [{"label", "hidden", "passed", "message"}]}]}

``status`` (:func:`status_of`) is ``ok``, ``errors`` (a cell failed or the process crashed), ``timeout``
(a cell or a call ran out of time), ``flagged`` (nnlib's answer was used) or ``rejected`` (the file
could not be read as a notebook); a gradebook adds ``not submitted`` (a roster student without a file)
and ``not graded`` (the sandbox failed: the grader's fault, retried on a re-run). ``leaderboard`` holds
the entries of :mod:`.leaderboard` (``[]`` for most assignments).

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

TMP_MARK = ".tmp-"  # temporary files are ".<name>.tmp-<pid>-<thread>"
FILES = (
    "results.json",
    "feedback.md",
    "report.json",
)  # report.json last: it marks a finished student


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
        where = ", ".join(
            f"{'hidden' if c['hidden'] else 'public'} case '{c['label']}'" for c in cases
        )
        lines.append(f"{where}: {message}")
    if exercise.get("hint"):
        lines.append(f"Hint: read {exercise['hint']}.")
    return lines


def _safe(text: str) -> str:
    """Student-controlled text made inert in Markdown (no HTML, no table breaks)."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
    )


def feedback_md(report: dict) -> str:
    """The student's feedback: the score, a table of exercises, then what failed and why."""
    lines = [
        f"# Feedback for {_safe(report['student'])}: {_safe(report.get('assignment') or 'unknown assignment')}",
        "",
        f"**Score: {fmt(report['score'])} / {fmt(report['max_score'])}** (status: {report['status']})",
        "",
    ]
    if report["exercises"]:
        lines += ["| exercise | points | cases passed |", "|---|---|---|"]
        for e in report["exercises"]:
            lines.append(
                f"| `{e['id']}` | {fmt(e['score'])} / {fmt(e['points'])} | {e['passed']} / {e['total']} |"
            )
        lines.append("")
    if report["notes"]:
        lines += ["## Notes", ""] + [f"- {_safe(n)}" for n in report["notes"]] + [""]
    for e in report["exercises"]:
        if e["status"] == "passed":
            continue
        lines += [
            f"## `{e['id']}`: {fmt(e['score'])} / {fmt(e['points'])}",
            "",
            f"{_safe(e['reason'])}",
            "",
        ]
        failed = _failure_lines(e)
        lines += [f"- {_safe(line)}" for line in failed] + ([""] if failed else [])
    lines.append(
        "Hidden cases use other inputs than check(): passing check() does not guarantee full marks. "
        + SCORING_RULE
    )
    return "\n".join(lines) + "\n"


VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")  # Gradescope's values


def _md_test_output(e: dict, cases: list[dict], label: str) -> str:
    """A Gradescope test's output in Markdown: the count, the reason if it concerns these cases, the failures."""
    failed = [c for c in cases if not c["passed"]]
    lines = [f"{sum(c['passed'] for c in cases)} / {len(cases)} {label} cases passed."]
    if (
        failed
        and e["reason"]
        and any(
            c["message"] == e["reason"] or c["message"].startswith(("not run", "not counted"))
            for c in failed
        )
    ):
        lines.append(_safe(e["reason"]))
    bullets = [f"- {_safe(line)}" for line in _failure_lines(dict(e, cases=cases))]
    return "\n\n".join(lines + (["\n".join(bullets)] if bullets else []))


def _tests_of(e: dict, number: int, hidden_visibility: str) -> list[dict]:
    """One test for the public cases (visible), one for the hidden cases (``hidden_visibility``).

    The exercise's score is split between them by case count, so the two add up to it exactly."""
    public = [c for c in e["cases"] if not c["hidden"]]
    hidden = [c for c in e["cases"] if c["hidden"]]
    total = len(e["cases"])
    if not public or not hidden:  # no cases (a refused file) or one kind only: one test
        return [
            {
                "name": e["id"],
                "number": str(number),
                "score": e["score"],
                "max_score": e["points"],
                "status": "passed" if e["status"] == "passed" else "failed",
                "output_format": "md",
                "output": (
                    _md_test_output(e, e["cases"], "hidden" if hidden else "public")
                    if e["cases"]
                    else _safe(e["reason"])
                ),
                "visibility": "visible" if not hidden else hidden_visibility,
            }
        ]
    pub_max = round(e["points"] * len(public) / total, 4)
    # the exercise's score shared by passed cases (its scoring rule may give less than cases passed / total)
    pub_score = (
        round(e["score"] * sum(c["passed"] for c in public) / e["passed"], 4)
        if e["passed"]
        else 0.0
    )
    tests = []
    for suffix, cases, score, max_score, visibility in (
        ("", public, pub_score, pub_max, "visible"),
        (
            " (hidden cases)",
            hidden,
            round(e["score"] - pub_score, 4),
            round(e["points"] - pub_max, 4),
            hidden_visibility,
        ),
    ):
        tests.append(
            {
                "name": e["id"] + suffix,
                "number": f"{number}.{1 if not suffix else 2}",
                "score": score,
                "max_score": max_score,
                "status": "passed" if all(c["passed"] for c in cases) else "failed",
                "output_format": "md",
                "output": _md_test_output(e, cases, "hidden" if suffix else "public"),
                "visibility": visibility,
            }
        )
    return tests


def gradescope_results(report: dict, hidden_visibility: str = "after_due_date") -> dict:
    """Gradescope's results.json: per exercise a visible test (public cases) and a test for the hidden cases
    shown after the due date (``hidden_visibility``); Markdown output; the leaderboard, if any.

    ``execution_time`` is not here (it would differ between runs): ``run_autograder`` adds it."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(
            f"gradescope_results: hidden_visibility must be one of {VISIBILITIES}, "
            f"got {hidden_visibility!r}"
        )
    tests = [
        test
        for number, e in enumerate(report["exercises"], start=1)
        for test in _tests_of(e, number, hidden_visibility)
    ]
    header = (
        f"**Assignment {_safe(report.get('assignment') or 'unknown')}: {fmt(report['score'])} / "
        f"{fmt(report['max_score'])}** ({report['status']}). Sandbox: {report['isolation']}."
    )
    notes = "\n".join(f"- {_safe(n)}" for n in report["notes"])
    results = {
        "score": report["score"],
        "max_score": report["max_score"],
        "output": header + (f"\n\n{notes}" if notes else ""),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if report.get("leaderboard"):
        results["leaderboard"] = report["leaderboard"]
    return results


def write_student(out: str | Path, report: dict, hidden_visibility: str = "after_due_date") -> Path:
    """Write the three files of one student into ``out/<student>/``; report.json last."""
    folder = Path(out) / report["student"]
    folder.mkdir(parents=True, exist_ok=True)
    results = gradescope_results(report, hidden_visibility)
    contents = {
        "results.json": json.dumps(results, indent=2, ensure_ascii=False) + "\n",
        "feedback.md": feedback_md(report),
        "report.json": report_json(report),
    }
    for name in FILES:
        write_atomic(folder / name, contents[name])
    return folder


def read_report(out: str | Path, student: str) -> dict | None:
    """The finished report of ``student`` in ``out``, or ``None``."""
    try:
        return json.loads((Path(out) / student / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


STATUSES = ("ok", "errors", "timeout", "flagged", "rejected", "not submitted")
_TIMEOUT = ("did not finish", "timed out")


def _messages(report: dict) -> list[tuple[str, str]]:
    """``(where, message)`` for every note and failed case, in order."""
    found = [("", n) for n in report.get("notes", [])]
    for e in report.get("exercises", []):
        found += [(e["id"], c["message"]) for c in e.get("cases", []) if not c["passed"]]
        if e.get("reason") and not e.get("cases"):
            found.append((e["id"], e["reason"]))
    return found


def status_of(report: dict) -> str:
    """The gradebook status: rejected (unreadable), flagged (nnlib's answer used), timeout (a cell or call
    ran out of time), errors (a cell failed or the process crashed), else ok."""
    if report.get("status") in ("rejected", "flagged"):
        return report["status"]
    if any("nnlib's answer" in e.get("reason", "") for e in report.get("exercises", [])):
        return "flagged"
    messages = _messages(report)
    if any(word in m for _, m in messages for word in _TIMEOUT):
        return "timeout"
    if report.get("status") == "errors" or report.get("notes"):
        return "errors"
    return "ok"


def reason_of(report: dict) -> str:
    """One line saying why the status is not ok ("" when it is)."""
    status = report.get("status")
    if status == "flagged":
        return next(
            (
                f"{e['id']}: {e['reason']}"
                for e in report["exercises"]
                if "nnlib's answer" in e["reason"]
            ),
            "",
        )
    if status == "timeout":
        return next(
            (
                f"{w}: {m}" if w else m
                for w, m in _messages(report)
                if any(t in m for t in _TIMEOUT)
            ),
            "",
        )
    if status in ("rejected", "errors"):
        return next(
            (
                f"{w}: {m}" if w else m
                for w, m in _messages(report)
                if not m.startswith(("not run", "not counted"))
            ),
            "",
        )
    return report.get("reason", "")


def gradebook_csv(rows: list[dict], exercise_ids: list[str]) -> str:
    """One assignment's gradebook: one row per student (sorted), a column for *every* exercise of the
    assignment (whatever the folder holds), then total, max_score, status and reason.

    A row without ``score`` (not submitted, not graded) gets blank scores."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["student", "assignment", *exercise_ids, "total", "max_score", "status", "reason"]
    )
    for r in sorted(rows, key=lambda r: r["student"]):
        scores = {e["id"]: fmt(e["score"]) for e in r["exercises"]}
        totals = [fmt(r["score"]), fmt(r["max_score"])] if "score" in r else ["", ""]
        writer.writerow(
            [
                r["student"],
                r.get("assignment") or "",
                *[scores.get(i, "") for i in exercise_ids],
                *totals,
                r["status"],
                reason_of(r),
            ]
        )
    return buf.getvalue()
