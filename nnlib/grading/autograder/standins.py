"""The copy of ``nnlib`` a sandboxed child imports: nnlib's answers to the assignment removed.

A submission may use nnlib's helpers (``substitute``, ``Sequential``, layers, data, optimizers) but
not nnlib's own implementation of a function it is graded on. Detecting such use inside the child
cannot be made reliable (the child runs the student's code: it can switch any detector off), so the
child is never given that code. :func:`build` writes, once per assignment, a filtered copy of the
package where

* every graded reference of the assignment (``nnlib.functional.relu_backward``, and what the
  references delegate to, see :func:`~.integrity.forbidden`) keeps its name and docstring but its
  body is a *stand-in*: it calls the student's function of the same name if the notebook defines one
  (so nnlib's layers still train with the student's code, as ``substitute`` would arrange), and
  otherwise raises :class:`ReferenceUnavailable` ("not available while grading");
* the private helpers only those references use (``_elu_grad``, the Adam kernel ``_adam``) raise;
* nnlib takes none of its shortcuts (the copy's ``nnlib._fast`` is off and holds no kernels), so layers and
  optimizers reach the graded functions through ``nnlib.functional``, never through inline copies;
* the case generators, the catalogue, the mistake catalogue, the reference module and the grader
  itself are absent; ``check()`` is a silent stand-in (the grader runs its own cases).

No code in the child can then compute nnlib's answer, however it is reached (import machinery,
threads, load time, names built at run time): the code is not there. The copy is keyed by a digest
of nnlib's sources and of the removed names, so a changed nnlib or assignment builds a new one.

>>> from nnlib.grading.student.registry import by_notebook
>>> root = build(by_notebook("07_activations"))
>>> "relu_backward" in (root / "lib" / "nnlib" / "functional" / "activations.py").read_text()
True
>>> (root / "lib" / "nnlib" / "grading" / "student" / "cases.py").exists()
False
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import os
import re
import shutil
import stat
import tempfile
from importlib import import_module
from pathlib import Path

from ..student.registry import Exercise
from . import syntax
from .integrity import NNLIB, forbidden

VERSION = 1
LIB = Path(__file__).resolve().parent
RUNNER_FILES = ("child.py", "wire.py", "codec.py")
STANDIN_MODULE = "_standin"  # nnlib/_standin.py in the copy
#: paths (inside nnlib) never copied: the grader, the authoring tools, the hidden-case machinery
ABSENT = (
    "grading/autograder",
    "grading/authoring",
    "grading/__main__.py",
    "grading/student/cases.py",
    "grading/student/catalog",
    "grading/student/mistakes",
    "grading/student/references.py",
    "grading/student/registry.py",
    "grading/student/check.py",
    "grading/student/diagnose.py",
    "grading/student/identify.py",
    "_fast.py",
)

STANDIN_SOURCE = '''"""Grading-time stand-ins for nnlib's answers (made by the autograder; not in nnlib)."""
import sys

_active = set()


class ReferenceUnavailable(RuntimeError):
    """nnlib's implementation of a graded function is not available while grading."""


def unavailable(what):
    raise ReferenceUnavailable(f"nnlib.{what} is nnlib's answer to a graded function: it is not available "
                               "while grading; write your own")


def call(module, name, args, kwargs):
    """Run the student's function ``name`` (the notebook's), as substitute() would; never nnlib's."""
    student = getattr(sys.modules.get("__main__"), name, None)
    if not callable(student) or name in _active:  # absent, or the student's function calling this one
        unavailable(f"{module}.{name}")
    _active.add(name)
    try:
        return student(*args, **kwargs)
    finally:
        _active.discard(name)
'''

GRADING_INIT = '''"""nnlib.grading while grading: check() is silent (the grader runs its cases); substitute() works."""
from .student.check import check
from .student.substitute import substitute


def compare(*args, **kwargs):
    """Silent while grading: the plug-in comparison trains models, and the grader scores functions."""
    return None


__all__ = ["check", "compare", "substitute"]
'''

FAST_SOURCE = '''"""While grading nnlib takes no shortcut: the fast training path (nnlib/_fast.py in the real
library) would compute the references' arithmetic inline, so the copy has none; every layer and
optimizer calls nnlib.functional, whose graded references are stand-ins."""

