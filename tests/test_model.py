"""nnlib.model.Sequential: training trajectories against torch.nn, accumulation, digits, API and errors."""

import re
import warnings

import numpy as np
import pytest
import torch

from nnlib import functional as F
from nnlib import optim
from nnlib.data import load_digits
from nnlib.layers import Activation, BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from nnlib.model import Sequential

from helpers import assert_close, t

TRAJECTORY_TOL = 1e-9


def bn_mlp(seed=0, l2=0.0):
    """Dense-BN-ReLU-Dense-BN-ReLU-Dense; no bias before BN (beta replaces it, and a bias whose true
    gradient is 0 would only carry rounding noise, which Adam amplifies)."""
    return Sequential(
        [
            Dense(16, input_dim=8, use_bias=False),
            BatchNorm(),
            Activation("relu"),
            Dense(12, use_bias=False),
            BatchNorm(),
            Activation("relu"),
            Dense(4, l2=l2),
        ],
        seed=seed,
    )


def torch_copy(model):
    """The equivalent torch.nn.Sequential with the same weights (torch's Linear stores W transposed)."""
    mods = []
    for layer in model.layers:
        if isinstance(layer, Dense):
            mod = torch.nn.Linear(*layer.params["W"].shape, bias=layer.use_bias)
            weight = layer.params["W"].T
        elif isinstance(layer, Conv2D):
            f, c, kh, kw = layer.params["W"].shape
            mod = torch.nn.Conv2d(c, f, (kh, kw), stride=layer.stride, padding=layer.pad)
            weight = layer.params["W"]
        elif isinstance(layer, BatchNorm):
            mods.append(
                torch.nn.BatchNorm1d(
                    layer.params["gamma"].size, momentum=layer.momentum, eps=layer.eps
                )
            )
            continue
        else:
            mods.append(
                {
                    "Activation": torch.nn.ReLU,
                    "MaxPool2D": lambda layer=layer: torch.nn.MaxPool2d(layer.size),
                    "Flatten": torch.nn.Flatten,
                }[type(layer).__name__]()
            )
            continue
        with torch.no_grad():
            mod.weight.copy_(t(weight))
            if "b" in layer.params:
                mod.bias.copy_(t(layer.params["b"]))
        mods.append(mod)
        if getattr(layer, "activation", None) == "relu":
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def torch_state(net):
    """Parameters and running statistics of ``net`` in nnlib's order and layout."""
    out = []
    for mod in net:
        if isinstance(mod, (torch.nn.Linear, torch.nn.Conv2d)):
            weight = mod.weight.detach().numpy()
            out += [weight.T if isinstance(mod, torch.nn.Linear) else weight]
            out += [mod.bias.detach().numpy()] if mod.bias is not None else []
        elif isinstance(mod, torch.nn.BatchNorm1d):
            out += [
                mod.weight.detach().numpy(),
                mod.bias.detach().numpy(),
                mod.running_mean.numpy(),
                mod.running_var.numpy(),
            ]
    return out


def train_torch(net, torch_opt, X, y, epochs, batch_size, seed, l2=0.0):
    """The loop fit(seed=seed) runs: one rng.permutation per epoch; returns the epoch losses."""
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order, total = rng.permutation(len(X)), 0.0
        for lo in range(0, len(X), batch_size):
            idx = order[lo : lo + batch_size]
            torch_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(t(X[idx])), torch.tensor(y[idx]))
            loss = loss + 0.5 * l2 * (net[-1].weight ** 2).sum()
            loss.backward()
            torch_opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    return losses


def assert_same_training(model, net, history, losses, X):
    ours, theirs = model.get_weights(), torch_state(net)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_close(a, b, TRAJECTORY_TOL, f"weights[{i}]")
    assert_close(history.history["loss"], losses, TRAJECTORY_TOL, "epoch losses")
    net.eval()
    assert_close(
        model.predict(X, logits=True),
        net(t(X)).detach().numpy(),
        TRAJECTORY_TOL,
        "inference output",
    )


