"""nnlib.linear against scikit-learn (the classical oracle) and PyTorch (the loss definitions).

scikit-learn's objectives are scaled differently from ours; every conversion below is the one
the module docstring documents, so a wrong conversion there fails here.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn import linear_model as sk
from sklearn.preprocessing import PolynomialFeatures

from nnlib import linear as L
from nnlib.data import make_categorical

SK_TOL = 1e-6
CASES = [(20, 1, 0), (60, 4, 1), (150, 10, 2), (12, 8, 3)]  # (N, D, seed), incl. N close to D


def assert_matches(actual, expected, tol=SK_TOL, what=""):
    """Max abs difference relative to the scale of ``expected`` (at least 1).

    Element-wise relative error is meaningless for coefficients that are ~0 (lasso, sklearn's
    solver noise), so the error is measured against the largest coefficient instead.
    """
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = np.max(np.abs(actual - expected), initial=0.0) / max(
        1.0, np.max(np.abs(expected), initial=0.0)
    )
    assert err <= tol, f"{what}: error {err:.3e} > {tol:.0e}"


def regression_data(n, d, seed, noise=0.5):
    """Features with different scales and offsets, so centring and the intercept matter."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.uniform(-2.0, 2.0, d)
    y = X @ rng.standard_normal(d) + 1.5 + noise * rng.standard_normal(n)
    return X, y


