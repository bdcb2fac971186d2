"""The built book: every page in _toc.yml was built cleanly and renders offline in Chromium.

These tests check the build that `make book-full` (and `make test`, before pytest) made; they never
build it themselves. The build is ``jupyter-book build --all . --config _build/_config.yml -W -n
--keep-going`` with an empty execution cache, with its log in _build/book.log. Pages are
discovered from _toc.yml, so new chapters are covered as soon as they are listed there.

The browser tests serve _build/html on 127.0.0.1 and load every page in headless Chromium
(tests/browser.py), at desktop and phone width, with every request to anything else blocked.
Screenshots go to _build/screenshots/.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

from nnlib.grading.authoring.release import secret_lines, solution_files

from browser import VIEWPORTS, Browser, BrowserError, StaticServer

# Every test here needs the built book, so `make test-fast` (-m "not slow") leaves them out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML_DIR = BUILD / "html"
LOG = BUILD / "book.log"
SCREENSHOTS = BUILD / "screenshots"
REBUILD = "run `make book-full` (every page re-read and executed, logged to _build/book.log)"

# What the browser reports that is not the book's fault. Keep each entry explained.
KNOWN_NOISE = (
    # The browser asks for /favicon.ico by itself; the book has no favicon and links none.
    "/favicon.ico",
    # sphinx-thebe 0.3.1 adds its `const THEBE_JS_URL = ...` script after the builder starts,
    # and Sphinx 7.4 then emits it twice (it compares filename None with ''). The second copy
    # fails to redeclare the constants and does nothing else. A Sphinx extension that
    # de-duplicates page scripts would remove it.
    "Identifier 'THEBE_JS_URL' has already been declared",
)


@dataclass(frozen=True)
class TocPage:
    docname: str  # e.g. "book/intro"
    source: Path  # book/intro.md
    numbered: bool  # in a `numbered: true` part or subtree

    @property
    def html(self) -> Path:
        return HTML_DIR / f"{self.docname}.html"


def toc_pages() -> list[TocPage]:
    """The pages _toc.yml lists, in order, with whether Sphinx numbers them."""
    site = parse_toc_yaml(str(ROOT / "_toc.yml"))
    numbered: set[str] = set()
    order: list[str] = []

    def walk(docname: str, inherited: bool):
        order.append(docname)
        if inherited:
            numbered.add(docname)
        for tree in site[docname].subtrees:
            for item in tree.items:
                if not isinstance(item, str):
                    raise AssertionError(
                        f"_toc.yml: list files one by one (no glob or url): {item}"
                    )
                walk(item, inherited or bool(tree.numbered))

    walk(site.root.docname, False)
    pages = []
    for docname in order:
        sources = [ROOT / f"{docname}{suffix}" for suffix in (".ipynb", ".md")]
        existing = [s for s in sources if s.exists()]
        assert len(existing) == 1, (
            f"_toc.yml lists {docname}, but found {existing or 'no file'} for it"
        )
        pages.append(TocPage(docname, existing[0], docname in numbered))
    return pages


PAGES = toc_pages()


def page_ids(pages):
    return [p.docname for p in pages]


def built_text(page: TocPage) -> str:
    return page.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built():
    """Fail (never rebuild) if the build is missing, incomplete or older than its sources.

    The sources are the pages and the configuration. nnlib is left out on purpose: other tests
    and tools may write under it while pytest runs; `make test` always builds from scratch.
    """
    if not LOG.exists() or not (HTML_DIR / "index.html").exists():
        pytest.fail(f"no book build in {HTML_DIR} (or no {LOG.name}): {REBUILD}")
    log = LOG.read_text(encoding="utf-8", errors="replace")
    if "build succeeded." not in log:
        pytest.fail(f"the last book build failed (see the end of {LOG}); fix it, then {REBUILD}")
    sources = [ROOT / "_config.yml", ROOT / "_toc.yml", *(p.source for p in PAGES)]
    newest = max(sources, key=lambda s: s.stat().st_mtime)
    stale = [
        p.docname
        for p in PAGES
        if not p.html.exists() or p.html.stat().st_mtime < p.source.stat().st_mtime
    ]
    if LOG.stat().st_mtime < newest.stat().st_mtime or stale:
        pytest.fail(
            f"the book build is older than {newest.relative_to(ROOT)}"
            f"{' (stale pages: ' + ', '.join(stale) + ')' if stale else ''}: {REBUILD}"
        )
    return log


# -- the build -------------------------------------------------------------------------------


def test_build_log_is_a_clean_full_build(built):
    log = re.sub(r"\x1b\[[0-9;]*m", "", built)  # Jupyter Book colours its output even in a pipe
    # Only a full build re-reads (and re-executes) every page, so only then is "no warning" news.
    assert f"updating environment: [new config] {len(PAGES)} added" in log, (
        f"{LOG} is not a full build of the {len(PAGES)} pages in _toc.yml: {REBUILD}"
    )
    problems = [
        line
        for line in log.splitlines()
        if re.search(r"\b(WARNING|ERROR|CRITICAL):|Traceback \(most recent call last\)", line)
    ]
    assert not problems, "the book build reported:\n" + "\n".join(problems)


def test_launch_and_repository_buttons_only_with_a_repository(built):
    """The buttons follow BOOK_REPOSITORY, as written into the configuration the build used."""
    config = yaml.safe_load((BUILD / "_config.yml").read_text(encoding="utf-8"))
    repository = config.get("repository", {}).get("url")
    buttons = {
        "Binder": "mybinder.org/v2/",
        "Colab": "colab.research.google.com/github/",
        "repository": "btn-source-repository-button",
        "issues": "btn-source-issues-button",
    }
    for page in [p for p in PAGES if p.numbered]:
        text = built_text(page)
        found = sorted(name for name, mark in buttons.items() if mark in text)
        if repository:
            assert found == sorted(buttons), (
                f"{page.docname}: only the buttons {found} (repository {repository})"
            )
            assert repository.split("://", 1)[1] in text, (
                f"{page.docname} does not link {repository}"
            )
        else:
            assert not found, (
                f"{page.docname} has buttons {found}, but the book was built without BOOK_REPOSITORY"
            )


def test_index_redirects_to_the_front_page(built):
    index = (HTML_DIR / "index.html").read_text(encoding="utf-8")
    assert f"url={PAGES[0].docname}.html" in index, index


NOTEBOOKS = [p for p in PAGES if p.source.suffix == ".ipynb"]


@pytest.mark.parametrize("page", NOTEBOOKS, ids=page_ids(NOTEBOOKS))
def test_only_cells_tagged_raises_exception_show_an_error(built, page):
    """A chapter may show an error on purpose (tag the cell `raises-exception`), never by accident."""
    executed = BUILD / "jupyter_execute" / f"{page.docname}.ipynb"
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    accidental = [
        i
        for i, cell in enumerate(cells)
        if any(out["output_type"] == "error" for out in cell.get("outputs", []))
        and "raises-exception" not in cell["metadata"].get("tags", [])
    ]
    assert not accidental, f"{page.docname}: cells {accidental} (0-based) raised an error"
    tracebacks = built_text(page).count('class="output traceback')
    allowed = sum("raises-exception" in c["metadata"].get("tags", []) for c in cells)
    assert tracebacks <= allowed, f"{page.html} shows {tracebacks} tracebacks"


@pytest.mark.parametrize("page", NOTEBOOKS, ids=page_ids(NOTEBOOKS))
def test_figures_are_sharp_at_device_pixel_ratio_2(built, page):
    """Every PNG a chapter's code drew has twice the pixels of its displayed size (IPython's retina)."""
    executed = BUILD / "jupyter_execute" / f"{page.docname}.ipynb"
    if not executed.exists():  # the worksheets are shown unexecuted: they have no figures
        assert page.docname.startswith("exercises/"), f"{page.docname} was not executed"
        return
    blurry = []
    for index, cell in enumerate(json.loads(executed.read_text(encoding="utf-8"))["cells"]):
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                pixels = struct.unpack(">I", base64.b64decode(out["data"]["image/png"])[16:20])[0]
                shown = out.get("metadata", {}).get("image/png", {}).get("width")
                if not shown or pixels < 1.9 * shown:
                    blurry.append(f"cell {index}: {pixels} px wide, shown at {shown or pixels} px")
    assert not blurry, f"{page.docname}: figures not sharp at 2x: {blurry}"


@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_page_references_no_remote_asset(built, page):
    """Scripts, stylesheets and images all come from the build (links may point anywhere)."""
    text = built_text(page)
    assets = re.findall(r'<script[^>]*\ssrc="([^"]*)"', text)
    assets += [
        re.search(r'\shref="([^"]*)"', tag).group(1)
        for tag in re.findall(r"<link\b[^>]*>", text)
        if re.search(r'\srel="(?:stylesheet|preload|modulepreload|icon)"', tag)
    ]
    assets += re.findall(r'<img[^>]*\ssrc="([^"]*)"', text)
    remote = [a for a in assets if re.match(r"([a-z]+:)?//", a)]
    assert not remote, f"{page.docname} loads assets from the network: {remote}"
    for asset in assets:
        if not asset.startswith("data:"):
            target = (page.html.parent / html.unescape(asset).split("?")[0]).resolve()
            assert target.is_file(), f"{page.docname} references {asset}, which is not in the build"


def test_exercise_pages_show_no_solution(built):
    """No line that exists only inside a solution region appears on an exercise page of the book.

    The chapters are different on purpose: they derive and implement the methods they teach (the
    capstone even re-implements a dozen functions by hand to show `substitute`), so the policy is
    that the *worksheets* never carry the solution, while the chapters may teach the formula.
    """
    secrets = {
        line: path.stem
        for path in solution_files(ROOT / "solutions")
        for line in secret_lines(path)
    }
    assert len(secrets) > 100, "too few solution lines found to make this test meaningful"
    pages = [p for p in PAGES if p.docname.startswith("exercises/")]
    assert len(pages) == len(solution_files(ROOT / "solutions")), (
        "every exercise notebook is a page of the book"
    )
    leaks = []
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", built_text(page)))
        lines = {line.strip() for line in text.splitlines()}
        leaks += [
            f"{page.docname}: {line!r} (from {secrets[line]})" for line in lines & set(secrets)
        ]
    assert not leaks, "solution code on an exercise page:\n" + "\n".join(leaks[:20])


@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_chapters_are_numbered_and_front_matter_is_not(built, page):
    # The page's own title is the <h1> with a permalink; the theme repeats the title elsewhere.
    titles = [h for h in re.findall(r"<h1>(.*?)</h1>", built_text(page), re.S) if "headerlink" in h]
    assert titles, f"{page.docname} has no title"
    has_number = 'class="section-number"' in titles[0]
    assert has_number == page.numbered, (
        f"{page.docname}: title {'has' if has_number else 'lacks'} a chapter number ({titles[0]!r})"
    )


# -- the browser -----------------------------------------------------------------------------

PAGE_REPORT_JS = r"""(() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const prose = article.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
       .forEach(e => e.remove());
  const text = prose.textContent;
  const loaded = img => img.complete && img.naturalWidth > 0;
  const images = [...article.querySelectorAll('img')];
  const widgetImages = [...article.querySelectorAll('.widget-subarea img')];
  // Every Sphinx math element on the page, as expected() counts them: the theme repeats the math
  // of section titles in the "On this page" sidebar and the print-only contents, outside the article.
  const maths = [...document.querySelectorAll('.math.notranslate')];
  const untypeset = maths.filter(m => !m.querySelector('mjx-container'));
  return {
    rawTex: [...new Set(text.match(/\$\$|\\\(|\\\)|\\\[|\\\]|\\[a-zA-Z]{2,}|\$[^$\s][^$]*?[\\^_{}][^$]*?\$/g) || [])],
    typeset: maths.length - untypeset.length,
    untypeset: untypeset.map(m => m.textContent.trim().slice(0, 80)),
    mjxErrors: [...article.querySelectorAll('mjx-merror, [data-mjx-error]')].map(e => e.textContent),
    loadedImages: images.filter(loaded).length,
    brokenImages: images.filter(i => !loaded(i)).map(i => i.src.slice(0, 120)),
    widgetViews: [...article.querySelectorAll('.widget-subarea')].filter(e => e.children.length).length,
    widgetImages: widgetImages.filter(loaded).length,
    // static explorers (book/_explorers/explorer.js): built controls, and a figure on screen
    explorers: [...article.querySelectorAll('.nn-explorer')].filter(e =>
      e.dataset.nnShown !== undefined && e.querySelector('.nn-control') &&
      [...e.querySelectorAll('img')].every(loaded)).length,
    width: document.documentElement.scrollWidth,
  };
})()"""


@dataclass(frozen=True)
class Expected:
    """What a page must show, read from its static HTML."""

    math: int  # math elements (anywhere on the page) that MathJax must typeset
    code_cells: int
    widget_views: int
    widget_images: bool  # the saved widget state holds a figure
    explorers: int  # static explorers (nnlib/widgets/static.py)


def expected(page: TocPage) -> Expected:
    text = built_text(page)
    state_tag = r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>'
    states = re.findall(state_tag, text, re.S)
    # myst-nb only escapes "</" inside the script, which JSON reads back as "/"
    models = [m for s in states for m in json.loads(s)["state"].values()]
    outputs = [o for m in models for o in m.get("state", {}).get("outputs", [])]
    return Expected(
        math=len(re.findall(r'class="math notranslate', text)),
        code_cells=len(re.findall(r'<div class="cell[ "]', text)),
        widget_views=text.count('type="application/vnd.jupyter.widget-view+json"'),
        widget_images=any("image/png" in o.get("data", {}) for o in outputs),
        explorers=text.count('<div class="nn-explorer"'),
    )


@pytest.fixture(scope="module")
def tab(built):
    server = StaticServer(HTML_DIR)
    browser = Browser(server.origin)
    try:
        yield server, browser.new_page()
    finally:
        browser.close()
        server.close()


def unexpected(messages):
    return [m for m in messages if not any(noise in m for noise in KNOWN_NOISE)]


@pytest.mark.browser
def test_browser_blocks_every_other_host(tab):
    """The guard itself: a request to a CDN is intercepted and recorded, never sent."""
    server, page = tab
    page.goto(f"{server.origin}/{PAGES[0].docname}.html", VIEWPORTS["desktop"])
    url = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"
    outcome = page.evaluate(f"fetch({url!r}).then(() => 'fetched', () => 'refused')")
    assert outcome == "refused" and page.blocked == [url], (outcome, page.blocked)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_page_renders_offline(tab, page, viewport):
    server, tabpage = tab
    want = expected(page)
    failures = []
    try:  # a time-out is one more failure to report, next to what the page logged
        tabpage.goto(f"{server.origin}/{page.docname}.html", VIEWPORTS[viewport])
        if want.math:
            tabpage.poll(
                "!!(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                30,
                "MathJax to load",
            )
            tabpage.evaluate("MathJax.startup.promise.then(() => true)")
        if want.widget_views:
            views = want.widget_views
            tabpage.poll(
                f"document.querySelectorAll('.widget-subarea > *').length >= {views}",
                30,
                f"{views} widget view(s) to render",
            )
        if want.explorers:
            tabpage.poll(
                f"document.querySelectorAll('.nn-explorer[data-nn-shown]').length >= {want.explorers}",
                30,
                f"{want.explorers} explorer(s) to show their figure",
            )
        tabpage.evaluate("document.fonts.ready.then(() => true)")
        tabpage.wait_network_quiet()
    except BrowserError as err:
        failures.append(str(err))
    report = tabpage.evaluate(PAGE_REPORT_JS)
    shot = SCREENSHOTS / f"{page.docname.replace('/', '__')}-{viewport}.png"
    tabpage.screenshot(shot, VIEWPORTS[viewport])
    print(f"screenshot: {shot}")

    if tabpage.blocked:
        failures.append(f"requests to the network (blocked): {tabpage.blocked}")
    if problems := unexpected(tabpage.problems):
        failures.append(f"console errors or failed requests: {problems}")
    if report["rawTex"]:
        failures.append(f"raw TeX in the rendered text: {report['rawTex']}")
    if report["typeset"] < want.math:
        failures.append(
            f"MathJax typeset {report['typeset']} of {want.math} math elements; "
            f"not typeset: {report['untypeset'][:10]}"
        )
    if report["mjxErrors"]:
        failures.append(f"MathJax errors: {report['mjxErrors']}")
    if report["brokenImages"]:
        failures.append(f"images that did not load: {report['brokenImages']}")
    if page.numbered and want.code_cells and not report["loadedImages"]:
        failures.append("a chapter with code has no figure")
    if report["widgetViews"] < want.widget_views:
        failures.append(f"{report['widgetViews']} of {want.widget_views} widget views rendered")
    if report["explorers"] < want.explorers:
        failures.append(
            f"{report['explorers']} of {want.explorers} explorers show controls and a figure"
        )
    if want.widget_images and not report["widgetImages"]:
        failures.append("the widget snapshot's figure is not shown")
    if report["width"] > VIEWPORTS[viewport]["width"] + 1:
        failures.append(
            f"the page scrolls sideways: {report['width']} px wide in a "
            f"{VIEWPORTS[viewport]['width']} px viewport"
        )
    assert not failures, f"{page.docname} ({viewport}), see {shot}:\n  " + "\n  ".join(failures)


# -- the static explorers --------------------------------------------------------------------
# Every chapter shows its explorers as precomputed states (nnlib/widgets/static.py) that
# book/_explorers/explorer.js swaps as the reader moves a control. These tests operate every
# control of every explorer by keyboard (and a slider by an input event), check that the figure
# becomes the state the manifest names for the new values, with its alt text, that its pixels are
# the Python rendering, and that no request leaves the machine.

CHAPTERS = [p for p in NOTEBOOKS if p.numbered and p.docname.startswith("book/")]
MANIFEST = re.compile(
    r'<div class="nn-explorer"[^>]*>\s*<script type="application/json" '
    r'class="nn-explorer-manifest">(.*?)</script>',
    re.S,
)

EXPLORER_JS = r"""((i) => {
  const root = document.querySelectorAll('.nn-explorer')[i];
  const img = root.querySelector('img.nn-explorer-image');
  const canvas = root.querySelector('.nn-explorer-canvas');
  return {
    shown: root.dataset.nnShown, error: root.dataset.nnError || null,
    src: img && img.getAttribute('src'), alt: img ? img.alt : canvas.getAttribute('aria-label'),
    naturalWidth: img ? img.naturalWidth : null,
    controls: [...root.querySelectorAll('.nn-control')].map(c =>
      c.tagName === 'FIELDSET' ? c.id : c.querySelector('input, select').id),
  };
})"""

# The RGBA bytes of an explorer's image as the browser decoded them, hashed in the page.
PIXELS_JS = r"""((i) => {
  const img = document.querySelectorAll('.nn-explorer')[i].querySelector('img.nn-explorer-image');
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const bytes = context.getImageData(0, 0, canvas.width, canvas.height).data;
  return crypto.subtle.digest('SHA-256', bytes).then(h =>
    [...new Uint8Array(h)].map(b => b.toString(16).padStart(2, '0')).join(''));
})"""


def manifests(page: TocPage) -> list[dict]:
    return [json.loads(m) for m in MANIFEST.findall(built_text(page))]


def key_of(indices) -> str:
    return "-".join(map(str, indices))


def pixels_sha256(png: Path) -> str:
    import hashlib

    from PIL import Image

    return hashlib.sha256(Image.open(png).convert("RGBA").tobytes()).hexdigest()


def python_rendering(manifest: dict, key: str) -> str | None:
    """The SHA-256 of the state's pixels, rendered again here, for explorers cheap to construct."""
    import hashlib
    import io

    import matplotlib.style
    from PIL import Image

    from nnlib.widgets import static
    from nnlib.widgets.activations import ActivationExplorer
    from nnlib.widgets.losses import LossExplorer
    from nnlib.widgets.perceptron import PerceptronExplorer

    cheap = {
        "ActivationExplorer": ActivationExplorer,
        "LossExplorer": LossExplorer,
        "PerceptronExplorer": PerceptronExplorer,
    }
    if manifest["explorer"] not in cheap:
        return None
    indices = [int(i) for i in key.split("-")]
    values = {c["name"]: c["values"][i] for c, i in zip(manifest["controls"], indices)}
    # in the book's figure style, which the build's kernels apply (the Makefile's kernel profile)
    with matplotlib.style.context(ROOT / "book" / "_mpl" / "nn-book.mplstyle"):
        explorer = cheap[manifest["explorer"]]()
        figure = static._new_figure(explorer)
        explorer.draw(explorer.compute(**values), figure)
        image = Image.open(io.BytesIO(static.figure_image(figure))).convert("RGBA")
    return hashlib.sha256(image.tobytes()).hexdigest()


