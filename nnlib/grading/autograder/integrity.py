"""Catch a submission that uses nnlib's own answer for the function being graded.

Students may import ``nnlib`` (its helpers, ``check``, ``substitute``) but not the reference of
the exercise at hand. :func:`forbidden` lists, per exercise, nnlib's implementations of it: the
registered reference, any nnlib function with the exercise's name, and what a reference in
:mod:`nnlib.grading.student.references` delegates to (``from ...metrics import f1``). Two places use it:

* :func:`static_use` reads the submission's source (AST): the graded function, and the top-level
  functions it calls, must not import a forbidden name from nnlib, read it as an attribute of an
  nnlib module (``F.relu_backward``, ``getattr(F, "relu_backward")``), or be that import itself;
* :mod:`.standins` replaces every forbidden function in the child's copy of nnlib.

At run time nothing needs detecting: the child's copy of nnlib has stand-ins instead of these
functions (:mod:`.standins`), so it cannot run them however it reaches them; the static check is
there to *report* the attempt ("flagged", 0 for that function, with the reason).

>>> sorted(forbidden(get("f1_score")))[:2]
[('nnlib.grading.student.references', 'f1_score'), ('nnlib.metrics', 'f1')]
"""

from __future__ import annotations

import ast
import functools
import inspect
from importlib import import_module
from pathlib import Path

from ..student.registry import Exercise, get
from . import syntax

#: modules searched for a function named like the exercise
SEARCHED = (
    "nnlib.functional",
    "nnlib.optim",
    "nnlib.init",
    "nnlib.linear",
    "nnlib.data",
    "nnlib.metrics",
    "nnlib.tuning",
    "nnlib.callbacks",
    "nnlib.neurons",
    "nnlib.backprop",
    "nnlib.grading.student.references",
)
#: delegations that are classes rather than imports inside the reference
EXTRA = {
    "early_stopping": [("nnlib.callbacks", "EarlyStopping")],
    # the fused loss-and-gradient hands out both answers
    "cross_entropy": [("nnlib.functional", "cross_entropy_with_grad")],
    "cross_entropy_backward": [("nnlib.functional", "cross_entropy_with_grad")],
    # AdamW with weight_decay=0 is Adam, step for step (they share one kernel)
    "adam_step": [("nnlib.functional", "adamw_step")],
}
NNLIB = Path(import_module("nnlib").__file__).resolve().parent


def _delegates(module: str, name: str) -> list[tuple[str, str]]:
    """``(module, name)`` that a reference imports inside its body (``from ...data import kfold``),
    including ``optim.time_decay`` after ``from ... import optim``."""
    fn = getattr(import_module(module), name)
    try:
        tree = syntax.parse(inspect.cleandoc("\n" + inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    package = module.rsplit(".", 1)[0]
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            source = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                target = f"{source}.{alias.name}"
                try:
                    import_module(target)
                    modules[alias.asname or alias.name] = target
                except ImportError:
                    found.append((source, alias.name))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append((modules[node.value.id], node.attr))
    return found


@functools.cache
def forbidden(ex: Exercise) -> frozenset:
    """``(module, name)`` pairs the submission must not use for ``ex``."""
    module, _, name = ex.reference.partition(":")
    pairs = {(module, name), *_delegates(module, name), *EXTRA.get(ex.id, [])}
    for mod in SEARCHED:
        if callable(getattr(import_module(mod), ex.id, None)):
            pairs.add((mod, ex.id))
    return frozenset(pairs)


# ----------------------------------------------------------------------------- static check


def _nnlib_module(name: str | None) -> bool:
    return bool(name) and (name == "nnlib" or name.startswith("nnlib."))


class _Scope(ast.NodeVisitor):
    """Module-level bindings: names bound to nnlib modules, and to forbidden objects."""

    def __init__(self, bad_names: set[str]):
        self.modules: set[str] = set()
        self.objects: dict[str, str] = {}
        self.bad = bad_names

    def bind_import(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _nnlib_module(alias.name):
                    self.modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and _nnlib_module(node.module):
            for alias in node.names:
                if alias.name in self.bad:
                    self.objects[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                else:  # `from nnlib import functional as F`: possibly a module
                    self.modules.add(alias.asname or alias.name)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _looked_up(node: ast.AST) -> str | None:
    """The constant name in ``getattr(obj, "name")`` or ``obj.__getattribute__("name")``."""
    if not isinstance(node, ast.Call):
        return None
    f, args = node.func, node.args
    arg = (
        args[1]
        if isinstance(f, ast.Name) and f.id == "getattr" and len(args) >= 2
        else args[0]
        if isinstance(f, ast.Attribute) and f.attr == "__getattribute__" and args
        else None
    )
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def _function_use(fn: ast.AST, scope: _Scope) -> str | None:
    local = _Scope(scope.bad)
    local.modules, local.objects = set(scope.modules), dict(scope.objects)
    for node in ast.walk(fn):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            local.bind_import(node)
            if isinstance(node, ast.ImportFrom) and _nnlib_module(node.module):
                bad = [a.name for a in node.names if a.name in scope.bad]
                if bad:
                    return f"imports {bad[0]} from {node.module}"
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in scope.bad
            and _root_name(node) in local.modules
        ):
            return f"uses {syntax.unparse(node)}"
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id in local.objects
        ):
            return f"calls {local.objects[node.id]} (imported as {node.id})"
        name = _looked_up(node)
        if name in scope.bad:
            return f"looks up {name!r} by name"
    return None


@functools.lru_cache(maxsize=256)
def _parse(source: str) -> ast.Module | None:
    """The cell's AST (cached: every exercise of a submission reads the same cells), or None."""
    try:
        return syntax.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def static_use(sources: list[str], ex: Exercise) -> str | None:
    """A reason if the code's definition of ``ex.id`` uses nnlib's reference, else ``None``.

    ``sources`` are the cell sources in order; cells that do not parse are skipped (the child will
    report them).

    >>> print(static_use(["import nnlib.functional as F\\ndef relu_backward(d, x):\\n    return F.relu_backward(d, x)"],
    ...                  get("relu_backward")))
    relu_backward uses F.relu_backward, which is nnlib's answer: 0 points
    """
    bad = {name for _, name in forbidden(ex)}
    scope = _Scope(bad)
    defs: dict[str, ast.AST] = {}
    binding = None  # the last top-level statement binding ex.id
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in tree.body:
            scope.bind_import(node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs[node.name] = node
                if node.name == ex.id:
                    binding = node
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == ex.id for a in node.names
            ):
                binding = node
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == ex.id for t in node.targets
            ):
                binding = node
    if binding is None:
        return None
    if isinstance(binding, ast.ImportFrom) and _nnlib_module(binding.module):
        return f"{ex.id} is imported from {binding.module}, which is nnlib's answer: 0 points"
    # the function, and the top-level functions it reaches by name
    todo, seen = [binding], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        why = _function_use(node, scope)
        if why:
            owner = getattr(node, "name", ex.id)
            via = "" if owner == ex.id else f" (through {owner})"
            return f"{ex.id}{via} {why}, which is nnlib's answer: 0 points"
        todo += [defs[n.id] for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defs]
    return None


__all__ = ["forbidden", "static_use", "get"]
