"""The JavaScript renderers of the scripted explorers against their Python explorers.

Each explorer with ``static_renderer`` set ships ``static_data()`` and is drawn in the static
book by ``book/_explorers/renderers/<name>.js``. Here headless Chromium (tests/browser.py) loads
a bare page with every renderer, evaluates each renderer's ``compute`` on many control values and
compares it numerically with the Python explorer's ``compute``; ``render`` must run at the
corners of the static grid and return the alt text that the explorer's ``describe`` generates.
No built book is needed: the page is a fixture of its own, served on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from browser import VIEWPORTS, Browser, StaticServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
RENDERERS = ROOT / "book" / "_explorers" / "renderers"
SCRIPTS = sorted(p.name for p in RENDERERS.glob("*.js"))

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><title>renderers</title><link rel="icon" href="data:,">
{scripts}</head><body><div id="target"></div></body></html>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A page with every renderer loaded, and ``load(name, data)`` / ``js(expr)`` helpers."""
    root = tmp_path_factory.mktemp("renderers")
    shutil.copytree(RENDERERS, root / "renderers")
    tags = "\n".join(f'<script src="renderers/{name}"></script>' for name in SCRIPTS)
    (root / "index.html").write_text(HARNESS.format(scripts=tags))
    server = StaticServer(root)
    browser = Browser(server.origin)
    try:
        tab = browser.new_page()
        tab.goto(server.origin + "/index.html", VIEWPORTS["desktop"])
        assert not tab.problems, tab.problems
        yield tab
        assert not tab.problems, tab.problems
        assert not tab.blocked, tab.blocked
    finally:
        browser.close()
        server.close()


def load(page, explorer):
    """Hand the explorer's static data to the page as ``window.DATA``; return the explorer."""
    page.evaluate(f"window.DATA = {json.dumps(explorer.static_data())}; true")
    return explorer


def random_states(explorer, rng, n: int) -> list[dict]:
    """``n`` states drawn uniformly from the explorer's static grid."""
    grid = explorer.static_grid()
    return [{k: grid[k][rng.integers(len(grid[k]))] for k in grid} for _ in range(n)]


def js_compute(page, name: str, values: dict) -> dict:
    return js_compute_many(page, name, [values])[0]


def js_compute_many(page, name: str, states: list[dict]) -> list[dict]:
    """The renderer's compute on each state, in one round trip (JSON: Infinity arrives as None)."""
    expr = f"{json.dumps(states)}.map(v => nnExplorer.renderers[{name!r}].compute(window.DATA, v))"
    return page.evaluate(f"JSON.parse(JSON.stringify({expr}))")


def js_render(page, name: str, values: dict) -> dict:
    """Render into the target; return the alt text and what the figure holds."""
    return page.evaluate(
        f"""(() => {{
          const target = document.getElementById('target');
          const alt = nnExplorer.renderers[{name!r}].render(target, window.DATA, {json.dumps(values)});
          const svg = target.querySelector('svg');
          return {{alt, label: svg && svg.getAttribute('aria-label'),
                   marks: target.querySelectorAll('rect, polyline, circle, polygon, path, line').length,
                   text: target.textContent}};
        }})()"""
    )


def close(a, b, rtol=1e-9, atol=1e-12, what=""):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol, atol, err_msg=what)


def corners(grid: dict) -> list[dict]:
    """Every combination of each control's first and last grid value."""
    names = list(grid)
    ends = [sorted({0, len(grid[k]) - 1}) for k in names]
    return [
        {k: grid[k][i] for k, i in zip(names, combo, strict=True)}
        for combo in itertools.product(*ends)
    ]


# -- kernel ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel(page):
    from nnlib.widgets.convolution import KernelExplorer

    return load(page, KernelExplorer())


def test_kernel_compute_matches_python_on_random_states(page, kernel, rng):
    for values in random_states(kernel, rng, 40):
        got, want = js_compute(page, "kernel", values), kernel.compute(**values)
        what = f"kernel at {values}"
        assert got["size"] == want["size"] and got["formula"] == want["formula"], what
        assert got["label"] == want["label"], what
        close(got["padded"], want["padded"], what=what)
        close(got["kernel"], want["kernel"], what=what)
        close(got["out"], want["out"], what=what)


def test_kernel_presets_write_their_weights_and_sliders_select_custom(page, kernel):
    values = dict(kernel.values)
    link = "nnExplorer.renderers.kernel.link(window.DATA, {values}, {name!r})"
    updates = page.evaluate(
        link.format(values=json.dumps({**values, "preset": "sharpen"}), name="preset")
    )
    assert [updates[f"k{i}{j}"] for i in range(3) for j in range(3)] == [
        0,
        -1,
        0,
        -1,
        5,
        -1,
        0,
        -1,
        0,
    ]
    updates = page.evaluate(link.format(values=json.dumps(values), name="k11"))
    assert updates == {"preset": "custom"}


