"""The worksheets' explorers driven by the student's own code (nnlib/widgets/yours.py), headless.

Every ``Your...Explorer`` is driven with the worksheet's own functions: the solution (a correct
implementation, written independently of nnlib), the exercise's stub (not implemented yet), a
wrong one, one that raises, one that returns None and one that returns the wrong shape. None of
them may make the explorer raise; the sentence above the figure must say what happened.
"""

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from nnlib.widgets.activations import YourActivationExplorer
from nnlib.widgets.backprop import YourBackpropStepper
from nnlib.widgets.batchnorm import YourBatchNormExplorer
from nnlib.widgets.convolution import YourKernelExplorer
from nnlib.widgets.initialization import YourInitializationExplorer
from nnlib.widgets.linear_regression import YourGradientDescentExplorer
from nnlib.widgets.logistic import YourLogisticExplorer
from nnlib.widgets.losses import YourLossExplorer
from nnlib.widgets.methodology import YourSearchExplorer
from nnlib.widgets.optimizers import YourOptimizerRace
from nnlib.widgets.perceptron import YourPerceptronExplorer
from nnlib.widgets.regularization import YourRegularizationExplorer
from nnlib.widgets.regularization_paths import YourRegularizationPathExplorer
from nnlib.widgets.yours import Attempt, Yours, judge, max_gap, mismatch

ROOT = Path(__file__).resolve().parents[1]


