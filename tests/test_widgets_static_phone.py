"""nnlib.widgets.static_phone: the static explorers' phone editions (one layout, every state).

The browser side (a 390 px screen loads the phone image of the state asked for) is tested on the
built book in test_book.py.
"""

from __future__ import annotations

import io
import json
import re

import ipywidgets as w
import matplotlib.style
import matplotlib.text
import pytest
from matplotlib.figure import Figure
from PIL import Image

from nnlib.viz.phone import MIN_TEXT_PX, PHONE_COLUMN_PX, PHONE_MEDIA, smallest_text_pt
from nnlib.widgets import Explorer, static, static_phone
from nnlib.widgets.activations import ActivationExplorer
from nnlib.widgets.backprop import BackpropStepper


class TwoPanels(Explorer):
    """8 inches, two panels side by side, a legend and a suptitle; 'third' adds a third panel."""

    figsize = (8.0, 3.0)

    def make_controls(self):
        return {
            "slope": w.FloatSlider(value=0.5, min=0, max=1, step=0.5),
            "third": w.Checkbox(value=False, description="third panel"),
        }

    def compute(self, slope, third):
        return {"slope": slope, "third": third}

    def draw(self, state, fig):
        axes = fig.subplots(1, 3 if state["third"] else 2)
        axes[0].plot([0, 1], [0, state["slope"]], label="line")
        axes[0].legend()
        axes[1].bar([0, 1], [1, state["slope"]])
        axes[1].set_title(f"slope {state['slope']:g}")
        fig.suptitle("two panels")
        fig.tight_layout()

    def describe(self, state):
        return f"slope {state['slope']:g}"


class FigureText(TwoPanels):
    def draw(self, state, fig):
        super().draw(state, fig)
        fig.text(0.5, 0.02, "a formula placed for the desktop", ha="center")


class Narrow(TwoPanels):
    figsize = (3.0, 2.5)

    def draw(self, state, fig):
        fig.gca().plot([0, 1], [0, state["slope"]])


def png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_every_state_of_a_wide_explorer_gets_a_legible_stacked_phone_image(tmp_path):
    entry = static.build(TwoPanels(), tmp_path, processes=1)
    folder = tmp_path / entry["key"]
    phone = entry["phone"]
    assert phone["width"] == 2 * PHONE_COLUMN_PX  # sharp at a device pixel ratio of 2
    assert phone["text_px"] >= MIN_TEXT_PX, phone
    two_panel_states = {k: s for k, s in entry["states"].items() if k.endswith("-0")}
    assert two_panel_states and all("phone" in s for s in two_panel_states.values())
    for state in two_panel_states.values():
        image = png((folder / state["phone"]).read_bytes())
        assert image.size == (phone["width"], phone["height"])
        assert image.height > image.width, "two panels stacked in one column are taller than wide"
        assert state["phone"] != state["file"]
    files = {s["phone"] for s in two_panel_states.values()}
    assert len(files) == len(two_panel_states), "each slope draws its own phone image"


def test_a_state_with_another_number_of_panels_keeps_the_desktop_image(tmp_path):
    entry = static.build(TwoPanels(), tmp_path, processes=1)
    three = [s for k, s in entry["states"].items() if k.endswith("-1")]
    assert three and all("phone" not in s for s in three), three


def test_the_phone_render_leaves_the_desktop_image_unchanged(tmp_path):
    """Drawing a phone image resizes the figure and moves its axes; the next state's desktop image
    must be what a fresh figure draws."""
    explorer = TwoPanels()
    layout = static.phone_layout_of(explorer, {"slope": 0.0, "third": False})
    figure = static._new_figure(explorer)
    static.render_state(explorer, figure, {"slope": 0.0, "third": False})
    assert static_phone.render_phone(figure, layout, static.figure_image) is not None
    after, _ = static.render_state(explorer, figure, {"slope": 1.0, "third": False})
    fresh, _ = static.render_state(
        explorer, static._new_figure(explorer), {"slope": 1.0, "third": False}
    )
    assert after == fresh
    assert tuple(figure.get_size_inches()) == explorer.figsize