def test_kernel_render_at_grid_corners_returns_the_python_alt_text(page, kernel):
    grid = kernel.static_grid()
    # all nine weights at one end: corners over the other controls
    small = {k: v for k, v in grid.items() if not k.startswith("k")}
    for values in corners(small):
        for w in (grid["k00"][0], grid["k00"][-1]):
            state = {**values, **{k: w for k in grid if k.startswith("k")}}
            out = js_render(page, "kernel", state)
            assert out["alt"] == kernel.describe(kernel.compute(**state)) == out["label"]
            assert out["marks"] > 64


# -- the shared kit ----------------------------------------------------------------------------


def test_number_format_matches_python(page, rng):
    """The alt text is compared with Python's, so the kit formats numbers exactly as f-strings do."""
    values = [0.0, 0.125, -25.625, 2.5, 1e-5, 123456.0, 0.0001234, 9.995, -0.0001, 1.0, 5e-324]
    values += list(rng.normal(size=40) * 10.0 ** rng.integers(-6, 7, size=40))
    values += [k / 8 for k in range(-20, 20)]  # exact ties in binary
    specs = [".2f", ".3f", ".0f", ".2g", ".3g", ".1e", ".3e", ".1g"]
    got = page.evaluate(
        f"(() => {{ const v = {json.dumps(values)}, s = {json.dumps(specs)};"
        "return v.map(x => s.map(f => nnExplorer.plot.format(x, f))); })()"
    )
    want = [[format(v, spec) for spec in specs] for v in values]
    assert got == want


# -- hyperplane --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hyperplane(page):
    from nnlib.widgets.logistic import HyperplaneExplorer

    return load(page, HyperplaneExplorer())


def check_summary(got, want, what):
    """The model summary both logistic renderers compute: w, b, p on the data, loss, accuracy."""
    close(got["w"], want["w"], what=what)
    close(got["b"], want["b"], what=what)
    close(got["p"], want["p"], what=what)
    close(got["loss"], want["loss"], what=what)
    assert got["accuracy"] == want["accuracy"], what
    distance = np.inf if got["distance"] is None else got["distance"]  # JSON has no Infinity
    close(distance, want["distance"], what=what)


def test_hyperplane_compute_matches_python_on_random_and_edge_states(page, hyperplane, rng):
    states = random_states(hyperplane, rng, 60)
    states += [{"w1": 0.0, "w2": 0.0, "b": 0.0}, {"w1": 0.0, "w2": 0.0, "b": -4.0}]
    states += [{"w1": a, "w2": -a, "b": 4.0} for a in (-4.0, 4.0)]
    for values in states:
        got, want = js_compute(page, "hyperplane", values), hyperplane.compute(**values)
        check_summary(got, want, f"hyperplane at {values}")


def test_hyperplane_render_at_grid_corners_returns_the_python_alt_text(page, hyperplane):
    for values in [*corners(hyperplane.static_grid()), {"w1": 0.0, "w2": 0.0, "b": 0.0}]:
        out = js_render(page, "hyperplane", values)
        assert out["alt"] == hyperplane.describe(hyperplane.compute(**values)) == out["label"]
        points = 100 if values["w1"] == values["w2"] == 0 else 200  # w = 0: no distances to show
        assert out["marks"] > points


# -- logistic (prefix of shipped runs) ---------------------------------------------------------


@pytest.fixture(scope="module")
def logistic(page):
    from nnlib.widgets.logistic import LogisticExplorer

    return load(page, LogisticExplorer())


def test_logistic_compute_matches_python_at_every_prefix(page, logistic):
    grid = logistic.static_grid()
    assert grid["step"][0] == 0 and grid["step"][-1] == logistic.max_steps
    states = [
        {"data": d, "lr": lr, "step": k}
        for d in grid["data"]
        for lr in grid["lr"]
        for k in grid["step"]
    ]
    for values, got in zip(states, js_compute_many(page, "logistic", states), strict=True):
        want, what = logistic.compute(**values), f"logistic at {values}"
        check_summary(got, want, what)
        assert got["step"] == want["step"], what
        close(got["losses"], want["losses"], what=what)
        close(got["norms"], want["norms"], what=what)


def test_logistic_render_at_grid_corners_returns_the_python_alt_text(page, logistic):
    for values in corners(logistic.static_grid()):
        out = js_render(page, "logistic", values)
        assert out["alt"] == logistic.describe(logistic.compute(**values)) == out["label"]
        assert out["marks"] > 100


