"""Light book pages (issue 13: a chapter loads <= 5 MB before any interaction).

nnlib/grading/authoring/sphinx_assets.py stores the built figures as palette PNGs and removes the
theme's 1.5 MB icon script. The first tests check those two steps on their own (no build needed);
the rest check the build that `make book-full` made: every figure a chapter drew is on the site as
a palette that keeps what the reader sees, the pages show it and their icons, and no chapter
loads more than 5 MB before the reader touches it.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
import test_book
from matplotlib.figure import Figure
from PIL import Image

from nnlib.grading.authoring import sphinx_assets
from nnlib.grading.authoring.sphinx_assets import drop_icon_script, palette_png

from browser import VIEWPORTS, Browser

# The built book, and a headless Chromium tab on its static server: tests/test_book.py's fixtures.
built, tab = test_book.built, test_book.tab
BUILD, HTML_DIR = test_book.BUILD, test_book.HTML_DIR

BUDGET_MB = 5.0  # issue 13: bytes a chapter page loads before any interaction
CHAPTERS = sorted(HTML_DIR.glob("book/[0-9][0-9]_*.html"))


def fidelity(original: Image.Image, palette: Image.Image) -> dict:
    """How far the palette image is from the original, pixel by pixel (RGB, 0..255).

    ``mean``: the mean absolute difference per channel; ``changed``: the fraction of pixels whose
    colour moved at all; ``moved_colours``: the colours that cover >= 0.1 % of the original (its
    background, text, lines, flat areas) and that lost their exact value on any pixel.
    """
    before = np.asarray(original.convert("RGB")).reshape(-1, 3)
    after = np.asarray(palette.convert("RGB")).reshape(-1, 3)
    assert before.shape == after.shape, (before.shape, after.shape)
    difference = np.abs(before.astype(int) - after.astype(int))
    changed = difference.max(axis=1) > 0
    wide = before.astype(np.int32)
    packed = (wide[:, 0] << 16) | (wide[:, 1] << 8) | wide[:, 2]  # one int per colour: fast unique
    colours, which, counts = np.unique(packed, return_inverse=True, return_counts=True)
    common = counts >= 0.001 * len(before)
    moved = np.bincount(which, weights=changed, minlength=len(colours)) > 0
    return {
        "mean": float(difference.mean()),
        "changed": float(changed.mean()),
        "moved_colours": [f"#{c:06x}" for c in colours[common & moved]],
    }


def figure_png(tmp_path: Path) -> Path:
    """A figure like the chapters': curves, a filled contour, text, at twice the displayed size."""
    rng = np.random.default_rng(0)
    x = np.linspace(-3, 3, 200)
    fig = Figure(figsize=(8, 3.6), dpi=200)
    left, right = fig.subplots(1, 2)
    left.plot(x, np.tanh(x), label="tanh", linewidth=1)
    left.plot(x, np.maximum(0, x), label="ReLU", linewidth=0.6)
    left.scatter(rng.normal(size=40), rng.normal(size=40), s=6, color="tab:red")
    left.set_title("activations, $\\sigma(z)$")
    left.legend()
    grid = np.add.outer(np.sin(x), np.cos(x))
    right.contourf(x, x, grid, levels=20, cmap="viridis")
    right.set_xlabel("w1")
    path = tmp_path / "figure.png"
    fig.savefig(path, facecolor="white")
    return path


# -- the steps on their own -----------------------------------------------------------------------


def test_palette_keeps_a_figure_and_shrinks_it(tmp_path):
    path = figure_png(tmp_path)
    original = Image.open(path).convert("RGB")
    before = path.stat().st_size
    assert palette_png(path) is True
    palette = Image.open(path)
    assert palette.mode == "P" and palette.size == original.size
    assert path.stat().st_size < 0.6 * before, (before, path.stat().st_size)
    measured = fidelity(original, palette)
    assert measured["mean"] < 1.0 and measured["changed"] < 0.15, measured
    assert not measured["moved_colours"], measured


def test_palette_is_idempotent(tmp_path):
    path = figure_png(tmp_path)
    assert palette_png(path) is True
    once = path.read_bytes()
    assert palette_png(path) is False  # already a palette: an incremental build skips it
    assert path.read_bytes() == once


