"""Worksheets 1 and 15: their references agree with nnlib, the capstone's cases and bands mean what
the worksheet says, and the grader scores the capstone by held-out accuracy (with its leaderboard).

The grading of every worksheet (solutions 100%, exercises 0, mistakes caught and named) is in
test_grading_solutions.py, test_mistake_catalogue.py and test_mistake_feedback.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnlib import metrics
from nnlib.data import load_digits, make_categorical, one_hot, train_dev_test_split
from nnlib.grading.__main__ import main
from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.course import SEEDS
from nnlib.grading.autograder.leaderboard import (
    CAPSTONE_BANDS,
    LEADERBOARDS,
    DriverError,
    apply_bands,
    band_fraction,
    digits_heldout_accuracy,
)
from nnlib.grading.autograder.notebooks import load_functions
from nnlib.grading.student import references as ref
from nnlib.grading.student.registry import get
from nnlib.layers import Dense
from nnlib.linear import LinearRegression, SingularMatrixError
from nnlib.model import Sequential
from nnlib.optim import Adam

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["bachelor", "master", "PhD"]


def plain_mlp(X_train, y_train, X_test):
    """The worksheet's yardstick: one hidden layer of 64 ReLU units, Adam, 30 epochs, standardized."""
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    sigma = np.where(sigma > 0, sigma, 1.0)
    model = Sequential(
        [Dense(64, activation="relu", input_dim=X_train.shape[1]), Dense(10)], seed=0
    )
    model.compile(loss="cross_entropy", optimizer=Adam(lr=1e-3))
    model.fit((X_train - mu) / sigma, y_train, epochs=30, batch_size=32, verbose=0, seed=0)
    return model.predict((X_test - mu) / sigma).argmax(axis=1)


# ----------------------------------------------------------------------------- chapter 1


def test_encoders_agree_with_nnlib_one_hot_and_k_minus_1_columns():
    rng = np.random.default_rng(0)
    level = rng.integers(0, 3, 40)
    labels = [NAMES[k] for k in level]
    assert np.array_equal(ref.one_hot_encode(labels, NAMES), one_hot(level, 3))
    for b, name in enumerate(NAMES):
        expected = np.delete(one_hot(level, 3), b, axis=1)
        assert np.array_equal(ref.dummy_encode(labels, NAMES, name), expected)


def test_trap_detector_agrees_with_the_solver_that_refuses_the_trap():
    X, _ = make_categorical(n=60, effects=(50e3, 60e3, 75e3), noise=6e3, rng=0)
    y = X @ np.array([50e3, 60e3, 75e3])
    assert ref.has_dummy_trap(X) and not ref.has_dummy_trap(X[:, 1:])
    with pytest.raises(SingularMatrixError):
        LinearRegression().fit(X, y)
    LinearRegression().fit(X[:, 1:], y)  # K-1: no error


def test_split_is_nnlib_train_dev_test_split_without_its_dev_part():
    X, y = np.arange(46.0).reshape(23, 2), np.arange(23)
    for seed, f in [(0, 0.2), (1, 0.3), (7, 0.45)]:
        mine = ref.train_test_split(X, y, f, np.random.default_rng(seed))
        tr, _, te, ytr, _, yte = train_dev_test_split(X, y, (1 - f, 0.0, f), rng=seed)
        for a, b in zip(mine, (tr, te, ytr, yte)):
            assert np.array_equal(a, b)


def test_worksheet_1_success_ranges_hold_for_the_solution():
    fns = load_functions(ROOT / "solutions" / "01_learning_from_data.ipynb")
    X_deg, salary = make_categorical(n=60, effects=(50e3, 60e3, 75e3), noise=6e3, rng=0)
    degree = [NAMES[k] for k in X_deg.argmax(axis=1)]
    onehot, k1 = (
        fns["one_hot_encode"](degree, NAMES),
        fns["dummy_encode"](degree, NAMES, "bachelor"),
    )
    assert fns["has_dummy_trap"](onehot) is True and fns["has_dummy_trap"](k1) is False
    X_tr, X_te, y_tr, y_te = fns["train_test_split"](k1, salary, 0.2, np.random.default_rng(0))
    assert (len(y_tr), len(y_te)) == (48, 12)
    model = LinearRegression().fit(X_tr, y_tr)
    base = y_tr[X_tr.sum(axis=1) == 0].mean()
    assert np.isclose(model.intercept_, base, rtol=1e-6)
    diffs = [y_tr[X_tr[:, j] == 1].mean() - base for j in range(2)]
    assert np.allclose(model.coef_, diffs, rtol=1e-6)
    test_mse = np.mean((model.predict(X_te) - y_te) ** 2)
    assert 0.5 * 6000**2 < test_mse < 2 * 6000**2


# ----------------------------------------------------------------------------- chapter 15


def test_per_class_accuracy_is_nnlib_recall_per_class():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 200)
    pred = np.where(rng.random(200) < 0.3, rng.integers(0, 5, 200), y)
    _, recall, _ = metrics.precision_recall_f1(y, pred, average=None, labels=range(5))
    assert np.allclose(ref.per_class_accuracy(y, pred, 5), recall)


