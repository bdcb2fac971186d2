r"""Chapter 3: maximum likelihood vs MAP for the slope of a line through the origin.

Model ``y_i = w x_i + eps_i``, ``eps_i ~ N(0, s^2)`` (``s`` known), prior ``w ~ N(mu0, t^2)``. With
``Sxx = sum x_i^2`` and ``Sxy = sum x_i y_i`` the log-posterior is a quadratic in ``w``, so the
posterior is Gaussian:

.. math:: w_{ML} = \frac{S_{xy}}{S_{xx}},\qquad
          w_{MAP} = \frac{S_{xy} + \lambda \mu_0}{S_{xx} + \lambda}
                  = \frac{S_{xx}}{S_{xx} + \lambda} w_{ML} + \frac{\lambda}{S_{xx} + \lambda}\mu_0,
          \qquad \lambda = \frac{s^2}{t^2},\qquad \mathrm{sd}(w \mid y) = \frac{s}{\sqrt{S_{xx} + \lambda}}

A strong prior (small ``t``, large ``lam``) pulls the estimate to ``mu0``; more data (``Sxx``
grows with ``N``) pulls it back to ``w_ML``. With ``mu0 = 0`` this is ridge regression.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_ndim, check_positive, check_same_shape
from ..data import make_linear
from ..linear import normal_equations, ridge_closed_form
from .base import Explorer
from .scripted import axes_rects, figure_size
from .static import thin

__all__ = ["gaussian_posterior", "MapExplorer"]


def _gauss(w: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((w - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def gaussian_posterior(x, y, sigma: float, prior_mean: float, prior_std: float) -> dict[str, float]:
    r"""ML and MAP slopes, the posterior sd and the shrinkage weight for ``y = w x + N(0, sigma^2)``.

    The MAP slope is ridge regression on the shifted targets ``y - mu0 x`` (a prior centred at
    ``mu0`` shrinks towards ``mu0``), solved with :func:`nnlib.linear.ridge_closed_form` and
    ``lam = sigma^2 / prior_std^2``. ``shrink = Sxx / (Sxx + lam)`` is the weight of ``w_ML``
    in ``w_MAP = shrink w_ML + (1 - shrink) mu0``.

    Shapes: ``x (N,)``, ``y (N,)`` -> dict of floats: ``w_ml, w_map, post_std, lam, shrink, like_std``.

    >>> out = gaussian_posterior(np.array([1.0]), np.array([2.0]), 1.0, 0.0, 1.0)
    >>> out["w_ml"], out["w_map"], out["lam"]
    (2.0, 1.0, 1.0)
    """
    fn = "gaussian_posterior"
    x, y = as_float_array(x, fn, "x"), as_float_array(y, fn, "y")
    check_ndim(x, 1, fn, "x", "(N,)")
    check_same_shape(x, y, fn, "x", "y")
    check_positive(sigma, fn, "sigma")
    check_positive(prior_std, fn, "prior_std")
    X = x.astype(np.float64).reshape(-1, 1)
    y = y.astype(np.float64)
    lam = float(sigma) ** 2 / float(prior_std) ** 2
    sxx = float(X[:, 0] @ X[:, 0])
    w_map = prior_mean + float(ridge_closed_form(X, y - prior_mean * X[:, 0], lam)[0])
    return {
        "w_ml": float(normal_equations(X, y)[0]),
        "w_map": w_map,
        "lam": lam,
        "post_std": float(sigma / np.sqrt(sxx + lam)),
        "like_std": float(sigma / np.sqrt(sxx)),
        "shrink": sxx / (sxx + lam),
    }


class MapExplorer(Explorer):
    """Prior strength and sample size: the posterior mode moves from the ML estimate to the prior mean.

    Left: likelihood (normalised over ``w``), prior and posterior densities of the slope. Right:
    the first ``n`` data points with the ML, MAP and true lines.

    >>> e = MapExplorer(); s = e.update(prior_std=0.01); abs(s["w_map"] - s["prior_mean"]) < 0.01
    True
    """

    figsize = (8.5, 3.6)

    def __init__(
        self,
        w_true: float = 2.0,
        sigma: float = 1.0,
        n_max: int = 200,
        rng=0,
        prior_std: float = 0.5,
        n: int = 5,
    ):
        X, self.y = make_linear(n_max, d=1, noise=sigma, w=[w_true], b=0.0, rng=rng)
        self.x, self.w_true, self.sigma = X[:, 0], float(w_true), float(sigma)
        super().__init__(prior_std=prior_std, n=n, n_max=n_max)

    def make_controls(self):
        import ipywidgets as widgets

        prior_std, n, n_max = (self.initial[k] for k in ("prior_std", "n", "n_max"))
        return {
            "prior_std": widgets.FloatLogSlider(
                value=prior_std,
                base=10,
                min=-2,
                max=1.5,
                step=0.05,
                description="prior std τ",
                readout_format=".3g",
            ),
            "n": widgets.IntSlider(value=n, min=1, max=n_max, description="N samples"),
            "prior_mean": widgets.FloatSlider(
                value=0.0, min=-3.0, max=3.0, step=0.25, description="prior mean"
            ),
        }

    def compute(self, prior_std, n, prior_mean):
        state = gaussian_posterior(self.x[:n], self.y[:n], self.sigma, prior_mean, prior_std)
        state.update(prior_std=prior_std, n=n, prior_mean=prior_mean)
        return state

    def draw(self, state, fig):
        ax_d, ax_y = fig.subplots(1, 2)
        ws = np.linspace(-4, 6, 600)
        curves = [
            ("likelihood", state["w_ml"], state["like_std"], "C0", "--"),
            ("prior", state["prior_mean"], state["prior_std"], "C2", ":"),
            ("posterior", state["w_map"], state["post_std"], "C3", "-"),
        ]
        for label, mean, sd, color, ls in curves:
            ax_d.plot(ws, _gauss(ws, mean, sd), ls, color=color, label=label)
        ax_d.axvline(self.w_true, color="k", lw=0.8, label="true $w$")
        ax_d.set_ylim(0, 1.1 * max(1.0, _gauss(state["w_map"], state["w_map"], state["post_std"])))
        ax_d.set_xlabel("slope $w$")
        ax_d.set_ylabel("density")
        ax_d.set_title(
            rf"$\lambda = \sigma^2/\tau^2$ = {state['lam']:.3g}, weight on ML = {state['shrink']:.2f}",
            fontsize=10,
        )
        ax_d.legend(fontsize=7, loc="upper left")
        n = state["n"]
        ax_y.scatter(self.x[:n], self.y[:n], s=12, color="0.4", label=f"data (N={n})")
        xs = np.array([-1.0, 1.0])
        for label, w, color, ls in [
            ("ML", state["w_ml"], "C0", "--"),
            ("MAP", state["w_map"], "C3", "-"),
            ("true", self.w_true, "k", ":"),
        ]:
            ax_y.plot(xs, w * xs, ls, color=color, label=f"{label}: w = {w:.2f}")
        ax_y.set_ylim(-5, 5)
        ax_y.set_xlabel("$x$")
        ax_y.set_ylabel("$y$")
        ax_y.set_title("fits through the origin", fontsize=10)
        ax_y.legend(fontsize=7, loc="upper left")
        fig.tight_layout()

    # --- the static book: closed form in JavaScript (book/_explorers/renderers/map.js) ----------
    #: N selects a prefix of the shipped points; the posterior is two sums and a division
    static_renderer = "map"

    def static_grid(self) -> dict[str, list]:
        """Every slider step, plus the initial prior std (off the log slider's steps, e.g. 0.5)."""
        grid = super().static_grid()
        return {
            **grid,
            "prior_std": thin(grid["prior_std"], 1, keep=[self.controls["prior_std"].value]),
        }

    def static_data(self) -> dict:
        """Every point the N slider reaches, the noise level, the true slope and the layout."""
        return {
            "x": self.x.tolist(),
            "y": self.y.tolist(),
            "sigma": self.sigma,
            "w_true": self.w_true,
            "size": figure_size(self.figure),
            "rects": axes_rects(self.figure),
        }

    def describe(self, state) -> str:
        """Alt text for a ``compute`` result: the prior, N, the ML and MAP slopes and the shrinkage."""
        return (
            f"Prior N({state['prior_mean']:.2f}, {state['prior_std']:.3g}^2) and {state['n']} samples: "
            f"ML slope {state['w_ml']:.2f}, MAP slope {state['w_map']:.2f} "
            f"(weight on ML {state['shrink']:.2f}, lambda {state['lam']:.3g}), "
            f"posterior sd {state['post_std']:.3g}; true slope {self.w_true:.2f}."
        )
