"""The outlier explorer of chapter 8: fit a line with the L2, L1 and Huber losses and move one point.

:func:`fit_line` finds the exact minimiser of each loss for a line ``y = w x + b``;
:class:`LossExplorer` drags one target up and down and shows how far each fitted line follows it.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .. import functional as F
from .._validate import as_float_array, check_ndim, check_positive, check_same_shape
from ..data import make_linear
from .base import Explorer
from .static import thin
from .yours import DrivenByYours, max_gap

__all__ = ["REGRESSION_LOSSES", "fit_line", "outlier_data", "LossExplorer", "YourLossExplorer"]

#: the regression losses compared in chapter 8, as named in nnlib.functional
REGRESSION_LOSSES = ("mse", "mae", "huber")


def _design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x, np.ones_like(x)])


def _fit_l1(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # A linear programme's optimum sits at a vertex: some least-absolute-deviation line passes
    # through two data points. Try every line through two points with different x.
    i, j = np.triu_indices(len(x), k=1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    w = (y[j] - y[i]) / (x[j] - x[i])
    b = y[i] - w * x[i]
    loss = np.abs(np.outer(w, x) + b[:, None] - y).mean(axis=1)
    best = int(np.argmin(loss))
    return np.array([w[best], b[best]])


def _fit_huber(x: np.ndarray, y: np.ndarray, delta: float) -> np.ndarray:
    A = _design(x)

    def loss_and_grad(theta):
        pred = A @ theta
        # chain rule: dJ/dtheta = A^T dJ/dpred, with dJ/dpred from nnlib's backward pass
        return float(F.huber(pred, y, delta)), A.T @ F.huber_backward(pred, y, delta)

    start = np.linalg.lstsq(A, y, rcond=None)[0]
    return minimize(loss_and_grad, start, jac=True, method="BFGS", options={"gtol": 1e-12}).x


def fit_line(x, y, loss: str = "mse", delta: float = 1.0) -> tuple[float, float]:
    """The line ``y ~ w x + b`` that minimises the mean ``loss`` of the residuals ``w x_i + b - y_i``.

    ``loss`` is ``"mse"`` (least squares, closed form), ``"mae"`` (least absolute deviations: the
    best line through two of the points, which is exact because some optimal L1 line always passes
    through two data points) or ``"huber"`` (with threshold ``delta``; BFGS on
    ``nnlib.functional.huber`` and its gradient). When the L1 optimum is not unique (a flat
    segment of the loss), one optimal line is returned.

    Shapes: x (N,), y (N,) with N >= 2 -> (w, b) as Python floats.

    >>> fit_line([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], "mae")
    (2.0, 1.0)
    """
    fn = "fit_line"
    x, y = (
        as_float_array(x, fn, "x").astype(np.float64),
        as_float_array(y, fn, "y").astype(np.float64),
    )
    check_ndim(x, 1, fn, "x", "(N,)")
    check_same_shape(x, y, fn, "x", "y")
    if len(x) < 2 or np.all(x == x[0]):
        raise ValueError(
            f"fit_line: expected at least two different x values, got x of shape {x.shape}"
        )
    if loss == "mse":
        theta = np.linalg.lstsq(_design(x), y, rcond=None)[0]
    elif loss == "mae":
        theta = _fit_l1(x, y)
    elif loss == "huber":
        check_positive(delta, fn, "delta")
        theta = _fit_huber(x, y, float(delta))
    else:
        raise ValueError(f"fit_line: expected loss in {REGRESSION_LOSSES}, got {loss!r}")
    return float(theta[0]), float(theta[1])


def outlier_data(outlier_y: float, outlier_x: float = 0.9, n: int = 20, rng=3):
    """``n`` points near the line y = 2x + 1 (noise 0.3) plus one point ``(outlier_x, outlier_y)`` last.

    Shapes: -> x (n + 1,), y (n + 1,).

    >>> x, y = outlier_data(-8.0); x.shape, float(y[-1])
    ((21,), -8.0)
    """
    X, y = make_linear(n, d=1, noise=0.3, w=[2.0], b=1.0, rng=rng)
    return np.append(X[:, 0], float(outlier_x)), np.append(y, float(outlier_y))


def _pointwise(name: str, r: np.ndarray, delta: float) -> np.ndarray:
    """Each point's loss rho(r): the mean loss of a one-element array, element by element."""
    a = np.abs(r)
    return {
        "mse": r * r,
        "mae": a,
        "huber": np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)),
    }[name]


