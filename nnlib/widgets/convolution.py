"""Kernel explorer (book chapter 14): slide a 3x3 kernel over a digit, with a stride and zero padding.

The feature map is :func:`nnlib.functional.conv2d_forward` (a cross-correlation, as in every
deep-learning library) of one 8x8 digit with the kernel::

    out[i, j] = sum_{p, q} xp[i*s + p, j*s + q] * k[p, q],      xp = x zero-padded by `pad`
    H_out = (H + 2 pad - 3) // s + 1

:data:`KERNELS` holds classic hand-made kernels: edge detectors (Sobel), a blur, a sharpener and
a Laplacian. In a CNN nobody designs the kernels: they are learned, and the first layer of a
trained network often ends up with kernels that look like these.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import functional as F
from .base import Explorer
from .scripted import axes_rects, colormap_hex, figure_size
from .static import thin
from .yours import DrivenByYours, max_gap, mismatch

__all__ = ["KERNELS", "digit_images", "apply_kernel", "KernelExplorer", "YourKernelExplorer"]

#: hand-made 3x3 kernels, name -> (3, 3) array; "custom" keeps whatever the sliders hold
KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "vertical edges (Sobel x)": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "horizontal edges (Sobel y)": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "diagonal edges": np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], dtype=float),
    "blur (mean)": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "Laplacian (outline)": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
}
_CUSTOM = "custom"
_K = [f"k{i}{j}" for i in range(3) for j in range(3)]  # slider names, row-major


@lru_cache(maxsize=1)
def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as ``(N, 8, 8)`` images in [0, 1] and their labels (cached: read-only).

    >>> images, labels = digit_images(); images.shape, int(labels[0])
    ((1797, 8, 8), 0)
    """
    from ..data import load_digits

    X, y = load_digits(as_images=True)
    X = X[:, 0]
    X.setflags(write=False)
    return X, y


def apply_kernel(image, kernel, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Cross-correlate one image ``(H, W)`` with one kernel ``(kh, kw)``: ``(H_out, W_out)``.

    A thin wrapper of :func:`nnlib.functional.conv2d_forward` for a single channel and filter.

    >>> apply_kernel(np.ones((4, 4)), np.ones((3, 3))).tolist()
    [[9.0, 9.0], [9.0, 9.0]]
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"apply_kernel: expected an image (H, W) and a kernel (kh, kw), "
            f"got {image.shape} and {kernel.shape}"
        )
    return F.conv2d_forward(image[None, None], kernel[None, None], np.zeros(1), stride, pad)[0, 0]


