"""Export the grader as a Gradescope autograder, and run it inside Gradescope's container.

``python -m nnlib.grading gradescope-zip --out autograder.zip`` writes a zip with, at its root:

* ``setup.sh``: run once by Gradescope when it builds the image (Ubuntu, root): installs Python,
  bubblewrap and the runtime requirements into ``/autograder/venv``;
* ``run_autograder``: run for every submission; grades the notebook found in
  ``$AUTOGRADER_ROOT/submission`` (default ``/autograder``) and writes
  ``$AUTOGRADER_ROOT/results/results.json``. ``PYTHON`` overrides the interpreter (tests use both);
* ``nnlib/`` (the package source: the references and the grader), ``requirements.txt`` and
  ``autograder.json`` (the assignment, seed, limits and the hidden tests' visibility, baked in at
  export time). The seed is the assignment's own (:mod:`.course`) unless ``--seed`` overrides it, so
  Gradescope and ``make grade`` give the same grades.

``results.json`` has a visible test per exercise for its public cases and one for its hidden cases
shown ``after_due_date`` (``--hidden-visibility``), Markdown output, the ``execution_time`` of the
whole run, and the assignment's leaderboard entry if it declares one (:mod:`.leaderboard`).

Gradescope's containers usually refuse the namespaces bwrap needs; the grader then falls back to
rlimits (as an unprivileged uid when Python is readable by it) and says so in the results' output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from ..student.registry import by_notebook, notebooks
from .convert import SUFFIXES
from .course import seed_for
from .intake import identify, safe_read
from .reports import VISIBILITIES

PACKAGE = Path(__file__).resolve().parents[2]  # nnlib/
REPO = PACKAGE.parent
FALLBACK_REQUIREMENTS = [
    "numpy>=2.0,<3",
    "scipy>=1.11,<2",
    "scikit-learn>=1.4,<2",
    "tqdm>=4.66,<5",
    "matplotlib>=3.8,<4",
    "ipywidgets>=8.1,<9",
]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
    python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT and PYTHON override its paths (tests).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT/source"
export PYTHONPATH="$ROOT/source${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m nnlib.grading.autograder.gradescope run --root "$ROOT"
"""


def runtime_requirements() -> list[str]:
    """The "Runtime" block of the repository's requirements.txt (what nnlib and the notebooks import)."""
    path = REPO / "requirements.txt"
    if not path.exists():
        return FALLBACK_REQUIREMENTS
    block, inside = [], False
    for line in path.read_text().splitlines():
        if line.startswith("#") and "runtime" in line.lower():
            inside = True
            continue
        if inside and not line.strip():
            break
        if inside and not line.startswith("#"):
            block.append(line.strip())
    return block or FALLBACK_REQUIREMENTS


def build_zip(
    out: str | Path,
    *,
    assignment: str | None = None,
    seed: int | None = None,
    timeout: float | None = None,
    memory: int = 1024,
    hidden_visibility: str = "after_due_date",
) -> Path:
    """Write the autograder zip; returns its path. ``seed=None``: the assignment's seed from :mod:`.course`."""
    if assignment is not None and assignment not in notebooks():
        raise ValueError(
            f"gradescope-zip: unknown assignment {assignment!r}; one of {', '.join(notebooks())}"
        )
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(
            f"gradescope-zip: --hidden-visibility must be one of {', '.join(VISIBILITIES)}"
        )
    out = Path(out)
    if assignment is not None:
        seed = seed_for(
            assignment, seed
        )  # written out: the zip grades alike even if course.py changes later
    config = {
        "assignment": assignment,
        "seed": seed,
        "timeout": timeout,
        "memory": memory,
        "hidden_visibility": hidden_visibility,
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, text: str, mode: int = 0o644):
            info = zipfile.ZipInfo(
                name, date_time=(2020, 1, 1, 0, 0, 0)
            )  # fixed: reproducible zips
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)

        add("setup.sh", SETUP_SH, 0o755)
        add("run_autograder", RUN_AUTOGRADER, 0o755)
        add("requirements.txt", "\n".join(runtime_requirements()) + "\n")
        add("autograder.json", json.dumps(config, indent=1) + "\n")
        for path in sorted(PACKAGE.rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix in (".py", ".json", ".txt")
            ):
                add(
                    f"nnlib/{path.relative_to(PACKAGE).as_posix()}",
                    path.read_text(encoding="utf-8"),
                )
    return out


