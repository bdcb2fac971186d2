"""Command line: ``python -m nnlib.grading <command>``.

Commands are registered in :data:`COMMANDS` as ``name -> (add_arguments, run)`` so that others
(``grade``, ``gradescope-zip``) can be added without touching the existing ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _add_release(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--solutions", default="solutions", help="folder of solution notebooks (default: solutions)"
    )
    p.add_argument("--exercises", default="exercises", help="folder to write (default: exercises)")
    p.add_argument(
        "--check", action="store_true", help="only report stale exercises; exit 1 if any"
    )


def _run_release(args) -> int:
    from .authoring.release import MarkerError, release

    try:
        changed = release(args.solutions, args.exercises, check_only=args.check)
    except (MarkerError, FileNotFoundError) as exc:
        print(exc if str(exc).startswith("release") else f"release: {exc}", file=sys.stderr)
        return 2
    verb = "stale" if args.check else "wrote"
    for path in changed:
        print(f"{verb} {path}")
    if not changed:
        print(f"{args.exercises} is up to date")
    return 1 if (args.check and changed) else 0


def _add_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--notebook", help="only this notebook, e.g. 07_activations")


def _run_list(args) -> int:
    from .student.registry import all_exercises

    rows = [ex for ex in all_exercises() if not args.notebook or ex.notebook == args.notebook]
    for ex in rows:
        print(
            f"{ex.notebook:<28} {ex.id:<32} {ex.points:>4g} pt  {len(ex.public_cases())} public, "
            f"{len(ex.hidden_cases())} hidden"
        )
    print(f"{len(rows)} exercises, {sum(ex.points for ex in rows):g} points")
    return 0


def _add_book(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--instructor", action="store_true", help="include the solutions (into _build/instructor)"
    )
    p.add_argument("--root", default=".", help="the book's root folder (default: .)")
    p.add_argument(
        "--dry-run", action="store_true", help="write the instructor _toc/_config, do not build"
    )


def _run_book(args) -> int:
    from .authoring.book import build_instructor

    if not args.instructor:
        print(
            "book: only --instructor is handled here; the public book is `make book`",
            file=sys.stderr,
        )
        return 2
    return build_instructor(Path(args.root), dry_run=args.dry_run)


def _add_grade(p: argparse.ArgumentParser) -> None:
    from .autograder.grader import add_arguments

    add_arguments(p)


def _run_grade(args) -> int:
    from .autograder.grader import run_command

    return run_command(args)


def _add_gradescope_zip(p: argparse.ArgumentParser) -> None:
    from .autograder.gradescope import add_zip_arguments

    add_zip_arguments(p)


def _run_gradescope_zip(args) -> int:
    from .autograder.gradescope import run_zip_command

    return run_zip_command(args)


def _add_merge(p: argparse.ArgumentParser) -> None:
    from .autograder.merge import add_arguments

    add_arguments(p)


def _run_merge(args) -> int:
    from .autograder.merge import run_command

    return run_command(args)


COMMANDS = {
    "release": (_add_release, _run_release, "write exercises/ from solutions/"),
    "list": (_add_list, _run_list, "list the graded functions"),
    "book": (_add_book, _run_book, "build the instructor's book (with solutions)"),
    "grade": (
        _add_grade,
        _run_grade,
        "grade submitted notebooks in a sandbox (gradebook, feedback, Gradescope)",
    ),
    "merge": (
        _add_merge,
        _run_merge,
        "merge the outputs of `grade --shard k/N` into one (byte-identical)",
    ),
    "gradescope-zip": (
        _add_gradescope_zip,
        _run_gradescope_zip,
        "build a Gradescope autograder zip",
    ),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnlib.grading", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (add_arguments, run, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(run=run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
