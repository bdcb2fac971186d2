"""Every catalogued mistake through check() and through the grader's scoring: valid grades, named feedback.

For every mistake in nnlib.grading.student.mistakes (the test grows as the catalogue does):

* the grader scores it 0 when it computes wrong values, and PARTIAL (less than full) when it is only
  wrong at the kink or unstable on large inputs; the same score for every seed;
* check() and the grader's feedback name it (its catalogue message) for at least 90 % of them;
* nothing the grader writes for a hidden case shows an expected value.

Most of it calls the grader's own scoring (``grade_exercise``) with the child's answers simulated in
this process (run the function, send its outputs through the codec as the child does); one
submission per chapter goes through the real sandbox.
"""

from __future__ import annotations

import builtins
import functools
import html
import inspect
import json
import re
import textwrap
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnlib.grading import check
from nnlib.grading.__main__ import main
from nnlib.grading.autograder.codec import pack, unpack
from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.reports import feedback_md, gradescope_results, report_json
from nnlib.grading.autograder.sandbox import Limits
from nnlib.grading.autograder.scoring import PARTIAL, CallResult, References, grade_exercise
from nnlib.grading.student.diagnose import unused_generators
from nnlib.grading.student.identify import pointer
from nnlib.grading.student.mistakes import all_mistakes, by_exercise
from nnlib.grading.student.registry import all_exercises, by_notebook, get

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2, 3, 4)
NAMED_RATE = 0.9
MISTAKES = all_mistakes()
IDS = [f"{m.exercise}.{m.key}" for m in MISTAKES]
REFS = References()  # shared, as in one batch: references and mistakes' outputs are computed once


class SimulatedSession:
    """The grader's view of a child whose student wrote ``fn``: the same call protocol, in this process."""

    def __init__(self, ex_id: str, fn):
        self.sub = SimpleNamespace(cells=[])
        self.names = {ex_id}
        self.fn = fn

    def ensure(self) -> bool:
        return True

    def call(self, ex, case, timeout) -> CallResult:
        args = ex.materialize(case)
        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(all="warn", under="ignore"),
        ):
            warnings.simplefilter("always")
            try:
                got = self.fn(*args.values())
            except Exception as exc:
                from nnlib.grading.student.diagnose import diagnose_exception

                return CallResult("raised", detail=diagnose_exception(type(exc).__name__, str(exc)))
        after = [case.args[k] if k in ex.rng_args else v for k, v in args.items()]
        data = unpack(pack({"result": got, "after": after}))  # what crosses the pipe
        warned = tuple(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning))
        generators = {k: args[k] for k in ex.rng_args}
        unused = tuple(unused_generators(generators, case.args))  # as the child reports them
        return CallResult("ok", data["result"], data["after"], warned, rng_unused=unused)


def grade_uncached(m, seed: int) -> dict:
    ex = get(m.exercise)
    return grade_exercise(ex, SimulatedSession(ex.id, m.fn), REFS, seed, Limits())


grade = functools.cache(grade_uncached)  # the scoring and the naming tests grade the same mistakes


@functools.cache
def check_result(m):
    return check(m.fn, m.exercise, verbose=False)


def named_by_check(m) -> bool:
    result = check_result(m)
    failed = [c.message for c in result.cases if not c.passed]
    return (
        result.mistake is m
        and bool(failed)
        and all(
            msg == m.message for msg in failed if not msg.startswith(("raised", "did not finish"))
        )
    )


def named_by_grader(entries: list[dict], m) -> bool:
    return all(e["reason"] == m.message for e in entries)


@pytest.mark.parametrize("m", MISTAKES, ids=IDS)
def test_the_grader_gives_no_free_credit_and_the_same_score_for_every_seed(m):
    ex = get(m.exercise)
    scores = [grade(m, seed)["score"] for seed in SEEDS]
    assert len(set(scores)) == 1, f"the score changes with the seed: {scores}"
    if m.kind == "values":
        assert scores[0] == 0, f"a wrong-values mistake earns {scores[0]} / {ex.points}"
    else:
        assert 0 < scores[0] < ex.points, (
            f"a {m.kind} mistake should earn partial credit, got {scores[0]}"
        )
        assert scores[0] == round(PARTIAL * ex.points, 4)


