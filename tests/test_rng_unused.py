"""A function that ignores the random generator it is given is named, not just marked wrong.

Graded functions that draw random numbers (weight initialisers, dropout, a random search's
samples) take a seeded ``rng``; a student who draws from ``np.random`` or makes a generator of
their own gets other numbers, and "wrong values" alone would not tell them why. When the values
are wrong and the generator is still in the state its seed made, check() and the grader say that
the generator was never used (``diagnose.rng_not_used``). A right answer is never blamed.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_mistake_feedback import REFS, SimulatedSession

from nnlib.grading import check
from nnlib.grading.autograder import child
from nnlib.grading.autograder.codec import pack, unpack
from nnlib.grading.autograder.sandbox import Limits
from nnlib.grading.autograder.scoring import _reply, grade_exercise
from nnlib.grading.student.diagnose import kind_of, rng_not_used
from nnlib.grading.student.mistakes import by_exercise
from nnlib.grading.student.registry import all_exercises, get

RANDOM = [ex.id for ex in all_exercises() if ex.rng_args]
NEVER_USED = "was never used"


def ignoring_rng(exercise_id: str, how: str):
    """The reference, fed another generator than the one passed: the student's own or np.random's."""
    ex = get(exercise_id)
    reference = ex.reference_fn()
    names = list(ex.materialize(ex.public_cases()[0]).keys())

    def student(*args):
        args = list(args)
        for i, name in enumerate(names):
            if name in ex.rng_args:
                if how == "own":
                    args[i] = np.random.default_rng(0)  # "reproducible", but not the caller's seed
                else:  # the global generator's numbers through a Generator
                    args[i] = np.random.default_rng(np.random.randint(2**31))
        return reference(*args)

    return student


def test_there_are_random_exercises():
    assert len(RANDOM) >= 3, RANDOM


@pytest.mark.parametrize("how", ["own", "global"])
@pytest.mark.parametrize("exercise_id", RANDOM)
def test_check_names_the_unused_generator(exercise_id, how):
    result = check(ignoring_rng(exercise_id, how), exercise_id, verbose=False)
    failed = [c for c in result.cases if not c.passed]
    assert failed, f"check() passes {exercise_id} with {how} random numbers"
    if result.mistake is not None:  # a catalogued mistake says it more precisely: "a seed of
        assert "rng" in result.mistake.message  # its own instead of rng" (train_test_split)
        return
    assert all(NEVER_USED in c.message for c in failed), [c.message for c in failed]


@pytest.mark.parametrize("exercise_id", RANDOM)
def test_the_grader_names_the_unused_generator(exercise_id):
    ex = get(exercise_id)
    entry = grade_exercise(
        ex, SimulatedSession(ex.id, ignoring_rng(exercise_id, "own")), REFS, 1, Limits()
    )
    assert entry["score"] == 0.0, entry
    named = [m.message for m in by_exercise(ex.id) if m.message == entry["reason"]]
    assert NEVER_USED in entry["reason"] or "rng" in "".join(named), entry


@pytest.mark.parametrize("exercise_id", RANDOM)
def test_a_right_answer_that_uses_the_generator_is_not_blamed(exercise_id):
    ex = get(exercise_id)
    assert check(ex.reference_fn(), exercise_id, verbose=False).ok
    entry = grade_exercise(ex, SimulatedSession(ex.id, ex.reference_fn()), REFS, 1, Limits())
    assert entry["score"] == ex.points, entry


class _Runner(child.Runner):
    """The child's call protocol without its pipes: replies are kept instead of written."""

    def __init__(self, fn):
        import warnings

        from nnlib.grading.autograder import codec

        self.np, self.codec, self.sent = np, codec, []
        self._catch_warnings, self._simplefilter = warnings.catch_warnings, warnings.simplefilter
        self._errstate = np.errstate
        self.namespace = {"f": fn}

    def send(self, meta, flat=None):
        self.sent.append((meta, flat))


@pytest.mark.parametrize(
    "body, unused",
    [
        (lambda rng, n: rng.normal(size=n), []),
        (lambda rng, n: np.random.default_rng(0).normal(size=n), ["rng"]),
        (lambda rng, n: np.zeros(n), ["rng"]),  # nothing random at all
    ],
)
def test_the_child_reports_the_generators_left_untouched(body, unused):
    """The sandboxed child compares each generator with a fresh one of the same seed after the
    call; the grader reads the names from its reply (and keeps only real generator arguments)."""
    runner = _Runner(body)
    flat = pack([7, 3])
    runner.call({"op": "call", "fn": "f", "names": ["rng", "n"], "rng_args": ["rng"]}, flat)
    meta, packed = runner.sent[-1]
    assert meta["status"] == "ok" and meta["rng_unused"] == unused, meta
    result = _reply(meta, packed)
    assert list(result.rng_unused) == unused
    assert unpack(packed)["after"][0] == 7  # the seed goes back, not the generator


def test_a_reply_with_a_malformed_list_is_refused():
    with pytest.raises(ValueError, match="rng_unused"):
        _reply(
            {"status": "ok", "warnings": [], "rng_unused": "rng"}, pack({"result": 1, "after": []})
        )


def test_the_message_is_its_own_kind():
    """Its own kind: a catalogued mistake with the same outputs but a plain "values" verdict is not
    named in its place (identify._alike compares kinds)."""
    assert kind_of(rng_not_used(["rng"])) == "rng"
    assert "`rng`" in rng_not_used(["rng"]) and "`a` and `b`" in rng_not_used(["a", "b"])