def worksheet_function(folder: str, notebook: str, name: str):
    """The function ``name`` as the worksheet defines it (solutions: correct; exercises: the stub)."""
    cells = json.loads((ROOT / folder / f"{notebook}.ipynb").read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    namespace: dict = {}
    exec(code[1], namespace)  # the imports cell (and helpers such as as_int)
    for cell in code[2:]:  # every graded function: a solution may call an earlier one (sigmoid)
        if cell.startswith("def ") and "compare(" not in cell and "check(" not in cell:
            exec(cell, namespace)
    return namespace[name]


def _perturbed(fn):
    """``fn`` off by a factor: the first array of its output times 1.5 plus 0.01."""

    @functools.wraps(fn)  # the same signature: nnlib's extra keywords are dropped as for fn
    def wrong(*args, **kwargs):
        out = fn(*args, **kwargs)
        if isinstance(out, dict):
            key = sorted(out)[0]
            return {**out, key: np.asarray(out[key]) * 1.5 + 0.01}
        if isinstance(out, tuple):
            return (np.asarray(out[0]) * 1.5 + 0.01, *out[1:])
        return np.asarray(out) * 1.5 + 0.01

    return wrong


def _strict_perceptron_update(w, b, x, y, lr):
    y_hat = 1.0 if w @ x + b > 0 else 0.0  # > instead of >=: the first sample is never a mistake
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


#: a realistic mistake where scaling the output would only blow up (the perceptron's w grows)
WRONG = {"perceptron_update": lambda solution: _strict_perceptron_update}


def _raises(*args, **kwargs):
    raise ValueError("boom")


def _returns_none(*args, **kwargs):
    return None


def _wrong_shape(*args, **kwargs):
    return np.zeros(7)


#: explorer, worksheet, the function driven, the controls that make the explorer use it
CASES = [
    (YourGradientDescentExplorer, "02_linear_regression", "linear_gd_step", {}),
    (YourRegularizationPathExplorer, "03_ml_vs_map", "ridge_closed_form", {}),
    (YourRegularizationPathExplorer, "03_ml_vs_map", "lasso_cd", {"lam": 30.0}),
    (YourLogisticExplorer, "04_logistic_softmax", "logistic_gradient", {"step": 40}),
    (YourPerceptronExplorer, "05_neurons_perceptrons", "perceptron_update", {"update": 5}),
    (YourBackpropStepper, "06_backpropagation", "backprop_221", {"step": 11}),
    (YourActivationExplorer, "07_activations", "relu_backward", {"name": "relu"}),
    (YourActivationExplorer, "07_activations", "tanh_backward", {"name": "tanh"}),
    (YourLossExplorer, "08_losses", "huber_backward", {"outlier_y": -12.0}),
    (YourOptimizerRace, "09_optimizers", "adam_step", {"surface": "ravine", "steps": 60}),
    (YourOptimizerRace, "09_optimizers", "momentum_step", {"surface": "ravine", "steps": 60}),
    (YourInitializationExplorer, "10_initialization", "he_normal", {"depth": 6}),
    (YourBatchNormExplorer, "11_batchnorm", "batchnorm_forward", {"lr": 0.1}),
    (YourRegularizationExplorer, "12_regularization", "dropout_forward", {"p": 0.5}),
    (YourSearchExplorer, "13_methodology", "log_uniform", {"budget": 9}),
    (YourKernelExplorer, "14_conv_pool", "conv2d_forward", {"stride": 2, "pad": 1}),
]
IDS = [f"{notebook}-{name}" for _, notebook, name, _ in CASES]
#: one function per explorer, for the cases that fail at the first call
FIRST = [case for i, case in enumerate(CASES) if case[0] not in [c[0] for c in CASES[:i]]]
FIRST_IDS = [f"{notebook}-{name}" for _, notebook, name, _ in FIRST]


def _drawn_yours(explorer) -> bool:
    """Whether the figure shows something of the student's (a title, text or label with "your")."""
    strings = []
    for ax in explorer.figure.axes:
        legend = ax.get_legend()
        strings += [ax.get_title(), *(t.get_text() for t in ax.texts)]
        strings += [a.get_label() for a in ax.get_children()]
        strings += [t.get_text() for t in legend.get_texts()] if legend else []
    return any(isinstance(s, str) and "your" in s for s in strings)


def _drive(cls, name, fn, controls):
    explorer = cls(yours={name: fn})
    state = explorer.update(**controls) if controls else explorer.state
    explorer.figure_fingerprint()  # the figure renders, whatever the student's function did
    return explorer, state["yours"]


@pytest.mark.parametrize("cls, notebook, name, controls", CASES, ids=IDS)
def test_the_solution_matches_and_gives_nnlibs_result(cls, notebook, name, controls):
    explorer, attempt = _drive(cls, name, worksheet_function("solutions", notebook, name), controls)
    assert attempt.status == "matches", attempt.message
    assert _drawn_yours(explorer)
    assert attempt.message == f"your {name} matches nnlib's"
    assert explorer.gap(explorer.state, attempt.value) == 0.0  # the same state as the reference


@pytest.mark.parametrize("cls, notebook, name, controls", CASES, ids=IDS)
def test_a_wrong_function_is_shown_and_named(cls, notebook, name, controls):
    wrong = WRONG.get(name, _perturbed)(worksheet_function("solutions", notebook, name))
    explorer, attempt = _drive(cls, name, wrong, controls)
    assert attempt.status == "differs", attempt.message
    assert attempt.message.startswith(f"your {name} differs from nnlib's (max error ")
    assert attempt.max_error > 0 and attempt.value is not None
    assert _drawn_yours(explorer)


@pytest.mark.parametrize("cls, notebook, name, controls", CASES, ids=IDS)
def test_the_exercise_stub_shows_nnlibs_alone(cls, notebook, name, controls):
    stub = worksheet_function("exercises", notebook, name)
    explorer, attempt = _drive(cls, name, stub, controls)
    assert attempt.status == "missing"
    assert attempt.message == f"your {name} is not implemented yet: showing nnlib's alone"
    assert attempt.value is None and not _drawn_yours(explorer)  # nnlib's figure alone
    assert attempt.message in [t.get_text() for t in explorer.figure.texts]  # and the sentence


@pytest.mark.parametrize(
    "broken, status, says",
    [
        (_raises, "failed", "raised ValueError: boom"),
        (_returns_none, "missing", "returned None (a missing return?)"),
        (_wrong_shape, "failed", "returned"),
    ],
    ids=["raises", "returns-none", "wrong-shape"],
)
@pytest.mark.parametrize("cls, notebook, name, controls", FIRST, ids=FIRST_IDS)
def test_a_broken_function_never_raises(cls, notebook, name, controls, broken, status, says):
    _, attempt = _drive(cls, name, broken, controls)
    assert attempt.status == status
    assert attempt.message.startswith(f"your {name} ")
    assert says in attempt.message and attempt.message.endswith(": showing nnlib's alone")


def test_an_unused_function_is_not_called_a_match():
    explorer = YourActivationExplorer(yours={"relu_backward": _raises})
    attempt = explorer.update(name="sigmoid")["yours"]
    assert (attempt.status, attempt.message) == (
        "reference",
        "nnlib's sigmoid alone: pick relu to see yours",
    )
    attempt = YourRegularizationExplorer(yours={"dropout_forward": _raises}).state["yours"]
    assert attempt.status == "reference" and "uses none of your dropout_forward" in attempt.message


def test_without_yours_the_explorer_is_the_reference():
    attempt = YourKernelExplorer().state["yours"]
    assert attempt == Attempt("reference", "")


def test_the_activation_explorer_marks_only_the_kink():
    def relu_backward(dout, x):
        return dout * (x >= 0)  # the usual slip: 1 at x = 0

    state = YourActivationExplorer(yours={"relu_backward": relu_backward}).update(name="relu")
    assert state["yours"].status == "differs" and state["yours"].max_error == 1.0
    assert state["x"][state["wrong"]].tolist() == [0.0]


def test_adam_without_bias_correction_takes_another_path():
    def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
        v = beta2 * state.get("v", 0.0) + (1 - beta2) * dw * dw
        return w - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v}

    state = YourOptimizerRace(yours={"adam_step": adam_step}).update(steps=40)
    attempt = state["yours"]
    assert attempt.status == "differs" and attempt.message.endswith("yours dashed")
    mine, theirs = attempt.value["Adam"]["path"], state["runs"]["Adam"]["path"]
    assert mine.shape == theirs.shape and not np.allclose(mine, theirs)


