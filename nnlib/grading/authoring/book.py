"""The instructor's edition of the book: the public book plus the executed solution notebooks.

``python -m nnlib.grading book --instructor`` (``make book-instructor``) writes a copy of the book's
``_toc.yml`` and ``_config.yml`` into ``_build/instructor/`` and builds from the repository root
with them, into ``_build/instructor/_build/html``:

* in the table of contents, every ``exercises/NN_topic`` entry becomes ``solutions/NN_topic``; if the
  public book lists no exercises, a part "Solutions (instructor edition)" is appended;
* in the configuration, ``solutions`` is taken out of ``exclude_patterns`` (and out of
  ``execute.exclude_patterns``), so the solutions are built and executed.

The public files are never modified.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

OUT = Path("_build") / "instructor"
PART = "Solutions (instructor edition)"


def _swap(node):
    """Recursively replace exercises/ entries by solutions/ ones; True if any was found."""
    found = False
    if isinstance(node, dict):
        if isinstance(node.get("file"), str) and node["file"].startswith("exercises/"):
            node["file"] = "solutions/" + node["file"][len("exercises/") :]
            found = True
        for value in node.values():
            found |= _swap(value)
    elif isinstance(node, list):
        for value in node:
            found |= _swap(value)
    return found


def instructor_toc(toc: dict, solutions: list[str]) -> dict:
    """The public table of contents with the solutions in place of (or after) the exercises."""
    if not _swap(toc):
        toc.setdefault("parts", []).append(
            {"caption": PART, "chapters": [{"file": f"solutions/{name}"} for name in solutions]}
        )
    return toc


def instructor_config(config: dict) -> dict:
    """The public configuration with the solutions included and executed."""
    config["exclude_patterns"] = [
        p for p in config.get("exclude_patterns", []) if p.rstrip("/") != "solutions"
    ]
    execute = config.get("execute", {})
    if "exclude_patterns" in execute:
        execute["exclude_patterns"] = [
            p for p in execute["exclude_patterns"] if not p.startswith("solutions")
        ]
    config["title"] = f"{config.get('title', 'Book')} (instructor edition)"
    return config


def write_instructor_files(root: Path) -> tuple[Path, Path]:
    """Write ``_build/instructor/_toc.yml`` and ``_config.yml``; return their paths."""
    root = Path(root)
    solutions = sorted(p.stem for p in (root / "solutions").glob("[0-9][0-9]_*.ipynb"))
    toc = instructor_toc(yaml.safe_load((root / "_toc.yml").read_text()), solutions)
    config = instructor_config(yaml.safe_load((root / "_config.yml").read_text()))
    out = root / OUT
    out.mkdir(parents=True, exist_ok=True)
    toc_path, config_path = out / "_toc.yml", out / "_config.yml"
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False))
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return toc_path, config_path


def build_instructor(root: Path, dry_run: bool = False) -> int:
    """Write the instructor files and run ``jupyter-book build``; return its exit code."""
    toc_path, config_path = write_instructor_files(root)
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(root),
        "--toc",
        str(toc_path),
        "--config",
        str(config_path),
        "--path-output",
        str(root / OUT),
        "-W",
        "-n",
        "--keep-going",
    ]
    print(" ".join(command))
    return 0 if dry_run else subprocess.call(command)