@pytest.mark.parametrize("cls", [FigureText, Narrow], ids=["text in figure coordinates", "narrow"])
def test_no_phone_edition_where_it_cannot_move_or_is_not_needed(tmp_path, cls):
    entry = static.build(cls(), tmp_path, processes=1)
    assert "phone" not in entry
    assert all("phone" not in s for s in entry["states"].values())
    assert "<picture" not in static.static_html(cls(), tmp_path)


def test_the_page_offers_the_phone_image_to_narrow_screens(tmp_path):
    html = static.static_html(TwoPanels(), tmp_path)
    manifest = json.loads(re.search(r'nn-explorer-manifest">(.*?)</script>', html).group(1))
    initial = manifest["states"]["1-0"]
    source = re.search(r"<picture[^>]*><source ([^>]*)><img ([^>]*)></picture>", html)
    assert source, html
    assert f'media="{PHONE_MEDIA}"' in source.group(1)
    assert source.group(1).count(initial["phone"]) == 1
    assert initial["file"] in source.group(2) and 'alt="slope 0.5"' in source.group(2)
    assert manifest["phone_media"] == PHONE_MEDIA


def test_the_layout_is_found_once_and_its_text_is_legible():
    """The layout from the initial state, measured: its smallest text at 358 px is >= 9 CSS px."""
    fig = Figure(figsize=(8, 3))
    axes = fig.subplots(1, 2)
    axes[0].plot([0, 1], [1, 0], label="a legend")
    axes[0].legend(fontsize=7)
    layout = static_phone.phone_layout(fig)
    assert layout is not None and len(layout.positions) == 2
    assert layout.text_px >= MIN_TEXT_PX
    assert 7 / 72 * PHONE_COLUMN_PX / layout.width_in >= MIN_TEXT_PX  # the legend's 7 pt, too
    assert layout.height_in > layout.width_in


def test_a_real_explorer_in_the_book_style(tmp_path):
    """The activation explorer (two panels, 8 in) in the book's figure style: every state has a
    phone image whose smallest text reads at >= 9 CSS px."""
    style = static.__file__.replace("nnlib/widgets/static.py", "book/_mpl/nn-book.mplstyle")
    with matplotlib.style.context(style):
        explorer = ActivationExplorer()
        values = {n: c.value for n, c in explorer.controls.items()}
        layout = static.phone_layout_of(explorer, values)
        figure = static._new_figure(explorer)
        static.render_state(explorer, figure, values)
        desktop_px = smallest_text_pt(figure) / 72 * PHONE_COLUMN_PX / explorer.figsize[0]
        data = static_phone.render_phone(figure, layout, static.figure_image)
    assert desktop_px < MIN_TEXT_PX < layout.text_px, (desktop_px, layout.text_px)
    assert png(data).size == layout.pixels()


def test_an_explorer_with_text_placed_for_the_desktop_has_no_layout():
    explorer = FigureText()
    values = {n: c.value for n, c in explorer.controls.items()}
    assert static.phone_layout_of(explorer, values) is None


def test_the_backprop_stepper_draws_its_own_phone_edition(tmp_path):
    """Its diagram cannot be re-laid out by moving axes (one axes, text in figure coordinates):
    it sets phone_figsize, and draw() lays the network out top to bottom in a figure that narrow.
    Every state gets a phone image: the column's width at 2x, its text legible on a phone."""
    with matplotlib.style.context("book/_mpl/nn-book.mplstyle"):
        explorer = BackpropStepper()
        entry = static.build(explorer, tmp_path, processes=1)
    assert (
        entry["phone"]["text_px"] >= MIN_TEXT_PX and entry["phone"]["width"] == 2 * PHONE_COLUMN_PX
    )
    folder = tmp_path / entry["key"]
    for key, state in entry["states"].items():
        image = png((folder / state["phone"]).read_bytes())
        assert image.size == (entry["phone"]["width"], entry["phone"]["height"]), key
        assert image.height > image.width  # top to bottom, not the desktop's 8 x 4.2 inches
        assert png((folder / state["file"]).read_bytes()).width == 2 * 800
    # the same state drawn narrow: the nodes stack (inputs above the output), nothing clipped
    figure = static_phone.phone_figure(explorer.phone_figsize)
    static.render_state(explorer, figure, {"step": 11, "loss": "mse"})
    renderer = figure.canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer) for t in figure.findobj(matplotlib.text.Text) if t.get_text()
    ]
    width, height = figure.canvas.get_width_height(physical=True)
    outside = [b for b in boxes if b.x0 < -1 or b.x1 > width + 1 or b.y0 < -1 or b.y1 > height + 1]
    assert not outside, outside


