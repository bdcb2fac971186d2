"""The built book on every screen: a 390 px phone at device pixel ratio 2, a desktop, dark mode.

Like tests/test_book.py, these tests read the build that `make book-full` made and never build it
themselves. Each page is loaded once per viewport in headless Chromium (tests/browser.py); a small
script measures what a reader sees, and the tests below check one property each:

- display math fits its column: no equation needs sideways scrolling, on a phone or a desktop;
- the page itself does not scroll sideways;
- every figure has alt text that describes it (not a file name);
- every figure has at least twice the pixels of its displayed width (sharp at DPR 2);
- in the theme's dark mode every figure sits on an opaque light background;
- the code that draws a figure is folded behind a toggle (the `hide-input` cell tag), so a page
  reads as prose, math and figures.

Two fast tests (no build, no browser) check the figure style the book's kernels use
(book/_mpl/nn-book.mplstyle, applied by the Makefile's kernel profile).

"Figures" are the images a chapter's code cells drew (myst-nb writes them to _images/). The
explorers' widget snapshots are left out: their markup belongs to the explorers (nnlib/widgets).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import matplotlib.style
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image
from test_book import PAGES, built, page_ids, tab  # noqa: F401 (built, tab: fixtures)

from nnlib.viz import phone_store
from nnlib.viz.phone import (
    MIN_TEXT_PX,
    PHONE_COLUMN_PX,
    CannotRelayout,
    phone_edition,
    png_width,
    smallest_text_pt,
    text_css_px,
)

from browser import VIEWPORTS, BrowserError

ROOT = Path(__file__).resolve().parents[1]
BOOK_STYLE = ROOT / "book" / "_mpl" / "nn-book.mplstyle"


def in_browser(test):
    """The tests that read the built book in Chromium (`make test-fast` leaves them out)."""
    return pytest.mark.slow(pytest.mark.browser(test))


# One script measures everything the tests need, so each page loads once per viewport.
SCREEN_REPORT_JS = r"""(async () => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const mathItems = (el) => (window.MathJax && MathJax.startup && MathJax.startup.document)
      ? MathJax.startup.document.getMathItemsWithin(el) : [];
  const wideMath = [...article.querySelectorAll('mjx-container[display="true"]')]
    .map(m => ({m, box: m.closest('div.math') || m.parentElement}))
    .filter(({m, box}) => m.scrollWidth > box.clientWidth + 1)
    .map(({m, box}) => {
      const item = mathItems(box)[0];
      return {width: m.scrollWidth, column: box.clientWidth,
              tex: item ? item.math.trim().slice(0, 90) : m.textContent.slice(0, 90)};
    });
  // The figures a code cell drew (not the explorers' widget snapshots).
  const figures = [...article.querySelectorAll('div.cell_output img')]
    .filter(img => img.getAttribute('src').includes('_images/') && !img.closest('.widget-subarea'));
  const describe = (img) => {
    const cell = img.closest('div.cell');
    const input = cell && cell.querySelector('div.cell_input');
    const box = img.getBoundingClientRect();
    const style = getComputedStyle(img);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    return {
      src: img.getAttribute('src').split('/').pop().slice(0, 16),
      file: img.getAttribute('src').split('/').pop(),
      // the image the browser chose: a phone edition (<picture>) on a narrow screen
      current: img.currentSrc.split('/').pop(),
      picture: !!img.closest('picture.nn-phone-figure'),
      alt: img.getAttribute('alt') || '',
      natural: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      shown: box.width - padding,
      shownHeight: box.height - padding,
      // An input is folded when the reader does not see it until they open the toggle.
      inputVisible: !!(input && input.getClientRects().length && !input.closest('details:not([open])')),
      toggle: !!(cell && cell.querySelector('details summary')),
    };
  };
  return {
    mathCount: article.querySelectorAll('mjx-container[display="true"]').length,
    wideMath,
    pageWidth: document.documentElement.scrollWidth,
    figures: figures.map(describe),
  };
})()"""

# In dark mode: the figure's box behind it (computed style) and the PNG's own alpha channel,
# sampled by drawing it on a small canvas (same origin, so the canvas can be read).
DARK_REPORT_JS = r"""(async () => {
  document.documentElement.dataset.theme = 'dark';
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const figures = [...article.querySelectorAll('div.cell_output img')]
    .filter(img => img.getAttribute('src').includes('_images/') && !img.closest('.widget-subarea'));
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  return figures.map(img => {
    ctx.clearRect(0, 0, 32, 32);
    ctx.drawImage(img, 0, 0, 32, 32);
    const alpha = ctx.getImageData(0, 0, 32, 32).data.filter((_, i) => i % 4 === 3);
    return {
      src: img.getAttribute('src').split('/').pop().slice(0, 16),
      background: getComputedStyle(img).backgroundColor,
      pageBackground: getComputedStyle(document.body).backgroundColor,
      minAlpha: Math.min(...alpha),
    };
  });
})()"""

DESCRIPTIVE_ALT_WORDS = 6  # "A figure." is no description; every alt in the book has 15 or more


@pytest.fixture(scope="module")
def screens(request):
    """``screens(page, viewport, dark=False)``: the page's report, loaded and measured once.

    Dark mode is measured on the phone, after the light report of the same load."""
    server, tabpage = request.getfixturevalue("tab")  # test_book's browser tab on the built book
    reports = {}

    def load(page, viewport):
        tabpage.goto(f"{server.origin}/{page.docname}.html", VIEWPORTS[viewport])
        tabpage.poll("document.readyState === 'complete'", 30, "the page to load")
        if tabpage.evaluate("!!document.querySelector('.math')"):
            tabpage.poll(
                "!!(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                30,
                "MathJax to load",
            )
            tabpage.evaluate("MathJax.startup.promise.then(() => true)")
        tabpage.evaluate("document.fonts.ready.then(() => true)")
        tabpage.evaluate(
            "Promise.all([...document.images].map(i => i.complete ? 0 :"
            " new Promise(r => { i.onload = i.onerror = r; })))"
        )

    def report(page, viewport, dark=False):
        key = (page.docname, viewport)
        if key not in reports:
            try:
                load(page, viewport)
                reports[key] = {False: tabpage.evaluate(SCREEN_REPORT_JS)}
                if viewport == "phone":  # dark mode last: it changes the page
                    reports[key][True] = tabpage.evaluate(DARK_REPORT_JS)
            except BrowserError as err:
                pytest.fail(f"{page.docname} ({viewport}): {err}")
        return reports[key][dark]

    return report


VIEWPORT_NAMES = sorted(VIEWPORTS)  # desktop (1280 px, DPR 1) and phone (390 px, DPR 2)


@in_browser
@pytest.mark.parametrize("viewport", VIEWPORT_NAMES)
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_display_math_fits_without_sideways_scrolling(screens, page, viewport):
    wide = screens(page, viewport)["wideMath"]
    assert not wide, (
        f"{page.docname} ({viewport}): {len(wide)} display equation(s) wider than their column; "
        "break them with aligned/multline or restate them:\n"
        + "\n".join(f"  {w['width']} px in {w['column']} px: {w['tex']}" for w in wide)
    )


@in_browser
@pytest.mark.parametrize("viewport", VIEWPORT_NAMES)
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_page_does_not_scroll_sideways(screens, page, viewport):
    width = screens(page, viewport)["pageWidth"]
    assert width <= VIEWPORTS[viewport]["width"] + 1, (
        f"{page.docname} ({viewport}) is {width} px wide in a {VIEWPORTS[viewport]['width']} px viewport"
    )


@in_browser
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_every_figure_has_alt_text_that_describes_it(screens, page):
    figures = screens(page, "desktop")["figures"]
    bad = [
        f"{f['src']}: alt={f['alt'][:60]!r}"
        for f in figures
        if len(f["alt"].split()) < DESCRIPTIVE_ALT_WORDS
        or "_images/" in f["alt"]
        or f["alt"].endswith(".png")
    ]
    assert not bad, (
        f"{page.docname}: figures without a description (set the cell's metadata "
        '"mystnb": {"image": {"alt": "..."}}):\n  ' + "\n  ".join(bad)
    )


@in_browser
@pytest.mark.parametrize("viewport", VIEWPORT_NAMES)
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_figures_have_twice_the_pixels_they_are_shown_at(screens, page, viewport):
    figures = screens(page, viewport)["figures"]
    blurry = [f for f in figures if f["natural"] < 2 * f["shown"] - 1]
    assert not blurry, f"{page.docname} ({viewport}): figures not sharp at DPR 2: " + ", ".join(
        f"{f['src']} {f['natural']} px shown at {f['shown']:.0f} px" for f in blurry
    )


def _rgba(css: str) -> tuple[float, float, float, float]:
    """'rgb(r, g, b)' or 'rgba(r, g, b, a)' -> (r, g, b, a) with r, g, b in 0..255."""
    numbers = [float(n) for n in css[css.index("(") + 1 : css.index(")")].split(",")]
    return (*numbers[:3], numbers[3] if len(numbers) == 4 else 1.0)


def _luminance(rgba) -> float:
    r, g, b, _ = rgba
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@in_browser
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_figures_are_opaque_and_light_in_dark_mode(screens, page):
    figures = screens(page, "phone", dark=True)
    problems = []
    for f in figures:
        box = _rgba(f["background"])
        if f["minAlpha"] < 255:
            problems.append(f"{f['src']}: the PNG is transparent (alpha down to {f['minAlpha']})")
        if box[3] < 1 or _luminance(box) < 0.85:
            problems.append(f"{f['src']}: background {f['background']} is not an opaque light box")
    if figures:  # the check means something only if the page itself went dark
        page_background = _rgba(figures[0]["pageBackground"])
        assert _luminance(page_background) < 0.3, f"dark mode did not apply: {page_background}"
    assert not problems, f"{page.docname} in dark mode:\n  " + "\n  ".join(problems)


@in_browser
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_plotting_code_is_folded_behind_a_toggle(screens, page):
    figures = screens(page, "desktop")["figures"]
    shown = [f["src"] for f in figures if f["inputVisible"] or not f["toggle"]]
    assert not shown, (
        f"{page.docname}: the code drawing figures {shown} is shown; tag the plotting cell "
        "`hide-input` (split off the lines that teach nnlib first, so they stay visible)"
    )


# -- the figure style, without a build ---------------------------------------------------------


def test_the_kernel_profile_applies_the_book_style():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^\$\(KERNEL_PROFILE\):(.*?)\n\n", makefile, re.M | re.S)
    assert rule and "$(BOOK_MPLSTYLE)" in rule.group(1), (
        "the profile is rebuilt when the style changes"
    )
    assert "style.use" in rule.group(1) and "jupyter_cache" in rule.group(1), rule.group(1)
    assert re.search(r"^BOOK_MPLSTYLE := book/_mpl/nn-book.mplstyle$", makefile, re.M)


def test_the_book_style_draws_opaque_figures_with_larger_text():
    """Opaque white pixels everywhere (dark mode) and text 1.25x matplotlib's 10 pt (phones)."""
    with matplotlib.style.context(BOOK_STYLE):
        fig = Figure(figsize=(4, 3))
        ax = fig.subplots()
        ax.plot([0, 1], [1, 0], label="a line")
        ax.set_title("title")
        ax.legend()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    pixels = np.asarray(Image.open(buffer).convert("RGBA"))
    assert pixels[..., 3].min() == 255, "transparent pixels: dark text on a dark page"
    assert (pixels[0, 0, :3] == 255).all(), f"the background is {pixels[0, 0]}, not white"
    sizes = {
        "tick": ax.get_xticklabels()[0].get_fontsize(),
        "title": ax.title.get_fontsize(),
        "legend": ax.get_legend().get_texts()[0].get_fontsize(),
    }
    assert min(sizes.values()) >= 12.5, sizes


