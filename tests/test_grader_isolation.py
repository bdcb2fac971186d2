"""The sandbox's isolation and budgets, attacked by submissions of their own (issue 11, items 1 and 2).

Each attack sits in ``relu_backward`` of the chapter-7 notebook (8 points, relu_backward 1). An
attack that must *fail* to do harm (read the host, write past the cap, hold memory across processes,
use more than one CPU) returns the right answer only if it failed, so a contained attack scores 8.
Use of nnlib's answer, or memory beyond the budget across processes (they stall at the limit and
the grader ends them), scores 7 (relu_backward 0) with the reason; budgets that run out cost
exactly what they say.
"""

import ast
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nnlib.grading.autograder import budget, standins
from nnlib.grading.autograder.convert import code_sources, make_notebook, read_submission
from nnlib.grading.autograder.sandbox import Isolation, Limits, _needed, isolation
from nnlib.grading.autograder.scoring import References, grade_submission
from nnlib.grading.student.registry import by_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "07_activations.ipynb"
EXERCISES = by_notebook("07_activations")
FULL = 8.0
# top-level folders the sandbox creates to bind the Python runtime (/work, /root, /check ...)
_RUNTIME_TOPS = sorted(
    {Path(p).parts[1] for p in _needed() if len(Path(p).parts) > 1} - {"usr", "tmp"}
)
RIGHT = "dout * (x > 0)"
MARKER = "4243.5"  # argv of a process that tries to outlive its submission

pytestmark = pytest.mark.skipif(
    isolation().name != "bwrap", reason="needs bubblewrap (make test installs it)"
)


def _cells(relu_body=None, extra=()):
    cells = [c for c in code_sources(SOLUTION) if "with substitute(" not in c]
    if relu_body is not None:
        cells = [
            ("def relu_backward(dout, x):\n" + relu_body)
            if c.startswith("def relu_backward")
            else c
            for c in cells
        ]
    return cells + list(extra)


def _only_if(condition: str, setup: str = "") -> str:
    """A relu_backward body that is right only if ``condition`` holds after ``setup`` ran."""
    return (
        "".join(f"    {line}\n" for line in setup.splitlines())
        + f"    return {RIGHT} if {condition} else None\n"
    )