def operate(tabpage, control: dict, element_id: str, index: int) -> tuple[int, str]:
    """Move one control by keyboard to a neighbouring value; return (new index, how)."""
    n, selector = len(control["values"]), f"#{element_id}"
    forward = index + 1 < n
    if control["kind"] == "slider":
        key = "ArrowRight" if forward else "ArrowLeft"
    elif control["kind"] == "dropdown":
        key = "ArrowDown" if forward else "ArrowUp"
    elif control["kind"] == "toggle":
        key, selector = ("ArrowRight" if forward else "ArrowLeft"), f"#{element_id}-{index}"
    else:  # checkbox
        key = " "
    tabpage.press(key, selector)
    return (
        index + 1 if forward else index - 1
    ), f"key {key!r} on {control['kind']} {control['name']!r}"


def expect_state(tabpage, i: int, manifest: dict, key: str, how: str) -> dict:
    try:
        tabpage.poll(
            f"document.querySelectorAll('.nn-explorer')[{i}].dataset.nnShown === {key!r}",
            15,
            f"state {key}",
        )
    except BrowserError:
        seen = tabpage.evaluate(f"{EXPLORER_JS}({i})")
        raise AssertionError(
            f"{manifest['explorer']}: after {how}, expected state {key}, got {seen}"
        ) from None
    seen = tabpage.evaluate(f"{EXPLORER_JS}({i})")
    if manifest["renderer"] is None:
        state = manifest["states"][key]
        assert seen["src"].endswith(f"/{manifest['key']}/{state['file']}"), (how, seen)
        assert seen["alt"] == state["alt"], (how, seen)
        assert seen["naturalWidth"] == 2 * manifest["width"], (how, seen)  # sharp at 2x
    else:
        assert seen["alt"], f"{manifest['explorer']}: renderer gave no alt text after {how}"
    return seen


