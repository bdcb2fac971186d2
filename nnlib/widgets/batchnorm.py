"""Batch-norm explorer (book chapter 11): the same deep network trained with and without BatchNorm.

:func:`train_digits_mlp` trains a small deep MLP on the digits with plain SGD, with or without a
:class:`~nnlib.layers.BatchNorm` after every hidden ``Dense``. Runs are cached per setting, so
the chapter's learning-rate sweep and the explorer share them, and moving the slider back to a
setting already seen is instant.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..callbacks import History
from ..data import load_digits, train_dev_test_split
from ..layers import Activation, BatchNorm, Dense
from ..model import Sequential
from ..optim import SGD
from .base import Explorer
from .yours import DrivenByYours, max_gap

__all__ = [
    "LEARNING_RATES",
    "digits_split",
    "make_mlp",
    "train_digits_mlp",
    "BatchNormExplorer",
    "YourBatchNormExplorer",
]

#: the learning rates the chapter sweeps and the explorer's slider offers
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


@lru_cache(maxsize=1)
def digits_split():
    """The digits, split 60/20/20 into ``X_train, X_dev, X_test, y_train, y_dev, y_test`` (seed 0).

    Cached: every caller gets the same arrays (do not modify them).

    >>> [a.shape[0] for a in digits_split()[:3]]
    [1078, 360, 359]
    """
    X, y = load_digits()
    return train_dev_test_split(X, y, (0.6, 0.2, 0.2), rng=0)


def make_mlp(
    batchnorm: bool,
    activation: str = "relu",
    depth: int = 4,
    width: int = 32,
    seed: int = 0,
    outputs: int = 10,
) -> Sequential:
    """``depth`` hidden blocks ``Dense(width) [-> BatchNorm] -> activation``, then ``Dense(outputs)`` logits.

    With batch norm the hidden ``Dense`` layers have no bias (``beta`` replaces it). Weights: He
    for ReLU, Xavier otherwise.

    >>> make_mlp(True, depth=1, width=4)
    Sequential([Dense(4), BatchNorm, Activation('relu'), Dense(10)])
    """
    init = "he" if activation == "relu" else "xavier"
    layers = []
    for _ in range(int(depth)):
        layers.append(Dense(width, use_bias=not batchnorm, kernel_initializer=init))
        if batchnorm:
            layers.append(BatchNorm())
        layers.append(Activation(activation))
    return Sequential(layers + [Dense(outputs, kernel_initializer="xavier")], seed=seed)


def train_digits_mlp(
    batchnorm: bool,
    lr: float,
    activation: str = "relu",
    epochs: int = 8,
    batch_size: int = 64,
    seed: int = 0,
) -> dict:
    """Train :func:`make_mlp` on the digits with ``SGD(lr)``; return its curves and the model.

    Returns ``{"loss", "accuracy", "val_loss", "val_accuracy"}`` (arrays of length ``epochs``, NaN
    after a divergence), ``"diverged"`` (the loss became NaN/inf) and ``"model"``. Cached per
    arguments: treat the result as read-only.

    >>> run = train_digits_mlp(True, 0.1, epochs=1)
    >>> run["loss"].shape, run["diverged"]
    ((1,), False)
    """
    return _train(
        bool(batchnorm), float(lr), str(activation), int(epochs), int(batch_size), int(seed)
    )


@lru_cache(
    maxsize=64
)  # keyed on normalised arguments, so positional and keyword calls share entries
def _train(
    batchnorm: bool, lr: float, activation: str, epochs: int, batch_size: int, seed: int
) -> dict:
    X_train, X_dev, _, y_train, y_dev, _ = digits_split()
    model = make_mlp(batchnorm, activation, seed=seed)
    model.compile(loss="cross_entropy", optimizer=SGD(lr=lr))
    log = History()  # keeps the epochs completed before a divergence
    diverged = False
    # a diverging run overflows on purpose: report it as diverged instead of printing warnings
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            model.fit(
                X_train,
                y_train,
                epochs=epochs,
                batch_size=batch_size,
                validation_data=(X_dev, y_dev),
                callbacks=[log],
                verbose=0,
                seed=seed,
            )
        except FloatingPointError:
            diverged = True
    curves = {}
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        values = np.full(epochs, np.nan)
        done = log.history.get(key, [])
        values[: len(done)] = done
        curves[key] = values
    return {**curves, "diverged": diverged, "model": model}


class BatchNormExplorer(Explorer):
    """Training curves of the same deep MLP with and without batch norm, for a chosen learning rate.

    Controls: the learning rate (plain SGD) and the hidden activation. Each setting trains two
    small networks once (cached), well under a second.

    >>> e = BatchNormExplorer(); s = e.update(lr=1.0, activation="relu")
    >>> bool(s["with"]["val_accuracy"][-1] > s["without"]["val_accuracy"][-1])
    True
    """

    figsize = (8, 3.4)

    def __init__(self, lr: float = 0.1, activation: str = "relu"):
        super().__init__(lr=float(lr), activation=activation)

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        return {
            "lr": w.SelectionSlider(
                options=list(LEARNING_RATES),
                value=self.initial["lr"],
                description="learning rate",
                style=style,
            ),
            "activation": w.Dropdown(
                options=["relu", "sigmoid", "tanh"],
                value=self.initial["activation"],
                description="activation",
            ),
        }

    def describe(self, state):
        def summary(run):
            if run["diverged"]:
                return "diverged"
            return f"dev accuracy {run['val_accuracy'][-1]:.2f} after {len(run['loss'])} epochs"

        return (
            f"Training curves of a digits MLP with {state['activation']} at learning rate "
            f"{state['lr']:g}: without batch normalization {summary(state['without'])}; "
            f"with it {summary(state['with'])}."
        )

    def compute(self, lr, activation):
        return {
            "lr": lr,
            "activation": activation,
            "without": train_digits_mlp(False, lr, activation),
            "with": train_digits_mlp(True, lr, activation),
        }

    def draw(self, state, fig):
        axes = fig.subplots(1, 2)
        for label, run, color in (
            ("without BN", state["without"], "C0"),
            ("with BN", state["with"], "C1"),
        ):
            epochs = np.arange(1, len(run["loss"]) + 1)
            suffix = " (diverged)" if run["diverged"] else ""
            axes[0].plot(epochs, run["loss"], "o-", ms=3, color=color, label=label + suffix)
            axes[1].plot(epochs, run["val_accuracy"], "o-", ms=3, color=color, label=label + suffix)
        axes[0].axhline(np.log(10), color="grey", lw=0.8, ls=":")
        axes[0].set_ylabel("training loss")
        axes[0].set_ylim(0, 3)
        axes[1].set_ylabel("dev accuracy")
        axes[1].set_ylim(0, 1)
        for ax in axes:
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        axes[1].legend(fontsize=8, loc="lower right")
        fig.suptitle(
            f"4 hidden {state['activation']} layers of 32, SGD lr = {state['lr']:g}", fontsize=10.5
        )
        fig.tight_layout()


class YourBatchNormExplorer(DrivenByYours, BatchNormExplorer):
    """The batch-norm explorer with the "with BN" network trained by your forward and backward (worksheet 11).

    ``yours={"batchnorm_forward": batchnorm_forward, "batchnorm_backward": batchnorm_backward}``:
    every ``BatchNorm`` layer calls your functions (same seed, same batches); your curves are red
    dashed beside nnlib's. Your run is not cached: each setting trains once more.

    >>> from nnlib.functional import batchnorm_forward
    >>> YourBatchNormExplorer(yours={"batchnorm_forward": batchnorm_forward}).state["yours"].status
    'matches'
    """

    yours_names = ("batchnorm_forward", "batchnorm_backward")
    drawn_as = "dashed in red"

    def compute_yours(self, state, lr, activation):
        return _train.__wrapped__(True, float(lr), str(activation), 8, 64, 0)  # uncached

    def gap(self, state, value):
        return max(max_gap(value[k], state["with"][k]) for k in ("loss", "val_accuracy"))

    def draw_yours(self, state, value, fig):
        epochs = np.arange(1, len(value["loss"]) + 1)
        suffix = " (diverged)" if value["diverged"] else ""
        for ax, key in zip(fig.axes, ("loss", "val_accuracy")):
            ax.plot(epochs, value[key], "--", color="red", lw=1.8, label="with your BN" + suffix)
        fig.axes[1].legend(fontsize=8, loc="lower right")
