"""The grader end to end: solutions score 100 %, exercises 0; a SIGKILLed batch resumes to the same
bytes; the Gradescope export runs in a simulated /autograder tree; the command line explains itself."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnlib.grading.__main__ import main
from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.course import SEEDS
from nnlib.grading.autograder.gradescope import build_zip
from nnlib.grading.autograder.leaderboard import LEADERBOARDS
from nnlib.grading.student.diagnose import NOT_IMPLEMENTED
from nnlib.grading.student.registry import by_notebook, notebooks

ROOT = Path(__file__).resolve().parents[1]


def _solved(notebook: str) -> list[str]:
    """The solution's code cells without its demo cells (they train models: slow, and not graded)."""
    return [
        c
        for c in code_sources(ROOT / "solutions" / f"{notebook}.ipynb")
        if "substitute(" not in c and "compare(" not in c
    ]


CLI = [sys.executable, "-m", "nnlib.grading"]


def _read_csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _files(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "timings.json"
    }


def _test_names(nb: str) -> list[str]:
    """Gradescope tests of an assignment: per exercise, its public cases, then its hidden cases."""
    return [name for ex in by_notebook(nb) for name in (ex.id, f"{ex.id} (hidden cases)")]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_solutions_score_full_marks_and_untouched_exercises_zero(tmp_path, folder, capsys):
    out = tmp_path / "out"
    assert main(["grade", str(ROOT / folder), "--out", str(out), "--no-progress"]) == 0
    main_nb = notebooks()[0]  # every assignment once: the tie goes to the first in book order
    books = {main_nb: out / "gradebook.csv"} | {
        nb: out / f"gradebook-{nb}.csv" for nb in notebooks()[1:]
    }
    assert sorted(p.name for p in out.glob("gradebook*.csv")) == sorted(
        p.name for p in books.values()
    )
    for nb, path in books.items():
        rows = _read_csv(path)
        assert [r["student"] for r in rows] == [nb]
        row = rows[0]
        assert list(row)[2:-4] == [
            ex.id for ex in by_notebook(nb)
        ]  # this assignment's columns only
        points = sum(ex.points for ex in by_notebook(nb))
        assert (
            row["assignment"] == nb and row["status"] == "ok" and float(row["max_score"]) == points
        ), row
        assert float(row["total"]) == (points if folder == "solutions" else 0), (nb, row)
        report = json.loads((out / nb / "report.json").read_text())
        for e in report["exercises"]:
            if folder == "exercises":
                assert e["reason"] == NOT_IMPLEMENTED, (nb, e["id"], e["reason"])
            else:
                assert e["passed"] == e["total"] > 0, (nb, e["id"], e["reason"])
        results = json.loads((out / nb / "results.json").read_text())
        assert [t["name"] for t in results["tests"]] == _test_names(nb)
        assert results["score"] == float(row["total"])
        assert ("leaderboard" in results) == (nb in LEADERBOARDS and folder == "solutions")
    summary = capsys.readouterr().out
    assert "isolation: bwrap" in summary and f"{len(notebooks())} graded" in summary


