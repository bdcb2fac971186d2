"""A real JupyterLab, driven in headless Chromium, renders the chapters' MyST and hides the assertions.

The server runs from this Python environment with a temporary settings folder (so a student's own
settings cannot change the result) and the notebook windowing turned off: JupyterLab 4 otherwise
renders only the cells on screen, and the test must see every cell. Nothing is saved: the
notebooks are opened, read and closed with the server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from nnlib.grading.authoring.notebooks import HIDDEN_TAG, INSTALL_ID

from browser import VIEWPORTS, Browser, BrowserError

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
# The front page of the interactive explorers ({tip}, {doc}) and a chapter with two admonitions,
# in JupyterLab and in Notebook 7 (the same extension system, another page).
OPENED = [
    ("lab", "book/interactive.ipynb"),
    ("lab", "book/06_backpropagation.ipynb"),
    ("notebook7", "book/06_backpropagation.ipynb"),
]
URL_PATH = {"lab": "/lab/tree/", "notebook7": "/notebooks/"}
# A directive fence or a role left as text (a role's target renders as code, without its backticks).
MYST_MARKUP = re.compile(r":::\s*\{|```\{|\{(?:doc|ref|numref|eq|download|term)\}")

NOTEBOOK_REPORT_JS = r"""(() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  // A rendered Markdown cell is marked jp-mod-rendered; innerText skips its hidden editor.
  const markdown = [...panel.querySelectorAll('.jp-MarkdownCell.jp-mod-rendered .jp-InputArea')];
  return {
    cells: cells.length,
    renderedMarkdown: markdown.length,
    text: markdown.map(m => m.innerText).join('\n'),
    collapsedInputs: cells.filter(c => c.querySelector('.jp-InputPlaceholder')).map(c => cells.indexOf(c)),
  };
})()"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab():
    """A JupyterLab server on 127.0.0.1 rooted at the repository; yields its origin."""
    with tempfile.TemporaryDirectory(prefix="nnbook-lab-") as tmp:
        settings = Path(tmp, "settings", "@jupyterlab")
        for plugin, values in {
            "notebook-extension/tracker": {"windowingMode": "none"},
            "docmanager-extension/plugin": {"autosave": False},  # never write
            "apputils-extension/notification": {"fetchNews": "false"},
        }.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        port = free_port()
        env = {
            **os.environ,
            "JUPYTER_RUNTIME_DIR": str(Path(tmp, "runtime")),
            "JUPYTER_DATA_DIR": str(Path(tmp, "data")),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        log = open(Path(tmp, "server.log"), "w+")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                f"--port={port}",
                "--ip=127.0.0.1",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--ServerApp.port_retries=0",
                "--allow-root",  # CI runs as root; the server listens on 127.0.0.1 only
                f"--ServerApp.root_dir={ROOT}",
                f"--LabApp.user_settings_dir={Path(tmp, 'settings')}",
                f"--LabApp.workspaces_dir={Path(tmp, 'workspaces')}",
                "--LabApp.news_url=",
                "--LabApp.extension_manager=readonly",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp,
        )
        origin = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{origin}/api/status", timeout=5)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail(f"JupyterLab did not start:\n{log.read()[-3000:]}")
                    time.sleep(0.5)
            yield origin
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


@pytest.fixture(scope="module")
def tab(jupyterlab):
    browser = Browser(jupyterlab, timeout=60)
    try:
        yield jupyterlab, browser.new_page()
    finally:
        browser.close()