def test_palette_leaves_transparent_and_non_png_images_alone(tmp_path):
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., 0] = np.arange(60) * 4
    rgba[..., 3] = 255
    rgba[:10, :10, 3] = 0  # one transparent corner: a palette would lose it
    transparent = tmp_path / "transparent.png"
    Image.fromarray(rgba).save(transparent)
    photo = tmp_path / "photo.jpg"
    Image.fromarray(rgba[..., :3]).save(photo)
    for path in (transparent, photo):
        saved = path.read_bytes()
        assert palette_png(path) is False
        assert path.read_bytes() == saved
    assert not list(tmp_path.glob("*.palette"))


def test_palette_rejects_a_bad_palette_size(tmp_path):
    with pytest.raises(
        ValueError, match=r"palette_png: colours must be an int in 2\.\.256, got 300"
    ):
        palette_png(figure_png(tmp_path), colours=300)


PAGE = """<html><head>
  <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>
  <script src="../_static/searchtools.js"></script>
</head><body><i class="fa-solid fa-bars"></i></body></html>
"""


def test_icon_script_is_dropped_from_pages_and_site(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_static" / "scripts").mkdir(parents=True)
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (tmp_path / "_static" / "scripts" / name).write_text("//")
    (tmp_path / "book" / "page.html").write_text(PAGE)
    (tmp_path / "index.html").write_text(PAGE.replace("../", ""))
    assert drop_icon_script(tmp_path) == 2
    for page in (tmp_path / "book" / "page.html", tmp_path / "index.html"):
        text = page.read_text()
        assert "fontawesome.js" not in text
        assert "searchtools.js" in text and 'class="fa-solid fa-bars"' in text
    assert not list((tmp_path / "_static" / "scripts").iterdir())
    assert drop_icon_script(tmp_path) == 0  # idempotent: an incremental build finds nothing left


def test_site_is_lightened_after_the_other_build_finished_handlers():
    """The phone versions of figures are written by earlier handlers: this one must run later."""
    connected = []

    class App:
        def connect(self, event, handler, priority=500):
            connected.append((event, handler, priority))

    sphinx_assets.setup(App())
    assert connected == [("build-finished", sphinx_assets.lighten_site, 800)]


# -- the built book ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_chapter_figure_is_a_faithful_palette(built):
    """Each figure the chapters drew (the executed notebooks' PNGs, in _build/jupyter_execute/,
    named by content) is on the site as a palette with the same size and the same colours."""
    originals = sorted((BUILD / "jupyter_execute").glob("*.png"))
    assert originals, f"no executed figures in {BUILD / 'jupyter_execute'}"
    problems = []
    for original in originals:
        shown = HTML_DIR / "_images" / original.name
        if not shown.exists():
            continue  # a figure of an older build, no longer on any page
        with Image.open(original) as source, Image.open(shown) as site:
            if site.mode != "P":
                problems.append(f"{shown.name}: {site.mode}, not a palette")
                continue
            measured = fidelity(source, site)
        if measured["mean"] >= 1.0 or measured["changed"] >= 0.15 or measured["moved_colours"]:
            problems.append(f"{shown.name}: {measured}")
    assert not problems, "\n".join(problems)
    on_site = {p.name for p in (HTML_DIR / "_images").glob("*.png")}
    assert on_site & {p.name for p in originals}, "no chapter figure reached _images/"


# The pixels of a page's figures as the browser decoded them (a canvas refuses them from file://).
FIGURES_JS = r"""(async () => {
  const figures = [];
  for (const img of document.querySelectorAll('img[src*="_images/"]')) {
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const bytes = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    const sha = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
    figures.push({src: img.getAttribute('src'), sha});
  }
  return figures;
})()"""

# The icons on screen at the top of the page (the header's buttons): each glyph's font, character
# and box; whether the solid icon font has loaded; and any request for the dropped script.
ICONS_JS = r"""(async () => {
  await document.fonts.ready;
  scrollTo(0, 0);
  const icons = [...document.querySelectorAll('i[class*="fa-"]')]
    .filter(i => i.getClientRects().length && getComputedStyle(i).visibility !== 'hidden')
    .filter(i => { const b = i.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; })
    .map(i => {
      const before = getComputedStyle(i, '::before'), box = i.getBoundingClientRect();
      return {cls: i.className, font: before.fontFamily, content: before.content,
              size: parseFloat(before.fontSize), width: box.width,
              x: scrollX + box.x + box.width / 2, y: scrollY + box.y + box.height / 2};
    });
  return {icons,
          scripts: performance.getEntriesByType('resource').map(e => e.name)
                     .filter(n => /fontawesome\.js/.test(n)),
          fontLoaded: document.fonts.check('900 16px "Font Awesome 6 Free"')};
})()"""


def figure_heaviest_chapter() -> Path:
    return max(CHAPTERS, key=lambda p: len(re.findall(r'src="[^"]*_images/', p.read_text())))


def assert_icons_drawn(page, where: str) -> None:
    """The page's icons come from the theme's icon font, and each glyph has ink on screen."""
    report = page.evaluate(ICONS_JS)
    assert not report["scripts"], f"{where} loaded {report['scripts']}"
    assert report["fontLoaded"], f"{where}: the icon font (Font Awesome 6 Free, solid) did not load"
    assert len(report["icons"]) >= 3, report["icons"]
    for icon in report["icons"]:
        assert "Font Awesome" in icon["font"] and icon["content"] not in ("none", "normal"), icon
        assert icon["width"] >= 0.5 * icon["size"], icon  # the glyph has its width
    # A square of the icon's font size around its centre holds dark pixels (an icon's line box
    # can be much lower than its glyph: .fa-lg sets line-height 0.05em).
    for icon in report["icons"][:4]:
        half = 0.7 * icon["size"]
        clip = {"x": icon["x"] - half, "y": icon["y"] - half, "width": 2 * half, "height": 2 * half}
        shot = page.send("Page.captureScreenshot", {"format": "png", "clip": {**clip, "scale": 2}})
        grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("L"))
        assert (grey < 160).mean() > 0.03, f"{where}, {icon['cls']}: no glyph drawn in {clip}"
    assert not page.blocked, f"{where} asked the network for {page.blocked}"
    assert not test_book.unexpected(page.problems), f"{where}: {page.problems}"


