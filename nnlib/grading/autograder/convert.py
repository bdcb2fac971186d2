"""Turn a submitted notebook (or ``.py`` file) into the cells the sandboxed child executes.

The notebook is read as plain JSON (no nbformat: it is slow to import, and the file is untrusted);
outputs are ignored. Each code cell then gets what IPython would do to it, minus the dangerous part:

* IPython magics (``%matplotlib``, ``%%time`` ...) and shell lines (``!pip install``) are neutralised:
  only when the cell does not compile as Python, line by line, keeping the indentation (so
  ``x = (a\\n % b)`` is left alone). ``%%time``/``%%timeit``/``%%capture`` keep their body; any other
  cell magic (``%%bash``, ``%%writefile`` ...) drops the whole cell;
* top-level statements that call ``check(...)`` (feedback for the student) are replaced by ``pass``:
  the grader runs its own cases. In a cell with a ``substitute(...)`` demo ("train the network with
  your own function"), only definitions and imports are kept: the demos load data and train, which
  grading does not need. Function and class definitions are always kept.

A ``.py`` submission is split into cells at ``# %%`` lines. Cell numbers are 1-based positions in
the notebook, as the student sees them.

>>> neutralise("%matplotlib inline\\nx = 1\\n!ls")
'pass  # %matplotlib inline\\nx = 1\\npass  # !ls'
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 100 << 20   # a bigger file is refused unread
MAX_CODE_BYTES = 4 << 20     # total size of the code cells
SUFFIXES = (".ipynb", ".py")
RESERVED = {"gradebook.csv", "timings.json"}
_KEEP_BODY = {"time", "timeit", "capture", "prun"}
_MAGIC_LINE = re.compile(r"^(\s*)([%!].*)$")
_MAGIC_ASSIGN = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[%!].*$")
_PY_CELL = re.compile(r"^# ?%%.*$", re.M)
_DEF = re.compile(r"^(?:def\s+(\w+)\s*\(|(\w+)\s*=)", re.M)


@dataclass(frozen=True)
class Submission:
    """A read submission: ``cells`` (``{"index", "source"}`` dicts), or ``error`` if it was refused."""
    path: Path
    student: str
    sha256: str
    cells: tuple = ()
    error: str = ""
    names: frozenset = field(default_factory=frozenset)


def student_name(path: str | Path) -> str:
    """The student's name: the file name without its suffix, made safe as a folder name.

    >>> student_name("grades/Ana María.ipynb")
    'Ana_María'
    """
    name = re.sub(r"[^\w.-]", "_", Path(path).stem) or "_"
    return "_" + name if name.startswith(".") or name in RESERVED else name


def _magic_free(line: str) -> str:
    assign = _MAGIC_ASSIGN.match(line)
    if assign:  # files = !ls  ->  files = None
        return f"{assign.group(1)}{assign.group(2)} = None  # {line.strip()}"
    magic = _MAGIC_LINE.match(line)
    return f"{magic.group(1)}pass  # {magic.group(2)}" if magic else line


def neutralise(source: str) -> str:
    """The cell with IPython magics and shell lines made inert (see the module docstring)."""
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        first, _, body = stripped.partition("\n")
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        return (f"pass  # {first}\n" + body) if name in _KEEP_BODY else f"pass  # cell magic {first} not run"
    try:
        compile(source, "<cell>", "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
        return source
    except (SyntaxError, ValueError):
        return "\n".join(_magic_free(line) for line in source.split("\n"))


def _calls(node: ast.AST, name: str) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name):
                return True
    return False


def strip_demos(source: str) -> str:
    """Drop ``check`` calls, and everything but definitions and imports from ``substitute`` demo cells.

    Dropped top-level statements become ``pass`` on their first line, so line numbers stay right.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source  # the child reports the error
    keep = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    demo = any(not isinstance(s, keep) and _calls(s, "substitute") for s in tree.body)
    drop = [s for s in tree.body if not isinstance(s, keep) and (demo or _calls(s, "check"))]
    if not drop:
        return source
    lines = source.split("\n")
    kept_lines = {n for s in tree.body if s not in drop for n in range(s.lineno, s.end_lineno + 1)}
    if any(s.col_offset or kept_lines & set(range(s.lineno, s.end_lineno + 1)) for s in drop):
        tree.body = [s for s in tree.body if s not in drop] or [ast.Pass()]
        return ast.unparse(tree)  # statements share lines: rebuild (line numbers may shift)
    for s in drop:
        lines[s.lineno - 1] = "pass  # not run by the grader"
        for n in range(s.lineno, s.end_lineno):
            lines[n] = ""
    return "\n".join(lines)


