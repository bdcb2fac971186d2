r"""Chapter 3: OLS, ridge and lasso coefficients as the penalty ``lam`` grows.

Objectives (``nnlib.linear``'s parameterisation: sum of squares, intercept never penalised):

.. math:: \text{ridge: } \|y - Xw - b\|^2 + \lambda\|w\|_2^2 \qquad
          \text{lasso: } \|y - Xw - b\|^2 + \lambda\|w\|_1

Ridge multiplies every direction of ``w`` by a factor ``d_i / (d_i + lam)`` (``d_i`` the
eigenvalues of ``X_c^T X_c``): every weight shrinks, none becomes exactly zero. The lasso
soft-thresholds: a weight is exactly 0 as soon as ``|2 x_j^T r_j| <= lam`` (``r_j`` the residual
without feature ``j``), and every weight is 0 for ``lam >= lasso_lambda_max(X, y)``.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_ndim, check_shape
from ..linear import (
    Lasso,
    LinearRegression,
    Ridge,
    coordinate_descent,
    lasso_lambda_max,
    ridge_closed_form,
)
from .base import Explorer
from .static import thin
from .yours import DrivenByYours

__all__ = [
    "sparse_regression_data",
    "regularization_paths",
    "RegularizationPathExplorer",
    "YourRegularizationPathExplorer",
]


def sparse_regression_data(
    n: int = 50,
    w=(3.0, -2.0, 0.0, 0.0, 1.5, 0.0, 0.0, 0.0),
    noise: float = 1.0,
    rho: float = 0.5,
    rng=0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correlated Gaussian features (``corr(x_i, x_j) = rho^|i-j|``) and ``y = X w + N(0, noise^2)``.

    Most true weights are zero, so the lasso has something to find. Shapes: ``X (N, D)``,
    ``y (N,)``, ``w (D,)``.

    >>> X, y, w = sparse_regression_data(5); X.shape, y.shape, int((w == 0).sum())
    ((5, 8), (5,), 5)
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    w = np.asarray(w, dtype=np.float64)
    d = w.size
    corr = rho ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
    X = rng.standard_normal((n, d)) @ np.linalg.cholesky(corr).T
    return X, X @ w + noise * rng.standard_normal(n), w


def regularization_paths(X, y, lams) -> tuple[np.ndarray, np.ndarray]:
    """Ridge and lasso weights (intercept fitted, not penalised) for every ``lam`` in ``lams``.

    The lasso path runs from the largest ``lam`` down, each fit warm-started from the previous
    one (neighbouring solutions are close, so coordinate descent needs few sweeps).

    Shapes: ``X (N, D)``, ``y (N,)``, ``lams (M,)`` -> ``ridge (M, D)``, ``lasso (M, D)``.

    >>> r, l = regularization_paths(np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 2.0]), [1e-9, 1e3])
    >>> np.round(r[:, 0], 3).tolist(), np.round(l[:, 0], 3).tolist()
    ([1.0, 0.002], [1.0, 0.0])
    """
    X = as_float_array(X, "regularization_paths", "X").astype(np.float64)
    check_ndim(X, 2, "regularization_paths", "X", "(N, D)")
    y = as_float_array(y, "regularization_paths", "y").astype(np.float64)
    check_shape(y, (X.shape[0],), "regularization_paths", "y", "one target per row of X")
    Xc, yc = X - X.mean(axis=0), y - y.mean()  # centring = an unpenalised intercept
    lams = np.asarray(lams, dtype=np.float64)
    ridge = np.array([ridge_closed_form(Xc, yc, lam) for lam in lams])
    lasso = np.empty_like(ridge)
    w = None
    for i in np.argsort(lams)[::-1]:
        w, _ = coordinate_descent(Xc, yc, lams[i], w0=w)
        lasso[i] = w
    return ridge, lasso + 0.0  # + 0.0 turns -0.0 into 0.0


class RegularizationPathExplorer(Explorer):
    """OLS vs ridge vs lasso weights with a ``lam`` slider: lasso zeroes weights, ridge shrinks them.

    Left: the weights at the current ``lam`` next to the true ones. Right: the whole paths
    (ridge dashed, lasso solid) with the current ``lam`` marked.

    >>> e = RegularizationPathExplorer(); int(e.update(lam=1e3)["n_zero"]["lasso"])
    8
    """

    figsize = (8.5, 3.8)

    def __init__(self, X=None, y=None, w_true=None, lam: float = 10.0, lams=None):
        if X is None:
            X, y, w_true = sparse_regression_data()
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        self.w_true = None if w_true is None else np.asarray(w_true, dtype=np.float64)
        self.lams = (
            np.geomspace(1e-1, 10**3.5, 50) if lams is None else np.asarray(lams, dtype=np.float64)
        )
        self.ridge_path, self.lasso_path = regularization_paths(self.X, self.y, self.lams)
        self.ols = LinearRegression().fit(self.X, self.y).coef_
        self.lam_max = lasso_lambda_max(self.X, self.y)
        super().__init__(lam=lam)

    def make_controls(self):
        import ipywidgets as widgets

        lo, hi = np.log10(self.lams[[0, -1]])
        return {
            "lam": widgets.FloatLogSlider(
                value=self.initial["lam"],
                base=10,
                min=lo,
                max=hi,
                step=0.05,
                description="lam",
                readout_format=".3g",
            )
        }

    def static_grid(self):
        """lambda every 0.2 decades over the slider's range, and its initial value."""
        grid = super().static_grid()
        return {"lam": thin(grid["lam"], 4, keep=[self.values["lam"]])}

    def describe(self, state):
        zero, norm = state["n_zero"], state["l2_norm"]
        return (
            f"Ridge and lasso weights as lambda grows, at lambda = {state['lam']:.3g}: lasso sets "
            f"{zero['lasso']} weights to zero, ridge {zero['ridge']}; weight norms: OLS "
            f"{norm['OLS']:.2f}, ridge {norm['ridge']:.2f}, lasso {norm['lasso']:.2f}."
        )

    def compute(self, lam):
        coef = {
            "OLS": self.ols,
            "ridge": Ridge(lam=lam).fit(self.X, self.y).coef_,
            "lasso": Lasso(lam=lam).fit(self.X, self.y).coef_ + 0.0,
        }
        return {
            "lam": lam,
            "lam_max": self.lam_max,
            "coef": coef,
            "n_zero": {name: int(np.sum(w == 0)) for name, w in coef.items()},
            "l2_norm": {name: float(np.linalg.norm(w)) for name, w in coef.items()},
            "l1_norm": {name: float(np.abs(w).sum()) for name, w in coef.items()},
        }

    def draw(self, state, fig):
        ax_w, ax_p = fig.subplots(1, 2)
        d = self.X.shape[1]
        idx = np.arange(d)
        for k, (name, w) in enumerate(state["coef"].items()):
            ax_w.bar(idx + (k - 1) * 0.27, w, width=0.27, label=name, color=("0.6", "C0", "C3")[k])
        if self.w_true is not None:
            ax_w.plot(idx, self.w_true, "k_", ms=14, mew=2, label="true")
        ax_w.axhline(0, color="k", lw=0.6)
        ax_w.set_xticks(idx, [f"$w_{j}$" for j in idx])
        for j, label in enumerate(ax_w.get_xticklabels()):
            label.set_color(f"C{j}")  # the colour of w_j's path on the right
        ax_w.set_ylabel("weight")
        ax_w.set_title(
            f"lam = {state['lam']:.3g}: lasso zeroes {state['n_zero']['lasso']} of {d}", fontsize=10
        )
        ax_w.legend(fontsize=7, ncol=2)
        for j in idx:
            ax_p.semilogx(self.lams, self.ridge_path[:, j], "--", color=f"C{j}", lw=1)
            ax_p.semilogx(self.lams, self.lasso_path[:, j], "-", color=f"C{j}", lw=1.5)
        ax_p.axvline(state["lam"], color="k", lw=0.8)
        ax_p.axvline(state["lam_max"], color="k", lw=0.8, ls=":")
        ax_p.plot([], [], "k--", lw=1, label="ridge")
        ax_p.plot([], [], "k-", lw=1.5, label="lasso")
        ax_p.set_xlabel(r"$\lambda$ (dotted: lasso $\lambda_{max}$)")
        ax_p.set_ylabel("weight")
        ax_p.set_title("regularisation paths", fontsize=10)
        ax_p.legend(fontsize=7)
        fig.tight_layout()


