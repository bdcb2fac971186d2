"""The grader's pure parts: the wire format, notebook conversion, reference detection, reports, seeds."""

import doctest
import importlib
import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from nnlib.grading.autograder import child, convert, wire
from nnlib.grading.autograder.codec import Unsupported, pack, unpack
from nnlib.grading.autograder.convert import (
    code_sources,
    make_notebook,
    neutralise,
    read_submission,
    strip_demos,
    student_name,
)
from nnlib.grading.autograder.integrity import forbidden, static_use
from nnlib.grading.autograder.notebooks import load_functions
from nnlib.grading.autograder.reports import (
    fmt,
    gradebook_csv,
    gradescope_results,
    remove_stale_temporaries,
    write_atomic,
)
from nnlib.grading.autograder.sandbox import Limits, bwrap_command
from nnlib.grading.student.check import run_case
from nnlib.grading.student.registry import all_exercises, get, notebooks

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    "wire",
    "convert",
    "integrity",
    "reports",
    "sandbox",
    "scoring",
    "grader",
    "gradescope",
    "child",
    "standins",
    "budget",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(f"nnlib.grading.autograder.{name}"))
    assert result.failed == 0


# ----------------------------------------------------------------------------- wire


def test_wire_round_trip_keeps_dtype_shape_and_order():
    value = (
        np.arange(6, dtype=np.float32).reshape(2, 3).T,
        {"t": 3, "m": np.zeros((0, 2))},
        None,
        "s",
        2.5,
    )
    frame = wire.message({"op": "call"}, pack(value))
    meta, flat = wire.split(wire.decode(frame[wire.HEADER.size :]))
    got = unpack(flat)
    assert meta == {"op": "call"}
    assert got[0].dtype == np.float32 and np.array_equal(got[0], value[0])
    assert got[1]["m"].shape == (0, 2) and got[1]["t"] == 3 and got[2:] == (None, "s", 2.5)


def _entry(name: bytes, blob: bytes) -> bytes:
    return struct.pack("<H", len(name)) + name + struct.pack("<Q", len(blob)) + blob


def _npy_header(descr: str, shape: tuple) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


@pytest.mark.parametrize(
    "body, match",
    [
        (_entry(b"x", _npy_header("|O", (1,)) + b"\x80\x04N."), "refused dtype"),  # a pickle
        (_entry(b"x", _npy_header("<f8", (10**12,)) + b"\x00" * 8), "needs"),  # size lie
        (_entry(b"x", b"not an npy file at all"), "header"),
        (_entry(b"x", b"\x00" * 4)[:-2], "claims"),  # truncated
        (struct.pack("<H", 200) + b"abc", "truncated"),
    ],
)
def test_wire_rejects_hostile_bodies(body, match):
    with pytest.raises(wire.WireError, match=match):
        wire.decode(body)


def test_wire_rejects_bad_magic_and_oversized_frames():
    with pytest.raises(wire.WireError, match="bad magic"):
        wire.frame_length(b"JUNK" + bytes(8))
    with pytest.raises(wire.WireError, match="exceeds"):
        wire.frame_length(wire.HEADER.pack(wire.MAGIC, 10**12), max_bytes=1 << 20)
    with pytest.raises(wire.WireError, match="no __meta__"):
        wire.split({"a": np.zeros(1)})


def test_child_cleans_values_to_exact_plain_types():
    class Sub(np.ndarray):
        pass

    class F(float):
        pass

    clean = child._clean(
        [np.ones(2), np.ones(2).view(Sub), F(1.0), {"k": (1, None)}, {1: 2}, object()]
    )
    got = unpack(pack(clean))
    assert isinstance(got[0], np.ndarray) and got[3] == {"k": (1, None)}
    assert [g.type_name for g in got[1:3] + got[4:]] == [
        "Sub (a subclass of ndarray)",
        "F (a subclass of float)",
        "dict with non-string keys",
        "object",
    ]
    assert isinstance(got[1], Unsupported)


# ----------------------------------------------------------------------------- convert


