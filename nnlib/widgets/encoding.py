r"""Chapter 1: how a categorical feature is encoded decides what the linear model's weights mean.

One categorical feature with ``K`` levels (a degree: bachelor, master, PhD) predicts a salary.
Four designs, all with the same fitted group means when they have a solution:

* **one-hot + intercept**: ``[1, x_1, ..., x_K]``. The one-hot columns sum to the ones column,
  so ``X v = 0`` for ``v = (1, -1, ..., -1)`` and ``X^T X`` is singular (the dummy-variable
  trap). :class:`nnlib.linear.LinearRegression` refuses it with ``SingularMatrixError``.
* **one-hot + intercept, ridge**: ``lam > 0`` makes ``X^T X + lam I`` invertible. The intercept
  is not penalised, so as ``lam -> 0`` the weights sum to zero and the intercept is the
  *unweighted* mean of the group means ("effect coding").
* **one-hot, no intercept**: full rank; ``X^T X = diag(n_k)``, so ``w_k`` is the mean of group ``k``.
* **K-1 + intercept**: the baseline level's column is dropped; the intercept is the baseline
  group's mean and ``w_k`` is group ``k``'s mean minus the baseline's.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data import make_categorical
from ..linear import LinearRegression, Ridge, SingularMatrixError
from .base import Explorer
from .static import thin

__all__ = ["ENCODINGS", "encode", "fit_encoding", "EncodingExplorer"]

ENCODINGS = {
    "one-hot + intercept": "trap",
    "one-hot + intercept, ridge": "ridge",
    "one-hot, no intercept": "no-intercept",
    "K-1 + intercept": "k-1",
}


def encode(
    level: np.ndarray, k: int, encoding: str, baseline: int = 0
) -> tuple[np.ndarray, list[int]]:
    """The columns a design uses: one-hot ``(N, K)``, or ``(N, K-1)`` without the ``baseline`` level.

    ``level`` holds integer levels ``0..K-1``, shape ``(N,)``. Returns the matrix and, for every
    column, the level it indicates. (The intercept is added by the estimator, not here.)

    >>> encode(np.array([0, 2]), 3, "k-1", baseline=0)[0]
    array([[0., 0.],
           [0., 1.]])
    """
    if encoding not in ENCODINGS.values():
        raise ValueError(
            f"encode: expected encoding in {sorted(ENCODINGS.values())}, got {encoding!r}"
        )
    levels = [j for j in range(k) if encoding != "k-1" or j != baseline]
    X = (np.asarray(level)[:, None] == np.array(levels)[None, :]).astype(np.float64)
    return X, levels


def fit_encoding(
    level, y, k: int, encoding: str, baseline: int = 0, lam: float = 1.0
) -> dict[str, Any]:
    r"""Fit a linear model on one encoded categorical feature; return what it learned.

    Keys: ``intercept`` (float, NaN without one), ``coef`` ``(K,)`` (NaN for a dropped level),
    ``group_pred`` ``(K,)`` (the model's prediction for each level), ``shape`` of the design
    including the intercept column, ``rank`` of that design, ``error`` (the message of the
    ``SingularMatrixError`` for the trap, else ``None``; then the numbers are NaN).

    >>> out = fit_encoding(np.array([0, 1, 1]), np.array([1.0, 3.0, 5.0]), 2, "no-intercept")
    >>> out["coef"].tolist()
    [1.0, 4.0]
    """
    X, levels = encode(level, k, encoding, baseline)
    with_intercept = encoding != "no-intercept"
    design = np.column_stack([np.ones(len(X)), X]) if with_intercept else X
    out = {
        "shape": design.shape,
        "rank": int(np.linalg.matrix_rank(design)),
        "error": None,
        "intercept": np.nan,
        "coef": np.full(k, np.nan),
        "group_pred": np.full(k, np.nan),
    }
    model = (
        Ridge(lam=lam) if encoding == "ridge" else LinearRegression(fit_intercept=with_intercept)
    )
    try:
        model.fit(X, y)
    except SingularMatrixError as exc:
        out["error"] = str(exc)
        return out
    out["intercept"] = float(model.intercept_) if with_intercept else np.nan
    out["coef"][levels] = model.coef_
    out["group_pred"] = model.predict(encode(np.arange(k), k, encoding, baseline)[0])
    return out


class EncodingExplorer(Explorer):
    """K one-hot columns or K-1, with or without an intercept, plain or ridge: the learned weights.

    Left: the fitted intercept and weights (or the error for the dummy-variable trap). Right: the
    data of each level, its mean, and the model's prediction for it.

    >>> e = EncodingExplorer(); s = e.update(encoding="k-1")
    >>> bool(np.isclose(s["intercept"], s["group_mean"][0]))
    True
    """

    figsize = (8, 3.6)

    def __init__(
        self,
        names: Sequence[str] = ("bachelor", "master", "PhD"),
        effects: Sequence[float] = (50_000.0, 60_000.0, 75_000.0),
        n: int = 60,
        noise: float = 6_000.0,
        rng=0,
        encoding: str = "trap",
        dummy_encoder=None,
    ):
        if len(names) != len(effects):
            raise ValueError(
                f"EncodingExplorer: expected one name per effect, got {len(names)} names "
                f"and {len(effects)} effects"
            )
        self.names = list(names)
        X, self.y = make_categorical(n, effects=effects, noise=noise, rng=rng)
        self.level = X.argmax(axis=1)
        self.k = len(names)
        self.group_mean = np.array([self.y[self.level == j].mean() for j in range(self.k)])
        # worksheet 1: the student's dummy_encode(labels, categories, baseline), compared with encode()
        self.dummy_encoder = dummy_encoder
        super().__init__(encoding=encoding)

    def make_controls(self):
        import ipywidgets as widgets

        return {
            "encoding": widgets.Dropdown(
                options=list(ENCODINGS.items()),
                value=self.initial["encoding"],
                description="design",
            ),
            "baseline": widgets.Dropdown(
                options=[(name, j) for j, name in enumerate(self.names)],
                value=0,
                description="K-1 baseline",
            ),
            "lam": widgets.FloatLogSlider(
                value=1.0,
                base=10,
                min=-3,
                max=5,
                step=0.25,
                description="ridge lam",
                readout_format=".3g",
            ),
        }

    def static_grid(self):
        """Every design and baseline; the ridge lambda at whole powers of ten (9 values)."""
        grid = super().static_grid()
        grid["lam"] = thin(grid["lam"], 4, keep=[self.values["lam"]])
        return grid

    def static_canonical(self, values):
        """Only the ridge design reads lambda, and only the K-1 design reads the baseline."""
        initial = self.static_grid()
        if values["encoding"] != "ridge":
            values = {**values, "lam": initial["lam"][0]}
        if values["encoding"] != "k-1":
            values = {**values, "baseline": initial["baseline"][0]}
        return values

    def describe(self, state):
        n, c = state["shape"]
        design = dict((v, k) for k, v in ENCODINGS.items())[state["encoding"]]
        if state["error"]:
            fit = "least squares fails: X^T X is singular (the dummy-variable trap)"
        else:
            fit = (
                "fitted weights "
                + ", ".join(
                    f"{w / 1000:.1f}"
                    for w in [state["intercept"], *state["coef"]]
                    if np.isfinite(w)
                )
                + " thousand"
            )
        return (
            f"Design '{design}' (ridge lambda {state['lam']:g}): X is ({n}, {c}) with rank "
            f"{state['rank']}; {fit}. Right: the data per level and the predicted group means."
        )

    def compute(self, encoding, baseline, lam):
        state = fit_encoding(self.level, self.y, self.k, encoding, baseline, lam)
        state.update(
            encoding=encoding,
            baseline=baseline,
            lam=lam,
            group_mean=self.group_mean,
            counts=np.bincount(self.level, minlength=self.k),
            yours=self._judge_student(baseline) if self.dummy_encoder else "",
        )
        return state

    def _judge_student(self, baseline: int) -> str:
        """One line on the student's K-1 encoder at this baseline (never raises)."""
        labels = [self.names[j] for j in self.level]
        try:
            got = np.asarray(self.dummy_encoder(labels, list(self.names), self.names[baseline]))
        except NotImplementedError:
            return "your dummy_encode is not written yet: the reference alone is shown"
        except Exception as exc:  # the student's code: report, never raise
            return f"your dummy_encode raised {type(exc).__name__}: {exc}"[:90]
        want = encode(self.level, self.k, "k-1", baseline)[0]
        if got.shape != want.shape:
            rank = (
                np.linalg.matrix_rank(np.column_stack([np.ones(len(got)), got]))
                if got.ndim == 2
                else "?"
            )
            return f"your dummy_encode: shape {got.shape}, expected {want.shape}; rank of [1 | X] {rank}"
        if not np.allclose(got, want):
            return "your dummy_encode: right shape, other columns than K-1 without the baseline"
        return "your dummy_encode gives these columns exactly"

    def draw(self, state, fig):
        ax_w, ax_y = fig.subplots(1, 2)
        labels = ["intercept"] + [f"w[{name}]" for name in self.names]
        values = np.concatenate([[state["intercept"]], state["coef"]]) / 1000
        n, c = state["shape"]
        ax_w.set_title(f"X is ({n}, {c}), rank {state['rank']}", fontsize=10)
        if state["error"]:
            ax_w.text(
                0.02,
                0.98,
                "\n".join(textwrap.wrap("SingularMatrixError: " + state["error"], 48)[:12]),
                va="top",
                ha="left",
                fontsize=7,
                family="monospace",
                color="firebrick",
                transform=ax_w.transAxes,
            )
            ax_w.set_xticks([])
            ax_w.set_yticks([])
        else:
            shown = np.flatnonzero(np.isfinite(values))
            bars = ax_w.bar(shown, values[shown], color=np.array(["grey"] + ["C0"] * self.k)[shown])
            ax_w.bar_label(bars, fmt="%.1f", fontsize=7)
            ax_w.set_xticks(range(len(labels)), labels, rotation=20, fontsize=8)
            ax_w.axhline(0, color="k", lw=0.6)
            ax_w.set_ylabel("value (thousands)")
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(self.y))
        ax_y.scatter(self.level + jitter, self.y / 1000, s=8, alpha=0.5, color="C0", label="data")
        ax_y.scatter(
            range(self.k),
            state["group_mean"] / 1000,
            marker="_",
            s=600,
            color="k",
            label="group mean",
        )
        if not state["error"]:
            ax_y.scatter(
                range(self.k),
                state["group_pred"] / 1000,
                marker="x",
                s=60,
                color="C3",
                label="prediction",
            )
        ax_y.set_xticks(range(self.k), self.names)
        ax_y.set_ylabel("salary (thousands)")
        ax_y.set_title("data, group means, predictions", fontsize=10)
        ax_y.legend(fontsize=7, loc="upper left")
        if state.get("yours"):
            fig.suptitle(state["yours"], fontsize=8)
        fig.tight_layout()
