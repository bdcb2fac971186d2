"""Generate ``exercises/NN_topic.ipynb`` from ``solutions/NN_topic.ipynb``.

Inside a function, the lines between the nbgrader-style markers ::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

are replaced by one ``raise NotImplementedError("...")`` at the indentation of the ``BEGIN`` line.
Everything else is kept; outputs, execution counts and cell metadata other than tags are dropped.
Malformed markers (BEGIN without END, nested BEGIN, END without BEGIN, a marker outside a function,
a misspelt marker) raise :class:`MarkerError` naming the file and the cell index. The output is
deterministic: re-running gives byte-identical files.

>>> print(strip_solution("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION\\n"))
def f(x):
    raise NotImplementedError("f: replace this line with your code")
<BLANKLINE>
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_LOOKS_LIKE_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END)\s+SOLUTION\b", re.IGNORECASE)
# tags (remove-cell, hide-input) and "jupyter" (the collapse `make notebooks` gives assertion cells)
_KEEP_CELL_METADATA = ("tags", "jupyter")
NB_VERSION = 4


class MarkerError(ValueError):
    """Malformed solution markers; the message names the file and the cell."""


def placeholder(fn_name: str) -> str:
    return f'raise NotImplementedError("{fn_name}: replace this line with your code")'


_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _enclosing(lines: list[str], index: int) -> tuple[int, str] | None:
    """(line index, name) of the innermost ``def`` whose body contains ``lines[index]``, by indentation.

    A comment line counts as inside a function when it is indented deeper than the ``def`` and no
    line in between has dedented to the ``def``'s level (``ast`` would end the function at its last
    statement and miss a trailing ``### END SOLUTION``).
    """
    level = _indent(lines[index])
    for j in range(index - 1, -1, -1):
        line = lines[j]
        if not line.strip():
            continue
        if _indent(line) < level:
            match = _DEF.match(line)
            if match:
                return j, match.group(2)
            level = _indent(line)  # an if/for/with block: keep looking outwards
    return None


def strip_solution(source: str, where: str = "<cell>") -> str:
    """Replace every marked region of one code cell by a ``raise NotImplementedError``."""
    lines = source.split("\n")
    markers = [(i, line) for i, line in enumerate(lines) if _LOOKS_LIKE_MARKER.match(line)]
    if not markers:
        return source
    try:
        ast.parse(source)
    except SyntaxError as exc:
        raise MarkerError(
            f"{where}: the cell does not parse as Python (line {exc.lineno}: {exc.msg})"
        ) from None
    out: list[str] = []
    begin: int | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if _LOOKS_LIKE_MARKER.match(line) and stripped not in (BEGIN, END):
            raise MarkerError(
                f"{where}, line {i + 1}: malformed marker {stripped!r}; write exactly "
                f"{BEGIN!r} or {END!r}"
            )
        if stripped == BEGIN:
            if begin is not None:
                raise MarkerError(
                    f"{where}, line {i + 1}: nested {BEGIN!r} (the one on line {begin + 1} "
                    f"has no {END!r} yet)"
                )
            func = _enclosing(lines, i)
            if func is None:
                raise MarkerError(
                    f"{where}, line {i + 1}: {BEGIN!r} outside a function; graded code "
                    f"must sit inside a def"
                )
            begin = i
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + placeholder(func[1]))
        elif stripped == END:
            if begin is None:
                raise MarkerError(f"{where}, line {i + 1}: {END!r} without a matching {BEGIN!r}")
            if _enclosing(lines, i) != _enclosing(lines, begin):
                raise MarkerError(
                    f"{where}, line {i + 1}: {END!r} is not in the same function as the "
                    f"{BEGIN!r} on line {begin + 1}"
                )
            begin = None
        elif begin is None:
            out.append(line)
    if begin is not None:
        raise MarkerError(f"{where}, line {begin + 1}: {BEGIN!r} without a matching {END!r}")
    result = "\n".join(out)
    try:
        ast.parse(result)
    except SyntaxError as exc:
        raise MarkerError(
            f"{where}: the exercise cell would not parse (line {exc.lineno}: {exc.msg})"
        ) from None
    return result


def clean_cell(cell) -> None:
    """Drop outputs, execution counts and all metadata but tags and the JupyterLab collapse (in place)."""
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    cell.metadata = {k: cell.metadata[k] for k in _KEEP_CELL_METADATA if k in cell.metadata}


def clean_notebook(nb):
    """A stripped copy of ``nb``: what is committed (solutions) and what students get (exercises)."""
    import nbformat  # slow to import (jsonschema): only when releasing

    nb = nbformat.from_dict(nbformat.v4.upgrade(nb) if nb.nbformat < NB_VERSION else nb)
    nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
    for index, cell in enumerate(nb.cells):
        clean_cell(cell)
        if not cell.get("id"):  # nbformat would invent a random one: keep the output deterministic
            cell["id"] = f"cell-{index}"
    meta = nb.metadata
    nb.metadata = nbformat.from_dict(
        {
            "kernelspec": meta.get(
                "kernelspec", {"display_name": "Python 3", "language": "python", "name": "python3"}
            ),
            "language_info": {"name": "python"},
        }
    )
    return nb


def make_exercise(nb, where: str = "<notebook>"):
    """The exercise version of a solution notebook (a new object; ``nb`` is untouched)."""
    import nbformat  # slow to import (jsonschema): only when releasing

    nb = clean_notebook(
        nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=NB_VERSION))
    )
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source, f"{where}, cell {index}")
    return nb


def to_text(nb) -> str:
    """Deterministic serialisation (sorted keys, one-space indent, trailing newline)."""
    import nbformat  # slow to import (jsonschema): only when releasing

    text = nbformat.writes(nb, version=NB_VERSION)
    return text if text.endswith("\n") else text + "\n"


def render(solution_path: Path) -> str:
    """The exercise notebook text generated from one solution file."""
    import nbformat  # slow to import (jsonschema): only when releasing

    nb = nbformat.read(str(solution_path), as_version=NB_VERSION)
    return to_text(make_exercise(nb, where=str(solution_path)))


def secret_lines(solution_path: Path, min_length: int = 9) -> set[str]:
    """Stripped lines that appear only inside solution regions (long enough to be telling).

    Tests use them to prove that no solution body leaks into ``exercises/`` or the student book.
    """
    import nbformat  # slow to import (jsonschema): only when needed

    nb = nbformat.read(str(solution_path), as_version=NB_VERSION)
    outside, inside = set(), set()
    for cell in nb.cells:
        region = False
        for line in cell.source.splitlines():
            if line.strip() in (BEGIN, END):
                region = line.strip() == BEGIN
                continue
            (inside if region else outside).add(line.strip())
    return {line for line in inside - outside if len(line) >= min_length}


def solution_files(solutions: Path) -> list[Path]:
    return sorted(p for p in Path(solutions).glob("[0-9][0-9]_*.ipynb"))


def release(
    solutions: str | Path = "solutions",
    exercises: str | Path = "exercises",
    check_only: bool = False,
) -> list[Path]:
    """Write (or with ``check_only``, only compare) every exercise; return the stale/changed paths.

    Exercises without a solution are reported as stale too (and deleted unless ``check_only``).
    """
    solutions, exercises = Path(solutions), Path(exercises)
    sources = solution_files(solutions)
    if not sources:
        raise FileNotFoundError(f"release: no NN_topic.ipynb notebooks in {solutions}")
    rendered = {
        exercises / src.name: render(src) for src in sources
    }  # all validated before any write
    changed = []
    for path, text in rendered.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(path)
            if not check_only:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".ipynb.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
    for orphan in sorted(set(solution_files(exercises)) - set(rendered)):
        changed.append(orphan)
        if not check_only:
            orphan.unlink()
    return changed
