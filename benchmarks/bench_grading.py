"""Throughput of the sandboxed grader against the floor of kernel-based graders.

nbgrader and otter-grader execute each submitted notebook in a Jupyter kernel before they run any
test, so executing the notebooks with nbclient is a lower bound on their time (the *floor*). This
script generates N submissions (default 50: 60 % correct, 24 % wrong, 16 % hostile) from the
solution notebooks, then times, on ``--jobs`` workers:

* ``grader``: ``python -m nnlib.grading grade`` (in-process ``grader.run``): sandbox, every public
  and hidden case, reports;
* ``nbclient floor``: ``NotebookClient(nb, timeout=T, allow_errors=True).execute()`` per notebook.

It also measures the grader's fixed costs: an empty sandboxed child (bwrap + Python + NumPy), one
call round trip, and the grader process's own CPU time per submission. Run by hand::

    .venv/bin/python benchmarks/bench_grading.py [--n 50] [--jobs 2] [--skip-floor]
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

FLOOR_MEMORY = 4 << 30  # address-space limit of the floor's kernels (the grader's children get 1 GB)
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
        if slot in (3, 9, 15, 21):            # 16 %: hostile
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
        run([folder], Settings(out=out, limits=Limits(timeout=timeout), jobs=jobs, progress=False, force=True))
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
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": cwd}}).execute()
    except Exception:  # a dead kernel or a cell timeout ends that notebook, as it would a grader's run
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
    with tempfile.TemporaryDirectory() as cwd, \
            ProcessPoolExecutor(max_workers=jobs, initializer=_floor_worker_init) as pool:
        times = list(pool.map(_execute, [(str(p), timeout, cwd) for p in paths]))
    return time.perf_counter() - start, {p.stem: t for p, t in zip(paths, times)}


def fixed_costs(repeats: int = 7) -> dict[str, float]:
    """Median seconds: an empty sandboxed child until ready; one call round trip."""
    from nnlib.grading.autograder.convert import read_submission
    from nnlib.grading.autograder.sandbox import Child, Limits, isolation
    from nnlib.grading.autograder.scoring import Session
    from nnlib.grading.student.registry import get
    iso = isolation()
    starts, calls = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.ipynb"
        path.write_text(json.dumps(make_notebook(["import numpy as np",
                                                  "def relu_backward(dout, x):\n    return dout * (x > 0)"])))
        sub = read_submission(path)
        ex = get("relu_backward")
        case = ex.public_cases()[0]
        for _ in range(repeats):
            t = time.perf_counter()
            child = Child([], Limits(), iso)
            child.receive(60)
            starts.append(time.perf_counter() - t)
            child.close()
            session = Session(sub, Limits(), iso, [])
            session.ensure()
            t = time.perf_counter()
            for _ in range(20):
                session.call(ex, case, 10)
            calls.append((time.perf_counter() - t) / 20)
            session.close()
    return {"isolation": iso.name, "child start": statistics.median(starts), "call": statistics.median(calls)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="number of submissions (default 50)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers for both (default 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call / per cell (default 10)")
    parser.add_argument("--skip-floor", action="store_true", help="time the grader only")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        folder, out = Path(tmp) / "subs", Path(tmp) / "out"
        folder.mkdir()
        kinds = generate(folder, args.n)
        mix = {k: sum(v == k for v in kinds.values()) for k in ("correct", "wrong")}
        mix["hostile"] = args.n - mix["correct"] - mix["wrong"]
        print(f"{args.n} submissions ({mix['correct']} correct, {mix['wrong']} wrong, {mix['hostile']} hostile: "
              f"{', '.join(sorted(set(HOSTILE)))}); {args.jobs} workers; timeout {args.timeout:g} s")
        costs = fixed_costs()
        wall, cpu = run_grader(folder, out, args.jobs, args.timeout)
        ours = json.loads((out / "timings.json").read_text())
        floor, theirs = (None, {}) if args.skip_floor else run_floor(folder, args.jobs, max(args.timeout * 6, 60.0))
    correct = [k for k, v in kinds.items() if v == "correct"]

    def median_correct(times):
        return f"{statistics.median(times[k] for k in correct):.2f}" if times else "-"

    rows = [("method", "wall (s)", "submissions/s", "speed-up", "median s, correct one")]
    rows.append(("grader (sandboxed, all cases)", f"{wall:.1f}", f"{args.n / wall:.2f}",
                 f"{floor / wall:.1f}x" if floor else "-", median_correct(ours)))
    if floor:
        rows.append(("nbclient floor (execute only)", f"{floor:.1f}", f"{args.n / floor:.2f}", "1.0x",
                     median_correct(theirs)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print("\n| " + " | ".join(c.ljust(w) for c, w in zip(rows[0], widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    print(f"\ngrader overhead per submission ({costs['isolation']}): empty sandboxed child ready in "
          f"{costs['child start'] * 1000:.0f} ms, one call round trip {costs['call'] * 1000:.2f} ms, grader "
          f"process CPU {cpu / args.n * 1000:.0f} ms; wall per submission per worker {wall * args.jobs / args.n:.2f} s "
          f"(including the hostile ones' timeouts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