def test_capstone_cases_have_one_answer_that_every_working_classifier_finds():
    """The reference (nearest class mean) and a plain MLP agree on every case, with no error."""
    ex = get("train_and_predict")
    for case in ex.public_cases() + ex.hidden_cases(0) + ex.hidden_cases(SEEDS["15_capstone"]):
        X_train, y_train, X_test = case.args.values()
        assert X_train.shape[1] == 64 and set(y_train) == set(range(10))
        assert np.array_equal(plain_mlp(X_train, y_train, X_test), ex.expected(case))


def test_score_bands_follow_a_plain_mlp_on_the_graders_split_and_others():
    """The worksheet: a plain MLP reaches 0.97 on the grader's split, 0.97 to 0.99 on others."""
    accuracy = {
        s: digits_heldout_accuracy(plain_mlp, s) for s in (SEEDS["15_capstone"], 0, 1, 2, 3)
    }
    assert round(accuracy[SEEDS["15_capstone"]], 2) == 0.97
    assert all(0.97 <= round(a, 2) <= 0.99 for a in accuracy.values()), accuracy
    assert min(accuracy.values()) >= CAPSTONE_BANDS[0][0]  # the top band is in reach of a plain MLP
    X, y = load_digits()
    parts = train_dev_test_split(X, y, (0.8, 0.0, 0.2), rng=SEEDS["15_capstone"])
    assert (len(X), len(parts[0]), len(parts[2])) == (1797, 1438, 359)  # the worksheet's numbers
    assert round(100 / 359, 2) == 0.28  # "one image is 0.28 points"


def test_worksheet_15_solution_meets_its_own_success_range():
    fns = load_functions(ROOT / "solutions" / "15_capstone.ipynb")
    X, y = load_digits()
    X_fit, _, X_val, y_fit, _, y_val = train_dev_test_split(X, y, (0.8, 0.0, 0.2), rng=1)
    labels = fns["train_and_predict"](X_fit, y_fit, X_val)
    assert labels.dtype.kind == "i" and np.mean(labels == y_val) >= 0.96
    assert fns["per_class_accuracy"](y_val, labels, 10).min() > 0.9


def test_capstone_driver_scores_labels_and_refuses_what_is_not_labels():
    nearest = digits_heldout_accuracy(ref.train_and_predict, seed=1)
    assert 0.85 < nearest < 0.93  # the nearest class mean: no points (below the second band)
    constant = digits_heldout_accuracy(lambda Xtr, ytr, Xte: np.zeros(len(Xte), dtype=int), seed=1)
    assert constant < 0.15
    with pytest.raises(DriverError, match="labels of shape"):
        digits_heldout_accuracy(lambda Xtr, ytr, Xte: np.eye(10)[np.zeros(len(Xte), int)], seed=1)
    with pytest.raises(DriverError, match="integer labels"):
        digits_heldout_accuracy(lambda Xtr, ytr, Xte: np.zeros(len(Xte)), seed=1)


def _report(status: str, value: float | None) -> dict:
    entry = {
        "id": "train_and_predict",
        "points": 4,
        "score": 4.0 if status == "passed" else 0.0,
        "passed": 3 if status == "passed" else 1,
        "total": 3,
        "status": status,
        "reason": "",
        "cases": [{"label": "c", "hidden": False, "passed": True, "message": ""}] * 3,
    }
    other = {
        "id": "per_class_accuracy",
        "points": 1,
        "score": 1.0,
        "passed": 1,
        "total": 1,
        "status": "passed",
        "reason": "",
        "cases": [],
    }
    board = (
        [] if value is None else [{"name": "held-out accuracy", "value": value, "order": "desc"}]
    )
    return {"exercises": [other, entry], "leaderboard": board, "score": 1 + entry["score"]}


@pytest.mark.parametrize(
    "status, value, score",
    [
        ("passed", 0.975, 4.0),
        ("passed", 0.95, 2.0),
        ("passed", 0.9, 0.0),
        ("passed", None, 0.0),
        ("failed", 0.99, 0.0),
    ],
)
def test_bands_turn_the_accuracy_into_points_as_one_more_hidden_case(status, value, score):
    report = apply_bands(_report(status, value), "15_capstone")
    entry = report["exercises"][1]
    assert entry["score"] == score and report["score"] == 1 + score
    assert entry["total"] == 4 and entry["cases"][-1]["hidden"]
    assert entry["cases"][-1]["passed"] == (score == 4.0)
    assert entry["status"] == ("passed" if score == 4 else "partial" if score else "failed")
    assert band_fraction(CAPSTONE_BANDS, value) * (status == "passed") * 4 == score
    untouched = _report("passed", 0.9)
    assert apply_bands(untouched, "04_logistic_softmax") == _report("passed", 0.9)
    assert LEADERBOARDS["15_capstone"].bands == CAPSTONE_BANDS


