"""Past one machine: shards graded by separate processes (through the Slurm and Kubernetes examples)
merge into exactly the bytes of one unsharded run; merge refuses sets of shards that do not fit."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nnlib.grading.__main__ import main
from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.intake import in_shard

ROOT = Path(__file__).resolve().parents[1]


def _solved(notebook: str) -> list[str]:
    """The solution's code cells without its demo cells (they train models: slow, and not graded)."""
    return [
        c
        for c in code_sources(ROOT / "solutions" / f"{notebook}.ipynb")
        if "substitute(" not in c and "compare(" not in c
    ]


CLI = [sys.executable, "-m", "nnlib.grading"]
SOLVED_03 = _solved("03_ml_vs_map")
FIRST_03 = SOLVED_03[: next(i for i, c in enumerate(SOLVED_03) if "def " in c) + 1]  # 1 of 7 points
ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Lab\n    Points Possible,,,,,7,\n"
    '"Doe, Jane",4242,S1,jdoe,A,\n"Ek, Bo",4243,S2,boek,A,\n"Fox, Al",4244,S3,afox,A,\n'
)


def _files(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "timings.json"
    }


def _messy_class(folder: Path) -> Path:
    """Eight files: right, partial and wrong answers, a duplicate, another assignment, two unreadable."""

    def nb(name, cells, mtime=None):
        path = folder / name
        path.write_text(json.dumps(make_notebook(cells)), encoding="utf-8")
        if mtime:
            os.utime(path, ns=(mtime, mtime))

    folder.mkdir(parents=True)
    nb("doejane_4242_77_lab.ipynb", SOLVED_03)
    nb("boek.ipynb", FIRST_03)
    nb(
        "Ana María.ipynb",
        SOLVED_03 + ["def soft_threshold(w, lam):\n    return -w"],
        mtime=2 * 10**18,
    )
    nb("Ana_María.ipynb", SOLVED_03, mtime=10**18)
    nb("cid.ipynb", _solved("07_activations"))
    nb("dan.ipynb", SOLVED_03 + ["raise KeyError('oops')"])
    (folder / "eve.ipynb").write_text("{" * 50_000)
    (folder / "fay.py").write_bytes(b"\xff\xfe\x00")
    return folder


