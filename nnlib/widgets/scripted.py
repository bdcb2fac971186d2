"""Helpers for the explorers that the static book draws in JavaScript ("scripted" mode).

A scripted explorer ships :meth:`static_data` once with the page; its renderer in
``book/_explorers/renderers/`` computes and draws each state in the browser. The renderers use
matplotlib's geometry, so these helpers export a figure's size, its axes' positions and
data-to-pixel mappings, and colour maps as lists of hex colours. Costly fixed parts (contours
of a loss surface) travel as a background image: a data URL of the figure without the moving
parts (:func:`nnlib.widgets.static.figure_data_url`, WebP at twice the size: sharp on HiDPI
screens and smaller than a PNG at 1x).

Phones: a renderer's text is sized in points, as matplotlib's, so on a 390 px phone an 8-inch
figure's labels would read at 4-6 CSS px. :func:`nnlib.widgets.static.manifest` therefore asks
``static_data()`` twice: once as it is, once inside :func:`phone_pass` with the phone layout that
:mod:`nnlib.widgets.static_phone` found for the initial figure. In the phone pass every figure the
helpers measure (and every background a ``static_data`` passes through :func:`laid_out`) takes that
layout: the figure's size and its axes' boxes change, nothing else. What differs between the two
answers ships as ``data.phone``; the page draws with it on a narrow screen.

>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(4, 3)); _ = ax.set_xlim(0, 1), ax.set_ylim(0, 2)
>>> axes_map(ax)["xlim"], figure_size(fig)
([0.0, 1.0], [400, 300])
>>> plt.close(fig)
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .static_phone import move_axes

__all__ = [
    "offscreen_figure",
    "figure_size",
    "axes_map",
    "axes_rects",
    "colormap_hex",
    "phone_pass",
    "laid_out",
    "phone_changes",
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


#: the phone layout of the pass in progress (None: the desktop figures) and the figures it moved
_PHONE: ContextVar[tuple | None] = ContextVar("nnlib_scripted_phone", default=None)


@contextmanager
def phone_pass(layout):
    """Within: :func:`laid_out` (and the helpers below) give figures ``layout``, a
    :class:`nnlib.widgets.static_phone.PhoneLayout`; on exit the figures get their own back."""
    moved: dict[int, tuple] = {}
    token = _PHONE.set((layout, moved))
    try:
        yield
    finally:
        _PHONE.reset(token)
        for fig, size, boxes in moved.values():
            fig.set_size_inches(*size)
            for ax, (box, visible) in zip(fig.axes, boxes):
                ax.set_position(box)
                ax.set_visible(visible)


def laid_out(fig):
    """``fig``, in a :func:`phone_pass` resized and with its axes moved to the phone layout.

    Outside a phone pass, or for a figure with another number of axes than the layout's, the
    figure is left as it is. Returns ``fig``.
    """
    active = _PHONE.get()
    if active is None:
        return fig
    layout, moved = active
    if len(fig.axes) != len(layout.positions) or id(fig) in moved:
        return fig
    fig.canvas.draw()  # the desktop layout (tight_layout, aspects) settled before it is kept
    boxes = [(ax.get_position(original=True).frozen(), ax.get_visible()) for ax in fig.axes]
    moved[id(fig)] = (fig, tuple(fig.get_size_inches()), boxes)
    move_axes(fig, layout)
    return fig


def phone_changes(desktop, phone):
    """What ``phone`` (the phone pass's ``static_data``) changes in ``desktop``: nested dicts keep
    only the keys whose values differ; anything else is replaced whole. None: no change.

    >>> phone_changes({"size": [800, 360], "x": [1, 2], "v": {"a": 1, "b": 2}},
    ...               {"size": [358, 600], "x": [1, 2], "v": {"a": 1, "b": 3}})
    {'size': [358, 600], 'v': {'b': 3}}
    """
    if desktop == phone:
        return None
    if not (isinstance(desktop, dict) and isinstance(phone, dict)):
        return phone
    changes = {key: phone_changes(desktop.get(key), value) for key, value in phone.items()}
    return {key: value for key, value in changes.items() if value is not None}


def figure_size(fig) -> list[int]:
    """The figure's size in pixels at :data:`DPI`: ``[width, height]``."""
    laid_out(fig)
    return [round(v * DPI) for v in fig.get_size_inches()]


def axes_rects(fig) -> list[list[float]]:
    """Every axes' drawn box ``[left, bottom, width, height]`` in figure fractions (after layout)."""
    laid_out(fig)
    fig.canvas.draw()  # applies tight_layout and equal aspects
    return [[round(float(v), 5) for v in ax.get_position().bounds] for ax in fig.axes]


def axes_map(ax) -> dict[str, Any]:
    """What a renderer needs to draw on top of ``ax`` in a background image: box, limits, scales."""
    laid_out(ax.figure)
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
