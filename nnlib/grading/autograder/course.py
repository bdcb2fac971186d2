"""The course's grading settings, in one place: the seed of each assignment's hidden cases.

Every way of grading reads the seed from here: ``make grade``, the README's command
(``python -m nnlib.grading grade ...`` without ``--seed``) and the Gradescope export, so one class
gets one gradebook whichever command the instructor types. ``--seed S`` overrides it for a run.

Change a seed between terms (new hidden cases, same difficulty); never during one, or re-graded
students would see other cases than their classmates.

>>> seed_for("07_activations")
202607
"""

from __future__ import annotations

#: seed of the hidden cases per assignment (the notebook name); a test checks every assignment has one
SEEDS: dict[str, int] = {
    "01_learning_from_data": 202601,
    "02_linear_regression": 202602,
    "03_ml_vs_map": 202603,
    "04_logistic_softmax": 202604,
    "05_neurons_perceptrons": 202605,
    "06_backpropagation": 202606,
    "07_activations": 202607,
    "08_losses": 202608,
    "09_optimizers": 202609,
    "10_initialization": 202610,
    "11_batchnorm": 202611,
    "12_regularization": 202612,
    "13_methodology": 202613,
    "14_conv_pool": 202614,
    "15_capstone": 202615,
}


def seed_for(assignment: str, override: int | None = None) -> int:
    """The seed to grade ``assignment`` with: ``override`` if given, else the course's seed for it."""
    if override is not None:
        return override
    if assignment not in SEEDS:
        raise KeyError(
            f"seed_for: no seed for assignment {assignment!r}; add it to "
            f"nnlib/grading/autograder/course.py SEEDS"
        )
    return SEEDS[assignment]
