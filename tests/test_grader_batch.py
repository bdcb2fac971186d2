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

import pytest

from nnlib.grading.__main__ import main
from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.course import SEEDS
from nnlib.grading.student.diagnose import NOT_IMPLEMENTED
from nnlib.grading.autograder.gradescope import build_zip
from nnlib.grading.student.registry import all_exercises, by_notebook, notebooks

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "nnlib.grading"]


def _read_csv(path: Path) -> list[dict]:
    import csv
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "timings.json"}


def _test_names(nb: str) -> list[str]:
    """Gradescope tests of an assignment: per exercise, its public cases, then its hidden cases."""
    return [name for ex in by_notebook(nb) for name in (ex.id, f"{ex.id} (hidden cases)")]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_solutions_score_full_marks_and_untouched_exercises_zero(tmp_path, folder, capsys):
    out = tmp_path / "out"
    assert main(["grade", str(ROOT / folder), "--out", str(out), "--no-progress"]) == 0
    main_nb = notebooks()[0]   # every assignment once: the tie goes to the first in book order
    books = {main_nb: out / "gradebook.csv"} | {nb: out / f"gradebook-{nb}.csv" for nb in notebooks()[1:]}
    assert sorted(p.name for p in out.glob("gradebook*.csv")) == sorted(p.name for p in books.values())
    for nb, path in books.items():
        rows = _read_csv(path)
        assert [r["student"] for r in rows] == [nb]
        row = rows[0]
        assert list(row)[2:-4] == [ex.id for ex in by_notebook(nb)]     # this assignment's columns only
        points = sum(ex.points for ex in by_notebook(nb))
        assert row["assignment"] == nb and row["status"] == "ok" and float(row["max_score"]) == points, row
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
        assert ("leaderboard" in results) == (nb == "04_logistic_softmax" and folder == "solutions")
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
    cells = [c for c in code_sources(ROOT / "solutions" / "03_ml_vs_map.ipynb") if "with substitute(" not in c]
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
    done = subprocess.run(CLI + args + ["--out", str(whole)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen(CLI + args + ["--out", str(resumed)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(resumed.glob("*/report.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    orphans = f'"parent": {proc.pid}'.encode()   # the children's command lines name their grader
    deadline = time.monotonic() + 10
    while _cmdlines_with(orphans) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _cmdlines_with(orphans)              # the children died with the grader
    finished = len(list(resumed.glob("*/report.json")))
    assert 2 <= finished < 9 and not (resumed / "gradebook.csv").exists()
    again = subprocess.run(CLI + args + ["--out", str(resumed)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"({finished} resumed" in again.stdout
    assert _files(resumed) == _files(whole)                                  # byte-identical, every file
    assert not [p for p in resumed.rglob("*") if ".tmp-" in p.name]          # no partial file left
    assert not list(Path(tempfile.gettempdir()).glob(f"nnlib-grade-{proc.pid}-*"))  # no stale workdir
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
        assert "nnlib/grading/autograder/child.py" in names and "nnlib/functional/__init__.py" in names
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        zf.extractall(root / "source")
    config = json.loads((root / "source" / "autograder.json").read_text())
    assert config["seed"] == SEEDS["07_activations"] and config["hidden_visibility"] == "after_due_date"
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    cells = code_sources(ROOT / "solutions" / "07_activations.ipynb")
    broken = [c.replace("return dout * (x > 0)", "return dout + 12345.0") for c in cells]
    (root / "submission" / "whatever name.ipynb").write_text(json.dumps(make_notebook(broken)))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 7 and results["max_score"] == 8
    assert results["output_format"] == "md" and 0 < results["execution_time"] < 300
    assert [t["name"] for t in results["tests"]] == _test_names("07_activations")
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility", "output_format"}
        assert test["status"] == ("failed" if test["name"].startswith("relu_backward") else "passed")
        hidden = test["name"].endswith("(hidden cases)")
        assert test["visibility"] == ("after_due_date" if hidden else "visible"), test
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(8)
    assert "Sandbox: bwrap" in results["output"]
    assert "setup.sh" in names and "bubblewrap" in zipfile.ZipFile(archive).read("setup.sh").decode()


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
    for word in ("--out", "--jobs", "--timeout", "--memory", "--seed", "--force", "--assignment", "--isolation",
                 "--roster", "--shard", "--lms-column", "--hidden-visibility", "gradebook.csv", "canvas.csv",
                 "moodle.csv", "submissions.csv", "report.json", "feedback.md", "results.json", "bwrap", "resume",
                 "merge", "not submitted"):
        assert word in text, word
    zip_help = subprocess.run(CLI + ["gradescope-zip", "--help"], capture_output=True, text=True).stdout
    assert "--out" in zip_help and "setup.sh" in zip_help


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ana.ipynb").write_text(json.dumps(make_notebook(["x = 1"])))
    assert main(["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--assignment", "99_x"]) == 2
    assert "unknown assignment '99_x'" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    for bad in ("0/2", "3/2", "two", "1/0"):
        assert main(["grade", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--shard", bad]) == 2
        assert "--shard takes k/N" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()   # nothing written for a refused command


def test_force_regrades_and_a_changed_file_is_regraded(tmp_path, capsys):
    sub = tmp_path / "ana.ipynb"
    cells = [c for c in code_sources(ROOT / "solutions" / "03_ml_vs_map.ipynb") if "with substitute(" not in c]
    sub.write_text(json.dumps(make_notebook(cells)))
    out = tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert "(1 resumed" in capsys.readouterr().out
    assert main(["grade", str(sub), "--out", str(out), "--no-progress", "--force"]) == 0
    assert "(0 resumed" in capsys.readouterr().out
    sub.write_text(json.dumps(make_notebook(cells + ["def lasso_cd(X, y, lam, n_sweeps):\n    return None"])))
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert "(0 resumed" in capsys.readouterr().out
    assert json.loads((out / "ana" / "report.json").read_text())["score"] == 7 - 3


def test_a_broken_sandbox_grades_nobody_and_a_rerun_recovers(tmp_path, monkeypatch, capsys):
    from nnlib.grading.autograder import sandbox
    sub = tmp_path / "ana.ipynb"
    sub.write_text(json.dumps(make_notebook(code_sources(ROOT / "solutions" / "03_ml_vs_map.ipynb")[:5])))
    out = tmp_path / "out"
    monkeypatch.setattr(sandbox, "_python_flags", lambda: ["-c", "raise SystemExit(3)"])  # dies before loading
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 1
    assert "NOT GRADED ana: the sandbox did not start" in capsys.readouterr().err
    assert _read_csv(out / "gradebook.csv")[0]["status"] == "not graded"
    assert _read_csv(out / "gradebook.csv")[0]["total"] == "" and not (out / "ana" / "report.json").exists()
    monkeypatch.undo()
    assert main(["grade", str(sub), "--out", str(out), "--no-progress"]) == 0
    assert _read_csv(out / "gradebook.csv")[0]["status"] == "ok"
