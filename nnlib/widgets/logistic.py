r"""Logistic regression in the plane (book chapter 4): the boundary by hand, then by gradient descent.

The model is ``p = sigmoid(X w + b)``; it predicts class 1 where ``p >= 1/2``, i.e. on the
positive side of the line ``w . x + b = 0``. :class:`HyperplaneExplorer` sets ``w`` and ``b``
with sliders; :class:`LogisticExplorer` replays gradient descent on the mean binary
cross-entropy (:func:`nnlib.linear.logistic_gd`, re-exported here), whose gradient is
``X^T (p - y) / N`` for ``w`` and ``mean(p - y)`` for ``b``.

>>> X, y = logistic_data("overlapping")
>>> run = logistic_gd(X, y, lr=1.0, steps=100)
>>> bool(run["loss"][-1] < run["loss"][0])
True
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import numpy as np

from .. import functional as F
from ..data import make_blobs
from ..linear import logistic_gd
from .base import Explorer
from .scripted import axes_rects, colormap_hex, figure_size
from .yours import DrivenByYours, draw_your_boundary, max_gap

__all__ = [
    "logistic_data",
    "logistic_gd",
    "HyperplaneExplorer",
    "LogisticExplorer",
    "YourLogisticExplorer",
]

_LIM = (-4.0, 4.0)


@cache
def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    centres = {"overlapping": [[-1.0, -0.5], [1.0, 0.5]], "separable": [[-2.0, -1.0], [2.0, 1.0]]}
    if name not in centres:
        raise ValueError(
            f"logistic_data: unknown data set {name!r}; choose 'overlapping' or 'separable'"
        )
    return make_blobs(100, centers=centres[name], std=0.8 if name == "overlapping" else 0.5, rng=4)


def logistic_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two seeded Gaussian clouds, ``X (100, 2)``, ``y (100,)`` in {0, 1}: "overlapping" or "separable".

    >>> logistic_data("separable")[0].shape
    (100, 2)
    """
    X, y = _data(name)
    return X.copy(), y.copy()


def _summary(X, y, w, b) -> dict[str, Any]:
    """Loss, accuracy and the boundary's distance from the origin for one (w, b)."""
    z = X @ w + b
    norm = float(np.linalg.norm(w))
    return {
        "w": np.asarray(w, dtype=float),
        "b": float(b),
        "p": F.sigmoid(z),
        "loss": float(F.binary_cross_entropy_with_logits(z, y.astype(float))),
        "accuracy": float(np.mean((z >= 0) == (y == 1))),
        "distance": abs(b) / norm if norm > 0 else np.inf,
    }


def _probability_data(fig) -> dict[str, Any]:
    """What the renderers need to draw :func:`_draw_probability` (hyperplane.js): colours, layout."""
    from matplotlib import colormaps, colors

    return {
        "lim": list(_LIM),
        "bands": [colors.to_hex(colormaps["coolwarm"]((k + 0.5) / 10)) for k in range(10)],
        "class_colors": [colors.to_hex("tab:blue"), colors.to_hex("tab:red")],
        "side_colors": [colormap_hex("coolwarm")[0], colormap_hex("coolwarm")[-1]],
        "size": figure_size(fig),
        "rects": axes_rects(fig),
    }


def _draw_probability(ax, state, X, y):
    """Shade p = sigmoid(w . x + b), draw the p = 0.1, 0.5, 0.9 contours and the data."""
    from ..viz.linear import plot_hyperplane, plot_labelled_points

    w, b = state["w"], state["b"]
    xs = np.linspace(*_LIM, 120)
    xx, yy = np.meshgrid(xs, xs)
    p = F.sigmoid(w[0] * xx + w[1] * yy + b)
    ax.contourf(
        xx, yy, p, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.35, vmin=0, vmax=1
    )
    if np.ptp(p) > 0.8:
        cs = ax.contour(xx, yy, p, levels=[0.1, 0.9], colors="k", linewidths=0.7, linestyles=":")
        ax.clabel(cs, fmt={0.1: "p=0.1", 0.9: "p=0.9"}, fontsize=7)
    plot_hyperplane(w, b, ax=ax, xlim=_LIM, ylim=_LIM, shade=False, label="p = 0.5")
    plot_labelled_points(X, y, ax=ax, s=16)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="lower right")


