"""Prepare the book's notebooks for every place they are opened: JupyterLab, Binder, Colab.

Two edits, applied to every notebook given, idempotently (a second run changes nothing):

1. **Assertion cells hidden in JupyterLab.** A cell tagged ``remove-cell`` (the assertions that
   back every number the text quotes) is dropped from the HTML book by Jupyter Book, but JupyterLab
   and Notebook 7 ignore that tag. Cell metadata ``"jupyter": {"source_hidden": true,
   "outputs_hidden": true}`` collapses it there: the cell still runs, and shows as a thin bar.
2. **An install cell first.** Before the first code cell comes a cell (id ``install-nnlib``) that
   installs ``nnlib`` where it is missing (Colab) and does nothing where it is installed (``make
   lab``, Binder, the book build, the grader). It installs from the book's repository, the one
   setting ``BOOK_REPOSITORY`` (see the README); without it, the cell says so when nnlib is missing.

Run it on the chapters and the solutions; ``make release`` then copies the install cell into the
worksheets::

    python -m nnlib.grading.authoring.notebooks --repository https://github.com/OWNER/REPO book solutions
    python -m nnlib.grading.authoring.notebooks --check book      # exit 1 if a notebook would change

Notebooks are read and written as plain JSON (key order and the one-space indent kept), so a run
that changes nothing leaves the files byte-identical.

>>> nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {"tags": ["remove-cell"]},
...                  "source": "assert 1", "outputs": [], "execution_count": None}]}
>>> nb = setup_notebook(nb, source=None)
>>> [c["id"] for c in nb["cells"]], nb["cells"][1]["metadata"]["jupyter"]["source_hidden"]
(['install-nnlib', 'a'], True)
>>> setup_notebook(nb, source=None) == nb   # idempotent
True
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
from pathlib import Path

INSTALL_ID = "install-nnlib"
HIDDEN_TAG = "remove-cell"
HIDDEN = {"outputs_hidden": True, "source_hidden": True}
# Jupyter Book drops the install cell from the HTML pages: a reader of the static book needs no install.
INSTALL_TAGS = ["remove-cell"]

_PREAMBLE = """\
# Installs nnlib, the library this book teaches, where it is missing (Colab).
# Where nnlib is installed already (`make lab`, Binder), this cell does nothing.
import importlib.util
"""

_INSTALL = (
    _PREAMBLE
    + """\
import subprocess
import sys

if importlib.util.find_spec("nnlib") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    {source!r}], check=True)
    importlib.invalidate_caches()  # so that `import nnlib` sees the new package in this kernel"""
)

_NO_SOURCE = (
    _PREAMBLE
    + """
if importlib.util.find_spec("nnlib") is None:
    raise ModuleNotFoundError(
        "nnlib is not installed, and this copy of the book names no repository to install it "
        "from: run `pip install git+<the book's repository URL>`, or `make lab` in a checkout")"""
)

_SOURCE_IN_CELL = re.compile(r"^\s+('[^']*'|\"[^\"]*\")\], check=True\)$", re.M)


def pip_source(repository: str, branch: str = "main") -> str | None:
    """The pip requirement that installs nnlib from ``repository`` (None when it is unset).

    >>> pip_source("https://github.com/o/book", "main")
    'nnlib @ git+https://github.com/o/book@main'
    >>> pip_source("") is None
    True
    """
    repository = repository.strip().rstrip("/")
    if not repository:
        return None
    if not re.match(r"^https://[\w.-]+/[\w./-]+$", repository):
        raise ValueError(
            f"pip_source: expected a repository URL such as https://github.com/OWNER/REPO, "
            f"got {repository!r}"
        )
    return f"nnlib @ git+{repository}@{branch}"


def install_cell_source(source: str | None) -> str:
    """The install cell's code: ``pip install source`` when nnlib is missing (or an error without a source)."""
    return _NO_SOURCE if source is None else _INSTALL.format(source=source)


def source_of(nb: dict) -> str | None:
    """The pip requirement that ``nb``'s install cell installs (None: none, or a cell without one)."""
    for cell in nb["cells"]:
        if cell.get("id") == INSTALL_ID:
            found = _SOURCE_IN_CELL.search(_text(cell["source"]))
            return None if found is None else found.group(1)[1:-1]
    return None


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _install_cell(source: str | None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": INSTALL_ID,
        "metadata": {"tags": list(INSTALL_TAGS)},
        "outputs": [],
        "source": install_cell_source(source).splitlines(keepends=True),
    }


def setup_notebook(nb: dict, source: str | None) -> dict:
    """A copy of ``nb`` (notebook JSON) with the assertion cells hidden and the install cell first."""
    nb = copy.deepcopy(nb)
    cells = [c for c in nb["cells"] if c.get("id") != INSTALL_ID]
    for cell in cells:
        if HIDDEN_TAG in cell.get("metadata", {}).get("tags", []):
            meta = {**cell["metadata"], "jupyter": dict(HIDDEN)}
            # keys sorted, as nbformat writes them: `make release` then leaves solutions unchanged
            cell["metadata"] = dict(sorted(meta.items()))
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells.insert(first_code, _install_cell(source))
    nb["cells"] = cells
    return nb


def notebook_paths(paths) -> list[Path]:
    """The notebooks named, with folders expanded to the ``*.ipynb`` directly inside them."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(path.glob("*.ipynb"))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"notebooks: {path} is neither a folder nor a notebook")
    return found


def to_text(nb: dict) -> str:
    """As the notebooks are committed: one-space indent, non-ASCII kept, a final newline."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def setup_files(paths, source: str | None, check_only: bool = False) -> list[Path]:
    """Apply :func:`setup_notebook` to each notebook (unless ``check_only``); return those that changed."""
    changed = []
    for path in notebook_paths(paths):
        text = path.read_text(encoding="utf-8")
        new = to_text(setup_notebook(json.loads(text), source))
        if new != text:
            changed.append(path)
            if not check_only:
                tmp = path.with_suffix(".ipynb.tmp")
                tmp.write_text(new, encoding="utf-8")
                tmp.replace(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnlib.grading.authoring.notebooks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "paths",
        nargs="*",
        default=["book", "solutions"],
        help="notebooks or folders of notebooks (default: book solutions)",
    )
    parser.add_argument(
        "--repository",
        default=os.environ.get("BOOK_REPOSITORY", ""),
        help="the book's repository URL (default: $BOOK_REPOSITORY; empty: none)",
    )
    parser.add_argument("--branch", default=os.environ.get("BOOK_BRANCH") or "main")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook would change"
    )
    args = parser.parse_args(argv)
    changed = setup_files(
        args.paths, pip_source(args.repository, args.branch), check_only=args.check
    )
    for path in changed:
        print(f"{'would change' if args.check else 'updated'}: {path}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
