"""The mistake catalogue (nnlib.grading.student.mistakes) against the exercises' cases.

For every catalogued mistake that computes wrong values, the public cases and the hidden cases of
every seed must fail it (no free credit, and check() sees it); two mistakes of one exercise must give
different outputs on the public cases (so the diagnosis can tell them apart). These checks do not
depend on the diagnosis engine; tests/test_mistake_feedback.py drives the mistakes through check()
and the grader.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from nnlib.grading.student.mistakes import KINDS, all_mistakes, by_exercise
from nnlib.grading.student.registry import all_exercises, get, normalize

SEEDS = (None, 0, 1, 2, 3, 4)
MISTAKES = all_mistakes()
IDS = [f"{m.exercise}.{m.key}" for m in MISTAKES]


def _outputs(ex, fn, case):
    """``fn``'s normalised output on ``case``, or the exception it raised."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return normalize(ex.call(fn, case))
        except Exception as exc:  # a mistake that raises on a case fails that case
            return exc


def _fails(ex, fn, case) -> bool:
    got = _outputs(ex, fn, case)
    if isinstance(got, Exception):
        return True
    return ex.judge(case, ex.expected(case), got) is not None


def test_every_mistake_names_a_graded_exercise_and_has_words():
    known = {ex.id for ex in all_exercises()}
    for m in MISTAKES:
        assert m.exercise in known, f"{m.key}: no exercise {m.exercise!r}"
        assert m.kind in KINDS
        assert len(m.name) >= 8 and len(m.explain) >= 20, (
            f"{m.exercise}.{m.key}: say what the mistake is"
        )


@pytest.mark.parametrize("m", MISTAKES, ids=IDS)
def test_mistake_takes_the_reference_arguments(m):
    ref = inspect.signature(get(m.exercise).reference_fn())
    mine = inspect.signature(m.fn)
    assert len(mine.parameters) == len(ref.parameters), f"{m.key}{mine} vs reference{ref}"


@pytest.mark.parametrize(
    "m",
    [m for m in MISTAKES if m.kind == "values"],
    ids=[i for i, m in zip(IDS, MISTAKES) if m.kind == "values"],
)
def test_public_and_hidden_cases_fail_every_wrong_values_mistake(m):
    ex = get(m.exercise)
    assert any(_fails(ex, m.fn, c) for c in ex.public_cases()), "the public cases pass this mistake"
    for seed in SEEDS:
        assert any(_fails(ex, m.fn, c) for c in ex.hidden_cases(seed)), (
            f"hidden cases (seed {seed}) pass it"
        )


@pytest.mark.parametrize("exercise_id", sorted({m.exercise for m in MISTAKES}))
def test_mistakes_of_one_exercise_are_distinguishable_on_the_public_cases(exercise_id):
    ex = get(exercise_id)
    items = by_exercise(exercise_id)
    cases = ex.public_cases()
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            same = True
            for c in cases:
                out_a, out_b = _outputs(ex, a.fn, c), _outputs(ex, b.fn, c)
                if isinstance(out_a, Exception) or isinstance(out_b, Exception):
                    same = same and type(out_a) is type(out_b)
                elif ex.judge(c, out_a, out_b) is not None:
                    same = False
                if not same:
                    break
            assert not same, f"{a.key} and {b.key} give the same outputs on every public case"


def test_catalogue_size():
    """At least 3 mistakes per graded function on average, and every graded function has one."""
    exercises = all_exercises()
    missing = [ex.id for ex in exercises if not by_exercise(ex.id)]
    assert not missing, f"no catalogued mistake for {missing}"
    assert len(MISTAKES) >= max(200, 3 * len(exercises))