@pytest.mark.parametrize(
    "source, expected",
    [
        ("%matplotlib inline\nx = 1", "pass  # %matplotlib inline\nx = 1"),
        ("if True:\n    !pip install x\ny = 2", "if True:\n    pass  # !pip install x\ny = 2"),
        ("files = !ls\nz = 3", "files = None  # files = !ls\nz = 3"),
        ("x = (7\n% 2)", "x = (7\n% 2)"),  # valid Python is left alone
        ("%%time\nx = 1", "pass  # %%time\nx = 1"),
        ("%%bash\nrm -rf /", "pass  # cell magic %%bash not run"),
    ],
)
def test_neutralise_magics_and_shell_lines(source, expected):
    assert neutralise(source) == expected
    compile(neutralise(source), "<cell>", "exec")


def test_strip_demos_drops_explorer_cells():
    """Explorers only draw (the capstone's trains a network first): the grader never runs them."""
    for cell in (
        "PredictionExplorer(net, X, Z, y)",
        "e = widgets.EncodingExplorer(dummy_encoder=f)",
        "OptimizerRace(yours={'adam_step': adam_step})",
    ):
        assert strip_demos(cell).startswith("pass"), cell
    assert strip_demos("explorer = 3") == "explorer = 3"


def test_strip_demos_drops_later_statements_that_read_a_demos_result():
    """A hidden assertion on a comparison (``cmp.nnlib[...]``) would raise NameError in the grader,
    which never runs the comparison: it goes too, with whatever it binds, and nothing else."""
    results = set()
    assert "compare" not in strip_demos("cmp = compare(run, f=f)", results)
    assert results == {"cmp"}
    later = "ref = cmp.nnlib\nassert ref['acc'] > 0.9\nx = 2"
    kept = [line for line in strip_demos(later, results).split("\n") if not line.startswith("pass")]
    assert [line for line in kept if line] == ["x = 2"] and results == {"cmp", "ref"}
    assert strip_demos("y = other + 1", results) == "y = other + 1"  # unrelated names stay


def test_strip_demos_keeps_definitions_and_line_numbers():
    cell = "def f(x):\n    return check(x)\n\ncheck(f)\nresult = check(\n    f)\ny = 1"
    out = strip_demos(cell)
    assert out.split("\n")[:2] == ["def f(x):", "    return check(x)"]
    assert out.split("\n")[3].startswith("pass") and out.split("\n")[6] == "y = 1"
    demo = "import numpy as np\nX = load()\ntry:\n    with substitute(f=f):\n        fit()\nexcept Exception:\n    pass"
    kept = [line for line in strip_demos(demo).split("\n") if line and not line.startswith("pass")]
    assert kept == ["import numpy as np"]
    assert strip_demos("x = 1; check(f)") == "x = 1"  # shared line: rebuilt


def test_read_submission_converts_and_refuses(tmp_path):
    ok = tmp_path / "Ana María.ipynb"
    ok.write_text(
        json.dumps(make_notebook(["import numpy as np", "def relu_backward(d, x):\n    return d"]))
    )
    sub = read_submission(ok)
    assert sub.student == "Ana_María" and not sub.error and "relu_backward" in sub.names
    assert [c["index"] for c in sub.cells] == [1, 2]
    for content, why in [
        ("{", "does not parse"),
        ("[1, 2]", "no list of cells"),
        ('{"cells": "x"}', "no list"),
        ('{"cells": [{"cell_type": "code", "source": 5}]}', "source of type int"),
        ('{"cells": []}', "no code"),
    ]:
        bad = tmp_path / "bad.ipynb"
        bad.write_text(content)
        assert why in read_submission(bad).error
    other = tmp_path / "x.txt"
    other.write_text("x")
    assert "not a notebook" in read_submission(other).error
    script = tmp_path / "bob.py"
    script.write_text("import numpy as np\n# %%\ndef f():\n    pass\n# %% second\nx = 1\n")
    assert [c["index"] for c in read_submission(script).cells] == [1, 2, 3]
    link = tmp_path / "link.py"
    link.symlink_to("/etc/hostname")
    assert "symbolic link" in read_submission(link).error
    v3 = tmp_path / "old.ipynb"
    v3.write_text(
        json.dumps(
            {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "y = 1"}]}]}
        )
    )
    assert read_submission(v3).cells[0]["source"] == "y = 1"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        (".hidden", "_.hidden"),
        ("gradebook.csv.ipynb", "_gradebook.csv"),
        ("a b", "a_b"),
    ],
)
def test_student_names_are_safe_folder_names(name, expected):
    assert student_name(name) == expected


