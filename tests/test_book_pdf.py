"""The PDF edition that `make pdf` (and `make test`, after the book) printed with headless Chromium.

Like tests/test_book.py, these tests never build: they check _build/pdf/book.pdf and the report
that nnlib/grading/authoring/pdf.py wrote next to it about the page it printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_book import BUILD, LOG, PAGES

from nnlib.grading.authoring.pdf import page_count

pytestmark = pytest.mark.slow

PDF = BUILD / "pdf" / "book.pdf"
REPORT = Path(f"{PDF}.json")


@pytest.fixture(scope="module")
def printed():
    if not PDF.exists() or not REPORT.exists():
        pytest.fail(f"no {PDF} (or its report): run `make pdf` after `make book-full`")
    if LOG.exists() and PDF.stat().st_mtime < LOG.stat().st_mtime:
        pytest.fail(f"{PDF} is older than the last book build: run `make pdf`")
    return PDF.read_bytes(), json.loads(REPORT.read_text(encoding="utf-8"))


def test_pdf_is_a_whole_book(printed):
    data, report = printed
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), "not a complete PDF file"
    pages = page_count(data)
    tree_root = max(int(n) for n in re.findall(rb"/Count (\d+)", data))  # the page tree's own count
    assert pages == tree_root == report["pages"], (pages, tree_root, report["pages"])
    # Every page of _toc.yml is in it: a chapter alone takes several A4 pages.
    assert pages >= 2 * len(PAGES), f"{pages} pages for {len(PAGES)} chapters and pages of the book"


def test_pdf_has_its_math_typeset_and_its_figures(printed):
    _, report = printed
    assert report["rawTex"] == [], f"raw TeX in the printed text: {report['rawTex']}"
    assert report["math"] > 100 and report["untypeset"] == 0 and report["mathErrors"] == 0, report
    assert report["images"] >= sum(p.numbered for p in PAGES) and report["brokenImages"] == 0, (
        report
    )
    assert report["errors"] == 0, f"{report['errors']} error outputs printed"
    assert report["blocked"] == [], f"the printed page asked the network for {report['blocked']}"


def test_page_count_reads_chromium_pdfs():
    pdf = b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page /X 1>>\n%%EOF"
    assert page_count(pdf) == 2
