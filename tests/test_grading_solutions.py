"""Solutions score 100%, untouched exercises score 0 (cleanly), and notebooks match the registry."""

from pathlib import Path

import pytest

from nnlib.grading.autograder.notebooks import checked_names, load_functions
from nnlib.grading.student.check import run_case
from nnlib.grading.student.diagnose import NOT_IMPLEMENTED
from nnlib.grading.student.registry import all_exercises, notebooks

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = all_exercises()
IDS = [ex.id for ex in EXERCISES]

_cache: dict = {}


def functions(folder: str, notebook: str) -> dict:
    key = (folder, notebook)
    if key not in _cache:
        _cache[key] = load_functions(ROOT / folder / f"{notebook}.ipynb")
    return _cache[key]


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_solution_passes_every_case(ex):
    fn = functions("solutions", ex.notebook)[ex.id]
    cases = ex.public_cases() + ex.hidden_cases()
    failures = [(c.label, r.message) for c in cases if not (r := run_case(ex, fn, c)).passed]
    assert not failures, f"{ex.id}: the solution fails {failures}"


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_untouched_exercise_fails_every_case_cleanly(ex):
    fn = functions("exercises", ex.notebook)[ex.id]
    for case in ex.public_cases() + ex.hidden_cases():
        result = run_case(ex, fn, case)
        assert not result.passed and result.message == NOT_IMPLEMENTED, (
            ex.id,
            case.label,
            result.message,
        )


@pytest.mark.parametrize("notebook", notebooks())
def test_notebook_checks_exactly_its_registered_functions_in_order(notebook):
    registered = [ex.id for ex in EXERCISES if ex.notebook == notebook]
    for folder in ("solutions", "exercises"):
        assert checked_names(ROOT / folder / f"{notebook}.ipynb") == registered, folder
        assert set(registered) <= set(functions(folder, notebook))


def test_every_chapter_1_to_15_has_a_notebook_and_45_plus_exercises():
    chapters = sorted({ex.chapter for ex in EXERCISES})
    assert chapters == list(range(1, 16))
    assert len(EXERCISES) >= 45
    assert sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb")) == notebooks()