class YourRegularizationPathExplorer(DrivenByYours, RegularizationPathExplorer):
    """The ridge/lasso explorer with the weights at the chosen lam from your code (worksheet 3).

    ``yours={"ridge_closed_form": ridge_closed_form, "lasso_cd": lasso_cd}``: your functions fit
    the centred data (an unpenalised intercept, as nnlib's ``Ridge`` and ``Lasso`` do); the lasso
    runs ``sweeps`` coordinate-descent sweeps. Your weights are red marks on the bars (left) and at
    lam on the paths (right).

    >>> from nnlib.linear import ridge_closed_form
    >>> YourRegularizationPathExplorer(yours={"ridge_closed_form": ridge_closed_form}).state["yours"].status
    'matches'
    """

    yours_names = ("ridge_closed_form", "lasso_cd")
    drawn_as = "as red marks"
    sweeps = 200  # enough for these 8 features to converge: your lasso lands on nnlib's path

    def compute_yours(self, state, lam):
        Xc, yc = self.X - self.X.mean(axis=0), self.y - self.y.mean()
        coef = {}
        if "ridge_closed_form" in self.yours.functions:
            coef["ridge"] = self.yours.call("ridge_closed_form", Xc, yc, lam)
        if "lasso_cd" in self.yours.functions:
            coef["lasso"] = self.yours.call("lasso_cd", Xc, yc, lam, self.sweeps)
        return {name: np.asarray(w, dtype=np.float64) for name, w in coef.items()}

    def draw_yours(self, state, value, fig):
        ax_w, ax_p = fig.axes[0], fig.axes[1]
        idx = np.arange(self.X.shape[1])
        style = {"color": "red", "mec": "k", "ls": ""}  # black edges: visible on the red lasso bars
        for k, name, marker in ((1, "ridge", "o"), (2, "lasso", "D")):
            if name in value:
                w = value[name]
                ax_w.plot(idx + (k - 1) * 0.27, w, marker, ms=6, label=f"your {name}", **style)
                ax_p.plot(np.full(len(w), state["lam"]), w, marker, ms=5, **style)
        ax_w.legend(fontsize=7, ncol=2)