# -- ML vs MAP (prefix of shipped points, closed form) -----------------------------------------


@pytest.fixture(scope="module")
def map_explorer(page):
    from nnlib.widgets.ml_vs_map import MapExplorer

    return load(page, MapExplorer(prior_std=0.5, n=5))


def test_map_compute_matches_python_for_every_n_and_random_priors(page, map_explorer, rng):
    grid = map_explorer.static_grid()
    states = [{**s, "n": n} for s, n in zip(random_states(map_explorer, rng, 200), grid["n"])]
    keys = ["w_ml", "w_map", "lam", "post_std", "like_std", "shrink"]
    for values, got in zip(states, js_compute_many(page, "map", states), strict=True):
        want = map_explorer.compute(**values)
        close([got[k] for k in keys], [want[k] for k in keys], what=f"map at {values}")


def test_map_render_at_grid_corners_returns_the_python_alt_text(page, map_explorer):
    for values in corners(map_explorer.static_grid()):
        out = js_render(page, "map", values)
        assert out["alt"] == map_explorer.describe(map_explorer.compute(**values)) == out["label"]
        assert f"data (N={values['n']})" in out["text"]


# -- gradient descent (computed in the page, prefix by steps) ----------------------------------


@pytest.fixture(scope="module")
def descent(page):
    from nnlib.widgets.linear_regression import GradientDescentExplorer, experience_salary

    return load(page, GradientDescentExplorer(*experience_salary(), lr=0.02, steps=40))


def test_gradient_descent_compute_matches_python(page, descent, rng):
    grid = descent.static_grid()
    lr_max = {s: descent.compute(lr=0.01, steps=1, standardise=s)["lr_max"] for s in (False, True)}
    # random lrs, every prefix of a converging and of a diverging run, and both sides of 2/L
    states = random_states(descent, rng, 60)
    states += [{"lr": 0.02, "steps": k, "standardise": False} for k in grid["steps"]]
    states += [{"lr": 0.9, "steps": k, "standardise": True} for k in grid["steps"]]
    states += [
        {"lr": f * lr_max[s], "steps": 200, "standardise": s}
        for s in (False, True)
        for f in (0.99, 1.01, 3.0)
    ]
    scalars = ["lr_max", "kappa", "j_star", "L", "distance"]
    for values, got in zip(states, js_compute_many(page, "gradient_descent", states), strict=True):
        want, what = descent.compute(**values), f"gradient descent at {values}"
        assert len(got["losses"]) == len(want["losses"]), what
        assert got["diverged"] == want["diverged"], what
        close(got["path"], want["path"], what=what)
        close(got["losses"], want["losses"], what=what)
        close([got[k] for k in scalars], [want[k] for k in scalars], what=what)


def test_a_diverging_path_is_clipped_to_the_axes(page, descent):
    lr = 3 * descent.compute(lr=0.01, steps=1, standardise=False)["lr_max"]
    js_render(page, "gradient_descent", {"lr": lr, "steps": 200, "standardise": False})
    coordinates = page.evaluate(
        "[...document.querySelectorAll('#target polyline')].flatMap(p =>"
        " p.getAttribute('points').split(/[ ,]/).map(Number))"
    )
    assert coordinates and all(abs(v) < 2000 for v in coordinates), max(map(abs, coordinates))


def test_gradient_descent_render_at_grid_corners_returns_the_python_alt_text(page, descent):
    for values in corners(descent.static_grid()):
        out = js_render(page, "gradient_descent", values)
        assert out["alt"] == descent.describe(descent.compute(**values)) == out["label"]
        state = descent.compute(**values)
        verdict = "diverges" if state["diverged"] else "converges"
        assert f"lr = {state['lr']:.3g}, 2/L = {state['lr_max']:.3g}: {verdict}" in out["text"]
        assert out["marks"] >= 4  # the path, its dots, the end point and the loss curve


# -- optimizer race (computed in the page, prefix by steps) ------------------------------------


@pytest.fixture(scope="module")
def race(page):
    from nnlib.widgets.optimizers import OptimizerRace

    return load(page, OptimizerRace())


def check_race(got, want, what):
    assert list(got["runs"]) == list(want["runs"]), what
    for label, run in want["runs"].items():
        mine = got["runs"][label]
        assert mine["left"] == run["left"], f"{what}, {label}"
        close(mine["path"], run["path"], rtol=1e-8, atol=1e-10, what=f"{what}, {label}")
        close(mine["loss"], run["loss"], rtol=1e-8, atol=1e-10, what=f"{what}, {label}")


