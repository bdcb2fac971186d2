"""The perceptron learning rule, step by step (book chapter 5).

The perceptron predicts ``y_hat = [w . x + b >= 0]`` and visits the samples in order; on a
mistake it moves the line towards the missed point:

    w <- w + lr (y - y_hat) x,        b <- b + lr (y - y_hat)

On linearly separable data it stops making mistakes after finitely many updates (Novikoff: at
most ``(R / gamma)^2``); on XOR it never does. :func:`perceptron_trace` records every update and
:class:`PerceptronExplorer` replays them with a slider.

>>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
>>> t = perceptron_trace(X, np.array([0, 0, 0, 1]))  # AND
>>> t["converged"], int(t["errors"][-1])
(True, 0)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_ndim, check_positive
from .base import Explorer

__all__ = ["GATES", "perceptron_data", "perceptron_trace", "PerceptronExplorer"]

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
    raise ValueError(f"perceptron_data: unknown data set {name!r}; choose 'separable' or one of {sorted(GATES)}")


def perceptron_trace(X, y, lr: float = 1.0, max_epochs: int = 100) -> dict[str, Any]:
    """Run the perceptron rule from ``w = 0, b = 0`` and record every update.

    Samples are visited in order, epoch after epoch, until an epoch makes no mistake
    (``converged``) or ``max_epochs`` have run. Shapes: ``X (N, D)``, ``y (N,)`` in {0, 1}.

    Returns a dict with, for ``U`` updates:

    - ``w (U+1, D)``, ``b (U+1,)``: the weights before the first update and after each one;
    - ``sample (U,)``: the index of the sample that caused each update, ``epoch (U,)`` its epoch;
    - ``errors (U+1,)``: training mistakes of each weight vector on the whole set;
    - ``mistakes_per_epoch (E,)`` and ``converged`` (bool).

    >>> perceptron_trace(np.array([[1.0], [-1.0]]), np.array([1, 0]))["w"].tolist()
    [[0.0], [1.0]]
    """
    fn = "perceptron_trace"
    X = as_float_array(X, fn, "X").astype(np.float64)
    check_ndim(X, 2, fn, "X", "(N, D)")
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.all(np.isin(y, (0, 1))):
        raise ValueError(f"{fn}: expected y of shape ({X.shape[0]},) with labels 0/1, got shape {y.shape}")
    check_positive(lr, fn, "lr")
    lr = float(lr)
    w, b = np.zeros(X.shape[1]), 0.0
    ws, bs, samples, epochs, per_epoch = [w.copy()], [b], [], [], []
    for epoch in range(int(max_epochs)):
        mistakes = 0
        for i in range(X.shape[0]):
            y_hat = 1.0 if X[i] @ w + b >= 0 else 0.0
            if y_hat != y[i]:
                step = lr * (y[i] - y_hat)
                w, b = w + step * X[i], b + step
                ws.append(w.copy())
                bs.append(b)
                samples.append(i)
                epochs.append(epoch)
                mistakes += 1
        per_epoch.append(mistakes)
        if mistakes == 0:
            break
    W, B = np.array(ws), np.array(bs)
    errors = np.count_nonzero((X @ W.T + B >= 0) != y[:, None].astype(bool), axis=0)
    return {"w": W, "b": B, "sample": np.array(samples, dtype=int), "epoch": np.array(epochs, dtype=int),
            "errors": errors, "mistakes_per_epoch": np.array(per_epoch),
            "converged": bool(per_epoch) and per_epoch[-1] == 0}


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
            "dataset": w.Dropdown(options=["separable", "AND", "OR", "XOR"], value="separable",
                                  description="data", layout=w.Layout(width="180px")),
            "update": w.IntSlider(value=0, min=0, max=40, description="updates",
                                  style={"description_width": "initial"}),
        }

    def compute(self, dataset, update):
        X, y = perceptron_data(dataset)
        trace = perceptron_trace(X, y, max_epochs=20 if dataset == "XOR" else 100)
        n_updates = len(trace["sample"])
        k = min(int(update), n_updates)
        return {"X": X, "y": y, "dataset": dataset, "trace": trace, "k": k, "n_updates": n_updates,
                "w": trace["w"][k], "b": float(trace["b"][k]), "errors": int(trace["errors"][k]),
                "next_sample": int(trace["sample"][k]) if k < n_updates else None}

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
            ax_p.scatter(*x, s=260, facecolors="none", edgecolors="gold", linewidths=2.2, zorder=4,
                         label="next mistake")
        ax_p.legend(fontsize=7, loc="lower right")
        ax_p.set_aspect("equal")
        ax_p.set_title(f"after {state['k']} updates: w = ({w[0]:.2f}, {w[1]:.2f}), b = {b:.2f}", fontsize=9)

        errors = state["trace"]["errors"]
        ax_e.step(np.arange(len(errors)), errors, where="post", color="C0")
        ax_e.plot(state["k"], state["errors"], "o", color="gold", mec="k", ms=8)
        ax_e.set_xlabel("update number")
        ax_e.set_ylabel("training mistakes")
        done = "converged" if state["trace"]["converged"] else "never converges"
        ax_e.set_title(f"{state['dataset']}: {state['n_updates']} updates, {done}", fontsize=9)
        fig.tight_layout()