class LossExplorer(Explorer):
    """One slider moves the last point up and down, another sets Huber's delta.

    Left: the data and the L2, L1 and Huber lines. Right: each loss rho(r) as a function of the
    residual, with the outlier's residual under each fit marked. The legend gives the outlier's
    pull rho'(r): unbounded (2r) for L2, so the line bends towards it; at most 1 (L1) or delta
    (Huber) for the robust losses, the same as any other point that is off the line.

    >>> e = LossExplorer(); abs(e.update(outlier_y=-10.0)["fits"]["mae"][0] - 2) < 0.5
    True
    """

    figsize = (8, 3.6)
    labels = {"mse": "L2 (MSE)", "mae": "L1 (MAE)", "huber": "Huber"}

    def make_controls(self):
        import ipywidgets as w

        return {
            "outlier_y": w.FloatSlider(
                value=-8.0, min=-20.0, max=20.0, step=0.5, description="outlier y"
            ),
            "delta": w.FloatLogSlider(
                value=1.0,
                base=10,
                min=-1,
                max=1,
                step=0.1,
                description="Huber delta",
                style={"description_width": "initial"},
            ),
        }

    def static_grid(self):
        """The outlier every 4 units (11 values) and delta at 5 values (55 states)."""
        grid = super().static_grid()
        grid["outlier_y"] = thin(grid["outlier_y"], 8, keep=[self.values["outlier_y"]])
        grid["delta"] = thin(grid["delta"], 5, keep=[self.values["delta"]])
        return grid

    def describe(self, state):
        slopes = ", ".join(f"{name} slope {w:.2f}" for name, (w, _) in state["fits"].items())
        return (
            f"Lines fitted with L2, L1 and Huber (delta {state['delta']:.2g}) to data with one "
            f"outlier at y = {state['y'][-1]:g}: {slopes}. Right: how hard the outlier pulls each."
        )

    def compute(self, outlier_y, delta):
        x, y = outlier_data(outlier_y)
        fits, outlier_residual, outlier_pull = {}, {}, {}
        for name in REGRESSION_LOSSES:
            w, b = fits[name] = fit_line(x, y, name, delta)
            pred = w * x + b
            outlier_residual[name] = float(pred[-1] - y[-1])
            # rho'(r) of the outlier: the force it pulls the line with (n * the gradient of the mean)
            backward = getattr(F, name + "_backward")
            outlier_pull[name] = float(
                len(x) * backward(pred, y, *((delta,) if name == "huber" else ()))[-1]
            )
        return {
            "x": x,
            "y": y,
            "delta": float(delta),
            "fits": fits,
            "outlier_residual": outlier_residual,
            "outlier_pull": outlier_pull,
        }

    def draw(self, state, fig):
        ax_fit, ax_rho = fig.subplots(1, 2)
        x, y, delta = state["x"], state["y"], state["delta"]
        ax_fit.scatter(x[:-1], y[:-1], s=14, color="k", label="data")
        ax_fit.scatter(x[-1:], y[-1:], s=50, color="red", marker="*", label="outlier", zorder=3)
        grid = np.linspace(x.min(), x.max(), 2)
        r_max = max(1.0, max(abs(r) for r in state["outlier_residual"].values()))
        r = np.linspace(-1.1 * r_max, 1.1 * r_max, 401)
        for k, (name, (w, b)) in enumerate(state["fits"].items()):
            color = f"C{k}"
            ax_fit.plot(
                grid, w * grid + b, color=color, label=f"{self.labels[name]}: slope {w:.2f}"
            )
            ax_rho.plot(
                r,
                _pointwise(name, r, delta),
                color=color,
                label=f"{self.labels[name]}: outlier pulls with {state['outlier_pull'][name]:+.2f}",
            )
            r_out = state["outlier_residual"][name]
            ax_rho.plot(r_out, _pointwise(name, np.array(r_out), delta), "o", color=color)
        ax_fit.set(xlabel="$x$", ylabel="$y$", title="fitted lines (true slope 2)")
        ax_fit.legend(fontsize="x-small")
        ax_rho.set(
            xlabel="residual $r = \\hat y - y$",
            ylabel=r"$\rho(r)$",
            title="per-point loss; dots: the outlier",
            ylim=(-0.02 * r_max**2, 1.15 * r_max**2),
        )
        ax_rho.legend(fontsize="x-small", loc="upper center")
        fig.tight_layout()


class YourLossExplorer(DrivenByYours, LossExplorer):
    """The outlier explorer with the Huber line fitted by your ``huber`` and ``huber_backward`` (worksheet 8).

    ``yours={"huber": huber, "huber_backward": huber_backward}``: the Huber fit minimises your loss
    with your gradient (BFGS trusts the gradient: a wrong one stops at a wrong line). Your line is
    dashed red; the legend gives the outlier's pull under your gradient.

    >>> from nnlib.functional import huber, huber_backward
    >>> e = YourLossExplorer(yours={"huber": huber, "huber_backward": huber_backward})
    >>> e.state["yours"].status
    'matches'
    """

    yours_names = ("huber", "huber_backward", "mae_backward")
    drawn_as = "dashed in red"

    def gap(self, state, value):
        return max(max_gap(value["fits"][name], state["fits"][name]) for name in REGRESSION_LOSSES)

    def draw_yours(self, state, value, fig):
        ax_fit = fig.axes[0]
        grid = np.linspace(state["x"].min(), state["x"].max(), 2)
        for name in ("huber", "mae"):
            if f"{name}_backward" in self.yours.functions:
                w, b = value["fits"][name]
                pull = value["outlier_pull"][name]
                label = f"your {self.labels[name]}: slope {w:.2f}, pull {pull:+.2f}"
                ax_fit.plot(grid, w * grid + b, "--", color="red", lw=1.8, label=label)
        ax_fit.legend(fontsize="x-small")
