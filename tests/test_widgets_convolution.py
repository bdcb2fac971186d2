"""nnlib.widgets.convolution: the kernel presets, apply_kernel and the kernel explorer."""

import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from scipy.signal import correlate2d

from nnlib.widgets.convolution import KERNELS, KernelExplorer, apply_kernel, digit_images

from helpers import ORACLE_TOL, assert_close, t


def fingerprint(explorer) -> str:
    FigureCanvasAgg(
        explorer.figure
    )  # a figure closed by pyplot keeps a bare canvas that cannot render
    return explorer.figure_fingerprint()


@pytest.mark.parametrize(
    "shape, stride, pad", [((8, 8), 1, 0), ((8, 8), 2, 1), ((7, 9), 3, 2), ((5, 5), 1, 1)]
)
def test_apply_kernel_matches_torch_conv2d(shape, stride, pad):
    rng = np.random.default_rng(sum(shape) + stride + pad)
    image, kernel = rng.standard_normal(shape), rng.standard_normal((3, 3))
    image_before = image.copy()
    out = apply_kernel(image, kernel, stride, pad)
    expected = torch.nn.functional.conv2d(
        t(image[None, None]), t(kernel[None, None]), stride=stride, padding=pad
    )[0, 0].numpy()
    assert_close(out, expected, ORACLE_TOL, "apply_kernel vs torch conv2d")
    np.testing.assert_array_equal(image, image_before)


def test_apply_kernel_is_cross_correlation_not_convolution():
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    np.testing.assert_allclose(
        apply_kernel(image, kernel), correlate2d(image, kernel, mode="valid")
    )


def test_apply_kernel_rejects_batches():
    with pytest.raises(ValueError, match=r"apply_kernel: .*\(1, 8, 8\).*\(3, 3\)"):
        apply_kernel(np.zeros((1, 8, 8)), np.zeros((3, 3)))


def test_sobel_kernels_find_edges_of_their_orientation():
    step = np.zeros((6, 6))
    step[:, 3:] = 1.0  # dark on the left, bright on the right
    vertical = apply_kernel(step, KERNELS["vertical edges (Sobel x)"])
    horizontal = apply_kernel(step, KERNELS["horizontal edges (Sobel y)"])
    assert np.all(vertical[:, 1:3] == 4.0) and np.all(
        vertical[:, [0, 3]] == 0.0
    )  # only at the edge
    assert np.all(horizontal == 0.0)
    assert np.allclose(apply_kernel(step, KERNELS["identity"], pad=1), step)
    assert (
        np.isclose(KERNELS["blur (mean)"].sum(), 1.0) and KERNELS["Laplacian (outline)"].sum() == 0
    )


def test_digit_images_are_the_digits():
    images, labels = digit_images()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0.0 and images.max() == 1.0 and not images.flags.writeable


def test_explorer_output_size_follows_the_formula():
    e = KernelExplorer(pad=1)
    assert e.state["out"].shape == (8, 8) and e.state["size"] == 8
    for stride, pad in ((2, 0), (3, 2), (1, 0), (3, 0)):
        state = e.update(stride=stride, pad=pad)
        size = (8 + 2 * pad - 3) // stride + 1
        assert state["out"].shape == (size, size) and state["size"] == size
        assert state["padded"].shape == (8 + 2 * pad,) * 2
        np.testing.assert_allclose(
            state["out"], apply_kernel(state["image"], state["kernel"], stride, pad)
        )


def test_explorer_presets_and_sliders_stay_in_sync():
    e = KernelExplorer()
    before = fingerprint(e)
    state = e.update(preset="blur (mean)")
    np.testing.assert_allclose(state["kernel"], KERNELS["blur (mean)"])
    assert e.values["k11"] == pytest.approx(1 / 9)
    after_preset = fingerprint(e)
    assert after_preset != before
    state = e.update(k11=2.0)  # editing a weight makes the kernel custom
    assert state["preset"] == "custom" and e.values["preset"] == "custom"
    assert state["kernel"][1, 1] == 2.0 and state["kernel"][0, 0] == pytest.approx(1 / 9)
    assert fingerprint(e) != after_preset
    state = e.update(preset="identity", digit=5)
    np.testing.assert_allclose(state["kernel"], KERNELS["identity"])
    images, labels = digit_images()
    assert state["label"] == labels[5]
    np.testing.assert_allclose(
        state["out"], images[5][1:-1, 1:-1]
    )  # identity, no padding: the interior


def test_explorer_rejects_an_unknown_preset():
    with pytest.raises(ValueError, match="KernelExplorer: expected preset"):
        KernelExplorer(preset="emboss")