def test_check_and_the_grader_name_at_least_90_percent_of_the_mistakes():
    unnamed_check = [f"{m.exercise}.{m.key}" for m in MISTAKES if not named_by_check(m)]
    unnamed_grader = [
        f"{m.exercise}.{m.key}"
        for m in MISTAKES
        if not named_by_grader([grade(m, seed) for seed in SEEDS], m)
    ]
    n = len(MISTAKES)
    assert n and (n - len(unnamed_check)) / n >= NAMED_RATE, (
        f"check() does not name {unnamed_check}"
    )
    assert (n - len(unnamed_grader)) / n >= NAMED_RATE, f"the grader does not name {unnamed_grader}"


@pytest.mark.parametrize("m", MISTAKES, ids=IDS)
def test_check_shows_the_mistake_once_with_a_hint_and_never_raises(m):
    result = check_result(m)
    assert result.total > 0 and not result.error
    assert not result.ok or m.kind != "values", "check() passes a wrong-values mistake"
    text, page = result.text(), result._repr_html_()
    if result.mistake is m:
        flat = " ".join(text.split())  # the plain text wraps long messages (between words)
        assert (
            flat.count(m.name) == 1 and page.count(html.escape(m.name)) == 1
        )  # identical rows merged
        assert "check(" in text and "hint=True" in text  # the ladder's next rung
        where = pointer(get(m.exercise), m)  # the mistake's section
        assert (
            (m.section or "Common mistakes")[-8:] in where
            and "<details" in page
            and html.escape(where) in page
        )
        with_hint = check(m.fn, m.exercise, verbose=False, hint=True).text()
        assert where in " ".join(with_hint.split())


# --- no leaks ----------------------------------------------------------------------------------------


def _numbers(value) -> set[str]:
    """The expected values as a student would read them (6 or 4 significant digits), skipping round ones."""
    found = set()
    if isinstance(value, dict):
        for v in value.values():
            found |= _numbers(v)
    elif isinstance(value, (tuple, list)):
        for v in value:
            found |= _numbers(v)
    elif isinstance(value, (np.ndarray, float, np.floating)):
        for x in np.ravel(np.asarray(value, dtype=float)):
            if (
                np.isfinite(x) and abs(x - round(x)) > 1e-3
            ):  # round numbers (0, 1, 0.5) appear in any text
                found |= {
                    text
                    for text in (f"{abs(x):.6g}", f"{abs(x):.4g}")
                    if sum(ch.isdigit() for ch in text) >= 4
                }
    return found


def hidden_expected(ex_id: str, seed: int) -> set[str]:
    rows = REFS.cases(get(ex_id), seed)
    return set().union(*[_numbers(expected) for _, hidden, expected in rows if hidden])


def words(report: dict, results: dict, feedback: str) -> str:
    """Every sentence the student reads in the three files: messages, reasons, notes, outputs, and the
    feedback's prose (not its score table, whose numbers are points, which may equal a value)."""
    texts = [e["reason"] for e in report["exercises"]] + report["notes"]
    texts += [c["message"] for e in report["exercises"] for c in e["cases"]]
    texts += [results["output"]] + [t["output"] for t in results["tests"]]
    texts += [
        line for line in feedback.splitlines() if not line.startswith(("|", "**Score", "## `"))
    ]
    return "\n".join(texts)


def _outputs(report: dict) -> str:
    return words(json.loads(report_json(report)), gradescope_results(report), feedback_md(report))