def test_grader_scores_the_capstone_by_held_out_accuracy(tmp_path):
    """Solution: full points and a leaderboard entry; softmax regression: the middle band;
    the untouched worksheet: 0 and no entry."""
    subs = tmp_path / "subs"
    subs.mkdir()
    cells = [
        c for c in code_sources(ROOT / "solutions" / "15_capstone.ipynb") if "Explorer" not in c
    ]
    softmax = (
        "from nnlib.linear import SoftmaxRegression\n"
        "def train_and_predict(X_train, y_train, X_test):\n"
        "    s = Standardizer().fit(X_train)\n"
        "    model = SoftmaxRegression(lr='auto', n_iters=500).fit(s.transform(X_train), y_train)\n"
        "    return model.predict(s.transform(X_test)).astype(int)\n"
    )
    # looks the test images up in scikit-learn's copy of the digits: the sandbox hides that copy
    cheat = (
        "def train_and_predict(X_train, y_train, X_test):\n"
        "    from sklearn.datasets import load_digits\n"
        "    d = load_digits()\n"
        "    table = {row.tobytes(): t for row, t in zip(d.data / 16.0, d.target)}\n"
        "    return np.array([table[row.tobytes()] for row in X_test])\n"
    )
    untouched = code_sources(ROOT / "exercises" / "15_capstone.ipynb")
    for name, sources in (
        ("solved", cells),
        ("softmax", cells + [softmax]),
        ("cheat", cells + [cheat]),
        ("blank", untouched),
    ):
        (subs / f"{name}.ipynb").write_text(json.dumps(make_notebook(sources)))
    out = tmp_path / "out"
    assert (
        main(
            ["grade", str(subs), "--out", str(out), "--no-progress", "--assignment", "15_capstone"]
        )
        == 0
    )
    expected = {
        "solved": (5.0, True),
        "softmax": (3.0, True),
        "cheat": (1.0, False),  # per_class_accuracy only: the lookup finds no labels to read
        "blank": (0.0, False),
    }
    for name, (total, board) in expected.items():
        report = json.loads((out / name / "report.json").read_text())
        results = json.loads((out / name / "results.json").read_text())
        assert report["score"] == results["score"] == total, (name, report["exercises"])
        assert ("leaderboard" in results) == board
        assert name == "blank" or report["status"] == "ok", (name, report["status"])
        capstone = report["exercises"][-1]
        assert capstone["cases"][-1]["label"] == "held-out accuracy on the digits"
    value = json.loads((out / "solved" / "results.json").read_text())["leaderboard"][0]["value"]
    assert value >= 0.96


def test_gradescope_reports_the_capstone_leaderboard_and_its_points(tmp_path):
    """The exported autograder, run as Gradescope runs it, on the solved capstone."""
    import zipfile

    from nnlib.grading.autograder.gradescope import build_zip, run

    build_zip(tmp_path / "a.zip", assignment="15_capstone")
    root = tmp_path / "ag"
    zipfile.ZipFile(tmp_path / "a.zip").extractall(root / "source")
    (root / "submission").mkdir(parents=True)
    cells = [
        c for c in code_sources(ROOT / "solutions" / "15_capstone.ipynb") if "Explorer" not in c
    ]
    (root / "submission" / "capstone.ipynb").write_text(json.dumps(make_notebook(cells)))
    assert run(root) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    (entry,) = results["leaderboard"]
    assert entry["name"] == "held-out accuracy" and entry["order"] == "desc"
    assert entry["value"] >= CAPSTONE_BANDS[0][0] and results["score"] == results["max_score"] == 5
    hidden = next(t for t in results["tests"] if t["name"] == "train_and_predict (hidden cases)")
    assert hidden["visibility"] == "after_due_date" and hidden["score"] == hidden["max_score"]


def test_encoding_explorer_judges_the_students_k_minus_1_encoder_and_never_raises():
    """Worksheet 1's explorer: right, wrong (the trap), unwritten and crashing encoders."""
    from nnlib.grading.student.mistakes.ch01 import de_drop_first, de_keep_all
    from nnlib.widgets.encoding import EncodingExplorer

    def unwritten(labels, categories, baseline):
        raise NotImplementedError("dummy_encode: replace this line with your code")

    def crashing(labels, categories, baseline):
        return 1 / 0

    said = {}
    for name, fn in [
        ("right", ref.dummy_encode),
        ("trap", de_keep_all.fn),
        ("first", de_drop_first.fn),
        ("unwritten", unwritten),
        ("crash", crashing),
    ]:
        state = EncodingExplorer(encoding="k-1", dummy_encoder=fn).update(baseline=2)
        said[name] = state["yours"]
        assert np.isclose(state["intercept"], state["group_mean"][2])  # the reference fit, always
    assert said["right"] == "your dummy_encode gives these columns exactly"
    assert "shape (60, 3), expected (60, 2); rank of [1 | X] 3" in said["trap"]
    assert "other columns" in said["first"]
    assert "not written yet" in said["unwritten"] and "ZeroDivisionError" in said["crash"]
    assert EncodingExplorer(encoding="k-1").update(baseline=1)["yours"] == ""