def data(n=100, d=8, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (X[:, :k].argmax(axis=1) + (rng.random(n) < 0.2)) % k  # learnable, with 20% noise
    return X, y


OPTIMIZERS = {
    "momentum": (
        lambda: optim.Momentum(lr=0.1, beta=0.9),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    ),
    "adam": (lambda: optim.Adam(lr=1e-2), lambda p: torch.optim.Adam(p, lr=1e-2)),
}


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_bn_mlp_epoch_matches_torch(opt):
    """Two epochs (100 samples, batch 16: the last batch has 4), same weights, same batch order."""
    X, y = data()
    l2 = 1e-2
    model = bn_mlp(l2=l2)
    net = torch_copy(model)
    make_ours, make_torch = OPTIMIZERS[opt]
    model.compile(loss="cross_entropy", optimizer=make_ours())
    history = model.fit(X, y, epochs=2, batch_size=16, seed=7, verbose=0)

    losses = train_torch(
        net, make_torch(net.parameters()), X, y, epochs=2, batch_size=16, seed=7, l2=l2
    )
    assert len(model.get_weights()) == 12  # W, (gamma, beta, running mean, running var) x 2, W, b
    assert_same_training(model, net, history, losses, X)


def test_small_cnn_epoch_matches_torch():
    X, y = load_digits(as_images=True)
    X, y = X[:96], y[:96]
    model = Sequential(
        [
            Conv2D(4, 3, pad=1, activation="relu", input_shape=(1, 8, 8)),
            MaxPool2D(2),
            Conv2D(6, 2, stride=2, activation="relu"),
            Flatten(),
            Dense(10),
        ],
        seed=0,
    )
    net = torch_copy(model)
    model.compile(loss="cross_entropy", optimizer=optim.Momentum(lr=0.05))
    history = model.fit(X, y, epochs=1, batch_size=16, seed=3, verbose=0)
    losses = train_torch(
        net, torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9), X, y, 1, 16, seed=3
    )
    assert_same_training(model, net, history, losses, X)


def test_dropout_mlp_matches_torch_with_the_same_masks():
    X, y = data(n=64)
    p = 0.3
    model = Sequential([Dense(16, activation="relu", input_dim=8), Dropout(p), Dense(4)], seed=1)
    model.compile(loss="cross_entropy", optimizer=optim.Adam(lr=1e-2))
    W1, b1, W2, b2 = (t(w, True) for w in model.get_weights())
    torch_opt = torch.optim.Adam([W1, b1, W2, b2], lr=1e-2)
    for lo in range(0, 64, 16):
        xb, yb = X[lo : lo + 16], y[lo : lo + 16]
        model.train_on_batch(xb, yb)
        mask = t(model.layers[1].mask)
        torch_opt.zero_grad()
        h = torch.relu(t(xb) @ W1 + b1) * mask / (1 - p)
        torch.nn.functional.cross_entropy(h @ W2 + b2, torch.tensor(yb)).backward()
        torch_opt.step()
    for a, b in zip(model.get_weights(), (W1, b1, W2, b2)):
        assert_close(a, b.detach().numpy(), TRAJECTORY_TOL, "weights")


