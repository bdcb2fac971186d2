"""Throughput of the sandboxed grader against the floor of kernel-based graders.

nbgrader and otter-grader execute each submitted notebook in a Jupyter kernel before they run any
test, so executing the notebooks with nbclient is a lower bound on their time (the *floor*). This
script generates N submissions (default 50: 60 % correct, 24 % wrong, 16 % hostile) from the
solution notebooks, then times, on ``--jobs`` workers:

* ``grader``: ``python -m nnlib.grading grade`` (in-process ``grader.run``): sandbox, every public
  and hidden case, reports;
* ``nbclient floor``: ``NotebookClient(nb, timeout=T, allow_errors=True).execute()`` per notebook.

It also measures the grader's fixed costs: an empty sandboxed child (bwrap + Python + NumPy, in
its cgroup, with the grading copy of nnlib), one call round trip, and the grader process's own CPU
time per submission; and how much a hog slows its neighbours (``--neighbours``): K honest
submissions graded one after another beside a submission that spins 8 processes (CPU hog) or keeps
840 MB busy across 3 processes (memory hog), against the mean of the same run alone just before and
after; the ratio is the slow-down.
``--batch N`` grades N generated submissions on ``--jobs`` workers (no floor). Run by hand::

    .venv/bin/python benchmarks/bench_grading.py [--n 50] [--jobs 2] [--skip-floor] [--neighbours 6] [--batch 200]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnlib.grading.autograder.convert import code_sources, make_notebook  # noqa: E402
from nnlib.grading.student.registry import by_notebook, notebooks  # noqa: E402

FLOOR_MEMORY = (
    4 << 30
)  # address-space limit of the floor's kernels (the grader's children get 1 GB)
HOSTILE = {  # first graded function's body -> an attack (the floor meets the same code)
    "infinite loop": "    while True:\n        pass\n",
    "os._exit": "    import os\n    os._exit(1)\n",
    "memory bomb": "    hog = []\n    while True:\n        hog.append(bytearray(25 * 10**7))\n",
    "sys.exit": "    import sys\n    sys.exit(0)\n",
}


def _replace_body(source: str, body: str) -> str:
    head, found, rest = source.partition("### BEGIN SOLUTION")
    _, _, tail = rest.partition("### END SOLUTION")
    return head.rstrip(" ") + body + tail.lstrip("\n") if found else source


def generate(folder: Path, n: int) -> dict[str, str]:
    """Write ``n`` submissions into ``folder``; returns name -> kind."""
    kinds, names = {}, notebooks()
    attacks = list(HOSTILE)
    for i in range(n):
        nb = names[i % len(names)]
        cells = code_sources(ROOT / "solutions" / f"{nb}.ipynb")
        first = by_notebook(nb)[0].id
        slot = i % 25
        if slot in (3, 9, 15, 21):  # 16 %: hostile
            kind = attacks[(i // 25 * 4 + slot // 6) % len(attacks)]
            body = HOSTILE[kind]
        elif slot in (1, 6, 11, 17, 23, 24):  # 24 %: wrong
            kind, body = "wrong", "    return None\n"
        else:
            kind, body = "correct", None
        if body:
            cells = [_replace_body(c, body) if c.startswith(f"def {first}(") else c for c in cells]
        name = f"s{i:03d}_{nb}"
        (folder / f"{name}.ipynb").write_text(json.dumps(make_notebook(cells)))
        kinds[name] = kind
    return kinds


def run_grader(folder: Path, out: Path, jobs: int, timeout: float) -> tuple[float, float]:
    from nnlib.grading.autograder.grader import Settings, run
    from nnlib.grading.autograder.sandbox import Limits

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the per-student summary table
        run(
            [folder],
            Settings(
                out=out, limits=Limits(timeout=timeout), jobs=jobs, progress=False, force=True
            ),
        )
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    return wall, (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)


def _execute(args) -> float:
    path, timeout, cwd = args
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": cwd}},
        ).execute()
    except (
        Exception
    ):  # a dead kernel or a cell timeout ends that notebook, as it would a grader's run
        pass
    return time.perf_counter() - start


def _floor_worker_init() -> None:
    # The kernels inherit these: a memory bomb must not take the machine down, and kernels are noisy.
    resource.setrlimit(resource.RLIMIT_AS, (FLOOR_MEMORY, FLOOR_MEMORY))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


def run_floor(folder: Path, jobs: int, timeout: float) -> tuple[float, dict[str, float]]:
    paths = sorted(folder.glob("*.ipynb"))
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as cwd,
        ProcessPoolExecutor(max_workers=jobs, initializer=_floor_worker_init) as pool,
    ):
        times = list(pool.map(_execute, [(str(p), timeout, cwd) for p in paths]))
    return time.perf_counter() - start, {p.stem: t for p, t in zip(paths, times)}


def fixed_costs(repeats: int = 7) -> dict[str, float]:
    """Median seconds: an empty sandboxed child until ready; one call round trip."""
    from nnlib.grading.autograder import budget, standins
    from nnlib.grading.autograder.convert import read_submission
    from nnlib.grading.autograder.sandbox import Child, Limits, isolation
    from nnlib.grading.autograder.scoring import Session
    from nnlib.grading.student.registry import get

    iso = isolation()
    starts, calls = [], []
    ex = get("relu_backward")
    copy = standins.build([ex])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.ipynb"
        path.write_text(
            json.dumps(
                make_notebook(
                    ["import numpy as np", "def relu_backward(dout, x):\n    return dout * (x > 0)"]
                )
            )
        )
        sub = read_submission(path)
        case = ex.public_cases()[0]
        for _ in range(repeats):
            group = budget.Group(1024, 32, kind=iso.budget)
            t = time.perf_counter()
            child = Child([], Limits(), iso, group=group, grading_copy=copy)
            child.receive(60)
            starts.append(time.perf_counter() - t)
            child.close()
            group.close()
            session = Session(sub, Limits(), iso, [], [ex])
            session.ensure()
            t = time.perf_counter()
            for _ in range(20):
                session.call(ex, case, 10)
            calls.append((time.perf_counter() - t) / 20)
            session.close()
    return {
        "isolation": iso.name,
        "budget": iso.budget,
        "child start": statistics.median(starts),
        "call": statistics.median(calls),
    }


HOGS = {  # relu_backward of a chapter-7 submission that keeps a neighbour's cores or memory busy,
    # within its budgets (a submission over them is stopped at once: see tests/test_grader_isolation.py)
    "CPU hog": "    import os, time\n    for _ in range(8):\n        if os.fork() == 0:\n"
    "            end = time.time() + {s}\n            while time.time() < end:\n                pass\n"
    "            os._exit(0)\n    time.sleep({s})\n",
    "memory hog": "    import os, time\n    import numpy as np\n    for _ in range(3):\n        if os.fork() == 0:\n"
    "            a = np.zeros(280 << 17)\n            end = time.time() + {s}\n"
    "            while time.time() < end:\n                a += 1.0\n            os._exit(0)\n"
    "    time.sleep({s})\n",
}


def neighbour_ratios(k: int, hog_seconds: float = 25.0) -> dict[str, float]:
    """Seconds to grade ``k`` honest submissions one by one beside each hog, and the ratio to the mean of
    the same run alone just before and just after (the shared machine's load drifts)."""
    from concurrent.futures import ThreadPoolExecutor

    from nnlib.grading.autograder.convert import read_submission
    from nnlib.grading.autograder.sandbox import Limits, isolation
    from nnlib.grading.autograder.scoring import References, grade_submission

    iso, refs, exercises = isolation(), References(), by_notebook("07_activations")
    cells = code_sources(ROOT / "solutions" / "07_activations.ipynb")
    cells = [c for c in cells if "with substitute(" not in c]
    with tempfile.TemporaryDirectory() as tmp:
        honest = Path(tmp) / "honest.ipynb"
        honest.write_text(json.dumps(make_notebook(cells)))
        sub = read_submission(honest)

        def grade(s, limits=Limits()):  # noqa: B008
            return grade_submission(s, exercises, seed=0, limits=limits, iso=iso, refs=refs)

        def honest_run() -> float:
            start = time.perf_counter()
            for _ in range(k):
                grade(sub)
            return time.perf_counter() - start

        honest_run()  # warm: references computed, the grading copy built
        alone = [honest_run()]
        times = {}
        for name, body in HOGS.items():
            path = Path(tmp) / f"{name.replace(' ', '_')}.ipynb"
            hog_cells = [
                ("def relu_backward(dout, x):\n" + body.format(s=hog_seconds))
                if c.startswith("def relu_backward")
                else c
                for c in cells
            ]
            path.write_text(json.dumps(make_notebook(hog_cells)))
            hog = read_submission(path)
            with ThreadPoolExecutor(1) as pool:
                running = pool.submit(grade, hog, Limits(timeout=hog_seconds + 10, cpu_s=10_000))
                time.sleep(2.0)  # the hog is up
                times[name] = honest_run()
                running.result()
            alone.append(honest_run())
            times[f"{name} ratio"] = times[name] / statistics.mean(alone[-2:])
    return {"alone": statistics.mean(alone), **times}


def run_batch(n: int, jobs: int, timeout: float) -> tuple[float, float]:
    """Wall seconds for ``n`` generated submissions, and the CPU seconds they took: the grader's own and
    its sandboxes' (from their cgroups; 0 without cgroups)."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder, out = Path(tmp) / "subs", Path(tmp) / "out"
        folder.mkdir()
        generate(folder, n)
        from nnlib.grading.autograder.budget import Group

        before = Group.closed_cpu_seconds
        wall, own_cpu = run_grader(folder, out, jobs, timeout)
    return wall, own_cpu + Group.closed_cpu_seconds - before


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="number of submissions (default 50)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers for both (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per call / per cell (default 10)"
    )
    parser.add_argument("--skip-floor", action="store_true", help="time the grader only")
    parser.add_argument(
        "--neighbours",
        type=int,
        default=0,
        metavar="K",
        help="also time K honest submissions alone and beside a CPU and a memory hog",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        metavar="N",
        help="also grade a batch of N generated submissions on --jobs workers",
    )
    parser.add_argument("--only-extras", action="store_true", help="skip the floor comparison")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if args.neighbours:
        r = neighbour_ratios(args.neighbours)
        print(
            f"{args.neighbours} honest submissions one by one: alone {r['alone']:.1f} s, beside a CPU hog "
            f"{r['CPU hog']:.1f} s (ratio {r['CPU hog ratio']:.2f}), beside a memory hog {r['memory hog']:.1f} s "
            f"(ratio {r['memory hog ratio']:.2f}); target: ratios <= 1.5"
        )
    if args.batch:
        wall, cpu = run_batch(args.batch, args.jobs, args.timeout)
        print(
            f"batch of {args.batch} on {args.jobs} workers: {wall:.1f} s, {wall / args.batch:.2f} s per "
            f"submission; 1,000 would take {wall / args.batch * 1000 / 60:.1f} min at this rate. CPU "
            f"{cpu / args.batch:.2f} s per submission (grader and sandboxes): on {args.jobs} cores of its own, "
            f"1,000 would need {cpu / args.batch * 1000 / args.jobs / 60:.1f} min of CPU per core"
        )
    if args.only_extras:
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        folder, out = Path(tmp) / "subs", Path(tmp) / "out"
        folder.mkdir()
        kinds = generate(folder, args.n)
        mix = {k: sum(v == k for v in kinds.values()) for k in ("correct", "wrong")}
        mix["hostile"] = args.n - mix["correct"] - mix["wrong"]
        print(
            f"{args.n} submissions ({mix['correct']} correct, {mix['wrong']} wrong, {mix['hostile']} hostile: "
            f"{', '.join(sorted(set(HOSTILE)))}); {args.jobs} workers; timeout {args.timeout:g} s"
        )
        costs = fixed_costs()
        wall, cpu = run_grader(folder, out, args.jobs, args.timeout)
        ours = json.loads((out / "timings.json").read_text())
        floor, theirs = (
            (None, {})
            if args.skip_floor
            else run_floor(folder, args.jobs, max(args.timeout * 6, 60.0))
        )
    correct = [k for k, v in kinds.items() if v == "correct"]

    def median_correct(times):
        return f"{statistics.median(times[k] for k in correct):.2f}" if times else "-"

    rows = [("method", "wall (s)", "submissions/s", "speed-up", "median s, correct one")]
    rows.append(
        (
            "grader (sandboxed, all cases)",
            f"{wall:.1f}",
            f"{args.n / wall:.2f}",
            f"{floor / wall:.1f}x" if floor else "-",
            median_correct(ours),
        )
    )
    if floor:
        rows.append(
            (
                "nbclient floor (execute only)",
                f"{floor:.1f}",
                f"{args.n / floor:.2f}",
                "1.0x",
                median_correct(theirs),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print("\n| " + " | ".join(c.ljust(w) for c, w in zip(rows[0], widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    print(
        f"\ngrader overhead per submission ({costs['isolation']}, budgets: {costs['budget']}): empty sandboxed "
        f"child ready in "
        f"{costs['child start'] * 1000:.0f} ms, one call round trip {costs['call'] * 1000:.2f} ms, grader "
        f"process CPU {cpu / args.n * 1000:.0f} ms; wall per submission per worker {wall * args.jobs / args.n:.2f} s "
        f"(including the hostile ones' timeouts)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
