"""Worksheets that ask for reasoning: the staged batch-norm backward, the substitutable running
averages, and the success ranges that ``compare`` states (worksheets 2-13, issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib.functional as F
from nnlib.grading import compare, substitute
from nnlib.grading.student import references as R
from nnlib.layers import BatchNorm, Dense
from nnlib.model import Sequential

# --- the staged backward of worksheet 11 -----------------------------------------------------------


def _staged_backward(dout, x, gamma, eps):
    """Worksheet 11's assembly: the five stages, from the last node of the graph to the first."""
    xc = x - x.mean(axis=0)
    std = np.sqrt((xc * xc).mean(axis=0) + eps)
    dxhat, dgamma, dbeta = R.bn_scale_shift_backward(dout, xc / std, gamma)
    dxc, dstd = R.bn_divide_backward(dxhat, xc, std)
    dxc = dxc + R.bn_variance_backward(R.bn_sqrt_backward(dstd, std), xc)
    return R.bn_center_backward(dxc), dgamma, dbeta


@pytest.mark.parametrize("n, d", [(2, 3), (7, 1), (32, 5)], ids=str)
def test_the_stages_compose_to_nnlibs_batchnorm_backward(n, d, eps=1e-5):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, d)) * 3 + 1
    dout, gamma = rng.standard_normal((n, d)), rng.standard_normal(d)
    for got, want in zip(
        _staged_backward(dout, x, gamma, eps), F.batchnorm_backward(dout, x, gamma, eps)
    ):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_each_stage_is_the_numerical_derivative_of_its_node():
    """Every stage against centred differences of its own node (the other inputs held fixed)."""
    from nnlib.gradcheck import numerical_gradient

    rng = np.random.default_rng(0)
    n, d = 6, 3
    xc = rng.standard_normal((n, d))
    std = np.abs(rng.standard_normal(d)) + 0.5
    up = rng.standard_normal((n, d))  # upstream gradient of an (N, D) node
    up_d = rng.standard_normal(d)  # upstream gradient of a (D,) node

    dxc, dstd = R.bn_divide_backward(up, xc, std)
    np.testing.assert_allclose(dxc, numerical_gradient(lambda v: np.sum(up * v / std), xc.copy()))
    np.testing.assert_allclose(
        dstd, numerical_gradient(lambda s: np.sum(up * xc / s), std.copy()), rtol=1e-6
    )
    var = std**2
    np.testing.assert_allclose(
        R.bn_sqrt_backward(up_d, std),
        numerical_gradient(lambda v: np.sum(up_d * np.sqrt(v)), var.copy()),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        R.bn_variance_backward(up_d, xc),
        numerical_gradient(lambda v: np.sum(up_d * (v * v).mean(axis=0)), xc.copy()),
        rtol=1e-6,
    )
    x = xc + 2.0
    np.testing.assert_allclose(
        R.bn_center_backward(up),
        numerical_gradient(lambda v: np.sum(up * (v - v.mean(axis=0))), x.copy()),
        rtol=1e-6,
        atol=1e-9,
    )


# --- update_running_stats: nnlib's own, and substitutable --------------------------------------------


def test_update_running_stats_is_pytorchs_update_and_pure():
    rng = np.random.default_rng(1)
    x, mean0, var0 = rng.standard_normal((5, 3)), rng.standard_normal(3), np.ones(3)
    before = (x.copy(), mean0.copy(), var0.copy())
    mean, var = F.update_running_stats(mean0, var0, x, momentum=0.2)
    np.testing.assert_allclose(mean, 0.8 * mean0 + 0.2 * x.mean(axis=0))
    np.testing.assert_allclose(var, 0.8 * var0 + 0.2 * x.var(axis=0, ddof=1))
    for a, b in zip(before, (x, mean0, var0)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"update_running_stats: .*momentum"):
        F.update_running_stats(mean0, var0, x, momentum=1.5)
    with pytest.raises(ValueError, match="update_running_stats"):
        F.update_running_stats(np.zeros(2), var0, x)