ATTACKS = {
    # --- the filesystem: only the runtime and a tmpfs -------------------------------------------
    "reads_host_files": (
        _only_if(
            "not found",
            f"""import os
found = []
for p in ['/etc/passwd', '/etc/hostname', '/etc/resolv.conf', {str(SOLUTION)!r}, {str(ROOT / "Makefile")!r},
          os.path.expanduser('~root/.bashrc'), '/home', '/work/wt', '/root/.cache', '/var', '/opt', '/mnt', '/srv']:
    try:
        found.append(os.listdir(p) if os.path.isdir(p) else open(p).read(1))
    except OSError:
        pass
found = [f for f in found if f]""",
        ),
        FULL,
        None,
    ),
    "lists_the_root": (
        _only_if(
            "not extra",
            f"""import os
runtime = {_RUNTIME_TOPS!r}
allowed = {{'usr', 'lib', 'lib64', 'lib32', 'libx32', 'bin', 'sbin', 'etc', 'tmp', 'proc', 'dev', 'grader'}}
extra = set(os.listdir('/')) - allowed - set(runtime)
extra |= set(os.listdir('/etc')) - {{'ld.so.cache'}}
extra |= {{p for p in runtime if os.path.isdir('/' + p)
          and any(not os.path.isdir(os.path.join('/', p, q)) for q in os.listdir('/' + p))}}""",
        ),
        FULL,
        None,
    ),
    "writes_outside_its_tmpfs": (
        _only_if(
            "wrote == 0",
            """import os
wrote = 0
for p in ['/x', '/usr/x', '/etc/x', '/grader/lib/nnlib/x', '/grader/lib/nnlib/functional/activations.py',
          '/proc/sys/kernel/hostname', '/dev/shm/x']:
    try:
        with open(p, 'a') as fh:
            fh.write('x')
        wrote += 1
    except OSError:
        pass""",
        ),
        FULL,
        None,
    ),
    "writes_past_the_disk_cap": (
        _only_if(
            "written <= 64 << 20",
            """written = 0
try:
    for i in range(200):
        with open(f'big{i}', 'wb') as fh:
            for _ in range(16):
                fh.write(b'x' * (1 << 20))
                written += 1 << 20
except OSError:
    pass""",
        ),
        FULL,
        None,
    ),
    "many_small_files": (
        _only_if(
            "written <= 64 << 20",
            """import os
written = 0
try:
    os.makedirs('/tmp/spam', exist_ok=True)
    for i in range(100000):
        with open(f'/tmp/spam/{i}', 'wb') as fh:
            fh.write(b'y' * 4096)
        written += 4096
except OSError:
    pass""",
        ),
        FULL,
        None,
    ),
    # --- processes and memory of the whole submission ---------------------------------------------
    "memory_across_processes": (
        _only_if(
            "held * 300 < 1024",
            """import os, time
import numpy as np
r, w = os.pipe()
kids = []
for i in range(5):
    pid = os.fork()
    if pid == 0:
        try:
            hog = np.ones(300 << 17)   # 300 MB each, under the per-process limit
            os.write(w, b'k')
            time.sleep(30)
        finally:
            os._exit(0)
    kids.append(pid)
ready, end = 0, time.monotonic() + 20     # wait until all five hold their memory (or 20 s)
while ready < 5 and time.monotonic() < end:
    ready += len(os.read(r, 100))
alive = [k for k in kids if os.waitpid(k, os.WNOHANG) == (0, 0)]
for k in kids:
    try:
        os.kill(k, 9)
        os.waitpid(k, 0)
    except OSError:
        pass
held = min(ready, len(alive))""",
        ),
        7,
        "needed more than 1024 MB of memory",
    ),
    "thread_bomb": (
        _only_if(
            "started < 40",
            """import threading, time
started = 0
stop = threading.Event()
try:
    for _ in range(200):
        threading.Thread(target=stop.wait, daemon=True).start()
        started += 1
except RuntimeError:
    pass
stop.set()""",
        ),
        FULL,
        None,
    ),
    "fork_bomb_keeps_forking": (
        _only_if(
            "forks < 40",
            """import os, time
forks = 0
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        forks += 1
except OSError:
    pass""",
        ),
        FULL,
        None,
    ),
    "cpu_on_many_cores": (
        _only_if(
            "share < 1.4",
            """import os, time
r, w = os.pipe()
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            pass
        t = os.times()
        os.write(w, f'{t.user + t.system:.3f} '.encode())
        os._exit(0)
    kids.append(pid)
start = time.monotonic()
for k in kids:
    os.waitpid(k, 0)
wall = time.monotonic() - start
os.close(w)
share = sum(float(v) for v in os.read(r, 1000).split()) / wall""",
        ),
        FULL,
        None,
    ),
    "escapes_into_the_background": (None, FULL, None),
    # --- nnlib's answer, however it is reached ---------------------------------------------------
    "reference_via_importlib": (
        """    import importlib
    mod = importlib.import_module('nnlib.functional.' + 'activ' + 'ations')
    return getattr(mod, ''.join(['relu', '_back', 'ward']))(dout, x)
""",
        7,
        "ran nnlib.functional",
    ),
    "reference_from_a_thread": (
        """    import threading
    import nnlib.functional as F
    box = []
    def work():
        try:
            box.append(getattr(F, 'relu' + '_backward')(dout, x))
        except BaseException as exc:
            box.append(exc)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]
""",
        7,
        "ran nnlib.functional",
    ),
    "reference_kept_at_load_time": ("    return KEPT(dout, x)\n", 7, "ran nnlib.functional"),
    "reference_through_a_layer": (
        """    import nnlib.layers as L
    layer = L.Activation('relu')
    layer.forward(x, True)
    return layer.backward(dout)
""",
        7,
        "ran nnlib.functional",
    ),
    "patches_the_stand_in": (
        """    import sys
    standin = sys.modules['nnlib._standin']
    standin.unavailable = lambda what: None
    standin._active = set()
    import nnlib.functional as F
    return getattr(F, 'relu_backward')(dout, x)
""",
        7,
        None,
    ),
    "imports_the_case_generator": (
        _only_if(
            "not got",
            """import importlib, os
got = []
for name in ['nnlib.grading.student.cases', 'nnlib.grading.student.catalog', 'nnlib.grading.student.references',
             'nnlib.grading.student.registry', 'nnlib.grading.autograder.scoring', 'nnlib.grading.student.mistakes']:
    try:
        importlib.import_module(name)
        got.append(name)
    except ImportError:
        pass
import sys
for top, dirs, files in os.walk('/grader'):
    got += [f for f in files if f in ('cases.py', 'references.py', 'registry.py')]
got += [p for p in sys.path if os.path.isdir(os.path.join(p, 'nnlib'))]    # no other nnlib on the path""",
        ),
        FULL,
        None,
    ),
    "check_is_silent": (
        _only_if("out is None", "from nnlib.grading import check\nout = check(relu_backward)"),
        FULL,
        None,
    ),
    # --- a malformed reply: forged frames on the grader's pipe --------------------------------------
    "forges_a_list_reply": (
        """    import json, os, sys
    import numpy as np
    fd = json.loads(sys.argv[1])['resp']
    def entry(name, arr):
        import io, struct
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        raw = name.encode()
        return struct.pack('<H', len(raw)) + raw + struct.pack('<Q', len(buf.getvalue())) + buf.getvalue()
    body = entry('__meta__', np.array(json.dumps({'status': 'ok'}))) + \\
        entry('__tree__', np.array(json.dumps({'t': 'list', 'items': []})))
    os.write(fd, b'NNLG' + len(body).to_bytes(8, 'little') + body)
    return dout * (x > 0)
""",
        7,
        "malformed reply",
    ),
}