# -- figure text on a phone (nnlib/viz/phone.py, nnlib/grading/authoring/sphinx_phone.py) ------

PHONE_STORE = ROOT / "_build" / "phone"  # the Makefile's NNLIB_PHONE_FIGURES


def _store_record(image_name: str) -> dict:
    """The kernels' record of the figure ``<sha256>[-phone].png`` (nnlib/viz/phone_store.py)."""
    sha = image_name.removesuffix(".png").removesuffix("-phone")
    path = PHONE_STORE / f"{sha}.json"
    assert path.is_file(), (
        f"{image_name}: no record in {PHONE_STORE}; build the book with the Makefile's BOOK_ENV "
        "(NNLIB_PHONE_FIGURES) and an empty execution cache (`make book-full`)"
    )
    return json.loads(path.read_text(encoding="utf-8"))


CHAPTER_PAGES = [p for p in PAGES if p.docname.startswith("book/")]


@in_browser
@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=page_ids(CHAPTER_PAGES))
def test_figure_text_reads_at_9_px_or_more_on_a_phone(screens, page):
    """The smallest text of every figure, as the phone shows it: the image the browser chose
    (its phone edition or the desktop figure), scaled to its displayed width."""
    small = []
    for figure in screens(page, "phone")["figures"]:
        record = _store_record(figure["current"])
        assert "error" not in record, f"{figure['file']}: the kernel could not measure it: {record}"
        drawn = record["phone"] if figure["current"].endswith("-phone.png") else record
        assert drawn["width_px"] == figure["natural"], (figure, drawn)
        if drawn.get("text_px") is None:  # a figure without text
            continue
        css_px = drawn["text_px"] * figure["shown"] / figure["natural"]
        if css_px < MIN_TEXT_PX:
            small.append(f"{figure['current'][:16]}: {css_px:.1f} px ({record.get('reason')})")
    assert not small, f"{page.docname}: figure text below {MIN_TEXT_PX} CSS px on a phone:\n  " + (
        "\n  ".join(small)
    )