def linked(tabpage, i: int, indices: list[int], moved: int) -> list[int]:
    """The state a scripted explorer asked for: ``indices`` with the controls its renderer's
    ``link`` moved (a kernel preset writes nine weights); the moved control must be as operated."""
    asked = tabpage.evaluate(f"document.querySelectorAll('.nn-explorer')[{i}].dataset.nnState")
    now = [int(k) for k in asked.split("-")]
    assert now[moved] == indices[moved], (indices, now)
    return now


@pytest.mark.browser
@pytest.mark.parametrize("page", CHAPTERS, ids=page_ids(CHAPTERS))
def test_explorers_respond_offline(tab, page):
    server, tabpage = tab
    found = manifests(page)
    text = built_text(page)
    assert found, f"{page.docname}: a chapter shows at least one explorer; found none"
    assert "application/vnd.jupyter.widget-view+json" not in text, (
        f"{page.docname} still shows an ipywidgets view: build with NNLIB_STATIC_EXPLORERS set"
    )
    tabpage.goto(f"{server.origin}/{page.docname}.html", VIEWPORTS["desktop"])
    for i, manifest in enumerate(found):
        name, controls = manifest["explorer"], manifest["controls"]
        indices = [c["initial"] for c in controls]
        seen = expect_state(tabpage, i, manifest, key_of(indices), "loading the page")
        assert len(seen["controls"]) == len(controls), (name, seen)
        assert any(len(c["values"]) > 1 for c in controls), f"{name}: no control can move"
        for j, (control, element_id) in enumerate(zip(controls, seen["controls"])):
            if len(control["values"]) == 1:
                continue
            indices[j], how = operate(tabpage, control, element_id, indices[j])
            if manifest["renderer"] is not None:  # a renderer's link may move other controls too
                indices = linked(tabpage, i, indices, j)  # (tests/test_widgets_scripted.py)
            expect_state(tabpage, i, manifest, key_of(indices), how)
        sliders = [
            j for j, c in enumerate(controls) if c["kind"] == "slider" and len(c["values"]) > 2
        ]
        if sliders:  # an input event, as a mouse drag sends: straight to the slider's last value
            j = sliders[0]
            indices[j] = len(controls[j]["values"]) - 1
            tabpage.evaluate(
                f"(() => {{ const s = document.getElementById({seen['controls'][j]!r}); "
                f"s.value = {indices[j]}; s.dispatchEvent(new Event('input')); }})()"
            )
            expect_state(tabpage, i, manifest, key_of(indices), "an input event")
        if manifest["renderer"] is None:  # the pixels on screen are the file Python rendered
            key = key_of(indices)
            shown = tabpage.evaluate(f"{PIXELS_JS}({i})")
            folder = HTML_DIR / "_static" / "nn-explorers" / manifest["key"]
            assert shown == pixels_sha256(folder / manifest["states"][key]["file"]), (name, key)
            rendered = python_rendering(manifest, key)
            if rendered is not None:
                assert shown == rendered, f"{name}: state {key} differs from compute + draw"
    tabpage.wait_network_quiet()
    assert not tabpage.blocked, f"requests to the network: {tabpage.blocked}"
    assert not unexpected(tabpage.problems), unexpected(tabpage.problems)


