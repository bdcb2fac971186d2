"""The book's kernels keep a phone edition of every figure they show (nnlib/viz/phone.py).

The Makefile's kernel profile calls :func:`install` when a kernel that executes a chapter starts.
With ``NNLIB_PHONE_FIGURES`` set to a folder (the Makefile's ``BOOK_ENV``), each matplotlib figure
the notebook displays is drawn as usual (the retina PNG that goes into the notebook) and, next to
that, the store receives

* ``<sha256>.json`` for every figure: the desktop PNG's width and its smallest text height in its
  own pixels, and the phone edition's (or why there is none);
* ``<sha256>.png``, the phone edition, for a figure whose text a phone would show below
  :data:`~nnlib.viz.phone.MIN_TEXT_PX`;

named by the SHA-256 of the desktop PNG's bytes, which is also the name myst-nb gives that image in
the built book: the Sphinx extension (nnlib/grading/authoring/sphinx_phone.py) finds the phone
edition of ``_images/<sha256>.png`` by its name. The store lives in ``_build/`` next to the
explorers' cache and survives a rebuild from jupyter-cache, which executes nothing.

Without the variable nothing is registered: a student's JupyterLab or Colab is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from binascii import a2b_base64
from pathlib import Path

from matplotlib.figure import Figure

from .phone import (
    MIN_TEXT_PX,
    PHONE_COLUMN_PX,
    CannotRelayout,
    copy_figure,
    phone_edition,
    png_width,
    smallest_text_pt,
    text_css_px,
)

#: the environment variable naming the store folder
ENV_VAR = "NNLIB_PHONE_FIGURES"


def record_figure(fig: Figure, desktop_png: bytes, store: Path, dpi: float) -> dict:
    """Write the store's entry for ``fig``, shown as ``desktop_png`` drawn at ``dpi`` dots per inch.

    Returns the JSON record. The phone edition is drawn only when the desktop image, shown a
    phone column wide, would make the figure's smallest text smaller than the minimum.
    """
    name = hashlib.sha256(desktop_png).hexdigest()
    width = png_width(desktop_png)
    record: dict = {"width_px": width, "phone": None, "reason": ""}
    try:
        smallest = smallest_text_pt(copy_figure(fig))
    except CannotRelayout:  # a figure that cannot be copied is measured itself (drawing it again)
        smallest = smallest_text_pt(fig)
    record["smallest_pt"] = smallest
    record["text_px"] = None if smallest is None else smallest / 72 * dpi
    if smallest is not None:
        shown = min(PHONE_COLUMN_PX, width / 2)  # the retina image is shown at half its pixels
        if text_css_px(smallest, width / dpi, shown) >= MIN_TEXT_PX:
            record["reason"] = "legible on a phone as it is"
        else:
            try:
                edition = phone_edition(fig)
            except CannotRelayout as err:
                record["reason"] = f"no phone edition: {err}"
            else:
                (store / f"{name}.png").write_bytes(edition.png)
                record["phone"] = {
                    "file": f"{name}.png",
                    "width_px": edition.width_px,
                    "smallest_pt": edition.smallest_pt,
                    "text_px": edition.text_px,
                    "layout": edition.layout,
                }
    (store / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def install(shell=None) -> None:
    """Keep a phone edition of each displayed figure when ``NNLIB_PHONE_FIGURES`` is set.

    Registers a mime-bundle formatter for matplotlib figures in the running IPython ``shell``: it
    asks the PNG formatter for the figure's image as the notebook would get it (so the output is
    byte for byte unchanged), records the figure in the store and returns that image. Returns
    None, so the kernel profile's line prints nothing.
    """
    folder = os.environ.get(ENV_VAR)
    if not folder:
        return
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return
    store = Path(folder)
    store.mkdir(parents=True, exist_ok=True)
    formatters = shell.display_formatter

    def figure_bundle(fig):
        # the PNG formatter the inline backend chose ("retina": PNG at 2x, with width/height)
        try:
            printer = formatters.formatters["image/png"].lookup_by_type(Figure)
        except KeyError:
            return None
        result = printer(fig)
        if result is None:  # an empty figure
            return None
        data, metadata = result if isinstance(result, tuple) else (result, {})
        png = a2b_base64(data) if isinstance(data, str) else data
        # "retina" draws at twice the figure's dpi and says so: width = pixels // 2
        scale = round(png_width(png) / metadata["width"]) if metadata.get("width") else 1
        dpi = fig.dpi * scale
        try:
            record_figure(fig, png, store, dpi)
        except Exception as err:  # never break a chapter over its phone edition
            name = hashlib.sha256(png).hexdigest()
            (store / f"{name}.json").write_text(
                json.dumps({"width_px": png_width(png), "phone": None, "error": repr(err)}) + "\n",
                encoding="utf-8",
            )
        return ({"image/png": data}, {"image/png": metadata} if metadata else {})

    formatters.mimebundle_formatter.for_type(Figure, figure_bundle)