@pytest.mark.slow
@pytest.mark.browser
def test_pages_show_their_palette_figures_and_icons_without_the_script(tab):
    server, page = tab
    chapter = figure_heaviest_chapter()
    page.goto(f"{server.origin}/book/{chapter.name}", VIEWPORTS["desktop"])
    figures = page.evaluate(FIGURES_JS)
    assert len(figures) >= 3, figures
    for figure in figures:
        png = (chapter.parent / figure["src"]).resolve()
        assert figure["sha"] == test_book.pixels_sha256(png), (
            f"{chapter.name} shows {png.name} differently"
        )
    assert not (HTML_DIR / sphinx_assets.ICON_SCRIPT).exists()
    assert_icons_drawn(page, chapter.name)


@pytest.mark.slow
@pytest.mark.browser
def test_icons_are_drawn_from_disk(built):
    """The book opened as files (file://): the icon font loads from the theme's folder too."""
    chapter = figure_heaviest_chapter()
    browser = Browser("http://127.0.0.1:9", allowed_folder=HTML_DIR)  # no server at all
    try:
        page = browser.new_page()
        page.goto(chapter.resolve().as_uri(), VIEWPORTS["desktop"])
        assert_icons_drawn(page, f"{chapter.name} (file://)")
    finally:
        browser.close()


@pytest.mark.slow
@pytest.mark.browser
def test_every_chapter_loads_within_the_budget_before_interaction(tab):
    """Bytes, not time: what a reader's browser downloads (cache off) until the network is quiet."""
    server, page = tab
    assert CHAPTERS, f"no chapter pages in {HTML_DIR / 'book'}"
    page.send("Network.setCacheDisabled", {"cacheDisabled": True})
    heavy = {}
    try:
        for chapter in CHAPTERS:
            page.goto(f"{server.origin}/book/{chapter.name}", VIEWPORTS["desktop"])
            page.evaluate("document.fonts.ready.then(() => true)")
            page.wait_network_quiet()
            if page.bytes_loaded > BUDGET_MB * 1e6:
                heavy[chapter.stem] = round(page.bytes_loaded / 1e6, 2)
    finally:
        page.send("Network.setCacheDisabled", {"cacheDisabled": False})
    assert not heavy, f"chapters over {BUDGET_MB} MB before interaction (MB): {heavy}"
