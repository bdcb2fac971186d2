"""Execute the book's notebooks into the execution cache, two at a time, before Jupyter Book runs.

Jupyter Book 1 executes a notebook when Sphinx reads it, one after the other: on 2 cores, one
core waits while a chapter trains a network or draws its figures. This step fills the same
jupyter-cache (``_build/.jupyter_cache``, the ``execute: cache`` setting of ``_config.yml``)
first; the build then finds every notebook cached and only reads it. A notebook that fails here
is not cached, so the build executes it again and reports its error as usual
(``nb_execution_raise_on_error``). Notebooks whose code has not changed since they were cached
are not executed again (``make book`` stays incremental).

Why not jupyter-cache's own ``local-parallel`` executor: its workers write the cache themselves,
and the cache's clean-up (``truncate_caches``) lists the records to keep and the records to
delete in two queries; a record another worker adds in between is deleted before its notebook
file exists, and that worker's notebook fails with ``KeyError: Notebook file does not exist``.
Here the worker processes only execute (nbclient, through jupyter-cache's
``single_nb_execution``) and hand the executed notebook back; this process alone writes the
cache, one notebook at a time.

Usage (the Makefile's ``build_book``, with the book's kernel environment)::

    python -m nnlib.grading.authoring.execute _build/.jupyter_cache book/*.ipynb
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import traceback
from pathlib import Path

#: seconds per cell, as ``execute: timeout`` in _config.yml
TIMEOUT = 300


def _execute_one(job):
    """Worker: execute one notebook in its own folder; return it with the time or the error."""
    from jupyter_cache.executors.utils import single_nb_execution

    uri, nb, timeout = job
    try:
        result = single_nb_execution(
            nb, cwd=str(Path(uri).parent), timeout=timeout, allow_errors=False
        )
    except Exception:  # the kernel died, could not start, ...: reported like a failing cell
        return uri, None, 0.0, traceback.format_exc()
    return uri, result.nb, result.time, result.exc_string


def execute(
    cache_folder: Path, notebooks: list[Path], timeout: int = TIMEOUT, jobs: int | None = None
) -> list[str]:
    """Execute the uncached ``notebooks`` into ``cache_folder``, ``jobs`` at a time (one per core).

    Returns the notebooks that failed (their error shows again when the build executes them).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    missing = [str(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"execute: no notebook at {', '.join(missing)}")
    cache = get_cache(str(cache_folder))
    # Largest first: a long chapter started last would leave the other core idle at the end.
    uris = [
        str(Path(p).resolve()) for p in sorted(notebooks, key=lambda p: -Path(p).stat().st_size)
    ]
    for uri in uris:
        cache.add_nb_to_project(uri)
    stale = {record.uri: record.pk for record in cache.list_unexecuted(filter_uris=uris)}
    todo = [uri for uri in uris if uri in stale]  # largest first, as above
    NbProjectRecord.remove_tracebacks(list(stale.values()), cache.db)
    workers = max(1, min(jobs or len(os.sched_getaffinity(0)), len(todo)))
    print(f"execute: {len(todo)} of {len(uris)} notebooks changed; {workers} at a time", flush=True)
    failed = []
    if not todo:  # nothing changed: no worker to start
        return failed
    work = [(uri, cache.get_project_notebook(uri).nb, timeout) for uri in todo]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        # chunksize 1: each free worker takes the next notebook in the largest-first order
        for uri, nb, seconds, error in pool.imap_unordered(_execute_one, work, chunksize=1):
            name = Path(uri).name
            if error is not None:
                NbProjectRecord.set_traceback(uri, error, cache.db)
                failed.append(uri)
                print(f"execute: {name} FAILED after {seconds:.1f} s\n{error}", flush=True)
                continue
            bundle = CacheBundleIn(nb, uri, data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            print(f"execute: {name} cached ({seconds:.1f} s)", flush=True)
    return sorted(failed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the execution cache, e.g. _build/.jupyter_cache")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per cell")
    parser.add_argument(
        "--jobs", type=int, default=None, help="notebooks at a time (default: cores)"
    )
    args = parser.parse_args(argv)
    failed = execute(args.cache, args.notebooks, args.timeout, args.jobs)
    for uri in failed:  # not fatal here: the build executes it again and shows the error
        print(f"execute: {uri} failed; the book build will run it again and report why")
    return 0


if __name__ == "__main__":
    sys.exit(main())