@in_browser
@pytest.mark.parametrize("viewport", VIEWPORT_NAMES)
@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=page_ids(CHAPTER_PAGES))
def test_a_phone_gets_the_phone_edition_and_a_desktop_the_figure(screens, page, viewport):
    """Exactly the figures with a phone edition in the store are wrapped; the browser picks the
    edition on a phone (undistorted: its displayed shape is the image's) and never on a desktop."""
    problems = []
    for figure in screens(page, viewport)["figures"]:
        record = _store_record(figure["file"])
        has_edition = record["phone"] is not None
        if figure["picture"] != has_edition:
            problems.append(
                f"{figure['src']}: phone edition {has_edition}, <picture> {figure['picture']}"
            )
        wants = viewport == "phone" and has_edition
        if figure["current"].endswith("-phone.png") != wants:
            problems.append(f"{figure['src']}: {viewport} shows {figure['current'][:22]}...")
        shape = figure["naturalHeight"] / figure["natural"]
        if (
            abs(figure["shownHeight"] / figure["shown"] - shape)
            > 0.02 * shape + 2 / figure["shown"]
        ):
            problems.append(
                f"{figure['src']}: distorted ({figure['shown']:.0f} x {figure['shownHeight']:.0f})"
            )
    assert not problems, f"{page.docname} ({viewport}):\n  " + "\n  ".join(problems)