# ----------------------------------------------------------------------------- integrity

EXERCISES = all_exercises()


def test_forbidden_includes_what_references_delegate_to():
    assert ("nnlib.data", "kfold") in forbidden(get("kfold_indices"))
    assert ("nnlib.optim", "time_decay") in forbidden(get("time_decay_lr"))
    assert ("nnlib.callbacks", "EarlyStopping") in forbidden(get("early_stopping"))


@pytest.mark.parametrize("notebook", notebooks())
def test_solutions_are_never_flagged(notebook):
    sources = code_sources(ROOT / "solutions" / f"{notebook}.ipynb")
    assert [static_use(sources, ex) for ex in EXERCISES if ex.notebook == notebook] == [None] * sum(
        ex.notebook == notebook for ex in EXERCISES
    )


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("from nnlib.functional import relu_backward", "imported from nnlib.functional"),
        (
            "import nnlib\ndef relu_backward(d, x):\n    return nnlib.functional.relu_backward(d, x)",
            "uses nnlib.functional",
        ),
        (
            "from nnlib import functional as F\ndef relu_backward(d, x):\n    return F.relu_backward(d, x)",
            "uses F.",
        ),
        (
            "def relu_backward(d, x):\n    from nnlib.functional import relu_backward as r\n    return r(d, x)",
            "imports",
        ),
        (
            "from nnlib.functional import relu_backward as r\ndef relu_backward(d, x):\n    return r(d, x)",
            "calls",
        ),
        (
            "import nnlib.functional as F\ndef relu_backward(d, x):\n    return getattr(F, 'relu_backward')(d, x)",
            "by name",
        ),
        (
            "import nnlib.functional as F\ndef relu_backward(d, x):\n    return F.__getattribute__('relu_backward')(d, x)",  # noqa: E501
            "by name",
        ),
        (
            "import nnlib.functional as F\ndef helper(d, x):\n    return F.relu_backward(d, x)\n"
            "def relu_backward(d, x):\n    return helper(d, x)",
            "through helper",
        ),
    ],
)
def test_static_check_catches_reference_use(code, fragment):
    why = static_use([code], get("relu_backward"))
    assert why is not None and fragment in why and why.endswith("0 points")


@pytest.mark.parametrize("exercise, index", [("cross_entropy", 0), ("cross_entropy_backward", 1)])
def test_static_check_catches_the_fused_cross_entropy(exercise, index):
    """cross_entropy_with_grad returns both graded answers, so it counts as the reference."""
    code = f"import nnlib.functional as F\ndef {exercise}(z, y):\n    return F.cross_entropy_with_grad(z, y)[{index}]"
    why = static_use([code], get(exercise))
    assert why is not None and why.endswith("0 points")


def test_static_check_allows_other_nnlib_helpers():
    code = (
        "import nnlib.functional as F\ndef softmax_backward(dout, x):\n    s = F.softmax(x)\n"
        "    return s * (dout - (dout * s).sum(-1, keepdims=True))"
    )
    assert static_use([code], get("softmax_backward")) is None
    assert (
        static_use(["def relu_backward(d, x):\n    return F.relu_backward("], get("relu_backward"))
        is None
    )
    own = "from nnlib.grading import check\ndef f1_score(t, p):\n    s = {'f1': 0.0}\n    print('f1')\n    return s['f1']"  # noqa: E501
    assert static_use([own], get("f1_score")) is None


# ----------------------------------------------------------------------------- reports

REPORT = {
    "student": "ana",
    "assignment": "07_activations",
    "status": "ok",
    "score": 1.5,
    "max_score": 3.0,
    "isolation": "bwrap",
    "notes": ["cell 2: raised NameError: x <b>"],
    "exercises": [
        {
            "id": "a",
            "points": 1.0,
            "score": 1.0,
            "passed": 2,
            "total": 2,
            "status": "passed",
            "reason": "",
            "cases": [],
        },
        {
            "id": "b",
            "points": 2.0,
            "score": 0.5,
            "passed": 1,
            "total": 4,
            "status": "partial",
            "reason": "wrong | <values>",
            "cases": [
                {"label": "c1", "hidden": True, "passed": False, "message": "wrong | <values>"},
                {"label": "c2", "hidden": False, "passed": False, "message": "other"},
            ],
        },
    ],
}


