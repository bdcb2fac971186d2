"""nnlib.widgets.static: the grid, the manifest, the cache and the alt text of the static explorers.

The browser side (explorer.js showing these states) is tested on the built book in test_book.py.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import ipywidgets as w
import numpy as np
import pytest
from docutils import nodes
from PIL import Image
from sphinx.errors import ExtensionError

from nnlib.data import load_digits
from nnlib.widgets import Explorer, static
from nnlib.widgets import sphinx_explorers as ext
from nnlib.widgets.activations import ActivationExplorer
from nnlib.widgets.backprop import BackpropStepper
from nnlib.widgets.batchnorm import BatchNormExplorer
from nnlib.widgets.capstone import PredictionExplorer
from nnlib.widgets.decision_boundary import DecisionBoundaryExplorer
from nnlib.widgets.encoding import EncodingExplorer
from nnlib.widgets.initialization import InitializationExplorer
from nnlib.widgets.losses import LossExplorer
from nnlib.widgets.methodology import BiasVarianceExplorer, SearchExplorer
from nnlib.widgets.perceptron import PerceptronExplorer
from nnlib.widgets.regularization import RegularizationExplorer
from nnlib.widgets.regularization_paths import RegularizationPathExplorer


class Line(Explorer):
    """A toy explorer: y = slope * x, in a colour; 3 x 2 x 2 = 12 states."""

    figsize = (2.0, 1.5)

    def make_controls(self):
        return {
            "slope": w.FloatSlider(value=self.initial.get("slope", 0.5), min=0, max=1, step=0.5),
            "colour": w.Dropdown(options=[("red", "r"), ("blue", "b")], value="r"),
            "grid": w.Checkbox(value=False, description="grid"),
        }

    def compute(self, slope, colour, grid):
        return {"slope": slope, "colour": colour, "grid": grid}

    def draw(self, state, fig):
        ax = fig.gca()
        ax.plot([0, 1], [0, state["slope"]], color=state["colour"], lw=4)
        ax.set_ylim(0, 1)
        ax.grid(state["grid"])

    def describe(self, state):
        return f"a {state['colour']} line of slope {state['slope']:g} <with> grid {state['grid']}"


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


# -- the grid -----------------------------------------------------------------------------------


def test_default_grid_enumerates_each_kind_of_control():
    assert static.default_grid(w.FloatSlider(min=-1, max=1, step=0.5)) == [-1, -0.5, 0, 0.5, 1]
    assert static.default_grid(w.FloatSlider(min=0, max=0.3, step=0.1)) == [0.0, 0.1, 0.2, 0.3]
    assert static.default_grid(w.IntSlider(min=2, max=10, step=4)) == [2, 6, 10]
    log = static.default_grid(w.FloatLogSlider(base=10, min=-1, max=1, step=0.5))
    assert log == pytest.approx([0.1, 10**-0.5, 1.0, 10**0.5, 10.0])
    assert log[2] == 1.0  # exactly: an initial value of 1.0 must be found in the grid
    assert static.default_grid(w.SelectionSlider(options=[1, 3, 9])) == [1, 3, 9]
    assert static.default_grid(w.Dropdown(options=[("one", 1), ("two", 2)])) == [1, 2]
    assert static.default_grid(w.ToggleButtons(options=["a", "b"])) == ["a", "b"]
    assert static.default_grid(w.Checkbox()) == [False, True]


def test_thin_keeps_the_ends_and_the_initial_value():
    assert static.thin(list(range(11)), 5) == [0, 5, 10]
    assert static.thin(list(range(11)), 4, keep=[3]) == [0, 3, 4, 8, 10]
    assert static.thin([0.1, 1.0, 10.0], 2, keep=[0.1 + 1e-12]) == [0.1, 10.0]  # float noise
    assert static.thin([1.0, 10.0, 100.0], 5, keep=[30.0]) == [1.0, 30.0, 100.0]


def test_grid_states_enumerates_every_combination_with_index_keys():
    states = dict(static.grid_states({"a": [1, 2], "b": ["x", "y", "z"]}))
    assert len(states) == 6
    assert states["1-2"] == {"a": 2, "b": "z"}


def test_checked_grid_refuses_too_many_states_naming_the_explorer(monkeypatch):
    e = Line()
    monkeypatch.setattr(static, "MAX_STATES", 11)
    with pytest.raises(static.StaticGridError, match=r"Line.static_grid has 12 states.*at most"):
        static.checked_grid(e)
    monkeypatch.setattr(static, "MAX_STATES", 12)
    assert static.checked_grid(e) == {"slope": [0, 0.5, 1], "colour": ["r", "b"], "grid": [0, 1]}


def test_checked_grid_needs_the_current_value_and_every_control():
    e = Line()
    e.static_grid = lambda: {"slope": [0.0, 1.0], "colour": ["r", "b"], "grid": [False, True]}
    with pytest.raises(static.StaticGridError, match=r"'slope' must include its current value 0.5"):
        static.checked_grid(e)
    e.static_grid = lambda: {"slope": [0.5]}
    with pytest.raises(static.StaticGridError, match=r"one list per control"):
        static.checked_grid(e)


# -- manifest, rendering and cache --------------------------------------------------------------


def test_manifest_describes_the_controls_as_the_page_builds_them(tmp_path):
    entry = static.build(Line(), tmp_path, processes=1)
    slope, colour, grid = entry["controls"]
    assert slope == {
        "name": "slope",
        "label": "slope",
        "kind": "slider",
        "values": [0.0, 0.5, 1.0],
        "labels": ["0.00", "0.50", "1.00"],  # the live slider's readout format
        "initial": 1,
    }
    assert (colour["kind"], colour["values"], colour["labels"]) == (
        "dropdown",
        ["r", "b"],
        ["red", "blue"],
    )
    assert (grid["kind"], grid["values"], grid["initial"]) == ("checkbox", [False, True], 0)
    assert entry["renderer"] is None and (entry["width"], entry["height"]) == (200, 150)


def test_every_state_is_rendered_at_twice_the_size_with_its_alt_text(tmp_path):
    e = Line()
    entry = static.build(e, tmp_path, processes=1)
    folder = tmp_path / entry["key"]
    assert sorted(entry["states"]) == sorted(
        k for k, _ in static.grid_states(static.checked_grid(e))
    )
    for key, state in entry["states"].items():
        values = dict(static.grid_states(static.checked_grid(e)))[key]
        data = (folder / state["file"]).read_bytes()
        assert png_size(data) == (400, 300) and state["bytes"] == len(data)
        assert state["alt"] == e.describe(e.compute(**values))
    files = {s["file"] for s in entry["states"].values()}
    assert len(files) == 12  # every state looks different here, so no file is shared


def test_a_state_image_is_the_explorers_own_drawing(tmp_path):
    """The file of a state holds the pixels of compute + draw, as the live figure draws them."""
    e = Line()
    entry = static.build(e, tmp_path, processes=1)
    e.update(slope=1.0, colour="b", grid=True)
    figure = static._new_figure(e)
    e.draw(e.state, figure)
    expected = np.asarray(Image.open(io.BytesIO(static.figure_image(figure))).convert("RGB"))
    shown = tmp_path / entry["key"] / entry["states"]["2-1-1"]["file"]
    assert np.array_equal(np.asarray(Image.open(shown).convert("RGB")), expected)
    blue = expected.reshape(-1, 3)
    assert ((blue[:, 2] > 200) & (blue[:, 0] < 60)).sum() > 100  # the line is drawn, in blue


def test_identical_states_share_one_file(tmp_path):
    class Flat(Line):
        def draw(self, state, fig):  # ignores the slope: three states per colour look the same
            fig.gca().plot([0, 1], [0, 0], color=state["colour"])

    entry = static.build(Flat(), tmp_path, processes=1)
    assert len({s["file"] for s in entry["states"].values()}) == 2
    assert len(list((tmp_path / entry["key"]).glob("*.png"))) == 2


def test_states_with_the_same_canonical_values_are_rendered_once(tmp_path):
    class BlueIgnoresSlope(Line):
        draws = 0

        def static_canonical(self, values):
            return {**values, "slope": 0.0} if values["colour"] == "b" else values

        def draw(self, state, fig):
            type(self).draws += 1
            super().draw(state, fig)

    explorer = BlueIgnoresSlope()
    BlueIgnoresSlope.draws = 0  # the live figure drew once
    entry = static.build(explorer, tmp_path, processes=1)
    # red: 3 slopes x 2 grids; blue: 2 grids; and the first state once more, on which the phone
    # layout is found (static_phone.py)
    assert BlueIgnoresSlope.draws == 6 + 2 + 1
    assert entry["states"]["2-1-0"] == entry["states"]["0-1-0"] != entry["states"]["2-0-0"]
    assert "slope 0 " in entry["states"]["2-1-0"]["alt"]

    class Outside(Line):
        def static_canonical(self, values):
            return {**values, "slope": 0.25}

    with pytest.raises(static.StaticGridError, match=r"Outside.static_canonical.*not a state"):
        static.build(Outside(), tmp_path, processes=1)


def test_two_processes_render_the_same_files_as_one(tmp_path):
    e = Line()
    grid = static.checked_grid(e)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one, cpu_one, _ = static.render_states(e, grid, tmp_path / "one", processes=1)
    two, cpu_two, _ = static.render_states(e, grid, tmp_path / "two", processes=2)
    assert one == two and cpu_one > 0 and cpu_two > 0
    for state in one.values():
        assert (tmp_path / "one" / state["file"]).read_bytes() == (
            tmp_path / "two" / state["file"]
        ).read_bytes()


def test_a_rebuild_reuses_the_cache_and_a_change_makes_a_new_key(tmp_path, monkeypatch):
    first = static.build(Line(), tmp_path, processes=1)

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again although the cache holds these states")

    monkeypatch.setattr(static, "render_states", no_rendering)
    assert static.build(Line(), tmp_path, processes=1) == first
    grid = static.checked_grid(Line())
    keys = {
        static.explorer_key(Line(), grid),
        static.explorer_key(Line(slope=1.0), grid),  # another initial value
        static.explorer_key(Line(), {**grid, "slope": [0.5]}),  # another grid
    }
    assert len(keys) == 3 and first["key"] in keys


def test_the_key_follows_the_figure_style_and_the_widget_modules_the_explorer_uses(monkeypatch):
    import matplotlib

    from nnlib.widgets import scripted
    from nnlib.widgets.optimizers import OptimizerRace

    race = OptimizerRace()
    grid = race.static_grid()
    before = static.explorer_key(race, grid)
    monkeypatch.setitem(matplotlib.rcParams, "figure.facecolor", "#fedcba")  # another book style
    restyled = static.explorer_key(race, grid)
    monkeypatch.undo()
    real = Path.read_bytes
    helper = Path(scripted.__file__).resolve()  # optimizers.py draws with widgets/scripted.py
    monkeypatch.setattr(
        Path, "read_bytes", lambda p: real(p) + (b"#" if Path(p).resolve() == helper else b"")
    )
    assert len({before, restyled, static.explorer_key(race, grid)}) == 3


def test_the_key_follows_the_explorers_data(tmp_path):
    class Scaled(Line):
        def __init__(self, data):
            self.data = data
            super().__init__()

    grid = static.checked_grid(Line())
    a = static.explorer_key(Scaled(np.arange(3.0)), grid)
    assert a == static.explorer_key(Scaled(np.arange(3.0)), grid)
    assert a != static.explorer_key(Scaled(np.arange(3.0) + 1e-9), grid)
    rng = static.explorer_key(Scaled(np.random.default_rng(0)), grid)
    assert rng == static.explorer_key(Scaled(np.random.default_rng(0)), grid)
    assert rng != static.explorer_key(Scaled(np.random.default_rng(1)), grid)


def test_static_html_ships_the_manifest_and_the_initial_figure(tmp_path):
    e = Line()
    text = static.static_html(e, tmp_path)
    manifest = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S)
    entry = json.loads(manifest.group(1))
    initial = entry["states"]["1-0-0"]
    assert set(initial) == {"file", "alt"}
    assert f'src="{static.ROOT_TOKEN}_static/nn-explorers/{entry["key"]}/{initial["file"]}"' in text
    assert 'alt="a r line of slope 0.5 &lt;with&gt; grid False"' in text
    assert static.NOTE in text and 'width="200" height="150"' in text


def test_displaying_an_explorer_in_the_book_build_emits_the_static_view(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    monkeypatch.delenv(static.ENV_VAR, raising=False)
    Line()._ipython_display_()
    assert isinstance(shown[-1], w.VBox)  # live: the ipywidgets view, as before
    monkeypatch.setenv(static.ENV_VAR, str(tmp_path))
    Line()._ipython_display_()
    assert 'class="nn-explorer"' in shown[-1].data
    assert len(list(tmp_path.glob("*/manifest.json"))) == 1


def test_scripted_explorers_ship_their_data_and_no_images(tmp_path):
    class Scripted(Line):
        static_renderer = "line"

        def static_data(self):
            return {"points": [0, 1]}

        def static_grid(self):
            return {"slope": list(np.linspace(0, 1, 401)), "colour": ["r", "b"], "grid": [0, 1]}

    text = static.static_html(Scripted(slope=0.5), tmp_path)
    entry = json.loads(re.search(r"<script[^>]*>(.*?)</script>", text, re.S).group(1))
    assert entry["renderer"] == "line" and entry["data"] == {"points": [0, 1]}
    assert "states" not in entry and 'data-nn-renderer="line"' in text
    # 1604 grid points, one image: the initial figure, shown until the renderer draws
    assert [p.name for p in tmp_path.glob("*/*.png")] == ["initial.png"]
    assert entry["initial"]["alt"] == "a r line of slope 0.5 <with> grid False"
    assert 'class="nn-explorer-fallback"' in text


def test_figure_data_url_is_a_png_at_twice_the_size():
    from matplotlib.figure import Figure

    url = static.figure_data_url(Figure(figsize=(1.0, 0.5), dpi=100))
    import base64

    assert png_size(base64.b64decode(url.split(",", 1)[1])) == (200, 100)


# -- the book's explorers -----------------------------------------------------------------------


def digits_explorer():
    X, y = load_digits()
    X, y = X[:60], y[:60]

    class Guess:  # a fixed "model": the brightest pixel's position mod 10
        def predict(self, X):
            cls = np.asarray(X).argmax(axis=1) % 10
            return np.eye(10)[cls] * 0.7 + 0.03

    return PredictionExplorer(Guess(), X.reshape(-1, 8, 8), X, y, index=3)


BOOK_EXPLORERS = {
    "ActivationExplorer": ActivationExplorer,
    "BackpropStepper": BackpropStepper,
    "BatchNormExplorer": lambda: BatchNormExplorer(lr=1.0),
    "PredictionExplorer": digits_explorer,
    "DecisionBoundaryExplorer": DecisionBoundaryExplorer,
    "EncodingExplorer": lambda: EncodingExplorer(encoding="k-1"),
    "InitializationExplorer": lambda: InitializationExplorer(depth=10, width=16, n=8),
    "LossExplorer": LossExplorer,
    "BiasVarianceExplorer": BiasVarianceExplorer,
    "SearchExplorer": SearchExplorer,
    "PerceptronExplorer": PerceptronExplorer,
    "RegularizationExplorer": lambda: RegularizationExplorer(p=0.5),
    "RegularizationPathExplorer": lambda: RegularizationPathExplorer(lam=30.0),
}


@pytest.mark.parametrize("name", sorted(BOOK_EXPLORERS))
def test_book_explorer_grid_and_alt_text(name):
    """A grid within the budget that holds the initial values, and alt text with the numbers."""
    e = BOOK_EXPLORERS[name]()
    assert type(e).__name__ == name
    grid = static.checked_grid(e)  # raises if too large or missing the current value
    assert e.static_renderer is None
    assert 2 <= np.prod([len(v) for v in grid.values()]) <= static.MAX_STATES
    assert set(grid) == set(e.controls)
    alt = e.describe(e.state)
    assert type(e).describe is not Explorer.describe, f"{name} keeps the default alt text"
    assert re.search(r"\d", alt) and 40 < len(alt) < 400, alt
    # another state of the grid (the last value of every control) says something else
    other = {
        n: values[-1] if values[-1] != e.values[n] else values[0] for n, values in grid.items()
    }
    assert e.describe(e.compute(**other)) != alt


# -- the Sphinx extension -----------------------------------------------------------------------


def fake_app(tmp_path, cache):
    builder = SimpleNamespace(format="html", get_target_uri=lambda doc: f"{doc}.html")
    return SimpleNamespace(builder=builder, outdir=str(tmp_path / "html"), srcdir=str(tmp_path))


def test_extension_points_the_page_at_its_states_and_copies_them(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(static.ENV_VAR, str(cache))
    text = static.static_html(Line(), cache)
    key = re.search(r'data-nn-explorer="(\w+)"', text).group(1)
    doctree = nodes.document(None, None)
    doctree += nodes.raw(text, text, format="html")
    app = fake_app(tmp_path, cache)
    ext.resolve_explorers(app, doctree, "book/07_activations")
    resolved = doctree.next_node(nodes.raw).astext()
    assert static.ROOT_TOKEN not in resolved
    assert f'src="../_static/nn-explorers/{key}/' in resolved
    copied = Path(app.outdir) / "_static" / "nn-explorers" / key
    assert sorted(p.name for p in copied.iterdir()) == sorted(
        p.name for p in (cache / key).iterdir()
    )


def test_extension_stops_the_build_when_the_states_are_missing(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(static.ENV_VAR, str(cache))
    text = static.static_html(Line(), cache)
    for path in sorted(cache.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    doctree = nodes.document(None, None)
    doctree += nodes.raw(text, text, format="html")
    with pytest.raises(ExtensionError, match=r"book/x: the explorer states \w+ are not in"):
        ext.resolve_explorers(fake_app(tmp_path, cache), doctree, "book/x")


def test_extension_drops_the_widget_manager_where_no_widget_is_shown():
    from sphinx.builders.html._assets import _JavaScript

    manager = {"../requirejs/require.js": {}, "../html-manager/dist/embed-amd.js": {}}
    app = SimpleNamespace(config=SimpleNamespace(nb_ipywidgets_js=manager))

    def scripts():
        return [
            _JavaScript("nn-explorers/explorer.js"),
            _JavaScript(None, type=ext.WIDGET_STATE, body="{}"),
            *(_JavaScript(f"_static/{path}") for path in manager),  # as the builder files them
        ]

    static_page = {"body": '<div class="nn-explorer"></div>', "script_files": scripts()}
    ext.drop_unused_widget_manager(app, "book/07", "page.html", static_page, None)
    assert [js.filename for js in static_page["script_files"]] == ["nn-explorers/explorer.js"]
    view = '<script type="application/vnd.jupyter.widget-view+json">{}</script>'
    live_page = {"body": view, "script_files": scripts()}
    ext.drop_unused_widget_manager(app, "book/interactive", "page.html", live_page, None)
    assert len(live_page["script_files"]) == 4
