"""Read the functions out of a solution or exercise notebook, without running its demos.

Used by the tests (every solution passes every case, every untouched exercise fails cleanly) and
handy for an author checking a notebook quickly. This executes the notebook's code in the calling
process: use it on trusted notebooks only (the autograder runs submissions in a sandbox instead).

Example (from the repository root)::

    fns = load_functions("solutions/07_activations.ipynb")
    fns["relu_backward"](np.ones(2), np.array([-1.0, 1.0]))   # array([0., 1.])
"""

from __future__ import annotations

import re
from pathlib import Path

_CHECK_CALL = re.compile(r"^\s*check\(")
_DEMO = "with substitute("
_EXPLORER = "yours={"
_DEF = re.compile(r"^def\s+(\w+)\s*\(", re.M)


def code_cells(path: str | Path) -> list[str]:
    """The sources of the notebook's code cells, in order."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def definition_cells(path: str | Path) -> list[str]:
    """Code cells without the ``check(...)`` calls, the "plug in your own" demo and the explorer
    driven by the student's functions (``yours=``)."""
    return [
        src
        for src in code_cells(path)
        if not _CHECK_CALL.match(src) and _DEMO not in src and _EXPLORER not in src
    ]


def load_functions(path: str | Path) -> dict:
    """Execute the definition cells in a fresh namespace and return its top-level functions."""
    namespace: dict = {"__name__": f"notebook_{Path(path).stem}"}
    for source in definition_cells(path):
        exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 (trusted notebooks only)
    return {name: namespace[name] for src in definition_cells(path) for name in _DEF.findall(src)}


def checked_names(path: str | Path) -> list[str]:
    """Names passed to ``check(...)`` in the notebook, in order."""
    return [
        m.group(1) for src in code_cells(path) for m in re.finditer(r"^\s*check\((\w+)", src, re.M)
    ]
