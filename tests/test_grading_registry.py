"""The registry is plain, deterministic data; the references it trusts agree with independent oracles."""

import io

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn import metrics as skm
from sklearn.model_selection import KFold

from nnlib.grading.autograder.codec import Unsupported, pack, unpack
from nnlib.grading.student import references as R
from nnlib.grading.student.registry import OUTPUT_KINDS, Case, all_exercises, get, normalize

from helpers import ORACLE_TOL, assert_close, t

EXERCISES = all_exercises()
IDS = [ex.id for ex in EXERCISES]


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_exercise_is_plain_deterministic_data(ex):
    assert ex.points > 0 and ex.output in OUTPUT_KINDS and ex.summary
    public, hidden = ex.public_cases(), ex.hidden_cases()
    assert len(public) >= 2 and len(hidden) >= 2
    assert all(
        _same(a.args, b.args) for a, b in zip(public, ex.public_cases())
    )  # same seeds, same cases
    for case in public + hidden:
        assert isinstance(case, Case) and case.label
        for name in ex.rng_args:
            assert type(case.args[name]) is int
        flat = pack(case.args)
        for value in flat.values():  # every piece survives .npy without pickle
            buf = io.BytesIO()
            np.save(buf, value, allow_pickle=False)
            buf.seek(0)
            np.load(buf, allow_pickle=False)
        assert _same(unpack(flat), case.args)


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_reference_output_matches_the_declared_kind(ex):
    out = ex.expected(ex.public_cases()[0])
    kind = {"array": np.ndarray, "tuple": tuple, "scalar": float, "int": int, "dict": dict}[
        ex.output
    ]
    assert isinstance(out, kind)
    if ex.output == "tuple":
        assert len(out) == len(ex.output_names)
    assert _same(unpack(pack(out)), out)


def test_reference_calls_do_not_touch_the_cases():
    for ex in EXERCISES:
        case = ex.public_cases()[-1]
        before = pack(case.args)
        ex.expected(case)
        assert _same(unpack(pack(case.args)), unpack(before)), ex.id


def test_lookup():
    assert get("adam_step").chapter == 9
    with pytest.raises(KeyError, match="Did you mean adam_step"):
        get("adam_stp")


def test_codec_round_trips_and_refuses_objects():
    value = (
        np.arange(3.0),
        {"t": 2, "m": np.ones((2, 2), dtype=np.float32)},
        [True, None, "s", 1.5],
        np.float32(2.5),
        np.array(3.0),
    )
    back = unpack(pack(value))
    assert _same(back, value)
    assert unpack(pack(object())) == Unsupported("object")
    assert unpack(pack(np.array([object()]))) == Unsupported("ndarray[object]")
    assert normalize([np.float64(1.0), (2,)]) == (1.0, (2,))
    with pytest.raises(ValueError, match="unknown node type"):
        unpack({"__tree__": np.array('{"t": "pickle"}')})


# --- references against independent oracles ----------------------------------------------------


def test_backprop_221_reproduces_the_notes_and_torch(rng):
    x, y = np.array([[0.5, 0.8]]), np.array([[1.0]])
    W1, b1 = np.array([[0.2, 0.3], [0.4, 0.7]]), np.array([0.1, 0.2])
    W2, b2 = np.array([[0.5], [0.6]]), np.array([0.3])
    grads = R.backprop_221(x, y, W1, b1, W2, b2)
    a3 = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(x @ W1 + b1))) @ W2 + b2)))
    assert (
        abs(a3.item() - 0.739) < 5e-4 and abs(grads["b2"].item() - (-0.0503)) < 5e-5
    )  # the notes' numbers
    assert np.allclose(grads["W2"].ravel(), [-0.03155, -0.03587], atol=5e-6)
    for n in (1, 5):
        args = [
            rng.standard_normal((n, 2)),
            rng.random((n, 1)),
            rng.standard_normal((2, 2)),
            rng.standard_normal(2),
            rng.standard_normal((2, 1)),
            rng.standard_normal(1),
        ]
        xs, ys, *params = [t(a, requires_grad=True) for a in args]
        a3 = torch.sigmoid(torch.sigmoid(xs @ params[0] + params[1]) @ params[2] + params[3])
        (((a3 - ys) ** 2).sum() / (2 * n)).backward()
        mine = R.backprop_221(*args)
        for name, p in zip(["W1", "b1", "W2", "b2"], params):
            assert_close(mine[name], p.grad.numpy(), ORACLE_TOL, name)


def test_logistic_and_linear_gradients_match_torch(rng):
    X, y, w = rng.standard_normal((7, 3)), (rng.random(7) > 0.5) * 1.0, rng.standard_normal(3)
    wt, bt = t(w, True), t(0.3, True)
    torch.nn.functional.binary_cross_entropy_with_logits(t(X) @ wt + bt, t(y)).backward()
    dw, db = R.logistic_gradient(w, 0.3, X, y)
    assert_close(dw, wt.grad.numpy(), ORACLE_TOL, "dw")
    assert_close(db, bt.grad.numpy(), ORACLE_TOL, "db")
    wt = t(w, True)
    torch.mean((t(X) @ wt - t(y)) ** 2).backward()
    assert_close(R.linear_gd_step(w, X, y, 0.1), w - 0.1 * wt.grad.numpy(), ORACLE_TOL, "gd step")


