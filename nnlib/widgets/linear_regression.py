r"""Chapter 2: gradient descent on the two-parameter loss surface of a line ``y = w x + b``.

The mean squared error of a line is a quadratic bowl in ``theta = (w, b)``:

.. math:: J(\theta) = \frac1N \|A\theta - y\|^2,\quad A = [x, 1]\ (N, 2),\quad
          \nabla J = H(\theta - \theta^*),\quad H = \frac2N A^T A\ (2, 2)

so one step maps the error ``e = theta - theta*`` to ``(I - lr H) e``. Along the eigenvector of
``H`` with eigenvalue ``lam_i`` the error is multiplied by ``1 - lr lam_i`` every step: gradient
descent converges from every start iff ``0 < lr < 2 / L``, ``L = lam_max(H)``. When ``x`` is far
from zero-mean and unit-variance, ``H`` is badly conditioned (``kappa = lam_max / lam_min`` large):
long, thin contours, zig-zagging steps. Standardising ``x`` makes ``H = 2 I`` (``kappa = 1``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validate import as_float_array, check_ndim, check_shape
from ..data import make_linear
from ..linear import ConvergenceWarning, gradient_descent, normal_equations
from .base import Explorer
from .scripted import axes_map, figure_size, laid_out, offscreen_figure
from .static import figure_data_url, thin
from .yours import DrivenByYours, max_gap

__all__ = [
    "experience_salary",
    "gd_path",
    "GradientDescentExplorer",
    "YourGradientDescentExplorer",
]


def experience_salary(n: int = 50, rng=0) -> tuple[np.ndarray, np.ndarray]:
    """Years of experience ``x`` in [0, 10] and a salary ``y = 30 + 5 x + N(0, 4^2)`` (thousands).

    Built from :func:`nnlib.data.make_linear` (``x = 5 + 5 u``, ``u ~ U(-1, 1)``). Shapes ``(N,)``.

    >>> x, y = experience_salary(3); x.shape, bool(0 <= x.min() and x.max() <= 10)
    ((3,), True)
    """
    u, y = make_linear(n, d=1, noise=4.0, w=[25.0], b=55.0, rng=rng)  # y = 55 + 25 u = 30 + 5 x
    return 5.0 + 5.0 * u[:, 0], y


def gd_path(
    A: np.ndarray, y: np.ndarray, lr: float, steps: int, theta0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient descent on ``J(theta) = (1/N) ||A theta - y||^2``, keeping every iterate.

    Runs :func:`nnlib.linear.gradient_descent` with ``grad = (2/N) A^T (A theta - y)``. When
    the loss blows up it stops early (no warning here: divergence is the point of the demo).

    Shapes: ``A (N, P)``, ``y (N,)``, ``theta0 (P,)`` -> ``path (T+1, P)``, ``losses (T+1,)``
    (``T <= steps``).

    >>> path, losses = gd_path(np.ones((2, 1)), np.array([1.0, 1.0]), 0.25, 2, [0.0])
    >>> path[:, 0].tolist()
    [0.0, 0.5, 0.75]
    """
    A = as_float_array(A, "gd_path", "A")
    check_ndim(A, 2, "gd_path", "A", "(N, P)")
    y = as_float_array(y, "gd_path", "y")
    check_shape(y, (A.shape[0],), "gd_path", "y", "one target per row of A")
    n = A.shape[0]
    path = []

    def loss_and_grad(theta):
        path.append(theta)
        residual = A @ theta - y
        return residual @ residual / n, (2.0 / n) * (A.T @ residual)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, losses = gradient_descent(loss_and_grad, np.asarray(theta0, dtype=np.float64), lr, steps)
    return np.array(path[: len(losses)]), losses