@pytest.mark.parametrize(
    "make_opt", [lambda: optim.SGD(lr=0.5), lambda: optim.Adam(lr=1e-2)], ids=["sgd", "adam"]
)
def test_gradient_accumulation_equals_the_full_batch_step(make_opt):
    """4 micro-batches of 8 with Accumulate(steps=4) == one batch of 32, three times (no BatchNorm)."""
    X, y = data(n=32)

    def mlp():
        return Sequential(
            [Dense(10, activation="tanh", input_dim=8), Dense(6, activation="relu"), Dense(4)],
            seed=3,
        )

    micro, full = mlp(), mlp()
    micro.compile(loss="cross_entropy", optimizer=optim.Accumulate(make_opt(), steps=4))
    full.compile(loss="cross_entropy", optimizer=make_opt())
    start = micro.get_weights()
    micro.fit(X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    full.fit(X, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    assert micro.optimizer.iterations == full.optimizer.iterations == 3
    for a, b, w0 in zip(micro.get_weights(), full.get_weights(), start):
        assert not np.allclose(b, w0)
        assert_close(a, b, 1e-12, "weights")


def test_digits_mlp_reaches_97_percent():
    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1400], order[1400:]
    model = Sequential(
        [Dense(128, activation="relu"), Dense(64, activation="relu"), Dense(10)], seed=0
    )
    model.compile(loss="cross_entropy", optimizer=optim.Adam(lr=3e-3))
    history = model.fit(
        X[train],
        y[train],
        epochs=15,
        batch_size=32,
        seed=0,
        verbose=0,
        validation_data=(X[test], y[test]),
    )
    accuracy = model.evaluate(X[test], y[test])["accuracy"]
    assert accuracy >= 0.97, accuracy
    assert accuracy == history.history["val_accuracy"][-1]
    assert np.mean(model.predict(X[test]).argmax(axis=1) == y[test]) == accuracy


# --------------------------------------------------------------------------------- dtypes
def test_float32_model_trains_in_float32():
    X, y = data()
    model = Sequential([Dense(16, activation="relu"), BatchNorm(), Dropout(0.1), Dense(4)], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(X.astype(np.float32), y, epochs=2, verbose=0)
    assert model.dtype == np.float32
    arrays = {**model.parameters(), **model.gradients()}
    arrays.update(
        {
            f"state {k}": v
            for k, s in model.optimizer.state.items()
            for k, v in s.items()
            if isinstance(v, np.ndarray)
        }
    )
    h = X[:10].astype(np.float32)
    for i, layer in enumerate(model.layers):
        arrays[f"activation {i}"] = h = layer.forward(h, training=True)
    assert {k: a.dtype for k, a in arrays.items() if a.dtype != np.float32} == {}
    assert model.predict(X).dtype == np.float32  # float64 input is cast to the model's dtype


def test_integer_input_gives_a_float64_model():
    model = Sequential([Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="sgd", metrics=())
    model.fit(np.arange(12).reshape(6, 2), np.ones((6, 2)), verbose=0)
    assert model.dtype == np.float64 and model.layers[0].params["W"].dtype == np.float64


# --------------------------------------------------------------------------- API behaviour
def test_predict_applies_the_link_of_the_loss():
    X = np.random.default_rng(0).standard_normal((50, 3))
    for loss, link in (
        ("cross_entropy", F.softmax),
        ("binary_cross_entropy_with_logits", F.sigmoid),
        ("mse", None),
    ):
        model = Sequential(
            [Dense(4, activation="tanh"), Dense(3 if loss == "cross_entropy" else 1)], seed=0
        )
        model.compile(loss=loss, optimizer="sgd")
        logits = model.predict(X, logits=True)
        expected = logits if link is None else link(logits)
        assert_close(model.predict(X), expected, 1e-15, loss)
        assert_close(model.predict(X, batch_size=7), expected, 1e-15, f"{loss}, batched")


def test_binary_labels_of_shape_n_and_accuracy():
    X = np.random.default_rng(0).standard_normal((200, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = Sequential([Dense(8, activation="relu"), Dense(1)], seed=0)
    model.compile(loss="bce_with_logits", optimizer=optim.Adam(lr=0.05))
    model.fit(X, y, epochs=20, batch_size=20, verbose=0)
    p = model.predict(X)
    assert p.shape == (200, 1)
    assert (
        model.evaluate(X, y)["accuracy"] == pytest.approx(np.mean((p[:, 0] > 0.5) == y))
        and np.mean((p[:, 0] > 0.5) == y) > 0.95
    )


def test_one_hot_labels_give_the_same_training_as_integer_labels():
    X, y = data()
    runs = []
    for labels in (y, np.eye(4)[y]):
        model = bn_mlp()
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        runs.append(
            (model.fit(X, labels, epochs=2, seed=0, verbose=0).history, model.get_weights())
        )
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_evaluate_matches_a_manual_computation():
    X, y = data()
    model = Sequential([Dense(6, activation="relu", l1=0.01), Dense(4, l2=0.1)], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(X, y, epochs=1, verbose=0)
    logits = model.predict(X, logits=True)
    W0, W1 = model.layers[0].params["W"], model.layers[1].params["W"]
    loss = F.cross_entropy(logits, y) + 0.01 * np.abs(W0).sum() + 0.05 * (W1**2).sum()
    result = model.evaluate(X, y, batch_size=30)
    assert result["loss"] == pytest.approx(loss, rel=1e-12)
    assert result["accuracy"] == np.mean(logits.argmax(axis=1) == y)


def test_custom_metric_and_loss_objects():
    X, y = data()

    def top2(y_true, y_prob):
        return float(np.mean((np.argsort(y_prob, axis=1)[:, -2:] == y_true[:, None]).any(axis=1)))

    model = Sequential([Dense(8, activation="relu"), Dense(4)], seed=0)
    model.compile(
        loss=(F.cross_entropy, F.cross_entropy_backward),
        optimizer=optim.SGD(lr=0.1),
        metrics=["accuracy", top2],
    )
    history = model.fit(X, y, epochs=2, verbose=0, validation_data=(X, y))
    assert set(history.history) == {
        "loss",
        "accuracy",
        "top2",
        "val_loss",
        "val_accuracy",
        "val_top2",
    }
    assert history.history["val_top2"][-1] >= history.history["val_accuracy"][-1]


def test_weights_round_trip_and_parameter_names():
    model = bn_mlp()
    assert sorted(model.parameters()) == [
        "0.W",
        "1.beta",
        "1.gamma",
        "3.W",
        "4.beta",
        "4.gamma",
        "6.W",
        "6.b",
    ]
    saved = model.get_weights()
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(*data(), epochs=1, verbose=0)
    assert sorted(model.gradients()) == sorted(model.parameters())
    model.set_weights(saved)
    for a, b in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(
        ValueError,
        match=r"Sequential.set_weights: expected weights\[0\] of shape \(8, 16\), got \(16, 8\)",
    ):
        model.set_weights([saved[0].T] + saved[1:])


def test_summary_lists_layers_shapes_and_parameter_counts(capsys):
    model = bn_mlp()
    text = model.summary()
    assert text in capsys.readouterr().out
    lines = text.splitlines()
    assert re.search(r"0: Dense\(16\)\s+\(N, 16\)\s+128$", lines[2])
    assert re.search(r"1: BatchNorm\s+\(N, 16\)\s+32$", lines[3])
    assert re.search(r"6: Dense\(4\)\s+\(N, 4\)\s+52$", lines[8])
    n = 8 * 16 + 2 * 16 + 16 * 12 + 2 * 12 + 12 * 4 + 4
    assert f"Trainable params: {n:,}" in text and "56 non-trainable" in text


def test_progress_bar_shows_the_epoch_and_metrics(capsys):
    model = Sequential([Dense(4)], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(*data(), epochs=2, verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "accuracy=" in err and "loss=" in err
    model.fit(*data(), epochs=1, verbose=0)
    assert capsys.readouterr().err == ""


def test_functional_substitutes_are_used_in_training(monkeypatch):
    """nnlib.grading.student.substitute swaps nnlib.functional attributes after the model exists."""
    model = Sequential([Dense(8, activation="relu"), Dense(4)], seed=0)
    model.compile(loss="cross_entropy", optimizer="sgd")
    calls = {"relu_backward": 0, "cross_entropy_backward": 0, "dense_backward": 0}
    for name in calls:
        original = getattr(F, name)

        def student(*args, _name=name, _original=original):
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(F, name, student)
    model.fit(*data(), epochs=1, batch_size=50, verbose=0)
    assert calls == {"relu_backward": 2, "cross_entropy_backward": 2, "dense_backward": 4}


def _counting(calls, name, fn):
    def wrapper(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        return fn(*args, **kwargs)

    return wrapper


def _ce_training(labels="int"):
    """Weights after an epoch of cross-entropy training (2 batches), with integer or one-hot labels."""
    X, y = data()
    model = Sequential([Dense(8, activation="relu"), Dense(4)], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    model.fit(X, y if labels == "int" else np.eye(4)[y], epochs=1, batch_size=50, verbose=0, seed=0)
    return model.get_weights()


@pytest.mark.parametrize("labels", ["int", "one-hot"])
def test_cross_entropy_training_uses_the_fused_loss_and_gradient(monkeypatch, labels):
    """With nnlib's own cross_entropy and cross_entropy_backward, a step computes one softmax for the
    loss and its gradient (the fused arithmetic), never the two separate functions."""
    from nnlib.functional import losses

    calls = {}
    # the one softmax of the fused arithmetic, whether F.cross_entropy_with_grad or the fast path runs it
    monkeypatch.setattr(losses, "_ce_exp", _counting(calls, "softmax", losses._ce_exp))
    _ce_training(labels)
    assert calls == {"softmax": 2}  # one per batch (the separate loss and gradient would make 4)


@pytest.mark.parametrize("labels", ["int", "one-hot"])
@pytest.mark.parametrize("replaced", ["cross_entropy", "cross_entropy_backward"])
def test_a_substituted_cross_entropy_or_backward_is_used_instead_of_the_fused_call(
    replaced, labels
):
    """nnlib.grading.student.substitute swaps a student's function in: training must call it (with nnlib's
    other function of the pair), not the fused one, and a right function gives the same weights."""
    from nnlib.grading import substitute

    calls = {}
    original_fused = F.cross_entropy_with_grad
    reference = _ce_training(labels)
    with substitute(
        **{
            replaced: _counting(calls, replaced, getattr(F, replaced)),
            "cross_entropy_with_grad": _counting(calls, "fused", original_fused),
        }
    ):
        mine = _ce_training(labels)
    assert calls == {replaced: 2}
    for a, b in zip(mine, reference):
        np.testing.assert_array_equal(
            a, b
        )  # the fused call and the pair give the very same numbers
    assert F.cross_entropy_with_grad is original_fused
    calls.clear()
    _ce_training(labels)
    assert calls == {}  # restored: the student's function is not called any more


# ------------------------------------------------------------------------------ bad input
@pytest.fixture
def compiled():
    model = Sequential([Dense(16, activation="relu", input_dim=20), Dense(3)], seed=0)
    model.compile(loss="cross_entropy", optimizer="adam")
    return model


@pytest.mark.parametrize(
    "X_shape, y, match",
    [
        (
            (10, 20),
            np.zeros(9, int),
            r"Sequential.fit: X and y must have the same number of samples, got X with 10 "
            r"and y of shape \(9,\)",
        ),
        (
            (10, 21),
            np.zeros(10, int),
            r"Sequential.fit: expected X of shape \(N, 20\) \(the model's input shape\), "
            r"got \(10, 21\)",
        ),
        (
            (10, 20),
            np.zeros((10, 4)),
            r"Sequential.fit: loss 'cross_entropy' expects y of shape \(N,\) with integer "
            r"class labels in \[0, 3\) or one-hot of shape \(N, 3\), got y of shape \(10, 4\)",
        ),
        (
            (10, 20),
            np.full(10, 3),
            r"labels in \[0, 3\) .*got y of shape \(10,\) with labels from 3 to 3",
        ),
        ((10, 20), np.full(10, 0.5), r"got y of shape \(10,\) with non-integer labels"),
        (
            (20,),
            np.zeros(1, int),
            r"Sequential.fit: expected X of shape \(N, features...\), got \(20,\)",
        ),
    ],
)
def test_fit_rejects_bad_input(compiled, X_shape, y, match):
    with pytest.raises(ValueError, match=match):
        compiled.fit(np.zeros(X_shape), y, verbose=0)


def test_regression_target_shape_is_checked():
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.compile(loss="mse", optimizer="sgd", metrics=())
    with pytest.raises(
        ValueError,
        match=r"Sequential.fit: loss 'mse' expects y of shape \(N, 2\) \(the model's "
        r"output shape\), got \(5,\)",
    ):
        model.fit(np.zeros((5, 3)), np.zeros(5), verbose=0)


def test_fit_before_compile_and_unknown_names(compiled):
    with pytest.raises(RuntimeError, match=r"Sequential.fit: call compile"):
        Sequential([Dense(2)]).fit(np.zeros((4, 3)), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"unknown loss 'cross_entropi'.*valid names"):
        compiled.compile(loss="cross_entropi")
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'.*valid names"):
        compiled.compile(optimizer="adamm")


def test_nan_loss_names_the_epoch_and_batch(compiled):
    X, y = np.zeros((40, 20)), np.zeros(40, int)
    X[25, 3] = np.nan  # sample 25 sits in the 4th batch of 8 when not shuffled
    with pytest.raises(
        FloatingPointError, match=r"Sequential.fit: the loss became nan at epoch 1/2, batch 4/5"
    ):
        compiled.fit(X, y, epochs=2, batch_size=8, shuffle=False, verbose=0)


def test_divergence_stops_with_floating_point_error():
    X, y = data()
    model = Sequential([Dense(32, activation="relu"), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer=optim.SGD(lr=50.0), metrics=())
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(
            FloatingPointError, match=r"the loss became (nan|inf) at epoch \d+/50, batch \d+/4"
        ):
            model.fit(X, y * 1e3, epochs=50, verbose=0)


# ------------------------------------------------------------------ flat parameter buffer
def _trained_pair(make_opt, steps=5, seed=3):
    """Two twins trained on the same batches: one through the flat buffer, one array by array."""
    X, y = data(n=64, seed=seed)
    models = []
    for flat in (True, False):
        model = Sequential(
            [Dense(16, activation="relu"), BatchNorm(), Dense(8, activation="tanh"), Dense(4)],
            seed=0,
        )
        model.compile(loss="cross_entropy", optimizer=make_opt())
        model.build((X.shape[1],))
        if not flat:
            model._flat = (
                None  # the name-by-name path the model takes for substituted optimizer steps
            )
        for i in range(steps):
            model.train_on_batch(X[8 * i : 8 * i + 16], y[8 * i : 8 * i + 16])
        models.append(model)
    return models


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda: optim.Adam(lr=1e-2),
        lambda: optim.Momentum(lr=0.1),
        lambda: optim.AdamW(lr=1e-2, clip_norm=0.5),
        lambda: optim.Accumulate(optim.RMSProp(lr=1e-2, weight_decay=0.1), 2),
    ],
)
def test_flat_update_is_bit_identical_to_updating_each_array(make_opt):
    fused, separate = _trained_pair(make_opt)
    flat = fused._flat
    assert all(np.shares_memory(w, flat.weights) for w in fused.parameters().values())
    assert all(
        np.shares_memory(g, flat.grads)
        for layer in fused.layers
        if isinstance(layer, Dense)
        for g in layer.grads.values()
    )  # Dense wrote its gradients straight into the buffer
    for name, w in separate.parameters().items():
        if isinstance(make_opt(), optim.AdamW):  # clip_norm sums squares in another order
            assert_close(fused.parameters()[name], w, 1e-13, name)
        else:
            np.testing.assert_array_equal(fused.parameters()[name], w, err_msg=name)
    opt = (
        fused.optimizer.optimizer
        if isinstance(fused.optimizer, optim.Accumulate)
        else fused.optimizer
    )
    buffers = [v for v in opt.state["all"].values() if isinstance(v, np.ndarray)]
    assert (
        list(opt.state) == ["all"]
        and buffers
        and all(v.shape == flat.weights.shape for v in buffers)
    )


def test_a_replaced_parameter_array_is_trained_from_its_new_values():
    X, y = data(n=32)
    twins = []
    for replace in (True, False):
        model = Sequential([Dense(8, activation="relu"), Dense(4)], seed=0)
        model.compile(loss="cross_entropy", optimizer=optim.Adam(lr=1e-2))
        model.train_on_batch(X, y)
        new_W = np.full_like(model.layers[0].params["W"], 0.1)
        if replace:
            model.layers[0].params["W"] = new_W  # a new array, not an in-place update
        else:
            model.layers[0].params["W"][...] = new_W
        model.train_on_batch(X, y)
        twins.append(model.get_weights())
    for a, b in zip(*twins):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_model_trains_like_the_original(how):
    import copy
    import pickle

    X, y = data(n=32)
    model = Sequential([Dense(8, activation="relu"), BatchNorm(), Dense(4)], seed=0)
    model.compile(loss="cross_entropy", optimizer=optim.Adam(lr=1e-2))
    model.fit(X, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    twin = copy.deepcopy(model) if how == "deepcopy" else pickle.loads(pickle.dumps(model))
    for m in (model, twin):
        m.fit(X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all(np.shares_memory(w, twin._flat.weights) for w in twin.parameters().values())


def test_adding_a_layer_after_training_restarts_the_optimizer_state():
    X, y = data(n=32, d=4, k=3)
    model = Sequential([Dense(8, activation="relu", input_dim=4)], seed=0)
    model.compile(loss="mse", optimizer="adam", metrics=())
    model.fit(X, np.zeros((32, 8)), epochs=1, verbose=0)
    model.add(Dense(3))
    assert model.optimizer.state == {}
    model.compile(loss="cross_entropy", optimizer=model.optimizer)
    losses = model.fit(X, y, epochs=30, batch_size=32, verbose=0).history["loss"]
    assert (
        losses[-1] < losses[0] and model.optimizer.state["all"]["m"].size == 4 * 8 + 8 + 8 * 3 + 3
    )
