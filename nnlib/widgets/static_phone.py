"""Phone editions of a static explorer's states: the same figures, re-laid out for a 358 px column.

An explorer's figure is 7-8.5 inches wide; a 390 px phone shows it about 358 CSS px wide, where its
7-12.5 pt text reads at 4-8 CSS px. The chapters' figures get a phone edition from
:func:`nnlib.viz.phone.phone_edition` (panels stacked into one column, the width chosen so that the
smallest text reads at 9 CSS px or more). An explorer has hundreds of states, and that function
costs several renders (it copies the figure and re-lays it out until the shapes settle), so the
layout is found once, on the explorer's initial state, and re-used:

1. :func:`phone_layout` runs ``phone_edition`` on the initial state's figure and keeps what it
   decided: the figure's size and each axes' position in it (and the suptitle's);
2. :func:`render_phone` draws every state twice: as it is (the desktop image), then with the
   figure resized and its axes moved to the kept positions (the phone image). One more Agg render
   per state, no re-layout.

An explorer whose drawing cannot be re-laid out by moving axes (a diagram that must flow top to
bottom in a narrow column) draws its phone edition itself: it sets ``phone_figsize`` and its
``draw`` chooses the narrow drawing for a figure that narrow (:class:`~nnlib.widgets.backprop.
BackpropStepper`). :func:`drawn_layout` measures it; every state is then drawn twice, once per
figure.

A state whose figure has another number of axes than the initial one (a panel that appears with
an option) gets no phone image: the page shows it the desktop figure. So does every state of an
explorer whose figure cannot be re-laid out (text placed in figure coordinates, axes placed by
hand: ``phone_edition`` says why).

>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(8, 3)); _ = fig.subplots(1, 2)
>>> layout = phone_layout(fig)
>>> layout.width_in < 8, len(layout.positions)
(True, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..viz.phone import (
    MIN_TEXT_PX,
    PHONE_COLUMN_PX,
    CannotRelayout,
    phone_edition,
    smallest_text_pt,
    text_css_px,
)

#: the phone image's width in pixels: twice the phone column, sharp at a device pixel ratio of 2
PHONE_PX = 2 * PHONE_COLUMN_PX


@dataclass(frozen=True)
class PhoneLayout:
    """Where a phone edition puts things: figure size (inches), axes boxes, suptitle height.

    ``positions[i]`` is the box ``(left, bottom, width, height)`` in figure fractions of the
    figure's ``i``-th axes, or None for an axes the phone edition leaves out (a blank spacer).
    """

    width_in: float
    height_in: float
    positions: tuple
    suptitle_y: float | None
    text_px: float  # the smallest text's height in CSS px on a phone
    redraw: bool = False  # the explorer draws the phone figure itself (``phone_figsize``)

    def pixels(self) -> tuple[int, int]:
        """The phone image's size in pixels."""
        return PHONE_PX, int(self.height_in * PHONE_PX / self.width_in)  # as Agg truncates


def phone_layout(figure) -> PhoneLayout | None:
    """The phone edition's layout of ``figure``, or None: its text is legible on a phone already,
    or it cannot be re-laid out."""
    smallest = smallest_text_pt(figure)  # draws the figure
    if smallest is None or text_css_px(smallest, figure.get_size_inches()[0]) >= MIN_TEXT_PX:
        return None
    for i, ax in enumerate(figure.axes):
        ax.set_gid(f"nn-axes-{i}")  # survives the copy: tells which axes the edition dropped
    try:
        edition = phone_edition(figure)
    except CannotRelayout:
        return None
    boxes = {
        ax.get_gid(): tuple(map(float, ax.get_position(original=True).bounds))
        for ax in edition.figure.axes
    }
    title = edition.figure._suptitle
    width, height = edition.figure.get_size_inches()
    return PhoneLayout(
        width_in=float(width),
        height_in=float(height),
        positions=tuple(boxes.get(f"nn-axes-{i}") for i in range(len(figure.axes))),
        suptitle_y=float(title.get_position()[1]) if title is not None else None,
        text_px=round(edition.text_css_px(), 2),
    )


def phone_figure(figsize):
    """An empty figure of ``figsize`` inches that renders :data:`PHONE_PX` pixels wide."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=PHONE_PX / figsize[0])
    FigureCanvasAgg(figure)
    return figure


def drawn_layout(figure) -> PhoneLayout:
    """The layout of a phone figure an explorer drew itself: its size and its smallest text.

    >>> fig = phone_figure((3.6, 4)); _ = fig.subplots().set_title("t", fontsize=8)
    >>> layout = drawn_layout(fig); layout.redraw, layout.pixels()[0], layout.text_px >= 9
    (True, 716, True)
    """
    width, height = (float(v) for v in figure.get_size_inches())
    smallest = smallest_text_pt(figure)
    text_px = text_css_px(smallest, width) if smallest is not None else float("inf")
    return PhoneLayout(width, height, (), None, round(text_px, 2), redraw=True)


def move_axes(figure, layout: PhoneLayout) -> None:
    """Give ``figure`` the layout's size and put its axes in the layout's boxes (hiding the ones
    the layout leaves out). The caller checks that the numbers of axes match."""
    figure.set_size_inches(layout.width_in, layout.height_in)
    for ax, box in zip(figure.axes, layout.positions):
        if box is None:
            ax.set_visible(False)
        else:
            ax.set_position(box)


def render_phone(figure, layout: PhoneLayout | None, draw_image) -> bytes | None:
    """The state drawn in ``figure``, re-drawn with ``layout``; ``draw_image(figure)`` makes the
    bytes. None when the state cannot take the layout. ``figure`` keeps its size and dpi."""
    if layout is None or layout.redraw or len(figure.axes) != len(layout.positions):
        return None
    size, dpi = figure.get_size_inches(), figure.dpi
    try:
        move_axes(figure, layout)
        figure.set_dpi(PHONE_PX / layout.width_in)
        for ax in figure.axes:
            ax.title.set_wrap(True)  # a long title breaks into lines in the narrow column
        title = figure._suptitle
        if title is not None and layout.suptitle_y is not None:
            title.set_y(layout.suptitle_y)
            title.set_verticalalignment("top")
            title.set_wrap(True)
        return draw_image(figure)
    finally:
        figure.set_dpi(dpi)
        figure.set_size_inches(*size)
