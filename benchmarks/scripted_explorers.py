"""Budgets of the scripted explorers (issue 13): bytes shipped and time per control change.

For each explorer that the static book draws in JavaScript, this prints the size of its
``static_data()`` (as the page embeds it, JSON) plus the renderer scripts, and the time a
control change takes in headless Chromium: ``render(target, data, values)`` timed with
``performance.now()`` in the page, for the script alone and until the frame after the new
figure was painted (two ``requestAnimationFrame`` callbacks: up to a frame more than the paint),
over a sweep of one control at a time through its static grid (the way a reader drags a
slider), after a first render. Budgets: a change renders in <= 100 ms;
a page stays well under 5 MB before any interaction.

With a built book (``_build/html``, from ``make book``), it also loads each chapter page that
has a scripted explorer in a fresh browser (cold cache) and reports the bytes it loaded before
any interaction, then moves each of the page's sliders through the controller (``explorer.js``)
and times input event -> figure painted.

Run by hand from the repository root (the machine's load shows in the times; say so):

    PYTHONPATH=$PWD OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/scripted_explorers.py
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the CDP driver of the browser tests

from browser import VIEWPORTS, Browser, StaticServer  # noqa: E402

RENDERERS = ROOT / "book" / "_explorers" / "renderers"


def explorers():
    """The scripted explorers as the chapters build them."""
    from nnlib.widgets.convolution import KernelExplorer
    from nnlib.widgets.linear_regression import GradientDescentExplorer, experience_salary
    from nnlib.widgets.logistic import HyperplaneExplorer, LogisticExplorer
    from nnlib.widgets.ml_vs_map import MapExplorer
    from nnlib.widgets.optimizers import OptimizerRace

    return [
        GradientDescentExplorer(*experience_salary(), lr=0.02, steps=40),
        MapExplorer(prior_std=0.5, n=5),
        HyperplaneExplorer(),
        LogisticExplorer(),
        OptimizerRace(),
        KernelExplorer(preset="vertical edges (Sobel x)", digit=0, stride=1, pad=1),
    ]


def sweeps(explorer, per_control: int = 25) -> list[dict]:
    """From the initial values, move one control at a time through up to ``per_control`` of its values."""
    grid, start = explorer.static_grid(), dict(explorer.values)
    states = []
    for name, options in grid.items():
        stride = max(1, len(options) // per_control)
        states += [{**start, name: value} for value in options[::stride]]
    return states


TIMING_JS = """(async () => {
  const r = nnExplorer.renderers[%(name)s], target = document.getElementById('target');
  const states = %(states)s, render = [], paint = [];
  const frame = () => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(ok)));
  const t0 = performance.now();
  r.render(target, window.DATA, %(first)s);
  await frame();
  const first = performance.now() - t0;
  for (const values of states) {
    const t = performance.now();
    r.render(target, window.DATA, values);
    render.push(performance.now() - t);
    await frame();  // the frame after the one that painted the new figure
    paint.push(performance.now() - t);
  }
  return {first, render, paint};
})()"""


def stats(times: list[float]) -> list[float]:
    """Median, 95th percentile and maximum."""
    times = sorted(times)
    return [statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], times[-1]]


BOOK = ROOT / "_build" / "html"
BOOK_PAGES = ["02_linear_regression", "03_ml_vs_map", "04_logistic_softmax", "09_optimizers"]
BOOK_PAGES.append("14_conv_pool")

BOOK_JS = """(async () => {
  const frame = () => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(ok)));
  const times = [];
  for (const root of document.querySelectorAll('div.nn-explorer')) {
    if (!root.querySelector('.nn-explorer-canvas')) continue;  // a "states" explorer
    for (const input of root.querySelectorAll('input[type=range]')) {
      for (let k = 0; k < 10; k++) {
        const t = performance.now();
        input.value = Math.min(Number(input.max), Number(input.value) + 1);
        input.dispatchEvent(new Event('input'));
        await frame();
        times.push(performance.now() - t);
      }
    }
  }
  return times;
})()"""


def book_pages():
    """Cold-load bytes and slider-to-paint times on the built chapter pages."""
    server = StaticServer(BOOK)
    print(f"\nbuilt book ({BOOK}): cold load, then sliders moved through explorer.js")
    print(
        f"{'page':<24} {'kB loaded':>9} {'changes':>8} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}"
    )
    try:
        for name in BOOK_PAGES:
            browser = Browser(server.origin, timeout=120)  # a fresh profile: nothing cached
            try:
                page = browser.new_page()
                page.goto(f"{server.origin}/book/{name}.html", VIEWPORTS["desktop"], timeout=120)
                loaded = page.bytes_loaded
                times = page.evaluate(BOOK_JS, timeout=300)
                row = [loaded / 1e3, len(times), *stats(times)]
                print(f"{name:<24} " + " ".join(f"{v:>9.1f}" for v in row))
            finally:
                browser.close()
    finally:
        server.close()


def main():
    scripts = sorted(RENDERERS.glob("*.js"))
    script_bytes = sum(p.stat().st_size for p in scripts)
    root = Path(tempfile.mkdtemp(prefix="nn-bench-"))
    shutil.copytree(RENDERERS, root / "renderers")
    tags = "\n".join(f'<script src="renderers/{p.name}"></script>' for p in scripts)
    (root / "index.html").write_text(
        f'<!doctype html><html><head><link rel="icon" href="data:,">{tags}</head>'
        '<body><div id="target" style="width:900px"></div></body></html>'
    )
    server = StaticServer(root)
    browser = Browser(server.origin, timeout=120)
    print(f"renderer scripts: {len(scripts)} files, {script_bytes / 1e3:.0f} kB in all")
    columns = ["data kB", "first ms", "changes", "render ms: median", "p95", "max"]
    columns += ["to paint ms: median", "p95", "max"]
    print(f"{'explorer':<24} " + " ".join(f"{c:>9}" for c in columns))
    try:
        page = browser.new_page()
        page.goto(server.origin + "/index.html", VIEWPORTS["desktop"])
        for explorer in explorers():
            data = json.dumps(explorer.static_data())
            page.evaluate(f"window.DATA = {data}; true", timeout=60)
            states = sweeps(explorer)
            out = page.evaluate(
                TIMING_JS
                % {
                    "name": json.dumps(explorer.static_renderer),
                    "states": json.dumps(states),
                    "first": json.dumps(explorer.values),
                },
                timeout=120,
            )
            row = [len(data) / 1e3, out["first"], len(states)]
            row += stats(out["render"]) + stats(out["paint"])
            print(f"{type(explorer).__name__:<24} " + " ".join(f"{v:>9.1f}" for v in row))
        assert not page.problems, page.problems
    finally:
        browser.close()
        server.close()
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
    if BOOK.is_dir():
        book_pages()