# -- the phone edition of a figure, without a build --------------------------------------------


def _book_figure(rows=1, cols=2, figsize=(8, 3.3), **subplots):
    with matplotlib.style.context(BOOK_STYLE):
        fig = Figure(figsize=figsize)
        axes = np.atleast_1d(fig.subplots(rows, cols, **subplots)).ravel()
        for i, ax in enumerate(axes):
            ax.plot([0, 1, 2], [i, i + 1, i - 1], label=f"line {i}")
            ax.set_title(f"panel {i}")
            ax.set_xlabel("x")
        fig.tight_layout()
    return fig, list(axes)


def _plot_boxes(fig):
    """The plotting areas (inches): the axes that are not colorbars, in drawing order."""
    width, height = fig.get_size_inches()
    return [
        (b.x0 * width, b.y0 * height, b.width * width, b.height * height)
        for b in (ax.get_position() for ax in fig.axes if not hasattr(ax, "_colorbar"))
    ]


def _assert_stacked_with_their_shapes(fig, edition, columns=1):
    before, after = _plot_boxes(fig), _plot_boxes(edition.figure)
    assert len(before) == len(after)
    for (_, _, w0, h0), (_, _, w1, h1) in zip(before, after):
        assert h1 / w1 == pytest.approx(h0 / w0, rel=0.08), "a panel changed its shape"
    lefts = sorted({round(x, 2) for x, *_ in after})
    assert len(lefts) == columns, f"panels at {lefts}: not {columns} column(s)"
    tops = [y + h for _, y, _, h in after]
    assert tops == sorted(tops, reverse=True) or columns > 1, "panels out of reading order"
    assert edition.text_css_px() >= MIN_TEXT_PX