def classification_data(n, d, k, seed):
    """Noisy labels from a random linear score: not separable, so the unpenalised MLE exists."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    scores = X @ rng.standard_normal((d, k)) + rng.standard_normal((n, k))
    y = scores.argmax(axis=1) if k > 2 else (scores[:, 0] > scores[:, 1]).astype(int)
    return X, y


def assert_same_model(ours, theirs, what):
    assert_matches(ours.coef_, theirs.coef_, what=f"{what} coef_")
    assert_matches(ours.intercept_, theirs.intercept_, what=f"{what} intercept_")


# ----------------------------------------------------------------------------- closed forms vs sklearn
@pytest.mark.parametrize("n,d,seed", CASES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ols_and_ridge_match_sklearn(n, d, seed, fit_intercept):
    X, y = regression_data(n, d, seed)
    ols = L.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert_same_model(ols, sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y), "OLS")
    assert_matches(
        ols.predict(X), sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y).predict(X)
    )
    for lam in (0.01, 1.0, 50.0):  # our lam is sklearn's alpha
        ridge = L.Ridge(lam=lam, fit_intercept=fit_intercept).fit(X, y)
        assert_same_model(
            ridge, sk.Ridge(alpha=lam, fit_intercept=fit_intercept).fit(X, y), f"ridge lam={lam}"
        )


@pytest.mark.parametrize("n,d,seed", CASES)
def test_plain_functions_match_sklearn_without_intercept(n, d, seed):
    X, y = regression_data(n, d, seed)
    assert_matches(
        L.normal_equations(X, y), np.linalg.lstsq(X, y, rcond=None)[0], what="normal_equations"
    )
    assert_matches(
        L.ridge_closed_form(X, y, 2.0), sk.Ridge(alpha=2.0, fit_intercept=False).fit(X, y).coef_
    )


@pytest.mark.parametrize("n,d,seed", CASES)
@pytest.mark.parametrize("frac", [0.02, 0.3])
def test_lasso_matches_sklearn(n, d, seed, frac):
    X, y = regression_data(n, d, seed)
    lam = frac * L.lasso_lambda_max(X, y)
    ours = L.Lasso(lam=lam, tol=1e-13).fit(X, y)
    theirs = sk.Lasso(alpha=lam / (2 * n), tol=1e-14, max_iter=1_000_000).fit(X, y)
    assert_same_model(ours, theirs, f"lasso lam={lam:.3g}")


@pytest.mark.parametrize("n,d,seed", CASES)
@pytest.mark.parametrize("lam2", [0.5, 20.0])
def test_elastic_net_matches_sklearn(n, d, seed, lam2):
    X, y = regression_data(n, d, seed)
    lam1 = 0.1 * L.lasso_lambda_max(X, y)
    ours = L.ElasticNet(lam1=lam1, lam2=lam2, tol=1e-13).fit(X, y)
    alpha, l1_ratio = lam1 / (2 * n) + lam2 / n, lam1 / (lam1 + 2 * lam2)
    theirs = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=1_000_000).fit(X, y)
    assert_same_model(ours, theirs, "elastic net")
    # and the documented inverse conversion gives back our parameters
    assert np.isclose(2 * n * alpha * l1_ratio, lam1) and np.isclose(
        n * alpha * (1 - l1_ratio), lam2
    )


def test_elastic_net_limits_are_ridge_and_lasso():
    X, y = regression_data(50, 5, 7)
    assert_matches(
        L.ElasticNet(lam1=0.0, lam2=3.0, tol=1e-14).fit(X, y).coef_, L.Ridge(3.0).fit(X, y).coef_
    )
    assert_matches(
        L.ElasticNet(lam1=4.0, lam2=0.0).fit(X, y).coef_, L.Lasso(4.0).fit(X, y).coef_, tol=0
    )


def test_ridge_does_not_penalise_the_intercept():
    X, y = regression_data(40, 3, 4)
    model = L.Ridge(lam=1e12).fit(X, y)
    assert np.max(np.abs(model.coef_)) < 1e-8
    assert np.isclose(model.intercept_, y.mean(), rtol=1e-10)  # not shrunk towards 0


def test_ridge_approaches_ols_as_lam_vanishes():
    X, y = regression_data(40, 3, 5)
    assert_matches(
        L.Ridge(lam=1e-9).fit(X, y).coef_, L.LinearRegression().fit(X, y).coef_, tol=1e-8
    )


# ----------------------------------------------------------------------------- lasso sparsity
def test_soft_threshold_matches_torch_softshrink(rng):
    x = rng.standard_normal((4, 5)) * 3
    x[0, :3] = [1.0, -1.0, 0.0]  # exactly at the threshold and at zero
    for lam in (0.0, 0.5, 1.0, 10.0):
        expected = torch.nn.functional.softshrink(torch.tensor(x), lam).numpy()
        np.testing.assert_array_equal(L.soft_threshold(x, lam), expected)


def test_lasso_gives_exact_zeros_when_lambda_is_large():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100, 8))
    w = np.array([3.0, -2.0, 0, 0, 0, 0, 0, 0])
    y = X @ w + 0.1 * rng.standard_normal(100)
    lam_max = L.lasso_lambda_max(X, y)
    at_max = L.Lasso(lam=lam_max).fit(X, y)
    assert np.all(at_max.coef_ == 0.0)
    assert at_max.intercept_ == pytest.approx(y.mean(), rel=1e-12)
    below = L.Lasso(lam=0.95 * lam_max).fit(X, y).coef_
    assert np.count_nonzero(below) == 1  # the strongest feature enters first
    model = L.Lasso()
    model.lam = 0.2 * lam_max  # set after construction, as a tuning loop would
    mid = model.fit(X, y).coef_
    assert np.all(mid[2:] == 0.0) and np.all(mid[:2] != 0.0)
    # ridge shrinks but never zeroes
    assert np.all(L.Ridge(lam=0.2 * lam_max).fit(X, y).coef_ != 0.0)


# ----------------------------------------------------------------------------- singular systems
def _singular_message(fit):
    with pytest.raises(L.SingularMatrixError) as info:
        fit()
    assert isinstance(info.value, ValueError) and isinstance(info.value, np.linalg.LinAlgError)
    return str(info.value)


def test_dummy_variable_trap_raises_a_clear_error():
    X, y = make_categorical(60, effects=(45000.0, 55000.0, 52000.0), rng=1)
    msgs = [
        _singular_message(lambda: L.LinearRegression().fit(X, y)),
        _singular_message(lambda: L.normal_equations(np.column_stack([np.ones(len(X)), X]), y)),
        _singular_message(lambda: L.Ridge(lam=0.0).fit(X, y)),
    ]
    for msg in msgs:
        for needle in ("singular", "dummy-variable trap", "K-1", "ridge", "columns [0, 1, 2"):
            assert needle in msg, (needle, msg)
    assert msgs[0].startswith("LinearRegression.fit:") and msgs[1].startswith("normal_equations:")


def test_dummy_variable_trap_fixes():
    effects = np.array([45000.0, 55000.0, 52000.0])
    X, y = make_categorical(90, effects=effects, rng=2)
    level = X.argmax(axis=1)
    means = np.array([y[level == c].mean() for c in range(3)])
    # K-1 encoding: intercept = baseline group mean, weights = differences of group means (exact)
    k1 = L.LinearRegression().fit(X[:, 1:], y)
    assert_matches(k1.intercept_, means[0], tol=1e-12)
    assert_matches(k1.coef_, means[1:] - means[0], tol=1e-12)
    # all K columns without an intercept: each weight is its group mean
    assert_matches(L.LinearRegression(fit_intercept=False).fit(X, y).coef_, means, tol=1e-12)
    # ridge makes the full encoding solvable
    assert np.all(np.isfinite(L.Ridge(lam=1.0).fit(X, y).coef_))


@pytest.mark.parametrize(
    "X, fit_intercept, needle",
    [
        (np.column_stack([np.arange(6.0), np.full(6, 3.0)]), True, "column 1 is constant"),
        (np.column_stack([np.arange(6.0), np.zeros(6)]), False, "column 1 is all zeros"),
        (np.column_stack([np.arange(6.0), 2 * np.arange(6.0)]), False, "columns [0, 1]"),
        (np.arange(12.0).reshape(2, 6), False, "fewer samples (N=2) than columns (D=6)"),
    ],
)
def test_singular_causes_are_named(X, fit_intercept, needle):
    msg = _singular_message(
        lambda: L.LinearRegression(fit_intercept=fit_intercept).fit(X, np.ones(len(X)))
    )
    assert needle in msg, msg


def test_ill_conditioned_but_regular_system_is_solved():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    X[:, 1] = X[:, 0] + 1e-5 * X[:, 1]  # cond(X^T X) ~ 1e10: hard but still determined
    y = X @ np.array([1.0, 2.0])
    assert_matches(L.normal_equations(X, y), [1.0, 2.0], tol=1e-4)


# ----------------------------------------------------------------------------- gradient descent
@pytest.mark.parametrize("n,d,seed", CASES[:3])
def test_ols_gradient_descent_converges_to_normal_equations(n, d, seed):
    X, y = regression_data(n, d, seed)
    X = (X - X.mean(0)) / X.std(0)  # keeps the condition number, and so the step count, small
    gd = L.LinearRegressionGD(lr="auto", n_iters=20_000, tol=1e-12).fit(X, y)
    assert_same_model(gd, L.LinearRegression().fit(X, y), "GD vs normal equations")
    losses = gd.loss_history_
    assert len(losses) == gd.n_iter_ + 1 and gd.n_iter_ < 20_000
    assert np.all(np.diff(losses) <= 1e-12)  # lr = 1/L: monotone descent
    assert losses[-1] == pytest.approx(np.mean((gd.predict(X) - y) ** 2), rel=1e-10)


def test_gradient_descent_loss_history_and_fixed_steps():
    X, y = regression_data(30, 2, 9)
    gd = L.LinearRegressionGD(lr=0.01, n_iters=7).fit(X, y)
    assert gd.n_iter_ == 7 and gd.loss_history_.shape == (8,)
    assert gd.loss_history_[0] == pytest.approx(np.mean(y**2))  # starts from zero weights
    # one step by hand: w = -lr * dJ/dw at 0, dJ/dw = (2/N) Xa^T (0 - y)
    one = L.LinearRegressionGD(lr=0.01, n_iters=1).fit(X, y)
    Xa = np.column_stack([X, np.ones(30)])
    assert_matches(np.append(one.coef_, one.intercept_), 0.01 * 2 / 30 * Xa.T @ y, tol=1e-14)


def test_gradient_descent_divergence_warns_and_stays_finite():
    X, y = regression_data(30, 2, 9)
    with pytest.warns(L.ConvergenceWarning, match="diverged.*lr=5.0"):
        gd = L.LinearRegressionGD(lr=5.0, n_iters=10_000).fit(X, y)
    assert np.all(np.isfinite(gd.loss_history_)) and gd.n_iter_ < 100
    assert gd.loss_history_[-1] > 1e10 * gd.loss_history_[0]


def test_gradient_descent_function_on_a_quadratic():
    A = np.diag([1.0, 10.0])
    w, losses = L.gradient_descent(
        lambda w: (0.5 * w @ A @ w, A @ w), np.array([1.0, 1.0]), lr=0.1, n_iters=200
    )
    assert_matches(w, [0.9**200, 0.0], tol=1e-15)
    assert losses.shape == (201,) and losses[0] == 5.5


# ----------------------------------------------------------------------------- logistic and softmax
@pytest.mark.parametrize("n,d,seed", CASES[:3])
@pytest.mark.parametrize("lam", [0.0, 0.05, 1.0])
def test_logistic_regression_matches_sklearn(n, d, seed, lam):
    X, y = classification_data(n, d, 2, seed)
    ours = L.LogisticRegression(lam=lam, lr="auto", n_iters=50_000, tol=1e-11).fit(X, y)
    C = np.inf if lam == 0 else 1.0 / (lam * n)
    theirs = sk.LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(X, y)
    assert_matches(ours.coef_, theirs.coef_[0], what="coef_")
    assert_matches(ours.intercept_, theirs.intercept_[0], what="intercept_")
    assert_matches(ours.predict_proba(X), theirs.predict_proba(X)[:, 1], what="predict_proba")
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("n,d,k,seed", [(90, 3, 3, 0), (150, 6, 4, 1), (60, 2, 5, 2)])
@pytest.mark.parametrize("lam", [0.05, 1.0])
def test_softmax_regression_matches_sklearn_multinomial(n, d, k, seed, lam):
    X, y = classification_data(n, d, k, seed)
    ours = L.SoftmaxRegression(lam=lam, lr="auto", n_iters=50_000, tol=1e-11).fit(X, y)
    theirs = sk.LogisticRegression(C=1.0 / (lam * n), tol=1e-12, max_iter=100_000).fit(X, y)
    assert_matches(ours.coef_, theirs.coef_.T, what="coef_")  # ours is (D, K)
    assert_matches(ours.intercept_, theirs.intercept_, what="intercept_")
    assert_matches(ours.predict_proba(X), theirs.predict_proba(X), what="predict_proba")
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("k", [2, 3])
def test_classifier_objective_matches_torch(k):
    """loss_history_ is the documented objective: torch's mean cross-entropy + (lam/2)||W||^2."""
    X, y = classification_data(40, 3, k, 11)
    lam = 0.3
    model = (L.LogisticRegression if k == 2 else L.SoftmaxRegression)(
        lam=lam, lr=0.5, n_iters=5
    ).fit(X, y)
    logits = torch.tensor(X @ model.coef_ + model.intercept_)
    if k == 2:
        data_loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.tensor(y, dtype=torch.float64)
        )
    else:
        data_loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    expected = data_loss.item() + 0.5 * lam * np.sum(model.coef_**2)
    assert model.loss_history_[-1] == pytest.approx(expected, rel=1e-12)


