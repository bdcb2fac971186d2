"""Finish a sharded batch: ``python -m nnlib.grading merge OUT_1 ... OUT_N --out OUT``.

Each shard (``grade ... --shard k/N --out OUT_k``, e.g. one task of a Slurm job array or one pod of a
Kubernetes Indexed Job) wrote its students' folders and a ``shard.json`` holding the batch's plan
(every file found, whose it is, which assignment, the roster). Merging checks that the N shards
come from one batch (the same plan, each k from 1 to N exactly once), copies the students' files
and writes the batch's files with the same :func:`~.grader.finish` as an unsharded run: the output
is byte for byte what one run on one machine writes (``timings.json`` aside).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .finish import finish
from .grader import SHARD_FILE
from .plan import Plan
from .reports import FILES, write_atomic


class MergeError(ValueError):
    """The folders given are not the N shards of one batch."""


def _manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / SHARD_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MergeError(
            f"merge: {folder} has no {SHARD_FILE}: is it the --out of a `grade --shard k/N` run "
            "that finished?"
        ) from None
    except (OSError, ValueError) as exc:
        raise MergeError(f"merge: cannot read {folder / SHARD_FILE} ({exc})") from None
    keys = {"shard", "plan", "students", "failed"}
    if not isinstance(data, dict) or data.get("format") != 1 or not keys <= set(data):
        raise MergeError(
            f"merge: {folder / SHARD_FILE} is not a shard manifest of this grader version"
        )
    return data


def check_shards(manifests: list[tuple[Path, dict]]) -> int:
    """N, after checking the manifests are shards 1..N of one batch."""
    first_dir, first = manifests[0]
    n = first["shard"][1]
    for folder, m in manifests[1:]:
        if m["plan"] != first["plan"]:
            raise MergeError(
                f"merge: {folder} and {first_dir} were not graded from the same files and settings "
                "(their plans differ): run every shard with the same command and folder"
            )
        if m["shard"][1] != n:
            raise MergeError(f"merge: {folder} is a shard of {m['shard'][1]}, {first_dir} of {n}")
    ks = sorted(m["shard"][0] for _, m in manifests)
    missing = sorted(set(range(1, n + 1)) - set(ks))
    twice = sorted({k for k in ks if ks.count(k) > 1})
    if missing or twice:
        raise MergeError(
            f"merge: expected shards 1..{n} once each; "
            + "; ".join(
                filter(
                    None,
                    [
                        f"missing {missing}" if missing else "",
                        f"given twice {twice}" if twice else "",
                    ],
                )
            )
        )
    return n


def merge(shards: list[str | Path], out: str | Path) -> int:
    """Merge the shard folders into ``out``; returns the exit status (1 if some student was not graded)."""
    out = Path(out)
    folders = [Path(s) for s in shards]
    if any(f.resolve() == out.resolve() for f in folders):
        raise MergeError("merge: --out must be a new folder, not one of the shards")
    manifests = [(f, _manifest(f)) for f in folders]
    check_shards(manifests)
    out.mkdir(parents=True, exist_ok=True)
    failed, timings = {}, {}
    for folder, m in manifests:
        failed.update(m["failed"])
        for student in m["students"]:
            if student in m["failed"]:
                continue
            (out / student).mkdir(exist_ok=True)
            for name in FILES:  # report.json last, as when grading
                source = folder / student / name
                if not source.exists():
                    raise MergeError(
                        f"merge: {source} is missing: shard {m['shard'][0]} did not finish"
                    )
                write_atomic(out / student / name, source.read_bytes())
        try:
            timings.update(json.loads((folder / "timings.json").read_text()))
        except (OSError, ValueError):
            pass
    plan = Plan(**manifests[0][1]["plan"])
    finish(out, plan, failed)
    write_atomic(out / "timings.json", json.dumps(dict(sorted(timings.items())), indent=1))
    graded = len(plan.students) - len(failed)
    print(
        f"merged {len(manifests)} shards into {out}: {graded} students graded, {len(failed)} not graded"
    )
    for student, why in sorted(failed.items()):
        print(f"NOT GRADED {student}: {why}", file=sys.stderr)
    return 1 if failed else 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Merge the output folders of `grade --shard k/N` (k = 1..N) into one, byte for byte what "
        "one unsharded run writes."
    )
    p.add_argument("shards", nargs="+", metavar="OUT_k", help="the --out folder of every shard")
    p.add_argument("--out", required=True, type=Path, help="the merged output folder")


def run_command(args) -> int:
    try:
        return merge(args.shards, args.out)
    except MergeError as exc:
        print(exc, file=sys.stderr)
        return 2
