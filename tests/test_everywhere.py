"""The book everywhere (issue 14): the student path, JupyterLab, launch on Binder and Colab.

Fast checks of the repository's files; the slow ones (a fresh virtual environment, a real
JupyterLab in Chromium) are marked ``slow``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from nnlib.grading.authoring.book_config import book_config, write_config
from nnlib.grading.authoring.notebooks import (
    HIDDEN,
    INSTALL_ID,
    install_cell_source,
    pip_source,
    setup_files,
    setup_notebook,
    source_of,
)

ROOT = Path(__file__).resolve().parents[1]


# -- the student path ------------------------------------------------------------------------


def makefile_targets() -> set[str]:
    """Every target the Makefile defines by name (not the files it builds, not variables)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M)}


def test_make_help_lists_every_target():
    shown = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    listed = set(re.findall(r"^\s*make ([\w-]+)", shown, re.M))
    targets = makefile_targets()
    assert {"help", "install", "lab", "book", "test"} <= targets, targets  # the parser found them
    assert targets - listed == set(), f"`make help` omits {sorted(targets - listed)}"
    assert listed - targets == set(), (
        f"`make help` lists targets that do not exist: {sorted(listed - targets)}"
    )


def test_readme_starts_with_the_student_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", readme, re.M)
    assert sections[0] == "Students", sections
    students = readme.split("## Students", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in students and "exercises/" in students, students
    recipe = re.search(
        r"^lab:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M
    )
    assert recipe and "install" in recipe.group(0).splitlines()[0], "`make lab` must install first"
    assert "jupyter lab" in recipe.group(1) and "exercises" in recipe.group(1), recipe.group(1)


# -- JupyterLab: MyST rendered, assertions hidden --------------------------------------------

BOOK_NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_requirements_install_jupyterlab_myst():
    names = [
        re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "jupyterlab-myst" in names, names


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=[p.stem for p in BOOK_NOTEBOOKS])
def test_assertion_cells_are_hidden_in_jupyterlab(path):
    cells = read_notebook(path)["cells"]
    assertions = [
        c
        for c in cells
        if "remove-cell" in c["metadata"].get("tags", []) and c.get("id") != INSTALL_ID
    ]
    assert assertions, f"{path.name} has no remove-cell assertion cell"
    shown = [c["id"] for c in assertions if c["metadata"].get("jupyter") != HIDDEN]
    assert not shown, (
        f"{path.name}: remove-cell cells {shown} lack metadata jupyter = {HIDDEN} "
        f"(run `make notebooks`)"
    )


def test_book_notebooks_are_as_the_script_leaves_them():
    """A second run of the set-up script changes nothing (it was run, and it is idempotent)."""
    sources = {source_of(read_notebook(p)) for p in BOOK_NOTEBOOKS}
    assert len(sources) == 1, f"the chapters' install cells name different sources: {sources}"
    changed = setup_files(BOOK_NOTEBOOKS, sources.pop(), check_only=True)
    assert not changed, f"`make notebooks` would change {[p.name for p in changed]}"


# -- launch: one repository setting, Binder, the install cell --------------------------------


def requirement_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_binder_installs_the_runtime_requirements_jupyterlab_myst_and_nnlib():
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    runtime = requirement_lines_of_block(text, "# Runtime")
    assert "numpy>=2.0,<3" in runtime, runtime  # the block was found
    binder = requirement_lines(ROOT / "binder" / "requirements.txt")
    assert set(runtime) <= set(binder), (
        f"binder/requirements.txt lacks {sorted(set(runtime) - set(binder))}"
    )
    assert any(line.startswith("jupyterlab-myst") for line in binder), binder
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK), (
        "binder/postBuild must be executable (repo2docker runs it)"
    )
    assert re.search(
        r"^python -m pip install .*\s\.$", post_build.read_text(encoding="utf-8"), re.M
    )


def requirement_lines_of_block(text: str, heading: str) -> list[str]:
    """The requirement lines of the paragraph that starts with the comment ``heading``."""
    block = text.split(heading, 1)[1].split("\n\n", 1)[0]
    return [
        line.strip() for line in block.splitlines()[1:] if line.strip() and not line.startswith("#")
    ]


NOTEBOOKS = [
    *BOOK_NOTEBOOKS,
    *sorted((ROOT / "solutions").glob("*.ipynb")),
    *sorted((ROOT / "exercises").glob("*.ipynb")),
]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS])
def test_first_code_cell_installs_nnlib(path):
    cells = read_notebook(path)["cells"]
    first = next(c for c in cells if c["cell_type"] == "code")
    assert first.get("id") == INSTALL_ID, (
        f"{path.relative_to(ROOT)}: the first code cell is not the install cell "
        "(run `make notebooks`, then `make release`)"
    )
    assert "".join(first["source"]) == install_cell_source(source_of(read_notebook(path)))


def theme_options(config: dict) -> dict:
    """What Jupyter Book 1 hands the theme for this configuration (buttons, launch URLs)."""
    from jupyter_book.config import get_final_config

    sphinx_config, _ = get_final_config(
        user_yaml=config,
        cli_config={"latex_individualpages": False},
        sourcedir=ROOT,
        use_external_toc=False,
    )
    return sphinx_config["html_theme_options"]


def test_buttons_appear_only_with_a_repository():
    committed = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "repository" not in committed and "launch_buttons" not in committed, (
        "the repository and the launch buttons come from BOOK_REPOSITORY, not from _config.yml"
    )
    without = theme_options(book_config(committed, None, "main"))
    assert not without.get("use_repository_button") and not without.get("use_issues_button")
    launch = without.get("launch_buttons", {})
    assert not any(
        launch.get(k) for k in ("binderhub_url", "colab_url", "jupyterhub_url", "thebe")
    ), launch
    repository = "https://github.com/someone/nn-book"
    with_repo = theme_options(book_config(committed, repository, "main"))
    assert with_repo["repository_url"] == repository and with_repo["repository_branch"] == "main"
    assert with_repo["use_repository_button"] and with_repo["use_issues_button"]
    assert with_repo["launch_buttons"]["binderhub_url"] and with_repo["launch_buttons"]["colab_url"]


def test_make_book_builds_with_the_generated_configuration():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^BOOK_REPOSITORY \?=", makefile, re.M), (
        "BOOK_REPOSITORY is a make variable (or env)"
    )
    assert 'book_config --repository "$(BOOK_REPOSITORY)"' in makefile
    assert re.search(r"jupyter-book build \$\(1\) \. --config _build/_config.yml", makefile), (
        makefile
    )
    assert re.search(r"^book: .*\$\(KERNEL_PROFILE\)", makefile, re.M), (
        "the book's kernels draw retina figures"
    )


def test_a_repository_needs_matching_install_cells(tmp_path):
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    chapter = read_notebook(BOOK_NOTEBOOKS[0])
    repository = "https://github.com/someone/nn-book"
    (tmp_path / "book" / "ch.ipynb").write_text(json.dumps(setup_notebook(chapter, None)))
    with pytest.raises(
        SystemExit, match=r"make notebooks BOOK_REPOSITORY=https://github.com/someone/nn-book"
    ):
        write_config(tmp_path, tmp_path / "out.yml", repository, "main")
    (tmp_path / "book" / "ch.ipynb").write_text(
        json.dumps(setup_notebook(chapter, pip_source(repository)))
    )
    written = yaml.safe_load(
        write_config(tmp_path, tmp_path / "out.yml", repository, "main").read_text()
    )
    assert written["repository"]["url"] == repository
    assert (
        written["sphinx"] == yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    )  # the rest kept