ENABLED = False


def train_step(model, x, y):
    return None  # "not used": the textbook path runs
'''

CHECK_SOURCE = '''"""check() while grading: it does nothing (the grader runs its own public and hidden cases)."""


def check(*args, **kwargs):
    return None
'''


def _relative(path: str | os.PathLike) -> str | None:
    path = Path(path).resolve()
    return path.relative_to(NNLIB).as_posix() if NNLIB in path.parents else None


def _absent(rel: str) -> bool:
    return any(rel == a or rel.startswith(a + "/") for a in ABSENT)


def removed_definitions(exercises: list[Exercise]) -> dict[str, set[str]]:
    """``{file inside nnlib: {top-level names}}`` of the graded references to replace by stand-ins."""
    found: dict[str, set[str]] = {}
    for ex in exercises:
        for module, name in forbidden(ex):
            obj = inspect.unwrap(getattr(import_module(module), name, None))
            try:
                rel = _relative(inspect.getsourcefile(obj))
            except TypeError:
                continue
            if rel and not _absent(rel):
                found.setdefault(rel, set()).add(obj.__name__)
    return found


def _top_level(tree: ast.Module) -> dict[str, ast.AST]:
    return {
        n.name: n
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def _mentions(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def private_helpers(tree: ast.Module, removed: set[str], elsewhere: set[str]) -> set[str]:
    """Private top-level functions only the removed definitions reach (their helpers are their answer too).

    A helper stays if a kept definition of the module uses it, or another nnlib file names it
    (``elsewhere``: the words of their text). Module-level statements (``KERNELS = {...}``) do not keep a helper.
    """
    defs = _top_level(tree)
    uses = {name: _mentions(node) - {name} for name, node in defs.items()}
    gone = set(removed)
    changed = True
    while changed:
        changed = False
        for name in defs:
            if name in gone or not name.startswith("_") or name in elsewhere:
                continue
            users = {user for user, used in uses.items() if name in used}
            if users and users <= gone:
                gone.add(name)
                changed = True
    return gone - set(removed)


def _call_standin(module: str, name: str) -> list[ast.stmt]:
    return syntax.parse(f"return {STANDIN_MODULE}.call({module!r}, {name!r}, args, kwargs)").body


def _raise_standin(what: str) -> list[ast.stmt]:
    return syntax.parse(f"{STANDIN_MODULE}.unavailable({what!r})").body


def _docstring(node: ast.AST) -> list[ast.stmt]:
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return [body[0]]
    return []


def _replace(node: ast.AST, body: list[ast.stmt]) -> ast.AST:
    """``node`` with ``(*args, **kwargs)``, no decorators and ``body`` (classes: an ``__init__`` that raises)."""
    if isinstance(node, ast.ClassDef):
        init = syntax.parse("def __init__(self, *args, **kwargs):\n    pass").body[0]
        init.body = body
        node.body, node.decorator_list = _docstring(node) + [init], []
        return node
    node.args = syntax.parse("def f(*args, **kwargs): pass").body[0].args
    node.body, node.decorator_list, node.returns = _docstring(node) + body, [], None
    return node


def filter_source(source: str, module: str, removed: set[str], elsewhere: set[str]) -> str:
    """The module's source with ``removed`` (and their private helpers) replaced by stand-ins."""
    tree = syntax.parse(source)
    helpers = private_helpers(tree, removed, elsewhere)
    for name, node in _top_level(tree).items():
        if name in removed and not isinstance(node, ast.ClassDef):
            _replace(node, _call_standin(module, name))
        elif name in removed or name in helpers:
            _replace(node, _raise_standin(f"{module}.{name}"))
    position = 0  # the import goes after the docstring and `from __future__` lines
    while position < len(tree.body) and (
        (
            isinstance(tree.body[position], ast.ImportFrom)
            and tree.body[position].module == "__future__"
        )
        or (position == 0 and _docstring(tree))
    ):
        position += 1
    tree.body.insert(position, syntax.parse(f"from nnlib import {STANDIN_MODULE}").body[0])
    return syntax.unparse(ast.fix_missing_locations(tree)) + "\n"


def _sources() -> dict[str, str]:
    """The sources the copy is made of (so editing the grader itself does not make a new copy)."""
    found = {}
    for path in sorted(NNLIB.rglob("*.py")):
        rel = path.relative_to(NNLIB).as_posix()
        if "__pycache__" not in path.parts and not _absent(rel):
            found[rel] = path.read_text(encoding="utf-8")
    return found


def _digest(sources: dict[str, str], removed: dict[str, set[str]]) -> str:
    h = hashlib.sha256(f"v{VERSION}".encode())
    for rel, text in sources.items():
        h.update(rel.encode() + b"\0" + text.encode() + b"\0")
    for rel in (LIB / f for f in RUNNER_FILES):
        h.update(rel.read_bytes())
    h.update(repr(sorted((k, sorted(v)) for k, v in removed.items())).encode())
    return h.hexdigest()[:20]


@functools.cache
def cache_root() -> Path:
    """Where copies are kept: ``$NNLIB_GRADING_CACHE``, else ``nnlib-grading-cache-<uid>`` in the temporary
    directory. A folder there that someone else owns, or others may write, is not trusted (it could hold a
    planted copy with the references in it): this grader then uses a fresh private folder of its own."""
    given = os.environ.get("NNLIB_GRADING_CACHE")
    root = (
        Path(given)
        if given
        else Path(tempfile.gettempdir()) / f"nnlib-grading-cache-{os.geteuid()}"
    )
    try:
        root.mkdir(mode=0o755, exist_ok=True)
        info = os.lstat(root)
        trusted = (
            stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022
        )
    except OSError:
        trusted = False
    if trusted:
        return root
    fresh = Path(tempfile.mkdtemp(prefix="nnlib-grading-cache-"))
    os.chmod(
        fresh, 0o755
    )  # the child's unprivileged uid reads the copy (rlimits mode, no bind mount)
    return fresh


def _write_copy(dest: Path, sources: dict[str, str], removed: dict[str, set[str]]) -> None:
    lib = dest / "lib" / "nnlib"
    for rel, text in sources.items():
        if rel in removed:
            module = "nnlib." + rel[:-3].replace("/", ".").removesuffix(".__init__")
            elsewhere = {w for r, t in sources.items() if r != rel for w in re.findall(r"\w+", t)}
            text = filter_source(text, module.removeprefix("nnlib."), removed[rel], elsewhere)
        target = lib / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (lib / f"{STANDIN_MODULE}.py").write_text(STANDIN_SOURCE, encoding="utf-8")
    (lib / "_fast.py").write_text(FAST_SOURCE, encoding="utf-8")
    (lib / "grading" / "__init__.py").write_text(GRADING_INIT, encoding="utf-8")
    (lib / "grading" / "student" / "check.py").write_text(CHECK_SOURCE, encoding="utf-8")
    (lib / "grading" / "student" / "__init__.py").write_text(
        '"""check (silent) and substitute."""\n'
    )
    runner = dest / "runner"
    runner.mkdir()
    for name in RUNNER_FILES:
        shutil.copyfile(LIB / name, runner / name)
    for folder, _dirs, files in os.walk(dest):  # readable by the child's unprivileged uid
        os.chmod(folder, 0o755)
        for f in files:
            os.chmod(os.path.join(folder, f), 0o644)


@functools.lru_cache(maxsize=64)
def _build(ids: tuple[str, ...]) -> Path:
    from ..student.registry import get

    exercises = [get(i) for i in ids]
    sources, removed = _sources(), removed_definitions(exercises)
    root = cache_root()
    dest = root / _digest(sources, removed)
    if (dest / "runner" / "child.py").is_file():
        return dest
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        _write_copy(work, sources, removed)
        os.chmod(work, 0o755)
        try:
            os.rename(work, dest)
        except OSError:  # another grader built it first
            pass
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def build(exercises: list[Exercise]) -> Path:
    """The folder holding ``lib/nnlib`` (the filtered copy) and ``runner/`` (child.py, wire.py, codec.py)."""
    return _build(tuple(sorted({ex.id for ex in exercises})))
