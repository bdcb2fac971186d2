"""Turn a submitted notebook (or ``.py`` file) into the cells the sandboxed child executes.

The notebook is read as plain JSON (no nbformat: it is slow to import, and the file is untrusted);
outputs are ignored. Each code cell then gets what IPython would do to it, minus the dangerous part:

* IPython magics (``%matplotlib``, ``%%time`` ...) and shell lines (``!pip install``) are neutralised:
  only when the cell does not compile as Python, line by line, keeping the indentation (so
  ``x = (a\\n % b)`` is left alone). ``%%time``/``%%timeit``/``%%capture`` keep their body; any other
  cell magic (``%%bash``, ``%%writefile`` ...) drops the whole cell;
* top-level statements that call ``check(...)`` (feedback for the student) are replaced by ``pass``:
  the grader runs its own cases. In a cell with a ``substitute(...)`` demo ("train the network with
  your own function", also ``compare(...)`` and an explorer given ``yours=``), only definitions and
  imports are kept: the demos load data and train, which grading does not need. Function and class
  definitions are always kept.

Inputs as they arrive: notebooks of nbformat 3 and 4.0-4.5 (Jupyter, JupyterLab, Colab, VS Code),
``.py`` files from ``jupyter nbconvert --to script`` (split at ``# In[ ]:``; the
``get_ipython().run_cell_magic(...)``/``run_line_magic(...)``/``system(...)`` calls it writes are
unwrapped like the magics they stand for) and Jupytext percent scripts (split at ``# %%``). Cell
numbers are 1-based positions in the notebook, as the student sees them.

A file that cannot be read safely (not UTF-8, JSON nested 100,000 deep, a cell Python cannot
compile without exhausting its stack, too big, wrong types) raises :class:`SubmissionError` from
:func:`parse_submission` with one sentence saying why; :func:`read_submission` turns it into the
submission's ``error`` (a "rejected" row), never a ``RecursionError`` or ``MemoryError``.

>>> neutralise("%matplotlib inline\\nx = 1\\n!ls")
'pass  # %matplotlib inline\\nx = 1\\npass  # !ls'
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import re
import stat
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from . import syntax

MAX_FILE_BYTES = 100 << 20  # a bigger file is refused unread
MAX_CODE_BYTES = 4 << 20  # total size of the code cells
SUFFIXES = (".ipynb", ".py")
RESERVED = {"gradebook.csv", "timings.json"}
_KEEP_BODY = {"time", "timeit", "capture", "prun"}
_MAGIC_LINE = re.compile(r"^(\s*)([%!].*)$")
_MAGIC_ASSIGN = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[%!].*$")
_PY_CELL = re.compile(r"^# ?%%.*$", re.M)  # Jupytext percent, VS Code, Spyder
_NBCONVERT_CELL = re.compile(r"^# In\[[ \d]*\]:[ \t]*$", re.M)  # jupyter nbconvert --to script
_NBFORMATS = (3, 4)
_DEF = re.compile(r"^(?:def\s+(\w+)\s*\(|(\w+)\s*=)", re.M)


class SubmissionError(ValueError):
    """A submitted file that is refused unread or half-read; ``str(exc)`` says why, in one sentence."""


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
        return (
            (f"pass  # {first}\n" + body)
            if name in _KEEP_BODY
            else f"pass  # cell magic {first} not run"
        )
    try:
        syntax.parse_only(source)
        return source
    except (RecursionError, MemoryError):
        return source  # refused by parse_submission
    except (SyntaxError, ValueError):
        return "\n".join(_magic_free(line) for line in source.split("\n"))


class _IPythonCalls(ast.NodeTransformer):
    """``get_ipython().<method>(...)`` as nbconvert writes magics: inert, or the cell magic's body."""

    def visit_Expr(self, node):
        call = _ipython_call(node.value)
        if call is None:
            return self.generic_visit(node)
        method, args = call
        if (
            method == "run_cell_magic"
            and len(args) == 3
            and args[0].split(maxsplit=1)[:1]
            and args[0].split()[0] in _KEEP_BODY
        ):
            try:
                return syntax.parse(args[2]).body or ast.Pass()
            except (SyntaxError, ValueError):
                return node  # the child reports the error
        return ast.Pass()

    def visit_Call(self, node):
        if (
            _ipython_call(node) is not None
        ):  # files = get_ipython().getoutput('ls')  ->  files = None
            return ast.Constant(None)
        return self.generic_visit(node)


