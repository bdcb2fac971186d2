"""Every diagnosis fires for the mistake it names: seeded wrong implementations, run through check()."""

from importlib import import_module

import numpy as np
import pytest

from nnlib.grading import check, diagnose, diagnose_exception
from nnlib.grading.autograder.codec import Unsupported

D = import_module(
    "nnlib.grading.student.diagnose"
)  # the module (the package re-exports a function of that name)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --- wrong implementations, each with exactly one mistake ----------------------------------------


def mse_backward_no_2(pred, target):
    return (pred - target) / pred.size


def mse_backward_no_mean(pred, target):
    return 2 * (pred - target)


def mse_backward_sign(pred, target):
    return 2 * (target - pred) / pred.size


def relu_backward_kink(dout, x):
    return dout * (x >= 0)


def relu_backward_in_place(dout, x):
    dout[x <= 0] = 0.0
    return dout


def relu_backward_none(dout, x):
    dout * (x > 0)


def relu_backward_list(dout, x):
    return (dout * (x > 0)).tolist()


def softmax_naive(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid_naive(x):
    return 1 / (1 + np.exp(-x))


def dense_backward_dW_transposed(dout, x, W):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def dense_backward_db_keepdims(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0, keepdims=True)


def backprop_221_W1_transposed(x, y, W1, b1, W2, b2):
    from nnlib.grading.student.references import backprop_221

    grads = backprop_221(x, y, W1, b1, W2, b2)
    return {**grads, "W1": grads["W1"].T}


def adam_step_missing_t(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    from nnlib.functional import adam_step

    new_w, new_state = adam_step(w, dw, state, lr, beta1, beta2, eps)
    del new_state["t"]
    return new_w, new_state


def mse_not_yet(pred, target):
    raise NotImplementedError("mse: replace this line with your code")


def mse_crashes(pred, target):
    return np.dot(pred, np.ones(pred.size + 1))


def mse_loops_forever(pred, target):
    while True:
        pass


def normal_equations_float_off(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y) + 0.01


def mse_array(pred, target):
    return np.array([np.mean((pred - target) ** 2)])


def conv_output_size_float(n, k, stride=1, pad=0):
    return (n + 2 * pad - k) / stride + 1


CASES = [
    # (function, exercise id, a phrase the message of every failing case must contain)
    (mse_backward_no_2, "mse_backward", "off by a constant factor of 1/2: a missing factor of 2"),
    (mse_backward_no_mean, "mse_backward", "a missing 1/"),
    (mse_backward_sign, "mse_backward", D.SIGN_FLIPPED),
    (relu_backward_kink, "relu_backward", "wrong only at the kink (x = 0)"),
    (relu_backward_in_place, "relu_backward", "modified its input `dout` in place"),
    (relu_backward_none, "relu_backward", D.RETURNED_NONE),
    (relu_backward_list, "relu_backward", D.RETURNED_LIST),
    (softmax_naive, "softmax", "NaN/inf on large inputs"),
    (sigmoid_naive, "sigmoid", "NumPy warned (overflow encountered in exp) on large inputs"),
    (dense_backward_dW_transposed, "dense_backward", "dW: wrong shape"),
    (dense_backward_db_keepdims, "dense_backward", "db: wrong shape (1,"),
    (backprop_221_W1_transposed, "backprop_221", "'W1': " + D.TRANSPOSED),
    (adam_step_missing_t, "adam_step", "new_state: the dict is missing key(s) ['t']"),
    (mse_not_yet, "mse", D.NOT_IMPLEMENTED),
    (mse_crashes, "mse", "raised ValueError: shapes"),
    (normal_equations_float_off, "normal_equations", "wrong values at"),
    (mse_array, "mse", "returned an array of shape (1,); expected a single number"),
    (conv_output_size_float, "conv_output_size", "(use // for integer division, or int(...))"),
]


@pytest.fixture
def generic_only(monkeypatch):
    """check() without the mistake catalogue: the generic diagnoses, the engine's fallback."""
    monkeypatch.setattr(
        import_module("nnlib.grading.student.identify"), "by_exercise", lambda exercise_id: []
    )


@pytest.mark.parametrize("fn, exercise_id, phrase", CASES, ids=[c[0].__name__ for c in CASES])
def test_seeded_mistake_gets_its_diagnosis(fn, exercise_id, phrase, generic_only):
    result = check(fn, exercise_id, verbose=False)
    failed = [c for c in result.cases if not c.passed]
    assert result.total > 0 and failed, f"{fn.__name__} passed every case"
    for c in failed:
        assert phrase in c.message, (c.label, c.message)


def test_kink_is_named_even_where_other_cases_pass(generic_only):
    result = check(relu_backward_kink, "relu_backward", verbose=False)
    assert [c.passed for c in result.cases] == [True, True, False, False]


def test_endless_loop_is_stopped_by_the_timeout():
    result = check(mse_loops_forever, "mse", timeout=0.2, verbose=False)
    assert result.passed == 0
    assert all("did not finish in time" in c.message for c in result.cases)


def test_keyboard_interrupt_stops_the_remaining_cases():
    def mse(pred, target):
        raise KeyboardInterrupt

    result = check(mse, verbose=False)
    assert len(result.cases) == 1 and "interrupted" in result.cases[0].message
    assert result.total > 1 and result.passed == 0


# --- check() never raises ------------------------------------------------------------------------


def test_check_never_raises_and_explains(capsys):
    assert check(42, verbose=False).error.startswith("expected a function")
    assert (
        "no graded exercise named 'not_an_exercise'"
        in check(lambda x: x, "not_an_exercise", verbose=False).error
    )
    assert "Did you mean relu_backward" in check(lambda x: x, "relu_backwards", verbose=False).error
    result = check("no_such_function_here")
    assert "run its cell first" in capsys.readouterr().out and result.total == 0


def test_check_by_name_looks_up_the_callers_function(capsys):
    def relu_backward(dout, x):
        return dout * (x > 0)

    globals()["relu_backward"] = relu_backward
    try:
        result = check("relu_backward")
    finally:
        del globals()["relu_backward"]
    assert result.ok and repr(result) == result.text() and "<CheckResult" not in repr(result)
    out = capsys.readouterr().out
    assert out.startswith(f"relu_backward: {result.total}/{result.total} public cases passed")
    assert "All public cases pass" in out


# --- the pure function, on synthetic data --------------------------------------------------------


@pytest.mark.parametrize(
    "factor, phrase",
    [
        (8.0, "N = 8: a missing 1/N"),
        (1 / 8, "1/N = 1/8: an extra 1/N"),
        (16.0, "2N = 16"),
        (1 / 16, "1/(2N) = 1/16"),
        (4.0, "N/2 = 4"),
        (0.25, "2/N = 2/8"),
        (2.0, "of 2: an extra factor"),
        (0.5, "of 1/2: a missing factor of 2"),
        (3.7, D.SCALED),
    ],
)
def test_factors_are_named(factor, phrase):
    expected = np.random.default_rng(0).standard_normal((8, 3))
    assert phrase in diagnose(expected, factor * expected, {"x": np.zeros((8, 3))})


def test_scalar_outputs():
    assert diagnose(2.5, 2.5) is None
    assert diagnose(2.5, np.float64(2.5)) is None
    assert diagnose(2.5, np.array(2.5)) is None  # 0-d arrays: what crosses a process boundary
    assert diagnose(2.5, -2.5) == D.SIGN_FLIPPED
    assert diagnose(2.5, 5.0) == "off by a constant factor of 2: an extra factor of 2"
    assert diagnose(2.5, 7.0) == "wrong value: expected 2.5, got 7"
    assert diagnose(2.5, [2.5]).startswith("returned a Python list")
    assert diagnose(2.5, None) == D.RETURNED_NONE
    assert diagnose(3, np.int64(3)) is None and diagnose(3, 4) == "wrong value: expected 3, got 4"
    assert diagnose(3, 3.0).startswith("returned the float 3; expected the integer 3")


def test_structures():
    e = (np.ones(2), 1.0)
    assert diagnose(e, (np.ones(2), 1.0)) is None
    assert diagnose(e, [np.ones(2), 1.0]) is None  # a list of outputs is fine
    assert (
        diagnose(e, np.ones(2), output_names=("w", "b"))
        == "returned a ndarray; expected a tuple of 2 values (w, b)"
    )
    assert diagnose(e, (np.ones(2),)) == "returned 1 values; expected 2"
    assert "unexpected key(s) ['z']" in diagnose({"a": 1.0}, {"a": 1.0, "z": 2.0})
    assert (
        diagnose({"a": 1.0}, Unsupported("Foo"))
        == "returned a Foo; expected a dict with keys ['a']"
    )
    assert (
        diagnose(np.ones(3), Unsupported("Evil"))
        == "returned a Evil; expected a NumPy array of shape (3,)"
    )


def test_arrays_types_and_shapes():
    e = np.arange(6.0).reshape(2, 3)
    assert diagnose(e, e.astype(int)).startswith("returned dtype int64; expected floats")
    assert diagnose(np.arange(3), np.arange(3.0)).startswith(
        "returned dtype float64; expected integers"
    )
    assert diagnose(e, 15.0).startswith(
        "returned a single number where the answer has shape (2, 3)"
    )
    assert "keepdims" in diagnose(e, e.reshape(3, 2).T.reshape(6))
    assert "an axis is missing" in diagnose(
        np.ones((4, 1)), np.ones(4)
    ) or "right number" in diagnose(np.ones((4, 1)), np.ones(4))
    assert "broadcasting" in diagnose(np.ones(4), np.ones((4, 4)))
    assert diagnose(np.ones(3), np.array([1.0, np.nan, 1.0])) == D.NONFINITE
    assert diagnose(np.ones(3), np.array([1.0, np.inf, 1.0]), {"x": np.array([1e4])}).startswith(
        "NaN/inf on large"
    )


def test_modified_inputs_need_before():
    inputs = {"x": np.zeros(2)}
    assert diagnose(np.ones(2), np.ones(2), inputs, before={"x": np.ones(2)}) == D.MODIFIED.format(
        name="x"
    )
    assert diagnose(np.ones(2), np.ones(2), inputs) is None
    state_before = {"state": {"v": np.ones(2)}}
    assert "state['v']" in diagnose(
        np.ones(2), np.ones(2), {"state": {"v": np.zeros(2)}}, before=state_before
    )


def test_warnings_fail_only_stable_exercises_on_large_inputs():
    big = {"x": np.array([1e4])}
    assert diagnose(np.ones(1), np.ones(1), big, warnings=["overflow"], stable=True).startswith(
        "right values"
    )
    assert diagnose(np.ones(1), np.ones(1), big, warnings=["overflow"]) is None
    assert (
        diagnose(np.ones(1), np.ones(1), {"x": np.ones(1)}, warnings=["overflow"], stable=True)
        is None
    )


def test_exceptions():
    assert diagnose_exception("NotImplementedError", "x") == D.NOT_IMPLEMENTED
    assert (
        diagnose_exception("TimeoutError", "stopped after 2 s")
        == "did not finish in time (stopped after 2 s)"
    )
    long = diagnose_exception("ValueError", "a" * 300 + "\nsecond line")
    assert (
        long.startswith("raised ValueError: aaa") and long.endswith("...") and "second" not in long
    )
    assert diagnose_exception("ZeroDivisionError") == "raised ZeroDivisionError"


# --- factors that mean something, hidden values, kinds ------------------------------------------


def test_a_mean_instead_of_a_sum_with_two_rows_is_not_called_a_missing_factor_of_2_alone():
    expected = np.array([[1.0, -2.0], [0.5, 3.0]])
    msg = diagnose(expected, expected / 2, {"dout": np.ones((2, 2))})
    assert (
        "1/N = 1/2" in msg and "a mean where a sum is due" in msg and "a missing factor of 2" in msg
    )


def test_meaningless_factors_are_not_quoted_and_hyperparameters_are_named():
    expected = np.random.default_rng(1).standard_normal((5, 3))
    assert diagnose(expected, 5.186 * expected, {"x": np.zeros((5, 3))}) == D.SCALED
    assert "5.186" not in D.SCALED
    named = diagnose(expected, 0.1 * expected, {"w": np.zeros((5, 3)), "lr": 0.1})
    assert named == "off by a constant factor of lr = 0.1: an extra factor lr (applied twice?)"


def test_hidden_messages_show_no_expected_value():
    assert diagnose(2.5, 7.0, reveal=False) == "wrong value: you return 7"
    assert diagnose(3, 3.0, reveal=False).startswith("returned the float 3; expected an integer")
    e = np.array([1.23456, 2.5, -3.75])
    hidden = diagnose(e, e + np.array([0.0, 0.1, 0.0]), reveal=False)
    assert hidden == "wrong values at 1 of 3 entries (largest error at index (1,))"
    kink = diagnose(
        e, np.array([1.23456, 2.5, 9.0]), kink=np.array([False, False, True]), reveal=False
    )
    assert kink.startswith("wrong only at the kink") and "3.75" not in kink and "9" not in kink


def test_every_message_has_a_kind():
    big = {"x": np.array([1e4])}
    assert D.kind_of(None) is None
    assert D.kind_of(diagnose(np.ones(3), np.array([1.0, np.inf, 1.0]), big)) == "unstable"
    assert (
        D.kind_of(diagnose(np.ones(1), np.ones(1), big, warnings=["overflow"], stable=True))
        == "unstable"
    )
    assert (
        D.kind_of(
            diagnose(
                (np.ones(2),),
                (np.array([1.0, 2.0]),),
                kink=np.array([False, True]),
                output_names=("dx",),
            )
        )
        == "kink"
    )  # the path prefix keeps the kind
    assert D.kind_of(diagnose(np.ones(2), -np.ones(2))) == "values"
    assert D.kind_of(D.UNSTABLE) == "values"  # words alone never earn partial credit


# --- what a student sees ---------------------------------------------------------------------------


def test_an_unimplemented_function_says_so_once():
    result = check(mse_not_yet, "mse", verbose=False)
    assert (
        result.text().count(D.NOT_IMPLEMENTED) == 1
        and result._repr_html_().count("not implemented") == 1
    )
    assert "<CheckResult" not in repr(result) and "<CheckResult" not in result._repr_html_()


def test_labels_fit_the_function():
    tanh = [c.label for c in check(lambda dout, x: dout, "tanh_backward", verbose=False).cases]
    relu = [c.label for c in check(lambda dout, x: dout, "relu_backward", verbose=False).cases]
    assert not any(label.startswith("kink") for label in tanh) and any(
        label.startswith("kink") for label in relu
    )


def test_the_table_is_shown_once_in_ipython(monkeypatch):
    shown = []
    fake = type("Shell", (), {"execution_count": 7})()
    monkeypatch.setattr("nnlib.grading.student.display._ipython", lambda: fake)
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    result = check(mse_not_yet, "mse")  # check() shows it (HTML + plain text) ...
    assert len(shown) == 1 and set(shown[0]) == {"text/html", "text/plain"}
    result._ipython_display_()  # ... so the cell's value adds nothing
    assert len(shown) == 1
    fake.execution_count = 8  # a later cell that shows the result again
    result._ipython_display_()
    assert len(shown) == 2


def test_long_messages_wrap_between_words():
    result = check(mse_crashes, "mse", verbose=False)
    words = set(" ".join(result.text().split()).split())
    for line in result.text().splitlines():
        assert len(line) <= 92 or " " not in line.strip()
    assert all(w in words for w in result.cases[0].message.split())


def test_the_hint_points_to_the_chapter_only_when_it_can_help():
    assert check(mse_not_yet, "mse", verbose=False).hint() == ""  # nothing written yet: no pointer
    wrong = check(mse_backward_sign, "mse_backward", verbose=False, hint=True)
    assert wrong.hint().startswith("chapter 2, section") and "Hint: read chapter 2" in wrong.text()
    assert "solution" not in wrong.text().lower()