@pytest.mark.parametrize("grid", [(1, 2), (1, 3), (2, 2)], ids=["1x2", "1x3", "2x2"])
def test_a_phone_edition_stacks_the_panels_into_one_column(grid):
    fig, axes = _book_figure(*grid)
    desktop_size, desktop_boxes = fig.get_size_inches().copy(), _plot_boxes(fig)
    edition = phone_edition(fig)
    assert edition.layout == "1 column"
    _assert_stacked_with_their_shapes(fig, edition)
    titles = [
        ax.get_title() for ax in sorted(edition.figure.axes, key=lambda a: -a.get_position().y1)
    ]
    assert titles == [f"panel {i}" for i in range(grid[0] * grid[1])]
    # the edition is drawn from a copy: the notebook's figure is untouched
    assert (fig.get_size_inches() == desktop_size).all() and _plot_boxes(fig) == desktop_boxes
    # 12.5 pt text in an 8-inch figure reads at 7.8 px on a phone; the edition at 9 or more
    assert text_css_px(12.5, 8) < MIN_TEXT_PX <= edition.text_css_px()


def test_a_phone_edition_is_sized_by_the_smallest_text_including_the_legend():
    fig, axes = _book_figure()
    axes[1].legend(fontsize=9)
    edition = phone_edition(fig)
    assert edition.smallest_pt == 9
    assert edition.text_css_px() >= MIN_TEXT_PX
    width_in = edition.width_px / (edition.text_px / 9 * 72)
    assert width_in < 9 / 72 * PHONE_COLUMN_PX / MIN_TEXT_PX  # narrower than for 12.5 pt text
    legend = edition.figure.axes[1].get_legend().get_window_extent()
    assert edition.figure.axes[1].get_window_extent().contains(*legend.p0), (
        "the legend left its panel"
    )


def test_a_colorbar_stays_beside_its_panel():
    fig, axes = _book_figure()
    with matplotlib.style.context(BOOK_STYLE):
        image = axes[0].imshow(np.arange(12.0).reshape(3, 4))
        fig.colorbar(image, ax=axes[0], label="value")
        fig.tight_layout()
    edition = phone_edition(fig)
    _assert_stacked_with_their_shapes(fig, edition)
    plot, colorbar = edition.figure.axes[0].get_position(), edition.figure.axes[2].get_position()
    assert colorbar.x0 > plot.x1, "the colorbar is not to the right of its panel"
    assert colorbar.y0 < plot.y1 and colorbar.y1 > plot.y0, "the colorbar left its panel's row"


def test_a_suptitle_stays_above_the_stacked_panels():
    fig, axes = _book_figure(1, 3, figsize=(8, 3))
    fig.suptitle("Three panels side by side, under a title longer than a phone is wide")
    fig.tight_layout()
    edition = phone_edition(fig)
    renderer = edition.figure.canvas.get_renderer()
    title = edition.figure._suptitle.get_window_extent(renderer)
    top_panel = max(ax.get_tightbbox(renderer).y1 for ax in edition.figure.axes)
    assert title.y0 >= top_panel - 1, "the suptitle overlaps the first panel"
    assert title.y1 <= edition.figure.bbox.y1 + 1
    # broken into lines: it neither leaves the figure nor widens the image (smaller text)
    assert 0 <= title.x0 and title.x1 <= edition.figure.bbox.x1
    assert edition.text_css_px() >= MIN_TEXT_PX