def leaks(expected: set[str], text: str) -> list[str]:
    """The expected numbers that appear as whole numbers in ``text``."""
    return sorted(expected & set(re.findall(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?", text)))


def test_no_expected_value_of_a_hidden_case_reaches_the_feedback():
    def off_by_a_bit(fn):
        def wrong(*args):
            out = fn(*args)
            return nudge(out)

        return wrong

    def nudge(
        out,
    ):  # every float a little off: the generic "wrong values" path, which used to print values
        if isinstance(out, np.ndarray) and out.dtype.kind == "f":
            return out * 1.37 + 0.011
        if isinstance(out, float):
            return out * 1.37 + 0.011
        if isinstance(out, tuple):
            return tuple(nudge(o) for o in out)
        if isinstance(out, dict):
            return {k: nudge(v) for k, v in out.items()}
        return out

    checked = 0
    for m in MISTAKES[::3] + [
        SimpleNamespace(exercise=ex.id, fn=off_by_a_bit(ex.reference_fn()))
        for ex in all_exercises()
    ]:
        for seed in SEEDS[:1]:
            entry = grade_uncached(m, seed)
            report = {
                "student": "s",
                "assignment": get(m.exercise).notebook,
                "status": "ok",
                "score": entry["score"],
                "max_score": entry["points"],
                "notes": [],
                "isolation": "none",
                "exercises": [entry],
            }
            text = _outputs(report)
            leaked = leaks(hidden_expected(m.exercise, seed), text)
            assert not leaked, (
                m.exercise,
                seed,
                leaked[:5],
                [c["message"] for c in entry["cases"] if c["hidden"]],
            )
            checked += 1
    assert checked


# --- the real sandbox: one submission per chapter with one mistake in each of its functions --------


def standalone_source(m, name: str) -> str | None:
    """The mistake's code as a student would write it (``def <name>``), or ``None`` if it needs helpers
    of its module other than NumPy."""
    source = textwrap.dedent(inspect.getsource(m.fn))
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def "))
    body = "\n".join(lines[start:])
    body = body.replace(f"def {m.fn.__name__}(", f"def {name}(", 1)
    helpers = [
        n
        for n in m.fn.__code__.co_names
        if n in m.fn.__globals__
        and n != "np"
        and not inspect.ismodule(m.fn.__globals__[n])
        and not hasattr(builtins, n)
    ]
    return None if helpers else body


def _planted(notebook: str):
    """(exercise id, mistake, source) for every exercise of ``notebook`` with a standalone mistake."""
    for ex in by_notebook(notebook):
        for m in by_exercise(ex.id):
            source = standalone_source(m, ex.id)
            if source is not None:
                yield ex.id, m, source
                break


def _best_notebooks(count: int = 2) -> list[str]:
    """The notebooks where the most functions can carry a standalone mistake."""
    notebooks = sorted({get(m.exercise).notebook for m in MISTAKES})
    return sorted(notebooks, key=lambda nb: (-len(list(_planted(nb))), nb))[:count]


def test_real_submissions_with_one_mistake_per_function(tmp_path):
    """Two students, two assignments, one mistake in every function they can carry one: sandboxed."""
    plan = {}
    (tmp_path / "subs").mkdir()
    for student, notebook in zip(("mira", "noor"), _best_notebooks()):
        plan[student] = notebook, list(_planted(notebook))
        cells = [
            c for c in code_sources(ROOT / "solutions" / f"{notebook}.ipynb") if "compare(" not in c
        ]
        cells += ["import numpy as np\n" + source for _, _, source in plan[student][1]]
        (tmp_path / "subs" / f"{student}.ipynb").write_text(json.dumps(make_notebook(cells)))
    scores = {}
    for seed in (0, 1):
        out = tmp_path / f"out{seed}"
        assert (
            main(
                [
                    "grade",
                    str(tmp_path / "subs"),
                    "--out",
                    str(out),
                    "--no-progress",
                    "--seed",
                    str(seed),
                ]
            )
            == 0
        )
        for student, (notebook, planted) in plan.items():
            assert planted, notebook
            report = json.loads((out / student / "report.json").read_text())
            folder = out / student
            files = words(
                report,
                json.loads((folder / "results.json").read_text()),
                (folder / "feedback.md").read_text(),
            )
            entries = {e["id"]: e for e in report["exercises"]}
            for ex_id, m, _ in planted:
                e = entries[ex_id]
                assert (
                    (e["score"] == 0) if m.kind == "values" else (0 < e["score"] < e["points"])
                ), (ex_id, e)
                assert e["reason"] == m.message and m.name in files, (ex_id, e["reason"])
                assert not leaks(hidden_expected(ex_id, seed), files), ex_id
            for ex in by_notebook(notebook):
                if ex.id not in {p[0] for p in planted}:
                    assert entries[ex.id]["score"] == ex.points
            scores.setdefault(student, []).append({k: e["score"] for k, e in entries.items()})
    assert all(a == b for a, b in scores.values())  # the same scores for another seed
