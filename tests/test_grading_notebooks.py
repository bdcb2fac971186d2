"""Notebook hygiene (math in every statement, seeded randomness, the feedback and scoring rule in the intro, a
plug-in demo with compare() and then an explorer driven by the student's code last) and the instructor
book files.

The notebooks themselves are executed by nbval, outside this file:
    .venv/bin/pytest --nbval-lax exercises solutions
"""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from nnlib.grading.authoring.book import PART, write_instructor_files
from nnlib.grading.authoring.release import BEGIN, solution_files

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = solution_files(ROOT / "solutions") + solution_files(ROOT / "exercises")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_layout(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert (
        code[0].get("id") == "install-nnlib"
    )  # the Colab install cell (make notebooks) comes first
    assert "from nnlib.grading import check, compare, substitute" in code[1].source
    # the plug-in: yours next to nnlib's own result, after every check() (hidden assertions of the
    # plug-in's quoted numbers may follow it), then the explorer driven by your code
    last_check = max(i for i, c in enumerate(code) if re.search(r"^check\(", c.source, re.M))
    assert any("compare(" in c.source for c in code[last_check + 1 :]), (
        "no compare(...) plug-in cell"
    )
    assert any(re.search(r"Explorer\(|yours=", c.source) for c in code[last_check + 1 :]), (
        "no explorer driven by your code after the checks"
    )
    assert "Feedback and scoring" in nb.cells[0].source and "hint=True" in nb.cells[0].source
    for i, cell in enumerate(nb.cells):
        if (
            cell.cell_type == "code"
            and re.search(r"^def \w+\(", cell.source, re.M)
            and (BEGIN in cell.source or "NotImplementedError" in cell.source)
        ):
            statement = nb.cells[i - 1]
            assert statement.cell_type == "markdown" and "$" in statement.source, (
                f"cell {i}: no math above"
            )
    text = "\n".join(c.source for c in code)
    assert not re.search(r"np\.random\.(seed|rand|randn|normal|uniform)\(|default_rng\(\)", text)
    assert all(
        "seed=" in m for m in re.findall(r"Sequential\([^\n]*(?:\n[^\n]*){0,2}", text) if "[" in m
    )


def test_instructor_book_swaps_exercises_for_solutions(tmp_path):
    (tmp_path / "solutions").mkdir()
    for name in ("02_a", "03_b"):
        (tmp_path / "solutions" / f"{name}.ipynb").write_text("{}")
    toc = {
        "format": "jb-book",
        "root": "book/intro",
        "parts": [
            {
                "caption": "Exercises",
                "chapters": [{"file": "exercises/02_a"}, {"file": "exercises/03_b"}],
            }
        ],
    }
    config = {
        "title": "T",
        "exclude_patterns": ["_build", "solutions", "exercises"],
        "execute": {"exclude_patterns": ["solutions/*", "exercises/*"]},
    }
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    toc_path, config_path = write_instructor_files(tmp_path)
    new_toc, new_config = (
        yaml.safe_load(toc_path.read_text()),
        yaml.safe_load(config_path.read_text()),
    )
    assert new_toc["parts"][0]["chapters"] == [
        {"file": "solutions/02_a"},
        {"file": "solutions/03_b"},
    ]
    assert (
        "solutions" not in new_config["exclude_patterns"]
        and "exercises" in new_config["exclude_patterns"]
    )
    assert new_config["execute"]["exclude_patterns"] == ["exercises/*"]
    assert (
        yaml.safe_load((tmp_path / "_toc.yml").read_text()) == toc
    )  # the public files are untouched
    toc["parts"] = [{"caption": "Chapters", "chapters": [{"file": "book/x"}]}]
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    new_toc = yaml.safe_load(write_instructor_files(tmp_path)[0].read_text())
    chapters = [{"file": "solutions/02_a"}, {"file": "solutions/03_b"}]
    assert new_toc["parts"][-1] == {"caption": PART, "chapters": chapters}
