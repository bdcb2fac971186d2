"""Matplotlib helpers shared by the chapters: decision boundaries, training curves, loss surfaces.

Every helper draws into an ``ax`` it is given (or a new one) and returns it, so the chapters and the
widgets compose them. Topic-specific plots live in the sub-modules of this package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

__all__ = ["new_axes", "plot_decision_boundary", "plot_history", "plot_loss_surface"]


def new_axes(ax=None, figsize=(5.5, 4)):
    """``ax`` itself, or the axes of a new figure (imports pyplot only when drawing)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def _grid(X: np.ndarray, resolution: int, padding: float):
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    y,
    ax=None,
    resolution: int = 200,
    padding: float = 0.5,
    title: str | None = None,
):
    """Shade the regions a 2-D classifier assigns to each class and scatter the data on top.

    ``predict`` maps points ``(M, 2)`` to class labels ``(M,)``, to probabilities of the positive
    class ``(M,)`` (values in [0, 1], thresholded at 0.5) or to class probabilities/scores ``(M, C)``
    (argmax). ``X`` is ``(N, 2)``, ``y`` is ``(N,)`` integer labels.

    >>> ax = plot_decision_boundary(lambda P: P[:, 0] > 0, np.array([[-1., 0], [1, 0]]), np.array([0, 1]))
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: expected X of shape (N, 2), got {X.shape}")
    ax = new_axes(ax)
    xx, yy, points = _grid(X, resolution, padding)
    out = np.asarray(predict(points))
    if out.ndim == 2 and out.shape[1] > 1:
        labels = out.argmax(axis=1)
    elif (
        np.issubdtype(out.dtype, np.floating)
        and out.size
        and out.min() >= 0
        and out.max() <= 1
        and not np.all(np.isin(out, (0.0, 1.0)))
    ):
        labels = (out.ravel() >= 0.5).astype(int)
    else:
        labels = out.ravel().astype(int)
    n_classes = int(max(labels.max(initial=0), y.max(initial=0))) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(
        xx,
        yy,
        labels.reshape(xx.shape),
        levels=levels,
        cmap="coolwarm" if n_classes == 2 else "tab10",
        alpha=0.25,
        vmin=-0.5,
        vmax=n_classes - 0.5,
    )
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=y,
        cmap="coolwarm" if n_classes == 2 else "tab10",
        s=14,
        edgecolors="k",
        linewidths=0.3,
        vmin=-0.5,
        vmax=n_classes - 0.5,
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_history(
    history: Mapping[str, Iterable[float]] | object,
    keys: Iterable[str] | None = None,
    ax=None,
    log: bool = False,
    title: str | None = None,
):
    """Training curves from a ``History`` (its ``.history`` dict) or a plain dict name -> values per epoch.

    >>> ax = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    """
    curves = getattr(history, "history", history)
    ax = new_axes(ax)
    for key in keys if keys is not None else curves:
        values = list(curves[key])
        ax.plot(
            np.arange(1, len(values) + 1),
            values,
            label=key,
            ls="--" if key.startswith("val_") else "-",
        )
    ax.set_xlabel("epoch")
    if log:
        ax.set_yscale("log")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_loss_surface(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    xlim=(-2, 2),
    ylim=(-2, 2),
    paths: Mapping[str, np.ndarray] | None = None,
    ax=None,
    levels: int = 30,
    resolution: int = 150,
    log_levels: bool = True,
    title: str | None = None,
):
    """Contours of a 2-parameter loss ``f(W1, W2)`` (vectorised over grids) with optimizer paths.

    ``paths`` maps a label to an array ``(T, 2)`` of iterates; each is drawn as a line with its end marked.

    >>> ax = plot_loss_surface(lambda a, b: a**2 + 3 * b**2, paths={"gd": np.array([[1., 1.], [0.5, 0.2]])})
    """
    ax = new_axes(ax)
    xs, ys = np.linspace(*xlim, resolution), np.linspace(*ylim, resolution)
    W1, W2 = np.meshgrid(xs, ys)
    Z = np.asarray(f(W1, W2), dtype=float)
    if log_levels and np.all(Z > 0):
        lv = np.geomspace(Z.min() + 1e-12, Z.max(), levels)
    else:
        lv = levels
    ax.contour(W1, W2, Z, levels=lv, cmap="viridis", linewidths=0.7)
    for label, path in (paths or {}).items():
        path = np.asarray(path, dtype=float)
        (line,) = ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1.2, label=label)
        ax.plot(*path[-1], "o", color=line.get_color(), ms=6)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if paths:
        ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax
