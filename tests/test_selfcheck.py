"""The self-check questions at the end of every chapter: their form, the numbers they quote, and
that they open in the built book (headless Chromium). tests/test_everywhere_jupyterlab.py opens
them in JupyterLab.

Each question is a bold number and a stem, then one HTML ``<details>`` per answer whose hidden part
starts with "Right." or "Not quite." and says why. Plain HTML, so the same cell works in the static
book, JupyterLab, Notebook 7 and Colab without a kernel; and no TeX inside it, because MathJax is not
run on raw HTML everywhere (Unicode symbols instead).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(ROOT.glob("book/[01][0-9]_*.ipynb"))
OPTION = re.compile(
    r'^<details class="self-check"><summary>([A-D])\. (.+?)</summary>'
    r"<p><b>(Right\.|Not quite\.)</b> (.+)</p></details>$"
)


def self_check(path: Path) -> str:
    return "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][-1]["source"])


def questions(text: str) -> list[list[re.Match]]:
    """Per question, its options (as regex matches), in order."""
    found: list[list[re.Match]] = []
    for line in text.splitlines():
        if re.match(r"^\*\*\d+\.\*\* ", line):
            found.append([])
        elif line.startswith("<"):
            match = OPTION.match(line)
            assert match, f"not a self-check option: {line[:80]}"
            found[-1].append(match)
    return found


def test_every_chapter_ends_with_three_or_four_questions_with_one_right_answer_each():
    assert len(CHAPTERS) == 15
    for path in CHAPTERS:
        text = self_check(path)
        assert text.startswith("## Check your understanding\n"), path.name
        qs = questions(text)
        assert 3 <= len(qs) <= 4, (path.name, len(qs))
        for n, options in enumerate(qs, start=1):
            letters = [m.group(1) for m in options]
            assert letters == list("ABCD"[: len(options)]) and len(options) >= 2, (path.name, n)
            right = [m.group(1) for m in options if m.group(3) == "Right."]
            assert len(right) == 1, (path.name, n, right)
            for m in options:
                assert len(m.group(4)) >= 15, (path.name, n, "say why")
        assert "Right." in text and len({q[0].group(2) for q in qs}) == len(qs)


def test_no_tex_or_markdown_inside_the_html_answers():
    for path in CHAPTERS:
        for line in self_check(path).splitlines():
            if line.startswith("<details"):
                assert not re.search(r"\$|\\\(|\\\[|\*\*|`", line), (path.name, line[:80])
                assert line.count("<details") == line.count("</details>") == 1


def test_the_numbers_the_questions_quote():
    """Chapter 7: leaky ReLU's mean 0.39; 9: Adam's first uncorrected step 3.2 eta; 14: 14 and 1,168."""
    from nnlib.grading.student.references import conv_output_size
    from nnlib.layers import Conv2D
    from nnlib.model import Sequential

    assert f"{0.99 / math.sqrt(2 * math.pi):.2f}" == "0.39"
    beta1, beta2, g = 0.9, 0.999, 0.37
    m, v = (1 - beta1) * g, (1 - beta2) * g * g
    assert f"{m / math.sqrt(v):.1f}" == "3.2" and round(m / math.sqrt(v)) == 3
    assert conv_output_size(28, 3, stride=2, pad=1) == 14
    assert (28 + 2 - 3) // 2 == 13 and math.ceil((28 + 2 - 3) / 2) + 1 == 15
    assert Sequential([Conv2D(16, 3, input_shape=(8, 8, 8))], seed=0).count_params() == 1168
    assert 16 * 8 * 3 * 3 == 1152
    assert np.sqrt(2 / 400) * 2 == pytest.approx(
        np.sqrt(2 / 100)
    )  # chapter 10: wrong by a factor 2
    assert f"{0.5**20:.0e}" == "1e-06"  # chapter 10: the second moment halved 20 times
    momentum = 0.0
    for _ in range(200):  # chapter 9: v -> g / (1 - beta) = 10 g
        momentum = 0.9 * momentum + 1.0
    assert momentum == pytest.approx(10.0, rel=1e-6)


@pytest.mark.browser
def test_the_questions_open_in_the_built_book(tab):  # noqa: F811 - the fixture of test_book.py
    from browser import VIEWPORTS

    server, page = tab
    for path in CHAPTERS:
        expected = sum(len(q) for q in questions(self_check(path)))
        page.goto(f"{server.origin}/book/{path.stem}.html", VIEWPORTS["desktop"])
        found = page.evaluate(
            "(() => { const d = [...document.querySelectorAll('details.self-check')];"
            " const closed = d.filter(x => !x.open).length;"
            " d.forEach(x => x.querySelector('summary').click());"
            " const p = d[0] ? d[0].querySelector('p') : null;"
            " return {n: d.length, closed: closed, open: d.filter(x => x.open).length,"
            " shown: p ? p.getBoundingClientRect().height > 0 : false,"
            " raw: document.body.innerText.includes('<details')}; })()"
        )
        assert found == {
            "n": expected,
            "closed": expected,
            "open": expected,
            "shown": True,
            "raw": False,
        }, (path.stem, found)


from test_book import built, tab  # noqa: E402, F401 - the built book and its static server
