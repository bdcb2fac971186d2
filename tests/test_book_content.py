"""The chapters' sources, without building the book: stored stripped, and one notation throughout.

book/notation.md fixes the symbols. These tests catch the drift that review found before: the
loss written L (L is the depth), the learning rate written alpha in one chapter and eta in
another, a page missing from _toc.yml. They read the .ipynb files only; the numbers in the text
are asserted by the chapters' own remove-cell cells when the book is built.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def markdown(path: Path) -> str:
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")


def test_there_are_fifteen_chapters():
    assert [p.name[:2] for p in CHAPTERS] == [f"{i:02d}" for i in range(1, 16)]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_stored_without_outputs(path):
    dirty = [
        c["id"]
        for c in cells(path)
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; strip them before committing"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_cell_ids_are_unique_and_hidden_cells_are_code(path):
    ids = [c["id"] for c in cells(path)]
    assert len(ids) == len(set(ids)), f"{path.name}: duplicate cell ids"
    hidden_text = [
        c["id"]
        for c in cells(path)
        if "remove-cell" in c["metadata"].get("tags", []) and c["cell_type"] != "code"
    ]
    assert not hidden_text, f"{path.name}: markdown cells {hidden_text} are tagged remove-cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_loss_is_J_everywhere(path):
    """L is the depth (and, in chapters 2, 4 and 9, the largest curvature); the loss is J."""
    text = "\n".join(source(c) for c in cells(path))
    wrong = re.findall(r".{0,40}(?:\\partial L\b|\\nabla L\b|dL/d).{0,20}", text)
    assert not wrong, f"{path.name}: the loss is written L in {wrong}"


# A descent step or a learning rate written with alpha. The notes' own formulas are quoted with
# their alpha (chapters 2, 6 and 9 do, to correct them); a quote is recognised by "notes" nearby.
ALPHA_AS_RATE = re.compile(
    r"learning rate \$\\alpha|step size \$\\alpha|-\s*\\alpha\s*(?:\\nabla|\\,|\\hat|\()"
)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_learning_rate_is_eta(path):
    text = markdown(path)
    offending = [text[max(0, m.start() - 200) : m.end() + 40] for m in ALPHA_AS_RATE.finditer(text)]
    unquoted = [t for t in offending if "notes" not in t]
    assert not unquoted, (
        f"{path.name}: learning rate written alpha (the book writes eta): {unquoted}"
    )


def test_backpropagation_keeps_N_for_the_batch():
    """Chapter 6 counts graph operations with M: N is the batch size in its matrix section."""
    text = markdown(BOOK / "06_backpropagation.ipynb")
    assert "$M + P$" in text and "$N$ operations" not in text and "graph of $N$" not in text


def test_ridge_conventions_are_reconciled():
    """Chapter 3's summed-loss lambda and chapter 4's mean-loss lambda/2 are converted in chapter 4."""
    text = markdown(BOOK / "04_logistic_softmax.ipynb")
    assert r"\lambda = 2\lambda_3/N" in text
    code = "\n".join(
        source(c) for c in cells(BOOK / "04_logistic_softmax.ipynb") if c["cell_type"] == "code"
    )
    assert "ridge_closed_form(Xr, yr, lam=N_r * lam_mean / 2)" in code


def test_notation_page_is_in_the_toc_and_names_the_conventions():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s*- file: book/notation\s*$", toc, re.M)
    page = (BOOK / "notation.md").read_text(encoding="utf-8")
    for symbol in (
        r"| $J$ |",
        r"| $\eta$ |",
        r"| $N$ |",
        r"| $L$ |",
        r"| $\lambda$ |",
        r"| $M$ |",
        r"| $C$ |",
    ):
        assert symbol in page, f"notation.md has no row for {symbol}"
    assert r"\lambda = 2\lambda_3/N" in page
