"""Regularization explorer (book chapter 12): dropout and L2 on a network that overfits.

The setting: 359 digits to train on (20% of the data), a quarter of them with a wrong label, and
clean dev and test sets. A one-hidden-layer network of 256 ReLU units (about 19,000 parameters)
can memorise every training label, wrong ones included, and that is what hurts on the dev set.
:func:`train_regularized` trains it with a dropout rate ``p`` after the hidden layer and an L2
penalty ``l2`` (and optionally ``l1``) on both weight matrices, and returns the per-epoch curves.
Runs are cached per setting, so the chapter and the explorer share them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..data import load_digits, train_dev_test_split
from ..layers import Dense, Dropout
from ..model import Sequential
from ..optim import Adam
from .base import Explorer
from .static import thin
from .yours import DrivenByYours, max_gap

__all__ = [
    "L2_VALUES",
    "DROPOUT_VALUES",
    "overfit_split",
    "make_overfit_model",
    "train_regularized",
    "RegularizationExplorer",
    "YourRegularizationExplorer",
]

#: the L2 strengths and dropout rates the explorer offers
L2_VALUES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
DROPOUT_VALUES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@lru_cache(maxsize=1)
def overfit_split(label_noise: float = 0.25, seed: int = 0) -> dict[str, np.ndarray]:
    """The digits split 20/30/50 (seed 0), with a fraction ``label_noise`` of the training labels wrong.

    Returns a dict with ``X_train, y_train`` (noisy labels), ``y_train_clean``, ``X_dev, y_dev``,
    ``X_test, y_test`` (clean). A corrupted label is replaced by a different class, uniformly at
    random. Cached: do not modify the arrays.

    >>> d = overfit_split(); len(d["y_train"]), len(d["y_dev"]), len(d["y_test"])
    (359, 539, 899)
    >>> round(float(np.mean(d["y_train"] != d["y_train_clean"])), 2)
    0.25
    """
    X, y = load_digits()
    X_train, X_dev, X_test, y_train, y_dev, y_test = train_dev_test_split(
        X, y, (0.2, 0.3, 0.5), rng=seed
    )
    rng = np.random.default_rng(seed)
    wrong = rng.permutation(len(y_train))[: round(label_noise * len(y_train))]
    y_noisy = y_train.copy()
    y_noisy[wrong] = (y_train[wrong] + rng.integers(1, 10, len(wrong))) % 10  # never the true class
    return {
        "X_train": X_train,
        "y_train": y_noisy,
        "y_train_clean": y_train,
        "X_dev": X_dev,
        "y_dev": y_dev,
        "X_test": X_test,
        "y_test": y_test,
    }


def make_overfit_model(
    p: float = 0.0, l2: float = 0.0, l1: float = 0.0, hidden: int = 256, seed: int = 0
) -> Sequential:
    """``Dense(hidden, relu, l1, l2) -> Dropout(p) -> Dense(10, l1, l2)``, compiled with Adam(0.01).

    >>> make_overfit_model(0.5).layers
    [Dense(256, relu), Dropout(0.5), Dense(10)]
    """
    layers = [Dense(hidden, activation="relu", l1=l1, l2=l2, input_dim=64)]
    if p:
        layers.append(Dropout(p))
    model = Sequential(layers + [Dense(10, l1=l1, l2=l2)], seed=seed)
    model.compile(loss="cross_entropy", optimizer=Adam(lr=0.01))
    return model


def train_regularized(
    p: float = 0.0, l2: float = 0.0, l1: float = 0.0, epochs: int = 40, seed: int = 0
) -> dict:
    """Train :func:`make_overfit_model` on :func:`overfit_split` (batches of 32); curves and model.

    Returns arrays of length ``epochs``: ``loss``, ``accuracy`` (the ``fit`` logs: training mode,
    with dropout, penalty included), ``val_loss``, ``val_accuracy`` (dev set), and, measured after
    every epoch in inference mode *without* the penalty, ``train_ce``, ``train_acc`` (on the noisy
    training labels) and ``dev_ce``; plus the trained ``model``. Cached per arguments: treat the result as read-only.

    >>> run = train_regularized(0.0, 0.0, epochs=2)
    >>> sorted(k for k in run if k != "model")
    ['accuracy', 'dev_ce', 'loss', 'train_acc', 'train_ce', 'val_accuracy', 'val_loss']
    """
    return _train(float(p), float(l2), float(l1), int(epochs), int(seed))


@lru_cache(maxsize=128)
def _train(p: float, l2: float, l1: float, epochs: int, seed: int) -> dict:
    from ..callbacks import Callback
    from ..functional import cross_entropy

    data = overfit_split()
    X_train, y_train, X_dev, y_dev = data["X_train"], data["y_train"], data["X_dev"], data["y_dev"]
    model = make_overfit_model(p, l2, l1, seed=seed)
    measured = {"train_ce": [], "train_acc": [], "dev_ce": []}

    class _Measure(Callback):  # inference mode, data term only: comparable across p and penalties
        def on_epoch_end(self, epoch, logs=None):
            logits = model.predict(X_train, logits=True)
            measured["train_ce"].append(float(cross_entropy(logits, y_train)))
            measured["train_acc"].append(float(np.mean(logits.argmax(axis=1) == y_train)))
            # val_loss is the dev cross-entropy plus the penalty of the same (end-of-epoch) weights
            measured["dev_ce"].append(
                logs["val_loss"] - sum(layer.penalty() for layer in model.layers)
            )

    history = model.fit(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=32,
        validation_data=(X_dev, y_dev),
        callbacks=[_Measure()],
        verbose=0,
        seed=seed,
    )
    curves = {**history.history, **measured}
    return {**{k: np.array(v) for k, v in curves.items()}, "model": model}


class RegularizationExplorer(Explorer):
    """Train/dev curves for a chosen dropout rate and L2 strength, against the unregularized run (grey).

    The left panel shows the cross-entropy (inference mode, without the penalty) on the training
    set and on the dev set, the right panel the accuracies. Each new setting trains one small
    network (a fraction of a second) and is cached.

    >>> e = RegularizationExplorer(); s = e.update(p=0.5, l2=1e-3)
    >>> bool(s["run"]["dev_ce"][-1] < s["baseline"]["dev_ce"][-1])
    True
    """

    figsize = (8, 3.4)

    def __init__(self, p: float = 0.0, l2: float = 0.0):
        super().__init__(p=float(p), l2=float(l2))

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        return {
            "p": w.SelectionSlider(
                options=list(DROPOUT_VALUES),
                value=self.initial["p"],
                description="dropout p",
                style=style,
            ),
            "l2": w.SelectionSlider(
                options=list(L2_VALUES),
                value=self.initial["l2"],
                description="L2 lambda",
                style=style,
            ),
        }

    def static_grid(self):
        """4 dropout rates and 4 L2 strengths (16 states: each one trains a network)."""
        v = self.values
        return {
            "p": thin([0.0, 0.2, 0.5, 0.8], 1, keep=[v["p"]]),
            "l2": thin([0.0, 3e-4, 3e-3, 3e-2], 1, keep=[v["l2"]]),
        }

    def describe(self, state):
        run = state["run"]
        return (
            f"Training and dev accuracy per epoch with dropout p = {state['p']:g} and L2 lambda "
            f"{state['l2']:g}: final train accuracy {run['train_acc'][-1]:.2f}, dev accuracy "
            f"{run['val_accuracy'][-1]:.2f} (gap {state['gap']:.2f}), against the unregularized "
            "baseline."
        )

    def compute(self, p, l2):
        run, baseline = train_regularized(p, l2), train_regularized(0.0, 0.0)
        return {
            "p": p,
            "l2": l2,
            "run": run,
            "baseline": baseline,
            "gap": run["train_acc"][-1] - run["val_accuracy"][-1],
        }

    def draw(self, state, fig):
        axes = fig.subplots(1, 2)
        run, base = state["run"], state["baseline"]
        epochs = np.arange(1, len(run["loss"]) + 1)
        axes[0].plot(
            epochs, base["train_ce"], color="grey", lw=0.8, ls="--", label="train, unregularized"
        )
        axes[0].plot(epochs, base["dev_ce"], color="grey", lw=1.2, label="dev, unregularized")
        axes[0].plot(epochs, run["train_ce"], "C0--", label="train")
        axes[0].plot(epochs, run["dev_ce"], "C1", label="dev")
        axes[0].set_ylabel("cross-entropy (no penalty)")
        axes[0].set_yscale("log")
        axes[1].plot(epochs, base["train_acc"], color="grey", lw=0.8, ls="--")
        axes[1].plot(epochs, base["val_accuracy"], color="grey", lw=1.2)
        axes[1].plot(epochs, run["train_acc"], "C0--", label="train")
        axes[1].plot(epochs, run["val_accuracy"], "C1", label="dev")
        axes[1].set_ylabel("accuracy")
        axes[1].set_ylim(0.5, 1.01)
        for ax in axes:
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        fig.suptitle(
            f"dropout p = {state['p']:g}, L2 lambda = {state['l2']:g}: dev accuracy "
            f"{run['val_accuracy'][-1]:.3f} (unregularized {base['val_accuracy'][-1]:.3f})",
            fontsize=10,
        )
        fig.tight_layout()


class YourRegularizationExplorer(DrivenByYours, RegularizationExplorer):
    """The regularization explorer trained with your dropout and L2 penalty (worksheet 12).

    ``yours={"dropout_forward": ..., "dropout_backward": ..., "l2_penalty": ...}``: the run with
    the chosen p and lambda is trained again (same seed, same generator) with your functions in
    the ``Dropout`` and ``Dense`` layers; your dev curves are red dashed. With p = 0 and lambda = 0
    none of them is used, and nnlib's run is shown alone.

    >>> from nnlib.functional import dropout_forward
    >>> e = YourRegularizationExplorer(yours={"dropout_forward": dropout_forward})
    >>> e.update(p=0.5)["yours"].status
    'matches'
    """

    yours_names = ("dropout_forward", "dropout_backward", "l2_penalty")
    drawn_as = "dashed in red"

    def compute_yours(self, state, p, l2):
        return _train.__wrapped__(float(p), float(l2), 0.0, 40, 0)  # uncached

    def gap(self, state, value):
        return max(max_gap(value[k], state["run"][k]) for k in ("dev_ce", "val_accuracy"))

    def draw_yours(self, state, value, fig):
        epochs = np.arange(1, len(value["dev_ce"]) + 1)
        for ax, key in zip(fig.axes, ("dev_ce", "val_accuracy")):
            ax.plot(epochs, value[key], "--", color="red", lw=1.8, label="dev, yours")
        fig.axes[0].legend(fontsize=7)