class GradientDescentExplorer(Explorer):
    """Gradient descent on the MSE of a line, with a learning-rate slider and a feature-scaling toggle.

    Left: the contours of ``J(w, b)``, the path from ``theta0`` and the minimum (star). Right: the
    excess loss ``J - J*`` per step (log scale). The title compares ``lr`` with ``2/L``.

    >>> e = GradientDescentExplorer(); e.update(lr=1.05 * e.state["lr_max"])["diverged"]
    True
    """

    figsize = (8.5, 3.6)

    def __init__(self, x=None, y=None, theta0=(0.0, 0.0), lr: float = 0.02, steps: int = 30):
        if x is None:
            x, y = experience_salary()
        self.x, self.y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        z = (self.x - self.x.mean()) / self.x.std()
        ones = np.ones_like(self.x)
        self.designs = {False: np.column_stack([self.x, ones]), True: np.column_stack([z, ones])}
        self.theta0 = np.asarray(theta0, dtype=np.float64)
        super().__init__(lr=lr, steps=steps)

    def make_controls(self):
        import ipywidgets as widgets

        lr, steps = self.initial["lr"], self.initial["steps"]
        return {
            "lr": widgets.FloatLogSlider(
                value=lr,
                base=10,
                min=-3.5,
                max=0.5,
                step=0.02,
                description="lr",
                readout_format=".4f",
            ),
            "steps": widgets.IntSlider(value=steps, min=1, max=200, description="steps"),
            "standardise": widgets.Checkbox(value=False, description="standardise x"),
        }

    def compute(self, lr, steps, standardise):
        A = self.designs[bool(standardise)]
        n = A.shape[0]
        S = A.T @ A / n  # J(theta) = theta^T S theta - 2 c^T theta + mean(y^2)
        eig = np.linalg.eigvalsh(2.0 * S)
        theta_star = normal_equations(A, self.y)
        residual = A @ theta_star - self.y
        path, losses = gd_path(A, self.y, lr, steps, self.theta0)
        j_star = residual @ residual / n
        return {
            "lr": lr,
            "steps": steps,
            "standardise": bool(standardise),
            "S": S,
            "c": A.T @ self.y / n,
            "mean_y2": float(self.y @ self.y / n),
            "eigenvalues": eig,
            "L": eig[-1],
            "lr_max": 2.0 / eig[-1],
            "kappa": eig[-1] / eig[0],
            "theta_star": theta_star,
            "j_star": j_star,
            "path": path,
            "losses": losses,
            "diverged": bool(losses[-1] > losses[0]),
            "distance": float(np.linalg.norm(path[-1] - theta_star)),
        }

    @staticmethod
    def _window(state) -> tuple[tuple[float, float], tuple[float, float]]:
        """A square window (equal units on both axes) centred on the minimum, holding the start.

        Equal units show the true shape of the contours: circles when ``kappa = 1``.
        """
        centre = state["theta_star"]
        radius = 1.15 * np.abs(state["path"][0] - centre).max() + 1e-9
        return (centre[0] - radius, centre[0] + radius), (centre[1] - radius, centre[1] + radius)

    def draw(self, state, fig):
        from ..viz import plot_loss_surface

        ax_s, ax_l = fig.subplots(1, 2)
        S, c, m = state["S"], state["c"], state["mean_y2"]

        def loss(W, B):
            return (
                S[0, 0] * W**2
                + 2 * S[0, 1] * W * B
                + S[1, 1] * B**2
                - 2 * (c[0] * W + c[1] * B)
                + m
            )

        xlim, ylim = self._window(state)
        plot_loss_surface(
            loss, xlim, ylim, paths={"GD": state["path"]}, ax=ax_s, levels=20, resolution=80
        )
        ax_s.plot(*state["theta_star"], "*", color="k", ms=11, label="minimum")
        ax_s.set_aspect("equal")
        ax_s.set_xlabel(
            "$w$ (slope of standardised $x$)" if state["standardise"] else "$w$ (slope)"
        )
        ax_s.set_ylabel("$b$ (intercept)")
        ax_s.set_title(f"condition number {state['kappa']:.3g}", fontsize=10)
        ax_s.legend(fontsize=7, loc="upper left")
        excess = np.maximum(state["losses"] - state["j_star"], 1e-16)
        ax_l.semilogy(np.arange(len(excess)), excess, ".-", ms=3)
        ax_l.set_xlabel("step")
        ax_l.set_ylabel(r"$J(\theta_t) - J^*$")
        verdict = "diverges" if state["diverged"] else "converges"
        ax_l.set_title(
            f"lr = {state['lr']:.3g}, 2/L = {state['lr_max']:.3g}: {verdict}",
            fontsize=10,
            color="firebrick" if state["diverged"] else "black",
        )
        fig.tight_layout()

    # --- the static book: GD in JavaScript (book/_explorers/renderers/gradient_descent.js) -----
    #: the path of a 2-parameter GD costs microseconds, so the renderer runs it for any lr (and
    #: the steps slider draws a prefix); the contours, which do not depend on lr, are an image
    static_renderer = "gradient_descent"

    def static_grid(self) -> dict[str, list]:
        """Every slider step, plus the initial lr (off the log slider's steps, e.g. 0.02)."""
        grid = super().static_grid()
        return {**grid, "lr": thin(grid["lr"], 1, keep=[self.controls["lr"].value])}

    def static_data(self) -> dict:
        """Per scaling of x: the design, the constants of the bowl and the contours as an image."""
        from matplotlib.colors import to_hex

        views = {}
        for standardise in (False, True):
            state = self.compute(lr=1e-3, steps=1, standardise=standardise)
            # the background: the contours, the minimum and the legend, without a path (NaNs keep
            # the "GD" legend entry and its colour); the loss panel is drawn in SVG on top
            background = {**state, "path": np.array([self.theta0, [np.nan, np.nan]])}
            background["losses"] = np.array([np.nan])
            fig = offscreen_figure(self.figsize)
            self.draw(background, fig)
            laid_out(fig)  # the phone layout, in the phone pass (scripted.phone_pass)
            ax_surface, ax_loss = fig.axes
            ax_loss.set_visible(False)
            views[str(standardise).lower()] = {
                "A": self.designs[standardise].tolist(),
                "image": figure_data_url(fig, "webp"),
                "surface": axes_map(ax_surface),
                "loss_rect": axes_map(ax_loss)["rect"],
                "path_color": to_hex(ax_surface.get_lines()[0].get_color()),
                **{
                    k: np.asarray(state[k]).tolist()
                    for k in ("S", "c", "eigenvalues", "theta_star", "lr_max", "kappa", "L")
                },
                "j_star": float(state["j_star"]),
                "mean_y2": state["mean_y2"],
            }
        return {
            "y": self.y.tolist(),
            "theta0": self.theta0.tolist(),
            "max_steps": self.controls["steps"].max,
            "size": figure_size(self.figure),
            "views": views,
        }

    def describe(self, state) -> str:
        """Alt text for a ``compute`` result: lr against 2/L, the verdict, the loss and the distance."""
        taken, verdict = len(state["losses"]) - 1, "diverges" if state["diverged"] else "converges"
        scaling = "standardised" if state["standardise"] else "raw"
        return (
            f"Gradient descent on the MSE of a line ({scaling} x) with lr = {state['lr']:.3g}: "
            f"{verdict} (2/L = {state['lr_max']:.3g}, condition number {state['kappa']:.3g}); "
            f"after {taken} of {state['steps']} steps the loss is {state['losses'][-1]:.4g} "
            f"(minimum {state['j_star']:.4g}), {state['distance']:.3g} from the minimum."
        )


