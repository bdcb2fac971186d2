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

import io
import re
from pathlib import Path

import matplotlib.style
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image
from test_book import PAGES, built, page_ids, tab  # noqa: F401 (built, tab: fixtures)

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
      alt: img.getAttribute('alt') || '',
      natural: img.naturalWidth,
      shown: box.width - padding,
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