PHONE_JS = r"""((i) => {
  const root = document.querySelectorAll('.nn-explorer')[i];
  const img = root.querySelector('img.nn-explorer-image');
  return { shown: root.dataset.nnShown, current: img.currentSrc, alt: img.alt,
           naturalWidth: img.naturalWidth, width: img.getBoundingClientRect().width };
})"""


# A scripted explorer's figure as drawn: the <svg>'s viewBox, its width on screen, the smallest
# text as shown (font size x the viewBox's scale) and the texts that stick out of the figure.
SVG_JS = r"""((i) => {
  const root = document.querySelectorAll('.nn-explorer')[i];
  const svg = root.querySelector('.nn-explorer-canvas svg');
  if (!svg) return { shown: root.dataset.nnShown, svg: false };
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('text, tspan')].filter(t => t.textContent.trim());
  const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  const outside = texts.filter(t => {
    const r = t.getBoundingClientRect();
    return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
  }).map(t => t.textContent);
  return { shown: root.dataset.nnShown, svg: true, viewBox: svg.viewBox.baseVal.width,
           width: box.width, smallest: Math.min(...sizes), outside,
           pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth };
})"""


def check_scripted_phone(tabpage, i: int, manifest: dict, key: str, how: str) -> None:
    """A scripted explorer on a phone draws its phone data: legible text, all inside the figure."""
    name = manifest["explorer"]
    tabpage.poll(
        f"document.querySelectorAll('.nn-explorer')[{i}].dataset.nnShown === {key!r}",
        15,
        f"{name}: state {key} on a phone after {how}",
    )
    seen = tabpage.evaluate(f"{SVG_JS}({i})")
    assert seen["svg"], (name, how, seen)
    assert seen["viewBox"] == manifest["data"]["phone"]["size"][0], (name, how, seen)
    assert seen["smallest"] >= 9, f"{name}: text at {seen['smallest']:.1f} CSS px ({how}, {seen})"
    assert not seen["outside"], f"{name}: text outside the figure on a phone ({how}): {seen}"
    assert seen["pageWidth"] <= seen["viewport"], f"{name}: the page scrolls sideways ({seen})"