def test_bad_yours_arguments_name_the_explorer_and_what_was_expected():
    with pytest.raises(ValueError, match=r"YourKernelExplorer: yours accepts \['conv2d_forward'\]"):
        YourKernelExplorer(yours={"conv2d_backward": _raises})
    with pytest.raises(TypeError, match=r"yours\['conv2d_forward'\] must be a function, got int"):
        YourKernelExplorer(yours={"conv2d_forward": 3})
    with pytest.raises(TypeError, match="expected yours as a dict .* got list"):
        YourKernelExplorer(yours=[_raises])


def test_judge_compares_structure_shape_and_values():
    assert judge("f", (np.ones(2), 1.0), (np.ones(2), 1.0)) == 0.0
    assert judge("f", np.array([1.0, 3.0]), np.array([1.0, 2.0])) == 1.0
    for yours, says in [
        (np.ones((3, 2)), r"shape \(3, 2\), expected \(2, 3\) \(transposed\?\)"),
        (np.full((2, 3), np.nan), "NaN or inf at 6 entries"),
        ("abc", "returned str in its output, not numbers"),
        ((np.ones((2, 3)), 1.0), "returned a tuple of 2, nnlib's returns ndarray"),
    ]:
        with pytest.raises(Exception, match=says):
            judge("f", yours, np.ones((2, 3)))
    # an optimizer's state is the student's business: only the new weights are checked
    assert judge("adam_step", (np.ones(2), {"mine": 1}), (np.zeros(2), {"m": 0}), False) == 0.0


def test_max_gap_and_mismatch():
    assert max_gap([1.0, np.nan], [1.0, np.nan]) == 0.0  # diverged in both: agreement
    assert np.isnan(max_gap([1.0, np.nan], [1.0, 2.0]))
    assert max_gap(np.zeros((3, 2)), np.zeros((4, 2))) > 0  # one path stopped earlier
    assert max_gap(np.zeros(3), np.zeros((3, 1))) == np.inf
    assert mismatch([1.0, 1.0 + 1e-12, 2.0], [1.0, 1.0, 2.5]).tolist() == [False, False, True]


def test_yours_never_raises_for_a_failure_outside_the_students_function():
    yours = Yours("demo", {"relu_backward": lambda dout, x: dout * (x > 0)})

    def run():
        from nnlib import functional as F

        F.relu_backward(np.ones(2), np.ones(2))
        raise KeyError("nnlib's own bug")

    attempt = yours.attempt(run)
    assert attempt.status == "failed"
    assert attempt.message.startswith("with your relu_backward, nnlib raised KeyError")


def test_the_grader_drops_the_explorer_cell():
    from nnlib.grading.autograder.convert import strip_demos

    cell = (
        "from nnlib.widgets.optimizers import YourOptimizerRace\n\n"
        'YourOptimizerRace(yours={"adam_step": adam_step})'
    )
    kept = strip_demos(cell)
    assert "import YourOptimizerRace" in kept and "yours=" not in kept
