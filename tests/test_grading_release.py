"""The generator solutions/ -> exercises/: markers, determinism, refusal of malformed input, freshness."""

import re
from pathlib import Path

import nbformat
import pytest

from nnlib.grading.__main__ import main
from nnlib.grading.authoring.release import (
    BEGIN,
    END,
    MarkerError,
    clean_notebook,
    make_exercise,
    release,
    render,
    secret_lines,
    solution_files,
    strip_solution,
    to_text,
)

ROOT = Path(__file__).resolve().parents[1]

GOOD = f"""import numpy as np


def f(x, y):
    \"\"\"Doc.\"\"\"
    z = x + y
    {BEGIN}
    secret = np.tanh(z)
    return secret * 2
    {END}


def g(x):
    if x:
        {BEGIN}
        return 1
        {END}
    return 0
"""


def test_regions_become_raises_at_their_indentation():
    out = strip_solution(GOOD)
    assert "secret" not in out and "return 1" not in out
    assert (
        '    raise NotImplementedError("f: replace this line with your code")' in out.splitlines()
    )
    assert (
        '        raise NotImplementedError("g: replace this line with your code")'
        in out.splitlines()
    )
    assert (
        "    z = x + y" in out and "    return 0" in out and '"""Doc."""' in out
    )  # the rest is kept
    namespace = {}
    exec(out, namespace)
    with pytest.raises(NotImplementedError, match="f: replace this line"):
        namespace["f"](1, 2)
    assert namespace["g"](0) == 0


def test_cells_without_markers_are_untouched():
    source = "x = 1  # BEGIN nothing\nprint(x)"
    assert strip_solution(source) is source


@pytest.mark.parametrize(
    "source, message",
    [
        (
            f"def f():\n    {BEGIN}\n    return 1\n",
            "line 2: '### BEGIN SOLUTION' without a matching",
        ),
        (f"def f():\n    return 1\n    {END}\n", "line 3: '### END SOLUTION' without a matching"),
        (f"def f():\n    {BEGIN}\n    {BEGIN}\n    return 1\n    {END}\n", "line 3: nested"),
        (f"{BEGIN}\nx = 1\n{END}\n", "line 1: '### BEGIN SOLUTION' outside a function"),
        (
            f"def f():\n    {BEGIN}\n    return 1\n\n\ndef g():\n    {END}\n    return 2\n",
            "not in the same function",
        ),
        ("def f():\n    ## BEGIN SOLUTION\n    return 1\n", "malformed marker '## BEGIN SOLUTION'"),
        (
            "def f():\n    ### begin solution\n    return 1\n    ### END SOLUTION\n",
            "malformed marker",
        ),
        (f"def f(:\n    {BEGIN}\n    {END}\n", "does not parse"),
    ],
)
def test_malformed_markers_are_refused_with_the_place(source, message):
    with pytest.raises(MarkerError, match=re.escape(message)) as info:
        strip_solution(source, "sol.ipynb, cell 4")
    assert str(info.value).startswith("sol.ipynb, cell 4")


def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")] + [
        nbformat.v4.new_code_cell(s) for s in sources
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="out")]
    nb.cells[1].execution_count = 3
    nb.cells[1].metadata = {"tags": ["keep-me"], "collapsed": True}
    return nb


def test_release_writes_stripped_deterministic_exercises(tmp_path):
    sol, exe = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(_notebook(GOOD, "check(f)"), str(sol / "02_demo.ipynb"))
    assert release(sol, exe) == [exe / "02_demo.ipynb"]
    first = (exe / "02_demo.ipynb").read_bytes()
    assert (
        release(sol, exe) == [] and (exe / "02_demo.ipynb").read_bytes() == first
    )  # byte-identical re-run
    nb = nbformat.reads(first.decode(), as_version=4)
    code = nb.cells[1]
    assert (
        code.outputs == []
        and code.execution_count is None
        and code.metadata == {"tags": ["keep-me"]}
    )
    assert "secret" not in first.decode() and nb.cells[2].source == "check(f)"
    assert [c.id for c in nb.cells] == ["cell-0", "cell-1", "cell-2"]