def test_classifiers_keep_arbitrary_labels():
    X, y = classification_data(60, 2, 3, 5)
    names = np.array(["cat", "dog", "sheep"])
    model = L.SoftmaxRegression(lam=0.1, lr="auto", n_iters=300).fit(X, names[y])
    assert model.classes_.tolist() == ["cat", "dog", "sheep"] and set(model.predict(X)) <= set(
        names
    )
    assert model.predict_proba(X).shape == (60, 3)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)
    binary = L.LogisticRegression(lr="auto", n_iters=300).fit(X, np.where(y == 0, 7, -1))
    assert binary.classes_.tolist() == [-1, 7] and binary.predict(X).dtype == binary.classes_.dtype


@pytest.mark.parametrize(
    "make, k",
    [
        (lambda: L.LogisticRegression(lam=0.01, lr="auto", n_iters=200), 2),
        (lambda: L.SoftmaxRegression(lam=0.01, lr="auto", n_iters=200), 3),
        (lambda: L.LinearRegressionGD(lr="auto", n_iters=200), 3),
    ],
)
def test_gradient_models_are_stable_on_huge_inputs(make, k):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1e4, 1e4, size=(50, 3))
    y = ((X[:, 0] > 0).astype(int) + (X[:, 1] > 0)) % k
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        model = make().fit(X, y)
        out = model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(model.loss_history_))
    if hasattr(model, "predict_proba"):
        assert model.predict_proba(np.array([[1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]])).min() >= 0