def test_shards_in_separate_processes_merge_to_the_bytes_of_one_run(tmp_path):
    subs = _messy_class(tmp_path / "subs")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    whole = tmp_path / "whole"
    done = subprocess.run(
        CLI + ["grade", str(subs), "--out", str(whole), "--roster", str(roster), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "SHARDS": str(tmp_path / "shards"),
        "OUT": str(tmp_path / "merged"),
        "SLURM_ARRAY_TASK_COUNT": "3",
        "SLURM_CPUS_PER_TASK": "1",
        "GRADE_ARGS": f"--roster {roster}",
    }
    tasks = [
        subprocess.Popen(
            ["bash", str(ROOT / "deploy/slurm/grade.sbatch"), str(subs)],
            env={**env, "SLURM_ARRAY_TASK_ID": str(k)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in (3, 1, 2)
    ]
    for task in tasks:
        _, err = task.communicate(timeout=300)
        assert task.returncode == 0, err
    shard_students = [
        json.loads((tmp_path / "shards" / str(k) / "shard.json").read_text())["students"]
        for k in (1, 2, 3)
    ]
    assert all(shard_students) and sorted(sum(shard_students, [])) == sorted(
        p.name for p in whole.iterdir() if p.is_dir()
    )  # every student in exactly one shard
    assert not (tmp_path / "shards" / "1" / "gradebook.csv").exists()  # shards do not finish alone
    merged = subprocess.run(
        ["bash", str(ROOT / "deploy/slurm/merge.sbatch")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert merged.returncode == 0, merged.stderr
    assert _files(tmp_path / "merged") == _files(whole)
    names = set(_files(whole))
    assert {
        "gradebook.csv",
        "gradebook-07_activations.csv",
        "canvas.csv",
        "roster-report.csv",
        "submissions.csv",
    } <= names and "shard.json" not in names
    with open(whole / "gradebook.csv", newline="") as fh:
        status = {r["student"]: r["status"] for r in csv.DictReader(fh)}
    assert status == {
        "Ana_María": "ok",
        "boek": "ok",
        "dan": "errors",
        "doejane_4242": "ok",
        "eve": "rejected",
        "fay": "rejected",
        "Fox__Al": "not submitted",
    }


def _unreadable_class(folder: Path, names) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        (folder / f"{name}.ipynb").write_text("not json")
    return folder


def test_the_kubernetes_indexed_job_runs_its_shards_and_merges(tmp_path):
    job = yaml.safe_load((ROOT / "deploy/k8s/grade-job.yaml").read_text())
    spec, container = job["spec"], job["spec"]["template"]["spec"]["containers"][0]
    assert (
        spec["completionMode"] == "Indexed"
        and job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    )
    env = {e["name"]: e["value"] for e in container["env"]}
    n = spec["completions"]
    assert int(env["SHARD_COUNT"]) == n == spec["parallelism"]
    merge_job = yaml.safe_load((ROOT / "deploy/k8s/merge-job.yaml").read_text())
    merge_cmd = merge_job["spec"]["template"]["spec"]["containers"][0]
    subs = _unreadable_class(tmp_path / "data" / "submissions", [f"s{i:02d}" for i in range(10)])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" "$@"\n'
    )  # the image's `python`
    (bin_dir / "python").chmod(0o755)
    n = 2  # two pods are enough to exercise the command (and keep the test short)
    base = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        **env,
        "SHARD_COUNT": str(n),
        "SUBMISSIONS": str(subs),
        "SHARDS": str(tmp_path / "data" / "shards"),
    }
    for index in range(n):
        done = subprocess.run(
            [*container["command"], *container["args"]],
            capture_output=True,
            text=True,
            env={**base, "JOB_COMPLETION_INDEX": str(index)},
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    merge_env = {
        **base,
        **{e["name"]: e["value"] for e in merge_cmd["env"]},
        "SHARDS": str(tmp_path / "data" / "shards"),
        "OUT": str(tmp_path / "data" / "grades"),
    }
    done = subprocess.run(
        [*merge_cmd["command"], *merge_cmd["args"]],
        env=merge_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert main(["grade", str(subs), "--out", str(tmp_path / "whole"), "--no-progress"]) == 0
    assert _files(tmp_path / "data" / "grades") == _files(tmp_path / "whole")


def test_merge_refuses_shards_that_are_not_one_whole_batch(tmp_path, capsys):
    a = _unreadable_class(tmp_path / "a", ["ann", "ben", "col"])
    b = _unreadable_class(tmp_path / "b", ["ann", "ben", "zed"])
    for k in (1, 2):
        assert (
            main(
                [
                    "grade",
                    str(a),
                    "--out",
                    str(tmp_path / f"a{k}"),
                    "--shard",
                    f"{k}/2",
                    "--no-progress",
                ]
            )
            == 0
        )
    assert (
        main(["grade", str(b), "--out", str(tmp_path / "b2"), "--shard", "2/2", "--no-progress"])
        == 0
    )
    assert (
        main(["grade", str(a), "--out", str(tmp_path / "a1of3"), "--shard", "1/3", "--no-progress"])
        == 0
    )
    assert (
        main(
            [
                "grade",
                str(a),
                "--out",
                str(tmp_path / "a2t"),
                "--shard",
                "2/2",
                "--timeout",
                "3",
                "--no-progress",
            ]
        )
        == 0
    )
    (tmp_path / "plain").mkdir()
    cases = [
        (["a1"], "missing [2]"),
        (["a1", "a1", "a2"], "given twice [1]"),
        (["a1", "b2"], "not graded from the same files"),
        (["a1", "a2t"], "not graded from the same files"),
        (["a1", "a1of3"], "is a shard of 3"),
        (["a1", "plain"], "has no shard.json"),
    ]
    for folders, words in cases:
        assert (
            main(["merge", *[str(tmp_path / f) for f in folders], "--out", str(tmp_path / "m")])
            == 2
        ), folders
        assert words in capsys.readouterr().err, folders
    assert not (tmp_path / "m").exists()
    assert (
        main(["merge", str(tmp_path / "a2"), str(tmp_path / "a1"), "--out", str(tmp_path / "m")])
        == 0
    )
    assert main(["grade", str(a), "--out", str(tmp_path / "whole"), "--no-progress"]) == 0
    assert _files(tmp_path / "m") == _files(tmp_path / "whole")


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20])
def test_shards_partition_the_students(n):
    students = [f"s{i}" for i in range(13)][::-1]
    slices = [in_shard(students, k, n) for k in range(1, n + 1)]
    assert set().union(*slices) == set(students) and sum(map(len, slices)) == len(students)
    assert max(map(len, slices)) - min(map(len, slices)) <= 1
