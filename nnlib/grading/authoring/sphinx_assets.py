"""Sphinx extension: lighter book pages, the same page on screen (issue 13: <= 5 MB per chapter).

After every HTML build (``build-finished``) it

* stores every figure in ``_images/`` as a 256-colour palette PNG (:func:`palette_png`). The
  chapters' matplotlib figures are drawn at twice their displayed size and use a few hundred
  colours plus their anti-aliased edges, so a palette keeps what a reader sees at a third of the
  bytes: a figure that was 385 kB becomes ~100 kB, with 9 pixels in 10 unchanged and none of the
  figure's dominant colours (background, text, lines) moved. The explorers' states in
  ``_static/nn-explorers/`` are not touched: they are written as 64-colour palettes already.
* removes the theme's ``fontawesome.js`` from every page (:func:`drop_icon_script`): 1.5 MB of
  JavaScript that swaps each ``<i class="fa-...">`` icon for an inline SVG. The theme's style sheet
  already carries Font Awesome's web-font rules and fonts (``_static/vendor/fontawesome/``), which
  draw the same icons from a 156 kB font; the script only matters for custom icons, which the book
  has none of.

Both steps are idempotent, so an incremental build, which rewrites only the pages (and their
figures) that changed, leaves the rest as the previous build left them. Registered in
``_config.yml`` under ``sphinx: extra_extensions``.
"""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

#: the theme's Font Awesome script, and its source map and licence (unused once no page loads it)
ICON_SCRIPT = Path("_static") / "scripts" / "fontawesome.js"
_ICON_SCRIPT_TAG = re.compile(
    r'[ \t]*<script\b[^>]*\ssrc="[^"]*/fontawesome\.js[^"]*"[^>]*>\s*</script>\n?'
)


def palette_png(path: Path, colours: int = 256) -> bool:
    """Rewrite the opaque PNG at ``path`` as a palette of ``colours``; True if it was rewritten.

    Median cut without dithering: every distinct colour that covers many pixels (a background, a
    text or line colour, a flat area) gets its own palette entry and keeps its exact value; only
    the rare blends along anti-aliased edges move to the nearest entry. Left as they are: palette
    or grey images (already small), images with any transparent pixel (a palette would need an
    alpha table, and the book's figures are opaque), and images the palette would not shrink.

    >>> import tempfile
    >>> import numpy as np
    >>> figure = Path(tempfile.mkdtemp()) / "figure.png"
    >>> pixels = np.zeros((64, 64, 3), np.uint8); pixels[::2] = 255; pixels[:, ::3, 1] = 128
    >>> Image.fromarray(pixels).save(figure)     # an opaque RGB figure with 4 colours
    >>> palette_png(figure), Image.open(figure).mode, palette_png(figure)  # twice: a no-op
    (True, 'P', False)
    """
    path = Path(path)
    if not isinstance(colours, int) or not 2 <= colours <= 256:
        raise ValueError(f"palette_png: colours must be an int in 2..256, got {colours!r}")
    with Image.open(path) as image:
        if image.format != "PNG" or image.mode not in ("RGB", "RGBA"):
            return False
        if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255:
            return False
        palette = image.convert("RGB").quantize(
            colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    before = path.stat().st_size
    temporary = path.with_name(path.name + ".palette")
    palette.save(temporary, "PNG", optimize=True)
    if temporary.stat().st_size >= before:
        temporary.unlink()
        return False
    temporary.replace(path)  # atomic: a reader never sees half a figure
    return True


def compress_figures(outdir: Path) -> tuple[int, int, int]:
    """Palette-compress every ``_images/*.png`` under ``outdir``: (files rewritten, bytes before, after).

    Files already in palette mode are skipped after reading their header, so a rebuild only pays
    for the figures Sphinx copied again.
    """
    rewritten, before, after = 0, 0, 0
    for path in sorted((Path(outdir) / "_images").glob("*.png")):
        size = path.stat().st_size
        if palette_png(path):
            rewritten += 1
            before += size
            after += path.stat().st_size
    return rewritten, before, after


def drop_icon_script(outdir: Path) -> int:
    """Remove the ``fontawesome.js`` tag from every page under ``outdir``, and the script; pages changed."""
    outdir = Path(outdir)
    changed = 0
    for page in outdir.rglob("*.html"):
        if page.is_relative_to(outdir / "_static"):
            continue  # vendored files (the widget manager's examples...), not the book's pages
        text = page.read_text(encoding="utf-8")
        lighter = _ICON_SCRIPT_TAG.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
            changed += 1
    for leftover in (".js", ".js.map", ".js.LICENSE.txt"):
        (outdir / ICON_SCRIPT.with_suffix(leftover)).unlink(missing_ok=True)
    return changed


def lighten_site(app, exception) -> None:
    """``build-finished``: compress the figures and drop the icon script (HTML builders only)."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    rewritten, before, after = compress_figures(app.outdir)
    pages = drop_icon_script(app.outdir)
    logging.getLogger(__name__).info(
        f"sphinx_assets: {rewritten} figures as palettes ({before / 1e6:.1f} -> {after / 1e6:.1f} MB), "
        f"fontawesome.js dropped from {pages} pages"
    )


def setup(app):
    # 800, after the default 500: the figures' phone versions (_images/*-phone.png) are written
    # by an earlier build-finished handler, and are compressed with the rest.
    app.connect("build-finished", lighten_site, priority=800)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