def _ipython_call(node) -> tuple[str, list[str]] | None:
    """``(method, constant string args)`` if ``node`` is ``get_ipython().method(...)``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "get_ipython"
    ):
        args = [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        return node.func.attr, args
    return None


def unwrap_ipython(source: str) -> str:
    """A cell of an nbconvert script with its ``get_ipython()`` calls unwrapped.

    >>> unwrap_ipython("get_ipython().run_line_magic('matplotlib', 'inline')\\nx = 1")
    'pass\\nx = 1'
    >>> unwrap_ipython("get_ipython().run_cell_magic('time', '', 'y = 2\\\\n')")
    'y = 2'
    """
    if "get_ipython" not in source:
        return source
    try:
        return syntax.unparse(
            ast.fix_missing_locations(_IPythonCalls().visit(syntax.parse(source)))
        )
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source


def _calls(node: ast.AST, name: str) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            if (isinstance(f, ast.Name) and f.id == name) or (
                isinstance(f, ast.Attribute) and f.attr == name
            ):
                return True
    return False


def _builds_explorer(node: ast.AST) -> bool:
    """A call with ``yours=...`` or of a ``...Explorer`` class: an explorer of nnlib.widgets, which only
    draws (often after training a model) with the student's functions."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            if name.endswith("Explorer") or any(k.arg == "yours" for k in sub.keywords):
                return True
    return False