def phone_chapters() -> list[TocPage]:
    return [p for p in CHAPTERS if any("phone" in m for m in manifests(p))]


@pytest.mark.browser
@pytest.mark.parametrize("page", CHAPTERS, ids=page_ids(CHAPTERS))
def test_explorers_show_phone_editions_on_a_phone(tab, page):
    """At 390 px (DPR 2), an explorer with a phone edition (nnlib/widgets/static_phone.py) shows
    the phone image of the state asked for, before and after a control moves, legibly and sharp."""
    with_phone = [(i, m) for i, m in enumerate(manifests(page)) if "phone" in m]
    if not with_phone:
        assert page not in phone_chapters()
        return
    server, tabpage = tab
    tabpage.goto(f"{server.origin}/{page.docname}.html", VIEWPORTS["phone"])
    for i, manifest in with_phone:
        name, controls = manifest["explorer"], manifest["controls"]
        indices = [c["initial"] for c in controls]
        j = next(j for j, c in enumerate(controls) if len(c["values"]) > 1)
        element_ids = tabpage.evaluate(f"{EXPLORER_JS}({i})")["controls"]
        for how in ("loading the page", "moving a control"):
            if how == "moving a control":
                indices[j], how = operate(tabpage, controls[j], element_ids[j], indices[j])
                if manifest["renderer"] is not None:  # its link may move other controls too
                    indices = linked(tabpage, i, indices, j)
            key = key_of(indices)
            if manifest["renderer"] is not None:
                check_scripted_phone(tabpage, i, manifest, key, how)
                continue
            tabpage.poll(
                f"(() => {{ const s = {PHONE_JS}({i}); return s.shown === {key!r} && "
                "s.naturalWidth > 0; })()",
                15,
                f"{name}: state {key} on a phone after {how}",
            )
            seen = tabpage.evaluate(f"{PHONE_JS}({i})")
            state = manifest["states"][key]
            want = state.get("phone", state["file"])  # a state may keep its desktop image
            assert seen["current"].endswith(f"/{manifest['key']}/{want}"), (name, how, seen)
            assert seen["alt"] == state["alt"], (name, how, seen)
            if "phone" in state:
                assert seen["naturalWidth"] >= 2 * seen["width"] - 1, (name, seen)  # sharp at 2x
                # the smallest text, as shown: its size at the 358 px column scaled to this width
                text_px = manifest["phone"]["text_px"] * seen["width"] / 358
                assert text_px >= 9, f"{name}: text at {text_px:.1f} CSS px on a phone ({seen})"
    tabpage.wait_network_quiet()
    assert not tabpage.blocked, f"requests to the network: {tabpage.blocked}"
    assert not unexpected(tabpage.problems), unexpected(tabpage.problems)


