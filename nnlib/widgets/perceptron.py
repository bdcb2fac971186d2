"""The perceptron learning rule, step by step (book chapter 5).

The rule itself (:func:`nnlib.neurons.perceptron_update`) and the run that records every update
(:func:`nnlib.neurons.perceptron_trace`, re-exported here) live in :mod:`nnlib.neurons`;
:class:`PerceptronExplorer` replays the updates with a slider.

>>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
>>> t = perceptron_trace(X, np.array([0, 0, 0, 1]))  # AND
>>> t["converged"], int(t["errors"][-1])
(True, 0)
"""

from __future__ import annotations

import numpy as np

from ..neurons import perceptron_trace
from .base import Explorer
from .yours import DrivenByYours, draw_your_boundary, max_gap

__all__ = [
    "GATES",
    "perceptron_data",
    "perceptron_trace",
    "PerceptronExplorer",
    "YourPerceptronExplorer",
]

_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
#: the two-input logic gates as labels of the corners (0,0), (0,1), (1,0), (1,1)
GATES = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]), "XOR": np.array([0, 1, 1, 0])}


def perceptron_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X (N, 2), y (N,))`` for ``"separable"`` (40 seeded points with a margin of 0.2) or a gate.

    >>> perceptron_data("XOR")[1].tolist()
    [0, 1, 1, 0]
    """
    if name in GATES:
        return _CORNERS.copy(), GATES[name].copy()
    if name == "separable":
        # uniform points labelled by a fixed line, minus a band of half-width 0.2 around it (the margin)
        rng = np.random.default_rng(1)
        X = rng.uniform(-2.0, 2.0, size=(80, 2))
        margin = X @ np.array([0.8, 0.6]) - 0.5
        keep = np.abs(margin) > 0.2
        return X[keep][:40], (margin[keep][:40] > 0).astype(np.int64)
    raise ValueError(
        f"perceptron_data: unknown data set {name!r}; choose 'separable' or one of {sorted(GATES)}"
    )


class PerceptronExplorer(Explorer):
    """Replay the perceptron rule one update at a time on separable data or a logic gate.

    Controls: ``dataset`` ("separable", "AND", "OR", "XOR") and ``update`` (how many updates to
    apply; clipped to the number the run made). State: ``X``, ``y``, ``trace``, ``k`` (updates
    applied), ``w``, ``b``, ``errors`` (mistakes of the current line), ``next_sample`` (the sample
    that triggers the next update, or None).

    >>> e = PerceptronExplorer(); e.update(dataset="AND", update=100)["errors"]
    0
    """

    figsize = (8, 3.6)

    def make_controls(self):
        import ipywidgets as w

        return {
            "dataset": w.Dropdown(
                options=["separable", "AND", "OR", "XOR"],
                value="separable",
                description="data",
                layout=w.Layout(width="180px"),
            ),
            "update": w.IntSlider(
                value=0,
                min=0,
                max=40,
                description="updates",
                style={"description_width": "initial"},
            ),
        }

    def static_canonical(self, values):
        """Past the last update the figure stays the same: the updates slider stops there."""
        n_updates = self.compute(values["dataset"], 0)["n_updates"]
        return {**values, "update": min(values["update"], n_updates)}

    def describe(self, state):
        w = ", ".join(f"{x:.2f}" for x in state["w"])
        return (
            f"The perceptron on the {state['dataset']} data after {state['k']} of "
            f"{state['n_updates']} updates: w = ({w}), b = {state['b']:.2f}, "
            f"{state['errors']} points misclassified."
        )

    def compute(self, dataset, update):
        X, y = perceptron_data(dataset)
        trace = perceptron_trace(X, y, max_epochs=20 if dataset == "XOR" else 100)
        n_updates = len(trace["sample"])
        k = min(int(update), n_updates)
        return {
            "X": X,
            "y": y,
            "dataset": dataset,
            "trace": trace,
            "k": k,
            "n_updates": n_updates,
            "w": trace["w"][k],
            "b": float(trace["b"][k]),
            "errors": int(trace["errors"][k]),
            "next_sample": int(trace["sample"][k]) if k < n_updates else None,
        }

    def draw(self, state, fig):
        from ..viz.linear import plot_hyperplane, plot_labelled_points

        ax_p, ax_e = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        X, w, b = state["X"], state["w"], state["b"]
        pad = 0.6
        lim = (min(X.min(), -0.5) - pad, max(X.max(), 1.5) + pad)
        plot_hyperplane(w, b, ax=ax_p, xlim=lim, ylim=lim)
        plot_labelled_points(X, state["y"], ax=ax_p)
        if state["next_sample"] is not None:
            x = X[state["next_sample"]]
            ax_p.scatter(
                *x,
                s=260,
                facecolors="none",
                edgecolors="gold",
                linewidths=2.2,
                zorder=4,
                label="next mistake",
            )
        ax_p.legend(fontsize=7, loc="lower right")
        ax_p.set_aspect("equal")
        ax_p.set_title(
            f"after {state['k']} updates: w = ({w[0]:.2f}, {w[1]:.2f}), b = {b:.2f}", fontsize=9
        )

        errors = state["trace"]["errors"]
        ax_e.step(np.arange(len(errors)), errors, where="post", color="C0")
        ax_e.plot(state["k"], state["errors"], "o", color="gold", mec="k", ms=8)
        ax_e.set_xlabel("update number")
        ax_e.set_ylabel("training mistakes")
        done = "converged" if state["trace"]["converged"] else "never converges"
        ax_e.set_title(f"{state['dataset']}: {state['n_updates']} updates, {done}", fontsize=9)
        fig.tight_layout()


class YourPerceptronExplorer(DrivenByYours, PerceptronExplorer):
    """The perceptron replay with your ``perceptron_update`` beside nnlib's (worksheet 5).

    ``yours={"perceptron_update": perceptron_update}``: the same run (same data, same order of
    samples) is made with your rule; your line after the same number of updates is dashed red,
    and your training mistakes per update are the red curve.

    >>> def perceptron_update(w, b, x, y, lr):
    ...     y_hat = 1.0 if w @ x + b > 0 else 0.0  # > instead of >=
    ...     return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)
    >>> e = YourPerceptronExplorer(yours={"perceptron_update": perceptron_update})
    >>> e.update(dataset="AND", update=3)["yours"].status
    'differs'
    """

    yours_names = ("perceptron_update",)
    drawn_as = "dashed in red"

    def compute_yours(self, state, dataset, update):
        from unittest import mock

        from .. import neurons

        def yours(*args, **kwargs):
            return self.yours.call("perceptron_update", *args, **kwargs)

        # perceptron_trace calls the module's perceptron_update: run it with yours instead
        with mock.patch.object(neurons, "perceptron_update", yours):
            trace = perceptron_trace(
                state["X"], state["y"], max_epochs=20 if dataset == "XOR" else 100
            )
        return trace

    def gap(self, state, value):
        return max(
            max_gap(value["w"], state["trace"]["w"]), max_gap(value["b"], state["trace"]["b"])
        )

    def draw_yours(self, state, value, fig):
        ax_p, ax_e = fig.axes[0], fig.axes[1]
        k = min(state["k"], len(value["b"]) - 1)
        draw_your_boundary(ax_p, value["w"][k], value["b"][k])
        errors = value["errors"]
        ax_e.step(np.arange(len(errors)), errors, where="post", color="red", ls="--", label="yours")
        ax_e.legend(fontsize=7)