# ----------------------------------------------------------------------------- polynomial features
@pytest.mark.parametrize("n,d,degree", [(5, 1, 3), (7, 2, 2), (4, 3, 3), (3, 4, 1)])
@pytest.mark.parametrize("include_bias", [False, True])
def test_polynomial_features_match_sklearn(n, d, degree, include_bias, rng):
    X = rng.standard_normal((n, d))
    expected = PolynomialFeatures(degree, include_bias=include_bias).fit_transform(X)
    np.testing.assert_allclose(L.polynomial_features(X, degree, include_bias), expected, rtol=1e-14)


def test_polynomial_regression_recovers_a_cubic():
    x = np.linspace(-2, 2, 30).reshape(-1, 1)
    y = 1.0 - 2.0 * x[:, 0] + 0.5 * x[:, 0] ** 3
    model = L.LinearRegression().fit(L.polynomial_features(x, 3), y)
    assert_matches(model.coef_, [-2.0, 0.0, 0.5], tol=1e-12)
    assert_matches(model.intercept_, 1.0, tol=1e-12)


# ----------------------------------------------------------------------------- dtype, purity, errors
ESTIMATORS = [
    lambda: L.LinearRegression(),
    lambda: L.Ridge(lam=1.0),
    lambda: L.Lasso(lam=1.0),
    lambda: L.ElasticNet(lam1=1.0, lam2=1.0),
    lambda: L.LinearRegressionGD(lr="auto", n_iters=500),
]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_float32_in_float32_out_and_inputs_untouched(make):
    X, y = regression_data(40, 3, 8)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    X_copy, y_copy = X32.copy(), y32.copy()
    m32, m64 = make().fit(X32, y32), make().fit(X32.astype(np.float64), y32.astype(np.float64))
    np.testing.assert_array_equal(X32, X_copy)
    np.testing.assert_array_equal(y32, y_copy)
    assert m32.coef_.dtype == np.float32 and np.asarray(m32.intercept_).dtype == np.float32
    assert m32.predict(X32).dtype == np.float32
    assert_matches(m32.coef_, m64.coef_, tol=1e-6, what="float32 fit (computed in float64)")
    assert make().fit(np.round(X).astype(int), y).coef_.dtype == np.float64


