"""Decision-boundary playground (book chapter 5): a small MLP on XOR, moons or spirals.

The reader picks the data set, the hidden width, the activation, the learning rate and the number
of epochs; the explorer trains ``Sequential([Dense(H, act), Dense(K)])`` full-batch with Adam and
shades the regions it assigns to each class. Training is deterministic (seeded weights, no
shuffling) and cached: a later epoch count continues the cached run instead of starting again,
so moving the epochs slider costs only the extra epochs.

>>> run = train_mlp("xor", hidden=4, activation="tanh", epochs=50)
>>> len(run["loss"]), run["accuracy"] > 0.5
(50, True)
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..data import make_moons, make_spirals, make_xor
from .base import Explorer
from .static import thin

__all__ = ["DATASETS", "ACTIVATIONS", "load_dataset", "train_mlp", "DecisionBoundaryExplorer"]

#: name -> (generator, keyword arguments); every set is seeded, so the book is reproducible
DATASETS = {
    "xor": (make_xor, dict(n=200, noise=0.3, rng=0)),
    "moons": (make_moons, dict(n=200, noise=0.15, rng=0)),
    "spirals": (make_spirals, dict(n=300, classes=3, noise=0.15, rng=0)),
}
#: the activation choices; "identity" makes the whole network linear (it cannot solve XOR)
ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")

_DATA_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_RUNS: dict[tuple, dict[int, dict[str, Any]]] = {}  # setting -> epoch -> run (model + curves)
_MAX_SETTINGS = 256  # a long live session cannot grow the cache without bound


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of the named playground data set: ``X (N, 2)`` float64, ``y (N,)`` int64 labels.

    >>> X, y = load_dataset("moons"); X.shape, sorted(set(y.tolist()))
    ((200, 2), [0, 1])
    """
    if name not in DATASETS:
        raise ValueError(
            f"load_dataset: unknown data set {name!r}; choose one of {sorted(DATASETS)}"
        )
    if name not in _DATA_CACHE:
        make, kwargs = DATASETS[name]
        _DATA_CACHE[name] = make(**kwargs)
    return _DATA_CACHE[name]


def _new_model(n_classes: int, hidden: int, activation: str, lr: float, seed: int):
    from ..layers import Dense
    from ..model import Sequential
    from ..optim import Adam

    # Xavier suits tanh/sigmoid/identity; He suits ReLU (chapter 10).
    init = "he" if activation == "relu" else "xavier"
    out = 1 if n_classes == 2 else n_classes
    model = Sequential(
        [
            Dense(hidden, activation=activation, kernel_initializer=init, input_dim=2),
            Dense(out, kernel_initializer="xavier"),
        ],
        seed=seed,
    )
    model.compile(
        loss="binary_cross_entropy_with_logits" if out == 1 else "cross_entropy",
        optimizer=Adam(lr=lr),
    )
    return model


def _accuracy(model, X: np.ndarray, y: np.ndarray) -> float:
    out = model.predict(X)
    pred = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
    return float(np.mean(pred == y))


