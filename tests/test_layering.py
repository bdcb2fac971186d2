"""The architecture, enforced: the core library never imports the layers built on top of it.

book -> nnlib <- grading, widgets, viz. The core (every module of nnlib outside grading/,
widgets/ and viz/) must import none of those three, at module level or inside a function, so
that it can be read, tested and shipped without them. The fast training path (nnlib._fast) is
reached from one place only: the training step in nnlib.training.
"""

import ast
from pathlib import Path

import pytest

import nnlib

ROOT = Path(nnlib.__file__).parent
OUTER = ("grading", "widgets", "viz")
CORE = sorted(p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] not in OUTER)


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    package = ".".join(("nnlib", *path.relative_to(ROOT).parent.parts))
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            source = node.module if not node.level else ".".join(filter(None, (base, node.module)))
            found.add(source)
            found |= {f"{source}.{alias.name}" for alias in node.names}
    return found


def test_the_core_list_is_the_library():
    names = {p.relative_to(ROOT).as_posix() for p in CORE}
    assert {"layers.py", "model.py", "training.py", "_fast.py", "functional/dense.py"} <= names
    assert not any(name.startswith(OUTER) for name in names)


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_core_module_imports_no_grading_widgets_or_viz(path):
    outer = sorted(
        m
        for m in _imported_modules(path)
        if any(m == f"nnlib.{o}" or m.startswith(f"nnlib.{o}.") for o in OUTER)
    )
    assert not outer, f"{path.relative_to(ROOT)} imports {outer}"


def test_only_the_training_step_refers_to_the_fast_path():
    users = sorted(
        p.relative_to(ROOT).as_posix()
        for p in CORE
        if p.name != "_fast.py" and "nnlib._fast" in _imported_modules(p)
    )
    assert users == ["training.py"]


def test_the_resolver_sees_relative_and_function_level_imports(tmp_path):
    """A guard on the guard: the import walker finds what it must."""
    probe = ROOT / "functional" / "dense.py"
    assert "nnlib._validate" in _imported_modules(probe)
    assert "nnlib.functional" in _imported_modules(ROOT / "training.py")
    assert "nnlib.optim" in _imported_modules(ROOT / "training.py")  # imported inside compile()
