"""The static explorers' budgets (issue 13), measured on a built book.

    python benchmarks/static_explorers.py [--html _build/html] [--cache _build/explorers]

Prints, from the build in ``_build/`` (``make book`` or ``make book-full``):

1. per explorer: states, distinct image files, bytes on the site, seconds to render (read from
   the cache's manifests, written when the states were rendered);
2. the site's size, and what the explorers' states add to it (budget: the site <= 150 MB);
3. per chapter, the bytes a page loads before any interaction, in headless Chromium with the
   browser cache off (budget: <= 5 MB; states load lazily, only the one on screen), and of what:
   the page's HTML file, its figures (``_images/``), explorer states, MathJax (script and fonts),
   other fonts (the icon font), other scripts and style sheets;
4. the time from a control change (an input event on a slider, a change on a dropdown) to the
   new figure on screen ("nn-explorer-shown", fired once the image has loaded), for the first
   change of every control of every explorer (budget: <= 100 ms).

The clean build and a rebuild that reuses the rendered states are timed with the Makefile's
commands (benchmarks/README.md, "Static explorers"); ``--build`` runs both here:
``rm -rf _build/.jupyter_cache _build/explorers`` then a full build (clean: every chapter
executes and every state renders), then ``rm -rf _build/.jupyter_cache`` and a full build again
(every chapter executes; every state comes from the cache).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import VIEWPORTS, Browser, BrowserError, StaticServer  # noqa: E402

# One change of one control, timed in the page: from the event to "nn-explorer-shown".
CHANGE_JS = r"""((i, j) => new Promise((resolve, reject) => {
  const root = document.querySelectorAll('.nn-explorer')[i];
  const control = root.querySelectorAll('.nn-control')[j];
  const input = control.querySelector('input[type=range], select, input[type=checkbox]')
             || control.querySelector('input[type=radio]:not(:checked)');
  if (input.disabled) return resolve(null);  // a control with one value: nothing to time
  const before = root.dataset.nnShown;
  const timer = setTimeout(() => reject(new Error('no new figure within 10 s')), 10000);
  root.addEventListener('nn-explorer-shown', (e) => {
    clearTimeout(timer);
    resolve({ ms: performance.now() - start, from: before, to: e.detail.key });
  }, { once: true });
  const start = performance.now();
  if (input.type === 'range') {
    input.value = Number(input.value) + (Number(input.value) < Number(input.max) ? 1 : -1);
    input.dispatchEvent(new Event('input'));
  } else if (input.tagName === 'SELECT') {
    input.selectedIndex = (input.selectedIndex + 1) % input.options.length;
    input.dispatchEvent(new Event('change'));
  } else {
    input.checked = !input.checked || input.type === 'radio';
    input.dispatchEvent(new Event('change'));
  }
}))"""


def cache_table(cache: Path, html: Path) -> list[dict]:
    rows = []
    for saved in sorted(cache.glob("*/manifest.json")):
        entry = json.loads(saved.read_text(encoding="utf-8"))
        if not (html / "_static" / "nn-explorers" / entry["key"]).is_dir():
            continue  # an older version, not on the site
        states = entry.get("states", {})
        files = {s["file"]: s["bytes"] for s in states.values()}
        rows.append(
            {
                "explorer": entry["explorer"],
                "mode": entry["renderer"] or "states",
                "states": len(states),
                "files": len(files),
                "MB": sum(files.values()) / 1e6,
                "render s": entry.get("render_seconds", 0.0),
            }
        )
    return rows


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# What a page loaded, by kind: the Resource Timing entries' sizes (the server sends no
# compression, so a body's encoded size is its size on disk).
KINDS_JS = r"""(() => {
  const kinds = {figures: 0, states: 0, mathjax: 0, fonts: 0, scripts: 0, css: 0, other: 0};
  for (const e of performance.getEntriesByType('resource')) {
    const path = new URL(e.name).pathname;
    const kind = path.includes('/nn-explorers/') ? 'states'
      : path.includes('/mathjax/') ? 'mathjax'
      : /\.(png|jpe?g|gif|svg|webp)$/.test(path) ? 'figures'
      : /\.(woff2?|ttf|otf|eot)$/.test(path) ? 'fonts'
      : /\.js$/.test(path) ? 'scripts' : /\.css$/.test(path) ? 'css' : 'other';
    kinds[kind] += e.encodedBodySize;
  }
  return kinds;
})()"""


def browse(html: Path) -> tuple[list[dict], list[float]]:
    """Per chapter page: bytes before interaction; and every control change's time to figure."""
    pages = sorted((html / "book").glob("[0-9][0-9]_*.html"))
    server = StaticServer(html)
    browser = Browser(server.origin)
    rows, times = [], []
    try:
        tab = browser.new_page()
        tab.send("Network.setCacheDisabled", {"cacheDisabled": True})
        for page in pages:
            tab.goto(f"{server.origin}/book/{page.name}", VIEWPORTS["desktop"])
            count = tab.evaluate("document.querySelectorAll('.nn-explorer').length")
            tab.poll(
                f"document.querySelectorAll('.nn-explorer[data-nn-shown]').length >= {count}",
                30,
                "the explorers",
            )
            try:
                tab.wait_network_quiet()
            except BrowserError as err:
                raise SystemExit(f"{page.name}: {err}; in flight: {tab._inflight}") from None
            kinds = tab.evaluate(KINDS_JS)
            rows.append(
                {
                    "page": page.stem,
                    "explorers": count,
                    "MB": tab.bytes_loaded / 1e6,
                    "html": page.stat().st_size / 1e6,  # the document: not a resource entry
                    **{kind: n / 1e6 for kind, n in kinds.items()},
                }
            )
            tab.send("Network.setCacheDisabled", {"cacheDisabled": False})  # prefetch may help
            for i in range(count):
                n = tab.evaluate(
                    f"document.querySelectorAll('.nn-explorer')[{i}]"
                    ".querySelectorAll('.nn-control').length"
                )
                for j in range(n):
                    try:
                        change = tab.evaluate(f"{CHANGE_JS}({i}, {j})")
                    except BrowserError as err:
                        raise SystemExit(f"{page.name}, explorer {i}, control {j}: {err}") from None
                    if change is not None:
                        times.append(change["ms"])
            tab.send("Network.setCacheDisabled", {"cacheDisabled": True})
            if tab.blocked:
                raise SystemExit(f"{page.name} asked the network for {tab.blocked}")
    finally:
        browser.close()
        server.close()
    return rows, times