def train_mlp(
    dataset: str, hidden: int, activation: str, epochs: int, lr: float = 0.03, seed: int = 0
) -> dict[str, Any]:
    """Train a 2-``hidden``-K network full-batch with Adam for ``epochs`` steps (cached).

    One epoch is one gradient step on the whole data set. Returns a dict with ``model`` (a
    ``Sequential``, do not train it further: it is shared with the cache), ``loss`` (the
    training loss before each step, length ``epochs``) and ``accuracy`` (training accuracy after
    the last step). Identical arguments give identical results.

    >>> train_mlp("xor", 2, "identity", 0)["loss"]
    []
    """
    fn = "train_mlp"
    X, y = load_dataset(dataset)
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{fn}: unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}"
        )
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < 1:
        raise ValueError(f"{fn}: expected hidden to be a positive integer, got {hidden!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"{fn}: expected epochs to be an integer >= 0, got {epochs!r}")
    key = (dataset, int(hidden), activation, float(lr), int(seed))
    if key not in _RUNS and len(_RUNS) >= _MAX_SETTINGS:
        _RUNS.clear()
    runs = _RUNS.setdefault(key, {})
    if epochs in runs:
        return runs[epochs]
    start = max((e for e in runs if e < epochs), default=None)
    if start is None:
        model, losses = (
            _new_model(int(y.max()) + 1, int(hidden), activation, float(lr), int(seed)),
            [],
        )
    else:  # continue the longest shorter run (a copy: the cached one stays as it was)
        model, losses = copy.deepcopy(runs[start]["model"]), list(runs[start]["loss"])
    if epochs > (start or 0):
        history = model.fit(
            X, y, epochs=int(epochs) - (start or 0), batch_size=len(X), shuffle=False, verbose=0
        )
        losses += history.history["loss"]
    runs[epochs] = {"model": model, "loss": losses, "accuracy": _accuracy(model, X, y)}
    return runs[epochs]


class DecisionBoundaryExplorer(Explorer):
    """Train a one-hidden-layer MLP on a 2-D data set and show its decision regions and loss.

    Controls: ``dataset`` (xor, moons, spirals), ``activation``, ``hidden`` (units), ``lr``,
    ``epochs``. State: ``X``, ``y``, ``model``, ``loss`` (per epoch), ``accuracy``.

    >>> e = DecisionBoundaryExplorer(); s = e.update(dataset="xor", activation="identity", epochs=100)
    >>> s["accuracy"] < 0.75  # a linear network cannot separate XOR
    True
    """

    figsize = (8, 3.6)

    def __init__(
        self,
        dataset: str = "xor",
        activation: str = "tanh",
        hidden: int = 8,
        epochs: int = 300,
        lr: float = 0.03,
    ):
        super().__init__(
            dataset=dataset, activation=activation, hidden=hidden, epochs=epochs, lr=lr
        )

    def make_controls(self):
        import ipywidgets as w

        v, style = self.initial, {"description_width": "initial"}
        return {
            "dataset": w.Dropdown(
                options=list(DATASETS),
                value=v["dataset"],
                description="data",
                layout=w.Layout(width="150px"),
            ),
            "activation": w.Dropdown(
                options=list(ACTIVATIONS),
                value=v["activation"],
                description="activation",
                style=style,
                layout=w.Layout(width="190px"),
            ),
            "hidden": w.SelectionSlider(
                options=[1, 2, 3, 4, 6, 8, 16, 32],
                value=v["hidden"],
                description="hidden units",
                style=style,
                continuous_update=False,
            ),
            "lr": w.SelectionSlider(
                options=[0.003, 0.01, 0.03, 0.1],
                value=v["lr"],
                description="learning rate",
                style=style,
                continuous_update=False,
            ),
            "epochs": w.IntSlider(
                value=v["epochs"],
                min=0,
                max=500,
                step=25,
                description="epochs",
                style=style,
                continuous_update=False,
            ),
        }

    def static_grid(self):
        """Every data set and activation; 2 widths, 2 learning rates, 3 epoch counts (144 states)."""
        v = self.values
        return {
            "dataset": list(DATASETS),
            "activation": list(ACTIVATIONS),
            "hidden": thin([2, 8], 1, keep=[v["hidden"]]),
            "lr": thin([0.03, 0.1], 1, keep=[v["lr"]]),
            "epochs": thin([0, 150, 300], 1, keep=[v["epochs"]]),
        }

    def static_canonical(self, values):
        """Before the first epoch the learning rate has not acted yet."""
        if values["epochs"]:
            return values
        return {**values, "lr": self.static_grid()["lr"][0]}

    def describe(self, state):
        loss = state["loss"][-1] if len(state["loss"]) else float("nan")
        return (
            f"Decision regions of a 2-{state['hidden']}-1 {state['activation']} network on the "
            f"{state['dataset']} data after {state['epochs']} epochs: training accuracy "
            f"{state['accuracy']:.2f}, final loss {loss:.3f}; right, the loss per epoch."
        )

    def compute(self, dataset, activation, hidden, lr, epochs):
        X, y = load_dataset(dataset)
        run = train_mlp(dataset, hidden, activation, epochs, lr)
        return {
            "X": X,
            "y": y,
            "dataset": dataset,
            "activation": activation,
            "hidden": hidden,
            "epochs": epochs,
            **run,
        }

    def draw(self, state, fig):
        from ..viz import plot_decision_boundary

        ax_b, ax_l = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        plot_decision_boundary(
            state["model"].predict,
            state["X"],
            state["y"],
            ax=ax_b,
            resolution=120,
            title=f"2-{state['hidden']}-{state['model'].output_shape[0]} "
            f"{state['activation']} net: accuracy {state['accuracy']:.2f}",
        )
        ax_b.title.set_fontsize(10)
        loss = state["loss"]
        if loss:
            ax_l.plot(np.arange(1, len(loss) + 1), loss, color="C0")
            ax_l.set_yscale("log")
        ax_l.set_xlim(0, max(len(loss), 1))
        ax_l.set_xlabel("epoch (one full-batch Adam step)")
        ax_l.set_ylabel("training loss")
        ax_l.set_title(
            f"{state['dataset']}: training loss"
            + (f", last epoch {loss[-1]:.3f}" if loss else " (no training yet)"),
            fontsize=10,
        )
        fig.tight_layout()
