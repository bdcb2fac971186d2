"""Submissions as they arrive (issue 11, item 4): other tools' exports are graded like the notebook,
and hostile or broken files are refused with one clean error and a reason, never a crash."""

import json
import os
from pathlib import Path

import pytest

from nnlib.grading.autograder.convert import (
    MAX_FILE_BYTES,
    SubmissionError,
    code_sources,
    make_notebook,
    parse_submission,
    read_submission,
    unwrap_ipython,
)
from nnlib.grading.autograder.sandbox import Limits, isolation
from nnlib.grading.autograder.scoring import References, grade_submission
from nnlib.grading.student.registry import by_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "07_activations.ipynb"
EXERCISES = by_notebook("07_activations")
FULL = 8.0


def _solution_cells() -> list[str]:
    return [c for c in code_sources(SOLUTION) if "substitute(" not in c and "compare(" not in c]


def _grade(path: Path) -> dict:
    return grade_submission(
        read_submission(path),
        EXERCISES,
        seed=0,
        limits=Limits(timeout=6.0),
        iso=isolation(),
        refs=References(),
        hidden=[str(path.parent)],
    )


# ----------------------------------------------------------------------------- messy but correct


def _nbconvert_script() -> str:
    """The solution as ``jupyter nbconvert --to script`` writes it, with magics in their own cells."""
    import nbformat
    from nbconvert import PythonExporter

    cells = ["%matplotlib inline\n!echo hello", *_solution_cells()]
    first_def = next(i for i, c in enumerate(cells) if c.lstrip().startswith("def "))
    cells[first_def] = "%%time\n" + cells[first_def]  # a cell magic around a definition
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Chapter 7")]
        + [nbformat.v4.new_code_cell(c) for c in cells]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    script, _ = PythonExporter().from_notebook_node(nb)
    assert "# In[" in script and "get_ipython().run_cell_magic('time'" in script  # the real format
    return script


def _jupytext_percent() -> str:
    header = (
        "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       extension: .py\n"
        "#       format_name: percent\n#       format_version: '1.3'\n#   kernelspec:\n"
        "#     display_name: Python 3\n#     name: python3\n# ---\n\n# %% [markdown]\n# # Activations\n\n"
    )
    return header + "".join(f"# %%\n{c}\n\n" for c in ["# %matplotlib inline", *_solution_cells()])


def _colab() -> dict:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {
                "id": f"cell{i}",
                "colab": {"base_uri": "https://localhost:8080/"},
                "outputId": "x",
            },
            "outputs": [],
            "source": c.splitlines(True),
        }
        for i, c in enumerate(
            [
                "!pip install -q nnlib",
                "from google.colab import drive\ndrive.mount('/content')",
                *_solution_cells(),
            ]
        )
    ]
    return {
        "nbformat": 4,
        "nbformat_minor": 0,
        "cells": cells,
        "metadata": {
            "colab": {"provenance": [], "name": "ana.ipynb"},
            "accelerator": "GPU",
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
        },
    }


def _nbformat(minor: int) -> dict:
    nb = make_notebook(_solution_cells())
    nb["nbformat_minor"] = minor
    if minor < 5:
        for cell in nb["cells"]:
            del cell["id"]
    return nb


MESSY = {
    "nbconvert.py": lambda: _nbconvert_script().encode(),
    "jupytext.py": lambda: _jupytext_percent().encode(),
    "latin1_cookie.py": lambda: (
        "# -*- coding: latin-1 -*-\n# auteur: Zoë\n"
        + "".join(f"# %%\n{c}\n" for c in _solution_cells())
    ).encode("latin-1"),
    "colab.ipynb": lambda: json.dumps(_colab()).encode(),
    "nbformat_4_0.ipynb": lambda: json.dumps(_nbformat(0)).encode(),
    "nbformat_4_5.ipynb": lambda: json.dumps(_nbformat(5)).encode(),
    "utf8_bom.ipynb": lambda: (
        b"\xef\xbb\xbf" + json.dumps(make_notebook(_solution_cells())).encode()
    ),
}


