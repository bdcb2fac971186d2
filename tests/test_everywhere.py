"""The book everywhere (issue 14): the student path, JupyterLab, launch on Binder and Colab.

Fast checks of the repository's files; the slow ones (a fresh virtual environment, a real
JupyterLab in Chromium) are marked ``slow``.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# -- the student path ------------------------------------------------------------------------

def makefile_targets() -> set[str]:
    """Every target the Makefile defines by name (not the files it builds, not variables)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M)}


def test_make_help_lists_every_target():
    shown = subprocess.run(["make", "--no-print-directory", "-s", "help"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout
    listed = set(re.findall(r"^\s*make ([\w-]+)", shown, re.M))
    targets = makefile_targets()
    assert {"help", "install", "lab", "book", "test"} <= targets, targets  # the parser found them
    assert targets - listed == set(), f"`make help` omits {sorted(targets - listed)}"
    assert listed - targets == set(), f"`make help` lists targets that do not exist: {sorted(listed - targets)}"


def test_readme_starts_with_the_student_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", readme, re.M)
    assert sections[0] == "Students", sections
    students = readme.split("## Students", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in students and "exercises/" in students, students
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert recipe and "install" in recipe.group(0).splitlines()[0], "`make lab` must install first"
    assert "jupyter lab" in recipe.group(1) and "exercises" in recipe.group(1), recipe.group(1)
