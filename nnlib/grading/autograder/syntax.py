"""``ast.parse`` and ``ast.unparse`` for code that runs in the grader's worker threads.

CPython 3.11 converts between its internal syntax tree and the ``ast`` module's objects with a
recursion counter that two threads can disturb: parsing in two graders at once now and then raises
``SystemError: AST constructor recursion depth mismatch`` (fixed in later CPython releases). The
grader grades submissions on several threads, so every conversion goes through one lock here,
the standard library's ``ast.parse`` (traceback, inspect) included once this module is imported.
Compiling source text to bytecode (``compile(source, ...)``) makes no ``ast`` objects and needs none.

>>> unparse(parse("x  =  1"))
'x = 1'
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.RLock()
_UNLOCKED_PARSE = getattr(ast.parse, "unlocked", ast.parse)


def parse(source: str, *args, **kwargs) -> ast.Module:
    """``ast.parse``, one thread at a time."""
    with _LOCK:
        return _UNLOCKED_PARSE(source, *args, **kwargs)


parse.unlocked = _UNLOCKED_PARSE
# The standard library parses too, in the same threads: Python 3.11's traceback module parses the
# failing line to place its carets, inspect parses builtins' text signatures. They call
# ``ast.parse`` through the module, so the grader's process routes them through the same lock.
ast.parse = parse


def unparse(node: ast.AST) -> str:
    """``ast.unparse``, one thread at a time."""
    with _LOCK:
        return ast.unparse(node)


def parse_only(source: str, filename: str = "<cell>") -> ast.Module:
    """``compile(..., PyCF_ONLY_AST)`` (the syntax check that also returns the tree), one at a time."""
    with _LOCK:
        return compile(source, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