def _attack_cells(name):
    body, *_ = ATTACKS[name]
    if name == "reference_kept_at_load_time":
        return _cells(
            body, extra=["import nnlib.functional as F\nKEPT = getattr(F, 'relu_backward')"]
        )
    if name == "escapes_into_the_background":
        return _cells(
            extra=[
                "import os, signal\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                f"        os.execv('/bin/sleep', ['sleep', '{MARKER}'])\n    os._exit(0)"
            ]
        )
    return _cells(body)


def _grade(tmp: Path, name: str, cells: list[str], limits=Limits(timeout=25.0), iso=None) -> dict:  # noqa: B008
    path = tmp / f"{name}.ipynb"
    path.write_text(json.dumps(make_notebook(cells)))
    return grade_submission(
        read_submission(path),
        EXERCISES,
        seed=0,
        limits=limits,
        iso=iso or isolation(),
        refs=REFS,
        hidden=[str(tmp)],
    )


REFS = References()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("isolation")
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(_grade, tmp, name, _attack_cells(name)) for name in ATTACKS}
        return {name: f.result() for name, f in futures.items()}


def _reasons(report):
    return [e["reason"] for e in report["exercises"] if e["status"] != "passed"] + report["notes"]


def test_there_are_many_attacks():
    assert len(ATTACKS) >= 18


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_is_contained_with_the_exact_score(reports, name):
    _, score, fragment = ATTACKS[name]
    report = reports[name]
    assert report["score"] == score, (name, _reasons(report))
    if score == 7:
        assert [e["id"] for e in report["exercises"] if e["score"] < e["points"]] == [
            "relu_backward"
        ]
    if fragment:
        assert any(fragment in r for r in _reasons(report)), (name, _reasons(report))


def test_reference_use_at_run_time_is_flagged(reports):
    for name in (
        "reference_via_importlib",
        "reference_from_a_thread",
        "reference_kept_at_load_time",
    ):
        assert reports[name]["status"] == "flagged", name


def test_nothing_outlives_its_submission(reports):
    assert reports["escapes_into_the_background"]["score"] == FULL
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARKER.encode() in (entry / "cmdline").read_bytes():
                    alive.append(entry.name)
            except OSError:
                pass
    assert alive == []


def test_the_report_names_the_budget_backend(reports):
    iso = isolation()
    assert iso.budget == budget.backend() and budget.describe(iso.budget) in iso.description


# ----------------------------------------------------------------------------- budgets of a submission


def test_crashing_on_purpose_is_capped_in_restarts(tmp_path):
    crash = "import os\nos._exit(1)\n"
    cells = [
        c.split(":", 1)[0] + ":\n    " + crash.replace("\n", "\n    ")
        if c.startswith("def ")
        else c
        for c in _cells()
    ]
    report = _grade(tmp_path, "crasher", cells, limits=Limits(timeout=4.0, restarts=2))
    assert report["score"] == 0
    reasons = [e["reason"] for e in report["exercises"]]
    assert sum("crashed or hung its process 3 times" in r for r in reasons) == len(reasons) - 3, (
        reasons
    )