def test_race_compute_matches_python_on_random_rates(page, race, rng):
    states = random_states(race, rng, 24)
    for values, got in zip(states, js_compute_many(page, "optimizer_race", states), strict=True):
        check_race(got, race.compute(**values), f"race at {values}")


def test_race_compute_matches_python_at_prefixes_across_the_steps_slider(page, race):
    grid = race.static_grid()
    for surface in grid["surface"]:
        defaults = page.evaluate(
            f"nnExplorer.renderers.optimizer_race.link(window.DATA, {{surface: {surface!r}}}, 'surface')"
        )
        states = [{"surface": surface, **defaults, "steps": k} for k in grid["steps"][::7]]
        for values, got in zip(
            states, js_compute_many(page, "optimizer_race", states), strict=True
        ):
            check_race(got, race.compute(**values), f"race at {values}")


def test_race_render_at_grid_corners_returns_the_python_alt_text(page, race):
    for values in corners(race.static_grid()):
        out = js_render(page, "optimizer_race", values)
        assert out["alt"] == race.describe(race.compute(**values)) == out["label"]
        assert out["marks"] > 8  # four paths and four loss curves at least


# -- the static page: controller + renderers, operated from the keyboard ------------------------


def scripted_explorers():
    """The six scripted explorers, built as the chapters build them."""
    from nnlib.widgets.convolution import KernelExplorer
    from nnlib.widgets.linear_regression import GradientDescentExplorer, experience_salary
    from nnlib.widgets.logistic import HyperplaneExplorer, LogisticExplorer
    from nnlib.widgets.ml_vs_map import MapExplorer
    from nnlib.widgets.optimizers import OptimizerRace

    return [
        GradientDescentExplorer(*experience_salary(), lr=0.02, steps=40),
        MapExplorer(prior_std=0.5, n=5),
        HyperplaneExplorer(),
        LogisticExplorer(),
        OptimizerRace(),
        KernelExplorer(preset="vertical edges (Sobel x)", digit=0, stride=1, pad=1),
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A page holding the six explorers' static views, as the book build writes them."""
    from nnlib.widgets.static import ROOT_TOKEN, SITE_FOLDER, static_html

    root = tmp_path_factory.mktemp("site")
    shutil.copytree(RENDERERS.parent, root / "_explorers")
    explorers = scripted_explorers()
    # the cache is the site's folder of states, as the Sphinx extension copies it
    views = [static_html(e, root / SITE_FOLDER).replace(ROOT_TOKEN, "") for e in explorers]
    scripts = [f"_explorers/renderers/{name}" for name in SCRIPTS] + ["_explorers/explorer.js"]
    (root / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="_explorers/explorer.css">'
        + "".join(f'<script src="{s}"></script>' for s in scripts)
        + "</head><body>"
        + "".join(views)
        + "</body></html>"
    )
    return root, explorers


@pytest.fixture(scope="module")
def site_browser(site):
    folder, explorers = site
    server = StaticServer(folder)
    browser = Browser(server.origin, allowed_folder=folder)
    try:
        yield browser.new_page(), server.origin + "/index.html", explorers
    finally:
        browser.close()
        server.close()


@pytest.fixture
def site_page(site_browser):
    """The page, freshly loaded (every explorer at its initial state), and the explorers."""
    tab, url, explorers = site_browser
    tab.goto(url, VIEWPORTS["desktop"])
    yield tab, explorers
    assert not tab.problems, tab.problems
    assert not tab.blocked, tab.blocked


def test_each_explorers_data_keeps_its_page_well_under_the_budget(site):
    """A chapter page may load 5 MB before any interaction; one explorer's data stays under 0.5 MB."""
    _, explorers = site
    for explorer in explorers:
        size = len(json.dumps(explorer.static_data()))
        assert size < 500_000, f"{type(explorer).__name__}: static_data is {size} bytes of JSON"


def root(k: int) -> str:
    """JavaScript for the k-th explorer's root element on the page."""
    return f"document.querySelectorAll('div.nn-explorer')[{k}]"


def shown_alt(page, k: int) -> str:
    """The alt text of the k-th explorer's figure on the page."""
    return page.evaluate(
        f"{root(k)}.querySelector('.nn-explorer-canvas').getAttribute('aria-label')"
    )


def sliders(page, k: int) -> dict[str, str]:
    """The k-th explorer's sliders: control name -> the id of its range input."""
    return page.evaluate(
        f"""(() => {{
          const manifest = JSON.parse({root(k)}.querySelector('script.nn-explorer-manifest').textContent);
          const boxes = [...{root(k)}.querySelectorAll('.nn-control')];
          return Object.fromEntries(manifest.controls.map((c, i) => [c.name, boxes[i]])
            .filter(([, box]) => box.classList.contains('nn-slider'))
            .map(([name, box]) => [name, box.querySelector('input').id]));
        }})()"""
    )


def expected_alt(explorer, values: dict) -> str:
    return explorer.describe(explorer.compute(**values))


def test_page_shows_each_explorers_initial_state(site_page):
    page, explorers = site_page
    for k, explorer in enumerate(explorers):
        assert shown_alt(page, k) == expected_alt(explorer, explorer.values)
        assert page.evaluate(f"{root(k)}.querySelector('svg') !== null")


def test_arrow_keys_move_the_sliders_and_the_figure_follows(site_page):
    """Each key press moves one slider; the figure is the live explorer's after the same move."""
    from nnlib.widgets.static import checked_grid

    page, _ = site_page
    for k, live in enumerate(scripted_explorers()):  # the live twins of the page's explorers
        grid = checked_grid(live)
        ids = sliders(page, k)
        assert ids, type(live).__name__
        for name, slider in list(ids.items())[:4]:
            key = "ArrowLeft" if live.values[name] == grid[name][-1] else "ArrowRight"
            page.press(key, f"#{slider}")
            position = int(page.evaluate(f"document.getElementById('{slider}').value"))
            before = live.values[name]
            live.update(**{name: grid[name][position]})  # couplings (preset -> custom) included
            what = f"{type(live).__name__} after {key} on {name}"
            assert live.values[name] != before, what
            assert shown_alt(page, k) == expected_alt(live, live.values), what


def choose(page, k: int, label: str, option: str) -> None:
    """Pick ``option`` in the k-th explorer's dropdown ``label``, as a reader would."""
    page.evaluate(
        f"""(() => {{
          const box = [...{root(k)}.querySelectorAll('.nn-dropdown')]
            .find(d => d.querySelector('label').textContent === {json.dumps(label)});
          const select = box.querySelector('select');
          select.value = [...select.options].find(o => o.textContent === {json.dumps(option)}).value;
          select.dispatchEvent(new Event('change'));
        }})()"""
    )


def test_a_kernel_preset_writes_its_weights_and_a_weight_selects_custom(site_page):
    page, explorers = site_page
    k = next(i for i, e in enumerate(explorers) if e.static_renderer == "kernel")
    kernel = scripted_explorers()[k]  # the live twin
    choose(page, k, "kernel", "sharpen")
    readouts = page.evaluate(
        f"Object.fromEntries([...{root(k)}.querySelectorAll('.nn-slider')].map(s =>"
        " [s.querySelector('label').textContent, s.querySelector('output').textContent]))"
    )
    weights = [readouts[f"k{i}{j}"] for i in range(3) for j in range(3)]
    assert weights == [f"{v:.2f}" for v in [0, -1, 0, -1, 5, -1, 0, -1, 0]]
    kernel.update(preset="sharpen")  # the live explorer writes the same weights
    assert shown_alt(page, k) == expected_alt(kernel, kernel.values)
    page.press("ArrowRight", f"#{sliders(page, k)['k00']}")
    selected = page.evaluate(
        f"(s => s.options[s.selectedIndex].textContent)({root(k)}.querySelector('select'))"
    )
    assert selected == "custom"


def test_a_race_surface_resets_both_learning_rates(site_page):
    from nnlib.widgets.optimizers import SURFACES

    page, explorers = site_page
    k = next(i for i, e in enumerate(explorers) if e.static_renderer == "optimizer_race")
    race = scripted_explorers()[k]  # the live twin
    choose(page, k, "surface", "ravine")
    race.update(surface="ravine")  # live: the rates jump to the surface's defaults
    assert (race.values["lr"], race.values["lr_adaptive"]) == (
        SURFACES["ravine"].lr,
        SURFACES["ravine"].lr_adaptive,
    )
    assert shown_alt(page, k) == expected_alt(race, race.values)


def test_the_page_works_from_disk(site):
    root, explorers = site
    server = StaticServer(root)  # only to satisfy the driver: the page comes from file://
    browser = Browser(server.origin, allowed_folder=root)
    try:
        tab = browser.new_page()
        tab.goto((root / "index.html").resolve().as_uri(), VIEWPORTS["desktop"])
        for k, explorer in enumerate(explorers):
            assert shown_alt(tab, k) == expected_alt(explorer, explorer.values)
        assert not tab.problems and not tab.blocked, (tab.problems, tab.blocked)
    finally:
        browser.close()
        server.close()