def _choose(root: Path, assignment: str | None) -> tuple[Path | None, str]:
    """The submitted file to grade: the one defining most graded functions (of ``assignment`` if set)."""
    files = sorted(
        p
        for p in (root / "submission").rglob("*")
        if p.is_file() and p.suffix in SUFFIXES and not any(q.startswith(".") for q in p.parts)
    )
    if not files:
        return None, "No .ipynb or .py file was found in the submission."
    ids = {ex.id for ex in by_notebook(assignment)} if assignment else None

    def matches(path):
        names = safe_read(identify(path)).names  # a hostile extra file must not stop the grading
        return (
            len(names & ids)
            if ids is not None
            else max(sum(ex.id in names for ex in by_notebook(nb)) for nb in notebooks())
        )

    best = max(files, key=lambda p: (matches(p), p.suffix == ".ipynb", -len(str(p))))
    note = "" if len(files) == 1 else f"Several files were submitted; graded {best.name}."
    return best, note


def run(root: str | Path) -> int:
    """Grade the submission in ``root/submission`` and write ``root/results/results.json``."""
    from .grader import Settings
    from .grader import run as run_batch
    from .sandbox import Limits

    started = time.monotonic()
    root = Path(root)
    config = json.loads((root / "source" / "autograder.json").read_text())
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    target, note = _choose(root, config.get("assignment"))
    if target is None:
        (results / "results.json").write_text(
            json.dumps({"score": 0, "output": note, "tests": []}, indent=2)
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="nnlib-gradescope-") as tmp:
        out = Path(tmp) / "out"
        seed = config.get("seed")
        settings = Settings(
            out=out,
            seed=None if seed is None else int(seed),
            jobs=1,
            force=True,
            assignment=config.get("assignment"),
            progress=False,
            hidden_visibility=config.get("hidden_visibility", "after_due_date"),
            limits=Limits(timeout=config.get("timeout"), memory_mb=int(config.get("memory", 1024))),
        )
        status = run_batch([target], settings)
        student = identify(target).student
        produced = out / student / "results.json"
        if not produced.exists():
            (results / "results.json").write_text(
                json.dumps(
                    {
                        "score": 0,
                        "output": "The autograder could not grade this submission; ask your instructor.",
                        "tests": [],
                    },
                    indent=2,
                )
            )
            return 1
        data = json.loads(produced.read_text())
        if note:
            data["output"] = f"{note}\n\n{data['output']}"
        data["execution_time"] = round(
            time.monotonic() - started, 2
        )  # seconds, as Gradescope shows it
        (results / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        shutil.rmtree(out, ignore_errors=True)
    return status


# ----------------------------------------------------------------------------- command line


def add_zip_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Build a Gradescope autograder zip (setup.sh, run_autograder, the nnlib source and its "
        "requirements). Upload it as the assignment's autograder; students submit their notebook."
    )
    p.add_argument(
        "--out",
        default="autograder.zip",
        type=Path,
        help="the zip to write (default: autograder.zip)",
    )
    p.add_argument(
        "--assignment",
        default=None,
        help="the notebook graded, e.g. 07_activations (default: detected per submission)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the hidden cases (default: the assignment's, from course.py)",
    )
    p.add_argument(
        "--hidden-visibility",
        choices=VISIBILITIES,
        default="after_due_date",
        help="when students see the hidden-case tests (default: after_due_date)",
    )
    p.add_argument(
        "--timeout", type=float, default=None, help="seconds per cell and per call (default: 10)"
    )
    p.add_argument(
        "--memory", type=int, default=1024, help="memory limit of the child in MB (default: 1024)"
    )


def run_zip_command(args) -> int:
    try:
        path = build_zip(
            args.out,
            assignment=args.assignment,
            seed=args.seed,
            timeout=args.timeout,
            memory=args.memory,
            hidden_visibility=args.hidden_visibility,
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the Gradescope autograder")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnlib.grading.autograder.gradescope",
        description="Entry point of run_autograder inside Gradescope.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="grade $ROOT/submission into $ROOT/results/results.json")
    p.add_argument(
        "--root", default="/autograder", help="the autograder root (default: /autograder)"
    )
    args = parser.parse_args(argv)
    return run(args.root)


if __name__ == "__main__":
    sys.exit(main())