@pytest.mark.skipif(isolation().name != "bwrap", reason="needs bubblewrap (make test installs it)")
@pytest.mark.parametrize("name", list(MESSY))
def test_other_tools_exports_get_full_marks(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(MESSY[name]())
    report = _grade(path)
    assert report["score"] == FULL, [e["reason"] for e in report["exercises"]] + report["notes"]


def test_nbconvert_cells_and_magics_are_unwrapped():
    cells = [c["source"] for c in parse_submission_text("x.py", _nbconvert_script()).cells]
    assert not any("get_ipython" in c for c in cells)
    assert any(
        c.lstrip().startswith("def relu_backward") for c in cells
    )  # the %%time body runs as code
    assert unwrap_ipython("files = get_ipython().getoutput('ls')") == "files = None"
    assert unwrap_ipython("get_ipython().run_cell_magic('bash', '', 'rm -rf /')") == "pass"


def parse_submission_text(name: str, text: str, tmp=Path(os.environ.get("TMPDIR", "/tmp"))):  # noqa: B008
    path = tmp / f"isolation-inputs-{os.getpid()}-{name}"
    path.write_text(text, encoding="utf-8")
    try:
        return parse_submission(path)
    finally:
        path.unlink()


# ----------------------------------------------------------------------------- hostile or broken


def _deep_json() -> bytes:
    return b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _huge_expression() -> bytes:
    return json.dumps(make_notebook(["x = " + " + ".join(["1"] * 100_000)])).encode()


HOSTILE = {
    "deep_json.ipynb": (_deep_json, "nests too deeply"),
    "huge_expression.ipynb": (_huge_expression, "cell 1 nests too deeply"),
    "deep_parentheses.py": (
        lambda: b"x = " + b"(" * 100_000 + b"1" + b")" * 100_000,
        None,
    ),  # a SyntaxError: graded
    "latin1_notebook.ipynb": (
        lambda: json.dumps(make_notebook(["x = 'é'"])).encode().replace(b"\\u00e9", b"\xe9"),
        "not UTF-8",
    ),
    "utf16_script.py": (lambda: "x = 1\n".encode("utf-16"), "not text in its declared encoding"),
    "nbformat_as_string.ipynb": (
        lambda: json.dumps(dict(make_notebook(["x = 1"]), nbformat="4")).encode(),
        "nbformat",
    ),
    "nbformat_2.ipynb": (
        lambda: json.dumps(dict(make_notebook(["x = 1"]), nbformat=2)).encode(),
        "nbformat",
    ),
    "cells_is_a_dict.ipynb": (
        lambda: b'{"nbformat": 4, "cells": {"0": "x = 1"}}',
        "no list of cells",
    ),
    "source_is_a_number.ipynb": (
        lambda: b'{"cells": [{"cell_type": "code", "source": 5}]}',
        "source of type int",
    ),
    "source_list_of_numbers.ipynb": (
        lambda: b'{"cells": [{"cell_type": "code", "source": [1, 2]}]}',
        "source of type",
    ),
    "huge_integer.ipynb": (
        lambda: b'{"cells": [], "nbformat": ' + b"9" * 100_000 + b"}",
        "does not parse",
    ),
    "lone_surrogate.ipynb": (
        lambda: b'{"cells": [{"cell_type": "code", "source": "x = \'\\ud800\'"}]}',
        "lone surrogate",
    ),
    "worksheets_garbage.ipynb": (lambda: b'{"worksheets": [5], "nbformat": 3}', "no code"),
    "worksheet_cells_garbage.ipynb": (
        lambda: b'{"worksheets": [{"cells": 5}]}',
        "no list of cells",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_raise_one_clean_error(tmp_path, name):
    make, fragment = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(make())
    if fragment is None:
        assert parse_submission(path).cells  # read; the child reports the SyntaxError
        return
    with pytest.raises(SubmissionError, match=fragment):
        parse_submission(path)
    sub = read_submission(path)  # the batch's form: a refusal with the reason, no exception
    assert sub.error.startswith("refused: ") and fragment in sub.error and sub.cells == ()


def test_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / "huge.ipynb"
    with open(path, "wb") as fh:  # sparse: no disk is used
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(SubmissionError, match="MB"):
        parse_submission(path)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.ipynb"
    os.mkfifo(path)
    with pytest.raises(SubmissionError, match="not a regular file"):
        parse_submission(path)


def test_submission_error_is_a_value_error():
    assert issubclass(SubmissionError, ValueError)
