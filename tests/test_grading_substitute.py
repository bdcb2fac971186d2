"""substitute(): nnlib's real training loop runs the student's functions, and everything is restored."""

import numpy as np
import pytest

import nnlib.functional as F
import nnlib.init
import nnlib.optim
from nnlib.data import make_moons
from nnlib.grading import substitute
from nnlib.grading.student.substitute import replaceable
from nnlib.layers import Dense
from nnlib.model import Sequential

X, Y = make_moons(64, noise=0.2, rng=0)
ORIGINAL_ADAM = F.adam_step


def _train(**dense):
    model = Sequential([Dense(8, activation="relu", input_dim=2, **dense), Dense(1)], seed=0)
    model.compile(loss="binary_cross_entropy_with_logits", optimizer="adam")
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    return model.get_weights()


def _counting(fn, calls, name):
    def wrapper(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        return fn(*args, **kwargs)

    return wrapper


def test_training_calls_the_students_functions_and_matches_nnlib():
    calls = {}

    def relu_backward(dout, x):
        calls["relu_backward"] = calls.get("relu_backward", 0) + 1
        return dout * (x > 0)

    def adam_step(
        w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8
    ):  # a pure step, as students write it
        calls["adam_step"] = calls.get("adam_step", 0) + 1
        return ORIGINAL_ADAM(w, dw, state, lr, beta1, beta2, eps)

    reference = _train()
    with substitute(
        relu_backward=relu_backward,
        adam_step=adam_step,
        dense_forward=_counting(F.dense_forward, calls, "dense_forward"),
    ):
        mine = _train()
    assert (
        calls["relu_backward"] == 8 and calls["adam_step"] == 8 * 4 and calls["dense_forward"] >= 16
    )
    assert all(np.allclose(a, b, rtol=1e-12, atol=0) for a, b in zip(reference, mine))


def test_a_wrong_function_changes_training():
    def relu_backward(dout, x):
        return -dout * (x > 0)

    with substitute(relu_backward=relu_backward):
        wrong = _train()
    assert not all(np.allclose(a, b) for a, b in zip(_train(), wrong))


def test_everything_is_restored_even_after_an_error():
    tables = (F.ACTIVATIONS["relu"], nnlib.init.INITIALIZERS["he"], dict(F.optim_steps.KERNELS))
    originals = (F.relu_backward, F.l2_penalty, nnlib.optim.l2_penalty, nnlib.init.he_normal)
    with pytest.raises(ZeroDivisionError):
        with substitute(
            relu_backward=lambda d, x: d,
            l2_penalty=lambda w, lam: (0.0, w),
            he_normal=lambda shape, rng: np.zeros(shape),
            adam_step=lambda *a, **k: a[:2],
        ):
            assert (
                F.relu_backward is not originals[0] and F.ACTIVATIONS["relu"][1] is F.relu_backward
            )
            assert nnlib.optim.l2_penalty is F.l2_penalty is not originals[1]  # re-exports follow
            assert nnlib.init.INITIALIZERS["he"] is nnlib.init.he_normal is not originals[3]
            assert F.optim_steps.KERNELS["adam"] is not tables[2]["adam"]
            raise ZeroDivisionError  # leave the block by an exception
    assert (
        F.relu_backward,
        F.l2_penalty,
        nnlib.optim.l2_penalty,
        nnlib.init.he_normal,
    ) == originals
    assert (F.ACTIVATIONS["relu"], nnlib.init.INITIALIZERS["he"], F.optim_steps.KERNELS) == tables


def test_nested_substitutions_unwind_in_order():
    first, second = (lambda d, x: d), (lambda d, x: 2 * d)
    original = F.relu_backward
    with substitute(relu_backward=first):
        with substitute(relu_backward=second):
            assert F.relu_backward.__wrapped__ is second
        assert F.relu_backward.__wrapped__ is first
    assert F.relu_backward is original


def test_extra_keywords_from_nnlib_are_dropped():
    calls = {}

    def he_normal(shape, rng):  # no dtype parameter: Dense passes dtype=..., the wrapper drops it
        calls["he"] = calls.get("he", 0) + 1
        return rng.standard_normal(shape) * np.sqrt(2.0 / shape[0])

    with substitute(he_normal=he_normal):
        weights = _train(kernel_initializer="he")
    assert calls["he"] == 2  # both Dense layers (the default initializer is "he" too)
    assert all(np.allclose(a, b) for a, b in zip(weights, _train(kernel_initializer="he")))


def test_unknown_names_and_non_functions_are_refused_without_changes():
    original = F.relu_backward
    with pytest.raises(
        ValueError,
        match=r"unknown name\(s\) \['relu_backwards'\]; valid names are: .*relu_backward",
    ):
        with substitute(relu_backward=lambda d, x: d, relu_backwards=lambda d, x: d):
            pass
    with pytest.raises(TypeError, match="relu_backward must be a function, got int"):
        with substitute(relu_backward=3):
            pass
    assert F.relu_backward is original
    assert {"relu_backward", "adam_step", "he_normal", "log_uniform", "soft_threshold"} <= set(
        replaceable()
    )


def test_first_dense_layer_still_calls_a_substituted_backward():
    """The first layer skips nnlib's unused dx product, but never skips a student's function."""
    from nnlib import layers

    calls = []

    def my_dense_backward(dout, x, W):
        calls.append(x.shape)
        return dout @ W.T, x.T @ dout, dout.sum(axis=0)

    layer = layers.Dense(3, input_dim=4)
    x = np.ones((2, 4))
    with substitute(dense_backward=my_dense_backward):
        layer.forward(x, training=True)
        layer.backward(np.ones((2, 3)), input_grad=False)
    assert calls == [(2, 4)]
    layer.forward(x, training=True)
    layer.backward(np.ones((2, 3)), input_grad=False)  # nnlib's own again: no student call
    assert calls == [(2, 4)]


# --- compare(): the student's result next to nnlib's own ---------------------------------------------


def _accuracy():
    model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(1)], seed=0)
    model.compile(loss="binary_cross_entropy_with_logits", optimizer="adam", metrics=())
    history = model.fit(X, Y, epochs=5, batch_size=16, verbose=0)
    return {
        "final loss": history.history["loss"][-1],
        "training accuracy": float(np.mean((model.predict(X)[:, 0] > 0.5) == Y)),
    }


