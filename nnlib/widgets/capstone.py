"""Prediction explorer (book chapter 15): look at a trained classifier's answer for one test digit.

The model is trained once in the chapter and passed in; the explorer only runs inference
(``model.predict`` on one image per slider move), so it responds instantly and never retrains.
"""

from __future__ import annotations

import numpy as np

from .base import Explorer
from .static import thin

__all__ = ["PredictionExplorer"]


class PredictionExplorer(Explorer):
    """Slide through the test digits: the image, the predicted class probabilities and the truth.

    Args:
        model: anything with ``predict(X) -> (N, K)`` class probabilities (e.g. a trained
            :class:`nnlib.model.Sequential` with ``loss="cross_entropy"``).
        images: ``(N, 8, 8)`` (or ``(N, 64)``) pixels to show, as the reader knows them.
        X: ``(N, D)`` the model's inputs for the same samples (e.g. standardised ``images``).
        y: ``(N,)`` true labels.

    The ``show`` control restricts the slider to the misclassified samples; ``index`` then counts
    among them. The predictions for the whole set are computed once, at construction, to find
    the misclassified ones; each slider move predicts its one sample again (cheap).

    >>> class Always3:
    ...     def predict(self, X): return np.tile(np.eye(10)[3], (len(X), 1))
    >>> e = PredictionExplorer(Always3(), np.zeros((4, 8, 8)), np.zeros((4, 64)), np.array([3, 1, 3, 7]))
    >>> e.update(show="misclassified", index=1)["true"]
    7
    """

    figsize = (7, 3.0)

    def __init__(self, model, images, X, y, index: int = 0, show: str = "all"):
        self.model = model
        self.images = np.asarray(images, dtype=np.float64).reshape(len(images), 8, 8)
        self.X, self.y = np.asarray(X), np.asarray(y)
        if not (len(self.images) == len(self.X) == len(self.y)):
            raise ValueError(
                f"PredictionExplorer: expected images, X and y with the same number of samples, "
                f"got {len(self.images)}, {len(self.X)} and {len(self.y)}"
            )
        self.predicted = np.asarray(model.predict(self.X)).argmax(axis=1)
        self.wrong = np.flatnonzero(self.predicted != self.y)
        super().__init__(index=int(index), show=show)

    def make_controls(self):
        import ipywidgets as w

        return {
            "show": w.ToggleButtons(
                options=["all", "misclassified"], value=self.initial["show"], description="show"
            ),
            "index": w.IntSlider(
                value=self.initial["index"], min=0, max=len(self.y) - 1, description="test digit"
            ),
        }

    def _pool(self, show: str) -> np.ndarray:
        return self.wrong if show == "misclassified" and len(self.wrong) else np.arange(len(self.y))

    def static_grid(self):
        """Both pools; the slider at every misclassified position and every 24th digit."""
        index = self.values["index"]
        every = list(range(len(self.y)))
        positions = set(thin(every, 24, keep=[index])) | set(range(min(len(self.wrong), 24)))
        return {"show": ["all", "misclassified"], "index": sorted(positions)}

    def static_canonical(self, values):
        """Past the end of a pool the slider shows the pool's last digit."""
        last = len(self._pool(values["show"])) - 1
        if values["index"] < last:
            return values
        return {**values, "index": min(i for i in self.static_grid()["index"] if i >= last)}

    def describe(self, state):
        p = state["probs"][state["predicted"]]
        verdict = "correct" if state["predicted"] == state["true"] else "wrong"
        return (
            f"Test digit {state['sample']} (true label {state['true']}): the network predicts "
            f"{state['predicted']} with probability {p:.2f} ({verdict}); bars show the probability "
            f"of each of the 10 classes. Showing {state['show']} ({state['pool_size']} digits)."
        )

    def compute(self, show, index):
        pool = self._pool(show)
        i = int(pool[min(index, len(pool) - 1)])  # the slider may point past a shorter pool
        probs = np.asarray(self.model.predict(self.X[i : i + 1]))[0]
        return {
            "sample": i,
            "image": self.images[i],
            "probs": probs,
            "true": int(self.y[i]),
            "predicted": int(probs.argmax()),
            "pool_size": len(pool),
            "show": show,
        }

    def draw(self, state, fig):
        ax_img, ax_p = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.8]})
        ax_img.imshow(state["image"], cmap="gray_r", vmin=0, vmax=1)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        ok = state["predicted"] == state["true"]
        ax_img.set_title(f"test sample {state['sample']}: true {state['true']}", fontsize=9)
        probs = state["probs"]
        colours = ["0.7"] * len(probs)
        colours[state["predicted"]] = "C2" if ok else "C3"
        ax_p.bar(np.arange(len(probs)), probs, color=colours)
        ax_p.bar(
            [state["true"]],
            [probs[state["true"]]],
            fill=False,
            edgecolor="k",
            lw=1.5,
            label="true class",
        )
        ax_p.set_xticks(np.arange(len(probs)))
        ax_p.set_ylim(0, 1.05)
        ax_p.set_xlabel("class")
        ax_p.set_ylabel("predicted probability")
        ax_p.legend(fontsize=7, loc="upper right")
        verdict = "correct" if ok else "wrong"
        ax_p.set_title(
            f"predicted {state['predicted']} ({probs.max():.1%}): {verdict}"
            + (
                f"  [{state['pool_size']} misclassified]"
                if state["show"] == "misclassified"
                else ""
            ),
            fontsize=9,
        )
        fig.tight_layout()