class KernelExplorer(Explorer):
    """Choose a kernel (or edit its 9 weights), a digit, the stride and the padding; see the feature map.

    Choosing a preset writes its weights into the nine sliders; moving a slider switches the
    preset to "custom". Left: the padded input (padding hatched) with the first window (solid)
    and the next one along the row (dashed). Middle: the kernel. Right: the feature map and the
    output-size formula.

    >>> e = KernelExplorer(); s = e.update(stride=2, pad=1)
    >>> s["out"].shape, s["size"]
    ((4, 4), 4)
    """

    figsize = (8, 3.2)

    def __init__(
        self,
        preset: str = "vertical edges (Sobel x)",
        digit: int = 0,
        stride: int = 1,
        pad: int = 0,
    ):
        if preset not in KERNELS:
            raise ValueError(
                f"KernelExplorer: expected preset in {sorted(KERNELS)}, got {preset!r}"
            )
        self._syncing = False
        super().__init__(preset=preset, digit=int(digit), stride=int(stride), pad=int(pad))

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        controls = {
            "preset": w.Dropdown(
                options=[*KERNELS, _CUSTOM], value=self.initial["preset"], description="kernel"
            ),
            "digit": w.IntSlider(
                value=self.initial["digit"], min=0, max=99, description="digit #", style=style
            ),
            "stride": w.IntSlider(
                value=self.initial["stride"], min=1, max=3, description="stride", style=style
            ),
            "pad": w.IntSlider(
                value=self.initial["pad"], min=0, max=2, description="padding", style=style
            ),
        }
        kernel = KERNELS[self.initial["preset"]].ravel()
        for name, value in zip(_K, kernel):
            controls[name] = w.FloatSlider(
                value=float(value),
                min=-5.0,
                max=5.0,
                step=0.25,
                description=name,
                readout_format=".2f",
                style={"description_width": "30px"},
                layout=w.Layout(width="250px"),
            )
        return controls

    def widget(self):
        """The kernel choice, digit, stride and padding on top, the 3x3 grid of weight sliders below."""
        import ipywidgets as w

        top = [self.controls[k] for k in ("preset", "digit", "stride", "pad")]
        grid = w.GridBox(
            [self.controls[k] for k in _K],
            layout=w.Layout(grid_template_columns="repeat(3, 260px)"),
        )
        return w.VBox([w.HBox(top, layout=w.Layout(flex_flow="row wrap")), grid, self.output])

    def _on_change(self, change):
        owner, held = change["owner"], getattr(self, "_holding", False)
        if owner is self.controls["preset"] and change["new"] != _CUSTOM:
            self._holding, self._syncing = True, True  # nine slider moves, one redraw
            try:
                for name, value in zip(_K, KERNELS[change["new"]].ravel()):
                    self.controls[name].value = float(value)
            finally:
                self._holding, self._syncing = held, False
        elif not self._syncing and any(owner is self.controls[k] for k in _K):
            self._holding = True
            try:
                self.controls["preset"].value = _CUSTOM
            finally:
                self._holding = held
        super()._on_change(change)

    def compute(self, preset, digit, stride, pad, **weights):
        images, labels = digit_images()
        image = images[digit]
        kernel = np.array([weights[k] for k in _K], dtype=np.float64).reshape(3, 3)
        out = apply_kernel(image, kernel, stride, pad)
        size = (8 + 2 * pad - 3) // stride + 1
        return {
            "image": image,
            "digit": int(digit),
            "label": int(labels[digit]),
            "padded": np.pad(image, pad),
            "kernel": kernel,
            "out": out,
            "size": size,
            "stride": stride,
            "pad": pad,
            "preset": preset,
            "formula": f"({8} + 2*{pad} - 3) // {stride} + 1 = {size}",
        }

    def draw(self, state, fig):
        from matplotlib.patches import Rectangle

        ax_in, ax_k, ax_out = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.15, 0.8, 1.0]})
        padded, pad, stride = state["padded"], state["pad"], state["stride"]
        n = padded.shape[0]
        ax_in.imshow(padded, cmap="gray_r", vmin=0, vmax=1)
        if pad:
            for r, c in np.argwhere(np.pad(np.zeros((8, 8)), pad, constant_values=1) > 0):
                ax_in.add_patch(
                    Rectangle(
                        (c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", lw=0, edgecolor="0.75"
                    )
                )
        ax_in.add_patch(Rectangle((-0.5, -0.5), 3, 3, fill=False, edgecolor="C3", lw=2))
        if stride + 3 <= n:
            ax_in.add_patch(
                Rectangle((stride - 0.5, -0.5), 3, 3, fill=False, edgecolor="C1", lw=1.5, ls="--")
            )
        ax_in.set_title(f"input: digit {state['label']}, padded to {n}x{n}", fontsize=9)
        k = state["kernel"]
        lim = max(np.abs(k).max(), 1e-12)
        ax_k.imshow(k, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (r, c), value in np.ndenumerate(k):
            ax_k.text(
                c,
                r,
                f"{value:.2g}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if abs(value) > 0.6 * lim else "black",
            )
        ax_k.set_title(state["preset"], fontsize=9)
        out = state["out"]
        lim = max(np.abs(out).max(), 1e-12)
        ax_out.imshow(out, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax_out.set_title(
            f"feature map {out.shape[0]}x{out.shape[1]}\n{state['formula']}", fontsize=9
        )
        for ax in (ax_in, ax_k, ax_out):
            ax.set_xticks([])
            ax.set_yticks([])
        fig.tight_layout()

    # --- the static book: computed in JavaScript (book/_explorers/renderers/kernel.js) ---------
    #: 41^9 kernels x 100 digits x 9 (stride, padding) pairs: too many states to render in advance
    static_renderer = "kernel"

    def static_grid(self) -> dict[str, list]:
        """The sliders' steps plus every preset's weights (1/9 of the blur is off the 0.25 steps)."""
        grid = super().static_grid()
        weights = sorted({float(v) for kernel in KERNELS.values() for v in kernel.ravel()})
        return {name: thin(v, 1, keep=weights) if name in _K else v for name, v in grid.items()}

    def static_data(self) -> dict:
        """The digits the slider reaches (intensities 0..16), the presets, colour maps and layout."""
        images, labels = digit_images()
        count = self.controls["digit"].max + 1
        return {
            "digits": np.rint(16 * images[:count].reshape(count, 64)).astype(int).tolist(),
            "labels": labels[:count].tolist(),
            "presets": {name: kernel.ravel().tolist() for name, kernel in KERNELS.items()},
            "gray": colormap_hex("gray_r"),
            "diverging": colormap_hex("RdBu_r"),
            "size": figure_size(self.figure),
            "rects": axes_rects(self.figure),
        }

    def describe(self, state) -> str:
        """Alt text for a ``compute`` result: the digit, kernel, stride and feature map."""
        n, out = state["padded"].shape[0], state["out"]
        weights = "; ".join(" ".join(f"{v:.2g}" for v in row) for row in state["kernel"])
        return (
            f"Digit {state['label']} (#{state['digit']}) padded by {state['pad']} to {n}x{n}, "
            f'kernel "{state["preset"]}" [{weights}], '
            f"stride {state['stride']}: feature map {state['size']}x{state['size']} ({state['formula']}), "
            f"values from {out.min():.2f} to {out.max():.2f}."
        )


class YourKernelExplorer(DrivenByYours, KernelExplorer):
    """The kernel explorer with the feature map computed by your ``conv2d_forward`` (worksheet 14).

    ``yours={"conv2d_forward": conv2d_forward}``. The right panel shows your feature map; the
    cells where it differs from nnlib's are boxed in red.

    >>> from nnlib.functional import conv2d_forward
    >>> YourKernelExplorer(yours={"conv2d_forward": conv2d_forward}).state["yours"].status
    'matches'
    """

    yours_names = ("conv2d_forward",)
    drawn_as = "on the right, wrong cells boxed in red"

    def gap(self, state, value):
        return max_gap(value["out"], state["out"])

    def draw_yours(self, state, value, fig):
        from matplotlib.patches import Rectangle

        ax_out, out = fig.axes[2], value["out"]
        lim = max(np.abs(out).max(), 1e-12)
        ax_out.images[0].set_data(out)
        ax_out.images[0].set_clim(-lim, lim)
        ax_out.set_title(
            f"your feature map {out.shape[0]}x{out.shape[1]}\n{state['formula']}", fontsize=9
        )
        for r, c in np.argwhere(mismatch(out, state["out"])):
            ax_out.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="red", lw=2))