def test_the_batchnorm_layer_keeps_its_state_arrays_and_dtype():
    layer = BatchNorm()
    x = np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32)
    layer.forward(x, training=True)
    running = layer.state["running_mean"]
    layer.forward(x, training=True)
    assert layer.state["running_mean"] is running and running.dtype == np.float32
    np.testing.assert_allclose(running, [0.19 * 2, 0.19 * 4], rtol=1e-6)


def test_substitute_runs_the_students_running_average_inside_the_layer():
    calls = []

    def update_running_stats(running_mean, running_var, x, momentum=0.1):
        calls.append(x.shape)
        return running_mean + 1.0, running_var * 0.0  # a visible (wrong) update

    layer = BatchNorm()
    x = np.random.default_rng(2).standard_normal((4, 3))
    with substitute(update_running_stats=update_running_stats):
        layer.forward(x, training=True)
    assert calls == [(4, 3)]
    np.testing.assert_array_equal(layer.state["running_mean"], np.ones(3))
    np.testing.assert_array_equal(layer.state["running_var"], np.zeros(3))
    layer.forward(x, training=True)  # nnlib's own again
    assert calls == [(4, 3)]
    np.testing.assert_allclose(layer.state["running_mean"], 0.9 + 0.1 * x.mean(axis=0))


# --- compare(..., success=...) ---------------------------------------------------------------------


def _train(seed=0):
    X = np.random.default_rng(0).standard_normal((64, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(1)], seed=seed)
    model.compile(loss="binary_cross_entropy_with_logits", optimizer="adam", metrics=())
    history = model.fit(X, y, epochs=3, batch_size=16, verbose=0)
    return {"final loss": history.history["loss"][-1]}


def _relu_backward(dout, x):
    return dout * (x > 0)


def test_compare_says_whether_the_run_is_inside_its_success_range(capsys):
    loss = _train()["final loss"]
    wide = {"final loss": (loss - 0.01, loss + 0.01)}
    right = compare(_train, success=wide, relu_backward=_relu_backward)
    out = capsys.readouterr().out
    assert right.same and right.succeeded and right.outside() == {}
    assert "inside the success range" in out and f"{loss - 0.01:g} to {loss + 0.01:g}" in out

    narrow = {"final loss": (loss + 1.0, loss + 2.0)}  # nnlib itself misses it: so would you
    missed = compare(_train, success=narrow, relu_backward=_relu_backward)
    assert missed.same and not missed.succeeded and set(missed.outside()) == {"final loss"}
    assert "Not yet a success: final loss" in capsys.readouterr().out

    def relu_backward_bug(dout, x):  # passes dout everywhere: trains, differently
        return dout

    inside_but_different = compare(
        _train, success={"final loss": (0.0, 100.0)}, relu_backward=relu_backward_bug
    )
    assert not inside_but_different.same and inside_but_different.succeeded
    assert "Success: your numbers are inside" in capsys.readouterr().out


def test_compare_with_a_failing_run_is_no_success(capsys):
    def relu_backward(dout, x):
        raise NotImplementedError("relu_backward: replace this line with your code")

    result = compare(_train, success={"final loss": (0.0, 100.0)}, relu_backward=relu_backward)
    assert result.error and not result.succeeded
    assert list(result.outside()) == ["final loss"] and np.isnan(result.outside()["final loss"])
    assert "Your functions failed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "success, error, match",
    [
        ({"final los": (0, 1)}, ValueError, r"compare: success names \['final los'\]"),
        ({"final loss": (1, 0)}, ValueError, "low <= high"),
        ({"final loss": 0.5}, TypeError, r"success\['final loss'\] must be a pair"),
        ([("final loss", (0, 1))], TypeError, "success must be a dict"),
    ],
    ids=["unknown name", "reversed", "not a pair", "not a dict"],
)
def test_compare_rejects_a_malformed_success_range(success, error, match):
    with pytest.raises(error, match=match):
        compare(_train, success=success, verbose=False, relu_backward=_relu_backward)
