"""Hostile and broken submissions: each gets an exact score, and the batch grades everyone else intact.

One batch (built in a temporary folder) holds a correct submission ("ana") next to 30+ attacks on
the chapter-7 notebook (8 points: relu_backward 1, leaky 1, elu 1, tanh 1, swish 2, softmax 2).
Most attacks sit in ``relu_backward`` (1 point), so a contained attack scores exactly 7; attacks
that must *fail* to do harm (escape the sandbox, fork past the limit, reach the network) make the
function return the right answer only if they failed, so a contained attack scores 8.
"""

import base64
import hashlib
import json
import os
import socket
from pathlib import Path

import pytest

from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.grader import Settings, run
from nnlib.grading.autograder.sandbox import Limits, isolation

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "07_activations.ipynb"
FULL = 8.0
TIMEOUT = 4.0
MARKER = "4242.125"  # argv of the background process a submission leaves behind

RELU_OK = "    return dout * (x > 0)\n"


def _base_cells() -> list[str]:
    """The solution's code cells without the training demo (faster; the demo is stripped anyway)."""
    return [c for c in code_sources(SOLUTION) if "substitute(" not in c and "compare(" not in c]


def notebook(relu=None, extra=(), prepend=(), drop=()):
    """The solution notebook with ``relu_backward``'s body replaced, cells added or functions removed."""
    cells = []
    for src in _base_cells():
        name = src.split("(")[0].replace("def ", "").strip() if src.startswith("def ") else None
        if name in drop:
            continue
        if name == "relu_backward" and relu is not None:
            src = "def relu_backward(dout, x):\n" + relu
        cells.append(src)
    return make_notebook(list(prepend) + cells + list(extra))


def py_script() -> str:
    return "".join(f"# %%\n{c}\n\n" for c in _base_cells())