def _line_loss(state, path: np.ndarray) -> np.ndarray:
    """``J(theta)`` along a path ``(T, 2)``, from the quadratic form in ``state``."""
    S, c = state["S"], state["c"]
    return np.einsum("ti,ij,tj->t", path, S, path) - 2 * path @ c + state["mean_y2"]


class YourGradientDescentExplorer(DrivenByYours, GradientDescentExplorer):
    """Gradient descent on the line's MSE, stepped by your ``linear_gd_step`` (worksheet 2).

    ``yours={"linear_gd_step": linear_gd_step}``: your path (red, dashed) runs as many steps as
    nnlib's, from the same start, over the same contours; the right panel adds your excess loss.

    >>> def linear_gd_step(w, X, y, lr):
    ...     return w - lr * X.T @ (X @ w - y) / len(y)  # the factor 2 forgotten
    >>> YourGradientDescentExplorer(yours={"linear_gd_step": linear_gd_step}).state["yours"].status
    'differs'
    """

    yours_names = ("linear_gd_step",)
    drawn_as = "dashed in red"

    def compute_yours(self, state, lr, steps, standardise):
        A, path = self.designs[bool(standardise)], [self.theta0]
        for _ in range(len(state["path"]) - 1):
            path.append(np.asarray(self.yours.call("linear_gd_step", path[-1], A, self.y, lr)))
        return np.array(path, dtype=np.float64)

    def gap(self, state, value):
        return max_gap(value, state["path"])

    def draw_yours(self, state, value, fig):
        ax_s, ax_l = fig.axes[0], fig.axes[-1]
        ax_s.plot(value[:, 0], value[:, 1], "--", color="red", lw=1.8, label="yours")
        ax_s.legend(fontsize=7, loc="upper left")
        excess = np.maximum(_line_loss(state, value) - state["j_star"], 1e-16)
        ax_l.semilogy(np.arange(len(excess)), excess, "--", color="red", label="yours")
        ax_l.legend(fontsize=7)