def test_compare_shows_both_results_and_flags_a_silent_bug(capsys):
    from nnlib.grading import compare

    def relu_backward(dout, x):
        return dout * (x > 0)

    def relu_backward_silent_bug(dout, x):  # passes dout through everywhere: trains, but worse
        return dout

    right = compare(_accuracy, relu_backward=relu_backward)
    assert right.same and right.yours == right.nnlib
    assert "reproduce nnlib's result" in capsys.readouterr().out
    wrong = compare(_accuracy, relu_backward=relu_backward_silent_bug)
    assert not wrong.same and wrong.nnlib == right.nnlib and wrong.yours != wrong.nnlib
    out = capsys.readouterr().out
    assert f"{wrong.yours['final loss']:.4g}" in out and f"{wrong.nnlib['final loss']:.4g}" in out
    assert "silent bug" in out and F.relu_backward.__module__.startswith("nnlib")


def test_compare_reports_a_failing_run_and_still_shows_the_reference(capsys):
    from nnlib.grading import compare

    def relu_backward(dout, x):
        raise NotImplementedError("relu_backward: replace this line with your code")

    result = compare(_accuracy, relu_backward=relu_backward)
    assert result.error.startswith("NotImplementedError") and result.yours == {} and not result.same
    assert (
        "training accuracy" in result.nnlib and "Your functions failed" in capsys.readouterr().out
    )
    with pytest.raises(ValueError, match="unknown name"):
        compare(_accuracy, relu_backwards=relu_backward, verbose=False)