def test_most_explorers_have_a_phone_edition(built):
    """Every states-mode explorer has one (re-laid out, or drawn for the phone by the explorer:
    the backprop stepper), and every scripted explorer ships the phone layout of its data
    (nnlib/widgets/scripted.py)."""
    found = [m for page in CHAPTERS for m in manifests(page) if m["renderer"] is None]
    without = sorted(m["explorer"] for m in found if "phone" not in m)
    assert len(found) >= 11 and not without, without
    scripted = [m for page in CHAPTERS for m in manifests(page) if m["renderer"] is not None]
    assert len(scripted) >= 6, sorted(m["explorer"] for m in scripted)
    for m in scripted:
        phone = m["data"].get("phone", {})
        assert phone.get("size", [1e9])[0] < m["data"]["size"][0], (m["explorer"], phone)
        assert m["phone"]["text_px"] >= 9 and "phone_media" in m, m["explorer"]


def test_every_chapter_with_an_explorer_is_covered(built):
    """The explorers found in the built chapters are the Explorer subclasses the chapters display."""
    found = {m["explorer"] for page in CHAPTERS for m in manifests(page)}
    assert len(found) >= 19, sorted(found)


@pytest.mark.browser
def test_an_explorer_responds_from_disk(built):
    """The book opened as files (file://): the controls still swap the figure."""
    page = next(p for p in CHAPTERS if any(m["renderer"] is None for m in manifests(p)))
    browser = Browser("http://127.0.0.1:9", allowed_folder=HTML_DIR)  # no server at all
    try:
        tabpage = browser.new_page()
        tabpage.goto(page.html.resolve().as_uri(), VIEWPORTS["desktop"])
        i, manifest = next((i, m) for i, m in enumerate(manifests(page)) if m["renderer"] is None)
        controls = manifest["controls"]
        indices = [c["initial"] for c in controls]
        seen = expect_state(tabpage, i, manifest, key_of(indices), "loading the page")
        j = next(j for j, c in enumerate(controls) if len(c["values"]) > 1)
        indices[j], how = operate(tabpage, controls[j], seen["controls"][j], indices[j])
        seen = expect_state(tabpage, i, manifest, key_of(indices), how + " (file://)")
        assert seen["src"].startswith("../_static/"), seen  # relative: works from any folder
        assert not tabpage.blocked, f"requests outside the book's folder: {tabpage.blocked}"
    finally:
        browser.close()