def test_small_images_go_two_to_a_row():
    with matplotlib.style.context(BOOK_STYLE):
        fig = Figure(figsize=(8, 2))
        axes = fig.subplots(1, 6)
        for i, ax in enumerate(axes):
            ax.imshow(np.eye(8) * i)
            ax.set_title(f"digit {i}", fontsize=10)
            ax.axis("off")
    edition = phone_edition(fig)
    assert edition.layout == "2 columns"
    _assert_stacked_with_their_shapes(fig, edition, columns=2)


def test_a_single_wide_panel_is_drawn_narrower_with_its_shape():
    fig, _ = _book_figure(1, 1, figsize=(8, 3.4))
    edition = phone_edition(fig)
    assert edition.layout == "narrower"
    assert edition.figure.get_size_inches()[0] < 8
    _assert_stacked_with_their_shapes(fig, edition)


@pytest.mark.parametrize("placement", ["fig.text", "fig.legend", "add_axes"])
def test_a_figure_placed_for_the_desktop_gets_no_phone_edition(placement):
    fig, axes = _book_figure()
    if placement == "fig.text":
        fig.text(0.5, 0.02, "a note under both panels")
    elif placement == "fig.legend":
        fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center")
    else:
        fig.add_axes((0.7, 0.6, 0.2, 0.2))
    with pytest.raises(CannotRelayout):
        phone_edition(fig)


def test_only_drawn_text_counts_as_the_smallest():
    fig, axes = _book_figure()
    axes[0].text(0.5, 0.5, "hidden", fontsize=4, visible=False)
    axes[0].text(0.5, 0.5, "   ", fontsize=5)
    assert smallest_text_pt(fig) == 12.5
    axes[0].annotate("note", (1, 1), fontsize=7)
    assert smallest_text_pt(fig) == 7


def test_the_kernels_store_a_phone_edition_named_by_the_desktop_png(tmp_path):
    """install() wraps the PNG formatter IPython chose ("retina"): the notebook gets the same bytes,
    and the store gets a record (and, for a wide figure, an edition) named by their SHA-256."""
    from functools import partial

    from IPython.core.formatters import DisplayFormatter
    from IPython.core.pylabtools import retina_figure

    class Shell:  # what install() uses of IPython's shell
        display_formatter = DisplayFormatter()

    shell = Shell()
    shell.display_formatter.formatters["image/png"].for_type(
        Figure, partial(retina_figure, base64=True)
    )
    wide, _ = _book_figure()
    narrow, _ = _book_figure(1, 1, figsize=(4, 3))
    expected = [base64.b64decode(retina_figure(f, base64=True)[0]) for f in (wide, narrow)]

    with pytest.MonkeyPatch.context() as env:
        env.delenv(phone_store.ENV_VAR, raising=False)
        phone_store.install(shell)  # not a book build: nothing changes
    with pytest.raises(KeyError):
        shell.display_formatter.mimebundle_formatter.lookup_by_type(Figure)

    with pytest.MonkeyPatch.context() as env:
        env.setenv(phone_store.ENV_VAR, str(tmp_path))
        phone_store.install(shell)
    for fig, png in zip((wide, narrow), expected):
        data, metadata = shell.display_formatter.format(fig)
        assert base64.b64decode(data["image/png"]) == png, "the notebook's image changed"
        assert metadata["image/png"]["width"] == png_width(png) // 2
    wide_sha, narrow_sha = (hashlib.sha256(png).hexdigest() for png in expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{wide_sha}.json", f"{wide_sha}.png", f"{narrow_sha}.json"]
    )
    record = json.loads((tmp_path / f"{wide_sha}.json").read_text())
    assert record["phone"]["layout"] == "1 column"
    assert record["text_px"] * PHONE_COLUMN_PX / record["width_px"] < MIN_TEXT_PX
    assert record["phone"]["text_px"] * PHONE_COLUMN_PX / record["phone"]["width_px"] >= MIN_TEXT_PX
    assert png_width((tmp_path / f"{wide_sha}.png").read_bytes()) == record["phone"]["width_px"]
