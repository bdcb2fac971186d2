"""Plots for linear classifiers (book chapters 4 and 5): a hyperplane ``w . x + b = 0`` in 2-D.

A linear classifier splits the plane along the line ``w1 x1 + w2 x2 + b = 0``. Its normal vector
``w`` points into the positive side, and the line lies at signed distance ``-b / ||w||`` from the
origin along ``w``. These helpers draw exactly that, for the perceptron and logistic regression.
"""

from __future__ import annotations

import numpy as np

from . import new_axes

__all__ = ["boundary_segment", "plot_hyperplane", "plot_labelled_points"]


def boundary_segment(w, b: float, xlim, ylim):
    """End points ``(2, 2)`` of the part of the line ``w . x + b = 0`` inside the box, or None.

    None when ``w = 0`` (no line) or when the line misses the box.

    >>> boundary_segment(np.array([1.0, 0.0]), -0.5, (0, 1), (0, 1)).tolist()
    [[0.5, 0.0], [0.5, 1.0]]
    """
    w = np.asarray(w, dtype=float)
    if w.shape != (2,):
        raise ValueError(f"boundary_segment: expected w of shape (2,), got {w.shape}")
    (x0, x1), (y0, y1) = xlim, ylim
    points = []
    if w[1] != 0:  # crossings of the vertical edges x = x0, x = x1
        points += [(x, -(w[0] * x + b) / w[1]) for x in (x0, x1)]
    if w[0] != 0:  # crossings of the horizontal edges y = y0, y = y1
        points += [(-(w[1] * y + b) / w[0], y) for y in (y0, y1)]
    tol = 1e-9 * max(x1 - x0, y1 - y0)
    inside = sorted(
        {
            (round(px, 12), round(py, 12))
            for px, py in points
            if x0 - tol <= px <= x1 + tol and y0 - tol <= py <= y1 + tol
        }
    )
    if len(inside) < 2:
        return None
    return np.array([inside[0], inside[-1]], dtype=float)


def plot_labelled_points(X, y, ax=None, labels=("class 0", "class 1"), s=28):
    """Scatter a two-class 2-D data set (``X (N, 2)``, ``y (N,)`` in {0, 1}) with a legend entry per class.

    >>> ax = plot_labelled_points(np.array([[0., 0.], [1., 1.]]), np.array([0, 1]))
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y).ravel()
    ax = new_axes(ax)
    for k, (marker, colour) in enumerate((("o", "tab:blue"), ("s", "tab:red"))):
        sel = y == k
        if np.any(sel):
            ax.scatter(
                X[sel, 0],
                X[sel, 1],
                s=s,
                marker=marker,
                c=colour,
                edgecolors="k",
                linewidths=0.4,
                label=labels[k],
                zorder=3,
            )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_hyperplane(
    w,
    b: float,
    ax=None,
    xlim=(-3, 3),
    ylim=(-3, 3),
    shade: bool = True,
    normal: bool = True,
    label: str | None = "$w \\cdot x + b = 0$",
    color="k",
    linestyle="-",
):
    """Draw the line ``w . x + b = 0``, shade its positive side (red) and negative side (blue),
    and draw the normal vector ``w`` from the point of the line closest to the origin.

    ``w`` has shape ``(2,)``; the axes limits are set to ``xlim``/``ylim``. Returns ``ax``.

    >>> ax = plot_hyperplane(np.array([1.0, 1.0]), -1.0)
    """
    w = np.asarray(w, dtype=float)
    ax = new_axes(ax)
    if shade:
        xs, ys = np.linspace(*xlim, 200), np.linspace(*ylim, 200)
        xx, yy = np.meshgrid(xs, ys)
        side = (w[0] * xx + w[1] * yy + b >= 0).astype(float)
        ax.contourf(
            xx, yy, side, levels=[-0.5, 0.5, 1.5], colors=["tab:blue", "tab:red"], alpha=0.12
        )
    seg = boundary_segment(w, b, xlim, ylim)
    if seg is not None:
        ax.plot(seg[:, 0], seg[:, 1], color=color, lw=1.8, ls=linestyle, label=label)
        norm = np.linalg.norm(w)
        foot = -b * w / norm**2  # the point of the line nearest the origin
        if normal and xlim[0] <= foot[0] <= xlim[1] and ylim[0] <= foot[1] <= ylim[1]:
            arrow = w / norm * 0.15 * min(xlim[1] - xlim[0], ylim[1] - ylim[0])
            ax.annotate(
                "",
                xy=foot + arrow,
                xytext=foot,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.5),
            )
            ax.text(*(foot + 1.15 * arrow), "$w$", color=color, ha="center", va="center")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax
