"""A phone edition of a matplotlib figure: the same figure re-laid out for a 358 px column.

A phone's content column (390 px screen) shows a figure about 358 CSS px wide. An 8-inch figure
then shrinks 2.2x and its 12.5 pt text reads at about 7.8 CSS px. Its phone edition is drawn
narrower, so that the same text reads at 9 CSS px or more:

* the panels of a 1 x n or m x n grid are stacked into one column, in reading order, each keeping
  the shape of its plotting area; panels that are only small images (digits, filters) go two to
  a row, and two or three rows of them (filters above their feature maps) become as many columns,
  so related images stay side by side; empty spacer cells are dropped;
* a single panel is drawn at a smaller width with the same aspect ratio;
* titles wider than the narrow figure break into lines instead of widening the image;
* the width is chosen from the figure's smallest text: a text of ``s`` points in a figure
  ``W`` inches wide shown ``358`` px wide reads at ``s / 72 * 358 / W`` CSS px.

The figure is never changed: the edition is drawn from a copy (a pickle round trip). A figure whose
layout cannot be moved safely (axes placed by hand, text placed in figure coordinates, a legend of
the whole figure, panels spanning several grid cells) gets no edition; :func:`phone_edition`
says why.

>>> fig = Figure(figsize=(8, 3))
>>> axes = fig.subplots(1, 2)
>>> edition = phone_edition(fig)  # drawn from a copy: fig itself is unchanged
>>> edition.layout, edition.text_css_px() >= MIN_TEXT_PX
('1 column', True)
"""

from __future__ import annotations

import io
import pickle
import warnings
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.layout_engine import ConstrainedLayoutEngine

#: CSS px a 390 px phone's content column gives a figure (the theme's 16 px margins on each side)
PHONE_COLUMN_PX = 358
#: the screens shown the phone editions (chapter figures and explorer states): Bootstrap's "xs"
#: breakpoint, as the theme uses (book/_css/nn-book.css writes the same width)
PHONE_MEDIA = "(max-width: 575.98px)"
#: the smallest text a reader should meet on a phone, in CSS px
MIN_TEXT_PX = 9.0
#: what the edition aims for: a little above the minimum, as the tight bounding box varies
TARGET_TEXT_PX = 9.4
#: the edition's pixel width: twice a phone column (sharp at a device pixel ratio of 2) and more
PHONE_IMAGE_PX = 900


class CannotRelayout(ValueError):
    """The figure's layout cannot be moved into a narrow column safely."""


@dataclass
class PhoneEdition:
    """A figure re-laid out for a phone, drawn as a PNG.

    ``png`` is the image, ``smallest_pt`` the smallest text drawn (points), ``text_px`` that text's
    height in the PNG's own pixels and ``layout`` a short description ("1 column", "2 columns",
    "narrower").
    """

    figure: Figure
    png: bytes
    width_px: int
    smallest_pt: float
    text_px: float
    layout: str

    def text_css_px(self, shown_px: float = PHONE_COLUMN_PX) -> float:
        """The smallest text's height in CSS px when the image is shown ``shown_px`` wide."""
        return self.text_px * shown_px / self.width_px


def copy_figure(fig: Figure) -> Figure:
    """An independent copy of ``fig`` (a pickle round trip), on its own Agg canvas."""
    if not isinstance(fig, Figure):
        raise TypeError(f"copy_figure: expected a matplotlib Figure, got {type(fig).__name__}")
    try:
        copy = pickle.loads(pickle.dumps(fig))
    except Exception as err:  # e.g. a lambda tick formatter: such a figure cannot be copied
        raise CannotRelayout(f"the figure cannot be copied ({type(err).__name__}: {err})") from err
    FigureCanvasAgg(copy)
    return copy


def drawn_text_sizes(fig: Figure) -> list[float]:
    """The font size (points) of every non-blank text the figure draws, in drawing order.

    Measured while drawing, so it counts exactly what a reader sees: the tick labels in view,
    legend entries, titles, annotations; not the texts that are hidden or empty. Draws ``fig``.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    sizes: list[float] = []
    draw_text = renderer.draw_text

    def recording(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if str(s).strip():
            sizes.append(prop.get_size_in_points())
        return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = recording  # on this renderer instance only
    try:
        fig.draw(renderer)
    finally:
        del renderer.draw_text
    return sizes


def smallest_text_pt(fig: Figure) -> float | None:
    """The smallest font size (points) ``fig`` draws, or None for a figure without text."""
    sizes = drawn_text_sizes(fig)
    return min(sizes) if sizes else None


def png_width(png: bytes) -> int:
    """The pixel width of a PNG, read from its header (IHDR: bytes 16-19, big-endian)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("png_width: expected PNG bytes, got data without the PNG signature")
    return int.from_bytes(png[16:20], "big")


def text_css_px(smallest_pt: float, width_in: float, shown_px: float = PHONE_COLUMN_PX) -> float:
    """Height in CSS px of ``smallest_pt``-point text in a ``width_in``-inch image shown ``shown_px`` wide."""
    return smallest_pt / 72 * shown_px / width_in


# -- the grid of panels ------------------------------------------------------------------------


def _panels(fig: Figure):
    """The figure's grid and its panels: the axes grouped by the top-level grid cell they sit in.

    A panel is a list of axes: the plot, plus its twin axes and its colorbar when it has them.
    Returns ``(gridspec, [(cell, [axes...]), ...])`` in reading order (row by row).
    """
    if fig.legends:
        raise CannotRelayout("a legend of the whole figure (fig.legend) is placed for the desktop")
    figure_labels = {id(t) for t in (fig._suptitle, fig._supxlabel, fig._supylabel) if t}
    if any(id(t) not in figure_labels and t.get_text().strip() for t in fig.texts):
        raise CannotRelayout("text placed in figure coordinates (fig.text) would not move")
    grid, cells = None, {}
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        spec = ax.get_subplotspec()
        if spec is None:
            raise CannotRelayout("axes placed by hand (add_axes) have no grid cell to move")
        top = spec.get_topmost_subplotspec()
        if grid is None:
            grid = top.get_gridspec()
        elif top.get_gridspec() is not grid:
            raise CannotRelayout("axes on two different grids")
        if spec.get_gridspec() is not grid and (
            spec.get_gridspec()._subplot_spec.get_gridspec() is not grid
        ):
            raise CannotRelayout("a grid nested more than one level deep")
        cells.setdefault(
            (top.rowspan.start, top.colspan.start, top.rowspan, top.colspan), []
        ).append(ax)
    if grid is None:
        raise CannotRelayout("the figure has no axes")
    ordered = [(key, cells[key]) for key in sorted(cells, key=lambda k: (k[0], k[1]))]
    if grid.ncols > 1 and any(len(k[2]) > 1 or len(k[3]) > 1 for k, _ in ordered):
        raise CannotRelayout("a panel spans several grid cells")
    return grid, ordered


def _main_axes(axes):
    """The panel's plot: its first axes that is not a colorbar."""
    return next((ax for ax in axes if not hasattr(ax, "_colorbar")), axes[0])


