"""``Sequential``: a stack of layers, applied in order (book chapters 5-6 and 15).

The model is a container: it builds its layers for an input shape, runs them forward and
backward, and names their parameters::

    model = Sequential([Dense(64, activation="relu"), Dense(10)], seed=0)
    out = model.forward(x, training=True)       # layer by layer
    dx  = model.backward(dout)                  # in reverse; fills every layer.grads
    model.parameters()                          # {"0.W": ..., "0.b": ..., "1.W": ..., "1.b": ...}

Training (``compile``, ``fit``, ``evaluate``, ``train_on_batch``, ``predict``) comes from
:class:`nnlib.training.Trainer`, as Keras's ``Model`` inherits its ``Trainer``; which targets and
outputs go with which loss is in :mod:`nnlib.targets`.

>>> import numpy as np
>>> from nnlib.layers import Dense
>>> model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(2)], seed=0)
>>> model.forward(np.zeros((5, 2))).shape
(5, 2)
>>> sorted(model.parameters())
['0.W', '0.b', '1.W', '1.b']
"""

from __future__ import annotations

import numpy as np

from ._validate import as_rng, shape_str
from .layers import Layer
from .training import Trainer

__all__ = ["Sequential"]


class Sequential(Trainer):
    """A linear stack of layers, trained by mini-batch gradient descent (see ``Trainer``).

    Args:
        layers: ``nnlib.layers`` objects, applied in order.
        dtype: float64 (default) or float32. When None, the dtype of the first input given to
            ``fit`` / ``build`` (float32 stays float32). Once built, inputs are cast to it.
        seed, rng: randomness for the initial weights and dropout of layers that have none of
            their own, and for shuffling (unless ``fit`` gets its own ``seed``/``rng``).

    The model is built (parameters created) on the first ``fit``/``predict``, by ``build``, or at
    construction when the first layer declares ``input_dim``/``input_shape``.

    >>> from nnlib.layers import Dense
    >>> Sequential([Dense(4, input_dim=3), Dense(2)], seed=0).output_shape
    (2,)
    """

    def __init__(self, layers=(), dtype=None, seed=None, rng=None) -> None:
        super().__init__()
        self.layers: list[Layer] = []
        self.dtype = None if dtype is None else np.dtype(dtype)
        if self.dtype is not None and self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Sequential: expected dtype float32 or float64, got {self.dtype}")
        self.rng = (
            as_rng(rng, "Sequential", seed=seed, int_seed=False, optional=True)
            or np.random.default_rng()
        )
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        self._layout: list | None = (
            None  # (name, shape) of every parameter, to notice when they change
        )
        for layer in layers:
            self.add(layer)

    # ------------------------------------------------------------------------- construction
    def add(self, layer: Layer) -> None:
        """Append a layer; it is built at once if the model already is built.

        Adding a layer with parameters to a model that has trained restarts the optimizer's state
        (e.g. Adam's moments), which was kept for the old set of parameters."""
        if not (
            hasattr(layer, "forward") and hasattr(layer, "backward") and hasattr(layer, "params")
        ):
            raise TypeError(
                "Sequential: expected a layer (forward, backward, params), "
                f"got {type(layer).__name__}"
            )
        self.layers.append(layer)
        declared = getattr(layer, "declared_input_shape", None)
        if self.built or (len(self.layers) == 1 and declared is not None):
            self.build(self.input_shape or declared)  # built layers keep their parameters

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def build(self, input_shape, dtype=None) -> None:
        """Create every layer's parameters for inputs of shape ``(N, *input_shape)``."""
        if not self.layers:
            raise ValueError("Sequential.build: the model has no layers")
        dtype = np.dtype(next((d for d in (self.dtype, dtype) if d is not None), np.float64))
        shape = tuple(int(s) for s in input_shape)
        for layer in self.layers:
            rng = None if layer.rng is not None else self.rng.spawn(1)[0]
            shape = layer.build(shape, dtype, rng)
        self.dtype, self.input_shape, self.output_shape = (
            dtype,
            tuple(int(s) for s in input_shape),
            shape,
        )
        layout = [(name, p.shape) for name, p in self._named_params()]
        if self._layout is not None and layout != self._layout:
            self._forget_optimizer_state()
        self._layout = layout

    # ------------------------------------------------------------------ forward and backward
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """The output of the last layer: ``x`` through every layer in order."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dL/dx`` from ``dL/dout``, through the layers in reverse; fills each ``layer.grads``."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    # ------------------------------------------------------------------------------ weights
    def _named_params(self):
        # parameter names are "<layer index>.<name>", unique across the model, e.g. "0.W"
        return [
            (f"{i}.{k}", v) for i, layer in enumerate(self.layers) for k, v in layer.params.items()
        ]

    def parameters(self) -> dict[str, np.ndarray]:
        """The live trainable arrays, named ``"<layer index>.<param>"`` (e.g. ``"0.W"``)."""
        self._require_built("Sequential.parameters")
        return dict(self._named_params())

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradients of the last backward pass, with the names of :meth:`parameters`."""
        self._require_built("Sequential.gradients")
        return {
            f"{i}.{k}": layer.grads[k]
            for i, layer in enumerate(self.layers)
            for k in layer.params
            if k in layer.grads
        }

    def _weight_arrays(self) -> list[np.ndarray]:
        return [a for layer in self.layers for a in (*layer.params.values(), *layer.state.values())]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter and buffer (BatchNorm running statistics), layer by layer."""
        self._require_built("Sequential.get_weights")
        return [a.copy() for a in self._weight_arrays()]

    def set_weights(self, weights) -> None:
        """Copy ``weights`` (as returned by :meth:`get_weights`) into the model, in place."""
        self._require_built("Sequential.set_weights")
        targets = self._weight_arrays()
        if len(weights) != len(targets):
            raise ValueError(
                f"Sequential.set_weights: expected {len(targets)} arrays, got {len(weights)}"
            )
        for i, (target, w) in enumerate(zip(targets, weights)):
            w = np.asarray(w)
            if w.shape != target.shape:
                raise ValueError(
                    f"Sequential.set_weights: expected weights[{i}] of shape {target.shape}, "
                    f"got {w.shape}"
                )
            target[...] = w

    def _require_built(self, fn: str) -> None:
        if not self.built:
            raise RuntimeError(
                f"{fn}: the model is not built yet; call build(input_shape), fit() or predict(), "
                "or give the first layer input_dim"
            )

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print) -> str:
        """Print (and return) a table of the layers, their output shapes and parameter counts."""
        self._require_built("Sequential.summary")
        rows = [("Layer", "Output shape", "Params")]
        for i, layer in enumerate(self.layers):
            rows.append(
                (
                    f"{i}: {layer.label}",
                    shape_str((None,) + layer.output_shape),
                    f"{layer.count_params():,}",
                )
            )
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        line = "-" * (sum(widths) + 4)

        def fmt(r):
            return f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"

        buffers = sum(a.size for layer in self.layers for a in layer.state.values())
        text = "\n".join(
            [
                fmt(rows[0]),
                line,
                *map(fmt, rows[1:]),
                line,
                f"Trainable params: {self.count_params():,}"
                + (f"  (+ {buffers:,} non-trainable running statistics)" if buffers else "")
                + f"   input {shape_str((None,) + self.input_shape)}, {self.dtype}",
            ]
        )
        if print_fn is not None:
            print_fn(text)
        return text

    def __repr__(self) -> str:
        return f"Sequential([{', '.join(layer.label for layer in self.layers)}])"
