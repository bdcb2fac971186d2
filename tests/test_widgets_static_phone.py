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
    explorer = BackpropStepper()
    values = {n: c.value for n, c in explorer.controls.items()}
    assert static.phone_layout_of(explorer, values) is None