def test_the_extension_is_installed_for_this_jupyterlab():
    import jupyterlab_myst  # noqa: F401  (requirements.txt installs it; a missing one fails here)

    listed = subprocess.run(
        [sys.executable, "-m", "jupyterlab.labextensions", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)
    assert re.search(r"jupyterlab-myst v[\d.]+ enabled", text), text


@pytest.mark.parametrize(
    ("interface", "chapter"), OPENED, ids=[f"{i}-{Path(c).stem}" for i, c in OPENED]
)
def test_jupyterlab_renders_myst_and_hides_the_assertions(tab, interface, chapter):
    origin, page = tab
    committed = (ROOT / chapter).read_text(encoding="utf-8")
    source = json.loads(committed)
    markdown = "\n".join(
        "".join(c["source"]) for c in source["cells"] if c["cell_type"] == "markdown"
    )
    assert MYST_MARKUP.search(markdown), f"{chapter} has no MyST markup to test"
    hidden = [
        i
        for i, c in enumerate(source["cells"])
        if HIDDEN_TAG in c["metadata"].get("tags", []) and c.get("id") != INSTALL_ID
    ]
    n_markdown = sum(c["cell_type"] == "markdown" for c in source["cells"])

    failures = []
    try:
        page.goto(f"{origin}{URL_PATH[interface]}{chapter}", VIEWPORTS["desktop"], timeout=90)
        page.poll(
            f"(r => r && r.cells === {len(source['cells'])} && r.renderedMarkdown >= {n_markdown})"
            f"({NOTEBOOK_REPORT_JS})",
            90,
            f"{chapter} to open with every cell rendered",
        )
        page.wait_network_quiet(quiet=1.0, timeout=60)
    except BrowserError as err:
        failures.append(str(err))
    report = page.evaluate(NOTEBOOK_REPORT_JS) or {}
    if failures:
        failures.append(
            f"{report.get('cells')} of {len(source['cells'])} cells, {report.get('renderedMarkdown')} "
            f"of {n_markdown} Markdown cells rendered"
        )
    shot = ROOT / "_build" / "screenshots" / f"{interface}__{Path(chapter).stem}.png"
    page.screenshot(shot, VIEWPORTS["desktop"])
    raw = sorted(set(MYST_MARKUP.findall(report.get("text", ""))))
    if raw:
        failures.append(f"raw MyST markup in the rendered cells: {raw}")
    if report.get("collapsedInputs") != hidden:
        failures.append(
            f"cells with a collapsed input: {report.get('collapsedInputs')}; "
            f"expected the assertion cells {hidden}"
        )
    if (ROOT / chapter).read_text(encoding="utf-8") != committed:
        failures.append("JupyterLab changed the notebook on disk")
    assert not failures, f"{chapter} in {interface} (see {shot}):\n  " + "\n  ".join(failures)


SELF_CHECK_JS = r"""(() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const d = [...panel.querySelectorAll('.jp-MarkdownCell details.self-check')];
  const text = [...panel.querySelectorAll('.jp-MarkdownCell.jp-mod-rendered .jp-InputArea')]
    .map(m => m.innerText).join('\n');
  return {n: d.length, open: d.filter(x => x.open).length, raw: /<\/?(details|summary)\b/.test(text)};
})()"""
CLICK_ALL_JS = """document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) details.self-check summary')
  .forEach(s => s.click()) || true"""


@pytest.mark.parametrize("interface", ["lab", "notebook7"])
def test_self_check_questions_render_and_open_without_a_kernel(tab, interface):
    """The chapter's last cell (tests/test_selfcheck.py checks its form): HTML answers, not text."""
    origin, page = tab
    chapter = "book/01_learning_from_data.ipynb"
    last = "".join(json.loads((ROOT / chapter).read_text(encoding="utf-8"))["cells"][-1]["source"])
    n = last.count('<details class="self-check">')
    page.goto(f"{origin}{URL_PATH[interface]}{chapter}", VIEWPORTS["desktop"], timeout=90)
    page.poll(f"(r => r && r.n >= {n})({SELF_CHECK_JS})", 90, "the self-check to render")
    before = page.evaluate(SELF_CHECK_JS)
    page.evaluate(CLICK_ALL_JS)
    after = page.evaluate(SELF_CHECK_JS)
    shot = ROOT / "_build" / "screenshots" / f"{interface}__self_check.png"
    page.screenshot(shot, VIEWPORTS["desktop"])
    assert n >= 9 and before == {"n": n, "open": 0, "raw": False}, (before, shot)
    assert after == {"n": n, "open": n, "raw": False}, (after, shot)