def test_the_wall_clock_budget_ends_a_slow_submission(tmp_path):
    slow = "import time\ntime.sleep(60)\n"
    cells = [
        c.split(":", 1)[0] + ":\n    " + slow.replace("\n", "\n    ") if c.startswith("def ") else c
        for c in _cells()
    ]
    report = _grade(tmp_path, "sleeper", cells, limits=Limits(timeout=2.0, wall_s=5.0))
    assert report["score"] == 0
    assert any("wall-clock time" in r for r in _reasons(report)), _reasons(report)


def test_the_cpu_budget_counts_every_process(tmp_path):
    spin = _only_if(
        "True",
        """import os
for _ in range(3):
    if os.fork() == 0:
        while True:
            pass
while True:
    pass""",
    )
    report = _grade(tmp_path, "spinner", _cells(spin), limits=Limits(timeout=30.0, cpu_s=2))
    relu = next(e for e in report["exercises"] if e["id"] == "relu_backward")
    assert relu["score"] == 0 and "CPU" in relu["reason"], relu["reason"]
    assert report["score"] == 0  # the CPU seconds are spent: nothing else runs


def test_accounting_fallback_without_cgroups_stops_memory_across_processes(tmp_path):
    """The rlimits back-end: the grader sums the resident memory of the submission's processes."""
    iso = isolation()
    plain = Isolation(iso.name, iso.description, iso.drop, budget="rlimits")
    hog = _only_if(
        "False",
        """import os, time
import numpy as np
for _ in range(4):
    if os.fork() == 0:
        hog = np.ones(200 << 17)
        time.sleep(60)
time.sleep(60)""",
    )
    report = _grade(
        tmp_path, "hog", _cells(hog), limits=Limits(timeout=30.0, memory_mb=512), iso=plain
    )
    relu = next(e for e in report["exercises"] if e["id"] == "relu_backward")
    assert relu["score"] == 0 and "MB of memory" in relu["reason"], relu["reason"]
    assert report["score"] == FULL - 1


# ----------------------------------------------------------------------------- the grading copy of nnlib


def test_grading_copy_has_stand_ins_and_no_hidden_case_machinery():
    root = standins.build(EXERCISES) / "lib" / "nnlib"
    text = (root / "functional" / "activations.py").read_text()
    defs = {n.name: n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}
    code = [
        ast.unparse(s) for s in defs["relu_backward"].body if not isinstance(s, ast.Expr)
    ]  # no docstring
    assert code == ["return _standin.call('functional.activations', 'relu_backward', args, kwargs)"]
    assert "_standin" not in ast.unparse(defs["relu"])  # what is not graded stays nnlib's
    for gone in (
        "grading/student/cases.py",
        "grading/student/catalog",
        "grading/student/references.py",
        "grading/student/mistakes",
        "grading/autograder",
    ):
        assert not (root / gone).exists(), gone
    # another assignment keeps relu_backward: a copy per assignment
    other = standins.build(by_notebook("09_optimizers")) / "lib" / "nnlib"
    assert (
        "_standin"
        not in (other / "functional" / "activations.py")
        .read_text()
        .split("def relu_backward")[1][:200]
    )
    assert (
        "_standin.unavailable('functional.optim_steps._adam')"
        in (other / "functional" / "optim_steps.py").read_text()
    )


def test_private_helpers_only_the_reference_uses_are_removed_too():
    tree = ast.parse(
        "def _core(x):\n    return x\ndef _shared(x):\n    return x\n"
        "def graded(x):\n    return _core(_shared(x))\ndef other(x):\n    return _shared(x)\n"
        "TABLE = {'k': _core}"
    )
    assert standins.private_helpers(tree, {"graded"}, elsewhere=set()) == {"_core"}
    assert standins.private_helpers(tree, {"graded"}, elsewhere={"_core"}) == set()


def test_a_cache_folder_others_can_write_is_not_trusted(tmp_path, monkeypatch):
    planted = tmp_path / "cache"
    planted.mkdir()
    os.chmod(planted, 0o777)  # anyone could have put a copy with the references there
    monkeypatch.setenv("NNLIB_GRADING_CACHE", str(planted))
    standins.cache_root.cache_clear()
    try:
        fresh = standins.cache_root()
        assert fresh != planted and fresh.stat().st_uid == os.geteuid()
        fresh.rmdir()
    finally:
        standins.cache_root.cache_clear()
