"""nnlib.functional losses: PyTorch oracle (value and gradient), centred differences, kinks,
stability, dtypes, purity and error messages."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib.functional as F
from nnlib.gradcheck import numerical_gradient, rel_error

from helpers import GRADCHECK_TOL, ORACLE_TOL, assert_close, strict_floats, t


def _softmax_rows(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# Input makers: (rng, shape, scale) -> (first argument, second argument).
def _regression(rng, shape, scale):
    return rng.standard_normal(shape) * 3 * scale, rng.standard_normal(shape) * 3 * scale


def _hinge(rng, shape, scale):
    return rng.standard_normal(shape) * 2 * scale, rng.choice([-1.0, 1.0], shape)


def _binary_target(rng, shape, soft):
    return rng.uniform(0, 1, shape) if soft else rng.integers(0, 2, shape).astype(float)


def _probabilities(rng, shape, scale):
    return rng.uniform(0.02, 0.98, shape), _binary_target(rng, shape, soft=rng.random() < 0.5)


def _logits(rng, shape, scale):
    # Large logits with hard 0/1 targets have slopes ~e^-|z|, too small for a finite difference.
    return rng.standard_normal(shape) * 4 * scale, _binary_target(rng, shape, soft=scale > 1)


def _labels(rng, shape, scale):
    return rng.standard_normal(shape) * 3 * scale, rng.integers(0, shape[1], shape[0])


def _distributions(rng, shape, scale):
    y = _softmax_rows(rng.standard_normal(shape) * 2)
    kind = rng.integers(3)
    if kind == 1:  # one-hot rows
        y = np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    elif kind == 2:  # rows not summing to 1: torch accepts them, and the gradient must too
        y = y * rng.uniform(0.5, 1.5, (shape[0], 1))
    return rng.standard_normal(shape) * 3 * scale, y


def _kl(rng, shape, scale):
    # pred (first) is kept >= 1/(2C), so a centred difference resolves the curvature target/pred^2;
    # tiny probabilities and zeros are tested in test_kl_divergence.py
    pred = 0.5 * _softmax_rows(rng.standard_normal(shape) * 2) + 0.5 / shape[-1]
    return pred, _softmax_rows(rng.standard_normal(shape) * 2)


# id: (nnlib name, kwargs, input maker, dims of the input, torch reference(first tensor, second array)).
CASES = {
    "mse": ("mse", {}, _regression, (1, 3), lambda a, b: TF.mse_loss(a, t(b))),
    "mae": ("mae", {}, _regression, (1, 3), lambda a, b: TF.l1_loss(a, t(b))),
    "huber": ("huber", {}, _regression, (1, 3), lambda a, b: TF.huber_loss(a, t(b))),
    "huber-0.7": (
        "huber",
        {"delta": 0.7},
        _regression,
        (1, 3),
        lambda a, b: TF.huber_loss(a, t(b), delta=0.7),
    ),
    "hinge": ("hinge", {}, _hinge, (1, 3), lambda s, y: torch.relu(1 - t(y) * s).mean()),
    "bce": (
        "binary_cross_entropy",
        {},
        _probabilities,
        (1, 3),
        lambda p, y: TF.binary_cross_entropy(p, t(y)),
    ),
    "bce_logits": (
        "binary_cross_entropy_with_logits",
        {},
        _logits,
        (1, 3),
        lambda z, y: TF.binary_cross_entropy_with_logits(z, t(y)),
    ),
    "ce_labels": (
        "cross_entropy",
        {},
        _labels,
        (2, 2),
        lambda z, y: TF.cross_entropy(z, torch.as_tensor(y)),
    ),
    "ce_probs": (
        "cross_entropy",
        {},
        _distributions,
        (2, 2),
        lambda z, y: TF.cross_entropy(z, t(y)),
    ),
    "kl": (
        "kl_divergence",
        {},
        _kl,
        (2, 2),
        # KL(target || pred) with the prediction first, as torch's KLDivLoss on log(pred)
        lambda pred, target: TF.kl_div(pred.log(), t(target), reduction="batchmean"),
    ),
}
ELEMENTWISE = [case for case, spec in CASES.items() if spec[3] == (1, 3)]
H = 1e-5  # centred-difference step
SETTINGS = settings(max_examples=30, deadline=None, database=None)


def loss(case, a, b):
    name, kw, *_ = CASES[case]
    return getattr(F, name)(a, b, **kw)


def grad(case, a, b):
    name, kw, *_ = CASES[case]
    return getattr(F, name + "_backward")(a, b, **kw)


def make(case, seed, shape=(4, 3), scale=1.0):
    return CASES[case][2](np.random.default_rng(seed), shape, scale)


def check_against_torch(case, a, b, tol=ORACLE_TOL):
    ta = t(a, requires_grad=True)
    expected = CASES[case][4](ta, b)
    expected.backward()
    assert_close(loss(case, a, b), expected.detach().numpy(), tol, f"{case} value")
    assert_close(grad(case, a, b), ta.grad.numpy(), tol, f"{case} gradient")


# ------------------------------------------------------------------------------ torch oracle


@pytest.mark.parametrize("case", CASES)
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_matches_torch(case, data, seed):
    lo, hi = CASES[case][3]
    shape = data.draw(hnp.array_shapes(min_dims=lo, max_dims=hi, max_side=6))
    check_against_torch(case, *make(case, seed, shape))


def test_kl_of_one_distribution_is_batch_of_one():
    pred, target = make("kl", 0, (1, 5))
    assert_close(
        F.kl_divergence(pred[0], target[0]), F.kl_divergence(pred, target), what="1-D kl value"
    )
    assert_close(
        F.kl_divergence_backward(pred[0], target[0]),
        F.kl_divergence_backward(pred, target)[0],
        what="1-D kl grad",
    )
    check_against_torch("kl", pred, target)


# ------------------------------------------------------------------- centred differences


@pytest.mark.parametrize(
    "case, scale",
    [(case, 1.0) for case in CASES]
    + [
        (case, 10.0)
        for case in CASES
        if case not in ("bce", "kl")  # probabilities cannot be large
    ],
)
def test_gradcheck(case, scale):
    a, b = make(case, 1, scale=scale)
    numeric = numerical_gradient(lambda v: loss(case, v, b), a.copy(), h=H)
    analytic = grad(case, a, b)
    # A centred difference cannot resolve slopes below ~eps |L| / h (a class that logits of +-30
    # rule out has slope ~e^-30), so at large scale those are checked to that absolute floor.
    floor = 4 * np.finfo(float).eps * abs(loss(case, a, b)) / H if scale > 1 else 0.0
    bad = np.abs(analytic - numeric) > GRADCHECK_TOL * (np.abs(analytic) + np.abs(numeric)) + floor
    assert not bad.any(), f"{case}: relative error {rel_error(analytic, numeric):.2e} at {a[bad]}"


# ----------------------------------------------------------------------------------- kinks


def test_mae_at_zero_residual_matches_torch():
    pred, target = np.array([1.0, -2.0, 0.5, 3.0]), np.array([1.0, -2.0, 0.0, 4.0])
    check_against_torch("mae", pred, target)
    assert F.mae_backward(pred, target)[0] == 0.0


@pytest.mark.parametrize("case", ["huber", "huber-0.7"])
def test_huber_at_residual_equal_to_delta_matches_torch(case):
    delta = CASES[case][1].get("delta", 1.0)
    target = np.array([0.25, -0.5, 1.0, 2.0, 0.0])
    pred = target + np.array([delta, -delta, delta, 0.1, -3.0])  # exact in binary
    assert np.array_equal(np.abs(pred - target)[:3], [delta] * 3)
    check_against_torch(case, pred, target)


def test_hinge_at_margin_exactly_one_matches_torch_relu():
    scores, y = np.array([1.0, -1.0, 0.5, 2.0]), np.array([1.0, -1.0, 1.0, -1.0])
    check_against_torch("hinge", scores, y)
    np.testing.assert_array_equal(F.hinge_backward(scores, y), [0.0, 0.0, -0.25, 0.25])


def test_bce_at_probability_zero_and_one_matches_torch():
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 0.7, 1.0])
    with strict_floats():
        check_against_torch("bce", p, y)
        assert np.isfinite(F.binary_cross_entropy(p, y))


def test_kl_zero_probabilities():
    pred = np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])
    target = np.array([[0.0, 0.5, 0.5], [0.0, 0.25, 0.75]])  # target = 0 with pred = 0: term is 0
    with strict_floats():
        value, g = F.kl_divergence(pred, target), F.kl_divergence_backward(pred, target)
    # Dropping the target = 0 column must not change KL; torch agrees on the remaining entries.
    check_against_torch("kl", pred[:, 1:], target[:, 1:])
    assert_close(value, F.kl_divergence(pred[:, 1:], target[:, 1:]), what="kl without target=0")
    np.testing.assert_array_equal(g[:, 0], [0.0, 0.0])  # target = 0: the term is 0 for every pred
    assert F.kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]) == np.inf  # the target's class has pred 0


# ---------------------------------------------------------------------------- stability

BIG = np.array([-1e4, -1e4, 1e4, 1e4, 0.0, -1e4])
BIG_CASES = {  # case: (first argument, second argument), with |inputs| up to 1e4
    "mse": (BIG, -BIG[::-1]),
    "mae": (BIG, -BIG[::-1]),
    "huber": (BIG, -BIG[::-1]),
    "hinge": (BIG, np.array([1.0, -1.0, 1.0, -1.0, 1.0, 1.0])),
    "bce_logits": (BIG, np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.3])),
    "ce_labels": (BIG.reshape(2, 3), np.array([0, 2])),
    "ce_probs": (BIG.reshape(2, 3), np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])),
}


@pytest.mark.parametrize("case", BIG_CASES)
def test_huge_inputs_are_finite_silent_and_match_torch(case):
    a, b = BIG_CASES[case]
    with strict_floats():
        check_against_torch(case, a, b)
        assert np.isfinite(loss(case, a, b)) and np.all(np.isfinite(grad(case, a, b)))


# --------------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("case", CASES)
def test_float32_stays_float32(case):
    a, b = make(case, 2)
    a32 = a.astype(np.float32)
    b32 = b if b.dtype.kind == "i" else b.astype(np.float32)
    value, g = loss(case, a32, b32), grad(case, a32, b32)
    assert value.dtype == np.float32 and g.dtype == np.float32, (value.dtype, g.dtype)
    assert_close(value, loss(case, a32.astype(float), b32), 1e-5, f"{case} float32 value")
    assert_close(g, grad(case, a32.astype(float), b32), 1e-5, f"{case} float32 gradient")


@pytest.mark.parametrize("case", ["mse", "hinge", "bce", "bce_logits"])
def test_integer_targets_take_the_dtype_of_the_prediction(case):
    a, b = make(case, 3)
    b_int = np.sign(b).astype(int) if case == "hinge" else np.round(b).astype(int)
    for dtype in (np.float32, np.float64):
        assert loss(case, a.astype(dtype), b_int).dtype == dtype
        assert grad(case, a.astype(dtype), list(b_int)).dtype == dtype


# ------------------------------------------------------------------------------- purity


@pytest.mark.parametrize("case", CASES)
def test_inputs_not_modified(case):
    a, b = make(case, 4)
    a0, b0 = a.copy(), b.copy()
    loss(case, a, b)
    g = grad(case, a, b)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)
    assert not np.shares_memory(g, a)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("backward", [False, True], ids=["loss", "backward"])
@pytest.mark.parametrize("case", ELEMENTWISE + ["kl"])
def test_shape_mismatch_names_function_and_both_shapes(case, backward):
    a, b = make(case, 5, shape=(5, 1))
    fn = CASES[case][0] + ("_backward" if backward else "")
    msg = (
        re.escape(f"{fn}: expected ")
        + r"\w+"
        + re.escape(" of shape (5, 1) (the shape of ")
        + r"\w+"
        + re.escape("), got (5,)")
    )
    with pytest.raises(ValueError, match=msg):
        (grad if backward else loss)(case, a, b[:, 0])


@pytest.mark.parametrize("case", CASES)
def test_complex_input_is_a_type_error(case):
    a, b = make(case, 6)
    with pytest.raises(TypeError, match=rf"^{CASES[case][0]}: \w+ must hold real numbers.*complex"):
        loss(case, a.astype(complex), b)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.cross_entropy_backward])
@pytest.mark.parametrize(
    "y, match",
    [
        (
            [0, 3],
            r"expected integer labels y in \[0, 3\) \(C = logits.shape\[1\] = 3\), got values in \[0, 3\]",
        ),
        ([-1, 2], r"expected integer labels y in \[0, 3\) .*got values in \[-1, 2\]"),
        (
            [0.0, 1.5],
            r"expected integer labels y in \[0, 3\), got non-integer values in \[0, 1.5\]",
        ),
        (
            [0.0, np.inf],
            r"expected integer labels y in \[0, 3\), got non-integer values in \[0, inf\]",
        ),
        (
            np.ones((2, 4)),
            re.escape(
                "expected y of shape (2,) (integer labels) or (2, 3) "
                "(one-hot/probabilities), got (2, 4)"
            ),
        ),
    ],
)
def test_cross_entropy_bad_labels(fn, y, match):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: {match}"):
        fn(np.zeros((2, 3)), np.asarray(y))


def test_cross_entropy_accepts_integral_float_labels_and_rejects_bad_logits():
    z = np.random.default_rng(7).standard_normal((3, 4))
    assert F.cross_entropy(z, np.array([0.0, 3.0, 1.0])) == F.cross_entropy(z, np.array([0, 3, 1]))
    np.testing.assert_array_equal(
        F.cross_entropy_backward(z, np.array([True, False, True])),
        F.cross_entropy_backward(z, [1, 0, 1]),
    )  # labels, not a mask
    with pytest.raises(
        TypeError, match=r"^cross_entropy: expected integer labels y in \[0, 4\), got dtype <U1"
    ):
        F.cross_entropy(z, np.array(["a", "b", "c"]))
    with pytest.raises(
        ValueError, match=re.escape("cross_entropy: expected logits of shape (N, C), got (4,)")
    ):
        F.cross_entropy(z[0], np.array([1]))


@pytest.mark.parametrize(
    "fn, args, match",
    [
        (
            F.binary_cross_entropy,
            ([0.5, 1.5], [1, 0]),
            r"expected p in \[0, 1\] .*got values in \[0.5, 1.5\]",
        ),
        (
            F.binary_cross_entropy_backward,
            ([-0.1, 0.5], [1, 0]),
            r"expected p in \[0, 1\] .*got values in \[-0.1, 0.5\]",
        ),
        (
            F.hinge,
            ([0.5, 1.5], [1, 0]),
            r"expected y_pm1 with values in \{-1, \+1\} .*got values in \[0, 1\]",
        ),
        (F.hinge_backward, ([0.5, 1.5], [1, 2]), r"expected y_pm1 with values in \{-1, \+1\}"),
        (
            F.kl_divergence,
            ([-0.1, 1.1], [0.5, 0.5]),
            r"expected pred >= 0 .*got values in \[-0.1, 1.1\]",
        ),
        (
            F.kl_divergence_backward,
            ([0.5, 0.5], [1.5, -0.5]),
            r"expected target >= 0 .*got values in \[-0.5, 1.5\]",
        ),
        (
            F.kl_divergence,
            (np.ones((2, 2, 2)), np.ones((2, 2, 2))),
            re.escape("expected pred of shape (C,) or (N, C)"),
        ),
        (F.huber, ([1.0], [2.0], 0.0), r"expected delta > 0, got 0.0"),
        (F.huber_backward, ([1.0], [2.0], -1.0), r"expected delta > 0, got -1.0"),
        (F.mse, ([], []), re.escape("expected a non-empty pred, got shape (0,)")),
    ],
)
def test_bad_values_are_value_errors(fn, args, match):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: {match}"):
        fn(*args)


# ------------------------------------------------------------------------------ registry


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("mse", "mse"),
        ("mean_squared_error", "mse"),
        ("MSE", "mse"),
        ("mae", "mae"),
        ("mean_absolute_error", "mae"),
        ("huber", "huber"),
        ("hinge", "hinge"),
        ("bce", "binary_cross_entropy"),
        ("binary_crossentropy", "binary_cross_entropy"),
        ("bce_with_logits", "binary_cross_entropy_with_logits"),
        ("cross_entropy", "cross_entropy"),
        ("categorical_crossentropy", "cross_entropy"),
        ("sparse_categorical_crossentropy", "cross_entropy"),
        ("kld", "kl_divergence"),
    ],
)
def test_get_loss_aliases(name, canonical):
    assert F.get_loss(name) == (getattr(F, canonical), getattr(F, canonical + "_backward"))


def test_registry_pairs_each_loss_with_its_backward():
    assert {spec[0] for spec in CASES.values()} <= set(F.LOSSES)
    for name, (fn, bwd) in F.LOSSES.items():
        assert bwd is getattr(F, fn.__name__ + "_backward"), name


def test_get_loss_unknown_lists_valid_names():
    with pytest.raises(
        ValueError,
        match=r"^get_loss: unknown loss 'mean_sqaured_error' "
        r"\(did you mean 'mean_squared_error'\?\); valid names: ",
    ) as info:
        F.get_loss("mean_sqaured_error")
    assert all(name in str(info.value) for name in F.LOSSES)


# ------------------------------------------------------------- fused cross-entropy and gradient


def _ce_targets(rng, n, c, kind):
    """Targets of every form cross_entropy accepts; kind "labels-*" takes the fast path or not."""
    labels = rng.integers(0, c, n)
    return {
        "labels-int64": labels,
        "labels-uint8": labels.astype(np.uint8),
        "labels-list": labels.tolist(),
        "labels-float": labels.astype(float),
        "labels-bool": labels % 2 == 1,
        "probs": _softmax_rows(rng.standard_normal((n, c))),
        "one-hot": np.eye(c)[labels],
    }[kind]


CE_KINDS = [
    "labels-int64",
    "labels-uint8",
    "labels-list",
    "labels-float",
    "labels-bool",
    "probs",
    "one-hot",
]


@pytest.mark.parametrize("kind", CE_KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n, c, scale", [(1, 2, 1.0), (5, 3, 1.0), (64, 10, 3.0), (40, 33, 1.0), (7, 10, 1e4)]
)
def test_cross_entropy_with_grad_is_the_pair_bit_for_bit(kind, dtype, n, c, scale):
    rng = np.random.default_rng(n * c)
    z = (rng.standard_normal((n, c)) * scale).astype(dtype)
    y = _ce_targets(rng, n, 2 if kind == "labels-bool" else c, kind)
    if kind in ("probs", "one-hot"):
        y = y.astype(dtype)
    with strict_floats():
        value, g = F.cross_entropy_with_grad(z, y)
        expected_value, expected_g = F.cross_entropy(z, y), F.cross_entropy_backward(z, y)
    assert type(value) is type(expected_value) is dtype and g.dtype == dtype
    assert value.tobytes() == expected_value.tobytes()  # the same bits, not merely close
    np.testing.assert_array_equal(g, expected_g)


@pytest.mark.parametrize("case", ["ce_labels", "ce_probs"])
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_cross_entropy_with_grad_matches_torch(case, data, seed):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, max_side=6))
    z, y = make(case, seed, shape)
    tz = t(z, requires_grad=True)
    expected = CASES[case][4](tz, y)
    expected.backward()
    value, g = F.cross_entropy_with_grad(z, y)
    assert_close(value, expected.detach().numpy(), ORACLE_TOL, "value")
    assert_close(g, tz.grad.numpy(), ORACLE_TOL, "gradient")


@pytest.mark.parametrize("case", ["ce_labels", "ce_probs"])
def test_cross_entropy_with_grad_of_huge_logits_is_silent_and_pure(case):
    z, y = BIG_CASES[case]
    z0, y0 = z.copy(), y.copy()
    with strict_floats():
        value, g = F.cross_entropy_with_grad(z, y)
    check_against_torch(case, z, y)
    assert np.isfinite(value) and np.isfinite(g).all() and not np.shares_memory(g, z)
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize(
    "y, match",
    [
        (
            np.array([0, 3]),
            r"expected integer labels y in \[0, 3\) \(C = logits.shape\[1\] = 3\), got values in \[0, 3\]",
        ),
        (np.array([-1, 2]), r"expected integer labels y in \[0, 3\) .*got values in \[-1, 2\]"),
        (
            np.array([2**63, 0], dtype=np.uint64),
            r"expected integer labels y in \[0, 3\) .*got values in",
        ),
        (
            np.array([0.0, 1.5]),
            r"expected integer labels y in \[0, 3\), got non-integer values in \[0, 1.5\]",
        ),
        (
            np.zeros(3, int),
            re.escape(
                "expected y of shape (2,) (integer labels) or (2, 3) (one-hot/probabilities), "
                "got (3,)"
            ),
        ),
    ],
)
def test_cross_entropy_with_grad_rejects_bad_labels_by_name(y, match):
    with pytest.raises(ValueError, match=rf"^cross_entropy_with_grad: {match}"):
        F.cross_entropy_with_grad(np.zeros((2, 3)), y)


@pytest.mark.parametrize(
    "z, y, match",
    [
        (np.zeros(3), np.array([1]), re.escape("expected logits of shape (N, C), got (3,)")),
        (
            np.zeros((0, 3)),
            np.zeros(0, int),
            re.escape("expected logits of shape (N, C) with N, C >= 1, got (0, 3)"),
        ),
        (
            np.zeros((2, 0)),
            np.zeros(2, int),
            re.escape("expected logits of shape (N, C) with N, C >= 1, got (2, 0)"),
        ),
    ],
)
def test_cross_entropy_rejects_bad_logits_with_integer_labels(z, y, match):
    for fn in (F.cross_entropy, F.cross_entropy_backward, F.cross_entropy_with_grad):
        with pytest.raises(ValueError, match=rf"^{fn.__name__}: {match}"):
            fn(z, y)


@pytest.mark.parametrize(
    "shape", [(1, 3), (16, 10), (300, 10), (64, 32), (64, 33), (5, 200), (3, 4, 5)]
)
def test_softmax_and_log_softmax_are_exactly_the_textbook_formula(shape):
    """softmax and log_softmax take the max of short rows by a faster route; the max is exact, so
    the results must equal the plain formulas bit for bit (-inf and nan rows included)."""
    x = np.random.default_rng(0).standard_normal(shape) * 30
    x.reshape(-1, shape[-1])[0, 0] = -np.inf
    if shape[0] > 1:
        x[1] = np.nan
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(F.softmax(x), e / e.sum(axis=-1, keepdims=True))
        np.testing.assert_array_equal(
            F.log_softmax(x), (x - m) - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
        )


@pytest.mark.parametrize(
    "fn", [F.cross_entropy, F.cross_entropy_backward, F.cross_entropy_with_grad]
)
def test_label_arrays_and_label_lists_give_the_same_bits(fn):
    """An int array of labels takes a shorter validation path than a list; the results are the same."""
    rng = np.random.default_rng(3)
    z, y = rng.standard_normal((9, 4)), rng.integers(0, 4, 9)
    fast, slow = fn(z, y), fn(z, y.tolist())
    pairs = zip(fast, slow) if isinstance(fast, tuple) else [(fast, slow)]
    for a, b in pairs:
        np.testing.assert_array_equal(a, b)
