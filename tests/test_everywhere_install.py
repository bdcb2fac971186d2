"""The install cell and Binder's postBuild, in a fresh virtual environment, offline.

A new ``python -m venv`` gets nnlib's dependencies (NumPy, SciPy, tqdm, and setuptools to build
nnlib) by a ``.pth`` file pointing at links to this environment's copies: nothing is downloaded
(``PIP_NO_INDEX``), and nnlib itself is not there until the cell (or postBuild) installs it from
a copy of this checkout. The copy keeps pip's build files out of the working tree.
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from nnlib.grading.authoring.notebooks import INSTALL_ID, install_cell_source, setup_notebook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEPENDENCIES = [
    "numpy",
    "scipy",
    "tqdm",
    "setuptools",
]  # nnlib's own (pyproject.toml) and its build backend
OFFLINE = {
    "PIP_NO_INDEX": "1",
    "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PYTHONPATH": "",
    "PYTHONNOUSERSITE": "1",
}


def _top_level_entries(name: str) -> list[Path]:
    """The site-packages entries of an installed distribution: its packages, .libs and dist-info."""
    dist = importlib.metadata.distribution(name)
    site = Path(dist.locate_file(""))
    tops = {Path(f).parts[0] for f in dist.files or [] if not Path(f).parts[0].startswith("..")}
    return [
        site / t
        for t in sorted(tops)
        if (site / t).exists() and not t.endswith(".pth") and t != "__pycache__"
    ]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """(python of a fresh venv, a copy of the checkout to install from)."""
    setuptools = tuple(int(x) for x in importlib.metadata.version("setuptools").split(".")[:2])
    assert setuptools >= (70, 1), (
        "building nnlib offline needs setuptools >= 70.1 (requirements.txt)"
    )
    tmp = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(with_pip=True).create(tmp / "venv")
    python = tmp / "venv" / "bin" / "python"
    run = {"env": {**os.environ, **OFFLINE}, "check": True, "capture_output": True, "text": True}
    # Python 3.11's venv brings an old setuptools (no bdist_wheel): use this environment's instead.
    subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "setuptools"], **run)
    deps = tmp / "deps"
    deps.mkdir()
    for name in DEPENDENCIES:
        for entry in _top_level_entries(name):
            (deps / entry.name).symlink_to(entry)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], **run
    ).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(f"{deps}\n")
    source = tmp / "checkout"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "nnlib", source / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    return python, source


def run_in(python: Path, code: str, cwd: Path | None = None, env: dict | None = None):
    """Run ``code`` in the venv, from a folder outside the checkout (``-c`` puts the cwd on sys.path)."""
    return subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd or python.parents[2],
        env={**os.environ, **OFFLINE, **(env or {})},
        timeout=600,
    )


def uninstall_nnlib(python: Path):
    subprocess.run(
        [python, "-m", "pip", "uninstall", "-q", "-y", "nnlib"],
        capture_output=True,
        env={**os.environ, **OFFLINE},
    )
    assert (
        "MISSING"
        in run_in(
            python, "import importlib.util as u; print(u.find_spec('nnlib') or 'MISSING')"
        ).stdout
    )


USE_NNLIB = """
import nnlib, numpy as np
from nnlib.functional import relu
print(nnlib.__file__)
print(relu(np.array([-1.0, 2.0])).tolist())
"""


def test_install_cell_installs_nnlib_where_it_is_missing_and_then_does_nothing(fresh):
    python, source = fresh
    uninstall_nnlib(python)
    cell = install_cell_source(f"nnlib @ {source.as_uri()}")
    first = run_in(python, cell + "\n" + USE_NNLIB)
    assert first.returncode == 0, first.stderr[-3000:]
    where, values = first.stdout.split("\n")[-3:-1]
    assert "/venv/lib/" in where and "site-packages" in where, (
        where
    )  # installed, not the copy's folder
    assert values == "[0.0, 2.0]"
    # nnlib is there now: the same cell must not call pip (a source that cannot install proves it).
    again = run_in(
        python, install_cell_source("nnlib @ file:///nonexistent/checkout") + "\nprint('ok')"
    )
    assert again.returncode == 0 and again.stdout == "ok\n", again.stderr[-3000:]


def test_install_cell_without_a_repository_says_what_to_do(fresh):
    python, _ = fresh
    uninstall_nnlib(python)
    result = run_in(python, install_cell_source(None))
    assert (
        result.returncode == 1 and "ModuleNotFoundError: nnlib is not installed" in result.stderr
    ), result.stderr
    assert "pip install" in result.stderr and "make lab" in result.stderr


def test_binder_postbuild_installs_nnlib(fresh):
    python, source = fresh
    uninstall_nnlib(python)
    shutil.copy(ROOT / "binder" / "postBuild", source.parent / "postBuild")
    path = (
        f"{python.parent}{os.pathsep}{os.environ['PATH']}"  # Binder's `python` is its environment's
    )
    built = subprocess.run(
        ["bash", source.parent / "postBuild"],
        cwd=source,
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE, "PATH": path},
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    used = run_in(python, USE_NNLIB)
    assert used.returncode == 0 and used.stdout.endswith("[0.0, 2.0]\n"), used.stderr[-3000:]


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.stem)
def test_committed_install_cell_does_nothing_where_nnlib_is_installed(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    cell = next(c for c in cells if c.get("id") == INSTALL_ID)
    result = subprocess.run(
        [sys.executable, "-c", "".join(cell["source"])],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout == result.stderr == "", result


def test_grader_gives_full_marks_to_a_solution_with_the_install_cell(tmp_path):
    """The worksheets carry the cell, so every submission does: the sandbox must run it as a no-op."""
    solution = ROOT / "solutions" / "02_linear_regression.ipynb"
    nb = setup_notebook(
        json.loads(solution.read_text(encoding="utf-8")), "nnlib @ git+https://example.org/o/r@main"
    )
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "ada.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    graded = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnlib.grading",
            "grade",
            str(submissions),
            "--out",
            str(tmp_path / "grades"),
            "--jobs",
            "1",
            "--timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
    rows = list(csv.DictReader((tmp_path / "grades" / "gradebook.csv").open(encoding="utf-8")))
    assert len(rows) == 1, rows
    report = json.loads(
        next((tmp_path / "grades").rglob("report.json")).read_text(encoding="utf-8")
    )
    assert report["status"] == "ok" and report["score"] == report["max_score"] > 0, report