class HyperplaneExplorer(Explorer):
    """Set ``w = (w1, w2)`` and ``b`` by hand and watch the boundary, p and the loss.

    A larger ``||w||`` sharpens the transition from p = 0.1 to 0.9 without moving the line; ``b``
    shifts the line along ``w`` (it sits at distance ``|b| / ||w||`` from the origin).
    State: ``w``, ``b``, ``p`` (on the data), ``loss``, ``accuracy``, ``distance``.

    >>> round(HyperplaneExplorer().update(w1=1.0, w2=0.0, b=-2.0)["distance"], 6)
    2.0
    """

    figsize = (7.5, 3.6)

    def make_controls(self):
        import ipywidgets as w

        kw = dict(min=-4.0, max=4.0, step=0.1, continuous_update=True)
        return {
            "w1": w.FloatSlider(value=1.0, description="w1", **kw),
            "w2": w.FloatSlider(value=1.0, description="w2", **kw),
            "b": w.FloatSlider(value=0.0, description="b", **kw),
        }

    def compute(self, w1, w2, b):
        X, y = logistic_data("overlapping")
        return {"X": X, "y": y, **_summary(X, y, np.array([w1, w2]), b)}

    def draw(self, state, fig):
        ax, ax_s = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        _draw_probability(ax, state, state["X"], state["y"])
        ax.set_title(f"mean BCE {state['loss']:.3f}, accuracy {state['accuracy']:.2f}", fontsize=9)
        # the same model seen from the side: p against the signed distance to the line
        w, b = state["w"], state["b"]
        norm = np.linalg.norm(w)
        s = np.linspace(-4, 4, 200)
        ax_s.plot(s, F.sigmoid(norm * s), color="k", label=r"$p = \sigma(\|w\|\, d)$")
        if norm > 0:
            d = (state["X"] @ w + b) / norm
            ax_s.scatter(
                d,
                state["y"] + 0.03 * np.sign(state["y"] - 0.5),
                c=state["y"],
                cmap="coolwarm",
                s=10,
                vmin=0,
                vmax=1,
                edgecolors="k",
                linewidths=0.3,
            )
        ax_s.axvline(0, color="grey", lw=0.8, ls="--")
        ax_s.set_xlabel("signed distance $d$ to the line")
        ax_s.set_ylabel("p(class 1)")
        ax_s.set_ylim(-0.1, 1.1)
        ax_s.legend(fontsize=8, loc="upper left")
        ax_s.set_title(f"||w|| = {norm:.2f}: steepness of the S", fontsize=9)
        fig.tight_layout()

    # --- the static book: computed in JavaScript (book/_explorers/renderers/hyperplane.js) -----
    #: 81^3 slider positions: computed in the browser from the 100 data points
    static_renderer = "hyperplane"

    def static_data(self) -> dict:
        """The data points, the shading's colours and the figure's layout."""
        X, y = logistic_data("overlapping")
        return {"X": X.tolist(), "y": y.astype(int).tolist(), **_probability_data(self.figure)}

    def describe(self, state) -> str:
        """Alt text for a ``compute`` result: the line, its distance, ||w||, the loss and accuracy."""
        w, norm = state["w"], float(np.linalg.norm(state["w"]))
        return (
            f"Logistic model with w = ({w[0]:.2f}, {w[1]:.2f}), b = {state['b']:.2f}: "
            f"the boundary p = 0.5 lies at distance {state['distance']:.2f} from the origin, "
            f"||w|| = {norm:.2f}; mean BCE {state['loss']:.3f}, accuracy {state['accuracy']:.2f} "
            f"on {len(state['y'])} points."
        )


