"""The book everywhere (issue 14): the student path, JupyterLab, launch on Binder and Colab.

Fast checks of the repository's files; the slow ones (a fresh virtual environment, a real
JupyterLab in Chromium) are marked ``slow``.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from nnlib.grading.authoring.notebooks import HIDDEN, INSTALL_ID, setup_files, source_of

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


# -- JupyterLab: MyST rendered, assertions hidden --------------------------------------------

BOOK_NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_requirements_install_jupyterlab_myst():
    names = [re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower()
             for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert "jupyterlab-myst" in names, names


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=[p.stem for p in BOOK_NOTEBOOKS])
def test_assertion_cells_are_hidden_in_jupyterlab(path):
    cells = read_notebook(path)["cells"]
    assertions = [c for c in cells if "remove-cell" in c["metadata"].get("tags", []) and c.get("id") != INSTALL_ID]
    assert assertions, f"{path.name} has no remove-cell assertion cell"
    shown = [c["id"] for c in assertions if c["metadata"].get("jupyter") != HIDDEN]
    assert not shown, f"{path.name}: remove-cell cells {shown} lack metadata jupyter = {HIDDEN} " \
                      f"(run `make notebooks`)"


def test_book_notebooks_are_as_the_script_leaves_them():
    """A second run of the set-up script changes nothing (it was run, and it is idempotent)."""
    sources = {source_of(read_notebook(p)) for p in BOOK_NOTEBOOKS}
    assert len(sources) == 1, f"the chapters' install cells name different sources: {sources}"
    changed = setup_files(BOOK_NOTEBOOKS, sources.pop(), check_only=True)
    assert not changed, f"`make notebooks` would change {[p.name for p in changed]}"
