"""nnlib.grading.authoring.execute: the book's notebooks executed into the cache in parallel."""

from __future__ import annotations

import nbformat
import pytest
from jupyter_cache import get_cache

from nnlib.grading.authoring import execute


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_notebooks_are_cached_where_the_book_build_looks_for_them(tmp_path):
    """What myst-nb does in `execute_notebooks: cache` mode: match the notebook it read against
    the cache; a match means the build reads the outputs instead of executing."""
    good = [notebook(tmp_path / f"ch{i}.ipynb", f"print({i} * 7)") for i in range(3)]
    bad = notebook(tmp_path / "bad.ipynb", "raise ValueError('a failing cell')")
    failed = execute.execute(tmp_path / "cache", [*good, bad], timeout=60)
    assert failed == [str(bad.resolve())]
    cache = get_cache(str(tmp_path / "cache"))
    for i, path in enumerate(good):
        record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
        outputs = cache.get_cache_bundle(record.pk).nb.cells[0].outputs
        assert outputs[0]["text"] == f"{i * 7}\n", outputs
    with pytest.raises(KeyError):  # not cached: the build executes it and reports the error
        cache.match_cache_notebook(nbformat.read(bad, as_version=4))


def test_many_notebooks_finishing_together_are_all_cached(tmp_path, monkeypatch):
    """jupyter-cache's own parallel executor lost notebooks in CI: its workers' cache clean-up
    deleted a record another worker had just added (KeyError: Notebook file does not exist).
    Only this process may write the cache: the workers hand their notebooks back."""
    from jupyter_cache.cache.main import JupyterCacheBase

    writes = []
    original = JupyterCacheBase.cache_notebook_bundle

    def counted(self, bundle, *args, **kwargs):
        writes.append(bundle.uri)
        return original(self, bundle, *args, **kwargs)

    monkeypatch.setattr(JupyterCacheBase, "cache_notebook_bundle", counted)
    paths = [notebook(tmp_path / f"n{i}.ipynb", f"print({i})") for i in range(8)]
    assert execute.execute(tmp_path / "cache", paths, timeout=60, jobs=2) == []
    assert sorted(writes) == sorted(str(p.resolve()) for p in paths)  # all written here
    cache = get_cache(str(tmp_path / "cache"))
    assert len(cache.list_cache_records()) == 8
    assert not cache.list_unexecuted(filter_uris=[str(p.resolve()) for p in paths])


def test_an_unchanged_notebook_is_not_executed_again(tmp_path):
    path = notebook(tmp_path / "a.ipynb", "import time; print(time.time_ns())")
    execute.execute(tmp_path / "cache", [path], timeout=60)
    cache = get_cache(str(tmp_path / "cache"))
    first = cache.match_cache_notebook(nbformat.read(path, as_version=4)).pk
    execute.execute(tmp_path / "cache", [path], timeout=60)
    assert cache.match_cache_notebook(nbformat.read(path, as_version=4)).pk == first


def test_a_missing_notebook_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebook at .*missing.ipynb"):
        execute.execute(tmp_path / "cache", [tmp_path / "missing.ipynb"])


def test_the_makefile_executes_the_chapters_before_the_build():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    rule = makefile.split("define build_book", 1)[1].split("endef", 1)[0]
    pre, book = rule.index("nnlib.grading.authoring.execute"), rule.index("jupyter-book build")
    assert pre < book and "$(BOOK_ENV)" in rule[:pre].splitlines()[-1] + rule[pre:book]