def test_mlp_forward_and_running_stats_match_torch(rng):
    x, W1, b1, W2, b2 = (rng.standard_normal(s) for s in [(4, 3), (3, 5), (5,), (5, 2), (2,)])
    ref = torch.relu(t(x) @ t(W1) + t(b1)) @ t(W2) + t(b2)
    assert_close(R.mlp_forward(x, W1, b1, W2, b2), ref.numpy(), ORACLE_TOL, "mlp")
    bn = torch.nn.BatchNorm1d(3, momentum=0.2).double()
    mean0, var0 = rng.standard_normal(3), rng.random(3) + 0.5
    bn.running_mean.copy_(t(mean0))
    bn.running_var.copy_(t(var0))
    xb = rng.standard_normal((6, 3))
    bn.train()(t(xb))
    mean, var = R.update_running_stats(mean0, var0, xb, 0.2)
    assert_close(mean, bn.running_mean.numpy(), ORACLE_TOL, "running mean")
    assert_close(var, bn.running_var.numpy(), ORACLE_TOL, "running var")


def test_gaussian_nll_matches_scipy(rng):
    y, pred = rng.standard_normal(9), rng.standard_normal(9)
    assert np.isclose(
        R.gaussian_nll(y, pred, 0.7), -stats.norm.logpdf(y, pred, 0.7).sum(), rtol=1e-12
    )


def test_lasso_cd_converges_to_nnlib_coordinate_descent(rng):
    from nnlib.linear import coordinate_descent

    X, y = rng.standard_normal((30, 5)), rng.standard_normal(30)
    assert np.allclose(R.lasso_cd(X, y, 4.0, 500), coordinate_descent(X, y, lam1=4.0)[0], atol=1e-8)
    # one sweep, by hand: each coordinate sees the ones updated before it
    w = np.zeros(5)
    for j in range(5):
        rho = X[:, j] @ (y - X @ w + X[:, j] * w[j])
        w[j] = np.sign(rho) * max(abs(rho) - 2.0, 0) / (X[:, j] @ X[:, j])
    assert np.allclose(R.lasso_cd(X, y, 4.0, 1), w)


def test_early_stopping_replays_nnlib_callback():
    from nnlib.callbacks import EarlyStopping

    class Model:
        stop_training = False

        def get_weights(self):
            return []

    curves = [
        [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.6],
        [3.0, 2.0, 1.5],
        [1.0, 1.0, 1.0, 1.0],
        [2.0, 1.0, 1.5, 0.1],
        list(np.random.default_rng(1).random(30)),
    ]
    for curve in curves:
        for patience, min_delta in [(0, 0.0), (1, 0.0), (2, 0.0), (3, 0.05)]:
            cb, model = (
                EarlyStopping(patience=patience, min_delta=min_delta, restore_best=False),
                Model(),
            )
            cb.model = model
            cb.on_train_begin()
            for epoch, loss in enumerate(curve):
                cb.on_epoch_end(epoch, {"val_loss": loss})
                if model.stop_training:
                    break
            stopped = -1 if cb.stopped_epoch is None else cb.stopped_epoch
            assert R.early_stopping(np.array(curve), patience, min_delta) == (
                cb.best_epoch,
                stopped,
            )


def test_methodology_references_match_scikit_learn(rng):
    for n, k in [(10, 5), (11, 3), (7, 7), (103, 10)]:
        for fold, (train, val) in enumerate(KFold(k).split(np.zeros(n))):
            mine = R.kfold_indices(n, k, fold)
            assert np.array_equal(mine[0], train) and np.array_equal(mine[1], val)
    for y_true, y_pred in [
        (rng.integers(0, 2, 20), rng.integers(0, 2, 20)),
        (np.zeros(4, int), np.zeros(4, int)),
        (np.array([1, 0, 1]), np.zeros(3, int)),
    ]:
        assert R.f1_score(y_true, y_pred) == pytest.approx(
            skm.f1_score(y_true, y_pred, zero_division=0)
        )
        p, r = R.precision_recall(y_true, y_pred)
        assert p == pytest.approx(skm.precision_score(y_true, y_pred, zero_division=0))
        assert r == pytest.approx(skm.recall_score(y_true, y_pred, zero_division=0))
    y_true, y_pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    assert np.array_equal(
        R.confusion_counts(y_true, y_pred, 4), skm.confusion_matrix(y_true, y_pred, labels=range(4))
    )


def test_small_references_by_hand_and_torch():
    assert np.array_equal(R.poly_features_1d(np.array([2.0, -1.0]), 3), [[2, 4, 8], [-1, 1, -1]])
    assert np.array_equal(
        R.mcculloch_pitts(np.array([[1.0, 1.0], [1.0, 0.0]]), np.ones(2), 2.0), [1.0, 0.0]
    )
    w, b = R.perceptron_update(
        np.array([1.0, -1.0]), 0.0, np.array([2.0, 2.0]), 0, 0.1
    )  # tie: predicts 1
    assert np.allclose(w, [0.8, -1.2]) and b == pytest.approx(-0.1)
    for n, k, s, p in [(8, 3, 1, 0), (8, 3, 2, 1), (28, 5, 2, 2), (10, 3, 4, 1)]:
        out = torch.nn.functional.conv2d(
            torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p
        )
        assert R.conv_output_size(n, k, s, p) == out.shape[-1]
    steps = np.arange(30.0)
    assert np.allclose(R.time_decay_lr(0.5, 0.1, steps), 0.5 / (1 + 0.1 * steps))
    assert np.allclose(R.step_decay_lr(0.1, 0.5, 5, steps), 0.1 * 0.5 ** np.floor(steps / 5))
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    lrs = []
    for _ in range(21):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert np.allclose(R.cosine_lr(0.1, 20, np.arange(21.0), 0.001), lrs, rtol=1e-12)
