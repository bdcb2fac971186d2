"""Sphinx extension: a phone's browser shows the phone edition of a chapter's figures.

The book's kernels keep a phone edition of each figure whose text a 390 px phone would shrink
below 9 CSS px (nnlib/viz/phone_store.py), in the store named by ``NNLIB_PHONE_FIGURES`` (the
Makefile's ``BOOK_ENV``), as ``<sha256 of the desktop PNG>.png``. myst-nb names the desktop image
by the same hash, so for each figure of the HTML build whose phone edition is in the store, this
extension

* copies the edition next to the figure, as ``_images/<stem>-phone.png``;
* puts the figure's ``<img>`` in a ``<picture>`` whose ``<source>`` a narrow screen picks::

      <picture class="nn-phone-figure">
        <source media="(max-width: 575.98px)" srcset="../_images/<stem>-phone.png">
        <img alt="..." src="../_images/<stem>.png" style="width: 775px; height: 302px;">
      </picture>

  The ``<img>`` is Sphinx's own (its alt text, classes and the theme's and book's figure CSS,
  including the dark-mode white card); book/_css/nn-book.css lets its height follow the phone
  edition's shape. Relative URLs: the page works from a server and from ``file://``.

Only the ``html`` builder: the single-page build that ``make pdf`` prints keeps the desktop figures.
Registered in ``_config.yml`` under ``sphinx: extra_extensions``.
"""

from __future__ import annotations

import os
import re
import shutil
from html import escape
from pathlib import Path

from docutils import nodes

from nnlib.viz.phone import PHONE_MEDIA
from nnlib.viz.phone_store import ENV_VAR

PHONE_SUFFIX = "-phone"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def store_folder(app) -> Path:
    """The kernels' store of phone editions (``NNLIB_PHONE_FIGURES``, or the default)."""
    value = os.environ.get(ENV_VAR)
    return Path(value) if value else Path(app.srcdir) / "_build" / "phone"


def phone_edition_of(app, uri: str) -> Path | None:
    """The stored phone edition of the image at ``uri`` (named by its hash), or None."""
    stem = Path(uri).stem
    if not _SHA256.fullmatch(stem):
        return None
    edition = store_folder(app) / f"{stem}.png"
    return edition if edition.is_file() else None


#: the image node's attribute that marks a figure with a phone edition
MARK = "nn_phone_edition"


def mark_figures(app, doctree, docname: str) -> None:
    """Mark each image that has a phone edition in the store (HTML build only)."""
    if app.builder.name != "html":
        return
    for image in doctree.findall(nodes.image):
        if phone_edition_of(app, image["uri"]) is not None:
            image[MARK] = True


def _phone_srcset(translator, image) -> str | None:
    """Copy the figure's phone edition into _images/; its URL from the page, or None."""
    name = translator.builder.images.get(image["uri"])  # the figure's file name in _images/
    edition = phone_edition_of(translator.builder.app, image["uri"])
    if name is None or edition is None:
        return None
    phone_name = f"{Path(name).stem}{PHONE_SUFFIX}.png"
    target = Path(translator.builder.outdir) / translator.builder.imagedir / phone_name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.stat().st_mtime < edition.stat().st_mtime:
        shutil.copyfile(edition, target)
    return f"{translator.builder.imgpath}/{phone_name}"


def visit_image(translator, node) -> None:
    """Sphinx's own <img>, inside a <picture> when the figure has a phone edition.

    The <picture> goes around the <img> itself: Sphinx links a figure shown at a set size to its
    full image (<a class="image-reference"><img></a>), and a <source> only counts in the <img>'s
    own parent."""
    srcset = _phone_srcset(translator, node) if node.get(MARK) else None
    node["nn_picture"] = srcset is not None
    if srcset is not None:
        translator.body.append(
            f'<picture class="nn-phone-figure"><source media="{PHONE_MEDIA}" '
            f'srcset="{escape(srcset, quote=True)}">'
        )
    type(translator).visit_image(translator, node)


def depart_image(translator, node) -> None:
    type(translator).depart_image(translator, node)
    if node.get("nn_picture"):
        translator.body.append("</picture>")


def setup(app):
    app.add_node(nodes.image, override=True, html=(visit_image, depart_image))
    app.connect("doctree-resolved", mark_figures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
