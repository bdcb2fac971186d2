"""Execute the book's notebooks into the execution cache, two at a time, before Jupyter Book runs.

Jupyter Book 1 executes a notebook when Sphinx reads it, one after the other: on 2 cores, one
core waits while a chapter trains a network or draws its figures. This step fills the same
jupyter-cache (``_build/.jupyter_cache``, the ``execute: cache`` setting of ``_config.yml``)
first, with jupyter-cache's own parallel executor; the build then finds every notebook cached
and only reads it. A notebook that fails here is not cached, so the build executes it again and
reports its error as usual (``nb_execution_raise_on_error``). Notebooks whose code has not
changed since they were cached are not executed again (``make book`` stays incremental).

Usage (the Makefile's ``build_book``, with the book's kernel environment)::

    python -m nnlib.grading.authoring.execute _build/.jupyter_cache book/*.ipynb
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

#: seconds per cell, as ``execute: timeout`` in _config.yml
TIMEOUT = 300


def execute(cache_folder: Path, notebooks: list[Path], timeout: int = TIMEOUT) -> list[str]:
    """Execute the uncached ``notebooks`` into ``cache_folder``, one process per core.

    Returns the notebooks that failed (their error shows again when the build executes them).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    missing = [str(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"execute: no notebook at {', '.join(missing)}")
    cache = get_cache(str(cache_folder))
    # Largest first: the pool hands out notebooks in this order, and a long chapter started
    # last would leave the other core idle at the end.
    for path in sorted(notebooks, key=lambda p: -Path(p).stat().st_size):
        cache.add_nb_to_project(str(Path(path).resolve()))
    logger = logging.getLogger("nnlib.execute")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    executor = load_executor("local-parallel", cache=cache, logger=logger)
    uris = [str(Path(p).resolve()) for p in notebooks]
    result = executor.run_and_cache(filter_uris=uris, timeout=timeout, allow_errors=False)
    return list(result.excepted) + list(result.errored)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the execution cache, e.g. _build/.jupyter_cache")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = execute(args.cache, args.notebooks, args.timeout)
    for uri in failed:  # not fatal here: the build executes it again and shows the error
        print(f"execute: {uri} failed; the book build will run it again and report why")
    return 0


if __name__ == "__main__":
    sys.exit(main())