def test_gradescope_results_schema():
    res = gradescope_results(REPORT)
    assert res["score"] == 1.5 and res["max_score"] == 3.0
    assert [
        (t["name"], t["score"], t["max_score"], t["status"], t["visibility"]) for t in res["tests"]
    ] == [
        ("a", 1.0, 1.0, "passed", "visible"),
        ("b", 0.0, 1.0, "failed", "visible"),
        ("b (hidden cases)", 0.5, 1.0, "failed", "after_due_date"),
    ]  # b's hidden case is shown after the due date
    assert "public case 'c2': other" in res["tests"][1]["output"]
    json.dumps(res)


def test_gradebook_and_feedback_text():
    csv = gradebook_csv(
        [REPORT, dict(REPORT, student="zed", exercises=REPORT["exercises"][:1])], ["a", "b"]
    )
    assert csv.splitlines() == [
        "student,assignment,a,b,total,max_score,status,reason",
        "ana,07_activations,1,0.5,1.5,3,ok,",
        "zed,07_activations,1,,1.5,3,ok,",
    ]
    from nnlib.grading.autograder.reports import feedback_md

    text = feedback_md(REPORT)
    assert "**Score: 1.5 / 3**" in text and "&lt;values&gt;" in text and "<b>" not in text
    assert fmt(2 / 3) == "0.6667" and fmt(-0.0) == "0"


def test_write_atomic_replaces_and_stale_temporaries_are_removed(tmp_path):
    target = tmp_path / "s" / "report.json"
    target.parent.mkdir()
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two" and [p.name for p in target.parent.iterdir()] == [
        "report.json"
    ]
    (tmp_path / ".gradebook.csv.tmp-1-2").write_text("partial")
    (target.parent / ".report.json.tmp-9-9").write_text("partial")
    assert remove_stale_temporaries(tmp_path) == 2 and target.exists()


# ----------------------------------------------------------------------------- seeds and sandbox


def test_hidden_cases_follow_the_seed():
    ex = get("relu_backward")
    a, b, c = ex.hidden_cases(1), ex.hidden_cases(1), ex.hidden_cases(2)
    assert all(np.array_equal(x.args["x"], y.args["x"]) for x, y in zip(a, b))
    assert not all(np.array_equal(x.args["x"], y.args["x"]) for x, y in zip(a, c))
    assert all(
        np.array_equal(x.args["x"], y.args["x"])
        for x, y in zip(ex.hidden_cases(), ex.hidden_cases(None))
    )
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="hidden_cases: seed"):
            ex.hidden_cases(bad)


@pytest.mark.parametrize("notebook", notebooks())
def test_solutions_pass_hidden_cases_of_other_seeds(notebook):
    fns = load_functions(ROOT / "solutions" / f"{notebook}.ipynb")
    for ex in (e for e in EXERCISES if e.notebook == notebook):
        for seed in (1, 7):
            failures = [
                (c.label, r.message)
                for c in ex.hidden_cases(seed)
                if not (r := run_case(ex, fns[ex.id], c)).passed
            ]
            assert not failures, (ex.id, seed, failures)


def test_bwrap_command_builds_an_empty_root_with_only_the_runtime(tmp_path):
    args = bwrap_command(True, tmp_path / "copy", disk_mb=5)
    assert (
        args.count("--unshare-net") == 1 and "--unshare-pid" in args and "--die-with-parent" in args
    )
    assert ["--ro-bind", "/", "/"] not in [
        args[i : i + 3] for i in range(len(args))
    ]  # no host root
    mounted = {
        args[i + 2] for i, a in enumerate(args) if a in ("--ro-bind", "--bind", "--ro-bind-try")
    }
    assert not any(
        m == "/" or m.startswith(("/home", "/work/wt", "/etc/")) and m != "/etc/ld.so.cache"
        for m in mounted
    ), mounted
    assert str(ROOT) not in mounted and str(ROOT / "nnlib") not in mounted  # the course repository
    assert not [a for a in args if a in ("--bind", "--bind-try")]  # nothing writable from the host
    size = args.index("--size")
    assert args[size + 1] == str(5 << 20) and args[size + 2 : size + 4] == ["--tmpfs", "/tmp"]
    assert args[args.index("--remount-ro") + 1] == "/"
    assert Limits(memory_mb=100).rlimits()["as"] == 100 << 20


