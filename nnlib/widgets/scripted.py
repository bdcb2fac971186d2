"""Helpers for the explorers that the static book draws in JavaScript ("scripted" mode).

A scripted explorer ships :meth:`static_data` once with the page; its renderer in
``book/_explorers/renderers/`` computes and draws each state in the browser. The renderers use
matplotlib's geometry, so these helpers export a figure's size, its axes' positions and
data-to-pixel mappings, and colour maps as lists of hex colours. Costly fixed parts (contours
of a loss surface) travel as a background image: a data URL of the figure without the moving
parts (:func:`nnlib.widgets.static.figure_data_url`, WebP at twice the size: sharp on HiDPI
screens and smaller than a PNG at 1x).

>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(4, 3)); _ = ax.set_xlim(0, 1), ax.set_ylim(0, 2)
>>> axes_map(ax)["xlim"], figure_size(fig)
([0.0, 1.0], [400, 300])
>>> plt.close(fig)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "offscreen_figure",
    "figure_size",
    "axes_map",
    "axes_rects",
    "colormap_hex",
]

DPI = 100  # the renderers' pixel grid: figsize x 100, as Jupyter's inline figures


def offscreen_figure(figsize):
    """A figure that renders pixels but is never shown (for background images)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plt.figure(figsize=figsize)
    plt.close(fig)  # not managed by pyplot: nothing to show, nothing to leak
    FigureCanvasAgg(fig)  # closing detaches the canvas; keep one that can render
    return fig


def figure_size(fig) -> list[int]:
    """The figure's size in pixels at :data:`DPI`: ``[width, height]``."""
    return [round(v * DPI) for v in fig.get_size_inches()]


def axes_rects(fig) -> list[list[float]]:
    """Every axes' drawn box ``[left, bottom, width, height]`` in figure fractions (after layout)."""
    fig.canvas.draw()  # applies tight_layout and equal aspects
    return [[round(float(v), 5) for v in ax.get_position().bounds] for ax in fig.axes]


def axes_map(ax) -> dict[str, Any]:
    """What a renderer needs to draw on top of ``ax`` in a background image: box, limits, scales."""
    ax.figure.canvas.draw()
    return {
        "rect": [round(float(v), 5) for v in ax.get_position().bounds],
        "xlim": [float(v) for v in ax.get_xlim()],
        "ylim": [float(v) for v in ax.get_ylim()],
        "xlog": ax.get_xscale() == "log",
        "ylog": ax.get_yscale() == "log",
    }


def colormap_hex(name: str, n: int = 256) -> list[str]:
    """A matplotlib colour map as ``n`` hex colours (the renderers' lookup table).

    >>> colormap_hex("gray_r", 2)
    ['#ffffff', '#000000']
    """
    from matplotlib import colormaps, colors

    cmap = colormaps[name].resampled(n)
    return [colors.to_hex(cmap(k)) for k in range(n)]
