"""nnlib.widgets.methodology: batched polynomial fits, the bias/variance decomposition, grid vs random search."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from sklearn.linear_model import Ridge as SkRidge

from nnlib.linear import LinearRegression, Ridge, polynomial_features
from nnlib.widgets.methodology import (
    BiasVarianceExplorer,
    SearchExplorer,
    bias_variance,
    fit_polynomials,
    grid_points,
    predict_polynomials,
    sample_training_sets,
    search_objective,
    search_scores,
    true_function,
)


def fingerprint(explorer) -> str:
    FigureCanvasAgg(
        explorer.figure
    )  # a figure closed by pyplot keeps a bare canvas that cannot render
    return explorer.figure_fingerprint()


@pytest.mark.parametrize(
    "degree, lam, n, seed", [(1, 1e-3, 12, 0), (4, 0.1, 20, 1), (7, 1e-6, 30, 2), (5, 10.0, 8, 3)]
)
def test_fit_polynomials_matches_ridge_on_polynomial_features(degree, lam, n, seed):
    x, y = sample_training_sets(3, n, seed=seed)
    x_before, y_before = x.copy(), y.copy()
    w, b = fit_polynomials(x, y, degree, lam)
    assert w.shape == (3, degree) and b.shape == (3,)
    for t in range(3):
        features = polynomial_features(x[t][:, None], degree)
        ours = Ridge(lam=lam).fit(features, y[t])
        sk = SkRidge(alpha=lam).fit(features, y[t])
        np.testing.assert_allclose(w[t], ours.coef_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(w[t], sk.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(b[t], sk.intercept_, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, x_before)  # inputs untouched
    np.testing.assert_array_equal(y, y_before)


def test_fit_polynomials_without_ridge_is_least_squares():
    x, y = sample_training_sets(2, 25, seed=4)
    w, b = fit_polynomials(x, y, 3, 0.0)
    for t in range(2):
        ols = LinearRegression().fit(polynomial_features(x[t][:, None], 3), y[t])
        np.testing.assert_allclose(w[t], ols.coef_, rtol=1e-8)
        np.testing.assert_allclose(b[t], ols.intercept_, rtol=1e-8, atol=1e-12)


def test_fit_polynomials_interpolates_when_there_are_more_coefficients_than_points():
    x, y = sample_training_sets(2, 6, seed=5)
    w, b = fit_polynomials(x, y, 9, 0.0)  # 10 coefficients, 6 points: the minimum-norm interpolant
    assert np.all(np.isfinite(w))
    fitted = np.array([predict_polynomials(w[t : t + 1], b[t : t + 1], x[t])[0] for t in range(2)])
    np.testing.assert_allclose(fitted, y, atol=1e-6)


def test_predict_polynomials_evaluates_the_polynomial():
    w, b = np.array([[1.0, -2.0, 0.5]]), np.array([3.0])
    xs = np.array([-1.0, 0.0, 2.0])
    expected = 3.0 + xs - 2.0 * xs**2 + 0.5 * xs**3
    np.testing.assert_allclose(predict_polynomials(w, b, xs)[0], expected)


def test_fit_polynomials_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"fit_polynomials: .*\(2, 5\).*\(2, 4\)"):
        fit_polynomials(np.zeros((2, 5)), np.zeros((2, 4)), 2)


def test_decomposition_is_an_identity_and_behaves_as_the_theory_says():
    low, mid, high = bias_variance(1), bias_variance(3), bias_variance(9)
    for r in (low, mid, high):
        assert r["dev_mse"] == pytest.approx(r["bias2"] + r["variance"] + r["noise2"], rel=1e-12)
        fits, truth = r["fits"], r["truth"]
        assert r["dev_mse"] == pytest.approx(np.mean((fits - truth) ** 2) + 0.09, rel=1e-12)
    np.testing.assert_allclose(low["truth"], true_function(low["grid"]))
    assert low["bias2"] > 5 * low["variance"]  # a line cannot follow sin(pi x)
    assert high["variance"] > 10 * high["bias2"]  # degree 9 on 30 points swings
    assert mid["dev_mse"] < min(low["dev_mse"], high["dev_mse"])
    assert (
        low["train_mse"] > mid["train_mse"] > high["train_mse"]
    )  # the training error cannot see variance
    assert bias_variance(9, n=100)["variance"] < high["variance"] / 10  # more data: less variance
    ridge = bias_variance(9, lam=1.0)
    assert (
        ridge["variance"] < high["variance"] and ridge["bias2"] > high["bias2"]
    )  # ridge trades one for the other


def test_bias_variance_explorer_follows_the_sliders():
    e = BiasVarianceExplorer()
    assert e.state["best_degree"] == 3 and e.state["current"]["degree"] == 3
    before = fingerprint(e)
    state = e.update(degree=1)
    assert state["current"]["bias2"] > state["current"]["variance"]
    after_degree = fingerprint(e)
    assert after_degree != before
    state = e.update(degree=10)
    wild = state["current"]["variance"]
    state = e.update(lam=1.0)
    assert state["current"]["variance"] < wild / 10
    assert fingerprint(e) != after_degree
    state = e.update(lam=0.0, n=100)
    assert state["current"]["variance"] < wild / 10 and state["best_degree"] >= 3


def test_search_objective_peaks_where_it_says():
    assert float(search_objective(0.62, 0.3)) == pytest.approx(1.0)
    assert float(search_objective(0.2, 0.3, 0.0, peak=(0.2, 0.9))) == pytest.approx(1.0)
    a = np.linspace(0, 1, 101)
    assert np.ptp(search_objective(0.5, a, weight_b=0.1)) < 0.1  # b barely matters
    assert np.ptp(search_objective(a, 0.5, weight_b=0.1)) > 0.8  # a matters


def test_grid_points_are_cell_centres():
    g = grid_points(9)
    assert g.shape == (9, 2)
    np.testing.assert_allclose(np.unique(g[:, 0]), [1 / 6, 1 / 2, 5 / 6])
    assert grid_points(10).shape == (9, 2)  # the largest square grid within the budget
    with pytest.raises(ValueError, match="grid_points"):
        grid_points(0)


def test_search_scores_computes_the_best_of_each_search():
    s = search_scores(16, weight_b=0.1, repeats=5, seed=3)
    peak = s["peak"]
    grid_scores = search_objective(s["grid"][:, 0], s["grid"][:, 1], 0.1, peak)
    assert s["grid_best"][0] == pytest.approx(grid_scores.max())
    rand_scores = search_objective(s["random0"][:, 0], s["random0"][:, 1], 0.1, peak)
    assert s["random_best"][0] == pytest.approx(rand_scores.max())
    assert 0.0 <= s["p_random_wins"] <= 1.0


def test_random_search_wins_when_one_hyperparameter_matters():
    few = search_scores(25, weight_b=0.0)
    both = search_scores(25, weight_b=3.0)
    assert few["p_random_wins"] > 0.7 and few["random_best"].mean() > few["grid_best"].mean() + 0.2
    assert both["p_random_wins"] < 0.6


def test_search_explorer_redraws():
    e = SearchExplorer()
    before = fingerprint(e)
    state = e.update(budget=49, weight_b=0.0)
    assert state["p_random_wins"] > 0.7 and state["random0"].shape == (49, 2)
    after = fingerprint(e)
    assert after != before
    e.update(seed=5)
    assert fingerprint(e) != after
