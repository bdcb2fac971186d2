"""The PDF edition: headless Chromium prints the book's single-page HTML build. No TeX needed.

``make pdf`` builds ``_build/singlehtml/index.html`` (Sphinx's ``singlehtml`` builder: the contents
and every page of ``_toc.yml`` in one document, reusing the HTML build's environment and executed
notebooks), then this module serves it on 127.0.0.1, loads it in headless Chromium with every other
host blocked, waits for MathJax to typeset every formula and for the fonts, and prints it with
``Page.printToPDF`` (A4, page numbers in the footer, explorers as their saved figures)::

    python -m nnlib.grading.authoring.pdf _build/singlehtml/index.html _build/pdf/book.pdf

Next to the PDF it writes ``book.pdf.json``: what the printed page held (pages, formulas typeset,
raw TeX left, figures, blocked requests). The command fails if a formula was left untypeset or raw
TeX remained; ``tests/test_book_pdf.py`` checks the PDF and that report.

The Chromium driver is the one the browser tests use (``tests/browser.py``).
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VIEWPORT = {"width": 1000, "height": 1400, "deviceScaleFactor": 1, "mobile": False}
FOOTER = (
    '<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
# The text a reader sees, without code: TeX that MathJax did not typeset would show up here.
REPORT_JS = r"""(() => {
  const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight').forEach(e => e.remove());
  const maths = [...document.querySelectorAll('.math.notranslate')];
  const images = [...main.querySelectorAll('img')];
  return {
    rawTex: [...new Set(prose.textContent.match(/\$\$|\\\(|\\\)|\\\[|\\\]|\\[a-zA-Z]{2,}/g) || [])],
    math: maths.length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container')).length,
    mathErrors: main.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    images: images.length,
    brokenImages: images.filter(i => !(i.complete && i.naturalWidth > 0)).length,
    sections: main.querySelectorAll('section').length,
    errors: [...main.querySelectorAll('.output.traceback, .output.error')].length,
  };
})()"""


def _browser_module():
    spec = importlib.util.spec_from_file_location("nnbook_browser", ROOT / "tests" / "browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_count(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote (its page objects are plain ``/Type /Page`` dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def printable(html: Path) -> Path:
    """The page to print. ``singlehtml`` writes the book to ``<root docname>.html`` (here in ``book/``)
    with links relative to the site's root, and ``index.html`` redirects there: copy it to the root."""
    found = re.search(
        r'http-equiv="Refresh" content="0; url=([^"]+)"', html.read_text(encoding="utf-8")
    )
    if not found:
        return html
    target = html.parent / "print.html"
    target.write_text((html.parent / found.group(1)).read_text(encoding="utf-8"), encoding="utf-8")
    return target


def print_pdf(html: Path, out: Path, timeout: float = 600.0) -> dict:
    """Print ``html`` (a file inside the built site) to ``out``; return the report (also saved as JSON)."""
    browser_py = _browser_module()
    html, out = Path(html).resolve(), Path(out)
    if not html.is_file():
        raise FileNotFoundError(f"print_pdf: no {html}; build it with `make pdf`")
    html = printable(html)
    server = browser_py.StaticServer(html.parent)
    browser = browser_py.Browser(server.origin, timeout=timeout)
    try:
        page = browser.new_page()
        page.goto(f"{server.origin}/{html.name}", VIEWPORT, timeout=timeout)
        page.poll(
            "!!(window.MathJax && MathJax.startup && MathJax.startup.promise)",
            timeout,
            "MathJax to load",
        )
        page.evaluate(
            "MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)", timeout
        )
        page.wait_network_quiet(timeout=timeout)
        report = page.evaluate(REPORT_JS, timeout)
        printed = page.send(
            "Page.printToPDF",
            {
                "paperWidth": 8.27,
                "paperHeight": 11.69,  # A4, in inches
                "marginTop": 0.5,
                "marginBottom": 0.6,
                "marginLeft": 0.5,
                "marginRight": 0.5,
                "printBackground": True,
                "displayHeaderFooter": True,
                "headerTemplate": "<span></span>",
                "footerTemplate": FOOTER,
            },
            timeout,
        )
        report["blocked"] = list(page.blocked)
    finally:
        browser.close()
        server.close()
    data = base64.b64decode(printed["data"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    report["pages"] = page_count(data)
    Path(f"{out}.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnlib.grading.authoring.pdf", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "html", type=Path, help="the single-page build, e.g. _build/singlehtml/index.html"
    )
    parser.add_argument("out", type=Path, help="the PDF to write, e.g. _build/pdf/book.pdf")
    args = parser.parse_args(argv)
    report = print_pdf(args.html, args.out)
    print(
        f"wrote {args.out}: {report['pages']} pages, {report['math'] - report['untypeset']} of "
        f"{report['math']} formulas typeset, {report['images']} figures"
    )
    problems = {
        k: report[k]
        for k in ("rawTex", "untypeset", "mathErrors", "brokenImages", "blocked")
        if report[k]
    }
    if problems:
        print(f"pdf: the printed page has problems: {problems}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