def _names(node: ast.AST, context: type) -> set[str]:
    """The plain names ``node`` reads (``ast.Load``) or binds (``ast.Store``)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}


def strip_demos(source: str, results: set[str] | None = None) -> str:
    """Drop ``check`` calls, and everything but definitions and imports from demo cells (``substitute``,
    ``compare`` or an explorer given ``yours=``: they train models or draw with the student's
    functions, which the grader scores itself).

    ``results``: names bound by statements dropped in earlier cells (``comparison = compare(...)``),
    updated in place. A later statement that reads one (a hidden assertion on the comparison) is
    dropped too: it would only fail on a name the grader never bound.

    Dropped top-level statements become ``pass`` on their first line, so line numbers stay right.
    """
    results = set() if results is None else results
    try:
        tree = syntax.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source  # the child reports the error (or parse_submission refuses the cell)
    keep = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    demo = any(
        not isinstance(s, keep)
        and (_calls(s, "substitute") or _calls(s, "compare") or _builds_explorer(s))
        for s in tree.body
    )
    drop = []
    for s in tree.body:
        if not isinstance(s, keep) and (
            demo or _calls(s, "check") or _names(s, ast.Load) & results
        ):
            drop.append(s)
            results |= _names(s, ast.Store)
    if not drop:
        return source
    lines = source.split("\n")
    kept_lines = {n for s in tree.body if s not in drop for n in range(s.lineno, s.end_lineno + 1)}
    if any(s.col_offset or kept_lines & set(range(s.lineno, s.end_lineno + 1)) for s in drop):
        tree.body = [s for s in tree.body if s not in drop] or [ast.Pass()]
        try:
            return syntax.unparse(tree)  # statements share lines: rebuild (line numbers may shift)
        except RecursionError:
            return source
    for s in drop:
        lines[s.lineno - 1] = "pass  # not run by the grader"
        for n in range(s.lineno, s.end_lineno):
            lines[n] = ""
    return "\n".join(lines)


def _notebook_cells(text: str) -> list[tuple[int, str]]:
    try:
        nb = json.loads(text)
    except RecursionError:
        raise SubmissionError("not a readable notebook: its JSON nests too deeply") from None
    except ValueError as exc:
        raise SubmissionError(
            f"not a valid notebook: the JSON does not parse ({str(exc)[:120]})"
        ) from None
    if isinstance(nb, dict) and "worksheets" in nb and "cells" not in nb:  # nbformat 3
        sheets = nb.get("worksheets") or [{}]
        first = sheets[0] if isinstance(sheets, list) and isinstance(sheets[0], dict) else {}
        cells = first.get("cells", [])
        nb = {
            "nbformat": 3,
            "cells": [dict(c, source=c.get("input", "")) for c in cells if isinstance(c, dict)]
            if isinstance(cells, list)
            else None,
        }
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise SubmissionError("not a Jupyter notebook: no list of cells")
    version = nb.get("nbformat", 4)
    if type(version) is not int or version not in _NBFORMATS:
        raise SubmissionError(
            f"not a notebook this grader reads: nbformat {str(version)[:20]!r} "
            f"(expected one of {', '.join(map(str, _NBFORMATS))})"
        )
    cells = []
    for position, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise SubmissionError(
                f"not a valid notebook: cell {position} has a source of type {type(source).__name__}"
            )
        cells.append((position, source))
    return cells


def _script_cells(text: str) -> list[tuple[int, str]]:
    """Cells of a ``.py`` file: at ``# In[ ]:`` lines if nbconvert wrote it, else at ``# %%`` lines."""
    marker = _NBCONVERT_CELL if _NBCONVERT_CELL.search(text) else _PY_CELL
    starts = [m.start() for m in marker.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts + [len(text)]
    cells = [(i + 1, text[a:b]) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    if marker is _NBCONVERT_CELL:
        cells = [(i, unwrap_ipython(src)) for i, src in cells]
    return cells


def _decode_script(raw: bytes) -> str:
    """A ``.py`` file's text, in its declared encoding (PEP 263 cookie or BOM; UTF-8 by default)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        raise SubmissionError(
            "the file is not text in its declared encoding (UTF-8 unless it says otherwise)"
        ) from None


def _compilable(position: int, source: str) -> None:
    """Refuse a cell the parent cannot even parse safely (a 100,000-term expression exhausts the stack)."""
    try:
        source.encode("utf-8")
        syntax.parse_only(source)
    except UnicodeEncodeError:
        raise SubmissionError(
            f"cell {position} is not valid text (it holds lone surrogate characters)"
        ) from None
    except (RecursionError, MemoryError):
        raise SubmissionError(
            f"cell {position} nests too deeply for Python to compile (a huge expression?)"
        ) from None
    except (SyntaxError, ValueError):
        pass  # an ordinary error in the student's code: the child reports it


def defined_names(sources) -> frozenset:
    """Names the code defines at top level (``def f(`` or ``f =``), found by text so syntax errors don't hide them."""
    return frozenset(a or b for src in sources for a, b in _DEF.findall(src))


def make_notebook(sources: list[str]) -> dict:
    """A minimal nbformat-4 notebook (as a JSON-able dict) with one code cell per source string.

    >>> [c["source"] for c in make_notebook(["x = 1"])["cells"]]
    ['x = 1']
    """
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": src,
        }
        for i, src in enumerate(sources)
    ]
    return {
        "cells": cells,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code_sources(path: str | Path) -> list[str]:
    """The code cells of a (trusted) notebook, as strings, in order."""
    return [src for _, src in _notebook_cells(Path(path).read_text(encoding="utf-8"))]


def _read_bytes(path: Path) -> bytes:
    if path.is_symlink():  # the grader would read the target with its own rights
        raise SubmissionError("a symbolic link, not a file")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the reader forever
            raise SubmissionError("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise SubmissionError(
                f"the file is {info.st_size / 2**20:.0f} MB (the limit is {MAX_FILE_BYTES >> 20} MB)"
            )
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(f"cannot read the file ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SubmissionError(f"the file is larger than {MAX_FILE_BYTES >> 20} MB")
    return raw


def _cells_of(path: Path, raw: bytes) -> list[tuple[int, str]]:
    if path.suffix == ".ipynb":
        try:
            return _notebook_cells(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise SubmissionError("the file is not UTF-8 text (not a notebook)") from None
    if path.suffix == ".py":
        return _script_cells(_decode_script(raw))
    raise SubmissionError(f"not a notebook (.ipynb) or a Python file (.py): {path.name}")


def parse_submission(path: str | Path) -> Submission:
    """Read, validate and convert one submission; :class:`SubmissionError` (with the reason) if refused."""
    path = Path(path)
    raw = _read_bytes(path)
    cells = _cells_of(path, raw)
    code = sum(len(src) for _, src in cells)
    if code > MAX_CODE_BYTES:
        raise SubmissionError(
            f"{code / 2**20:.1f} MB of code (the limit is {MAX_CODE_BYTES >> 20} MB)"
        )
    if not any(src.strip() for _, src in cells):
        raise SubmissionError("the notebook has no code")
    converted, demo_results = [], set()
    for i, src in cells:
        src = neutralise(src)
        _compilable(i, src)
        converted.append({"index": i, "source": strip_demos(src, demo_results)})
    return Submission(
        path,
        student_name(path),
        hashlib.sha256(raw).hexdigest(),
        tuple(converted),
        names=defined_names(src for _, src in cells),
    )


def read_submission(path: str | Path) -> Submission:
    """:func:`parse_submission`, with a refusal recorded as ``error`` ("refused: <reason>") instead of raised."""
    path = Path(path)
    try:
        return parse_submission(path)
    except SubmissionError as exc:
        try:
            digest = hashlib.sha256(_read_bytes(path)).hexdigest()
        except SubmissionError:
            digest = ""
        return Submission(path, student_name(path), digest, error=f"refused: {exc}")