def timed_build(env: dict) -> float:
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        "--all",
        ".",
        "--config",
        "_build/_config.yml",
        "-W",
        "-n",
        "--keep-going",
    ]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def builds() -> None:
    env = {
        **os.environ,
        "IPYTHONDIR": str(ROOT / "_build" / "ipython"),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "NNLIB_STATIC_EXPLORERS": str(ROOT / "_build" / "explorers"),
    }
    for folder in ("_build/.jupyter_cache", "_build/explorers"):
        shutil.rmtree(ROOT / folder, ignore_errors=True)
    clean = timed_build(env)
    shutil.rmtree(ROOT / "_build/.jupyter_cache", ignore_errors=True)
    again = timed_build(env)
    print(
        f"clean build {clean:.0f} s; rebuild, every chapter executed, states reused {again:.0f} s"
    )


def table(rows: list[dict]) -> str:
    heads = list(rows[0])
    cells = [[f"{r[h]:.2f}" if isinstance(r[h], float) else str(r[h]) for h in heads] for r in rows]
    widths = [max(len(h), *(len(c[k]) for c in cells)) for k, h in enumerate(heads)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(heads, widths))]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / "explorers")
    parser.add_argument("--build", action="store_true", help="time a clean build and a rebuild")
    args = parser.parse_args(argv)
    if args.build:
        builds()
    rows = cache_table(args.cache, args.html)
    print(table(rows))
    print(
        f"total: {sum(r['states'] for r in rows)} states, {sum(r['files'] for r in rows)} files, "
        f"{sum(r['MB'] for r in rows):.1f} MB, {sum(r['render s'] for r in rows):.0f} s of rendering"
    )
    site = folder_bytes(args.html) / 1e6
    states = folder_bytes(args.html / "_static" / "nn-explorers") / 1e6
    print(f"site {site:.1f} MB, of which explorer states and scripts {states:.1f} MB (budget 150)")
    pages, times = browse(args.html)
    print(table(pages))
    print(f"largest page before interaction: {max(r['MB'] for r in pages):.2f} MB (budget 5)")
    print(
        f"control change -> new figure: {len(times)} changes, median "
        f"{statistics.median(times):.0f} ms, 90th percentile "
        f"{statistics.quantiles(times, n=10)[-1]:.0f} ms, max {max(times):.0f} ms (budget 100)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