def _notebook_cells(text: str) -> list[tuple[int, str]]:
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not a valid notebook: the JSON does not parse ({exc})") from None
    if isinstance(nb, dict) and "worksheets" in nb and "cells" not in nb:  # nbformat 3
        sheets = nb.get("worksheets") or [{}]
        nb = {"cells": [dict(c, source=c.get("input", "")) for c in sheets[0].get("cells", [])
                        if isinstance(c, dict)]}
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a Jupyter notebook: no list of cells")
    cells = []
    for position, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise ValueError(f"not a valid notebook: cell {position} has a source of type {type(source).__name__}")
        cells.append((position, source))
    return cells


def _script_cells(text: str) -> list[tuple[int, str]]:
    starts = [m.start() for m in _PY_CELL.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts + [len(text)]
    return [(i + 1, text[a:b]) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def defined_names(sources) -> frozenset:
    """Names the code defines at top level (``def f(`` or ``f =``), found by text so syntax errors don't hide them."""
    return frozenset(a or b for src in sources for a, b in _DEF.findall(src))


def make_notebook(sources: list[str]) -> dict:
    """A minimal nbformat-4 notebook (as a JSON-able dict) with one code cell per source string.

    >>> [c["source"] for c in make_notebook(["x = 1"])["cells"]]
    ['x = 1']
    """
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": src} for i, src in enumerate(sources)]
    return {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def code_sources(path: str | Path) -> list[str]:
    """The code cells of a (trusted) notebook, as strings, in order."""
    return [src for _, src in _notebook_cells(Path(path).read_text(encoding="utf-8"))]


def read_submission(path: str | Path) -> Submission:
    """Read, validate and convert one submission. Never raises for bad content: sets ``error``."""
    path = Path(path)
    student = student_name(path)
    if path.is_symlink():  # the grader would read the target with its own rights
        return Submission(path, student, "", error="refused: a symbolic link, not a file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Submission(path, student, "", error=f"refused: the file is {size / 2**20:.0f} MB "
                                                       f"(the limit is {MAX_FILE_BYTES >> 20} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        return Submission(path, student, "", error=f"refused: cannot read the file ({exc.strerror})")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
        if path.suffix == ".ipynb":
            cells = _notebook_cells(text)
        elif path.suffix == ".py":
            cells = _script_cells(text)
        else:
            raise ValueError(f"not a notebook (.ipynb) or a Python file (.py): {path.name}")
    except UnicodeDecodeError:
        return Submission(path, student, digest, error="refused: the file is not UTF-8 text (not a notebook)")
    except ValueError as exc:
        return Submission(path, student, digest, error=f"refused: {exc}")
    code = sum(len(src) for _, src in cells)
    if code > MAX_CODE_BYTES:
        return Submission(path, student, digest, error=f"refused: {code / 2**20:.1f} MB of code "
                                                       f"(the limit is {MAX_CODE_BYTES >> 20} MB)")
    if not any(src.strip() for _, src in cells):
        return Submission(path, student, digest, error="refused: the notebook has no code")
    converted = tuple({"index": i, "source": strip_demos(neutralise(src))} for i, src in cells)
    return Submission(path, student, digest, converted, names=defined_names(src for _, src in cells))
