"""Sphinx extension: the static explorers' rendered states and scripts in the built book.

A chapter executed with ``NNLIB_STATIC_EXPLORERS`` set (the Makefile's ``BOOK_ENV``) shows each
explorer as static HTML (:func:`nnlib.widgets.static.static_html`) that names its states' folder
in the cache. For each page that has one, this extension

* replaces the root token in that HTML with the page's relative path to the site root (so the
  page works from a server and from ``file://``, in the HTML and the single-page build),
* copies the explorer's rendered states from the cache to ``_static/nn-explorers/<key>/``
  (a missing folder stops the build: the cache was removed but the notebook's outputs were not),
* adds ``explorer.js`` and ``explorer.css`` from ``book/_explorers/`` and, on pages with a
  scripted explorer, every renderer in ``book/_explorers/renderers/``,
* leaves the ipywidgets manager off the pages that show no ipywidgets view.

Registered in ``_config.yml`` under ``sphinx: extra_extensions``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError

from .static import ENV_VAR, ROOT_TOKEN, SITE_FOLDER

#: the controller, its style sheet and the renderers, relative to the book's root
ASSETS = Path("book") / "_explorers"
_KEY = re.compile(r'data-nn-explorer="([0-9a-f]+)"')


def cache_folder(app) -> Path:
    """The folder the build rendered the states into (``NNLIB_STATIC_EXPLORERS``, or the default)."""
    value = os.environ.get(ENV_VAR)
    return Path(value) if value else Path(app.srcdir) / "_build" / "explorers"


def _root_of(app, docname: str) -> str:
    """The relative path from the page of ``docname`` to the site root, e.g. '../'."""
    uri = app.builder.get_target_uri(docname).split("#", 1)[0]
    return "../" * uri.count("/")


def _copy_states(app, docname: str, key: str) -> None:
    source = cache_folder(app) / key
    if not (source / "manifest.json").is_file():
        raise ExtensionError(
            f"{docname}: the explorer states {key} are not in {cache_folder(app)} (the cache of "
            f"{ENV_VAR}). The notebook's outputs are cached but its states are not: run "
            "`make book-full`, which re-executes every chapter and renders them again."
        )
    target = Path(app.outdir) / SITE_FOLDER / key
    if not (target / "manifest.json").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)


def resolve_explorers(app, doctree, docname: str) -> None:
    """Point each explorer on the page at its states, and copy them into the site."""
    if app.builder.format != "html":
        return
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if ROOT_TOKEN not in text:
            continue
        for key in _KEY.findall(text):
            _copy_states(app, docname, key)
        text = text.replace(ROOT_TOKEN, _root_of(app, docname))
        node[:] = [nodes.Text(text)]  # in place: the node keeps myst-nb's classes


def _asset_files(app) -> list[Path]:
    folder = Path(app.srcdir) / ASSETS
    return sorted(p for p in folder.rglob("*") if p.suffix in (".js", ".css"))


def add_page_assets(app, pagename, templatename, context, doctree) -> None:
    """The controller (and the renderers, for scripted explorers) on the pages that need them."""
    body = context.get("body", "")
    if 'class="nn-explorer"' not in body:
        return
    app.add_css_file("nn-explorers/explorer.css")
    if "data-nn-renderer=" in body:
        folder = Path(app.srcdir) / ASSETS / "renderers"
        for renderer in sorted(folder.glob("*.js")):
            app.add_js_file(f"nn-explorers/renderers/{renderer.name}")
    app.add_js_file("nn-explorers/explorer.js")


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def drop_unused_widget_manager(app, pagename, templatename, context, doctree) -> None:
    """No ipywidgets view on the page: leave out the widget manager (4.3 MB) and widget state.

    An executed chapter keeps the state of the explorers' (undisplayed) ipywidgets controls in its
    metadata, so myst-nb adds the widget manager to the page. Its explorers are static now and
    show no widget view; without this a chapter would load ~9 MB before any interaction.
    """
    body = context.get("body", "")
    scripts = context.get("script_files")
    if scripts is None or "application/vnd.jupyter.widget-view+json" in body:
        return
    # the builder files a relative script under _static/ ("_static/../requirejs/require.js")
    manager = set(app.config.nb_ipywidgets_js or ())
    manager |= {f"_static/{path}" for path in manager}
    scripts[:] = [
        js
        for js in scripts
        if str(getattr(js, "filename", js)) not in manager
        and getattr(js, "attributes", {}).get("type") != WIDGET_STATE
    ]


def page_context(app, pagename, templatename, context, doctree) -> None:
    """Both of the above, at the default priority: after myst-nb's handler (registered first),
    and before any handler that returns a template name, which ends the event for the rest."""
    add_page_assets(app, pagename, templatename, context, doctree)
    drop_unused_widget_manager(app, pagename, templatename, context, doctree)


def copy_assets(app, exception) -> None:
    """Copy explorer.js, explorer.css and the renderers to ``_static/nn-explorers/``."""
    if exception is not None or app.builder.format != "html":
        return
    source = Path(app.srcdir) / ASSETS
    for path in _asset_files(app):
        target = Path(app.outdir) / SITE_FOLDER / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def setup(app):
    app.connect("doctree-resolved", resolve_explorers)
    app.connect("html-page-context", page_context)
    app.connect("build-finished", copy_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": False}