# --- scripted explorers: the renderer's data at the phone layout (nnlib/widgets/scripted.py) ---
def test_a_scripted_explorers_phone_data_is_its_data_at_the_phone_layout():
    """The phone pass re-measures the figures (size, axes boxes, backgrounds) and leaves the
    explorer's figures as they were; only what changed ships as data["phone"]."""
    from nnlib.widgets import scripted, static
    from nnlib.widgets.linear_regression import GradientDescentExplorer

    explorer = GradientDescentExplorer()
    size = tuple(explorer.figure.get_size_inches())
    boxes = [tuple(ax.get_position().bounds) for ax in explorer.figure.axes]
    entry = static.manifest(explorer, static.checked_grid(explorer), "key")
    data, phone = entry["data"], entry["data"]["phone"]
    assert phone["size"][0] < data["size"][0] and phone["size"][1] > data["size"][1]  # stacked
    assert set(phone) == {"size", "views", "min_font"}  # the numbers (design, bowl, y): once
    assert phone["min_font"] == round(MIN_TEXT_PX * phone["size"][0] / PHONE_COLUMN_PX, 2)
    for view, changed in phone["views"].items():
        assert set(changed) == {"image", "surface", "loss_rect"}, changed
        assert changed["image"] != data["views"][view]["image"]
        # stacked: the loss panel below the surface, both as wide as the column allows
        assert changed["loss_rect"][1] + changed["loss_rect"][3] < changed["surface"]["rect"][1]
    assert entry["phone"]["text_px"] >= 9
    assert tuple(explorer.figure.get_size_inches()) == size
    assert [tuple(ax.get_position().bounds) for ax in explorer.figure.axes] == boxes
    initial = {name: control.value for name, control in explorer.controls.items()}
    with scripted.phone_pass(static.phone_layout_of(explorer, initial)):
        assert scripted.figure_size(explorer.figure) == phone["size"]
    assert scripted.figure_size(explorer.figure) == data["size"]


def test_laid_out_leaves_figures_alone_outside_a_phone_pass_or_of_another_shape():
    from matplotlib.figure import Figure

    from nnlib.widgets import scripted

    fig = Figure(figsize=(8, 3))
    fig.subplots(1, 2)
    assert scripted.laid_out(fig) is fig and tuple(fig.get_size_inches()) == (8, 3)
    layout = static_phone.phone_layout(fig)
    three = Figure(figsize=(8, 3))
    three.subplots(1, 3)
    with scripted.phone_pass(layout):
        scripted.laid_out(fig), scripted.laid_out(three)
        assert fig.get_size_inches()[0] < 8 and tuple(three.get_size_inches()) == (8, 3)
    assert tuple(fig.get_size_inches()) == (8, 3)


def test_the_controls_stylesheet_uses_the_phone_media_query():
    """explorer.css lays the sliders out for a phone's column on the screens that get the phone
    figures: the same media query, not a second copy that could drift."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[1] / "book/_explorers/explorer.css").read_text()
    screens = [q for q in re.findall(r"@media ([^{]+?)\s*\{", css) if q != "print"]
    assert screens and all(q == PHONE_MEDIA for q in screens), screens