def test_budget_flags_parse_and_refuse_nonpositive_values():
    import argparse

    from nnlib.grading.autograder.sandbox import add_limit_arguments, limits_from_arguments

    parser = argparse.ArgumentParser()
    add_limit_arguments(parser)
    limits = limits_from_arguments(parser.parse_args(["--wall", "30", "--disk", "8"]), timeout=2.0)
    assert (limits.wall_s, limits.disk_mb, limits.timeout, limits.restarts) == (
        30.0,
        8,
        2.0,
        Limits().restarts,
    )
    assert limits.rlimits()["fsize"] == 8 << 20
    with pytest.raises(SystemExit):
        parser.parse_args(["--cpu", "0"])


def test_an_nnlib_installed_in_site_packages_is_covered(tmp_path, monkeypatch):
    from nnlib.grading.autograder import sandbox

    site = tmp_path / "site-packages"
    (site / "nnlib").mkdir(parents=True)
    monkeypatch.setattr(sandbox, "_site_dirs", lambda: [str(site)])
    args = bwrap_command(True, tmp_path / "copy", disk_mb=5)
    assert ["--ro-bind", str(site), str(site)] == args[
        args.index(str(site)) - 1 : args.index(str(site)) + 2
    ]
    assert args[args.index(str(site / "nnlib")) - 1] == "--tmpfs"


def test_a_runtime_under_tmp_is_bound_on_top_of_the_childs_tmp(tmp_path, monkeypatch):
    """CI clones (and their .venv) may live in /tmp: the child's own /tmp must not hide them."""
    from nnlib.grading.autograder import sandbox

    venv = "/tmp/some-checkout/.venv"
    monkeypatch.setattr(sandbox, "_needed", lambda: [venv])
    args = bwrap_command(True, tmp_path / "copy", disk_mb=5)
    tmpfs = [i for i in range(len(args) - 1) if args[i : i + 2] == ["--tmpfs", "/tmp"]]
    binds = [i for i in range(len(args) - 2) if args[i : i + 3] == ["--ro-bind", venv, venv]]
    assert len(tmpfs) == 1 and len(binds) == 1 and tmpfs[0] < binds[0]
    assert "/tmp/some-checkout" in args  # its parent is made (0755) inside the child's /tmp


def test_the_graders_threads_convert_syntax_trees_through_one_lock():
    """CPython 3.11's ast conversion is not thread-safe ("SystemError: AST constructor recursion
    depth mismatch" stopped a submission when two graders parsed at once): every module the grading
    threads run parses and unparses through nnlib.grading.autograder.syntax."""
    import ast as ast_module

    folder = Path(convert.__file__).parent
    offenders = []
    for path in sorted(folder.glob("*.py")):
        if path.name == "syntax.py":
            continue
        for node in ast_module.walk(ast_module.parse(path.read_text(encoding="utf-8"))):
            f = node.func if isinstance(node, ast_module.Call) else None
            if isinstance(f, ast_module.Attribute) and isinstance(f.value, ast_module.Name):
                if f.value.id == "ast" and f.attr in ("parse", "unparse"):
                    offenders.append(f"{path.name}:{node.lineno} ast.{f.attr}")
            if (
                isinstance(f, ast_module.Name)
                and f.id == "compile"
                and any(
                    isinstance(a, ast_module.Attribute) and a.attr == "PyCF_ONLY_AST"
                    for a in [*node.args, *(k.value for k in node.keywords)]
                )
            ):
                offenders.append(f"{path.name}:{node.lineno} compile(..., PyCF_ONLY_AST)")
    assert not offenders
