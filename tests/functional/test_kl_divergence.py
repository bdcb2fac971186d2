"""KL divergence, the one convention everywhere: ``kl_divergence(pred, target)`` is
KL(target || pred), with the model's output first, as ``torch.nn.KLDivLoss(reduction='batchmean')``
computes it on ``log(pred)``, and ``kl_divergence_backward`` is the gradient with respect to pred.

Checked against torch (values and autograd gradients, random inputs including tiny probabilities
and zeros in the target), against its definition, and inside ``compile``/``fit``: training a
softmax output on KL moves the weights exactly as cross-entropy on the logits does (book chapter 8).
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib.functional as F
from nnlib.layers import Activation, Dense
from nnlib.model import Sequential
from nnlib.optim import SGD

from helpers import assert_close, strict_floats, t

KLDIV = torch.nn.KLDivLoss(reduction="batchmean")


def _torch_kl(pred, target):
    """torch's value and gradient with respect to pred, for KL(target || pred)."""
    tp = t(pred, requires_grad=True)
    value = KLDIV(tp.log(), t(target))
    value.backward()
    return value.item(), tp.grad.numpy()


@st.composite
def _pred_and_target(draw):
    """Rows of probabilities: pred in (0, 1] with some tiny entries (down to 1e-300), target with
    some exact zeros; every target row sums to 1."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    log10_pred = rng.uniform(-3, 0, (n, c))
    log10_pred[rng.random((n, c)) < draw(st.sampled_from([0.0, 0.2]))] = -300.0  # tiny
    pred = 10.0**log10_pred
    pred /= pred.sum(axis=1, keepdims=True)
    target = rng.random((n, c))
    target[rng.random((n, c)) < draw(st.sampled_from([0.0, 0.4]))] = 0.0
    target[:, 0] += 0.1  # no all-zero row
    return pred, target / target.sum(axis=1, keepdims=True)


@settings(max_examples=60, deadline=None, database=None)
@given(_pred_and_target())
def test_value_and_gradient_match_torch_kldivloss_without_warnings(pair):
    pred, target = pair
    with strict_floats():
        value, grad = F.kl_divergence(pred, target), F.kl_divergence_backward(pred, target)
    expected_value, expected_grad = _torch_kl(pred, target)
    assert_close(value, expected_value, what="KL(target || pred)")
    assert_close(grad, expected_grad, what="dKL/dpred")


def test_it_is_kl_of_the_target_from_the_prediction():
    pred, target = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    by_hand = 0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(0.5 / 0.1)  # sum target log(target / pred)
    assert_close(F.kl_divergence(pred, target), by_hand, what="KL(target || pred)")
    assert abs(F.kl_divergence(target, pred) - by_hand) > 0.1  # not symmetric: order matters
    np.testing.assert_allclose(F.kl_divergence_backward(pred, target), [-0.5 / 0.9, -0.5 / 0.1])


def test_cross_entropy_minus_entropy_of_the_target():
    rng = np.random.default_rng(0)
    logits, target = rng.normal(size=(6, 4)), F.softmax(rng.normal(size=(6, 4)))
    entropy = -np.sum(target * np.log(target)) / 6
    assert_close(
        F.kl_divergence(F.softmax(logits), target),
        F.cross_entropy(logits, target) - entropy,
        what="KL = CE - H(target)",
    )


def test_zeros_in_the_target_match_torch_and_zero_pred_there_is_zero():
    pred = np.array([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0]])
    target = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])  # one-hot row: pred 0 where target 0
    with strict_floats():
        value, grad = F.kl_divergence(pred, target), F.kl_divergence_backward(pred, target)
    # torch gives NaN for 0 * log 0 at pred = target = 0; everywhere else it agrees
    expected_value, expected_grad = _torch_kl(pred[:1], target[:1])
    assert_close(F.kl_divergence(pred[:1], target[:1]), expected_value, what="row with a zero")
    assert_close(2 * grad[0], expected_grad[0], what="gradient, row with a zero")  # N = 2 vs 1
    assert_close(value, (0.5 * np.log(0.5 / 0.3) + 0.5 * np.log(0.5 / 0.5) + np.log(1 / 0.6)) / 2)
    np.testing.assert_array_equal(
        grad, [[0.0, -0.5 / 0.3 / 2, -0.5 / 0.5 / 2], [-1 / 0.6 / 2, 0, 0]]
    )


def test_a_target_class_the_model_rules_out_is_infinite_and_silent():
    with strict_floats():
        assert F.kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]) == np.inf
        np.testing.assert_array_equal(
            F.kl_divergence_backward([[1.0, 0.0]], [[0.5, 0.5]]), [[-0.5, -np.inf]]
        )


def test_one_distribution_is_a_batch_of_one():
    pred, target = np.array([0.7, 0.2, 0.1]), np.array([0.2, 0.2, 0.6])
    assert_close(F.kl_divergence(pred, target), F.kl_divergence(pred[None], target[None]))
    assert_close(
        F.kl_divergence_backward(pred, target),
        F.kl_divergence_backward(pred[None], target[None])[0],
    )


@pytest.mark.parametrize("fn", [F.kl_divergence, F.kl_divergence_backward])
def test_bad_input_names_the_function_and_the_argument(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=rf"^{name}: expected target of shape \(2, 3\)"):
        fn(np.full((2, 3), 1 / 3), np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match=rf"^{name}: expected pred >= 0 \(probabilities\)"):
        fn(np.array([1.5, -0.5]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match=rf"^{name}: expected target >= 0 \(probabilities\)"):
        fn(np.array([0.5, 0.5]), np.array([1.5, -0.5]))
    with pytest.raises(TypeError, match=rf"^{name}: pred must hold real numbers"):
        fn(np.array(["a", "b"]), np.array([0.5, 0.5]))


# ------------------------------------------------------------------------- in compile / fit


def _twin_models():
    """The same Dense(3) twice: once with a softmax output trained on KL, once on its logits with
    cross-entropy (same seed, so the same initial weights)."""
    kl = Sequential([Dense(3, input_dim=4), Activation("softmax")], seed=0)
    kl.compile(loss="kl_divergence", optimizer=SGD(lr=0.5), metrics=())
    ce = Sequential([Dense(3, input_dim=4)], seed=0)
    ce.compile(loss="cross_entropy", optimizer=SGD(lr=0.5), metrics=())
    return kl, ce


def _data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(16, 4)), F.softmax(rng.normal(size=(16, 3)) * 2)  # soft targets


def test_kl_on_softmax_and_cross_entropy_on_logits_give_the_same_logit_gradient():
    X, P = _data()
    kl, ce = _twin_models()
    logits = ce.forward(X)
    probs = kl.forward(X)
    dlogits_kl = kl.layers[1].backward(F.kl_divergence_backward(probs, P))
    assert_close(dlogits_kl, F.cross_entropy_backward(logits, P), 1e-12, "dKL/dZ vs dCE/dZ")
    assert_close(dlogits_kl, (F.softmax(logits) - P) / len(X), 1e-12, "(softmax(Z) - P) / N")


def test_training_on_kl_follows_cross_entropy_and_evaluate_returns_kl_of_target_from_output():
    X, P = _data()
    kl, ce = _twin_models()
    entropy = -np.sum(P * np.log(P)) / len(X)
    for _ in range(5):
        loss_kl, loss_ce = kl.train_on_batch(X, P), ce.train_on_batch(X, P)
        assert_close(loss_kl, loss_ce - entropy, 1e-10, "KL = CE - H(P) at every step")
    for name, weights in ce.layers[0].params.items():
        assert_close(kl.layers[0].params[name], weights, 1e-10, f"{name} after 5 steps")
    out = kl.predict(X)
    assert_close(kl.evaluate(X, P)["loss"], np.sum(P * np.log(P / out)) / len(X), 1e-12)
    assert kl.evaluate(X, P)["loss"] < F.kl_divergence(np.full_like(P, 1 / 3), P)  # it learned
