"""nnlib.viz.evaluation: the confusion-matrix plot and the image grid used by chapters 13-15."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnlib.metrics import confusion_matrix  # noqa: E402
from nnlib.viz.evaluation import plot_confusion_matrix, show_images  # noqa: E402


def texts(ax):
    return [tx.get_text() for tx in ax.texts]


def test_confusion_matrix_plot_writes_every_count():
    C = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])
    fig, ax = plt.subplots()
    plot_confusion_matrix(C, labels=["a", "b", "c"], ax=ax, title="t")
    written = texts(ax)
    assert sorted(written) == sorted(
        str(v) for v in C.ravel() if v
    )  # nonzero counts (the diagonal is nonzero)
    np.testing.assert_array_equal(ax.images[0].get_array(), C)
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["a", "b", "c"]
    assert (
        ax.get_xlabel() == "predicted class"
        and ax.get_ylabel() == "true class"
        and ax.get_title() == "t"
    )
    plt.close(fig)


def test_confusion_matrix_plot_normalizes_rows():
    C = np.array([[3, 1], [0, 4]])
    fig, ax = plt.subplots()
    plot_confusion_matrix(C, ax=ax, normalize=True)
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.75, 0.25], [0.0, 1.0]])
    assert "0.75" in texts(ax) and "1.00" in texts(ax)
    plt.close(fig)


@pytest.mark.parametrize(
    "C, labels, match",
    [
        (
            np.zeros((2, 3)),
            None,
            r"plot_confusion_matrix: expected a square matrix \(K, K\), got \(2, 3\)",
        ),
        (np.zeros((2, 2)), ["a", "b", "c"], "plot_confusion_matrix: expected 2 labels"),
    ],
)
def test_confusion_matrix_plot_rejects_bad_input(C, labels, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(C, labels=labels)


def test_show_images_draws_one_axes_per_image():
    images = np.random.default_rng(0).random((5, 64))  # flattened 8x8 images
    axes = show_images(images, titles=list("abcde"), ncols=3)
    assert len(axes) == 5 and [ax.get_title() for ax in axes] == list("abcde")
    np.testing.assert_allclose(axes[2].images[0].get_array(), images[2].reshape(8, 8))
    assert (
        len(axes[0].figure.axes) == 6 and not axes[0].figure.axes[5].axison
    )  # the spare cell is hidden
    plt.close(axes[0].figure)


def test_show_images_takes_images_of_different_sizes():
    fig, axes = plt.subplots(1, 2)
    out = show_images([np.ones((8, 8)), np.zeros((4, 4))], axes=axes, vmin=None, vmax=None)
    assert [ax.images[0].get_array().shape for ax in out] == [(8, 8), (4, 4)]
    plt.close(fig)


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((2, 10)), r"show_images: expected images \(M, H, W\) or square ones flattened"),
        (
            np.zeros((2, 3, 4, 4)),
            r"show_images: expected images of shape \(M, H, W\), got \(2, 3, 4, 4\)",
        ),
    ],
)
def test_show_images_rejects_bad_shapes(images, match):
    with pytest.raises(ValueError, match=match):
        show_images(images)


def test_show_images_needs_enough_axes():
    fig, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="show_images: expected at least 3 axes"):
        show_images(np.zeros((3, 4, 4)), axes=axes)
    plt.close(fig)
