"""The chapter-8 outlier explorer: exact line fits (checked by PyTorch and scikit-learn) and the widget."""

import numpy as np
import pytest
import torch.nn.functional as tF
from matplotlib.backends.backend_agg import FigureCanvasAgg
from sklearn.linear_model import QuantileRegressor

from nnlib.widgets.losses import LossExplorer, fit_line, outlier_data

from helpers import t


def fingerprint(explorer):
    # plt.close() leaves a figure with a bare FigureCanvasBase; give it an Agg canvas to hash pixels
    if not hasattr(explorer.figure.canvas, "buffer_rgba"):
        FigureCanvasAgg(explorer.figure)
    return explorer.figure_fingerprint()


def data(seed, n=15):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    y = 1.5 * x - 0.5 + rng.standard_t(df=2, size=n)  # heavy tails: some points are outliers
    return x, y


TORCH_LOSS = {
    "mse": lambda p, y, d: tF.mse_loss(p, y),
    "huber": lambda p, y, d: tF.huber_loss(p, y, delta=d),
}


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("loss,delta", [("mse", 1.0), ("huber", 1.0), ("huber", 0.3)])
def test_smooth_fits_are_stationary_points_for_torch(seed, loss, delta):
    x, y = data(seed)
    w, b = fit_line(x, y, loss, delta)
    theta = t([w, b], requires_grad=True)
    TORCH_LOSS[loss](theta[0] * t(x) + theta[1], t(y), delta).backward()
    assert np.max(np.abs(theta.grad.numpy())) < 1e-8  # convex loss: a zero gradient is the minimum


@pytest.mark.parametrize("seed", range(5))
def test_l1_fit_reaches_the_linear_programming_optimum(seed):
    x, y = data(seed)
    w, b = fit_line(x, y, "mae")
    lp = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(x[:, None], y)
    ours, theirs = np.mean(np.abs(w * x + b - y)), np.mean(np.abs(lp.predict(x[:, None]) - y))
    assert ours <= theirs + 1e-12  # the optimum may not be unique: compare objective values


def test_outlier_moves_l2_but_not_l1_or_huber():
    e = LossExplorer()
    near, far = e.update(outlier_y=-8.0), e.update(outlier_y=-16.0)
    # L1 and Huber depend on an outlier on the far side only through the sign of its residual
    for name in ("mae", "huber"):
        np.testing.assert_allclose(far["fits"][name], near["fits"][name], atol=1e-8)
    # least squares is linear in y: the slope moves by (A^T A)^-1 a_out * dy
    x, _ = outlier_data(0.0)
    A = np.column_stack([x, np.ones_like(x)])
    shift = np.linalg.solve(A.T @ A, A[-1]) * (-16.0 + 8.0)
    np.testing.assert_allclose(
        np.subtract(far["fits"]["mse"], near["fits"]["mse"]), shift, atol=1e-10
    )
    assert far["fits"]["mse"][0] < near["fits"]["mse"][0] < 1.0 < 1.5 < near["fits"]["mae"][0]


def test_outlier_pull_is_the_derivative_of_each_loss():
    e = LossExplorer()
    state = e.update(outlier_y=-12.0, delta=0.5)
    r = state["outlier_residual"]
    assert state["outlier_pull"]["mse"] == pytest.approx(2 * r["mse"])
    assert state["outlier_pull"]["mae"] == pytest.approx(np.sign(r["mae"]))
    assert state["outlier_pull"]["huber"] == pytest.approx(0.5 * np.sign(r["huber"]))


def test_explorer_figure_changes():
    e = LossExplorer()
    first = fingerprint(e)
    e.update(outlier_y=15.0)
    assert fingerprint(e) != first


def test_bad_input_names_function_and_shapes():
    with pytest.raises(
        ValueError, match=r"fit_line: expected y of shape \(3,\) \(the shape of x\), got \(4,\)"
    ):
        fit_line([0.0, 1.0, 2.0], [0.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="fit_line: expected loss in"):
        fit_line([0.0, 1.0], [0.0, 1.0], "hinge")
    with pytest.raises(ValueError, match="fit_line: expected at least two different x"):
        fit_line([1.0, 1.0], [0.0, 1.0])