def hostile(out: Path, subs: Path, port: int) -> dict:
    """name -> (file content: dict (notebook) | str | bytes, suffix, expected score, status, reason fragment)."""
    big = notebook()
    big["cells"][0]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": "x" * (50 << 20)}
    ]
    return {
        "ana": (notebook(), ".ipynb", FULL, "ok", None),
        "infinite_loop": (
            notebook("    while True:\n        pass\n"),
            ".ipynb",
            7,
            "timeout",
            "did not finish in time",
        ),
        "sleeps": (
            notebook("    import time\n    time.sleep(1000)\n"),
            ".ipynb",
            7,
            "timeout",
            "did not finish in time",
        ),
        "memory_bomb": (
            notebook("    hog = []\n    while True:\n        hog.append(bytearray(25 * 10**7))\n"),
            ".ipynb",
            7,
            "ok",
            "raised MemoryError",
        ),
        "fork_bomb": (
            notebook(
                "    return dout * (x > 0) if FORKS < 64 else None\n",
                prepend=[
                    "import os, time\nFORKS = 0\ntry:\n    for _ in range(100):\n        if os.fork() == 0:\n"
                    "            time.sleep(20)\n            os._exit(0)\n        FORKS += 1\nexcept OSError:\n    pass"
                ],
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "sys_exit": (
            notebook("    import sys\n    sys.exit(0)\n"),
            ".ipynb",
            7,
            "ok",
            "raised SystemExit",
        ),
        "os_exit": (
            notebook("    import os\n    os._exit(3)\n"),
            ".ipynb",
            7,
            "errors",
            "exit code 3",
        ),
        "raises_at_load": (
            notebook(
                "    raise KeyboardInterrupt\n",
                prepend=["raise SystemExit('bye')", "raise KeyboardInterrupt"],
            ),
            ".ipynb",
            7,
            "errors",
            "raised KeyboardInterrupt",
        ),
        "eq_liar": (
            notebook(
                "    class Liar:\n        def __eq__(self, other):\n            return True\n"
                "    return Liar()\n"
            ),
            ".ipynb",
            7,
            "ok",
            "returned a Liar",
        ),
        "ndarray_subclass": (
            notebook(
                "    class Sneaky(np.ndarray):\n        def __eq__(self, other):\n"
                "            return True\n    return (dout * (x > 0)).view(Sneaky)\n"
            ),
            ".ipynb",
            7,
            "ok",
            "subclass of ndarray",
        ),
        "returns_list": (
            notebook("    return (dout * (x > 0)).tolist()\n"),
            ".ipynb",
            7,
            "ok",
            "Python list",
        ),
        "returns_none": (notebook("    pass\n"), ".ipynb", 7, "ok", "returned None"),
        "monkeypatch_numpy": (
            notebook(
                "    return np.full_like(dout, 7.5)\n",
                extra=[
                    "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
                    "np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None"
                ],
            ),
            ".ipynb",
            7,
            "ok",
            "wrong values",
        ),
        "fake_results": (
            notebook(
                '    print(\'{"score": 8, "tests": []}\')\n    return np.full_like(dout, 7.5)\n',
                extra=[
                    "import json, os, sys\nfake = json.dumps({'score': 100, 'max_score': 8, 'tests': []})\nprint(fake)\n"  # noqa: E501
                    "sys.__stdout__.write(fake)\nos.write(1, fake.encode())\nos.write(2, fake.encode())\n"
                    "open('results.json', 'w').write(fake)"
                ],
            ),
            ".ipynb",
            7,
            "ok",
            "wrong values",
        ),
        "writes_outputs": (
            notebook(
                "    return dout * (x > 0) if WROTE == 0 else None\n",
                extra=[
                    f"WROTE = 0\nfor path in [{str(out / 'gradebook.csv')!r}, {str(out / 'ana' / 'report.json')!r},\n"
                    f"             {str(out / 'ana' / 'results.json')!r}, {str(subs / 'ana.ipynb')!r},\n"
                    f"             {str(out / 'evil.txt')!r}]:\n"
                    "    try:\n        with open(path, 'w') as fh:\n            fh.write('{\"score\": 0}')\n"
                    "        WROTE += 1\n    except OSError:\n        pass"
                ],
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "deletes_files": (
            notebook(
                "    return dout * (x > 0) if DELETED == 0 else None\n",
                extra=[
                    "import os, shutil\nDELETED = 0\n"
                    f"for folder in [{str(out)!r}, {str(subs)!r}]:\n"
                    "    try:\n        for name in os.listdir(folder):\n            p = os.path.join(folder, name)\n"
                    "            try:\n                shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)\n"
                    "                DELETED += 1\n            except OSError:\n                pass\n"
                    "    except OSError:\n        pass"
                ],
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "reads_solutions": (
            notebook(
                "    return dout * (x > 0) if STOLEN is None else None\n",
                extra=[
                    "import json\ntry:\n"
                    f"    STOLEN = json.load(open({str(SOLUTION)!r}))\n"
                    "except OSError:\n    STOLEN = None"
                ],
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "imports_reference": (
            notebook(
                drop=("relu_backward", "leaky_relu_backward", "elu_backward"),
                extra=[
                    "from nnlib.functional import relu_backward",
                    "import nnlib.functional as F\n\ndef leaky_relu_backward(dout, x, alpha=0.01):\n"
                    "    return F.leaky_relu_backward(dout, x, alpha)",
                    "def elu_backward(dout, x, alpha=1.0):\n    mod = __import__('nnlib.functional', fromlist=['_'])\n"
                    "    return getattr(mod, 'elu' + '_backward')(dout, x, alpha)",
                ],
            ),
            ".ipynb",
            5,
            "flagged",
            "nnlib",
        ),
        "network": (
            notebook(
                "    import socket\n    reached = 0\n    try:\n"
                f"        socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n        reached += 1\n"
                "    except OSError:\n        pass\n    try:\n        socket.getaddrinfo('pypi.org', 443)\n"
                "        reached += 1\n    except OSError:\n        pass\n"
                "    return dout * (x > 0) if reached == 0 else None\n"
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "corrupted_ipynb": (
            json.dumps(notebook())[:-40],
            ".ipynb",
            0,
            "rejected",
            "JSON does not parse",
        ),
        "not_a_notebook": (
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
            ".ipynb",
            0,
            "rejected",
            "not UTF-8",
        ),
        "notebook_50mb": (big, ".ipynb", FULL, "ok", None),
        "too_much_code": (
            notebook(extra=["BLOB = '" + "y" * (5 << 20) + "'"]),
            ".ipynb",
            0,
            "rejected",
            "MB of code",
        ),
        "syntax_error": (
            notebook("    return dout * (x > 0\n"),
            ".ipynb",
            7,
            "errors",
            "SyntaxError",
        ),
        "missing_function": (notebook(drop=("relu_backward",)), ".ipynb", 7, "ok", "not defined"),
        "calls_input": (
            notebook("    name = input('your name? ')\n" + RELU_OK, extra=["answer = input()"]),
            ".ipynb",
            7,
            "errors",
            "raised EOFError",
        ),
        "huge_prints": (
            notebook(
                "    for i in range(100000):\n        print('spam', i)\n" + RELU_OK,
                extra=["for _ in range(5):\n    print('x' * (10 << 20))"],
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "background_process": (
            notebook(
                extra=[
                    "import os\nif os.fork() == 0:\n    os.setsid()\n"
                    f"    os.execv('/bin/sleep', ['sleep', '{MARKER}'])"
                ]
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        # switching tracers off changes nothing: the reference is a stand-in in the child's nnlib
        "disables_tracing": (
            notebook(
                "    import sys\n    sys.setprofile(None)\n"
                "    mod = __import__('nnlib.functional', fromlist=['_'])\n"
                "    return getattr(mod, 'relu' + '_backward')(dout, x)\n"
            ),
            ".ipynb",
            7,
            "flagged",
            "ran nnlib.functional",
        ),
        "garbles_protocol": (
            notebook(
                "    import os\n    for fd in range(3, 64):\n        try:\n"
                "            os.write(fd, b'NNLG' + b'\\xff' * 64)\n        except OSError:\n"
                "            pass\n" + RELU_OK
            ),
            ".ipynb",
            7,
            "errors",
            "protocol",
        ),
        "magics_and_shell": (
            notebook(
                prepend=[
                    "%matplotlib inline\n!pip install evil\nfiles = !ls /",
                    f"%%bash\nrm -rf {out}",
                ]
            ),
            ".ipynb",
            FULL,
            "ok",
            None,
        ),
        "hangs_at_load": (
            notebook(extra=["while True:\n    pass"]),
            ".ipynb",
            FULL,
            "timeout",
            None,
        ),
        "crashes_at_load": (
            notebook(extra=["import os\nos._exit(1)"]),
            ".ipynb",
            FULL,
            "errors",
            None,
        ),
        "python_file": (py_script(), ".py", FULL, "ok", None),
    }


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("adversarial")
    subs, out = base / "submissions", base / "out"
    subs.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    cases = hostile(out, subs, listener.getsockname()[1])
    for name, (content, suffix, *_rest) in cases.items():
        path = subs / f"{name}{suffix}"
        if isinstance(content, dict):
            path.write_text(json.dumps(content))
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
    before = _digest(subs)
    status = run([subs], Settings(out=out, limits=Limits(timeout=TIMEOUT), jobs=2, progress=False))
    try:
        listener.accept()
        connected = True
    except BlockingIOError:
        connected = False
    listener.close()
    reports = {name: json.loads((out / name / "report.json").read_text()) for name in cases}
    return {
        "cases": cases,
        "reports": reports,
        "status": status,
        "out": out,
        "subs": subs,
        "before": before,
        "connected": connected,
    }


NAMES = list(hostile(Path("/o"), Path("/s"), 1))


def test_there_are_at_least_twenty_hostile_submissions():
    assert len(NAMES) - 1 >= 20


@pytest.mark.parametrize("name", NAMES)
def test_exact_score_status_and_reason(batch, name):
    _, _, score, status, fragment = batch["cases"][name]
    report = batch["reports"][name]
    reasons = [e["reason"] for e in report["exercises"] if e["status"] != "passed"] + report[
        "notes"
    ]
    assert report["score"] == score, (name, reasons)
    assert report["status"] == status, (name, reasons)
    assert report["max_score"] == FULL
    if fragment:
        assert any(fragment in r for r in reasons), (name, fragment, reasons)
    if score == 7:  # the attack cost relu_backward only
        assert [e["id"] for e in report["exercises"] if e["score"] < e["points"]] == [
            "relu_backward"
        ]


def test_batch_completes_and_everyone_else_is_intact(batch):
    assert batch["status"] == 0
    ana = batch["reports"]["ana"]
    assert ana["score"] == FULL and all(e["passed"] == e["total"] for e in ana["exercises"])
    results = json.loads((batch["out"] / "ana" / "results.json").read_text())
    assert results["score"] == FULL and all(t["status"] == "passed" for t in results["tests"])
    assert _digest(batch["subs"]) == batch["before"]  # no submission deleted or rewritten
    assert not (batch["out"] / "evil.txt").exists()
    rows = (batch["out"] / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 1 + len(NAMES)
    assert not list(batch["out"].rglob(".*.tmp-*"))


def test_sandbox_facts(batch):
    assert isolation().name == "bwrap"  # bwrap is installed here and by `make test`
    assert all(r["isolation"] == "bwrap" for r in batch["reports"].values())
    assert not batch["connected"]  # nothing reached the grader's loopback
    assert _processes_with(MARKER) == []  # the background process died with its sandbox


def test_load_problems_are_reported_as_notes(batch):
    hang = batch["reports"]["hangs_at_load"]["notes"]
    crash = batch["reports"]["crashes_at_load"]["notes"]
    assert any("did not finish" in n and "skipped" in n for n in hang), hang
    assert any("ended the process" in n and "skipped" in n for n in crash), crash
    feedback = (batch["out"] / "syntax_error" / "feedback.md").read_text()
    assert "relu_backward" in feedback and "SyntaxError" in feedback


def test_reference_use_names_each_trick(batch):
    report = batch["reports"]["imports_reference"]
    reasons = {e["id"]: e["reason"] for e in report["exercises"]}
    assert "imported from nnlib.functional" in reasons["relu_backward"]
    assert "F.leaky_relu_backward" in reasons["leaky_relu_backward"]
    assert "ran nnlib" in reasons["elu_backward"]  # only the run-time tracer can see this one


def test_rlimits_fallback_contains_hangs_and_crashes(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    cases = hostile(out, subs, 1)
    for name in ("ana", "infinite_loop", "os_exit", "memory_bomb"):
        (subs / f"{name}.ipynb").write_text(json.dumps(cases[name][0]))
    status = run(
        [subs],
        Settings(out=out, limits=Limits(timeout=TIMEOUT), isolation="rlimits", progress=False),
    )
    assert status == 0
    for name in ("ana", "infinite_loop", "os_exit", "memory_bomb"):
        report = json.loads((out / name / "report.json").read_text())
        assert report["isolation"] == "rlimits"
        assert report["score"] == cases[name][2], (name, report["exercises"][0]["reason"])


def test_base64_is_not_a_notebook_either(tmp_path):
    path = tmp_path / "eve.ipynb"
    path.write_text(base64.b64encode(os.urandom(300)).decode())
    out = tmp_path / "out"
    assert run([path], Settings(out=out, assignment="07_activations", progress=False)) == 0
    report = json.loads((out / "eve" / "report.json").read_text())
    assert report["status"] == "rejected" and report["score"] == 0 and report["max_score"] == FULL
