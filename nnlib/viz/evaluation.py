"""Plots for evaluating classifiers and looking at images (book chapters 13-15).

``plot_confusion_matrix`` draws the counts of :func:`nnlib.metrics.confusion_matrix` (rows: the
truth, columns: the prediction) with every count written in its cell; ``show_images`` lays out a
row (or grid) of small images with titles, e.g. misclassified digits or feature maps.
"""

from __future__ import annotations

import numpy as np

from . import new_axes

__all__ = ["plot_confusion_matrix", "show_images"]


def plot_confusion_matrix(
    C, labels=None, ax=None, normalize: bool = False, title: str | None = None, cmap: str = "Blues"
):
    """Heat map of a confusion matrix ``C (K, K)``, ``C[i, j]`` = samples of class i predicted as j.

    ``normalize=True`` colours by the fraction of each row (the per-class recall on the diagonal)
    and writes those fractions; otherwise the counts. The diagonal is outlined.

    >>> ax = plot_confusion_matrix(np.array([[5, 1], [0, 4]]), labels=["no", "yes"])
    """
    C = np.asarray(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square matrix (K, K), got {C.shape}")
    k = C.shape[0]
    labels = list(range(k)) if labels is None else list(labels)
    if len(labels) != k:
        raise ValueError(
            f"plot_confusion_matrix: expected {k} labels (one per row of C), got {len(labels)}"
        )
    ax = new_axes(ax, figsize=(4.5, 4))
    rows = C.sum(axis=1, keepdims=True)
    shown = np.divide(C, rows, out=np.zeros(C.shape), where=rows > 0) if normalize else C
    ax.imshow(shown, cmap=cmap, vmin=0)
    top = shown.max() if shown.size else 0
    for (i, j), value in np.ndenumerate(shown):
        if value or i == j:
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7 if k > 5 else 9,
                color="white" if value > 0.6 * top else "black",
            )
    ax.set_xticks(range(k), [str(v) for v in labels])
    ax.set_yticks(range(k), [str(v) for v in labels])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title)
    return ax


def show_images(
    images,
    titles=None,
    axes=None,
    ncols: int | None = None,
    cmap: str = "gray_r",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    figsize=None,
):
    """Draw each image of ``images (M, H, W)`` (or ``(M, H*W)`` square ones) in its own axes, no ticks.

    ``images`` may also be a list of 2-D arrays of different sizes (e.g. a map and its pooled
    version). Either pass ``axes`` (M of them) or get a new figure with ``ncols`` columns (default:
    one row). ``vmin=vmax=None`` scales each image to its own range. Returns the axes (flat array).

    >>> axes = show_images(np.zeros((3, 8, 8)), titles=["a", "b", "c"])
    >>> axes = show_images([np.zeros((8, 8)), np.zeros((4, 4))])
    """
    if isinstance(images, (list, tuple)) and len({np.shape(im) for im in images}) > 1:
        images = [np.asarray(im, dtype=np.float64) for im in images]
        if any(im.ndim != 2 for im in images):
            raise ValueError(
                f"show_images: expected a list of 2-D images, got shapes {[im.shape for im in images]}"
            )
        return _draw_images(images, titles, axes, ncols, cmap, vmin, vmax, figsize)
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(
                f"show_images: expected images (M, H, W) or square ones flattened (M, H*W), "
                f"got {images.shape}"
            )
        images = images.reshape(len(images), side, side)
    if images.ndim != 3:
        raise ValueError(f"show_images: expected images of shape (M, H, W), got {images.shape}")
    return _draw_images(images, titles, axes, ncols, cmap, vmin, vmax, figsize)


def _draw_images(images, titles, axes, ncols, cmap, vmin, vmax, figsize):
    m = len(images)
    if axes is None:
        import matplotlib.pyplot as plt

        ncols = m if ncols is None else ncols
        nrows = -(-m // ncols)
        fig, axes = plt.subplots(
            nrows, ncols, figsize=figsize or (1.2 * ncols, 1.35 * nrows), squeeze=False
        )
        for ax in axes.ravel()[m:]:
            ax.axis("off")
    axes = np.asarray(axes).ravel()[:m]
    if len(axes) < m:
        raise ValueError(
            f"show_images: expected at least {m} axes (one per image), got {len(axes)}"
        )
    for i, (ax, image) in enumerate(zip(axes, images)):
        ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    return axes