def _cmdlines_with(needle: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _kill_batch(tmp_path: Path) -> Path:
    """Eight submissions, each slowed by a 0.6 s cell; two wrong answers and one broken file."""
    subs = tmp_path / "subs"
    subs.mkdir()
    cells = [
        c
        for c in code_sources(ROOT / "solutions" / "03_ml_vs_map.ipynb")
        if "substitute(" not in c and "compare(" not in c
    ]
    for i in range(8):
        extra = ["import time\ntime.sleep(0.6)"]
        if i % 3 == 1:
            extra.append("def soft_threshold(w, lam):\n    return w + 12345.0")
        (subs / f"student{i}.ipynb").write_text(json.dumps(make_notebook(cells + extra)))
    (subs / "student8.ipynb").write_text("{not json")
    return subs


def test_sigkill_mid_batch_then_resume_gives_identical_bytes(tmp_path):
    subs = _kill_batch(tmp_path)
    args = ["grade", str(subs), "--jobs", "2", "--timeout", "20", "--no-progress", "--seed", "3"]
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    done = subprocess.run(
        CLI + args + ["--out", str(whole)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen(
        CLI + args + ["--out", str(resumed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(list(resumed.glob("*/report.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    orphans = f'"parent": {proc.pid}'.encode()  # the children's command lines name their grader
    deadline = time.monotonic() + 10
    while _cmdlines_with(orphans) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _cmdlines_with(orphans)  # the children died with the grader
    finished = len(list(resumed.glob("*/report.json")))
    assert 2 <= finished < 9 and not (resumed / "gradebook.csv").exists()
    again = subprocess.run(
        CLI + args + ["--out", str(resumed)], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert f"({finished} resumed" in again.stdout
    assert _files(resumed) == _files(whole)  # byte-identical, every file
    assert not [p for p in resumed.rglob("*") if ".tmp-" in p.name]  # no partial file left
    assert not list(
        Path(tempfile.gettempdir()).glob(f"nnlib-grade-{proc.pid}-*")
    )  # no stale workdir
    rows = _read_csv(resumed / "gradebook.csv")
    assert [r["student"] for r in rows] == [f"student{i}" for i in range(9)]
    assert [r["total"] for r in rows] == ["7", "6", "7", "7", "6", "7", "7", "6", "0"]
    assert rows[-1]["status"] == "rejected"


def test_gradescope_zip_in_a_simulated_autograder_tree(tmp_path):
    archive = build_zip(tmp_path / "autograder.zip", assignment="07_activations", timeout=5)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert {"setup.sh", "run_autograder", "requirements.txt", "autograder.json"} <= set(names)
        assert (
            "nnlib/grading/autograder/child.py" in names and "nnlib/functional/__init__.py" in names
        )
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        zf.extractall(root / "source")
    config = json.loads((root / "source" / "autograder.json").read_text())
    assert (
        config["seed"] == SEEDS["07_activations"]
        and config["hidden_visibility"] == "after_due_date"
    )
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    cells = code_sources(ROOT / "solutions" / "07_activations.ipynb")
    broken = [c.replace("return dout * (x > 0)", "return dout + 12345.0") for c in cells]
    (root / "submission" / "whatever name.ipynb").write_text(json.dumps(make_notebook(broken)))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 7 and results["max_score"] == 8
    assert results["output_format"] == "md" and 0 < results["execution_time"] < 300
    assert [t["name"] for t in results["tests"]] == _test_names("07_activations")
    for test in results["tests"]:
        assert set(test) >= {
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
            "output_format",
        }
        assert test["status"] == (
            "failed" if test["name"].startswith("relu_backward") else "passed"
        )
        hidden = test["name"].endswith("(hidden cases)")
        assert test["visibility"] == ("after_due_date" if hidden else "visible"), test
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(8)
    assert "Sandbox: bwrap" in results["output"]
    assert (
        "setup.sh" in names and "bubblewrap" in zipfile.ZipFile(archive).read("setup.sh").decode()
    )


def test_gradescope_without_a_notebook_reports_it(tmp_path):
    build_zip(tmp_path / "a.zip")
    root = tmp_path / "ag"
    zipfile.ZipFile(tmp_path / "a.zip").extractall(root / "source")
    (root / "submission").mkdir()
    from nnlib.grading.autograder.gradescope import run

    assert run(root) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "No .ipynb" in results["output"]


def test_help_explains_every_option_and_output():
    text = subprocess.run(CLI + ["grade", "--help"], capture_output=True, text=True).stdout
    for word in (
        "--out",
        "--jobs",
        "--timeout",
        "--memory",
        "--seed",
        "--force",
        "--assignment",
        "--isolation",
        "--roster",
        "--shard",
        "--lms-column",
        "--hidden-visibility",
        "gradebook.csv",
        "canvas.csv",
        "moodle.csv",
        "submissions.csv",
        "report.json",
        "feedback.md",
        "results.json",
        "bwrap",
        "resume",
        "merge",
        "not submitted",
    ):
        assert word in text, word
    zip_help = subprocess.run(
        CLI + ["gradescope-zip", "--help"], capture_output=True, text=True
    ).stdout
    assert "--out" in zip_help and "setup.sh" in zip_help


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ana.ipynb").write_text(json.dumps(make_notebook(["x = 1"])))
    assert main(["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert (
        main(["grade", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--assignment", "99_x"])
        == 2
    )
    assert "unknown assignment '99_x'" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    for bad in ("0/2", "3/2", "two", "1/0"):
        assert (
            main(["grade", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--shard", bad]) == 2
        )
        assert "--shard takes k/N" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing written for a refused command


def test_force_regrades_and_a_changed_file_is_regraded(tmp_path, capsys):
    sub = tmp_path / "ana.ipynb"
    cells = [
        c
        for c in code_sources(ROOT / "solutions" / "03_ml_vs_map.ipynb")
        if "substitute(" not in c and "compare(" not in c
    ]
    sub.write_text(json.dumps(make_notebook(cells)))
    out = tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert "(1 resumed" in capsys.readouterr().out
    assert main(["grade", str(sub), "--out", str(out), "--no-progress", "--force"]) == 0
    assert "(0 resumed" in capsys.readouterr().out
    sub.write_text(
        json.dumps(make_notebook(cells + ["def lasso_cd(X, y, lam, n_sweeps):\n    return None"]))
    )
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert "(0 resumed" in capsys.readouterr().out
    assert json.loads((out / "ana" / "report.json").read_text())["score"] == 7 - 3


def test_a_broken_sandbox_grades_nobody_and_a_rerun_recovers(tmp_path, monkeypatch, capsys):
    from nnlib.grading.autograder import sandbox

    sub = tmp_path / "ana.ipynb"
    sub.write_text(
        json.dumps(make_notebook(code_sources(ROOT / "solutions" / "03_ml_vs_map.ipynb")[:5]))
    )
    out = tmp_path / "out"
    monkeypatch.setattr(
        sandbox, "_python_flags", lambda: ["-c", "raise SystemExit(3)"]
    )  # dies before loading
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 1
    assert "NOT GRADED ana: the sandbox did not start" in capsys.readouterr().err
    assert _read_csv(out / "gradebook.csv")[0]["status"] == "not graded"
    assert (
        _read_csv(out / "gradebook.csv")[0]["total"] == ""
        and not (out / "ana" / "report.json").exists()
    )
    monkeypatch.undo()
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert _read_csv(out / "gradebook.csv")[0]["status"] == "ok"


# ----------------------------------------------------------------------------- messy batches

SOLVED_03 = _solved("03_ml_vs_map")
# the cells up to the first graded function: one exercise done (1 point of 7)
FIRST_03 = SOLVED_03[: next(i for i, c in enumerate(SOLVED_03) if "def " in c) + 1]
IDS_03 = [ex.id for ex in by_notebook("03_ml_vs_map")]


def _notebook(path: Path, cells: list[str], mtime: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(make_notebook(cells)), encoding="utf-8")
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))
    return path


def _grade(*args) -> int:
    return main(["grade", *map(str, args), "--no-progress"])


def _rows(path: Path) -> dict[str, dict]:
    return {r["student"]: r for r in _read_csv(path)}


def test_hostile_files_become_rejected_rows_and_the_batch_finishes(tmp_path, monkeypatch):
    from nnlib.grading.autograder import intake

    subs = tmp_path / "subs"
    _notebook(subs / "ana.ipynb", SOLVED_03)
    (subs / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)  # JSON nested 100,000 deep
    (subs / "binary.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 50)  # not UTF-8
    (subs / "cells_dict.ipynb").write_text(json.dumps({"cells": {"a": 1}, "nbformat": 4}))
    (subs / "link.ipynb").symlink_to(subs / "ana.ipynb")
    _notebook(subs / "hog.ipynb", SOLVED_03)
    real = intake.read_submission
    monkeypatch.setattr(
        intake,
        "read_submission",  # a reader that runs out of memory on one file
        lambda p: (_ for _ in ()).throw(MemoryError()) if Path(p).name == "hog.ipynb" else real(p),
    )
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    rows = _rows(out / "gradebook.csv")
    assert sorted(rows) == ["ana", "binary", "cells_dict", "deep", "hog", "link"]
    assert rows["ana"]["status"] == "ok" and rows["ana"]["total"] == "7"
    reasons = {
        "deep": "nests too deeply",
        "binary": "not UTF-8",
        "cells_dict": "no list of cells",
        "link": "symbolic link",
        "hog": "MemoryError",
    }
    for student, words in reasons.items():
        row = rows[student]
        assert row["status"] == "rejected" and row["total"] == "0" and row["max_score"] == "7", row
        assert words in row["reason"], row
        assert row["assignment"] == "03_ml_vs_map"  # counted against the batch's assignment
        assert (out / student / "feedback.md").exists()


def test_an_exception_while_grading_one_student_is_that_students_row(tmp_path, monkeypatch, capsys):
    from nnlib.grading.autograder import grader

    subs = tmp_path / "subs"
    for name in ("ana", "bob"):
        _notebook(subs / f"{name}.ipynb", SOLVED_03)
    real = grader.grade_submission

    def explode_for_bob(sub, *args, **kwargs):
        if sub.student == "bob":
            raise RecursionError("maximum recursion depth exceeded while decoding the reply")
        return real(sub, *args, **kwargs)

    monkeypatch.setattr(grader, "grade_submission", explode_for_bob)
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    rows = _rows(out / "gradebook.csv")
    assert rows["ana"]["status"] == "ok" and rows["ana"]["total"] == "7"
    assert rows["bob"]["status"] == "errors" and rows["bob"]["total"] == "0"
    assert "RecursionError" in rows["bob"]["reason"]
    monkeypatch.undo()
    capsys.readouterr()
    assert _grade(subs, "--out", out) == 0  # bob is tried again, ana is reused
    assert "(1 resumed" in capsys.readouterr().out
    assert _rows(out / "gradebook.csv")["bob"]["total"] == "7"


def test_names_that_clean_to_one_student_keep_the_newer_file(tmp_path):
    subs = tmp_path / "subs"
    _notebook(
        subs / "Ana María.ipynb", SOLVED_03, mtime=2_000_000_000_000_000_000
    )  # newer, full marks
    _notebook(subs / "Ana_María.ipynb", FIRST_03, mtime=1_000_000_000_000_000_000)
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    rows = _rows(out / "gradebook.csv")
    assert list(rows) == ["Ana_María"] and rows["Ana_María"]["total"] == "7"
    listing = _read_csv(out / "submissions.csv")
    assert [(r["file"], r["outcome"]) for r in listing] == [
        ("subs/Ana María.ipynb", "ok"),
        ("subs/Ana_María.ipynb", "superseded by subs/Ana María.ipynb (the later submission)"),
    ]
    os.utime(
        subs / "Ana_María.ipynb", ns=(3_000_000_000_000_000_000,) * 2
    )  # now the other one is newer
    assert _grade(subs, "--out", out) == 0
    assert _rows(out / "gradebook.csv")["Ana_María"]["total"] == "1"


def test_canvas_resubmissions_keep_the_highest_submission_id_not_the_newest_file(tmp_path):
    subs = tmp_path / "subs"
    _notebook(
        subs / "doejane_LATE_4242_9001_lab3-1.ipynb", SOLVED_03, mtime=1_000_000_000_000_000_000
    )
    _notebook(subs / "doejane_4242_8000_lab3.ipynb", FIRST_03, mtime=2_000_000_000_000_000_000)
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    rows = _rows(out / "gradebook.csv")
    assert list(rows) == ["doejane_4242"] and rows["doejane_4242"]["total"] == "7"
    outcome = {r["file"]: r["outcome"] for r in _read_csv(out / "submissions.csv")}
    assert outcome["subs/doejane_4242_8000_lab3.ipynb"].startswith(
        "superseded by subs/doejane_LATE_4242_9001"
    )


def test_a_notebook_for_another_assignment_gets_its_own_gradebook(tmp_path):
    subs = tmp_path / "subs"
    for name in ("ana", "bob"):
        _notebook(subs / f"{name}.ipynb", SOLVED_03)
    cells_07 = _solved("07_activations")
    _notebook(subs / "cid.ipynb", cells_07)
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    header = next(iter(_read_csv(out / "gradebook.csv")))
    assert list(header)[2:-4] == IDS_03  # never widened by the other notebook
    assert sorted(_rows(out / "gradebook.csv")) == ["ana", "bob"]
    other = _rows(out / "gradebook-07_activations.csv")
    assert (
        list(other) == ["cid"] and other["cid"]["total"] == "8" and other["cid"]["max_score"] == "8"
    )
    # forcing the batch's assignment changes nothing for a notebook that defines none of its functions
    assert _grade(subs, "--out", tmp_path / "forced", "--assignment", "03_ml_vs_map") == 0
    assert _rows(tmp_path / "forced" / "gradebook-07_activations.csv")["cid"]["total"] == "8"


def test_columns_are_fixed_and_statuses_say_what_happened(tmp_path):
    subs = tmp_path / "subs"
    no_lasso = [c for c in SOLVED_03 if "def lasso_cd" not in c]
    _notebook(subs / "ana.ipynb", no_lasso)  # nobody defines lasso_cd
    _notebook(subs / "bob.ipynb", no_lasso + ["raise ValueError('my bad cell')"])
    _notebook(subs / "cid.ipynb", no_lasso + ["while True:\n    pass"])
    cheat = "def soft_threshold(w, lam):\n    from nnlib.linear import soft_threshold as s\n    return s(w, lam)"
    _notebook(subs / "dan.ipynb", [c for c in no_lasso if "def soft_threshold" not in c] + [cheat])
    out = tmp_path / "out"
    assert _grade(subs, "--out", out, "--timeout", "2") == 0
    rows = _rows(out / "gradebook.csv")
    assert list(next(iter(rows.values())))[2:-4] == IDS_03 and all(
        r["lasso_cd"] == "0" for r in rows.values()
    )
    assert {s: r["status"] for s, r in rows.items()} == {
        "ana": "ok",
        "bob": "errors",
        "cid": "timeout",
        "dan": "flagged",
    }
    assert "my bad cell" in rows["bob"]["reason"] and "did not finish" in rows["cid"]["reason"]
    assert rows["dan"]["reason"].startswith("soft_threshold: ") and "nnlib" in rows["dan"]["reason"]
    assert rows["ana"]["reason"] == "" and rows["ana"]["total"] == "4"


def test_an_empty_folder_and_a_parent_folder_are_errors_that_say_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert _grade(tmp_path / "empty", "--out", tmp_path / "o") == 2
    assert "no submissions (.ipynb or .py files) in" in capsys.readouterr().err
    _notebook(tmp_path / "course" / "hw3" / "ana.ipynb", SOLVED_03)
    assert _grade(tmp_path / "course", "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "parent of the submission folder" in err and "hw3" in err
    assert not (tmp_path / "o").exists()


def test_moodle_folders_are_found_and_named_after_the_student(tmp_path):
    subs = tmp_path / "download"
    _notebook(subs / "Jane Doe_812_assignsubmission_file_" / "lab3.ipynb", SOLVED_03)
    _notebook(subs / "Li Wei_813_assignsubmission_file_" / "my lab.ipynb", FIRST_03)
    (subs / "unrelated folder").mkdir()
    _notebook(subs / "unrelated folder" / "x.ipynb", SOLVED_03)  # not a Moodle folder: ignored
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    rows = _rows(out / "gradebook.csv")
    assert {s: r["total"] for s, r in rows.items()} == {"Jane_Doe_812": "7", "Li_Wei_813": "1"}


def test_each_assignment_has_one_seed_used_everywhere(tmp_path):
    assert set(SEEDS) == set(notebooks()) and len(set(SEEDS.values())) == len(SEEDS)
    subs = tmp_path / "subs"
    _notebook(subs / "ana.ipynb", SOLVED_03)
    assert _grade(subs, "--out", tmp_path / "a") == 0
    assert (
        json.loads((tmp_path / "a" / "ana" / "report.json").read_text())["seed"]
        == SEEDS["03_ml_vs_map"]
    )
    assert _grade(subs, "--out", tmp_path / "b", "--seed", "5") == 0
    assert json.loads((tmp_path / "b" / "ana" / "report.json").read_text())["seed"] == 5
    makefile = (ROOT / "Makefile").read_text()
    target = makefile[makefile.index("\ngrade:") :].split("\n\n")[0]
    assert "nnlib.grading grade" in target and "--seed" not in target
    readme = (ROOT / "README.md").read_text()
    commands = [
        line
        for line in readme.splitlines()
        if "nnlib.grading grade" in line or "gradescope-zip" in line
    ]
    assert commands and not any("--seed" in line for line in commands)


def test_gradescope_results_split_hidden_cases_and_keep_the_score(tmp_path):
    from nnlib.grading.autograder.reports import gradescope_results

    cases = [
        {"label": f"p{i}", "hidden": False, "passed": True, "message": ""} for i in range(3)
    ] + [
        {
            "label": f"h{i}",
            "hidden": True,
            "passed": i == 0,
            "message": "" if i == 0 else "wrong sign",
        }
        for i in range(3)
    ]
    report = {
        "student": "ana",
        "assignment": "03_ml_vs_map",
        "score": 1.3333,
        "max_score": 2,
        "status": "ok",
        "isolation": "bwrap",
        "notes": [],
        "leaderboard": [],
        "exercises": [
            {
                "id": "ridge_closed_form",
                "points": 2,
                "score": 1.3333,
                "passed": 4,
                "total": 6,
                "status": "partial",
                "reason": "wrong sign",
                "cases": cases,
            }
        ],
    }
    for visibility in ("after_due_date", "hidden", "after_published"):
        public, hidden = gradescope_results(report, visibility)["tests"]
        assert (public["visibility"], hidden["visibility"]) == ("visible", visibility)
    assert (
        public["score"] == 1 and public["max_score"] == 1 and "wrong sign" not in public["output"]
    )
    assert hidden["score"] == pytest.approx(0.3333) and "wrong sign" in hidden["output"]
    assert public["output_format"] == hidden["output_format"] == "md"
    with pytest.raises(ValueError, match="hidden_visibility must be one of"):
        gradescope_results(report, "later")
    build_zip(tmp_path / "z.zip", assignment="03_ml_vs_map", seed=9, hidden_visibility="hidden")
    config = json.loads(zipfile.ZipFile(tmp_path / "z.zip").read("autograder.json"))
    assert config["seed"] == 9 and config["hidden_visibility"] == "hidden"


def test_leaderboard_driver_rewards_a_right_gradient_and_catches_a_broken_one():
    from nnlib.grading.autograder.leaderboard import DriverError, moons_logistic_accuracy
    from nnlib.grading.student.references import logistic_gradient

    right = moons_logistic_accuracy(logistic_gradient, seed=1)
    flipped = moons_logistic_accuracy(lambda *a: tuple(-g for g in logistic_gradient(*a)), seed=1)
    assert right > 0.8 and flipped < right - 0.2
    with pytest.raises(DriverError, match="dw should have shape"):
        moons_logistic_accuracy(lambda w, b, X, y: (np.zeros(3), 0.0), seed=1)
    with pytest.raises(DriverError, match="not finite"):
        moons_logistic_accuracy(lambda w, b, X, y: (w * np.nan, 0.0), seed=1)


def test_gradescope_grades_the_right_file_beside_a_hostile_one(tmp_path):
    from nnlib.grading.autograder.gradescope import run

    build_zip(tmp_path / "a.zip", assignment="03_ml_vs_map")
    root = tmp_path / "ag"
    zipfile.ZipFile(tmp_path / "a.zip").extractall(root / "source")
    _notebook(root / "submission" / "lab.ipynb", SOLVED_03)
    (root / "submission" / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    assert run(root) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 7 and results["output"].startswith(
        "Several files were submitted; graded lab.ipynb"
    )
    assert results["execution_time"] > 0 and "leaderboard" not in results


def test_a_file_given_twice_is_one_submission_and_stale_batch_files_go(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.ipynb").write_text("not json")
    (subs / "ben.ipynb").write_text("not json")
    out = tmp_path / "out"
    (out).mkdir()
    (out / "canvas.csv").write_text("from an earlier run with --roster")
    (out / "gradebook-07_activations.csv").write_text("from an earlier batch")
    assert _grade(subs, subs / "ann.ipynb", f"{subs}/", "--out", out) == 0
    assert [r["file"] for r in _read_csv(out / "submissions.csv")] == [
        "subs/ann.ipynb",
        "subs/ben.ipynb",
    ]
    assert sorted(p.name for p in out.glob("*.csv")) == ["gradebook.csv", "submissions.csv"]
    rows = _rows(out / "gradebook.csv")
    assert (
        rows["ann"]["status"] == "rejected" and rows["ann"]["assignment"] == ""
    )  # nothing to tell it by
    assert "JSON does not parse" in rows["ann"]["reason"]


def test_files_named_like_the_batch_outputs_do_not_overwrite_them(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("submissions.csv", "gradebook-07_activations.csv", "shard.json", "canvas.csv"):
        (subs / f"{name}.ipynb").write_text("not json")
    out = tmp_path / "out"
    assert _grade(subs, "--out", out) == 0
    assert (out / "submissions.csv").is_file() and not (
        out / "gradebook-07_activations.csv"
    ).exists()
    assert sorted(_rows(out / "gradebook.csv")) == [
        "_canvas.csv",
        "_gradebook-07_activations.csv",
        "_shard.json",
        "_submissions.csv",
    ]


def test_a_forced_assignment_nobody_handed_in_still_gets_its_empty_gradebook(tmp_path):
    subs = tmp_path / "subs"
    _notebook(subs / "ana.ipynb", SOLVED_03)
    out = tmp_path / "out"
    assert _grade(subs, "--out", out, "--assignment", "02_linear_regression") == 0
    assert (out / "gradebook.csv").read_text().splitlines() == [
        ",".join(
            [
                "student",
                "assignment",
                *[ex.id for ex in by_notebook("02_linear_regression")],
                "total",
                "max_score",
                "status",
                "reason",
            ]
        )
    ]
    assert list(_rows(out / "gradebook-03_ml_vs_map.csv")) == ["ana"]
