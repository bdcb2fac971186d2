"""Headless tests of the chapter 1-3 explorers: the computed state follows the maths, the figure redraws.

Oracles: PyTorch float64 (least squares, eigenvalues, gradient-descent trajectories, the gradient of
the log-posterior) and scikit-learn (ridge and lasso in their own parameterisation).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import Ridge as SkRidge

from nnlib.widgets.encoding import EncodingExplorer, encode, fit_encoding
from nnlib.widgets.linear_regression import GradientDescentExplorer, experience_salary, gd_path
from nnlib.widgets.ml_vs_map import MapExplorer, gaussian_posterior
from nnlib.widgets.regularization_paths import RegularizationPathExplorer, regularization_paths

from helpers import assert_close, strict_floats, t


def changes_figure(explorer, **values) -> bool:
    """Whether setting the controls to ``values`` redraws a different figure."""
    if not hasattr(
        explorer.figure.canvas, "buffer_rgba"
    ):  # plt.close() left a bare FigureCanvasBase
        FigureCanvasAgg(explorer.figure)
    before = explorer.figure_fingerprint()
    explorer.update(**values)
    return explorer.figure_fingerprint() != before


def torch_lstsq(A, y) -> np.ndarray:
    return torch.linalg.lstsq(t(A), t(y)[:, None]).solution[:, 0].numpy()


# ----------------------------------------------------------------------------- chapter 1: encodings
@pytest.fixture(scope="module")
def encoding():
    return EncodingExplorer()


def test_dummy_variable_trap_is_refused_with_the_cause(encoding):
    state = encoding.update(encoding="trap")
    n, c = state["shape"]
    assert c == encoding.k + 1 and state["rank"] == encoding.k < c
    assert (
        torch.linalg.matrix_rank(
            t(np.column_stack([np.ones(n), encode(encoding.level, 3, "trap")[0]]))
        )
        == 3
    )
    assert "dummy-variable trap" in state["error"] and np.all(np.isnan(state["coef"]))


@pytest.mark.parametrize("design", ["ridge", "no-intercept", "k-1"])
@pytest.mark.parametrize("baseline", [0, 2])
def test_every_full_rank_design_predicts_the_group_means(encoding, design, baseline):
    state = encoding.update(encoding=design, baseline=baseline, lam=1e-3)
    group_mean = np.array([torch.mean(t(encoding.y[encoding.level == j])).item() for j in range(3)])
    assert state["error"] is None
    tol = 1e-5 if design == "ridge" else 1e-10  # ridge: off by O(lam / n_k)
    assert_close(state["group_pred"], group_mean, tol, f"{design} group predictions")


def test_no_intercept_weights_are_group_means_and_k1_weights_are_differences(encoding):
    X, _ = encode(encoding.level, 3, "no-intercept")
    means = torch_lstsq(X, encoding.y)  # X^T X = diag(n_k): the least-squares weights are the means
    state = encoding.update(encoding="no-intercept")
    assert_close(state["coef"], means, 1e-9, "one-hot weights")
    assert np.isnan(state["intercept"])
    for baseline in (0, 1):
        state = encoding.update(encoding="k-1", baseline=baseline)
        assert state["intercept"] == pytest.approx(means[baseline], rel=1e-10)
        others = [j for j in range(3) if j != baseline]
        assert_close(state["coef"][others], means[others] - means[baseline], 1e-9, "K-1 weights")
        assert np.isnan(state["coef"][baseline])


def test_ridge_limits_effect_coding_and_the_grand_mean(encoding):
    small = encoding.update(encoding="ridge", lam=1e-3)
    # lam -> 0 with an unpenalised intercept: weights sum to 0, intercept = unweighted mean of group means
    assert abs(small["coef"].sum()) < 1e-3
    assert small["intercept"] == pytest.approx(small["group_mean"].mean(), rel=1e-6)
    big = encoding.update(encoding="ridge", lam=1e5)
    spread = np.ptp(big["group_pred"])
    assert spread < 0.02 * np.ptp(big["group_mean"])  # predictions collapse to the mean of y
    assert big["intercept"] == pytest.approx(encoding.y.mean(), rel=1e-3)


def test_encoding_figure_redraws(encoding):
    encoding.update(encoding="trap", baseline=0)
    assert changes_figure(encoding, encoding="k-1")
    assert changes_figure(encoding, baseline=1)


def test_encoding_bad_input_is_named():
    with pytest.raises(ValueError, match=r"encode: expected encoding in .*got 'dummy'"):
        encode(np.array([0, 1]), 2, "dummy")
    with pytest.raises(
        ValueError, match=r"EncodingExplorer: expected one name per effect, got 2 names and 3"
    ):
        EncodingExplorer(names=("a", "b"))


def test_fit_encoding_does_not_modify_inputs():
    level, y = np.array([0, 1, 1, 2]), np.array([1.0, 2.0, 4.0, 8.0])
    level0, y0 = level.copy(), y.copy()
    fit_encoding(level, y, 3, "k-1")
    np.testing.assert_array_equal(level, level0)
    np.testing.assert_array_equal(y, y0)


# ----------------------------------------------------------------------------- chapter 2: gradient descent
@pytest.fixture(scope="module")
def gd():
    return GradientDescentExplorer()


def test_curvature_and_conditioning_match_torch(gd):
    for standardise in (False, True):
        state = gd.update(standardise=standardise)
        A = gd.designs[standardise]
        eig = torch.linalg.eigvalsh(2.0 / len(A) * t(A).T @ t(A)).numpy()
        assert state["L"] == pytest.approx(eig[-1], rel=1e-12)
        assert state["kappa"] == pytest.approx(eig[-1] / eig[0], rel=1e-9)
    assert state["kappa"] == pytest.approx(1.0, abs=1e-9) and state["L"] == pytest.approx(
        2.0, abs=1e-9
    )
    assert (
        gd.update(standardise=False)["kappa"] > 50
    )  # raw years of experience: an elongated valley


@pytest.mark.parametrize(
    "factor, diverges", [(0.5, False), (0.99, False), (1.01, True), (1.5, True)]
)
def test_gd_diverges_exactly_above_two_over_L(gd, factor, diverges):
    lr_max = gd.update(standardise=False, steps=200)["lr_max"]
    with strict_floats():
        state = gd.update(lr=factor * lr_max)
    assert state["diverged"] is diverges
    if not diverges:  # below 2/L every term of J - J* shrinks: the loss never goes up
        assert np.all(np.diff(state["losses"]) <= 1e-9 * state["losses"][0])


def test_standardised_bowl_is_solved_in_one_step_at_lr_one_half(gd):
    state = gd.update(standardise=True, lr=0.5, steps=1)  # I - lr H = I - 0.5 * 2 I = 0
    assert state["distance"] < 1e-9 * np.linalg.norm(state["theta_star"])


def test_gd_path_matches_torch_autograd():
    x, y = experience_salary(20, rng=1)
    A = np.column_stack([x, np.ones_like(x)])
    path, losses = gd_path(A, y, 0.01, 10, [0.5, -1.0])
    theta = t([0.5, -1.0], requires_grad=True)
    for step in range(10):
        assert_close(path[step], theta.detach().numpy(), 1e-12, f"iterate {step}")
        loss = torch.mean((t(A) @ theta - t(y)) ** 2)
        assert losses[step] == pytest.approx(loss.item(), rel=1e-12)
        (grad,) = torch.autograd.grad(loss, theta)
        theta = (theta - 0.01 * grad).detach().requires_grad_()
    assert path.shape == (11, 2) and losses.shape == (11,)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: gd_path(np.ones(3), np.ones(3), 0.1, 1, [0.0]),
            r"gd_path: expected A of shape \(N, P\), got \(3,\)",
        ),
        (
            lambda: gd_path(np.ones((3, 2)), np.ones(4), 0.1, 1, [0.0, 0.0]),
            r"gd_path: expected y of shape \(3,\) .*got \(4,\)",
        ),
        (
            lambda: regularization_paths(np.ones((3, 2)), np.ones(2), [1.0]),
            r"regularization_paths: expected y of shape \(3,\) .*got \(2,\)",
        ),
        (
            lambda: gaussian_posterior(np.ones(3), np.ones(2), 1.0, 0.0, 1.0),
            r"gaussian_posterior: expected y of shape \(3,\) \(the shape of x\), got \(2,\)",
        ),
        (
            lambda: gaussian_posterior(np.ones(3), np.ones(3), 1.0, 0.0, 0.0),
            r"gaussian_posterior: expected prior_std > 0",
        ),
    ],
)
def test_bad_input_names_the_function_and_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_gd_figure_redraws(gd):
    gd.update(standardise=False, lr=0.01, steps=30)
    assert changes_figure(gd, lr=0.02)
    assert changes_figure(gd, standardise=True)


# ----------------------------------------------------------------------------- chapter 3: penalties
@pytest.fixture(scope="module")
def paths():
    return RegularizationPathExplorer()


def test_lasso_zeroes_everything_at_lambda_max_and_ridge_only_shrinks(paths):
    X, y = paths.X, paths.y
    Xc, yc = t(X - X.mean(axis=0)), t(y - y.mean())
    assert paths.lam_max == pytest.approx(2 * torch.max(torch.abs(Xc.T @ yc)).item(), rel=1e-12)
    state = paths.update(lam=1.01 * paths.lam_max)
    assert state["n_zero"]["lasso"] == X.shape[1]
    assert state["n_zero"]["ridge"] == 0 and 0 < state["l2_norm"]["ridge"] < state["l2_norm"]["OLS"]
    below = paths.update(lam=0.9 * paths.lam_max)
    assert below["n_zero"]["lasso"] < X.shape[1]


def test_small_lambda_recovers_ols_and_ols_matches_torch(paths):
    X, y = paths.X, paths.y
    ols = torch_lstsq(np.column_stack([X, np.ones(len(X))]), y)[:-1]
    state = paths.update(lam=paths.lams[0])
    assert_close(state["coef"]["OLS"], ols, 1e-9, "OLS")
    for name in ("ridge", "lasso"):
        assert np.max(np.abs(state["coef"][name] - ols)) < 0.02, name


@pytest.mark.parametrize("lam", [1.0, 30.0, 300.0])
def test_penalised_weights_match_scikit_learn(paths, lam):
    X, y = paths.X, paths.y
    state = paths.update(lam=lam)
    assert_close(
        state["coef"]["ridge"], SkRidge(alpha=lam).fit(X, y).coef_, 1e-9, "ridge vs sklearn"
    )
    sk = SkLasso(alpha=lam / (2 * len(X)), tol=1e-12, max_iter=100_000).fit(X, y).coef_
    assert np.max(np.abs(state["coef"]["lasso"] - sk)) < 1e-7
    np.testing.assert_array_equal(state["coef"]["lasso"] == 0, sk == 0)


def test_paths_agree_with_single_fits_and_ridge_norm_shrinks(paths):
    norms = np.linalg.norm(paths.ridge_path, axis=1)
    assert np.all(np.diff(norms) < 0)
    for i in (0, 20, 40):
        state = paths.update(lam=paths.lams[i])
        assert_close(paths.ridge_path[i], state["coef"]["ridge"], 1e-9, "ridge path")
        assert np.max(np.abs(paths.lasso_path[i] - state["coef"]["lasso"])) < 1e-7
    ridge, lasso = regularization_paths(paths.X, paths.y, [paths.lams[5]])
    assert_close(ridge[0], paths.ridge_path[5], 1e-12, "one-point path")


def test_paths_figure_redraws(paths):
    paths.update(lam=10.0)
    assert changes_figure(paths, lam=100.0)


# ----------------------------------------------------------------------------- chapter 3: ML vs MAP
@pytest.fixture(scope="module")
def map_explorer():
    return MapExplorer()


def test_posterior_mode_zeroes_the_gradient_of_the_log_posterior(map_explorer):
    for prior_std, n, prior_mean in [(0.5, 5, 0.0), (0.1, 50, 1.5), (3.0, 1, -2.0)]:
        state = map_explorer.update(prior_std=prior_std, n=n, prior_mean=prior_mean)
        x, y, s = t(map_explorer.x[:n]), t(map_explorer.y[:n]), map_explorer.sigma
        w = torch.tensor(state["w_map"], requires_grad=True)
        log_post = -torch.sum((y - w * x) ** 2) / (2 * s**2) - (w - prior_mean) ** 2 / (
            2 * prior_std**2
        )
        (grad,) = torch.autograd.grad(log_post, w)
        assert abs(grad.item()) < 1e-9
        w_ml = (torch.sum(x * y) / torch.sum(x * x)).item()
        assert state["w_ml"] == pytest.approx(w_ml, rel=1e-12)
        assert state["w_map"] == pytest.approx(
            state["shrink"] * w_ml + (1 - state["shrink"]) * prior_mean
        )


def test_prior_strength_and_sample_size_move_the_mode(map_explorer):
    strong = map_explorer.update(prior_std=0.01, n=20, prior_mean=1.0)
    weak = map_explorer.update(prior_std=30.0)
    assert abs(strong["w_map"] - 1.0) < 0.05 * abs(strong["w_ml"] - 1.0)
    assert abs(weak["w_map"] - weak["w_ml"]) < 1e-3 * abs(weak["w_ml"])
    shrink = [map_explorer.update(prior_std=0.3, n=n)["shrink"] for n in (1, 10, 100, 200)]
    assert np.all(np.diff(shrink) > 0)  # more data, more weight on the likelihood
    assert map_explorer.state["post_std"] < map_explorer.state["like_std"]


def test_gaussian_posterior_does_not_modify_inputs():
    x, y = np.array([1.0, -0.5]), np.array([2.0, 0.0])
    x0, y0 = x.copy(), y.copy()
    gaussian_posterior(x, y, 1.0, 0.5, 2.0)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_map_figure_redraws(map_explorer):
    map_explorer.update(prior_std=0.5, n=5, prior_mean=0.0)
    assert changes_figure(map_explorer, prior_std=2.0)
    assert changes_figure(map_explorer, n=50)