class LogisticExplorer(Explorer):
    """Replay gradient descent on logistic regression, step by step.

    Controls: ``data`` ("overlapping", "separable"), ``lr``, ``step``. State: ``w``, ``b``,
    ``loss`` (current), ``losses`` (every step), ``norms`` (``||w||`` per step), ``accuracy``.
    On separable data the loss keeps falling towards 0 and ``||w||`` keeps growing: the
    maximum-likelihood weights do not exist (chapter 4, "Common mistakes").

    >>> e = LogisticExplorer(); s0 = e.update(step=0)["loss"]; s1 = e.update(step=50)["loss"]
    >>> bool(s1 < s0)
    True
    """

    figsize = (8, 3.6)
    max_steps = 300

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        return {
            "data": w.Dropdown(
                options=["overlapping", "separable"],
                value="overlapping",
                description="data",
                layout=w.Layout(width="200px"),
            ),
            "lr": w.SelectionSlider(
                options=[0.1, 0.3, 1.0, 3.0], value=1.0, description="learning rate", style=style
            ),
            "step": w.IntSlider(
                value=20, min=0, max=self.max_steps, step=5, description="GD steps", style=style
            ),
        }

    @staticmethod
    @lru_cache(maxsize=16)
    def _run(data: str, lr: float, steps: int) -> dict[str, np.ndarray]:
        X, y = _data(data)
        return logistic_gd(X, y, lr, steps)

    def compute(self, data, lr, step):
        X, y = logistic_data(data)
        run = self._run(data, float(lr), self.max_steps)
        k = int(step)
        # copies: the run is cached, and the state is handed to the caller
        return {
            "X": X,
            "y": y,
            "data": data,
            "lr": float(lr),
            "step": k,
            "losses": run["loss"].copy(),
            "norms": np.linalg.norm(run["w"], axis=1),
            **_summary(X, y, run["w"][k].copy(), run["b"][k]),
        }

    def draw(self, state, fig):
        ax, ax_l = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        _draw_probability(ax, state, state["X"], state["y"])
        ax.set_title(
            f"step {state['step']}: w = ({state['w'][0]:.2f}, {state['w'][1]:.2f}), "
            f"b = {state['b']:.2f}",
            fontsize=9,
        )
        steps = np.arange(len(state["losses"]))
        ax_l.plot(steps, state["losses"], color="C0", label="mean BCE")
        ax_l.plot(state["step"], state["loss"], "o", color="C0", mec="k")
        ax_l.set_yscale("log")
        ax_l.set_xlabel("gradient-descent step")
        ax_l.set_ylabel("training loss (log scale)")
        ax_n = ax_l.twinx()
        ax_n.plot(steps, state["norms"], color="C3", ls="--", label="||w||")
        ax_n.set_ylabel("||w||", color="C3")
        lines = ax_l.get_lines()[:1] + ax_n.get_lines()
        ax_l.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="center right")
        ax_l.set_title(
            f"{state['data']}: loss {state['loss']:.3f}, accuracy {state['accuracy']:.2f}",
            fontsize=9,
        )
        fig.tight_layout()

    # --- the static book: a prefix of shipped runs (book/_explorers/renderers/logistic.js) ------
    #: the step slider only selects a prefix: every (data, lr) run travels once, whole
    static_renderer = "logistic"

    def static_data(self) -> dict:
        """Both data sets, every learning rate's full run, and the probability panel's colours."""
        names, lrs = list(self.controls["data"].options), list(self.controls["lr"].options)
        sets, runs = {}, {}
        for name in names:
            X, y = logistic_data(name)
            sets[name] = {"X": X.tolist(), "y": y.astype(int).tolist()}
            runs[name] = [
                {key: run[key].tolist() for key in ("w", "b", "loss")}
                for run in (self._run(name, float(lr), self.max_steps) for lr in lrs)
            ]
        return {
            "sets": sets,
            "lrs": [float(lr) for lr in lrs],
            "runs": runs,
            **_probability_data(self.figure),
        }

    def describe(self, state) -> str:
        """Alt text for a ``compute`` result: the step, the weights, the loss and the accuracy."""
        w, norm = state["w"], state["norms"][state["step"]]
        return (
            f"Gradient descent on the {state['data']} data, learning rate {state['lr']:.2g}, "
            f"after {state['step']} steps: w = ({w[0]:.2f}, {w[1]:.2f}), b = {state['b']:.2f}, "
            f"||w|| = {norm:.2f}; mean BCE {state['loss']:.3f} (from {state['losses'][0]:.3f} at step 0), "
            f"accuracy {state['accuracy']:.2f}."
        )


class YourLogisticExplorer(DrivenByYours, LogisticExplorer):
    """Gradient descent on logistic regression stepped with your ``logistic_gradient`` (worksheet 4).

    ``yours={"logistic_gradient": logistic_gradient}``: from w = 0, b = 0, each step is
    ``w -= lr dw``, ``b -= lr db`` with your gradient; your boundary (p = 0.5) at the chosen step is
    dotted black, and your loss per step the black dotted curve (red is nnlib's ||w||).

    >>> def logistic_gradient(w, b, X, y):
    ...     r = 1 / (1 + np.exp(-(X @ w + b))) - y
    ...     return X.T @ r, r.sum()  # the 1/N forgotten
    >>> YourLogisticExplorer(yours={"logistic_gradient": logistic_gradient}).state["yours"].status
    'differs'
    """

    yours_names = ("logistic_gradient",)
    drawn_as = "dotted in black"

    def compute_yours(self, state, data, lr, step):
        X, y = state["X"], state["y"].astype(np.float64)
        w, b = np.zeros(X.shape[1]), 0.0
        ws, bs = [w], [b]
        for _ in range(len(state["losses"]) - 1):
            dw, db = self.yours.call("logistic_gradient", w, b, X, y)
            w, b = w - lr * np.asarray(dw, dtype=np.float64), b - lr * float(db)
            ws.append(w)
            bs.append(b)
        ws, bs = np.array(ws), np.array(bs)
        losses = np.array(
            [float(F.binary_cross_entropy_with_logits(X @ w + b, y)) for w, b in zip(ws, bs)]
        )
        return {"w": ws, "b": bs, "losses": losses}

    def gap(self, state, value):
        k = state["step"]
        return max(max_gap(value["w"][k], state["w"]), max_gap(value["losses"], state["losses"]))

    def draw_yours(self, state, value, fig):
        ax, ax_l = fig.axes[0], fig.axes[1]
        k = state["step"]
        draw_your_boundary(ax, value["w"][k], value["b"][k], color="k", linestyle=":")
        (mine,) = ax_l.plot(
            np.arange(len(value["losses"])), value["losses"], ":", color="k", lw=2, label="yours"
        )
        lines = [ax_l.get_lines()[0], mine, *fig.axes[2].get_lines()]  # axes[2]: the ||w|| twin
        ax_l.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="center right")