def test_release_check_only_reports_stale_and_orphans_without_writing(tmp_path):
    sol, exe = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    exe.mkdir()
    nbformat.write(_notebook(GOOD), str(sol / "03_a.ipynb"))
    (exe / "04_orphan.ipynb").write_text("{}")
    assert release(sol, exe, check_only=True) == [exe / "03_a.ipynb", exe / "04_orphan.ipynb"]
    assert not (exe / "03_a.ipynb").exists() and (exe / "04_orphan.ipynb").exists()
    release(sol, exe)
    assert sorted(p.name for p in exe.iterdir()) == ["03_a.ipynb"]


def test_release_names_the_file_and_cell_and_writes_nothing(tmp_path):
    sol, exe = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(_notebook("x = 1"), str(sol / "02_ok.ipynb"))
    nbformat.write(
        _notebook("y = 2", f"def f():\n    {BEGIN}\n    return 1\n"), str(sol / "05_bad.ipynb")
    )
    with pytest.raises(MarkerError, match=r"05_bad\.ipynb, cell 2, line 2"):
        release(sol, exe)
    assert not exe.exists()


def test_cli_release_and_check(tmp_path, capsys):
    sol, exe = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(_notebook(GOOD), str(sol / "02_demo.ipynb"))
    assert main(["release", "--solutions", str(sol), "--exercises", str(exe), "--check"]) == 1
    assert main(["release", "--solutions", str(sol), "--exercises", str(exe)]) == 0
    assert main(["release", "--solutions", str(sol), "--exercises", str(exe), "--check"]) == 0
    nbformat.write(_notebook(f"{BEGIN}\n"), str(sol / "03_bad.ipynb"))
    assert main(["release", "--solutions", str(sol), "--exercises", str(exe)]) == 2
    assert "03_bad.ipynb, cell 1" in capsys.readouterr().err
    assert main(["release", "--solutions", str(tmp_path / "none")]) == 2


# --- the committed notebooks -----------------------------------------------------------------------


def test_exercises_are_up_to_date_with_solutions():
    stale = release(ROOT / "solutions", ROOT / "exercises", check_only=True)
    assert stale == [], f"run `make release`: {[p.name for p in stale]}"


@pytest.mark.parametrize("path", solution_files(ROOT / "solutions"), ids=lambda p: p.stem)
def test_solutions_are_committed_stripped(path):
    text = path.read_text(encoding="utf-8")
    assert text == to_text(clean_notebook(nbformat.reads(text, as_version=4))), (
        "outputs or metadata left in"
    )


@pytest.mark.parametrize("path", solution_files(ROOT / "solutions"), ids=lambda p: p.stem)
def test_no_solution_line_leaks_into_the_exercise(path):
    exercise = (ROOT / "exercises" / path.name).read_text(encoding="utf-8")
    secret = secret_lines(path)
    assert secret, "no solution lines found"
    exercise_lines = {
        line.strip()
        for cell in nbformat.reads(exercise, as_version=4).cells
        for line in cell.source.splitlines()
    }
    assert not secret & exercise_lines
    assert render(path) == exercise  # and the exercise is exactly what the generator makes


def test_make_exercise_leaves_its_input_alone():
    nb = _notebook(GOOD)
    before = nbformat.writes(nb)
    make_exercise(nb)
    assert nbformat.writes(nb) == before


def test_cells_without_ids_get_deterministic_ones():
    nb = nbformat.from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": 2,
            "metadata": {},
            "cells": [
                {
                    "cell_type": "code",
                    "source": GOOD,
                    "metadata": {},
                    "outputs": [],
                    "execution_count": 1,
                }
            ],
        }
    )
    texts = {to_text(make_exercise(nb)) for _ in range(2)}
    assert len(texts) == 1 and '"id": "cell-0"' in texts.pop()