@pytest.mark.parametrize(
    "make", ESTIMATORS + [lambda: L.LogisticRegression(), lambda: L.SoftmaxRegression()]
)
def test_estimator_input_errors(make):
    X, y = regression_data(10, 2, 0)
    y = (y > np.median(y)).astype(int)
    with pytest.raises(ValueError, match=r"\.fit: X has 10 samples but y has 9"):
        make().fit(X, y[:9])
    with pytest.raises(
        ValueError, match=r"\.fit: expected X of shape \(N, D\), got \(10,\).*reshape"
    ):
        make().fit(X[:, 0], y)
    model = make().fit(X, y)
    with pytest.raises(ValueError, match=r"\.predict: expected X of shape \(N, 2\).*got \(4, 3\)"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\.predict: call fit"):
        make().predict(X)


def test_function_input_errors():
    with pytest.raises(ValueError, match=r"normal_equations: X has 3 samples but y has 2"):
        L.normal_equations(np.ones((3, 1)), np.ones(2))
    with pytest.raises(ValueError, match=r"ridge_closed_form: expected lam >= 0, got -1.0"):
        L.ridge_closed_form(np.ones((3, 1)), np.ones(3), -1.0)
    with pytest.raises(ValueError, match=r"Lasso.fit: expected lam >= 0, got -2"):
        L.Lasso(lam=-2).fit(np.ones((3, 1)), np.ones(3))
    with pytest.raises(ValueError, match=r"ElasticNet.fit: expected lam2 >= 0, got -1"):
        L.ElasticNet(lam1=1, lam2=-1).fit(np.ones((3, 1)), np.ones(3))
    with pytest.raises(ValueError, match=r"LogisticRegression.fit: expected lam >= 0"):
        L.LogisticRegression(lam=-1.0).fit(np.ones((2, 1)), [0, 1])
    with pytest.raises(ValueError, match=r"polynomial_features: expected degree"):
        L.polynomial_features(np.ones((3, 1)), 0)
    with pytest.raises(
        ValueError, match=r"LogisticRegression.fit: expected exactly 2 classes in y, got 3"
    ):
        L.LogisticRegression().fit(np.ones((3, 1)), [0, 1, 2])
    with pytest.raises(
        ValueError, match=r"coordinate_descent: expected w0 of shape \(2,\).*got \(3,\)"
    ):
        L.coordinate_descent(np.ones((3, 2)), np.ones(3), 1.0, w0=np.zeros(3))


def test_pure_functions_do_not_modify_inputs(rng):
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    X0, y0 = X.copy(), y.copy()
    for call in (
        lambda: L.normal_equations(X, y),
        lambda: L.ridge_closed_form(X, y, 1.0),
        lambda: L.coordinate_descent(X, y, 1.0, 1.0),
        lambda: L.polynomial_features(X, 2),
        lambda: L.soft_threshold(X, 0.5),
        lambda: L.lasso_lambda_max(X, y),
    ):
        call()
        np.testing.assert_array_equal(X, X0)
        np.testing.assert_array_equal(y, y0)
    w0 = np.ones(3)
    L.gradient_descent(lambda w: (float(w @ w), 2 * w), w0, 0.1, 5)
    np.testing.assert_array_equal(w0, np.ones(3))
