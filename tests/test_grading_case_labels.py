"""Case labels fit their function: only a function with a kink has cases labelled as the kink.

check() prints the labels to students, so "kink: x = 0 entries" for tanh or softmax (smooth
functions) would send them looking for a convention that does not exist.
"""

import pytest

from nnlib.grading.student.registry import all_exercises

EXERCISES = all_exercises()


@pytest.mark.parametrize("ex", EXERCISES, ids=[ex.id for ex in EXERCISES])
def test_kink_labels_only_where_the_function_has_a_kink(ex):
    labels = [c.label for c in ex.public_cases() + ex.hidden_cases()]
    kink_labels = [label for label in labels if "kink" in label.lower()]
    assert ex.kink is not None or not kink_labels, f"{ex.id} has no kink but labels {kink_labels}"
    if ex.kink is not None and kink_labels:
        # the labelled case really contains kink points
        kink_cases = [c for c in ex.public_cases() + ex.hidden_cases() if "kink" in c.label.lower()]
        assert all(ex.kink_mask(c).any() for c in kink_cases), (
            f"{ex.id}: a 'kink' case without a kink point"
        )