def _is_small_image(ax) -> bool:
    """An image shown without tick labels (a digit, a filter): several fit side by side on a phone."""
    labels = [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    return bool(ax.images) and (not ax.axison or not labels)


def _box_in(ax, fig: Figure, original: bool = False) -> tuple[float, float]:
    """The plotting area's width and height in inches (``original``: the room the layout gives
    it, before a fixed aspect ratio, as in ``imshow`` or ``set_aspect("equal")``, shrinks it)."""
    box = ax.get_position(original=original)
    width, height = fig.get_size_inches()
    return box.width * width, box.height * height


def _move(axes, grid, cell) -> None:
    """Put the axes of one panel into ``cell`` (a colorbar's sub-grid moves with its parent)."""
    for ax in axes:
        spec = ax.get_subplotspec()
        if spec.get_gridspec() is grid:
            ax.set_subplotspec(cell)
        else:  # inside a sub-grid of the old cell (fig.colorbar(..., ax=ax) makes one)
            spec.get_gridspec()._subplot_spec = cell
            ax.set_subplotspec(spec)


def _is_blank(ax) -> bool:
    """A grid cell left empty on purpose (``ax.axis("off")`` and nothing drawn): a spacer."""
    return not ax.axison and not ax.has_data() and not ax.get_title().strip() and not ax.texts


def _drop_blank_panels(fig: Figure) -> None:
    """Spacers keep the desktop grid aligned; in a re-laid-out figure they would be holes."""
    for _, axes in _panels(fig)[1]:
        if all(_is_blank(ax) for ax in axes):
            for ax in axes:
                ax.remove()


def _restack(fig: Figure, width_in: float) -> str:
    """Move the panels of ``fig`` into a narrow grid ``width_in`` inches wide; return its name.

    Plots go into one column, in reading order. Small images go two to a row; when the desktop
    shows them as two or three rows of related images (filters above their feature maps, two
    examples of each class), each row becomes a column, so related images stay side by side.
    """
    grid, panels = _panels(fig)
    fig_w, fig_h = fig.get_size_inches()
    plots = [_main_axes(axes) for _, axes in panels]
    boxes = [_box_in(ax, fig) for ax in plots]
    # the room each panel's titles, labels and tick labels take around its plotting area
    margin_w = max(fig_w / grid.ncols - w for w, _ in boxes)
    margin_h = max(fig_h / grid.nrows - h for _, h in boxes)
    small_images = len(panels) >= 4 and all(_is_small_image(ax) for ax in plots)
    if small_images and 2 <= grid.nrows <= 3 < grid.ncols:
        ncols, nrows = grid.nrows, grid.ncols
        cells = [(key[1], key[0]) for key, _ in panels]  # (row, column) -> (column, row)
    else:
        ncols = 2 if small_images else 1
        nrows = -(-len(panels) // ncols)
        cells = [divmod(i, ncols) for i in range(len(panels))]
    plot_w = width_in / ncols - margin_w
    if plot_w < 0.25 * width_in:
        raise CannotRelayout(f"the panels' labels leave no room in a {width_in:.1f} in column")
    row_heights = [plot_w * 0.1] * nrows
    for (row, _), (w, h) in zip(cells, boxes):
        row_heights[row] = max(row_heights[row], plot_w * h / w)
    fig.set_size_inches(width_in, sum(row_heights) + nrows * margin_h)
    new_grid = GridSpec(nrows, ncols, figure=fig, height_ratios=row_heights)
    for (row, col), (_, axes) in zip(cells, panels):
        _move(axes, grid, new_grid[row, col])
    return f"{ncols} columns" if ncols > 1 else "1 column"


def _narrow(fig: Figure, width_in: float) -> str:
    """One column of panels already: the same layout, narrower, each plot keeping its shape."""
    _, panels = _panels(fig)
    fig_w, fig_h = fig.get_size_inches()
    boxes = [_box_in(_main_axes(axes), fig) for _, axes in panels]
    margin_w = max(fig_w - w for w, _ in boxes)
    if width_in - margin_w < 0.25 * width_in:
        raise CannotRelayout(f"the labels leave no room in a {width_in:.1f} in column")
    # the plotting areas scale with the width; the room for labels around them does not
    scale = (width_in - margin_w) / (fig_w - margin_w)
    plots_h = sum(h for _, h in boxes)
    fig.set_size_inches(width_in, fig_h - plots_h + plots_h * scale)
    return "narrower"


def _suptitle_room(fig: Figure) -> float:
    """Pin the suptitle near the top edge; the fraction of the figure's height it takes.

    Its desktop position (2 % below the top) is a long way down a tall stacked figure, and
    tight_layout leaves too little room under it there."""
    title = fig._suptitle
    if title is None or not title.get_text().strip():
        return 0.0
    height_in = fig.get_size_inches()[1]
    title.set_y(1 - 0.05 / height_in)
    title.set_verticalalignment("top")
    text_in = title.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi
    return (text_in + 0.03) / height_in


def _tight(fig: Figure) -> None:
    with warnings.catch_warnings():  # "tight_layout not applied" etc.: checked by measuring later
        warnings.simplefilter("ignore")
        # a constrained layout re-lays itself out when drawn; anything else gets tight_layout,
        # as nearly every figure of the book had (a pickled figure keeps only a placeholder)
        if not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
            fig.tight_layout(rect=(0, 0, 1, 1 - _suptitle_room(fig)))
        else:
            fig.canvas.draw()


def _relayout(fig: Figure, width_in: float) -> str:
    """Re-lay ``fig`` out ``width_in`` inches wide, each plotting area keeping its shape."""
    _drop_blank_panels(fig)
    grid, panels = _panels(fig)
    shapes = {}  # each plot's desktop shape, height / width
    for _, axes in panels:
        width, height = _box_in(_main_axes(axes), fig)
        shapes[_main_axes(axes)] = height / width
    layout = _restack(fig, width_in) if grid.ncols > 1 else _narrow(fig, width_in)
    # The layout engine sizes the labels' room, not the plots: correct the heights until each
    # plotting area has its desktop shape again (a few rounds: the labels' room settles quickly).
    for _ in range(4):
        _tight(fig)
        grid, panels = _panels(fig)
        plots = [_main_axes(axes) for _, axes in panels]
        boxes = [_box_in(ax, fig, original=True) for ax in plots]
        wanted = [w * shapes[ax] for (w, _), ax in zip(boxes, plots)]
        rows = [key[0] for key, _ in panels]  # each panel's row in the grid
        per_row = [[i for i, row in enumerate(rows) if row == r] for r in range(grid.nrows)]
        wanted_rows = [max(wanted[i] for i in row) for row in per_row if row]
        actual_rows = [max(boxes[i][1] for i in row) for row in per_row if row]
        excess = sum(wanted_rows) - sum(actual_rows)
        if abs(excess) < 0.01 * sum(wanted_rows):
            break
        if grid.nrows > 1 and len(wanted_rows) == grid.nrows:
            grid.set_height_ratios(wanted_rows)
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, height + excess)
    else:
        _tight(fig)  # the last resize: the labels get their room again
    return layout


def _draw(fig: Figure, width_px: int) -> bytes:
    """The PNG of ``fig`` about ``width_px`` wide, cropped to what it draws (as IPython does)."""
    buffer = io.BytesIO()
    dpi = width_px / fig.get_size_inches()[0]
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def phone_edition(
    fig: Figure,
    min_text_px: float = MIN_TEXT_PX,
    target_px: float = TARGET_TEXT_PX,
    smallest_pt: float | None = None,
) -> PhoneEdition:
    """``fig`` re-laid out so its smallest text reads at ``min_text_px`` or more on a phone.

    ``smallest_pt``: the figure's smallest text if the caller measured it already (saves a draw).
    Raises :class:`CannotRelayout` (with the reason) for a figure that cannot be moved safely.
    """
    copy = copy_figure(fig)
    # a title longer than the narrow column breaks into lines instead of widening the image
    for text in [copy._suptitle] + [ax.title for ax in copy.axes]:
        if text is not None:
            text.set_wrap(True)
    smallest = smallest_pt if smallest_pt is not None else smallest_text_pt(copy)
    if smallest is None:
        raise CannotRelayout("the figure draws no text")
    # the widest figure whose smallest text still reads at target_px in the phone's column
    width_in = smallest / 72 * PHONE_COLUMN_PX / target_px
    layout = _relayout(copy, width_in)  # the first re-layout names what moved ("1 column")
    # Font sizes are in points: a new layout moves the texts but does not resize them, so the
    # smallest stays the same while the cropped image's width is corrected.
    for _ in range(4):  # the cropped image can come out wider than the figure: narrow again
        png = _draw(copy, PHONE_IMAGE_PX)
        shown_in = png_width(png) / (PHONE_IMAGE_PX / width_in)
        if smallest / 72 * PHONE_COLUMN_PX / shown_in >= min_text_px:
            break
        width_in *= smallest / 72 * PHONE_COLUMN_PX / shown_in / target_px
        _relayout(copy, width_in)
    else:
        raise CannotRelayout("its text stays below the minimum however narrow the figure is drawn")
    smallest = min(drawn_text_sizes(copy))  # what the edition draws (tick labels come and go)
    dpi = PHONE_IMAGE_PX / width_in
    edition = PhoneEdition(copy, png, png_width(png), smallest, smallest / 72 * dpi, layout)
    if edition.text_css_px() < min_text_px:
        raise CannotRelayout(f"its re-laid-out text reads at {edition.text_css_px():.1f} px")
    return edition
